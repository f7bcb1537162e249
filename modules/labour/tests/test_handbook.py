"""The legal handbook: the real articles of the three labour laws, searched in Chinese."""

from __future__ import annotations

import subprocess

import pytest

from modules.labour import search, services
from modules.labour.models import Law, LawArticle


@pytest.fixture
def handbook(db):
    services.handbook_load()


def found(query: str) -> list[str]:
    rows, _query = search.search(query)
    return [f"{a.law.short}{a.label}" for a in rows]


def test_the_real_laws_are_loaded_with_their_article_numbers(handbook):
    counts = {law.short: law.articles.count() for law in Law.objects.all()}
    assert counts["劳动法"] == 107 and counts["劳动合同法"] == 98 and counts["劳动争议调解仲裁法"] == 54
    article = LawArticle.objects.get(law__short="劳动争议调解仲裁法", number=14)
    assert article.label == "第十四条" and "十五日内未达成调解协议" in article.text


def test_everyday_words_find_the_right_articles(handbook):
    overtime = found("加班费")
    assert "劳动合同法第三十一条" in overtime and "劳动法第四十四条" in overtime  # 44 says 延长工作时间
    severance = found("经济补偿")
    assert {"劳动合同法第四十六条", "劳动合同法第四十七条"} <= set(severance)
    probation = found("试用期")
    assert {"劳动合同法第十九条", "劳动合同法第二十条", "劳动合同法第二十一条"} <= set(probation)
    first = search.search("试用期")[0][0]
    assert "试用期" in first.text  # articles with the literal word come first


def test_a_whole_question_falls_back_to_any_word(handbook):
    rows = found("公司不给我交社保怎么办")
    assert "劳动法第七十二条" in rows


def test_nonsense_and_empty_queries_answer_nothing(handbook):
    assert found("") == [] and found("！！") == [] and found("zzqqxx") == []
    assert found("'); drop table x; --") == []


def test_the_search_page_and_the_printable_edition(handbook, client):
    page = client.get("/labour/handbook/", {"q": "试用期"}).content.decode()
    assert "第十九条" in page and "<mark>试用期</mark>" in page
    pdf = client.get("/labour/handbook/print.pdf").content
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "中华人民共和国劳动争议调解仲裁法" in text and "第十四条" in text
    api = client.get("/api/v1/labour/handbook/search", {"q": "经济补偿", "limit": 5}).json()
    assert len(api) == 5 and all("经济" in row["text"] or "补偿" in row["text"] for row in api)
