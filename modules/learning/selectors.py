"""Reads of the learning programme, scoped to the viewer (``core.scoping``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Avg, Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core import scoping
from core.models import Organisation
from engines.review.models import ScoreSheet
from modules.learning.models import Attempt, Attendance, Contest, Essay, EssayCall, Material, StudySession


def _reach_q(user, field: str = "organisation") -> Q:
    """Activities a user may see: district-wide ones, those of their member union's ancestors,
    and, for staff, those of unions in their scope."""
    q = Q(**{f"{field}__isnull": True})
    member = scoping.member_for(user)
    if member is not None:
        ancestors = [int(p) for p in member.organisation.path.strip(".").split(".") if p]
        q |= Q(**{f"{field}_id__in": ancestors})
    if scoping.is_staff_member(user):
        q |= scoping.organisation_scope_q(user, field)
    return q


def contests_for(user):
    return Contest.objects.filter(_reach_q(user)).select_related("campaign", "organisation").order_by("-campaign__starts_at")


def contest_for(user, pk) -> Contest | None:
    return contests_for(user).filter(pk=pk).first()


def my_attempt(user, contest: Contest) -> Attempt | None:
    member = scoping.member_for(user)
    if member is None:
        return None
    attempt = Attempt.objects.filter(campaign_id=contest.campaign_id, member=member).first()
    if attempt is not None:
        # The contest came with its campaign: the attempt's pass mark and name are read from it,
        # not fetched again by ``passed()`` on every page showing the result.
        attempt.campaign = contest.campaign
        attempt.member = member  # the certificate names them
    return attempt


@dataclass
class TeamRow:
    rank: int
    organisation_id: int
    name: str
    street: str
    participants: int
    members: int
    average: float
    passed: int

    @property
    def rate(self) -> float:
        return round(100 * self.participants / self.members, 1) if self.members else 0.0


RANKING_SECONDS = 5


def team_ranking(contest: Contest, limit: int = 100) -> list[TeamRow]:
    """Unions ranked by their members' average score, then by how many took part.

    One aggregate over the contest's answer sheets grouped by union id alone (names joined
    afterwards for the rows shown), kept for a few seconds: 5,000 members answering at once
    all look at the same board."""
    key = f"learning:team:{contest.campaign_id}:{limit}"
    rows = cache.get(key)
    if rows is None:
        rows = _team_ranking(contest, limit)
        cache.set(key, rows, RANKING_SECONDS)
    return rows


def _team_ranking(contest: Contest, limit: int) -> list[TeamRow]:
    campaign = contest.campaign
    mark = campaign.pass_mark if campaign.pass_mark is not None else 10**9
    groups = list(
        Attempt.objects.filter(campaign_id=campaign.pk)
        .values("organisation_id")
        .annotate(participants=Count("pk"), average=Avg("score"), passed=Count("pk", filter=Q(score__gte=mark)))
        .order_by("-average", "-participants", "organisation_id")[:limit]
    )
    unions = {
        o["pk"]: o
        for o in Organisation.objects.filter(pk__in=[g["organisation_id"] for g in groups]).values(
            "pk", "name", "member_count", "street__name"
        )
    }
    out, previous, rank = [], None, 0
    for n, row in enumerate(groups, start=1):
        key = (round(row["average"] or 0, 2), row["participants"])
        if key != previous:
            rank, previous = n, key
        union = unions.get(row["organisation_id"], {})
        out.append(
            TeamRow(
                rank=rank,
                organisation_id=row["organisation_id"],
                name=union.get("name", ""),
                street=union.get("street__name") or "",
                participants=row["participants"],
                members=union.get("member_count") or 0,
                average=round(float(row["average"] or 0), 2),
                passed=row["passed"],
            )
        )
    return out


def contest_figures(contest: Contest) -> dict:
    campaign = contest.campaign
    agg = Attempt.objects.filter(campaign_id=campaign.pk).aggregate(
        n=Count("pk"),
        avg=Avg("score"),
        passed=Count("pk", filter=Q(score__gte=campaign.pass_mark if campaign.pass_mark is not None else 10**9)),
        unions=Count("organisation", distinct=True),
    )
    return {"participants": agg["n"], "average": round(float(agg["avg"] or 0), 2), "passed": agg["passed"], "unions": agg["unions"]}


# ---------------------------------------------------------------- essays


def calls_for(user):
    return EssayCall.objects.filter(_reach_q(user)).select_related("organisation")


def call_for(user, pk) -> EssayCall | None:
    return calls_for(user).filter(pk=pk).first()


def my_essay(user, call: EssayCall) -> Essay | None:
    member = scoping.member_for(user)
    return Essay.objects.filter(call=call, member=member).first() if member else None


def essays_visible_to(user, call: EssayCall):
    """Staff see the entries of their scope's unions (with authors); others none."""
    if not scoping.is_staff_member(user):
        return Essay.objects.none()
    return (
        Essay.objects.filter(call=call)
        .filter(scoping.organisation_scope_q(user, "organisation"))
        .select_related("member", "organisation", "evaluation")
    )


def judge_inbox(user):
    """Entries waiting for this judge: code, topic and title only, and whether they are scored."""
    essays = list(
        Essay.objects.filter(call__judges=user, call__status=EssayCall.Status.JUDGING)
        .select_related("call")
        .only("pk", "code", "title", "topic", "call__title", "call__status", "evaluation_id")
        .order_by("call_id", "code")
    )
    scored = set(
        ScoreSheet.objects.filter(scorer=user, evaluation_id__in=[e.evaluation_id for e in essays]).values_list("evaluation_id", flat=True)
    )
    for essay in essays:
        essay.scored = essay.evaluation_id in scored
    return essays


def essay_for_judge(user, pk) -> Essay | None:
    return Essay.objects.filter(pk=pk, call__judges=user).exclude(call__status=EssayCall.Status.OPEN).select_related("call").first()


@dataclass
class OtherSheet:
    judge: str
    total: object
    comment: str


def other_judges_sheets(user, essay: Essay) -> list[OtherSheet] | None:
    """Other judges' totals, only once this judge's own sheet is in (None until then).

    Judges are shown as 评委1, 评委2 … so a judge is not swayed by a name either."""
    if essay.evaluation_id is None:
        return None
    sheets = list(ScoreSheet.objects.filter(evaluation_id=essay.evaluation_id).order_by("pk"))
    if not any(s.scorer_id == user.pk for s in sheets):
        return None
    return [
        OtherSheet(judge=_("评委%(n)s") % {"n": n}, total=s.total, comment=s.comment)
        for n, s in enumerate(sheets, start=1)
        if s.scorer_id != user.pk
    ]


def own_sheet(user, essay: Essay):
    if essay.evaluation_id is None:
        return None
    return ScoreSheet.objects.filter(evaluation_id=essay.evaluation_id, scorer=user).prefetch_related("scores__item").first()


def awarded(call: EssayCall):
    order = {"first": 1, "second": 2, "third": 3, "merit": 4}
    rows = list(call.essays.exclude(award="").select_related("member", "organisation", "evaluation"))
    return sorted(rows, key=lambda e: (order.get(e.award, 9), -(e.evaluation.total or 0) if e.evaluation else 0, e.code))


# ---------------------------------------------------------------- library and sessions


def materials_for(user, topic: str = ""):
    qs = Material.objects.filter(_reach_q(user)).filter(is_published=True)
    if topic:
        qs = qs.filter(topic=topic)
    return qs.select_related("organisation")


def material_topics(user) -> list[str]:
    return list(Material.objects.filter(_reach_q(user), is_published=True).values_list("topic", flat=True).distinct().order_by("topic"))


def sessions_visible_to(user):
    if not scoping.is_staff_member(user):
        return StudySession.objects.none()
    return (
        StudySession.objects.filter(scoping.organisation_scope_q(user, "organisation"))
        .select_related("organisation")
        .annotate(present=Count("attendances"))
    )


def session_for(user, pk) -> StudySession | None:
    return sessions_visible_to(user).filter(pk=pk).first()


def _year_bounds(year: int):
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    return start, timezone.make_aware(dt.datetime(year + 1, 1, 1))


def participation(year: int, viewer, by: str = "organisation", street: Organisation | None = None) -> list[dict]:
    """Per union (``by="organisation"``) or per street (``by="street"``): study sessions held,
    attendances, contest answer sheets and essays of the year, within the viewer's scope."""
    start, end = _year_bounds(year)
    key = "organisation" if by == "organisation" else "organisation__street"
    scope = scoping.organisation_scope_q(viewer, "organisation")
    if street is not None:
        scope &= Q(organisation__street=street)
    rows: dict = {}

    def add(qs, field, name):
        for row in qs.filter(scope).values(f"{key}_id", f"{key}__name").annotate(n=Count("pk")):
            entry = rows.setdefault(row[f"{key}_id"], {"id": row[f"{key}_id"], "name": row[f"{key}__name"] or _("未分街道"),
                                                        "sessions": 0, "attendances": 0, "contest": 0, "essays": 0})  # fmt: skip
            entry[field] += row["n"]

    add(StudySession.objects.filter(held_at__gte=start, held_at__lt=end), "sessions", "sessions")
    add(Attendance.objects.filter(session__held_at__gte=start, session__held_at__lt=end), "attendances", "attendances")
    add(Attempt.objects.filter(started_at__gte=start, started_at__lt=end, campaign__learning_contest__isnull=False), "contest", "contest")
    add(Essay.objects.filter(submitted_at__gte=start, submitted_at__lt=end), "essays", "essays")
    out = list(rows.values())
    for row in out:
        row["total"] = row["attendances"] + row["contest"] + row["essays"]
    return sorted(out, key=lambda r: (-r["total"], r["name"]))


def review_section(year: int, viewer, street: Organisation | None = None):
    """The annual review's part: study sessions and attendance, contests and essays, with the
    participation per union and per street behind the figures."""
    start, end = _year_bounds(year)
    sessions = StudySession.objects.filter(held_at__gte=start, held_at__lt=end)
    attendances = Attendance.objects.filter(session__held_at__gte=start, session__held_at__lt=end)
    contests = Contest.objects.filter(campaign__starts_at__gte=start, campaign__starts_at__lt=end)
    attempts = Attempt.objects.filter(campaign__learning_contest__in=contests)
    calls = EssayCall.objects.filter(deadline__gte=start, deadline__lt=end)
    essays = Essay.objects.filter(call__in=calls)
    if street is not None:
        sessions, attendances = sessions.filter(organisation__street=street), attendances.filter(organisation__street=street)
        attempts, essays = attempts.filter(organisation__street=street), essays.filter(organisation__street=street)
    if not (sessions.exists() or contests.exists() or calls.exists()):
        return {"title": _("强学习"), "items": [], "empty": _("本年度没有学习活动")}
    items = [
        (_("中心组学习等学习活动"), sessions.count(), _("场")),
        (_("参加学习人次"), attendances.count(), _("人次")),
        (_("举办知识竞赛"), contests.count(), _("场")),
        (_("参赛职工"), attempts.count(), _("人")),
        (_("开展征文活动"), calls.count(), _("次")),
        (_("收到征文"), essays.count(), _("篇")),
        (_("获奖征文"), essays.exclude(award="").count(), _("篇")),
    ]
    return {
        "title": _("强学习"),
        "items": items,
        "lists": {
            "contests": [
                (c.campaign.name, attempts.filter(campaign_id=c.campaign_id).count()) for c in contests.select_related("campaign")
            ],
            "calls": [(c.title, essays.filter(call=c).count()) for c in calls],
            "by_organisation": participation(year, viewer, "organisation", street),
            "by_street": participation(year, viewer, "street", street),
        },
    }
