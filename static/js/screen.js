// The big screen (数据大屏): draws the panels from the page's json_script data, then asks the JSON summary for
// fresh figures every few minutes. When the server cannot be reached the last figures stay on the screen,
// with the time they were fetched and a notice, until the next answer comes.
(function () {
  "use strict";
  var root = document.querySelector("[data-screen]");
  if (!root || !window.echarts || !window.UnityCharts) { return; }
  var payload = JSON.parse(document.getElementById("screen-data").textContent);
  var labels = JSON.parse(document.getElementById("cockpit-labels").textContent);
  var dataUrl = root.getAttribute("data-url");
  var refresh = parseInt(root.getAttribute("data-refresh"), 10) || 180;
  var charts = {};
  var geo = document.getElementById("cockpit-geo");
  if (geo) { echarts.registerMap("children", JSON.parse(geo.textContent)); }
  var fmt = UnityCharts.format;

  // Sizes follow the screen: 16 px at 1920 wide, twice that on a 3840 × 2160 display.
  function options() {
    var scale = Math.max(1, Math.min(window.innerWidth / 1920, window.innerHeight / 1080));
    return { dark: true, fontSize: Math.round(16 * scale), noAnimation: false, mapName: "children" };
  }

  function setText(selector, text) {
    var el = root.querySelector(selector);
    if (el) { el.textContent = text; }
  }

  function drawFigures(data) {
    var h = data.charts.headline;
    root.querySelectorAll("[data-figure]").forEach(function (el) {
      var key = el.getAttribute("data-figure");
      var value = h[key];
      el.textContent = value === null || value === undefined ? "—" : fmt(value) + (el.getAttribute("data-suffix") || "");
    });
    // The JSON summary names its period by dates only; the label the page was rendered with stays then.
    if (data.period && data.period.label) { setText("[data-period]", data.period.label); }
    var plan = data.charts.plan;
    setText("[data-plan='title']", plan ? plan.title : root.querySelector("[data-plan='title']").textContent);
    if (plan) {
      setText("[data-plan='score']", fmt(plan.self_score) + " / " + fmt(plan.points));
      setText("[data-plan='responsibilities_overdue']", fmt(plan.responsibilities_overdue));
      setText("[data-plan='budget_share']", plan.budget_share === null ? "—" : fmt(plan.budget_share) + "%");
    }
  }

  function drawCharts(data) {
    var opts = options();
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      var name = el.getAttribute("data-chart");
      opts.metric = el.getAttribute("data-metric");
      if (!UnityCharts.hasData(name, data.charts)) { el.classList.add("is-empty"); return; }
      el.classList.remove("is-empty");
      var chart = charts[name] || (charts[name] = echarts.init(el, null, { renderer: "svg" }));
      chart.setOption(UnityCharts.option(name, data.charts, labels, opts), true);
      el.classList.add("is-drawn");
    });
  }

  function stamp(ok) {
    var now = new Date();
    if (ok) {
      var time = root.querySelector("[data-updated]");
      time.textContent = now.toLocaleString("zh-CN", { hour12: false });
      time.setAttribute("datetime", now.toISOString());
    }
    root.querySelector("[data-stale]").hidden = ok;
    root.classList.toggle("is-stale", !ok);
  }

  function draw(data) {
    payload = data;
    drawFigures(data);
    drawCharts(data);
  }

  // The next request is asked for a full interval after the last answer, so a slow one never overlaps the next.
  function poll() {
    fetch(dataUrl, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        if (!data || !data.charts) { throw new Error("no figures"); }
        draw(data);
        stamp(true);
      })
      .catch(function () { stamp(false); })
      .then(function () { window.setTimeout(poll, refresh * 1000); });
  }

  draw(payload);
  stamp(true);
  window.setTimeout(poll, refresh * 1000);
  window.addEventListener("resize", function () {
    drawCharts(payload);
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
  });
}());
