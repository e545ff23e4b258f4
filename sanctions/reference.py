"""The seeded catalogue (docs/domain.md §4): penalty categories and publicity rules, from fixtures/.

Loaded once by a migration and kept editable by registry administrators afterwards: loading
adds what is missing and never overwrites an administrator's edits.
"""

from __future__ import annotations

import json
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def load_catalogue(category_model, rule_model) -> tuple[int, int]:
    categories = json.loads((FIXTURES / "penalty_categories.json").read_text(encoding="utf-8"))
    rules = json.loads((FIXTURES / "publicity_rules.json").read_text(encoding="utf-8"))
    new_categories = 0
    for item in categories:
        _obj, created = category_model.objects.get_or_create(code=item["code"], defaults=item)
        new_categories += created
    new_rules = 0
    for item in rules:
        values = dict(item)
        values["penalty_category_id"] = values.pop("penalty_category")
        _obj, created = rule_model.objects.get_or_create(name=values["name"], defaults=values)
        new_rules += created
    return new_categories, new_rules


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
    for item in data["rating_models"]:
        values = {k: v for k, v in item.items() if k != "rules"}
        model, created = rating_model.objects.get_or_create(code=values["code"], defaults=values)
        if created:
            for rule in item["rules"]:
                rule = dict(rule)
                list_code = rule.pop("list_kind", None)
                rule_model.objects.create(model=model, list_kind_id=list_code, **rule)
