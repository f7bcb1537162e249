"""English for the ann5 branch (source language: zh-hans): the rest stations' year read as the seed
article says (904 funded before the year, 904 inspected, 332 new, 1,236 in all), the visit time of
a checklist sent later, street staff on the labour statistics, and the review's links for street staff."""

EN = {
    # modules/stations/review.py
    "此前已拨付建设经费的暖心驿站（新建基础）": "Rest stations funded before the year (the base new ones were built on)",
    "检查评估走访调研驿站": "Stations visited in the inspection and evaluation",
    "截至年底建成驿站（合计）": "Stations built by the year's end (in all)",
    "本年度拨付驿站经费": "Station funding paid in the year",
    "在%(base)s家（上一年度前已拨付建设经费）的基础上，今年新建成职工暖心驿站%(built)s家，截至年底共%(total)s家；年度检查评估走访调研%(inspected)s家。": (
        "On the base of %(base)s stations whose construction money was paid before the year, %(built)s new rest stations "
        "were built this year, %(total)s in all by the year's end; %(inspected)s were visited in the year's inspection and evaluation."
    ),
    # modules/stations/templates/stations/staff/list.html (the review's filters)
    "仅显示：": "Showing only: ",
    "%(y)s年底前建成": "built by the end of %(y)s",
    "%(y)s年度拨付经费": "funded in %(y)s",
    "%(y)s年度以前已拨付建设经费": "construction money paid before %(y)s",
    "%(y)s年度检查评估已走访": "visited in the %(y)s inspection",
    "显示全部": "Show all",
    # modules/stations/services.py: inspection_submit(visited_at=)
    "检查时间格式无效": "The visit time is not a valid date and time",
    "检查时间不能晚于现在": "The visit time cannot be in the future",
    "检查时间早于检查计划的年度（%(year)s年）": "The visit time is before the plan's year (%(year)s)",
    # modules/labour: the statistics for street staff
    "只有调解员、区总工会和街道工会工作人员可以查看调解统计": "Only mediators, district union staff and street union staff can see the mediation statistics",
    "范围：%(streets)s辖区内单位的案件（调解员办案情况由区总工会掌握，此处不显示）": (
        "Scope: cases of units in %(streets)s (the mediators' caseloads are a district matter and are not shown here)"
    ),
    "调解统计": "Mediation statistics",
    "本街道辖区内单位的劳动争议调解案件": "Labour-dispute mediation cases of the units in your street",
}
