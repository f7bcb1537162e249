"""Template filters for showing figures the Chinese way."""

from decimal import Decimal

from django import template
from django.utils.translation import get_language

from core.numbers import number, yuan

register = template.Library()


@register.filter
def wan(value):
    """12345 → 1.2万, 3576 → 3,576 (in Chinese; other languages keep thousands separators).

    Union staff read large counts in 万 (ten thousand) and 亿; smaller ones stay exact.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return value
    if not (get_language() or "").startswith("zh"):
        return f"{value:,}" if isinstance(value, int) else value
    magnitude = abs(value)
    for unit, size in (("亿", 100_000_000), ("万", 10_000)):
        if magnitude >= size:
            text = f"{value / size:.1f}".rstrip("0").rstrip(".")
            return f"{text}{unit}"
    return f"{value:,}" if isinstance(value, int) else value


@register.filter
def is_text(value) -> bool:
    """True for a card value that is words (a union's name), not a figure."""
    return isinstance(value, str) and not value.replace(",", "").replace(".", "").replace("%", "").strip().isdigit()


@register.filter
def num(value, style=""):
    """A score, weight or amount for people (core.numbers.number): 10.00 → 10, 0.50 → 0.5, 1000 → 1,000.

    ``|num:"plain"`` leaves out the thousands separators (an ``<input max>`` or text a form parses).
    """
    return number(value, grouping=style != "plain")


@register.filter(name="yuan")
def yuan_filter(fen):
    """An amount held in fen, in yuan with two decimals (core.numbers.yuan): 123456 → 1,234.56."""
    return yuan(fen)


@register.filter(name="richtext")
def richtext(value):
    """``{{ text|richtext }}``: user-written rich text, sanitised (core/richtext.py)."""
    from core.richtext import render

    return render(value)
