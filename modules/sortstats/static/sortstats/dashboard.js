// The sorting-data dashboard: each panel fetches its chart's JSON from the API and draws it with
// ECharts; a data table under every chart shows the same numbers (and works without charts).
(function () {
  "use strict";
  var configEl = document.getElementById("sortstats-config");
  if (!configEl) return;
  var config = JSON.parse(configEl.textContent);
  var T = config.text;
  var PALETTE = ["#2e7d32", "#1565c0", "#c62828", "#616161", "#ef6c00", "#6a1b9a", "#00838f"];
  var charts = [];

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function fmt(v) {
    if (v === null || v === undefined) return "—";
    if (typeof v === "number") return v.toLocaleString("zh-CN");
    return String(v);
  }

  function renderTable(panel, data) {
    var wrap = panel.querySelector(".table-wrap");
    wrap.textContent = "";
    if (!data.rows || !data.rows.length) { wrap.appendChild(el("p", T.empty, "empty")); return; }
    var table = el("table", null, "table");
    var thead = el("thead"), tr = el("tr");
    data.columns.forEach(function (c, i) { tr.appendChild(el("th", c, i ? "num" : "")); });
    thead.appendChild(tr); table.appendChild(thead);
    var tbody = el("tbody");
    data.rows.forEach(function (row, index) {
      if (data.bottom_from && index === data.bottom_from) {
        var gap = el("tr", null, "ss-gap"), cell = el("td", T.gap.replace("%(n)s", data.total - data.rows.length));
        cell.colSpan = data.columns.length; gap.appendChild(cell); tbody.appendChild(gap);
      }
      var r = el("tr");
      row.forEach(function (v, i) { r.appendChild(el("td", fmt(v), typeof v === "number" || v === null ? "num" : "")); });
      tbody.appendChild(r);
    });
    table.appendChild(tbody); wrap.appendChild(table);
  }

  function col(data, index) { return data.rows.map(function (r) { return r[index]; }); }

  var BUILD = {
    trend: function (d) {
      var names = Object.keys(d.series);
      var p = d.partial_index;
      // Today (this week, this month) is still in progress: its bars are faded and the total's
      // last segment dashed, instead of a solid line diving towards zero.
      var faded = function (v, i) { return i === p ? { value: v, itemStyle: { opacity: 0.4 } } : v; };
      var series = names.map(function (n) { return { name: n, type: "bar", stack: "bags", data: d.series[n].bags.map(faded) }; });
      var solid = d.totals.map(function (v, i) { return p !== null && p !== undefined && i >= p ? null : v; });
      series.push({ name: T.total, type: "line", data: solid, smooth: true, symbolSize: 4 });
      if (p !== null && p !== undefined) {
        var dashed = d.totals.map(function (v, i) { return i >= p - 1 ? v : null; });
        series.push({ name: T.partial, type: "line", data: dashed, color: "#616161", lineStyle: { type: "dashed" },
          symbol: "emptyCircle", symbolSize: 8 });
      }
      return { color: PALETTE, tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { left: 50, right: 20, top: 40, bottom: 60 },
        dataZoom: [{ type: "inside" }, { type: "slider", height: 18, bottom: 8 }],
        xAxis: { type: "category", data: d.buckets }, yAxis: { type: "value", name: T.bags }, series: series };
    },
    pie: function (d) {
      return { color: PALETTE, tooltip: { trigger: "item", formatter: "{b}：{c}" + T.bags + "（{d}%）" }, legend: { bottom: 0 },
        series: [{ type: "pie", radius: ["35%", "65%"], data: d.rows.map(function (r) { return { name: r[0], value: r[1] }; }),
          label: { formatter: "{b}\n{d}%" } }] };
    },
    heatmap: function (d) {
      var max = d.cells.reduce(function (m, c) { return Math.max(m, c[2]); }, 0) || 1;
      return { tooltip: { position: "top", formatter: function (p) { return d.weekdays[p.value[1]] + " " + d.hours[p.value[0]] + "：" + p.value[2] + T.bags; } },
        grid: { left: 50, right: 20, top: 10, bottom: 70 },
        xAxis: { type: "category", data: d.hours, splitArea: { show: true } }, yAxis: { type: "category", data: d.weekdays, inverse: true },
        visualMap: { min: 0, max: max, calculable: true, orient: "horizontal", left: "center", bottom: 0, inRange: { color: ["#f7fbff", "#fdae61", "#d73027"] } },
        series: [{ type: "heatmap", data: d.cells }] };
    },
    stacked: function (d) {
      var n = d.categories.length;
      var labels = col(d, 0).slice(0, 20).reverse();
      var series = d.categories.map(function (c, i) {
        return { name: c, type: "bar", stack: "bags", data: col(d, i + 1).slice(0, 20).reverse() };
      });
      return { color: PALETTE, tooltip: { trigger: "axis", axisPointer: { type: "shadow" } }, legend: { top: 0 },
        grid: { left: 120, right: 20, top: 35, bottom: 25 }, xAxis: { type: "value", name: T.bags },
        yAxis: { type: "category", data: labels, axisLabel: { width: 110, overflow: "truncate" } }, series: series, _n: n };
    },
    accuracy: function (d) {
      return { color: ["#2e7d32"], tooltip: { trigger: "axis" }, grid: { left: 120, right: 30, top: 10, bottom: 25 },
        xAxis: { type: "value", max: 100, name: "%" }, yAxis: { type: "category", data: col(d, 0).slice(0, 20).reverse(), axisLabel: { width: 110, overflow: "truncate" } },
        series: [{ type: "bar", data: col(d, 4).slice(0, 20).reverse(), label: { show: true, position: "right", formatter: "{c}%" } }] };
    },
    reasons: function (d) {
      return { color: ["#c62828"], tooltip: { trigger: "axis" }, grid: { left: 120, right: 40, top: 10, bottom: 25 },
        xAxis: { type: "value", name: T.times }, yAxis: { type: "category", data: col(d, 0).slice(0, 12).reverse(), axisLabel: { width: 110, overflow: "truncate" } },
        series: [{ type: "bar", data: col(d, 1).slice(0, 12).reverse(), label: { show: true, position: "right" } }] };
    },
    participation: function (d) {
      return { color: ["#1565c0"], tooltip: { trigger: "axis" }, grid: { left: 120, right: 40, top: 10, bottom: 25 },
        xAxis: { type: "value", max: 100, name: "%" }, yAxis: { type: "category", data: col(d, 0).slice(0, 20).reverse(), axisLabel: { width: 110, overflow: "truncate" } },
        series: [{ type: "bar", data: col(d, 3).slice(0, 20).reverse(), label: { show: true, position: "right", formatter: "{c}%" } }] };
    },
    participation_trend: function (d) {
      return { color: ["#90caf9", "#1565c0"], tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { left: 50, right: 50, top: 35, bottom: 25 },
        xAxis: { type: "category", data: col(d, 0) },
        yAxis: [{ type: "value", name: T.people }, { type: "value", name: "%", max: 100 }],
        series: [{ name: T.participants, type: "bar", data: col(d, 2) }, { name: T.rate, type: "line", yAxisIndex: 1, data: col(d, 3) }] };
    },
    throughput: function (d) {
      return { color: ["#ef6c00"], tooltip: { trigger: "axis" }, grid: { left: 120, right: 40, top: 10, bottom: 25 },
        xAxis: { type: "value", name: T.bags }, yAxis: { type: "category", data: col(d, 0).slice(0, 15).reverse(), axisLabel: { width: 110, overflow: "truncate" } },
        series: [{ type: "bar", data: col(d, d.key === "throughput_points" ? 2 : 1).slice(0, 15).reverse() }] };
    }
  };

  function note(panel, d) {
    var p = panel.querySelector(".ss-note");
    var parts = [];
    if (d.month) parts.push(T.month + d.month);
    if (d.limited && d.bottom_from) parts.push(T.ends.replace("%(n)s", d.bottom_from).replace("%(total)s", d.total));
    else if (d.limited) parts.push(T.limited.replace("%(shown)s", d.rows.length).replace("%(total)s", d.total));
    if (d.peak) parts.push(T.peak + d.peak.weekday + " " + d.peak.hour + T.hour + "（" + d.peak.bags + T.bags + "）");
    p.textContent = parts.join("；");
    if (d.key === "accuracy_by_organisation" || d.key === "participation_by_organisation") {
      var link = el("a", T.all_unions, "ss-all");
      link.href = config.unions.replace("__key__", d.key) + "?" + config.query;
      p.appendChild(document.createTextNode(" ")); p.appendChild(link);
    }
  }

  function load(panel) {
    var key = panel.getAttribute("data-chart");
    var type = panel.getAttribute("data-type");
    var url = config.api.replace("__key__", key) + "?" + config.query;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (res) { return res.json().then(function (body) { return { ok: res.ok, body: body }; }); })
      .then(function (r) {
        panel.setAttribute("aria-busy", "false");
        var title = panel.querySelector(".ss-title");
        if (!r.ok) { title.textContent = T.failed; title.classList.add("ss-error"); panel.querySelector(".ss-note").textContent = r.body.message || ""; return; }
        var d = r.body;
        title.textContent = d.title;
        renderTable(panel, d);
        note(panel, d);
        var box = panel.querySelector(".ss-chart");
        if (!box || !window.echarts || !BUILD[type]) return;
        if (!d.rows.length) { box.textContent = ""; box.appendChild(el("p", T.empty, "empty")); return; }
        var chart = window.echarts.init(box, null, { renderer: "canvas" });
        chart.setOption(BUILD[type](d));
        charts.push(chart);
      })
      .catch(function () { panel.querySelector(".ss-title").textContent = T.failed; });
  }

  document.querySelectorAll("[data-chart]").forEach(load);
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
