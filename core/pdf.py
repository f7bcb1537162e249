"""What every printed document shares: a font that prints Chinese."""

from __future__ import annotations

import os
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """Register and name a CJK font: the first TrueType of ``settings.PDF_CJK_FONT_PATHS`` that
    loads (text then extracts exactly), else reportlab's built-in STSong-Light (always there)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont

    for path in getattr(settings, "PDF_CJK_FONT_PATHS", []) or []:
        if path and os.path.exists(path):
            try:
                pdfmetrics.registerFont(TTFont("UHCJK", path, subfontIndex=0))
                return "UHCJK"
            except Exception:  # noqa: BLE001 — a broken or CFF-outline font file: try the next one
                continue
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"
