"""``/api/v1/webhooks/``: a subscriber's own webhooks, their delivery logs and redelivery.

A partner authenticates with its developer key (``X-Api-Key: dk_…``); an agency's system with its
API token (``Authorization: Bearer crt_…``), and then manages its agency's webhooks, the same ones
its staff see at the desk. Nobody sees or touches another subscriber's webhooks: they answer 404.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from registry.api.serializers import ApiErrorSerializer
from registry.models import ApiToken
from registry.throttling import UserRateThrottle
from registry.tokens import ReadOnlyTokenPermission

from ..api import schema  # noqa: F401 - registers the credentials' OpenAPI security schemes
from ..api.throttles import PublicApiThrottle
from ..developer_keys import KeyOrAgencyTokenAuthentication
from ..models import DeveloperKey, WebhookDelivery, WebhookSubscription
from . import selectors, services
from .addresses import MAX_URL_LENGTH
from .choices import DeliveryStatus
from .events import ChangeKind


class WebhookSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookSubscription
        fields = [
            "id",
            "url",
            "description",
            "kinds",
            "agency_codes",
            "division_prefixes",
            "usccs",
            "status",
            "paused_reason",
            "secret_hint",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CreatedWebhookSerializer(WebhookSerializer):
    secret = serializers.SerializerMethodField(
        help_text="The signing secret, shown this once: keep it to verify X-Registry-Signature."
    )

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]
        read_only_fields = fields

    def get_secret(self, obj) -> str:
        return self.context["secret"]


class WebhookInput(serializers.Serializer):
    url = serializers.CharField(
        max_length=MAX_URL_LENGTH, help_text="http(s) URL on the public internet that receives the POSTs."
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=ChangeKind.choices),
        required=False,
        help_text="Event kinds to deliver; empty or absent: all.",
    )
    agency_codes = serializers.ListField(
        child=serializers.CharField(max_length=18),
        required=False,
        max_length=services.MAX_AGENCIES,
        help_text="Deciding agencies' USCCs; empty: any agency.",
    )
    division_prefixes = serializers.ListField(
        child=serializers.CharField(max_length=6),
        required=False,
        max_length=services.MAX_DIVISIONS,
        help_text="Enterprises' administrative divisions (GB/T 2260): 2, 4 or 6 digits; empty: anywhere.",
    )
    usccs = serializers.ListField(
        child=serializers.CharField(max_length=18),
        required=False,
        max_length=services.MAX_USCCS,
        help_text="Specific enterprises' USCCs; empty: every enterprise.",
    )


class DeliverySerializer(serializers.ModelSerializer):
    webhook = serializers.IntegerField(source="subscription_id", read_only=True)
    redelivery_of = serializers.UUIDField(source="redelivery_of_id", read_only=True, allow_null=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "webhook",
            "event_id",
            "event_kind",
            "status",
            "attempts",
            "response_status",
            "last_error",
            "duration_ms",
            "created_at",
            "last_attempt_at",
            "next_attempt_at",
            "delivered_at",
            "is_redelivery",
            "redelivery_of",
        ]
        read_only_fields = fields


class IsWebhookSubscriber(permissions.BasePermission):
    """A developer key or an agency API token; nothing else manages webhooks through the API."""

    message = "Send your developer key (X-Api-Key) or your agency's API token (Authorization: Bearer)."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, DeveloperKey | ApiToken)


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ApiErrorSerializer, description=description)


UNAUTHORISED = _error("No developer key or agency API token, or an unknown, revoked or expired one.")
FORBIDDEN = _error("A read-only token tried to change a webhook.")
NOT_FOUND = _error("You have no webhook with this id (another subscriber's webhooks are never shown).")
TOO_MANY = _error("Too many requests; retry after the number of seconds in Retry-After.")
INVALID = _error("Invalid input: `errors` lists each field and message (an address that is not public, …).")
ID_PARAMETER = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The webhook's id."
)
DELIVERY_PARAMETER = OpenApiParameter(
    "delivery_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The delivery's id."
)
COMMON = {401: UNAUTHORISED, 429: TOO_MANY}


class _SubscriberThrottle(UserRateThrottle):
    """Developer keys are counted against their own quota; agency tokens as any API user."""

    def allow_request(self, request, view) -> bool:
        if isinstance(request.auth, DeveloperKey):
            self._public = PublicApiThrottle()
            return self._public.allow_request(request, view)
        self._public = None
        return super().allow_request(request, view)

    def wait(self):
        return self._public.wait() if self._public is not None else super().wait()


@extend_schema_view(
    list=extend_schema(summary="Your webhooks", responses={200: WebhookSerializer(many=True), **COMMON}),
    retrieve=extend_schema(
        summary="One of your webhooks",
        parameters=[ID_PARAMETER],
        responses={200: WebhookSerializer, 404: NOT_FOUND, **COMMON},
    ),
)
@extend_schema(tags=["webhooks"])
class WebhookViewSet(viewsets.GenericViewSet):
    queryset = WebhookSubscription.objects.none()  # the schema's model; _webhooks() decides
    serializer_class = WebhookSerializer
    authentication_classes = [KeyOrAgencyTokenAuthentication]
    permission_classes = [IsWebhookSubscriber, ReadOnlyTokenPermission]
    throttle_classes = [_SubscriberThrottle]
    parser_classes = [JSONParser]
    filter_backends: list = []
    lookup_value_regex = "[0-9]+"

    def _subscriber(self):
        """(actor, owner): the key itself, or the token's service account and its agency."""
        auth = self.request.auth
        if isinstance(auth, DeveloperKey):
            return auth, auth
        return self.request.user, auth.agency

    def _webhook(self) -> WebhookSubscription:
        webhook = selectors.webhook_get(owner=self._subscriber()[1], pk=self.kwargs["pk"])
        if webhook is None:
            raise Http404
        return webhook

    def list(self, request):
        page = self.paginate_queryset(selectors.webhook_list(owner=self._subscriber()[1]))
        return self.get_paginated_response(WebhookSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(WebhookSerializer(self._webhook()).data)

    @extend_schema(
        summary="Subscribe a URL (the signing secret is in this response only)",
        request=WebhookInput,
        responses={201: CreatedWebhookSerializer, 400: INVALID, 403: FORBIDDEN, **COMMON},
    )
    def create(self, request):
        data = WebhookInput(data=request.data)
        data.is_valid(raise_exception=True)
        actor, owner = self._subscriber()
        webhook, secret = services.webhook_create(actor=actor, owner=owner, **data.validated_data)
        body = CreatedWebhookSerializer(webhook, context={"secret": secret}).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"})

    @extend_schema(
        summary="Change a webhook's URL, filters or description (fields left out stay)",
        parameters=[ID_PARAMETER],
        request=WebhookInput(partial=True),
        responses={200: WebhookSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND, **COMMON},
    )
    def partial_update(self, request, pk=None):
        webhook = self._webhook()
        data = WebhookInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        actor, _owner = self._subscriber()
        webhook = services.webhook_update(actor=actor, webhook=webhook, **data.validated_data)
        return Response(WebhookSerializer(webhook).data)

    @extend_schema(
        summary="Delete a webhook and its delivery log",
        parameters=[ID_PARAMETER],
        request=None,
        responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND, **COMMON},
    )
    def destroy(self, request, pk=None):
        services.webhook_delete(actor=self._subscriber()[0], webhook=self._webhook())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Pause deliveries (events while paused are not delivered; the change feed keeps them)",
        parameters=[ID_PARAMETER],
        request=None,
        responses={200: WebhookSerializer, 403: FORBIDDEN, 404: NOT_FOUND, **COMMON},
    )
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        webhook = services.webhook_pause(actor=self._subscriber()[0], webhook=self._webhook())
        return Response(WebhookSerializer(webhook).data)

    @extend_schema(
        summary="Resume deliveries (a webhook the registry paused after dead letters, too)",
        parameters=[ID_PARAMETER],
        request=None,
        responses={200: WebhookSerializer, 403: FORBIDDEN, 404: NOT_FOUND, **COMMON},
    )
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        webhook = services.webhook_resume(actor=self._subscriber()[0], webhook=self._webhook())
        return Response(WebhookSerializer(webhook).data)

    @extend_schema(
        summary="The webhook's delivery log, newest first",
        parameters=[
            ID_PARAMETER,
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                enum=DeliveryStatus.values,
                description="Only deliveries in this state.",
            ),
        ],
        responses={200: DeliverySerializer(many=True), 400: INVALID, 404: NOT_FOUND, **COMMON},
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        webhook = self._webhook()
        wanted = request.query_params.get("status") or None
        if wanted is not None and wanted not in DeliveryStatus.values:
            raise serializers.ValidationError({"status": [f"One of {', '.join(DeliveryStatus.values)}."]})
        page = self.paginate_queryset(selectors.delivery_list(webhook=webhook, status=wanted))
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)

    @extend_schema(
        summary="Send a delivery's event again now (a new delivery, with its own id)",
        parameters=[ID_PARAMETER, DELIVERY_PARAMETER],
        request=None,
        responses={
            202: DeliverySerializer,
            400: _error("The webhook is paused: resume it first."),
            403: FORBIDDEN,
            404: _error("You have no webhook with this id, or it has no such delivery."),
            **COMMON,
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"deliveries/(?P<delivery_id>[0-9a-fA-F-]{36})/redeliver",
        url_name="redeliver",
    )
    def redeliver(self, request, pk=None, delivery_id=None):
        delivery = selectors.delivery_get(webhook=self._webhook(), delivery_id=delivery_id)
        if delivery is None:
            raise Http404
        again = services.webhook_redeliver(actor=self._subscriber()[0], delivery=delivery)
        return Response(DeliverySerializer(again).data, status=status.HTTP_202_ACCEPTED)
