"""The finder understands the district's places (issue 18, item 4): 西单, the example its own
placeholder offers, found nothing before; now names, aliases, full pinyin and initials match a
small gazetteer of streets, communities and well-known places, and a miss says so with suggestions."""

import pytest
from django.test import Client
from django.urls import reverse

from modules.stations import places
from modules.stations.tests.factories import make_station


@pytest.fixture
def around_xidan(world):
    # 西单 is at about 39.9105, 116.3740
    near = make_station(world.district_staff, world.org_a1, name="西单驿站", lat=39.9110, lng=116.3745, hours=["全天"] * 7)
    mid = make_station(world.district_staff, world.org_b1, name="金融街驿站", lat=39.9160, lng=116.3600, hours=["全天"] * 7)
    far = make_station(world.district_staff, world.org_a1, name="德胜驿站", lat=39.9530, lng=116.3790, hours=["全天"] * 7)
    return near, mid, far


@pytest.mark.parametrize("typed", ["西单", "xidan", "xd", "XiDan", "西单商场"])
def test_gazetteer_finds_xidan_by_name_pinyin_and_initials(typed):
    assert places.search(typed)[0].name == "西单"


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("动物园", "北京动物园"),
        ("dwy", "北京动物园"),
        ("德胜街道", "德胜街道"),
        ("广外", "广安门外街道"),
        ("bh", "北海公园"),
        ("柳荫街", "柳荫街社区"),
    ],
)
def test_streets_communities_and_aliases(typed, name):
    assert places.search(typed)[0].name == name


def test_every_street_of_xicheng_is_in_the_gazetteer():
    streets = {p.name for p in places.places() if p.kind == "street"}
    for name in "西长安街 新街口 月坛 展览路 德胜 金融街 什刹海 大栅栏 天桥 椿树 陶然亭 广安门内 牛街 白纸坊 广安门外".split():
        assert f"{name}街道" in streets
    for p in places.places():  # inside Xicheng, roughly
        assert 39.86 < p.lat < 39.96 and 116.32 < p.lng < 116.41, p


@pytest.mark.parametrize("typed", ["西单", "xidan", "xd"])
def test_finder_page_lists_the_nearest_stations_to_the_place(world, around_xidan, typed):
    body = Client().get(reverse("stations:find"), {"q": typed}).content.decode()
    assert "没有找到" not in body and "距离从“西单”算起" in body
    assert body.index("西单驿站") < body.index("金融街驿站") < body.index("德胜驿站")


def test_nothing_matched_says_so_with_suggestions(world, around_xidan):
    body = Client().get(reverse("stations:find"), {"q": "qqzzxx"}).content.decode()
    assert "没有找到“qqzzxx”" in body and "可以试试：" in body and "?q=%E8%A5%BF%E5%8D%95" in body  # 西单
    near_miss = Client().get(reverse("stations:find"), {"q": "西单大悦城北门外"}).content.decode()
    assert "距离从“西单”算起" in near_miss  # a longer text that contains a known place
    unknown = Client().get(reverse("stations:find"), {"q": "月球背面"}).content.decode()
    assert "没有找到“月球背面”" in unknown and "月坛公园" in unknown  # shares 月
