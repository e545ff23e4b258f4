"""``GET /api/v1/changes/``: the change feed, every public event in commit-safe order.

The events are those of ``registry.changes`` (written by the services, in their own transactions);
what is public in them was decided when they were written, by the same builders as the public API.
A record's or a listing's payload is presented here by the public API's own serializers, so an event
reads exactly as ``GET /api/v1/public/enterprises/{uscc}/records/`` (or ``/listings/``) showed it.

Long polling: with ``wait`` a request that finds nothing new waits, up to
``CHANGE_FEED_MAX_WAIT_SECONDS``, for a commit that wrote events. While it waits it holds no database
connection: it watches a counter in Redis that each such commit moves (``registry.changes``), asks
the database when the counter moves and at least once a second (an event may have been held back
by an older transaction that wrote none), and closes its connection between checks. Without Redis
it asks the database at every check (``CHANGE_FEED_POLL_SECONDS``). A process lets at most
``CHANGE_FEED_WAITERS_PER_PROCESS`` requests wait at once; any more answer at once, so that
waiting readers never take every thread from the portal's pages.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.api.exceptions import error_response
from registry.api.token_views import ApiErrorSerializer
from registry.changes import ChangePage, CursorExpired, InvalidCursor, changes_after, commits_seen
from registry.choices import ChangeKind
from registry.models import ChangeEvent

from ..developer_keys import DeveloperKeyAuthentication
from .serializers import PublicListingSerializer, PublicRecordSerializer
from .throttles import PublicApiThrottle

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
BULK_DATA_PATH = "/open-data/"
# How often a waiting request asks the database even when Redis says nothing committed.
DATABASE_RECHECK_SECONDS = 1.0

_PRESENTERS = {
    ChangeKind.RECORD_PUBLISHED: PublicRecordSerializer,
    ChangeKind.RECORD_CORRECTED: PublicRecordSerializer,
    ChangeKind.LISTING_ENTERED: PublicListingSerializer,
}


class ChangesQueryInput(serializers.Serializer):
    after = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="The `next` cursor of the previous answer; none to start from the oldest event kept.",
    )
    limit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_LIMIT,
        default=DEFAULT_LIMIT,
        help_text=f"Events per answer, at most {MAX_LIMIT}.",
    )
    wait = serializers.IntegerField(
        required=False,
        min_value=0,
        default=0,
        help_text="Seconds to wait for new events when there are none (long polling), at most "
        "CHANGE_FEED_MAX_WAIT_SECONDS (25 by default; more is treated as the maximum).",
    )


class ChangeEventSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ChangeKind.choices)
    occurred_at = serializers.DateTimeField()
    enterprise = serializers.CharField(source="enterprise_uscc", help_text="The enterprise's USCC.")
    subject = serializers.CharField(
        help_text="What changed, stable across events: a record's record_key, a listing's id, an "
        "enterprise's USCC, a badge's serial."
    )
    agency = serializers.CharField(
        source="agency_code", allow_null=True, help_text="The USCC of the agency that decided it."
    )
    source_platform = serializers.CharField(help_text="The platform where the change was made.")
    payload = serializers.SerializerMethodField(
        help_text="As the public API shows it (a record as in /public/enterprises/{uscc}/records/, a "
        "listing as in /listings/, an enterprise as in /enterprises/{uscc}/); for a removal "
        "(revoked, expired, repaired, withdrawn, removed) only the identifiers."
    )

    def get_payload(self, event: ChangeEvent) -> dict:
        presenter_class = _PRESENTERS.get(event.kind)
        if presenter_class is None:
            return event.payload
        # One presenter per kind and answer: building a serializer's fields costs more than using them.
        presenters = self.__dict__.setdefault("_presenters", {})
        presenter = presenters.get(presenter_class)
        if presenter is None:
            presenter = presenters[presenter_class] = presenter_class()
        return presenter.to_representation(event.payload)


class ChangesPageSerializer(serializers.Serializer):
    events = ChangeEventSerializer(many=True)
    next = serializers.CharField(help_text="The cursor to ask with next (`after`); the same when empty.")


class _Waiters:
    """How many requests of this process are waiting for events."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    def enter(self) -> bool:
        with self._lock:
            if self.count >= settings.CHANGE_FEED_WAITERS_PER_PROCESS:
                return False
            self.count += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self.count -= 1


waiters = _Waiters()


def _release_connection() -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    if not connection.in_atomic_block:
        connection.close()


def changes_wait(after: str | None, limit: int, wait: float) -> ChangePage:
    """The events after ``after``; if there are none, wait up to ``wait`` seconds for some."""
    page = changes_after(after, limit)
    if page.events or wait <= 0 or not waiters.enter():
        return page
    try:
        deadline = time.monotonic() + wait
        seen = commits_seen()
        asked = time.monotonic()
        _release_connection()
        while (remaining := deadline - time.monotonic()) > 0:
            time.sleep(min(settings.CHANGE_FEED_POLL_SECONDS, remaining))
            now_seen = commits_seen()
            due = time.monotonic() - asked >= DATABASE_RECHECK_SECONDS or time.monotonic() >= deadline
            if now_seen is None or now_seen != seen or due:
                seen, asked = now_seen, time.monotonic()
                page = changes_after(after, limit)
                if page.events:
                    return page
                _release_connection()
        return page
    finally:
        waiters.leave()


class ChangeFeedView(APIView):
    """Public, throttled: every public change in commit-safe order, with long polling."""

    authentication_classes = [DeveloperKeyAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = [PublicApiThrottle]

    @extend_schema(
        summary="The change feed: public events after a cursor, in commit-safe order",
        description=(
            "Every change of public data: records published, corrected, withdrawn, revoked, expired "
            "or repaired; listings entered or removed; enterprises registered, changed or "
            "deregistered; badges revoked. Ask again with `next` as `after`: no event is skipped "
            "or repeated, whatever order concurrent writers commit in. With `wait`, an answer that "
            "would be empty waits up to that many seconds for new events. Events are kept "
            "CHANGE_FEED_RETENTION_DAYS (30 by default); an older cursor gets 410 and the reader "
            "starts again from the bulk files at /open-data/."
        ),
        parameters=[ChangesQueryInput],
        responses={
            200: ChangesPageSerializer,
            400: OpenApiResponse(
                response=ApiErrorSerializer, description="A malformed cursor, limit or wait."
            ),
            401: OpenApiResponse(
                response=ApiErrorSerializer, description="An unknown or revoked developer key."
            ),
            410: OpenApiResponse(
                response=ApiErrorSerializer,
                description="Events after this cursor are past retention and deleted: the message "
                "names the bulk open-data files (/open-data/) to start again from.",
            ),
            429: OpenApiResponse(
                response=ApiErrorSerializer, description="Too many requests; retry after Retry-After seconds."
            ),
        },
    )
    def get(self, request):
        query = ChangesQueryInput(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        values = query.validated_data
        wait = min(values["wait"], settings.CHANGE_FEED_MAX_WAIT_SECONDS)
        try:
            page = changes_wait(values.get("after") or None, values["limit"], wait)
        except InvalidCursor:
            return error_response(
                _("This cursor was not handed out by this feed: use the `next` of an answer."),
                field="after",
            )
        except CursorExpired:
            message = _(
                "Events after this cursor are older than the %(days)d days the feed keeps and have been "
                "deleted. Load the bulk open data files (%(url)s), then follow the feed from its start."
            ) % {
                "days": settings.CHANGE_FEED_RETENTION_DAYS,
                "url": request.build_absolute_uri(BULK_DATA_PATH),
            }
            response = error_response(message, field="after", status_code=status.HTTP_410_GONE)
            response.data["errors"][0]["code"] = "expired"
            return response
        return Response({"events": ChangeEventSerializer(page.events, many=True).data, "next": page.next})
