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

from django.template import engines
from django.templatetags.static import static
from django.urls import reverse
from django.utils import formats, translation
from jinja2 import BaseLoader, Environment, Template

# ``_("…")`` or ``_('…')`` with a literal inside (no placeholder expression): what is translated.
_LITERAL_CALL = re.compile(r"""\b_\((?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\)""")
_LANGUAGE_MARK = "@"


def url(name: str, *args, **kwargs) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


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
