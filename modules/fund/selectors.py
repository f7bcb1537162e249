"""Reading the fund, scoped to the viewer in one place: balances from the ledger, reports from
the payment rows (checked against the ledger to the fen by the tests and ``fund_check``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, F, Max, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from core import scoping
from core.beneficiaries import Benefit
from core.models import RoleAssignment, User
from engines.ledger import selectors as ledger_read
from modules.fund import accounts
from modules.fund.models import Application, Beneficiary, BudgetTransfer, Disbursement, Fund, Purpose, Refund
from modules.fund.process import KEY, PROCESS

Role = RoleAssignment.Role
UNIT = accounts.UNIT
TOP = 10


def applications_visible_to(user: User) -> QuerySet[Application]:
    base = Application.objects.filter(cases__process=KEY)
    if scoping.is_district_staff(user):
        return base
    if not scoping.is_staff_member(user):
        return base.none()
    return base.filter(scoping.organisation_scope_q(user, "organisation"))


def with_state(queryset: QuerySet[Application]) -> QuerySet[Application]:
    return queryset.annotate(state=F("cases__state"), state_changed_at=F("cases__state_changed_at"))


def application_for(user: User, pk: int) -> Application | None:
    from modules.fund import rules

    application = Application.objects.select_related("fund", "purpose", "organisation", "street").filter(pk=pk).first()
    if application is None or not rules.may_view_application(user, application):
        return None
    return application


def state_label(state: str) -> str:
    return PROCESS.state_label(state)


def _users(**filters) -> list[User]:
    return list(User.objects.filter(pk__in=RoleAssignment.objects.filter(**filters).values("user")))


def street_reviewers(application: Application) -> list[User]:
    if application.street_id is None:
        return []
    return _users(role=Role.STREET_STAFF, organisation__in=[application.street_id, application.organisation.parent_id])


def applicant_admins(application: Application) -> list[User]:
    return _users(role=Role.GRASSROOTS_ADMIN, organisation=application.organisation_id)


def district_staff(application: Application | None = None) -> list[User]:
    return _users(role=Role.DISTRICT_STAFF)


def deadline_people(application: Application, state: str) -> list[User]:
    if state == "submitted":
        return street_reviewers(application) or district_staff()
    return district_staff()


# --- balances ------------------------------------------------------------------------------------


@dataclass
class PurposeStatus:
    purpose: Purpose
    allocated: int  # initial limit ± approved transfers
    remaining: int  # the ledger: what may still be approved
    committed: int  # approved, not yet paid
    paid: int  # paid less returns
    warn_percent: int

    @property
    def used(self) -> int:
        return self.committed + self.paid

    @property
    def used_percent(self) -> int:
        return round(100 * self.used / self.allocated) if self.allocated else 0

    @property
    def warn(self) -> bool:
        return self.allocated > 0 and self.used_percent >= self.warn_percent


def _transfers(fund_id: int) -> dict[int, int]:
    moved: dict[int, int] = {}
    for row in BudgetTransfer.objects.filter(fund_id=fund_id, status=BudgetTransfer.Status.APPROVED).values(
        "from_purpose", "to_purpose", "amount"
    ):
        moved[row["from_purpose"]] = moved.get(row["from_purpose"], 0) - row["amount"]
        moved[row["to_purpose"]] = moved.get(row["to_purpose"], 0) + row["amount"]
    return moved


def _carried_out(fund: Fund) -> dict[int, int]:
    """What each purpose handed to next year's fund at carry-forward."""
    if fund.status != Fund.Status.CLOSED:
        return {}
    out = {}
    for purpose in fund.purposes.all():
        out[purpose.pk] = -sum(
            e.amount
            for e in ledger_read.holder_entries(accounts.purpose(fund.pk, purpose.pk), unit=UNIT).filter(reason="fund_carry", amount__lt=0)
        )
    return out


def committed_by_purpose(fund_id: int) -> dict[int, int]:
    rows = (
        Application.objects.filter(fund_id=fund_id, cases__process=KEY, cases__state="approved")
        .values("purpose")
        .annotate(s=Sum("committed"))
    )
    return {r["purpose"]: r["s"] or 0 for r in rows}


def paid_by_purpose(fund_id: int) -> dict[int, int]:
    paid = {r["purpose"]: r["s"] or 0 for r in Disbursement.objects.filter(fund_id=fund_id).values("purpose").annotate(s=Sum("amount"))}
    for r in Refund.objects.filter(fund_id=fund_id).values("purpose").annotate(s=Sum("amount")):
        paid[r["purpose"]] = paid.get(r["purpose"], 0) - (r["s"] or 0)
    return paid


def purpose_statuses(fund: Fund) -> list[PurposeStatus]:
    # One exact lookup per purpose (a prefix LIKE would scan every holder account of the ledger).
    balances = {
        accounts.purpose(fund.pk, p.pk): ledger_read.holder_balance(accounts.purpose(fund.pk, p.pk), unit=UNIT) for p in fund.purposes.all()
    }
    moved, committed, paid = _transfers(fund.pk), committed_by_purpose(fund.pk), paid_by_purpose(fund.pk)
    carried = _carried_out(fund)
    out = []
    for purpose in fund.purposes.all():
        out.append(
            PurposeStatus(
                purpose=purpose,
                allocated=purpose.initial_limit + moved.get(purpose.pk, 0) - carried.get(purpose.pk, 0),
                remaining=balances.get(accounts.purpose(fund.pk, purpose.pk), 0),
                committed=committed.get(purpose.pk, 0),
                paid=paid.get(purpose.pk, 0),
                warn_percent=fund.warn_percent,
            )
        )
    return out


def purpose_status(purpose: Purpose) -> PurposeStatus:
    return next(s for s in purpose_statuses(purpose.fund) if s.purpose.pk == purpose.pk)


@dataclass
class FundStatus:
    fund: Fund
    purposes: list[PurposeStatus]
    unallocated: int
    remaining: int  # unallocated + every purpose's remaining
    committed: int
    paid: int
    total: int  # the budget the fund holds (arrived or carried in, less what it carried out)

    @property
    def used_percent(self) -> int:
        return round(100 * (self.committed + self.paid) / self.total) if self.total else 0

    @property
    def warn(self) -> bool:
        return self.total > 0 and self.used_percent >= self.fund.warn_percent


def fund_status(fund: Fund) -> FundStatus:
    purposes = purpose_statuses(fund)
    unallocated = ledger_read.holder_balance(accounts.budget(fund.pk), unit=UNIT)
    remaining = unallocated + sum(p.remaining for p in purposes)
    committed = sum(p.committed for p in purposes)
    paid = sum(p.paid for p in purposes)
    return FundStatus(fund, purposes, unallocated, remaining, committed, paid, remaining + committed + paid)


@dataclass
class Outlook:
    """What the district sees before approving: the purpose after this approval."""

    remaining_before: int
    remaining_after: int
    used_percent_after: int
    warn: bool
    blocked: bool


def approval_outlook(application: Application) -> Outlook:
    status = purpose_status(application.purpose)
    after = status.remaining - application.amount
    used_after = round(100 * (status.used + application.amount) / status.allocated) if status.allocated else 100
    return Outlook(status.remaining, after, used_after, used_after >= status.warn_percent, after < 0)


@dataclass
class LedgerCheck:
    ok: bool
    lines: list[tuple[str, int, int]]  # (what, rows say, ledger says)


def ledger_check(fund: Fund) -> LedgerCheck:
    """The fund's own rows against the ledger, to the fen: per purpose what is committed and paid,
    and the budget that arrived equals what is left + committed + paid (+ carried forward)."""
    balances = ledger_read.holder_balances(prefix=accounts.prefix(fund.pk), unit=UNIT)
    commit_by_app = {int(k.split(":")[3]): v for k, v in balances.items() if k.endswith(":commit")}
    paid_by_app = {int(k.split(":")[3]): v for k, v in balances.items() if k.endswith(":paid")}
    purpose_of = dict(Application.objects.filter(fund=fund).values_list("pk", "purpose_id"))
    lines = []
    committed, paid = committed_by_purpose(fund.pk), paid_by_purpose(fund.pk)
    for purpose in fund.purposes.all():
        ledger_commit = sum(v for a, v in commit_by_app.items() if purpose_of.get(a) == purpose.pk)
        ledger_paid = sum(v for a, v in paid_by_app.items() if purpose_of.get(a) == purpose.pk)
        lines.append((_("%(p)s · 已批准未拨付") % {"p": purpose.name}, committed.get(purpose.pk, 0), ledger_commit))
        lines.append((_("%(p)s · 已拨付") % {"p": purpose.name}, paid.get(purpose.pk, 0), ledger_paid))
    arrived = -balances.get(accounts.source(fund.pk), 0)
    held = sum(v for k, v in balances.items() if k != accounts.source(fund.pk))
    carried = sum(-e.amount for e in _carry_entries(fund))
    lines.append((_("预算拨入 = 结余 + 预留 + 已拨付 + 结转"), arrived + _carried_in(fund), held + carried))
    return LedgerCheck(all(a == b for _w, a, b in lines), lines)


def _carry_entries(fund: Fund):
    keys = [accounts.budget(fund.pk)] + [accounts.purpose(fund.pk, p) for p in fund.purposes.values_list("pk", flat=True)]
    found = []
    for key in keys:
        found.extend(ledger_read.holder_entries(key, unit=UNIT).filter(reason="fund_carry", amount__lt=0))
    return found


def _carried_in(fund: Fund) -> int:
    if fund.carried_from_id is None:
        return 0
    return fund.total_budget


# --- reports -------------------------------------------------------------------------------------


@dataclass
class Report:
    fund: Fund
    status: FundStatus
    by_street: list[dict] = field(default_factory=list)
    by_month: list[dict] = field(default_factory=list)
    top_unions: list[dict] = field(default_factory=list)
    top_people: list[dict] = field(default_factory=list)
    applications: int = 0
    beneficiaries: int = 0


def report(fund: Fund, viewer: User | None = None) -> Report:
    """Disbursed by purpose, by street, by month, top recipients and the remaining budget. The
    balances are read live from the ledger; the aggregates over the payment rows are cached until
    a payment or a return is recorded (both tables are append-only, so their newest id says when)."""
    from django.core.cache import cache

    scope = "all" if viewer is None or scoping.is_district_staff(viewer) else f"u{viewer.pk}"
    newest = (Disbursement.objects.aggregate(m=Max("pk"))["m"] or 0, Refund.objects.aggregate(m=Max("pk"))["m"] or 0)
    key = f"fund:report:{fund.pk}:{scope}:{newest[0]}:{newest[1]}"
    parts = cache.get(key)
    if parts is None:
        parts = _report_parts(fund, viewer)
        cache.set(key, parts, 3600)
    return Report(fund=fund, status=fund_status(fund), **parts)


def _report_parts(fund: Fund, viewer: User | None) -> dict:
    from core.privacy import mask_name

    payments = Disbursement.objects.filter(fund=fund)
    refunds = Refund.objects.filter(fund=fund)
    if viewer is not None and not scoping.is_district_staff(viewer):
        scope = scoping.organisation_scope_q(viewer, "organisation")
        payments = payments.filter(scope)
        refunds = refunds.filter(scoping.organisation_scope_q(viewer, "application__organisation"))
    returned_by_street = {r["application__street"]: r["s"] for r in refunds.values("application__street").annotate(s=Sum("amount"))}
    by_street = [
        {"street": r["street__name"] or _("未分街道"), "applications": r["n"], "amount": r["s"] - returned_by_street.get(r["street"], 0)}
        for r in payments.values("street", "street__name").annotate(n=Count("pk"), s=Sum("amount")).order_by("-s", "street__name")
    ]
    returned_by_month = {r["m"]: r["s"] for r in refunds.annotate(m=TruncMonth("returned_on")).values("m").annotate(s=Sum("amount"))}
    by_month = [
        {"month": r["m"], "applications": r["n"], "paid": r["s"], "returned": returned_by_month.get(r["m"], 0)}
        for r in payments.annotate(m=TruncMonth("paid_on")).values("m").annotate(n=Count("pk"), s=Sum("amount")).order_by("m")
    ]
    top_unions = [
        {"organisation": r["organisation__name"], "applications": r["n"], "amount": r["s"]}
        for r in payments.values("organisation", "organisation__name").annotate(n=Count("pk"), s=Sum("amount")).order_by("-s")[:TOP]
    ]
    paid_people = Beneficiary.objects.filter(purpose_id__in=[p.pk for p in fund.purposes.all()], paid=True)
    if viewer is not None and not scoping.is_district_staff(viewer):
        paid_people = paid_people.filter(scoping.organisation_scope_q(viewer, "application__organisation"))
    people = (
        paid_people.values("person_key")
        .annotate(s=Sum(F("amount") - F("returned")), n=Count("pk"), name=Max("name"), tail=Max("id_tail"))
        .order_by("-s", "person_key")[:TOP]
    )
    top_people = [{"name": mask_name(r["name"]), "id_tail": r["tail"], "times": r["n"], "amount": r["s"]} for r in people]
    totals = payments.aggregate(n=Count("pk"))
    return dict(
        by_street=by_street,
        by_month=by_month,
        top_unions=top_unions,
        top_people=top_people,
        applications=totals["n"],
        beneficiaries=paid_people.count(),
    )


def trace(fund: Fund, purpose: Purpose | None, *, offset: int = 0, limit: int = 50) -> dict:
    """Budget → purpose → application → disbursement → receipt, for the traceability page."""
    source_entries = list(ledger_read.holder_entries(accounts.budget(fund.pk), unit=UNIT)[:50])
    rows = []
    if purpose is not None:
        applications = (
            with_state(Application.objects.filter(fund=fund, purpose=purpose, cases__process=KEY).exclude(committed=0))
            .select_related("organisation", "disbursement")
            .annotate(
                # Subqueries, not joins: a join of beneficiaries and refunds would count each twice.
                received=Coalesce(
                    Subquery(
                        Beneficiary.objects.filter(application=OuterRef("pk"), received_at__isnull=False)
                        .values("application")
                        .annotate(n=Count("pk"))
                        .values("n")
                    ),
                    0,
                ),
                returned=Coalesce(
                    Subquery(Refund.objects.filter(application=OuterRef("pk")).values("application").annotate(s=Sum("amount")).values("s")),
                    0,
                ),
            )
            .order_by("approved_at", "pk")
        )
        rows = list(applications[offset : offset + limit])
        for row in rows:
            row.state_label = state_label(row.state)
    return {"budget_entries": source_entries, "applications": rows}


# --- the annual review and the cross-programme beneficiary view ---------------------------------


def review_section(year: int, viewer):
    """The year's money: disbursed (less returns) per purpose, each figure with the list behind it."""
    payments = Disbursement.objects.filter(paid_on__year=year)
    refunds = Refund.objects.filter(application__disbursement__paid_on__year=year)
    if not payments.exists():
        return {"title": _("抗疫专项基金"), "items": [], "empty": _("本年度没有专项基金拨付")}
    paid = payments.aggregate(s=Sum("amount"))["s"] or 0
    returned = refunds.aggregate(s=Sum("amount"))["s"] or 0
    total = paid - returned
    per_purpose = {}
    for r in payments.values("purpose__name").annotate(s=Sum("amount"), n=Count("pk")):
        per_purpose[r["purpose__name"]] = [r["s"], r["n"]]
    for r in refunds.values("purpose__name").annotate(s=Sum("amount")):
        per_purpose.setdefault(r["purpose__name"], [0, 0])[0] -= r["s"]
    from core.numbers import yuan

    items = [(_("专项基金拨付"), yuan(total), _("元"))]
    items += [(_("其中 %(p)s") % {"p": name}, yuan(s), _("元")) for name, (s, _n) in sorted(per_purpose.items())]
    items.append((_("受益职工"), Beneficiary.objects.filter(application__disbursement__in=payments).count(), _("人次")))
    return {
        "title": _("抗疫专项基金"),
        "items": items,
        "total_fen": total,
        "list": [
            {
                "reference": d.reference,
                "paid_on": d.paid_on,
                "organisation": d.organisation.name,
                "purpose": d.purpose.name,
                "amount": d.amount,
            }
            for d in payments.select_related("organisation", "purpose").order_by("paid_on", "pk")[:5000]
        ],
    }


def benefits_of(keys: list[str]) -> list[Benefit]:
    """The fund's part of ``core.beneficiaries.history``: approved or paid claims of these people."""
    rows = (
        with_state(Application.objects.filter(cases__process=KEY, cases__state__in=("approved", "paid", "completed")))
        .filter(beneficiaries__person_key__in=keys)
        .values("pk", "state", "purpose__name", "fund__name", "approved_at", "beneficiaries__person_key", "beneficiaries__amount")
    )
    return [
        Benefit(
            person_key=r["beneficiaries__person_key"],
            programme=f"{r['fund__name']} · {r['purpose__name']}",
            on=r["approved_at"].date() if r["approved_at"] else None,
            amount=r["beneficiaries__amount"],
            status=state_label(r["state"]),
            url=f"/fund/applications/{r['pk']}/",
        )
        for r in rows
    ]


# --- the beneficiary's own page ----------------------------------------------------------------


@dataclass
class MyBenefit:
    """One payment to the person logged in, as they see it: their own row, masked like a receipt."""

    id: int
    fund: str
    year: int
    purpose: str
    organisation: str
    name_masked: str
    id_tail_masked: str
    amount: int
    returned: int
    paid_on: object  # date | None
    received_at: object  # datetime | None
    status: str  # approved | paid | received | returned
    status_label: str
    can_confirm: bool


MY_STATUS = {
    "approved": _lazy("已批准，待拨付"),
    "paid": _lazy("已拨付，请确认是否收到"),
    "received": _lazy("已确认收到"),
    "returned": _lazy("已退回"),
}


# Dots people type between the parts of a name (阿依古丽·买买提): one form for the comparison.
_NAME_DOTS = str.maketrans({c: "·" for c in "•・‧∙．.｡"})


def name_key(name: str | None) -> str:
    """A name as compared, not as shown: full-width folded (NFKC), no spaces of any width, one
    kind of middle dot, Latin letters in one case — what a typist varies without meaning another person."""
    import unicodedata

    text = unicodedata.normalize("NFKC", name or "").translate(_NAME_DOTS)
    return "".join(text.split()).casefold()


def same_person_name(a: str | None, b: str | None) -> bool:
    return bool(name_key(a)) and name_key(a) == name_key(b)


def my_benefits_q(user: User):
    """Rows whose phone is the caller's own verified login phone AND whose name is the caller's
    name on the union roster, from approval on (a draft's list is the union's working paper, not
    yet a promise to the person). The phone alone is not enough: a mistyped number on a paid list
    would show someone else's payment to whoever holds it. Such rows go to the fund officer
    instead (``phone_name_mismatches``). The roster keeps no ID number (``core.Member`` has none),
    so the name is the second key; a login without a roster member has no name and sees no row."""
    phone = getattr(user, "phone", None) if getattr(user, "is_authenticated", False) else None
    member = scoping.member_for(user) if phone else None
    if not phone or member is None:
        return Beneficiary.objects.none()
    rows = Beneficiary.objects.filter(
        phone=phone, application__cases__process=KEY, application__cases__state__in=("approved", "paid", "completed")
    )
    # The rows listing one phone are a handful: the names are compared here, normalised.
    ids = [pk for pk, name in rows.values_list("pk", "name") if same_person_name(name, member.name)]
    return rows.filter(pk__in=ids)


@dataclass(frozen=True)
class PhoneNameMismatch:
    row: Beneficiary
    roster_name_masked: str  # the name the roster holds for the row's phone, masked


def phone_name_mismatches(application: Application) -> list[PhoneNameMismatch]:
    """手机号与姓名不符的行: rows whose phone belongs to a roster member of another name. The
    worker's own page does not show them (``my_benefits_q``); the fund officer sees them here, to
    correct the list or have the union confirm receipt by signature."""
    from core.models import Member
    from core.privacy import mask_name

    rows = [b for b in application.beneficiaries.all() if b.phone]
    if not rows:
        return []
    roster = dict(Member.objects.filter(phone__in={b.phone for b in rows}, status=Member.Status.ACTIVE).values_list("phone", "name"))
    return [
        PhoneNameMismatch(row=b, roster_name_masked=mask_name(roster[b.phone]))
        for b in rows
        if b.phone in roster and not same_person_name(b.name, roster[b.phone])
    ]


def _my_benefit(row: Beneficiary, state: str) -> MyBenefit:
    from core.privacy import mask_name

    disbursement = getattr(row.application, "disbursement", None) if state in ("paid", "completed") else None
    if row.returned and row.returned >= row.amount:
        status = "returned"
    elif row.received_at:
        status = "received"
    elif state in ("paid", "completed"):
        status = "paid"
    else:
        status = "approved"
    return MyBenefit(
        id=row.pk,
        fund=row.application.fund.name,
        year=row.application.fund.year,
        purpose=row.application.purpose.name,
        organisation=row.application.organisation.name,
        name_masked=mask_name(row.name),
        id_tail_masked=f"**** {row.id_tail}" if row.id_tail else "",
        amount=row.amount,
        returned=row.returned,
        paid_on=disbursement.paid_on if disbursement else None,
        received_at=row.received_at,
        status=status,
        status_label=str(MY_STATUS[status]),
        can_confirm=status == "paid" and state == "paid",
    )


def my_benefits(user: User) -> list[MyBenefit]:
    rows = (
        my_benefits_q(user)
        .annotate(state=F("application__cases__state"))
        .select_related("application__fund", "application__purpose", "application__organisation", "application__disbursement")
        .order_by("-application__approved_at", "-pk")[:200]
    )
    return [_my_benefit(row, row.state) for row in rows]


def my_benefit(user: User, pk: int) -> MyBenefit | None:
    row = (
        my_benefits_q(user)
        .annotate(state=F("application__cases__state"))
        .select_related("application__fund", "application__purpose", "application__organisation", "application__disbursement")
        .filter(pk=pk)
        .first()
    )
    return _my_benefit(row, row.state) if row is not None else None
