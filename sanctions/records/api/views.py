"""The records API: agency staff and agency systems (API tokens) read and write their own records.

Reads go through ``records_for_staff`` (another agency's record is a 404) and the FilterSet; each
write is one input serializer and one service call, so the API obeys exactly the rules of the desk.
"""

from __future__ import annotations

from django.db import IntegrityError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.reverse import reverse

from registry.api.filters import FilterBackend
from registry.api.token_views import ApiErrorSerializer
from registry.models import Agency, StaffRole
from registry.permissions import is_registry_admin
from registry.throttling import UserRateThrottle
from registry.tokens import ReadOnlyTokenPermission
from sanctions.models import CreditRecord
from sanctions.records import services
from sanctions.records.api.acting import recording_agency
from sanctions.records.api.serializers import (
    RecordCorrectInput,
    RecordCreateInput,
    RecordFieldsInput,
    RecordListSerializer,
    RecordRevokeInput,
    RecordSendBackInput,
    RecordSerializer,
    record_data,
)
from sanctions.records.filters import RecordFilter
from sanctions.records.selectors import records_for_staff

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ApiErrorSerializer, description=description)


AUTH_RESPONSES = {
    401: _error("No credentials, or an API token that is unknown, revoked or expired."),
    429: _error("Too many requests; retry after the number of seconds in Retry-After."),
}
READ_403 = _error("Signed in, but not on the staff of any agency.")
WRITE_403 = _error(
    "Not allowed: a read-only API token (“This API token is read-only.”), or the service refused "
    "(not a clerk or reviewer of the record's agency)."
)
NOT_FOUND = _error("None of your agencies' records has this id.")
INVALID = _error("Invalid input or a refused step: `errors` lists each field path and message.")

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    {"type": "string", "maxLength": 100},
    OpenApiParameter.HEADER,
    required=False,
    description="Any unique string up to 100 characters: sending the same key again returns the first record.",
)
REPLAYED_PARAMETER = OpenApiParameter(
    REPLAYED_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200],
    enum=["true"],
    description="The record already existed (same Idempotency-Key or same decision document number): "
    "this is the first record, unchanged.",
)


class IsAgencyStaff(permissions.BasePermission):
    """Staff of an agency (people or API tokens), and registry administrators."""

    message = gettext_lazy("Only an agency's staff or an agency's API token may use the records API.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return is_registry_admin(user) or StaffRole.objects.filter(user=user, agency__isnull=False).exists()


class RecordFilterBackend(FilterBackend):
    """The records' one FilterSet, listing every version unless the caller narrows it (the API's default)."""

    def get_filterset_kwargs(self, request, queryset, view):
        return {**super().get_filterset_kwargs(request, queryset, view), "all_versions_by_default": True}


@extend_schema_view(
    list=extend_schema(
        summary="Your agencies' records",
        description="Every version of every record of the agencies you work for, newest decision first.",
        responses={
            200: RecordListSerializer(many=True),
            400: _error("A filter value is invalid (e.g. an unknown status or a malformed date)."),
            403: READ_403,
            404: _error("Page past the last result or the result cap."),
            **AUTH_RESPONSES,
        },
    ),
    retrieve=extend_schema(
        summary="One record, with its publicity, history and versions",
        responses={200: RecordSerializer, 403: READ_403, 404: NOT_FOUND, **AUTH_RESPONSES},
    ),
)
class RecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = CreditRecord.objects.none()  # the schema's model; get_queryset decides what a caller sees
    permission_classes = [permissions.IsAuthenticated, ReadOnlyTokenPermission, IsAgencyStaff]
    throttle_classes = [UserRateThrottle]
    parser_classes = [JSONParser]
    filter_backends = [RecordFilterBackend]
    filterset_class = RecordFilter
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return records_for_staff(user=self.request.user)

    def get_serializer_class(self):
        return RecordListSerializer if self.action == "list" else RecordSerializer

    def _detail(
        self, record: CreditRecord, *, status_code: int = status.HTTP_200_OK, headers=None
    ) -> Response:
        record = records_for_staff(user=self.request.user).get(pk=record.pk)
        return Response(RecordSerializer(record).data, status=status_code, headers=headers)

    def _location(self, record: CreditRecord) -> str:
        return reverse("record-detail", args=[record.pk], request=self.request)

    def _agency_for_create(self, uscc: str | None, authority_uscc: str) -> Agency:
        return recording_agency(
            self.request.user,
            uscc,
            prefer=authority_uscc,
            several=_("You work for several agencies: give the USCC of the one that records this decision."),
            no_clerk=_("Only an agency's clerk may record decisions."),
        )

    @extend_schema(
        summary="Record a decision (a draft, or submitted for review)",
        description=(
            "Keys are the field names or the national field codes (CF_* penalties, XK_* licences; without "
            "`kind`, the codes decide it). The same `Idempotency-Key`, or the same decision document number "
            "in the same agency, returns the first record with 200 and `Idempotent-Replayed: true`; "
            "nothing is recorded twice."
        ),
        request=RecordCreateInput,
        parameters=[IDEMPOTENCY_PARAMETER, REPLAYED_PARAMETER],
        responses={
            201: RecordSerializer,
            200: OpenApiResponse(
                response=RecordSerializer, description="The record already existed: the first one."
            ),
            400: INVALID,
            403: WRITE_403,
            **AUTH_RESPONSES,
        },
    )
    def create(self, request, *args, **kwargs):
        key = (request.headers.get(IDEMPOTENCY_HEADER) or "").strip() or None
        if key and len(key) > 100:
            raise exceptions.ValidationError({IDEMPOTENCY_HEADER: [_("At most 100 characters.")]})
        data = RecordCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        agency = self._agency_for_create(values.get("agency"), values["authority_uscc"])
        arguments = {
            "actor": request.user,
            "agency": agency,
            "kind": values["kind"],
            "data": record_data(values),
            "idempotency_key": key,
            "submit": values["submit"],
        }
        try:
            record, created = services.record_create(**arguments)
        except services.DuplicateRecord as exc:
            record, created = exc.existing, False
        except IntegrityError:
            if not key:
                raise
            # A concurrent request with the same key won the race: its record is the answer.
            record, created = services.record_create(**arguments)
        headers = {"Location": self._location(record)}
        if not created:
            headers[REPLAYED_HEADER] = "true"
        return self._detail(
            record, status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK, headers=headers
        )

    @extend_schema(
        summary="Edit a draft",
        description="Only the fields sent change; the record is checked again as a whole.",
        request=RecordFieldsInput,
        responses={200: RecordSerializer, 400: INVALID, 403: WRITE_403, 404: NOT_FOUND, **AUTH_RESPONSES},
    )
    def partial_update(self, request, *args, **kwargs):
        record = self.get_object()
        data = RecordFieldsInput(data=request.data)
        data.is_valid(raise_exception=True)
        record = services.record_update(
            actor=request.user, record=record, data=record_data(data.validated_data)
        )
        return self._detail(record)

    @extend_schema(
        summary="Submit a draft for review",
        request=None,
        responses={
            200: RecordSerializer,
            400: _error("The record is not a draft."),
            403: WRITE_403,
            404: NOT_FOUND,
            **AUTH_RESPONSES,
        },
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        record = services.record_submit(actor=request.user, record=self.get_object())
        return self._detail(record)

    @extend_schema(
        summary="Publish a submitted record (a reviewer who is not its author)",
        request=None,
        responses={
            200: RecordSerializer,
            400: _error(
                "The record is not awaiting review, or you wrote it (four eyes: another reviewer "
                "must approve it)."
            ),
            403: WRITE_403,
            404: NOT_FOUND,
            **AUTH_RESPONSES,
        },
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        record = services.record_publish(actor=request.user, record=self.get_object())
        return self._detail(record)

    @extend_schema(
        summary="Send a submitted record back to its author",
        request=RecordSendBackInput,
        responses={200: RecordSerializer, 400: INVALID, 403: WRITE_403, 404: NOT_FOUND, **AUTH_RESPONSES},
    )
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request, pk=None):
        record = self.get_object()
        data = RecordSendBackInput(data=request.data)
        data.is_valid(raise_exception=True)
        record = services.record_send_back(
            actor=request.user, record=record, comment=data.validated_data["comment"]
        )
        return self._detail(record)

    @extend_schema(
        summary="Correct a published record (a new version goes to review)",
        description="Send the fields that change and the reason. The published version stays public until "
        "the correction is published; then it becomes “corrected”.",
        request=RecordCorrectInput,
        responses={201: RecordSerializer, 400: INVALID, 403: WRITE_403, 404: NOT_FOUND, **AUTH_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        record = self.get_object()
        data = RecordCorrectInput(data=request.data)
        data.is_valid(raise_exception=True)
        new = services.record_correct(
            actor=request.user,
            record=record,
            data=record_data(data.validated_data),
            reason=data.validated_data["reason"],
        )
        return self._detail(
            new, status_code=status.HTTP_201_CREATED, headers={"Location": self._location(new)}
        )

    @extend_schema(
        summary="Revoke a published record (the decision was annulled)",
        request=RecordRevokeInput,
        responses={200: RecordSerializer, 400: INVALID, 403: WRITE_403, 404: NOT_FOUND, **AUTH_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        record = self.get_object()
        data = RecordRevokeInput(data=request.data)
        data.is_valid(raise_exception=True)
        record = services.record_revoke(
            actor=request.user, record=record, reason=data.validated_data["reason"]
        )
        return self._detail(record)
