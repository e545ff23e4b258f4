"""Reads of the published exports, for the download page and the file downloads."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .export import MANIFEST, SIGNATURE, export_folders, export_root

CONTENT_TYPES = {
    ".csv.gz": "application/gzip",
    ".jsonl.gz": "application/gzip",
    ".tsv.gz": "application/gzip",
    MANIFEST: "application/json",
    SIGNATURE: "application/json",
}


@dataclass(frozen=True)
class PublishedExport:
    """A published export as the download page shows it."""

    date: str
    folder: Path
    manifest: dict[str, Any]
    signature: dict[str, Any]

    def files(self, kind: str) -> list[dict[str, Any]]:
        return [f for f in self.manifest["files"] if f["kind"] == kind]


def export_dates() -> list[str]:
    """The days with a published export, newest first."""
    return [folder.name for folder in reversed(export_folders(export_root()))]


def export_get(date: str | None = None) -> PublishedExport | None:
    """The export of that day (default: the latest), or None."""
    folders = export_folders(export_root())
    if date is not None:
        folders = [f for f in folders if f.name == date]
    if not folders:
        return None
    folder = folders[-1]
    try:
        manifest = json.loads((folder / MANIFEST).read_bytes())
        signature = json.loads((folder / SIGNATURE).read_text())
    except (OSError, ValueError):
        return None  # removed by the retention while being read
    return PublishedExport(folder.name, folder, manifest, signature)


def export_file(date: str, name: str) -> tuple[Path, str] | None:
    """(path, content type) of a file of a published export: its manifest, signature or a file the
    manifest names; None for anything else (no path of the server is reachable from a name)."""
    published = export_get(date)
    if published is None:
        return None
    listed = {f["path"] for f in published.manifest["files"]} | {MANIFEST, SIGNATURE}
    if name not in listed:
        return None
    path = published.folder / name
    if not path.is_file():
        return None
    content_type = next((t for suffix, t in CONTENT_TYPES.items() if name.endswith(suffix)), None)
    return path, content_type or "application/octet-stream"
