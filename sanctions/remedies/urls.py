"""Credit repair, objections and credit commitments: public pages, the enterprise account, the desk."""

from django.urls import path

from sanctions.remedies.views import account, desk, public

app_name = "remedies"

urlpatterns = [
    # Anyone
    path("enterprises/<str:uscc>/repair/", public.repair_eligibility, name="eligibility"),
    path("records/<int:pk>/object/", public.objection_new, {"kind": "record"}, name="object-record"),
    path("listings/<int:pk>/object/", public.objection_new, {"kind": "listing"}, name="object-listing"),
    path("objections/", public.objection_track, name="track"),
    path("objections/<str:reference>/", public.objection_follow, name="follow"),
    # An enterprise account
    path("account/repair/", account.my_applications, name="mine"),
    path("account/repair/apply/<str:kind>/<int:pk>/", account.repair_apply_view, name="apply"),
    path("account/repair/<int:pk>/", account.my_application, name="my-application"),
    path("account/repair/<int:pk>/withdraw/", account.my_application_withdraw, name="withdraw"),
    path("account/repair/materials/<int:pk>/", account.material_download, name="my-material"),
    # Agency staff
    path("desk/repair/", desk.repair_queue_view, name="queue"),
    path("desk/repair/<int:pk>/", desk.repair_application_view, name="application"),
    path("desk/repair/<int:pk>/decide/", desk.repair_decide, name="decide"),
    path("desk/repair/materials/<int:pk>/", account.material_download, name="material"),
    path("desk/objections/", desk.objection_queue_view, name="objections"),
    path("desk/objections/<int:pk>/", desk.objection_detail, name="objection"),
    path("desk/objections/<int:pk>/forward/", desk.objection_forward_view, name="objection-forward"),
    path("desk/objections/<int:pk>/decide/", desk.objection_decide, name="objection-decide"),
    path("desk/objections/<int:pk>/correct/", desk.objection_correct_view, name="objection-correct"),
    path("desk/objections/evidence/<int:pk>/", desk.evidence_download, name="evidence"),
    path("desk/commitments/", desk.commitment_list, name="commitments"),
    path("desk/commitments/new/", desk.commitment_new, name="commitment-new"),
    path("desk/commitments/<int:pk>/", desk.commitment_detail, name="commitment"),
    path("desk/commitments/<int:pk>/decide/", desk.commitment_decide, name="commitment-decide"),
]
