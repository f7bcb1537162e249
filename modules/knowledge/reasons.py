"""Why a bag was graded "不合格", and which guide entries teach the fix.

Maintained here beside the guide data: each wrong-sort reason an inspector can record maps to
an explanation, the categories it concerns and a few guide items (by name) a worker should
look at. A test checks every listed name exists in the shipped guide.
"""

from django.utils.translation import gettext_lazy as _

from modules.knowledge.constants import Category, WrongSortReason

REASONS = {
    WrongSortReason.MIXED_KITCHEN: {
        "explanation": _("厨余垃圾混进了其他类别的袋子。剩菜剩饭、瓜果皮核、茶叶渣等易腐垃圾要单独装袋，破袋投入绿色厨余垃圾桶。"),
        "categories": [Category.KITCHEN],
        "items": ["剩饭", "剩菜", "西瓜皮", "鸡蛋壳", "茶叶渣", "鸡骨头", "奶茶珍珠"],
    },
    WrongSortReason.MIXED_RECYCLABLE: {
        "explanation": _(
            "可回收物被混进了其他垃圾或厨余垃圾里，既浪费资源又会被污染。纸张、塑料瓶、玻璃、金属、旧衣物请单独投入蓝色可回收物桶。"
        ),
        "categories": [Category.RECYCLABLE],
        "items": ["塑料瓶", "易拉罐", "纸箱", "报纸", "玻璃瓶", "利乐包", "旧衣服"],
    },
    WrongSortReason.MIXED_HAZARDOUS: {
        "explanation": _("有害垃圾混在生活垃圾里会污染土壤和水。灯管、充电电池、过期药品、油漆、杀虫剂等请投入红色有害垃圾桶。"),
        "categories": [Category.HAZARDOUS],
        "items": ["荧光灯管", "充电电池", "过期药品", "温度计", "油漆", "杀虫剂"],
    },
    WrongSortReason.MIXED_OTHER: {
        "explanation": _("其他垃圾混进了厨余垃圾里，最常见的是大骨头、纸巾、塑料袋、餐盒和玉米核。它们无法堆肥，请投入灰色其他垃圾桶。"),
        "categories": [Category.OTHER],
        "items": ["大骨头", "纸巾", "塑料袋", "一次性餐盒", "玉米核", "贝壳", "奶茶杯"],
    },
    WrongSortReason.NOT_DRAINED: {
        "explanation": _("厨余垃圾没有沥干，汤汁会渗漏、发臭，也增加运输和处理的负担。先把汤水倒入水池下水道，再投放残渣。"),
        "categories": [Category.KITCHEN],
        "items": ["剩菜", "汤渣", "粥", "面条", "茶叶渣"],
    },
    WrongSortReason.WITH_PACKAGING: {
        "explanation": _("厨余垃圾连同包装一起投放了。塑料袋、保鲜膜、餐盒、食品包装袋都不能进厨余垃圾桶，请破袋投放，包装另投其他垃圾。"),
        "categories": [Category.KITCHEN, Category.OTHER],
        "items": ["塑料袋", "过期食品", "保鲜膜", "一次性餐盒", "食品包装袋"],
    },
    WrongSortReason.NOT_CLEAN: {
        "explanation": _("可回收物不干净：沾满油污或残留饮料的纸张、瓶罐无法再生。饮料瓶倒空、利乐包冲洗、纸箱保持干燥后再投放。"),
        "categories": [Category.RECYCLABLE],
        "items": ["塑料瓶", "利乐包", "食用油桶", "污染纸张", "玻璃罐"],
    },
    WrongSortReason.BATTERY: {
        "explanation": _("电池投错了。北京市普通无汞干电池属于其他垃圾；充电电池、纽扣电池、蓄电池和充电宝属于有害垃圾，要投入红色桶。"),
        "categories": [Category.HAZARDOUS, Category.OTHER],
        "items": ["普通干电池", "充电电池", "纽扣电池", "蓄电池", "充电宝"],
    },
    WrongSortReason.MEDICINE: {
        "explanation": _(
            "过期药品属于有害垃圾，不能混在生活垃圾里。药片、胶囊连同铝塑板投入有害垃圾桶；外包装纸盒属于可回收物；熬过的中药药渣属于厨余垃圾。"
        ),
        "categories": [Category.HAZARDOUS],
        "items": ["过期药品", "药膏", "口服液", "药品包装盒", "中药渣"],
    },
    WrongSortReason.OTHER: {
        "explanation": _("这袋垃圾因其他原因被判为不合格，请对照下面的四类垃圾投放要求检查，拿不准的物品可以在分类指南里搜一搜。"),
        "categories": [Category.KITCHEN, Category.RECYCLABLE, Category.HAZARDOUS, Category.OTHER],
        "items": [],
    },
}
