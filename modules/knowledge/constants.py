"""Codes this programme shares with the bag platform, mirrored (a module never imports another's models).

The four categories follow 《北京市生活垃圾管理条例》; the wrong-sort reasons are the codes an
inspector grades a bag with, so a worker's "不合格" links straight to the guide.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    KITCHEN = "kitchen", _("厨余垃圾")
    RECYCLABLE = "recyclable", _("可回收物")
    HAZARDOUS = "hazardous", _("有害垃圾")
    OTHER = "other", _("其他垃圾")


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


class WrongSortReason(models.TextChoices):
    MIXED_KITCHEN = "mixed_kitchen", _("混入厨余垃圾")
    MIXED_RECYCLABLE = "mixed_recyclable", _("混入可回收物")
    MIXED_HAZARDOUS = "mixed_hazardous", _("混入有害垃圾")
    MIXED_OTHER = "mixed_other", _("混入其他垃圾")
    NOT_DRAINED = "not_drained", _("厨余未沥干")
    WITH_PACKAGING = "with_packaging", _("厨余带包装")
    NOT_CLEAN = "not_clean", _("可回收物未清洁")
    BATTERY = "battery", _("电池混投")
    MEDICINE = "medicine", _("过期药品混投")
    OTHER = "other", _("其他原因")


LEDGER_REASON = "knowledge.quiz"
