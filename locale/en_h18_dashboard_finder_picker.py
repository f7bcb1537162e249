"""English for the sorting dashboard's like-for-like comparison and union lists, the station
finder's places and the bag batch's union picker (issue 18, items 4, 8, 9, 10b)."""

EN = {
    # sortstats
    "可用袋数": "Bags available",
    "使用÷可用（%）": "Used ÷ available (%)",
    "说明：数据来自智慧垃圾袋平台回收记录的汇总表；参与率＝本月至少使用一个垃圾袋的会员数÷会员数；可用袋数＝截至月末已发放的袋数减去本月之前已使用的袋数（上月结余＋本月新发放）。": "Note: figures come from the rollups of the smart-bag platform's collection records; participation = members who used at least one bag this month ÷ members; bags available = bags issued by the month's end minus those used before the month (left over from earlier months + newly issued).",
    "%(hour)s:00前": " before %(hour)s:00",
    "%(bucket)s（进行中）": "%(bucket)s (in progress)",
    "页面显示最多和最少的各 %(n)s 个（共 %(total)s 个）": "Showing the top and bottom %(n)s (of %(total)s)",
    "…… 中间 %(n)s 个未显示 ……": "… %(n)s in between not shown …",
    "查看全部（分页，可导出 Excel）": "See all (paginated, Excel export)",
    "进行中（未完）": "In progress",
    "本期含今天，今天的数据截至目前；环比取上期同样已过去的时段（截至当天同一时刻），同口径对比。": "This period includes today, counted up to now; the change is against the same elapsed part of the previous period (up to the same time of day), like with like.",
    "返回分类数据分析": "Back to sorting analytics",
    "统计期间：%(period)s": "Period: %(period)s",
    "下载全部（Excel）": "Download all (Excel)",
    "下载全部（CSV）": "Download all (CSV)",
    "名次": "Rank",
    "该期间在您的范围内没有数据。": "No data in your scope for this period.",
    "月时段汇总（全部分类）": "Monthly hourly rollup (all categories)",
    "收集点月汇总": "Monthly collection-point rollup",
    # stations: the finder's places
    "可以试试：": "Try: ",
    "；也可以输入拼音或首字母，如 xidan、xd。": "; pinyin or initials work too, e.g. xidan, xd.",
    # bags: the union picker
    "查找基层工会": "Find a grassroots union",
    "输入名称、拼音首字母或信用代码": "Name, pinyin initials or credit code",
    "搜索": "Search",
    "没有找到“%(q)s”，请换个名称、拼音首字母或信用代码试试。": "Nothing found for “%(q)s”; try another name, pinyin initials or a credit code.",
    "显示 %(shown)s 个，共 %(total)s 个匹配；输入更多字可缩小范围。": "Showing %(shown)s of %(total)s matches; type more to narrow them down.",
}
