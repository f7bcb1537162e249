// Charts of a survey's results (ECharts). Every chart has the same numbers in a table below it,
// so the page says everything without script.
(function () {
  "use strict";
  var el = document.getElementById("survey-results");
  if (!el || typeof echarts === "undefined") return;
  var config = JSON.parse(el.textContent);
  var charts = [];
  function draw(id, option) {
    var node = document.getElementById(id);
    if (!node) return;
    var chart = echarts.init(node, null, { renderer: "svg" });
    chart.setOption(option);
    charts.push(chart);
  }
  config.charts.forEach(function (c) {
    var horizontal = c.kind === "bar";
    var category = { type: "category", data: c.labels, axisLabel: { interval: 0 } };
    draw("chart-" + c.id, {
      color: ["#c8102e"],
      grid: { left: horizontal ? 110 : 40, right: 24, top: 12, bottom: horizontal ? 24 : 48 },
      tooltip: { trigger: "axis" },
      xAxis: horizontal ? { type: "value", minInterval: 1 } : category,
      yAxis: horizontal ? Object.assign({ inverse: true }, category) : { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: c.values, label: { show: true, position: horizontal ? "right" : "top" } }],
      animation: false
    });
  });
  if (config.trend) {
    draw("chart-trend", {
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", bottom: 0 },
      grid: { left: 40, right: 24, top: 12, bottom: 56 },
      xAxis: { type: "category", data: config.trend.waves },
      yAxis: { type: "value" },
      series: config.trend.lines.map(function (l) { return { type: "line", name: l.label, data: l.values }; }),
      animation: false
    });
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
