//! Bytes to [`SmartctlOutput`], or a typed [`Error`] naming the input.

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::error::{Error, Result};
use crate::model::SmartctlOutput;

/// The only major `json_format_version` this crate reads (smartctl 7.0+).
pub const SUPPORTED_FORMAT_MAJOR: u64 = 1;

/// Parses smartctl `--json` output.
///
/// `input` labels the data in errors: the file path or device it came
/// from. Invalid UTF-8 (pre-7.4 smartctl copies device strings verbatim)
/// is replaced rather than rejected. A byte order mark is honoured, so a
/// capture saved by Windows PowerShell (UTF-16) reads too. Text before the
/// JSON object (pre-7.3 SCSI runs could print `Pending defect count:` lines
/// first) is skipped.
///
/// Never panics: any byte string gives a [`SmartctlOutput`] or an
/// [`Error`].
///
/// ```
/// let out = smartctl_parser::parse(br#"{"json_format_version":[1,0],
///     "smartctl":{"version":[7,4],"exit_status":0},
///     "smart_status":{"passed":true}}"#, "/dev/sda")?;
/// assert_eq!(out.smart_status.unwrap().passed, Some(true));
/// # Ok::<(), smartctl_parser::Error>(())
/// ```
pub fn parse(bytes: &[u8], input: &str) -> Result<SmartctlOutput> {
    match bytes {
        [0xef, 0xbb, 0xbf, rest @ ..] => parse_str(&String::from_utf8_lossy(rest), input),
        [0xff, 0xfe, rest @ ..] => parse_str(&utf16(rest, u16::from_le_bytes), input),
        [0xfe, 0xff, rest @ ..] => parse_str(&utf16(rest, u16::from_be_bytes), input),
        _ => parse_str(&String::from_utf8_lossy(bytes), input),
    }
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> String {
    let units = bytes.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
    char::decode_utf16(units).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)).collect()
}

/// [`parse`] for text that is already a `str`.
pub fn parse_str(text: &str, input: &str) -> Result<SmartctlOutput> {
    let json = skip_preamble(text);
    if json.trim().is_empty() {
        return Err(Error::Empty { input: input.to_owned() });
    }
    if !json.trim_start().starts_with('{') {
        return Err(not_an_object(json, input));
    }
    match serde_json::from_str::<SmartctlOutput>(json) {
        Ok(output) => validate(output, input),
        Err(error) => Err(explain(json, &error, input)),
    }
}

/// Starts at the first line that opens a JSON object, if the text does not
/// already start with one.
fn skip_preamble(text: &str) -> &str {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') {
        return trimmed;
    }
    match text.find("\n{") {
        Some(at) => &text[at + 1..],
        None => text,
    }
}

fn validate(output: SmartctlOutput, input: &str) -> Result<SmartctlOutput> {
    if let Some(&major) = output.json_format_version.first() {
        if major != SUPPORTED_FORMAT_MAJOR {
            let minor = output.json_format_version.get(1).copied().unwrap_or(0);
            return Err(Error::UnsupportedFormatVersion { input: input.to_owned(), major, minor });
        }
    } else if output.smartctl.is_none() && output.device.is_none() && output.devices.is_none() {
        return Err(Error::NotSmartctl {
            input: input.to_owned(),
            found: "an object without json_format_version, smartctl or device".to_owned(),
        });
    }
    Ok(output)
}

fn not_an_object(json: &str, input: &str) -> Error {
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(value) => {
            Error::NotSmartctl { input: input.to_owned(), found: kind_of(&value).to_owned() }
        }
        Err(error) => match other_smartctl_format(json) {
            Some(found) => Error::NotJsonOutput { input: input.to_owned(), found },
            None => syntax_error(&error, input),
        },
    }
}

/// Recognises smartctl output in a form other than `--json`: the text
/// report (its banner), `--json=g` (`json.smartctl.version[0] = 7;` lines)
/// and `--json=y` (YAML keys smartctl writes first).
fn other_smartctl_format(text: &str) -> Option<&'static str> {
    let first = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    if first.starts_with("smartctl ") || text.contains("=== START OF ") {
        Some("smartctl's plain-text output")
    } else if first.starts_with("json.") && first.contains(" = ") {
        Some("smartctl's --json=g (grep-able) output")
    } else if first == "json_format_version:"
        || first.starts_with("smartctl:")
        || (first.starts_with("---") && text.contains("\njson_format_version:"))
    {
        Some("smartctl's --json=y (YAML) output")
    } else {
        None
    }
}

/// Parses every smartctl `--json` document in `bytes`: one, or several
/// written back to back (what `for d in ...; do smartctl -j -a $d; done > f`
/// makes). Each result is labelled `input` when there is one document and
/// `input#1`, `input#2`, … when there are several; a document that is cut
/// short or followed by garbage is an error with its own label, and the
/// documents before it are still returned.
pub fn parse_all(bytes: &[u8], input: &str) -> Vec<(String, Result<SmartctlOutput>)> {
    let text = match bytes {
        [0xef, 0xbb, 0xbf, rest @ ..] => String::from_utf8_lossy(rest).into_owned(),
        [0xff, 0xfe, rest @ ..] => utf16(rest, u16::from_le_bytes),
        [0xfe, 0xff, rest @ ..] => utf16(rest, u16::from_be_bytes),
        _ => String::from_utf8_lossy(bytes).into_owned(),
    };
    let json = skip_preamble(&text);
    let mut documents = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(json).into_iter::<IgnoredAny>();
    let mut start = 0;
    let mut failed = false;
    while let Some(item) = stream.next() {
        let end = stream.byte_offset();
        match item {
            Ok(IgnoredAny) => documents.push(&json[start..end]),
            Err(_) => {
                // Not a stream of documents: the rest is judged as one piece
                // (parse_str explains what it is).
                documents.push(&json[start..]);
                failed = true;
                break;
            }
        }
        start = end;
    }
    if documents.is_empty() || (!failed && !json[start..].trim().is_empty()) {
        documents.push(&json[start..]);
    }
    if documents.len() == 1 {
        return vec![(input.to_owned(), parse_str(documents[0], input))];
    }
    documents
        .iter()
        .enumerate()
        .map(|(i, doc)| {
            let label = format!("{input}#{}", i + 1);
            let result = parse_str(doc, &label);
            (label, result)
        })
        .collect()
}

fn kind_of(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "JSON null",
        serde_json::Value::Bool(_) => "a JSON bool",
        serde_json::Value::Number(_) => "a JSON number",
        serde_json::Value::String(_) => "a JSON string",
        serde_json::Value::Array(_) => "a JSON array",
        serde_json::Value::Object(_) => "a JSON object",
    }
}

fn syntax_error(error: &serde_json::Error, input: &str) -> Error {
    Error::InvalidJson {
        input: input.to_owned(),
        line: error.line(),
        column: error.column(),
        message: strip_position(error),
    }
}

/// serde_json appends " at line L column C" to its messages; the error
/// variants carry those as fields.
fn strip_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// The envelope alone, read leniently to explain a failed typed parse.
#[derive(Deserialize)]
struct Envelope {
    json_format_version: Option<serde_json::Value>,
}

/// Turns a failed typed parse into the most useful error. Only runs on the
/// error path, so the second and third passes cost nothing on good input.
fn explain(json: &str, error: &serde_json::Error, input: &str) -> Error {
    if error.is_syntax() || error.is_eof() || error.is_io() {
        return syntax_error(error, input);
    }
    // Pre-7.0 output fails on the version, not on whichever key first
    // differs from the 7.x layout.
    if let Ok(Envelope { json_format_version: Some(version) }) = serde_json::from_str(json) {
        let numbers: Vec<u64> = version
            .as_array()
            .map(|items| items.iter().filter_map(serde_json::Value::as_u64).collect())
            .unwrap_or_default();
        if let Some(&major) = numbers.first()
            && major != SUPPORTED_FORMAT_MAJOR
        {
            let minor = numbers.get(1).copied().unwrap_or(0);
            return Error::UnsupportedFormatVersion { input: input.to_owned(), major, minor };
        }
    }
    let mut deserializer = serde_json::Deserializer::from_str(json);
    match serde_path_to_error::deserialize::<_, SmartctlOutput>(&mut deserializer) {
        Err(tracked) => {
            let inner = tracked.inner();
            Error::Schema {
                input: input.to_owned(),
                path: tracked.path().to_string(),
                line: inner.line(),
                column: inner.column(),
                message: strip_position(inner),
            }
        }
        // Both passes read the same text with the same types, so this arm
        // is unreachable in practice; report the first pass's error.
        Ok(_) => Error::Schema {
            input: input.to_owned(),
            path: ".".to_owned(),
            line: error.line(),
            column: error.column(),
            message: strip_position(error),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_whitespace_are_empty() {
        assert_eq!(parse(b"", "x"), Err(Error::Empty { input: "x".into() }));
        assert_eq!(parse(b" \n\t", "x"), Err(Error::Empty { input: "x".into() }));
    }

    #[test]
    fn plain_text_output_says_to_run_with_json() {
        let text = "smartctl 7.4 2023-08-01 r5530\nCopyright (C) 2002-23\n";
        let err = parse(text.as_bytes(), "/dev/sda").unwrap_err();
        assert!(matches!(err, Error::NotJsonOutput { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "/dev/sda: this is smartctl's plain-text output, not smartctl --json output: run \
             smartctl with --json (-j)"
        );
    }

    #[test]
    fn truncated_output_is_invalid_json() {
        let err = parse(br#"{"json_format_version":[1,0],"smartctl":{"#, "f.json").unwrap_err();
        assert!(matches!(err, Error::InvalidJson { .. }), "{err:?}");
    }

    #[test]
    fn other_json_is_not_smartctl() {
        for (text, found) in [
            ("[1,2]", "a JSON array"),
            ("42", "a JSON number"),
            ("\"x\"", "a JSON string"),
            ("null", "JSON null"),
        ] {
            assert_eq!(
                parse(text.as_bytes(), "in"),
                Err(Error::NotSmartctl { input: "in".into(), found: found.into() })
            );
        }
        assert!(matches!(parse(br#"{"name":"x"}"#, "in"), Err(Error::NotSmartctl { .. })));
    }

    #[test]
    fn format_version_other_than_one_is_unsupported() {
        assert_eq!(
            parse(br#"{"json_format_version":[0,1],"smartctl":{}}"#, "old.json"),
            Err(Error::UnsupportedFormatVersion { input: "old.json".into(), major: 0, minor: 1 })
        );
        assert_eq!(
            parse(br#"{"json_format_version":[2,0]}"#, "new.json"),
            Err(Error::UnsupportedFormatVersion { input: "new.json".into(), major: 2, minor: 0 })
        );
        // A newer minor version is readable.
        assert!(parse(br#"{"json_format_version":[1,3]}"#, "x").is_ok());
    }

    #[test]
    fn unsupported_version_wins_over_schema_differences() {
        let text = br#"{"json_format_version":[0,1],"smart_status":"PASSED"}"#;
        assert!(matches!(parse(text, "x"), Err(Error::UnsupportedFormatVersion { major: 0, .. })));
    }

    #[test]
    fn wrong_type_names_the_key_path() {
        let text = br#"{"json_format_version":[1,0],
            "ata_smart_attributes":{"table":[{"id":5,"raw":{"value":"lots"}}]}}"#;
        match parse(text, "/dev/sdb").unwrap_err() {
            Error::Schema { input, path, line, .. } => {
                assert_eq!(input, "/dev/sdb");
                assert_eq!(path, "ata_smart_attributes.table[0].raw.value");
                assert_eq!(line, 2);
            }
            other => panic!("expected a schema error, got {other:?}"),
        }
    }

    #[test]
    fn preamble_before_the_object_is_skipped() {
        let text = "  Pending defect count:0 Pending Defects\n{\"json_format_version\":[1,0]}";
        assert!(parse(text.as_bytes(), "x").is_ok());
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        let mut bytes = br#"{"json_format_version":[1,0],"model_name":"Disk "#.to_vec();
        bytes.extend_from_slice(&[0xe9, 0xff]);
        bytes.extend_from_slice(br#""}"#);
        let out = parse(&bytes, "x").unwrap();
        assert_eq!(out.model_name.as_deref(), Some("Disk \u{fffd}\u{fffd}"));
    }

    #[test]
    fn byte_order_marks_are_honoured() {
        let text = r#"{"json_format_version":[1,0],"model_name":"Disk é"}"#;
        let mut utf8 = vec![0xef, 0xbb, 0xbf];
        utf8.extend_from_slice(text.as_bytes());
        let mut le = vec![0xff, 0xfe];
        let mut be = vec![0xfe, 0xff];
        for unit in text.encode_utf16() {
            le.extend_from_slice(&unit.to_le_bytes());
            be.extend_from_slice(&unit.to_be_bytes());
        }
        for bytes in [utf8, le, be] {
            assert_eq!(parse(&bytes, "x").unwrap().model_name.as_deref(), Some("Disk é"));
        }
        // An odd trailing byte is dropped, not a panic.
        assert!(parse(&[0xff, 0xfe, b'{'], "x").is_err());
    }

    #[test]
    fn smart_support_as_bool_or_object() {
        let a = parse(br#"{"device":{},"smart_support":true}"#, "x").unwrap();
        assert_eq!(a.smart_support.unwrap().available, Some(true));
        let b = parse(br#"{"device":{},"smart_support":{"available":true,"enabled":false}}"#, "x")
            .unwrap();
        let b = b.smart_support.unwrap();
        assert_eq!((b.available, b.enabled), (Some(true), Some(false)));
        assert!(parse(br#"{"device":{},"smart_support":"yes"}"#, "x").is_err());
    }

    #[test]
    fn nvme_counters_prefer_the_exact_string() {
        // 2^64 + 1 does not fit a u64; smartctl writes the number and the `_s` twin.
        let text = br#"{"json_format_version":[1,0],"nvme_smart_health_information_log":{
            "data_units_written":18446744073709551617,"data_units_written_s":"18446744073709551617",
            "data_units_read":9007199254740993,"data_units_read_s":"9007199254740993",
            "host_reads":340282366920938463463374607431768211455,
            "media_errors":0,"nsid":-1}}"#;
        let log = parse(text, "x").unwrap().nvme_smart_health_information_log.unwrap();
        assert_eq!(log.data_units_written, Some(18_446_744_073_709_551_617));
        assert_eq!(log.data_units_read, Some(9_007_199_254_740_993));
        assert_eq!(log.host_reads, Some(u128::MAX));
        assert_eq!(log.nsid, Some(-1));
        assert_eq!(log.bytes_read(), Some(9_007_199_254_740_993 * 512_000));
    }

    #[test]
    fn a_bad_counter_string_is_a_schema_error() {
        let text = br#"{"json_format_version":[1,0],
            "nvme_smart_health_information_log":{"media_errors_s":"many"}}"#;
        match parse(text, "x").unwrap_err() {
            Error::Schema { path, message, .. } => {
                assert_eq!(path, "nvme_smart_health_information_log");
                assert!(message.contains("media_errors_s"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn empty_temperature_history_slots_are_null() {
        let text = br#"{"json_format_version":[1,0],
            "ata_sct_temperature_history":{"size":4,"index":1,"table":[35,null,null,36]}}"#;
        let history = parse(text, "x").unwrap().ata_sct_temperature_history.unwrap();
        assert_eq!(history.table, vec![Some(35), None, None, Some(36)]);
    }

    #[test]
    fn scsi_identity_under_both_spellings() {
        let old =
            parse(br#"{"device":{},"vendor":"SEAGATE","product":"ST1","revision":"N004"}"#, "x")
                .unwrap();
        assert_eq!(old.model().as_deref(), Some("SEAGATE ST1"));
        assert_eq!(old.firmware(), Some("N004"));
        let v73 = parse(
            br#"{"device":{},"scsi_vendor":"YADRO","scsi_product":"W","scsi_model_name":"YADRO W",
                "scsi_revision":"C240","scsi_Percentage used endurance indicator":3,
                "scsi_temperature":{"drive_trip":70}}"#,
            "x",
        )
        .unwrap();
        assert_eq!(v73.model().as_deref(), Some("YADRO W"));
        assert_eq!(v73.firmware(), Some("C240"));
        assert_eq!(v73.scsi_endurance_used_percent(), Some(3));
        assert_eq!(v73.scsi_drive_trip(), Some(70));
    }

    #[test]
    fn other_smartctl_formats_say_what_to_run_instead() {
        let cases = [
            (
                "smartctl 7.4 2023-08-01 r5530 [x86_64-linux-6.1.0] (local build)\n=== START OF INFORMATION SECTION ===\n",
                "plain-text",
            ),
            ("json.smartctl.version[0] = 7;\njson.smartctl.version[1] = 4;\n", "--json=g"),
            ("json_format_version:\n  - 1\n  - 0\nsmartctl:\n  version:\n", "--json=y"),
        ];
        for (text, what) in cases {
            let e = parse(text.as_bytes(), "f").unwrap_err();
            assert!(matches!(e, Error::NotJsonOutput { .. }), "{what}: {e:?}");
            let shown = e.to_string();
            assert!(shown.contains(what) && shown.contains("run smartctl with --json"), "{shown}");
        }
        // Garbage is still a plain syntax error with its position.
        assert!(matches!(parse(b"\x00\x01garbage", "f"), Err(Error::InvalidJson { .. })));
    }

    #[test]
    fn concatenated_outputs_are_judged_one_by_one() {
        let one = r#"{"json_format_version":[1,0],"smartctl":{"version":[7,4],"exit_status":0},"device":{"name":"/dev/sda"}}"#;
        let two = r#"{"json_format_version":[1,0],"smartctl":{"version":[7,4],"exit_status":0},"device":{"name":"/dev/sdb"}}"#;
        let both = format!("{one}\n{two}\n");
        let parsed = parse_all(both.as_bytes(), "f");
        let labels: Vec<&str> = parsed.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(labels, ["f#1", "f#2"]);
        let names: Vec<String> = parsed
            .iter()
            .map(|(_, r)| r.as_ref().unwrap().device.as_ref().unwrap().name.clone().unwrap())
            .collect();
        assert_eq!(names, ["/dev/sda", "/dev/sdb"]);

        // A single document keeps the plain label, as parse() would.
        let single = parse_all(one.as_bytes(), "f");
        assert_eq!(single.len(), 1);
        assert_eq!(single[0].0, "f");
        assert!(single[0].1.is_ok());

        // A second document cut short: the first is kept, the second named.
        let cut = format!("{one}\n{}", &two[..40]);
        let parsed = parse_all(cut.as_bytes(), "f");
        assert_eq!(parsed.len(), 2);
        assert!(parsed[0].1.is_ok());
        let e = parsed[1].1.as_ref().unwrap_err();
        assert_eq!(e.input(), "f#2");

        // Nothing at all is one empty input, not zero results.
        let empty = parse_all(b"  \n", "f");
        assert!(matches!(empty[..], [(_, Err(Error::Empty { .. }))]));
    }
}
