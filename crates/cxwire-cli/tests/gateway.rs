//! `cxwire gateway`, `cxwire sim --bridge-to` and `cxwire call --nats` as the README shows them,
//! as real processes over a real nats-server; and a gateway process killed with SIGKILL.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;
use common::spawn_cxwire;

use std::process::{Child, Command, Output};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use cxwire_gateway::testing::NatsServer;

const LIMIT: Duration = Duration::from_secs(30);

/// A child process killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(args: &[&str]) -> (Running, Receiver<String>) {
    let (child, lines) = spawn_cxwire(args);
    (Running(child), lines)
}

/// The first line containing `needle`, within the limit.
fn line_with(lines: &Receiver<String>, needle: &str) -> String {
    let until = Instant::now() + LIMIT;
    loop {
        let left = until.saturating_duration_since(Instant::now());
        let line = lines.recv_timeout(left).unwrap_or_else(|_| panic!("no line with {needle:?}"));
        if line.contains(needle) {
            return line;
        }
    }
}

/// `cxwire gateway ...` on a free port; returns it and its desktop WebSocket URL.
fn gateway(extra: &[&str]) -> (Running, Receiver<String>, String) {
    let mut args = vec!["gateway", "--listen", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    let (child, lines) = spawn(&args);
    let url = line_with(&lines, "desktop WebSocket: ").rsplit(' ').next().unwrap().to_owned();
    (child, lines, url)
}

fn sim(bridge_to: &[&str]) -> (Running, Receiver<String>) {
    let mut args =
        vec!["sim", "--listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0", "--page-listen", "127.0.0.1:0"];
    for url in bridge_to {
        args.extend_from_slice(&["--bridge-to", url]);
    }
    let (child, lines) = spawn(&args);
    line_with(&lines, "press Ctrl-C to stop");
    (child, lines)
}

fn call(nats: &str, agent: &str, request: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cxwire"))
        .args(["call", "--nats", nats, "--agent", agent, "--timeout", "5", request])
        .output()
        .unwrap()
}

/// Calls until one succeeds (the desktop registers a moment after the processes start).
fn call_until_answered(nats: &str, agent: &str, request: &str) -> String {
    let until = Instant::now() + LIMIT;
    loop {
        let out = call(nats, agent, request);
        if out.status.success() {
            return String::from_utf8_lossy(&out.stdout).into_owned();
        }
        assert!(Instant::now() < until, "never answered: {}", String::from_utf8_lossy(&out.stderr));
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_simulator_desktop_answers_through_the_gateway_from_cxwire_call_nats() {
    let nats = NatsServer::start().expect("a real nats-server (scripts/install-nats-server.sh)");
    let (_gateway, _lines, url) = gateway(&["--nats", &nats.url(), "--stream"]);
    let (_sim, _) = sim(&[&url]);
    let answer = call_until_answered(&nats.url(), "emp1001", "agent.get");
    let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(answer["employeeId"], "emp1001");
    // No such desktop: exit 1, and the error says so.
    let out = call(&nats.url(), "nobody", "agent.get");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no desktop of agent `nobody`"));
    // --nats without --agent is a usage error.
    let out =
        Command::new(env!("CARGO_BIN_EXE_cxwire")).args(["call", "--nats", &nats.url(), "agent.get"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn when_a_gateway_process_is_killed_its_desktops_are_answered_by_the_other() {
    let nats = NatsServer::start().expect("a real nats-server (scripts/install-nats-server.sh)");
    let (a, _a_lines, a_url) = gateway(&["--nats", &nats.url(), "--instance", "a"]);
    let (mut b, b_lines, b_url) = gateway(&["--nats", &nats.url(), "--instance", "b"]);
    let (_sim, _) = sim(&[&b_url, &a_url]);
    line_with(&b_lines, r#""state":"online""#);
    call_until_answered(&nats.url(), "emp1001", "agent.getState");
    // SIGKILL: no deregistration, sockets reset by the kernel.
    b.0.kill().unwrap();
    b.0.wait().unwrap();
    let answer = call_until_answered(&nats.url(), "emp1001", "agent.get");
    assert!(answer.contains("emp1001"));
    drop(a);
}

#[test]
fn the_embedded_gateway_runs_with_one_command_and_prints_presence_and_events() {
    let (_gateway, lines, url) = gateway(&[]);
    line_with(&lines, "embedded mode");
    let (_sim, _) = sim(&[&url]);
    let online = line_with(&lines, r#""presence""#);
    let online: serde_json::Value = serde_json::from_str(&online).unwrap();
    assert_eq!(
        (online["presence"]["agent"].as_str(), online["presence"]["state"].as_str()),
        (Some("emp1001"), Some("online"))
    );
}
