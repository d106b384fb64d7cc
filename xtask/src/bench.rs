//! `cargo xtask bench [--quick]`: runs every benchmark that compares cxwire with its baseline,
//! collects the `bench-result:` lines they print, and prints one table (what, cxwire, baseline,
//! ratio, target, met?). Exits non-zero when a target is missed or a benchmark fails.
//!
//! `--quick` shortens criterion's warm-up and measurement (`--warm-up-time 1
//! --measurement-time 2`) and the custom benchmarks' runs (`CXWIRE_BENCH_QUICK=1`,
//! `CXWIRE_LOAD_SECONDS=2`), for a run under two minutes once the benchmarks are built.
//!
//! A row whose `op` is `"report"` is a point of a scale curve without a target: it is shown in
//! the table and never counts as a miss.
//!
//! Timings are noisy on shared machines: CI does not run this. Run it on a quiet machine.

use std::process::{Command, Stdio};

use serde_json::Value;

/// `(package, bench, uses criterion)`.
const BENCHES: &[(&str, &str, bool)] = &[
    ("cxwire-model", "decode", true),
    ("cxwire-ws", "roundtrip", true),
    ("cxwire-ws", "idle_memory", false),
    ("cxwire-ws", "fanout", false),
    ("cxwire-http", "schedule", true),
    ("cxwire-sim", "load", false),
    ("cxwire-gateway", "gateway", false),
];

/// The `op` of an informational row.
const REPORT: &str = "report";

/// One comparison, as a benchmark reported it.
struct Row {
    what: String,
    cxwire: String,
    baseline: String,
    ratio: f64,
    /// `<=`, `>=`, or `report` (informational: no target, never a miss).
    op: String,
    target: f64,
}

impl Row {
    fn met(&self) -> bool {
        match self.op.as_str() {
            REPORT => true,
            "<=" => self.ratio <= self.target,
            _ => self.ratio >= self.target,
        }
    }
}

fn row(value: &Value) -> Option<Row> {
    let op = value["op"].as_str()?.to_owned();
    // A report row may leave the target out; a compared row must have one.
    let target = if op == REPORT { value["target"].as_f64().unwrap_or(0.0) } else { value["target"].as_f64()? };
    Some(Row {
        what: value["what"].as_str()?.to_owned(),
        cxwire: value["cxwire"].as_str()?.to_owned(),
        baseline: value["baseline"].as_str()?.to_owned(),
        ratio: value["ratio"].as_f64()?,
        op,
        target,
    })
}

/// Runs the benchmarks and prints the table.
pub(crate) fn run(quick: bool) -> Result<(), String> {
    let mut rows = Vec::new();
    let mut failed = Vec::new();
    for (package, bench, criterion) in BENCHES {
        eprintln!("== cargo bench -p {package} --bench {bench}");
        let mut command = Command::new(env!("CARGO"));
        command.args(["bench", "-p", package, "--bench", bench, "--"]);
        if quick && *criterion {
            command.args(["--warm-up-time", "1", "--measurement-time", "2"]);
        }
        if quick {
            command.env("CXWIRE_BENCH_QUICK", "1").env("CXWIRE_LOAD_SECONDS", "2");
        }
        let output = command.stderr(Stdio::inherit()).output().map_err(|e| format!("cannot run cargo: {e}"))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let before = rows.len();
        for line in stdout.lines() {
            if let Some(json) = line.strip_prefix("bench-result: ")
                && let Some(r) = serde_json::from_str::<Value>(json).ok().as_ref().and_then(row)
            {
                rows.push(r);
            }
        }
        if !output.status.success() || rows.len() == before {
            failed.push(format!("{package}/{bench} ({})", output.status));
        }
    }
    println!("\n| what | cxwire | baseline | ratio | target | met? |");
    println!("|---|---|---|---|---|---|");
    for r in &rows {
        if r.op == REPORT {
            println!("| {} | {} | {} | {:.3} | report | - |", r.what, r.cxwire, r.baseline, r.ratio);
            continue;
        }
        let met = if r.met() { "yes" } else { "**no**" };
        println!("| {} | {} | {} | {:.3} | {} {} | {met} |", r.what, r.cxwire, r.baseline, r.ratio, r.op, r.target);
    }
    let missed: Vec<&Row> = rows.iter().filter(|r| !r.met()).collect();
    let targets = rows.iter().filter(|r| r.op != REPORT).count();
    if !failed.is_empty() {
        return Err(format!("benchmarks that failed or reported nothing: {}", failed.join(", ")));
    }
    if !missed.is_empty() {
        return Err(format!("{} of {targets} targets missed", missed.len()));
    }
    println!("\nall {targets} targets met ({} report rows)", rows.len() - targets);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::row;
    use serde_json::json;

    #[test]
    fn a_report_row_is_never_a_miss_and_a_compared_row_needs_its_target() {
        let report = row(&json!({"what": "w", "cxwire": "c", "baseline": "b", "ratio": 1e9, "op": "report"}));
        assert!(report.is_some_and(|r| r.met()));
        // Below what `>=` or `<=` would accept either way: still not a miss.
        let below =
            row(&json!({"what": "w", "cxwire": "c", "baseline": "b", "ratio": -1.0, "op": "report", "target": 1.0}));
        assert!(below.is_some_and(|r| r.met()));
        let above =
            row(&json!({"what": "w", "cxwire": "c", "baseline": "b", "ratio": 9.0, "op": "report", "target": 1.0}));
        assert!(above.is_some_and(|r| r.met()));
        let missed =
            row(&json!({"what": "w", "cxwire": "c", "baseline": "b", "ratio": 1.2, "op": "<=", "target": 1.1}));
        assert!(missed.is_some_and(|r| !r.met()));
        let met = row(&json!({"what": "w", "cxwire": "c", "baseline": "b", "ratio": 0.97, "op": ">=", "target": 0.95}));
        assert!(met.is_some_and(|r| r.met()));
        // Without a target a compared row cannot be judged: it is not taken as met.
        assert!(row(&json!({"what": "w", "cxwire": "c", "baseline": "b", "ratio": 1.0, "op": "<="})).is_none());
    }
}
