"""Staff pages of the kernel: the organisation tree, rosters, coverage, device tokens, audit log.

Views hold no business logic: they read through ``core.selectors`` (scoped to the viewer) and
write through ``core.services``; a service's ``ApiError`` lands on the form field it names.
Out-of-scope objects answer 404 (selectors), pages a role may not use answer 403.
"""

from __future__ import annotations

import io
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import jobs, scoping, selectors, services
from core import roster as roster_io
from core.errors import ApiError
from core.forms import AuditFilterForm, CoverageUnitForm, ImportForm, MemberForm, OrganisationForm, TokenForm, TransferForm
from core.models import ApiToken, CoverageUnit, Member, Organisation
from core.privacy import log_personal_data_access, mask_phone
from core.replica import lag_tolerant

PAGE_SIZE = 50


def staff_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not scoping.is_staff_member(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def perm_required(perm: str):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if not request.user.has_perm(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _page(request, queryset, size: int = PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# --- The organisation tree -------------------------------------------------------------------


@staff_required
def org_tree(request):
    """The viewer's part of the tree: the one root they see opens directly."""
    search = (request.GET.get("q") or "").strip()[:60]
    if search:
        page = _page(request, selectors.organisation_search(request.user, search))
        return render(request, "core/org_search.html", {"page": page, "q": search, "query": _query_without_page(request)})
    roots = selectors.organisation_roots(request.user)
    if len(roots) == 1:
        return redirect("core:org_detail", pk=roots[0].pk)
    return render(request, "core/org_roots.html", {"roots": roots})


@staff_required
def org_detail(request, pk):
    org = selectors.organisation_for(request.user, pk)
    search = (request.GET.get("q") or "").strip()[:60]
    level = request.GET.get("level") or ""
    kind = request.GET.get("kind") or ""
    children = selectors.organisation_children(
        request.user,
        org,
        search=search,
        level=level if level in Organisation.Level.values else "",
        kind=kind if kind in Organisation.Kind.values else "",
    )
    context = {
        "org": org,
        "crumbs": selectors.breadcrumbs(request.user, org)[:-1],
        "page": _page(request, children),
        "query": _query_without_page(request),
        "q": search,
        "level": level,
        "kind": kind,
        "levels": Organisation.Level.choices,
        "kinds": Organisation.Kind.choices,
        "figures": selectors.subtree_figures(org),
        "can_edit": request.user.has_perm("core.change_organisation", org),
        "can_add_child": request.user.has_perm("core.add_child_organisation", org) and org.level != Organisation.Level.GRASSROOTS,
    }
    return render(request, "core/org_detail.html", context)


def _org_form(request, *, instance=None, initial=None):
    lock = instance is not None and not (
        scoping.is_district_staff(request.user) or scoping.has_role(request.user, scoping.Role.STREET_STAFF)
    )
    parents = selectors.parent_choices(request.user)
    if instance is not None and instance.parent_id:
        parents = parents | Organisation.objects.filter(pk=instance.parent_id)
    return OrganisationForm(
        request.POST or None,
        initial=initial,
        parents=parents.distinct(),
        streets=selectors.street_choices(request.user),
        lock_place=lock,
    )


@staff_required
def org_create(request):
    parent = None
    if request.GET.get("parent"):
        parent = selectors.organisation_for(request.user, request.GET["parent"])
    if parent is not None and not request.user.has_perm("core.add_child_organisation", parent):
        raise PermissionDenied
    if parent is None and not selectors.parent_choices(request.user).exists():
        raise PermissionDenied
    initial = {"level": Organisation.Level.GRASSROOTS, "kind": Organisation.Kind.ENTERPRISE, "parent": parent}
    if parent is not None and parent.level == Organisation.Level.DISTRICT:
        initial["level"] = Organisation.Level.STREET
        initial["kind"] = Organisation.Kind.FEDERATION
    form = _org_form(request, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.organisation_create(actor=request.user, data=form.cleaned_data)
        except ApiError as error:
            form.apply_error(error)
        else:
            messages.success(request, _("已新建工会：%(name)s") % {"name": org.name})
            return redirect("core:org_detail", pk=org.pk)
    return render(request, "core/org_form.html", {"form": form, "parent": parent, "org": None})


@staff_required
def org_edit(request, pk):
    org = selectors.organisation_for(request.user, pk)
    if not request.user.has_perm("core.change_organisation", org):
        raise PermissionDenied
    initial = {f: getattr(org, f) for f in services.ORG_FIELDS}
    form = _org_form(request, instance=org, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(actor=request.user, organisation=org, data=form.cleaned_data)
        except ApiError as error:
            form.apply_error(error)
        else:
            messages.success(request, _("已保存"))
            return redirect("core:org_detail", pk=org.pk)
    return render(request, "core/org_form.html", {"form": form, "org": org, "parent": org.parent})


# --- Rosters and members ---------------------------------------------------------------------


@staff_required
def roster(request, pk):
    org = selectors.organisation_for(request.user, pk)
    search = (request.GET.get("q") or "").strip()[:40]
    tag = request.GET.get("tag") or ""
    status = request.GET.get("status") or ""
    try:
        run = services.member_search_check(viewer=request.user, search=search, context=f"roster {org.pk}")
    except ApiError as error:  # too many phone searches: the box keeps the number, the list is unfiltered
        messages.error(request, error.message)
        run = ""
    members = selectors.member_list(
        request.user,
        organisation=org,
        search=run,
        tag=tag if tag in Member.Tag.values else "",
        status=status if status in Member.Status.values else "",
    )
    page = _page(request, members)
    labels = dict(Member.Tag.choices)
    rows = [{"member": m, "masked_phone": mask_phone(m.phone), "tags": [labels.get(t, t) for t in m.tags or []]} for m in page.object_list]
    return render(
        request,
        "core/roster.html",
        {
            "org": org,
            "page": page,
            "rows": rows,
            "q": search,
            "tag": tag,
            "status": status,
            "tags": Member.Tag.choices,
            "statuses": Member.Status.choices,
            "query": _query_without_page(request),
            "can_edit": request.user.has_perm("core.change_organisation", org) and org.level == Organisation.Level.GRASSROOTS,
        },
    )


@staff_required
def member_create(request, pk):
    org = selectors.organisation_for(request.user, pk)
    if not request.user.has_perm("core.change_organisation", org):
        raise PermissionDenied
    form = MemberForm(request.POST or None, initial={"joined_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            member = services.member_create(actor=request.user, organisation=org, data=form.cleaned_data)
        except ApiError as error:
            form.apply_error(error)
        else:
            messages.success(request, _("已添加会员：%(name)s") % {"name": member.name})
            return redirect("core:roster", pk=org.pk)
    return render(request, "core/member_form.html", {"form": form, "org": org, "member": None})


@staff_required
def member_detail(request, pk):
    member = selectors.member_for_viewer(request.user, pk)
    return render(
        request,
        "core/member_detail.html",
        {
            "member": member,
            "masked_phone": mask_phone(member.phone),
            "phone": None,
            "transfers": selectors.member_transfers(member)[:50],
            "tag_labels": [dict(Member.Tag.choices).get(t, t) for t in member.tags or []],
            "can_edit": request.user.has_perm("core.change_member", member),
        },
    )


@staff_required
@require_POST
def member_phone(request, pk):
    """Reveals the full phone; the look is written to the personal-data access log."""
    member = selectors.member_for_viewer(request.user, pk)
    phone = services.member_phone_reveal(viewer=request.user, member=member, context=request.POST.get("context", "roster")[:40])
    if request.headers.get("HX-Request"):
        return render(request, "core/_phone.html", {"phone": phone})
    return render(
        request,
        "core/member_detail.html",
        {
            "member": member,
            "masked_phone": mask_phone(member.phone),
            "phone": phone,
            "transfers": selectors.member_transfers(member)[:50],
            "tag_labels": [dict(Member.Tag.choices).get(t, t) for t in member.tags or []],
            "can_edit": request.user.has_perm("core.change_member", member),
        },
    )


@staff_required
def member_edit(request, pk):
    member = selectors.member_for_viewer(request.user, pk)
    if not request.user.has_perm("core.change_member", member):
        raise PermissionDenied
    initial = {f: getattr(member, f) for f in services.MEMBER_FIELDS}
    form = MemberForm(request.POST or None, initial=initial)
    if request.method == "GET":
        # Editing shows the number: that is a look at personal data too.
        log_personal_data_access(viewer=request.user, member=member, field="phone", context="member_edit")
    if request.method == "POST" and form.is_valid():
        try:
            services.member_update(actor=request.user, member=member, data=form.cleaned_data)
        except ApiError as error:
            form.apply_error(error)
        else:
            messages.success(request, _("已保存"))
            return redirect("core:member_detail", pk=member.pk)
    return render(request, "core/member_form.html", {"form": form, "org": member.organisation, "member": member})


@staff_required
def member_move(request, pk):
    member = selectors.member_for_viewer(request.user, pk)
    if not request.user.has_perm("core.change_member", member):
        raise PermissionDenied
    search = (request.GET.get("q") or "").strip()[:40]
    targets = selectors.grassroots_choices(request.user).exclude(pk=member.organisation_id)
    if request.method == "POST":
        form = TransferForm(request.POST, targets=targets)
    else:
        shown = targets.filter(name__icontains=search) if search else targets.filter(street_id=member.organisation.street_id)
        form = TransferForm(targets=shown[:300])
    if request.method == "POST" and form.is_valid():
        try:
            services.member_transfer(
                actor=request.user, member=member, to_organisation=form.cleaned_data["to_organisation"], note=form.cleaned_data["note"]
            )
        except ApiError as error:
            form.apply_error(error)
        else:
            messages.success(
                request, _("已将 %(name)s 转入 %(org)s") % {"name": member.name, "org": form.cleaned_data["to_organisation"].name}
            )
            return redirect("core:member_detail", pk=member.pk)
    return render(request, "core/member_move.html", {"form": form, "member": member, "q": search})


@staff_required
def roster_import(request, pk):
    org = selectors.organisation_for(request.user, pk)
    if not request.user.has_perm("core.change_organisation", org):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        # Checked and written by the task worker (50,000 rows take seconds): the job's page
        # shows the progress, then the outcome — the row-numbered report or the new count.
        job = jobs.job_start(
            owner=request.user,
            kind="roster_import",
            title=_("导入名册：%(org)s") % {"org": org.name},
            organisation=org,
            upload=form.cleaned_data["file"],
        )
        return redirect("core:job_detail", pk=job.pk)
    return render(request, "core/roster_import.html", {"form": form, "org": org, "columns": roster_io.COLUMNS})


@staff_required
def roster_template(request, pk):
    org = selectors.organisation_for(request.user, pk)
    from core.spreadsheets import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("会员名册")
    sheet.append([str(label) for _key, label in roster_io.COLUMNS])
    sheet.append(["张三", "13800001234", "E001", "男", 1990, "快递员", "2024-05-01", "在册"])
    out = io.BytesIO()
    workbook.save(out)
    return _download(out.getvalue(), f"roster-template-{org.pk}.xlsx", XLSX)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(data: bytes, filename: str, content_type: str):
    return FileResponse(io.BytesIO(data), as_attachment=True, filename=filename, content_type=content_type)


@staff_required
@lag_tolerant
def roster_export(request, pk, fmt):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    org = selectors.organisation_for(request.user, pk)
    if not request.user.has_perm("core.change_organisation", org):
        raise PermissionDenied
    members = selectors.member_list(request.user, organisation=org)
    log_personal_data_access(viewer=request.user, member=None, field="roster_export", context=f"{org.pk} {org.name}")
    stamp = timezone.localdate().strftime("%Y%m%d")
    if fmt == "csv":
        response = StreamingHttpResponse(roster_io.export_csv_stream(members), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="roster-{org.pk}-{stamp}.csv"'
        return response
    # A laid-out workbook of a large union (tens of thousands of rows) takes seconds: a job;
    # the CSV above streams row by row and starts at once.
    job = jobs.job_start(
        owner=request.user,
        kind="roster_export",
        title=_("导出会员名册（Excel）：%(org)s") % {"org": org.name},
        organisation=org,
        params={"file": f"roster-{org.pk}-{stamp}.xlsx"},
    )
    return redirect("core:job_detail", pk=job.pk)


# --- Coverage --------------------------------------------------------------------------------


def _year(request) -> int:
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    return min(max(year, 1949), timezone.localdate().year)


@perm_required("core.view_coverage")
def coverage(request):
    year = _year(request)
    report = selectors.coverage_report(request.user, year=year)
    this_year = timezone.localdate().year
    return render(
        request,
        "core/coverage.html",
        {
            "report": report,
            "year": year,
            "years": list(range(this_year, this_year - 11, -1)),
            "kind_labels": dict(CoverageUnit.Kind.choices),
            "missing": selectors.coverage_units(request.user)
            .filter(union__isnull=True)
            .select_related("street")
            .order_by("street__name", "name")[:100],
            "can_change": request.user.has_perm("core.change_coverage"),
        },
    )


@perm_required("core.view_coverage")
@lag_tolerant
def coverage_export(request):
    """Streets × kinds of units: a few dozen rows, made in milliseconds, so a direct download."""
    from core.spreadsheets import Workbook

    year = _year(request)
    report = selectors.coverage_report(request.user, year=year)
    labels = dict(CoverageUnit.Kind.choices)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("覆盖情况")
    header = [_("街道")]
    for kind in report["kinds"]:
        header += [f"{labels[kind]}{_('总数')}", f"{labels[kind]}{_('已建会')}", f"{labels[kind]}{_('覆盖率%')}"]
    header += [_("合计"), _("已建会"), _("覆盖率%"), _("%(year)s年非公企业新建工会") % {"year": year}]
    sheet.append([str(h) for h in header])
    for row in report["rows"]:
        line = [row["street"].name]
        for cell in row["kinds"]:
            line += [cell["total"], cell["covered"], cell["percent"]]
        line += [row["total"], row["covered"], row["percent"], row["new_non_public"]]
        sheet.append(line)
    line = [_("全部")]
    for cell in report["totals"]:
        line += [cell["total"], cell["covered"], cell["percent"]]
    line += [report["total"], report["covered"], report["percent"], report["new_non_public"]]
    sheet.append([str(v) if isinstance(v, str) else v for v in line])
    out = io.BytesIO()
    workbook.save(out)
    return _download(out.getvalue(), f"coverage-{year}.xlsx", XLSX)


def _coverage_form(request, instance=None):
    streets = scoping.organisations_visible_to(request.user).filter(level=Organisation.Level.STREET).order_by("name")
    unions = selectors.grassroots_choices(request.user).filter(kind__in=[k for k in CoverageUnit.Kind.values])
    if instance is not None:
        unions = unions.filter(street_id=instance.street_id)
    initial = {"name": instance.name, "kind": instance.kind, "street": instance.street, "union": instance.union} if instance else None
    return CoverageUnitForm(request.POST or None, initial=initial, streets=streets, unions=unions)


@perm_required("core.change_coverage")
def coverage_unit_edit(request, pk=None):
    instance = selectors.coverage_unit_for(request.user, pk) if pk is not None else None
    form = _coverage_form(request, instance)
    if request.method == "POST" and form.is_valid():
        try:
            services.coverage_unit_save(actor=request.user, data=form.cleaned_data, instance=instance)
        except ApiError as error:
            form.apply_error(error)
        else:
            messages.success(request, _("已保存"))
            return redirect("core:coverage")
    return render(request, "core/coverage_unit_form.html", {"form": form, "unit": instance})


# --- Device tokens ---------------------------------------------------------------------------


@perm_required("core.manage_tokens")
def tokens(request):
    form = TokenForm(request.POST or None)
    raw = None
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = services.api_token_issue(actor=request.user, name=form.cleaned_data["name"])
        except ApiError as error:
            form.apply_error(error)
        else:
            form = TokenForm()
            messages.success(request, _("已签发令牌“%(name)s”，请立即复制保存：它只显示这一次。") % {"name": token.name})
    qs = ApiToken.objects.select_related("user").order_by("revoked_at", "-created_at")
    if not scoping.is_district_staff(request.user):
        qs = qs.filter(user=request.user)
    response = render(request, "core/tokens.html", {"form": form, "raw": raw, "page": _page(request, qs), "query": ""})
    response["Cache-Control"] = "no-store"
    return response


@perm_required("core.manage_tokens")
@require_POST
def token_revoke(request, pk):
    qs = ApiToken.objects.all() if scoping.is_district_staff(request.user) else ApiToken.objects.filter(user=request.user)
    token = get_object_or_404(qs, pk=pk)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("已吊销令牌“%(name)s”") % {"name": token.name})
    return redirect("core:tokens")


# --- Audit -----------------------------------------------------------------------------------


@perm_required("core.view_audit")
@lag_tolerant
def audit_log(request):
    tab = "access" if request.GET.get("tab") == "access" else "changes"
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    filters = {k: v for k, v in filters.items() if v}
    if tab == "access":
        qs = selectors.data_access_entries(request.user, **filters)
    else:
        qs = selectors.audit_entries(request.user, **filters)
    return render(
        request,
        "core/audit.html",
        {
            "form": form,
            "tab": tab,
            "page": _page(request, qs),
            "query": _query_without_page(request),
            "actions": selectors.audit_actions(),
            "base_query": _query_without_tab(request),
        },
    )


def _query_without_tab(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("tab", None)
    return params.urlencode()
