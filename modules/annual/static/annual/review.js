// The annual review's charts: one ECharts chart per section that has one, read from the JSON the
// page carries (json_script "annual-charts"); the figures beside each chart hold the same numbers.
(function () {
  "use strict";
  var dataEl = document.getElementById("annual-charts");
  if (!dataEl || typeof window.echarts === "undefined") return;
  var PALETTE = ["#b71c1c", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#616161"];
  var charts = [];
  JSON.parse(dataEl.textContent).forEach(function (entry) {
    var node = document.getElementById(entry.id);
    if (!node) return;
    var c = entry.chart;
    var option;
    if (c.type === "pie") {
      option = {
        color: PALETTE,
        title: { text: c.title, textStyle: { fontSize: 13 } },
        tooltip: { trigger: "item" },
        series: [{ type: "pie", radius: ["35%", "65%"], top: 30,
          data: c.categories.map(function (name, i) { return { name: name, value: c.series[0].data[i] }; }) }]
      };
    } else {
      option = {
        color: PALETTE,
        title: { text: c.title, textStyle: { fontSize: 13 } },
        tooltip: { trigger: "axis" },
        legend: c.series.length > 1 ? { top: 22 } : undefined,
        grid: { left: 40, right: 10, top: c.series.length > 1 ? 55 : 40, bottom: 30, containLabel: true },
        xAxis: { type: "category", data: c.categories, axisLabel: { interval: 0, rotate: c.categories.length > 5 ? 30 : 0 } },
        yAxis: { type: "value" },
        series: c.series.map(function (s) { return { type: "bar", name: s.name, data: s.data, barMaxWidth: 36 }; })
      };
    }
    var chart = window.echarts.init(node, null, { renderer: "svg" });
    chart.setOption(option);
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (ch) { ch.resize(); }); });
})();
