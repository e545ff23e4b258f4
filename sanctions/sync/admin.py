"""Partner platforms in the admin (edited through ``partner_register``), and what their sync
refused or could not apply, for a registry administrator to review."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from registry.admin import ReadOnlyModelAdmin
from sanctions.models import PartnerPlatform, SyncConflict, SyncRejection
from sanctions.sync.services import partner_register


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


@admin.register(PartnerPlatform)
class PartnerPlatformAdmin(admin.ModelAdmin):
    form = PartnerPlatformForm
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

    def has_add_permission(self, request):
        return False


@admin.register(SyncRejection)
class SyncRejectionAdmin(ReadOnlyModelAdmin):
    list_display = ["created_at", "partner", "reason", "kind", "subject"]
    list_filter = ["partner", "reason"]
    search_fields = ["subject", "message"]
