#!/usr/bin/env bash
# Installs the browser of the real-browser test (crates/cxwire-sim/tests/browser.rs): Debian's
# chromium package. Does nothing when Chromium is already there (or CXWIRE_CHROMIUM names one).
# Fails, with a reason, when it cannot install it: the test never skips a missing browser.
set -euo pipefail
. "$(dirname "$0")/lib/install-deb.sh"
install_deb chromium CXWIRE_CHROMIUM chromium chromium-browser
