"""Pages of the worker side: my points (/bags/me/), the public rankings, and the staff page of points rules."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.timezone import get_current_timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ApiError
from core.models import Organisation
from core.scoping import is_staff_member, member_for
from core.services import ranking_consent_set
from engines.ranking import leaderboard as lb
from engines.ranking import periods as P
from modules.bags import points
from modules.bags import rankings as R
from modules.bags import selectors_worker as S
from modules.bags.models import Category, PointsRule

MAX_PAGE = 100_000  # as the API's rankings: a 23-digit page overflowed Redis's integer (a 500)


def _int(value, default: int = 1) -> int:
    """A page number from the query, within 1…MAX_PAGE, else ``default``."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if 1 <= number <= MAX_PAGE else default


def _choice(value, allowed, default):
    return value if value in allowed else default


def _score(value: float | None, metric: str) -> str:
    if value is None:
        return "—"
    return f"{value:.2f}" if metric == "per_member" else f"{int(value)}"


def _nav_link(url_name: str) -> str | None:
    """A link to another programme's page when that programme is installed (knowledge, prizes)."""
    return S.reverse_or_none(url_name)


# ------------------------------------------------------------------------------- my points


def me(request):
    """The worker's own page: balance, exact ranks, bags this week/month, accuracy, history."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('core:worker_login')}?{urlencode({'next': request.get_full_path()})}")
    # One query for the member, their union and their points account; the member is kept on
    # the user so the page's navigation (core.context_processors) does not ask again.
    found = S.worker_of_user(request.user.pk)
    if found is None:
        return render(request, "bags/worker/not_worker.html", status=200)
    member, account = found
    request.user.member = member
    overview = S.worker_overview(member, account)
    rows, page, pages = S.worker_collections(member, page=_int(request.GET.get("page")), total=overview.total_bags)
    context = {
        "o": overview,
        "member": member,
        "history_items": _history_items(rows),
        "page": page,
        "pages": pages,
        "ledger_items": _ledger_items(S.worker_ledger(member, account_id=overview.extra["account_id"])),
        "knowledge_url": _nav_link("knowledge:guide") or _nav_link("knowledge:home"),
        "prizes_url": _nav_link("prizes:home"),
        "min_members": R.MIN_MEMBERS,
        "per_member_text": _score(overview.union_per_member_month.score, "per_member"),
        "place": {
            name: _place_html(getattr(overview, name))
            for name in ("district_month", "district_all", "org_month", "org_all", "union_bags_month", "union_per_member_month")
        },
    }
    if request.headers.get("HX-Request") and request.GET.get("part") == "history":
        return render(request, "bags/worker/_history.html", context)
    return render(request, "bags/worker/me.html", context)


# The two lists of the worker's page are built here rather than by template loops: this is the
# page every worker opens after every bag, and each row of a template loop cost ~0.3 ms (twenty
# rows were a third of the page's time). Every text that comes from data goes through escape().


def _when(at, tz) -> str:
    """The template's "Y年n月j日 H:i", without the template machinery (80 µs a date here)."""
    d = at.astimezone(tz)
    return f"{d.year}年{d.month}月{d.day}日 {d.hour:02d}:{d.minute:02d}"


def _place_html(p: S.Place) -> str:
    """A rank and out of how many (was an included template, six times on the page)."""
    if not p.rank:
        return mark_safe(f'<span class="muted">{escape(_("暂未上榜"))}</span>')
    rank, total = escape(_("第 %(r)s 名") % {"r": p.rank}), escape(_("共 %(t)s 名") % {"t": p.total})
    return mark_safe(f'<span class="stat-value">{rank}</span><br><small class="muted">{total}</small>')


def _history_items(rows: list[S.HistoryRow]) -> str:
    tz = get_current_timezone()
    correct, wrong, because = escape(_("分类正确")), escape(_("分类不合格")), escape(_("原因："))
    items = []
    for r in rows:
        if r.correct:
            grade = f'<span class="badge ok">{correct}</span> <span class="w-amount ok">+{int(r.points)}</span>'
        else:
            grade = f'<span class="badge bad">{wrong}</span>'
        reasons = ""
        if r.reasons:
            links = "、".join(f'<a href="{escape(url)}">{escape(label)}</a>' if url else escape(label) for _code, label, url in r.reasons)
            reasons = f"<small>{because}{links}</small>"
        items.append(
            f"<li>\n    <span>{escape(r.category_label)}</span>\n    {grade}\n"
            f'    <small class="muted">{_when(r.collected_at, tz)} · {escape(r.point_name)}</small>\n    {reasons}\n  </li>'
        )
    return mark_safe("\n  ".join(items))


def _ledger_items(entries: list[S.LedgerRow]) -> str:
    tz = get_current_timezone()
    items = []
    for e in entries:
        sign, tone = ("+", "ok") if e.amount > 0 else ("", "bad")
        balance = escape(_("余额 %(b)s") % {"b": int(e.balance_after)})
        items.append(
            f'<li>\n      <span class="w-amount {tone}">{sign}{int(e.amount)}</span>\n      <span>{escape(e.label)}</span>\n'
            f'      <small class="muted">{_when(e.created_at, tz)} · {balance}</small>\n    </li>'
        )
    return mark_safe("\n    ".join(items))


def me_consent(request):
    """Turn the ranking-name consent on or off (htmx swaps the card; a plain POST redirects)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    member = member_for(request.user) if request.user.is_authenticated else None
    if member is None:
        raise PermissionDenied
    granted = request.POST.get("granted") == "1"
    ranking_consent_set(member=member, granted=granted)
    if request.headers.get("HX-Request"):
        return render(request, "bags/worker/_consent.html", {"member": member, "saved": True})
    messages.success(request, _("已同意在排行榜显示姓名（打码）") if granted else _("已改为在排行榜匿名显示"))
    return redirect("bags:me")


# -------------------------------------------------------------------------------- rankings


def _board_items(board: S.BoardPage, metric: str, *, me_label: str, unit: str) -> str:
    """A page of a board as list items (a template loop over twenty rows was half the page's
    time); every text from data goes through escape()."""
    me_badge = f' <span class="badge ok">{escape(me_label)}</span>'
    unit_html = f'<small class="muted">{escape(unit)}</small>'
    items = []
    for r in board.rows:
        detail = f'<small class="muted">{escape(r.detail)}</small>' if r.detail else ""
        mine = ' class="me"' if r.is_me else ""
        items.append(
            f"<li{mine}>\n"
            f'    <span class="w-rank{" top" if r.rank <= 3 else ""}">{int(r.rank)}</span>\n'
            f'    <span class="w-name">{escape(r.name)}{me_badge if r.is_me else ""}{detail}</span>\n'
            f'    <span class="w-score">{escape(_score(r.score, metric))}{unit_html}</span>\n  </li>'
        )
    return mark_safe("\n  ".join(items))


def _period(request) -> str:
    return _choice(request.GET.get("period"), P.PERIODS, P.MONTH)


def _tabs(request, params: dict) -> dict:
    periods = [(p, S.PERIOD_LABELS[p], urlencode({**params, "period": p})) for p in P.PERIODS]
    return {"period_tabs": periods}


def rankings_workers(request):
    """最美职工: best workers by points or correctly sorted bags, district / street / union."""
    period = _period(request)
    metric = _choice(request.GET.get("metric"), S.WORKER_METRICS, "points")
    scope = request.GET.get("scope") or R.DISTRICT
    street_names = dict(S.streets())
    scope_label = _("全区")
    viewer = member_for(request.user) if request.user.is_authenticated else None
    if scope.startswith("s") and _int(scope[1:], 0) in street_names:
        scope_label = street_names[_int(scope[1:], 0)]
    elif scope.startswith("o") and _int(scope[1:], 0):
        name = Organisation.objects.filter(pk=_int(scope[1:], 0)).values_list("name", flat=True).first()
        if name is None:
            scope, scope_label = R.DISTRICT, _("全区")
        else:
            scope_label = name
    else:
        scope = R.DISTRICT
    board = S.worker_board(metric=metric, period=period, scope=scope, page=_int(request.GET.get("page")), viewer_member=viewer)
    params = {"metric": metric, "scope": scope}
    return render(
        request,
        "bags/worker/rankings_workers.html",
        {
            "board": board,
            "board_items": _board_items(board, metric, me_label=_("我"), unit=_("分") if metric == "points" else _("袋")),
            "period": period,
            "metric": metric,
            "scope": scope,
            "scope_label": scope_label,
            "streets": [(R.street_scope(i), n) for i, n in street_names.items()],
            "metrics": [(k, v[1], urlencode({"period": period, "metric": k, "scope": scope})) for k, v in S.WORKER_METRICS.items()],
            "own_org_scope": R.org_scope(viewer.organisation_id) if viewer else None,
            "query": urlencode({**params, "period": period}),
            **_tabs(request, params),
        },
    )


def rankings_organisations(request):
    """Unions ranked by the smart bags their workers use, in total and per member."""
    period = _period(request)
    metric = _choice(request.GET.get("metric"), S.ORG_METRICS, "per_member")
    street_names = dict(S.streets())
    street_id = _int((request.GET.get("scope") or "")[1:], 0) if (request.GET.get("scope") or "").startswith("s") else 0
    scope = R.street_scope(street_id) if street_id in street_names else R.DISTRICT
    viewer = member_for(request.user) if request.user.is_authenticated else None
    own = None
    if viewer is not None:
        R.ensure_fresh()
        place = lb.standings([(S.ORG_METRICS[metric][0], P.span(period).key, scope, R.member_key(viewer.organisation_id))])[0]
        unit = _("袋/人") if metric == "per_member" else _("袋")
        own = {"rank": place.rank, "total": place.total, "score": f"{_score(place.score, metric)} {unit}"}
    board = S.organisation_board(
        metric=metric,
        period=period,
        scope=scope,
        page=_int(request.GET.get("page")),
        highlight_org_id=viewer.organisation_id if viewer else None,
    )
    params = {"metric": metric, "scope": scope}
    return render(
        request,
        "bags/worker/rankings_organisations.html",
        {
            "board": board,
            "board_items": _board_items(board, metric, me_label=_("我的工会"), unit=_("袋/人") if metric == "per_member" else _("袋")),
            "period": period,
            "metric": metric,
            "scope": scope,
            "scope_label": street_names.get(street_id, _("全区")),
            "streets": [(R.street_scope(i), n) for i, n in street_names.items()],
            "metrics": [(k, v[1], urlencode({"period": period, "metric": k, "scope": scope})) for k, v in S.ORG_METRICS.items()],
            "own": own,
            "min_members": R.MIN_MEMBERS,
            "query": urlencode({**params, "period": period}),
            **_tabs(request, params),
        },
    )


def rankings_streets(request):
    period = _period(request)
    metric = _choice(request.GET.get("metric"), S.STREET_METRICS, "bags")
    viewer = member_for(request.user) if request.user.is_authenticated else None
    street_id = None
    if viewer is not None:
        street_id = Organisation.objects.filter(pk=viewer.organisation_id).values_list("street_id", flat=True).first()
    board = S.street_board(metric=metric, period=period, page=_int(request.GET.get("page")), highlight_street_id=street_id)
    params = {"metric": metric}
    return render(
        request,
        "bags/worker/rankings_streets.html",
        {
            "board": board,
            "board_items": _board_items(board, metric, me_label=_("我的街道"), unit=_("袋/人") if metric == "per_member" else _("袋")),
            "period": period,
            "metric": metric,
            "metrics": [(k, v[1], urlencode({"period": period, "metric": k})) for k, v in S.STREET_METRICS.items()],
            "query": urlencode({**params, "period": period}),
            **_tabs(request, params),
        },
    )


# ------------------------------------------------------------------------- staff: the rules


class PointsRuleForm(forms.Form):
    category = forms.ChoiceField(
        label=gettext_lazy("分类"), choices=[("", gettext_lazy("全部分类（通用规则）")), *Category.choices], required=False
    )
    points = forms.IntegerField(label=gettext_lazy("每袋积分"), min_value=0, max_value=100, initial=1)
    daily_cap = forms.IntegerField(label=gettext_lazy("每人每日积分上限"), min_value=0, max_value=1000, initial=20)
    valid_from = forms.DateTimeField(
        label=gettext_lazy("生效时间"),
        required=False,
        help_text=gettext_lazy("留空表示立即生效"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )


def points_rules(request):
    """District staff view, create and deactivate the points rules; every change is audited."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('core:login')}?{urlencode({'next': request.get_full_path()})}")
    if not points.can_manage_rules(request.user):
        raise PermissionDenied
    form = PointsRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            points.points_rule_create(actor=request.user, **form.cleaned_data)
        except ApiError as err:
            form.add_error(err.field if err.field in form.fields else None, str(err.message))
        else:
            messages.success(request, _("积分规则已保存并生效"))
            return redirect("bags:points_rules")
    rules = list(PointsRule.objects.select_related("created_by").order_by("-is_active", "-valid_from", "-id")[:200])
    current = {c: points.terms_for(c) for c in Category.values}
    return render(
        request,
        "bags/worker/points_rules.html",
        {
            "form": form,
            "rules": rules,
            "current": [(Category(c).label, t) for c, t in current.items()],
            "default_points": points.DEFAULT_POINTS,
            "default_cap": points.DEFAULT_DAILY_CAP,
        },
    )


def points_rule_deactivate(request, rule_id: int):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.is_authenticated or not points.can_manage_rules(request.user):
        raise PermissionDenied
    try:
        points.points_rule_deactivate(actor=request.user, rule_id=rule_id)
    except ApiError as err:
        messages.error(request, str(err.message))
    else:
        messages.success(request, _("积分规则已停用"))
    return redirect("bags:points_rules")


def dashboard_card(request):
    """Staff dashboard: the union that used the most smart bags this month."""
    if not is_staff_member(request.user):
        return []
    top = S.top_organisation_this_month()
    return {
        "title": _("本月用袋最多的工会"),
        "value": top[0] if top else _("暂无"),
        "url": reverse("bags:rankings_organisations") + "?metric=bags&period=month",
        "hint": _("本月使用 %(n)s 个智慧垃圾袋") % {"n": top[1]} if top else _("本月还没有回收记录"),
    }
