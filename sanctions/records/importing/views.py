"""File imports on the desk: upload a CSV or XLSX file, follow its progress, download its errors."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from registry.importing import RowError
from registry.models import Agency
from sanctions.choices import ImportStatus, RecordKind
from sanctions.desk.views import desk_view, render_desk
from sanctions.models import ImportBatch
from sanctions.permissions import restrict_to_staff
from sanctions.records.importing.blanks import STYLES, blank_content, blank_for, blanks
from sanctions.records.importing.files import IMPORTABLE_KINDS, accepted_columns
from sanctions.records.importing.recovery import (
    can_cancel,
    can_resume,
    import_cancel,
    import_resume,
    stalled_since,
)
from sanctions.records.importing.run import (
    RUNNING,
    errors_not_stored_note,
    grouped,
    import_error_report,
    import_errors,
    import_start,
)
from sanctions.records.personal_data import import_personal_data


class ImportForm(forms.Form):
    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label=gettext_lazy("Agency"))
    file = forms.FileField(
        label=gettext_lazy("File (CSV or XLSX)"),
        help_text=gettext_lazy(
            "The first row holds the headers: national field codes (CF_* penalties, XK_* licences), "
            "their Chinese names or the desk form's labels, as listed below; UTF-8 or GB18030."
        ),
    )
    submit = forms.BooleanField(
        required=False,
        label=gettext_lazy("Submit the valid rows for review at once (otherwise: drafts)"),
    )

    def __init__(self, *args, agencies: list[Agency], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(pk__in=[a.pk for a in agencies])
        if len(agencies) == 1:
            self.fields["agency"].initial = agencies[0]
            self.fields["agency"].widget = forms.HiddenInput()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.RECORD_IMPORT_MAX_BYTES:
            raise ValidationError(
                _("A file can have at most %(size)s.")
                % {"size": filesizeformat(settings.RECORD_IMPORT_MAX_BYTES)}
            )
        return upload


def _batches_for(request: HttpRequest):
    return restrict_to_staff(ImportBatch.objects.select_related("agency", "uploaded_by"), request.user)


@desk_view
@require_http_methods(["GET", "POST"])
def import_list(request: HttpRequest) -> HttpResponse:
    """The agency's imports, newest first, and the upload form for its clerks."""
    editable = request.desk.edit_agencies
    form = ImportForm(request.POST or None, request.FILES or None, agencies=editable) if editable else None
    if request.method == "POST" and form is not None and form.is_valid():
        started = timezone.now()
        try:
            batch = import_start(
                actor=request.user,
                agency=form.cleaned_data["agency"],
                uploaded_file=form.cleaned_data["file"],
                original_name=form.cleaned_data["file"].name,
                submit=form.cleaned_data["submit"],
            )
        except ValidationError as exc:
            for field, errors in getattr(exc, "message_dict", {"file": exc.messages}).items():
                form.add_error(field if field in form.fields else "file", errors)
        else:
            _tell_started(request, batch, started)
            return redirect("sanctions:import", pk=batch.pk)
    return render_desk(
        request,
        "sanctions/import_list.html",
        {
            "form": form,
            "batches": _batches_for(request)[:50],
            "columns": [(RecordKind(kind).label, accepted_columns(kind)) for kind in IMPORTABLE_KINDS],
            "blanks": _blank_links(),
        },
        status=400 if form is not None and form.errors else 200,
    )


def _tell_started(request: HttpRequest, batch: ImportBatch, started) -> None:
    """What became of the upload, as it is now: without a worker the import has run already."""
    batch.refresh_from_db()
    if batch.created_at < started:
        messages.warning(
            request,
            _("This file was imported before (import #%(id)d): nothing changed.") % {"id": batch.pk},
        )
    elif batch.status in (ImportStatus.FAILED, ImportStatus.CANCELLED):
        messages.error(request, _("The file was not imported: %(reason)s") % {"reason": batch.message})
    elif batch.status == ImportStatus.DONE and batch.error_count:
        messages.warning(
            request,
            ngettext(
                "The file is imported, except %(count)d row with errors: see the list below.",
                "The file is imported, except %(count)d rows with errors: see the list below.",
                batch.error_count,
            )
            % {"count": batch.error_count},
        )
    elif batch.status == ImportStatus.DONE:
        messages.success(request, _("The file is imported."))
    else:
        messages.info(request, _("The file is being imported."))


def _blank_links() -> list[tuple[Any, list[tuple[Any, list]]]]:
    """The blank files by kind, then by header style: [(kind label, [(style label, [Blank…])…])…]."""
    found = blanks()
    return [
        (
            RecordKind(kind).label,
            [
                (label, [b for b in found if b.kind == kind and b.style == style])
                for style, label in STYLES.items()
            ],
        )
        for kind in IMPORTABLE_KINDS
    ]


def _with_record_links(error: RowError) -> RowError:
    """The error with the desk records its reason names (a row that differs from one) as links."""
    if "/" not in error.reason:
        return error
    pattern = re.compile(
        re.escape(reverse("sanctions:record", args=[999999999])).replace("999999999", r"\d+")
    )
    reason = pattern.sub(
        lambda m: format_html('<a href="{}">{}</a>', m.group(), m.group()), escape(error.reason)
    )
    return replace(error, reason=mark_safe(reason))  # noqa: S308 - escaped above, the links built by format_html


@desk_view
def import_template(request: HttpRequest, kind: str, style: str, fmt: str) -> HttpResponse:
    """A blank file to fill in: penalties or licences, national codes or Chinese names, CSV or XLSX."""
    blank = blank_for(kind, style, fmt)
    if blank is None:
        raise Http404
    response = HttpResponse(blank_content(blank), content_type=blank.content_type)
    response["Content-Disposition"] = f'attachment; filename="{blank.filename}"'
    return response


def _batch_or_404(request: HttpRequest, pk: int) -> ImportBatch:
    batch = _batches_for(request).filter(pk=pk).first()
    if batch is None:
        raise Http404
    return batch


@desk_view
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One import: its progress (the page refreshes itself until it is done), its last activity, its
    first errors, and for its clerks the buttons that cancel or resume it."""
    batch = _batch_or_404(request, pk)
    editable = request.desk.can_edit(batch.agency_id)
    return render_desk(
        request,
        "sanctions/import_detail.html",
        {
            "batch": batch,
            "errors": [_with_record_links(error) for error in import_errors(batch, limit=100)],
            "errors_not_stored": errors_not_stored_note(batch),
            "running": batch.status in RUNNING,
            "stalled_since": stalled_since(batch),
            "personal_data": import_personal_data(batch, limit=100),
            "failed": batch.status == ImportStatus.FAILED,
            "cancelled": batch.status == ImportStatus.CANCELLED,
            "can_cancel": editable and can_cancel(batch),
            "can_resume": editable and can_resume(batch),
        },
    )


def _clerk_action(request: HttpRequest, pk: int, service, said) -> HttpResponse:
    """Run a clerk's service on the import (cancel, resume) and say what it did, or why not."""
    batch = _batch_or_404(request, pk)
    try:
        batch = service(actor=request.user, batch=batch)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, said(batch))
    return redirect("sanctions:import", pk=batch.pk)


@desk_view
@require_POST
def import_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Stop an import at its next chunk (a clerk of its agency); what it imported stays."""
    return _clerk_action(request, pk, import_cancel, lambda batch: batch.message)


@desk_view
@require_POST
def import_resume_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Continue a failed or cancelled import after its last committed chunk (a clerk of its agency)."""
    return _clerk_action(
        request,
        pk,
        import_resume,
        lambda batch: (
            _("The import continues after row %(rows)s of %(total)s.")
            % {"rows": grouped(batch.processed_rows), "total": grouped(batch.total_rows)}
        ),
    )


@desk_view
def import_errors_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """Every bad row as CSV (row, column, value, reason), for a spreadsheet."""
    batch = _batch_or_404(request, pk)
    response = HttpResponse(import_error_report(batch), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-errors.csv"'
    return response
