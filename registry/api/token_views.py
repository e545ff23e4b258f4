"""Agency API tokens, managed by the agency's administrators (or registry administrators).

Only a signed-in person manages tokens: these endpoints take session authentication alone, so a
token can never issue or revoke tokens. The key is in the response to the issue, and nowhere else.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from registry.throttling import UserRateThrottle

from ..models import Agency, ApiToken
from ..permissions import can_manage_agency_staff
from ..selectors import agency_get
from ..tokens import MAX_DAYS, token_issue, token_revoke
from .serializers import ApiErrorItemSerializer, ApiErrorSerializer  # noqa: F401 - re-exported
from .views import USCC_PATH_REGEX

# Registered on the project router: /api/v1/agencies/{uscc}/tokens/
TOKENS_ROUTE = rf"agencies/(?P<agency_uscc>{USCC_PATH_REGEX})/tokens"


class TokenSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    state = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = [
            "prefix",
            "name",
            "read_only",
            "state",
            "created_by",
            "created_at",
            "expires_at",
            "revoked_at",
            "last_used_at",
        ]
        read_only_fields = fields

    def get_state(self, obj: ApiToken) -> str:
        if obj.revoked_at:
            return "revoked"
        return "expired" if obj.expires_at <= timezone.now() else "active"


class IssuedTokenSerializer(TokenSerializer):
    key = serializers.SerializerMethodField(help_text="The key, shown this once: it is not stored.")

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "key"]
        read_only_fields = fields

    def get_key(self, obj: ApiToken) -> str:
        return self.context["key"]


class TokenIssueInput(serializers.Serializer):
    name = serializers.CharField(max_length=100, help_text="What system will use the token.")
    days = serializers.IntegerField(min_value=1, max_value=MAX_DAYS, default=365)
    read_only = serializers.BooleanField(default=False)


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ApiErrorSerializer, description=description)


FORBIDDEN = _error(
    "Not signed in (a session is required; API tokens are not accepted here), or not an "
    "administrator of this agency."
)
TOO_MANY = _error("Too many requests; retry after the number of seconds in Retry-After.")
NO_AGENCY = _error("No agency has this code.")


@extend_schema(
    tags=["agencies"],
    parameters=[
        OpenApiParameter(
            "agency_uscc",
            OpenApiTypes.STR,
            OpenApiParameter.PATH,
            pattern=f"^{USCC_PATH_REGEX}$",
            description="The agency's USCC.",
        )
    ],
)
class AgencyTokenViewSet(viewsets.GenericViewSet):
    queryset = ApiToken.objects.none()  # the schema's model; _tokens() decides
    authentication_classes = [SessionAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes = [UserRateThrottle]
    parser_classes = [JSONParser]
    pagination_class = None
    filter_backends: list = []
    lookup_field = "prefix"
    lookup_value_regex = "[0-9a-f]{8}"

    def _agency(self) -> Agency:
        agency = agency_get(uscc=self.kwargs["agency_uscc"])
        if agency is None:
            raise Http404
        # The services check again; asking first keeps other agencies' token prefixes unknown.
        if not can_manage_agency_staff(self.request.user, agency):
            raise PermissionDenied(
                _("Only an administrator of %(agency)s may manage its API tokens.") % {"agency": agency.name}
            )
        return agency

    def _tokens(self, agency: Agency):
        return ApiToken.objects.filter(agency=agency).select_related("created_by", "user", "agency")

    @extend_schema(
        summary="An agency's API tokens (never their keys)",
        responses={200: TokenSerializer(many=True), 403: FORBIDDEN, 404: NO_AGENCY, 429: TOO_MANY},
    )
    def list(self, request, agency_uscc: str):
        return Response(TokenSerializer(self._tokens(self._agency()), many=True).data)

    @extend_schema(
        summary="Issue an API token (the key is in this response only)",
        request=TokenIssueInput,
        responses={
            201: IssuedTokenSerializer,
            400: _error("Invalid input: `errors` lists each field and message."),
            403: FORBIDDEN,
            404: NO_AGENCY,
            429: TOO_MANY,
        },
    )
    def create(self, request, agency_uscc: str):
        agency = self._agency()
        data = TokenIssueInput(data=request.data)
        data.is_valid(raise_exception=True)
        token, key = token_issue(actor=request.user, agency=agency, **data.validated_data)
        body = IssuedTokenSerializer(token, context={"key": key}).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"})

    @extend_schema(
        summary="Revoke an API token at once",
        request=None,
        responses={
            200: TokenSerializer,
            403: FORBIDDEN,
            404: _error("No agency has this code, or it has no such token."),
            429: TOO_MANY,
        },
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, agency_uscc: str, prefix: str):
        token = self._tokens(self._agency()).filter(prefix=prefix).first()
        if token is None:
            raise Http404
        return Response(TokenSerializer(token_revoke(actor=request.user, token=token)).data)
