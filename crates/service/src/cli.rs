//! The command-line options every daemon shares, and its exit codes.
//!
//! A daemon flattens [`ServiceArgs`] into its own `clap` parser, parses with
//! [`parse_args`] (so a usage error exits 64, not clap's 2), and returns an
//! [`Exit`] from `main` — never `std::process::exit`, so destructors that
//! restore a safe state still run.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::config::{self, ConfigSource};
use crate::error::Error;
use crate::state::{self, StateDir};

/// Options every daemon takes. Use with `#[command(flatten)]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
// This doc comment is for rustdoc: it must not become the about text of a
// daemon whose own parser has none.
#[command(about = None, long_about = None)]
pub struct ServiceArgs {
    /// Run against the tree under DIR (a fixture board): config from
    /// DIR/etc/helios64, state in DIR/run/helios64, the board under DIR.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,

    /// Read only this config file (it must exist) instead of
    /// /etc/helios64/DAEMON.toml and its DAEMON.d/*.toml drop-ins.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// The directory holding DAEMON.toml and DAEMON.d/ [default: ROOT/etc/helios64].
    #[arg(long, value_name = "DIR", hide = true)]
    pub config_dir: Option<PathBuf>,

    /// Check the configuration, print the effective one as TOML and exit:
    /// 0 when valid, 78 (EX_CONFIG) with file:line:column: key: problem otherwise.
    #[arg(long)]
    pub check_config: bool,

    /// Log filter: a level (error, warn, info, debug, trace) or tracing
    /// directives ("info,helios64_service=debug") [default: $HELIOS64_LOG, else info].
    #[arg(long, value_name = "FILTER")]
    pub log_level: Option<String>,

    /// Run one cycle (one tick), then stop as on SIGTERM and exit.
    #[arg(long)]
    pub once: bool,
}

impl ServiceArgs {
    /// The filesystem root: `--root`, or `/`. Daemons build their
    /// `helios64_hal::Root` from it.
    pub fn root(&self) -> &Path {
        self.root.as_deref().unwrap_or(Path::new("/"))
    }

    /// Where daemon `daemon` reads its configuration, given these options:
    /// `--config FILE`, else `--config-dir`, else `<root>/etc/helios64`.
    pub fn config_source(&self, daemon: &str) -> ConfigSource {
        let mut source = ConfigSource::new(daemon);
        match (&self.config_dir, &self.root) {
            (Some(dir), _) => source = source.with_dir(dir),
            (None, Some(root)) => source = source.with_dir(under(root, config::DEFAULT_DIR)),
            (None, None) => {}
        }
        if let Some(file) = &self.config {
            source = source.with_file(file);
        }
        source
    }

    /// Where state files go: `<root>/run/helios64`.
    pub fn state_dir(&self) -> StateDir {
        StateDir::new(under(self.root(), state::DEFAULT_DIR))
    }
}

/// `absolute` re-rooted under `root`.
fn under(root: &Path, absolute: &str) -> PathBuf {
    root.join(absolute.trim_start_matches('/'))
}

/// Exit codes: sysexits(3) for usage, configuration and environment
/// failures; the monitoring-plugin codes for checks; 0 for a clean stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
#[non_exhaustive]
pub enum Exit {
    /// A clean stop, or a check that found everything well.
    Ok = 0,
    /// A check found something to warn about (monitoring-plugin WARNING).
    Warning = 1,
    /// A check found something critical (monitoring-plugin CRITICAL).
    Critical = 2,
    /// A check could not tell (monitoring-plugin UNKNOWN).
    Unknown = 3,
    /// EX_USAGE: the command line is wrong.
    Usage = 64,
    /// EX_DATAERR: input data (a state file) is malformed.
    DataErr = 65,
    /// EX_NOINPUT: an input file does not exist.
    NoInput = 66,
    /// EX_UNAVAILABLE: what the daemon drives is not there or failed.
    Unavailable = 69,
    /// EX_SOFTWARE: an internal error (a bug).
    Software = 70,
    /// EX_OSERR: a system call failed.
    OsErr = 71,
    /// EX_CANTCREAT: an output file cannot be created.
    CantCreate = 73,
    /// EX_IOERR: an I/O error on a file.
    IoErr = 74,
    /// EX_TEMPFAIL: a temporary failure; retrying may work.
    TempFail = 75,
    /// EX_NOPERM: insufficient permission.
    NoPerm = 77,
    /// EX_CONFIG: the configuration is wrong.
    Config = 78,
}

impl Exit {
    /// The numeric code.
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit.code())
    }
}

/// Parses the command line into `T`. `--help` and `--version` print and
/// give `Err(Exit::Ok)`; a usage error prints clap's message and gives
/// `Err(Exit::Usage)` (64), where `T::parse()` would exit 2 by itself.
pub fn parse_args<T: clap::Parser>() -> Result<T, Exit> {
    parse_args_from(std::env::args_os())
}

/// [`parse_args`] over given arguments (the first is the program name).
pub fn parse_args_from<T, I>(args: I) -> Result<T, Exit>
where
    T: clap::Parser,
    I: IntoIterator,
    I::Item: Into<std::ffi::OsString> + Clone,
{
    T::try_parse_from(args).map_err(|e| {
        // clap writes help to stdout and errors to stderr; if even that
        // fails there is nowhere left to report it.
        let _ = e.print();
        match e.kind() {
            clap::error::ErrorKind::DisplayHelp
            | clap::error::ErrorKind::DisplayVersion
            | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => Exit::Ok,
            _ => Exit::Usage,
        }
    })
}

/// Reports a startup error as one line on stderr, `program: what failed:
/// why`, and gives the exit code it maps to (78 for a config error, ...).
pub fn report(program: &str, error: &Error) -> Exit {
    let _ = writeln!(std::io::stderr().lock(), "{program}: {}", error.one_line());
    error.exit()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Daemon {
        #[command(flatten)]
        service: ServiceArgs,
        #[arg(long)]
        dry_run: bool,
    }

    #[test]
    fn flattens_into_a_daemons_parser() {
        let args: Daemon =
            parse_args_from(["fand", "--config", "/tmp/x.toml", "--check-config", "--dry-run"])
                .unwrap();
        assert_eq!(args.service.config.as_deref(), Some("/tmp/x.toml".as_ref()));
        assert!(args.service.check_config);
        assert!(args.dry_run);
        assert_eq!(args.service.root(), Path::new("/"));
        let source = args.service.config_source("fand");
        assert_eq!(source.main_file(), PathBuf::from("/tmp/x.toml"));
        assert_eq!(source.drop_in_dir(), None);
    }

    #[test]
    fn config_dir_moves_the_layout() {
        let args: Daemon = parse_args_from(["fand", "--config-dir", "/r/etc/helios64"]).unwrap();
        let source = args.service.config_source("fand");
        assert_eq!(source.main_file(), PathBuf::from("/r/etc/helios64/fand.toml"));
        assert_eq!(source.drop_in_dir(), Some(PathBuf::from("/r/etc/helios64/fand.d")));
        let defaults = ServiceArgs::default().config_source("fand");
        assert_eq!(defaults.main_file(), PathBuf::from("/etc/helios64/fand.toml"));
        assert_eq!(ServiceArgs::default().state_dir(), StateDir::new("/run/helios64"));
    }

    #[test]
    fn root_moves_config_and_state_under_it_and_config_dir_wins() {
        let args: Daemon = parse_args_from(["fand", "--root", "/fx"]).unwrap();
        assert_eq!(args.service.root(), Path::new("/fx"));
        let source = args.service.config_source("fand");
        assert_eq!(source.main_file(), PathBuf::from("/fx/etc/helios64/fand.toml"));
        assert_eq!(args.service.state_dir(), StateDir::new("/fx/run/helios64"));
        let args: Daemon =
            parse_args_from(["fand", "--root", "/fx", "--config-dir", "/c"]).unwrap();
        assert_eq!(args.service.config_source("fand").main_file(), PathBuf::from("/c/fand.toml"));
    }

    #[test]
    fn usage_errors_are_64_and_help_is_0() {
        assert_eq!(parse_args_from::<Daemon, _>(["fand", "--bogus"]).unwrap_err(), Exit::Usage);
        assert_eq!(parse_args_from::<Daemon, _>(["fand", "--help"]).unwrap_err(), Exit::Ok);
        let help = <Daemon as clap::CommandFactory>::command().render_help().to_string();
        assert!(!help.contains("Options every daemon takes"), "{help}");
        assert_eq!(Exit::Config.code(), 78);
        assert_eq!(Exit::Usage.code(), 64);
        assert_eq!(Exit::Unknown.code(), 3);
    }
}
