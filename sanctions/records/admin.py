"""The catalogue in the admin: registry administrators edit categories and rules through services.

Credit records themselves are written on the clerk desk and the API, never in the admin: there
they are read-only, with their history.
"""

from django.contrib import admin

from registry.admin import ReadOnlyModelAdmin
from sanctions.models import CreditRecord, ImportBatch, PenaltyCategory, PublicityRule, RecordEvent
from sanctions.records import catalogue


@admin.register(PenaltyCategory)
class PenaltyCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "warning_only", "early_end_forbidden", "active"]
    list_filter = ["warning_only", "early_end_forbidden", "active"]
    search_fields = ["code", "name", "name_en"]

    def has_delete_permission(self, request, obj=None):
        return False  # retire a category with "in use" instead: records refer to it

    def save_model(self, request, obj, form, change):
        catalogue.penalty_category_save(actor=request.user, category=obj)


@admin.register(PublicityRule)
class PublicityRuleAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "penalty_category",
        "severity",
        "regulatory_field",
        "province",
        "min_months",
        "max_months",
        "early_repair_allowed",
        "effective_from",
        "effective_to",
    ]
    list_filter = ["kind", "severity", "regulatory_field", "early_repair_allowed"]
    search_fields = ["name", "legal_basis"]

    def has_delete_permission(self, request, obj=None):
        return False  # end a rule with "effective to": records keep the rule that produced them

    def save_model(self, request, obj, form, change):
        catalogue.publicity_rule_save(actor=request.user, rule=obj)


class RecordEventInline(admin.TabularInline):
    model = RecordEvent
    fields = ["at", "actor_label", "action", "comment", "changes"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CreditRecord)
class CreditRecordAdmin(ReadOnlyModelAdmin):
    list_display = [
        "document_number",
        "party_name",
        "kind",
        "status",
        "agency",
        "decision_date",
        "publicity_end",
        "version",
        "source_platform",
    ]
    list_filter = ["kind", "status", "usage_scope", "severity", "source_platform"]
    search_fields = ["document_number", "party_name", "party_uscc"]
    show_full_result_count = False
    inlines = [RecordEventInline]


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyModelAdmin):
    list_display = [
        "original_name",
        "agency",
        "uploaded_by",
        "status",
        "total_rows",
        "created_count",
        "error_count",
        "created_at",
    ]
    list_filter = ["status"]
