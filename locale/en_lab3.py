"""English for lab3 (source language: zh-hans): the labour API for monitoring points, risk rules
and training meetings, and reminders that follow the district's notice setting."""

EN = {
    # modules/labour/api.py
    "请选择您管辖范围内的单位": "Choose a union within your remit",
    "只有工会工作人员可以查看预警规则": "Only union staff can view the warning rules",
    "找不到该预警规则": "Warning rule not found",
    "只有区总工会可以管理集体协商培训会": "Only the district federation can manage collective-bargaining training meetings",
    "找不到该培训会": "Training meeting not found",
    # modules/labour/services.py: the reason audited when open deadlines are recomputed
    "本区时限设置已修改": "The district's time-limit settings were changed",
}
