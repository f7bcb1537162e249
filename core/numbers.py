"""Numbers as people read them: scores, weights and amounts on pages, in messages and task titles.

``Decimal.normalize()`` looked like the tidy way to drop a score's trailing zeros, but it switches
to scientific notation for round numbers (``Decimal("10.00").normalize()`` prints ``1E+1``), which
is how an inspector's fix task came to read "5/1E+1 分". Everything that shows a figure goes
through :func:`number` (or the ``num`` template filter in ``core/templatetags/uh.py``).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

EMPTY = "—"


def number(value, *, places: int = 2, grouping: bool = True) -> str:
    """``10`` → ``"10"``, ``0.5`` → ``"0.5"``, ``12.50`` → ``"12.5"``, ``1000`` → ``"1,000"``, ``-3`` → ``"-3"``.

    At most ``places`` decimals (rounded half up, as the review engine rounds), no trailing zeros,
    never an exponent. ``grouping=False`` leaves out the thousands separators, for text a form or
    an ``<input max>`` parses back. ``None`` and empty text show as a dash; anything that is not a
    number comes back as its text.
    """
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return str(value)
    try:
        figure = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not figure.is_finite():
        return str(value)
    figure = figure.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if figure == 0:
        figure = abs(figure)  # no "-0"
    text = format(figure, ",f" if grouping else "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def yuan(fen: int | None) -> str:
    """An amount held in fen, in yuan with two decimals: ``123456`` → ``"1,234.56"``, ``-50`` → ``"-0.50"``.

    Money keeps its two decimals (how a ledger or a grant is read); only scores drop theirs.
    """
    if fen is None:
        return EMPTY
    return format(Decimal(int(fen)).scaleb(-2), ",.2f")
