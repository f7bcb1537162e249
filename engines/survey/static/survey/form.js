// Skip logic on the phone, as a refinement: the server decides which questions are asked (and
// drops answers to the others); this evaluates the same expression trees as it (expressions.py)
// so a question appears or hides as soon as the answer it depends on changes.
(function () {
  "use strict";
  var form = document.querySelector("[data-survey-form]");
  var logicEl = document.getElementById("survey-logic");
  if (!form || !logicEl) return;
  var logic = JSON.parse(logicEl.textContent);
  function num(v) { return typeof v === "number" ? v : (String(v).trim() === "" ? NaN : Number(v)); }
  function text(v) { return typeof v === "number" ? String(v) : (v === true ? "true" : v === false ? "false" : String(v == null ? "" : v)); }
  function truth(v) { return typeof v === "number" ? !isNaN(v) && v !== 0 : Boolean(v); }
  function values() {
    var out = {};
    new FormData(form).forEach(function (v, k) { out[k] = out[k] ? out[k] + " " + v : String(v).trim(); });
    return out;
  }
  function ev(n, a) {
    switch (n[0]) {
      case "num": case "str": return n[1];
      case "ref": return a[n[1]] || "";
      case "self": return "";
      case "and": return truth(ev(n[1], a)) && truth(ev(n[2], a));
      case "or": return truth(ev(n[1], a)) || truth(ev(n[2], a));
      case "arith": var x = num(ev(n[2], a)), y = num(ev(n[3], a));
        return {"+": x + y, "-": x - y, "*": x * y, "div": x / y, "mod": x % y}[n[1]];
      case "cmp": var l = ev(n[2], a), r = ev(n[3], a);
        if (n[1] === "=" || n[1] === "!=") {
          var eq = (typeof l === "number" || typeof r === "number") ? num(l) === num(r) : text(l) === text(r);
          return n[1] === "=" ? eq : !eq;
        }
        var p = num(l), q = num(r);
        if (isNaN(p) || isNaN(q)) { p = text(l); q = text(r); if (!p || !q) return false; }
        return {"<": p < q, "<=": p <= q, ">": p > q, ">=": p >= q}[n[1]];
      case "call": var args = n[2].map(function (m) { return ev(m, a); });
        if (n[1] === "selected") return text(args[0]).split(/\s+/).indexOf(text(args[1])) >= 0;
        if (n[1] === "count-selected") return text(args[0]).split(/\s+/).filter(Boolean).length;
        if (n[1] === "not") return !truth(args[0]);
        if (n[1] === "string-length") return text(args[0]).length;
        if (n[1] === "number") return num(args[0]);
        if (n[1] === "today") return new Date().toISOString().slice(0, 10);
        return n[1] === "true";
    }
    return false;
  }
  var shownField = form.querySelector("[data-shown]");
  function refresh() {
    var a = values(), names = [];
    form.querySelectorAll("[data-q]").forEach(function (el) {
      var name = el.getAttribute("data-q"), tree = logic[name];
      var inHidden = el.parentElement && el.parentElement.closest("[data-q][hidden]");
      if (tree) el.hidden = Boolean(inHidden) || !truth(ev(tree, a));
      if (el.hidden) delete a[name]; else names.push(name);
    });
    // what is on the screen now: the server asks again only for questions the person never saw
    if (shownField) shownField.value = names.join(",") + ",";
  }
  form.addEventListener("change", refresh);
  form.addEventListener("input", refresh);
})();
