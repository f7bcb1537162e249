"""Pages of the field side: batches and labels (staff), binding (workers and admins), collection
points (street/district staff), the collector station, and the short bag link /b/<code>."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import scoping
from core.errors import ApiError
from modules.bags import abuse, codes, labels, selectors, services
from modules.bags.forms import BatchForm, CsvBindForm, LabelsForm, PointForm, RangeBindForm
from modules.bags.models import Bag, Category, Grade, LabelExport, WrongSortReason


def _staff_only(request) -> None:
    if not scoping.is_staff_member(request.user):
        raise PermissionDenied


def _base_url(request) -> str:
    from modules.bags.api_field import base_url_of

    return base_url_of(request)


def dashboard_card(request):
    summary = selectors.bags_summary(request.user)
    rate = f"{summary['collected'] * 100 / summary['issued']:.1f}%" if summary["issued"] else "—"
    return {
        "title": _("智慧垃圾袋 已发放 / 已回收"),
        "value": f"{summary['issued']:,} / {summary['collected']:,}",
        "url": reverse("bags:batches"),
        "hint": _("回收率 %(rate)s") % {"rate": rate},
    }


# ---------------------------------------------------------------- batches


@login_required
def batch_list(request):
    _staff_only(request)
    qs = selectors.batches_visible_to(request.user).order_by("-created_at", "-id")
    q = (request.GET.get("q") or "").strip()
    if q:
        qs = qs.filter(organisation__name__icontains=q)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    stats = selectors.batch_stats([b.pk for b in page])
    rows = [(b, stats.get(b.pk, selectors.BatchStats())) for b in page]
    can_issue = scoping.is_district_staff(request.user) or scoping.has_role(request.user, scoping.Role.STREET_STAFF)
    return render(request, "bags/field/batch_list.html", {"page": page, "rows": rows, "q": q, "can_issue": can_issue})


def _union_choices(request, q: str, selected_id) -> dict:
    """The picker's options: the unions matching ``q`` in the viewer's scope (the chosen one kept
    first when it is in scope but not among them)."""
    found, total = selectors.issuable_organisation_search(request.user, q)
    selected = None
    if selected_id and str(selected_id).isdigit():
        selected = next((o for o in found if o.pk == int(selected_id)), None)
        if selected is None:
            selected = selectors.issuable_organisations(request.user).filter(pk=int(selected_id)).select_related("street").first()
            if selected is not None:
                found = [selected, *found]
    return {"unions": found, "union_total": total, "union_q": q, "selected_id": selected.pk if selected else None}


@login_required
def batch_union_search(request):
    """The union picker's search (htmx swaps the options in): by name, pinyin, initials or credit
    code, only unions the viewer may issue bags to."""
    _staff_only(request)
    q = request.GET.get("q", "")[:40]
    return render(request, "bags/field/_union_options.html", _union_choices(request, q, request.GET.get("organisation")))


@login_required
def batch_create(request):
    _staff_only(request)
    form = BatchForm(request.POST or None, viewer=request.user)
    picker = _union_choices(request, (request.POST or request.GET).get("q", "")[:40], (request.POST or request.GET).get("organisation"))
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.batch_create(
                actor=request.user,
                organisation=form.cleaned_data["organisation"],
                size=form.cleaned_data["size"],
                note=form.cleaned_data["note"],
            )
        except ApiError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(request, _("已生成 %(n)s 个垃圾袋编码，可导出标签打印。") % {"n": f"{batch.size:,}"})
            return redirect("bags:batch_detail", pk=batch.pk)
    return render(
        request,
        "bags/field/batch_form.html",
        {"form": form, **picker, "has_unions": selectors.issuable_organisations(request.user).exists()},
    )


def _batch(request, pk):
    _staff_only(request)
    return get_object_or_404(selectors.batches_visible_to(request.user), pk=pk)


@login_required
def batch_detail(request, pk):
    batch = _batch(request, pk)
    stats = selectors.batch_stats([batch.pk]).get(batch.pk, selectors.BatchStats())
    samples = []
    if batch.first_bag_id:
        samples = [codes.group(code) for _id, code in codes.encode_many(batch.first_bag_id, min(batch.last_bag_id, batch.first_bag_id + 4))]
    return render(
        request,
        "bags/field/batch_detail.html",
        {
            "batch": batch,
            "stats": stats,
            "exports": selectors.exports_of(batch),
            "labels_form": LabelsForm(),
            "samples": samples,
            "first_code": codes.group(codes.encode(batch.first_bag_id)) if batch.first_bag_id else "",
            "last_code": codes.group(codes.encode(batch.last_bag_id)) if batch.last_bag_id else "",
        },
    )


@login_required
@require_POST
def batch_labels(request, pk):
    batch = _batch(request, pk)
    form = LabelsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择标签版式"))
        return redirect("bags:batch_detail", pk=batch.pk)
    try:
        services.label_export_request(actor=request.user, batch=batch, layout=form.cleaned_data["layout"], base_url=_base_url(request))
    except ApiError as error:
        messages.error(request, str(error.message))
    else:
        messages.info(request, _("标签 PDF 正在后台生成，完成后可在下方下载。"))
    return redirect("bags:batch_detail", pk=batch.pk)


@login_required
def export_progress(request, pk, export_id):
    batch = _batch(request, pk)
    export = get_object_or_404(LabelExport, pk=export_id, batch=batch)
    return render(request, "bags/field/_export_row.html", {"batch": batch, "export": export})


@login_required
def export_download(request, pk, export_id):
    batch = _batch(request, pk)
    export = get_object_or_404(LabelExport, pk=export_id, batch=batch, status=LabelExport.Status.READY)
    if not export.file:
        raise Http404
    return FileResponse(
        export.file.open("rb"), as_attachment=True, filename=f"bags-{batch.pk}-{export.layout}.pdf", content_type="application/pdf"
    )


@login_required
def batch_codes_csv(request, pk):
    batch = _batch(request, pk)
    response = StreamingHttpResponse(labels.csv_rows(batch, _base_url(request)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="bags-{batch.pk}-codes.csv"'
    return response


@login_required
def batch_bind(request, pk):
    batch = _batch(request, pk)
    if not request.user.has_perm("bags.bind_batch", batch):
        raise PermissionDenied
    range_form = RangeBindForm(request.POST if request.POST.get("mode") == "range" else None, prefix="range")
    csv_form = CsvBindForm(request.POST if request.POST.get("mode") == "csv" else None, request.FILES or None, prefix="csv")
    row_errors = []
    if request.method == "POST":
        form = range_form if request.POST.get("mode") == "range" else csv_form
        if form.is_valid():
            try:
                if form is range_form:
                    rows = services.code_range_rows(
                        batch=batch,
                        first_code=form.cleaned_data["first_code"],
                        last_code=form.cleaned_data["last_code"],
                        phone=form.cleaned_data["phone"],
                    )
                else:
                    rows = form.cleaned_data["file"]
                bound = services.bags_bind_bulk(actor=request.user, batch=batch, rows=rows)
            except services.BulkBindError as error:
                row_errors = error.errors
                form.add_error(None, str(error.message))
            except ApiError as error:
                field = {"first_code": "first_code", "last_code": "last_code"}.get(error.field or "")
                form.add_error(field if field in form.fields else None, str(error.message))
            else:
                messages.success(request, _("已绑定 %(n)s 个垃圾袋。") % {"n": bound})
                return redirect("bags:batch_detail", pk=batch.pk)
    return render(
        request,
        "bags/field/batch_bind.html",
        {
            "batch": batch,
            "range_form": range_form,
            "csv_form": csv_form,
            "row_errors": row_errors[:200],
            "more_errors": max(0, len(row_errors) - 200),
        },
    )


# ---------------------------------------------------------------- collection points


def _points_staff(request) -> None:
    if not request.user.has_perm("bags.list_points"):
        raise PermissionDenied


@login_required
def point_list(request):
    _points_staff(request)
    qs = selectors.points_visible_to(request.user).prefetch_related("collectors").order_by("street__path", "name")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "bags/field/point_list.html", {"page": page})


@login_required
def point_edit(request, pk=None):
    _points_staff(request)
    point = get_object_or_404(selectors.points_visible_to(request.user), pk=pk) if pk else None
    form = PointForm(request.POST or None, instance=point, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        args = {
            "street": data["street"],
            "name": data["name"],
            "address": data["address"],
            "latitude": data["latitude"],
            "longitude": data["longitude"],
            "served": data["served_organisations"],
            "collectors": data["collectors"],
            "is_active": data["is_active"],
        }
        try:
            if point is None:
                services.point_create(actor=request.user, **args)
            else:
                services.point_update(actor=request.user, point=point, **args)
        except ApiError as error:
            field = {"served": "served_organisations"}.get(error.field or "", error.field)
            form.add_error(field if field in form.fields else None, str(error.message))
        else:
            messages.success(request, _("收集点已保存"))
            return redirect("bags:points")
    return render(request, "bags/field/point_form.html", {"form": form, "point": point})


@login_required
@require_POST
def point_delete(request, pk):
    _points_staff(request)
    point = get_object_or_404(selectors.points_visible_to(request.user), pk=pk)
    try:
        deleted = services.point_delete(actor=request.user, point=point)
    except ApiError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("收集点已删除") if deleted else _("该收集点已有回收记录，已改为停用"))
    return redirect("bags:points")


# ---------------------------------------------------------------- collector station


@login_required
def station(request):
    if not request.user.has_perm("bags.use_station"):
        raise PermissionDenied
    points = list(selectors.points_of_collector(request.user))
    tallies = {p.pk: selectors.point_tally(p) for p in points}
    return render(
        request,
        "bags/field/station.html",
        {
            "points": points,
            "tallies": tallies,
            "categories": Category.choices,
            "reasons": WrongSortReason.choices,
            "grades": Grade.choices,
        },
    )


# ---------------------------------------------------------------- the short link /b/<code>


def _worker_home_or_bag(code: str) -> str:
    try:
        return reverse("bags:me")
    except NoReverseMatch:
        return reverse("bag_short", args=[code])


def login_note(request, next_url: str) -> dict | None:
    """On the phone login reached from a scanned bag (``next=/b/<code>``): the bag's union and number
    (nothing private: not its owner), and that logging in binds it."""
    try:
        match = resolve(urlsplit(next_url).path)
    except Resolver404:
        return None
    if match.view_name != "bag_short":
        return None
    parsed = codes.parse(match.kwargs.get("code", ""))
    if not parsed.ok:
        return None
    bag = Bag.objects.select_related("organisation").only("id", "owner_id", "organisation__name").filter(pk=parsed.bag_id).first()
    if bag is None:
        return None
    facts = [(_("发放工会"), bag.organisation.name), (_("垃圾袋编号"), codes.group(parsed.code))]
    if bag.owner_id is None:
        text = _("您扫描了一个智慧垃圾袋。用手机号登录后，它会绑定到您名下，分类投放后即可获得积分。")
        return {"title": _("登录后绑定这个垃圾袋"), "text": text, "facts": facts}
    return {"title": _("登录后查看这个垃圾袋"), "text": _("这个垃圾袋已经绑定。用手机号登录后可查看它的状态。"), "facts": facts}


def bag_short(request, code):
    """What a phone opens when it scans a bag: a worker binds it; staff and collectors see its state."""
    try:
        # Forged codes count against the sender's budget here too (a prober would use this page).
        parsed = abuse.code_checked(request, code)
    except ApiError as error:
        status = 429 if error.status == 429 else 404
        return render(request, "bags/field/bag.html", {"error": error.message, "error_code": error.code}, status=status)
    if not request.user.is_authenticated:
        login = reverse("core:worker_login")
        return redirect(f"{login}?{urlencode({'next': reverse('bag_short', args=[parsed.code])})}")
    member = scoping.member_for(request.user)
    bag = Bag.objects.select_related("organisation", "batch").filter(pk=parsed.bag_id).first()
    context = {"code": codes.group(parsed.code), "bag": bag}
    if bag is None:
        return render(
            request, "bags/field/bag.html", {**context, "error": _("该垃圾袋尚未发放"), "error_code": "bag_not_issued"}, status=404
        )
    if member is not None:
        # The first scan by a worker binds the bag: the bag is in their hand, and binding is
        # idempotent and limited to unbound bags of their own union, so a link cannot harm them.
        if bag.owner_id == member.pk:
            context["mine"] = True
        else:
            try:
                services.bag_bind(actor=request.user, code=parsed.code)
            except ApiError as error:
                return render(
                    request, "bags/field/bag.html", {**context, "error": error.message, "error_code": error.code}, status=error.status
                )
            messages.success(request, _("绑定成功！这个垃圾袋已绑定到您名下，分类投放后即可获得积分。"))
            return redirect(_worker_home_or_bag(parsed.code))
        return render(request, "bags/field/bag.html", context)
    visible = scoping.can_view_organisation(request.user, bag.organisation) and scoping.is_staff_member(request.user)
    if visible or scoping.has_role(request.user, scoping.Role.COLLECTOR):
        context["staff_view"] = True
        return render(request, "bags/field/bag.html", context)
    return render(
        request,
        "bags/field/bag.html",
        {**context, "bag": None, "error": _("只有在册职工才能绑定垃圾袋，请用职工手机号登录。"), "error_code": "not_a_member"},
        status=403,
    )
