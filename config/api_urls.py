"""The project's one API (version 1): one router for the viewsets, plus the plain views."""

from django.urls import path, re_path
from rest_framework.routers import DefaultRouter

from lookup.api.changes import ChangeFeedView
from lookup.api.inspections import EnterpriseInspectionsView
from lookup.api.statistics import StatisticsView
from lookup.api.urls import urlpatterns as public_api_urlpatterns
from lookup.badges.api import BadgeVerifyView
from lookup.webhooks.api import WebhookViewSet
from registry.api.token_views import TOKENS_ROUTE, AgencyTokenViewSet
from registry.api.views import AgencyViewSet, EnterpriseViewSet, USCCExplainView
from sanctions.inspections.api import InspectionPlanViewSet, InspectionViewSet
from sanctions.lists.api import EnterpriseMeasuresView
from sanctions.records.api.views import RecordViewSet
from sanctions.records.importing.api import ImportViewSet
from sanctions.remedies.api.views import CommitmentViewSet, ObjectionViewSet, RepairApplicationViewSet

router = DefaultRouter(trailing_slash="/?")
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("agencies", AgencyViewSet, basename="agency")
router.register("records", RecordViewSet, basename="record")
router.register("imports", ImportViewSet, basename="import")
router.register(TOKENS_ROUTE, AgencyTokenViewSet, basename="agency-token")
router.register("repair-applications", RepairApplicationViewSet, basename="repair-application")
router.register("objections", ObjectionViewSet, basename="objection")
router.register("commitments", CommitmentViewSet, basename="commitment")
router.register("webhooks", WebhookViewSet, basename="webhook")
router.register("inspection-plans", InspectionPlanViewSet, basename="inspection-plan")
router.register("inspections", InspectionViewSet, basename="inspection")

urlpatterns = [
    # Ahead of the router, whose enterprise routes would otherwise take it.
    path("enterprises/<str:uscc>/measures", EnterpriseMeasuresView.as_view(), name="enterprise-measures"),
    path("uscc/<str:code>", USCCExplainView.as_view(), name="uscc-explain"),
    path("badges/verify", BadgeVerifyView.as_view(), name="badge-verify"),
    path("statistics/", StatisticsView.as_view(), name="statistics-api"),
    re_path(r"^changes/?$", ChangeFeedView.as_view(), name="changes"),
    re_path(
        r"^public/enterprises/(?P<uscc>[^/.]+)/inspections/?$",
        EnterpriseInspectionsView.as_view(),
        name="public-enterprise-inspections",
    ),
    # The public API ahead of the router: its search is the API's busiest address, and every one of the
    # router's hundred patterns would be tried before it.
    *public_api_urlpatterns,
    *router.urls,
]
