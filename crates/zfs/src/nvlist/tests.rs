//! nvlist round trips through the real libnvpair (no kernel module needed).

use super::*;
use crate::error::ErrorKind;

fn sample() -> NvList {
    let mut nested = NvList::new().unwrap();
    nested.insert("path", "/dev/sda").unwrap();
    nested.insert("guid", &42u64).unwrap();

    let mut l = NvList::new().unwrap();
    l.insert_flag("flag").unwrap();
    l.insert("yes", &true).unwrap();
    l.insert("i8", &-8i8).unwrap();
    l.insert("u8", &8u8).unwrap();
    l.insert("i16", &-16i16).unwrap();
    l.insert("u16", &16u16).unwrap();
    l.insert("i32", &-32i32).unwrap();
    l.insert("u32", &32u32).unwrap();
    l.insert("i64", &i64::MIN).unwrap();
    l.insert("u64", &u64::MAX).unwrap();
    l.insert("pi", &3.5f64).unwrap();
    l.insert("name", "tank/fs@snap").unwrap();
    l.insert("owned", &String::from("owned string")).unwrap();
    l.insert("u64s", &[1u64, 2, 3][..]).unwrap();
    l.insert("i64s", &vec![-1i64, 0, 1]).unwrap();
    l.insert("bools", &[true, false][..]).unwrap();
    l.insert("strs", &["a", "b c"][..]).unwrap();
    l.insert("nested", &nested).unwrap();
    l.insert("children", &[&*nested, &*nested][..]).unwrap();
    l
}

#[test]
fn typed_getters_read_back_what_was_inserted() {
    let l = sample();
    assert_eq!(l.bool("flag").unwrap(), Some(true));
    assert_eq!(l.bool("yes").unwrap(), Some(true));
    assert_eq!(l.get("i8").unwrap(), Some(NvValue::Int8(-8)));
    assert_eq!(l.get("u8").unwrap(), Some(NvValue::Uint8(8)));
    assert_eq!(l.get("i16").unwrap(), Some(NvValue::Int16(-16)));
    assert_eq!(l.get("u16").unwrap(), Some(NvValue::Uint16(16)));
    assert_eq!(l.i32("i32").unwrap(), Some(-32));
    assert_eq!(l.u32("u32").unwrap(), Some(32));
    assert_eq!(l.i64("i64").unwrap(), Some(i64::MIN));
    assert_eq!(l.u64("u64").unwrap(), Some(u64::MAX));
    assert_eq!(l.get("pi").unwrap(), Some(NvValue::Double(3.5)));
    assert_eq!(l.str("name").unwrap(), Some("tank/fs@snap"));
    assert_eq!(l.str("owned").unwrap(), Some("owned string"));
    assert_eq!(l.u64_array("u64s").unwrap(), Some(&[1u64, 2, 3][..]));
    assert_eq!(l.i64_array("i64s").unwrap(), Some(&[-1i64, 0, 1][..]));
    assert_eq!(l.get("bools").unwrap(), Some(NvValue::BooleanArray(vec![true, false])));
    let strs: Vec<&str> =
        l.str_array("strs").unwrap().unwrap().iter().map(|s| s.to_str().unwrap()).collect();
    assert_eq!(strs, ["a", "b c"]);
    let nested = l.nvlist("nested").unwrap().unwrap();
    assert_eq!(nested.str("path").unwrap(), Some("/dev/sda"));
    let children = l.nvlist_array("children").unwrap().unwrap();
    assert_eq!(children.len(), 2);
    assert_eq!(children[1].u64("guid").unwrap(), Some(42));
    assert_eq!(l.len(), 19);
}

#[test]
fn missing_is_none_and_wrong_type_is_an_error_naming_the_key() {
    let l = sample();
    assert_eq!(l.u64("absent").unwrap(), None);
    assert!(!l.contains("absent"));
    let err = l.u64("name").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Malformed);
    assert_eq!(err.target(), Some("name"));
    assert!(err.to_string().contains("expected Uint64, found String"), "{err}");
}

#[test]
fn unique_names_replace_and_duplicate_lists_keep_both() {
    let mut l = NvList::new().unwrap();
    l.insert("k", &1u64).unwrap();
    l.insert("k", &2u64).unwrap();
    assert_eq!(l.len(), 1);
    assert_eq!(l.u64("k").unwrap(), Some(2));

    let mut d = NvList::new_allowing_duplicates().unwrap();
    d.insert("k", &1u64).unwrap();
    d.insert("k", &2u64).unwrap();
    assert_eq!(d.len(), 2);
    // The first pair wins, as in libnvpair's own lookups.
    assert_eq!(d.u64("k").unwrap(), Some(1));
}

#[test]
fn names_with_dots_are_plain_names() {
    let mut l = NvList::new().unwrap();
    l.insert("com.sun:auto-snapshot", "true").unwrap();
    l.insert("a[0]", &1u64).unwrap();
    assert_eq!(l.str("com.sun:auto-snapshot").unwrap(), Some("true"));
    assert_eq!(l.u64("a[0]").unwrap(), Some(1));
}

#[test]
fn remove_reports_whether_it_existed() {
    let mut l = sample();
    assert!(l.remove("u64").unwrap());
    assert!(!l.remove("u64").unwrap());
    assert_eq!(l.u64("u64").unwrap(), None);
}

#[test]
fn pack_and_unpack_round_trip_in_both_encodings() {
    let l = sample();
    for enc in [Encoding::Native, Encoding::Xdr] {
        let bytes = l.pack(enc).unwrap();
        assert!(bytes.len() > 64);
        let back = NvList::unpack(&bytes).unwrap();
        assert_eq!(*back, *l, "{enc:?}");
        assert_eq!(format!("{back:?}"), format!("{l:?}"));
    }
}

#[test]
fn unpacking_garbage_is_an_error_not_a_crash() {
    // An unknown encoding byte in the header: libnvpair says ENOTSUP.
    let err = NvList::unpack(b"definitely not an nvlist").unwrap_err();
    assert!(matches!(err, ZfsError::Errno { call: Call::Nvlist, .. }), "{err:?}");
    let truncated = &sample().pack(Encoding::Native).unwrap()[..40];
    assert!(NvList::unpack(truncated).is_err());
}

#[test]
fn clone_is_deep_and_equal() {
    let l = sample();
    let mut copy = l.try_clone().unwrap();
    assert_eq!(*copy, *l);
    copy.insert("u64", &1u64).unwrap();
    assert_ne!(*copy, *l);
    assert_eq!(l.u64("u64").unwrap(), Some(u64::MAX));
}

#[test]
fn debug_prints_the_tree() {
    let mut inner = NvList::new().unwrap();
    inner.insert("guid", &7u64).unwrap();
    let mut l = NvList::new().unwrap();
    l.insert("name", "tank").unwrap();
    l.insert("vdev", &inner).unwrap();
    l.insert_flag("set").unwrap();
    assert_eq!(
        format!("{l:?}"),
        r#"{"name": String("tank"), "vdev": NvList({"guid": Uint64(7)}), "set": Boolean}"#
    );
}

#[test]
fn nul_bytes_are_rejected() {
    let mut l = NvList::new().unwrap();
    let err = l.insert("bad\0name", &1u64).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let err = l.insert("k", "bad\0value").unwrap_err();
    assert_eq!(err.errno(), Some(crate::Errno(libc::EINVAL)));
}

#[test]
fn non_utf8_strings_are_readable_as_cstr_and_refused_as_str() {
    let mut l = NvList::new().unwrap();
    let raw = c"/dev/disk/by-id/\xff";
    l.insert("path", raw).unwrap();
    assert_eq!(l.cstr("path").unwrap(), Some(raw));
    assert_eq!(l.str("path").unwrap_err().kind(), ErrorKind::Malformed);
}

#[test]
fn empty_arrays_decode_as_empty_slices() {
    let mut l = NvList::new().unwrap();
    l.insert("none", &Vec::<u64>::new()).unwrap();
    l.insert("nolists", &Vec::<NvList>::new()).unwrap();
    assert_eq!(l.u64_array("none").unwrap(), Some(&[][..]));
    assert_eq!(l.nvlist_array("nolists").unwrap().map(|v| v.len()), Some(0));
}

#[test]
fn raw_ownership_round_trip() {
    let l = sample();
    let raw = l.into_raw();
    // SAFETY: `raw` came from into_raw and is used once.
    let back = unsafe { NvList::from_raw(raw) }.unwrap();
    assert_eq!(back.u64("u64").unwrap(), Some(u64::MAX));
    // SAFETY: a null pointer is allowed.
    assert!(unsafe { NvList::from_raw(ptr::null_mut()) }.is_none());
}

#[test]
fn lists_can_move_between_threads() {
    let l = sample();
    let handle = std::thread::spawn(move || l.u64("u64").unwrap());
    assert_eq!(handle.join().unwrap(), Some(u64::MAX));
}
