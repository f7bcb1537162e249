"""Full-text search of the legal handbook in Chinese.

Chinese has no spaces, so each article is segmented with jieba (search mode: a long word and its
shorter dictionary words) into ``LawArticle.search_text`` — tokens separated by spaces, with a
space at both ends. PostgreSQL keeps a generated ``tsvector('simple')`` of that column with a GIN
index (migration 0002) and answers with ``@@`` and ``ts_rank``; SQLite (the demo) matches whole
tokens with ``LIKE '% token %'``. A query is segmented the same way; each query word may also be
met by its shorter words (``经济补偿`` ≈ ``经济`` & ``补偿``) or by the law's own term for it
(``加班费`` ≈ ``延长工作时间``), so a worker's everyday word finds the article.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q

# Terms kept whole by the segmenter (a query for them must not fall apart into common words).
USER_WORDS = [
    "加班费",
    "经济补偿",
    "经济补偿金",
    "试用期",
    "劳动合同",
    "用人单位",
    "劳动争议",
    "集体合同",
    "竞业限制",
    "社会保险",
    "劳动报酬",
    "无固定期限",
    "调解协议",
    "劳务派遣",
    "最低工资",
    "工伤保险",
    "带薪年休假",
    "仲裁时效",
    "职工代表",
]
# A worker's words → the law's words (any one of them may match).
SYNONYMS = {
    "加班费": ["加班费", "延长工作时间"],
    "加班": ["加班", "延长工作时间"],
    "辞退": ["辞退", "解除劳动合同"],
    "开除": ["开除", "解除劳动合同"],
    "补偿金": ["补偿金", "经济补偿"],
    "社保": ["社保", "社会保险"],
    "欠薪": ["欠薪", "拖欠工资", "劳动报酬"],
    "年假": ["年假", "年休假"],
    "产假": ["产假", "生育"],
    "公司": ["公司", "用人单位"],
}
# Words of a question that say nothing about its subject.
STOP_WORDS = {
    "怎么办",
    "怎么",
    "什么",
    "如何",
    "可以",
    "是否",
    "我们",
    "你们",
    "他们",
    "需要",
    "应该",
    "哪些",
    "多少",
    "没有",
    "不给",
    "请问",
}
WORD = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff]+$")
MAX_QUERY = 60
_ready = threading.Lock()
_loaded = False


def _jieba():
    global _loaded
    import jieba

    if not _loaded:
        with _ready:
            if not _loaded:
                jieba.setLogLevel(60)
                for word in USER_WORDS:
                    jieba.add_word(word, freq=200000)
                jieba.initialize()
                _loaded = True
    return jieba


def tokens(text: str) -> list[str]:
    """Search-mode tokens of ``text``: words of two characters or more (and ASCII words)."""
    out = []
    for token in _jieba().cut_for_search(text or ""):
        token = token.strip().lower()
        if len(token) >= 2 and WORD.match(token):
            out.append(token)
    return out


def search_text(*parts: str) -> str:
    seen = sorted(set(t for part in parts for t in tokens(part)))
    return " " + " ".join(seen) + " " if seen else ""


def _alternatives(word: str) -> list[list[str]]:
    """Ways ``word`` may be met in an article: itself, its shorter words, the law's own term."""
    options: list[list[str]] = []
    for phrase in SYNONYMS.get(word, [word]):
        whole = [t for t in tokens(phrase) if t == phrase]
        if whole:
            options.append(whole)
        pieces = [t for t in dict.fromkeys(tokens(phrase)) if t != phrase]
        if pieces and "".join(p for p in pieces if len(p) == 2) != "" and _covers(phrase, pieces):
            options.append(pieces)
        if not whole and not pieces:
            options.append([phrase])
    unique = []
    for option in options:
        if option not in unique:
            unique.append(option)
    return unique


def _covers(phrase: str, pieces: list[str]) -> bool:
    covered = set()
    for piece in pieces:
        start = phrase.find(piece)
        while start != -1:
            covered.update(range(start, start + len(piece)))
            start = phrase.find(piece, start + 1)
    return len(covered) == len(phrase)


@dataclass(frozen=True)
class Query:
    text: str
    groups: list[list[list[str]]]  # AND of groups; a group is OR of alternatives; an alternative is AND of tokens

    @property
    def empty(self) -> bool:
        return not self.groups


def parse(text: str) -> Query:
    text = (text or "").strip()[:MAX_QUERY]
    words = []
    for token in _jieba().cut(text):
        token = token.strip().lower()
        if len(token) >= 2 and WORD.match(token) and token not in words and token not in STOP_WORDS:
            words.append(token)
    return Query(text=text, groups=[_alternatives(w) for w in words])


def _tsquery(query: Query, *, any_word: bool = False) -> str:
    def alt(option):
        return "(" + " & ".join(f"'{t}'" for t in option) + ")"

    joiner = " | " if any_word else " & "
    return joiner.join("(" + " | ".join(alt(o) for o in group) + ")" for group in query.groups)


def _like_q(query: Query, *, any_word: bool = False) -> Q:
    condition = Q()
    for group in query.groups:
        either = Q()
        for option in group:
            both = Q()
            for token in option:
                both &= Q(search_text__contains=f" {token} ")
            either |= both
        condition = (condition | either) if any_word and condition else (condition & either)
    return condition


def search(text: str, *, limit: int = 50, law_id: int | None = None):
    """The articles matching every word of ``text``, best first (the literal phrase first, then by
    rank); when no article has them all (a worker's whole question), those matching any word."""
    query = parse(text)
    if query.empty:
        return [], query
    rows = _search(query, limit=limit, law_id=law_id, any_word=False)
    if not rows and len(query.groups) > 1:
        rows = _search(query, limit=limit, law_id=law_id, any_word=True)
    return rows, query


def _search(query: Query, *, limit: int, law_id: int | None, any_word: bool):
    from modules.labour.models import LawArticle

    base = LawArticle.objects.select_related("law")
    if law_id:
        base = base.filter(law_id=law_id)
    if connection.vendor == "postgresql":
        ts = _tsquery(query, any_word=any_word)
        return list(
            base.extra(
                select={
                    "rank": "ts_rank(search_vector, to_tsquery('simple', %s))",
                    "literal": "strpos(labour_lawarticle.text, %s) > 0",
                },
                select_params=(ts, query.text),
                where=["search_vector @@ to_tsquery('simple', %s)"],
                params=[ts],
                order_by=["-literal", "-rank", "law_id", "number"],
            )[:limit]
        )
    rows = list(base.filter(_like_q(query, any_word=any_word)).order_by("law__order", "law_id", "number")[: limit * 20])
    words = [w for w in re.split(r"\s+", query.text) if w]

    def score(article):
        literal = sum(article.text.count(w) for w in words)
        matched = sum(article.search_text.count(f" {t} ") for g in query.groups for o in g for t in o)
        return (-literal, -matched)

    rows.sort(key=score)
    return rows[:limit]


def highlight_terms(query: Query) -> list[str]:
    return sorted({t for g in query.groups for o in g for t in o} | ({query.text} if query.text else set()), key=len, reverse=True)
