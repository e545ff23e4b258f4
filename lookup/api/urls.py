"""Routes of the public API, appended to ``config/api_urls.py`` under ``/api/v1/public/``."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .views import PublicEnterpriseViewSet

router = SimpleRouter(trailing_slash="/?")
router.register("enterprises", PublicEnterpriseViewSet, basename="public-enterprise")

urlpatterns = [path("public/", include(router.urls))]
