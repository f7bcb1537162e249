import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

from core.hot_path import HotPathApplication  # noqa: E402  (after the settings are named)

# A handheld's scan is answered at the door when it can be (core/hot_path.py).
application = HotPathApplication(get_wsgi_application())

# gunicorn runs no system checks: a production without a real SMS gateway must not start.
from core.checks import refuse_to_start  # noqa: E402

refuse_to_start()
