//! The planner's rules on literal cases, and its properties on generated
//! histories: never below N per type, never a name that is not ours,
//! idempotent, monotone in time.

// Test helpers outside #[test] fns fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use helios64_retention::testing::{Rng, Spec, history};
use helios64_retention::{
    Class, Input, Listing, Plan, Policy, Schedule, SnapConfig, SnapType, Snapshot, Why, Zone, plan,
};
use proptest::prelude::*;

fn policies(toml_text: &str, datasets: &[&str]) -> Vec<Policy> {
    let config: SnapConfig = toml::from_str(toml_text).unwrap();
    config.resolve(datasets).unwrap()
}

fn run<'a>(
    policies: &'a [Policy],
    listing: &'a Listing,
    datasets: &'a [&'a str],
    now: i64,
    zone: &'a Zone,
) -> Plan<'a> {
    plan(Input { policies, listing, datasets, now, zone }).unwrap()
}

fn listing(snaps: &[Snapshot]) -> Listing {
    Listing::from_snapshots(snaps).unwrap()
}

fn destroyed(p: &Plan<'_>) -> Vec<String> {
    let mut v = p.destroy_names();
    v.sort();
    v
}

const NOW: i64 = 1_700_000_000;

#[test]
fn keeps_n_and_destroys_only_what_is_old_enough() {
    let pol = policies(
        "timezone = \"UTC\"\n[datasets.tank]\nhourly = 3\ndaily = 0\nmonthly = 0\n",
        &["tank"],
    );
    // Six hourlies, one an hour; creation order differs from name order.
    let mut snaps: Vec<Snapshot> = (0..6)
        .map(|i| Snapshot::new("tank", format!("autosnap_{}_hourly", 9 - i), NOW - 3_600 * (6 - i)))
        .collect();
    snaps.push(Snapshot::new("tank", "manual", NOW - 1_000_000));
    let zone = Zone::utc();
    let listed = listing(&snaps);
    let p = run(&pol, &listed, &["tank"], NOW, &zone);
    // Cutoff now − 3 h: creations now−6h, −5h, −4h are older; 6 > 3 so all three go.
    assert_eq!(
        destroyed(&p),
        ["tank@autosnap_7_hourly", "tank@autosnap_8_hourly", "tank@autosnap_9_hourly"]
    );
    let why = |name: &str| p.why(p.keep.iter().find(|d| p.snapshot(d).name == name).unwrap());
    assert_eq!(why("manual"), Why::Foreign);
    assert_eq!(why("autosnap_6_hourly"), Why::Newest { keep: 3 });
    // One second later the −3 h one is not younger than the cutoff any more,
    // but only three are left: kept as the newest three.
    let listed = listing(&snaps);
    let p = run(&pol, &listed, &["tank"], NOW + 1, &zone);
    assert_eq!(p.destroy.len(), 3);
}

#[test]
fn held_snapshots_are_kept_and_not_replaced() {
    let pol = policies(
        "timezone = \"UTC\"\n[datasets.tank]\nhourly = 1\ndaily = 0\nmonthly = 0\n",
        &["tank"],
    );
    let mut snaps: Vec<Snapshot> = (0..4)
        .map(|i| Snapshot::new("tank", format!("autosnap_{i}_hourly"), NOW - 36_000 + i * 3_600))
        .collect();
    snaps[0].held = true;
    let zone = Zone::utc();
    let listed = listing(&snaps);
    let p = run(&pol, &listed, &["tank"], NOW, &zone);
    assert_eq!(destroyed(&p), ["tank@autosnap_1_hourly", "tank@autosnap_2_hourly"]);
    let held = p.keep.iter().find(|d| p.snapshot(d).name == "autosnap_0_hourly").unwrap();
    assert_eq!(p.why(held), Why::Held);
}

#[test]
fn zero_count_prunes_all_of_that_type_created_before_now() {
    let pol = policies(
        "timezone = \"UTC\"\n[datasets.tank]\nhourly = 0\ndaily = 0\nmonthly = 0\n",
        &["tank"],
    );
    let snaps = vec![
        Snapshot::new("tank", "autosnap_a_daily", NOW - 1),
        Snapshot::new("tank", "autosnap_b_daily", NOW),
        Snapshot::new("tank", "autosnap_c_daily", NOW + 100),
    ];
    let zone = Zone::utc();
    let listed = listing(&snaps);
    let p = run(&pol, &listed, &["tank"], NOW, &zone);
    assert_eq!(destroyed(&p), ["tank@autosnap_a_daily"]);
    assert!(p.take.is_empty(), "zero counts take nothing");
}

#[test]
fn takes_every_due_type_with_one_stamp_in_one_group() {
    let toml = "timezone = \"UTC\"\n[datasets.tank]\nrecursive = \"zfs\"\nhourly = 2\ndaily = 2\nmonthly = 0\n\
                [datasets.\"tank/b\"]\nhourly = 5\n";
    let datasets = ["tank", "tank/a", "tank/b"];
    let pol = policies(toml, &datasets);
    let zone = Zone::utc();
    // 2023-11-14 22:13:20 UTC: no hourly since 21:00, no daily since yesterday 23:59.
    let snaps = vec![Snapshot::new("tank", "autosnap_2023-11-14_21:00:00_hourly", NOW - 4_400)];
    let listed = listing(&snaps);
    let p = run(&pol, &listed, &datasets, NOW, &zone);
    assert_eq!(p.take.len(), 1);
    let g = &p.take[0];
    assert_eq!(g.policy, "tank");
    assert_eq!(
        g.snapshots,
        [
            "tank@autosnap_2023-11-14_22:13:20_hourly",
            "tank/a@autosnap_2023-11-14_22:13:20_hourly",
            "tank/b@autosnap_2023-11-14_22:13:20_hourly",
            "tank@autosnap_2023-11-14_22:13:20_daily",
            "tank/a@autosnap_2023-11-14_22:13:20_daily",
            "tank/b@autosnap_2023-11-14_22:13:20_daily",
        ]
    );
    // The child's override counts for pruning, not for taking.
    assert_eq!(
        pol.iter().find(|p| p.dataset == "tank/b").unwrap().settings.counts.get(SnapType::Hourly),
        5
    );
    // A name that exists is left out, never a collision.
    let snaps = vec![Snapshot::new("tank/a", "autosnap_2023-11-14_22:13:20_daily", NOW - 5)];
    let listed = listing(&snaps);
    let p = run(&pol, &listed, &datasets, NOW, &zone);
    assert_eq!(p.take[0].collisions, ["tank/a@autosnap_2023-11-14_22:13:20_daily"]);
}

#[test]
fn children_inherit_and_override_and_skip() {
    let toml = "timezone = \"UTC\"\n[templates.t]\ndaily = 7\n\
                [datasets.tank]\nuse_template = [\"t\"]\nrecursive = true\nhourly = 10\n\
                [datasets.\"tank/x\"]\nhourly = 1\nskip_children = true\n";
    let pol = policies(toml, &["tank", "tank/a", "tank/x", "tank/x/y"]);
    let get = |d: &str| pol.iter().find(|p| p.dataset == d);
    assert_eq!(get("tank/a").unwrap().settings.counts.get(SnapType::Daily), 7);
    assert_eq!(get("tank/x").unwrap().settings.counts.get(SnapType::Hourly), 1);
    assert_eq!(get("tank/x").unwrap().settings.counts.get(SnapType::Daily), 7);
    assert!(get("tank/x/y").is_none(), "skip_children leaves it alone");
}

#[test]
fn bad_policies_name_their_key() {
    let cases = [
        ("[datasets.t]\nhourly_min = 60\n", "datasets.\"t\".hourly_min: 60 is outside 0..=59"),
        (
            "[datasets.t]\nuse_template = [\"nope\"]\n",
            "datasets.\"t\".use_template: no template \"nope\"",
        ),
        ("[templates.a]\nrecursive = true\n", "templates.\"a\".recursive: only datasets"),
        ("[datasets.t]\nhourly_warn = \"9x\"\n", "datasets.\"t\".hourly_warn: "),
    ];
    for (body, want) in cases {
        let config: SnapConfig = toml::from_str(&format!("timezone = \"UTC\"\n{body}")).unwrap();
        let got = config.validate().unwrap_err().to_string();
        assert!(got.starts_with(want), "{body}: {got}");
    }
}

fn spec_strategy() -> impl Strategy<Value = (u64, [u32; 6], u32, i64, u64)> {
    (
        any::<u64>(),
        prop::array::uniform6(0u32..12),
        prop::sample::select(vec![5u32, 15, 30, 60]),
        2i64..40,
        0u64..20,
    )
}

fn generated(
    seed: u64,
    counts: [u32; 6],
    period: u32,
    days: i64,
    held: u64,
) -> (Spec, Vec<Snapshot>, Vec<Policy>) {
    let mut rng = Rng::new(seed);
    let spec = Spec {
        counts,
        schedule: Schedule { frequent_period: period, ..Schedule::default() },
        take_all: true,
        downtime_percent: 2,
        max_downtime: 86_400,
        jitter: 60,
        strays: 6,
        sanoid_only_strays: true,
        future: 2,
        boundaries: true,
        held_percent: held,
        ..Spec::sanoid_defaults(vec!["p".into(), "p/a".into()], 1_650_000_000, days)
    };
    let snaps = history(&spec, &mut rng);
    let names = SnapType::ALL.map(|t| format!("{t} = {}", counts[t.index()])).join("\n");
    let toml = format!(
        "timezone = \"UTC\"\n[datasets.p]\nrecursive = true\nfrequent_period = {period}\n{names}\n"
    );
    let pol = policies(&toml, &["p", "p/a"]);
    (spec, snaps, pol)
}

#[test]
fn write_json_is_the_serialized_plan() {
    let (spec, mut snaps, pol) = generated(5, [2, 3, 2, 1, 1, 1], 15, 20, 10);
    snaps.push(Snapshot::new("p", "odd \"quoted\\ name", 5));
    snaps.push(Snapshot::new("elsewhere", "autosnap_x_daily", 5));
    let listed = listing(&snaps);
    let zone = Zone::utc();
    let p = run(&pol, &listed, &["p", "p/a"], spec.now(), &zone);
    assert!(!p.destroy.is_empty() && !p.keep.is_empty());
    let mut fast = Vec::new();
    p.write_json(&mut fast, "test/1").unwrap();
    let fast: serde_json::Value = serde_json::from_slice(&fast).unwrap();
    let mut slow = serde_json::to_value(&p).unwrap();
    slow.as_object_mut().unwrap().insert("format".into(), "test/1".into());
    assert_eq!(fast, slow);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn planner_properties((seed, counts, period, days, held) in spec_strategy()) {
        let (spec, snaps, pol) = generated(seed, counts, period, days, held);
        let zone = Zone::utc();
        let now = spec.now();
        let datasets = ["p", "p/a"];
        let listed = listing(&snaps);
        let p = run(&pol, &listed, &datasets, now, &zone);
        let gone: Vec<String> = destroyed(&p);
        // Every snapshot is decided exactly once.
        prop_assert_eq!(p.destroy.len() + p.keep.len(), snaps.len());
        let mut before: BTreeMap<(String, SnapType), u32> = BTreeMap::new();
        let mut after = before.clone();
        for s in &snaps {
            if let Class::Ours(t) = s.class() {
                *before.entry((s.dataset.clone(), t)).or_default() += 1;
                if !gone.contains(&s.full_name()) {
                    *after.entry((s.dataset.clone(), t)).or_default() += 1;
                }
            }
        }
        for d in &p.destroy {
            // Never a foreign or look-alike name, never a held one.
            let s = p.snapshot(d);
            prop_assert!(matches!(s.class, Class::Ours(_)), "{}", s.full_name());
            prop_assert!(!s.held);
            prop_assert!(s.creation < now);
        }
        for ((ds, t), n) in &before {
            let left = after.get(&(ds.clone(), *t)).copied().unwrap_or(0);
            prop_assert!(left >= (*n).min(counts[t.index()]), "{ds} {t}: {n} -> {left}");
        }
        // Idempotent: planning again on what is left destroys nothing.
        let rest: Vec<Snapshot> = snaps.iter().filter(|s| !gone.contains(&s.full_name())).cloned().collect();
        let listed = listing(&rest);
        let again = run(&pol, &listed, &datasets, now, &zone);
        prop_assert!(again.destroy.is_empty(), "second plan destroys {:?}", destroyed(&again));
        // Monotone in time: later, a superset is destroyed.
        for later in [now + 1, now + 3_600, now + 86_400 * 40] {
            let l = destroyed(&run(&pol, &listing(&snaps), &datasets, later, &zone));
            for name in &gone {
                prop_assert!(l.contains(name), "{} destroyed at {} but not at {}", name, now, later);
            }
        }
    }
}
