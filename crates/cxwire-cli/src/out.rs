//! Standard output that survives a closed pipe, the colour decision, logging, and the demo's
//! timeline: coloured lines on a terminal, plain text otherwise, JSON lines on request.

use std::io::{IsTerminal, Write};

use serde_json::{Value, json};

/// Whether standard output is a terminal.
pub(crate) fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

/// Whether `NO_COLOR` asks for no colour (any non-empty value, as <https://no-color.org> says).
pub(crate) fn no_color_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Whether `CLICOLOR_FORCE` (set, not empty and not `0`) asks for colour on a pipe too.
fn color_forced() -> bool {
    std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Whether to colour: never with `--no-color` or `NO_COLOR`; otherwise on a terminal, or
/// anywhere with `CLICOLOR_FORCE`.
pub(crate) fn use_color(no_color_flag: bool, is_terminal: bool) -> bool {
    !no_color_flag && !no_color_env() && (is_terminal || color_forced())
}

/// Writes to standard output. Rust ignores SIGPIPE, so `println!` panics when the reader has
/// gone (`cxwire schema | head -1`): here a closed pipe ends the process quietly with exit 0
/// (the reader took what it wanted), and any other write error with exit 3.
pub(crate) fn write_stdout(args: std::fmt::Arguments<'_>) {
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        let _ = writeln!(std::io::stderr(), "error: cannot write to standard output: {e}");
        std::process::exit(3);
    }
}

/// Writes a line to standard error; a closed stderr is ignored rather than a panic.
pub(crate) fn note(args: std::fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stderr().lock(), "{args}");
}

/// Installs the log subscriber: `RUST_LOG` when set (e.g. `cxwire=debug`), otherwise `warn`,
/// raised by each `-v` (info, debug, trace) and lowered by each `-q` (error, off). Logs go to
/// standard error, coloured as [`use_color`] says for standard error. Spans are shown
/// as the context of each line and once more when they close (with their timings).
///
/// # Errors
/// `RUST_LOG` is not a valid filter.
pub(crate) fn init_logging(verbose: u8, quiet: u8, no_color_flag: bool) -> Result<(), String> {
    use tracing_subscriber::EnvFilter;
    use tracing_subscriber::fmt::format::FmtSpan;
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.trim().is_empty() => {
            EnvFilter::try_new(&directives).map_err(|e| format!("RUST_LOG `{directives}` is not a filter: {e}"))?
        }
        _ => {
            let level = match i16::from(verbose) - i16::from(quiet) {
                ..=-2 => "off",
                -1 => "error",
                0 => "warn",
                1 => "info",
                2 => "debug",
                _ => "trace",
            };
            EnvFilter::new(level)
        }
    };
    let ansi = use_color(no_color_flag, std::io::stderr().is_terminal());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_span_events(FmtSpan::CLOSE)
        .try_init()
        .map_err(|e| e.to_string())
}

/// Prints the timeline.
#[derive(Clone, Copy)]
pub(crate) struct Printer {
    color: bool,
    json: bool,
}

const RESET: &str = "\x1b[0m";

impl Printer {
    pub(crate) fn new(color: bool, json: bool) -> Self {
        Self { color, json }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color { format!("\x1b[{code}m{text}{RESET}") } else { text.to_owned() }
    }

    /// A step of the shift.
    pub(crate) fn step(&self, title: &str) {
        if self.json {
            outln!("{}", json!({"kind": "step", "title": title}));
        } else {
            outln!("\n{}", self.paint("1;36", &format!("== {title}")));
        }
    }

    /// A request sent.
    pub(crate) fn request(&self, name: &str, parameters: &Value) {
        if self.json {
            outln!("{}", json!({"kind": "request", "request": name, "parameters": parameters}));
        } else {
            outln!("  {} {} {}", self.paint("33", "->"), self.paint("1", name), compact(parameters));
        }
    }

    /// An answer received.
    pub(crate) fn answer(&self, name: &str, data: &Value) {
        if self.json {
            outln!("{}", json!({"kind": "answer", "request": name, "data": data}));
        } else {
            outln!("  {} {} {}", self.paint("32", "<-"), name, compact(data));
        }
    }

    /// An event received.
    pub(crate) fn event(&self, frame: &Value) {
        if self.json {
            outln!("{}", json!({"kind": "event", "frame": frame}));
        } else {
            let topic = frame["event"].as_str().unwrap_or("?");
            let data = &frame["data"];
            let kind = data["eventType"].as_str().or_else(|| data["frameState"].as_str()).unwrap_or("");
            let state = data["interaction"]["state"].as_str().or_else(|| data["mediaState"].as_str()).unwrap_or("");
            outln!("  {} {} {} {}", self.paint("35", "**"), topic, self.paint("1", kind), state);
        }
    }

    /// A check that passed.
    pub(crate) fn ok(&self, what: &str) {
        if self.json {
            outln!("{}", json!({"kind": "check", "ok": true, "what": what}));
        } else {
            outln!("  {} {what}", self.paint("32", "ok"));
        }
    }
}

fn compact(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 110 { format!("{}...", text.chars().take(107).collect::<String>()) } else { text }
}
