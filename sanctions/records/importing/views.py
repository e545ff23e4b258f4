"""File imports on the desk: upload a CSV or XLSX file, follow its progress, download its errors."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from registry.models import Agency
from sanctions.desk.views import desk_view, render_desk
from sanctions.models import ImportBatch
from sanctions.permissions import restrict_to_staff
from sanctions.records.importing.run import import_error_report, import_errors, import_start
from sanctions.records.personal_data import import_personal_data

MAX_UPLOAD_BYTES = 200 * 1024 * 1024


class ImportForm(forms.Form):
    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label=gettext_lazy("Agency"))
    file = forms.FileField(
        label=gettext_lazy("File (CSV or XLSX)"),
        help_text=gettext_lazy(
            "National field codes (CF_* penalties, XK_* licences) or the Chinese column "
            "names in the first row; UTF-8 or GB18030."
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
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("A file can have at most %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
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
            messages.success(request, _("The file is being imported."))
            return redirect("sanctions:import", pk=batch.pk)
    return render_desk(
        request,
        "sanctions/import_list.html",
        {
            "form": form,
            "batches": _batches_for(request)[:50],
        },
        status=400 if form is not None and form.errors else 200,
    )


@desk_view
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One import: its progress (the page refreshes itself until it is done) and its first errors."""
    batch = _batches_for(request).filter(pk=pk).first()
    if batch is None:
        raise Http404
    return render_desk(
        request,
        "sanctions/import_detail.html",
        {
            "batch": batch,
            "errors": import_errors(batch, limit=100),
            "running": batch.status in ("pending", "validating", "importing"),
            "personal_data": import_personal_data(batch, limit=100),
        },
    )


@desk_view
def import_errors_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """Every bad row as CSV (row, column, value, reason), for a spreadsheet."""
    batch = _batches_for(request).filter(pk=pk).first()
    if batch is None:
        raise Http404
    response = HttpResponse(import_error_report(batch), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-errors.csv"'
    return response
