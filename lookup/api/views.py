"""The public read-only API: search, one enterprise, its public records, its standing.

What is public is decided by the same selectors as the credit page (``public_records_for``,
``enterprise_standing``) and presented by the same function (``public_record_fields``): the API
never holds a copy of the visibility or masking rules. Anyone may read; requests are limited per
client address, or per developer key (``X-Api-Key``) with the key's higher quota.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from registry.annual_reports.selectors import annual_reports_public
from registry.api.token_views import ApiErrorSerializer
from registry.api.views import USCC_PATH_REGEX
from registry.details.changes import public_change
from registry.details.public import public_registration_details, registration_details_read
from registry.models import Enterprise, EnterpriseChange
from registry.selectors import SearchPage, enterprise_in_path, enterprise_list, enterprise_search_page
from sanctions.lists.selectors import active_listings_for
from sanctions.lists.standing import enterprise_standing
from sanctions.records.selectors import public_records_for

from ..developer_keys import DeveloperKeyAuthentication
from ..masking import public_listing_fields, public_record_fields
from . import schema  # noqa: F401 - registers the developer key's OpenAPI security scheme
from .serializers import (
    PublicAnnualReportSerializer,
    PublicChangeSerializer,
    PublicEnterpriseSummarySerializer,
    PublicListingSerializer,
    PublicRecordSerializer,
    PublicRegistrationSerializer,
    RecordsQueryInput,
    SearchQueryInput,
    StandingSerializer,
)
from .throttles import PublicApiThrottle


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ApiErrorSerializer, description=description)


RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    response=[429],
    description="Seconds to wait before the next request will be accepted.",
)
USCC_PARAMETER = OpenApiParameter(
    "uscc",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    pattern=f"^{USCC_PATH_REGEX}$",
    description="The unified social credit code (18 characters, upper case).",
)
COMMON = {
    401: _error("An X-Api-Key header with an unknown or revoked developer key."),
    429: _error(
        "Too many requests from this address (or for this developer key); retry after the number of "
        "seconds in Retry-After."
    ),
}
NO_ENTERPRISE = _error("No enterprise has this code.")


class PagedSearch:
    """The results of a search as the paginator reads them (``count()``, then one slice), each page
    read with its count in one query (``enterprise_search_page``); ``enterprise_list`` for what that
    does not page. The count is exact up to ``SEARCH_LIMIT``, and ``SEARCH_LIMIT`` + 1 past it."""

    def __init__(self, query: str, *, per_page: int, number: str) -> None:
        self.query = query
        self.per_page = per_page
        self.number = int(number) if number.isascii() and number.isdigit() and int(number) >= 1 else 1
        self._pages: dict[int, SearchPage | None] = {}

    def _page(self, number: int) -> SearchPage | None:
        if number not in self._pages:
            self._pages[number] = enterprise_search_page(
                query=self.query, number=number, per_page=self.per_page
            )
        return self._pages[number]

    def _fallback(self):
        return enterprise_list(query=self.query)

    def count(self) -> int:
        page = self._page(self.number)
        return self._fallback().count() if page is None else page.count

    def __getitem__(self, part: slice) -> list:
        number = part.start // self.per_page + 1
        page = self._page(number)
        if page is None:
            return list(self._fallback()[part])
        if page.number != number:  # past the last page: the paginator has said so already
            return []
        return page.hits[: part.stop - part.start]

    def __len__(self) -> int:
        return self.count()


@extend_schema_view(
    list=extend_schema(
        summary="Search enterprises by name or code",
        description=(
            "Best first. `count` is exact up to 200; 201 means more than 200 (narrow the query): only "
            "the first 200 results (and the 201st) are paged."
        ),
        parameters=[
            OpenApiParameter(
                "q",
                {"type": "string", "minLength": 1, "maxLength": 100, "pattern": r"\S"},
                OpenApiParameter.QUERY,
                required=True,
                allow_blank=False,
                description=SearchQueryInput().fields["q"].help_text,
            ),
            RETRY_AFTER,
        ],
        responses={
            200: PublicEnterpriseSummarySerializer(many=True),
            400: _error("`q` is missing, empty or longer than 100 characters."),
            404: _error("A page past the last result, or deeper than the first 10,000 results."),
            **COMMON,
        },
    ),
    retrieve=extend_schema(
        summary="One enterprise by its USCC",
        parameters=[USCC_PARAMETER, RETRY_AFTER],
        responses={200: PublicEnterpriseSummarySerializer, 404: NO_ENTERPRISE, **COMMON},
    ),
)
class PublicEnterpriseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Public, read-only, throttled: the same enterprises and records the credit pages show."""

    authentication_classes = [DeveloperKeyAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = [PublicApiThrottle]
    serializer_class = PublicEnterpriseSummarySerializer
    filter_backends: list = []
    lookup_field = "uscc"
    lookup_value_regex = "[^/.]+"

    def get_queryset(self):
        query = SearchQueryInput(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return PagedSearch(
            query.validated_data["q"],
            per_page=self.paginator.get_page_size(self.request),
            number=self.request.query_params.get(self.paginator.page_query_param, "1"),
        )

    def get_object(self) -> Enterprise:
        return enterprise_in_path(self.kwargs["uscc"])

    @extend_schema(
        summary="An enterprise's public credit records",
        parameters=[USCC_PARAMETER, RecordsQueryInput, RETRY_AFTER],
        responses={
            200: PublicRecordSerializer(many=True),
            400: _error("`kind` is not one of penalty, licence, reward."),
            404: _error("No enterprise has this code, or a page past the last result."),
            **COMMON,
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="records",
        filter_backends=[],
        serializer_class=PublicRecordSerializer,
    )
    def records(self, request, uscc: str):
        enterprise = self.get_object()
        # A plain dict, not the QueryDict: DRF reads an empty form value as "not given", and
        # ``?kind=`` is not a kind.
        query = RecordsQueryInput(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        records = public_records_for(enterprise=enterprise).order_by("-decision_date", "-id")
        if query.validated_data.get("kind"):
            records = records.filter(kind=query.validated_data["kind"])
        if "source" in query.validated_data:
            source = query.validated_data["source"]
            records = records.filter(source_platform="" if source == settings.PLATFORM_CODE else source)
        page = self.paginate_queryset(records)
        return self.get_paginated_response(
            PublicRecordSerializer([public_record_fields(r) for r in page], many=True).data
        )

    @extend_schema(
        summary="An enterprise's list memberships in force today",
        parameters=[USCC_PARAMETER, RETRY_AFTER],
        responses={200: PublicListingSerializer(many=True), 404: NO_ENTERPRISE, **COMMON},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="listings",
        filter_backends=[],
        pagination_class=None,
        serializer_class=PublicListingSerializer,
    )
    def listings(self, request, uscc: str):
        enterprise = self.get_object()
        listings = active_listings_for(enterprise=enterprise).order_by("list_kind__nature", "-start_date")
        return Response(
            PublicListingSerializer(
                [public_listing_fields(entry, enterprise=enterprise) for entry in listings], many=True
            ).data
        )

    @extend_schema(
        summary="An enterprise's credit standing today, with the reasons and the sentence the page prints",
        parameters=[USCC_PARAMETER, RETRY_AFTER],
        responses={200: StandingSerializer, 404: NO_ENTERPRISE, **COMMON},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="standing",
        filter_backends=[],
        pagination_class=None,
        serializer_class=StandingSerializer,
    )
    def standing(self, request, uscc: str):
        enterprise = self.get_object()
        today = timezone.localdate()
        standing = enterprise_standing(enterprise=enterprise, today=today)
        return Response(
            StandingSerializer({"uscc": enterprise.uscc, **standing.as_dict(), "as_of": today}).data
        )

    @extend_schema(
        summary="An enterprise's annual reports, year by year, with only the figures it chose to publish",
        description=(
            "Each year's current version (corrections replace what is shown and are dated in "
            "`corrected_on`), newest year first. Contact details, state of operation, capital, "
            "investments and websites are always public (企业信息公示暂行条例 art. 9); employees, "
            "financial figures, tax and social insurance are null unless the enterprise published them."
        ),
        parameters=[USCC_PARAMETER, RETRY_AFTER],
        responses={200: PublicAnnualReportSerializer(many=True), 404: NO_ENTERPRISE, **COMMON},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="annual-reports",
        filter_backends=[],
        pagination_class=None,
        serializer_class=PublicAnnualReportSerializer,
    )
    def annual_reports(self, request, uscc: str):
        enterprise = self.get_object()
        return Response(
            PublicAnnualReportSerializer(annual_reports_public(enterprise=enterprise), many=True).data
        )

    @extend_schema(
        summary="An enterprise's registration details: shareholders, key personnel, branches, its parent",
        description=(
            "As the National Enterprise Credit Information Publicity System publishes them. A shareholder who "
            "is a natural person is named only in part (张*丰); key personnel are registration facts, named in "
            "full like the legal representative. Up to 50 of each; the counts say how many there are."
        ),
        parameters=[USCC_PARAMETER, RETRY_AFTER],
        responses={200: PublicRegistrationSerializer, 404: NO_ENTERPRISE, **COMMON},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="registration",
        filter_backends=[],
        pagination_class=None,
        serializer_class=PublicRegistrationSerializer,
    )
    def registration(self, request, uscc: str):
        enterprise = self.get_object()
        details = public_registration_details(registration_details_read(enterprise))
        details.pop("changes", None)
        return Response(PublicRegistrationSerializer({"uscc": enterprise.uscc, **details}).data)

    @extend_schema(
        summary="An enterprise's change history (变更记录), newest first",
        description="Every change of a registration fact, a renaming included; shareholders who are natural "
        "persons named only in part.",
        parameters=[USCC_PARAMETER, RETRY_AFTER],
        responses={
            200: PublicChangeSerializer(many=True),
            404: _error("No enterprise has this code, or a page past the last result."),
            **COMMON,
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="changes",
        filter_backends=[],
        serializer_class=PublicChangeSerializer,
    )
    def changes(self, request, uscc: str):
        enterprise = self.get_object()
        changes = EnterpriseChange.objects.filter(enterprise=enterprise).order_by("-changed_on", "-id")
        page = self.paginate_queryset(changes)
        return self.get_paginated_response(
            PublicChangeSerializer([public_change(c) for c in page], many=True).data
        )
