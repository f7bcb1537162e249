"""English for the ann3 branch (source language: zh-hans): the year filter of the lists the annual
review's figures link to, and the year shaped like the seed article (seed_demo --year-like-2020)."""

EN = {
    # core/validators.py: a list's bad ?year=
    "年度：应为 %(a)s–%(b)s 之间的四位数字，已显示全部年度": "Year: must be four digits between %(a)s and %(b)s; showing every year",
    # core/management/commands/seed_demo.py (--year-like-2020)
    "在一个过去的年度（默认去年）生成与《2020年度重点工作盘点》同样数字的数据；可重复运行，不会重复生成": (
        "Build, in a past year (last year by default), data giving the figures of the 2020 work review; safe to run again, nothing doubles"
    ),
    "与 --year-like-2020 同用：生成哪一年（默认去年）": "With --year-like-2020: the year to build (last year by default)",
}
