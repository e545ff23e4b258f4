"""A file of records uploaded by an agency (``ImportBatch``) and what was wrong in its cells."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.models import Agency
from sanctions.choices import ImportStatus


class ImportBatch(models.Model):
    """A file of records uploaded by an agency, processed in chunks by a background task."""

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="imports", verbose_name=_("agency")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("checksum"), max_length=64)
    submit = models.BooleanField(_("submit for review"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    created_count = models.PositiveIntegerField(_("records created"), default=0)
    unchanged_count = models.PositiveIntegerField(_("already present"), default=0)
    error_count = models.PositiveIntegerField(_("rows with errors"), default=0)
    # Errors beyond the stored ones (RECORD_IMPORT_MAX_STORED_ERRORS): counted, not kept.
    errors_not_stored = models.PositiveIntegerField(_("errors not stored"), default=0)
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    # Written by the run at every chunk and while it works: a batch whose heartbeat is older than
    # a few minutes has no live worker, and the sweeper queues it again (sanctions/tasks.py).
    heartbeat_at = models.DateTimeField(_("last sign of work"), null=True, blank=True)
    # How many times the import was queued: the first run, the sweeper's and the clerk's resumes.
    runs = models.PositiveIntegerField(_("runs"), default=0)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("record import")
        verbose_name_plural = _("record imports")

    def __str__(self) -> str:
        return self.original_name

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == ImportStatus.DONE else 0
        return int(100 * self.processed_rows / self.total_rows)


class ImportRowError(models.Model):
    """One thing wrong in one cell of an imported file: row and column as the file has them, the value
    as written, and why. A table rather than a list on the import: each chunk appends its own, so a
    file of a million bad rows costs no more per chunk than one of ten."""

    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="row_errors", verbose_name=_("import")
    )
    row = models.PositiveIntegerField(_("row"))
    column = models.TextField(_("column"))
    value = models.TextField(_("value"), blank=True)
    reason = models.TextField(_("reason"))

    class Meta:
        ordering = ["batch", "id"]
        verbose_name = _("import error")
        verbose_name_plural = _("import errors")

    def __str__(self) -> str:
        return f"{self.row} · {self.column}"
