"""The catalogue of penalty categories and publicity rules, kept by registry administrators."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from registry.audit import audit_write, snapshot
from registry.permissions import ensure_registry_admin
from sanctions.choices import RecordKind
from sanctions.models import PenaltyCategory, PublicityRule

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _save_catalogue_entry(*, actor: User, instance, action: str):
    ensure_registry_admin(actor)
    before = None
    if instance.pk and type(instance).objects.filter(pk=instance.pk).exists():
        before = snapshot(type(instance).objects.get(pk=instance.pk))
    instance.full_clean()
    instance.save()
    audit_write(actor=actor, action=action, target=instance, before=before, after=snapshot(instance))
    return instance


@transaction.atomic
def penalty_category_save(*, actor: User, category: PenaltyCategory) -> PenaltyCategory:
    """Add or change a penalty category of the catalogue."""
    return _save_catalogue_entry(actor=actor, instance=category, action="catalogue.penalty_category_save")


@transaction.atomic
def publicity_rule_save(*, actor: User, rule: PublicityRule) -> PublicityRule:
    """Add or change a publicity rule; records already published keep the period computed for them."""
    if rule.penalty_category_id and rule.kind != RecordKind.PENALTY:
        raise ValidationError({"penalty_category": [_("Only a penalty rule can name a penalty category.")]})
    if rule.province and not (len(rule.province) == 2 and rule.province.isdigit()):
        raise ValidationError({"province": [_("A province code has two digits, e.g. 33.")]})
    return _save_catalogue_entry(actor=actor, instance=rule, action="catalogue.publicity_rule_save")
