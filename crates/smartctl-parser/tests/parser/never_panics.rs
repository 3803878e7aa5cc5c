// Any byte string yields a SmartctlOutput or a typed Error, and judging any
// parsed output never panics: arbitrary bytes, arbitrary JSON values, and
// real fixtures truncated or with bytes flipped.

use std::sync::OnceLock;

use proptest::prelude::*;
use smartctl_parser::{Error, judge, parse};

use crate::fixtures::{json_files, root};

fn fixtures() -> &'static [Vec<u8>] {
    static ALL: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut files = Vec::new();
        json_files(&root(), &mut files);
        files.sort();
        files.iter().map(|f| std::fs::read(f).unwrap()).collect()
    })
}

fn check(bytes: &[u8]) {
    match parse(bytes, "fuzz") {
        Ok(output) => {
            let assessment = judge(&output);
            assert!(assessment.reasons.iter().all(|r| !r.rule.is_empty()));
        }
        Err(error) => assert_eq!(error.input(), "fuzz", "{error}"),
    }
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        any::<u64>().prop_map(|n| serde_json::json!(n)),
        "[a-z_ ]{0,12}".prop_map(serde_json::Value::String),
    ];
    let keys = prop_oneof![
        Just("smartctl".to_owned()),
        Just("exit_status".to_owned()),
        Just("messages".to_owned()),
        Just("device".to_owned()),
        Just("smart_status".to_owned()),
        Just("passed".to_owned()),
        Just("ata_smart_attributes".to_owned()),
        Just("table".to_owned()),
        Just("raw".to_owned()),
        Just("when_failed".to_owned()),
        Just("nvme_smart_health_information_log".to_owned()),
        Just("critical_warning".to_owned()),
        Just("json_format_version".to_owned()),
        "[a-z_]{1,8}",
    ];
    leaf.prop_recursive(5, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(keys.clone(), inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        check(&bytes);
    }

    #[test]
    fn arbitrary_json_never_panics(value in json_value()) {
        check(value.to_string().as_bytes());
    }

    #[test]
    fn damaged_fixtures_never_panic(
        index in any::<prop::sample::Index>(),
        cut in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
    ) {
        let all = fixtures();
        let mut bytes = index.get(all).clone();
        for (at, byte) in flips {
            let at = at.index(bytes.len());
            bytes[at] = byte;
        }
        let keep = cut.index(bytes.len() + 1);
        bytes.truncate(keep.max(bytes.len() / 2));
        check(&bytes);
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = format!("{{\"device\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(matches!(
        parse(deep.as_bytes(), "deep"),
        Err(Error::InvalidJson { .. } | Error::Schema { .. })
    ));
}
