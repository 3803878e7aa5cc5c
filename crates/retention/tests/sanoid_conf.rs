//! sanoid.conf read as sanoid reads it; errors located; TOML round trip.

// Test helpers outside #[test] fns fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use helios64_retention::{SnapConfig, SnapType, sanoid};

const EXAMPLE: &str = "\
# a typical sanoid.conf
[tank/home]
\tuse_template = production
\trecursive = yes
[tank/home/tmp]
\thourly = 0
\tautosnap = no

[tank/vm]
\tuse_template = production, backup
\trecursive = zfs
; comment
[template_production]
\tfrequently = 0
\thourly = 36
\tdaily = 30
\tmonthly = 3
\tyearly = 0
\tautosnap = yes
\tautoprune = yes
\thourly_warn = 90m
[template_backup]
\tdaily = 90
\tdaily_hour = 2
\tcapacity_warn = 80
[template_default]
\tmonitor_dont_warn = On
";

#[test]
fn a_real_config_resolves_as_sanoid_would() {
    let imported = sanoid::parse(EXAMPLE, "/etc/sanoid/sanoid.conf").unwrap();
    let datasets = ["tank/home", "tank/home/tmp", "tank/home/a", "tank/vm", "tank/vm/disk0"];
    let policies = imported.config.resolve(&datasets).unwrap();
    let get = |d: &str| &policies.iter().find(|p| p.dataset == d).unwrap().settings;
    assert_eq!(get("tank/home").counts.get(SnapType::Hourly), 36);
    assert_eq!(get("tank/home/a").counts.get(SnapType::Daily), 30);
    assert_eq!(get("tank/home/tmp").counts.get(SnapType::Hourly), 0);
    assert!(!get("tank/home/tmp").autosnap);
    assert_eq!(get("tank/vm").counts.get(SnapType::Daily), 90, "templates apply in order");
    assert_eq!(get("tank/vm").schedule.daily_hour, 2);
    assert!(get("tank/vm/disk0").monitor_dont_warn, "template_default reaches children");
    let toml = sanoid::to_toml(&imported.config, &imported.warnings, "sanoid.conf").unwrap();
    let back: SnapConfig = toml::from_str(&toml).unwrap();
    assert_eq!(back, imported.config, "{toml}");
    assert!(toml.contains("[datasets.\"tank/vm\"]\nuse_template = [\"production\", \"backup\"]\nrecursive = \"zfs\""), "{toml}");
    assert!(imported.warnings.iter().any(|w| w.contains("capacity_warn")));
}

#[test]
fn errors_name_file_line_and_key() {
    let cases = [
        (
            "[tank]\nhourly = 48\nhourlies = 3\n",
            "c.conf:3: [tank] hourlies: sanoid has no such setting",
        ),
        ("[tank]\nprune_defer = 50\n", "c.conf:2: [tank] prune_defer: \"50\": not supported"),
        ("[tank]\nautosnap = maybe\n", "c.conf:2: [tank] autosnap: \"maybe\" is not yes/no"),
        (
            "[tank]\nhourly = 48 # two days\n",
            "c.conf:2: [tank] hourly: \"48 # two days\" is not a whole number",
        ),
        ("[tank]\ndaily_hour = 24\n", "c.conf:2: [tank] daily_hour: 24 is outside 0..=23"),
        (
            "[tank]\nuse_template = nope\n",
            "c.conf:2: [tank] use_template: no section [template_nope]",
        ),
        ("hourly = 1\n", "c.conf:1: hourly = ... before any [section]"),
        ("[tank\n", "c.conf:1: \"[tank\" is not a [section] line"),
        (
            "[tank]\nhourly = 1\nhourly = 2\n",
            "c.conf:3: [tank] hourly: set again (first at line 2)",
        ),
        (
            "[a]\npath = tank\n[tank]\n",
            "c.conf:3: [tank]: dataset tank already has a section at line 1",
        ),
        ("[tank]\nhourly_crit = 6x\n", "c.conf:2: [tank] hourly_crit: "),
    ];
    for (text, want) in cases {
        let got = sanoid::parse(text, "c.conf").unwrap_err().to_string();
        assert!(got.starts_with(want), "{text:?}:\n got {got}\nwant {want}");
    }
}

#[test]
fn a_child_section_before_its_recursive_parent_is_ignored_as_sanoid_does() {
    let text = "[tank/a]\nhourly = 1\n[tank]\nrecursive = yes\nhourly = 10\n";
    let imported = sanoid::parse(text, "c.conf").unwrap();
    assert!(
        imported.warnings[0].starts_with("c.conf:1: [tank/a]: ignored"),
        "{:?}",
        imported.warnings
    );
    let policies = imported.config.resolve(&["tank", "tank/a"]).unwrap();
    assert_eq!(policies[1].settings.counts.get(SnapType::Hourly), 10);
    // After the parent, the override counts.
    let text = "[tank]\nrecursive = yes\nhourly = 10\n[tank/a]\nhourly = 1\n";
    let policies =
        sanoid::parse(text, "c.conf").unwrap().config.resolve(&["tank", "tank/a"]).unwrap();
    assert_eq!(policies[1].settings.counts.get(SnapType::Hourly), 1);
}

#[test]
fn template_keys_sanoid_ignores_are_warned_about() {
    let text =
        "[template_x]\nrecursive = yes\nuse_template = y\nhourly = 2\n[tank]\nuse_template = x\n";
    let imported = sanoid::parse(text, "c.conf").unwrap();
    assert_eq!(imported.warnings.len(), 2, "{:?}", imported.warnings);
    let policies = imported.config.resolve(&["tank", "tank/a"]).unwrap();
    assert_eq!(policies.len(), 1, "the template's recursive is ignored");
}
