"""The records' public page (/credit-system/rules/). Mounted at the root."""

from django.urls import path

from sanctions.records.views.rules import rule_catalogue

app_name = "records"

urlpatterns = [
    path("credit-system/rules/", rule_catalogue, name="public-rules"),
]
