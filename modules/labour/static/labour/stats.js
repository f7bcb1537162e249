// The mediation statistics as charts (ECharts from static/vendor). The numbers come from the
// page's json_script block; every chart has the same figures in a table below it.
(function () {
  "use strict";
  var source = document.getElementById("labour-stats-charts");
  if (!source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var colors = ["#c8102e", "#1f6feb", "#2da44e", "#bf8700", "#8250df", "#57606a", "#cf222e", "#0a7ea4"];
  var charts = [];

  function draw(id, option) {
    var node = document.getElementById(id);
    if (!node) return;
    var chart = echarts.init(node, null, { renderer: "svg" });
    option.animation = false;
    option.color = colors;
    chart.setOption(option);
    charts.push(chart);
  }

  function total(values) {
    return values.reduce(function (a, b) { return a + b; }, 0);
  }

  // Cases by dispute type: horizontal bars (long Chinese labels read best on the left).
  draw("chart-by-type", {
    grid: { left: 130, right: 36, top: 8, bottom: 24 },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", inverse: true, data: data.by_type.labels, axisLabel: { interval: 0 } },
    series: [{ type: "bar", data: data.by_type.values, label: { show: true, position: "right" } }]
  });

  // Closed cases by outcome: a ring (nothing to draw when the year has no closed case).
  var outcomes = data.by_outcome.labels.map(function (label, i) {
    return { name: label, value: data.by_outcome.values[i] };
  }).filter(function (d) { return d.value > 0; });
  draw("chart-by-outcome", total(data.by_outcome.values) ? {
    tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
    legend: { type: "scroll", bottom: 0 },
    series: [{ type: "pie", radius: ["40%", "68%"], center: ["50%", "44%"], data: outcomes, label: { formatter: "{b}\n{c}" } }]
  } : { title: { text: data.empty, left: "center", top: "middle", textStyle: { fontSize: 14, color: "#57606a" } } });

  // Per month: received, closed, mediated successfully.
  draw("chart-by-month", {
    grid: { left: 40, right: 16, top: 16, bottom: 56 },
    tooltip: { trigger: "axis" },
    legend: { bottom: 0 },
    xAxis: { type: "category", data: data.by_month.labels },
    yAxis: { type: "value", minInterval: 1 },
    series: data.by_month.series.map(function (s, i) {
      return i === 0
        ? { type: "bar", name: s.name, data: s.values }
        : { type: "line", name: s.name, data: s.values, smooth: false, symbolSize: 6 };
    })
  });

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
