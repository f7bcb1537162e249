"""English for strings added late in the day (demo tour, personal-data pages, fixes across programmes)."""

EN = {
    "演示导览：扫码绑定垃圾袋、分拣员回收（可打印二维码）": "Demo tour: bind a bag by scanning, then collect it (printable QR codes)",
    "演示导览": "Demo tour",
    "这是演示环境（DEBUG 模式）专用页面，可以打印出来。两种试用方式：": "This page exists only in the demo (DEBUG mode) and can be printed. Two ways to try it:",
    "在同一台电脑上开两个浏览器窗口（其中一个用无痕模式），一个当职工，一个当分拣员。": "On one computer, open two browser windows (one of them private): one as the worker, one as the collector.",
    "用自己的手机：让服务器监听局域网地址（make demo HOST=0.0.0.0），手机连同一个网络，用电脑的局域网地址打开本页，再扫下面的二维码。当前地址：%(home_url)s": "With your own phone: make the server listen on the local network (make demo HOST=0.0.0.0), join the same network with the phone, open this page at the computer's local address and scan the QR codes below. Current address: %(home_url)s",
    "还没有可演示的项目。": "Nothing to demonstrate yet.",
    "积分变动": "Points change", "变动后余额": "Balance after", "无效编码过多，请稍后再试": "Too many invalid codes; please try again later",
    "垃圾分类：我的垃圾袋与回收记录": "Rubbish sorting: my bags and collections", "垃圾袋编码": "Bag code", "绑定时间": "Bound at", "回收点": "Collection point",
    "获得积分": "Points earned", "垃圾袋 %(code)s 的二维码": "QR code of bag %(code)s", "智慧垃圾袋：先绑定，再回收": "Smart bags: bind first, then collect",
    "职工：用手机扫下面任意一个二维码（或点击链接），用手机号 13800000001 登录，验证码打印在服务器日志中；垃圾袋即绑定到您名下，页面转到“我的积分”。": "Worker: scan any QR code below with a phone (or follow the link) and sign in with 13800000001 — the code is printed in the server log; the bag is bound to you and the page goes to “My points”.",
    "分拣员：在另一个浏览器窗口（或另一部手机）用 collector / demo12345 登录，打开“回收扫码”，选择“厨余垃圾”，扫码或输入同一个编码后按回车。": "Collector: in another browser window (or on another phone) sign in as collector / demo12345, open “Scan collections”, choose “Kitchen waste”, then scan or type the same code and press Enter.",
    "回到职工的“我的积分”页面：这袋分类合格的积分已到账，排行榜随之更新。": "Back on the worker's “My points” page: the points for the correctly sorted bag have arrived and the rankings have moved.",
    "演示工会的垃圾袋都已绑定或回收。可以用 district 账号在“垃圾袋批次”中新建一批。": "All of the demo union's bags are bound or collected. Sign in as district to create a new batch under “Bag batches”.",
    "分拣员回收扫码": "Collector scanning", "答题时间": "Answered at", "活动": "Campaign", "是否答对": "Correct?",
    "垃圾分类知识：我的答题记录": "Sorting knowledge: my quiz answers", "请选择取货点": "Please choose a pickup place",
    "积分兑换：我的兑换记录": "Prizes: my redemptions", "不能核销": "Cannot hand over", "扫描的取货码：%(code)s": "Scanned pickup code: %(code)s",
    "无法打开摄像头，请使用扫码枪或手动输入取货码": "The camera cannot be opened; use a scanner or type the pickup code",
    "周汇总（基层工会）": "Weekly rollup (grassroots)",
    "%(period)s（统计期间最后31天以内），某基层工会的垃圾袋在其他街道的收集点被回收（同一收集点至少%(n)s袋）。": "%(period)s (the last 31 days of the period at most): a grassroots union's bags were collected at another street's point (at least %(n)s bags at the same point).",
    "加载失败，请刷新重试": "Loading failed; please refresh", "统计月份：": "Month: ", "高峰：": "Peak: ", "时": ":00",
    "页面显示前 %(shown)s 条（共 %(total)s 条），完整数据请下载": "Showing the first %(shown)s of %(total)s; download for the full data",
    "内容": "Content", "职工驿站：我的评价与问题反映": "Rest stations: my ratings and reports",
    "今天反映的问题已经很多了，请明天再提交或直接联系街道工会": "Many problems have been reported today; please submit tomorrow or contact the street union directly",
    "检查照片": "Inspection photos",
    "请求中含有不允许的空字符（NUL）": "The request contains a NUL character, which is not allowed",
    "无法读取该 CSV 文件，请用 Excel 另存为 CSV 后重试": "This CSV file cannot be read; save it as CSV from Excel and try again",
    "在地图上查看": "View on the map",
    "正在检查并导入，五万行约需十几秒，请不要关闭页面……": "Checking and importing; 50,000 rows take a dozen seconds or so. Please keep this page open…",
}

PLURALS = {}
