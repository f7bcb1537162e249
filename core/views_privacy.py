"""A member's own data: see it, download it, close the account (PIPL rights of the individual)."""

from __future__ import annotations

import io
import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.privacy import member_account_close, member_data_export
from core.scoping import member_for


def _own_member(request):
    member = member_for(request.user)
    if member is None:
        raise Http404(_("只有职工本人可以查看本人数据"))
    return member


@login_required
def my_data(request):
    member = _own_member(request)
    return render(request, "core/privacy/my_data.html", {"member": member, "export": member_data_export(member)})


@login_required
def my_data_download(request, fmt: str):
    member = _own_member(request)
    export = member_data_export(member)
    stamp = timezone.localdate().strftime("%Y%m%d")
    if fmt == "json":
        body = json.dumps(export, ensure_ascii=False, indent=2, default=str)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="my-data-{stamp}.json"'
        return response
    if fmt == "xlsx":
        return _xlsx_response(export, f"my-data-{stamp}.xlsx")
    raise Http404


def _xlsx_response(export: dict, filename: str) -> HttpResponse:
    from core.spreadsheets import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for index, section in enumerate(export["sections"]):
        sheet = workbook.create_sheet(title=f"{index + 1}-{section['title']}"[:31])
        rows = section["rows"]
        if not rows:
            sheet.append([_("（无记录）")])
            continue
        headers = list(rows[0].keys())
        sheet.append(headers)
        for row in rows:
            sheet.append([str(row.get(h, "")) for h in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def close_account(request):
    member = _own_member(request)
    error = None
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            error = _("请勾选确认后再提交")
        else:
            member_account_close(member=member, actor=request.user)
            logout(request)
            messages.success(request, _("您的账号已注销，个人信息已删除。积分记录已匿名保留，用于工会的统计。"))
            return redirect("core:home")
    return render(request, "core/privacy/close_account.html", {"member": member, "error": error})
