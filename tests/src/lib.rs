//! Workspace-level tests live in `tests/tests/`. This library carries the repository README so that
//! its examples run as doctests.
#![doc = include_str!("../../README.md")]
