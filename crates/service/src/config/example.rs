//! Shipped example configurations (`dist/config/<daemon>.toml`) show every
//! key commented out with its default, so a reader sees what there is to
//! set and the file changes nothing until edited. [`example_settings`]
//! reads such a file back as the configuration it documents, for tests
//! that prove it equal to the compiled-in defaults.

/// The settings an example configuration documents: each `# key = value`
/// line uncommented, under its table header (commented or not), as TOML.
/// Keys named in `examples_only` are left out: optional keys the file
/// shows with an example value rather than a default.
///
/// ```
/// let text = "# A comment.\n# interval = 10\n\n[fans]\n# Shown, not a default:\n# sata = \"0000:01:00.0\"\n# min = 20\n";
/// assert_eq!(helios64_service::config::example_settings(text, &["sata"]), "interval = 10\n[fans]\nmin = 20\n");
/// ```
pub fn example_settings(text: &str, examples_only: &[&str]) -> String {
    text.lines()
        .filter_map(|l| if l.starts_with('[') { Some(l) } else { l.strip_prefix("# ") })
        .filter(|l| l.starts_with('[') || l.contains(" = "))
        .filter(|l| !examples_only.iter().any(|k| l.split(" = ").next() == Some(*k)))
        .map(|l| format!("{l}\n"))
        .collect()
}
