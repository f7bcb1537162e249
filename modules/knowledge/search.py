"""The guide's search: an in-memory index of the (few thousand at most) guide items.

Matching works on the Chinese name and aliases, on full pinyin and on initials, and tolerates
near spellings (a homophone typed by an input method, a missing or wrong letter): every item
carries its precomputed pinyin, candidates for fuzzy matching come from a pinyin-bigram
inverted index, and only those are compared by edit distance. The index is rebuilt when the
table changes (checked by one cheap aggregate query per search), so it is correct across
processes and identical on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Max

from modules.knowledge.pinyin import full_pinyin

_CJK = re.compile(r"[\u3400-\u9fff]")
_KEEP = re.compile(r"[^0-9a-z\u3400-\u9fff]+")
MAX_QUERY = 40
MIN_SCORE = 40
_SUFFIXES = set("子儿头")


@dataclass
class Entry:
    id: int
    name: str
    category: str
    tip: str
    aliases: list[str]
    keys: list[str]  # name first, then aliases (normalised)
    pinyins: list[str]
    initials: list[str]


@dataclass
class Hit:
    entry: Entry
    score: float
    matched: str  # the name or alias that matched (shown as "别名：…" when not the name)


@dataclass
class GuideIndex:
    entries: list[Entry] = field(default_factory=list)
    bigrams: dict[str, set[int]] = field(default_factory=dict)  # pinyin bigram -> entry positions

    @classmethod
    def build(cls, rows) -> GuideIndex:
        index = cls()
        grams: dict[str, set[int]] = defaultdict(set)
        for row in rows:
            from modules.knowledge.models import split_aliases

            aliases = split_aliases(row["aliases"])
            keys = [normalise(k) for k in [row["name"], *aliases]]
            pinyins = row["pinyin"].split("|") if row["pinyin"] else [full_pinyin(k) for k in keys]
            inits = row["initials"].split("|") if row["initials"] else ["" for _ in keys]
            pinyins += [""] * (len(keys) - len(pinyins))
            inits += [""] * (len(keys) - len(inits))
            position = len(index.entries)
            index.entries.append(Entry(row["id"], row["name"], row["category"], row["tip"], aliases, keys, pinyins, inits))
            for py in pinyins:
                for gram in _grams(py):
                    grams[gram].add(position)
        index.bigrams = dict(grams)
        return index

    def search(self, query: str, *, limit: int = 20, category: str | None = None) -> list[Hit]:
        q = normalise(query)[:MAX_QUERY]
        if not q:
            return []
        chinese = bool(_CJK.search(q))
        q_py = full_pinyin(q) if chinese else q
        fuzzy = self._fuzzy_candidates(q_py)
        # "瓶子" means "瓶": a trailing noun suffix should not hide 玻璃瓶 or 塑料瓶.
        stem = q[:-1] if chinese and len(q) >= 2 and q[-1] in _SUFFIXES else ""
        hits = []
        for position, entry in enumerate(self.entries):
            if category and entry.category != category:
                continue
            best, matched = 0.0, entry.name
            for i, key in enumerate(entry.keys):
                if chinese:
                    score = _score_chinese(q, q_py, key, entry.pinyins[i], position in fuzzy)
                    if stem and stem in key:
                        score = max(score, 74 - min(8, len(key) - len(stem)))
                else:
                    score = _score_pinyin(q, key, entry.pinyins[i], entry.initials[i], position in fuzzy)
                if i > 0:
                    score -= 3  # the name beats an alias on an equal match
                if score > best:
                    best, matched = score, (entry.name if i == 0 else ([entry.name, *entry.aliases][i]))
            if best >= MIN_SCORE:
                hits.append(Hit(entry, best, matched))
        hits.sort(key=lambda h: (-h.score, len(h.entry.name), h.entry.name))
        return hits[:limit]

    def _fuzzy_candidates(self, q_py: str) -> set[int]:
        """Entries whose pinyin shares enough bigrams with the query to be within edit distance."""
        grams = _grams(q_py)
        if len(q_py) < 3 or not grams:
            return set()
        allowed = _max_distance(q_py)
        need = max(1, len(grams) - 2 * allowed)
        counts: dict[int, int] = defaultdict(int)
        for gram in grams:
            for position in self.bigrams.get(gram, ()):
                counts[position] += 1
        return {p for p, n in counts.items() if n >= need}


def normalise(text: str) -> str:
    return _KEEP.sub("", (text or "").strip().lower())


def _grams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _max_distance(text: str) -> int:
    return 1 if len(text) < 8 else 2


def levenshtein(a: str, b: str, limit: int) -> int:
    """Edit distance, giving up (returning limit + 1) once it must exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        row_min = i
        for j, cb in enumerate(b, 1):
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            current.append(value)
            row_min = min(row_min, value)
        if row_min > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _dice(a: str, b: str) -> float:
    """Character-bigram similarity of two Chinese strings (single characters for one-character names)."""
    ga = _grams(a) or {a}
    gb = _grams(b) or {b}
    return 2 * len(ga & gb) / (len(ga) + len(gb))


def _score_chinese(q: str, q_py: str, key: str, key_py: str, fuzzy_candidate: bool) -> float:
    if key == q:
        return 100
    if key.startswith(q):
        return 88 - min(8, len(key) - len(q))
    if q in key:
        return 80 - min(8, len(key) - len(q))
    if len(key) >= 2 and key in q:
        return 72 - min(10, len(q) - len(key))
    if key_py and key_py == q_py:
        return 70  # a homophone the input method chose (电尺 → 电池)
    score = 0.0
    dice = _dice(q, key)
    if dice >= 0.5:
        score = 40 + 25 * dice
    if len(q) >= 2:
        shared = sum(1 for ch in set(q) if ch in key) / len(set(q))
        if shared >= 0.5:
            score = max(score, 36 + 24 * shared)
    if fuzzy_candidate and key_py:
        # Sounds alike but written differently: below any real character match.
        allowed = _max_distance(q_py)
        distance = levenshtein(q_py, key_py, allowed)
        if distance <= allowed:
            score = max(score, 56 - 8 * distance)
        elif len(key_py) > len(q_py) and levenshtein(q_py, key_py[: len(q_py)], 1) <= 1:
            score = max(score, 44)
    return score


def _score_pinyin(q: str, key: str, key_py: str, key_init: str, fuzzy_candidate: bool) -> float:
    if not key_py:
        return 0
    if key_py == q:
        return 96
    if len(q) >= 2 and key_init == q:
        return 92
    if key_py.startswith(q):
        return 86 - min(10, (len(key_py) - len(q)) / 2)
    if len(q) >= 2 and key_init.startswith(q):
        return 78 - min(8, len(key_init) - len(q))
    if len(q) >= 3 and q in key_py:
        return 66
    if len(q) >= 3 and q in key_init:
        return 58
    if fuzzy_candidate and len(q) >= 3:
        allowed = _max_distance(q)
        distance = levenshtein(q, key_py, allowed)
        if distance <= allowed:
            return 60 - 8 * distance
        if len(key_py) > len(q) and len(q) >= 4 and levenshtein(q, key_py[: len(q)], 1) <= 1:
            return 48
    return 0


_lock = threading.Lock()
_cached: tuple[tuple, GuideIndex] | None = None


def guide_index() -> GuideIndex:
    """The process's index, rebuilt when an item is added, edited, disabled or deleted."""
    global _cached
    from modules.knowledge.models import GuideItem

    stamp = GuideItem.objects.filter(is_active=True).aggregate(n=Count("id"), at=Max("updated_at"), top=Max("id"))
    version = (stamp["n"], stamp["at"], stamp["top"])
    cached = _cached
    if cached is not None and cached[0] == version:
        return cached[1]
    with _lock:
        rows = (
            GuideItem.objects.filter(is_active=True).values("id", "name", "aliases", "category", "tip", "pinyin", "initials").order_by("id")
        )
        index = GuideIndex.build(rows)
        _cached = (version, index)
        return index
