"""What a scan decides, once for every way a scan is recorded (single SQL, by token, batch, ORM).

The SQL (``scan_sql``) reads a scan's facts and, on the fast path, acts on them in the same
statement (``scan_sql.ALLOWED``); this module is the Python side of the same decision: the checks
that need no database (``validate``), the answer to a replayed ``client_id`` (``replay``), the
refusal, checked in the order a collector can act on (``refusal``), and the words of the answer.
Which points a bag earns and the daily cap are the SQL fragments ``scan_sql.rule_terms`` and
``scan_sql.daily_award``, used by every path.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApiError
from modules.bags import codes
from modules.bags.models import BagBatch, Category, Collection, Grade, WrongSortReason
from modules.bags.scan_sql import EXISTING_COLUMNS, FACT_COLUMNS

LEDGER_REASON = "bags.collection"
MAX_SCAN_BATCH = 500
# An offline device may upload scans made earlier; older than this they are refused.
SCAN_MAX_AGE = timedelta(days=7)
SCAN_MAX_SKEW = timedelta(minutes=10)

CODE_ERRORS = {
    codes.CodeStatus.UNKNOWN: ("bag_code_unknown", 422, "无法识别的编码：这不是垃圾袋二维码"),
    codes.CodeStatus.MISTYPED: ("bag_code_mistyped", 422, "编码输入有误（校验位不符），请核对后重新输入"),
    codes.CodeStatus.FORGED: ("bag_code_forged", 422, "编码校验失败：疑似伪造的垃圾袋，请留存并上报"),
}


def code_error(status: codes.CodeStatus) -> ApiError:
    code, http, message = CODE_ERRORS[status]
    return ApiError(code, _(message), field="code", status=http)


@dataclass
class ScanIn:
    client_id: str
    code: str
    point_id: int
    category: str
    grade: str = Grade.CORRECT
    reasons: list[str] = field(default_factory=list)
    weight_grams: int | None = None
    scanned_at: datetime | None = None


@dataclass
@dataclass
class ScanResult:
    client_id: str
    ok: bool
    status: int
    code: str = "collected"
    message: str = ""
    field: str | None = None
    collection_id: int | None = None
    bag_id: int | None = None
    bag_code: str = ""
    grade: str = ""
    category: str = ""
    points: int = 0
    bound: bool = False
    replayed: bool = False

    def as_dict(self) -> dict:
        return {
            "client_id": self.client_id,
            "ok": self.ok,
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "field": self.field,
            "collection_id": self.collection_id,
            "bag_code": self.bag_code,
            "grade": self.grade,
            "category": self.category,
            "points": self.points,
            "bound": self.bound,
            "replayed": self.replayed,
        }


def fail(item: ScanIn, code: str, message, status: int = 422, field: str | None = None, bag_code: str = "") -> ScanResult:
    return ScanResult(item.client_id, False, status, code, str(message), field, bag_code=bag_code)


_CLIENT_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
# Choice values as sets once: the enums' ``.values`` builds a new list on every access.
_CATEGORIES = frozenset(Category.values)
_GRADES = frozenset(Grade.values)
_REASONS = frozenset(WrongSortReason.values)


def validate(item: ScanIn, now: datetime) -> ScanResult | None:
    """Checks that need no database; None when the item may proceed."""
    if not item.client_id or not _CLIENT_ID.fullmatch(item.client_id):
        return fail(item, "invalid_client_id", _("client_id 须为 1-64 位字母、数字或 -_.:"), field="client_id")
    if item.category not in _CATEGORIES:
        return fail(item, "invalid_category", _("请选择垃圾分类"), field="category")
    if item.grade not in _GRADES:
        return fail(item, "invalid_grade", _("请选择分类质量"), field="grade")
    if item.grade == Grade.CORRECT and item.reasons:
        return fail(item, "reasons_for_correct", _("合格的垃圾袋不需要填写不合格原因"), field="reasons")
    if len(item.reasons) > len(_REASONS) or any(r not in _REASONS for r in item.reasons):
        return fail(item, "invalid_reason", _("不合格原因无效"), field="reasons")
    if item.weight_grams is not None and not 0 < item.weight_grams <= 100_000:
        return fail(item, "invalid_weight", _("重量须在 1 克到 100 千克之间"), field="weight_grams")
    if item.scanned_at is not None:
        if timezone.is_naive(item.scanned_at):
            item.scanned_at = timezone.make_aware(item.scanned_at)
        if item.scanned_at > now + SCAN_MAX_SKEW:
            return fail(item, "scanned_in_future", _("扫描时间晚于当前时间，请校准设备时间"), field="scanned_at")
        if item.scanned_at < now - SCAN_MAX_AGE:
            return fail(item, "scan_too_old", _("扫描记录超过7天，不能再上传"), field="scanned_at")
    return None


def same_body(existing: dict, item: ScanIn, bag_id: int | None) -> bool:
    return (
        existing["bag_id"] == bag_id
        and existing["point_id"] == item.point_id
        and existing["category"] == item.category
        and existing["grade"] == item.grade
        and sorted(existing["reasons"] or []) == sorted(item.reasons)
        and existing["weight_grams"] == item.weight_grams
    )


def replay(item: ScanIn, existing: dict, bag_id: int | None, actor_id: int) -> ScanResult:
    if existing["collector_id"] != actor_id or not same_body(existing, item, bag_id):
        return fail(item, "idempotency_conflict", _("该 client_id 已用于另一条不同的扫描记录"), status=409, field="client_id")
    return ScanResult(
        item.client_id,
        True,
        200,
        "collected",
        _("已回收（重复上传，未重复计分）"),
        None,
        existing["id"],
        existing["bag_id"],
        codes.encode(existing["bag_id"]),
        existing["grade"],
        existing["category"],
        existing["points_awarded"],
        existing["owner_id"] is not None,
        True,
    )


COLLECTION_FIELDS = tuple(name.removeprefix("e_").replace("existing_id", "id") for name in EXISTING_COLUMNS)


class Facts(NamedTuple):
    """One scan's facts as ``scan_sql.facts`` reads them (``FACT_COLUMNS``, then the earlier
    collection with the same client_id, ``EXISTING_COLUMNS``)."""

    point_id: int | None
    point_active: bool | None
    assigned: bool
    is_collector: bool
    bag_id: int | None
    org_id: int | None
    owner_id: int | None
    bag_collected: datetime | None
    street_id: int | None
    batch_status: str | None
    served: bool | None
    existing: tuple

    @classmethod
    def of(cls, row) -> Facts:
        n = len(FACT_COLUMNS)
        return cls(*row[:n], tuple(row[n : n + len(EXISTING_COLUMNS)]))

    def earlier(self) -> dict | None:
        """The earlier collection with this client_id, or None."""
        if self.existing[0] is None:
            return None
        found = dict(zip(COLLECTION_FIELDS, self.existing, strict=True))
        if isinstance(found["reasons"], str):  # SQLite answers JSON as its text
            found["reasons"] = json.loads(found["reasons"])
        return found


def not_collector(item: ScanIn) -> ScanResult:
    return fail(item, "not_collector", _("只有分拣员可以上传回收记录"), status=403)


def refusal(item: ScanIn, parsed: codes.ParsedCode, facts: Facts) -> ScanResult | None:
    """Why a scan of a new client_id may not be recorded (None: it may), checked in the order a
    collector can act on; ``scan_sql.ALLOWED`` is the same decision in SQL."""
    if facts.point_id is None:
        return fail(item, "point_not_found", _("收集点不存在"), status=404, field="point_id")
    if not facts.assigned:
        return fail(item, "not_point_collector", _("您不是该收集点的分拣员"), status=403, field="point_id")
    if not facts.point_active:
        return fail(item, "point_inactive", _("该收集点已停用"), status=409, field="point_id")
    if not parsed.ok:
        error = code_error(parsed.status)
        return fail(item, error.code, error.message, status=error.status, field="code", bag_code=parsed.code)
    if facts.bag_id is None or facts.batch_status != BagBatch.Status.READY:
        return fail(
            item, "bag_not_issued", _("该垃圾袋尚未发放（编码有效，但没有发放记录）"), status=404, field="code", bag_code=parsed.code
        )
    if facts.bag_collected is not None:
        return already_collected(item, parsed.code)
    if not facts.served:
        return fail(item, "bag_not_served", _("该垃圾袋所属工会不在本收集点服务范围内"), status=403, field="code", bag_code=parsed.code)
    return None


def already_collected(item: ScanIn, bag_code: str) -> ScanResult:
    return fail(item, "bag_already_collected", _("该垃圾袋已回收，不能重复计分"), status=409, field="code", bag_code=bag_code)


def decide(item: ScanIn, parsed: codes.ParsedCode, facts: Facts, actor_id: int) -> ScanResult | None:
    """The answer a scan gets from its facts before anything is written: not a collector, a
    replay (or a conflicting reuse) of its client_id, or a refusal; None when it is recorded."""
    if not facts.is_collector:
        return not_collector(item)
    earlier = facts.earlier() or unclaimed_earlier(item, facts)
    if earlier is not None:
        return replay(item, earlier, parsed.bag_id if parsed.ok else None, actor_id)
    return refusal(item, parsed, facts)


def unclaimed_earlier(item: ScanIn, facts: Facts) -> dict | None:
    """The earlier collection with this client_id that the facts could not show: its claim was
    deleted after ``IDEMPOTENCY_CLAIM_DAYS`` and the scan's statement finds an earlier upload
    through its claim (``scan_sql.earlier``). Only a retry of a bag already collected can be that
    old, so only then is every month searched: a rare refusal path pays it, not every scan."""
    if facts.bag_collected is None:
        return None
    row = Collection.objects.filter(client_id=item.client_id).values_list(*COLLECTION_FIELDS).first()
    return None if row is None else facts._replace(existing=tuple(row)).earlier()


def wanted_points(rule_points: int, owner_id: int | None, grade: str) -> int:
    """The points a bag asks for before the daily cap (``scan_sql.eligible`` in SQL)."""
    return max(rule_points, 0) if owner_id is not None and grade == Grade.CORRECT else 0


def scan_message(bound: bool, grade: str, points: int) -> str:
    if not bound:
        return _("已回收（该垃圾袋未绑定职工，不计积分）")
    if grade == Grade.WRONG:
        return _("已回收，分类不合格，不计积分")
    if points:
        return _("已回收，分类合格，积分 +%(n)s") % {"n": points}
    return _("已回收，分类合格（今日积分已达上限）")


def recorded(item: ScanIn, bag_code: str, *, collection_id: int, bag_id: int, owner_id: int | None, points: int, message=scan_message):
    """The answer to a scan just recorded."""
    bound = owner_id is not None
    return ScanResult(
        item.client_id,
        True,
        201,
        "collected",
        message(bound, item.grade, points),
        None,
        collection_id,
        bag_id,
        bag_code,
        item.grade,
        item.category,
        points,
        bound,
    )
