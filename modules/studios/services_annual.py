"""The yearly re-check (年度复核) of named studios: a report a year, the district's verdict, and
demotion — a failed re-check revokes the naming through the workflow, in the same transaction."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import richtext, scoping
from core.audit import audit
from core.errors import Conflict, Forbidden, Invalid
from core.notifications import notify
from modules.studios import rules, selectors
from modules.studios.models import AnnualCheck, Application
from modules.studios.services import _clean_text, application_transition, case_of

REPORT_MIN = 20


def annual_report_submit(*, actor, application: Application, year: int, report: str) -> AnnualCheck:
    if not rules.is_applicant_admin(actor, application):
        raise Forbidden("studios_forbidden", _("只能为本单位的工作室提交年度报告"))
    if case_of(application).state != "named":
        raise Conflict("studios_not_named", _("只有已命名的工作室需要提交年度报告"))
    this_year = timezone.localdate().year
    if not (application.call.year <= year <= this_year):
        raise Invalid(
            "studios_report_year",
            _("年度应在 %(first)s 到 %(last)s 之间") % {"first": application.call.year, "last": this_year},
            field="year",
        )
    report = richtext.clean(_clean_text(report, "report", 8000))
    if len(richtext.plain(report)) < REPORT_MIN:
        raise Invalid("studios_report_short", _("年度工作报告不少于 %(n)s 字") % {"n": REPORT_MIN}, field="report")
    try:
        with transaction.atomic():
            check = AnnualCheck.objects.create(application=application, year=year, report=report, submitted_by=actor)
    except IntegrityError:
        raise Conflict("studios_report_exists", _("%(year)s 年度报告已提交") % {"year": year}, field="year") from None
    audit(actor=actor, action="studios.annual_report_submit", obj=application, changes={"year": year})
    notify(
        recipients=selectors.district_staff(),
        title=_("%(name)s 提交了 %(year)s 年度报告") % {"name": application.name, "year": year},
        url=f"/studios/applications/{application.pk}/",
    )
    return check


def annual_check_decide(*, actor, check: AnnualCheck, outcome: str, note: str) -> AnnualCheck:
    """A pending or rectifying re-check gets its verdict; 'demoted' revokes the naming."""
    if not scoping.is_district_staff(actor):
        raise Forbidden("studios_forbidden", _("只有区总工会可以作出复核结论"))
    decisions = (AnnualCheck.Outcome.PASSED, AnnualCheck.Outcome.RECTIFY, AnnualCheck.Outcome.DEMOTED)
    if outcome not in decisions:
        raise Invalid("studios_check_outcome", _("请选择复核结论"), field="outcome")
    note = _clean_text(note, "note", 2000)
    if len(note) < 4:
        raise Invalid("studios_check_note", _("请填写复核意见"), field="note")
    with transaction.atomic():
        updated = AnnualCheck.objects.filter(pk=check.pk, outcome__in=(AnnualCheck.Outcome.PENDING, AnnualCheck.Outcome.RECTIFY)).update(
            outcome=outcome, note=note, decided_by=actor, decided_at=timezone.now()
        )
        if not updated:
            raise Conflict("studios_check_decided", _("该年度复核已有结论"))
        check.refresh_from_db()
        if outcome == AnnualCheck.Outcome.DEMOTED:
            application_transition(
                actor=actor,
                application=check.application,
                name="revoke",
                comment=_("%(year)s 年度复核不合格：%(note)s") % {"year": check.year, "note": note},
                expected_state="named",
            )
    audit(actor=actor, action="studios.annual_check_decide", obj=check.application, changes={"year": check.year, "outcome": outcome})
    notify(
        recipients=selectors.applicant_admins(check.application),
        title=_("%(year)s 年度复核结论：%(outcome)s") % {"year": check.year, "outcome": check.get_outcome_display()},
        url=f"/studios/applications/{check.application_id}/",
    )
    return check
