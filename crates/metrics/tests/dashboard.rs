//! The Grafana dashboard and the alert rules query only metrics the
//! exporter emits: every metric name in their PromQL is one of the
//! exporter's families.

#![allow(clippy::unwrap_used, clippy::panic, clippy::disallowed_methods)]

mod support;

use std::collections::BTreeSet;

/// PromQL words that are not metric names.
const KEYWORDS: &[&str] = &[
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "and",
    "or",
    "unless",
    "bool",
    "offset",
    "inf",
    "nan",
    // Aggregations may take their grouping before the parenthesis.
    "sum",
    "min",
    "max",
    "avg",
    "group",
    "stddev",
    "stdvar",
    "count",
    "count_values",
    "bottomk",
    "topk",
    "quantile",
];

/// The metric names in a PromQL expression: identifiers outside label
/// matchers, strings, grouping clauses and ranges that are not functions
/// (followed by `(`) or keywords.
fn metric_names(expr: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let chars: Vec<char> = expr.chars().collect();
    let mut i = 0;
    // Depth of {...} and [...]; after a grouping keyword, the next (...) is
    // a label list.
    let mut skip_parens = false;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '"' | '\'' | '`' => {
                i += 1;
                while i < chars.len() && chars[i] != c {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
            }
            '{' | '[' => {
                let close = if c == '{' { '}' } else { ']' };
                while i < chars.len() && chars[i] != close {
                    i += 1;
                }
                i += 1;
            }
            '(' if skip_parens => {
                while i < chars.len() && chars[i] != ')' {
                    i += 1;
                }
                i += 1;
                skip_parens = false;
            }
            c if c.is_ascii_alphabetic() || c == '_' || c == ':' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == ':')
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let mut j = i;
                while j < chars.len() && chars[j] == ' ' {
                    j += 1;
                }
                let is_call = chars.get(j) == Some(&'(');
                let lower = word.to_ascii_lowercase();
                if ["by", "without", "on", "ignoring", "group_left", "group_right"]
                    .contains(&lower.as_str())
                {
                    skip_parens = true;
                } else if !is_call && !KEYWORDS.contains(&lower.as_str()) && !word.starts_with('$')
                {
                    out.insert(word);
                }
            }
            // Numbers (and durations like 5m after offset) are not names.
            c if c.is_ascii_digit() => {
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    out
}

#[test]
fn the_extractor_finds_names_and_skips_the_rest() {
    let names = metric_names(
        r#"sum by (pool, vdev) (rate(zfs_vdev_read_errors{bay="2"}[5m])) * on (pool) group_left(bay) helios64_bay_vdev_info / 86400 > bool 3"#,
    );
    assert_eq!(
        names.into_iter().collect::<Vec<_>>(),
        ["helios64_bay_vdev_info", "zfs_vdev_read_errors"]
    );
}

fn exprs_in(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                if (k == "expr" || k == "query") && v.is_string() {
                    out.push(v.as_str().unwrap().to_owned());
                } else {
                    exprs_in(v, out);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| exprs_in(v, out)),
        _ => {}
    }
}

#[test]
fn the_dashboard_queries_only_emitted_metrics() {
    let text = std::fs::read_to_string(support::repo().join("dist/grafana/helios64.json")).unwrap();
    let dashboard: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut exprs = Vec::new();
    exprs_in(&dashboard, &mut exprs);
    assert!(exprs.len() >= 20, "{} queries", exprs.len());
    let emitted = support::emitted_names();
    let mut used = BTreeSet::new();
    for e in exprs {
        // Grafana's label_values(metric, label) names a metric too.
        let e = e.replace("label_values(", "(");
        for name in metric_names(&e) {
            if name == "prometheus" || name == "instance" {
                continue;
            }
            assert!(
                emitted.contains(&name),
                "the dashboard queries {name}, which the exporter never emits ({e})"
            );
            used.insert(name);
        }
    }
    assert!(used.len() >= 25, "{used:?}");
}

#[test]
fn the_alert_rules_query_only_emitted_metrics() {
    let text =
        std::fs::read_to_string(support::repo().join("dist/prometheus/helios64-alerts.rules.yml"))
            .unwrap();
    let emitted = support::emitted_names();
    let exprs: Vec<&str> = text.lines().filter_map(|l| l.trim().strip_prefix("expr: ")).collect();
    assert!(exprs.len() >= 9);
    for e in exprs {
        for name in metric_names(e) {
            assert!(
                emitted.contains(&name),
                "an alert queries {name}, which the exporter never emits ({e})"
            );
        }
    }
    // The compat rules read the exporter's names and record smartctl_exporter's.
    let compat =
        std::fs::read_to_string(support::repo().join("dist/prometheus/smartctl-compat.rules.yml"))
            .unwrap();
    for e in compat.lines().filter_map(|l| l.trim().strip_prefix("expr: ")) {
        assert!(emitted.contains(e), "{e}");
    }
}

#[test]
fn promtool_accepts_the_rule_files() {
    let out = std::process::Command::new("promtool")
        .args(["check", "rules"])
        .arg(support::repo().join("dist/prometheus/helios64-alerts.rules.yml"))
        .arg(support::repo().join("dist/prometheus/smartctl-compat.rules.yml"))
        .output()
        .expect("promtool (Debian package prometheus) must be installed: scripts/deps.sh host");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
