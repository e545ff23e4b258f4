"""The credit system in the admin: lists, memoranda and measures, rating models and rules.

Registry administrators keep these as data (with legal basis and effective dates); every save goes
through a service, which checks the permission and writes the audit entry. Nothing is deleted:
a list is retired with "in use", a measure is ended with "effective to".
Listings are decided on the desk; here they are read-only.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from sanctions.lists import measures as measure_services
from sanctions.lists import ratings as rating_services
from sanctions.models import EnterpriseRating, Listing, ListKind, Measure, Memorandum, RatingModel, RatingRule


class NoDeleteAdmin(admin.ModelAdmin):
    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ListKind)
class ListKindAdmin(NoDeleteAdmin):
    list_display = [
        "code",
        "name",
        "name_en",
        "nature",
        "default_term_months",
        "early_removal_after_months",
        "active",
    ]
    list_filter = ["nature", "active"]
    search_fields = ["code", "name", "name_en"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []

    def save_model(self, request, obj, form, change):
        measure_services.list_kind_save(actor=request.user, list_kind=obj)


@admin.register(Memorandum)
class MemorandumAdmin(NoDeleteAdmin):
    list_display = ["name", "document_number", "signed_on"]
    search_fields = ["name", "document_number", "signatories"]

    def save_model(self, request, obj, form, change):
        measure_services.memorandum_save(actor=request.user, memorandum=obj)


@admin.register(Measure)
class MeasureAdmin(NoDeleteAdmin):
    list_display = [
        "name",
        "list_kind",
        "nature",
        "memorandum",
        "effective_from",
        "effective_to",
        "published_at",
    ]
    list_filter = ["nature", "list_kind", ("published_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "legal_basis", "memorandum__name"]
    filter_horizontal = ["applying_agencies"]
    readonly_fields = ["published_at"]
    actions = ["publish"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.published_at is not None:
            return [
                "memorandum",
                "list_kind",
                "nature",
                "name",
                "legal_basis",
                "effective_from",
                "applying_agencies",
                "published_at",
            ]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        # Agencies are many-to-many: they are saved with the measure in save_related, through the service.
        request._pending_measure = obj

    def save_related(self, request, form, formsets, change):
        agencies = form.cleaned_data.get("applying_agencies")
        measure_services.measure_save(
            actor=request.user,
            measure=request._pending_measure,
            applying_agencies=list(agencies) if agencies is not None else None,
        )

    @admin.action(description=_("Publish the selected measures"))
    def publish(self, request, queryset):
        done = 0
        for measure in queryset:
            try:
                measure_services.measure_publish(actor=request.user, measure=measure)
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                self.message_user(request, f"{measure}: {text}", messages.ERROR)
        if done:
            self.message_user(request, _("%(count)d measures published.") % {"count": done}, messages.SUCCESS)


class RatingRuleInline(admin.TabularInline):
    model = RatingRule
    extra = 0
    can_delete = False
    fields = [
        "order",
        "name",
        "name_en",
        "kind",
        "record_kind",
        "severity",
        "list_kind",
        "points",
        "max_count",
        "ceiling_grade",
        "legal_basis",
    ]


@admin.register(RatingModel)
class RatingModelAdmin(NoDeleteAdmin):
    list_display = ["code", "name", "base_points", "is_default", "effective_from"]
    inlines = [RatingRuleInline]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []

    def save_model(self, request, obj, form, change):
        rating_services.rating_model_save(actor=request.user, model=obj)

    def save_formset(self, request, form, formset, change):
        for rule in formset.save(commit=False):
            rating_services.rating_rule_save(actor=request.user, rule=rule)


@admin.register(RatingRule)
class RatingRuleAdmin(NoDeleteAdmin):
    list_display = [
        "name",
        "model",
        "kind",
        "record_kind",
        "severity",
        "list_kind",
        "points",
        "max_count",
        "ceiling_grade",
        "order",
    ]
    list_filter = ["model", "kind"]

    def save_model(self, request, obj, form, change):
        rating_services.rating_rule_save(actor=request.user, rule=obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Listing)
class ListingAdmin(ReadOnlyAdmin):
    list_display = ["enterprise", "list_kind", "agency", "status", "start_date", "end_date", "removal_reason"]
    list_filter = ["list_kind", "status", "removal_reason"]
    search_fields = ["enterprise__uscc", "enterprise__name", "document_number"]
    show_full_result_count = False


@admin.register(EnterpriseRating)
class EnterpriseRatingAdmin(ReadOnlyAdmin):
    list_display = ["enterprise", "model", "grade", "points", "is_current", "computed_at"]
    list_filter = ["model", "grade", "is_current"]
    search_fields = ["enterprise__uscc"]
    show_full_result_count = False
