"""What the desk pages of an item that is drafted by a clerk and reviewed by another hand share (a
listing, an inspection plan, an inspection's result): which steps its page offers the viewer, and
running a step from one of its buttons."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import TextChoices
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


@dataclass(frozen=True)
class ReviewRights:
    """The viewer's rights on one item: clerk or reviewer in its agency, and the review steps offered."""

    can_edit: bool
    can_review: bool
    actions: dict[str, bool]

    @property
    def of_agency(self) -> bool:
        """A clerk or a reviewer of the item's agency (who may take the steps after the review)."""
        return self.can_edit or self.can_review


def review_rights(request: HttpRequest, item: Any, *, statuses: type[TextChoices]) -> ReviewRights:
    """The steps a drafted, reviewed item's page offers: its agency's clerk edits the draft; a
    reviewer of the agency reviews it once submitted, never the author (four eyes), who is told so.
    ``statuses`` is the item's status choices (with ``DRAFT`` and ``SUBMITTED``)."""
    desk = request.desk
    can_edit, can_review = desk.can_edit(item.agency_id), desk.can_review(item.agency_id)
    is_author = item.created_by_id == request.user.pk
    submitted = item.status == statuses.SUBMITTED and can_review
    return ReviewRights(
        can_edit=can_edit,
        can_review=can_review,
        actions={
            "edit": item.status == statuses.DRAFT and can_edit,
            "review": submitted and not is_author,
            "author_is_reviewer": submitted and is_author,
        },
    )


def desk_step(
    request: HttpRequest, item: Any, run: Callable[[Any], object], done: str, *, page: str
) -> HttpResponse:
    """Run one step on the item (``run`` calls its service, which checks permission) from a button
    on its page: a refusal shows as error messages, success as ``done``; back to the item's page
    (the URL name ``page``) either way."""
    try:
        run(item)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect(page, item.pk)
