"""English for the phone pages' fixes of issue 18: logging out, error pages, the tab bar's 更多,
the logged-out bag scan, the station's live tally and the on-demand QR decoder."""

EN = {
    "退出登录": "Sign out",
    "更多": "More",
    "返回首页": "Back to home",
    "没有权限": "No access",
    "没有权限打开这个页面": "You may not open this page",
    "当前登录的账号“%(who)s”不能打开这个页面。": "The account you are signed in with (“%(who)s”) may not open this page.",
    "如需使用其他账号，请点右上角“退出登录”，再用自己的账号登录。": "To use another account, tap “Sign out” at the top right and sign in with your own.",
    "请先登录，再打开这个页面。": "Please sign in first, then open this page.",
    "找不到页面": "Page not found",
    "找不到这个页面": "We cannot find this page",
    "链接可能已失效，或地址输入有误。": "The link may have expired, or the address was mistyped.",
    "请求无效": "Bad request",
    "这个请求无法处理，请返回首页重新操作。": "This request cannot be handled. Please go back to the home page and try again.",
    "服务器出错了": "Something went wrong on the server",
    "出错已记录，我们会尽快处理。请稍后重试，或返回首页。": "The error has been logged and will be looked at soon. Please try again later, or go back to the home page.",
    "服务器出错了，请稍后重试": "Something went wrong on the server; please try again later",
    "页面已过期": "This page has expired",
    "表单已失效（可能停留太久或已在别处退出）。请返回首页，刷新后再操作。": "The form is no longer valid (it was open too long, or you signed out elsewhere). Go back to the home page, reload and try again.",
}
