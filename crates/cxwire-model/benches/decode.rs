//! Typed decode vs `serde_json::Value` decode of the same frames, side by side in one run.
//!
//! `cargo bench -p cxwire-model --bench decode` prints, after criterion's report, the ratio
//! `Value time / typed time` for each frame (target: at least 1.2).

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group};
use cxwire_model::scapi::{AgentGetState, ClientMessage, InteractionGetInteractions, WorkspaceMessage};
use serde_json::Value;

fn fixture(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

struct Frame {
    name: &'static str,
    text: String,
    typed: fn(&str),
}

fn frames() -> Vec<Frame> {
    vec![
        Frame {
            name: "event_attached_data_changed",
            text: fixture("scapi/event/interaction/seed-attached-data-changed-voice.json"),
            typed: |t| {
                black_box(WorkspaceMessage::decode(t).ok());
            },
        },
        Frame {
            name: "request_set_user_data",
            text: fixture("scapi/request/interaction.setUserData/seed-hello-world.json"),
            typed: |t| {
                black_box(ClientMessage::decode(t).ok());
            },
        },
        Frame {
            name: "answer_get_state",
            text: fixture("scapi/answer/agent.getState/ready.json"),
            typed: |t| {
                if let Ok(WorkspaceMessage::Answer(a)) = WorkspaceMessage::decode(t) {
                    black_box(a.into_data::<AgentGetState>().ok());
                }
            },
        },
        Frame {
            name: "answer_get_interactions",
            text: fixture("scapi/answer/interaction.getInteractions/voice-and-chat.json"),
            typed: |t| {
                if let Ok(WorkspaceMessage::Answer(a)) = WorkspaceMessage::decode(t) {
                    black_box(a.into_data::<InteractionGetInteractions>().ok());
                }
            },
        },
    ]
}

fn bench(c: &mut Criterion) {
    for frame in frames() {
        // Make sure the typed path really decodes the frame before timing it.
        assert!(frame_decodes(&frame), "{} does not decode", frame.name);
        let mut group = c.benchmark_group(frame.name);
        group.throughput(criterion::Throughput::Bytes(frame.text.len() as u64));
        group.bench_function("typed", |b| b.iter(|| (frame.typed)(black_box(&frame.text))));
        group.bench_function("value", |b| {
            b.iter(|| black_box(serde_json::from_str::<Value>(black_box(&frame.text)).ok()))
        });
        group.finish();
    }
}

fn frame_decodes(frame: &Frame) -> bool {
    match WorkspaceMessage::decode(&frame.text) {
        Ok(WorkspaceMessage::Answer(a)) => a.response().is_some_and(|r| r.is_ok()),
        Ok(_) => true,
        Err(_) => ClientMessage::decode(&frame.text).is_ok(),
    }
}

criterion_group!(benches, bench);

fn criterion_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
        .join("criterion")
}

fn mean_ns(group: &str, function: &str) -> Option<f64> {
    let path = criterion_dir().join(group).join(function).join("new/estimates.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    v["mean"]["point_estimate"].as_f64()
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    println!("\nratio = Value decode time / typed decode time (target >= 1.2)");
    for frame in frames() {
        match (mean_ns(frame.name, "typed"), mean_ns(frame.name, "value")) {
            (Some(typed), Some(value)) => {
                println!(
                    "{:<28} typed {:>9.0} ns  value {:>9.0} ns  ratio {:.2}",
                    frame.name,
                    typed,
                    value,
                    value / typed
                );
                // For `cargo xtask bench`: the seed's attached-data-changed event has the issue's
                // target (>= 1.3); the other frames are reported against the older 1.2.
                let target = if frame.name == "event_attached_data_changed" { 1.3 } else { 1.2 };
                println!(
                    "bench-result: {}",
                    serde_json::json!({
                        "what": format!("typed decode vs serde_json::Value: {}", frame.name),
                        "cxwire": format!("{typed:.0} ns"), "baseline": format!("{value:.0} ns"),
                        "ratio": value / typed, "op": ">=", "target": target,
                    })
                );
            }
            _ => println!("{:<28} (not measured in this run)", frame.name),
        }
    }
}
