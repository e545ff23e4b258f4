from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config import error_pages
from lookup import views as lookup_views
from registry import account_views, health
from registry.api.exceptions import json_under_api

admin.site.site_header = _("Credit registry administration")
admin.site.site_title = _("Credit registry")
admin.site.index_title = _("Registry administration")

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # The API by its own prefix, before the includes at the root: each of their patterns would be tried
    # before it (49 µs to resolve the public search, 22 µs here); a page skips it on its first letters.
    path("api/v1/", include("config.api_urls")),
    # The public pages first: the credit page and the badge scans are the hot paths.
    path("", include("lookup.urls")),
    # The enterprise users' sign-in, sign-up and home (/account/), before the badges' account pages.
    path("", include("registry.account_urls")),
    path("", include("lookup.badges.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path(".well-known/credit-registry-keys.json", lookup_views.signing_keys, name="signing-keys"),
    path("admin/", admin.site.urls),
    # Agency staff sign in here; a page of the enterprise account sends its visitors to their own page.
    path("accounts/login/", account_views.StaffSignInView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("desk/", include("sanctions.records.urls")),
    path("", include("lookup.webhooks.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI from our own static files, its set-up script served apart (?script): no inline script.
    # Its page title in the reader's language (the schema itself, for developers, is in English).
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", title=_("Corporate Credit Registry API")),
        name="api-docs",
    ),
    path("", include("sanctions.records.public_urls")),
    path("", include("sanctions.lists.urls")),
    path("", include("sanctions.remedies.urls")),
    path("", include("sanctions.inspections.urls")),
]

# The portal's pages, and JSON under /api/ (registry/api/exceptions.py).
handler400 = json_under_api(error_pages.bad_request, 400)
handler403 = json_under_api(error_pages.permission_denied, 403)
handler404 = json_under_api(error_pages.page_not_found, 404)
handler500 = json_under_api(error_pages.server_error, 500)
