//! `helios64 nettest` on real traffic inside the guest: two network
//! namespaces joined by a veth pair, Debian's iperf3 as the server in one,
//! the command in the other. Clean, it is at speed; with `tc netem` loss on
//! the sending side and the veth judged as LAN2 at 1 Gbit/s, the board-fault
//! verdict; with no server, UNKNOWN. Nothing leaves the guest.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use vm_env::require_guest;

use crate::common::{run, run_ok};

/// Two namespaces and a veth between them; removed on drop (which also
/// removes the pair).
struct Pair {
    client: String,
    server: String,
    iperf: Option<Child>,
}

const CLIENT_IP: &str = "10.99.0.1";
const SERVER_IP: &str = "10.99.0.2";

impl Pair {
    fn new(tag: &str) -> Pair {
        let (client, server) = (format!("{tag}-c"), format!("{tag}-s"));
        run_ok("ip", &["netns", "add", &client]);
        run_ok("ip", &["netns", "add", &server]);
        run_ok(
            "ip",
            &[
                "-n", &client, "link", "add", "vc", "type", "veth", "peer", "name", "vs", "netns",
                &server,
            ],
        );
        for (ns, dev, ip) in [(&client, "vc", CLIENT_IP), (&server, "vs", SERVER_IP)] {
            run_ok("ip", &["-n", ns, "addr", "add", &format!("{ip}/24"), "dev", dev]);
            run_ok("ip", &["-n", ns, "link", "set", dev, "up"]);
            run_ok("ip", &["-n", ns, "link", "set", "lo", "up"]);
        }
        Pair { client, server, iperf: None }
    }

    fn start_server(&mut self) {
        let child = Command::new("ip")
            .args(["netns", "exec", &self.server, "iperf3", "--server", "--bind", SERVER_IP])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start iperf3 in {}: {e}", self.server));
        self.iperf = Some(child);
        // Listening once `ss` in its namespace shows the port.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ss =
                run_ok("ip", &["netns", "exec", &self.server, "ss", "-Hltn", "sport", "= :5201"]);
            if !ss.trim().is_empty() {
                return;
            }
            assert!(Instant::now() < deadline, "iperf3 did not listen in {}", self.server);
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `helios64 nettest` in the client namespace; (exit code, JSON).
    fn nettest(&self, extra: &[&str]) -> (i32, serde_json::Value) {
        let guest = require_guest();
        let bin = guest.binary("helios64").unwrap();
        let bin = bin.to_str().unwrap();
        let mut args = vec!["netns", "exec", &self.client, bin, "nettest", "--server", SERVER_IP];
        args.extend(["--interface", "vc", "--seconds", "2", "--json"]);
        args.extend(extra);
        let out = run("ip", &args);
        let text = String::from_utf8_lossy(&out.stdout);
        let doc = serde_json::from_str(&text).unwrap_or_else(|e| {
            panic!(
                "nettest printed no JSON ({e}):\n{text}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code().unwrap_or(-1), doc)
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        if let Some(mut c) = self.iperf.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = run("ip", &["netns", "del", &self.client]);
        let _ = run("ip", &["netns", "del", &self.server]);
    }
}

fn interface(doc: &serde_json::Value) -> &serde_json::Value {
    &doc["interfaces"][0]
}

#[test]
fn nettest_on_a_veth_pair_clean_shaped_and_without_a_server() {
    let guest = require_guest();
    let mut pair = Pair::new(&guest.unique_name("nt"));

    // No server yet: the run cannot happen, UNKNOWN, iperf3's reason kept.
    let (code, doc) = pair.nettest(&["--line-rate", "100"]);
    assert_eq!(code, 3, "{doc:#}");
    assert!(interface(&doc)["error"].as_str().unwrap_or_default().contains("vc (send)"), "{doc:#}");

    pair.start_server();
    // Clean: far above 50 % of a 100 Mbit/s line rate even under TCG.
    let (code, doc) = pair.nettest(&["--line-rate", "100"]);
    let i = interface(&doc);
    assert_eq!((code, i["verdict"]["code"].as_str()), (0, Some("ok")), "{doc:#}");
    for way in ["send", "receive"] {
        assert!(i[way]["bits_per_second"].as_f64().unwrap() > 50e6, "{way}: {doc:#}");
    }

    // 20 % loss on the client's egress: the sending direction collapses
    // with retransmits. Judged as LAN2 at 1 Gbit/s, that is the board fault.
    run_ok(
        "ip",
        &[
            "netns",
            "exec",
            &pair.client,
            "tc",
            "qdisc",
            "add",
            "dev",
            "vc",
            "root",
            "netem",
            "loss",
            "20%",
        ],
    );
    let (code, doc) = pair.nettest(&["--line-rate", "1000", "--lan2", "vc"]);
    let i = interface(&doc);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(i["verdict"]["code"].as_str(), Some("lan2-board-fault"), "{doc:#}");
    assert!(i["send"]["retransmits"].as_u64().unwrap() > 0, "{doc:#}");
    let message = i["verdict"]["message"].as_str().unwrap();
    assert!(message.contains("rework") && message.contains("2500baseT/Full"), "{message}");
    // The same traffic on an interface not taken for LAN2 is only slow.
    let (code, doc) = pair.nettest(&["--line-rate", "1000"]);
    assert_eq!((code, interface(&doc)["verdict"]["code"].as_str()), (1, Some("slow")), "{doc:#}");
}
