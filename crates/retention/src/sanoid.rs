//! An existing `sanoid.conf`, read as sanoid 2.x reads it, into a
//! [`SnapConfig`]; and that config written out as TOML.
//!
//! Syntax as `Config::IniFiles` has it: `[section]`, `key = value`,
//! comment lines starting with `#` or `;`. Semantics as sanoid's `init`:
//! `[template_NAME]` sections, `[template_default]` over the built-in
//! defaults, `use_template = a, b` applied in order, sanoid's toggle words
//! (`yes`/`no`, `on`/`off`, `1`/`0`, `true`/`false`), `recursive = yes|zfs`,
//! `path`. A key sanoid does not know, or one it knows that this planner
//! does not implement (`prune_defer`, `capacity_*` away from their
//! defaults), is an error naming `file:line` and the key.

use std::collections::BTreeMap;

use crate::config::{Age, Recursive, Section, SnapConfig, ZfsWord, is_descendant};
use crate::error::{At, Error, Result};
use crate::policy::Settings;

/// A parsed sanoid.conf and what did not carry over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The equivalent policy.
    pub config: SnapConfig,
    /// Things sanoid would ignore with a warning, or that change nothing,
    /// each `file:line: message`.
    pub warnings: Vec<String>,
}

struct RawSection<'a> {
    name: &'a str,
    line: usize,
    keys: Vec<(&'a str, &'a str, usize)>,
}

const TRUE: [&str; 10] = ["1", "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"];
const FALSE: [&str; 10] = ["0", "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"];

/// Reads sanoid.conf text; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<Imported> {
    let at = |line: usize| At { source: file.to_owned(), line };
    let syntax = |line: usize, message: String| Error::SanoidConf {
        at: at(line),
        key: String::new(),
        message,
    };
    let mut sections: Vec<RawSection<'_>> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = n + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if let Some(inner) = trimmed.strip_prefix('[') {
            let Some(name) = inner.strip_suffix(']').map(str::trim).filter(|n| !n.is_empty())
            else {
                return Err(syntax(line, format!("{trimmed:?} is not a [section] line")));
            };
            if let Some(first) = sections.iter().find(|s| s.name == name) {
                return Err(syntax(
                    line,
                    format!("section [{name}] again (first at line {})", first.line),
                ));
            }
            sections.push(RawSection { name, line, keys: Vec::new() });
            continue;
        }
        let Some((key, value)) = trimmed.split_once('=') else {
            return Err(syntax(
                line,
                format!("{trimmed:?} is neither [section], key = value nor a comment"),
            ));
        };
        let (key, value) = (key.trim(), value.trim());
        let Some(section) = sections.last_mut() else {
            return Err(syntax(line, format!("{key} = ... before any [section]")));
        };
        if value.starts_with("<<") {
            return Err(syntax(line, format!("{key}: here-document values are not supported")));
        }
        if let Some(&(_, _, first)) = section.keys.iter().find(|(k, _, _)| *k == key) {
            return Err(Error::SanoidConf {
                at: at(line),
                key: format!("[{}] {key}", section.name),
                message: format!(
                    "set again (first at line {first}); sanoid would read both lines as one value"
                ),
            });
        }
        section.keys.push((key, value, line));
    }

    let mut warnings = Vec::new();
    let mut config = SnapConfig::default();
    let mut lines: BTreeMap<String, (usize, &str)> = BTreeMap::new();
    let mut dataset_sections: Vec<(String, Section, usize, &str)> = Vec::new();
    for raw in &sections {
        let template = raw.name.strip_prefix("template_");
        let mut section = Section::default();
        let mut path = None;
        for &(key, value, line) in &raw.keys {
            let err = |message: String| Error::SanoidConf {
                at: at(line),
                key: format!("[{}] {key}", raw.name),
                message,
            };
            if template.is_some() && (key.contains("template") || key.contains("recursive")) {
                warnings.push(format!(
                    "{}: [{}] {key}: ignored in a template (as sanoid does)",
                    at(line),
                    raw.name
                ));
                continue;
            }
            if key == "path" {
                path = Some(value);
                continue;
            }
            set_key(&mut section, key, value).map_err(err)?;
            // Range checks of this one key, located at its line.
            let mut one = Section::default();
            set_key(&mut one, key, value).map_err(err)?;
            one.apply_checked(&mut Settings::default()).map_err(err)?;
            if let Some(message) = no_effect(key, value) {
                warnings.push(format!("{}: [{}] {key}: {message}", at(line), raw.name));
            }
        }
        match template {
            Some("default") => config.defaults = section,
            Some(name) => {
                config.templates.insert(name.to_owned(), section);
            }
            None => {
                let dataset = path.unwrap_or(raw.name).to_owned();
                if let Some((first, _)) = lines.get(&dataset) {
                    return Err(Error::SanoidConf {
                        at: at(raw.line),
                        key: format!("[{}]", raw.name),
                        message: format!("dataset {dataset} already has a section at line {first}"),
                    });
                }
                lines.insert(dataset.clone(), (raw.line, raw.name));
                dataset_sections.push((dataset, section, raw.line, raw.name));
            }
        }
    }
    for (dataset, section, line, name) in &dataset_sections {
        for t in section.use_template.iter().flatten() {
            if !config.templates.contains_key(t) {
                let key_line = sections
                    .iter()
                    .find(|s| s.name == *name)
                    .and_then(|s| s.keys.iter().find(|k| k.0 == "use_template"))
                    .map_or(*line, |k| k.2);
                return Err(Error::SanoidConf {
                    at: at(key_line),
                    key: format!("[{name}] use_template"),
                    message: format!("no section [template_{t}]"),
                });
            }
        }
        // sanoid processes sections in file order: a recursive section
        // later in the file copies its settings over a child's section
        // (or, with skip_children, deletes it), so that child's own keys
        // never take effect.
        let overwritten = dataset_sections.iter().find(|(other, s, other_line, _)| {
            other_line > line
                && is_descendant(dataset, other)
                && (s.recursive.is_some_and(|r| r != Recursive::Flag(false))
                    || s.skip_children == Some(true))
        });
        if let Some((parent, _, parent_line, _)) = overwritten {
            warnings.push(format!(
                "{}: [{name}]: ignored, as sanoid does: [{parent}] at line {parent_line} comes later and recurses over it; move it after [{parent}] for its keys to count",
                at(*line)
            ));
            continue;
        }
        config.datasets.insert(dataset.clone(), section.clone());
    }
    config.validate().map_err(|e| Error::SanoidConf {
        at: at(0),
        key: String::new(),
        message: e.to_string(),
    })?;
    Ok(Imported { config, warnings })
}

/// The keys sanoid knows that change nothing here at their default value.
fn no_effect(key: &str, value: &str) -> Option<&'static str> {
    match key {
        "capacity_warn" | "capacity_crit" => {
            Some("capacity is the exporter's job; accepted at sanoid's default only")
        }
        "prune_defer" => Some("accepted at 0 (always prune) only"),
        _ => {
            let _ = value;
            None
        }
    }
}

fn toggle(value: &str) -> Result<bool, String> {
    if TRUE.contains(&value) {
        Ok(true)
    } else if FALSE.contains(&value) || value.is_empty() {
        Ok(false)
    } else {
        Err(format!("{value:?} is not yes/no, on/off, true/false or 1/0"))
    }
}

fn number(value: &str) -> Result<u32, String> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{value:?} is not a whole number"));
    }
    value.parse().map_err(|_| format!("{value} is too large"))
}

fn set_key(s: &mut Section, key: &str, value: &str) -> Result<(), String> {
    macro_rules! num {
        ($($name:ident),*) => {
            match key {
                $(stringify!($name) => { s.$name = Some(number(value)?); return Ok(()); })*
                _ => {}
            }
        };
    }
    num!(
        frequently,
        hourly,
        daily,
        weekly,
        monthly,
        yearly,
        frequent_period,
        hourly_min,
        daily_hour,
        daily_min,
        weekly_wday,
        weekly_hour,
        weekly_min,
        monthly_mday,
        monthly_hour,
        monthly_min,
        yearly_mon,
        yearly_mday,
        yearly_hour,
        yearly_min,
        script_timeout
    );
    macro_rules! flag {
        ($($name:ident),*) => {
            match key {
                $(stringify!($name) => { s.$name = Some(toggle(value)?); return Ok(()); })*
                _ => {}
            }
        };
    }
    flag!(
        autosnap,
        autoprune,
        monitor,
        monitor_dont_warn,
        monitor_dont_crit,
        process_children_only,
        skip_children,
        no_inconsistent_snapshot,
        force_post_snapshot_script
    );
    macro_rules! age {
        ($($name:ident),*) => {
            match key {
                $(stringify!($name) => {
                    s.$name = Some(match value.parse::<u64>() {
                        Ok(n) => Age::Number(n),
                        Err(_) => Age::Text(value.to_owned()),
                    });
                    return Ok(());
                })*
                _ => {}
            }
        };
    }
    age!(
        frequently_warn,
        frequently_crit,
        hourly_warn,
        hourly_crit,
        daily_warn,
        daily_crit,
        weekly_warn,
        weekly_crit,
        monthly_warn,
        monthly_crit,
        yearly_warn,
        yearly_crit
    );
    match key {
        "pre_snapshot_script" => s.pre_snapshot_script = Some(value.to_owned()),
        "post_snapshot_script" => s.post_snapshot_script = Some(value.to_owned()),
        "pruning_script" => s.pruning_script = Some(value.to_owned()),
        "use_template" => {
            let names: Vec<String> = value
                .split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned)
                .collect();
            s.use_template = Some(names);
        }
        "recursive" => {
            s.recursive = Some(if value.to_ascii_lowercase().contains("zfs") {
                Recursive::Zfs(ZfsWord::Zfs)
            } else {
                Recursive::Flag(toggle(value)?)
            });
        }
        "prune_defer" if value == "0" => {}
        "capacity_warn" if value == "80" => {}
        "capacity_crit" if value == "95" => {}
        "prune_defer" | "capacity_warn" | "capacity_crit" => {
            return Err(format!(
                "{value:?}: not supported by helios64-snap (only sanoid's default is accepted)"
            ));
        }
        _ => return Err("sanoid has no such setting (see sanoid.defaults.conf)".to_owned()),
    }
    Ok(())
}

/// The policy as TOML, with `warnings` as comments at the top.
pub fn to_toml(config: &SnapConfig, warnings: &[String], source: &str) -> Result<String> {
    let body = toml::to_string(config)
        .map_err(|e| Error::Policy { key: String::new(), message: e.to_string() })?;
    let mut out = format!(
        "# helios64-snap policy imported from {source}\n\
         # sanoid names snapshots in the time zone it runs in; its packaged units set TZ=UTC.\n"
    );
    for w in warnings {
        out.push_str(&format!("# warning: {w}\n"));
    }
    out.push('\n');
    out.push_str(&body);
    Ok(out)
}
