"""English for round 33 (source language: zh-hans): the public donors' phone login, the worker's
own fund benefits (我的补助), the honours objection desk and competition appeals, the labour
statistics charts."""

EN = {
    # core: phone login of the public (donors)
    "该手机号属于工作人员账号，请使用用户名和密码登录": "This phone number belongs to a staff account; please log in with your user name and password",
    "上年 %(p)s，%(s)s%(d)s个百分点": "Previous year %(p)s, %(s)s%(d)s percentage points",
    "爱心人士登录": "Donor login",
    "爱心人士手机号登录": "Donor login by phone",
    "用手机号登录后即可认领微心愿，不需要是工会会员。我们只保存您的手机号，不会公开。": (
        "Log in with your phone number to claim a micro-wish; you need not be a union member. "
        "We keep only your phone number and never publish it."
    ),
    "工会会员也可以在这里登录；工作人员请使用用户名和密码登录。": "Union members can log in here too; staff please log in with user name and password.",
    "返回心愿清单": "Back to the wish list",
    "认领心愿需先用手机号登录，非工会会员也可以。": "To claim a wish, log in with your phone number first; non-members are welcome.",
    # fund: the worker's own benefits
    "我的补助": "My benefits",
    "找不到这笔补助": "This benefit was not found",
    "这笔补助还未拨付，拨付后才能确认收到": "This benefit has not been paid yet; you can confirm receipt once it is paid",
    "这笔补助已退回，无需确认": "This benefit was returned; nothing to confirm",
    "本人在手机上确认收到": "Confirmed received by the worker on the phone",
    "这里列出专项基金发放给您的补助（按您登录的手机号查找）。收到钱后请点“确认收到”。": (
        "These are the benefits the special fund paid to you (found by the phone number you logged in with). "
        "Once you have received the money, tap “Confirm receipt”."
    ),
    "您的账号没有绑定手机号，无法查找补助。": "Your account has no phone number, so no benefits can be found.",
    "发放单位": "Paying organisation",
    "领取人": "Recipient",
    "身份证": "ID card",
    "确认收到": "Confirm receipt",
    "确认已收到 %(amount)s 元": "Confirm that %(amount)s yuan was received",
    "如果没有收到，请联系所在基层工会。": "If you have not received it, please contact your grassroots union.",
    "暂时没有发放给您的补助。": "No benefits have been paid to you yet.",
    "已确认收到，谢谢！": "Receipt confirmed, thank you!",
    # honours: objections and appeals
    "找不到该异议": "Objection not found",
    "只有会员可以查看本人成绩": "Only members can view their own results",
    "找不到该参赛记录": "Entry not found",
    "找不到该申诉": "Appeal not found",
    "公示异议成立：%(reason)s": "Objection to the public notice upheld: %(reason)s",
    "您对“%(name)s”的公示异议已处理：%(outcome)s": "Your objection to “%(name)s” in the public notice has been decided: %(outcome)s",
    "处理说明：%(reason)s": "Explanation: %(reason)s",
    "您在“%(title)s”的申诉已处理：%(outcome)s": "Your appeal in “%(title)s” has been decided: %(outcome)s",
    "我的竞赛成绩": "My competition results",
    "第 %(place)s 名（共 %(size)s 人） · 总分 %(total)s": "Place %(place)s of %(size)s · total %(total)s",
    "成绩尚未公布": "Results not yet published",
    "对成绩提出申诉": "Appeal against the result",
    "申诉内容（事实和理由）": "Your appeal (facts and reasons)",
    "提交申诉": "Submit appeal",
    "您还没有参加技能竞赛。": "You have not entered a skills competition yet.",
    "公示异议处理": "Objections to public notices",
    "异议成立的，该人选撤出公示（公示后不予授予）；处理说明将告知异议人。": (
        "If an objection is upheld, the candidate is withdrawn from the notice (and not awarded); the objector is told the explanation."
    ),
    "%(when)s 提出": "Raised %(when)s",
    "异议成立（撤出公示）": "Upheld (withdraw from the notice)",
    "提交处理结果": "Submit decision",
    "没有待处理的公示异议。": "No objections waiting for a decision.",
    "申诉已提交，区总工会将复核处理": "Appeal submitted; the district federation will review it",
    # labour: statistics charts
    "案件类型": "Case type",
    "结案结果": "Outcome",
    "按月受理与结案": "Cases received and closed by month",
    "%(m)s月": "Month %(m)s",
    "本年度没有数据": "No data this year",
}
