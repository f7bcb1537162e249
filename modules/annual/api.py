"""JSON API of the annual review (/api/v1/annual/): the same review the page shows."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Router, Schema

from core.api import ErrorOut
from core.errors import Forbidden
from core.review import as_data
from modules.annual import selectors

router = Router(tags=["annual"])


class FigureOut(Schema):
    key: str
    label: str
    value: float
    unit: str
    url: str
    previous: float | None = None
    delta: float | None = None
    percent: float | None = None


class SectionOut(Schema):
    key: str
    title: str
    url: str
    summary: str = ""
    empty: bool
    chart: dict | None = None
    items: list[FigureOut]


class ChapterOut(Schema):
    key: str
    title: str
    subtitle: str
    empty: bool
    narrative: str
    sections: list[SectionOut]


class StreetOut(Schema):
    id: int
    name: str


class AnnualReviewOut(Schema):
    year: int
    street: StreetOut | None = None
    chapters: list[ChapterOut]


@router.get("/review", response={200: AnnualReviewOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut}, summary="年度重点工作盘点")
def annual_review(request, year: str | None = None, street: str | None = None):
    """The review for a year (default: last year) and a street (default: the whole district;
    street staff always get their own street)."""
    if not request.user.has_perm("annual.view_review"):
        raise Forbidden("annual_forbidden", _("只有区总工会和街道总工会工作人员可以查看年度盘点"))
    parsed_year = selectors.parse_year(year)
    parsed_street = selectors.parse_street(request.user, street)
    return as_data(selectors.review_for(request.user, parsed_year, parsed_street, links=False))
