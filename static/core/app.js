// Small behaviours every page shares; no inline script anywhere (CSP).
(function () {
  "use strict";
  // <form data-confirm="确定要……吗？"> asks before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);
  // <form data-busy="正在导入……"> shows an indeterminate progress bar and blocks a second click
  // while a long request (a roster import) runs.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.hasAttribute || !form.hasAttribute("data-busy")) return;
    var buttons = form.querySelectorAll("button[type=submit]");
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
    var status = document.createElement("p");
    status.setAttribute("role", "status");
    status.className = "busy";
    status.textContent = form.getAttribute("data-busy");
    status.appendChild(document.createElement("progress"));
    form.appendChild(status);
  });
  // <select data-autosubmit> submits its form on change (filters).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) el.form.requestSubmit();
  });
  // The phone tab bar's 更多 sheet (a <details>, usable without script): Escape or a tap elsewhere closes it.
  function closeMore(except) {
    var open = document.querySelectorAll("details.m-more[open]");
    for (var i = 0; i < open.length; i++) if (open[i] !== except) open[i].open = false;
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = document.querySelector("details.m-more[open]");
    if (open) { open.open = false; open.querySelector("summary").focus(); }
  });
  document.addEventListener("click", function (event) {
    closeMore(event.target.closest ? event.target.closest("details.m-more") : null);
  });
})();
