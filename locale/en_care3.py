"""English for the care3 branch (source language: zh-hans): the counsellor's menu entry and phone
page, the public donors' privacy notice, consent and account closure (issue 22), and the fund's
rows whose phone and name disagree (issue 23)."""

EN = {
    # the counsellor
    "咨询工作台": "Counselling desk",
    "咨询记录仅您本人可见，工作人员只看到次数。": "Session notes are visible to you alone; staff see counts only.",
    "待进行": "Upcoming",
    "以往预约": "Earlier bookings",
    "记录": "Notes",
    "打开记录": "Open notes",
    # the public donors' privacy notice
    "爱心人士隐私说明": "Privacy notice for public donors",
    "阅读《爱心人士隐私说明》": "Read the privacy notice for public donors",
    "版本 %(v)s。适用于用手机号登录认领微心愿的爱心人士（非工会会员）。": "Version %(v)s. For members of the public (not union members) who log in with a phone to claim micro-wishes.",
    "我们收集什么": "What we collect",
    "只收集您的手机号。我们不要求您提供姓名、身份证号或地址。认领时您可以自愿填写一个称呼（如“热心市民”）和备注，它们会显示给心愿人所在的工会。": "Only your phone number. We do not ask for your name, ID number or address. When you claim a wish you may give a name to be called by (such as “a kind citizen”) and a note; the wisher's union sees them.",
    "为什么收集": "Why we collect it",
    "用短信验证码确认是您本人登录，防止他人冒用；": "to confirm by a text-message code that it is you who logs in, so nobody else can use your account;",
    "记录哪一位爱心人士认领了哪个心愿，保证一个心愿只被一人认领；": "to record which donor claimed which wish, so a wish is claimed by one person only;",
    "认领后长时间未联系时，工会可以据此跟进。": "so the union can follow up if a claimed wish is not delivered for a long time.",
    "您的手机号不会公开，不会提供给心愿人，也不会用于营销。": "Your phone number is never published, never given to the wisher and never used for marketing.",
    "保存多久": "How long it is kept",
    "手机号：在您的账号存续期间保存；注销账号后立即删除。": "Phone number: kept while your account exists; deleted as soon as you close the account.",
    "认领记录：作为活动统计保留（认领数、圆梦数、金额）；注销后不再含有您的手机号、称呼和备注。": "Claims: kept for the campaign's figures (claims, wishes fulfilled, value); after closure they no longer hold your phone, name or note.",
    "您同意本说明的时间会被记录，用于证明您的同意。": "The time you agreed to this notice is recorded as proof of your consent.",
    "心愿人的身份保密": "The wisher's identity stays hidden",
    "公开的心愿清单只显示心愿人名字中的一个字和本人同意公开的心愿故事，不显示全名、单位和联系方式。工会确认您的认领后，您才能看到送达所需的联系方式，而且只有您本人能看到；请仅将其用于送达心愿，不要转告他人。": "The public list of wishes shows one character of the wisher's name and the story they agreed to share, never their full name, workplace or contact. Only after the union confirms your claim do you see the contact needed for delivery, and only you see it; please use it only to deliver the wish and pass it on to nobody.",
    "如何注销账号": "How to close your account",
    "登录后打开“我的爱心认领”，点击“注销爱心人士账号”。如果还有进行中的认领，请先完成或退回后再注销。注销后手机号被删除，账号无法再登录。": "Log in, open “My contributions” and choose “Close donor account”. Finish or give back any claim in progress first. After closure your phone number is deleted and the account can no longer log in.",
    "如果您同时是工会会员，请在“我的数据”中注销会员账号。": "If you are also a union member, close your member account under “My data”.",
    "返回登录": "Back to login",
    # consent on first login
    "我已阅读并同意《爱心人士隐私说明》": "I have read and agree to the privacy notice for public donors",
    "首次登录须勾选同意；以后登录无需再勾选。": "Tick to agree on your first login; later logins do not ask again.",
    "首次登录请先阅读并勾选同意《爱心人士隐私说明》": "On your first login, please read the privacy notice for public donors and tick to agree",
    # closing a donor account
    "注销爱心人士账号": "Close donor account",
    "注销后：您的手机号将被删除，无法再用它登录；您的认领记录作为活动统计保留，不再含有您的称呼和备注。": "After closure your phone number is deleted and can no longer log in; your claims stay in the campaign's figures without your name or note.",
    "您的账号已注销，手机号已删除。": "Your account is closed and your phone number deleted.",
    "只有爱心人士账号可以在这里注销；职工会员请在“我的数据”中注销账号": "Only public donor accounts are closed here; union members close their account under “My data”",
    "您还有进行中的认领，请先完成或退回后再注销账号": "You still have a claim in progress; finish or give it back before closing your account",
    "已注销爱心人士": "Closed donor account",
    "爱心人士隐私同意": "Donor privacy consent",
    # fund: rows whose phone and name disagree
    "手机号与姓名不符的行": "Rows whose phone and name disagree",
    "这些行的手机号在会员名册中属于另一个姓名，本人在“我的补助”中看不到这些行，也不能在手机上确认收到。请核对后修改名单，或由工会按签字名单确认领取。": "On the member roster these rows' phone numbers belong to someone of another name, so the person does not see them under “My benefits” and cannot confirm receipt on a phone. Check and correct the list, or have the union confirm receipt from the signed list.",
    "名单上的姓名": "Name on the list",
    "名册上该手机号的姓名": "Name the roster holds for this phone",
}

PLURALS = {
    "短信验证码记录：%(days)s 天后自动删除。": (
        "Text-message code records: deleted automatically after %(days)s day.",
        "Text-message code records: deleted automatically after %(days)s days.",
    ),
    "您还有 %(n)s 个进行中的认领，请先完成或退回后再注销。": (
        "You still have %(n)s claim in progress; finish or give it back before closing.",
        "You still have %(n)s claims in progress; finish or give them back before closing.",
    ),
}
