"""The staff API of random inspections: agency staff and agency systems (API tokens) draft, review
and draw their agencies' plans and enter and publish results (/api/v1/inspection-plans/,
/api/v1/inspections/). Reads are scoped by ``restrict_to_staff`` (another agency's plan is a 404);
each write is one input serializer and one service call, so the API obeys the desk's rules."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.reverse import reverse

from registry.api.token_views import ApiErrorSerializer
from registry.throttling import UserRateThrottle
from registry.tokens import ReadOnlyTokenPermission
from sanctions.choices import InspectionOutcome
from sanctions.inspections import selectors, services
from sanctions.lists.ratings import default_rating_model
from sanctions.models import Inspection, InspectionPlan
from sanctions.permissions import restrict_to_staff
from sanctions.records.api.acting import recording_agency
from sanctions.records.api.views import IsAgencyStaff as RecordsApiStaff


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ApiErrorSerializer, description=description)


AUTH = {
    401: _error(gettext_lazy("No credentials, or an API token that is unknown, revoked or expired.")),
    403: _error(
        gettext_lazy("Not allowed: not on an agency's staff, a read-only token, or the service refused.")
    ),
    429: _error(gettext_lazy("Too many requests; retry after the number of seconds in Retry-After.")),
}
INVALID = _error(gettext_lazy("Invalid input or a refused step: `errors` lists each field and message."))
NO_PLAN = _error(gettext_lazy("None of your agencies' inspection plans has this id."))
NO_INSPECTION = _error(gettext_lazy("None of your agencies' inspections has this id."))
BAD_PLAN_FILTER = _error(gettext_lazy("`plan` is not a plan's number."))


class IsAgencyStaff(RecordsApiStaff):
    message = gettext_lazy("Only an agency's staff or an agency's API token may use the inspections API.")


class PlanSerializer(serializers.ModelSerializer):
    agency = serializers.CharField(source="agency.uscc", help_text="The agency's USCC.")
    rating_model = serializers.CharField(source="rating_model_id")
    rates = serializers.DictField(
        child=serializers.CharField(), help_text="Percentage per grade and ungraded."
    )
    industries = serializers.ListField(child=serializers.CharField())
    include_list_kinds = serializers.ListField(child=serializers.CharField())
    exclude_list_kinds = serializers.ListField(child=serializers.CharField())
    strata = serializers.DictField(
        child=serializers.DictField(), help_text="Per grade: population, drawn and rate (after the draw)."
    )

    class Meta:
        model = InspectionPlan
        fields = [
            "id",
            "agency",
            "title",
            "legal_basis",
            "industries",
            "division_prefix",
            "include_list_kinds",
            "exclude_list_kinds",
            "period_start",
            "period_end",
            "rating_model",
            "rates",
            "status",
            "review_comment",
            "algorithm",
            "seed",
            "snapshot_sha256",
            "population",
            "strata",
            "drawn_at",
        ]


class PlanCreateInput(serializers.Serializer):
    agency = serializers.CharField(
        required=False, help_text="USCC of the agency; needed if you work for several."
    )
    title = serializers.CharField(max_length=200)
    legal_basis = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    industries = serializers.ListField(
        child=serializers.CharField(max_length=1), required=False, default=list
    )
    division_prefix = serializers.CharField(max_length=6, required=False, allow_blank=True, default="")
    include_list_kinds = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    exclude_list_kinds = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    rating_model = serializers.CharField(required=False, help_text="Default: the default rating model.")
    rates = serializers.DictField(
        child=serializers.CharField(max_length=8),
        help_text='Percentage per grade and "ungraded", e.g. {"A": "2", "B": "5", "C": "20", "D": "80", "ungraded": "10"}.',
    )
    submit = serializers.BooleanField(required=False, default=False, help_text="Send it to review at once.")


class InspectionSerializer(serializers.ModelSerializer):
    enterprise = serializers.CharField(source="enterprise.uscc")
    enterprise_name = serializers.CharField(source="enterprise.name")
    inspectors = serializers.SerializerMethodField(help_text="The two drawn inspectors' certificate numbers.")

    class Meta:
        model = Inspection
        fields = [
            "id",
            "plan",
            "position",
            "enterprise",
            "enterprise_name",
            "grade",
            "inspectors",
            "result_status",
            "outcome",
            "inspected_on",
            "findings",
            "consequences",
            "review_comment",
            "published_at",
            "listing",
        ]

    def get_inspectors(self, inspection) -> list[str]:
        return [inspection.inspector_1.badge_number, inspection.inspector_2.badge_number]


class ResultInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=InspectionOutcome.choices)
    inspected_on = serializers.DateField()
    findings = serializers.CharField(required=False, allow_blank=True, default="")
    consequences = serializers.CharField(required=False, allow_blank=True, default="")


class CommentInput(serializers.Serializer):
    comment = serializers.CharField(allow_blank=True)


class _StaffViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [permissions.IsAuthenticated, ReadOnlyTokenPermission, IsAgencyStaff]
    throttle_classes = [UserRateThrottle]
    parser_classes = [JSONParser]
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "head", "options"]
    filter_backends: list = []

    def _detail(self, obj, *, status_code: int = status.HTTP_200_OK, headers=None) -> Response:
        obj = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(obj).data, status=status_code, headers=headers)


def _step(summary: str, request=None, responses=None):
    return extend_schema(
        summary=summary,
        request=request,
        responses=responses or {200: PlanSerializer, 400: INVALID, 404: NO_PLAN, **AUTH},
    )


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("Your agencies' inspection plans"),
        responses={200: PlanSerializer(many=True), **AUTH},
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("One inspection plan"), responses={200: PlanSerializer, 404: NO_PLAN, **AUTH}
    ),
)
class InspectionPlanViewSet(mixins.CreateModelMixin, _StaffViewSet):
    queryset = InspectionPlan.objects.none()
    serializer_class = PlanSerializer

    def get_queryset(self):
        return selectors.plans_for_staff(user=self.request.user).order_by("-id")

    @extend_schema(
        summary=gettext_lazy("Draft an inspection plan graded by credit (a clerk)"),
        request=PlanCreateInput,
        responses={201: PlanSerializer, 400: INVALID, **AUTH},
    )
    def create(self, request, *args, **kwargs):
        data = PlanCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        agency = recording_agency(
            request.user,
            values.pop("agency", None),
            several=_("You work for several agencies: give the USCC of the one whose plan this is."),
            no_clerk=_("Only a clerk may draft an inspection plan."),
        )
        submit = values.pop("submit")
        values["rating_model"] = values.get("rating_model") or default_rating_model()
        plan = services.plan_create(actor=request.user, agency=agency, data=values, submit=submit)
        location = reverse("inspection-plan-detail", args=[plan.pk], request=request)
        return self._detail(plan, status_code=status.HTTP_201_CREATED, headers={"Location": location})

    @_step(gettext_lazy("Submit a draft plan for review (a clerk)"), request=None)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._detail(services.plan_submit(actor=request.user, plan=self.get_object()))

    @_step(gettext_lazy("Approve a submitted plan (a reviewer who did not write it)"), request=None)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._detail(services.plan_approve(actor=request.user, plan=self.get_object()))

    @_step(
        gettext_lazy("Send a submitted plan back to its clerk with a comment (a reviewer)"),
        request=CommentInput,
    )
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request, pk=None):
        data = CommentInput(data=request.data)
        data.is_valid(raise_exception=True)
        plan = services.plan_send_back(
            actor=request.user, plan=self.get_object(), comment=data.validated_data["comment"]
        )
        return self._detail(plan)

    @_step(
        gettext_lazy("Draw an approved plan, once: the seed and the snapshot are recorded and published"),
        request=None,
    )
    @action(detail=True, methods=["post"])
    def draw(self, request, pk=None):
        return self._detail(services.inspection_draw(actor=request.user, plan=self.get_object()))


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("Your agencies' drawn inspections"),
        parameters=[OpenApiParameter("plan", int, description="Only this plan's inspections.")],
        responses={200: InspectionSerializer(many=True), 400: BAD_PLAN_FILTER, **AUTH},
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("One drawn inspection"),
        responses={200: InspectionSerializer, 404: NO_INSPECTION, **AUTH},
    ),
)
class InspectionViewSet(_StaffViewSet):
    queryset = Inspection.objects.none()
    serializer_class = InspectionSerializer

    def get_queryset(self):
        queryset = restrict_to_staff(
            Inspection.objects.select_related("enterprise", "inspector_1", "inspector_2"),
            self.request.user,
            agency_field="plan__agency",
        ).order_by("plan_id", "position")
        plan = self.request.query_params.get("plan")
        if plan is None:
            return queryset
        if not plan.removeprefix("-").isdigit():  # a negative number is a plan nobody has
            raise ValidationError({"plan": [gettext_lazy("A plan's number.")]})
        return queryset.filter(plan_id=int(plan))

    @_step(
        gettext_lazy("Enter an inspection's result and send it to review (a clerk)"),
        request=ResultInput,
        responses={200: InspectionSerializer, 400: INVALID, 404: NO_INSPECTION, **AUTH},
    )
    @action(detail=True, methods=["post"])
    def result(self, request, pk=None):
        data = ResultInput(data=request.data)
        data.is_valid(raise_exception=True)
        inspection = services.inspection_result_enter(
            actor=request.user, inspection=self.get_object(), data=data.validated_data
        )
        return self._detail(inspection)

    @_step(
        gettext_lazy("Publish an entered result (a reviewer who did not enter it)"),
        request=None,
        responses={200: InspectionSerializer, 400: INVALID, 404: NO_INSPECTION, **AUTH},
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._detail(
            services.inspection_result_publish(actor=request.user, inspection=self.get_object())
        )

    @_step(
        gettext_lazy("Send an entered result back to the clerks with a comment (a reviewer)"),
        request=CommentInput,
        responses={200: InspectionSerializer, 400: INVALID, 404: NO_INSPECTION, **AUTH},
    )
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request, pk=None):
        data = CommentInput(data=request.data)
        data.is_valid(raise_exception=True)
        inspection = services.inspection_result_send_back(
            actor=request.user, inspection=self.get_object(), comment=data.validated_data["comment"]
        )
        return self._detail(inspection)
