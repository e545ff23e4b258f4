from django.urls import path

from . import views

app_name = "lookup"

urlpatterns = [
    path("", views.search, name="search"),
    path("search", views.search, name="search-alias"),
    path("enterprises/<str:uscc>/", views.enterprise_detail, name="enterprise"),
]
