from django.urls import path

from . import search_views, statistics_page, views
from .opendata import views as open_data_views

app_name = "lookup"

urlpatterns = [
    # The home page; with a query (?q=…) the search results, so every search link and form stays as it was.
    path("", views.home, name="search"),
    path("search", search_views.search, name="search-alias"),
    path("enterprises/<str:uscc>/", views.enterprise_detail, name="enterprise"),
    path("enterprises/<str:uscc>/report.pdf", views.report_pdf, name="report"),
    path("r/<str:token>", views.report_verify, name="report-verify"),
    path("statistics/", statistics_page.statistics, name="statistics"),
    path("lang/<str:code>/", views.switch_language, name="language"),
    path("open-data/", open_data_views.open_data, name="open-data"),
    path("open-data/verify.py", open_data_views.open_data_verify_script, name="open-data-verify-script"),
    path("open-data/latest/<path:name>", open_data_views.open_data_latest, name="open-data-latest"),
    path("open-data/<str:date>/<path:name>", open_data_views.open_data_file, name="open-data-file"),
]
