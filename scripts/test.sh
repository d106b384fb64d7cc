#!/usr/bin/env bash
# The test command of the README: installs what the tests need that cargo does not fetch
# (Chromium, for the real-browser test; nats-server, for the gateway tests), then runs every
# test of the workspace.
# Arguments go to `cargo test` (e.g. `scripts/test.sh --locked`, `scripts/test.sh -p cxwire-sim`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-chromium.sh
bash scripts/install-nats-server.sh
exec cargo test --workspace "$@"
