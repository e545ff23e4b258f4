import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()

# The pinyin tables of the search (registry/pinyin.py), about 2 s of CPU: built as the worker
# starts, not by the first visitor who searches in pinyin.
from registry.pinyin import prepare  # noqa: E402 - Django is set up first

prepare()
