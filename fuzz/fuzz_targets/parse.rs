//! Any bytes: parse must return Ok or a typed error, and judging whatever
//! parsed must not panic.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match smartctl_parser::parse(data, "fuzz") {
        Ok(output) => {
            let assessment = smartctl_parser::judge(&output);
            let _ = smartctl_parser::open_failure(&output);
            for attribute in output.ata_attributes() {
                let _ = (attribute.raw.count(), attribute.raw.temperature(), attribute.raw.power_on());
            }
            assert!(!matches!(assessment.reasons.first(), Some(r) if r.rule.is_empty()));
        }
        Err(error) => assert_eq!(error.input(), "fuzz"),
    }
});
