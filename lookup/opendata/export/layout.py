"""The layout of an export: its folder, file names and format, where exports are kept, and the
failure every step raises (``OpenDataExportFailed``)."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

FORMAT = "credit-registry-open-data/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.sig"
JWKS_PATH = "/.well-known/credit-registry-keys.json"
DATE_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class OpenDataExportFailed(Exception):
    """The export could not be written; the previous one is unchanged."""


def export_root(out: str | Path | None = None) -> Path:
    return Path(out) if out else Path(settings.OPEN_DATA_ROOT)


def export_folders(root: Path) -> list[Path]:
    """Published exports (dated folders with a manifest), oldest first."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if DATE_FOLDER.match(p.name) and (p / MANIFEST).is_file())
