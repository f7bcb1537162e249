"""API of union coverage (parks, communities, key buildings): the report and linking a unit's union."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from core import scoping, selectors, services
from core.errors import Forbidden, Invalid

router = Router(tags=["coverage"])


class CoverageCell(Schema):
    kind: str
    total: int
    covered: int
    percent: float | None


class CoverageRow(Schema):
    street_id: int
    street: str
    kinds: list[CoverageCell]
    total: int
    covered: int
    percent: float | None
    new_non_public: int


class CoverageOut(Schema):
    year: int
    total: int
    covered: int
    percent: float | None
    new_non_public: int
    rows: list[CoverageRow]


class UnitOut(Schema):
    id: int
    name: str
    kind: str
    street_id: int
    union_id: int | None


class UnitPatch(Schema):
    union_id: int | None = None
    name: str | None = None


@router.get("/", response=CoverageOut, summary="建会覆盖情况（按街道和类型）")
def coverage_report(request, year: int | None = None):
    if not request.user.has_perm("core.view_coverage"):
        raise Forbidden("forbidden", _("没有权限查看覆盖情况"))
    this_year = timezone.localdate().year
    if year is not None and not 1949 <= year <= this_year:
        raise Invalid("invalid_year", _("年份应在 1949 至 %(y)s 之间") % {"y": this_year}, field="year")
    report = selectors.coverage_report(request.user, year=year or this_year)
    rows = [{**row, "street_id": row["street"].pk, "street": row["street"].name} for row in report["rows"]]
    return {**report, "rows": rows}


@router.patch("/units/{unit_id}", response=UnitOut, summary="登记覆盖对象的已建工会")
def update_unit(request, unit_id: int, payload: UnitPatch):
    if not request.user.has_perm("core.change_coverage"):
        raise Forbidden("forbidden", _("没有权限修改覆盖对象"))
    unit = selectors.coverage_unit_for(request.user, unit_id)
    data = {"name": unit.name, "kind": unit.kind, "street": unit.street, "union": unit.union}
    changes = payload.dict(exclude_unset=True)
    if "name" in changes:
        data["name"] = changes["name"]
    if "union_id" in changes:
        union_id = changes["union_id"]
        data["union"] = scoping.organisations_visible_to(request.user).filter(pk=union_id).first() if union_id else None
        if union_id and data["union"] is None:
            raise Invalid("invalid_union", _("找不到该工会，或不在您的管理范围内"), field="union_id")
    return services.coverage_unit_save(actor=request.user, data=data, instance=unit)
