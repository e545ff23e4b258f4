"""What a serving process would otherwise do at its first requests, done as it starts (``config/wsgi.py``).

Measured on the demo (production settings, 2-core machine): a new gunicorn worker's first credit page
took 0.40 s over HTTP (0.99 s through the test client in a new process), the next 4 ms. Most of that
was importing the URLconf's views and building the URL resolver, compiling the credit page's Jinja2
body once per language (its messages are translated when it is compiled) and loading the page's
Django templates; a first search in pinyin also built the pinyin tables (``registry/pinyin.py``: 1.75 s).
Done here, the first credit page took 0.06 s over HTTP; the worker takes about 3 s longer to start.

Nothing here reads the database or Redis: a worker started while either is down still starts.
"""

from __future__ import annotations

# The Django templates of the pages most views are: the credit page's frame, home and search.
TEMPLATES = ("base.html", "lookup/enterprise.html", "lookup/home.html", "lookup/search.html")
# The Jinja2 templates compiled once per language (``config.jinja2.localized_template``).
LOCALIZED = ("lookup/credit_body.html",)


def prepare_worker() -> None:
    from django.conf import settings
    from django.template.loader import get_template
    from django.urls import reverse
    from django.utils import translation

    from config.jinja2 import localized_template
    from registry.pinyin import prepare

    prepare()
    reverse("lookup:search")  # imports every view and builds the resolver
    for name in TEMPLATES:
        get_template(name)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for name in LOCALIZED:
                localized_template(name)
