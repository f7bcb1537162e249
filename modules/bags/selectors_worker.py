"""Reads of the worker side: a worker's own figures and history, and the public ranking boards.

Ranks come from the live boards (``rankings``): an exact rank among a million members is one
Redis round trip, never a ``COUNT(*)``. Names for a page of a board come in one query and are
shown only as ``core.privacy.public_name`` allows (masked, and only with the worker's consent).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Member, Organisation
from core.privacy import public_name
from core.registry import registry
from engines.ledger.models import Account
from engines.ranking import leaderboard as lb
from engines.ranking import periods as P
from modules.bags import rankings as R
from modules.bags.models import Category, Collection, Grade, WrongSortReason

PERIOD_LABELS = {P.WEEK: _("本周"), P.MONTH: _("本月"), P.YEAR: _("本年"), P.ALL: _("总榜")}
PAGE_SIZE = 20


def reverse_or_none(name: str, *args) -> str | None:
    """A link to another programme's page, if that programme is installed (else no link)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


# ------------------------------------------------------------------------------ the worker

# The worker's page is opened by every worker after every bag. Its reads are fixed statements,
# written out here in SQL: building each through the ORM cost 0.4-0.7 ms of Python (compiling
# the query, not running it), sending the text costs 0.1 ms. Each reads exactly what the ORM
# query it replaced read; the tests run them on SQLite and on PostgreSQL.


@dataclass(frozen=True)
class PointsAccount:
    id: int | None  # None before the worker's first points
    balance: int = 0
    earned: int = 0


_WORKER_OF_USER = """
    SELECT m.id, m.organisation_id, m.name, m.ranking_consent, o.name, o.member_count,
           a.id, a.balance, a.total_credited
    FROM core_member m
    JOIN core_organisation o ON o.id = m.organisation_id
    LEFT JOIN ledger_account a ON a.member_id = m.id AND a.unit = %s
    WHERE m.user_id = %s
"""


def worker_of_user(user_id: int) -> tuple[Member, PointsAccount] | None:
    """The user's member row with their union and their points account, in one statement
    (None if the user is not on a roster). The member is loaded as ``.only()`` would load it:
    the fields the page shows, the others read on first use."""
    with connection.cursor() as cursor:
        cursor.execute(_WORKER_OF_USER, [Account.Unit.POINTS, user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    member_id, org_id, name, consent, org_name, member_count, account_id, balance, earned = row
    member = _loaded(Member, id=member_id, user_id=user_id, organisation_id=org_id, name=name, ranking_consent=bool(consent))
    member.organisation = _loaded(Organisation, id=org_id, name=org_name, member_count=member_count)
    if account_id is None:
        return member, PointsAccount(None)
    return member, PointsAccount(account_id, balance, earned)


def _loaded(model, **values):
    """An instance as the ORM loads one from the database with only these fields (the others
    deferred, so reading one of them queries it rather than finding a default)."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(connection.alias, names, [values[n] for n in names])


def _aware(at: datetime) -> datetime:
    """PostgreSQL returns aware datetimes; SQLite (the demo) naive ones, in UTC."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


@dataclass
class Place:
    rank: int | None
    total: int
    score: float | None = None


@dataclass
class Overview:
    member: Member
    balance: int
    earned: int
    week_bags: int
    month_bags: int
    total_bags: int
    correct_bags: int
    accuracy: int | None  # percent of bags sorted right, None before the first bag
    district_all: Place
    district_month: Place
    org_all: Place
    org_month: Place
    union_bags_month: Place
    union_per_member_month: Place
    union_per_member_eligible: bool
    boards_ready: bool = True
    extra: dict = field(default_factory=dict)


def worker_overview(member: Member, account: PointsAccount | None = None) -> Overview:
    """Everything at the top of the worker's page: 1 query (the points account, unless given:
    ``worker_of_user`` reads it with the member) and 1 ranking round trip — the bag counts come
    from the worker's own boards, not from counting rows. Only while lost boards are being
    rebuilt are the counts taken from the database."""
    now = timezone.now()
    week, month = P.span(P.WEEK, now), P.span(P.MONTH, now)
    if account is None:
        found = Account.objects.filter(member_id=member.pk, unit=Account.Unit.POINTS).values("id", "balance", "total_credited").first()
        account = PointsAccount(found["id"], found["balance"], found["total_credited"]) if found else PointsAccount(None)
    ready = R.ensure_fresh()
    me, org = R.member_key(member.pk), R.member_key(member.organisation_id)
    own_org = R.org_scope(member.organisation_id)
    d_all, d_month, o_all, o_month, union_bags, union_pm, bags_week, bags_month, bags_all, correct_all = lb.standings(
        [
            (R.WORKER_POINTS, "all", R.DISTRICT, me),
            (R.WORKER_POINTS, month.key, R.DISTRICT, me),
            (R.WORKER_POINTS, "all", own_org, me),
            (R.WORKER_POINTS, month.key, own_org, me),
            (R.ORG_BAGS, month.key, R.DISTRICT, org),
            (R.ORG_PER_MEMBER, month.key, R.DISTRICT, org),
            (R.WORKER_BAGS, week.key, R.DISTRICT, me),
            (R.WORKER_BAGS, month.key, R.DISTRICT, me),
            (R.WORKER_BAGS, "all", R.DISTRICT, me),
            (R.WORKER_CORRECT, "all", R.DISTRICT, me),
        ]
    )
    if ready:
        figures = {
            "week": int(bags_week.score or 0),
            "month": int(bags_month.score or 0),
            "total": int(bags_all.score or 0),
            "correct": int(correct_all.score or 0),
        }
    else:
        figures = Collection.objects.filter(owner_id=member.pk).aggregate(
            total=Count("id"),
            correct=Count("id", filter=Q(grade=Grade.CORRECT)),
            week=Count("id", filter=Q(collected_at__gte=week.start, collected_at__lt=week.end)),
            month=Count("id", filter=Q(collected_at__gte=month.start, collected_at__lt=month.end)),
        )
    total = figures["total"] or 0
    return Overview(
        member=member,
        balance=account.balance,
        earned=account.earned,
        week_bags=figures["week"] or 0,
        month_bags=figures["month"] or 0,
        total_bags=total,
        correct_bags=figures["correct"] or 0,
        accuracy=round(100 * (figures["correct"] or 0) / total) if total else None,
        district_all=Place(d_all.rank, d_all.total, d_all.score),
        district_month=Place(d_month.rank, d_month.total, d_month.score),
        org_all=Place(o_all.rank, o_all.total, o_all.score),
        org_month=Place(o_month.rank, o_month.total, o_month.score),
        union_bags_month=Place(union_bags.rank, union_bags.total, union_bags.score),
        union_per_member_month=Place(union_pm.rank, union_pm.total, union_pm.score),
        union_per_member_eligible=member.organisation.member_count >= R.MIN_MEMBERS,
        boards_ready=ready,
        extra={"account_id": account.id},
    )


@dataclass
class HistoryRow:
    """One bag of the worker's history, as the page shows it."""

    category_label: str
    correct: bool
    points: int
    collected_at: datetime
    point_name: str
    reasons: list[tuple[str, str, str | None]]  # (code, label, knowledge link)


def worker_collections(member: Member, *, page: int, total: int, per_page: int = 10) -> tuple[list[HistoryRow], int, int]:
    """One page of the worker's bags, newest first (the total comes from ``worker_overview``, so
    paging costs no second COUNT). Returns (rows, page, pages). Plain rows, not model instances:
    this is the busiest page of the platform."""
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    with connection.cursor() as cursor:
        cursor.execute(_WORKER_COLLECTIONS, [member.pk, per_page, (page - 1) * per_page])
        found = cursor.fetchall()
    categories = dict(Category.choices)
    reason_labels = dict(WrongSortReason.choices)
    rows = []
    for category, grade, reasons_json, collected_at, points_awarded, point_name in found:
        reasons = []
        if grade == Grade.WRONG:
            for code in json.loads(reasons_json or "[]"):
                reasons.append((code, reason_labels.get(code, code), reverse_or_none("knowledge:reason", code)))
        rows.append(
            HistoryRow(
                categories.get(category, category), grade == Grade.CORRECT, points_awarded, _aware(collected_at), point_name, reasons
            )
        )
    return rows, page, pages


# The (owner, collected_at) index answers it; every bag has a point.
_WORKER_COLLECTIONS = """
    SELECT c.category, c.grade, c.reasons, c.collected_at, c.points_awarded, p.name
    FROM bags_collection c
    JOIN bags_collectionpoint p ON p.id = c.point_id
    WHERE c.owner_id = %s
    ORDER BY c.collected_at DESC, c.id DESC
    LIMIT %s OFFSET %s
"""


@dataclass
class LedgerRow:
    amount: int
    balance_after: int
    label: str  # the memo, else the reason's name
    created_at: datetime


def worker_ledger(member: Member, *, account_id: int | None, limit: int = 10) -> list[LedgerRow]:
    """The newest entries of the worker's points account (earned, spent, refunded); by account
    id so the (account, -created_at) index answers it without a join."""
    if account_id is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_WORKER_LEDGER, [account_id, limit])
        found = cursor.fetchall()
    reasons = registry.ledger_reasons
    return [LedgerRow(amount, balance, memo or reasons.get(reason, reason), _aware(at)) for amount, balance, reason, memo, at in found]


_WORKER_LEDGER = """
    SELECT amount, balance_after, reason, memo, created_at
    FROM ledger_entry
    WHERE account_id = %s
    ORDER BY created_at DESC, id DESC
    LIMIT %s
"""


# ------------------------------------------------------------------------------- the boards


WORKER_METRICS = {"points": (R.WORKER_POINTS, _("积分")), "correct": (R.WORKER_CORRECT, _("正确分类袋数"))}
ORG_METRICS = {"bags": (R.ORG_BAGS, _("使用智慧袋数")), "per_member": (R.ORG_PER_MEMBER, _("人均使用袋数"))}
STREET_METRICS = {"bags": (R.STREET_BAGS, _("使用智慧袋数")), "per_member": (R.STREET_PER_MEMBER, _("人均使用袋数"))}


def streets() -> list[tuple[int, str]]:
    """The district's street unions for the scope filter (cached: the tree rarely changes)."""
    found = cache.get("bags:rk:streets")
    if found is None:
        found = list(
            Organisation.objects.filter(level=Organisation.Level.STREET, is_active=True).order_by("name").values_list("id", "name")
        )
        cache.set("bags:rk:streets", found, 300)
    return found


@dataclass
class BoardRow:
    rank: int
    name: str
    score: float
    detail: str = ""
    is_me: bool = False


@dataclass
class BoardPage:
    rows: list[BoardRow]
    total: int
    page: int
    pages: int
    ready: bool


def _page_bounds(page: int) -> tuple[int, int]:
    page = max(1, page)
    return page, (page - 1) * PAGE_SIZE


def worker_board(*, metric: str, period: str, scope: str, page: int = 1, viewer_member: Member | None = None) -> BoardPage:
    """Best workers: names masked and consent-aware, their union beside them; one query for names."""
    board, _label = WORKER_METRICS[metric]
    ready = R.ensure_fresh()
    page, offset = _page_bounds(page)
    rows, total = lb.top(board, P.span(period).key, scope, offset=offset, limit=PAGE_SIZE)
    ids = [R.member_id(r.member) for r in rows]
    people = {
        m.pk: m
        for m in Member.objects.filter(pk__in=ids)
        .select_related("organisation")
        .only("id", "name", "ranking_consent", "organisation__name")
    }
    out = []
    for r in rows:
        m = people.get(R.member_id(r.member))
        out.append(
            BoardRow(
                rank=r.rank,
                name=public_name(m) if m else str(_("匿名职工")),
                score=r.score,
                detail=m.organisation.name if m else "",
                is_me=viewer_member is not None and m is not None and m.pk == viewer_member.pk,
            )
        )
    return BoardPage(out, total, page, max(1, -(-total // PAGE_SIZE)), ready)


def organisation_board(*, metric: str, period: str, scope: str, page: int = 1, highlight_org_id: int | None = None) -> BoardPage:
    board, _label = ORG_METRICS[metric]
    ready = R.ensure_fresh()
    page, offset = _page_bounds(page)
    rows, total = lb.top(board, P.span(period).key, scope, offset=offset, limit=PAGE_SIZE)
    ids = [R.member_id(r.member) for r in rows]
    orgs = {o["id"]: o for o in Organisation.objects.filter(pk__in=ids).values("id", "name", "member_count", "street__name")}
    out = []
    for r in rows:
        o = orgs.get(R.member_id(r.member), {})
        detail = _("%(street)s · 会员 %(n)s 人") % {"street": o.get("street__name") or "", "n": o.get("member_count", 0)}
        out.append(BoardRow(r.rank, o.get("name", "—"), r.score, str(detail), R.member_id(r.member) == highlight_org_id))
    return BoardPage(out, total, page, max(1, -(-total // PAGE_SIZE)), ready)


def street_board(*, metric: str, period: str, page: int = 1, highlight_street_id: int | None = None) -> BoardPage:
    board, _label = STREET_METRICS[metric]
    ready = R.ensure_fresh()
    page, offset = _page_bounds(page)
    rows, total = lb.top(board, P.span(period).key, R.DISTRICT, offset=offset, limit=PAGE_SIZE)
    names = dict(streets())
    out = [BoardRow(r.rank, names.get(R.member_id(r.member), "—"), r.score, "", R.member_id(r.member) == highlight_street_id) for r in rows]
    return BoardPage(out, total, page, max(1, -(-total // PAGE_SIZE)), ready)


def top_organisation_this_month() -> tuple[str, int] | None:
    """The union that used the most smart bags this month (for the staff dashboard)."""
    R.ensure_fresh()
    rows, _total = lb.top(R.ORG_BAGS, P.span(P.MONTH).key, R.DISTRICT, limit=1)
    if not rows:
        return None
    name = Organisation.objects.filter(pk=R.member_id(rows[0].member)).values_list("name", flat=True).first()
    return (name or "—", int(rows[0].score))
