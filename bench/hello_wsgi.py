"""The stack's ceiling: the platform's own WSGI application (same settings, same middleware,
same URL tree) with one trivial JSON view in front, served by the same gunicorn config.

``config/urls.py`` stays untouched: this module is itself the URLconf (``ROOT_URLCONF``).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

from core.hot_path import HotPathApplication  # noqa: E402

# Wrapped as config/wsgi.py wraps the platform, so the ceiling pays the same door.
application = HotPathApplication(get_wsgi_application())

from django.conf import settings  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.urls import include, path  # noqa: E402


def hello(request):
    return JsonResponse({"ok": True, "message": "hello"})


urlpatterns = [path("bench/hello/", hello), path("", include("config.urls"))]
settings.ROOT_URLCONF = __name__
