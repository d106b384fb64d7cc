#!/usr/bin/env python3
"""Check the generated JSON Schemas and the JSON fixtures against them.

Usage: schema_check.py [ROOT]   (normally run through scripts/schema-check-py.sh)

ROOT defaults to the repository root (the parent of this script's folder).

1. Every ROOT/schemas/**/*.json except ROOT/schemas/index.json must parse and be
   a valid schema under the metaschema its "$schema" declares (draft 2020-12 when
   it declares none), and its local "$ref"s ("#/...") must point at something.
2. Every ROOT/tests/fixtures/**/*.json is validated against
   ROOT/schemas/<its directory relative to tests/fixtures>.json, which must exist.
   Format assertions are off, so non-standard formats ("uint32", "int64", ...)
   are annotations only.
3. Every ROOT/tests/fixtures/invalid/<schema-id>/<name>.json (the negative
   corpus) must be rejected by ROOT/schemas/<schema-id>.json with an error at
   the JSON pointer its <name>.expect.json names ("schema_at").
4. Schemas without any fixture are counted as information (listed when
   SCHEMA_CHECK_VERBOSE=1).

Schema files reference each other by relative URI; every file is registered by
its "$id" in a `referencing` registry, so nothing is fetched.

Exits non-zero on any failure. The last line printed is
`py-schemas: N passed, M failed`, where N is the number of fixtures that
validated plus the invalid documents rejected as expected, and M the number of
failed fixtures, invalid schema files and invalid documents not rejected as expected.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path
from typing import Any, Iterator

import jsonschema
import referencing
import referencing.exceptions

# One implementation of "where is this error, as JSON pointers": the generated Python bindings'.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bindings" / "python"))
from cxwire_bindings import error_pointers  # noqa: E402
from jsonschema import Draft202012Validator
from referencing.jsonschema import DRAFT202012
from jsonschema.exceptions import SchemaError, best_match
from jsonschema.validators import validator_for

MAX_ERRORS_PER_FIXTURE = 20
MAX_MESSAGE = 300
MAX_BRANCH_ERRORS = 5

# Keywords whose values are data, not subschemas: "$ref" keys inside them are
# not references.
DATA_KEYWORDS = {"const", "enum", "default", "examples"}


class JsonLoadError(Exception):
    pass


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise JsonLoadError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _reject_constant(name: str) -> Any:
    raise JsonLoadError(f"non-JSON number {name}")


def load_json(path: Path) -> Any:
    try:
        with path.open("r", encoding="utf-8") as fh:
            return json.load(
                fh,
                object_pairs_hook=_reject_duplicates,
                parse_constant=_reject_constant,
            )
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, JsonLoadError) as exc:
        raise JsonLoadError(str(exc)) from exc


def shorten(text: str, limit: int = MAX_MESSAGE) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def iter_refs(node: Any, pointer: str = "") -> Iterator[tuple[str, str]]:
    """Yield (json pointer of the $ref, $ref value) for every $ref in schema positions."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield pointer or "/", ref
        for key, value in node.items():
            if key in DATA_KEYWORDS:
                continue
            esc = key.replace("~", "~0").replace("/", "~1")
            yield from iter_refs(value, f"{pointer}/{esc}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from iter_refs(value, f"{pointer}/{i}")


def has_nested_id(node: Any, top: bool = True) -> bool:
    if isinstance(node, dict):
        if not top and isinstance(node.get("$id"), str):
            return True
        return any(
            has_nested_id(v, False) for k, v in node.items() if k not in DATA_KEYWORDS
        )
    if isinstance(node, list):
        return any(has_nested_id(v, False) for v in node)
    return False


def resolve_local(doc: Any, fragment: str) -> bool:
    """Resolve a '#/a/b' JSON-pointer fragment against doc."""
    from urllib.parse import unquote

    pointer = unquote(fragment)
    if pointer == "":
        return True
    if not pointer.startswith("/"):
        return False  # a plain-name anchor; not checked here
    node = doc
    for raw in pointer[1:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False
    return True


def closest_branch(err: Any) -> tuple[Any, list[Any]]:
    """For an anyOf/oneOf failure, the branch that most likely was meant.

    Branches whose discriminator ("const"/"enum" at the top of the instance)
    failed rank last; then deeper errors (the instance got further) and fewer
    errors rank first.
    """
    base = len(err.absolute_path)
    branches: dict[Any, list[Any]] = {}
    for sub in err.context:
        key = sub.relative_schema_path[0] if sub.relative_schema_path else "?"
        branches.setdefault(key, []).append(sub)

    def rank(item: tuple[Any, list[Any]]) -> tuple[bool, int, int]:
        _, errs = item
        tag_mismatch = any(
            # a discriminator property (or the value itself) has the wrong constant
            (e.validator in ("const", "enum") and len(e.absolute_path) - base <= 1)
            # or the value is the wrong kind of JSON value for this branch
            or (e.validator == "type" and len(e.absolute_path) == base)
            for e in errs
        )
        depth = max(len(e.absolute_path) - base for e in errs)
        return (tag_mismatch, -depth, len(errs))

    branch, errs = min(branches.items(), key=rank)
    return branch, sorted(errs, key=lambda e: (list(map(str, e.absolute_path)), e.message))


def pick_validator(schema: Any) -> Any:
    """The validator class of the schema's declared draft; 2020-12 by default."""
    with warnings.catch_warnings():
        # An unknown "$schema" warns and falls back to the default; it is
        # reported as a failure by check_schema_file instead.
        warnings.simplefilter("ignore", DeprecationWarning)
        return validator_for(schema, default=Draft202012Validator)


def check_schema_file(path: Path, schema: Any) -> list[str]:
    """Return a list of problems with one schema document."""
    problems: list[str] = []
    if not isinstance(schema, (dict, bool)):
        return [f"a schema must be an object or a boolean, not {type(schema).__name__}"]
    cls = pick_validator(schema)
    if isinstance(schema, dict):
        declared = schema.get("$schema")
        if declared is None:
            print(f"note: {path}: no \"$schema\"; checked as draft 2020-12")
        else:
            meta_id = str(cls.META_SCHEMA.get("$id", cls.META_SCHEMA.get("id", "")))
            if str(declared).rstrip("#") != meta_id.rstrip("#"):
                problems.append(f"unknown metaschema in \"$schema\": {declared!r}")
                return problems
    try:
        cls.check_schema(schema)
    except SchemaError as exc:
        err = best_match([exc]) if exc.context else exc
        problems.append(
            f"not a valid schema under {cls.__name__}: at {err.json_path}: {shorten(err.message)}"
        )
    if isinstance(schema, dict) and not has_nested_id(schema):
        for where, ref in iter_refs(schema):
            if ref.startswith("#") and not resolve_local(schema, ref[1:]):
                problems.append(f"dangling $ref {ref!r} at {where}")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) > 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = Path(argv[1]) if len(argv) == 2 else Path(__file__).resolve().parent.parent
    root = root.resolve()
    schema_dir = root / "schemas"
    fixture_dir = root / "tests" / "fixtures"

    print(f"py-schemas: jsonschema {jsonschema_version()}, Python {sys.version.split()[0]}, root {root}")
    if not schema_dir.is_dir():
        print(f"FAIL no schemas directory at {schema_dir}")
        print("py-schemas: 0 passed, 1 failed")
        return 1

    # --- (a) schemas are valid schemas -------------------------------------
    schemas: dict[str, Any] = {}  # schema id -> parsed schema (valid ones only)
    schema_ids: list[str] = []
    bad_schemas = 0
    for path in sorted(schema_dir.rglob("*.json")):
        if not path.is_file() or path == schema_dir / "index.json":
            continue
        sid = path.relative_to(schema_dir).with_suffix("").as_posix()
        schema_ids.append(sid)
        shown = rel(path, root)
        try:
            schema = load_json(path)
        except JsonLoadError as exc:
            print(f"FAIL schema {shown}: invalid JSON: {exc}")
            bad_schemas += 1
            continue
        problems = check_schema_file(path, schema)
        if problems:
            bad_schemas += 1
            for problem in problems:
                print(f"FAIL schema {shown}: {problem}")
        else:
            schemas[sid] = schema
    print(
        f"py-schemas: {len(schema_ids)} schema file(s) checked, "
        f"{len(schema_ids) - bad_schemas} valid, {bad_schemas} invalid"
    )

    # --- (a2) every file has an $id; references between files resolve offline ---------
    registry: Any = referencing.Registry()
    for sid, schema in schemas.items():
        uri = schema.get("$id") if isinstance(schema, dict) else None
        if not isinstance(uri, str):
            print(f"FAIL schema schemas/{sid}.json: no \"$id\"")
            bad_schemas += 1
            continue
        registry = registry.with_resource(uri, referencing.Resource.from_contents(schema, default_specification=DRAFT202012))
    registry = registry.crawl()
    unresolved = 0
    for sid, schema in schemas.items():
        uri = schema.get("$id") if isinstance(schema, dict) else None
        if not isinstance(uri, str):
            continue
        resolver = registry.resolver(base_uri=uri)
        for where, ref in iter_refs(schema):
            try:
                resolver.lookup(ref)
            except referencing.exceptions.Unresolvable as exc:
                print(f"FAIL schema schemas/{sid}.json: $ref {ref!r} at {where} does not resolve: {exc}")
                unresolved += 1
    bad_schemas += unresolved
    print(f"py-schemas: every file registered by its $id; {unresolved} unresolved reference(s)")

    # --- (b) fixtures validate ---------------------------------------------
    passed = 0
    failed_fixtures = 0
    used: set[str] = set()
    invalid_dir = fixture_dir / "invalid"
    fixtures = (
        sorted(
            p
            for p in fixture_dir.rglob("*.json")
            if p.is_file() and invalid_dir not in p.parents
        )
        if fixture_dir.is_dir()
        else []
    )
    validators: dict[str, Any] = {}
    for path in fixtures:
        shown = rel(path, root)
        sid = path.parent.relative_to(fixture_dir).as_posix()
        if sid == ".":
            print(f"FAIL fixture {shown}: not inside a <schema-id>/ directory")
            failed_fixtures += 1
            continue
        used.add(sid)
        schema_path = schema_dir / f"{sid}.json"
        if not schema_path.is_file():
            print(f"FAIL fixture {shown}: no schema {rel(schema_path, root)}")
            failed_fixtures += 1
            continue
        if sid not in schemas:
            print(f"FAIL fixture {shown}: schema {rel(schema_path, root)} is invalid (see above)")
            failed_fixtures += 1
            continue
        try:
            instance = load_json(path)
        except JsonLoadError as exc:
            print(f"FAIL fixture {shown}: invalid JSON: {exc}")
            failed_fixtures += 1
            continue
        if sid not in validators:
            schema = schemas[sid]
            cls = pick_validator(schema)
            # No format_checker: "format" is an annotation only.
            validators[sid] = cls(schema, registry=registry)
        try:
            errors = sorted(
                validators[sid].iter_errors(instance),
                key=lambda e: (list(map(str, e.absolute_path)), e.message),
            )
        except Exception as exc:  # e.g. an unresolvable remote $ref
            print(f"FAIL fixture {shown}: validation crashed: {type(exc).__name__}: {shorten(str(exc))}")
            failed_fixtures += 1
            continue
        if not errors:
            passed += 1
            continue
        failed_fixtures += 1
        print(f"FAIL fixture {shown} against {rel(schema_path, root)}: {len(errors)} error(s)")
        for err in errors[:MAX_ERRORS_PER_FIXTURE]:
            print(f"  {shown}: {err.json_path}: {shorten(err.message)}")
            if err.context:
                branch, branch_errors = closest_branch(err)
                print(f"    closest branch {err.validator}/{branch}:")
                for sub in branch_errors[:MAX_BRANCH_ERRORS]:
                    print(f"      {sub.json_path}: {shorten(sub.message)}")
                if len(branch_errors) > MAX_BRANCH_ERRORS:
                    print(f"      ... {len(branch_errors) - MAX_BRANCH_ERRORS} more")
        if len(errors) > MAX_ERRORS_PER_FIXTURE:
            print(f"  ... {len(errors) - MAX_ERRORS_PER_FIXTURE} more")

    # --- (c) the negative corpus is rejected, with its error ---------------
    rejected, wrongly_accepted = check_invalid(root, fixture_dir, schemas, registry, validators)

    # --- (d) information: schemas without fixtures -------------------------
    untested = [sid for sid in schema_ids if sid not in used]
    print(f"py-schemas: {len(fixtures)} fixture(s) checked")
    print(f"py-schemas: {len(untested)} of {len(schema_ids)} schema(s) have no fixture")
    verbose = os.environ.get("SCHEMA_CHECK_VERBOSE") == "1"
    for sid in untested if verbose else []:
        print(f"  no fixture: schemas/{sid}.json")

    failed = failed_fixtures + bad_schemas + wrongly_accepted
    passed += rejected
    print(f"py-schemas: {passed} passed, {failed} failed")
    return 1 if failed else 0


def check_invalid(
    root: Path,
    fixture_dir: Path,
    schemas: dict[str, Any],
    registry: Any,
    validators: dict[str, Any],
) -> tuple[int, int]:
    """Every tests/fixtures/invalid/<schema-id>/<name>.json must be rejected by
    schemas/<schema-id>.json with an error at the JSON pointer its
    <name>.expect.json names ("schema_at"). Returns (rejected as expected, failures)."""
    invalid_dir = fixture_dir / "invalid"
    ok = 0
    bad = 0
    documents = sorted(
        p
        for p in invalid_dir.rglob("*.json")
        if p.is_file() and not p.name.endswith(".expect.json")
    ) if invalid_dir.is_dir() else []
    for path in documents:
        shown = rel(path, root)
        sid = path.parent.relative_to(invalid_dir).as_posix()
        expect_path = path.with_name(path.name[: -len(".json")] + ".expect.json")
        try:
            expect = load_json(expect_path)
            instance = load_json(path)
        except JsonLoadError as exc:
            print(f"FAIL invalid {shown}: {exc}")
            bad += 1
            continue
        if sid not in schemas:
            print(f"FAIL invalid {shown}: no valid schema schemas/{sid}.json")
            bad += 1
            continue
        if sid not in validators:
            schema = schemas[sid]
            validators[sid] = pick_validator(schema)(schema, registry=registry)
        at = sorted(
            {p for e in validators[sid].iter_errors(instance) for p in error_pointers(e, instance)}
        )
        if not at:
            print(f"FAIL invalid {shown}: accepted by schemas/{sid}.json ({expect.get('rule')})")
            bad += 1
        elif expect.get("schema_at") not in at:
            print(f"FAIL invalid {shown}: errors at {at}, none at {expect.get('schema_at')!r}")
            bad += 1
        else:
            ok += 1
    print(f"py-schemas: {len(documents)} invalid document(s) checked, {ok} rejected as expected")
    return ok, bad


def jsonschema_version() -> str:
    try:
        from importlib.metadata import version

        return version("jsonschema")
    except Exception:  # pragma: no cover
        return getattr(jsonschema, "__version__", "?")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
