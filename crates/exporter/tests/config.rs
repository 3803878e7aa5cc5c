//! `exporter.toml`: the shipped example is the defaults, and bad values
//! name the key.

#![allow(clippy::disallowed_methods, clippy::unwrap_used, clippy::panic)]

use helios64_exporter::ExporterConfig;
use helios64_service::ConfigSource;

fn load(text: &str) -> Result<ExporterConfig, String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("exporter.toml");
    std::fs::write(&file, text).unwrap();
    ConfigSource::new("exporter")
        .with_file(&file)
        .load::<ExporterConfig>()
        .map(helios64_service::Loaded::into_config)
        .map_err(|e| e.to_string().replace(&file.display().to_string(), "exporter.toml"))
}

#[test]
fn the_shipped_example_is_the_defaults_with_every_key() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../dist/config/exporter.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let uncommented = helios64_service::config::example_settings(&text, &[]);
    let parsed: ExporterConfig =
        toml::from_str(&uncommented).unwrap_or_else(|e| panic!("{e}\n{uncommented}"));
    assert_eq!(parsed, ExporterConfig::default());
    assert_eq!(uncommented.lines().count(), 5, "every key, once");
}

#[test]
fn bad_values_name_their_key() {
    for (text, expected) in [
        ("listen = \":9164\"\n", "exporter.toml:1:1: listen: \":9164\" is not an address:port"),
        ("smart_interval_seconds = 1\n", "smart_interval_seconds: must be 10..=86400"),
        ("zfs_deadline_milliseconds = 0\n", "zfs_deadline_milliseconds: must be 10..=60000"),
        (
            "textfile_name = \"../x.prom\"\n",
            "textfile_name: must be a plain file name ending in .prom",
        ),
        (
            "textfile_name = \"metrics.txt\"\n",
            "textfile_name: must be a plain file name ending in .prom",
        ),
        ("listen_on = \"127.0.0.1:1\"\n", "exporter.toml:1:1: listen_on: unknown key"),
    ] {
        let e = load(text).unwrap_err();
        assert!(e.contains(expected), "{text}: {e}");
    }
}
