"""Check a downloaded open data export: the manifest's signature, and every file's bytes, SHA-256 and rows.

    python -m lookup.opendata.verify DIR --jwks https://<registry>/.well-known/credit-registry-keys.json

``DIR`` holds ``manifest.json``, ``manifest.json.sig`` and the files the manifest names (those
downloaded: ``--only-present`` skips the others). ``--jwks`` is the registry's published key set (an
address or a saved file): take it from the registry itself, never from the export's folder. Exit status
0 when everything checks, 1 with one line per problem otherwise.

This module needs only the Python standard library and ``cryptography``, and imports nothing of the
registry's, so it can be copied and run on its own.
"""

from __future__ import annotations

import argparse
import base64
import csv
import gzip
import hashlib
import io
import json
import sys
import urllib.request
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.sig"


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_jwks(source: str) -> dict[str, Any]:
    """The key set from an http(s) address or a file."""
    if source.startswith(("https://", "http://")):
        with urllib.request.urlopen(source, timeout=30) as response:  # noqa: S310 - http(s) only
            return json.load(response)
    return json.loads(Path(source).read_text())


def check_signature(manifest: bytes, signature: dict[str, Any], jwks: dict[str, Any]) -> str | None:
    """None if ``signature`` is a genuine Ed25519 signature of ``manifest`` by a key of ``jwks``."""
    kid = signature.get("kid")
    keys = [k for k in jwks.get("keys", []) if k.get("kid") == kid]
    if not keys:
        return f"the signature's key {kid!r} is not in the key set"
    key = keys[0]
    if key.get("kty") != "OKP" or key.get("crv") != "Ed25519" or signature.get("alg") != "EdDSA":
        return f"key {kid!r} is not an Ed25519 key"
    try:
        public = Ed25519PublicKey.from_public_bytes(_b64decode(key["x"]))
        public.verify(_b64decode(signature["signature"]), manifest)
    except (InvalidSignature, ValueError, KeyError, TypeError):
        return f"{MANIFEST} does not match its signature (key {kid!r}): it was altered, or not signed by it"
    return None


def count_rows(path: Path, file_format: str) -> int:
    """Rows of a compressed file: CSV records after the header, JSON lines (each must parse), lines."""
    with gzip.open(path, "rb") as raw:
        if file_format == "csv":
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            return max(sum(1 for _ in csv.reader(text)) - 1, 0)
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
        rows = 0
        for line in text:
            if file_format == "jsonl":
                json.loads(line)
            rows += 1
        return rows


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def verify_export(folder: Path, jwks: dict[str, Any], *, only_present: bool = False) -> list[str]:
    """Every problem found (empty: the export is genuine and complete)."""
    folder = Path(folder)
    try:
        body = (folder / MANIFEST).read_bytes()
        signature = json.loads((folder / SIGNATURE).read_text())
    except (OSError, ValueError) as exc:
        return [f"cannot read {MANIFEST} and {SIGNATURE}: {exc}"]
    problem = check_signature(body, signature, jwks)
    if problem:
        return [problem]
    problems = []
    manifest = json.loads(body)
    root = folder.resolve()
    for entry in manifest.get("files", []):
        path = (folder / entry["path"]).resolve()
        if root not in path.parents:
            problems.append(f"{entry['path']}: outside the export's folder")
            continue
        if not path.is_file():
            if not only_present:
                problems.append(f"{entry['path']}: missing")
            continue
        size = path.stat().st_size
        if size != entry["bytes"]:
            problems.append(f"{entry['path']}: {size} bytes, the manifest says {entry['bytes']}")
            continue
        if _digest(path) != entry["sha256"]:
            problems.append(f"{entry['path']}: SHA-256 differs from the manifest's")
            continue
        try:
            rows = count_rows(path, entry["format"])
        except (OSError, EOFError, ValueError) as exc:
            problems.append(f"{entry['path']}: unreadable ({exc})")
            continue
        if rows != entry["rows"]:
            problems.append(f"{entry['path']}: {rows} rows, the manifest says {entry['rows']}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lookup.opendata.verify",
        description="Check an open data export of the credit registry.",
    )
    parser.add_argument("folder", type=Path, help="the export's folder (manifest.json and the files)")
    parser.add_argument(
        "--jwks",
        required=True,
        help="the registry's key set: https://<registry>/.well-known/credit-registry-keys.json or a saved copy",
    )
    parser.add_argument(
        "--only-present", action="store_true", help="check the files downloaded, not the missing ones"
    )
    args = parser.parse_args(argv)
    try:
        jwks = load_jwks(args.jwks)
    except (OSError, ValueError) as exc:
        print(f"cannot read the key set {args.jwks}: {exc}", file=sys.stderr)
        return 2
    problems = verify_export(args.folder, jwks, only_present=args.only_present)
    if problems:
        for problem in problems:
            print(f"FAILED {problem}", file=sys.stderr)
        return 1
    manifest = json.loads((args.folder / MANIFEST).read_bytes())
    signature = json.loads((args.folder / SIGNATURE).read_text())
    checked = sum(1 for e in manifest["files"] if (args.folder / e["path"]).is_file())
    print(
        f"OK: {MANIFEST} of {manifest['date']} signed by key {signature['kid']}; "
        f"{checked} files match their bytes, SHA-256 and rows"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
