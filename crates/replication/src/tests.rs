use super::*;

fn s(name: &str, guid: u64, txg: u64) -> Snap {
    Snap::new(name, guid, txg)
}

fn source(snaps: &[(&str, u64, u64)]) -> Source {
    Source { snapshots: snaps.iter().map(|&(n, g, t)| s(n, g, t)).collect(), bookmarks: vec![] }
}

fn target(snaps: &[(&str, u64, u64)]) -> Target {
    Target { snapshots: snaps.iter().map(|&(n, g, t)| s(n, g, t)).collect(), modified: false }
}

/// Each step as `from>to` (`-` for full, `#` for a bookmark base).
fn steps(plan: &Plan) -> Vec<String> {
    let Plan::Send(send) = plan else { return vec!["up-to-date".into()] };
    send.steps
        .iter()
        .map(|st| {
            let from = match &st.from {
                None => "-".to_owned(),
                Some(Base::Snapshot(n)) => n.clone(),
                Some(Base::Bookmark(n)) => format!("#{n}"),
            };
            format!("{from}>{}", st.to.name)
        })
        .collect()
}

const ABC: &[(&str, u64, u64)] = &[("c", 3, 30), ("a", 1, 10), ("b", 2, 20)];

#[test]
fn a_missing_target_gets_the_oldest_whole_then_every_snapshot() {
    let p = plan(&source(ABC), None, Options::default()).unwrap();
    assert_eq!(steps(&p), ["->a", "a>b", "b>c"]);
    let newest_only = Options { intermediates: false, ..Options::default() };
    assert_eq!(steps(&plan(&source(ABC), None, newest_only).unwrap()), ["->c"]);
}

#[test]
fn no_source_snapshot_is_an_error() {
    assert_eq!(plan(&source(&[]), None, Options::default()), Err(Error::NoSourceSnapshot));
}

#[test]
fn the_newest_common_snapshot_is_the_base_with_every_intermediate() {
    let t = target(&[("a", 1, 5), ("b", 2, 6)]);
    let p = plan(&source(ABC), Some(&t), Options::default()).unwrap();
    assert_eq!(steps(&p), ["b>c"]);
    let t = target(&[("a", 1, 5)]);
    let p = plan(&source(ABC), Some(&t), Options::default()).unwrap();
    assert_eq!(steps(&p), ["a>b", "b>c"]);
    let newest_only = Options { intermediates: false, ..Options::default() };
    assert_eq!(steps(&plan(&source(ABC), Some(&t), newest_only).unwrap()), ["a>c"]);
}

#[test]
fn snapshots_match_by_guid_not_by_name() {
    // The target's "b" is another snapshot with the source's name; its "x"
    // is the source's "a" renamed.
    let t = target(&[("x", 1, 5), ("b", 99, 6)]);
    let err = plan(&source(ABC), Some(&t), Options::default()).unwrap_err();
    assert_eq!(err, Error::Diverged { base: "x".into(), newer: vec!["b".into()], modified: false });
    let t = target(&[("x", 1, 5)]);
    let p = plan(&source(ABC), Some(&t), Options::default()).unwrap();
    assert_eq!(steps(&p), ["a>b", "b>c"]);
}

#[test]
fn up_to_date_when_the_target_has_the_newest() {
    let t = target(&[("a", 1, 5), ("c", 3, 7)]);
    let p = plan(&source(ABC), Some(&t), Options::default()).unwrap();
    assert_eq!(p, Plan::UpToDate { newest: s("c", 3, 7) });
}

#[test]
fn a_pruned_base_is_replaced_by_its_bookmark() {
    let mut src = source(&[("c", 3, 30)]);
    src.bookmarks = vec![s("b", 2, 20), s("a", 1, 10)];
    let t = target(&[("a", 1, 5), ("b", 2, 6)]);
    let p = plan(&src, Some(&t), Options::default()).unwrap();
    assert_eq!(steps(&p), ["#b>c"]);
    // A snapshot wins over a bookmark of the same guid.
    let mut src = source(ABC);
    src.bookmarks = vec![s("b", 2, 20)];
    assert_eq!(steps(&plan(&src, Some(&t), Options::default()).unwrap()), ["b>c"]);
}

#[test]
fn without_a_common_snapshot_nothing_is_planned() {
    let t = target(&[("z", 42, 5)]);
    assert_eq!(
        plan(&source(ABC), Some(&t), Options::default()),
        Err(Error::NoCommonSnapshot { target_snapshots: 1 })
    );
    let empty = target(&[]);
    let rollback = Options { rollback: true, ..Options::default() };
    assert_eq!(
        plan(&source(ABC), Some(&empty), rollback),
        Err(Error::NoCommonSnapshot { target_snapshots: 0 })
    );
}

#[test]
fn a_modified_target_is_refused() {
    let mut t = target(&[("a", 1, 5)]);
    t.modified = true;
    let err = plan(&source(ABC), Some(&t), Options::default()).unwrap_err();
    assert_eq!(err, Error::Diverged { base: "a".into(), newer: vec![], modified: true });
    assert_eq!(
        err.to_string(),
        "the target has diverged from the source after a: written since its newest snapshot"
    );
}

#[test]
fn a_rollback_destroys_only_what_is_newer_than_the_base() {
    let t = target(&[("a", 1, 5), ("b", 2, 6), ("t1", 50, 7), ("t2", 51, 8)]);
    let err = plan(&source(ABC), Some(&t), Options::default()).unwrap_err();
    assert!(err.to_string().contains("newer snapshots t1, t2"), "{err}");
    let rollback = Options { rollback: true, ..Options::default() };
    let Plan::Send(send) = plan(&source(ABC), Some(&t), rollback).unwrap() else { panic!() };
    assert!(send.rollback);
    assert_eq!(send.destroys, ["t1", "t2"]);
    assert_eq!(send.base, Some(s("b", 2, 6)));
    assert!(!send.destroys.contains(&"b".to_owned()));
    assert_eq!(send.steps[0].from, Some(Base::Snapshot("b".into())));
}

#[test]
fn an_undiverged_target_is_never_rolled_back() {
    let t = target(&[("a", 1, 5)]);
    let rollback = Options { rollback: true, ..Options::default() };
    let Plan::Send(send) = plan(&source(ABC), Some(&t), rollback).unwrap() else { panic!() };
    assert!(!send.rollback);
    assert!(send.destroys.is_empty());
}

#[test]
fn resume_finds_the_token_snapshots_or_says_they_are_gone() {
    let mut src = source(&[("c", 3, 30)]);
    src.bookmarks = vec![s("b", 2, 20)];
    let step = resume(&src, 3, Some(2)).unwrap();
    assert_eq!(step.from, Some(Base::Bookmark("b".into())));
    assert_eq!(step.to.name, "c");
    assert_eq!(resume(&src, 3, None).unwrap().from, None);
    assert_eq!(resume(&src, 4, None), Err(Error::ResumeGone { what: "snapshot", guid: 4 }));
    assert_eq!(
        resume(&src, 3, Some(1)),
        Err(Error::ResumeGone { what: "incremental base", guid: 1 })
    );
}

#[test]
fn plans_serialize_for_dry_runs() {
    let p = plan(&source(ABC), Some(&target(&[("a", 1, 5)])), Options::default()).unwrap();
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(json["action"], "send");
    assert_eq!(json["steps"][0]["from"], serde_json::json!({"kind": "snapshot", "name": "a"}));
    assert_eq!(json["steps"][1]["to"]["guid"], 3);
}
