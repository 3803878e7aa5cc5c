//! iperf3's real JSON (fixtures/iperf3, captured from Debian's iperf 3.12),
//! the verdict rules on given numbers, and one real iperf3 run over
//! loopback (Debian's `iperf3`, installed by scripts/deps.sh host).

// Tests read fixture files directly.
#![allow(clippy::disallowed_methods)]
// Test-only code throughout, so clippy's test allowances (unwrap, panic)
// apply to the helpers too.
#![cfg(test)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command as StdCommand};
use std::time::{Duration, Instant};

use helios64_nettest::{
    Direction, Level, Limits, Link, NettestError, Target, Throughput, iperf, judge,
};

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/iperf3").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn real_outputs_parse() {
    let send = iperf::parse(&fixture("loopback-send.json"), "lo", Direction::Send).unwrap();
    assert_eq!(send.direction, Direction::Send);
    assert!((send.bits_per_second - 14_596_387_822.972_628).abs() < 1.0, "{send:?}");
    assert_eq!(send.retransmits, Some(2));
    assert!(send.bytes_sent > 1_000_000_000 && (send.seconds - 1.0).abs() < 0.1, "{send:?}");

    // Reverse: the server sent, and iperf3 still reports its retransmits.
    let recv = iperf::parse(&fixture("loopback-reverse.json"), "lo", Direction::Receive).unwrap();
    assert_eq!(recv.retransmits, Some(4));

    let err =
        iperf::parse(&fixture("connection-refused.json"), "eth1", Direction::Send).unwrap_err();
    assert!(matches!(err, NettestError::Iperf { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("eth1") && text.contains("Connection refused"), "{text}");
}

#[test]
fn malformed_output_names_the_interface_and_never_panics() {
    for bad in ["", "{", "[]", "{\"end\": {}}", "{\"end\": {\"sum_sent\": 1}}", "null"] {
        let err = iperf::parse(bad, "end0", Direction::Receive).unwrap_err();
        assert!(matches!(err, NettestError::Malformed { .. }), "{bad:?}: {err:?}");
        assert!(err.to_string().contains("end0 (receive)"), "{err}");
    }
    let negative = fixture("loopback-send.json").replace("14596387822.972628", "-1");
    assert!(matches!(
        iperf::parse(&negative, "lo", Direction::Send),
        Err(NettestError::Malformed { .. })
    ));
}

fn run(direction: Direction, mbps: f64, retransmit_share: f64) -> Throughput {
    let seconds = 10.0;
    let bytes = (mbps * 1e6 / 8.0 * seconds) as u64;
    let segments = bytes as f64 / 1448.0;
    Throughput {
        direction,
        bits_per_second: mbps * 1e6,
        bytes_sent: bytes,
        retransmits: Some((segments * retransmit_share) as u64),
        seconds,
    }
}

const LAN2_AT_1G: Link<'static> = Link { interface: "eth1", is_lan2: true, speed_mbps: Some(1000) };

#[test]
fn the_lan2_fault_is_named_with_its_fix() {
    // Kobol's description: 10–100 Mbit/s with many retries at a 1 G link.
    let v = judge(
        LAN2_AT_1G,
        &run(Direction::Send, 60.0, 0.03),
        &run(Direction::Receive, 900.0, 0.0),
        Limits::default(),
    );
    assert_eq!((v.level, v.code), (Level::Warning, "lan2-board-fault"), "{v:?}");
    assert!(v.message.contains("eth1") && v.message.contains("60 Mbit/s"), "{}", v.message);
    assert!(v.message.contains("rework") && v.message.contains("2.5 Gbit/s"), "{}", v.message);
}

#[test]
fn slow_without_the_signature_is_only_slow() {
    let limits = Limits::default();
    // LAN2 slow at 1 G but clean: not the fault (no retransmits).
    let v = judge(
        LAN2_AT_1G,
        &run(Direction::Send, 100.0, 0.0),
        &run(Direction::Receive, 100.0, 0.0),
        limits,
    );
    assert_eq!(v.code, "slow", "{v:?}");
    // The same numbers on LAN1 are slow, never the LAN2 fault.
    let lan1 = Link { interface: "end0", is_lan2: false, speed_mbps: Some(1000) };
    let v = judge(
        lan1,
        &run(Direction::Send, 60.0, 0.05),
        &run(Direction::Receive, 60.0, 0.05),
        limits,
    );
    assert_eq!(v.code, "slow", "{v:?}");
    // LAN2 at 2.5 G: the fault is a 1 G one.
    let at_2g5 = Link { speed_mbps: Some(2500), ..LAN2_AT_1G };
    let v = judge(
        at_2g5,
        &run(Direction::Send, 60.0, 0.05),
        &run(Direction::Receive, 60.0, 0.05),
        limits,
    );
    assert_eq!(v.code, "slow", "{v:?}");
    assert!(v.message.contains("2500 Mbit/s link"), "{}", v.message);
}

#[test]
fn boundaries_and_the_healthy_case() {
    let limits = Limits::default();
    let lan1 = Link { interface: "end0", is_lan2: false, speed_mbps: Some(1000) };
    let ok = judge(
        lan1,
        &run(Direction::Send, 940.0, 0.0),
        &run(Direction::Receive, 935.0, 0.0),
        limits,
    );
    assert_eq!((ok.level, ok.code), (Level::Ok, "ok"), "{ok:?}");
    // Exactly half the line rate is not below it.
    let half = judge(
        lan1,
        &run(Direction::Send, 500.0, 0.0),
        &run(Direction::Receive, 900.0, 0.0),
        limits,
    );
    assert_eq!(half.code, "ok");
    let below = judge(
        lan1,
        &run(Direction::Send, 499.0, 0.0),
        &run(Direction::Receive, 900.0, 0.0),
        limits,
    );
    assert_eq!(below.code, "slow");
    // No speed (link down, or unknown): nothing to compare with.
    let down = Link { speed_mbps: None, ..lan1 };
    let v =
        judge(down, &run(Direction::Send, 0.0, 0.0), &run(Direction::Receive, 0.0, 0.0), limits);
    assert_eq!((v.level, v.code), (Level::Critical, "no-link"));
}

/// An iperf3 server on loopback for one test, on a free port.
struct Server(Child);

impl Server {
    fn start() -> (Server, u16) {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = StdCommand::new("iperf3")
            .args(["--server", "--bind", "127.0.0.1", "--port", &port.to_string()])
            // The readiness probe's bare connect makes it complain.
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("iperf3 is needed (apt install iperf3): {e}"));
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "iperf3 server did not listen on {port}");
            std::thread::sleep(Duration::from_millis(20));
        }
        (Server(child), port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_real_iperf3_run_over_loopback_both_ways() {
    let (_server, port) = Server::start();
    let target = Target { iperf3: "iperf3".into(), server: "127.0.0.1".into(), port, seconds: 1 };
    for direction in [Direction::Send, Direction::Receive] {
        let t = target.run("lo", direction).unwrap_or_else(|e| panic!("{direction:?}: {e:?}"));
        assert_eq!(t.direction, direction);
        assert!(t.bits_per_second > 1e8, "loopback is faster than 100 Mbit/s: {t:?}");
    }
    // Nothing listening: iperf3's own message, naming the interface.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let nowhere = Target { port: closed, ..target };
    let err = nowhere.run("lo", Direction::Send).unwrap_err();
    assert!(err.to_string().contains("lo (send)"), "{err}");
}
