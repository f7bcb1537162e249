"""English for the honours follow-up (hon3): menu entries for the objection desk and the worker's
competition results, and appeals that correct a score and re-rank the competition."""

EN = {
    # menus
    "我的竞赛": "My contests",
    # models
    "申诉更正后总分": "Total corrected on appeal",
    "处理时间": "Decided at",
    "更正后总分": "Corrected total",
    "更正前总分": "Total before correction",
    "更正前名次": "Place before correction",
    "更正后名次": "Place after correction",
    # services
    "更正后的总分须为 0 至 100 之间的数，最多两位小数": "The corrected total must be a number from 0 to 100 with at most two decimals",
    "申诉不成立时不更正成绩": "A dismissed appeal does not correct the score",
    "成绩更正为 %(total)s 分，名次由第 %(old)s 名变为第 %(new)s 名": "Score corrected to %(total)s; place changed from %(old)s to %(new)s",
    "“%(title)s”名次调整：第 %(old)s 名 → 第 %(new)s 名": "“%(title)s”: your place changed from %(old)s to %(new)s",
    "因另一位选手的申诉成立、成绩更正，排名已重新计算。": "Another entrant's appeal was upheld and their score corrected, so the ranking was recalculated.",
    # pages
    "申诉更正": "Corrected on appeal",
    "成绩更正：%(old)s → %(new)s，名次：第 %(was)s 名 → 第 %(now)s 名": "Score corrected: %(old)s → %(new)s; place: %(was)s → %(now)s",
    "更正后总分（申诉成立且需改分时填写，留空不改成绩）": "Corrected total (only if the appeal is upheld and the score changes; leave empty to keep it)",
}
