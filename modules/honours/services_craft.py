"""The craftsman alliance (工匠联盟) and skills competitions (岗位练兵 · 技能比武)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import scoping
from core.audit import audit
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.images import check_image
from core.models import Member, Organisation
from core.notifications import notify
from engines.review import services as review
from modules.honours import rules
from modules.honours.models import (
    Appeal,
    Certification,
    Competition,
    Craftsman,
    Entrant,
    ExchangePost,
    Judge,
    Need,
    NeedResponse,
    Recusal,
    Work,
)
from modules.honours.services import _text

# --- craftsmen ---------------------------------------------------------------------------------------


def _me(actor) -> Member:
    member = scoping.member_for(actor)
    if member is None:
        raise Forbidden("honours_members_only", _("工匠联盟面向工会会员，请先用手机号登录"))
    return member


def _my_craftsman(actor) -> Craftsman:
    craftsman = Craftsman.objects.filter(member=_me(actor)).first()
    if craftsman is None:
        raise Conflict("honours_not_craftsman", _("请先加入工匠联盟（填写工匠档案）"))
    return craftsman


def craftsman_join(*, actor, skill: str, level: str = "", honours: str = "", bio: str = "", public_name_consent: bool = False) -> Craftsman:
    """A member's craftsman profile (created or updated: one per member)."""
    member = _me(actor)
    values = {
        "skill": _text(skill, "skill", 60, required=_("请填写技艺/工种")),
        "level": _text(level, "level", 40),
        "honours": _text(honours, "honours", 200),
        "bio": _text(bio, "bio", 2000),
        "public_name_consent": bool(public_name_consent),
    }
    craftsman, created = Craftsman.objects.update_or_create(member=member, defaults=values)
    audit(actor=actor, action="honours.craftsman_join" if created else "honours.craftsman_update", obj=craftsman)
    return craftsman


def work_publish(*, actor, title: str, description: str = "", picture=None) -> Work:
    craftsman = _my_craftsman(actor)
    title = _text(title, "title", 80, required=_("请填写作品名称"))
    if picture is not None:
        check_image(picture, field="picture")
    work = Work(craftsman=craftsman, title=title, description=_text(description, "description", 2000))
    if picture is not None:
        work.picture.save(f"work-{craftsman.pk}.{picture.name.rsplit('.', 1)[-1][:5] or 'jpg'}", picture, save=False)
    work.save()
    audit(actor=actor, action="honours.work_publish", obj=work)
    return work


def work_hide(*, actor, work: Work) -> Work:
    """Staff take a work off the showcase (kept, never deleted)."""
    if not scoping.is_district_staff(actor) and work.craftsman.member.user_id != actor.pk:
        raise Forbidden("honours_forbidden", _("无权下架该作品"))
    Work.objects.filter(pk=work.pk, hidden_at__isnull=True).update(hidden_at=timezone.now())
    audit(actor=actor, action="honours.work_hide", obj=work)
    work.refresh_from_db()
    return work


def post_create(*, actor, title: str, body: str) -> ExchangePost:
    craftsman = _my_craftsman(actor)
    post = ExchangePost.objects.create(
        craftsman=craftsman,
        title=_text(title, "title", 80, required=_("请填写标题")),
        body=_text(body, "body", 4000, required=_("请填写内容")),
    )
    audit(actor=actor, action="honours.post_create", obj=post)
    return post


def certification_apply(*, actor, skill: str, level: str, statement: str = "") -> Certification:
    craftsman = _my_craftsman(actor)
    if craftsman.certifications.filter(status=Certification.Status.PENDING).exists():
        raise Conflict("honours_certification_pending", _("已有待评定的认定申请"))
    certification = Certification.objects.create(
        craftsman=craftsman,
        skill=_text(skill, "skill", 60, required=_("请填写认定技艺")),
        level=_text(level, "level", 40, required=_("请填写申请等级")),
        statement=_text(statement, "statement", 2000),
    )
    audit(actor=actor, action="honours.certification_apply", obj=certification)
    return certification


def certification_decide(*, actor, certification: Certification, passed: bool, note: str = "") -> Certification:
    if not scoping.is_district_staff(actor):
        raise Forbidden("honours_forbidden", _("只有区总工会可以评定技能认定"))
    status = Certification.Status.PASSED if passed else Certification.Status.FAILED
    updated = Certification.objects.filter(pk=certification.pk, status=Certification.Status.PENDING).update(
        status=status, result_note=_text(note, "note", 200), decided_by=actor, decided_at=timezone.now()
    )
    if not updated:
        raise Conflict("honours_certification_decided", _("该申请已评定"))
    certification.refresh_from_db()
    if passed and certification.craftsman.level != certification.level:
        Craftsman.objects.filter(pk=certification.craftsman_id).update(level=certification.level)
    user = certification.craftsman.member.user
    if user is not None:
        notify(
            recipients=[user],
            title=_("技能认定结果：%(result)s") % {"result": certification.get_status_display()},
            url="/honours/craft/me/",
        )
    audit(actor=actor, action="honours.certification_decide", obj=certification, changes={"status": status})
    return certification


def need_post(*, actor, organisation: Organisation, kind: str, title: str, description: str = "") -> Need:
    if not (scoping.is_staff_member(actor) and scoping.can_manage_organisation(actor, organisation)):
        raise Forbidden("honours_forbidden", _("只能为本单位发布需求"))
    if kind not in Need.Kind.values:
        raise Invalid("honours_kind_invalid", _("请选择需求类型"), field="kind")
    need = Need.objects.create(
        organisation=organisation,
        kind=kind,
        title=_text(title, "title", 80, required=_("请填写需求")),
        description=_text(description, "description", 2000),
        posted_by=actor,
    )
    audit(actor=actor, action="honours.need_post", obj=need, organisation=organisation)
    return need


def need_respond(*, actor, need: Need, message: str) -> NeedResponse:
    craftsman = _my_craftsman(actor)
    if need.closed_at:
        raise Conflict("honours_need_closed", _("该需求已对接完成"))
    try:
        with transaction.atomic():
            response = NeedResponse.objects.create(
                need=need, craftsman=craftsman, message=_text(message, "message", 1000, required=_("请说明您能提供的服务"))
            )
    except IntegrityError:
        raise Conflict("honours_already_responded", _("您已响应过该需求")) from None
    if need.posted_by_id:
        notify(recipients=[need.posted_by], title=_("有工匠响应了您的需求：%(title)s") % {"title": need.title}, url="/honours/craft/needs/")
    audit(actor=actor, action="honours.need_respond", obj=need)
    return response


def match_record(*, actor, response: NeedResponse) -> NeedResponse:
    """The organisation chooses a craftsman: the match is recorded and the need closed (one match a need)."""
    need = response.need
    if not (scoping.is_staff_member(actor) and scoping.can_manage_organisation(actor, need.organisation)):
        raise Forbidden("honours_forbidden", _("只能对接本单位的需求"))
    with transaction.atomic():
        closed = Need.objects.filter(pk=need.pk, closed_at__isnull=True).update(closed_at=timezone.now())
        if not closed:
            raise Conflict("honours_need_closed", _("该需求已对接完成"))
        NeedResponse.objects.filter(pk=response.pk).update(matched_at=timezone.now(), matched_by=actor)
    response.refresh_from_db()
    user = response.craftsman.member.user
    if user is not None:
        notify(recipients=[user], title=_("供需对接成功：%(title)s") % {"title": need.title}, url="/honours/craft/needs/")
    audit(actor=actor, action="honours.match_record", obj=need, changes={"response": response.pk})
    return response


# --- competitions ---------------------------------------------------------------------------------------


def competition_create(*, actor, title: str, year: int, theory_weight: int, theory_cap: int | None = 30) -> Competition:
    """A contest scored on a two-item rubric (theory, practice); theory's weight never above the rules' cap."""
    if not scoping.is_district_staff(actor):
        raise Forbidden("honours_forbidden", _("只有区总工会可以举办技能竞赛"))
    title = _text(title, "title", 80, required=_("请填写竞赛名称"))
    if not isinstance(theory_weight, int) or not 0 <= theory_weight <= 100:
        raise Invalid("honours_weight_invalid", _("理论成绩权重须为 0 至 100"), field="theory_weight")
    if theory_cap is not None and theory_weight > theory_cap:
        raise Invalid("honours_theory_cap", _("按竞赛规则，理论成绩占比不得超过 %(cap)s%%") % {"cap": theory_cap}, field="theory_weight")
    items = [{"code": "practice", "title": "实操", "weight": 100 - theory_weight, "max_score": 100}]
    if theory_weight:
        items.insert(0, {"code": "theory", "title": "理论", "weight": theory_weight, "max_score": 100})
    rubric = review.rubric_create(actor=actor, key=f"honours.competition.{timezone.now().timestamp():.6f}", name=title, items=items)
    competition = Competition.objects.create(title=title, year=year, theory_weight=theory_weight, theory_cap=theory_cap, rubric=rubric)
    audit(actor=actor, action="honours.competition_create", obj=competition)
    return competition


def entrant_add(*, actor, competition: Competition, member: Member) -> Entrant:
    if not (scoping.is_staff_member(actor) and scoping.can_manage_organisation(actor, member.organisation)):
        raise Forbidden("honours_forbidden", _("只能为本单位职工报名"))
    try:
        with transaction.atomic():
            evaluation = review.evaluation_open(
                actor=actor, rubric=competition.rubric, subject_key=f"honours.entrant.{competition.pk}.{member.pk}", title=member.name
            )
            entrant = Entrant.objects.create(
                competition=competition, member=member, organisation=member.organisation, evaluation=evaluation
            )
    except IntegrityError:
        raise Conflict("honours_already_entered", _("该职工已报名本次竞赛"), field="member") from None
    audit(actor=actor, action="honours.entrant_add", obj=competition, changes={"member": member.pk})
    return entrant


def judge_add(*, actor, competition: Competition, user) -> Judge:
    if not scoping.is_district_staff(actor):
        raise Forbidden("honours_forbidden", _("只有区总工会可以聘请裁判"))
    judge, _created = Judge.objects.get_or_create(competition=competition, user=user)
    audit(actor=actor, action="honours.judge_add", obj=competition, changes={"judge": user.pk})
    return judge


def _conflicted(judge: Judge, entrant: Entrant) -> bool:
    """A judge of the entrant's own union (or above it), or one who declared a recusal."""
    if judge.recusals.filter(entrant=entrant).exists():
        return True
    member = scoping.member_for(judge.user)
    if member is not None and member.organisation_id == entrant.organisation_id:
        return True
    return any(
        entrant.organisation.path.startswith(a.organisation.path)
        and a.role != a.Role.EXPERT
        and a.organisation.level != Organisation.Level.DISTRICT
        for a in scoping.role_assignments(judge.user)
    )


def recuse(*, actor, entrant: Entrant, reason: str) -> Recusal:
    judge = Judge.objects.filter(competition=entrant.competition, user=actor).first()
    if judge is None:
        raise NotFound("honours_not_found", _("您不是本次竞赛的裁判"))
    recusal, _created = Recusal.objects.get_or_create(
        judge=judge, entrant=entrant, defaults={"reason": _text(reason, "reason", 120, required=_("请说明回避原因"))}
    )
    if judge.user_id and entrant.evaluation.sheets.filter(scorer=actor).exists():
        review.sheet_withdraw(actor=actor, evaluation=entrant.evaluation)
    audit(actor=actor, action="honours.recuse", obj=entrant.competition, changes={"entrant": entrant.pk})
    return recusal


def score_submit(*, actor, entrant: Entrant, theory: float | None, practice: float) -> None:
    judge = Judge.objects.filter(competition=entrant.competition, user=actor).first()
    if judge is None:
        raise NotFound("honours_not_found", _("您不是本次竞赛的裁判"))
    if _conflicted(judge, entrant):
        raise Conflict("honours_judge_conflict", _("您与该选手存在利益关系，须回避"))
    scores = {"practice": practice}
    if entrant.competition.theory_weight:
        if theory is None:
            raise Invalid("honours_theory_required", _("请填写理论成绩"), field="theory")
        scores["theory"] = theory
    review.scores_submit(actor=actor, evaluation=entrant.evaluation, scores=scores)


def appeal_lodge(*, actor, entrant: Entrant, text: str) -> Appeal:
    member = scoping.member_for(actor)
    if member is None or member.pk != entrant.member_id:
        raise Forbidden("honours_forbidden", _("只能对本人的成绩提出申诉"))
    text = _text(text, "text", 2000)
    if len(text) < 10:
        raise Invalid("honours_appeal_short", _("请写明申诉的事实和理由（不少于 10 字）"), field="text")
    appeal = Appeal.objects.create(entrant=entrant, text=text)
    audit(actor=actor, action="honours.appeal_lodge", obj=entrant.competition, changes={"entrant": entrant.pk})
    return appeal


def _corrected_score(value) -> Decimal | None:
    """The corrected total an upheld appeal may set: 0–100, at most two decimals (as the judges' totals)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    refuse = Invalid("honours_score_invalid", _("更正后的总分须为 0 至 100 之间的数，最多两位小数"), field="score")
    if isinstance(value, bool) or len(str(value)) > 12:
        raise refuse
    try:
        score = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise refuse from None
    if not score.is_finite() or not 0 <= score <= 100 or score.as_tuple().exponent < -2:
        raise refuse
    return score.quantize(Decimal("0.01"))


def appeal_resolve(*, actor, appeal: Appeal, upheld: bool, resolution: str, score=None) -> Appeal:
    """Decide an entrant's appeal. An upheld appeal may correct the entrant's total (``score``): the
    competition is re-ranked by ``ranking`` (the one place places are computed), the move is written on
    the appeal and in the audit trail, and every entrant whose place changed is told their new place."""
    if not rules.may_resolve_appeal(actor):
        raise Forbidden("honours_forbidden", _("只有区总工会可以处理申诉"))
    resolution = _text(resolution, "resolution", 200, required=_("请填写处理说明"))
    corrected = _corrected_score(score)
    if corrected is not None and not upheld:
        raise Invalid("honours_score_not_upheld", _("申诉不成立时不更正成绩"), field="score")
    outcome = Appeal.Outcome.UPHELD if upheld else Appeal.Outcome.DISMISSED
    with transaction.atomic():
        # One decision at a time per competition: two corrections at once must not both read the
        # places from before the other's change.
        competition = Competition.objects.select_for_update().get(pk=appeal.entrant.competition_id)
        updated = Appeal.objects.filter(pk=appeal.pk, outcome=Appeal.Outcome.OPEN).update(
            outcome=outcome, resolution=resolution, resolved_by=actor, resolved_at=timezone.now()
        )
        if not updated:
            raise Conflict("honours_appeal_resolved", _("该申诉已处理"))
        moved = _correct_and_rerank(appeal, competition, corrected) if corrected is not None else {}
        appeal.refresh_from_db()
        changes = {"outcome": outcome}
        if corrected is not None:
            changes.update(
                entrant=appeal.entrant_id,
                total=[_str(appeal.previous_total), str(corrected)],
                place=[appeal.previous_place, appeal.new_place],
                moved={str(pk): places for pk, places in moved.items()},
            )
        audit(actor=actor, action="honours.appeal_resolve", obj=competition, changes=changes)
        _tell_of_appeal(appeal, competition)
        _tell_of_new_places(moved, competition, exclude=appeal.entrant_id)
    return appeal


def _str(value) -> str | None:
    return None if value is None else str(value)


def _correct_and_rerank(appeal: Appeal, competition: Competition, corrected: Decimal) -> dict[int, list]:
    """Set the corrected total and record on the appeal what moved; returns {entrant: [old, new]} for
    every entrant whose place changed (ties share a place, as in every ranking)."""
    before = {e.pk: (e.place, e.score) for e in ranking(competition)}
    Entrant.objects.filter(pk=appeal.entrant_id).update(corrected_total=corrected)
    after = {e.pk: e.place for e in ranking(competition)}
    old_place, old_total = before[appeal.entrant_id]
    Appeal.objects.filter(pk=appeal.pk).update(
        corrected_total=corrected, previous_total=old_total, previous_place=old_place, new_place=after[appeal.entrant_id]
    )
    # .get: an entrant added meanwhile (entrant_add does not lock the competition) had no place before
    return {pk: [before.get(pk, (None,))[0], place] for pk, place in after.items() if before.get(pk, (None,))[0] != place}


def _tell_of_appeal(appeal: Appeal, competition: Competition) -> None:
    user = appeal.entrant.member.user
    if user is None:
        return
    body = _("处理说明：%(reason)s") % {"reason": appeal.resolution}
    if appeal.corrected_total is not None:
        body += " " + _("成绩更正为 %(total)s 分，名次由第 %(old)s 名变为第 %(new)s 名") % {
            "total": appeal.corrected_total,
            "old": appeal.previous_place or "—",
            "new": appeal.new_place or "—",
        }
    notify(
        recipients=[user],
        title=_("您在“%(title)s”的申诉已处理：%(outcome)s") % {"title": competition.title, "outcome": appeal.get_outcome_display()},
        body=body,
        url=reverse("honours:my_competitions"),
    )


def _tell_of_new_places(moved: dict[int, list], competition: Competition, *, exclude: int) -> None:
    """Others whose place moved because of a correction are told too: a place is never changed silently."""
    for entrant in Entrant.objects.filter(pk__in=[pk for pk in moved if pk != exclude]).select_related("member__user"):
        if entrant.member.user is None:
            continue
        old, new = moved[entrant.pk]
        notify(
            recipients=[entrant.member.user],
            title=_("“%(title)s”名次调整：第 %(old)s 名 → 第 %(new)s 名")
            % {"title": competition.title, "old": old or "—", "new": new or "—"},
            body=_("因另一位选手的申诉成立、成绩更正，排名已重新计算。"),
            url=reverse("honours:my_competitions"),
        )


def my_results(member: Member) -> list[Entrant]:
    """The member's entries with their place (competition ranking), total and appeals, newest first."""
    out = []
    for entrant in Entrant.objects.filter(member=member).select_related("competition").order_by("-competition__year", "-pk"):
        ranked = {e.pk: e for e in ranking(entrant.competition)}
        mine = ranked[entrant.pk]
        mine.field_size = len(ranked)
        mine.appeal_list = list(mine.appeals.order_by("lodged_at", "pk"))
        out.append(mine)
    return out


def ranking(competition: Competition) -> list[Entrant]:
    """Entrants by the total they are ranked on (an appeal's correction, else the judges'); competition
    ranks: equal totals share a place and the next place is skipped (1, 1, 3); unscored entrants last,
    without a place. The only place places are computed: an appeal's re-ranking calls this too."""
    entrants = list(
        competition.entrants.select_related("member", "organisation", "evaluation")
        .annotate(ranked_total=Coalesce("corrected_total", "evaluation__total"))
        .order_by(F("ranked_total").desc(nulls_last=True), "pk")
    )
    place, previous = 0, object()
    for index, entrant in enumerate(entrants, start=1):
        total = entrant.score
        if total != previous:
            place, previous = index, total
        entrant.place = place if total is not None else None
    return entrants
