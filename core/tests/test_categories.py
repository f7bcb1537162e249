"""The garbage categories and wrong-sort reasons are defined once, in core, and every programme reads them there."""

import re
from pathlib import Path

from core.categories import Category, WrongSortReason

ROOT = Path(__file__).resolve().parents[2]


def test_no_programme_defines_its_own_copy():
    copies = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "modules").rglob("*.py")
        if re.search(r"^class (Category|WrongSortReason)\(", path.read_text(encoding="utf-8"), re.MULTILINE)
    ]
    assert copies == []


def test_the_programmes_read_the_same_definitions():
    from modules.bags import models as bags
    from modules.knowledge import constants as knowledge

    assert bags.Category is knowledge.Category is Category
    assert bags.WrongSortReason is knowledge.WrongSortReason is WrongSortReason
    assert Category.values == ["kitchen", "recyclable", "hazardous", "other"]
