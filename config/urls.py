"""URLs: core's pages and API, then every programme's, discovered through the registry."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from core.api import api
from core.registry import registry
from core.views import public_media

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    *registry.root_urlpatterns(),
    *registry.programme_urlpatterns(),
    path("", include("core.urls")),
]
if settings.DEBUG:
    # Only the public pictures (settings.PUBLIC_MEDIA_PREFIXES); job files are not under MEDIA_ROOT.
    urlpatterns += [re_path(r"^media/(?P<path>.+)$", public_media)]

# Chinese, phone-sized error pages; unknown /api/ paths still answer JSON (core/views_errors.py).
handler400 = "core.views_errors.bad_request"
handler403 = "core.views_errors.permission_denied"
handler404 = "core.views_errors.page_not_found"
handler500 = "core.views_errors.server_error"
