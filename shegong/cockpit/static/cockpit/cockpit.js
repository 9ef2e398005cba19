/* The cockpit's charts: every figure of every panel, drawn with the vendored ECharts. Each
   panel arrives by its own HTMX request (views.panel) with its data in a json_script
   element (#cockpit-data-<key>; #cockpit-data when the page counted every panel itself).
   The same numbers are in the table beside each chart; a click on a bar, point or cell
   opens the list of the records it counts. */
(function () {
  "use strict";
  if (!window.echarts) { return; }
  var font = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif';
  var colors = ["#c8161d", "#1f5fbf", "#e0a100", "#2e8b57", "#7b3fa0", "#555555"];
  var charts = [];

  function option(fig) {
    var base = {
      animation: false,
      textStyle: { fontFamily: font },
      color: colors,
      // richText: the HTML tooltip writes style="…" attributes, which the CSP blocks.
      tooltip: { trigger: fig.chart === "pie" || fig.chart === "treemap" ? "item" : "axis", renderMode: "richText" },
      grid: { left: 8, right: 40, top: 32, bottom: 8, containLabel: true }
    };
    var first = fig.series[0] ? fig.series[0].points : [];
    var labels = first.map(function (p) { return p.label; });
    if (fig.chart === "pie") {
      base.series = [{ type: "pie", radius: ["35%", "70%"], data: first.map(function (p) { return { name: p.label, value: p.value }; }) }];
      return base;
    }
    if (fig.chart === "treemap") {
      base.series = [{ type: "treemap", roam: false, nodeClick: false, breadcrumb: { show: false },
        data: first.map(function (p) { return { name: p.label, value: p.value }; }) }];
      return base;
    }
    base.legend = { data: fig.series.map(function (s) { return s.name; }), top: 0 };
    if (fig.chart === "line") {
      base.xAxis = { type: "category", data: labels };
      base.yAxis = { type: "value", name: fig.unit, minInterval: 1 };
      base.series = fig.series.map(function (s) {
        return { name: s.name, type: "line", showSymbol: true, data: s.points.map(function (p) { return p.value; }) };
      });
      return base;
    }
    base.tooltip.axisPointer = { type: "shadow" };
    base.xAxis = { type: "value", name: fig.unit, minInterval: 1 };
    base.yAxis = { type: "category", data: labels, inverse: true, axisLabel: { width: 160, overflow: "truncate" } };
    base.series = fig.series.map(function (s) {
      return { name: s.name, type: "bar", barMaxWidth: 28, stack: fig.chart === "stacked_bar" ? "all" : undefined,
        data: s.points.map(function (p) { return p.value; }) };
    });
    return base;
  }

  function mapOption(fig) {
    var points = fig.series[0].points;
    var max = points.reduce(function (m, p) { return Math.max(m, p.value); }, 0);
    return {
      animation: false,
      textStyle: { fontFamily: font },
      tooltip: { trigger: "item", renderMode: "richText" },
      visualMap: { min: 0, max: max || 1, left: 8, bottom: 8, calculable: false,
        inRange: { color: ["#fff5f0", "#fcbba1", "#fb6a4a", "#c8161d"] }, text: ["多", "少"] },
      series: [{ type: "map", map: "shegong", nameProperty: "code", roam: false,
        label: { show: false }, emphasis: { label: { show: true } },
        data: points.map(function (p) { return { name: p.group, value: p.value, label: p.label }; }) }]
    };
  }

  function draw(holder, fig, geo) {
    var chart = window.echarts.init(holder, null, { renderer: "svg" });
    if (geo && geo.features && geo.features.length) {
      window.echarts.registerMap("shegong", geo);
      chart.setOption(mapOption(fig));
    } else {
      chart.setOption(option(fig));
    }
    chart.on("click", function (params) {
      var series = fig.series[params.seriesIndex || 0];
      var point = series && series.points[params.dataIndex];
      if (point && point.url) { window.location.href = point.url; }
    });
    charts.push(chart);
  }

  function drawHolder(holder, figures) {
    var fig = figures[holder.getAttribute("data-cockpit-figure")];
    if (!fig || !fig.series.length || !fig.series[0].points.length) { holder.classList.add("d-none"); return; }
    if (fig.chart === "bar" || fig.chart === "stacked_bar") {
      holder.style.height = Math.max(256, fig.series[0].points.length * 26 + 60) + "px";
    }
    var mapUrl = holder.getAttribute("data-cockpit-map");
    if (mapUrl && window.fetch) {
      holder.style.height = "28rem";
      window.fetch(mapUrl, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (geo) { draw(holder, fig, geo); })
        .catch(function () { draw(holder, fig, null); });
    } else {
      draw(holder, fig, null);
    }
  }

  // Every panel's data inside ``root`` not drawn yet, with the charts beside it.
  function drawIn(root) {
    root.querySelectorAll('script[id^="cockpit-data"]').forEach(function (source) {
      if (source.getAttribute("data-drawn")) { return; }
      source.setAttribute("data-drawn", "1");
      var figures = {};
      JSON.parse(source.textContent).forEach(function (panel) {
        panel.figures.forEach(function (fig) { figures[fig.key] = fig; });
      });
      source.parentElement.querySelectorAll("[data-cockpit-figure]").forEach(function (holder) {
        drawHolder(holder, figures);
      });
    });
  }

  drawIn(document);
  document.body.addEventListener("htmx:load", function (event) { drawIn(event.detail.elt); });
  // A panel whose request failed says so instead of 正在统计 for ever.
  document.body.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.elt.querySelector("[data-cockpit-status]");
    if (status) {
      status.textContent = "该部分统计失败，请稍后刷新页面重试。";
      status.classList.add("text-danger");
      event.detail.elt.removeAttribute("aria-busy");
    }
  });
  document.body.addEventListener("htmx:sendError", function (event) {
    var status = event.detail.elt.querySelector("[data-cockpit-status]");
    if (status) { status.textContent = "网络连接失败，请稍后刷新页面重试。"; status.classList.add("text-danger"); }
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
