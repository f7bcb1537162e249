"""English for the ann3 branch (source language: zh-hans): the year filter of the lists the annual
review's figures link to, and the year shaped like the seed article (seed_demo --year-like-2020)."""

EN = {
    # core/validators.py: a list's bad ?year=
    "年度：应为 %(a)s–%(b)s 之间的四位数字，已显示全部年度": "Year: must be four digits between %(a)s and %(b)s; showing every year",
}
