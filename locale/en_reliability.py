"""English for the API's contract errors, the image check and the task worker (issue 29)."""

EN = {
    "无法读取上传的表单数据（multipart 格式错误），请重新上传": "The uploaded form data could not be read (malformed multipart body); please upload again",
    "请求内容过大": "The request is too large",
    "请求无效": "Invalid request",
    "请求体应为 JSON 对象": "The request body must be a JSON object",
    "请求体不是有效的 JSON": "The request body is not valid JSON",
    "应为 ISO 8601 格式的文本，如 2026-11-05 或 2026-11-05T08:30:00+08:00": "Must be ISO 8601 text, such as 2026-11-05 or 2026-11-05T08:30:00+08:00",
    "找不到该接口或对象": "No such endpoint or object",
    "不支持该请求方法": "This method is not allowed here",
    "服务器内部错误，请稍后重试": "Internal server error; please try again later",
    "照片不能超过 %(mb)s MB": "The photo must not exceed %(mb)s MB",
    "照片格式无法识别，请上传 JPG、PNG、WebP 或 GIF 图片": "The photo format is not recognised; please upload a JPG, PNG, WebP or GIF image",
    "照片尺寸 %(width)s×%(height)s 像素超出上限（最多 %(limit)s 万像素），请缩小后再上传": "The photo's size, %(width)s×%(height)s pixels, is over the limit (at most %(limit)s × 10,000 pixels); please make it smaller and upload again",
    "照片尺寸超出上限（最多 %(limit)s 万像素），请缩小后再上传": "The photo's size is over the limit (at most %(limit)s × 10,000 pixels); please make it smaller and upload again",
    "任务进程：运行后台任务（导入、标签 PDF、报表、导出）；数据库断线或重启后自动重连。": "Task worker: runs background jobs (imports, label PDFs, reports, exports); reconnects by itself when the database drops or restarts.",
}

PLURALS = {}
