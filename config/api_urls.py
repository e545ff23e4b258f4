"""The project's one API router (version 1)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from registry.api.views import AgencyViewSet, EnterpriseViewSet, USCCExplainView

router = DefaultRouter(trailing_slash="/?")
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("agencies", AgencyViewSet, basename="agency")

urlpatterns = [
    path("uscc/<str:code>", USCCExplainView.as_view(), name="uscc-explain"),
    *router.urls,
]
