#!/usr/bin/env bash
# Cross-language check: every JSON Schema under <root>/schemas/ must be valid
# under its declared metaschema, and every fixture under <root>/tests/fixtures/
# must validate against schemas/<fixture's directory>.json.
#
# Usage: scripts/schema-check-py.sh [ROOT]
#   ROOT defaults to the repository root (the parent of this script's folder).
#
# Creates (or reuses) a venv at <repo>/.venv-schema/ with the pinned packages of
# scripts/requirements-schema.txt, then runs scripts/schema_check.py.
# Set PYTHON to choose the interpreter the venv is made from (default: python3).
#
# Last line of output: `py-schemas: N passed, M failed`.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
if [[ $# -gt 1 ]]; then echo "usage: $0 [ROOT]" >&2; exit 2; fi
if ! ROOT="$(cd "${1:-$REPO_ROOT}" 2>/dev/null && pwd)"; then
  echo "py-schemas: error: no such directory: $1" >&2
  echo "py-schemas: 0 passed, 1 failed"
  exit 1
fi
VENV="$REPO_ROOT/.venv-schema"
REQS="$SCRIPT_DIR/requirements-schema.txt"
PY="${PYTHON:-python3}"

summary_fail() { # message
  echo "py-schemas: error: $1" >&2
  echo "py-schemas: 0 passed, 1 failed"
  exit 1
}

# Reuse the venv only if its interpreter still runs and it was filled from the
# current requirements file; otherwise (re)create it.
stamp_file="$VENV/.cxwire-req-stamp"
want_stamp="$(sha256sum "$REQS" | cut -d' ' -f1)"
have_stamp="$(cat "$stamp_file" 2>/dev/null || true)"
if ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1 || [[ "$want_stamp" != "$have_stamp" ]]; then
  command -v "$PY" >/dev/null 2>&1 || summary_fail "$PY is not installed"
  echo "py-schemas: setting up ${VENV#"$REPO_ROOT"/} from ${REQS#"$REPO_ROOT"/}"
  rm -rf "$VENV"
  "$PY" -m venv "$VENV" || summary_fail "could not create a venv with $PY -m venv"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$REQS" \
    || summary_fail "pip install -r $REQS failed"
  echo "$want_stamp" >"$stamp_file"
fi

exec "$VENV/bin/python" "$SCRIPT_DIR/schema_check.py" "$ROOT"
