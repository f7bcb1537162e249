"""Writes of the rubric engine. Programmes decide who may score; the engine guarantees the
arithmetic, one sheet per scorer, complete and in-range marks, and that an approved result
never changes again."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit
from core.errors import Conflict, Invalid
from core.numbers import number
from engines.review import scoring
from engines.review.models import Evaluation, Rubric, RubricItem, Score, ScoreSheet, default_thresholds


def subject_key_for(obj) -> str:
    return f"{obj._meta.label_lower}:{obj.pk}"


def _clean_items(items: Sequence[Mapping]) -> list[dict]:
    if not items:
        raise Invalid("rubric_empty", _("评分标准至少要有一个检查项"), field="items")
    cleaned, codes = [], set()
    for n, raw in enumerate(items, start=1):
        code = str(raw.get("code") or f"i{n}").strip()[:32]
        title = str(raw.get("title", "")).strip()
        if not title:
            raise Invalid("item_title_required", _("第 %(n)s 项缺少名称") % {"n": n}, field="items")
        if code in codes:
            raise Invalid("item_code_duplicate", _("第 %(n)s 项的代码重复：%(code)s") % {"n": n, "code": code}, field="items")
        codes.add(code)
        try:
            weight = Decimal(str(raw.get("weight", 1)))
            max_score = Decimal(str(raw.get("max_score", 10)))
            pass_raw = raw.get("pass_score")
            pass_score = Decimal(str(pass_raw)) if pass_raw not in (None, "") else None
        except InvalidOperation:
            raise Invalid("item_number", _("第 %(n)s 项的权重或分值不是数字") % {"n": n}, field="items")
        if weight <= 0 or max_score <= 0:
            raise Invalid("item_positive", _("第 %(n)s 项的权重和满分必须大于 0") % {"n": n}, field="items")
        if pass_score is not None and not (0 <= pass_score <= max_score):
            raise Invalid("item_pass_range", _("第 %(n)s 项的合格分必须在 0 到满分之间") % {"n": n}, field="items")
        cleaned.append(
            {
                "code": code,
                "title": title[:120],
                "guide": str(raw.get("guide", "")).strip(),
                "weight": weight,
                "max_score": max_score,
                "pass_score": pass_score,
                "order": n,
            }
        )
    return cleaned


def _clean_thresholds(thresholds) -> list[dict]:
    try:
        return scoring.validate_thresholds(thresholds if thresholds is not None else [])
    except (ValueError, InvalidOperation, TypeError):
        raise Invalid(
            "thresholds_invalid",
            _("等级线无效：每个等级需要名称和 0–100 之间的分数线，最低等级从 0 分开始，分数线不能重复"),
            field="thresholds",
        )


@transaction.atomic
def rubric_create(*, actor, key: str, name: str, items: Sequence[Mapping], thresholds=None, description: str = "") -> Rubric:
    """A new rubric, or the next version of ``key`` if it exists already."""
    key = (key or "").strip()
    if not key or not (name or "").strip():
        raise Invalid("rubric_name_required", _("请填写标准代码和名称"), field="name")
    cleaned = _clean_items(items)
    bands = _clean_thresholds(thresholds if thresholds is not None else default_thresholds())
    latest = Rubric.objects.select_for_update().filter(key=key).aggregate(v=Max("version"))["v"] or 0
    rubric = Rubric.objects.create(
        key=key, version=latest + 1, name=name.strip(), description=description, thresholds=bands, created_by=actor
    )
    RubricItem.objects.bulk_create([RubricItem(rubric=rubric, **item) for item in cleaned])
    audit(actor=actor, action="review.rubric_create", obj=rubric, changes={"key": key, "version": rubric.version, "items": len(cleaned)})
    return rubric


@transaction.atomic
def rubric_update(*, actor, rubric: Rubric, name: str, items: Sequence[Mapping], thresholds, description: str = "") -> Rubric:
    """Change a version nobody has used yet; a used version is frozen (make the next version)."""
    rubric = Rubric.objects.select_for_update().get(pk=rubric.pk)
    if rubric.is_frozen:
        raise Conflict("rubric_frozen", _("该评分标准已用于评价，不能再修改；请另存为新版本"))
    cleaned = _clean_items(items)
    rubric.thresholds = _clean_thresholds(thresholds)
    rubric.name = name.strip() or rubric.name
    rubric.description = description
    rubric.save()
    rubric.items.all().delete()
    RubricItem.objects.bulk_create([RubricItem(rubric=rubric, **item) for item in cleaned])
    audit(actor=actor, action="review.rubric_update", obj=rubric, changes={"items": len(cleaned)})
    return rubric


def rubric_revise(*, actor, rubric: Rubric, items: Sequence[Mapping] | None = None, thresholds=None, name: str | None = None) -> Rubric:
    """The next version of a rubric, starting from this one's items and thresholds."""
    if items is None:
        items = [
            {"code": i.code, "title": i.title, "guide": i.guide, "weight": i.weight, "max_score": i.max_score, "pass_score": i.pass_score}
            for i in rubric.items.all()
        ]
    return rubric_create(
        actor=actor,
        key=rubric.key,
        name=name or rubric.name,
        items=items,
        thresholds=thresholds if thresholds is not None else rubric.thresholds,
        description=rubric.description,
    )


@transaction.atomic
def evaluation_open(*, actor, rubric: Rubric, subject=None, subject_key: str = "", title: str = "") -> Evaluation:
    """An evaluation of ``subject`` (any model instance) or of a plain ``subject_key``."""
    if subject is None and not subject_key:
        raise Invalid("subject_required", _("缺少评价对象"), field="subject")
    fields = {"rubric": rubric, "title": title[:200], "created_by": actor}
    if subject is not None:
        fields.update(
            content_type=ContentType.objects.get_for_model(subject), object_id=str(subject.pk), subject_key=subject_key_for(subject)
        )
    else:
        fields["subject_key"] = subject_key[:128]
    evaluation = Evaluation.objects.create(**fields)
    audit(actor=actor, action="review.evaluation_open", obj=evaluation, changes={"rubric": rubric.pk, "subject": evaluation.subject_key})
    return evaluation


def _lock(evaluation: Evaluation) -> Evaluation:
    locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if locked.is_locked:
        raise Conflict("evaluation_locked", _("评价结果已审定，不能再修改"))
    return locked


@transaction.atomic
def scores_submit(
    *, actor, evaluation: Evaluation, scores: Mapping[str, object], notes: Mapping[str, str] | None = None, comment: str = ""
) -> ScoreSheet:
    """The scorer's marks for every item (a resubmission replaces the scorer's own sheet)."""
    evaluation = _lock(evaluation)
    notes = notes or {}
    items = list(evaluation.rubric.items.all())
    values = {}
    for item in items:
        raw = scores.get(item.code)
        if raw in (None, ""):
            raise Invalid("score_missing", _("请为“%(item)s”打分") % {"item": item.title}, field=f"scores.{item.code}")
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            raise Invalid("score_number", _("“%(item)s”的得分不是数字") % {"item": item.title}, field=f"scores.{item.code}")
        if not (0 <= value <= item.max_score):
            raise Invalid(
                "score_range",
                _("“%(item)s”的得分必须在 0 到 %(max)s 之间") % {"item": item.title, "max": number(item.max_score)},
                field=f"scores.{item.code}",
            )
        values[item.code] = value
    unknown = set(scores) - set(values)
    if unknown:
        raise Invalid(
            "score_unknown_item", _("评分标准中没有这些检查项：%(codes)s") % {"codes": "、".join(sorted(unknown))}, field="scores"
        )
    specs = [scoring.ItemSpec(i.code, i.weight, i.max_score, i.pass_score) for i in items]
    sheet, _created = ScoreSheet.objects.update_or_create(
        evaluation=evaluation,
        scorer=actor,
        defaults={"comment": comment, "submitted_at": timezone.now(), "total": scoring.weighted_total(specs, values)},
    )
    sheet.scores.all().delete()
    Score.objects.bulk_create(
        [Score(sheet=sheet, item=item, value=values[item.code], note=str(notes.get(item.code, ""))[:300]) for item in items]
    )
    evaluation_recompute(evaluation)
    audit(actor=actor, action="review.scores_submit", obj=evaluation, changes={k: str(v) for k, v in values.items()})
    return sheet


def evaluation_recompute(evaluation: Evaluation) -> Evaluation:
    """Total and grade from the mean of every sheet (call inside the caller's transaction)."""
    items = [scoring.ItemSpec(i.code, i.weight, i.max_score, i.pass_score) for i in evaluation.rubric.items.all()]
    sheets = {}
    for sheet_id, code, value in Score.objects.filter(sheet__evaluation=evaluation).values_list("sheet_id", "item__code", "value"):
        sheets.setdefault(sheet_id, {})[code] = value
    if sheets:
        means = scoring.item_means(items, list(sheets.values()))
        evaluation.total = scoring.weighted_total(items, means)
        evaluation.grade = scoring.grade_for(evaluation.total, evaluation.rubric.thresholds)
    else:
        evaluation.total, evaluation.grade = None, ""
    evaluation.scorer_count = len(sheets)
    evaluation.save(update_fields=["total", "grade", "scorer_count"])
    return evaluation


@transaction.atomic
def evaluation_approve(*, actor, evaluation: Evaluation) -> Evaluation:
    """Approve and lock: from now on no scorer can add, change or withdraw marks."""
    evaluation = _lock(evaluation)
    if not evaluation.sheets.exists():
        raise Conflict("evaluation_unscored", _("尚无评分，不能审定"))
    evaluation_recompute(evaluation)
    evaluation.status = Evaluation.Status.LOCKED
    evaluation.locked_at = timezone.now()
    evaluation.locked_by = actor
    evaluation.save(update_fields=["status", "locked_at", "locked_by"])
    audit(
        actor=actor, action="review.evaluation_approve", obj=evaluation, changes={"total": str(evaluation.total), "grade": evaluation.grade}
    )
    return evaluation


@transaction.atomic
def sheet_withdraw(*, actor, evaluation: Evaluation) -> None:
    """A scorer takes back their own sheet while the evaluation is still open."""
    evaluation = _lock(evaluation)
    ScoreSheet.objects.filter(evaluation=evaluation, scorer=actor).delete()
    evaluation_recompute(evaluation)
    audit(actor=actor, action="review.sheet_withdraw", obj=evaluation)
