//! A real `nats-server` (Debian's package; `scripts/install-nats-server.sh` installs it) started
//! on a free loopback port with JetStream in a temporary directory, for tests and benchmarks.
//! Never a stand-in: without the binary, [`NatsServer::start`] fails with what to run.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A running `nats-server`; killed, and its directory removed, when dropped.
#[derive(Debug)]
pub struct NatsServer {
    child: Child,
    addr: SocketAddr,
    dir: PathBuf,
    binary: PathBuf,
    extra: Vec<String>,
}

static NEXT: AtomicU64 = AtomicU64::new(0);

/// The `nats-server` binary: `CXWIRE_NATS_SERVER`, else `nats-server` on `PATH`, else Debian's
/// `/usr/sbin/nats-server`.
///
/// # Errors
/// None found: the message says how to install it.
pub fn nats_server_binary() -> Result<PathBuf, String> {
    if let Ok(path) = std::env::var("CXWIRE_NATS_SERVER") {
        return Ok(PathBuf::from(path));
    }
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).map(|p| p.join("nats-server")).find(|p| p.is_file()));
    if let Some(Some(path)) = on_path {
        return Ok(path);
    }
    let debian = PathBuf::from("/usr/sbin/nats-server");
    if debian.is_file() {
        return Ok(debian);
    }
    Err("nats-server is not installed: run scripts/install-nats-server.sh (scripts/test.sh does), or set \
         CXWIRE_NATS_SERVER"
        .to_owned())
}

impl NatsServer {
    /// Starts one, with JetStream, and waits (at most 10 s) until it accepts connections.
    ///
    /// # Errors
    /// The binary is missing or the server does not come up (its log is in the message).
    pub fn start() -> Result<Self, String> {
        Self::start_with(&[])
    }

    /// Starts one with extra command-line options (e.g. `["--auth", "token"]`,
    /// `["--max_payload", "65536"]`).
    ///
    /// # Errors
    /// As [`NatsServer::start`].
    pub fn start_with(extra: &[&str]) -> Result<Self, String> {
        let binary = nats_server_binary()?;
        let extra: Vec<String> = extra.iter().map(|s| (*s).to_owned()).collect();
        let mut last = String::new();
        for _ in 0..3 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map_err(|e| format!("no free port: {e}"))?
                .port();
            let dir = std::env::temp_dir().join(format!(
                "cxwire-nats-{}-{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            let child = spawn(&binary, addr, &dir, &extra)?;
            let mut server = Self { child, addr, dir, binary: binary.clone(), extra: extra.clone() };
            match server.wait_ready(Duration::from_secs(10)) {
                Ok(()) => return Ok(server),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// Stops the server and starts it again on the same port and directory: what it kept in
    /// memory (memory-storage streams, such as the gateway's registrations) is gone, its
    /// file-storage streams are back.
    ///
    /// # Errors
    /// It does not come back (its log is in the message).
    pub fn restart(&mut self) -> Result<(), String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The port was ours a moment ago; wait (bounded) until the kernel lets it go.
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            self.child = spawn(&self.binary, self.addr, &self.dir, &self.extra)?;
            match self.wait_ready(Duration::from_secs(10)) {
                Ok(()) => return Ok(()),
                Err(e) if Instant::now() >= until => return Err(e),
                Err(_) => {}
            }
        }
    }

    fn wait_ready(&mut self, limit: Duration) -> Result<(), String> {
        let until = Instant::now() + limit;
        while Instant::now() < until {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("nats-server exited ({status}): {}", self.log()));
            }
            if TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(format!("nats-server did not listen within {limit:?}: {}", self.log()))
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("nats.log")).unwrap_or_default()
    }

    /// `nats://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("nats://{}", self.addr)
    }
}

fn spawn(binary: &std::path::Path, addr: SocketAddr, dir: &std::path::Path, extra: &[String]) -> Result<Child, String> {
    let log =
        std::fs::OpenOptions::new().create(true).append(true).open(dir.join("nats.log")).map_err(|e| e.to_string())?;
    Command::new(binary)
        .args(["-a", "127.0.0.1", "-p", &addr.port().to_string(), "-js", "-sd"])
        .arg(dir)
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
