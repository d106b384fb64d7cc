#!/usr/bin/env bash
# Proves the generated bindings (bindings/typescript, bindings/python) with their compilers:
#
# TypeScript: writes a .ts file that assigns every fixture of tests/fixtures/<kind>/ to
#   `Kinds["<kind>"]` (and every request fixture to `ServiceRequest`, every event fixture to
#   `ServiceEvent`), and every document of tests/fixtures/invalid/ whose .expect.json does not say
#   `"typescript": false` under a `// @ts-expect-error` line; `tsc --strict --noEmit` must compile it
#   (an error where none is expected fails, and so does an expected error that does not happen).
#   Also the two lines of issue 10: agent.setState with [42] fails, with ["Ready"] compiles.
# Python: with bindings/python on the path, `cxwire_bindings.parse(kind, doc)` must accept every
#   fixture and raise InvalidDocument for every invalid document.
#
# Tooling: TypeScript from scripts/ts (npm ci, pinned), Python jsonschema from the venv of
# scripts/schema-check-py.sh (.venv-schema, pinned). Last line: `bindings: N passed, M failed`.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
TS_DIR="$SCRIPT_DIR/ts"
VENV="$ROOT/.venv-schema"

fail() { echo "bindings: error: $1" >&2; echo "bindings: 0 passed, 1 failed"; exit 1; }

command -v node >/dev/null 2>&1 || fail "node is not installed"
[[ -f "$ROOT/bindings/typescript/index.d.ts" ]] || fail "no bindings/typescript/index.d.ts (run cargo xtask bindings)"

# --- tooling ---
stamp_file="$TS_DIR/node_modules/.cxwire-lock-stamp"
want_stamp="$(cat "$TS_DIR/package.json" "$TS_DIR/package-lock.json" | sha256sum | cut -d' ' -f1)"
if [[ "$want_stamp" != "$(cat "$stamp_file" 2>/dev/null || true)" || ! -x "$TS_DIR/node_modules/.bin/tsc" ]]; then
  echo "bindings: installing pinned TypeScript (npm ci) in scripts/ts"
  (cd "$TS_DIR" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci failed"
  echo "$want_stamp" >"$stamp_file"
fi
if ! "$VENV/bin/python" -c 'import jsonschema' >/dev/null 2>&1; then
  # The schema check's venv has the pinned jsonschema.
  bash "$SCRIPT_DIR/schema-check-py.sh" >/dev/null 2>&1 || true
  "$VENV/bin/python" -c 'import jsonschema' >/dev/null 2>&1 || fail "no Python jsonschema in $VENV"
fi

OUT="$(mktemp -d "${TMPDIR:-/tmp}/cxwire-bindings.XXXXXX")"
trap 'rm -rf "$OUT"' EXIT

# --- TypeScript ---
node - "$ROOT" "$OUT" <<'NODE'
'use strict';
const fs = require('fs');
const path = require('path');
const [root, out] = process.argv.slice(2);
const fixtures = path.join(root, 'tests', 'fixtures');
function walk(dir) {
  const found = [];
  for (const ent of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name < b.name ? -1 : 1)) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) found.push(...walk(p));
    else if (ent.name.endsWith('.json') && !ent.name.endsWith('.expect.json')) found.push(p);
  }
  return found;
}
const kindOf = (base, file) => path.relative(base, path.dirname(file)).split(path.sep).join('/');
const lines = [
  `import type * as B from ${JSON.stringify(path.join(root, 'bindings', 'typescript', 'index'))};`,
  '',
  '// issue 10: a request with a parameter of the wrong type does not compile; the right one does.',
  '// @ts-expect-error agent.setState takes a string',
  'export const wrong: B.ServiceRequest = {"request":"agent.setState","parameters":[42],"referenceId":"1"};',
  'export const right: B.ServiceRequest = {"request":"agent.setState","parameters":["Ready"],"referenceId":"1"};',
  'export const typed: B.RequestMap["agent.getState"]["answer"] = {"type":"READY","displayName":"Ready","operationName":"Ready"};',
  '',
];
let positive = 0, negative = 0, skipped = 0, n = 0;
const invalidDir = path.join(fixtures, 'invalid');
for (const file of walk(fixtures).filter((f) => !f.startsWith(invalidDir + path.sep))) {
  const kind = kindOf(fixtures, file);
  const doc = JSON.stringify(JSON.parse(fs.readFileSync(file, 'utf8')));
  lines.push(`// ${path.relative(root, file)}`);
  lines.push(`export const p${n}: B.Kinds[${JSON.stringify(kind)}] = ${doc};`);
  if (kind.startsWith('scapi/request/')) lines.push(`export const p${n}r: B.ServiceRequest = ${doc};`);
  if (kind.startsWith('scapi/event/')) lines.push(`export const p${n}e: B.ServiceEvent = ${doc};`);
  n += 1; positive += 1;
}
for (const file of walk(invalidDir)) {
  const kind = kindOf(invalidDir, file);
  const expect = JSON.parse(fs.readFileSync(file.replace(/\.json$/, '.expect.json'), 'utf8'));
  const doc = JSON.stringify(JSON.parse(fs.readFileSync(file, 'utf8')));
  lines.push(`// ${path.relative(root, file)}: ${expect.rule}`);
  if (expect.typescript === false) {
    // Not expressible in TypeScript types: it must compile.
    lines.push(`export const n${n}: B.Kinds[${JSON.stringify(kind)}] = ${doc};`);
    skipped += 1;
  } else {
    lines.push(`// @ts-expect-error ${expect.rule.replace(/\n/g, ' ')}`);
    lines.push(`export const n${n}: B.Kinds[${JSON.stringify(kind)}] = ${doc};`);
    negative += 1;
  }
  n += 1;
}
fs.writeFileSync(path.join(out, 'check.ts'), lines.join('\n') + '\n');
fs.writeFileSync(path.join(out, 'counts.txt'), `${positive} ${negative} ${skipped}\n`);
fs.writeFileSync(path.join(out, 'tsconfig.json'), JSON.stringify({
  compilerOptions: { strict: true, noEmit: true, target: 'es2022', lib: ['es2022'], types: [], skipLibCheck: false },
  files: ['check.ts'],
}, null, 2));
NODE
read -r positive negative skipped <"$OUT/counts.txt"
ts_failed=0
if ! (cd "$OUT" && "$TS_DIR/node_modules/.bin/tsc" -p tsconfig.json --pretty false) >"$OUT/tsc.log" 2>&1; then
  sed 's/^/  tsc: /' "$OUT/tsc.log" | head -60
  ts_failed="$(grep -c 'error TS' "$OUT/tsc.log" || true)"
  [[ "$ts_failed" -gt 0 ]] || ts_failed=1
  if [[ "${KEEP_BINDINGS_OUT:-0}" == "1" ]]; then cp "$OUT/check.ts" "${TMPDIR:-/tmp}/cxwire-bindings-check.ts"; fi
fi
echo "bindings: typescript: $positive fixtures typed, $negative invalid documents rejected by tsc --strict, $skipped not expressible; $ts_failed error(s)"

# --- Python ---
py_failed=0
PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$ROOT/bindings/python" "$VENV/bin/python" - "$ROOT" <<'PY' || py_failed=1
import json, sys
from pathlib import Path
import cxwire_bindings as cx

root = Path(sys.argv[1])
fixtures = root / "tests" / "fixtures"
invalid = fixtures / "invalid"
ok = bad = 0
for path in sorted(fixtures.rglob("*.json")):
    if invalid in path.parents:
        continue
    kind = path.parent.relative_to(fixtures).as_posix()
    try:
        cx.parse(kind, path.read_text(encoding="utf-8"))
        if kind.startswith("scapi/request/"):
            cx.parse_request(json.loads(path.read_text(encoding="utf-8")))
        ok += 1
    except Exception as exc:  # noqa: BLE001
        print(f"  python: {path.relative_to(root)}: {exc}")
        bad += 1
rejected = 0
for path in sorted(invalid.rglob("*.json")):
    if path.name.endswith(".expect.json"):
        continue
    kind = path.parent.relative_to(invalid).as_posix()
    expect = json.loads(path.with_name(path.name[:-5] + ".expect.json").read_text(encoding="utf-8"))
    try:
        cx.parse(kind, path.read_text(encoding="utf-8"))
        print(f"  python: {path.relative_to(root)}: accepted ({expect['rule']})")
        bad += 1
    except cx.InvalidDocument as exc:
        if expect["schema_at"] not in [p for p, _ in exc.errors]:
            print(f"  python: {path.relative_to(root)}: errors at {[p for p, _ in exc.errors]}, none at {expect['schema_at']!r}")
            bad += 1
        else:
            rejected += 1
print(f"bindings: python: {ok} fixtures parsed, {rejected} invalid documents raised; {bad} failure(s)")
sys.exit(1 if bad else 0)
PY

failed=$((ts_failed + py_failed))
echo "bindings: $((positive + negative)) passed, $failed failed"
[[ $failed -eq 0 ]]
