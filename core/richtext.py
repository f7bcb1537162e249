"""Rich text that users write (a studio's description, a yearly report, an essay, a narrative):
kept as HTML cleaned by nh3 — a maintained sanitiser (Rust's ammonia) — never by hand-written
regular expressions. Only a small set of tags survives: paragraphs, line breaks, bold, italic,
lists, headings, quotes and http(s)/mailto links (which get ``rel="noopener nofollow"``).

Text typed without any tag (a plain textarea, an API client, a browser without JavaScript) is
turned into paragraphs first, so both kinds of input are stored and shown the same way.
"""

from __future__ import annotations

import html
import re

import nh3
from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString, mark_safe

TAGS = {"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h3", "h4", "blockquote", "a"}
ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}
_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")
_BLOCK = re.compile(r"<(/?)(p|br|li|h3|h4|blockquote|ul|ol)\b", re.IGNORECASE)


def looks_like_html(text: str) -> bool:
    return bool(_TAG.search(text or ""))


def clean(text: str | None) -> str:
    """The HTML to store: sanitised, or plain text made into paragraphs (escaped)."""
    text = (text or "").strip()
    if not text:
        return ""
    if not looks_like_html(text):
        text = linebreaks(escape(text))
    return nh3.clean(text, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES, link_rel="noopener nofollow").strip()


def render(text: str | None) -> SafeString:
    """For templates: cleaned again on the way out, so a row written before sanitising existed
    (or by a bulk load) can never carry script into a page."""
    return mark_safe(clean(text))  # noqa: S308 — nh3 has just cleaned it


def plain(text: str | None) -> str:
    """The words alone (for lengths, search, exports and PDFs)."""
    spaced = _BLOCK.sub(r" <\1\2", text or "")  # "<li>a</li><li>b</li>" reads "a b", not "ab"
    return re.sub(r"\s+", " ", html.unescape(nh3.clean(spaced, tags=set()))).strip()
