//! The name rules on literal names, and the typed names built on them.

use super::*;
use crate::error::ErrorKind;

fn reason(r: Result<()>) -> Option<NameError> {
    match r {
        Ok(()) => None,
        Err(ZfsError::InvalidName { reason, .. }) => Some(reason),
        Err(other) => panic!("unexpected error {other:?}"),
    }
}

#[test]
fn good_names_pass() {
    for ds in ["tank", "tank/a", "tank/a b/c:d.e-f_g", "t/%recv"] {
        assert_eq!(reason(check_dataset(ds)), None, "{ds}");
    }
    for snap in ["tank@s", "tank/a@autosnap_2025-01-01_00:00:00_daily", "tank/a@x y"] {
        assert_eq!(reason(check_snapshot(snap)), None, "{snap}");
    }
    assert_eq!(reason(check_pool("Tank-1.x:y")), None);
}

#[test]
fn dataset_rules_follow_zfs_namecheck() {
    let cases = [
        ("", NameError::EmptyComponent),
        ("/tank", NameError::LeadingSlash),
        ("tank/", NameError::TrailingSlash),
        ("tank//a", NameError::EmptyComponent),
        ("tank/./a", NameError::SelfReference),
        ("tank/..", NameError::ParentReference),
        ("tank/a*b", NameError::InvalidChar('*')),
        ("tank/a@b", NameError::UnexpectedDelimiter),
        ("1tank/a", NameError::NoLetter),
        ("mirror/a", NameError::Reserved),
        ("tank/a\0b", NameError::Nul),
    ];
    for (name, expected) in cases {
        assert_eq!(reason(check_dataset(name)), Some(expected), "{name:?}");
    }
}

#[test]
fn snapshot_rules_follow_zfs_namecheck() {
    let cases = [
        ("tank/a", NameError::NoAt),
        ("tank/a@", NameError::EmptyComponent),
        ("tank@a@b", NameError::MultipleDelimiters),
        ("tank@a/b", NameError::TrailingSlash),
        ("tank@a#b", NameError::MultipleDelimiters),
        ("tank@a!", NameError::InvalidChar('!')),
        ("@snap", NameError::EmptyComponent),
    ];
    for (name, expected) in cases {
        assert_eq!(reason(check_snapshot(name)), Some(expected), "{name:?}");
    }
}

#[test]
fn length_limits_are_the_kernel_limits() {
    let at_limit = format!("tank/{}", "a".repeat(MAX_NAME_LEN - 1 - 5));
    assert_eq!(at_limit.len(), MAX_NAME_LEN - 1);
    assert_eq!(reason(check_dataset(&at_limit)), None);
    let too_long = format!("{at_limit}a");
    assert_eq!(reason(check_dataset(&too_long)), Some(NameError::TooLong));
    let err = check_snapshot(&format!("tank@{}", "s".repeat(300))).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NameTooLong);
    // Pools leave room for "/$ORIGIN@$ORIGIN".
    assert_eq!(reason(check_pool(&"p".repeat(240))), Some(NameError::TooLong));
    assert_eq!(reason(check_pool(&"p".repeat(200))), None);
}

#[test]
fn nesting_limit() {
    let deep = format!("tank{}", "/a".repeat(MAX_NESTING));
    assert_eq!(reason(check_dataset(&deep)), Some(NameError::TooDeep));
    let ok = format!("tank{}", "/a".repeat(MAX_NESTING - 1));
    assert_eq!(reason(check_dataset(&ok)), None);
}

#[test]
fn snapshot_and_bookmark_rules_beyond_entity_namecheck() {
    let snapshot_cases = [
        // `zfs destroy fs@a%b` is a range: `%` is refused after the `@`, as
        // the kernel's zfs_component_namecheck does when creating one.
        ("tank/fs@a%b", NameError::InvalidChar('%')),
        // The dataset part must be a dataset name.
        ("tank/.@s", NameError::SelfReference),
        ("tank/..@s", NameError::ParentReference),
        ("1tank@s", NameError::NoLetter),
        ("-r@s", NameError::NoLetter),
    ];
    for (name, expected) in snapshot_cases {
        assert_eq!(reason(check_snapshot(name)), Some(expected), "{name:?}");
    }
    assert_eq!(reason(check_snapshot("t/%recv@s")), None, "'%' stays allowed in datasets");
    let bookmark_cases = [
        ("tank/fs", NameError::NoHash),
        ("tank/fs#", NameError::EmptyComponent),
        ("tank/fs#a@b", NameError::MultipleDelimiters),
        ("tank/fs#a%b", NameError::InvalidChar('%')),
        ("tank/fs#a/b", NameError::TrailingSlash),
    ];
    for (name, expected) in bookmark_cases {
        assert_eq!(reason(check_bookmark(name)), Some(expected), "{name:?}");
    }
    assert_eq!(reason(check_bookmark("tank/fs#daily-1")), None);
}

#[test]
fn no_name_but_a_hold_tag_can_look_like_an_option() {
    for name in ["-r", "-", "--", "-tank", "-o/a"] {
        assert!(check_pool(name).is_err(), "{name}");
        assert!(check_dataset(name).is_err(), "{name}");
        assert!(check_snapshot(&format!("{name}@s")).is_err(), "{name}");
        assert!(check_bookmark(&format!("{name}#b")).is_err(), "{name}");
        assert!(check_hold_tag(name).is_ok(), "{name}: tags may, so they go after --");
    }
}

#[test]
fn user_properties_follow_zfs_prop_user() {
    assert!(check_user_property("helios64:policy", "daily").is_ok());
    assert!(check_user_property("com.example:a-b_c.d", "").is_ok());
    let cases = [
        ("policy", NameError::NoColon),
        ("Helios64:policy", NameError::InvalidChar('H')),
        // No `=`: `zfs snapshot -o name=value` splits at the first one.
        ("a:b=c", NameError::InvalidChar('=')),
        ("", NameError::EmptyComponent),
        ("a:\0", NameError::Nul),
    ];
    for (name, expected) in cases {
        let got = match check_user_property(name, "v") {
            Err(ZfsError::InvalidName { kind: NameKind::UserProperty, reason, .. }) => Some(reason),
            other => panic!("{name:?}: {other:?}"),
        };
        assert_eq!(got, Some(expected), "{name:?}");
    }
    let long = format!("a:{}", "b".repeat(MAX_USER_PROPERTY_NAME_LEN - 2));
    assert_eq!(check_user_property(&long, "v").unwrap_err().kind(), ErrorKind::NameTooLong);
    assert!(check_user_property(&long[1..], "v").is_ok());
    let value = "v".repeat(MAX_USER_PROPERTY_VALUE_LEN);
    assert_eq!(check_user_property("a:b", &value).unwrap_err().kind(), ErrorKind::InvalidInput);
    assert!(check_user_property("a:b", &value[1..]).is_ok());
    assert!(check_user_property("a:b", "x\0y").is_err());
}

#[test]
fn typed_names_are_checked_once_at_construction() {
    let snap: SnapshotName = "tank/a/b@daily".parse().unwrap();
    assert_eq!(snap.dataset(), "tank/a/b");
    assert_eq!(snap.short_name(), "daily");
    assert_eq!(snap.pool(), "tank");
    assert_eq!(snap.to_string(), "tank/a/b@daily");
    assert_eq!(format!("{snap:?}"), r#"SnapshotName("tank/a/b@daily")"#);
    let ds = snap.dataset();
    assert_eq!(ds.pool().dataset(), "tank");
    assert_eq!(ds.parent().and_then(|p| p.parent()), Some(DatasetName::try_from("tank").unwrap()));
    assert_eq!(ds.pool().dataset().parent(), None);
    assert_eq!(ds.child("c").unwrap(), "tank/a/b/c");
    assert_eq!(ds.snapshot("s").unwrap(), "tank/a/b@s");
    assert!(ds.snapshot("a%b").is_err());
    let mark = ds.bookmark("m").unwrap();
    assert_eq!((mark.dataset(), mark.short_name(), mark.pool()), (ds.clone(), "m", ds.pool()));
    assert_eq!(ds.child("x@y").unwrap_err().kind(), ErrorKind::InvalidInput);

    let err = PoolName::try_from("bad name!").unwrap_err();
    assert_eq!(err.to_string(), r#"invalid pool name "bad name!": invalid character '!'"#);
    assert!(SnapshotName::try_from("tank/a").is_err());
    assert!(DatasetName::try_from("tank/a@s").is_err());
    assert!(BookmarkName::try_from("tank/a@s").is_err());
    assert!(HoldTag::try_from("").is_err());
    assert_eq!(HoldTag::try_from(String::from("-r")).unwrap().as_str(), "-r");
    assert_eq!(String::from(PoolName::try_from("tank").unwrap()), "tank");
}

#[test]
fn dataset_or_snapshot_dispatches_on_the_at() {
    let snap = DatasetOrSnapshot::try_from("tank/a@s").unwrap();
    assert!(matches!(snap, DatasetOrSnapshot::Snapshot(_)));
    let ds: DatasetOrSnapshot = "tank/a".parse().unwrap();
    assert!(matches!(ds, DatasetOrSnapshot::Dataset(_)));
    assert_eq!((ds.as_str(), ds.pool().as_str()), ("tank/a", "tank"));
    match DatasetOrSnapshot::try_from("tank/a@") {
        Err(ZfsError::InvalidName { kind, .. }) => assert_eq!(kind, NameKind::Snapshot),
        other => panic!("{other:?}"),
    }
    match DatasetOrSnapshot::try_from("tank//a") {
        Err(ZfsError::InvalidName { kind, .. }) => assert_eq!(kind, NameKind::Dataset),
        other => panic!("{other:?}"),
    }
}

#[test]
fn serde_round_trips_and_deserializing_checks() {
    let snap = SnapshotName::try_from("tank/a@s").unwrap();
    let json = serde_json::to_string(&snap).unwrap();
    assert_eq!(json, r#""tank/a@s""#);
    assert_eq!(serde_json::from_str::<SnapshotName>(&json).unwrap(), snap);
    let err = serde_json::from_str::<SnapshotName>(r#""tank/a""#).unwrap_err();
    assert!(err.to_string().contains("missing '@'"), "{err}");
    assert!(serde_json::from_str::<PoolName>(r#""-r""#).is_err());
    assert_eq!(serde_json::from_str::<HoldTag>(r#""-r""#).unwrap(), "-r");
}

#[test]
fn pool_and_split_helpers() {
    assert_eq!(pool_of("tank/a/b@s"), "tank");
    assert_eq!(pool_of("tank@s"), "tank");
    assert_eq!(pool_of("tank"), "tank");
    assert_eq!(split_snapshot("tank/a@s"), Some(("tank/a", "s")));
    assert_eq!(split_snapshot("tank/a"), None);
    assert_eq!(describe::<&str>(&[]), "(nothing)");
    assert_eq!(describe(&["a@1"]), "a@1");
    assert_eq!(describe(&["a@1", "b@1"]), "a@1, b@1");
    assert_eq!(describe(&["a@1", "b@1", "c@1"]), "a@1 and 2 more");
}

#[test]
fn hold_tags() {
    assert!(check_hold_tag("keep").is_ok());
    assert_eq!(reason(check_hold_tag("")), Some(NameError::EmptyComponent));
    assert_eq!(reason(check_hold_tag("a\0")), Some(NameError::Nul));
    assert_eq!(reason(check_hold_tag(&"t".repeat(255))), None);
    assert_eq!(reason(check_hold_tag(&"t".repeat(256))), Some(NameError::TooLong));
}
