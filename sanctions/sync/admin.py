"""Partner platforms in the admin (edited through ``partner_register``), and what their sync
refused or could not apply, for a registry administrator to review."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from registry.admin import ReadOnlyModelAdmin
from sanctions.models import PartnerPlatform, PartnerRecognition, SyncConflict, SyncRejection
from sanctions.sync.services import (
    partner_recognition_delete,
    partner_recognition_save,
    partner_register,
    sync_conflict_reopen,
    sync_conflict_resolve,
)


class PartnerPlatformForm(forms.ModelForm):
    key = forms.CharField(
        label=_("developer key"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("The key the partner issued for its feed. Stored encrypted; leave empty to keep it."),
    )

    class Meta:
        model = PartnerPlatform
        fields = ["code", "name", "name_en", "feed_url", "relays", "enabled"]


class PartnerRecognitionInline(admin.TabularInline):
    """Which of the partner's kinds count here for ratings and the standing (none listed: all count)."""

    model = PartnerRecognition
    extra = 0
    fields = ["record_kind", "list_kind", "counts_for_rating", "counts_for_standing"]


@admin.register(PartnerPlatform)
class PartnerPlatformAdmin(admin.ModelAdmin):
    form = PartnerPlatformForm
    inlines = [PartnerRecognitionInline]
    list_display = ["code", "name", "enabled", "last_run_at", "last_status", "events_imported"]
    readonly_fields = [
        "last_cursor",
        "page_offset",
        "events_imported",
        "last_run_at",
        "last_status",
        "last_error",
    ]

    def has_delete_permission(self, request, obj=None):
        return False  # its copies keep pointing at it (received_from)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            saved = partner_register(
                actor=request.user,
                code=data["code"],
                name=data["name"],
                feed_url=data["feed_url"],
                key=data.get("key") or "",
                name_en=data.get("name_en") or "",
                relays=data.get("relays") or "",
                enabled=data["enabled"],
            )
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None
        obj.pk = saved.pk

    def save_formset(self, request, form, formset, change):
        for recognition in formset.save(commit=False):
            recognition.partner_id = form.instance.pk
            partner_recognition_save(actor=request.user, recognition=recognition)
        for recognition in formset.deleted_objects:
            partner_recognition_delete(actor=request.user, recognition=recognition)


@admin.register(SyncConflict)
class SyncConflictAdmin(admin.ModelAdmin):
    list_display = ["created_at", "partner", "kind", "enterprise_uscc", "document_number", "resolved"]
    list_filter = ["partner", "kind", "resolved"]
    search_fields = ["enterprise_uscc", "document_number", "subject"]
    fields = [
        "created_at",
        "partner",
        "kind",
        "subject",
        "enterprise_uscc",
        "document_number",
        "local_record",
        "message",
        "payload",
        "resolved",
    ]
    readonly_fields = [f for f in fields if f != "resolved"]
    actions = ["resolve"]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        """Ticking or unticking "resolved" (the one field that can change) goes through the service."""
        if "resolved" not in form.changed_data:
            return
        mark = sync_conflict_resolve if obj.resolved else sync_conflict_reopen
        try:
            mark(actor=request.user, conflict=obj)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.WARNING)

    @admin.action(description=_("Mark the selected conflicts as resolved"))
    def resolve(self, request, queryset):
        done = 0
        for conflict in queryset.filter(resolved=False):
            sync_conflict_resolve(actor=request.user, conflict=conflict)
            done += 1
        self.message_user(
            request,
            ngettext("%(n)d conflict marked as resolved.", "%(n)d conflicts marked as resolved.", done)
            % {"n": done},
            messages.SUCCESS,
        )


@admin.register(SyncRejection)
class SyncRejectionAdmin(ReadOnlyModelAdmin):
    list_display = ["created_at", "partner", "reason", "kind", "subject"]
    list_filter = ["partner", "reason"]
    search_fields = ["subject", "message"]
