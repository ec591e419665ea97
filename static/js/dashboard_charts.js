// The dashboard's ECharts: one chart per [data-chart] element, drawn as SVG (so it prints), from the
// page's json_script data. Clicking a child's bar opens its dashboard; clicking a month filters the page to it.
(function () {
  "use strict";
  var source = document.getElementById("cockpit-data");
  if (!source || !window.echarts || !window.UnityCharts) { return; }
  var data = JSON.parse(source.textContent);
  var labels = JSON.parse(document.getElementById("cockpit-labels").textContent);
  var root = document.querySelector("[data-cockpit]");
  var childUrl = root.getAttribute("data-child-url");
  var query = root.getAttribute("data-query");
  var charts = [];
  var geo = document.getElementById("cockpit-geo");
  if (geo) { echarts.registerMap("children", JSON.parse(geo.textContent)); }

  function openChild(code) {
    if (code) { window.location.href = childUrl.replace("__code__", encodeURIComponent(code)) + (query ? "?" + query : ""); }
  }

  function openMonth(month) {
    if (/^\d{4}-\d{2}$/.test(month)) {
      window.location.href = window.location.pathname + "?from=" + month + "&to=" + month;
    }
  }

  function rankingCode(name) {
    var row = data.ranking.filter(function (r) { return r.name === name; })[0];
    return row ? row.code : null;
  }

  function draw(el, opts) {
    var name = el.getAttribute("data-chart");
    if (!UnityCharts.hasData(name, data)) { el.hidden = true; return null; }
    if (name === "ranking") {
      // One bar per child: the height grows with their number so the names stay readable.
      el.style.height = Math.max(220, 34 * data.ranking.length + 40) + "px";
    }
    var chart = echarts.getInstanceByDom(el);
    if (!chart) {
      chart = echarts.init(el, null, { renderer: "svg" });
      // "is-ready" once the bars have grown to their length (the browser tests click on them).
      chart.on("finished", function () { el.classList.add("is-ready"); });
    }
    chart.setOption(UnityCharts.option(name, data, labels, opts), true);
    el.classList.add("is-drawn");
    return chart;
  }

  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var name = el.getAttribute("data-chart");
    var select = name === "ranking" || name === "map" ? document.querySelector("[data-ranking-metric]") : null;
    var chart = draw(el, { metric: select ? select.value : null, mapName: "children" });
    if (!chart) { return; }
    charts.push(chart);
    if (name === "ranking" || name === "treemap" || name === "map") {
      chart.on("click", function (p) {
        openChild(p.data && p.data.code ? p.data.code : rankingCode(p.componentType === "yAxis" ? p.value : p.name));
      });
      if (select) {
        select.addEventListener("change", function () { draw(el, { metric: select.value, mapName: "children" }); });
      }
    } else if (/_by_month$/.test(name)) {
      chart.on("click", function (p) { openMonth(p.componentType === "xAxis" ? p.value : p.name); });
    }
  });

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  // Printing lays the page out at the paper's width: the SVG charts are redrawn to fit it.
  window.addEventListener("beforeprint", function () { charts.forEach(function (c) { c.resize(); }); });
}());
