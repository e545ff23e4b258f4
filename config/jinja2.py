"""The Jinja2 environment of the few hot-path templates (``<app>/jinja2/``; the credit page's body).

Strings are translated with Django's catalogue and written ``{{ _("…") }}`` (``|format(...)`` for
placeholders), which ``makemessages`` finds in any template, so these templates need no other
extraction step. A template is asked for in one language (``localized_template``): its ``_("…")``
literals are then replaced by their translations before it is compiled, so rendering it makes no
translation call at all (a page has some eighty of them). ``url`` and ``static`` are Django's;
``localize`` formats a number as the Django template language would.
"""

from __future__ import annotations

import json
import re

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import engines
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import formats, translation
from jinja2 import BaseLoader, Environment, Template

# ``_("…")`` or ``_('…')`` with a literal inside (no placeholder expression): what is translated.
_LITERAL_CALL = re.compile(r"""\b_\((?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\)""")
_LANGUAGE_MARK = "@"


# An address's shape, by name, argument kind, script prefix and URLconf: what ``reverse`` gave once,
# cut where its arguments went. ``reverse`` matches the candidate against the route's regular
# expression and quotes it on every call (about 30 µs; a credit page asks for six).
_URL_SHAPES: dict[tuple, tuple[str, ...] | None] = {}
_PLAIN_ARGUMENT = re.compile(r"[0-9A-Za-z]+")


def _plain(value: object) -> str | None:
    """The argument as its address writes it, for the kinds whose spelling needs no quoting and which
    the routes' ``str`` and ``int`` converters take as they are; None for anything else."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if isinstance(value, str) and _PLAIN_ARGUMENT.fullmatch(value):
        return value
    return None


def url(name: str, *args, **kwargs) -> str:
    """Django's ``reverse``; an address already built once for this name is rebuilt from its shape.

    Only for plain arguments (digits and Latin letters) of routes whose converters are ``str`` or
    ``int``, as the hot templates' are (tests/test_jinja2_url.py compares every one with ``reverse``).
    """
    values = [_plain(value) for value in (args or kwargs.values())]
    if not values or None in values:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    key = (name, tuple(kwargs), len(args), get_script_prefix(), get_urlconf())
    shape = _URL_SHAPES.get(key, False)
    if shape is False:
        address = reverse(name, args=args or None, kwargs=kwargs or None)
        shape = _URL_SHAPES[key] = _shape_of(address, values)
        return address
    if shape is None:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    parts = [shape[0]]
    for value, rest in zip(values, shape[1:], strict=True):
        parts += (value, rest)
    return "".join(parts)


def _shape_of(address: str, values: list[str]) -> tuple[str, ...] | None:
    """The address cut around its arguments, in order; None when one is not found exactly once."""
    parts, rest = [], address
    for value in values:
        if address.count(value) != 1 or value not in rest:
            return None
        before, _found, rest = rest.partition(value)
        parts.append(before)
    parts.append(rest)
    return tuple(parts)


@receiver(setting_changed)
def _forget_url_shapes(*, setting: str, **kwargs) -> None:
    if setting in {"ROOT_URLCONF", "FORCE_SCRIPT_NAME"}:
        _URL_SHAPES.clear()


class LocalizingLoader(BaseLoader):
    """``name@language``: the template ``name`` with its ``_("…")`` literals translated."""

    def __init__(self, loader: BaseLoader) -> None:
        self.loader = loader

    def get_source(self, environment, template):
        name, mark, language = template.rpartition(_LANGUAGE_MARK)
        if not mark:
            return self.loader.get_source(environment, template)
        source, filename, uptodate = self.loader.get_source(environment, name)

        def translated(match: re.Match) -> str:
            message = json.loads(f'"{match.group(1)}"') if match.group(1) is not None else match.group(2)
            with translation.override(language):
                return json.dumps(translation.gettext(message), ensure_ascii=False)

        return _LITERAL_CALL.sub(translated, source), filename, uptodate

    def list_templates(self):
        return self.loader.list_templates()


def localized_template(name: str) -> Template:
    """The Jinja2 template ``name`` compiled for the active language."""
    env = engines["jinja2"].env
    return env.get_template(f"{name}{_LANGUAGE_MARK}{translation.get_language()}")


def environment(**options) -> Environment:
    options["autoescape"] = options.get("autoescape", True)  # Django passes True; never off
    if options.get("loader") is not None:
        options["loader"] = LocalizingLoader(options["loader"])
    env = Environment(extensions=["jinja2.ext.i18n"], **options)  # noqa: S701 - autoescape is set above
    env.install_gettext_callables(gettext=translation.gettext, ngettext=translation.ngettext, newstyle=False)
    env.globals.update(url=url, static=static)
    env.filters["localize"] = formats.localize
    return env
