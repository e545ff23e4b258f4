"""Desk pages for listings, subscriptions and notifications (/desk/listings/…, /desk/subscriptions/,
/desk/notifications/) and the public credit-system pages (/credit-system/…). Mounted at the root."""

from django.urls import path

from sanctions.lists.views import account, desk, public

app_name = "lists"

urlpatterns = [
    path("desk/listings/", desk.listing_list, name="listings"),
    path("desk/listings/review/", desk.listing_review, name="listing-review"),
    path("desk/listings/new/", desk.listing_new, name="listing-new"),
    path("desk/listings/<int:pk>/", desk.listing_detail, name="listing"),
    path("desk/listings/<int:pk>/edit/", desk.listing_edit, name="listing-edit"),
    path("desk/listings/<int:pk>/submit/", desk.listing_submit_view, name="listing-submit"),
    path("desk/listings/<int:pk>/publish/", desk.listing_publish_view, name="listing-publish"),
    path("desk/listings/<int:pk>/send-back/", desk.listing_send_back_view, name="listing-send-back"),
    path("desk/listings/<int:pk>/remove/", desk.listing_remove_view, name="listing-remove"),
    path("desk/subscriptions/", desk.subscription_list, name="subscriptions"),
    path("desk/subscriptions/<int:pk>/delete/", desk.subscription_delete_view, name="subscription-delete"),
    path("desk/notifications/", desk.notification_list, name="notifications"),
    path(
        "account/annual-reports/abnormal-list/",
        account.annual_report_listings_view,
        name="annual-report-listings",
    ),
    path("credit-system/lists/", public.credit_lists, name="public-lists"),
    path("credit-system/lists/<str:code>/", public.credit_list, name="public-list"),
    path("credit-system/measures/", public.credit_measures, name="public-measures"),
    path("credit-system/ratings/<str:uscc>/", public.credit_rating, name="public-rating"),
]
