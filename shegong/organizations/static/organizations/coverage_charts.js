/* Coverage page charts: the rate trend from snapshots and the gap counts by street.
   The same numbers are in the tables beside them; a click on a bar opens the list behind it. */
(function () {
  "use strict";
  var source = document.getElementById("coverage-chart-data");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var font = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif';
  var charts = [];
  var trendHolder = document.getElementById("trend-chart");
  if (trendHolder && data.trend.dates.length) {
    var trend = window.echarts.init(trendHolder, null, { renderer: "svg" });
    trend.setOption({
      animation: false,
      textStyle: { fontFamily: font },
      color: ["#c8161d", "#1f5fbf"],
      // richText: the tooltip is drawn in the chart itself; the HTML one writes style="…"
      // attributes, which the Content-Security-Policy blocks.
      tooltip: { trigger: "axis", renderMode: "richText", valueFormatter: function (v) { return v === null ? "—" : v + "%"; } },
      legend: { data: ["组织覆盖率", "工作覆盖率"], top: 0 },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.trend.dates },
      yAxis: { type: "value", name: "%", min: 0, max: 100 },
      series: [
        { name: "组织覆盖率", type: "line", data: data.trend.org, showSymbol: true },
        { name: "工作覆盖率", type: "line", data: data.trend.work, showSymbol: true }
      ]
    });
    charts.push(trend);
  }
  var streetHolder = document.getElementById("street-chart");
  if (streetHolder && data.streets.names.length) {
    streetHolder.style.height = Math.max(256, data.streets.names.length * 26 + 60) + "px";
    var streets = window.echarts.init(streetHolder, null, { renderer: "svg" });
    streets.setOption({
      animation: false,
      textStyle: { fontFamily: font },
      color: ["#c8161d", "#e0a100"],
      tooltip: { trigger: "axis", renderMode: "richText", axisPointer: { type: "shadow" } },
      legend: { data: ["两个覆盖空白", "待处理问题"], top: 0 },
      grid: { left: 8, right: 32, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "value", name: "个", minInterval: 1 },
      yAxis: { type: "category", data: data.streets.names, inverse: true, axisLabel: { width: 120, overflow: "truncate" } },
      series: [
        { name: "两个覆盖空白", type: "bar", stack: "gap", barMaxWidth: 28, data: data.streets.uncovered },
        { name: "待处理问题", type: "bar", stack: "gap", barMaxWidth: 28, data: data.streets.open }
      ]
    });
    streets.on("click", function (params) {
      var urls = params.seriesIndex === 0 ? data.streets.gap_urls : data.streets.finding_urls;
      if (urls[params.dataIndex]) { window.location.href = urls[params.dataIndex]; }
    });
    charts.push(streets);
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
