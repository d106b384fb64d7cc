#!/usr/bin/env bash
# Installs the browser of the real-browser test (crates/cxwire-sim/tests/browser.rs): Debian's
# chromium package. Does nothing when Chromium is already there (or CXWIRE_CHROMIUM names one).
# Fails, with a reason, when it cannot install it: the test never skips a missing browser.
set -euo pipefail

if [ -n "${CXWIRE_CHROMIUM:-}" ]; then
  if [ -x "$CXWIRE_CHROMIUM" ]; then
    echo "chromium: CXWIRE_CHROMIUM=$CXWIRE_CHROMIUM"
    exit 0
  fi
  echo "CXWIRE_CHROMIUM=$CXWIRE_CHROMIUM is not an executable file" >&2
  exit 1
fi

for name in chromium chromium-browser; do
  if command -v "$name" >/dev/null 2>&1; then
    echo "chromium: $(command -v "$name")"
    exit 0
  fi
done

if ! command -v apt-get >/dev/null 2>&1; then
  echo "cannot install Chromium here (no apt-get): install it, or set CXWIRE_CHROMIUM to its binary" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "installing Chromium needs root (or sudo): run 'apt-get install chromium' as root, or set CXWIRE_CHROMIUM" >&2
    exit 1
  fi
fi

echo "installing Debian's chromium package (once)..."
export DEBIAN_FRONTEND=noninteractive
# Try with the package lists as they are first; refresh them only if that fails.
if ! $sudo apt-get install -y -q chromium >/tmp/cxwire-chromium-install.log 2>&1; then
  $sudo apt-get update -q >>/tmp/cxwire-chromium-install.log 2>&1
  if ! $sudo apt-get install -y -q chromium >>/tmp/cxwire-chromium-install.log 2>&1; then
    tail -n 20 /tmp/cxwire-chromium-install.log >&2
    echo "apt-get could not install chromium (log: /tmp/cxwire-chromium-install.log)" >&2
    exit 1
  fi
fi
command -v chromium >/dev/null 2>&1 || { echo "chromium is still not on PATH after installing it" >&2; exit 1; }
echo "chromium: $(command -v chromium)"
