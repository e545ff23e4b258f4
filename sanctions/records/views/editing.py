"""The record form: new (draft or submitted), edit a draft, correct a published record."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from sanctions.choices import RecordKind, RecordStatus
from sanctions.desk.views import desk_view, render_desk
from sanctions.models import CreditRecord
from sanctions.records.forms import RecordForm, agency_initial, record_initial
from sanctions.records.selectors import record_get_for_staff
from sanctions.records.services import (
    DuplicateRecord,
    record_correct,
    record_create,
    record_submit,
    record_update,
)


def _form_page(
    request: HttpRequest,
    form: RecordForm,
    *,
    mode: str,
    record: CreditRecord | None = None,
    status: int = 200,
) -> HttpResponse:
    form.link_descriptions()
    agency_codes = {str(a.pk): {"name": a.name, "uscc": a.uscc} for a in form.agencies}
    return render_desk(
        request,
        "sanctions/record_form.html",
        {
            "form": form,
            "mode": mode,
            "record": record,
            "kind": form.kind,
            "kind_label": RecordKind(form.kind).label,
            "agency_codes": agency_codes,
        },
        status=status,
    )


def _service_call(form: RecordForm, call) -> CreditRecord | None:
    """Run a service with the form's data; on refusal, put its messages on the form."""
    try:
        return call()
    except DuplicateRecord as exc:
        form.duplicate = exc.existing
        form.add_service_error(exc)
    except ValidationError as exc:
        form.add_service_error(exc)
    return None


@desk_view
def record_new(request: HttpRequest, kind: str) -> HttpResponse:
    """A new record of one kind, saved as a draft or submitted at once."""
    if kind not in RecordKind.values:
        raise Http404
    agencies = request.desk.edit_agencies
    if not agencies:
        raise PermissionDenied(_("Only a clerk can record decisions: you are not a clerk of any agency."))
    if request.method != "POST":
        initial = {
            "party_category": "legal_person",
            "usage_scope": "public",
            "severity": "general",
            "licence_status": "valid" if kind == RecordKind.LICENCE else "",
            **agency_initial(agencies[0]),
        }
        return _form_page(request, RecordForm(kind=kind, agencies=agencies, initial=initial), mode="new")
    form = RecordForm(request.POST, kind=kind, agencies=agencies)
    if form.is_valid():
        submit = request.POST.get("action") == "submit"
        result = _service_call(
            form,
            lambda: record_create(
                actor=request.user,
                agency=form.chosen_agency,
                kind=kind,
                data=form.record_data(),
                submit=submit,
            ),
        )
        if result is not None:
            record, _created = result
            messages.success(request, _("Submitted for review.") if submit else _("Saved as a draft."))
            return redirect("sanctions:record", pk=record.pk)
    return _form_page(request, form, mode="new", status=400)


@desk_view
def record_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a draft (also a record the reviewer sent back)."""
    record = record_get_for_staff(user=request.user, pk=pk)
    if not request.desk.can_edit(record.agency_id):
        raise PermissionDenied(_("Only a clerk of %(agency)s may do this.") % {"agency": record.agency.name})
    if record.status != RecordStatus.DRAFT:
        messages.error(request, _("Only a draft can be edited; correct a published record instead."))
        return redirect("sanctions:record", pk=record.pk)
    if request.method != "POST":
        return _form_page(
            request, RecordForm(kind=record.kind, initial=record_initial(record)), mode="edit", record=record
        )
    form = RecordForm(request.POST, kind=record.kind)
    if form.is_valid():
        submit = request.POST.get("action") == "submit"

        def save() -> CreditRecord:
            updated = record_update(actor=request.user, record=record, data=form.record_data())
            return record_submit(actor=request.user, record=updated) if submit else updated

        updated = _service_call(form, save)
        if updated is not None:
            messages.success(request, _("Submitted for review.") if submit else _("Draft saved."))
            return redirect("sanctions:record", pk=record.pk)
    return _form_page(request, form, mode="edit", record=record, status=400)


@desk_view
def record_correct_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a published record: a new version, reviewed before it replaces the one in force."""
    record = record_get_for_staff(user=request.user, pk=pk)
    if not (request.desk.can_edit(record.agency_id) or request.desk.can_review(record.agency_id)):
        raise PermissionDenied(
            _("Only a clerk or reviewer of %(agency)s may do this.") % {"agency": record.agency.name}
        )
    if record.status != RecordStatus.PUBLISHED:
        messages.error(request, _("Only a published record can be corrected."))
        return redirect("sanctions:record", pk=record.pk)
    if request.method != "POST":
        return _form_page(
            request,
            RecordForm(kind=record.kind, initial=record_initial(record), correcting=True),
            mode="correct",
            record=record,
        )
    form = RecordForm(request.POST, kind=record.kind, correcting=True)
    if form.is_valid():
        new = _service_call(
            form,
            lambda: record_correct(
                actor=request.user,
                record=record,
                data=form.record_data(),
                reason=form.cleaned_data.get("reason", ""),
            ),
        )
        if new is not None:
            messages.success(
                request,
                _(
                    "Correction submitted as version %(version)d: the published version "
                    "stays public until a reviewer approves it."
                )
                % {"version": new.version},
            )
            return redirect("sanctions:record", pk=new.pk)
    return _form_page(request, form, mode="correct", record=record, status=400)
