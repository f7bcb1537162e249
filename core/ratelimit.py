"""The one fixed-window counter every limit uses: login codes per phone and per address, bad bag
codes per client, and whatever comes next.

Counts live in the cache, so they are shared by every web process on Redis (production) and
local to the process in the demo (local memory). A window opens with its first hit and lasts
``window_seconds``; the count is only ever incremented atomically (``add`` then ``incr``), so two
processes never lose a hit. (django-ninja's throttles count every request to an endpoint; these
limits count chosen events — a failed code, a code sent — so they are counted here.)
"""

from __future__ import annotations

from django.core.cache import cache


def window_count(key: str) -> int:
    """Hits in the current window (0 when none is open)."""
    return int(cache.get(key) or 0)


def window_hit(key: str, window_seconds: int, n: int = 1) -> int:
    """Count ``n`` hits and return the window's total; the first hit opens the window."""
    if n <= 0:
        return window_count(key)
    if cache.add(key, n, window_seconds):
        return n
    try:
        return int(cache.incr(key, n))
    except ValueError:  # the window closed between add and incr: this hit opens the next one
        cache.set(key, n, window_seconds)
        return n


def window_allow(key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit; True while the window's total is within ``limit``."""
    return window_hit(key, window_seconds) <= limit
