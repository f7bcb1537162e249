"""Importing and exporting a roster: all rows or none, with a row-by-row report in Chinese."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from core.errors import Invalid
from core.models import AuditLog, Member, Organisation, PersonalDataAccess
from core.roster import roster_import

HEADER = ["姓名", "手机号", "工号", "性别", "出生年份", "群体标签", "入会日期"]


def xlsx(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows, header=HEADER, encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def upload(client, org, name, data):
    """Upload on the import page and follow to the background job's page (tests run tasks at once)."""
    return client.post(reverse("core:roster_import", args=[org.pk]), {"file": _named(name, data)}, follow=True)


def _named(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_admin_imports_an_excel_roster(world):
    data = xlsx(
        [
            ["刘一", 13912340001, "E1", "男", 1988, "快递员、户外劳动者", "2024-01-05"],
            ["陈二", "139 1234 0002", "E2", "女", "", "", "2024/2/3"],
            ["", None, None, None, None, None, None],  # a blank line at the end is not an error
        ]
    )
    response = upload(world.client_for(world.admin_a1), world.org_a1, "名册.xlsx", data)
    assert response.status_code == 200 and response.redirect_chain[-1][0].startswith("/jobs/")
    assert "导入成功：新增 2 名会员" in response.content.decode()
    job = response.context["job"]
    assert (job.status, job.result["created"], job.done, job.total) == ("done", 2, 4, 4) and not job.input_file
    liu = Member.objects.get(name="刘一")
    assert liu.phone == "13912340001" and liu.tags == ["courier", "outdoor"] and liu.gender == "M" and str(liu.joined_on) == "2024-01-05"
    assert Member.objects.get(name="陈二").phone == "13912340002"
    assert Organisation.objects.get(pk=world.org_a1.pk).member_count == 4
    assert AuditLog.objects.filter(action="member.import", actor=world.admin_a1).exists()


def test_csv_in_gbk_from_excel_imports_too(world):
    data = csv_bytes([["王五", "13912340003", "", "", "", "", ""]], encoding="gb18030")
    result = roster_import(actor=world.admin_a1, organisation=world.org_a1, filename="roster.csv", data=data)
    assert result["created"] == 1 and Member.objects.filter(name="王五").exists()


def test_a_bad_file_imports_nothing_and_lists_every_error(world):
    before = set(Member.objects.values_list("pk", flat=True))
    data = xlsx(
        [
            ["好人", "13912340010", "X1", "男", 1990, "", "2024-01-01"],
            ["", "13912340011", "", "", "", "", ""],  # row 3: no name
            ["坏号", "1391234", "", "", "", "", ""],  # row 4: bad phone
            ["重复", "13912340010", "X1", "", "", "", ""],  # row 5: duplicate phone + number in file
            ["已有", "13800000001", "", "", "", "", ""],  # row 6: phone already on a roster
            ["怪人", "13912340012", "", "不详", 1800, "外星人", "2024-13-40"],  # row 7: four bad fields
        ]
    )
    response = upload(world.client_for(world.admin_a1), world.org_a1, "bad.xlsx", data)
    assert response.status_code == 200
    report = response.context["job"].result
    assert response.context["job"].status == "failed"
    got = {(e["row"], e["field"]) for e in report["rows"]}
    assert got == {
        (3, "name"),
        (4, "phone"),
        (5, "phone"),
        (5, "employee_no"),
        (6, "phone"),
        (7, "gender"),
        (7, "birth_year"),
        (7, "tags"),
        (7, "joined_on"),
    }
    reasons = {(e["row"], e["field"]): e["reason"] for e in report["rows"]}
    assert "与第 2 行重复" in reasons[(5, "phone")]
    assert "已在会员名册中" in reasons[(6, "phone")]
    page = response.content.decode()
    assert "未导入任何数据" in page and "手机号" in page
    assert set(Member.objects.values_list("pk", flat=True)) == before
    assert Organisation.objects.get(pk=world.org_a1.pk).member_count == 2
    assert not AuditLog.objects.filter(action="member.import").exists()


def test_employee_number_taken_in_the_union_is_reported(world):
    world.worker_a1.employee_no = "E77"
    world.worker_a1.save()
    with pytest.raises(Invalid) as error:
        roster_import(
            actor=world.admin_a1,
            organisation=world.org_a1,
            filename="r.csv",
            data=csv_bytes([["甲", "13912340020", "E77", "", "", "", ""]]),
        )
    assert error.value.code == "import_invalid"
    assert error.value.extra["rows"] == [{"row": 2, "field": "employee_no", "column": "工号", "reason": "工号 E77 在本工会已存在"}]


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("r.csv", csv_bytes([], header=["姓名", "工号"]), "缺少必需的列：手机号"),
        ("r.xlsx", b"not a zip at all", "无法读取"),
        ("r.pdf", b"%PDF-1.4", "仅支持"),
        ("r.csv", b"", "空文件"),
        ("r.csv", csv_bytes([]), "没有会员数据"),
    ],
)
def test_unusable_files_are_explained(world, name, data, reason):
    response = upload(world.client_for(world.admin_a1), world.org_a1, name, data)
    assert response.status_code == 200
    text = response.content.decode()
    assert reason in text, text[-2000:]


def test_export_round_trips_through_import(world):
    client = world.client_for(world.admin_a1)
    page = client.get(reverse("core:roster_export", args=[world.org_a1.pk, "xlsx"]), follow=True)  # a background job
    assert page.context["job"].status == "done" and "会员名册已导出：2 人" in page.content.decode()
    exported = client.get(reverse("core:job_download", args=[page.context["job"].pk]))
    assert exported.status_code == 200 and exported["Content-Disposition"].endswith('.xlsx"')
    xlsx_bytes = b"".join(exported.streaming_content)
    sheet = load_workbook(io.BytesIO(xlsx_bytes)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("姓名", "手机号") and {r[1] for r in rows[1:]} == {"13800000001", "13800000002"}
    assert PersonalDataAccess.objects.filter(field="roster_export", viewer=world.admin_a1).exists()
    # The same file into another union is refused as a whole: the phones are already on a roster.
    with pytest.raises(Invalid):
        roster_import(
            actor=world.district_staff,
            organisation=world.org_a2,
            filename="x.xlsx",
            data=xlsx_bytes,
        )
    text = b"".join(client.get(reverse("core:roster_export", args=[world.org_a1.pk, "csv"])).streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("姓名,手机号") and "13800000002" in text
    assert client.get(reverse("core:roster_export", args=[world.org_a1.pk, "pdf"])).status_code == 404
    assert world.client_for(world.admin_b1).get(reverse("core:roster_export", args=[world.org_a1.pk, "csv"])).status_code == 404


@pytest.mark.slow  # a scale test: make test-pg runs it; the import's rules are tested on SQLite with small rosters
def test_fifty_thousand_rows_import_in_one_go(world):
    # Speed (50,000 rows well under a minute) is measured by bench/, not asserted here.
    rows = [
        [f"职工{i}", f"135{i:08d}", f"N{i}", "男" if i % 2 else "女", 1970 + i % 30, "快递员" if i % 7 == 0 else "", "2023-03-01"]
        for i in range(50_000)
    ]
    data = csv_bytes(rows)
    result = roster_import(actor=world.admin_a1, organisation=world.org_a1, filename="big.csv", data=data)
    assert result["created"] == 50_000
    assert Organisation.objects.get(pk=world.org_a1.pk).member_count == 50_002
