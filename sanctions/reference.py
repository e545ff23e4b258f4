"""The seeded catalogue (docs/domain.md §4): penalty categories and publicity rules, from fixtures/.

Loaded once by a migration and kept editable by registry administrators afterwards: loading
adds what is missing and never overwrites an administrator's edits.
"""

from __future__ import annotations

import json
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def load_catalogue(category_model, rule_model) -> tuple[int, int]:
    """Penalty categories and publicity rules: adds what is missing (by name), returns how many.

    An earlier migration's model may lack a field added later: only the model's own fields are set.
    """
    categories = json.loads((FIXTURES / "penalty_categories.json").read_text(encoding="utf-8"))
    rules = json.loads((FIXTURES / "publicity_rules.json").read_text(encoding="utf-8"))
    new_categories = 0
    for item in categories:
        _obj, created = category_model.objects.get_or_create(code=item["code"], defaults=item)
        new_categories += created
    rule_fields = {f.attname for f in rule_model._meta.concrete_fields}
    new_rules = 0
    for item in rules:
        if any(item.get(name) and name not in rule_fields for name in _CRITERIA_ADDED_LATER):
            continue  # a rule that needs a criterion this model lacks waits for the migration adding it
        values = _rule_values(item, rule_fields)
        former = item.get("former", {}).get("name")
        if former and rule_model.objects.filter(name=former).exists():
            continue  # the seeded rule under its former name: upgrade_catalogue renames it
        _obj, created = rule_model.objects.get_or_create(name=values["name"], defaults=values)
        new_rules += created
    return new_categories, new_rules


def _rule_values(item: dict, fields: set[str]) -> dict:
    values = {k: v for k, v in item.items() if k != "former"}
    values["penalty_category_id"] = values.pop("penalty_category")
    return {k: v for k, v in values.items() if k in fields}


# Matching criteria added after the first seed: without them a rule would match too widely.
_CRITERIA_ADDED_LATER = ("agency_system", "party_category")
# The fields a seeded rule had before the catalogue recorded verification and readings.
_ADDED_LATER = {"agency_system": "", "party_category": "", "verification": "unconfirmed", "reading": ""}


def upgrade_catalogue(rule_model) -> int:
    """Bring the seeded rules of an existing database in line with the checked catalogue.

    A rule is changed only where it still holds what was seeded: a former name or legal basis
    listed in the fixture (``former``) is replaced, and the fields added later (agency system,
    party category, verification, reading) are filled in while they hold their defaults. An
    administrator's edits stay. Returns the number of rules changed.
    """
    rules = json.loads((FIXTURES / "publicity_rules.json").read_text(encoding="utf-8"))
    fields = {f.attname for f in rule_model._meta.concrete_fields}
    changed = 0
    for item in rules:
        values = _rule_values(item, fields)
        former = item.get("former", {})
        rule = (
            rule_model.objects.filter(name=former["name"]).first() if "name" in former else None
        ) or rule_model.objects.filter(name=values["name"]).first()
        if rule is None:
            continue
        updates = {}
        for name, old in former.items():
            if getattr(rule, name) == old:
                updates[name] = values[name]
        for name, default in _ADDED_LATER.items():
            if name in values and getattr(rule, name) == default and values[name] != default:
                updates[name] = values[name]
        if updates:
            for name, value in updates.items():
                setattr(rule, name, value)
            rule.save(update_fields=list(updates))
            changed += 1
    return changed


def load_credit_system(list_model, deadline_model, rating_model, rule_model) -> None:
    """List kinds, statutory deadlines and the default rating model; adds what is missing only."""
    data = json.loads((FIXTURES / "credit_system.json").read_text(encoding="utf-8"))
    # An earlier migration's model may lack a field added later (and set by a later migration).
    list_fields = {f.name for f in list_model._meta.fields}
    for item in data["list_kinds"]:
        item = {k: v for k, v in item.items() if k in list_fields}
        list_model.objects.get_or_create(code=item["code"], defaults=item)
    for item in data["deadline_rules"]:
        deadline_model.objects.get_or_create(
            kind=item["kind"], effective_from=item["effective_from"], defaults=item
        )
    model_fields = {f.name for f in rating_model._meta.fields}
    rule_fields = {f.name for f in rule_model._meta.fields}
    for item in data["rating_models"]:
        values = {k: v for k, v in item.items() if k in model_fields}
        model, created = rating_model.objects.get_or_create(code=values["code"], defaults=values)
        if created:
            for rule in item["rules"]:
                rule = {k: v for k, v in rule.items() if k in rule_fields}
                list_code = rule.pop("list_kind", None)
                rule_model.objects.create(model=model, list_kind_id=list_code, **rule)


def rating_model_english(rating_model, rule_model) -> int:
    """Fill in the English texts of the rating models of fixtures/credit_system.json where a model
    and its rules (matched by their Chinese name) have none yet; returns how many rows were changed.
    A text an administrator has written is kept."""
    data = json.loads((FIXTURES / "credit_system.json").read_text(encoding="utf-8"))
    changed = 0
    for item in data["rating_models"]:
        model = rating_model.objects.filter(code=item["code"]).first()
        if model is None:
            continue
        labels = {g["grade"]: g.get("label_en", "") for g in item["grades"]}
        grades = [
            {**g, "label_en": labels[g.get("grade")]}
            if not g.get("label_en") and labels.get(g.get("grade"))
            else g
            for g in model.grades
        ]
        updates = {field: item[field] for field in ("name_en", "description_en") if not getattr(model, field)}
        if grades != model.grades:
            updates["grades"] = grades
        if updates:
            rating_model.objects.filter(pk=model.pk).update(**updates)
            changed += 1
        for rule in item["rules"]:
            changed += rule_model.objects.filter(model=model, name=rule["name"], name_en="").update(
                name_en=rule["name_en"]
            )
    return changed
