"""The hot templates' ``url`` builds each address as Django's ``reverse`` does, also from a kept shape."""

import random
import re
import string
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import NoReverseMatch, reverse

from config import jinja2 as hot

ROOT = Path(__file__).resolve().parents[1]
CALL = re.compile(r"url\('([a-z_-]+:[a-z_-]+)'(?:, *([^)]*))?\)")


def _calls() -> list[tuple[str, list[str]]]:
    found = []
    for template in ROOT.glob("*/jinja2/**/*.html"):
        for name, arguments in CALL.findall(template.read_text()):
            found.append((name, [a.strip() for a in arguments.split(",") if a.strip()]))
    return sorted(set((name, tuple(arguments)) for name, arguments in found))


def _value(argument: str, rng: random.Random):
    if argument.endswith("id"):
        return rng.randrange(0, 10**9)
    return "".join(rng.choice(string.digits + string.ascii_uppercase) for _ in range(18))


def test_the_hot_templates_ask_for_addresses():
    names = {name for name, _arguments in _calls()}
    assert {"lookup:report", "remedies:object-record", "lists:public-lists"} <= names


@pytest.mark.parametrize(("name", "arguments"), _calls())
def test_every_address_of_the_hot_templates_is_what_reverse_gives(name, arguments):
    hot._URL_SHAPES.clear()
    rng = random.Random(name)
    for _ in range(5):
        positional = [_value(a, rng) for a in arguments if "=" not in a]
        named = {a.split("=")[0]: _value(a.split("=")[0], rng) for a in arguments if "=" in a}
        assert hot.url(name, *positional, **named) == reverse(
            name, args=positional or None, kwargs=named or None
        )


def test_arguments_that_need_quoting_or_checking_go_through_reverse():
    hot._URL_SHAPES.clear()
    assert hot.url("remedies:eligibility", "91110000100000000A") == "/enterprises/91110000100000000A/repair/"
    assert hot.url("remedies:eligibility", "中文 名") == reverse("remedies:eligibility", args=["中文 名"])
    with pytest.raises(NoReverseMatch):
        hot.url("remedies:object-record", -1)
    with pytest.raises(NoReverseMatch):
        hot.url("remedies:object-record", "abc")


def test_an_address_first_built_with_an_argument_found_twice_in_it_keeps_no_shape():
    hot._URL_SHAPES.clear()
    # "s" is also in "/credit-system/ratings/": where the argument went cannot be told from the address.
    assert hot.url("lists:public-rating", "s") == "/credit-system/ratings/s/"
    assert (
        hot.url("lists:public-rating", "91110000100000000A") == "/credit-system/ratings/91110000100000000A/"
    )
    assert hot.url("lists:public-rating", "t") == "/credit-system/ratings/t/"


@override_settings(FORCE_SCRIPT_NAME="/registry/")
def test_a_changed_script_prefix_gives_its_own_shape():
    from django.urls import set_script_prefix

    set_script_prefix("/registry/")
    try:
        assert hot.url("lists:public-rating", "91110000100000000A").startswith("/registry/")
        assert hot.url("lists:public-rating", "91110000100000000B") == reverse(
            "lists:public-rating", args=["91110000100000000B"]
        )
    finally:
        set_script_prefix("/")
