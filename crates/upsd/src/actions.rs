//! What the daemon runs: notifications (`wall`, the notify command) and
//! the shutdown sequence (pre-shutdown command, then the power-off), on one
//! worker thread, so the loop keeps pinging the watchdog and watching mains
//! while a command runs. Every program goes through helios64-exec: no
//! shell, an explicit environment, its own process group, a timeout.

use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::thread::JoinHandle;
use std::time::Duration;

use helios64_exec::Command;
use helios64_ups::UpsdConfig;

/// The PATH every command gets.
const PATH: &str = "/usr/sbin:/usr/bin:/sbin:/bin";
/// `wall` and `systemctl poweroff` get this long.
const TOOL_TIMEOUT: Duration = Duration::from_secs(30);

/// The commands, from the configuration.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Commands {
    wall: bool,
    notify: Vec<String>,
    notify_timeout: Duration,
    pre_shutdown: Vec<String>,
    pre_shutdown_timeout: Duration,
    shutdown: Vec<String>,
}

impl Commands {
    pub(crate) fn of(config: &UpsdConfig) -> Commands {
        Commands {
            wall: config.wall,
            notify: config.notify_command.clone(),
            notify_timeout: Duration::from_secs(config.notify_timeout_secs),
            pre_shutdown: config.pre_shutdown_command.clone(),
            pre_shutdown_timeout: Duration::from_secs(config.pre_shutdown_timeout_secs),
            shutdown: config.shutdown_command.clone(),
        }
    }
}

/// Work for the worker.
#[derive(Debug)]
enum Job {
    Notify { kind: &'static str, message: String, wall: bool, commands: Commands },
    Shutdown { pre_shutdown: bool, commands: Commands },
}

/// How far the shutdown sequence got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Progress {
    /// The pre-shutdown command started.
    PreShutdown,
    /// The power-off is being asked for.
    PoweringOff,
    /// It was asked for and accepted (by this means).
    Requested(String),
    /// Every way of powering off failed.
    Failed(String),
}

/// The worker thread and its two channels.
#[derive(Debug)]
pub(crate) struct Runner {
    jobs: Option<Sender<Job>>,
    progress: Receiver<Progress>,
    thread: Option<JoinHandle<()>>,
}

impl Runner {
    /// Starts the worker. The signal mask (SIGTERM, SIGINT, SIGHUP blocked)
    /// is inherited, so signals still reach only the loop's signalfd.
    pub(crate) fn start() -> std::io::Result<Runner> {
        let (jobs, inbox) = channel::<Job>();
        let (report, progress) = channel();
        let thread = std::thread::Builder::new().name("upsd-actions".into()).spawn(move || {
            while let Ok(job) = inbox.recv() {
                run(job, &report);
            }
        })?;
        Ok(Runner { jobs: Some(jobs), progress, thread: Some(thread) })
    }

    fn send(&self, job: Job) {
        let sent = self.jobs.as_ref().is_some_and(|j| j.send(job).is_ok());
        if !sent {
            tracing::error!("the action worker is gone; command not run");
        }
    }

    /// Queues a notification (after whatever is queued).
    pub(crate) fn notify(
        &self,
        kind: &'static str,
        message: String,
        wall: bool,
        commands: &Commands,
    ) {
        if commands.notify.is_empty() && !(wall && commands.wall) {
            return;
        }
        self.send(Job::Notify { kind, message, wall, commands: commands.clone() });
    }

    /// Queues the shutdown sequence (after the notifications before it).
    pub(crate) fn shutdown(&self, pre_shutdown: bool, commands: &Commands) {
        self.send(Job::Shutdown { pre_shutdown, commands: commands.clone() });
    }

    /// Progress reported since the last call.
    pub(crate) fn progress(&self) -> Vec<Progress> {
        let mut out = Vec::new();
        loop {
            match self.progress.try_recv() {
                Ok(p) => out.push(p),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => return out,
            }
        }
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        // Closing the queue ends the worker after its current job; a job
        // stuck past its timeout is not waited for.
        self.jobs = None;
        if let Some(thread) = self.thread.take()
            && thread.is_finished()
        {
            let _ = thread.join();
        }
    }
}

fn command(argv: &[String], target: &str, timeout: Duration) -> Option<Command> {
    let (program, args) = argv.split_first()?;
    Some(
        Command::new(program, target)
            .args(args)
            .env("PATH", PATH)
            .env("LC_ALL", "C")
            .timeout(timeout),
    )
}

/// Runs `cmd`, logging how it went; true when it exited 0.
fn run_logged(what: &str, cmd: &Command) -> bool {
    match cmd.run() {
        Ok(out) if out.status.success() => {
            tracing::info!(
                "{what} `{}`: done in {:.1} s",
                cmd.command_line(),
                out.elapsed.as_secs_f64()
            );
            true
        }
        Ok(out) => {
            tracing::warn!(
                "{what} `{}`: {}: {}",
                cmd.command_line(),
                out.status,
                out.stderr_text()
            );
            false
        }
        Err(e) => {
            tracing::warn!("{what}: {}", helios64_text::error_chain(&e));
            false
        }
    }
}

fn run(job: Job, report: &Sender<Progress>) {
    match job {
        Job::Notify { kind, message, wall, commands } => {
            if wall && commands.wall {
                let cmd = Command::new("wall", "terminals")
                    .env("PATH", PATH)
                    .env("LC_ALL", "C")
                    .stdin(format!("helios64-upsd: {message}\n"))
                    .timeout(TOOL_TIMEOUT);
                run_logged("wall", &cmd);
            }
            if let Some(cmd) = command(&commands.notify, kind, commands.notify_timeout) {
                let cmd =
                    cmd.arg(kind).arg(&message).env("NOTIFYTYPE", kind).env("UPSNAME", "helios64");
                run_logged("notify_command", &cmd);
            }
        }
        Job::Shutdown { pre_shutdown, commands } => {
            if pre_shutdown
                && let Some(cmd) =
                    command(&commands.pre_shutdown, "shutdown", commands.pre_shutdown_timeout)
            {
                let _ = report.send(Progress::PreShutdown);
                // Its failure or timeout is logged; the power-off follows
                // regardless: a battery does not wait for a stuck script.
                run_logged("pre_shutdown_command", &cmd.env("NOTIFYTYPE", "SHUTDOWN"));
            }
            let _ = report.send(Progress::PoweringOff);
            let _ = report.send(power_off(&commands));
        }
    }
}

/// The configured shutdown command; else `systemctl poweroff`, which asks
/// logind (honouring its inhibitors) and falls back to systemd itself.
fn power_off(commands: &Commands) -> Progress {
    if let Some(cmd) = command(&commands.shutdown, "power-off", TOOL_TIMEOUT) {
        return if run_logged("shutdown_command", &cmd) {
            Progress::Requested(format!("shutdown_command `{}`", cmd.command_line()))
        } else {
            Progress::Failed(format!("shutdown_command `{}` failed", cmd.command_line()))
        };
    }
    let cmd = Command::new("systemctl", "power-off")
        .arg("poweroff")
        .env("PATH", PATH)
        .timeout(TOOL_TIMEOUT);
    if run_logged("systemctl poweroff", &cmd) {
        Progress::Requested("systemctl poweroff".into())
    } else {
        Progress::Failed("systemctl poweroff failed".into())
    }
}
