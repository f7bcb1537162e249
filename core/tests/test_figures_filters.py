from django.utils import translation

from core.templatetags.uh import is_text, wan


def test_large_counts_read_in_wan_and_yi_in_chinese():
    with translation.override("zh-hans"):
        assert wan(3576) == "3,576"
        assert wan(12345) == "1.2万"
        assert wan(50000) == "5万"
        assert wan(248_0000) == "248万"
        assert wan(1_2000_0000) == "1.2亿"
        assert wan("北京某公司工会") == "北京某公司工会"


def test_english_keeps_thousands_separators():
    with translation.override("en"):
        assert wan(12345) == "12,345"


def test_words_are_told_from_figures():
    assert is_text("北京某公司工会") and not is_text("3,576") and not is_text("98.5%") and not is_text(12)
