"""Journey 5: district staff issue a batch of bags and print its labels (the PDF carries the union's
name and QR codes a phone can read), import a roster with one bad row and are told which row, and
read the sorting dashboard with another filter. Staff pages are used on a desktop."""

import re
import subprocess
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from e2e.conftest import login_staff

pytestmark = pytest.mark.e2e


def _demo_union(server) -> tuple[int, str]:
    out = server.manage(
        "shell",
        "--no-imports",
        "-c",
        "from core.models import Member; o = Member.objects.get(phone='13800000001').organisation; print(o.pk, o.name)",
    )
    pk, name = out.strip().splitlines()[-1].split(" ", 1)
    return int(pk), name


def _decode_label_grid(png: Path, tmp: Path, *, columns: int, rows: int) -> list[str]:
    """Read each label of an A4 sheet on its own (3×8 labels of 70×37 mm tile the page): zbar
    scanning a whole page of codes now and then skipped one that reads fine by itself."""
    from PIL import Image

    page = Image.open(png)
    width, height = page.size
    found = []
    for r in range(rows):
        for c in range(columns):
            cell = page.crop((c * width // columns, r * height // rows, (c + 1) * width // columns, (r + 1) * height // rows))
            path = tmp / f"cell-{r}-{c}.png"
            cell.save(path)
            found += subprocess.run(["zbarimg", "-q", "--raw", str(path)], capture_output=True, text=True).stdout.split()
    return found


def test_staff_issue_bags_and_print_labels_with_readable_qr_codes(desktop, server):
    _pk, union = _demo_union(server)
    page = desktop.page
    login_staff(desktop, "district")
    desktop.goto("/dashboard/")
    desktop.shot("dashboard")
    desktop.assert_clean()
    desktop.assert_accessible()

    desktop.goto("/bags/batches/new/")
    page.get_by_placeholder("输入名称、拼音首字母或信用代码").fill(union)
    page.get_by_role("radio", name=union).check()
    page.get_by_label("数量（个）").fill("12")
    page.get_by_label("备注").fill("e2e 标签测试")
    page.get_by_role("button", name="生成编码").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("main")).to_contain_text("已生成 12 个垃圾袋编码")
    page.get_by_role("button", name="生成标签 PDF").click()
    page.wait_for_load_state("networkidle")
    # A long export shows a progress bar and polls; here tasks run at once, so it is already done.
    row = page.locator("tr[id^=export-]").first
    expect(row).to_contain_text("已完成", timeout=30_000)
    desktop.shot("labels-ready")
    desktop.assert_clean()
    desktop.assert_accessible()
    with page.expect_download() as download_info:
        row.get_by_role("link", name="下载 PDF").click()
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "labels.pdf"
        download_info.value.save_as(pdf)
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert union in text.replace("\n", "").replace(" ", ""), "the labels print the union's name in Chinese"
        subprocess.run(["pdftoppm", "-r", "300", "-f", "1", "-l", "1", "-png", str(pdf), str(Path(tmp) / "page")], check=True)
        png = next(Path(tmp).glob("page*.png"))
        decoded = _decode_label_grid(png, Path(tmp), columns=3, rows=8)
    assert len(decoded) >= 12, f"QR codes read from the first page: {len(decoded)}"
    assert all(re.search(r"/b/[0-9A-Z*~$=]{16}$", url) for url in decoded), decoded[:3]


def test_staff_import_a_roster_with_one_bad_row_and_see_which_row(desktop, server):
    pk, _union = _demo_union(server)
    page = desktop.page
    login_staff(desktop, "district")
    desktop.goto("/orgs/")
    desktop.shot("org-tree")
    desktop.assert_clean()
    desktop.assert_accessible()
    desktop.goto(f"/orgs/{pk}/members/import/")
    with tempfile.TemporaryDirectory() as tmp:
        roster = Path(tmp) / "名册.csv"
        roster.write_text("姓名,手机号\n周一,13911110001\n吴二,12345\n郑三,13911110003\n", encoding="utf-8")
        page.get_by_label("名册文件（.xlsx 或 .csv）").set_input_files(str(roster))
        page.get_by_role("button", name="上传并导入").click()
        page.wait_for_load_state("networkidle")
    report = page.get_by_role("alert")
    expect(report).to_contain_text("手机号")
    rows = report.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td").first).to_have_text("3")
    desktop.shot("import-error")
    desktop.assert_clean()
    desktop.assert_accessible()


def test_staff_read_the_sorting_dashboard_and_change_a_filter(desktop):
    page = desktop.page
    login_staff(desktop, "district")
    desktop.goto("/sortstats/")
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-chart]").first).not_to_have_attribute("aria-busy", "true", timeout=15_000)
    desktop.shot("sortstats")
    desktop.assert_clean()
    desktop.assert_accessible()
    page.get_by_label("垃圾分类").select_option(label="厨余垃圾")
    page.get_by_role("button", name="查询").click()
    page.wait_for_load_state("networkidle")
    assert "category=" in page.url
    expect(page.get_by_label("垃圾分类")).to_have_value(re.compile(".+"))
    expect(page.locator("[data-chart]").first).not_to_have_attribute("aria-busy", "true", timeout=15_000)
    desktop.shot("sortstats-kitchen")
    desktop.assert_clean()


def test_staff_picks_the_union_of_a_batch_by_typing_on_a_phone(phone, server):
    """The union picker at 360×740: type pinyin initials, pick with the keyboard, create the batch."""
    from core.pinyin import initials

    _pk, union = _demo_union(server)
    watched = phone
    page = watched.page
    login_staff(watched, "district")
    watched.goto("/bags/batches/new/")
    assert page.locator("select[name=organisation]").count() == 0
    search = page.get_by_placeholder("输入名称、拼音首字母或信用代码")
    search.click()
    page.keyboard.type(initials(union), delay=40)
    option = page.get_by_role("radio", name=union)
    expect(option).to_be_visible(timeout=10_000)
    expect(page.locator("#union-options input[type=radio]")).not_to_have_count(0)
    assert page.locator("#union-options input[type=radio]").count() <= 20
    option.focus()
    page.keyboard.press("Space")
    expect(option).to_be_checked()
    watched.shot("union-picked")
    page.get_by_label("数量（个）").fill("10")
    page.get_by_role("button", name="生成编码").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("main")).to_contain_text("已生成 10 个垃圾袋编码")
    expect(page.locator("main")).to_contain_text(union)
    watched.assert_clean()
