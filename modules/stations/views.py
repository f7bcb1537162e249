"""Pages of the rest-station programme: staff registry and inspection (desktop), the workers'
finder (phone, no login), and the inspector's checklist (phone, works offline)."""

from __future__ import annotations

import secrets
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from core import maps, scoping
from core.errors import ApiError
from core.models import AuditLog, Organisation, RoleAssignment, User
from core.validators import year_filter
from engines.review import selectors as review_selectors
from engines.review import services as review
from engines.review.models import Rubric
from modules.stations import forms, importing, reports, selectors, services
from modules.stations import hours as hours_mod
from modules.stations import places as places_mod
from modules.stations.models import (
    SERVICES,
    WEEKDAYS,
    InspectionAssignment,
    InspectionPlan,
    Kind,
    Station,
    StationGrant,
    StationTask,
    Status,
)
from modules.stations.rules import station_in_scope_for

RUBRIC_KEY = "stations.inspection"
# The centre of Xicheng: where the finder starts when the phone gives no position.
DISTRICT_CENTRE = (39.9122, 116.3660)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _staff(request):
    if not request.user.is_authenticated:
        return redirect(f"{reverse('core:login')}?next={request.get_full_path()}")
    if not scoping.is_staff_member(request.user):
        raise PermissionDenied
    return None


def _district(request):
    if not scoping.is_district_staff(request.user):
        raise PermissionDenied


def _file(content: bytes, filename: str, content_type: str = XLSX) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _page(request, qs, per_page=50):
    page = Paginator(qs, per_page).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return page, params.urlencode()


def _int(value):
    """A query parameter as an integer the database can hold, else None (a 23-digit ``?street=``
    overflowed the database's integer: a 500)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if abs(number) < 2**62 else None


# -- staff: registry -----------------------------------------------------------------------


def station_list(request):
    if (r := _staff(request)) is not None:
        return r
    g = request.GET
    filters = {
        "q": g.get("q", "").strip(),
        "street": _int(g.get("street")),
        "kind": g.get("kind", ""),
        "status": g.get("status", ""),
        "service": g.get("service", "") if g.get("service") in dict((c, 1) for c, _b, _l in SERVICES) else "",
        "year": year_filter(request),
        "until": year_filter(request, "until"),
        "funded": year_filter(request, "funded"),
        "funded_before": year_filter(request, "funded_before"),
        "inspected": year_filter(request, "inspected"),
    }
    qs = selectors.station_list(request.user, **filters)
    if request.GET.get("format") == "xlsx":
        return _file(reports.stations_xlsx(qs), "暖心驿站.xlsx")
    page, query = _page(request, qs)
    open_ids = selectors.open_now_ids([s.pk for s in page.object_list])
    return render(
        request,
        "stations/staff/list.html",
        {
            "page": page,
            "query": query,
            "filters": filters,
            "open_ids": open_ids,
            "streets": selectors.streets_for_filter(request.user),
            "kinds": Kind.choices,
            "statuses": Status.choices,
            "services": [(c, lbl) for c, _b, lbl in SERVICES],
            "export_query": urlencode({**{k: v for k, v in g.items() if k != "page"}, "format": "xlsx"}),
        },
    )


def _station_form(request, data=None, initial=None):
    hosts = scoping.organisations_visible_to(request.user).filter(level=Organisation.Level.GRASSROOTS).order_by("name")
    if scoping.is_district_staff(request.user) or scoping.has_role(request.user, scoping.Role.STREET_STAFF):
        hosts = scoping.organisations_visible_to(request.user).exclude(level=Organisation.Level.DISTRICT).order_by("level", "name")
    streets = Organisation.objects.filter(level=Organisation.Level.STREET).order_by("name")
    return forms.StationForm(data, initial=initial, hosts=hosts, streets=streets)


def station_create(request):
    if (r := _staff(request)) is not None:
        return r
    form = _station_form(request, request.POST or None, initial={f"hours_{d}": "08:00-20:00" for d in range(7)})
    if request.method == "POST" and form.is_valid():
        try:
            station = services.station_create(actor=request.user, data=form.service_data())
            messages.success(request, _("驿站已登记"))
            return redirect("stations:detail", pk=station.pk)
        except ApiError as error:
            form.apply_error(error)
    return render(request, "stations/staff/form.html", {"form": form, "title": _("登记驿站")})


def _station_for(request, pk) -> Station:
    station = get_object_or_404(Station.objects.select_related("host", "street"), pk=pk)
    if not station_in_scope_for(request.user, station):
        raise PermissionDenied
    return station


def station_edit(request, pk):
    if (r := _staff(request)) is not None:
        return r
    station = _station_for(request, pk)
    initial = {
        "name": station.name,
        "host": station.host,
        "street": station.street,
        "kind": station.kind,
        "address": station.address,
        "landmark": station.landmark,
        "lat": station.lat,
        "lng": station.lng,
        "services": station.service_codes,
        "capacity": station.capacity,
        "contact_name": station.contact_name,
        "contact_phone": station.contact_phone,
        "built_year": station.built_year,
        "note": station.note,
    }
    initial.update({f"hours_{d}": t for d, t in enumerate(hours_mod.week_texts(station.hours))})
    form = _station_form(request, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.station_update(actor=request.user, station=station, data=form.service_data())
            messages.success(request, _("已保存"))
            return redirect("stations:detail", pk=station.pk)
        except ApiError as error:
            form.apply_error(error)
    return render(request, "stations/staff/form.html", {"form": form, "title": _("编辑驿站"), "station": station})


def station_detail(request, pk):
    if (r := _staff(request)) is not None:
        return r
    station = _station_for(request, pk)
    forms_ = {"status_form": forms.StatusForm(), "grant_form": forms.GrantForm(), "photo_form": forms.PhotoForm()}
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "status":
                forms_["status_form"] = f = forms.StatusForm(request.POST)
                if f.is_valid():
                    services.station_set_status(actor=request.user, station=station, **f.cleaned_data)
                    messages.success(request, _("状态已变更"))
                    return redirect("stations:detail", pk=pk)
            elif action == "grant":
                forms_["grant_form"] = f = forms.GrantForm(request.POST)
                if f.is_valid():
                    fen = int((f.cleaned_data["amount_yuan"] * 100).to_integral_value())
                    services.grant_add(
                        actor=request.user, station=station, year=f.cleaned_data["year"], amount_fen=fen, note=f.cleaned_data["note"]
                    )
                    messages.success(request, _("资助已登记"))
                    return redirect("stations:detail", pk=pk)
            elif action == "photo":
                forms_["photo_form"] = f = forms.PhotoForm(request.POST, request.FILES)
                if f.is_valid():
                    services.photo_add(actor=request.user, station=station, **f.cleaned_data)
                    messages.success(request, _("照片已上传"))
                    return redirect("stations:detail", pk=pk)
        except ApiError as error:
            f.apply_error(error)
    rating = selectors.rating_summary(station)
    evaluations = [
        (a, review_selectors.item_results(a.evaluation) if a.evaluation else [])
        for a in station.inspections.select_related("plan", "evaluation", "inspector").prefetch_related("photos").order_by("-plan__year")
    ]
    return render(
        request,
        "stations/staff/detail.html",
        {
            "station": station,
            "hours_rows": list(zip(WEEKDAYS, hours_mod.week_texts(station.hours), strict=False)),
            "is_open": bool(selectors.open_now_ids([station.pk])),
            "rating": rating,
            "changes": station.status_changes.select_related("by")[:50],
            "grants": station.grants.all(),
            "photos": station.photos.all()[:20],
            "tasks": station.tasks.all()[:20],
            "evaluations": evaluations,
            **forms_,
            "grant_total_yuan": StationGrant(amount_fen=sum(g.amount_fen for g in station.grants.all())).amount_yuan,
            "may_grant": scoping.is_district_staff(request.user) or scoping.has_role(request.user, scoping.Role.STREET_STAFF),
        },
    )


def station_import(request):
    if (r := _staff(request)) is not None:
        return r
    if request.GET.get("template"):
        return _file(reports.import_template_xlsx(), "暖心驿站导入模板.xlsx")
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = importing.import_stations(
                actor=request.user, upload=form.cleaned_data["file"], crs=form.cleaned_data.get("crs") or "wgs84"
            )
        except ApiError as error:
            form.add_error("file", str(error.message))
        else:
            if result.ok:
                messages.success(request, _("导入成功：新增 %(c)s 个，修改 %(u)s 个") % {"c": result.created, "u": result.updated})
                return redirect("stations:list")
    return render(request, "stations/staff/import.html", {"form": form, "result": result})


def figures(request):
    if (r := _staff(request)) is not None:
        return r
    figs = selectors.figures(request.user)
    if request.GET.get("format") == "xlsx":
        return _file(reports.figures_xlsx(figs), "暖心驿站统计.xlsx")
    return render(request, "stations/staff/figures.html", {"figs": figs, "statuses": dict(Status.choices)})


# -- staff: tasks --------------------------------------------------------------------------


def task_list(request):
    if (r := _staff(request)) is not None:
        return r
    state = request.GET.get("state", "open_all")
    kind = request.GET.get("kind", "")
    qs = selectors.task_list(
        request.user,
        state="" if state in ("open_all", "all") else state,
        kind=kind if kind in StationTask.Kind.values else "",
        overdue=request.GET.get("overdue") == "1",
    )
    if state == "open_all":
        qs = qs.exclude(state=StationTask.State.RESOLVED)
    page, query = _page(request, qs)
    return render(
        request,
        "stations/staff/tasks.html",
        {
            "page": page,
            "query": query,
            "state": state,
            "kind": kind,
            "states": StationTask.State.choices,
            "kinds": StationTask.Kind.choices,
            "today": timezone.localdate(),
        },
    )


@login_required
def task_photo(request, pk):
    """A worker's photo of a problem: to those who may handle the task, never as public media."""
    import mimetypes

    from django.http import FileResponse, Http404

    task = get_object_or_404(StationTask.objects.select_related("station", "problem"), pk=pk)
    if not (request.user.has_perm("stations.work_task", task) or request.user.has_perm("stations.revisit_task", task)):
        raise PermissionDenied
    if task.problem is None or not task.problem.photo:
        raise Http404
    return FileResponse(task.problem.photo.open("rb"), content_type=mimetypes.guess_type(task.problem.photo.name)[0] or "image/jpeg")


def task_detail(request, pk):
    if not request.user.is_authenticated:
        return redirect(f"{reverse('core:login')}?next={request.get_full_path()}")
    task = get_object_or_404(
        StationTask.objects.select_related("station", "station__host", "station__street", "problem", "assignment", "assignment__inspector"),
        pk=pk,
    )
    may_work = request.user.has_perm("stations.work_task", task)
    may_revisit = request.user.has_perm("stations.revisit_task", task)
    if not (may_work or may_revisit):
        raise PermissionDenied
    state_form, revisit_form = forms.TaskStateForm(), forms.RevisitForm()
    if request.method == "POST":
        try:
            if request.POST.get("action") == "revisit":
                revisit_form = f = forms.RevisitForm(request.POST)
                if f.is_valid():
                    services.fix_task_revisit(actor=request.user, task=task, **f.cleaned_data)
                    messages.success(request, _("复查结果已记录"))
                    return redirect("stations:task", pk=pk)
            else:
                state_form = f = forms.TaskStateForm(request.POST)
                if f.is_valid():
                    services.task_set_state(actor=request.user, task=task, **f.cleaned_data)
                    messages.success(request, _("已更新"))
                    return redirect("stations:task", pk=pk)
        except ApiError as error:
            f.apply_error(error)
    history = [
        _history_row(h)
        for h in AuditLog.objects.filter(object_type="stations.stationtask", object_id=str(task.pk)).select_related("actor").order_by("at")
    ]
    template = "stations/staff/task.html" if scoping.is_staff_member(request.user) else "stations/inspect/task.html"
    return render(
        request,
        template,
        {
            "task": task,
            "state_form": state_form,
            "revisit_form": revisit_form,
            "history": history,
            "may_work": may_work,
            "may_revisit": may_revisit and task.kind == "fix" and task.state != "resolved",
        },
    )


def _history_row(entry: AuditLog) -> dict:
    states = dict(StationTask.State.choices)
    changes = entry.changes or {}
    if entry.action == "stations.problem_report":
        what = _("职工反映问题")
    elif entry.action == "stations.fix_revisit":
        what = _("复查通过") if changes.get("passed") else _("复查未通过")
    else:
        old, new = (changes.get("state") or ["", ""])[:2]
        what = _("%(old)s → %(new)s") % {"old": states.get(old, old), "new": states.get(new, new)}
    return {"at": entry.at, "actor": entry.actor or _("职工"), "what": what, "note": changes.get("note", "")}


# -- staff: rubric, plans, results ---------------------------------------------------------


def rubric_list(request):
    if (r := _staff(request)) is not None:
        return r
    _district(request)
    rubrics = (
        Rubric.objects.filter(key__startswith=RUBRIC_KEY)
        .annotate(n_items=Count("items", distinct=True), n_used=Count("evaluations", distinct=True))
        .order_by("-created_at")
    )
    return render(request, "stations/staff/rubrics.html", {"rubrics": rubrics})


def rubric_form(request, pk=None):
    if (r := _staff(request)) is not None:
        return r
    _district(request)
    rubric = get_object_or_404(Rubric, pk=pk, key__startswith=RUBRIC_KEY) if pk else None
    frozen = rubric is not None and rubric.is_frozen
    form = forms.RubricForm(request.POST or None, initial=forms.RubricForm.initial_for(rubric) if rubric else {"items": DEFAULT_ITEMS})
    if request.method == "POST" and form.is_valid():
        try:
            args = {"actor": request.user, "name": form.cleaned_data["name"], "items": form.rubric_items(), "thresholds": form.thresholds()}
            if rubric is None or request.POST.get("as_new"):
                key = rubric.key if rubric else f"{RUBRIC_KEY}.{timezone.localdate().year}"
                rubric = review.rubric_create(key=key, **args)
            else:
                rubric = review.rubric_update(rubric=rubric, **args)
            messages.success(request, _("评分标准已保存（第 %(v)s 版）") % {"v": rubric.version})
            return redirect("stations:rubrics")
        except ApiError as error:
            form.apply_error(error)
    return render(request, "stations/staff/rubric_form.html", {"form": form, "rubric": rubric, "frozen": frozen})


DEFAULT_ITEMS = "\n".join(
    [
        "标识标牌醒目 | 10 | 10 | 6 | 门口有统一标识，职工容易找到",
        "按公示时间开放 | 20 | 10 | 6 | 抽查时在开放时间内正常开放",
        "服务项目齐全 | 25 | 10 | 6 | 公示的饮水、热饭、充电等服务可用",
        "环境整洁卫生 | 15 | 10 | 6 | 座椅、桌面、地面干净",
        "台账记录完整 | 10 | 10 | 6 | 有使用登记和维护记录",
        "职工满意度 | 20 | 10 | 6 | 现场询问职工的满意程度",
    ]
)


def plan_list(request):
    if (r := _staff(request)) is not None:
        return r
    plans = InspectionPlan.objects.select_related("rubric").annotate(
        n=Count("assignments"), done=Count("assignments", filter=Q(assignments__state="done"))
    )
    # the annual review links its inspections figure here: one year's plans
    year = year_filter(request)
    if year:
        plans = plans.filter(year=year)
    form = None
    if scoping.is_district_staff(request.user):
        form = forms.PlanForm(
            request.POST or None, rubrics=Rubric.objects.filter(key__startswith=RUBRIC_KEY), initial={"year": timezone.localdate().year}
        )
        if request.method == "POST" and form.is_valid():
            try:
                plan = services.plan_create(actor=request.user, **form.cleaned_data)
                return redirect("stations:plan", pk=plan.pk)
            except ApiError as error:
                form.apply_error(error)
    return render(request, "stations/staff/plans.html", {"plans": plans, "form": form, "year": year or ""})


def plan_detail(request, pk):
    if (r := _staff(request)) is not None:
        return r
    plan = get_object_or_404(InspectionPlan.objects.select_related("rubric"), pk=pk)
    is_district = scoping.is_district_staff(request.user)
    inspectors = User.objects.filter(roles__role=RoleAssignment.Role.INSPECTOR).distinct().order_by("username")
    assign_form = forms.AssignForm(
        request.POST or None if request.POST.get("action") == "assign" else None,
        inspectors=inspectors,
        streets=Organisation.objects.filter(level=Organisation.Level.STREET).order_by("name"),
    )
    if request.method == "POST":
        if not is_district:
            raise PermissionDenied
        try:
            if request.POST.get("action") == "assign" and assign_form.is_valid():
                stations = Station.objects.filter(status=Status.OPEN)
                if assign_form.cleaned_data["street"]:
                    stations = stations.filter(street=assign_form.cleaned_data["street"])
                added = services.plan_assign(
                    actor=request.user,
                    plan=plan,
                    stations=stations.values_list("pk", flat=True),
                    inspector=assign_form.cleaned_data["inspector"],
                )
                messages.success(request, _("已分配 %(n)s 个驿站") % {"n": added})
                return redirect("stations:plan", pk=pk)
            if request.POST.get("action") == "approve":
                n = services.inspection_approve(actor=request.user, plan=plan)
                messages.success(request, _("已审定 %(n)s 个检查结果，结果已锁定") % {"n": n})
                return redirect("stations:plan", pk=pk)
        except ApiError as error:
            messages.error(request, str(error.message))
    qs = selectors.plan_assignments(request.user, plan)
    fmt = request.GET.get("format")
    if fmt in ("xlsx", "pdf"):
        results = selectors.plan_results(request.user, plan)
        if fmt == "xlsx":
            return _file(reports.plan_report_xlsx(plan, qs, results), f"{plan.year}年度驿站检查评估报告.xlsx")
        return _file(
            reports.plan_report_pdf(plan, qs, results, settings.UNIONHUB_DISTRICT_NAME),
            f"{plan.year}年度驿站检查评估报告.pdf",
            "application/pdf",
        )
    state = request.GET.get("state", "")
    listed = qs.filter(state=state) if state in InspectionAssignment.State.values else qs
    page, query = _page(request, listed)
    return render(
        request,
        "stations/staff/plan.html",
        {
            "plan": plan,
            "page": page,
            "query": query,
            "results": selectors.plan_results(request.user, plan),
            "assign_form": assign_form,
            "is_district": is_district,
            "state": state,
            "kind_labels": dict(Kind.choices),
            "to_approve": qs.filter(state="done", evaluation__status="open").count(),
        },
    )


# -- workers: the finder -------------------------------------------------------------------


def _float(value):
    try:
        v = float(value)
        return v if v == v else None
    except (TypeError, ValueError):
        return None


def find(request):
    """Nearest open stations, server-rendered; the map and geolocation are added by JS."""
    g = request.GET
    wanted = [c for c in g.getlist("s") if c in dict((c, 1) for c, _b, _l in SERVICES)]
    lat, lng = _float(g.get("lat")), _float(g.get("lng"))
    place = g.get("q", "").strip()[:60]
    places, origin_label = [], ""
    if lat is None or lng is None or not (-90 <= lat <= 90 and -180 <= lng <= 180):
        lat = lng = None
        if place:
            places = selectors.match_places(place)
            if places:
                lat, lng, origin_label = places[0]["lat"], places[0]["lng"], places[0]["label"]
    else:
        origin_label = _("我的位置")
    located = lat is not None
    if not located:
        lat, lng = DISTRICT_CENTRE
    now = timezone.now()
    found = selectors.nearest_open_stations(lat, lng, now, wanted, 10)
    rows = [
        {
            "s": s,
            "km": s.distance_m / 1000,
            "minutes": max(1, round(s.distance_m / 80)),
            "services": [str(lbl) for c, b, lbl in SERVICES if s.services & b],
            "nav": _nav_url(s, lat, lng if located else None),
        }
        for s in found
    ]
    # Stations are stored in WGS-84; the points are drawn in the tiles' system (GCJ-02 on AMap's).
    tiles = maps.tiles()
    o_lat, o_lng = maps.display_point(lat, lng, tiles["system"])
    map_data = {
        "origin": {"lat": o_lat, "lng": o_lng, "located": located},
        "tiles": tiles,
        "stations": [
            {
                "id": r["s"].id,
                "name": r["s"].name,
                **dict(zip(("lat", "lng"), maps.display_point(r["s"].lat, r["s"].lng, tiles["system"]), strict=True)),
                "url": reverse("stations:public", args=[r["s"].id]),
                "distance": round(r["s"].distance_m),
            }
            for r in rows
        ],
    }
    return render(
        request,
        "stations/find.html",
        {
            "rows": rows,
            "services": [(c, lbl) for c, _b, lbl in SERVICES],
            "wanted": wanted,
            "place": place,
            "places": places[1:],
            "origin_label": origin_label,
            "located": located,
            "map_data": map_data,
            "now": now,
            "no_match": bool(place) and not places and not origin_label,
            "suggestions": places_mod.suggestions(place) if (place and not places and not origin_label) else [],
        },
    )


def _nav_url(s, from_lat=None, from_lng=None) -> str:
    """Amap's web URI (opens the app when installed); coordinates are WGS-84 and say so."""
    params = {"to": f"{s.lng:.6f},{s.lat:.6f},{s.name}", "mode": "walk", "coordinate": "wgs84", "callnative": "1", "src": "unionhub"}
    if from_lng is not None:
        params["from"] = f"{from_lng:.6f},{from_lat:.6f},{_('我的位置')}"
    return "https://uri.amap.com/navigation?" + urlencode(params)


def public_station(request, pk):
    station = get_object_or_404(Station.objects.select_related("street"), pk=pk, status__in=[Status.OPEN, Status.SUSPENDED])
    rating = selectors.rating_summary(station)
    return render(
        request,
        "stations/public.html",
        {
            "station": station,
            "hours_rows": list(zip(WEEKDAYS, hours_mod.week_texts(station.hours), strict=False)),
            "is_open": bool(selectors.open_now_ids([station.pk])),
            "rating": rating,
            "nav": _nav_url(station),
            "rating_form": forms.RatingForm(),
            "is_member": scoping.member_for(request.user) is not None,
        },
    )


def _worker_login_redirect(request, target):
    return redirect(f"{reverse('core:worker_login')}?{urlencode({'next': target})}")


def rate(request, pk):
    station = get_object_or_404(Station, pk=pk)
    target = reverse("stations:public", args=[pk])
    if scoping.member_for(request.user) is None:
        return _worker_login_redirect(request, target)
    if request.method != "POST":
        return redirect(target)
    form = forms.RatingForm(request.POST)
    if form.is_valid():
        try:
            services.rating_submit(actor=request.user, station=station, **form.cleaned_data)
            messages.success(request, _("感谢您的评价！"))
        except ApiError as error:
            messages.error(request, str(error.message))
    else:
        messages.error(request, _("请选择 1 到 5 颗星"))
    return redirect(target)


def report_problem(request, pk):
    station = get_object_or_404(Station, pk=pk)
    if scoping.member_for(request.user) is None:
        return _worker_login_redirect(request, reverse("stations:report", args=[pk]))
    form = forms.ProblemForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.problem_report(actor=request.user, station=station, **form.cleaned_data)
            messages.success(request, _("问题已提交，承办单位和街道工会会尽快处理，谢谢！"))
            return redirect("stations:public", pk=pk)
        except ApiError as error:
            form.apply_error(error)
    return render(request, "stations/report.html", {"station": station, "form": form})


# -- inspector (phone) ---------------------------------------------------------------------


@login_required
def inspect_home(request):
    if not request.user.has_perm("stations.inspect"):
        raise PermissionDenied
    qs = selectors.assignments_for_inspector(request.user)
    pending = qs.filter(state="pending")
    page, query = _page(request, pending, 30)
    fixes = (
        StationTask.objects.filter(kind="fix", assignment__inspector=request.user)
        .exclude(state="resolved")
        .select_related("station")
        .order_by("deadline")
    )
    return render(
        request,
        "stations/inspect/home.html",
        {"page": page, "done": qs.filter(state="done")[:30], "fixes": fixes, "n_done": qs.filter(state="done").count()},
    )


@login_required
def inspect_fill(request, pk):
    assignment = get_object_or_404(InspectionAssignment.objects.select_related("station", "plan", "plan__rubric", "evaluation"), pk=pk)
    if not request.user.has_perm("stations.fill_inspection", assignment):
        raise PermissionDenied
    items = list(assignment.plan.rubric.items.all())
    errors = {}
    locked = assignment.evaluation is not None and assignment.evaluation.is_locked
    if request.method == "POST" and not locked:
        # The no-JavaScript path: the same service, the same client key rule.
        scores = {i.code: request.POST.get(f"score_{i.code}", "") for i in items}
        notes = {i.code: request.POST.get(f"note_{i.code}", "") for i in items}
        try:
            services.inspection_submit(
                actor=request.user,
                assignment=assignment,
                client_key=request.POST.get("client_key", ""),
                scores=scores,
                notes=notes,
                comment=request.POST.get("comment", ""),
            )
            messages.success(request, _("检查结果已提交"))
            return redirect("stations:inspect_fill", pk=pk)
        except ApiError as error:
            errors[error.field or ""] = str(error.message)
            messages.error(request, str(error.message))
    results = review_selectors.item_results(assignment.evaluation) if assignment.evaluation else []
    return render(
        request,
        "stations/inspect/fill.html",
        {
            "a": assignment,
            "items": items,
            "client_key": secrets.token_hex(12),
            "results": results,
            "locked": locked,
            "errors": errors,
            "fix_tasks": assignment.fix_tasks.all(),
            "posted": request.POST,
            "config": {
                "assignment": assignment.pk,
                "submit_url": reverse("api_v1:stations_inspection_submit", args=[assignment.pk]),
                "items": [i.code for i in items],
            },
        },
    )
