"""The one fixed-window counter, on local memory (the demo) and on Redis (production)."""

import uuid

import pytest
from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache

from core import ratelimit


@pytest.fixture(params=["local", pytest.param("redis", marks=pytest.mark.redis)])
def cache(request, monkeypatch):
    prefix = f"test-ratelimit-{uuid.uuid4().hex[:8]}"
    if request.param == "redis":
        from core.cache import RedisCache

        backend = RedisCache(settings.REDIS_URL, {"KEY_PREFIX": prefix})
    else:
        backend = LocMemCache(prefix, {})
    # The counter uses Django's default cache; point it at the backend under test.
    monkeypatch.setattr(ratelimit, "cache", backend)
    yield backend
    for key in ("otp:ip:1.2.3.4", "otp:ip:other", "bags:badcodes:u1", "k"):
        backend.delete(key)


def test_hits_count_up_to_the_limit_then_refuse(cache):
    answers = [ratelimit.window_allow("otp:ip:1.2.3.4", 3, 60) for _ in range(5)]
    assert answers == [True, True, True, False, False]
    assert ratelimit.window_count("otp:ip:1.2.3.4") == 5
    assert ratelimit.window_count("otp:ip:other") == 0


def test_a_batch_of_hits_counts_at_once_and_nothing_counts_nothing(cache):
    assert ratelimit.window_hit("bags:badcodes:u1", 300, 0) == 0
    assert ratelimit.window_hit("bags:badcodes:u1", 300, 500) == 500
    assert ratelimit.window_hit("bags:badcodes:u1", 300) == 501


def test_a_closed_window_starts_over(cache):
    for _ in range(4):
        ratelimit.window_hit("k", 60)
    cache.delete("k")  # what the expiry does when the window has passed
    assert ratelimit.window_allow("k", 1, 60)
