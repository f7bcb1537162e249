// A countdown for timed quizzes. Display only: the server decides what counts.
(function () {
  "use strict";
  function tick() {
    document.querySelectorAll("[data-seconds-left]").forEach(function (el) {
      var left = parseInt(el.getAttribute("data-seconds-left"), 10) - 1;
      if (isNaN(left)) return;
      if (left < 0) left = 0;
      el.setAttribute("data-seconds-left", String(left));
      el.textContent = left > 0 ? "剩余 " + left + " 秒" : "时间到";
    });
  }
  setInterval(tick, 1000);
})();
