"""Credit repair, objections and credit commitments: public pages, the enterprise account, the desk."""

from django.urls import path

from sanctions.remedies import views

app_name = "remedies"

urlpatterns = [
    # Anyone
    path("enterprises/<str:uscc>/repair/", views.repair_eligibility, name="eligibility"),
    path("records/<int:pk>/object/", views.objection_new, {"kind": "record"}, name="object-record"),
    path("listings/<int:pk>/object/", views.objection_new, {"kind": "listing"}, name="object-listing"),
    path("objections/<str:reference>/", views.objection_follow, name="follow"),
    # An enterprise account
    path("account/repair/", views.my_applications, name="mine"),
    path("account/repair/apply/<str:kind>/<int:pk>/", views.repair_apply_view, name="apply"),
    path("account/repair/<int:pk>/", views.my_application, name="my-application"),
    path("account/repair/<int:pk>/withdraw/", views.my_application_withdraw, name="withdraw"),
    path("account/repair/materials/<int:pk>/", views.material_download, name="my-material"),
    # Agency staff
    path("desk/repair/", views.repair_queue_view, name="queue"),
    path("desk/repair/<int:pk>/", views.repair_application_view, name="application"),
    path("desk/repair/<int:pk>/decide/", views.repair_decide, name="decide"),
    path("desk/repair/materials/<int:pk>/", views.material_download, name="material"),
    path("desk/objections/", views.objection_queue_view, name="objections"),
    path("desk/objections/<int:pk>/", views.objection_detail, name="objection"),
    path("desk/objections/<int:pk>/forward/", views.objection_forward_view, name="objection-forward"),
    path("desk/objections/<int:pk>/decide/", views.objection_decide, name="objection-decide"),
    path("desk/objections/<int:pk>/correct/", views.objection_correct_view, name="objection-correct"),
    path("desk/objections/evidence/<int:pk>/", views.evidence_download, name="evidence"),
    path("desk/commitments/", views.commitment_list, name="commitments"),
    path("desk/commitments/new/", views.commitment_new, name="commitment-new"),
    path("desk/commitments/<int:pk>/", views.commitment_detail, name="commitment"),
    path("desk/commitments/<int:pk>/decide/", views.commitment_decide, name="commitment-decide"),
]
