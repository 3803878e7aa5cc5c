// docs/smart.md documents every rule and every counter threshold of the
// default policy; this keeps the two in step.

use smartctl_parser::{NOT_JUDGED, Policy, RULES};

fn docs() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/smart.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_rule_is_documented() {
    let docs = docs();
    for rule in RULES {
        assert!(
            docs.contains(&format!("| `{}` |", rule.id)),
            "docs/smart.md lacks rule `{}`",
            rule.id
        );
    }
}

#[test]
fn every_counter_threshold_is_documented() {
    let docs = docs();
    let show = |v: Option<u64>| v.map_or_else(|| "–".to_owned(), |v| v.to_string());
    for rule in Policy::default().ata_counters {
        let row = format!(
            "| {} | {} | {} | {} | {} |",
            rule.id,
            rule.name,
            show(rule.notice_above),
            show(rule.warn_above),
            show(rule.fail_above)
        );
        assert!(docs.contains(&row), "docs/smart.md lacks the counter row {row}");
    }
    for (id, name, _) in NOT_JUDGED {
        assert!(
            docs.contains(&format!("{id} {name}")),
            "docs/smart.md lacks not-judged {id} {name}"
        );
    }
}
