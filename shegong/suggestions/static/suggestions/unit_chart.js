/* Bar chart of received / replied appeals per unit on /portal/open/units/.
   The same numbers are in the table beside it; a click on a bar opens that unit's records. */
(function () {
  "use strict";
  var holder = document.getElementById("unit-chart");
  var source = document.getElementById("unit-chart-data");
  if (!holder || !source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  holder.style.height = Math.max(240, data.units.length * 56 + 64) + "px";
  var chart = window.echarts.init(holder, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    color: ["#1f5fbf", "#2e9d5b"],
    textStyle: { fontFamily: '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif' },
    // richText: drawn in the chart; the HTML tooltip writes style="…" (blocked by the CSP).
    tooltip: { trigger: "axis", renderMode: "richText", axisPointer: { type: "shadow" } },
    legend: { data: ["收到", "答复"], top: 0 },
    grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: "value", name: "件", minInterval: 1 },
    yAxis: { type: "category", data: data.units, inverse: true, axisLabel: { width: 110, overflow: "truncate" } },
    series: [
      { name: "收到", type: "bar", data: data.received, label: { show: true, position: "right" } },
      { name: "答复", type: "bar", data: data.replied, label: { show: true, position: "right" } }
    ]
  });
  chart.on("click", function (params) {
    var url = data.urls[params.dataIndex];
    if (url) { window.location.href = url; }
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
