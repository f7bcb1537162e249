"""重维权: the labour-relations chapter of the annual review (``core.review``)."""

from __future__ import annotations

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from core.review import ReviewSection, item, money, with_year
from modules.labour import rules
from modules.labour.models import CollectiveContract, Consultation, DisputeType, LegalEvent, MediationCase, ModelUnit, Outcome


def review_section(year: int, viewer, street=None) -> ReviewSection:
    """Cases received and mediated with success (the article's 184 件), the money agreed for
    workers, consultations, model units (6 家), legal-education events (10 场)."""
    received = MediationCase.objects.filter(received_at__year=year)
    closed = MediationCase.objects.filter(closed_at__year=year)
    units = ModelUnit.objects.filter(year=year, selected=True)
    events = LegalEvent.objects.filter(held_on__year=year)
    contracts = CollectiveContract.objects.filter(signed_on__year=year)
    consultations = Consultation.objects.filter(at__year=year)
    if street is not None:
        received, closed = received.filter(street=street), closed.filter(street=street)
        units = units.filter(organisation__street=street)
        events = events.filter(organiser__street=street)
        contracts = contracts.filter(street=street)
        consultations = consultations.filter(case__street=street)
    success = closed.filter(outcome=Outcome.SUCCESS)
    # The case lists are the desk's (mediators, district staff); street staff land on the programme's page.
    desk = viewer is not None and rules.is_desk(viewer)
    home = with_year(reverse("labour:home"), year)
    cases_url = reverse("labour:cases") if desk else home
    consult_url = with_year(reverse("labour:consultations"), year) if desk else home
    # the statistics: the desk's for the district, street staff's for their streets
    stats_url = with_year(reverse("labour:stats"), year) if viewer is not None and rules.may_view_stats(viewer) else home
    bargaining_url = with_year(reverse("labour:bargaining"), year)
    events_url = with_year(reverse("labour:events"), year)
    items = [
        item("labour.received", _("受理劳动争议调解申请"), received.count(), _("件"), with_year(cases_url, year) if desk else cases_url),
        item(
            "labour.mediated",
            _("成功调解劳动争议案件"),
            success.count(),
            _("件"),
            f"{cases_url}?closed={year}&outcome={Outcome.SUCCESS}" if desk else cases_url,
        ),
        item(
            "labour.recovered",
            _("调解协议为职工争取金额"),
            money(success.aggregate(s=Sum("amount_agreed_fen"))["s"]),
            _("元"),
            stats_url,
        ),
        item("labour.consultations", _("调解咨询台接待咨询"), consultations.count(), _("人次"), consult_url),
        item("labour.contracts", _("登记集体合同"), contracts.count(), _("份"), bargaining_url),
        item("labour.model_units", _("选树“企业关爱职工·职工热爱企业”单位"), units.count(), _("家"), bargaining_url),
        item("labour.legal_events", _("开展职工普法宣传活动"), events.count(), _("场"), events_url),
        item(
            "labour.legal_attendance",
            _("普法活动参加"),
            events.aggregate(s=Sum("attendance"))["s"] or 0,
            _("人次"),
            events_url,
        ),
    ]
    by_type = {r["dispute_type"]: r["n"] for r in received.values("dispute_type").annotate(n=Count("pk"))}
    chart = None
    if by_type:
        labels = dict(DisputeType.choices)
        keys = [k for k, _label in DisputeType.choices if by_type.get(k)]
        chart = {
            "type": "bar",
            "title": _("受理案件按争议类型"),
            "categories": [str(labels[k]) for k in keys],
            "series": [{"name": _("件"), "data": [by_type[k] for k in keys]}],
        }
    return ReviewSection(
        key="labour", chapter="rights", title=_("劳动关系"), items=items, chart=chart, url=with_year(reverse("labour:home"), year)
    )
