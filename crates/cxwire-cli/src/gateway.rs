//! `cxwire gateway` and `cxwire call --nats`: the NATS gateway from the command line.

use std::path::PathBuf;
use std::time::Duration;

use cxwire_gateway::{
    ClientConfig, Gateway, GatewayClient, GatewayConfig, NatsAuth, NatsConfig, NatsTls, StreamConfig,
};
use serde_json::Value;

use crate::Failure;

/// The environment variable holding the NATS password of `--nats-user` (never an argument:
/// arguments are visible to every user of the machine).
const PASSWORD_VARIABLE: &str = "CXWIRE_NATS_PASSWORD";
/// The environment variable holding a NATS token.
const TOKEN_VARIABLE: &str = "CXWIRE_NATS_TOKEN";

/// Where NATS is and how to log in (shared by `gateway` and `call`).
#[derive(clap::Args, Clone, Debug)]
pub(crate) struct NatsArgs {
    /// NATS server URL(s), comma-separated (nats://127.0.0.1:4222, tls://...).
    #[arg(long, value_name = "URL")]
    pub(crate) nats: Option<String>,
    /// The subject prefix (one per tenant).
    #[arg(long, default_value = "cxwire")]
    pub(crate) prefix: String,
    /// NATS user; the password is read from CXWIRE_NATS_PASSWORD. (A token is read from
    /// CXWIRE_NATS_TOKEN when set.)
    #[arg(long, value_name = "USER")]
    nats_user: Option<String>,
    /// A NATS .creds file (JWT and NKey seed).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["nats_user", "nats_nkey"])]
    nats_creds: Option<PathBuf>,
    /// A file holding an NKey seed.
    #[arg(long, value_name = "FILE", conflicts_with = "nats_user")]
    nats_nkey: Option<PathBuf>,
    /// Refuse a NATS server without TLS.
    #[arg(long)]
    nats_tls: bool,
    /// Root certificates (PEM) to trust for NATS' TLS.
    #[arg(long, value_name = "FILE")]
    nats_ca: Option<PathBuf>,
    /// Client certificate (PEM) for mutual TLS (with --nats-key).
    #[arg(long, value_name = "FILE", requires = "nats_key")]
    nats_cert: Option<PathBuf>,
    /// Client key (PEM) for mutual TLS (with --nats-cert).
    #[arg(long, value_name = "FILE", requires = "nats_cert")]
    nats_key: Option<PathBuf>,
}

impl NatsArgs {
    fn config(&self, url: &str) -> Result<NatsConfig, Failure> {
        let auth = if let Some(user) = &self.nats_user {
            let password = std::env::var(PASSWORD_VARIABLE)
                .map_err(|_| Failure::usage(format!("--nats-user needs the password in {PASSWORD_VARIABLE}")))?;
            NatsAuth::UserPassword { user: user.clone(), password }
        } else if let Some(path) = &self.nats_creds {
            NatsAuth::CredsFile(path.clone())
        } else if let Some(path) = &self.nats_nkey {
            let seed = std::fs::read_to_string(path)
                .map_err(|e| Failure::io(format!("cannot read {}: {e}", path.display())))?;
            NatsAuth::NKey(seed.trim().to_owned())
        } else if let Ok(token) = std::env::var(TOKEN_VARIABLE) {
            NatsAuth::Token(token)
        } else {
            NatsAuth::None
        };
        let tls = NatsTls {
            required: self.nats_tls,
            ca_file: self.nats_ca.clone(),
            client_cert: self.nats_cert.clone().zip(self.nats_key.clone()),
        };
        Ok(NatsConfig { auth, tls, ..NatsConfig::new(url) })
    }
}

/// `cxwire gateway` options besides NATS'.
#[derive(clap::Args, Clone, Debug)]
pub(crate) struct GatewayArgs {
    /// Address bridge pages connect to (and the bridge page is served from).
    #[arg(long, default_value = "127.0.0.1:7800")]
    listen: String,
    /// This instance's name (default: a random one).
    #[arg(long)]
    instance: Option<String>,
    /// Also write events to a JetStream stream (<PREFIX>_EVENTS), for durable consumers.
    #[arg(long)]
    stream: bool,
    /// Origins whose bridge pages may connect, as the Workspace option
    /// service-client-api.accepted-web-content-origins (default: any).
    #[arg(long, value_name = "ORIGINS")]
    accepted_origins: Option<String>,
    #[command(flatten)]
    nats: NatsArgs,
}

fn gateway_failure(e: cxwire_gateway::Error) -> Failure {
    match e {
        cxwire_gateway::Error::Config { .. } => Failure::usage(e.to_string()),
        cxwire_gateway::Error::Nats { .. } => {
            Failure::io(e.to_string()).hint("is nats-server running there (with -js for --stream)?")
        }
        cxwire_gateway::Error::Rejected { .. }
        | cxwire_gateway::Error::RateLimited { .. }
        | cxwire_gateway::Error::Refused { .. }
        | cxwire_gateway::Error::Undecodable { .. } => Failure::failed(e.to_string()),
        cxwire_gateway::Error::NoSuchDesktop { .. } => {
            Failure::failed(e.to_string()).hint("is the agent's bridge page connected to a gateway of this --prefix?")
        }
        _ => Failure::io(e.to_string()),
    }
}

pub(crate) async fn gateway(args: GatewayArgs) -> Result<(), Failure> {
    let mut config = GatewayConfig { prefix: args.nats.prefix.clone(), ..GatewayConfig::default() };
    if let Some(instance) = &args.instance {
        config.instance.clone_from(instance);
    }
    if let Some(origins) = &args.accepted_origins {
        config.accepted_origins =
            cxwire_policy::OriginPolicy::parse(origins).map_err(|e| Failure::usage(e.to_string()))?;
    }
    if let Some(url) = &args.nats.nats {
        config.nats = Some(args.nats.config(url)?);
        if args.stream {
            config.stream = Some(StreamConfig::default());
        }
    } else if args.stream {
        return Err(Failure::usage("--stream needs --nats (JetStream)"));
    }
    let embedded = config.nats.is_none();
    let addr = crate::address(&args.listen).await?;
    let gateway = Gateway::start(addr, config).await.map_err(gateway_failure)?;
    outln!("gateway instance {}", gateway.instance());
    outln!("bridge page to configure as Workspace web content: {}", gateway.bridge_url());
    outln!("desktop WebSocket: {}", gateway.ws_url());
    match &args.nats.nats {
        Some(url) => {
            let s = gateway.subjects();
            outln!("NATS {url}: calls on {}.desktop.<agent>.call, events on {}", s.prefix(), s.events(None, None));
            outln!("  presence on {}, registrations in the KV bucket {}", s.presence(None), s.bucket());
            if args.stream {
                outln!("  events also in the JetStream stream {}", s.stream());
            }
        }
        None => outln!("embedded mode (no broker): presence and events are printed here as JSON lines"),
    }
    outln!("press Ctrl-C to stop");
    let mut presence = gateway.presence();
    let mut events = if embedded {
        Some(
            gateway
                .client()
                .events(Vec::<String>::new(), Vec::<cxwire_ws::Topic>::new())
                .await
                .map_err(gateway_failure)?,
        )
    } else {
        None
    };
    loop {
        tokio::select! {
            p = presence.recv() => match p {
                Ok(p) => outln!("{}", serde_json::json!({"presence": p})),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => errln!("missed {n} presence changes"),
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            },
            Some(event) = next_event(&mut events) => match event {
                Ok(e) => outln!("{}", serde_json::json!({"agent": e.agent, "seq": e.seq, "frame": &*e.frame})),
                Err(e) => errln!("{e}"),
            },
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    outln!("stopping: deregistering the desktops");
    gateway.shutdown().await;
    Ok(())
}

async fn next_event(
    events: &mut Option<cxwire_gateway::Events>,
) -> Option<Result<cxwire_gateway::DesktopEvent, cxwire_gateway::Error>> {
    match events {
        Some(events) => events.recv().await,
        None => std::future::pending().await,
    }
}

/// `cxwire call --nats URL --agent ID REQUEST [PARAMS]`.
pub(crate) async fn call(
    nats: &NatsArgs,
    url: &str,
    agent: &str,
    request: &str,
    parameters: Vec<Value>,
    timeout: Duration,
) -> Result<(), Failure> {
    let started = tokio::time::Instant::now();
    let mut nats_config = nats.config(url)?;
    nats_config.connect_timeout = timeout;
    let config = ClientConfig { nats: nats_config, prefix: nats.prefix.clone(), ..ClientConfig::new(url) };
    let client = GatewayClient::connect_with(config).await.map_err(gateway_failure)?;
    let timeout = timeout.saturating_sub(started.elapsed()).max(Duration::from_millis(1));
    let data =
        client.desktop(agent).with_timeout(timeout).call_raw(request, parameters).await.map_err(gateway_failure)?;
    outln!("{}", serde_json::to_string_pretty(&data.unwrap_or(Value::Null)).unwrap_or_default());
    Ok(())
}
