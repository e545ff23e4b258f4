"""The seeded catalogue (DOMAIN.md §4): penalty categories and publicity rules, from fixtures/.

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
