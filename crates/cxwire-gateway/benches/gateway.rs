//! The gateway at 1,000 desktops: calls through NATS vs the same calls on direct sessions,
//! events per second through the gateway, and memory per desktop.
//!
//! Setup: one real `nats-server` (a child process; missing, the bench fails and says how to
//! install it), two gateway instances, one simulator with 1,000 agents and 1,000 bridge relays
//! (the simulator's desktops, as bridge pages would be), spread over the two instances.
//!
//! - The two gateway instances run in a **process of their own** (this binary again, with
//!   `CXWIRE_GWBENCH_ROLE=gateways`, one tokio runtime): the simulator, the relays, the direct
//!   sessions and the `GatewayClient` stay in this process, so the gateway's memory per desktop
//!   is the RSS of that process with 1,000 desktops minus its RSS before the first one, divided
//!   by 1,000, with nothing else in it. The nats-server's RSS is read the same way (its process
//!   is a child of this one).
//! - Calls: `agent.get` on agents in turn, through NATS (`client.desktop(agent).agent().get()`)
//!   and on direct `Session`s to the same simulator (`?agent=<id>`), alternated call by call for
//!   the sequential latency (p50/p99), then each path with 64 calls in flight (throughput). A
//!   third path, "bridged", is a `Session` on a `FrameAcceptor` in this process, reached through
//!   the same kind of bridge relay but without NATS (64 desktops): the gateway path minus it is
//!   the NATS hop (client to server to gateway and back, with the gateway's routing).
//! - CPU: user + system time of the gateway process, the nats-server and this process over the
//!   64-in-flight phases and the event phase, per call or event.
//! - The registrations bucket's put rate (64 in flight, keys of the bench's own), to size the
//!   refreshes.
//! - Events: `agent.setState` on the direct sessions (256 in flight, agents in turn); every one
//!   makes one `agent` event, which the desktop's relay carries to its gateway, which publishes
//!   it; a `GatewayClient::events` stream on all agents counts them. Events per second = events
//!   received / time from the first `setState` to the last event received; the baseline column
//!   is the rate at which the simulator emitted them (`setState` answers per second).
//!
//! Everything shares this machine's cores (nats-server, both processes): the figures are for the
//! whole chain on one host, not for one gateway instance with cores of its own.
//!
//! Rows are informational (`report`): the issue sets no target. `CXWIRE_BENCH_QUICK=1` makes
//! fewer calls and events (the setup, about 1,000 relays and registrations, is the same).

#![allow(clippy::unwrap_used)] // a bench panics on what it does not expect

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use cxwire_gateway::testing::NatsServer;
use cxwire_gateway::{Error, Gateway, GatewayClient, GatewayConfig, NatsConfig};
use cxwire_model::scapi::types::Agent;
use cxwire_sim::workspace::DesktopConfig;
use cxwire_sim::{BridgeRelay, RelayConfig, SimConfig, Simulator};
use cxwire_ws::{AcceptorConfig, ConnectOptions, FrameAcceptor, ReconnectPolicy, Session, SessionConfig, Topic};
use futures_util::StreamExt;
use tokio::sync::Notify;

/// Desktops (agents), spread over [`INSTANCES`] gateway instances.
const AGENTS: usize = 1_000;
const INSTANCES: &[&str] = &["gw-a", "gw-b"];
/// Calls in flight for the throughput figures.
const IN_FLIGHT: usize = 64;
/// `setState` calls in flight when producing events.
const EVENT_DRIVERS: usize = 256;
/// Desktops of the bridged path (relay + acceptor session, no NATS).
const BRIDGED: usize = 64;
/// `(sequential calls per path, calls per path at 64 in flight, events)`, full and quick.
const FULL: (usize, usize, usize) = (4_000, 40_000, 40_000);
const QUICK: (usize, usize, usize) = (1_000, 8_000, 10_000);
/// The bound on every wait of the setup (registrations, connections).
const LIMIT: Duration = Duration::from_secs(120);
/// The longest pause between two events before the event count is taken as final.
const EVENT_SILENCE: Duration = Duration::from_secs(5);

const ROLE: &str = "CXWIRE_GWBENCH_ROLE";
const NATS_URL: &str = "CXWIRE_GWBENCH_NATS";
const RAISED: &str = "CXWIRE_GWBENCH_FD_RAISED";
/// File descriptors this process needs: per desktop the relay's two sockets and the
/// simulator's end of one, per direct session two; plus the bridged path and a margin.
const FDS_NEEDED: u64 = (AGENTS as u64) * 5 + (BRIDGED as u64) * 3 + 256;

fn agent_id(i: usize) -> String {
    format!("emp{i:04}")
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// CPU time (user + system) of process `pid` so far, from `/proc/<pid>/stat` (in clock ticks
/// of 1/100 s, the value Linux gives user space).
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> =
        stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    (ticks(11) + ticks(12)) as f64 / 100.0
}

/// CPU seconds of the gateway process, the nats-server and this process (simulator, relays,
/// client, direct sessions) at one moment.
#[derive(Clone, Copy, Default)]
struct Cpu {
    gateway: f64,
    nats: f64,
    bench: f64,
}

impl Cpu {
    fn now(gateway: u32, nats: u32) -> Self {
        Self { gateway: cpu_seconds(gateway), nats: cpu_seconds(nats), bench: cpu_seconds(std::process::id()) }
    }
    /// CPU microseconds each spent per operation since `self`.
    fn per_op(self, later: Self, ops: usize) -> Self {
        let per = |a: f64, b: f64| (b - a) * 1e6 / ops.max(1) as f64;
        Self {
            gateway: per(self.gateway, later.gateway),
            nats: per(self.nats, later.nats),
            bench: per(self.bench, later.bench),
        }
    }
}

/// The pid of this process's `nats-server` child.
fn nats_server_pid() -> Option<u32> {
    let me = std::process::id();
    std::fs::read_dir("/proc").ok()?.filter_map(Result::ok).find_map(|entry| {
        let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
        // `pid (comm) state ppid ...`; comm may hold spaces, so split after its `)`.
        let (head, rest) = stat.rsplit_once(')')?;
        let ppid: u32 = rest.split_whitespace().nth(1)?.parse().ok()?;
        (ppid == me && head.contains("(nats-server")).then_some(pid)
    })
}

/// The soft and hard open-file limits of this process.
fn open_file_limits() -> Option<(u64, u64)> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    let mut numbers = line.trim_start_matches("Max open files").split_whitespace();
    let soft = numbers.next()?.parse().ok()?;
    let hard = numbers.next()?.parse().ok()?;
    Some((soft, hard))
}

/// Raises the soft open-file limit to the hard one when it is below what the bench needs, by
/// running this binary again under `sh -c 'ulimit -n <hard>'` (the workspace forbids the
/// `unsafe` a `setrlimit` call needs); fails when even the hard limit is too low.
fn ensure_open_files() {
    let Some((soft, hard)) = open_file_limits() else { return };
    if soft >= FDS_NEEDED {
        return;
    }
    assert!(
        hard >= FDS_NEEDED,
        "the gateway bench needs {FDS_NEEDED} open files; the hard limit is {hard} (raise it, e.g. in \
         /etc/security/limits.conf)"
    );
    assert!(std::env::var_os(RAISED).is_none(), "raising the open-file limit from {soft} to {hard} did not take");
    eprintln!("gateway bench: raising the open-file limit from {soft} to {hard}");
    let exe = std::env::current_exe().unwrap();
    let status = Command::new("sh")
        .args(["-c", r#"ulimit -n "$1" && shift && exec "$@""#, "sh", &hard.to_string()])
        .arg(exe)
        .args(std::env::args_os().skip(1))
        .env(RAISED, "1")
        .status()
        .expect("sh, to raise the open-file limit");
    std::process::exit(status.code().unwrap_or(1));
}

fn main() {
    if std::env::var(ROLE).as_deref() == Ok("gateways") {
        gateways();
        return;
    }
    ensure_open_files();
    let quick = std::env::var_os("CXWIRE_BENCH_QUICK").is_some();
    let nats = NatsServer::start().unwrap_or_else(|e| panic!("the gateway bench needs a real nats-server: {e}"));
    let nats_pid = nats_server_pid().expect("the nats-server child process");
    let mut child = GatewayProcess::start(&nats.url());
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let measured = runtime.block_on(run(quick, &nats, nats_pid, &mut child));
    drop(runtime);
    let stats = child.stop();
    report(&measured, &stats);
}

/// The gateway instances' process: prints their WebSocket URLs, serves until its stdin
/// closes, then prints their counters.
fn gateways() {
    let url = std::env::var(NATS_URL).expect("the NATS URL");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let mut started = Vec::new();
        for instance in INSTANCES {
            let config = GatewayConfig {
                instance: (*instance).to_owned(),
                nats: Some(NatsConfig::new(url.as_str())),
                ..GatewayConfig::default()
            };
            started.push(Gateway::start("127.0.0.1:0", config).await.expect("a gateway instance"));
        }
        let mut out = std::io::stdout().lock();
        for gateway in &started {
            writeln!(out, "ws={}", gateway.ws_url()).unwrap();
        }
        out.flush().unwrap();
        drop(out);
        // Serve until the bench closes stdin (or dies).
        tokio::task::spawn_blocking(|| std::io::copy(&mut std::io::stdin(), &mut std::io::sink()))
            .await
            .unwrap()
            .unwrap();
        for gateway in &started {
            let stats = gateway.stats();
            println!(
                "stats instance={} desktops={} published={} missed={}",
                gateway.instance(),
                stats.desktops,
                stats.published,
                stats.missed
            );
        }
    });
}

struct GatewayProcess {
    child: Child,
    stdout: BufReader<ChildStdout>,
    urls: Vec<String>,
}

impl GatewayProcess {
    fn start(nats_url: &str) -> Self {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .env(ROLE, "gateways")
            .env(NATS_URL, nats_url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the gateway process");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut urls = Vec::new();
        while urls.len() < INSTANCES.len() {
            let mut line = String::new();
            let read = stdout.read_line(&mut line).unwrap();
            assert!(read > 0, "the gateway process ended before naming its instances");
            if let Some(url) = line.trim().strip_prefix("ws=") {
                urls.push(url.to_owned());
            }
        }
        Self { child, stdout, urls }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Closes its stdin, and returns the counters it prints as it ends.
    fn stop(mut self) -> Vec<String> {
        drop(self.child.stdin.take());
        let stats: Vec<String> = self
            .stdout
            .lines()
            .map_while(Result::ok)
            .filter_map(|l| l.strip_prefix("stats ").map(str::to_owned))
            .collect();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "the gateway process failed: {status}");
        stats
    }
}

fn desk(i: usize) -> DesktopConfig {
    let id = agent_id(i);
    DesktopConfig {
        agent: Agent { employee_id: Some(id.clone()), username: Some(format!("user-{id}")), ..Agent::default() },
        ..DesktopConfig::default()
    }
}

/// Latency percentiles of one path.
#[derive(Default)]
struct Latency {
    p50: Duration,
    p99: Duration,
}

fn latency(mut times: Vec<Duration>) -> Latency {
    times.sort_unstable();
    let at = |p: f64| times.get(((times.len() as f64 * p) as usize).min(times.len().saturating_sub(1))).copied();
    Latency { p50: at(0.50).unwrap_or_default(), p99: at(0.99).unwrap_or_default() }
}

#[derive(Default)]
struct Measured {
    sequential_calls: usize,
    nats: Latency,
    direct: Latency,
    bridged: Latency,
    throughput_calls: usize,
    nats_per_s: f64,
    direct_per_s: f64,
    bridged_per_s: f64,
    events_driven: usize,
    events_received: u64,
    events_per_s: f64,
    emitted_per_s: f64,
    registration: Duration,
    /// CPU us per call through NATS (64 in flight), and per event.
    call_cpu: Cpu,
    /// The same for a direct call (only the bench process works).
    direct_cpu: Cpu,
    /// The same for a bridged call (relay and acceptor session, no NATS).
    bridged_cpu: Cpu,
    kv_updates: usize,
    kv_per_s: f64,
    kv_cpu: Cpu,
    event_cpu: Cpu,
    gateway_kib: [u64; 3],
    nats_kib: [u64; 3],
}

async fn run(quick: bool, nats: &NatsServer, nats_pid: u32, child: &mut GatewayProcess) -> Measured {
    let (sequential, throughput, events) = if quick { QUICK } else { FULL };
    let mut m = Measured { sequential_calls: sequential, throughput_calls: throughput, ..Measured::default() };
    let agents: Vec<String> = (0..AGENTS).map(agent_id).collect();
    let config = SimConfig { agents: (0..AGENTS).map(desk).collect(), ..SimConfig::default() };
    let sim = Simulator::builder().config(config).start().await.expect("the simulator");
    let client = GatewayClient::connect(&nats.url()).await.expect("a gateway client");

    // Memory before any desktop: both gateway instances idle, connected to NATS.
    m.gateway_kib[0] = rss_kib(child.pid());
    m.nats_kib[0] = rss_kib(nats_pid);

    // 1,000 desktops, alternately on each instance; wait (bounded) until all are registered.
    let started = Instant::now();
    let relays: Vec<BridgeRelay> = agents
        .iter()
        .enumerate()
        .map(|(i, agent)| {
            let url = child.urls[i % child.urls.len()].clone();
            BridgeRelay::start(&sim.ws_url(), agent, vec![url], RelayConfig::default())
        })
        .collect();
    let nc = async_nats::connect(nats.url()).await.unwrap();
    let kv = async_nats::jetstream::new(nc).get_key_value("cxwire_desktops").await.expect("the registrations bucket");
    let mut registered = 0;
    while registered < AGENTS {
        assert!(started.elapsed() < LIMIT, "only {registered} of {AGENTS} desktops registered within {LIMIT:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
        registered = kv.keys().await.unwrap().count().await;
    }
    // Registered is not yet callable: the call subscription follows the registration. Call
    // every desktop once (bounded retries), which also checks each answers as its agent.
    futures_util::stream::iter(agents.iter())
        .for_each_concurrent(IN_FLIGHT, |agent| {
            let desktop = client.desktop(agent.as_str());
            async move {
                loop {
                    match desktop.agent().get().await {
                        Ok(a) => break assert_eq!(a.employee_id.as_deref(), Some(agent.as_str())),
                        Err(Error::NoSuchDesktop { .. }) if started.elapsed() < LIMIT => {
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                        Err(e) => panic!("{agent}: {e}"),
                    }
                }
            }
        })
        .await;
    m.registration = started.elapsed();
    m.gateway_kib[1] = rss_kib(child.pid());
    m.nats_kib[1] = rss_kib(nats_pid);

    // Direct sessions, one per agent, on the same simulator.
    let options = || ConnectOptions { reconnect: ReconnectPolicy::never(), ..ConnectOptions::default() };
    let direct: Vec<Session> = futures_util::stream::iter(agents.iter())
        .map(|agent| {
            let url = format!("{}?agent={agent}", sim.ws_url());
            async move { cxwire_ws::connect_with(&url, options()).await.expect("a direct session") }
        })
        .buffered(32)
        .collect()
        .await;

    // The bridged path: the same relay, to a plain acceptor in this process, no NATS.
    let mut acceptor = FrameAcceptor::bind("127.0.0.1:0", AcceptorConfig::default()).await.unwrap();
    let acceptor_url = format!("ws://{}{}", acceptor.local_addr(), cxwire_ws::bridge::WS_PATH);
    let mut bridged_relays = Vec::with_capacity(BRIDGED);
    let mut bridged = Vec::with_capacity(BRIDGED);
    for agent in agents.iter().take(BRIDGED) {
        bridged_relays.push(BridgeRelay::start(
            &sim.ws_url(),
            agent,
            vec![acceptor_url.clone()],
            RelayConfig::default(),
        ));
        let (frames, _) = tokio::time::timeout(LIMIT, acceptor.accept()).await.unwrap().unwrap();
        let session = Session::new(frames, SessionConfig::default());
        assert_eq!(session.agent().get().await.unwrap().employee_id.as_deref(), Some(agent.as_str()));
        bridged.push(session);
    }

    // Sequential latency, the paths alternated call by call.
    let (mut via_nats, mut via_direct, mut via_bridge) =
        (Vec::with_capacity(sequential), Vec::with_capacity(sequential), Vec::with_capacity(sequential));
    for i in 0..sequential {
        let agent = &agents[i % AGENTS];
        let t = Instant::now();
        let a = direct[i % AGENTS].agent().get().await.unwrap();
        via_direct.push(t.elapsed());
        assert_eq!(a.employee_id.as_deref(), Some(agent.as_str()));
        let t = Instant::now();
        let a = client.desktop(agent.as_str()).agent().get().await.unwrap();
        via_nats.push(t.elapsed());
        assert_eq!(a.employee_id.as_deref(), Some(agent.as_str()));
        let t = Instant::now();
        let a = bridged[i % BRIDGED].agent().get().await.unwrap();
        via_bridge.push(t.elapsed());
        assert_eq!(a.employee_id.as_deref(), Some(agents[i % BRIDGED].as_str()));
    }
    (m.nats, m.direct, m.bridged) = (latency(via_nats), latency(via_direct), latency(via_bridge));

    // Throughput, 64 calls in flight, each path on its own.
    let cpu = Cpu::now(child.pid(), nats_pid);
    let t = Instant::now();
    futures_util::stream::iter(0..throughput)
        .for_each_concurrent(IN_FLIGHT, |i| {
            let session = &direct[i % AGENTS];
            async move {
                session.agent().get().await.unwrap();
            }
        })
        .await;
    m.direct_per_s = throughput as f64 / t.elapsed().as_secs_f64();
    m.direct_cpu = cpu.per_op(Cpu::now(child.pid(), nats_pid), throughput);
    let cpu = Cpu::now(child.pid(), nats_pid);
    let t = Instant::now();
    futures_util::stream::iter(0..throughput)
        .for_each_concurrent(IN_FLIGHT, |i| {
            let desktop = client.desktop(agents[i % AGENTS].as_str());
            async move {
                desktop.agent().get().await.unwrap();
            }
        })
        .await;
    m.nats_per_s = throughput as f64 / t.elapsed().as_secs_f64();
    m.call_cpu = cpu.per_op(Cpu::now(child.pid(), nats_pid), throughput);
    let cpu = Cpu::now(child.pid(), nats_pid);
    let t = Instant::now();
    futures_util::stream::iter(0..throughput)
        .for_each_concurrent(IN_FLIGHT, |i| {
            let session = &bridged[i % BRIDGED];
            async move {
                session.agent().get().await.unwrap();
            }
        })
        .await;
    m.bridged_per_s = throughput as f64 / t.elapsed().as_secs_f64();
    m.bridged_cpu = cpu.per_op(Cpu::now(child.pid(), nats_pid), throughput);
    drop(bridged);
    drop(bridged_relays);

    // Events through the gateway.
    let cpu = Cpu::now(child.pid(), nats_pid);
    (m.events_driven, m.events_received, m.events_per_s, m.emitted_per_s) =
        events_through_gateway(&client, &direct, events).await;
    // Includes the simulator's work for the `setState` calls that make the events (this process).
    m.event_cpu = cpu.per_op(Cpu::now(child.pid(), nats_pid), m.events_driven);

    // The registrations bucket's write rate, as the refreshes use it: puts to keys of their own
    // (`bench-<n>`, no desktop's), 64 in flight, each awaiting JetStream's acknowledgement.
    let kv_keys = 1_000;
    m.kv_updates = throughput.min(20_000);
    let cpu = Cpu::now(child.pid(), nats_pid);
    let t = Instant::now();
    futures_util::stream::iter(0..m.kv_updates)
        .for_each_concurrent(IN_FLIGHT, |i| {
            let kv = &kv;
            async move {
                kv.put(format!("bench-{}", i % kv_keys), r#"{"bench":true}"#.into()).await.expect("a KV put");
            }
        })
        .await;
    m.kv_per_s = m.kv_updates as f64 / t.elapsed().as_secs_f64();
    m.kv_cpu = cpu.per_op(Cpu::now(child.pid(), nats_pid), m.kv_updates);

    m.gateway_kib[2] = rss_kib(child.pid());
    m.nats_kib[2] = rss_kib(nats_pid);
    for session in &direct {
        session.close().await;
    }
    drop(relays);
    m
}

/// Drives `count` `agent.setState` on the direct sessions and counts the `agent` events a
/// `GatewayClient` receives; returns `(driven, received, received/s, emitted/s)`.
async fn events_through_gateway(client: &GatewayClient, direct: &[Session], count: usize) -> (usize, u64, f64, f64) {
    let states = direct[0].agent().get_state_list().await.unwrap();
    let settable = |wanted: &dyn Fn(&str) -> bool| {
        states
            .iter()
            .find(|s| s.state_type.as_ref().is_some_and(|t| wanted(t.as_str())))
            .and_then(|s| s.operation_name.clone())
            .unwrap()
    };
    let names = [settable(&|t| t == "READY"), settable(&|t| t.starts_with("NOT_READY"))];
    let received = Arc::new(AtomicU64::new(0));
    let lagged = Arc::new(AtomicU64::new(0));
    let arrived = Arc::new(Notify::new());
    let mut events = client.events(Vec::<String>::new(), [Topic::Agent]).await.unwrap();
    let counter = {
        let (received, lagged, arrived) = (Arc::clone(&received), Arc::clone(&lagged), Arc::clone(&arrived));
        tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                match event {
                    Ok(_) => received.fetch_add(1, Ordering::Relaxed),
                    Err(_) => lagged.fetch_add(1, Ordering::Relaxed),
                };
                arrived.notify_one();
            }
        })
    };
    // The stream is live once one event came through it: set states until one does.
    let probe = Instant::now();
    while received.load(Ordering::Relaxed) == 0 {
        assert!(probe.elapsed() < LIMIT, "no event reached the gateway client within {LIMIT:?}");
        direct[0].agent().set_state(names[0].clone()).await.unwrap();
        let _ = tokio::time::timeout(Duration::from_millis(200), arrived.notified()).await;
    }
    // Let the probe's events drain, then count from zero.
    while tokio::time::timeout(Duration::from_millis(500), arrived.notified()).await.is_ok() {}
    received.store(0, Ordering::Relaxed);

    let started = Instant::now();
    futures_util::stream::iter(0..count)
        .for_each_concurrent(EVENT_DRIVERS, |i| {
            let session = &direct[i % direct.len()];
            let name = names[(i / direct.len()) % 2].clone();
            async move { session.agent().set_state(name).await.unwrap() }
        })
        .await;
    let emitted_in = started.elapsed();
    // Wait for the last event, or until none has come for a while.
    let mut last = Instant::now();
    let mut seen = received.load(Ordering::Relaxed);
    while seen < count as u64 {
        if tokio::time::timeout(EVENT_SILENCE, arrived.notified()).await.is_err() {
            break;
        }
        let now = received.load(Ordering::Relaxed);
        if now > seen {
            (seen, last) = (now, Instant::now());
        }
    }
    let through_in = last.max(started + emitted_in).duration_since(started);
    counter.abort();
    let lost = lagged.load(Ordering::Relaxed);
    if seen < count as u64 || lost > 0 {
        eprintln!("gateway bench: {seen} of {count} events received ({lost} lag errors)");
    }
    (count, seen, seen as f64 / through_in.as_secs_f64(), count as f64 / emitted_in.as_secs_f64())
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn report(m: &Measured, stats: &[String]) {
    let per_desktop = |kib: &[u64; 3], at: usize| kib[at].saturating_sub(kib[0]) as f64 / AGENTS as f64;
    let added = us(m.nats.p50) - us(m.direct.p50);
    let nats_hop = us(m.nats.p50) - us(m.bridged.p50);
    println!(
        "gateway bench: {AGENTS} desktops on {} gateway instances (one process), one nats-server, one simulator; {} cores",
        INSTANCES.len(),
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    println!("registration: {AGENTS} desktops registered and callable in {:.2?}", m.registration);
    println!();
    println!("| agent.get | via NATS (gateway) | direct Session | bridged, no NATS | NATS/direct |");
    println!("|---|---|---|---|---|");
    println!(
        "| sequential p50 ({} calls) | {:.0} us | {:.0} us | {:.0} us | {:.2} |",
        m.sequential_calls,
        us(m.nats.p50),
        us(m.direct.p50),
        us(m.bridged.p50),
        us(m.nats.p50) / us(m.direct.p50)
    );
    println!(
        "| sequential p99 | {:.0} us | {:.0} us | {:.0} us | {:.2} |",
        us(m.nats.p99),
        us(m.direct.p99),
        us(m.bridged.p99),
        us(m.nats.p99) / us(m.direct.p99)
    );
    println!(
        "| {IN_FLIGHT} in flight ({} calls) | {:.0} calls/s | {:.0} calls/s | {:.0} calls/s | {:.2} |",
        m.throughput_calls,
        m.nats_per_s,
        m.direct_per_s,
        m.bridged_per_s,
        m.nats_per_s / m.direct_per_s
    );
    println!();
    println!(
        "added latency, p50: gateway path - direct = {added:.0} us; of it, the NATS hop (gateway - bridged) = {nats_hop:.0} us"
    );
    println!(
        "events: {} of {} received through the gateway, {:.0} events/s (the simulator emitted {:.0}/s)",
        m.events_received, m.events_driven, m.events_per_s, m.emitted_per_s
    );
    println!(
        "memory, gateway process (2 instances): {} KiB idle, {} KiB with {AGENTS} desktops ({:.1} KiB each), {} KiB after the load ({:.1} KiB each)",
        m.gateway_kib[0],
        m.gateway_kib[1],
        per_desktop(&m.gateway_kib, 1),
        m.gateway_kib[2],
        per_desktop(&m.gateway_kib, 2)
    );
    println!(
        "memory, nats-server: {} KiB idle, {} KiB with {AGENTS} desktops ({:.1} KiB each), {} KiB after the load",
        m.nats_kib[0],
        m.nats_kib[1],
        per_desktop(&m.nats_kib, 1),
        m.nats_kib[2]
    );
    println!(
        "KV bucket of registrations: {} puts at {IN_FLIGHT} in flight, {:.0}/s, nats-server CPU {:.1} us each",
        m.kv_updates, m.kv_per_s, m.kv_cpu.nats
    );
    for (what, cpu) in [
        ("call via NATS (64 in flight)", &m.call_cpu),
        ("direct call (64 in flight)", &m.direct_cpu),
        ("bridged call (64 in flight)", &m.bridged_cpu),
        ("event (setState driven directly)", &m.event_cpu),
    ] {
        println!(
            "CPU per {what}: gateway process {:.1} us, nats-server {:.1} us, bench process (simulator, relays, client) {:.1} us",
            cpu.gateway, cpu.nats, cpu.bench
        );
    }
    for line in stats {
        println!("gateway {line}");
    }

    let row = |what: String, cxwire: String, baseline: String, ratio: f64| {
        println!(
            "bench-result: {}",
            serde_json::json!({"what": what, "cxwire": cxwire, "baseline": baseline, "ratio": ratio, "op": "report"})
        );
    };
    row(
        format!("gateway, {AGENTS} desktops: agent.get sequential p50 (via NATS/direct Session)"),
        format!("{:.0} us", us(m.nats.p50)),
        format!("{:.0} us (direct)", us(m.direct.p50)),
        us(m.nats.p50) / us(m.direct.p50),
    );
    row(
        format!("gateway, {AGENTS} desktops: agent.get sequential p99 (via NATS/direct Session)"),
        format!("{:.0} us", us(m.nats.p99)),
        format!("{:.0} us (direct)", us(m.direct.p99)),
        us(m.nats.p99) / us(m.direct.p99),
    );
    row(
        format!("gateway, {AGENTS} desktops: agent.get, {IN_FLIGHT} in flight, calls/s (via NATS/direct Session)"),
        format!("{:.0}/s", m.nats_per_s),
        format!("{:.0}/s (direct)", m.direct_per_s),
        m.nats_per_s / m.direct_per_s,
    );
    row(
        "gateway: added latency p50 (ratio column: us; gateway path - direct, of it NATS hop = gateway - bridged)"
            .to_owned(),
        format!("{added:.0} us (NATS hop {nats_hop:.0} us)"),
        format!("{:.0} us (bridged, no NATS)", us(m.bridged.p50)),
        added,
    );
    row(
        format!("gateway, {AGENTS} desktops: events/s received through the gateway (received/emitted)"),
        format!("{:.0}/s ({} of {})", m.events_per_s, m.events_received, m.events_driven),
        format!("{:.0}/s emitted", m.emitted_per_s),
        m.events_per_s / m.emitted_per_s,
    );
    row(
        "gateway: CPU us per call via NATS, 64 in flight (ratio column: gateway us)".to_owned(),
        format!("{:.1} us (gateway process)", m.call_cpu.gateway),
        format!("{:.1} us (nats-server)", m.call_cpu.nats),
        m.call_cpu.gateway,
    );
    row(
        "gateway: CPU us per event published (ratio column: gateway us)".to_owned(),
        format!("{:.1} us (gateway process)", m.event_cpu.gateway),
        format!("{:.1} us (nats-server)", m.event_cpu.nats),
        m.event_cpu.gateway,
    );
    row(
        "gateway: registrations bucket puts/s, 64 in flight (ratio column: nats-server CPU us per put)".to_owned(),
        format!("{:.0}/s", m.kv_per_s),
        "-".to_owned(),
        m.kv_cpu.nats,
    );
    row(
        format!("gateway, {AGENTS} desktops: RSS KiB per desktop (ratio column: gateway KiB)"),
        format!("{:.1} KiB (gateway process)", per_desktop(&m.gateway_kib, 1)),
        format!("{:.1} KiB (nats-server)", per_desktop(&m.nats_kib, 1)),
        per_desktop(&m.gateway_kib, 1),
    );
}
