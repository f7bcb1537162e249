"""English for the strings added by the data-protection fixes of issue 29 (findings 1–4, 11–13)."""

EN = {
    "该 Excel 文件解压后过大（超过 %(mb)s MB），请删除多余的工作表、格式或空白行后重试，或分成几个文件导入": "This Excel file is too large once unpacked (over %(mb)s MB); remove extra sheets, formatting or blank rows and try again, or import it in several files",
    "按手机号搜索过于频繁，请稍后再试": "Too many searches by mobile number; please try again later",
    "短信服务未配置，暂时无法发送验证码，请联系管理员": "The SMS service is not configured, so no code can be sent for now; please contact the administrator",
}
