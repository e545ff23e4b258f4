"""A serving process does the work of its first requests as it starts (``config/warmup.py``), without
the database (no ``django_db`` mark here: a query would fail the test)."""

from __future__ import annotations

import importlib

from django.conf import settings
from django.template import engines

from config import warmup
from config.jinja2 import _LANGUAGE_MARK
from registry import pinyin


def _cold() -> None:
    pinyin.syllables.cache_clear()
    pinyin._tables.cache_clear()
    engines["jinja2"].env.cache.clear()


def test_importing_the_wsgi_application_prepares_the_worker():
    """gunicorn's workers and runserver import ``config.wsgi``: built at the first search in pinyin,
    the tables kept that visitor waiting about 1.8 s, and a worker's first credit page took 0.40 s."""
    import config.wsgi

    _cold()
    importlib.reload(config.wsgi)
    assert pinyin.syllables.cache_info().currsize == 1
    assert pinyin._tables.cache_info().currsize == 1
    compiled = {key[1] for key in engines["jinja2"].env.cache}
    for code, _name in settings.LANGUAGES:
        for name in warmup.LOCALIZED:
            assert f"{name}{_LANGUAGE_MARK}{code}" in compiled
