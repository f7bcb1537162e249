// The contest's countdown. Display only: the server's deadline decides what counts.
(function () {
  "use strict";
  var el = document.querySelector("[data-seconds-left]");
  if (!el) return;
  var left = parseInt(el.getAttribute("data-seconds-left"), 10);
  function show() {
    var m = Math.floor(left / 60), s = left % 60;
    el.textContent = left > 0 ? "剩余 " + m + " 分 " + (s < 10 ? "0" : "") + s + " 秒" : "时间到";
  }
  show();
  var timer = setInterval(function () {
    left = Math.max(0, left - 1);
    show();
    if (left === 0) clearInterval(timer);
  }, 1000);
})();
