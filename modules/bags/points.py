"""Points for sorted bags: the rules staff configure, what one collection earns, and its ledger entry.

* A correctly sorted bag earns the points of the newest active ``PointsRule`` for its category
  (valid at the collection time), else of the newest active catch-all rule (empty category).
* When no rule exists at all, ``DEFAULT_POINTS`` (1) per correct bag with a daily cap of
  ``DEFAULT_DAILY_CAP`` (20) applies — written here, not in settings, so the demo and a fresh
  installation behave the same; staff replace it by creating a rule (page ``bags:points_rules``).
* A wrongly sorted bag, or a bag without an owner, earns nothing.
* The daily cap limits the sum of ``points_awarded`` of the owner's collections on the same
  Beijing calendar day (the cap of the rule that applies to this bag).

Every point a worker gets is an entry of the append-only ledger (``engines.ledger``):
``collection_points_post`` posts it idempotently (one entry per collection).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit
from core.errors import Forbidden, Invalid, NotFound
from core.models import Member
from core.scoping import is_district_staff
from engines.ledger.services import entry_post
from engines.ranking.periods import day_bounds
from modules.bags.models import Category, Collection, Grade, PointsRule

DEFAULT_POINTS = 1
DEFAULT_DAILY_CAP = 20
LEDGER_REASON = "bags.collection"


@dataclass(frozen=True)
class Terms:
    points: int
    daily_cap: int
    rule_id: int | None  # None: the built-in default


DEFAULT_TERMS = Terms(DEFAULT_POINTS, DEFAULT_DAILY_CAP, None)


def terms_for(category: str, at: datetime | None = None) -> Terms:
    """The rule that applies to a bag of ``category`` collected at ``at`` (one query): the scan's
    own rule fragment (``scan_sql.rule_terms``), so pages, the demo and every scan path agree."""
    from django.db import connection

    from modules.bags import scan_sql
    from modules.bags.services.scans import db_datetime, dialect

    with connection.cursor() as cursor:
        cursor.execute(scan_sql.terms_read(dialect()), {"category": category, "at": db_datetime(at or timezone.now())})
        row = cursor.fetchone()
    return DEFAULT_TERMS if row is None else Terms(*row)


def points_today(owner_id: int, at: datetime | None = None) -> int:
    start, end = day_bounds(at)
    total = Collection.objects.filter(owner_id=owner_id, collected_at__gte=start, collected_at__lt=end).aggregate(s=Sum("points_awarded"))[
        "s"
    ]
    return total or 0


def points_for_collection(*, owner_id: int | None, category: str, grade: str, at: datetime | None = None) -> int:
    """Points a collection earns: the rule's points, cut to what is left of the owner's daily cap.

    Call it inside the transaction that records the collection: on PostgreSQL it locks the
    owner's member row, so two bags of one worker scanned at the same moment cannot both pass
    the cap (the second waits until the first has committed its ``points_awarded``).
    """
    if owner_id is None or grade != Grade.CORRECT:
        return 0
    terms = terms_for(category, at)
    if terms.points <= 0:
        return 0
    if connection.in_atomic_block and connection.features.has_select_for_update:
        # FOR NO KEY UPDATE: serialises the cap check per worker without conflicting with the
        # KEY SHARE lock that inserting a collection (its foreign key to the member) takes.
        list(Member.objects.select_for_update(no_key=True).filter(pk=owner_id).values_list("pk", flat=True))
    left = terms.daily_cap - points_today(owner_id, at)
    return max(0, min(terms.points, left))


def collection_points_post(*, collection: Collection, actor=None):
    """Post the collection's ``points_awarded`` to the owner's ledger account (idempotent: one
    entry per collection, whatever the retries). Nothing is posted for zero points."""
    if not collection.owner_id or collection.points_awarded <= 0:
        return None
    return entry_post(
        member_id=collection.owner_id,
        amount=collection.points_awarded,
        reason=LEDGER_REASON,
        source=f"bags.collection:{collection.pk}",
        idempotency_key=f"bags.collection:{collection.pk}",
        memo=_("垃圾分类投放正确：%(category)s") % {"category": Category(collection.category).label},
        actor=actor,
    )


# ----------------------------------------------------------------------------- staff: the rules


def can_manage_rules(user) -> bool:
    """Points are district policy: only district staff set them."""
    return is_district_staff(user)


def points_rule_create(*, actor, category: str, points: int, daily_cap: int, valid_from: datetime | None = None) -> PointsRule:
    """A new rule; it supersedes older rules of the same category from ``valid_from`` on."""
    if not can_manage_rules(actor):
        raise Forbidden("forbidden", _("只有区总工会工作人员可以设置积分规则"))
    if category and category not in Category.values:
        raise Invalid("invalid_category", _("请选择有效的垃圾分类"), field="category")
    if points is None or points < 0 or points > 100:
        raise Invalid("invalid_points", _("每袋积分须在 0 到 100 之间"), field="points")
    if daily_cap is None or daily_cap < 0 or daily_cap > 1000:
        raise Invalid("invalid_daily_cap", _("每日上限须在 0 到 1000 之间"), field="daily_cap")
    with transaction.atomic():
        rule = PointsRule.objects.create(
            category=category,
            points=points,
            daily_cap=daily_cap,
            valid_from=valid_from or timezone.now(),
            created_by=actor,
        )
        audit(
            actor=actor,
            action="bags.points_rule.create",
            obj=rule,
            changes={"category": category, "points": points, "daily_cap": daily_cap, "valid_from": rule.valid_from.isoformat()},
        )
    return rule


def points_rule_deactivate(*, actor, rule_id: int) -> PointsRule:
    """Stop a rule; the next newest active rule (or the default) applies again."""
    if not can_manage_rules(actor):
        raise Forbidden("forbidden", _("只有区总工会工作人员可以设置积分规则"))
    with transaction.atomic():
        rule = PointsRule.objects.select_for_update().filter(pk=rule_id).first()
        if rule is None:
            raise NotFound("points_rule_not_found", _("积分规则不存在"))
        if not rule.is_active:
            raise Invalid("points_rule_inactive", _("该规则已停用"), field=None)
        rule.is_active = False
        rule.save(update_fields=["is_active"])
        audit(actor=actor, action="bags.points_rule.deactivate", obj=rule, changes={"is_active": [True, False]})
    return rule


def default_rules_ensure(*, actor=None) -> list[PointsRule]:
    """Create the catch-all default rule when there is no rule at all (the demo seeder uses it)."""
    if PointsRule.objects.exists():
        return []
    rule = PointsRule.objects.create(category="", points=DEFAULT_POINTS, daily_cap=DEFAULT_DAILY_CAP, created_by=actor)
    audit(
        actor=actor,
        action="bags.points_rule.create",
        obj=rule,
        changes={"category": "", "points": DEFAULT_POINTS, "daily_cap": DEFAULT_DAILY_CAP},
    )
    return [rule]
