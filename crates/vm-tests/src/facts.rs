//! The facts file the guest's device setup writes (`/run/helios64-vm/env`).

use std::collections::BTreeMap;
use std::path::Path;

use crate::Error;

/// Parses the facts file: `KEY=VALUE` lines; blank lines and `#` comments
/// are skipped. A later duplicate key wins, as in a shell.
///
/// `path` only names the file in errors.
pub fn parse_facts(path: &Path, text: &str) -> Result<BTreeMap<String, String>, Error> {
    let mut facts = BTreeMap::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.split_once('=') {
            Some((key, value)) if is_key(key) => {
                facts.insert(key.to_owned(), value.to_owned());
            }
            _ => {
                return Err(Error::MalformedFact {
                    path: path.to_owned(),
                    line: index + 1,
                    text: raw.to_owned(),
                });
            }
        }
    }
    Ok(facts)
}

fn is_key(key: &str) -> bool {
    !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keys_values_and_skips_comments() {
        let text = "# written by setup-devices\nHELIOS64_VM_I2C_BUS=1\n\nHELIOS64_VM_GPIOCHIP_gpio0=gpiochip0\nHELIOS64_VM_BAY1=/dev/sda\n";
        let facts = parse_facts(Path::new("env"), text).unwrap();
        assert_eq!(facts.len(), 3);
        assert_eq!(facts["HELIOS64_VM_I2C_BUS"], "1");
        assert_eq!(facts["HELIOS64_VM_GPIOCHIP_gpio0"], "gpiochip0");
        assert_eq!(facts["HELIOS64_VM_BAY1"], "/dev/sda");
    }

    #[test]
    fn value_may_contain_equals_and_be_empty() {
        let facts = parse_facts(Path::new("env"), "A=b=c\nB=\n").unwrap();
        assert_eq!(facts["A"], "b=c");
        assert_eq!(facts["B"], "");
    }

    #[test]
    fn later_duplicate_wins() {
        let facts = parse_facts(Path::new("env"), "A=1\nA=2\n").unwrap();
        assert_eq!(facts["A"], "2");
    }

    #[test]
    fn line_without_equals_is_an_error_naming_file_and_line() {
        let err = parse_facts(Path::new("/run/helios64-vm/env"), "A=1\ngarbage\n").unwrap_err();
        assert!(matches!(err, Error::MalformedFact { line: 2, .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "/run/helios64-vm/env:2: expected KEY=VALUE, found \"garbage\""
        );
    }

    #[test]
    fn key_with_spaces_is_an_error() {
        let err = parse_facts(Path::new("env"), "A B=1\n").unwrap_err();
        assert!(matches!(err, Error::MalformedFact { line: 1, .. }), "{err:?}");
    }
}
