//! `/etc/helios64/replicate.toml`: the jobs.

use std::collections::BTreeMap;

use helios64_service::{Config, Invalid, KeyPath};
use helios64_zfs::DatasetName;
use serde::{Deserialize, Serialize};

use crate::prune::TargetRetention;
use crate::remote::Ssh;

/// The whole configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplicateConfig {
    /// The jobs by name (`[jobs.NAME]`); the name is part of the hold tag and
    /// the bookmark names, so it is limited to letters, digits, `-` and `_`.
    #[serde(default)]
    pub jobs: BTreeMap<String, Job>,
}

/// One replication: a source filesystem to a target on another local pool,
/// or on another host (`[jobs.NAME.ssh]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Job {
    /// The filesystem whose snapshots are replicated.
    pub source: DatasetName,
    /// Where they go; its parent must exist.
    pub target: DatasetName,
    /// The target is on this host over `ssh`; on this host without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh: Option<Ssh>,
    /// Send every snapshot (`zfs send -I`); `false` sends only the newest.
    #[serde(default = "yes")]
    pub intermediates: bool,
    /// Roll a diverged target back to the newest common snapshot
    /// (destroying its newer snapshots and changes) instead of refusing.
    #[serde(default)]
    pub rollback: bool,
    /// Raw streams: `auto` (the default) sends raw when the source is
    /// encrypted, so the target never needs the key.
    #[serde(default)]
    pub raw: Raw,
    /// `canmount` set on the target: `noauto` (the default; a backup pool
    /// never mounts over the live datasets), `off`, or `keep` (not set).
    #[serde(default)]
    pub canmount: CanMount,
    /// The restore test (`verify`) compares file contents up to this many
    /// bytes (1 GiB by default), a different sample each time when the
    /// snapshot is larger; every entry's metadata is always compared.
    #[serde(default = "verify_content_bytes")]
    pub verify_content_bytes: u64,
    /// Prune the target after each run by these counts (sanoid-named
    /// snapshots only; the newest common and held ones never); without
    /// it the target keeps every snapshot it receives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_retention: Option<TargetRetention>,
}

fn yes() -> bool {
    true
}

fn verify_content_bytes() -> u64 {
    1 << 30
}

/// When to send raw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Raw {
    /// When the source is encrypted.
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never: the target receives plain data (needs the key loaded).
    Never,
}

/// The target's `canmount`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CanMount {
    /// `canmount=noauto`.
    #[default]
    Noauto,
    /// `canmount=off`.
    Off,
    /// Left as the target inherits it.
    Keep,
}

impl CanMount {
    /// The property's numeric value (`zfs_canmount_type_t`), if set.
    pub fn value(self) -> Option<u64> {
        match self {
            CanMount::Off => Some(0),
            CanMount::Noauto => Some(2),
            CanMount::Keep => None,
        }
    }

    /// The value's name as `zfs set` takes it, if set.
    pub fn name(self) -> Option<&'static str> {
        match self {
            CanMount::Off => Some("off"),
            CanMount::Noauto => Some("noauto"),
            CanMount::Keep => None,
        }
    }
}

/// Whether a job name can be part of a hold tag and a bookmark name.
pub fn valid_job_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn nested(a: &DatasetName, b: &DatasetName) -> bool {
    a == b || b.as_str().starts_with(&format!("{a}/"))
}

impl Config for ReplicateConfig {
    fn validate(&self) -> Result<(), Invalid> {
        for (name, job) in &self.jobs {
            if !valid_job_name(name) {
                return Err(Invalid::new(
                    KeyPath::root().key("jobs").key(name.as_str()),
                    "a job name is 1 to 64 letters, digits, `-` or `_`",
                ));
            }
            if let Some((key, message)) = job.ssh.as_ref().and_then(|s| s.problem()) {
                return Err(Invalid::new(
                    KeyPath::root().key("jobs").key(name.as_str()).key("ssh").key(key),
                    message,
                ));
            }
            if job.ssh.is_some() && job.target_retention.is_some() {
                return Err(Invalid::at(
                    &format!("jobs.{name}.target_retention"),
                    "target retention needs a target on this host (not over ssh yet)".to_owned(),
                ));
            }
            // On another host the same names are other datasets.
            let local = job.ssh.is_none();
            if local && (nested(&job.source, &job.target) || nested(&job.target, &job.source)) {
                return Err(Invalid::at(
                    &format!("jobs.{name}.target"),
                    format!("{} and {} contain one another", job.target, job.source),
                ));
            }
            if job.target.parent().is_none() {
                return Err(Invalid::at(
                    &format!("jobs.{name}.target"),
                    format!("{} is a pool; the target must be a filesystem in it", job.target),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> ReplicateConfig {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn a_job_needs_only_source_and_target() {
        let c = parse("[jobs.usb]\nsource = \"tank/home\"\ntarget = \"usb/home\"\n");
        let job = &c.jobs["usb"];
        assert!(job.intermediates && !job.rollback);
        assert_eq!((job.raw, job.canmount), (Raw::Auto, CanMount::Noauto));
        assert_eq!(job.canmount.value(), Some(2));
        assert!(c.validate().is_ok());
    }

    #[test]
    fn unknown_keys_and_bad_names_are_refused() {
        let err = toml::from_str::<ReplicateConfig>(
            "[jobs.usb]\nsource = \"tank/home\"\ntarget = \"usb/home\"\nrolback = true\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("unknown field `rolback`"), "{err}");
        let err = toml::from_str::<ReplicateConfig>(
            "[jobs.usb]\nsource = \"tank/home@x\"\ntarget = \"usb/home\"\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("tank/home@x"), "{err}");
    }

    #[test]
    fn jobs_are_checked_against_each_other_and_their_names() {
        let bad = |text: &str| {
            let e = parse(text).validate().unwrap_err();
            format!("{}: {}", e.key, e.message)
        };
        let e = bad("[jobs.\"a b\"]\nsource = \"tank/a\"\ntarget = \"usb/a\"\n");
        assert!(e.starts_with("jobs.\"a b\": ") && e.contains("letters"), "{e}");
        let e = bad("[jobs.x]\nsource = \"tank/a\"\ntarget = \"tank/a/copy\"\n");
        assert!(e.contains("jobs.x.target") && e.contains("contain one another"), "{e}");
        let e = bad("[jobs.x]\nsource = \"tank/a\"\ntarget = \"usb\"\n");
        assert!(e.contains("is a pool"), "{e}");
        let e = bad(
            "[jobs.x]\nsource = \"tank/a\"\ntarget = \"b/a\"\n[jobs.x.ssh]\nhost = \"h\"\nuser = \"-x\"\n",
        );
        assert!(e.starts_with("jobs.x.ssh.user: "), "{e}");
        let e =
            bad("[jobs.x]\nsource = \"tank/a\"\ntarget = \"tank\"\n[jobs.x.ssh]\nhost = \"h\"\n");
        assert!(e.contains("is a pool"), "{e}");
    }

    #[test]
    fn target_retention_has_sanoids_backup_counts_and_needs_a_local_target() {
        let c = parse(
            "[jobs.usb]\nsource = \"tank/a\"\ntarget = \"usb/a\"\n[jobs.usb.target_retention]\ndaily = 7\n",
        );
        let r = c.jobs["usb"].target_retention.unwrap();
        assert_eq!((r.hourly, r.daily, r.monthly), (30, 7, 12));
        assert!(c.validate().is_ok());
        assert!(
            parse("[jobs.usb]\nsource = \"tank/a\"\ntarget = \"usb/a\"\n").jobs["usb"]
                .target_retention
                .is_none()
        );
        let e = parse(
            "[jobs.x]\nsource = \"tank/a\"\ntarget = \"b/a\"\n[jobs.x.ssh]\nhost = \"h\"\n[jobs.x.target_retention]\n",
        )
        .validate()
        .unwrap_err();
        let e = format!("{}: {}", e.key, e.message);
        assert!(e.starts_with("jobs.x.target_retention: "), "{e}");
    }

    #[test]
    fn an_ssh_target_has_defaults_and_may_reuse_the_source_name() {
        let c = parse(
            "[jobs.off]\nsource = \"tank/home\"\ntarget = \"tank/home\"\n\
             [jobs.off.ssh]\nhost = \"backup.example.net\"\nport = 2222\n",
        );
        assert!(c.validate().is_ok(), "another host's tank/home is another dataset");
        let ssh = c.jobs["off"].ssh.as_ref().unwrap();
        assert_eq!(
            (ssh.host.as_str(), ssh.port, ssh.connect_timeout),
            ("backup.example.net", Some(2222), 10)
        );
        assert_eq!(ssh.command, "helios64-replicate");
        assert!(ssh.user.is_none() && ssh.identity.is_none() && ssh.options.is_empty());
        let err = toml::from_str::<ReplicateConfig>(
            "[jobs.off]\nsource = \"tank/a\"\ntarget = \"b/a\"\n[jobs.off.ssh]\nhost = \"h\"\nprot = 1\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("unknown field `prot`"), "{err}");
        let err = toml::from_str::<ReplicateConfig>(
            "[jobs.off]\nsource = \"tank/a\"\ntarget = \"b/a\"\n[jobs.off.ssh]\nhost = \"-oProxyCommand=x\"\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("starts with `-`"), "{err}");
    }
}
