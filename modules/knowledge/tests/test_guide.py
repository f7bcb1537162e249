"""The item guide: what a worker types, what they get back."""

import csv

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from modules.knowledge.constants import Category, WrongSortReason
from modules.knowledge.models import GuideItem
from modules.knowledge.reasons import REASONS
from modules.knowledge.selectors import guide_search
from modules.knowledge.services import GUIDE_FILE, guide_load

pytestmark = pytest.mark.django_db


def names(query, **kw):
    return [h.entry.name for h in guide_search(query, **kw)]


def test_the_starter_guide_has_over_300_items_in_all_four_categories(guide):
    assert guide["created"] >= 300
    counts = {c: GuideItem.objects.filter(category=c).count() for c in Category.values}
    assert all(n >= 20 for n in counts.values()), counts
    assert all(item.tip for item in GuideItem.objects.all())


def test_loading_twice_changes_nothing_and_the_command_reports_it(guide, capsys):
    again = guide_load()
    assert again["created"] == 0 and again["updated"] == 0
    call_command("knowledge_load_guide", "--questions")
    out = capsys.readouterr().out
    assert "新增 0，更新 0" in out
    assert GuideItem.objects.count() == guide["created"]


def test_an_edited_data_file_updates_the_item(guide, tmp_path):
    rows = list(csv.DictReader(GUIDE_FILE.open(encoding="utf-8")))
    for row in rows:
        if row["name"] == "纸巾":
            row["tip"] = "新的投放要点"
    path = tmp_path / "guide.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["name", "aliases", "category", "tip"])
        writer.writeheader()
        writer.writerows(rows)
    assert guide_load(path=path)["updated"] == 1
    assert GuideItem.objects.get(name="纸巾").tip == "新的投放要点"


@pytest.mark.parametrize(
    "item, category",
    [
        ("大骨头", "other"),
        ("奶茶杯", "other"),
        ("奶茶珍珠", "kitchen"),
        ("普通干电池", "other"),
        ("充电电池", "hazardous"),
        ("纽扣电池", "hazardous"),
        ("过期药品", "hazardous"),
        ("鸡骨头", "kitchen"),
        ("利乐包", "recyclable"),
        ("荧光灯管", "hazardous"),
        ("纸巾", "other"),
        ("玉米核", "other"),
        ("榴莲壳", "other"),
        ("贝壳", "other"),
        ("旧衣服", "recyclable"),
        ("易拉罐", "recyclable"),
        ("药品包装盒", "recyclable"),
        ("中药渣", "kitchen"),
        ("塑料袋", "other"),
        ("陶瓷", "other"),
        ("温度计", "hazardous"),
        ("茶叶渣", "kitchen"),
        ("快递纸箱", "recyclable"),
        ("X光片", "hazardous"),
    ],
)
def test_each_item_sits_in_beijings_category(guide, item, category):
    assert GuideItem.objects.get(name=item).category == category


def test_search_by_name_and_alias(guide):
    assert names("奶茶杯")[0] == "奶茶杯"
    assert names("过期药品")[0] == "过期药品"
    assert names("牛奶盒")[0] == "利乐包"  # an alias
    assert names("电池")[0] == "普通干电池"  # "电池" is its alias; the rechargeable ones follow
    assert {"充电电池", "纽扣电池"} <= set(names("电池"))


def test_search_by_pinyin_and_initials(guide):
    assert "普通干电池" in names("dc")[:3]
    assert names("dianchi")[0] == "普通干电池"
    assert names("gqyp")[0] == "过期药品"
    assert names("DaGuTou")[0] == "大骨头"


def test_search_tolerates_near_spellings(guide):
    assert names("电尺")[0] == "普通干电池"  # an input-method homophone
    assert names("dianc")[0] == "普通干电池"  # an unfinished word
    assert "普通干电池" in names("diachi")  # a missing letter
    assert names("易拉管")[0] == "易拉罐"
    assert {"塑料瓶", "玻璃瓶"} <= set(names("瓶子"))


def test_search_filters_by_category_and_ignores_noise(guide):
    assert all(GuideItem.objects.get(name=n).category == "hazardous" for n in names("电池", category="hazardous"))
    assert names("") == [] and names("!!!") == [] and names("zzqqxx") == []


def test_an_item_edited_by_staff_is_found_under_its_new_alias(guide):
    item = GuideItem.objects.get(name="普通干电池")
    item.aliases += "、遥控器电池"
    item.save()
    assert item.pinyin.endswith("|yaokongqidianchi")
    assert names("ykqdc")[0] == "普通干电池"


def test_guide_page_works_without_js_and_with_htmx(guide, django_assert_max_num_queries):
    client = Client()
    with django_assert_max_num_queries(6):
        page = client.get(reverse("knowledge:guide"), {"q": "dc"})
    assert page.status_code == 200 and "普通干电池" in page.content.decode() and "<html" in page.content.decode()
    partial = client.get(reverse("knowledge:guide"), {"q": "奶茶杯"}, HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert "<html" not in body and "奶茶杯" in body and "其他垃圾" in body
    empty = client.get(reverse("knowledge:guide"), {"q": "飞船零件"})
    assert "没有找到" in empty.content.decode()
    start = client.get(reverse("knowledge:guide"))
    assert "厨余垃圾" in start.content.decode() and "有害垃圾" in start.content.decode()
    bad_category = client.get(reverse("knowledge:guide"), {"q": "电池", "category": "<x>"})
    assert bad_category.status_code == 200


def test_guide_item_page(guide):
    item = GuideItem.objects.get(name="奶茶杯")
    page = Client().get(reverse("knowledge:guide_item", args=[item.pk]))
    assert page.status_code == 200 and "珍珠" in page.content.decode()
    assert Client().get(reverse("knowledge:guide_item", args=[999999])).status_code == 404


def test_api_search_and_its_errors(guide):
    client = Client()
    found = client.get("/api/v1/knowledge/guide/search", {"q": "dianchi"}).json()
    assert found[0]["name"] == "普通干电池" and found[0]["category"] == "other" and found[0]["tip"]
    missing = client.get("/api/v1/knowledge/guide/search", {"q": ""})
    assert missing.status_code == 422 and missing.json()["field"] == "q"
    bad = client.get("/api/v1/knowledge/guide/search", {"q": "电池", "category": "nuclear"})
    assert bad.status_code == 422 and bad.json()["field"] == "category"
    too_many = client.get("/api/v1/knowledge/guide/search", {"q": "电池", "limit": 500})
    assert too_many.status_code == 422 and too_many.json()["field"] == "limit"


def test_every_reason_page_explains_and_links_the_guide(guide):
    client = Client()
    for code in WrongSortReason.values:
        page = client.get(reverse("knowledge:reason", args=[code]))
        assert page.status_code == 200, code
    battery = client.get(reverse("knowledge:reason", args=["battery"])).content.decode()
    assert "普通干电池" in battery and "纽扣电池" in battery and "有害垃圾" in battery
    assert client.get(reverse("knowledge:reason", args=["nonsense"])).status_code == 404
    api = client.get("/api/v1/knowledge/reasons/medicine").json()
    assert api["items"][0]["name"] == "过期药品" and api["items"][0]["category"] == "hazardous"
    assert client.get("/api/v1/knowledge/reasons/nonsense").json()["code"] == "reason_not_found"


def test_every_item_a_reason_lists_exists_in_the_guide(guide):
    known = set(GuideItem.objects.values_list("name", flat=True))
    assert set(REASONS) == set(WrongSortReason.values)
    for code, spec in REASONS.items():
        assert set(spec["items"]) <= known, code
