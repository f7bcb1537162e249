# ruff: noqa: F811  (the shared "bags" fixture is imported, then requested by name)
"""District staff issue batches of coded bags and print their labels."""

import io
import re
import shutil
import subprocess

import pytest
from django.core.management import call_command

from core.models import AuditLog
from modules.bags import codes, labels, services
from modules.bags.models import Bag, BagBatch, LabelExport
from modules.bags.tests.field_fixtures import bags  # noqa: F401


def test_district_staff_issue_a_batch_with_contiguous_signed_codes(world):
    batch = services.batch_create(actor=world.district_staff, organisation=world.org_a1, size=25, note="第一批")
    assert batch.status == BagBatch.Status.READY
    assert batch.last_bag_id - batch.first_bag_id + 1 == 25
    assert Bag.objects.filter(batch=batch, organisation=world.org_a1).count() == 25
    second = services.batch_create(actor=world.street_a_staff, organisation=world.org_a2, size=10)
    assert second.first_bag_id == batch.last_bag_id + 1
    assert codes.parse(codes.encode(second.first_bag_id)).bag_id == second.first_bag_id
    assert AuditLog.objects.filter(action="bags.batch_create").count() == 2


@pytest.mark.parametrize("size", [0, 9, 200_001])
def test_sizes_outside_10_to_200000_are_refused(world, size):
    with pytest.raises(services.Invalid) as error:
        services.batch_create(actor=world.district_staff, organisation=world.org_a1, size=size)
    assert error.value.field == "size"


def test_only_district_and_street_staff_in_scope_issue(world):
    for user, org in [(world.street_a_staff, world.org_b1), (world.admin_a1, world.org_a1), (world.collector_a, world.org_a1)]:
        with pytest.raises(services.Forbidden):
            services.batch_create(actor=user, organisation=org, size=10)
    with pytest.raises(services.Invalid):
        services.batch_create(actor=world.district_staff, organisation=world.street_a, size=10)


def test_command_creates_a_batch(world):
    out = io.StringIO()
    call_command(
        "bags_create_batch", "--org", str(world.org_a1.pk), "--size", "300", "--user", "district", stdout=out, stderr=io.StringIO()
    )
    assert "300" in out.getvalue()
    assert Bag.objects.count() == 300


def test_one_hundred_thousand_bags_are_one_contiguous_batch(world):
    # Speed (100,000 codes < 5 s) is measured by bench/, not asserted here.
    batch = services.batch_create(actor=world.district_staff, organisation=world.org_a1, size=100_000)
    ids = Bag.objects.filter(batch=batch).order_by("id").values_list("id", flat=True)
    assert ids.count() == 100_000
    batch.refresh_from_db()
    assert (batch.first_bag_id, batch.last_bag_id) == (ids.first(), ids.last())
    assert batch.last_bag_id - batch.first_bag_id + 1 == 100_000


def test_batch_api_create_list_detail_and_scope(world):
    client = world.client_for(world.street_a_staff)
    response = client.post("/api/v1/bags/batches", {"organisation_id": world.org_a1.pk, "size": 12}, content_type="application/json")
    assert response.status_code == 201, response.json()
    batch_id = response.json()["id"]
    assert codes.parse(response.json()["first_code"]).ok
    listed = client.get("/api/v1/bags/batches").json()
    assert [b["id"] for b in listed["items"]] == [batch_id]
    assert world.client_for(world.street_b_staff).get(f"/api/v1/bags/batches/{batch_id}").status_code == 404
    assert world.client_for(world.street_b_staff).get("/api/v1/bags/batches").json()["count"] == 0
    detail = world.client_for(world.admin_a1).get(f"/api/v1/bags/batches/{batch_id}").json()
    assert detail["bound"] == 0 and detail["size"] == 12
    bad = client.post("/api/v1/bags/batches", {"organisation_id": world.org_b1.pk, "size": 12}, content_type="application/json")
    assert bad.status_code == 404
    bad = client.post("/api/v1/bags/batches", {"organisation_id": world.org_a1.pk, "size": 5}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["field"] == "size"


def test_codes_csv_lists_every_code(world, bags):
    response = world.client_for(world.admin_a1).get(f"/bags/batches/{bags.batch_a1.pk}/codes.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("序号,编码")
    assert len(lines) == 41
    assert all(codes.parse(line.split(",")[1]).ok for line in lines[1:])
    assert world.client_for(world.admin_b1).get(f"/bags/batches/{bags.batch_a1.pk}/codes.csv").status_code == 404


def _pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "labels.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout.decode()


@pytest.mark.parametrize("layout", ["a4_3x8", "a4_4x10"])
def test_label_pdf_has_the_union_name_codes_and_a_readable_qr(world, bags, tmp_path, layout):
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext (poppler-utils) is required")
    data = labels.render_pdf_bytes(bags.batch_a1, layout, "https://unionhub.example.cn")
    text = _pdf_text(data, tmp_path)
    assert "北京某科技有限公司" in text
    first = codes.group(codes.encode(bags.batch_a1.first_bag_id))
    assert first[:9] in text and first[10:] in text
    pages = subprocess.run(["pdfinfo", str(tmp_path / "labels.pdf")], capture_output=True).stdout.decode()
    per_page = labels.LAYOUTS[layout].per_page
    assert re.search(rf"Pages:\s+{-(-40 // per_page)}\n", pages)
    if not shutil.which("zbarimg") or not shutil.which("pdftoppm"):
        pytest.skip("zbarimg/pdftoppm not installed: QR decode not checked")
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", str(tmp_path / "labels.pdf"), str(tmp_path / "p")], check=True)
    # A phone reads one label at a time: cut the page into its labels and decode each.
    from PIL import Image

    page = Image.open(next(tmp_path.glob("p*.png")))
    spec = labels.LAYOUTS[layout]
    w, h = page.width / spec.cols, page.height / spec.rows
    crops = []
    for slot in range(min(per_page, 40)):
        col, row = slot % spec.cols, slot // spec.cols
        path = tmp_path / f"label{slot}.png"
        page.crop((int(col * w), int(row * h), int((col + 1) * w), int((row + 1) * h))).save(path)
        crops.append(str(path))
    decoded = subprocess.run(["zbarimg", "-q", "--raw", *crops], capture_output=True).stdout.decode().split()
    expected = [
        f"https://unionhub.example.cn/b/{code}" for _id, code in codes.encode_many(bags.batch_a1.first_bag_id, bags.batch_a1.last_bag_id)
    ]
    assert decoded == expected[: len(crops)]


def test_labels_are_made_in_the_background_with_progress(world, bags, django_capture_on_commit_callbacks):
    client = world.client_for(world.admin_a1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/bags/batches/{bags.batch_a1.pk}/labels/", {"layout": "a4_4x10"})
    assert response.status_code == 302
    export = LabelExport.objects.get(batch=bags.batch_a1)
    assert export.status == LabelExport.Status.READY and export.done == 40  # ImmediateBackend ran it
    fragment = client.get(f"/bags/batches/{bags.batch_a1.pk}/labels/{export.pk}/progress/").content.decode()
    assert "下载 PDF" in fragment and "hx-trigger" not in fragment
    pdf = client.get(f"/bags/batches/{bags.batch_a1.pk}/labels/{export.pk}/download/")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    api = client.get(f"/api/v1/bags/batches/{bags.batch_a1.pk}").json()
    assert api["exports"][0]["percent"] == 100 and api["exports"][0]["download_url"]


def test_a_running_export_polls(world, bags):
    export = LabelExport.objects.create(batch=bags.batch_a1, layout="a4_3x8", total=40, done=20, status=LabelExport.Status.RUNNING)
    fragment = world.client_for(world.admin_a1).get(f"/bags/batches/{bags.batch_a1.pk}/labels/{export.pk}/progress/").content.decode()
    assert 'hx-trigger="every 2s"' in fragment and "50%" in fragment


def test_batch_pages(world, bags, django_assert_max_num_queries):
    client = world.client_for(world.district_staff)
    with django_assert_max_num_queries(12):
        page = client.get("/bags/batches/")
    assert page.status_code == 200 and "北京某科技有限公司工会" in page.content.decode()
    detail = client.get(f"/bags/batches/{bags.batch_a1.pk}/").content.decode()
    assert codes.group(codes.encode(bags.batch_a1.first_bag_id)) in detail
    form = client.post("/bags/batches/new/", {"organisation": world.org_a2.pk, "size": 3})
    assert "10" in form.content.decode() and form.status_code == 200
    created = client.post("/bags/batches/new/", {"organisation": world.org_a2.pk, "size": 15})
    assert created.status_code == 302
    assert world.client_for(world.worker_a1).get("/bags/batches/").status_code == 403
    assert world.client_for(world.admin_b1).get(f"/bags/batches/{bags.batch_a1.pk}/").status_code == 404


def test_dashboard_card_counts_bags(world, bags):
    page = world.client_for(world.district_staff).get("/dashboard/").content.decode()
    assert "60 / 0" in page


def test_the_qr_stamp_draws_exactly_what_segno_draws():
    import segno

    urls = [labels.qr_url("https://unionhub.example.cn", code) for _id, code in codes.encode_many(1, 60)]
    urls += [labels.qr_url("https://unionhub.example.cn", codes.encode(n)) for n in (33_554_431, 10**9, codes.MAX_SERIAL)]
    stamp = labels.QrStamp(urls[0])
    assert stamp.ok
    for url in urls:
        assert stamp.matrix(url) == [bytearray(r) for r in segno.make(url, error="m", micro=False, mask=0, boost_error=False).matrix]
    longer = "https://another.example.cn/b/" + codes.encode(5)
    assert stamp.matrix(longer) == [bytearray(r) for r in segno.make(longer, error="m", micro=False, mask=0, boost_error=False).matrix]


def test_a_large_batch_renders_one_label_per_bag(world):
    # Speed (10,000 labels < 15 s) is measured by bench/, not asserted here.
    batch = services.batch_create(actor=world.district_staff, organisation=world.org_a1, size=2_000)
    count = labels.render_pdf(batch, "a4_4x10", "https://unionhub.example.cn", io.BytesIO())
    assert count == 2_000
