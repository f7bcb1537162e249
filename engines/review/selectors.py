"""Reads of the rubric engine: results per item, failures, an object's evaluations."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType

from engines.review import scoring
from engines.review.models import Evaluation, Rubric, Score


@dataclass(frozen=True)
class ItemResult:
    code: str
    title: str
    weight: Decimal
    max_score: Decimal
    pass_score: Decimal | None
    mean: Decimal | None
    failed: bool


def item_results(evaluation: Evaluation) -> list[ItemResult]:
    items = list(evaluation.rubric.items.all())
    sheets: dict[int, dict[str, Decimal]] = {}
    for sheet_id, code, value in Score.objects.filter(sheet__evaluation=evaluation).values_list("sheet_id", "item__code", "value"):
        sheets.setdefault(sheet_id, {})[code] = value
    specs = [scoring.ItemSpec(i.code, i.weight, i.max_score, i.pass_score) for i in items]
    means = scoring.item_means(specs, list(sheets.values())) if sheets else {}
    failed = set(scoring.failing(specs, means))
    return [ItemResult(i.code, i.title, i.weight, i.max_score, i.pass_score, means.get(i.code), i.code in failed) for i in items]


def failing_items(evaluation: Evaluation) -> list[ItemResult]:
    return [r for r in item_results(evaluation) if r.failed]


def evaluations_of(subject) -> list[Evaluation]:
    ct = ContentType.objects.get_for_model(subject)
    return list(Evaluation.objects.filter(content_type=ct, object_id=str(subject.pk)).select_related("rubric"))


def rubric_versions(key: str) -> list[Rubric]:
    return list(Rubric.objects.filter(key=key).order_by("-version"))


def latest_rubric(key: str) -> Rubric | None:
    return Rubric.objects.filter(key=key).order_by("-version").first()
