"""The remedies API: agency staff and agency systems (API tokens) read their agencies' repair
applications, objections and commitments, and decide them.

Reads go through the remedies selectors, scoped by ``restrict_to_staff`` (another agency's object is a
404, its list empty); each write is one input serializer and one service call, so the API obeys
exactly the rules of the desk.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.reverse import reverse

from registry.api.token_views import ApiErrorSerializer
from registry.models import Agency
from registry.selectors import enterprise_get
from registry.throttling import UserRateThrottle
from registry.tokens import ReadOnlyTokenPermission
from sanctions.choices import CommitmentStatus, ObjectionStatus
from sanctions.models import Commitment, Objection, RepairApplication
from sanctions.records.api.acting import recording_agency
from sanctions.records.api.views import IsAgencyStaff as RecordsApiStaff
from sanctions.remedies.api.filters import CommitmentFilter, ObjectionFilter, RepairApplicationFilter
from sanctions.remedies.api.serializers import (
    CommitmentCreateInput,
    CommitmentDecisionInput,
    CommitmentSerializer,
    ObjectionDecisionInput,
    ObjectionSerializer,
    RepairApplicationSerializer,
    RepairDecisionInput,
)
from sanctions.remedies.commitments import commitment_breach, commitment_fulfil, commitment_record
from sanctions.remedies.objections import objection_forward, objection_revoke, objection_uphold
from sanctions.remedies.repair import RepairDecision, repair_approve, repair_reject
from sanctions.remedies.selectors import commitments_for_staff, objection_queue, repair_queue


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ApiErrorSerializer, description=description)


AUTH_RESPONSES = {
    401: _error(gettext_lazy("No credentials, or an API token that is unknown, revoked or expired.")),
    429: _error(gettext_lazy("Too many requests; retry after the number of seconds in Retry-After.")),
}
READ_403 = _error(gettext_lazy("Signed in, but not on the staff of any agency."))
WRITE_403 = _error(
    gettext_lazy(
        "Not allowed: a read-only API token, or the service refused (e.g. not a reviewer of the deciding "
        "agency)."
    )
)
INVALID = _error(gettext_lazy("Invalid input or a refused step: `errors` lists each field and message."))
BAD_FILTER = _error(gettext_lazy("A filter value is invalid (e.g. an unknown status)."))


NO_APPLICATION = _error(gettext_lazy("None of your agencies' repair applications has this id."))
NO_OBJECTION = _error(gettext_lazy("None of your agencies' objections has this id."))
NO_COMMITMENT = _error(gettext_lazy("None of your agencies' commitments has this id."))


class IsAgencyStaff(RecordsApiStaff):
    """Staff of an agency (people or API tokens), and registry administrators."""

    message = gettext_lazy("Only an agency's staff or an agency's API token may use the remedies API.")


class StaffViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """What the three resources share: who may call them, throttling, JSON in, numeric ids."""

    permission_classes = [permissions.IsAuthenticated, ReadOnlyTokenPermission, IsAgencyStaff]
    throttle_classes = [UserRateThrottle]
    parser_classes = [JSONParser]
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "head", "options"]

    def _detail(self, obj, *, status_code: int = status.HTTP_200_OK, headers=None) -> Response:
        """The object as a caller reads it after a write, through the same scoped query as a read."""
        obj = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(obj).data, status=status_code, headers=headers)


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("Your agencies' credit repair applications"),
        description=gettext_lazy("Open applications first, the most urgent deadline first."),
        responses={
            200: RepairApplicationSerializer(many=True),
            400: BAD_FILTER,
            403: READ_403,
            **AUTH_RESPONSES,
        },
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("One credit repair application, with its materials"),
        responses={
            200: RepairApplicationSerializer,
            403: READ_403,
            404: NO_APPLICATION,
            **AUTH_RESPONSES,
        },
    ),
)
class RepairApplicationViewSet(StaffViewSet):
    queryset = RepairApplication.objects.none()  # the schema's model; get_queryset decides what a caller sees
    serializer_class = RepairApplicationSerializer
    filterset_class = RepairApplicationFilter

    def get_queryset(self):
        return repair_queue(user=self.request.user).prefetch_related("materials")

    @extend_schema(
        summary=gettext_lazy("Approve or reject an application (a reviewer of the deciding agency)"),
        description=gettext_lazy(
            "Approval ends the record's publicity (or removes the listing) at once; the enterprise reads "
            "the reasons either way."
        ),
        request=RepairDecisionInput,
        responses={
            200: RepairApplicationSerializer,
            400: INVALID,
            403: WRITE_403,
            404: NO_APPLICATION,
            **AUTH_RESPONSES,
        },
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        application = self.get_object()
        data = RepairDecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        decide = (
            repair_approve if data.validated_data["decision"] == RepairDecision.APPROVE else repair_reject
        )
        application = decide(
            actor=request.user, application=application, reason=data.validated_data["reason"]
        )
        return self._detail(application)


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("Objections to your agencies' records and listings"),
        description=gettext_lazy("Open objections first, the most urgent deadline first."),
        responses={
            200: ObjectionSerializer(many=True),
            400: BAD_FILTER,
            403: READ_403,
            **AUTH_RESPONSES,
        },
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("One objection, with its deadlines and evidence"),
        responses={
            200: ObjectionSerializer,
            403: READ_403,
            404: NO_OBJECTION,
            **AUTH_RESPONSES,
        },
    ),
)
class ObjectionViewSet(StaffViewSet):
    queryset = Objection.objects.none()  # the schema's model; get_queryset decides what a caller sees
    serializer_class = ObjectionSerializer
    filterset_class = ObjectionFilter

    def get_queryset(self):
        return objection_queue(user=self.request.user).prefetch_related("evidence")

    @extend_schema(
        summary=gettext_lazy("Forward an objection to the source agency (registry administrators)"),
        description=gettext_lazy("The source agency's decision deadline starts now."),
        request=None,
        responses={
            200: ObjectionSerializer,
            400: _error(gettext_lazy("The objection is not one just received.")),
            403: WRITE_403,
            404: NO_OBJECTION,
            **AUTH_RESPONSES,
        },
    )
    @action(detail=True, methods=["post"])
    def forward(self, request, pk=None):
        return self._detail(objection_forward(actor=request.user, objection=self.get_object()))

    @extend_schema(
        summary=gettext_lazy("Uphold the record, or revoke it (the source agency)"),
        description=gettext_lazy(
            "Upholding keeps the record as it is; revoking takes it out of public view at once. The "
            "objector is told the outcome and the reasons."
        ),
        request=ObjectionDecisionInput,
        responses={
            200: ObjectionSerializer,
            400: INVALID,
            403: WRITE_403,
            404: NO_OBJECTION,
            **AUTH_RESPONSES,
        },
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        objection = self.get_object()
        data = ObjectionDecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        decide = (
            objection_uphold if data.validated_data["outcome"] == ObjectionStatus.UPHELD else objection_revoke
        )
        decide(actor=request.user, objection=objection, reason=data.validated_data["reason"])
        return self._detail(objection)


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("Your agencies' credit commitments"),
        description=gettext_lazy("Latest signed first."),
        responses={
            200: CommitmentSerializer(many=True),
            400: BAD_FILTER,
            403: READ_403,
            **AUTH_RESPONSES,
        },
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("One credit commitment"),
        responses={
            200: CommitmentSerializer,
            403: READ_403,
            404: NO_COMMITMENT,
            **AUTH_RESPONSES,
        },
    ),
)
class CommitmentViewSet(mixins.CreateModelMixin, StaffViewSet):
    queryset = Commitment.objects.none()  # the schema's model; get_queryset decides what a caller sees
    serializer_class = CommitmentSerializer
    filterset_class = CommitmentFilter

    def get_queryset(self):
        return commitments_for_staff(user=self.request.user)

    def _recording_agency(self, uscc: str | None) -> Agency:
        return recording_agency(
            self.request.user,
            uscc,
            several=_(
                "You work for several agencies: give the USCC of the one that records this commitment."
            ),
            no_clerk=_("Only an agency's clerk may record commitments."),
        )

    @extend_schema(
        summary=gettext_lazy("Record an enterprise's written credit commitment (a clerk)"),
        description=gettext_lazy("The commitment is public from now on."),
        request=CommitmentCreateInput,
        responses={201: CommitmentSerializer, 400: INVALID, 403: WRITE_403, **AUTH_RESPONSES},
    )
    def create(self, request, *args, **kwargs):
        data = CommitmentCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        enterprise = enterprise_get(uscc=values["enterprise"])
        if enterprise is None:
            raise exceptions.ValidationError({"enterprise": [_("No enterprise has this code.")]})
        commitment = commitment_record(
            actor=request.user,
            agency=self._recording_agency(values.get("agency")),
            enterprise=enterprise,
            kind=values["kind"],
            content=values["content"],
            legal_basis=values["legal_basis"],
            signed_on=values["signed_on"],
            due_date=values.get("due_date"),
        )
        location = reverse("commitment-detail", args=[commitment.pk], request=request)
        return self._detail(commitment, status_code=status.HTTP_201_CREATED, headers={"Location": location})

    @extend_schema(
        summary=gettext_lazy("Mark a commitment fulfilled or breached"),
        description=gettext_lazy(
            "A breach (a clerk of the agency) creates a draft dishonesty record of the agency, prefilled "
            "from the commitment: `breach_record` is its id, to complete and submit like any record."
        ),
        request=CommitmentDecisionInput,
        responses={
            200: CommitmentSerializer,
            400: INVALID,
            403: WRITE_403,
            404: NO_COMMITMENT,
            **AUTH_RESPONSES,
        },
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        commitment = self.get_object()
        data = CommitmentDecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if values["outcome"] == CommitmentStatus.FULFILLED:
            commitment = commitment_fulfil(actor=request.user, commitment=commitment, note=values["note"])
        else:
            commitment = commitment_breach(
                actor=request.user,
                commitment=commitment,
                note=values["note"],
                breached_on=values.get("breached_on"),
            )
        return self._detail(commitment)
