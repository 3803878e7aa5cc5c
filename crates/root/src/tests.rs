use std::os::unix::fs::symlink;

use super::*;

fn tree() -> (tempfile::TempDir, Root) {
    let dir = tempfile::tempdir().unwrap();
    let root = Root::new(dir.path());
    fs::create_dir_all(root.sys().join("class/demo")).unwrap();
    (dir, root)
}

#[test]
fn read_trims_and_parses() {
    let (_d, root) = tree();
    let p = root.sys().join("class/demo/value");
    fs::write(&p, "42\n").unwrap();
    assert_eq!(root.read(&p).unwrap(), "42");
    assert_eq!(root.read_parse::<u8>(&p, "a byte").unwrap(), 42);
}

#[test]
fn empty_and_garbage_are_malformed_with_path() {
    let (_d, root) = tree();
    let p = root.sys().join("class/demo/value");
    for bad in ["", "\n", "forty-two", "300"] {
        fs::write(&p, bad).unwrap();
        let e = root.read_parse::<u8>(&p, "a byte").unwrap_err();
        assert!(matches!(e, Error::Malformed { .. }), "{bad:?}: {e:?}");
        assert_eq!(e.path(), p.as_path());
    }
}

#[test]
fn missing_is_not_found_with_path_or_none_when_optional() {
    let (_d, root) = tree();
    let p = root.sys().join("class/demo/absent");
    let e = root.read(&p).unwrap_err();
    assert!(e.is_not_found());
    assert!(e.to_string().contains("class/demo/absent"), "{e}");
    assert_eq!(root.read_optional(&p).unwrap(), None);
    assert!(root.list_optional(&root.class("nothing")).unwrap().is_empty());
    assert_eq!(root.resolve_optional(&p).unwrap(), None);
}

#[test]
fn reads_are_bounded_and_an_oversized_file_names_itself() {
    let (_d, root) = tree();
    let p = root.sys().join("class/demo/huge");
    fs::write(&p, vec![b'1'; ATTRIBUTE_LIMIT + 1]).unwrap();
    let e = root.read(&p).unwrap_err();
    assert!(matches!(e, Error::Oversized { limit: ATTRIBUTE_LIMIT, .. }), "{e:?}");
    assert!(e.to_string().contains("class/demo/huge"), "{e}");
    // Exactly at the limit is still a value.
    fs::write(&p, vec![b'1'; ATTRIBUTE_LIMIT]).unwrap();
    assert_eq!(root.read(&p).unwrap().len(), ATTRIBUTE_LIMIT);
    // A table gets more room, but not unlimited.
    fs::write(&p, vec![b'x'; 100_000]).unwrap();
    assert_eq!(root.read_with_limit(&p, TABLE_LIMIT).unwrap().len(), 100_000);
    assert!(matches!(
        root.read_bytes_with_limit(&p, 99_999).unwrap_err(),
        Error::Oversized { limit: 99_999, .. }
    ));
}

#[test]
fn write_never_creates_nodes() {
    let (_d, root) = tree();
    let p = root.sys().join("class/demo/absent");
    assert!(root.write(&p, "1").unwrap_err().is_not_found());
    assert!(!root.exists(&p).unwrap());
}

#[test]
fn probes_tell_absent_from_unreadable() {
    let (_d, root) = tree();
    let dir = root.class("demo");
    let file = dir.join("value");
    fs::write(&file, "1").unwrap();
    symlink("nowhere", dir.join("dangling")).unwrap();
    assert!(root.exists(&file).unwrap());
    assert!(!root.is_dir(&file).unwrap());
    assert!(root.is_dir(&dir).unwrap());
    assert!(!root.exists(&dir.join("absent")).unwrap());
    // A path through a file does not exist; it is not an error.
    assert!(!root.exists(&file.join("below")).unwrap());
    assert!(!root.exists(&dir.join("dangling")).unwrap());
    assert!(root.lexists(&dir.join("dangling")).unwrap());
    // Anything but absence stays an error naming the node: a symlink loop
    // (ELOOP) stands in for EACCES/EIO, which root cannot provoke.
    symlink("loop_b", dir.join("loop_a")).unwrap();
    symlink("loop_a", dir.join("loop_b")).unwrap();
    for probe in [Root::exists, Root::is_dir] {
        let e = probe(&root, &dir.join("loop_a")).unwrap_err();
        assert!(matches!(e, Error::Io { op: IoOp::Stat, .. }), "{e:?}");
        assert_eq!(e.path(), dir.join("loop_a"));
        assert_eq!(e.raw_os_error(), Some(libc::ELOOP));
    }
}

#[test]
fn only_the_system_root_is_live() {
    assert!(Root::system().is_live());
    assert!(Root::system().require_live("ETHTOOL_GLINKSETTINGS").is_ok());
    // Even a tree at "/" is a tree: liveness is a property, never a guess
    // from the path.
    for tree in [Root::new("/"), Root::new("fixtures/sysfs/helios64-armbian")] {
        assert!(!tree.is_live());
        let e = tree.require_live("ETHTOOL_GLINKSETTINGS").unwrap_err();
        assert!(e.to_string().starts_with("ETHTOOL_GLINKSETTINGS needs the running kernel"), "{e}");
    }
}

#[test]
fn on_box_strips_the_base() {
    let root = Root::new("/tmp/fixture");
    assert_eq!(root.on_box(Path::new("/tmp/fixture/sys/class/leds")), Path::new("/sys/class/leds"));
    assert_eq!(Root::system().on_box(Path::new("/sys/x")), Path::new("/sys/x"));
}

#[test]
fn on_box_strips_a_non_canonical_base_from_resolved_paths() {
    let (dir, _root) = tree();
    let indirect = Root::new(dir.path().join("sys").join(".."));
    let resolved = indirect.resolve(&indirect.class("demo")).unwrap();
    assert_eq!(indirect.on_box(&resolved), Path::new("/sys/class/demo"));
}

#[test]
fn list_is_sorted_and_links_read_their_targets() {
    let (_d, root) = tree();
    let dir = root.class("demo");
    for n in ["b", "a", "c"] {
        fs::write(dir.join(n), "").unwrap();
    }
    let names: Vec<_> =
        root.list(&dir).unwrap().iter().map(|p| file_name(p).unwrap().to_owned()).collect();
    assert_eq!(names, ["a", "b", "c"]);
    symlink("../../bus/platform/drivers/pwm-fan", dir.join("driver")).unwrap();
    assert_eq!(root.link_name(&dir.join("driver")).unwrap().as_deref(), Some("pwm-fan"));
    assert_eq!(root.link_name(&dir.join("nolink")).unwrap(), None);
    assert_eq!(root.read_link(&dir.join("a")).unwrap(), Some(Link::NotALink));
    assert!(matches!(root.link_name(&dir.join("a")).unwrap_err(), Error::Malformed { .. }));
}

#[test]
fn devices_open_under_the_root_and_name_the_node() {
    let (_d, root) = tree();
    let e = root.open_device(&root.dev().join("gpiochip0"), true).unwrap_err();
    assert!(matches!(e, Error::Io { op: IoOp::Open, .. }) && e.is_not_found(), "{e:?}");
    assert!(e.path().ends_with("dev/gpiochip0"));
}

#[test]
fn an_open_attribute_reads_and_writes_in_place() {
    let (_d, root) = tree();
    let p = root.class("demo").join("pwm1");
    fs::write(&p, "255\n").unwrap();
    let attr = root.open_attr(&p, true).unwrap();
    assert_eq!(attr.read_parse::<u8>("a pwm").unwrap(), 255);
    attr.write("40").unwrap();
    // A shorter value replaces the longer one, as sysfs would show it.
    assert_eq!(fs::read_to_string(&p).unwrap(), "40");
    assert_eq!(attr.read().unwrap(), "40");
    fs::write(&p, "fast\n").unwrap();
    let e = attr.read_parse::<u8>("a pwm").unwrap_err();
    assert!(matches!(e, Error::Malformed { .. }) && e.path() == p, "{e:?}");
    // Opened read-only, a write is refused with the path.
    let ro = root.open_attr(&p, false).unwrap();
    let e = ro.write("1").unwrap_err();
    assert!(matches!(e, Error::Io { op: IoOp::Write, .. }) && e.path() == p, "{e:?}");
    assert!(root.open_attr(&root.class("demo").join("absent"), false).unwrap_err().is_not_found());
}

#[test]
fn an_open_attribute_reads_a_real_sysfs_value() {
    // A kernel attribute on the host: proves the pread-at-0 path on sysfs.
    let root = Root::system();
    let attr = root.open_attr(Path::new("/sys/kernel/uevent_seqnum"), false).unwrap();
    let first: u64 = attr.read_parse("a sequence number").unwrap();
    let again: u64 = attr.read_parse("a sequence number").unwrap();
    assert!(again >= first, "re-readable at offset 0: {first} then {again}");
}
