#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

//! What the CLI's test files share.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;

/// Starts `cxwire ARGS`; its standard output arrives line by line on the channel. The output is
/// read to its end even when the receiver is gone: `cxwire` ends itself on a closed pipe, so a
/// reader that hung up would end it at its next line.
pub(crate) fn spawn_cxwire(args: &[&str]) -> (Child, Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cxwire"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            // Nobody listening any more: keep draining all the same.
            let _ = tx.send(line.unwrap_or_default());
        }
    });
    (child, rx)
}
