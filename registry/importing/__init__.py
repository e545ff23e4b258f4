"""Bulk import of enterprises from registration files (CSV or XLSX, Chinese or English headers).

Every row is cleaned with the same rules as a single registration (``registry.validation``)
before anything is written; the good rows are then upserted by USCC in one transaction, with one
audit entry per enterprise created or changed. Cleaned rows wait in a temporary table, so memory
stays bounded whatever the size of the file, and the upsert is done by set-based SQL.

- ``reading``: CSV and XLSX files, and their header row;
- ``validation``: the rows cleaned into the staging table (``staging``);
- ``upsert``: the good rows written;
- ``report``: what an import did (also the record import's report);
- ``run``: ``enterprise_import``, the service.
"""

from .report import ImportReport, ProgressCallback, RowError
from .run import enterprise_import

__all__ = ["ImportReport", "ProgressCallback", "RowError", "enterprise_import"]
