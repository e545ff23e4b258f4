from django.urls import path

from sanctions.records import views
from sanctions.records.importing import views as imports

app_name = "sanctions"

urlpatterns = [
    path("", views.record_list, name="records"),
    path("review/", views.review_list, name="review"),
    path("imports/", imports.import_list, name="imports"),
    path("imports/<int:pk>/", imports.import_detail, name="import"),
    path("imports/<int:pk>/errors.csv", imports.import_errors_csv, name="import-errors"),
    path("imports/<int:pk>/cancel/", imports.import_cancel_view, name="import-cancel"),
    path("imports/<int:pk>/resume/", imports.import_resume_view, name="import-resume"),
    path(
        "imports/templates/<slug:kind>/<slug:style>.<slug:fmt>",
        imports.import_template,
        name="import-template",
    ),
    path("records/new/<str:kind>/", views.record_new, name="record-new"),
    path("records/<int:pk>/", views.record_detail, name="record"),
    path("records/<int:pk>/edit/", views.record_edit, name="record-edit"),
    path("records/<int:pk>/correct/", views.record_correct_view, name="record-correct"),
    path("records/<int:pk>/submit/", views.record_submit_view, name="record-submit"),
    path("records/<int:pk>/publish/", views.record_publish_view, name="record-publish"),
    path("records/<int:pk>/send-back/", views.record_send_back_view, name="record-send-back"),
    path("records/<int:pk>/revoke/", views.record_revoke_view, name="record-revoke"),
]
