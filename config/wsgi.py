import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()

# The work of a worker's first requests (the URL resolver, the hot templates, the pinyin tables),
# done as it starts rather than by its first visitors (config/warmup.py).
from config.warmup import prepare_worker  # noqa: E402 - Django is set up first

prepare_worker()
