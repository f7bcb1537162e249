"""How this programme presents the shared garbage categories (defined once in ``core.categories``;
the wrong-sort reasons there are the codes an inspector grades a bag with, so a worker's "不合格"
links straight to the guide)."""

from django.utils.translation import gettext_lazy as _

from core.categories import Category, WrongSortReason  # noqa: F401  (re-exported for this app)

# Where each category goes and the one rule a worker should remember about it.
CATEGORY_RULES = {
    Category.KITCHEN: _("投入绿色厨余垃圾桶。去除塑料袋、餐盒等包装，沥干水分后投放。"),
    Category.RECYCLABLE: _("投入蓝色可回收物桶。保持清洁干燥，压扁、叠放，避免污染。"),
    Category.HAZARDOUS: _("投入红色有害垃圾桶。轻放，防止破损、泄漏，易破损的连带包装投放。"),
    Category.OTHER: _("投入灰色其他垃圾桶。难以辨别类别的生活垃圾投入其他垃圾桶。"),
}

CATEGORY_COLOURS = {
    Category.KITCHEN: "green",
    Category.RECYCLABLE: "blue",
    Category.HAZARDOUS: "red",
    Category.OTHER: "grey",
}


LEDGER_REASON = "knowledge.quiz"
