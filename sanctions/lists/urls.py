"""Desk pages for listings, subscriptions and notifications (/desk/listings/…, /desk/subscriptions/,
/desk/notifications/) and the public credit-system pages (/credit-system/…). Mounted at the root."""

from django.urls import path

from sanctions.lists import views

app_name = "lists"

urlpatterns = [
    path("desk/listings/", views.listing_list, name="listings"),
    path("desk/listings/review/", views.listing_review, name="listing-review"),
    path("desk/listings/new/", views.listing_new, name="listing-new"),
    path("desk/listings/<int:pk>/", views.listing_detail, name="listing"),
    path("desk/listings/<int:pk>/edit/", views.listing_edit, name="listing-edit"),
    path("desk/listings/<int:pk>/submit/", views.listing_submit_view, name="listing-submit"),
    path("desk/listings/<int:pk>/publish/", views.listing_publish_view, name="listing-publish"),
    path("desk/listings/<int:pk>/send-back/", views.listing_send_back_view, name="listing-send-back"),
    path("desk/listings/<int:pk>/remove/", views.listing_remove_view, name="listing-remove"),
    path("desk/subscriptions/", views.subscription_list, name="subscriptions"),
    path("desk/subscriptions/<int:pk>/delete/", views.subscription_delete_view, name="subscription-delete"),
    path("desk/notifications/", views.notification_list, name="notifications"),
    path("credit-system/lists/", views.credit_lists, name="public-lists"),
    path("credit-system/lists/<str:code>/", views.credit_list, name="public-list"),
    path("credit-system/measures/", views.credit_measures, name="public-measures"),
    path("credit-system/ratings/<str:uscc>/", views.credit_rating, name="public-rating"),
]
