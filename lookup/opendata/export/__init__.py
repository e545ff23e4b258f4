"""Write, sign and publish one day's open data export (``open_data_export``), and prune old ones.

An export is a folder ``<OPEN_DATA_ROOT>/<YYYY-MM-DD>/``:

- ``<dataset>.csv.gz`` and ``<dataset>.jsonl.gz`` for every dataset (``datasets.DATASETS``): CSV in
  UTF-8 with a byte order mark, every text cell made inert for spreadsheets (``registry.csv_safety``);
- ``delta/<dataset>.csv.gz`` and ``.jsonl.gz``: what was added, changed or removed since the previous
  export (a removal carries the identifiers only), when there is a previous export;
- ``hashes/<dataset>.tsv.gz``: each row's key, a digest of its values and its identifiers (a JSON
  array), sorted by key: the next export's delta is a merge of this file with its own rows, never a table in memory;
- ``manifest.json`` (every file's rows, bytes and SHA-256, the generation and as-of times) and
  ``manifest.json.sig``, a detached Ed25519 signature of it by the registry's signing key set
  (``lookup.signing``), verifiable with the published JWKS (``python -m lookup.opendata.verify``).

All of it is read in one REPEATABLE READ transaction (one snapshot: the files agree with each other),
through server-side cursors, and written through gzip as it is read: memory does not grow with the
registry. The folder is written under a temporary name and renamed when complete, so a failed run
leaves the previous export as it was; a rerun for the same day replaces it.

- ``layout``: the folder, file names and format of an export, ``export_root``, ``export_folders``,
  ``OpenDataExportFailed``;
- ``outputs``: files written through gzip by one compressing thread, counted and hashed as they go;
- ``formats``: CSV cells, JSON lines, the row digest, a CSV and a JSON Lines file of the same rows;
- ``dataset_files``: one dataset's full, delta and hashes files; the statistics' files;
- ``publish``: ``open_data_export`` (snapshot, signed manifest, publication, pruning, audit),
  ``parse_date``.
"""

from .dataset_files import OPS
from .formats import csv_cell, csv_cells, row_digest
from .layout import (
    DATE_FOLDER,
    FORMAT,
    JWKS_PATH,
    MANIFEST,
    SIGNATURE,
    OpenDataExportFailed,
    export_folders,
    export_root,
)
from .publish import ExportResult, open_data_export, parse_date

__all__ = [
    "DATE_FOLDER",
    "FORMAT",
    "JWKS_PATH",
    "MANIFEST",
    "OPS",
    "SIGNATURE",
    "ExportResult",
    "OpenDataExportFailed",
    "csv_cell",
    "csv_cells",
    "export_folders",
    "export_root",
    "open_data_export",
    "parse_date",
    "row_digest",
]
