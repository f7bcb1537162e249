"""English for round 34 (source language: zh-hans): the annual review's participation figures."""

EN = {
    "当年新参与垃圾分类的职工": "Workers who joined garbage sorting in the year",
    "累计参与垃圾分类的职工（截至年底）": "Workers taking part in garbage sorting (cumulative, at year end)",
}
