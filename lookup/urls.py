from django.urls import path

from . import search_views, statistics_page, views

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
]
