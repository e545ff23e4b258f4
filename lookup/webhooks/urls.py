"""The desk's webhook pages, mounted at the root (/desk/webhooks/…)."""

from django.urls import path

from . import views

app_name = "webhooks"

urlpatterns = [
    path("desk/webhooks/", views.webhook_list, name="list"),
    path("desk/webhooks/<int:pk>/", views.webhook_detail, name="detail"),
    path("desk/webhooks/<int:pk>/pause/", views.webhook_pause_view, name="pause"),
    path("desk/webhooks/<int:pk>/resume/", views.webhook_resume_view, name="resume"),
    path("desk/webhooks/<int:pk>/delete/", views.webhook_delete_view, name="delete"),
    path(
        "desk/webhooks/<int:pk>/deliveries/<uuid:delivery_id>/redeliver/",
        views.webhook_redeliver_view,
        name="redeliver",
    ),
]
