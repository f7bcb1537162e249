# ruff: noqa: F811  (the shared "bags" fixture is imported, then requested by name)
"""Issue 18 item 6: 我的数据 shows people's words, never stored codes, and its wide tables become
cards on a phone (every cell carries its column's label)."""

import re
import uuid

from django.urls import reverse

from modules.bags import services
from modules.bags.tests.field_fixtures import bags  # noqa: F401

CODE_LIKE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")


def _visible_text(html: str) -> str:
    body = html.split("<main", 1)[1].split("</main>", 1)[0]
    return re.sub(r"<[^>]+>", " ", body)


def test_wrong_sort_reasons_and_categories_are_shown_by_name(world, bags):
    code = bags.code(bags.batch_a1, 5)
    services.bag_bind(actor=world.worker_a1.user, code=code)
    result = services.collection_record(
        actor=world.collector_a,
        item=services.ScanIn(
            client_id=str(uuid.uuid4()),
            code=code,
            point_id=bags.point_a.pk,
            category="kitchen",
            grade="wrong",
            reasons=["mixed_other", "mixed_kitchen"],
        ),
    )
    assert result.ok, result.message
    html = world.client_for(world.worker_a1).get(reverse("core:my_data")).content.decode()
    text = _visible_text(html)
    assert "混入其他垃圾" in text and "混入厨余垃圾" in text
    assert not CODE_LIKE.findall(text), CODE_LIKE.findall(text)
    assert 'class="table stack"' in html and 'data-label="不合格原因"' in html
