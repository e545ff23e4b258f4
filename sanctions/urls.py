from django.urls import path

app_name = "sanctions"

urlpatterns: list = []
