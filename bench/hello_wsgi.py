"""The stack's two ceilings: the platform's own WSGI application (same settings, same middleware,
same URL tree, same door) with one trivial JSON view in front, served by the same gunicorn config.

* ``GET /bench/hello/`` — the **full-stack hello**: through Django's handler and every middleware,
  the most any Django view can do here;
* ``GET /bench/door-hello/`` — the **hello answered at the door**: the same view registered as a hot
  path (``core/hot_path.py``), so it gets exactly what a scan answered at the door gets (every
  middleware's step: Host check, security headers, CSP, Content-Length, language, signals) and
  nothing of Django's handler — the most the door can do for a scan. With ``HOT_PATHS`` off it
  goes the long way and answers the same bytes.

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

from core.registry import registry  # noqa: E402

HELLO_PATH = "/bench/hello/"
DOOR_HELLO_PATH = "/bench/door-hello/"


def hello(request):
    return JsonResponse({"ok": True, "message": "hello"})


registry.add_hot_path("GET", DOOR_HELLO_PATH, "bench.hello_wsgi.hello")

urlpatterns = [
    path(HELLO_PATH.strip("/") + "/", hello),
    path(DOOR_HELLO_PATH.strip("/") + "/", hello),
    path("", include("config.urls")),
]
settings.ROOT_URLCONF = __name__
