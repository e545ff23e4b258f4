"""QR credential badges: the short verification URL and the enterprise account pages."""

from django.urls import path

from . import views

app_name = "badges"

urlpatterns = [
    path("v/<str:token>", views.verify, name="verify"),
    path("v/<str:token>/photo", views.verify_photo, name="verify-photo"),
    path("v/<str:token>/report", views.report, name="report"),
    path("account/claim/", views.claim, name="claim"),
    path("account/enterprises/<str:uscc>/", views.dashboard, name="dashboard"),
    path("account/enterprises/<str:uscc>/staff/", views.staff_register, name="staff-register"),
    path(
        "account/enterprises/<str:uscc>/staff/<int:pk>/deactivate",
        views.staff_deactivate,
        name="staff-deactivate",
    ),
    path("account/enterprises/<str:uscc>/badges/", views.badge_issue, name="badge-issue"),
    path(
        "account/enterprises/<str:uscc>/badges/<str:serial>/revoke", views.badge_revoke, name="badge-revoke"
    ),
    path(
        "account/enterprises/<str:uscc>/badges/<str:serial>/<str:layout>",
        views.badge_download,
        name="badge-download",
    ),
]
