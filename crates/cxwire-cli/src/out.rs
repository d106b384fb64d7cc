//! The demo's timeline: coloured lines on a terminal, plain text otherwise, JSON lines on request.

use std::io::IsTerminal;

use serde_json::{Value, json};

/// Whether standard output is a terminal.
pub(crate) fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
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
            println!("{}", json!({"kind": "step", "title": title}));
        } else {
            println!("\n{}", self.paint("1;36", &format!("== {title}")));
        }
    }

    /// A request sent.
    pub(crate) fn request(&self, name: &str, parameters: &Value) {
        if self.json {
            println!("{}", json!({"kind": "request", "request": name, "parameters": parameters}));
        } else {
            println!("  {} {} {}", self.paint("33", "->"), self.paint("1", name), compact(parameters));
        }
    }

    /// An answer received.
    pub(crate) fn answer(&self, name: &str, data: &Value) {
        if self.json {
            println!("{}", json!({"kind": "answer", "request": name, "data": data}));
        } else {
            println!("  {} {} {}", self.paint("32", "<-"), name, compact(data));
        }
    }

    /// An event received.
    pub(crate) fn event(&self, frame: &Value) {
        if self.json {
            println!("{}", json!({"kind": "event", "frame": frame}));
        } else {
            let topic = frame["event"].as_str().unwrap_or("?");
            let data = &frame["data"];
            let kind = data["eventType"].as_str().or_else(|| data["frameState"].as_str()).unwrap_or("");
            let state = data["interaction"]["state"].as_str().or_else(|| data["mediaState"].as_str()).unwrap_or("");
            println!("  {} {} {} {}", self.paint("35", "**"), topic, self.paint("1", kind), state);
        }
    }

    /// A check that passed.
    pub(crate) fn ok(&self, what: &str) {
        if self.json {
            println!("{}", json!({"kind": "check", "ok": true, "what": what}));
        } else {
            println!("  {} {what}", self.paint("32", "ok"));
        }
    }
}

fn compact(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 110 { format!("{}...", text.chars().take(107).collect::<String>()) } else { text }
}
