//! `cxwire`: run the demo on the embedded simulator, run the simulator, send requests and listen
//! to events over WebSocket, run the bridge acceptor, list and validate messages against the
//! schemas, and explain security options.
//!
//! Exit codes: 0 success; 1 the operation failed (an `errorMessage`, an invalid document, a demo
//! step that did not behave); 2 usage error; 3 connection or I/O failure.

/// `println!` that ends the process quietly on a closed pipe ([`out::write_stdout`]).
macro_rules! outln {
    () => { $crate::out::write_stdout(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::out::write_stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `eprintln!` that never panics ([`out::note`]).
macro_rules! errln {
    ($($arg:tt)*) => { $crate::out::note(format_args!($($arg)*)) };
}

/// `print!` that ends the process quietly on a closed pipe ([`out::write_stdout`]).
macro_rules! out {
    ($($arg:tt)*) => { $crate::out::write_stdout(format_args!($($arg)*)) };
}

mod demo;
mod gateway;
mod out;
mod validate;

use std::collections::BTreeMap;
use std::io::Read;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use cxwire_model::registry;
use cxwire_ws::{ConnectOptions, ReconnectPolicy, SubscriptionItem};
use serde_json::Value;

/// cxwire: contact-center integration protocols from the command line.
#[derive(Parser)]
#[command(name = "cxwire", version, about, long_about = None, after_help = EXIT_CODES)]
struct Cli {
    /// Never colour the output. Colour is also off when NO_COLOR is set (to any non-empty
    /// value), and when stdout is not a terminal unless CLICOLOR_FORCE is set (not 0).
    #[arg(long, global = true)]
    no_color: bool,
    /// More log output on stderr: -v info, -vv debug, -vvv trace (RUST_LOG, when set, wins).
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    verbose: u8,
    /// Less log output on stderr: -q errors only, -qq none (RUST_LOG, when set, wins).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    quiet: u8,
    #[command(subcommand)]
    command: Command,
}

const EXIT_CODES: &str = "Exit codes: 0 success; 1 the operation failed (errorMessage, invalid document, demo step); 2 usage; 3 connection or I/O.";

#[derive(Subcommand)]
enum Command {
    /// Walk an agent shift end to end on the embedded simulator and print its timeline.
    Demo {
        /// Print the frames as JSON lines instead of the timeline.
        #[arg(long)]
        json: bool,
    },
    /// Run the simulator until Ctrl-C, printing its URLs: the Service Client WebSocket, the
    /// Workspace page to open in a browser (with the HTTP control API), GMS and Engagement.
    Sim {
        /// Address of the Service Client WebSocket.
        #[arg(long, default_value = "127.0.0.1:9300")]
        listen: String,
        /// Address of GMS v1 and Engagement v3 (HTTP).
        #[arg(long, default_value = "127.0.0.1:9301")]
        http_listen: String,
        /// Address of the Workspace page and the HTTP control API.
        #[arg(long, default_value = "127.0.0.1:9302")]
        page_listen: String,
        /// Web content the Workspace page embeds, as `NAME=URL` (e.g. the bridge page of
        /// `cxwire bridge`); repeatable, added to the configuration file's.
        #[arg(long = "web-content", value_name = "NAME=URL")]
        web_content: Vec<String>,
        /// Security options as `key=value` (e.g. `accepted-web-content-origins=*`); repeatable.
        #[arg(long = "option", value_name = "KEY=VALUE")]
        options: Vec<String>,
        /// A scenario file (JSON) to play once the simulator is up.
        #[arg(long)]
        scenario: Option<String>,
        /// A configuration file (JSON): agent, states, options, security options, GMS capacity.
        #[arg(long)]
        config: Option<String>,
        /// Connect every simulated desktop to this bridge acceptor (a `cxwire gateway` or
        /// `cxwire bridge` WebSocket URL, e.g. ws://127.0.0.1:7800/ws), as a bridge page in the
        /// Workspace would; repeatable: the desktops reconnect to the next one when one drops.
        #[arg(long = "bridge-to", value_name = "WS_URL")]
        bridge_to: Vec<String>,
    },
    /// Send one request and print the answer's data: over WebSocket (`cxwire call URL REQUEST
    /// [PARAMS]`), or to an agent's desktop through the NATS gateways (`cxwire call --nats URL
    /// --agent ID REQUEST [PARAMS]`).
    Call {
        /// Without --nats: the Service Client WebSocket URL (e.g. ws://127.0.0.1:9300/ws), the
        /// request name (e.g. agent.getState) and the parameters as a JSON array (or one JSON
        /// value). With --nats: the request name and the parameters.
        #[arg(required = true, num_args = 1..=3, value_name = "[URL] REQUEST [PARAMS]")]
        args: Vec<String>,
        /// The agent whose desktop answers (its employeeId, or username), with --nats.
        #[arg(long, requires = "nats")]
        agent: Option<String>,
        #[command(flatten)]
        nats: gateway::NatsArgs,
        /// Seconds to wait for the answer.
        #[arg(long, default_value_t = 10)]
        timeout: u64,
    },
    /// Subscribe to topics and print events as JSON lines until interrupted.
    Listen {
        /// The Service Client WebSocket URL.
        url: String,
        /// Topics: agent, interaction, media, outbound, system, markdone, messenger:<channel>.
        #[arg(required = true)]
        topics: Vec<String>,
    },
    /// Run a gateway instance: bridge-page desktops connect to it, services reach them over
    /// NATS (--nats), or, without --nats, in the embedded mode that prints presence and events.
    Gateway(gateway::GatewayArgs),
    /// Run the bridge acceptor and log connected desktops.
    Bridge {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:9400")]
        listen: String,
    },
    /// List the JSON Schemas, or print one.
    ///
    /// A request name (e.g. `agent.setState`) names two schemas: its request frame (printed by
    /// default), its answer frame (`--answer`), or both (`--all`, as a JSON array); which one
    /// is printed is said on stderr. A schema id (`scapi/answer/agent.setState`) names one.
    Schema {
        /// A schema id (e.g. scapi/request/agent.setState) or a wire name (e.g. agent.setState).
        name: Option<String>,
        /// Print the answer schema of a request name.
        #[arg(long, conflicts_with = "all", requires = "name")]
        answer: bool,
        /// Print every schema the name names, as a JSON array.
        #[arg(long, requires = "name")]
        all: bool,
        /// List the schemas as JSON: [{id, wireName, kind}, ...].
        #[arg(long, conflicts_with = "name")]
        json: bool,
    },
    /// Validate a JSON document against the kind it is meant to be (--kind), or the kind its
    /// discriminators name (`request`, `event`, `referenceId`, `data`/`errorMessage`, known HTTP
    /// body keys); says "ambiguous" or "unknown kind" (exit 1) rather than guess.
    #[command(long_about = VALIDATE_LONG)]
    Validate {
        /// A file, or `-` for standard input.
        #[arg(default_value = "-")]
        file: String,
        /// The intended kind: a schema id (e.g. scapi/request/agent.setState) or a wire name that
        /// names one kind (`cxwire schema` lists them).
        #[arg(long)]
        kind: Option<String>,
        /// Print the verdict as JSON: {verdict, kind, errors: [{path, message, source}], ...}.
        #[arg(long)]
        json: bool,
    },
    /// Callbacks over GMS v1 or Engagement v3 (the API key, for v3, from $CXWIRE_API_KEY).
    Callback {
        #[command(flatten)]
        endpoint: Endpoint,
        #[command(subcommand)]
        command: CallbackCommand,
    },
    /// Request a click-to-call access number (GMS request-interaction, or v3 call-in).
    ClickToCall {
        #[command(flatten)]
        endpoint: Endpoint,
        /// The customer's phone number.
        phonenumber: String,
    },
    /// Explain security options.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Print a shell completion script, e.g. `cxwire completions bash > ~/.local/share/bash-completion/completions/cxwire`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

const VALIDATE_LONG: &str = "Validate a JSON document against the kind it is meant to be (--kind), or the kind its \
discriminators name (`request`, `event`, `referenceId`, `data`/`errorMessage`, known HTTP body keys); \
says \"ambiguous\" or \"unknown kind\" (exit 1) rather than guess. Each error names its JSON path.

Examples:
  echo '{\"request\": \"agent.setState\", \"parameters\": [\"Ready\"], \"referenceId\": \"1\"}' | cxwire validate
  cxwire validate --kind scapi/answer/agent.get answer.json
  cxwire validate --json frame.json      # {verdict, kind, errors: [{path, message, source}], warnings}

In Rust, the same check is `cxwire_model::registry::entry(id)` and its `decode`.";

/// Where the callback service is: the widgets' `dataURL`, `apiVersion` and `serviceName`.
#[derive(clap::Args)]
struct Endpoint {
    /// The `dataURL`, e.g. http://gms:8080/genesys/1/service/callback/samples (v1) or
    /// https://host/engagement/v3 (v3).
    #[arg(long)]
    url: String,
    /// `v1` or `v3`.
    #[arg(long, default_value = "v1")]
    api_version: String,
    /// The callback service (v3; v1 takes it from the URL).
    #[arg(long)]
    service: Option<String>,
}

#[derive(Subcommand)]
enum CallbackCommand {
    /// Free time slots.
    Availability {
        /// Start, ISO 8601 UTC (default: now).
        #[arg(long)]
        start: Option<String>,
        /// Number of days.
        #[arg(long, default_value = "1")]
        days: String,
        /// The most slots to list.
        #[arg(long)]
        max: Option<u32>,
    },
    /// Schedule a callback.
    Schedule {
        /// The number to call back.
        phonenumber: String,
        /// When, ISO 8601 UTC (default: as soon as possible).
        #[arg(long)]
        at: Option<String>,
    },
    /// Cancel a callback.
    Cancel {
        /// The callback id.
        id: String,
    },
    /// Show a callback.
    Query {
        /// The callback id.
        id: String,
    },
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Explain, per origin, which requests `accepted-web-content-origins` allows.
    Check {
        /// The option's value, e.g. 'http://a, http://b (agent.*, voice.dial)'.
        value: String,
    },
}

/// A failure with its exit code and an optional hint.
struct Failure {
    code: u8,
    message: String,
    hint: Option<String>,
}

impl Failure {
    fn failed(message: impl Into<String>) -> Self {
        Self { code: 1, message: message.into(), hint: None }
    }
    fn io(message: impl Into<String>) -> Self {
        Self { code: 3, message: message.into(), hint: None }
    }
    fn usage(message: impl Into<String>) -> Self {
        Self { code: 2, message: message.into(), hint: None }
    }
    fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

fn ws_failure(e: cxwire_ws::Error) -> Failure {
    match e {
        cxwire_ws::Error::Rejected { .. }
        | cxwire_ws::Error::RateLimited { .. }
        | cxwire_ws::Error::Undecodable { .. } => Failure::failed(e.to_string()),
        cxwire_ws::Error::WebSocket { .. } | cxwire_ws::Error::Io(_) | cxwire_ws::Error::HandshakeTimeout { .. } => {
            Failure::io(e.to_string()).hint("is a simulator or bridge running there? try `cxwire sim`")
        }
        _ => Failure::io(e.to_string()),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let color = out::use_color(cli.no_color, out::stdout_is_terminal());
    if let Err(e) = out::init_logging(cli.verbose, cli.quiet, cli.no_color) {
        return report(Failure::usage(e));
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return report(Failure::io(format!("cannot start the runtime: {e}"))),
    };
    let result = runtime.block_on(run(cli.command, color));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => report(failure),
    }
}

fn report(failure: Failure) -> ExitCode {
    use std::io::Write as _;
    // A closed stderr must not turn a failure into a panic.
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "error: {}", failure.message);
    if let Some(hint) = failure.hint {
        let _ = writeln!(stderr, "hint: {hint}");
    }
    ExitCode::from(failure.code)
}

async fn run(command: Command, color: bool) -> Result<(), Failure> {
    match command {
        Command::Demo { json } => demo::run(out::Printer::new(color, json)).await,
        Command::Sim { listen, http_listen, page_listen, web_content, options, scenario, config, bridge_to } => {
            let addrs = [listen.as_str(), http_listen.as_str(), page_listen.as_str()];
            sim(addrs, &web_content, &options, scenario.as_deref(), config.as_deref(), &bridge_to).await
        }
        Command::Call { args, agent, nats, timeout } => {
            let with_nats = nats.nats.is_some();
            let (url, rest) = match (&nats.nats, agent.as_deref()) {
                (Some(url), Some(_)) => (url.as_str(), &args[..]),
                (Some(_), None) => return Err(Failure::usage("--nats needs --agent ID")),
                (None, _) => (args[0].as_str(), &args[1..]),
            };
            let Some(request) = rest.first() else {
                return Err(Failure::usage("no REQUEST").hint("cxwire call ws://127.0.0.1:9300/ws agent.getState"));
            };
            if rest.len() > 2 {
                return Err(Failure::usage("too many arguments: [URL] REQUEST [PARAMS]"));
            }
            let parameters = parameters(rest.get(1).map(String::as_str))?;
            match agent {
                Some(agent) if with_nats => {
                    gateway::call(&nats, url, &agent, request, parameters, Duration::from_secs(timeout)).await
                }
                _ => call(url, request, parameters, timeout).await,
            }
        }
        Command::Gateway(args) => gateway::gateway(args).await,
        Command::Listen { url, topics } => listen(&url, topics).await,
        Command::Bridge { listen } => bridge(&listen).await,
        Command::Schema { name, answer, all, json } => schema(name.as_deref(), answer, all, json),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut <Cli as clap::CommandFactory>::command(), "cxwire", &mut script);
            out!("{}", String::from_utf8_lossy(&script));
            Ok(())
        }
        Command::Validate { file, kind, json } => validate(&file, kind.as_deref(), json),
        Command::Policy { command: PolicyCommand::Check { value } } => policy_check(&value),
        Command::Callback { endpoint, command } => callback(&endpoint, command).await,
        Command::ClickToCall { endpoint, phonenumber } => click_to_call(&endpoint, &phonenumber).await,
    }
}

/// Resolves `host:port` to one address.
async fn address(text: &str) -> Result<std::net::SocketAddr, Failure> {
    let bad =
        || Failure::usage(format!("`{text}` is not an address")).hint("e.g. 127.0.0.1:9300 (port 0 picks a free port)");
    tokio::net::lookup_host(text).await.map_err(|_| bad())?.next().ok_or_else(bad)
}

async fn sim(
    [listen, http_listen, page_listen]: [&str; 3],
    web_content: &[String],
    options: &[String],
    scenario: Option<&str>,
    config: Option<&str>,
    bridge_to: &[String],
) -> Result<(), Failure> {
    let scenario = match scenario {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| Failure::io(format!("cannot read {path}: {e}")))?;
            Some(cxwire_sim::scenario::Scenario::from_json(&text).map_err(|e| Failure::usage(format!("{path}: {e}")))?)
        }
        None => None,
    };
    let mut config = match config {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| Failure::io(format!("cannot read {path}: {e}")))?;
            cxwire_sim::SimConfig::from_json(&text).map_err(|e| Failure::usage(format!("{path}: {e}")))?
        }
        None => cxwire_sim::SimConfig::default(),
    };
    for option in options {
        let (k, v) = option.split_once('=').ok_or_else(|| Failure::usage(format!("`{option}` is not KEY=VALUE")))?;
        config.security.insert(k.trim().to_owned(), v.trim().to_owned());
    }
    for item in web_content {
        let (name, url) = item.split_once('=').ok_or_else(|| {
            Failure::usage(format!("`{item}` is not NAME=URL"))
                .hint("e.g. --web-content CRM=http://127.0.0.1:9400/bridge.html")
        })?;
        config
            .workspace_page
            .web_content
            .push(cxwire_sim::page::WebContent { name: name.trim().to_owned(), url: url.trim().to_owned() });
    }
    let sim = cxwire_sim::Simulator::builder()
        .config(config)
        .ws_addr(address(listen).await?)
        .http_addr(address(http_listen).await?)
        .page_addr(address(page_listen).await?)
        .start()
        .await
        .map_err(|e| match e {
            cxwire_sim::SimError::NotLoopback { .. } => Failure::usage(e.to_string()),
            e if e.to_string().to_ascii_lowercase().contains("address in use")
                || e.to_string().to_ascii_lowercase().contains("address already in use") =>
            {
                Failure::io(e.to_string()).hint(
                    "another simulator may be running: choose other ports with --listen, --http-listen, --page-listen",
                )
            }
            e => Failure::io(e.to_string()),
        })?;
    outln!("Service Client WebSocket: {}", sim.ws_url());
    outln!("Workspace page (open in a browser): {}", sim.workspace_url());
    outln!(
        "  embeds web content in iframes; add more with ?content=<url>; bridge pages take ?targetOrigin={}",
        sim.workspace_origin()
    );
    outln!("HTTP control API: {} (POST /action, /scenario; GET /interactions, /connections)", sim.control_url());
    outln!("GMS callback API v1: {}/callback/<service>", sim.gms_base_url());
    outln!("Engagement API v3: {}", sim.engagement_base_url());
    let _relays: Vec<cxwire_sim::BridgeRelay> = sim
        .agents()
        .iter()
        .filter(|_| !bridge_to.is_empty())
        .map(|agent| {
            cxwire_sim::BridgeRelay::start(&sim.ws_url(), agent, bridge_to.to_vec(), cxwire_sim::RelayConfig::default())
        })
        .collect();
    if !bridge_to.is_empty() {
        outln!("desktops {} connect to {} as bridge pages would", sim.agents().join(", "), bridge_to.join(", "));
    }
    outln!("press Ctrl-C to stop");
    if let Some(scenario) = scenario {
        outln!("playing the scenario ({} steps)", scenario.steps.len());
        tokio::select! {
            played = sim.run_scenario(&scenario) => match played {
                Ok(ids) => outln!("scenario done; interactions {}", ids.join(", ")),
                Err(e) => errln!("warning: {e}"),
            },
            _ = tokio::signal::ctrl_c() => {
                outln!("stopping");
                return Ok(());
            }
        }
    }
    tokio::signal::ctrl_c().await.map_err(|e| Failure::io(e.to_string()))?;
    outln!("stopping");
    drop(sim);
    Ok(())
}

/// No reconnection, and at most `handshake` for the connection to open.
fn connect_options(handshake: Duration) -> ConnectOptions {
    let websocket = cxwire_ws::WsSettings { handshake_timeout: handshake, ..cxwire_ws::WsSettings::default() };
    ConnectOptions { reconnect: ReconnectPolicy::never(), websocket, ..ConnectOptions::default() }
}

/// The parameters of `call`: a JSON array, or one JSON value.
fn parameters(params: Option<&str>) -> Result<Vec<Value>, Failure> {
    Ok(match params {
        None => Vec::new(),
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Array(items)) => items,
            Ok(one) => vec![one],
            Err(e) => {
                return Err(
                    Failure::usage(format!("PARAMS_JSON is not JSON: {e}")).hint(r#"e.g. '["1", {"key": "value"}]'"#)
                );
            }
        },
    })
}

async fn call(url: &str, request: &str, parameters: Vec<Value>, timeout: u64) -> Result<(), Failure> {
    // `--timeout` bounds the whole call: the handshake, then the answer.
    let started = tokio::time::Instant::now();
    let timeout = Duration::from_secs(timeout);
    let session = cxwire_ws::connect_with(url, connect_options(timeout)).await.map_err(ws_failure)?;
    let timeout = timeout.saturating_sub(started.elapsed()).max(Duration::from_millis(1));
    let raw = cxwire_model::scapi::Request::Raw(cxwire_model::scapi::RawRequest::new(request, parameters));
    let data = session.call_request(raw, Some(timeout)).await.map_err(ws_failure)?;
    outln!("{}", serde_json::to_string_pretty(&data.unwrap_or(Value::Null)).unwrap_or_default());
    Ok(())
}

async fn listen(url: &str, topics: Vec<String>) -> Result<(), Failure> {
    // A misspelt topic is a usage error, not a subscription that never yields.
    let topics = topics
        .iter()
        .map(|t| t.parse::<cxwire_ws::Topic>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Failure::usage(e.to_string()))?;
    let handshake = cxwire_ws::WsSettings::default().handshake_timeout;
    let session = cxwire_ws::connect_with(url, connect_options(handshake)).await.map_err(ws_failure)?;
    let mut events = session.subscribe(topics).await.map_err(ws_failure)?;
    loop {
        tokio::select! {
            item = events.recv() => match item {
                Some(SubscriptionItem::Event(frame)) => outln!("{}", serde_json::to_string(&*frame).unwrap_or_default()),
                Some(SubscriptionItem::Lagged(n)) => errln!("warning: missed {n} events"),
                None => return Err(Failure::io("the connection ended")),
            },
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}

async fn bridge(listen: &str) -> Result<(), Failure> {
    let mut acceptor = cxwire_ws::Acceptor::bind(listen, cxwire_ws::AcceptorConfig::default())
        .await
        .map_err(|e| Failure::io(e.to_string()))?;
    outln!("bridge page to configure as Workspace web content: {}", acceptor.bridge_url());
    outln!("  (add ?targetOrigin=<Workspace origin> and e.g. &agent=<id>; accept this page's origin in");
    outln!("   service-client-api.accepted-web-content-origins)");
    let mut desktops = tokio::task::JoinSet::new();
    let mut next = 1_u64;
    loop {
        tokio::select! {
            accepted = acceptor.accept() => match accepted {
                Some(a) => {
                    outln!(
                        "desktop {next} connected from {} (page origin {}) {:?}",
                        a.peer.addr,
                        a.peer.origin.as_deref().unwrap_or("-"),
                        a.peer.query
                    );
                    desktops.spawn(watch_desktop(next, a.session));
                    next += 1;
                }
                None => return Err(Failure::io("the listener failed")),
            },
            Some(_) = desktops.join_next(), if !desktops.is_empty() => {}
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}

/// Keeps a bridged desktop's session open and logs who it is, its agent and interaction events
/// (one JSON line each), and its end.
async fn watch_desktop(n: u64, session: cxwire_ws::Session) {
    let mut states = session.connection_states();
    match session.agent().get().await {
        Ok(agent) => outln!("desktop {n}: agent {}", agent.username.as_deref().unwrap_or("(no username)")),
        Err(e) => outln!("desktop {n}: agent.get failed: {e}"),
    }
    match session.subscribe([cxwire_ws::Topic::Agent, cxwire_ws::Topic::Interaction]).await {
        Ok(mut events) => {
            outln!("desktop {n}: listening to agent and interaction events");
            while let Some(item) = events.recv().await {
                match item {
                    SubscriptionItem::Event(frame) => {
                        outln!("desktop {n}: {}", serde_json::to_string(&*frame).unwrap_or_default());
                    }
                    SubscriptionItem::Lagged(missed) => outln!("desktop {n}: missed {missed} events"),
                }
            }
        }
        Err(e) => {
            outln!("desktop {n}: subscribe failed: {e}");
            while let Ok(state) = states.recv().await {
                if !matches!(state, cxwire_ws::ConnectionState::Connected | cxwire_ws::ConnectionState::Reconnected) {
                    break;
                }
            }
        }
    }
    outln!("desktop {n} disconnected");
}

/// The environment variable that holds the v3 API key (never printed).
const API_KEY_VARIABLE: &str = "CXWIRE_API_KEY";

fn callback_config(endpoint: &Endpoint) -> Result<cxwire_model::widgets::CallbackConfig, Failure> {
    let v3 = match endpoint.api_version.as_str() {
        "v1" => false,
        "v3" => true,
        other => return Err(Failure::usage(format!("--api-version must be v1 or v3, not `{other}`"))),
    };
    let apikey = std::env::var(API_KEY_VARIABLE).ok().filter(|k| !k.is_empty());
    if v3 && apikey.is_none() {
        return Err(Failure::usage("v3 needs an API key").hint(format!("export {API_KEY_VARIABLE}=<your x-api-key>")));
    }
    Ok(cxwire_model::widgets::CallbackConfig {
        data_url: endpoint.url.clone(),
        api_version: Some(if v3 {
            cxwire_model::widgets::ApiVersion::V3
        } else {
            cxwire_model::widgets::ApiVersion::V1
        }),
        service_name: endpoint.service.clone(),
        apikey: apikey.map(Into::into),
        ..Default::default()
    })
}

fn http_failure(e: cxwire_http::Error) -> Failure {
    if e.status().is_some() || e.rejection().is_some() {
        Failure::failed(e.to_string())
    } else {
        Failure::io(e.to_string())
    }
}

async fn callback(endpoint: &Endpoint, command: CallbackCommand) -> Result<(), Failure> {
    use cxwire_model::widgets::{AvailabilityOptions, ScheduleOptions};
    let config = callback_config(endpoint)?;
    let service = cxwire_http::CallbackService::new(config).map_err(http_failure)?;
    let print = |value: Value| outln!("{}", serde_json::to_string_pretty(&value).unwrap_or_default());
    match command {
        CallbackCommand::Availability { start, days, max } => {
            let start = start.unwrap_or_else(|| cxwire_http::wire_time::format(&chrono_now()));
            let options = AvailabilityOptions {
                start_date: Some(start),
                number_of_days: Some(days),
                max_time_slots: max,
                service_name: endpoint.service.clone(),
                ..Default::default()
            };
            let slots = service.availability(options).await.map_err(http_failure)?;
            for slot in &slots.slots {
                outln!("{}  capacity {}", cxwire_http::wire_time::format(&slot.start), slot.capacity);
            }
        }
        CallbackCommand::Schedule { phonenumber, at } => {
            let options = ScheduleOptions {
                phonenumber: Some(phonenumber),
                desired_time: at,
                service_name: endpoint.service.clone(),
                ..Default::default()
            };
            let scheduled = service.schedule(options).await.map_err(http_failure)?;
            print(
                serde_json::json!({"id": scheduled.id, "desiredTime": scheduled.desired_time.map(|t| cxwire_http::wire_time::format(&t))}),
            );
        }
        CallbackCommand::Cancel { id } => {
            if let (Some(gms), Some(name)) = (service.gms_v1(), service.gms_service()) {
                gms.cancel(name, &id).await.map_err(http_failure)?;
            } else if let Some(v3) = service.engagement_v3() {
                v3.cancel(&id).await.map_err(http_failure)?;
            }
            outln!("cancelled {id}");
        }
        CallbackCommand::Query { id } => {
            if let Some(gms) = service.gms_v1() {
                let records = gms.query_by_id(&id).await.map_err(http_failure)?;
                print(serde_json::to_value(records).unwrap_or(Value::Null));
            } else if let Some(v3) = service.engagement_v3() {
                let answer = v3.retrieve(&id).await.map_err(http_failure)?;
                print(serde_json::to_value(answer).unwrap_or(Value::Null));
            }
        }
    }
    Ok(())
}

fn chrono_now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

async fn click_to_call(endpoint: &Endpoint, phonenumber: &str) -> Result<(), Failure> {
    let config = callback_config(endpoint)?;
    let service = cxwire_http::ClickToCallService::builder(config).build().map_err(http_failure)?;
    let options =
        cxwire_model::widgets::RequestNumberOptions { phonenumber: Some(phonenumber.to_owned()), user_data: None };
    let number = service.request_number(options).await.map_err(http_failure)?;
    outln!(
        "{}",
        serde_json::to_string_pretty(&serde_json::json!({
            "accessNumber": number.access_number,
            "accessCode": number.access_code,
            "expiresAt": number.expires_at.map(|t| cxwire_http::wire_time::format(&t)),
        }))
        .unwrap_or_default()
    );
    Ok(())
}

fn schema(name: Option<&str>, answer: bool, all: bool, json: bool) -> Result<(), Failure> {
    let entries = registry::entries();
    let Some(name) = name else {
        if json {
            let list: Vec<Value> = entries
                .iter()
                .map(|e| serde_json::json!({"id": e.id, "wireName": e.wire_name, "kind": e.kind}))
                .collect();
            outln!("{}", Value::Array(list));
        } else {
            for e in &entries {
                outln!("{:<55} {}", e.id, e.wire_name);
            }
        }
        return Ok(());
    };
    let matches: Vec<_> = entries.iter().filter(|e| e.id == name || e.wire_name == name).collect();
    let pretty = |e: &registry::SchemaEntry| e.schema().to_value();
    let chosen: Vec<&registry::SchemaEntry> = match matches.as_slice() {
        [] => return Err(Failure::failed(format!("no schema named `{name}`")).hint("`cxwire schema` lists them")),
        _ if all => matches.clone(),
        [one] if answer && one.kind != registry::Kind::Answer => {
            return Err(Failure::usage(format!("`{name}` names no answer schema; it is {}", one.id)));
        }
        [one] => vec![*one],
        many => {
            let wanted = if answer { registry::Kind::Answer } else { registry::Kind::Request };
            match many.iter().find(|e| e.kind == wanted) {
                Some(one) => vec![*one],
                None => {
                    for e in many {
                        outln!("{}", e.id);
                    }
                    return Err(Failure::failed(format!("`{name}` names {} schemas; give one id", many.len()))
                        .hint("or --all for all of them"));
                }
            }
        }
    };
    if all {
        let ids: Vec<&str> = chosen.iter().map(|e| e.id.as_str()).collect();
        errln!("printing {} schemas: {}", chosen.len(), ids.join(", "));
        let list: Vec<Value> = chosen.iter().map(|e| pretty(e)).collect();
        outln!("{}", serde_json::to_string_pretty(&Value::Array(list)).unwrap_or_default());
    } else if let [one] = chosen.as_slice() {
        if one.id != name {
            let other = if one.kind == registry::Kind::Answer { " (the request: without --answer)" } else { "" };
            let more = if matches.len() > 1 && one.kind == registry::Kind::Request {
                " (--answer for its answer, --all for both)"
            } else {
                other
            };
            errln!("printing {}{more}", one.id);
        }
        outln!("{}", serde_json::to_string_pretty(&pretty(one)).unwrap_or_default());
    }
    Ok(())
}

fn validate(file: &str, kind: Option<&str>, json: bool) -> Result<(), Failure> {
    let kind = kind.map(validate::kind_named).transpose().map_err(Failure::usage)?;
    let text = if file == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map_err(|e| Failure::io(e.to_string()))?;
        text
    } else {
        std::fs::read_to_string(file).map_err(|e| Failure::io(format!("cannot read {file}: {e}")))?
    };
    let value: Value = match serde_json::from_str(&text) {
        Ok(value) => value,
        Err(e) => {
            if json {
                outln!("{}", serde_json::json!({ "verdict": "not JSON", "kind": null, "reason": e.to_string() }));
            }
            return Err(Failure::failed(format!("not JSON: {e}")));
        }
    };
    let verdict = validate::verdict(&value, &text, kind.as_ref());
    let warnings = match &verdict {
        validate::Verdict::Valid(c) | validate::Verdict::Invalid(c) => validate::warnings(&c.entry.id, &text),
        _ => Vec::new(),
    };
    if json {
        let mut out = validate::to_json(&verdict);
        out["warnings"] = Value::from(warnings);
        outln!("{out}");
    } else {
        out!("{}", validate::to_text(&verdict));
        for warning in &warnings {
            outln!("warning: {warning}");
        }
    }
    match verdict {
        validate::Verdict::Valid(_) => Ok(()),
        validate::Verdict::Invalid(c) => Err(Failure::failed(format!("{} error(s)", c.problems.len()))),
        validate::Verdict::Ambiguous { candidates, .. } => {
            Err(Failure::failed(format!("ambiguous: {} kinds fit; say which with --kind", candidates.len()))
                .hint(candidates.iter().map(|c| format!("--kind {}", c.entry.id)).collect::<Vec<_>>().join(" or ")))
        }
        validate::Verdict::Unknown(reason) => Err(Failure::failed(format!("unknown kind: {reason}"))),
    }
}

fn policy_check(value: &str) -> Result<(), Failure> {
    let policy = cxwire_policy::OriginPolicy::parse(value).map_err(|e| {
        Failure::failed(e.to_string())
            .hint("syntax: origin [(filter, ...)], ...  with filters *, namespace.* or namespace.method")
    })?;
    for warning in policy.warnings() {
        outln!("warning: {warning}");
    }
    let mut origins: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for entry in policy.entries() {
        let origin = entry.origin().unwrap_or("*").to_owned();
        let probe = entry.origin().unwrap_or("https://any.example");
        origins.insert(origin, policy.allowed_services(probe).unwrap_or_default());
    }
    for (origin, allowed) in origins {
        let jwt = if allowed.iter().any(|r| r == "auth.getJwtToken") { "yes" } else { "no (must be named)" };
        outln!(
            "{origin}: {} of {} requests; auth.getJwtToken: {jwt}",
            allowed.len(),
            cxwire_model::scapi::REQUEST_NAMES.len()
        );
        outln!("  {}", allowed.join(", "));
    }
    Ok(())
}
