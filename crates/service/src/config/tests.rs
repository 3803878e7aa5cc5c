use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::*;

/// A configuration shaped like the fan daemon's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fand {
    interval_ms: u64,
    fans: BTreeMap<String, Fan>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Fan {
    min_pwm: u8,
    max_pwm: u8,
    curve: Vec<Point>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Point {
    temp: i32,
    pwm: u8,
}

impl Default for Fan {
    fn default() -> Self {
        Fan {
            min_pwm: 60,
            max_pwm: 255,
            curve: vec![Point { temp: 40, pwm: 60 }, Point { temp: 70, pwm: 255 }],
        }
    }
}

impl Default for Fand {
    fn default() -> Self {
        let fans = [("p6", Fan::default()), ("p7", Fan::default())];
        Fand { interval_ms: 2000, fans: fans.into_iter().map(|(k, v)| (k.to_owned(), v)).collect() }
    }
}

impl Config for Fand {
    fn validate(&self) -> Result<(), Invalid> {
        for (name, fan) in &self.fans {
            let at = KeyPath::root().key("fans").key(name.clone());
            if fan.min_pwm > fan.max_pwm {
                return Err(Invalid::new(
                    at.key("min_pwm"),
                    format_args!("{} is above max_pwm {}", fan.min_pwm, fan.max_pwm),
                ));
            }
            for (i, pair) in fan.curve.windows(2).enumerate() {
                if pair[1].temp <= pair[0].temp {
                    return Err(Invalid::new(
                        at.key("curve").index(i + 1).key("temp"),
                        format_args!(
                            "curve points not sorted by temperature: {} after {}",
                            pair[1].temp, pair[0].temp
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// A config directory holding `files` (paths relative to it).
fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

fn load(files: &[(&str, &str)]) -> (tempfile::TempDir, Result<Loaded<Fand>>) {
    let dir = dir_with(files);
    let loaded = ConfigSource::new("fand").with_dir(dir.path()).load::<Fand>();
    (dir, loaded)
}

#[test]
fn bad_configs_name_file_line_column_and_key() {
    let main = "fand.toml";
    let d20 = "fand.d/20-local.toml";
    // (files, expected message start; `{dir}` is the config directory, kind)
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, ConfigErrorKind);
    let cases: &[Case<'_>] = &[
        (
            &[(main, "interval_ms = 100\n[fans.p6]\nmin_pwn = 3\n")],
            "{dir}/fand.toml:3:1: fans.p6.min_pwn: unknown key `min_pwn`, expected one of",
            ConfigErrorKind::UnknownKey,
        ),
        (
            &[(main, "nope = true\n")],
            "{dir}/fand.toml:1:1: nope: unknown key `nope`, expected `interval_ms` or `fans`",
            ConfigErrorKind::UnknownKey,
        ),
        (
            &[(main, "interval_ms = \"fast\"\n")],
            "{dir}/fand.toml:1:15: interval_ms: invalid type: string \"fast\", expected u64",
            ConfigErrorKind::Type,
        ),
        (
            &[(main, "[fans.p7]\nmax_pwm = 300\n")],
            "{dir}/fand.toml:2:11: fans.p7.max_pwm: invalid value: integer `300`, expected u8",
            ConfigErrorKind::Type,
        ),
        (
            &[(main, "[fans.p6]\nmin_pwm = 200\nmax_pwm = 100\n")],
            "{dir}/fand.toml:2:1: fans.p6.min_pwm: 200 is above max_pwm 100",
            ConfigErrorKind::Invalid,
        ),
        (
            &[(main, "[fans.p6]\ncurve = [{ temp = 40, pwm = 60 }, { temp = 30, pwm = 90 }]\n")],
            "{dir}/fand.toml:2:37: fans.p6.curve[1].temp: curve points not sorted by temperature: 30 after 40",
            ConfigErrorKind::Invalid,
        ),
        (
            &[(
                main,
                "[[fans.p6.curve]]\ntemp = 50\npwm = 80\n[[fans.p6.curve]]\ntemp = 50\npwm = 90\n",
            )],
            "{dir}/fand.toml:5:1: fans.p6.curve[1].temp: curve points not sorted by temperature: 50 after 50",
            ConfigErrorKind::Invalid,
        ),
        (
            // The drop-in that set the value is named, not the main file.
            &[
                (main, "[fans.p6]\nmax_pwm = 100\n"),
                ("fand.d/10-site.toml", "interval_ms = 500\n"),
                (d20, "# site override\n[fans.p6]\nmin_pwm = 150\n"),
            ],
            "{dir}/fand.d/20-local.toml:3:1: fans.p6.min_pwm: 150 is above max_pwm 100",
            ConfigErrorKind::Invalid,
        ),
        (
            &[(main, "interval_ms = 100\n"), (d20, "[fans.p6]\ncurve = 3\n")],
            "{dir}/fand.d/20-local.toml:2:9: fans.p6.curve: invalid type: integer `3`, expected a sequence",
            ConfigErrorKind::Type,
        ),
        (
            &[(main, "[fans.p6]\nmin_pwm = 12x\n")],
            "{dir}/fand.toml:2:11: fans.p6.min_pwm: ",
            ConfigErrorKind::Syntax,
        ),
        (
            &[(main, "interval_ms = 100\n"), (d20, "[fans.p6\n")],
            "{dir}/fand.d/20-local.toml:1:",
            ConfigErrorKind::Syntax,
        ),
        (
            // A key written twice in one file: located at the second.
            &[(main, "interval_ms = 1\ninterval_ms = 2\n")],
            "{dir}/fand.toml:2:1: interval_ms: duplicate key",
            ConfigErrorKind::Syntax,
        ),
        (
            &[(main, "[fans.p6]\nmin_pwm = 1\n\nmin_pwm = 2\n")],
            "{dir}/fand.toml:4:1: fans.p6.min_pwm: duplicate key",
            ConfigErrorKind::Syntax,
        ),
    ];
    for (files, expected, kind) in cases {
        let (dir, loaded) = load(files);
        let error = loaded.unwrap_err();
        let config = error.as_config().unwrap_or_else(|| panic!("not a config error: {error}"));
        let expected = expected.replace("{dir}", &dir.path().display().to_string());
        let text = error.to_string();
        assert!(text.starts_with(&expected), "{files:?}\n got: {text}\nwant: {expected}");
        assert_eq!(config.kind, *kind, "{text}");
        assert_eq!(error.exit(), crate::cli::Exit::Config);
    }
}

#[test]
fn a_semantic_error_in_the_defaults_says_so() {
    // The daemon blames min_pwm, which only the defaults set: the nearest
    // enclosing table a file wrote to is pointed at instead.
    let (dir, loaded) = load(&[("fand.toml", "[fans.p7]\nmax_pwm = 10\n")]);
    let text = loaded.unwrap_err().to_string();
    assert_eq!(
        text,
        format!("{}/fand.toml:1:7: fans.p7.min_pwm: 60 is above max_pwm 10", dir.path().display())
    );
    let loaded = load(&[]).1.unwrap();
    let key: KeyPath = "fans.p6.max_pwm".parse().unwrap();
    let error = loaded.invalid(Invalid::new(key, "no such fan on this board"));
    assert_eq!(
        error.to_string(),
        "compiled-in defaults: fans.p6.max_pwm: no such fan on this board"
    );
}

#[test]
fn no_files_means_defaults() {
    let (_dir, loaded) = load(&[]);
    let loaded = loaded.unwrap();
    assert_eq!(loaded.config(), &Fand::default());
    assert!(loaded.files().is_empty());
}

#[test]
fn drop_ins_merge_in_lexical_order_over_the_main_file() {
    let (dir, loaded) = load(&[
        ("fand.toml", "interval_ms = 100\n[fans.p6]\nmin_pwm = 70\n"),
        ("fand.d/20-b.toml", "interval_ms = 300\n"),
        ("fand.d/10-a.toml", "interval_ms = 200\n[fans.p7]\nmax_pwm = 200\n"),
        // Not drop-ins: hidden, another extension, a directory.
        ("fand.d/.30-hidden.toml", "interval_ms = 999\n"),
        ("fand.d/40-c.toml.bak", "interval_ms = 999\n"),
        ("fand.d/50-dir.toml/x", ""),
    ]);
    let loaded = loaded.unwrap();
    let config = loaded.config();
    assert_eq!(config.interval_ms, 300);
    assert_eq!(config.fans["p6"].min_pwm, 70);
    assert_eq!(config.fans["p6"].max_pwm, 255, "untouched keys keep their defaults");
    assert_eq!(config.fans["p7"].max_pwm, 200);
    assert_eq!(config.fans["p7"].curve.len(), 2);
    let names: Vec<_> =
        loaded.files().iter().map(|p| p.strip_prefix(dir.path()).unwrap()).collect();
    assert_eq!(
        names,
        [Path::new("fand.toml"), "fand.d/10-a.toml".as_ref(), "fand.d/20-b.toml".as_ref()]
    );
}

#[test]
fn arrays_are_replaced_whole_and_new_map_entries_take_struct_defaults() {
    let (_dir, loaded) = load(&[(
        "fand.toml",
        "[fans.p6]\ncurve = [{ temp = 30, pwm = 90 }]\n[fans.extra]\nmax_pwm = 128\n",
    )]);
    let config = loaded.unwrap().into_config();
    assert_eq!(config.fans["p6"].curve, [Point { temp: 30, pwm: 90 }]);
    assert_eq!(config.fans["extra"].min_pwm, 60);
    assert_eq!(config.fans["extra"].max_pwm, 128);
}

#[test]
fn an_explicit_file_must_exist_and_excludes_drop_ins() {
    let dir = dir_with(&[("fand.d/10.toml", "interval_ms = 7\n"), ("x.toml", "interval_ms = 5\n")]);
    let explicit =
        ConfigSource::new("fand").with_dir(dir.path()).with_file(dir.path().join("x.toml"));
    assert_eq!(explicit.load::<Fand>().unwrap().config().interval_ms, 5);
    let missing = ConfigSource::new("fand").with_file(dir.path().join("absent.toml"));
    let error = missing.load::<Fand>().unwrap_err();
    assert!(matches!(&error, Error::Io { op: IoOp::ReadConfig, .. }), "{error}");
    assert!(error.to_string().ends_with("absent.toml"), "{error}");
    assert_eq!(error.exit(), crate::cli::Exit::Config);
}

#[test]
fn effective_toml_lists_the_files_and_reloads_to_the_same_config() {
    let (dir, loaded) = load(&[("fand.toml", "interval_ms = 100\n")]);
    let text = loaded.unwrap().effective_toml().unwrap();
    let first = text.lines().next().unwrap();
    assert_eq!(
        first,
        format!(
            "# effective configuration: compiled-in defaults + {}/fand.toml",
            dir.path().display()
        )
    );
    let again: Fand = toml::from_str(&text).unwrap();
    assert_eq!(again.interval_ms, 100);
    assert_eq!(again.fans, Fand::default().fans);
}

#[test]
fn an_unreadable_drop_in_directory_is_an_error_naming_it() {
    let dir = dir_with(&[("fand.d", "not a directory")]);
    let error = ConfigSource::new("fand").with_dir(dir.path()).load::<Fand>().unwrap_err();
    assert!(matches!(&error, Error::Io { op: IoOp::ListConfigDir, .. }), "{error}");
    assert!(error.to_string().contains("fand.d"), "{error}");
}
