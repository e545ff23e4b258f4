"""The project's one API router (version 1)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from registry.api.token_views import AgencyTokenViewSet
from registry.api.views import AgencyViewSet, EnterpriseViewSet, USCCExplainView
from registry.api.views import USCC_PATH_REGEX
from sanctions.api.views import RecordViewSet

router = DefaultRouter(trailing_slash="/?")
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("agencies", AgencyViewSet, basename="agency")
router.register("records", RecordViewSet, basename="record")
router.register(rf"agencies/(?P<agency_uscc>{USCC_PATH_REGEX})/tokens", AgencyTokenViewSet, basename="agency-token")

urlpatterns = [
    path("uscc/<str:code>", USCCExplainView.as_view(), name="uscc-explain"),
    *router.urls,
]
