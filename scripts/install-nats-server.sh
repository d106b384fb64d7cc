#!/usr/bin/env bash
# Installs the NATS server of the gateway tests (crates/cxwire-gateway/tests, the CLI's gateway
# tests): Debian's nats-server package. Does nothing when it is already there (or
# CXWIRE_NATS_SERVER names one). Fails, with a reason, when it cannot install it: the tests never
# skip a missing server. The tests start their own servers on free loopback ports; Debian's
# package also starts a system service, which is stopped and disabled.
set -euo pipefail
. "$(dirname "$0")/lib/install-deb.sh"
already=$(find_binary nats-server /usr/sbin/nats-server || true)
install_deb nats-server CXWIRE_NATS_SERVER nats-server /usr/sbin/nats-server
if [ -z "$already" ] && command -v systemctl >/dev/null 2>&1; then
  systemctl disable --now nats-server >/dev/null 2>&1 || sudo -n systemctl disable --now nats-server >/dev/null 2>&1 || true
fi
