"""The arithmetic of a rubric, free of the database so it can be checked by hand.

total = 100 × Σ wᵢ·(sᵢ / maxᵢ) / Σ wᵢ, where sᵢ is the mean of the scorers' marks for item i;
rounded half-up to two decimals. The grade is the first threshold (best first) the total reaches.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

TWO = Decimal("0.01")


@dataclass(frozen=True)
class ItemSpec:
    code: str
    weight: Decimal
    max_score: Decimal
    pass_score: Decimal | None = None


def mean(values: Sequence[Decimal]) -> Decimal:
    return (sum(values, Decimal(0)) / len(values)).quantize(TWO, ROUND_HALF_UP)


def item_means(items: Iterable[ItemSpec], sheets: Sequence[Mapping[str, Decimal]]) -> dict[str, Decimal]:
    """Each item's mean over the sheets that marked it."""
    out = {}
    for item in items:
        marks = [Decimal(sheet[item.code]) for sheet in sheets if item.code in sheet]
        if marks:
            out[item.code] = mean(marks)
    return out


def weighted_total(items: Sequence[ItemSpec], means: Mapping[str, Decimal]) -> Decimal:
    total_weight = sum((i.weight for i in items), Decimal(0))
    if not total_weight:
        return Decimal("0.00")
    acc = sum((i.weight * Decimal(means.get(i.code, 0)) / i.max_score for i in items), Decimal(0))
    return (Decimal(100) * acc / total_weight).quantize(TWO, ROUND_HALF_UP)


def grade_for(total: Decimal, thresholds: Sequence[Mapping]) -> str:
    for band in sorted(thresholds, key=lambda b: Decimal(str(b["min"])), reverse=True):
        if total >= Decimal(str(band["min"])):
            return str(band["label"])
    return ""


def failing(items: Iterable[ItemSpec], means: Mapping[str, Decimal]) -> list[str]:
    return [i.code for i in items if i.pass_score is not None and i.code in means and means[i.code] < i.pass_score]


def validate_thresholds(thresholds: Sequence[Mapping]) -> list[dict]:
    """Normalised thresholds (best first); raises ValueError on labels or bounds that make no sense."""
    out = []
    for band in thresholds:
        label = str(band.get("label", "")).strip()
        minimum = Decimal(str(band.get("min")))
        if not label or minimum < 0 or minimum > 100:
            raise ValueError(label or "?")
        out.append({"min": float(minimum) if minimum != minimum.to_integral() else int(minimum), "label": label})
    out.sort(key=lambda b: b["min"], reverse=True)
    if not out or out[-1]["min"] != 0:
        raise ValueError("lowest grade must start at 0")
    if len({b["min"] for b in out}) != len(out):
        raise ValueError("duplicate bound")
    return out
