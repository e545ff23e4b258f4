"""Remedies in the admin: statutory deadlines are edited here (through their service); applications,
objections and commitments are read-only (they are decided on the desk). Uploaded files are never
linked from the admin: they are served by the desk's permission-checking download views only.

Imported by ``sanctions/admin.py``.
"""

from django.contrib import admin

from registry.admin import ReadOnlyModelAdmin
from sanctions.models import (
    Commitment,
    DeadlineRule,
    Objection,
    ObjectionEvidence,
    RepairApplication,
    RepairMaterial,
)
from sanctions.remedies.deadlines import deadline_rule_save


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    list_display = ["kind", "working_days", "legal_basis", "effective_from", "effective_to"]
    list_filter = ["kind"]
    search_fields = ["legal_basis"]

    def has_delete_permission(self, request, obj=None):
        return False  # end a rule with "effective to": deadlines already computed keep their rule

    def save_model(self, request, obj, form, change):
        deadline_rule_save(actor=request.user, rule=obj)


class ReadOnlyAdmin(ReadOnlyModelAdmin):
    """Shown, never changed: every change goes through a service on the desk."""

    hidden = frozenset({"file", "follow_token_hash"})


class RepairMaterialInline(admin.TabularInline):
    model = RepairMaterial
    fields = ["kind", "original_name", "content_type", "size", "sha256", "uploaded_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RepairApplication)
class RepairApplicationAdmin(ReadOnlyAdmin):
    list_display = ["enterprise", "record", "listing", "agency", "status", "submitted_at", "decide_by"]
    list_filter = ["status"]
    search_fields = ["enterprise__name", "enterprise__uscc"]
    inlines = [RepairMaterialInline]


class ObjectionEvidenceInline(admin.TabularInline):
    model = ObjectionEvidence
    fields = ["original_name", "content_type", "size", "sha256", "uploaded_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "record",
        "listing",
        "agency",
        "status",
        "received_at",
        "forward_by",
        "decide_by",
    ]
    list_filter = ["status"]
    search_fields = ["reference"]
    inlines = [ObjectionEvidenceInline]


@admin.register(Commitment)
class CommitmentAdmin(ReadOnlyAdmin):
    list_display = ["enterprise", "agency", "kind", "signed_on", "due_date", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["enterprise__name", "enterprise__uscc", "content"]
