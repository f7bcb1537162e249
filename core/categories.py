"""The garbage categories and wrong-sort reasons every programme speaks of, defined once.

The four categories follow 《北京市生活垃圾管理条例》; the wrong-sort reasons are the codes an
inspector grades a bag with (the bag platform stores them, the knowledge base explains them,
the statistics count them). They live in ``core`` because several programmes share them and a
module never imports another module: each reads them from here.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    KITCHEN = "kitchen", _("厨余垃圾")
    RECYCLABLE = "recyclable", _("可回收物")
    HAZARDOUS = "hazardous", _("有害垃圾")
    OTHER = "other", _("其他垃圾")


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
