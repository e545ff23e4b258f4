"""``GET /api/v1/badges/verify?token=…``: the verification page's answer as JSON, for apps."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from lookup.badges import verification
from lookup.models import BadgeSector
from registry.api.serializers import SentTextField
from registry.throttling import AnonRateThrottle
from sanctions.lists import standing as standing_module

from .selectors import LIVE_LABELS

TOKEN_MAX = 300


class _ErrorItem(serializers.Serializer):
    field = serializers.CharField(allow_null=True)
    message = serializers.CharField()
    code = serializers.CharField()


class BadgeErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = _ErrorItem(many=True)


class _Standing(serializers.Serializer):
    level = serializers.ChoiceField(choices=list(standing_module.LEVELS))
    label = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())
    details = serializers.CharField(help_text="The reasons in one line, as the credit page prints them.")


class _Enterprise(serializers.Serializer):
    uscc = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField(help_text="Registration status (EnterpriseStatusEnum).")
    status_label = serializers.CharField()
    standing = _Standing()


class _Badge(serializers.Serializer):
    serial = serializers.CharField(help_text="Serial number as printed, e.g. 7K2Q9-MX4TB.")
    kind = serializers.ChoiceField(choices=["enterprise", "staff"])
    sector = serializers.ChoiceField(choices=BadgeSector.choices)
    sector_label = serializers.CharField()
    issued_on = serializers.DateField()
    expires_on = serializers.DateField()
    status = serializers.ChoiceField(choices=list(LIVE_LABELS), help_text="The badge's status now.")
    status_label = serializers.CharField()
    revoked_at = serializers.DateTimeField(allow_null=True)


class _Staff(serializers.Serializer):
    name_masked = serializers.CharField(help_text="The practitioner's name, masked (张*明).")
    registration_number = serializers.CharField()
    active = serializers.BooleanField(help_text="Still works for the enterprise.")
    has_photo = serializers.BooleanField()


class BadgeVerificationSerializer(serializers.Serializer):
    result = serializers.ChoiceField(
        choices=verification.RESULTS,
        help_text="valid: genuine, no adverse record in publicity · attention: penalties in publicity or "
        "a watch or abnormal operations listing · dishonest: on the "
        "seriously dishonest list (badge suspended) · suspended: enterprise revoked or deregistered · "
        "revoked · expired · staff_inactive: the person no longer works for the enterprise · "
        "not_genuine: bad signature, unknown key, altered or unknown badge.",
    )
    genuine = serializers.BooleanField(
        help_text="The token was signed by the registry and matches a badge it issued."
    )
    checked_at = serializers.DateTimeField(
        help_text="When this answer was computed: live data, not the printing date."
    )
    key_id = serializers.CharField(allow_null=True)
    badge = _Badge(allow_null=True)
    enterprise = _Enterprise(allow_null=True)
    staff = _Staff(allow_null=True)


class BadgeVerifyQuerySerializer(serializers.Serializer):
    # At most 300 characters as sent (the schema's maxLength), spaces around dropped afterwards.
    token = SentTextField(max_length=TOKEN_MAX, help_text="The token from the badge's URL (/v/<token>).")


class BadgeVerifyView(APIView):
    """Verify a badge token: is the badge genuine, and the enterprise (and person) in good standing now."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle]

    @extend_schema(
        operation_id="badges_verify",
        tags=["badges"],
        summary="Verify a QR credential badge",
        description="The same live answer as the page the QR code opens. A token that is not genuine is not an "
        "error: the answer says so (`result` = `not_genuine`). No data about the caller is kept; "
        "only a per-badge daily count.",
        parameters=[
            OpenApiParameter(
                "token",
                # Surrounding spaces are dropped; what is left must not be empty.
                {"type": "string", "minLength": 1, "maxLength": TOKEN_MAX, "pattern": r"\S"},
                OpenApiParameter.QUERY,
                required=True,
                allow_blank=False,
                description="The token from the badge's URL (/v/<token>), at most 300 characters.",
            )
        ],
        responses={
            200: BadgeVerificationSerializer,
            400: OpenApiResponse(
                BadgeErrorSerializer, description="No token, or longer than 300 characters."
            ),
            429: OpenApiResponse(BadgeErrorSerializer, description="Too many requests: slow down."),
        },
        examples=[
            OpenApiExample(
                "Not genuine",
                response_only=True,
                status_codes=["200"],
                value={
                    "result": "not_genuine",
                    "genuine": False,
                    "checked_at": "2026-05-01T10:00:00+08:00",
                    "key_id": None,
                    "badge": None,
                    "enterprise": None,
                    "staff": None,
                },
            )
        ],
    )
    def get(self, request):
        query = BadgeVerifyQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        answer = verification.badge_verify(token=query.validated_data["token"])
        response = Response(BadgeVerificationSerializer(answer).data)
        response["Cache-Control"] = "no-store"
        return response
