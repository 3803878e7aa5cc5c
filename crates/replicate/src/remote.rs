//! A remote target's address (`[jobs.NAME.ssh]`) and the `ssh` command
//! lines for it: pure, no I/O.
//!
//! `ssh` joins the words after the host with spaces and hands the line to
//! the remote user's shell, so every remote word is shell-quoted here
//! ([`shell_quote`]); the local side is an argv with no shell.

use std::fmt;
use std::path::PathBuf;

use helios64_zfs::{DatasetName, SnapshotName};
use serde::{Deserialize, Serialize};

/// A host name or address `ssh` connects to: letters, digits, `.`, `-`,
/// `_` and `:` (IPv6), not starting with `-` (which `ssh` would read as an
/// option).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Host(String);

impl Host {
    /// The name as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Host {
    type Error = String;

    fn try_from(name: String) -> Result<Self, String> {
        if name.is_empty() || name.len() > 253 {
            return Err(format!("host {name:?}: 1 to 253 characters"));
        }
        if name.starts_with('-') {
            return Err(format!("host {name:?} starts with `-`"));
        }
        if let Some(c) = name
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':')))
        {
            return Err(format!(
                "host {name:?}: {c:?} is not a letter, digit, `.`, `-`, `_` or `:`"
            ));
        }
        Ok(Host(name))
    }
}

impl std::str::FromStr for Host {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Host::try_from(s.to_owned())
    }
}

impl From<Host> for String {
    fn from(h: Host) -> String {
        h.0
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `[jobs.NAME.ssh]`: the target is on another host, reached with `ssh`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ssh {
    /// The host (`ssh`'s destination).
    pub host: Host,
    /// The remote user (`-l`); `ssh`'s default without it.
    #[serde(default)]
    pub user: Option<String>,
    /// The port (`-p`); `ssh`'s default (22) without it.
    #[serde(default)]
    pub port: Option<u16>,
    /// The private key (`-i`, with `IdentitiesOnly=yes`), an absolute path.
    #[serde(default)]
    pub identity: Option<PathBuf>,
    /// Seconds to wait for the connection (`ConnectTimeout`).
    #[serde(default = "connect_timeout")]
    pub connect_timeout: u32,
    /// More `-o KEY=VALUE` options, e.g. `StrictHostKeyChecking=yes`,
    /// `UserKnownHostsFile=/etc/helios64/known_hosts`.
    #[serde(default)]
    pub options: Vec<String>,
    /// The remote `helios64-replicate` (a name on the remote `PATH` or an
    /// absolute path). When the remote cannot run it (exit 127), plain `zfs`
    /// commands are used instead.
    #[serde(default = "remote_command")]
    pub command: String,
}

fn connect_timeout() -> u32 {
    10
}

fn remote_command() -> String {
    "helios64-replicate".to_owned()
}

impl Ssh {
    /// What is wrong with the section, with the key under it.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        if let Some(user) = &self.user
            && (user.is_empty()
                || user.starts_with('-')
                || !user.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)))
        {
            return Some(("user", format!("{user:?} is not a user name")));
        }
        if let Some(id) = &self.identity
            && !id.is_absolute()
        {
            return Some(("identity", format!("{} is not an absolute path", id.display())));
        }
        if self.connect_timeout == 0 {
            return Some(("connect_timeout", "0 would wait forever".to_owned()));
        }
        for o in &self.options {
            let ok = o.split_once('=').is_some_and(|(k, _)| {
                !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric())
            });
            if !ok {
                return Some(("options", format!("{o:?} is not KEY=VALUE")));
            }
        }
        if self.command.is_empty() || self.command.chars().any(char::is_whitespace) {
            return Some(("command", format!("{:?} is not one word", self.command)));
        }
        None
    }

    /// The local argv (`ssh` first) that runs `remote` (one word each) on
    /// the host, without a tty, never asking for a password.
    pub fn argv(&self, remote: &[String]) -> Vec<String> {
        let mut argv: Vec<String> = ["ssh", "-T", "-o", "BatchMode=yes"].map(String::from).into();
        argv.extend(["-o".to_owned(), format!("ConnectTimeout={}", self.connect_timeout)]);
        // A host that stops answering mid-stream ends the run in a minute.
        argv.extend(
            ["-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=4"].map(String::from),
        );
        if let Some(port) = self.port {
            argv.extend(["-p".to_owned(), port.to_string()]);
        }
        if let Some(id) = &self.identity {
            argv.extend(["-i".to_owned(), id.display().to_string()]);
            argv.extend(["-o", "IdentitiesOnly=yes"].map(String::from));
        }
        if let Some(user) = &self.user {
            argv.extend(["-l".to_owned(), user.clone()]);
        }
        for o in &self.options {
            argv.extend(["-o".to_owned(), o.clone()]);
        }
        argv.extend(["--".to_owned(), self.host.to_string()]);
        argv.push(remote.iter().map(|w| shell_quote(w)).collect::<Vec<_>>().join(" "));
        argv
    }

    /// `helios64-replicate receive --describe TARGET`.
    pub fn describe(&self, target: &DatasetName) -> Vec<String> {
        words(&[&self.command, "receive", "--describe", target.as_str()])
    }

    /// `helios64-replicate receive --abort TARGET`.
    pub fn abort(&self, target: &DatasetName) -> Vec<String> {
        words(&[&self.command, "receive", "--abort", target.as_str()])
    }

    /// `helios64-replicate receive --read-back TARGET@SNAP`: the restore
    /// test's read-back, on the target's host.
    pub fn read_back(&self, snapshot: &SnapshotName) -> Vec<String> {
        words(&[&self.command, "receive", "--read-back", snapshot.as_str()])
    }

    /// `helios64-replicate receive TARGET@SNAP [--force] [--raw]
    /// [--canmount V]`, the stream on its stdin.
    pub fn receive(&self, snapshot: &str, how: &How) -> Vec<String> {
        let mut w = words(&[&self.command, "receive", snapshot]);
        if how.force {
            w.push("--force".to_owned());
        }
        if how.raw {
            w.push("--raw".to_owned());
        }
        if let Some(v) = how.canmount {
            w.extend(["--canmount".to_owned(), v.to_owned()]);
        }
        w
    }
}

/// How a stream is received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct How {
    /// Roll back to the base first (`-F`).
    pub force: bool,
    /// A raw stream.
    pub raw: bool,
    /// `canmount` set on the target (`off` or `noauto`).
    pub canmount: Option<&'static str>,
}

fn words(w: &[&str]) -> Vec<String> {
    w.iter().map(|s| (*s).to_owned()).collect()
}

/// The plain `zfs` commands used when the remote has no
/// `helios64-replicate`.
pub mod plain {
    use super::{How, words};
    use helios64_zfs::{DatasetName, SnapshotName};

    /// The target's parent and its children: the parent exists when it is
    /// listed, the target when it is among them.
    pub fn list_parent(parent: &DatasetName) -> Vec<String> {
        words(&[
            "zfs",
            "list",
            "-Hp",
            "-d",
            "1",
            "-t",
            "filesystem,volume",
            "-o",
            "name",
            parent.as_str(),
        ])
    }

    /// The target's snapshots.
    pub fn snapshots(target: &DatasetName) -> Vec<String> {
        words(&[
            "zfs",
            "list",
            "-Hp",
            "-d",
            "1",
            "-t",
            "snapshot",
            "-o",
            "name,guid,createtxg,creation,userrefs",
            target.as_str(),
        ])
    }

    /// The target's `receive_resume_token` (`-` for none).
    pub fn token(target: &DatasetName) -> Vec<String> {
        words(&["zfs", "get", "-Hp", "-o", "value", "receive_resume_token", target.as_str()])
    }

    /// `zfs send -w SNAP`: the read-back without our program, the stream
    /// counted here (raw: no key needed; an unencrypted dataset's blocks
    /// as they are on disk).
    pub fn send_raw(snapshot: &SnapshotName) -> Vec<String> {
        words(&["zfs", "send", "-w", snapshot.as_str()])
    }

    /// `zfs receive -A TARGET`.
    pub fn abort(target: &DatasetName) -> Vec<String> {
        words(&["zfs", "receive", "-A", target.as_str()])
    }

    /// `zfs receive -s [-F] [-o canmount=V] TARGET`, the stream on stdin
    /// (raw streams are recognised by `zfs receive` itself).
    pub fn receive(target: &DatasetName, how: &How) -> Vec<String> {
        let mut w = words(&["zfs", "receive", "-s"]);
        if how.force {
            w.push("-F".to_owned());
        }
        if let Some(v) = how.canmount {
            w.extend(["-o".to_owned(), format!("canmount={v}")]);
        }
        w.push(target.to_string());
        w
    }
}

/// One word for a POSIX shell: as is when it has only safe characters,
/// else in single quotes (a `'` inside becomes `'\''`).
pub fn shell_quote(word: &str) -> String {
    let safe = |b: u8| b.is_ascii_alphanumeric() || b"@%+=:,./_-".contains(&b);
    if !word.is_empty() && word.bytes().all(safe) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ssh() -> Ssh {
        Ssh {
            host: "backup.example.net".parse().unwrap(),
            user: Some("helios".into()),
            port: Some(2222),
            identity: Some("/etc/helios64/replicate_ed25519".into()),
            connect_timeout: 5,
            options: vec!["StrictHostKeyChecking=yes".into()],
            command: "/usr/bin/helios64-replicate".into(),
        }
    }

    #[test]
    fn argv_has_batch_mode_timeouts_and_the_options_before_the_host() {
        let target: DatasetName = "backup/home".parse().unwrap();
        let argv = ssh().argv(&ssh().describe(&target));
        assert_eq!(
            argv.join(" "),
            "ssh -T -o BatchMode=yes -o ConnectTimeout=5 -o ServerAliveInterval=15 \
             -o ServerAliveCountMax=4 -p 2222 -i /etc/helios64/replicate_ed25519 \
             -o IdentitiesOnly=yes -l helios -o StrictHostKeyChecking=yes -- \
             backup.example.net /usr/bin/helios64-replicate receive --describe backup/home"
        );
        // The remote line is one argument.
        assert_eq!(argv.last().unwrap().split(' ').count(), 4);
    }

    #[test]
    fn remote_words_are_quoted_for_the_remote_shell() {
        assert_eq!(shell_quote("backup/home@s1"), "backup/home@s1");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's;rm"), r"'it'\''s;rm'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("$(x)"), "'$(x)'");
    }

    #[test]
    fn receive_commands_ours_and_plain() {
        let target: DatasetName = "backup/home".parse().unwrap();
        let how = How { force: true, raw: true, canmount: Some("noauto") };
        assert_eq!(
            ssh().receive("backup/home@s2", &how).join(" "),
            "/usr/bin/helios64-replicate receive backup/home@s2 --force --raw --canmount noauto"
        );
        assert_eq!(
            plain::receive(&target, &how).join(" "),
            "zfs receive -s -F -o canmount=noauto backup/home"
        );
        let plain_how = How { force: false, raw: false, canmount: None };
        assert_eq!(plain::receive(&target, &plain_how).join(" "), "zfs receive -s backup/home");
        assert_eq!(
            ssh().abort(&target).join(" "),
            "/usr/bin/helios64-replicate receive --abort backup/home"
        );
    }

    #[test]
    fn read_back_commands_ours_and_plain() {
        let snap: SnapshotName = "backup/home@s2".parse().unwrap();
        assert_eq!(
            ssh().read_back(&snap).join(" "),
            "/usr/bin/helios64-replicate receive --read-back backup/home@s2"
        );
        assert_eq!(plain::send_raw(&snap).join(" "), "zfs send -w backup/home@s2");
        // The snapshot is one word for the remote shell, quoted if need be.
        let odd: SnapshotName = "backup/home@a b".parse().unwrap();
        let argv = ssh().argv(&plain::send_raw(&odd));
        assert_eq!(argv.last().unwrap(), "zfs send -w 'backup/home@a b'");
    }

    #[test]
    fn hosts_and_sections_are_checked() {
        assert!("-oProxyCommand=x".parse::<Host>().unwrap_err().contains("starts with `-`"));
        assert!("a b".parse::<Host>().unwrap_err().contains("' '"));
        assert!("".parse::<Host>().is_err());
        assert!("::1".parse::<Host>().is_ok() && "nas-2.lan".parse::<Host>().is_ok());
        assert_eq!(ssh().problem(), None);
        let bad = |f: fn(&mut Ssh)| {
            let mut s = ssh();
            f(&mut s);
            s.problem().map(|(k, _)| k)
        };
        assert_eq!(bad(|s| s.user = Some("-x".into())), Some("user"));
        assert_eq!(bad(|s| s.identity = Some("key".into())), Some("identity"));
        assert_eq!(bad(|s| s.connect_timeout = 0), Some("connect_timeout"));
        assert_eq!(bad(|s| s.options = vec!["-v".into()]), Some("options"));
        assert_eq!(bad(|s| s.command = "a b".into()), Some("command"));
    }
}
