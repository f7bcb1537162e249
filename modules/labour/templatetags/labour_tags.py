"""Marking the searched words in an article (escaped first, then wrapped in <mark>)."""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def mark_terms(text, terms):
    safe = escape(text or "")
    words = [escape(t) for t in (terms or []) if t]
    if not words:
        return safe
    pattern = re.compile("|".join(re.escape(w) for w in words))
    return mark_safe(pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", safe))
