#!/usr/bin/env bash
# Installs the NATS server of the gateway tests (crates/cxwire-gateway/tests): Debian's
# nats-server package. Does nothing when it is already there (or CXWIRE_NATS_SERVER names one).
# Fails, with a reason, when it cannot install it: the tests never skip a missing server.
set -euo pipefail

if [ -n "${CXWIRE_NATS_SERVER:-}" ]; then
  if [ -x "$CXWIRE_NATS_SERVER" ]; then
    echo "nats-server: CXWIRE_NATS_SERVER=$CXWIRE_NATS_SERVER"
    exit 0
  fi
  echo "CXWIRE_NATS_SERVER=$CXWIRE_NATS_SERVER is not an executable file" >&2
  exit 1
fi

for candidate in "$(command -v nats-server 2>/dev/null || true)" /usr/sbin/nats-server; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    echo "nats-server: $candidate"
    exit 0
  fi
done

if ! command -v apt-get >/dev/null 2>&1; then
  echo "cannot install nats-server here (no apt-get): install it, or set CXWIRE_NATS_SERVER to its binary" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "installing nats-server needs root (or sudo): run 'apt-get install nats-server' as root, or set CXWIRE_NATS_SERVER" >&2
    exit 1
  fi
fi

echo "installing Debian's nats-server package (once)..."
export DEBIAN_FRONTEND=noninteractive
log=/tmp/cxwire-nats-server-install.log
if ! $sudo apt-get install -y -q nats-server >"$log" 2>&1; then
  $sudo apt-get update -q >>"$log" 2>&1
  if ! $sudo apt-get install -y -q nats-server >>"$log" 2>&1; then
    tail -n 20 "$log" >&2
    echo "apt-get could not install nats-server (log: $log)" >&2
    exit 1
  fi
fi
# Debian's package starts a system service; the tests run their own servers on free ports.
$sudo systemctl disable --now nats-server >/dev/null 2>&1 || true
for candidate in "$(command -v nats-server 2>/dev/null || true)" /usr/sbin/nats-server; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    echo "nats-server: $candidate"
    exit 0
  fi
done
echo "nats-server is still not there after installing it" >&2
exit 1
