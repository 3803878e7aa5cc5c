//! The policy file: per-dataset sections, templates and defaults, with
//! sanoid's key names, and how they resolve to one [`Policy`] per dataset.
//!
//! ```toml
//! timezone = "UTC"
//! [templates.production]
//! hourly = 36
//! daily = 30
//! [datasets."tank/home"]
//! use_template = ["production"]
//! recursive = true          # or "zfs": one recursive snapshot of the subtree
//! [datasets."tank/home/tmp"] # a child override: inherits tank/home's settings
//! hourly = 0
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::kind::SnapType;
use crate::policy::{Policy, Settings, Take, age_unit, parse_age};

/// The whole policy file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapConfig {
    /// The time zone of snapshot names and preferred times: `UTC`, an IANA
    /// name (`Europe/Berlin`) or a POSIX TZ string.
    pub timezone: String,
    /// Overrides of sanoid's defaults for every dataset (sanoid's
    /// `[template_default]`).
    #[serde(default)]
    pub defaults: Section,
    /// Named templates (sanoid's `[template_NAME]`).
    #[serde(default)]
    pub templates: BTreeMap<String, Section>,
    /// One entry per dataset (sanoid's `[pool/dataset]` sections).
    #[serde(default)]
    pub datasets: BTreeMap<String, Section>,
}

impl Default for SnapConfig {
    fn default() -> Self {
        SnapConfig {
            timezone: "UTC".into(),
            defaults: Section::default(),
            templates: BTreeMap::new(),
            datasets: BTreeMap::new(),
        }
    }
}

/// A monitor age: a number in the type's unit, or a string with a unit
/// (`"90m"`, `"32d"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Age {
    /// A bare number: minutes for hourly, hours for daily, ... (sanoid's rule).
    Number(u64),
    /// A number with a unit: s, m, h, d, w, y.
    Text(String),
}

impl Age {
    fn seconds(&self, kind: SnapType) -> Option<i64> {
        match self {
            Age::Number(n) => i64::try_from(*n).ok()?.checked_mul(age_unit(kind)),
            Age::Text(t) => parse_age(t, age_unit(kind)),
        }
    }
}

/// `recursive = true`, `false` or `"zfs"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Recursive {
    /// `true`: every descendant gets this policy (and its own schedule).
    Flag(bool),
    /// `"zfs"`: one recursive snapshot of the subtree.
    Zfs(ZfsWord),
}

/// The word `zfs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ZfsWord {
    /// `"zfs"`.
    Zfs,
}

macro_rules! section {
    ($($(#[$doc:meta])* $field:ident: $ty:ty,)*) => {
        /// One section: every key optional; unset keys inherit.
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct Section {
            $($(#[$doc])* #[serde(default, skip_serializing_if = "Option::is_none")] pub $field: Option<$ty>,)*
        }
    };
}

section! {
    /// Templates applied in order, after the defaults, before own keys.
    use_template: Vec<String>,
    /// Apply to descendants too (datasets only).
    recursive: Recursive,
    /// Do not take, prune or monitor this dataset itself, only children.
    process_children_only: bool,
    /// Leave the descendants alone (datasets only).
    skip_children: bool,
    /// Count of frequent snapshots.
    frequently: u32,
    /// Count of hourly snapshots.
    hourly: u32,
    /// Count of daily snapshots.
    daily: u32,
    /// Count of weekly snapshots.
    weekly: u32,
    /// Count of monthly snapshots.
    monthly: u32,
    /// Count of yearly snapshots.
    yearly: u32,
    /// Minutes between frequent snapshots.
    frequent_period: u32,
    /// Minute of the hourly.
    hourly_min: u32,
    /// Hour of the daily.
    daily_hour: u32,
    /// Minute of the daily.
    daily_min: u32,
    /// Weekday of the weekly (0 = Sunday).
    weekly_wday: u32,
    /// Hour of the weekly.
    weekly_hour: u32,
    /// Minute of the weekly.
    weekly_min: u32,
    /// Day of the monthly.
    monthly_mday: u32,
    /// Hour of the monthly.
    monthly_hour: u32,
    /// Minute of the monthly.
    monthly_min: u32,
    /// Month of the yearly.
    yearly_mon: u32,
    /// Day of the yearly.
    yearly_mday: u32,
    /// Hour of the yearly.
    yearly_hour: u32,
    /// Minute of the yearly.
    yearly_min: u32,
    /// Take snapshots.
    autosnap: bool,
    /// Prune snapshots.
    autoprune: bool,
    /// Check snapshot ages in `--monitor`.
    monitor: bool,
    /// Warnings keep status OK.
    monitor_dont_warn: bool,
    /// Criticals keep status OK.
    monitor_dont_crit: bool,
    /// Warning age of the newest frequent snapshot.
    frequently_warn: Age,
    /// Critical age of the newest frequent snapshot.
    frequently_crit: Age,
    /// Warning age of the newest hourly.
    hourly_warn: Age,
    /// Critical age of the newest hourly.
    hourly_crit: Age,
    /// Warning age of the newest daily.
    daily_warn: Age,
    /// Critical age of the newest daily.
    daily_crit: Age,
    /// Warning age of the newest weekly.
    weekly_warn: Age,
    /// Critical age of the newest weekly.
    weekly_crit: Age,
    /// Warning age of the newest monthly.
    monthly_warn: Age,
    /// Critical age of the newest monthly.
    monthly_crit: Age,
    /// Warning age of the newest yearly.
    yearly_warn: Age,
    /// Critical age of the newest yearly.
    yearly_crit: Age,
    /// Command run before taking (environment: `SANOID_*` and `HELIOS64_SNAP_*`).
    pre_snapshot_script: String,
    /// Command run after taking.
    post_snapshot_script: String,
    /// Command run after each prune.
    pruning_script: String,
    /// Seconds a hook may run.
    script_timeout: u32,
    /// A failed pre hook means no snapshot.
    no_inconsistent_snapshot: bool,
    /// Run the post hook even after a failed pre hook.
    force_post_snapshot_script: bool,
}

impl Section {
    /// Applies the keys set here over `s`; `key` names this section in errors.
    fn apply(&self, s: &mut Settings, key: &str) -> Result<()> {
        let bad =
            |field: &str, message: String| Error::Policy { key: format!("{key}.{field}"), message };
        let counts =
            [self.frequently, self.hourly, self.daily, self.weekly, self.monthly, self.yearly];
        for (kind, count) in SnapType::ALL.into_iter().zip(counts) {
            if let Some(count) = count {
                s.counts.set(kind, count);
            }
        }
        let sc = &mut s.schedule;
        let times: [(&str, Option<u32>, &mut u32, u32, u32); 14] = [
            ("frequent_period", self.frequent_period, &mut sc.frequent_period, 1, 1_440),
            ("hourly_min", self.hourly_min, &mut sc.hourly_min, 0, 59),
            ("daily_hour", self.daily_hour, &mut sc.daily_hour, 0, 23),
            ("daily_min", self.daily_min, &mut sc.daily_min, 0, 59),
            ("weekly_wday", self.weekly_wday, &mut sc.weekly_wday, 0, 6),
            ("weekly_hour", self.weekly_hour, &mut sc.weekly_hour, 0, 23),
            ("weekly_min", self.weekly_min, &mut sc.weekly_min, 0, 59),
            ("monthly_mday", self.monthly_mday, &mut sc.monthly_mday, 1, 31),
            ("monthly_hour", self.monthly_hour, &mut sc.monthly_hour, 0, 23),
            ("monthly_min", self.monthly_min, &mut sc.monthly_min, 0, 59),
            ("yearly_mon", self.yearly_mon, &mut sc.yearly_mon, 1, 12),
            ("yearly_mday", self.yearly_mday, &mut sc.yearly_mday, 1, 31),
            ("yearly_hour", self.yearly_hour, &mut sc.yearly_hour, 0, 23),
            ("yearly_min", self.yearly_min, &mut sc.yearly_min, 0, 59),
        ];
        for (field, value, slot, lo, hi) in times {
            if let Some(v) = value {
                if !(lo..=hi).contains(&v) {
                    return Err(bad(field, format!("{v} is outside {lo}..={hi}")));
                }
                *slot = v;
            }
        }
        let flags = [
            (self.autosnap, &mut s.autosnap),
            (self.autoprune, &mut s.autoprune),
            (self.monitor, &mut s.monitor),
            (self.monitor_dont_warn, &mut s.monitor_dont_warn),
            (self.monitor_dont_crit, &mut s.monitor_dont_crit),
            (self.no_inconsistent_snapshot, &mut s.hooks.no_inconsistent_snapshot),
            (self.force_post_snapshot_script, &mut s.hooks.force_post_snapshot),
        ];
        for (value, slot) in flags {
            if let Some(v) = value {
                *slot = v;
            }
        }
        let ages = [
            (&self.frequently_warn, &self.frequently_crit),
            (&self.hourly_warn, &self.hourly_crit),
            (&self.daily_warn, &self.daily_crit),
            (&self.weekly_warn, &self.weekly_crit),
            (&self.monthly_warn, &self.monthly_crit),
            (&self.yearly_warn, &self.yearly_crit),
        ];
        for (kind, (warn, crit)) in SnapType::ALL.into_iter().zip(ages) {
            for (age, suffix, slot) in [
                (warn, "warn", &mut s.thresholds.warn[kind.index()]),
                (crit, "crit", &mut s.thresholds.crit[kind.index()]),
            ] {
                if let Some(age) = age {
                    *slot = age.seconds(kind).ok_or_else(|| {
                        bad(&format!("{kind}_{suffix}"), format!("{age:?} is not an age (90m, 28h, 32d, 2w, 1y, 30s or a bare number)"))
                    })?;
                }
            }
        }
        for (value, slot) in [
            (&self.pre_snapshot_script, &mut s.hooks.pre_snapshot),
            (&self.post_snapshot_script, &mut s.hooks.post_snapshot),
            (&self.pruning_script, &mut s.hooks.pruning),
        ] {
            if let Some(v) = value {
                *slot = (!v.is_empty()).then(|| v.clone());
            }
        }
        if let Some(t) = self.script_timeout {
            s.hooks.timeout_secs = t;
        }
        Ok(())
    }

    /// [`Section::apply`] for one-key checks: the message only.
    pub(crate) fn apply_checked(&self, s: &mut Settings) -> std::result::Result<(), String> {
        self.apply(s, "").map_err(|e| match e {
            Error::Policy { message, .. } => message,
            other => other.to_string(),
        })
    }

    fn recursion(&self) -> Option<Take> {
        match self.recursive {
            Some(Recursive::Zfs(_)) => Some(Take::Recursive),
            Some(Recursive::Flag(true)) => Some(Take::Own),
            _ => None,
        }
    }
}

/// Whether `child` is below `parent` in the dataset tree.
pub fn is_descendant(child: &str, parent: &str) -> bool {
    child.len() > parent.len()
        && child.starts_with(parent)
        && child.as_bytes()[parent.len()] == b'/'
}

impl SnapConfig {
    /// Checks what the types cannot: templates exist, no dataset-only keys
    /// in templates or defaults, every value in range.
    pub fn validate(&self) -> Result<()> {
        let key = |table: &str, name: &str, field: &str| format!("{table}.\"{name}\".{field}");
        for (table, sections) in [("templates", &self.templates), ("datasets", &self.datasets)] {
            for (name, section) in sections {
                if table == "templates" {
                    for (set, field) in [
                        (section.use_template.is_some(), "use_template"),
                        (section.recursive.is_some(), "recursive"),
                        (section.skip_children.is_some(), "skip_children"),
                    ] {
                        if set {
                            return Err(Error::Policy {
                                key: key(table, name, field),
                                message: "only datasets can set this, not templates".into(),
                            });
                        }
                    }
                }
                for t in section.use_template.iter().flatten() {
                    if !self.templates.contains_key(t) {
                        return Err(Error::Policy {
                            key: key(table, name, "use_template"),
                            message: format!("no template {t:?}"),
                        });
                    }
                }
                if section.recursion() == Some(Take::Recursive)
                    && section.process_children_only == Some(true)
                {
                    return Err(Error::Policy {
                        key: key(table, name, "process_children_only"),
                        message: "with recursive = \"zfs\" nothing would be taken (sanoid skips the parent's recursive snapshot)".into(),
                    });
                }
                section.apply(&mut Settings::default(), &format!("{table}.\"{name}\""))?;
            }
        }
        for (set, field) in [
            (self.defaults.use_template.is_some(), "use_template"),
            (self.defaults.recursive.is_some(), "recursive"),
            (self.defaults.skip_children.is_some(), "skip_children"),
        ] {
            if set {
                return Err(Error::Policy {
                    key: format!("defaults.{field}"),
                    message: "only datasets can set this".into(),
                });
            }
        }
        self.defaults.apply(&mut Settings::default(), "defaults")
    }

    /// The policy of every configured dataset and of every descendant in
    /// `datasets` that a recursive entry covers, sorted by dataset.
    /// `datasets` is what exists (a `zfs list -r`, or the datasets of a
    /// listing); entries for datasets not in it still get a policy.
    pub fn resolve(&self, datasets: &[&str]) -> Result<Vec<Policy>> {
        self.validate()?;
        let mut base = Settings::default();
        self.defaults.apply(&mut base, "defaults")?;
        let mut out: BTreeMap<String, Policy> = BTreeMap::new();
        // Lexical order puts every ancestor before its descendants, so an
        // entry's inherited settings are final when it is reached.
        for (name, section) in &self.datasets {
            let key = format!("datasets.\"{name}\"");
            let ancestor = self.covering(name).and_then(|a| out.get(a.0).map(|p| (p, a.1)));
            let (mut settings, take_default, from) = match ancestor {
                Some((parent, take)) => {
                    let take = if take == Take::Recursive { Take::Never } else { Take::Own };
                    (parent.settings.clone(), take, parent.from.clone())
                }
                None => (base.clone(), Take::Own, name.clone()),
            };
            for t in section.use_template.iter().flatten() {
                if let Some(template) = self.templates.get(t) {
                    template.apply(&mut settings, &format!("templates.\"{t}\""))?;
                }
            }
            section.apply(&mut settings, &key)?;
            let take = match (take_default, section.recursion()) {
                (Take::Never, _) => Take::Never,
                (_, Some(Take::Recursive)) => Take::Recursive,
                (t, _) => t,
            };
            let take = if settings.autosnap { take } else { Take::Never };
            let children_only = section.process_children_only.unwrap_or(false);
            out.insert(
                name.clone(),
                Policy { dataset: name.clone(), from, settings, take, children_only },
            );
        }
        for &dataset in datasets {
            if out.contains_key(dataset) {
                continue;
            }
            let Some((entry, take)) = self.covering(dataset) else { continue };
            let Some(parent) = out.get(entry) else { continue };
            let take = if take == Take::Recursive || parent.take == Take::Never {
                Take::Never
            } else {
                Take::Own
            };
            let policy = Policy {
                dataset: dataset.to_owned(),
                from: parent.from.clone(),
                settings: parent.settings.clone(),
                take,
                children_only: false,
            };
            out.insert(dataset.to_owned(), policy);
        }
        Ok(out.into_values().collect())
    }

    /// The nearest ancestor entry of `dataset` that recurses into it, and
    /// how; `None` also when that nearest deciding ancestor skips children.
    fn covering(&self, dataset: &str) -> Option<(&str, Take)> {
        let mut best: Option<(&str, Option<Take>)> = None;
        for (name, section) in &self.datasets {
            if !is_descendant(dataset, name) {
                continue;
            }
            // zfs recursion wins over skip_children, which wins over
            // recursive = true (sanoid's order of checks).
            let decision = match (section.recursion(), section.skip_children) {
                (Some(Take::Recursive), _) => Some(Some(Take::Recursive)),
                (_, Some(true)) => Some(None),
                (Some(t), _) => Some(Some(t)),
                _ => None,
            };
            if let Some(d) = decision
                && best.is_none_or(|(b, _)| name.len() > b.len())
            {
                best = Some((name, d));
            }
        }
        best.and_then(|(name, take)| take.map(|t| (name, t)))
    }
}
