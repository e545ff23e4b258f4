"""The record list, the review queue, one record's page and the actions taken on it."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sanctions.choices import RecordStatus
from sanctions.desk.forms import CommentForm, ReasonForm
from sanctions.desk.views import Desk, desk_view, paginate, render_desk
from sanctions.models import CreditRecord
from sanctions.records.filters import RecordFilter, penalty_category_choices
from sanctions.records.forms import FIELDSETS, all_fields
from sanctions.records.personal_data import personal_data_warnings
from sanctions.records.selectors import (
    is_overdue,
    record_get_for_staff,
    record_history,
    record_versions,
    records_for_staff,
    review_queue,
    with_overdue,
)
from sanctions.records.services import record_publish, record_revoke, record_send_back, record_submit

ACTION_LABELS = {
    "create": gettext_lazy("Created"),
    "edit": gettext_lazy("Edited"),
    "submit": gettext_lazy("Submitted for review"),
    "send_back": gettext_lazy("Sent back to the clerk"),
    "publish": gettext_lazy("Published"),
    "correct": gettext_lazy("Correction submitted"),
    "superseded": gettext_lazy("Replaced by a correction"),
    "revoke": gettext_lazy("Revoked"),
    "expire": gettext_lazy("Publicity ended"),
    "repair": gettext_lazy("Publicity ended by credit repair"),
}
# Events whose changes are {field: [before, after]}; the others carry plain values.
PAIR_ACTIONS = {"edit", "correct", "superseded"}


# -- lists ---------------------------------------------------------------------------------------------
@desk_view
def record_list(request: HttpRequest) -> HttpResponse:
    """The records of the viewer's agencies: versions in force and corrections waiting."""
    filterset = RecordFilter(
        request.GET,
        queryset=records_for_staff(user=request.user),
        request=request,
        agencies=request.desk.agencies,
    )
    page = paginate(request, with_overdue(filterset.qs))
    filters_used = any(v for k, v in request.GET.items() if k != "page")
    return render_desk(
        request,
        "sanctions/record_list.html",
        {"filterset": filterset, "page": page, "filters_used": filters_used},
    )


@desk_view
def review_list(request: HttpRequest) -> HttpResponse:
    """Submitted records waiting for this reviewer, oldest first (never the reviewer's own)."""
    if not request.desk.review_agencies:
        raise PermissionDenied(
            _("Only a reviewer sees the review queue: you are not a reviewer of any agency.")
        )
    page = paginate(request, with_overdue(review_queue(user=request.user)))
    return render_desk(request, "sanctions/review_list.html", {"page": page})


# -- one record ----------------------------------------------------------------------------------------
def _field_label(name: str) -> str:
    if name == "reason":
        return _("Reason")
    try:
        return capfirst(str(CreditRecord._meta.get_field(name.removesuffix("_id")).verbose_name))
    except FieldDoesNotExist:
        return name


def _show(name: str, value: Any, categories: dict[str, str]) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if name == "penalty_categories" and isinstance(value, list):
        return "、".join(categories.get(v, v) for v in value)
    try:
        model_field = CreditRecord._meta.get_field(name)
    except FieldDoesNotExist:
        return str(value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.DecimalField):
        try:
            return f"{Decimal(str(value)).normalize():f}"
        except InvalidOperation:
            return str(value)
    return str(value)


def record_sections(
    record: CreditRecord, categories: dict[str, str]
) -> list[tuple[Any, list[tuple[str, str]]]]:
    """All of a record's fields, grouped as on its form, with readable values (ID numbers included)."""
    labels = {name: f.label for name, f in all_fields().items()}
    return [
        (
            legend,
            [
                (labels[name], _show(name, getattr(record, name), categories))
                for name in names
                if name != "fine_confirmed" or record.fine_confirmed
            ],
        )
        for legend, names in FIELDSETS[record.kind]
    ]


def history_rows(events, categories: dict[str, str]) -> list[dict[str, Any]]:
    """The record's history as the desk shows it: who, when, what changed (before → after), why."""
    rows = []
    for event in events:
        pairs = event.action in PAIR_ACTIONS
        changes = []
        for name, value in (event.changes or {}).items():
            if pairs and isinstance(value, list) and len(value) == 2:
                before, after = value
            else:
                before, after = None, value
                if value in (None, "", [], False):
                    continue
            changes.append(
                {
                    "label": _field_label(name),
                    "before": _show(name, before, categories),
                    "after": _show(name, after, categories),
                    "pair": pairs,
                }
            )
        rows.append(
            {
                "event": event,
                "label": ACTION_LABELS.get(event.action, event.action),
                "changes": changes,
                "version": event.record.version,
            }
        )
    return rows


def _detail(
    request: HttpRequest,
    record: CreditRecord,
    *,
    comment_form: CommentForm | None = None,
    reason_form: ReasonForm | None = None,
    status: int = 200,
) -> HttpResponse:
    desk: Desk = request.desk
    versions = list(record_versions(record=record))
    categories = dict(penalty_category_choices())
    can_edit = desk.can_edit(record.agency_id)
    can_review = desk.can_review(record.agency_id)
    is_author = record.created_by_id == request.user.pk
    has_correction = any(v.previous_id == record.pk for v in versions)
    actions = {
        "edit": record.status == RecordStatus.DRAFT and can_edit,
        "review": record.status == RecordStatus.SUBMITTED and can_review and not is_author,
        "author_is_reviewer": record.status == RecordStatus.SUBMITTED and can_review and is_author,
        "correct": record.status == RecordStatus.PUBLISHED
        and (can_edit or can_review)
        and not has_correction,
        "revoke": record.status in (RecordStatus.PUBLISHED, RecordStatus.EXPIRED)
        and (can_edit or can_review),
    }
    return render_desk(
        request,
        "sanctions/record_detail.html",
        {
            "record": record,
            "versions": versions,
            "correction": next((v for v in versions if v.previous_id == record.pk), None),
            "history": history_rows(record_history(record=record), categories),
            "sections": record_sections(record, categories),
            "is_overdue": is_overdue(record),
            "actions": actions,
            "can_edit": can_edit,
            "can_review": can_review,
            "comment_form": comment_form or CommentForm(),
            "reason_form": reason_form or ReasonForm(),
            "personal_data_warnings": personal_data_warnings(record),
        },
        status=status,
    )


@desk_view
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, record_get_for_staff(user=request.user, pk=pk))


def _fail(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@desk_view
@require_POST
def record_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    record = record_get_for_staff(user=request.user, pk=pk)
    try:
        record_submit(actor=request.user, record=record)
    except ValidationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Submitted: a reviewer of your agency will publish it or send it back."))
    return redirect("sanctions:record", pk=record.pk)


@desk_view
@require_POST
def record_publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    record = record_get_for_staff(user=request.user, pk=pk)
    try:
        record = record_publish(actor=request.user, record=record)
    except ValidationError as exc:
        _fail(request, exc)
    else:
        if record.never_published:
            messages.success(
                request, _("Approved. A warning-only penalty is recorded but never made public.")
            )
        else:
            messages.success(request, _("Published: the record is public from now on."))
    return redirect("sanctions:record", pk=record.pk)


def _reasoned_action(
    request: HttpRequest, pk: int, *, form_class, field: str, service, form_name: str, done: str
) -> HttpResponse:
    """A desk action that needs a comment or a reason: a missing one is shown next to its field."""
    record = record_get_for_staff(user=request.user, pk=pk)
    form = form_class(request.POST)
    form.is_valid()
    try:
        service(actor=request.user, record=record, **{field: form.cleaned_data.get(field, "")})
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and field in exc.message_dict:
            form.add_error(field, exc.message_dict[field])
            return _detail(request, record, **{form_name: form}, status=400)
        _fail(request, exc)
    else:
        messages.success(request, done)
    return redirect("sanctions:record", pk=record.pk)


@desk_view
@require_POST
def record_send_back_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _reasoned_action(
        request,
        pk,
        form_class=CommentForm,
        field="comment",
        service=record_send_back,
        form_name="comment_form",
        done=_("Sent back to the clerk with your comment."),
    )


@desk_view
@require_POST
def record_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _reasoned_action(
        request,
        pk,
        form_class=ReasonForm,
        field="reason",
        service=record_revoke,
        form_name="reason_form",
        done=_("Revoked: the record has left public view; its history stays."),
    )
