//! `helios64 nettest`: each NIC's throughput against an iperf3 server, both
//! ways, judged against its negotiated link speed (helios64-nettest).

use std::io::{self, Write};
use std::process::ExitCode;

use helios64_cli::args::nettest::Args;
use helios64_hal::{NetInterface, Nic, NicRole, Root};
use helios64_nettest::{Direction, Level, Limits, Link, Target, Throughput, Verdict, judge};
use helios64_text::Table;
use serde::Serialize;

/// The JSON document, `helios64.nettest/1`.
#[derive(Debug, Serialize)]
struct Document {
    schema: &'static str,
    server: String,
    port: u16,
    seconds: u32,
    interfaces: Vec<Report>,
}

/// One interface's runs and verdict; `error` when a run could not happen.
#[derive(Debug, Serialize)]
struct Report {
    interface: String,
    role: Option<NicRole>,
    speed_mbps: Option<u32>,
    send: Option<Throughput>,
    receive: Option<Throughput>,
    verdict: Option<Verdict>,
    error: Option<String>,
}

/// The interfaces to test: the named ones (with their role when the board
/// model recognises them), or LAN1 and LAN2.
fn interfaces(root: &Root, named: &[String]) -> Result<Vec<(String, Option<NicRole>)>, String> {
    let nics = Nic::all(root).map_err(|e| helios64_text::error_chain(&e));
    if named.is_empty() {
        let nics = nics?;
        if nics.is_empty() {
            return Err(
                "the board model finds neither LAN1 nor LAN2; name one with --interface".to_owned()
            );
        }
        return Ok(nics.iter().map(|n| (n.name().to_owned(), Some(n.role()))).collect());
    }
    // Named interfaces need no board; the roles are a bonus (a network
    // namespace, a board the model does not know).
    let nics = nics.unwrap_or_default();
    let role_of = |name: &str| nics.iter().find(|n| n.name() == name).map(Nic::role);
    Ok(named.iter().map(|n| (n.clone(), role_of(n))).collect())
}

fn test(
    root: &Root,
    target: &Target,
    line_rate: Option<u32>,
    interface: String,
    role: Option<NicRole>,
) -> Report {
    let mut report = Report {
        interface,
        role,
        speed_mbps: None,
        send: None,
        receive: None,
        verdict: None,
        error: None,
    };
    let name = report.interface.clone();
    match NetInterface::by_name(root, &name).and_then(|i| i.state()) {
        Ok(state) => report.speed_mbps = line_rate.or(state.speed_mbps),
        Err(e) => {
            report.error = Some(helios64_text::error_chain(&e));
            return report;
        }
    }
    let runs = target
        .run(&name, Direction::Send)
        .and_then(|send| Ok((send, target.run(&name, Direction::Receive)?)));
    match runs {
        Ok((send, receive)) => {
            let link = Link {
                interface: &name,
                is_lan2: role == Some(NicRole::Lan2),
                speed_mbps: report.speed_mbps,
            };
            report.verdict = Some(judge(link, &send, &receive, Limits::default()));
            report.send = Some(send);
            report.receive = Some(receive);
        }
        Err(e) => report.error = Some(helios64_text::error_chain(&e)),
    }
    report
}

fn mbps(t: &Option<Throughput>) -> String {
    t.as_ref().map_or_else(|| "-".to_owned(), |t| format!("{:.0} Mbit/s", t.bits_per_second / 1e6))
}

fn retransmits(report: &Report) -> String {
    let count = |t: &Option<Throughput>| {
        t.as_ref().and_then(|t| t.retransmits).map_or_else(|| "-".to_owned(), |r| r.to_string())
    };
    format!("{}/{}", count(&report.send), count(&report.receive))
}

fn print_table(doc: &Document, out: &mut impl Write) -> io::Result<()> {
    let mut t =
        Table::new(["interface", "role", "link", "send", "receive", "retransmits", "verdict"]);
    for r in &doc.interfaces {
        t.row(vec![
            r.interface.clone(),
            r.role.map_or_else(|| "-".to_owned(), |role| role.to_string()),
            r.speed_mbps.map_or_else(|| "-".to_owned(), |s| format!("{s} Mbit/s")),
            mbps(&r.send),
            mbps(&r.receive),
            retransmits(r),
            r.verdict.as_ref().map_or("error", |v| v.code).to_owned(),
        ]);
    }
    write!(out, "{}", t.render(0))?;
    for r in &doc.interfaces {
        if let Some(e) = &r.error {
            writeln!(out, "{}: {e}", r.interface)?;
        } else if let Some(v) = r.verdict.as_ref().filter(|v| v.level != Level::Ok) {
            writeln!(out, "{}", v.message)?;
        }
    }
    Ok(())
}

/// 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (a test that did not run wins:
/// its interface is unjudged).
fn exit_code(reports: &[Report]) -> u8 {
    if reports.iter().any(|r| r.error.is_some()) {
        return 3;
    }
    let worst = reports.iter().filter_map(|r| r.verdict.as_ref()).map(|v| v.level).max();
    match worst {
        Some(Level::Critical) => 2,
        Some(Level::Warning) => 1,
        _ => 0,
    }
}

pub(crate) fn run(args: Args) -> ExitCode {
    let root = args.root.as_ref().map_or_else(Root::system, Root::new);
    let target = Target {
        iperf3: args.iperf3.clone(),
        server: args.server.clone(),
        port: args.port,
        seconds: args.seconds,
    };
    let list = match interfaces(&root, &args.interfaces) {
        Ok(list) => list
            .into_iter()
            .map(|(name, role)| {
                let role = if args.lan2.contains(&name) { Some(NicRole::Lan2) } else { role };
                (name, role)
            })
            .collect::<Vec<_>>(),
        Err(e) => {
            let _ = writeln!(io::stderr(), "helios64 nettest: {e}");
            return ExitCode::from(3);
        }
    };
    let reports: Vec<Report> = list
        .into_iter()
        .map(|(name, role)| test(&root, &target, args.line_rate, name, role))
        .collect();
    let code = exit_code(&reports);
    let doc = Document {
        schema: "helios64.nettest/1",
        server: args.server,
        port: args.port,
        seconds: args.seconds,
        interfaces: reports,
    };
    let mut out = io::stdout().lock();
    let written = if args.json {
        serde_json::to_writer_pretty(&mut out, &doc)
            .map_err(io::Error::from)
            .and_then(|()| writeln!(out))
    } else {
        print_table(&doc, &mut out)
    };
    if written.is_err() {
        return ExitCode::from(3);
    }
    ExitCode::from(code)
}
