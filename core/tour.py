"""The guided demo at /tour/ (DEBUG only): the demo logins of each role and what each programme
offers to try (its sections come from the registry; core names no programme)."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import render

from core.registry import registry


def tour(request):
    if not settings.DEBUG:
        raise Http404
    sections = [s for s in (func(request) for func in registry.resolved(registry.tour_sections)) if s]
    return render(request, "core/tour.html", {"sections": sections, "home_url": request.build_absolute_uri("/")})
