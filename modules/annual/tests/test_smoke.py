from django.utils import timezone


def test_review_page_renders_for_district_staff_with_every_chapter(world):
    year = timezone.localdate().year - 6
    response = world.client_for(world.district_staff).get(f"/annual/?year={year}")
    assert response.status_code == 200
    text = response.content.decode()
    for heading in ("强学习", "抗疫情", "养习惯", "重维权", "促建家", "树榜样", "抓创新", "微心愿"):
        assert heading in text
    assert "本年度无数据" in text


def test_the_registry_accepts_only_the_article_chapters():
    import pytest

    from core.registry import Registry
    from core.review import CHAPTER_KEYS

    fresh = Registry()
    fresh.add_review_section("x.y.z", order=5, chapter="rights")
    fresh.add_review_section("x.y.old", order=1)  # the older dict contract: not part of the chaptered review
    assert fresh.review_chapter_sections() == [(5, "x.y.z", "rights")]
    with pytest.raises(ValueError):
        fresh.add_review_section("x.y.bad", chapter="nope")
    assert CHAPTER_KEYS == ["learning", "epidemic", "habits", "rights", "home", "models", "innovation", "wishes"]


def test_every_programme_with_figures_contributes_a_section():
    from core.registry import registry

    registry.autodiscover()
    chapters = {chapter for _order, _dotted, chapter in registry.review_chapter_sections()}
    assert chapters == {"learning", "epidemic", "habits", "rights", "home", "models", "innovation", "wishes"}
