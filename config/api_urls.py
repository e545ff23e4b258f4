"""The project's one API router (version 1)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from registry.api.token_views import TOKENS_ROUTE, AgencyTokenViewSet
from registry.api.views import AgencyViewSet, EnterpriseViewSet, USCCExplainView
from sanctions.api.views import RecordViewSet

router = DefaultRouter(trailing_slash="/?")
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("agencies", AgencyViewSet, basename="agency")
router.register("records", RecordViewSet, basename="record")
router.register(TOKENS_ROUTE, AgencyTokenViewSet, basename="agency-token")

urlpatterns = [
    path("uscc/<str:code>", USCCExplainView.as_view(), name="uscc-explain"),
    *router.urls,
]

# The public read-only API (lookup): /api/v1/public/…
from lookup.api.urls import urlpatterns as public_api_urlpatterns  # noqa: E402

urlpatterns += public_api_urlpatterns

# Joint measures for an enterprise (sanctions.api_lists); ahead of the router's enterprise routes.
from sanctions.api_lists import EnterpriseMeasuresView  # noqa: E402

urlpatterns.insert(0, path("enterprises/<str:uscc>/measures", EnterpriseMeasuresView.as_view(),
                           name="enterprise-measures"))
