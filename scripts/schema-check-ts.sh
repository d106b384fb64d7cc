#!/usr/bin/env bash
# Cross-language check: every JSON Schema under <root>/schemas/ must convert to
# TypeScript with json-schema-to-typescript and the result must type-check with
# `tsc --strict --noEmit`.
#
# Usage: scripts/schema-check-ts.sh [ROOT]
#   ROOT defaults to the repository root (the parent of this script's folder).
#   Schemas are read from ROOT/schemas/**/*.json; ROOT/schemas/index.json is skipped.
#
# Tooling is pinned in scripts/ts/package.json + package-lock.json and installed
# locally into scripts/ts/node_modules with `npm ci` when missing or stale.
# Set KEEP_TS_OUT=1 to keep (and print the path of) the generated .ts files.
#
# Last line of output: `ts-schemas: N passed, M failed`.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
if [[ $# -gt 1 ]]; then echo "usage: $0 [ROOT]" >&2; exit 2; fi
if ! ROOT="$(cd "${1:-$REPO_ROOT}" 2>/dev/null && pwd)"; then
  echo "ts-schemas: error: no such directory: $1" >&2
  echo "ts-schemas: 0 passed, 1 failed"
  exit 1
fi
SCHEMA_DIR="$ROOT/schemas"
TS_DIR="$SCRIPT_DIR/ts"

summary_fail() { # message
  echo "ts-schemas: error: $1" >&2
  echo "ts-schemas: 0 passed, 1 failed"
  exit 1
}

command -v node >/dev/null 2>&1 || summary_fail "node is not installed"
command -v npm >/dev/null 2>&1 || summary_fail "npm is not installed"
[[ -d "$SCHEMA_DIR" ]] || summary_fail "no schemas directory at $SCHEMA_DIR"

# --- tooling: npm ci when node_modules is missing or older than the lockfile ---
stamp_file="$TS_DIR/node_modules/.cxwire-lock-stamp"
want_stamp="$(cat "$TS_DIR/package.json" "$TS_DIR/package-lock.json" | sha256sum | cut -d' ' -f1)"
have_stamp="$(cat "$stamp_file" 2>/dev/null || true)"
if [[ "$want_stamp" != "$have_stamp" \
   || ! -x "$TS_DIR/node_modules/.bin/tsc" \
   || ! -f "$TS_DIR/node_modules/json-schema-to-typescript/package.json" ]]; then
  echo "ts-schemas: installing pinned tooling (npm ci) in ${TS_DIR#"$REPO_ROOT"/}"
  (cd "$TS_DIR" && npm ci --no-audit --no-fund --loglevel=error) \
    || summary_fail "npm ci failed in $TS_DIR"
  echo "$want_stamp" >"$stamp_file"
fi

jstt_version="$(node -p "require('$TS_DIR/node_modules/json-schema-to-typescript/package.json').version")"
tsc_version="$("$TS_DIR/node_modules/.bin/tsc" --version)"
echo "ts-schemas: json-schema-to-typescript $jstt_version, $tsc_version, node $(node --version)"

OUT_DIR="$(mktemp -d "${TMPDIR:-/tmp}/cxwire-ts-schemas.XXXXXX")"
if [[ "${KEEP_TS_OUT:-0}" == "1" ]]; then
  echo "ts-schemas: keeping generated TypeScript in $OUT_DIR"
else
  trap 'rm -rf "$OUT_DIR"' EXIT
fi

# --- step 1: convert each schema file into its own module, mirroring the path ---
# Writes $OUT_DIR/gen/<schema-id>.ts per schema, $OUT_DIR/converted.txt (one schema id
# per line) and $OUT_DIR/tsconfig.json; prints one line per conversion failure.
# Exit status: 0 = all converted, 1 = some failed, 2 = internal error.
set +e
node - "$TS_DIR" "$SCHEMA_DIR" "$OUT_DIR" <<'NODE'
'use strict';
const fs = require('fs');
const path = require('path');
const [tsDir, schemaDir, outDir] = process.argv.slice(2);
const { compile } = require(path.join(tsDir, 'node_modules', 'json-schema-to-typescript'));

function walk(dir) {
  const out = [];
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) out.push(...walk(p));
    else if (ent.isFile() && ent.name.endsWith('.json')) out.push(p);
  }
  return out;
}

function toPosix(p) { return p.split(path.sep).join('/'); }

// json-schema-to-typescript dereferences `$ref` by shallow-merging the sibling
// keywords over the referenced schema, so e.g. a sibling `properties` replaces
// the target's properties and the generated type silently loses fields (JSON
// Schema 2020-12 applies both). Annotation-only siblings are harmless.
const ANNOTATIONS = new Set(['$ref', '$id', '$schema', 'description', 'title', '$comment', 'deprecated',
  'readOnly', 'writeOnly', 'examples', 'default']);
const DATA_KEYWORDS = new Set(['const', 'enum', 'default', 'examples']);
function refSiblings(node, pointer, out) {
  if (Array.isArray(node)) {
    node.forEach((v, i) => refSiblings(v, `${pointer}/${i}`, out));
  } else if (node && typeof node === 'object') {
    if (typeof node.$ref === 'string') {
      const extra = Object.keys(node).filter((k) => !ANNOTATIONS.has(k));
      if (extra.length) out.push(`${pointer || '/'} ($ref beside ${extra.join(', ')})`);
    }
    for (const [k, v] of Object.entries(node)) {
      if (!DATA_KEYWORDS.has(k)) refSiblings(v, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, out);
    }
  }
  return out;
}

(async () => {
  const files = walk(schemaDir)
    .filter((f) => path.relative(schemaDir, f) !== 'index.json')
    .sort((a, b) => toPosix(a) < toPosix(b) ? -1 : toPosix(a) > toPosix(b) ? 1 : 0);
  const converted = [];
  let failed = 0;
  let warned = 0;
  for (const file of files) {
    const id = toPosix(path.relative(schemaDir, file)).replace(/\.json$/, '');
    try {
      const schema = JSON.parse(fs.readFileSync(file, 'utf8'));
      const siblings = refSiblings(schema, '', []);
      if (siblings.length) {
        warned += 1;
        console.log(`WARN schemas/${id}.json: $ref with non-annotation siblings, which ` +
          `json-schema-to-typescript merges over the referenced schema (the TS type may lose fields), at: ${siblings.slice(0, 5).join('; ')}` +
          (siblings.length > 5 ? `; ... ${siblings.length - 5} more` : ''));
      }
      // A top-level `title` names the root type; fall back to a name derived from
      // the schema id when there is none.
      const fallbackName = id.split('/').pop().replace(/[^A-Za-z0-9]+(.)?/g,
        (_, c) => (c ? c.toUpperCase() : '')).replace(/^./, (c) => c.toUpperCase()) || 'Root';
      const ts = await compile(schema, fallbackName, {
        bannerComment: '',
        cwd: path.dirname(file),
        declareExternallyReferenced: true,
        // Emit every $defs entry, referenced or not, so all of them get type-checked.
        unreachableDefinitions: true,
        format: false,
        strictIndexSignatures: false,
      });
      const outFile = path.join(outDir, 'gen', id + '.ts');
      fs.mkdirSync(path.dirname(outFile), { recursive: true });
      // `export {}` forces module scope, so equal type names in different schema
      // files never clash.
      fs.writeFileSync(outFile, `// generated from schemas/${id}.json\n${ts}\nexport {};\n`);
      converted.push(id);
    } catch (err) {
      failed += 1;
      const msg = String((err && err.message) || err).split('\n').slice(0, 5).join('\n    ');
      console.log(`FAIL convert schemas/${id}.json: ${msg}`);
    }
  }
  if (warned) console.log(`ts-schemas: warning: ${warned} schema(s) use $ref with sibling keywords (see WARN lines)`);
  fs.writeFileSync(path.join(outDir, 'converted.txt'), converted.map((c) => c + '\n').join(''));
  fs.writeFileSync(path.join(outDir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true,
      noEmit: true,
      target: 'es2022',
      lib: ['es2022'],
      moduleDetection: 'force',
      types: [],
      skipLibCheck: false,
      noUnusedLocals: false,
    },
    files: converted.map((c) => 'gen/' + c + '.ts'),
  }, null, 2));
  process.exit(failed > 0 ? 1 : 0);
})().catch((err) => { console.error(err); process.exit(2); });
NODE
convert_rc=$?
set -e
if [[ $convert_rc -ne 0 && $convert_rc -ne 1 ]]; then
  summary_fail "the conversion driver crashed (exit $convert_rc)"
fi

total="$(find "$SCHEMA_DIR" -type f -name '*.json' ! -path "$SCHEMA_DIR/index.json" | wc -l)"
converted="$(wc -l <"$OUT_DIR/converted.txt")"
convert_failed=$((total - converted))
echo "ts-schemas: converted $converted of $total schema file(s) ($convert_failed failed to convert)"

if [[ $total -eq 0 ]]; then
  echo "ts-schemas: warning: no schema files found under $SCHEMA_DIR"
fi

# --- step 2: type-check every generated module together ---
compile_failed=0
if [[ $converted -gt 0 ]]; then
  set +e
  (cd "$OUT_DIR" && "$TS_DIR/node_modules/.bin/tsc" -p tsconfig.json --strict --noEmit --pretty false) \
    >"$OUT_DIR/tsc.log" 2>&1
  tsc_rc=$?
  set -e
  if [[ $tsc_rc -ne 0 ]]; then
    sed 's/^/  tsc: /' "$OUT_DIR/tsc.log"
    # Count schemas with at least one error; errors not tied to a generated file
    # (config problems etc.) still fail the run.
    failing_ids="$(grep -oE '^gen/[^(]+\.ts\(' "$OUT_DIR/tsc.log" | sed -E 's#^gen/##; s#\.ts\($##' | sort -u || true)"
    if [[ -n "$failing_ids" ]]; then
      while read -r id; do echo "FAIL compile schemas/$id.json"; done <<<"$failing_ids"
      compile_failed="$(wc -l <<<"$failing_ids")"
    else
      echo "FAIL tsc exited $tsc_rc without a per-file error"
      compile_failed=1
    fi
  fi
fi

passed=$((converted - compile_failed))
[[ $passed -lt 0 ]] && passed=0
failed=$((convert_failed + compile_failed))
echo "ts-schemas: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
