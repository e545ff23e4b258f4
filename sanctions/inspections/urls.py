"""Desk pages for random inspections (/desk/inspections/…) and their public pages (/inspections/…).
Mounted at the root."""

from django.urls import path

from sanctions.inspections.views import desk, public

app_name = "inspections"

urlpatterns = [
    path("desk/inspections/", desk.plan_list, name="plans"),
    path("desk/inspections/new/", desk.plan_new, name="plan-new"),
    path("desk/inspections/roster/", desk.roster, name="roster"),
    path("desk/inspections/<int:pk>/", desk.plan_detail, name="plan"),
    path("desk/inspections/<int:pk>/edit/", desk.plan_edit, name="plan-edit"),
    path("desk/inspections/<int:pk>/submit/", desk.plan_submit_view, name="plan-submit"),
    path("desk/inspections/<int:pk>/approve/", desk.plan_approve_view, name="plan-approve"),
    path("desk/inspections/<int:pk>/send-back/", desk.plan_send_back_view, name="plan-send-back"),
    path("desk/inspections/<int:pk>/draw/", desk.plan_draw_view, name="plan-draw"),
    path("desk/inspections/results/<int:pk>/", desk.inspection_detail, name="inspection"),
    path(
        "desk/inspections/results/<int:pk>/publish/", desk.inspection_publish_view, name="inspection-publish"
    ),
    path(
        "desk/inspections/results/<int:pk>/send-back/",
        desk.inspection_send_back_view,
        name="inspection-send-back",
    ),
    path("inspections/", public.inspections_home, name="public"),
    path("inspections/<int:pk>/", public.plan_public, name="public-plan"),
    path("inspections/<int:pk>/snapshot.json", public.plan_snapshot, name="public-snapshot"),
    path("inspections/enterprises/<str:uscc>/", public.enterprise_results, name="public-enterprise"),
]
