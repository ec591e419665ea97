// The cockpit's chart options, shared by the dashboard (light) and the big screen (dark).
// Data comes from reporting/cockpit.py through json_script; nothing here knows a figure of its own.
// Tooltips are plain text lines: an HTML tooltip with the default colour markers would carry inline style
// attributes, which the Content Security Policy refuses.
(function () {
  "use strict";

  var PALETTE = ["#b3261e", "#7a8591", "#d08c2b", "#2b6cb0", "#2f855a", "#805ad5", "#c05621", "#319795"];
  var DARK_PALETTE = ["#ff6b5e", "#9fb3c8", "#f6c453", "#63b3ed", "#68d391", "#b794f4", "#fbb26a", "#4fd1c5"];

  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function fmt(value) {
    if (value === null || value === undefined) { return "—"; }
    return typeof value === "number" ? value.toLocaleString("zh-CN") : String(value);
  }

  // One line per series: "series: value", after the category's name.
  function axisTooltip(suffixes) {
    return function (params) {
      var list = Array.isArray(params) ? params : [params];
      var lines = [esc(list[0].name)];
      list.forEach(function (p) {
        lines.push(esc(p.seriesName) + "：" + esc(fmt(p.value)) + esc((suffixes && suffixes[p.seriesIndex]) || ""));
      });
      return lines.join("<br>");
    };
  }

  function base(opts) {
    var dark = opts && opts.dark;
    var text = dark ? "#e6edf5" : "#1f2328";
    var size = (opts && opts.fontSize) || 12;
    return {
      color: dark ? DARK_PALETTE : PALETTE,
      backgroundColor: "transparent",
      textStyle: { color: text, fontSize: size },
      // Decal patterns tell the series apart without colour (print, colour blindness); aria describes the chart.
      aria: { enabled: true, decal: { show: !dark } },
      animation: !(opts && opts.noAnimation),
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        confine: true,
        textStyle: { fontSize: size },
      },
      // Spacing follows the font, so a 4K screen's larger type does not run into the legend or off the edge.
      legend: { top: 0, itemWidth: Math.round(size * 1.6), itemHeight: Math.round(size * 0.9),
        textStyle: { color: text, fontSize: size } },
      grid: { left: 8, right: size * 2, top: size * 3, bottom: 8, containLabel: true },
    };
  }

  function axisStyle(opts) {
    var dark = opts && opts.dark;
    var size = (opts && opts.fontSize) || 12;
    return {
      axisLabel: { color: dark ? "#c9d6e3" : "#444", fontSize: size },
      axisLine: { lineStyle: { color: dark ? "#4a5d73" : "#999" } },
      splitLine: { lineStyle: { color: dark ? "#26384d" : "#eee" } },
    };
  }

  function merge(target, extra) {
    Object.keys(extra).forEach(function (k) { target[k] = extra[k]; });
    return target;
  }

  function hbar(rows, nameKey, valueKey, seriesName, opts, label, labelChars) {
    var o = base(opts);
    var size = (opts && opts.fontSize) || 12;
    var ordered = rows.slice().reverse(); // largest at the top
    o.legend.show = false;
    o.tooltip.formatter = axisTooltip();
    o.xAxis = merge({ type: "value" }, axisStyle(opts));
    o.yAxis = merge({ type: "category", data: ordered.map(function (r) { return r[nameKey]; }), triggerEvent: true },
      axisStyle(opts));
    o.grid.top = 8;
    o.grid.right = Math.round(size * 0.6 * (labelChars || 6)) + 8; // room for the value after the longest bar
    o.series = [{
      name: seriesName, type: "bar", data: ordered.map(function (r) { return r[valueKey]; }),
      label: { show: true, position: "right", color: (opts && opts.dark) ? "#e6edf5" : "#1f2328",
        fontSize: (opts && opts.fontSize) || 12, formatter: label || function (p) { return fmt(p.value); } },
      barMaxWidth: 28,
    }];
    return o;
  }

  function monthsLabels(data) {
    return data.months.map(function (m) { return m.month; });
  }

  var builders = {
    composition: function (data, L, opts) {
      var rows = data.composition;
      var byName = {};
      rows.forEach(function (r) { byName[r.name] = r; });
      return hbar(rows, "name", "count", L.people, opts, function (p) {
        return fmt(p.value) + " (" + byName[p.name].share_text + ")";
      }, 15);
    },
    activities_by_month: function (data, L, opts) {
      return monthBars(data, L, opts, "activities", "activities_last_year", L.activities);
    },
    participants_by_month: function (data, L, opts) {
      return monthBars(data, L, opts, "participants", "participants_last_year", L.participants);
    },
    categories: function (data, L, opts) {
      return hbar(data.categories, "name", "count", L.activities, opts);
    },
    investment: function (data, L, opts) {
      return hbar(data.investment, "name", "amount", L.investment, opts);
    },
    channels: function (data, L, opts) {
      return hbar(data.channels, "name", "count", L.received, opts);
    },
    petitions_by_month: function (data, L, opts) {
      var o = base(opts);
      o.tooltip.formatter = axisTooltip(["", "", "", "%"]);
      o.xAxis = merge({ type: "category", data: monthsLabels(data), triggerEvent: true }, axisStyle(opts));
      o.yAxis = [merge({ type: "value", minInterval: 1 }, axisStyle(opts)),
        merge({ type: "value", max: 100, axisLabel: { formatter: "{value}%" } }, axisStyle(opts))];
      o.yAxis[1].axisLabel = merge(o.yAxis[1].axisLabel, { formatter: "{value}%" });
      o.yAxis[1].splitLine = { show: false };
      o.series = [
        { name: L.received, type: "bar", data: data.months.map(function (m) { return m.petitions_received; }) },
        { name: L.closed, type: "bar", data: data.months.map(function (m) { return m.petitions_closed; }) },
        { name: L.overdue, type: "bar", data: data.months.map(function (m) { return m.petitions_overdue; }) },
        { name: L.closure_rate, type: "line", yAxisIndex: 1, connectNulls: false,
          data: data.months.map(function (m) { return m.closure_rate; }) },
      ];
      return o;
    },
    ranking: function (data, L, opts) {
      var metric = (opts && opts.metric) || "minority_share";
      var high = L.better_high[metric];
      var rows = data.ranking.filter(function (r) { return r[metric] !== null && r[metric] !== undefined; });
      rows.sort(function (a, b) { return high ? b[metric] - a[metric] : a[metric] - b[metric]; });
      var o = hbar(rows, "name", metric, L.metrics[metric], opts);
      o.series[0].cursor = "pointer";
      // The child's code rides on its bar, so a click opens that child even where two names are alike.
      o.series[0].data = rows.slice().reverse().map(function (r) { return { value: r[metric], code: r.code }; });
      return o;
    },
    plan: function (data, L, opts) {
      var o = base(opts);
      var rows = data.plan ? data.plan.by_status : [];
      o.tooltip = { trigger: "item", confine: true, formatter: function (p) {
        return esc(p.name) + "：" + esc(fmt(p.value)) + "（" + p.percent + "%）";
      } };
      o.legend.show = false;
      o.series = [{ type: "pie", radius: ["45%", "72%"], center: ["50%", "55%"],
        label: { color: (opts && opts.dark) ? "#e6edf5" : "#1f2328", fontSize: (opts && opts.fontSize) || 12,
          formatter: "{b}\n{c}" },
        data: rows.map(function (r) { return { name: r.label, value: r.count }; }) }];
      return o;
    },
    // A choropleth of the chosen figure over the children's boundaries (registered by the page as opts.mapName).
    map: function (data, L, opts) {
      var metric = opts.metric || "minority_share";
      var rows = data.ranking.filter(function (r) { return r[metric] !== null && r[metric] !== undefined; });
      var values = rows.map(function (r) { return r[metric]; });
      var dark = opts.dark;
      var o = base(opts);
      o.legend.show = false;
      o.tooltip = { trigger: "item", confine: true, formatter: function (p) {
        return esc(p.name) + "：" + esc(fmt(p.value)) + "（" + esc(L.metrics[metric]) + "）";
      } };
      o.visualMap = { type: "continuous", min: Math.min.apply(null, values.concat([0])),
        max: Math.max.apply(null, values.concat([1])), left: 8, bottom: 8, calculable: false,
        textStyle: { color: dark ? "#e6edf5" : "#1f2328" },
        inRange: { color: dark ? ["#12355b", "#ff6b5e"] : ["#fbe3df", "#b3261e"] } };
      o.series = [{ type: "map", map: opts.mapName, roam: false, selectedMode: false, cursor: "pointer", showLegendSymbol: false,
        label: { show: true, fontSize: opts.fontSize || 12, color: dark ? "#fff" : "#1f2328" },
        data: rows.map(function (r) { return { name: r.name, value: r[metric], code: r.code }; }) }];
      return o;
    },
    treemap: function (data, L, opts) {
      var o = base(opts);
      o.tooltip = { trigger: "item", confine: true, formatter: function (p) {
        return esc(p.name) + "：" + esc(fmt(p.value)) + esc(L.people);
      } };
      o.legend.show = false;
      o.series = [{ type: "treemap", roam: false, nodeClick: false, breadcrumb: { show: false },
        label: { fontSize: (opts && opts.fontSize) || 12 },
        data: data.ranking.filter(function (r) { return r.population; })
          .map(function (r) { return { name: r.name, value: r.population, code: r.code }; }) }];
      return o;
    },
  };

  function monthBars(data, L, opts, key, lastKey, unit) {
    var o = base(opts);
    o.tooltip.formatter = axisTooltip();
    o.xAxis = merge({ type: "category", data: monthsLabels(data), triggerEvent: true }, axisStyle(opts));
    o.yAxis = merge({ type: "value", minInterval: 1, name: unit }, axisStyle(opts));
    o.series = [
      { name: L.this_period, type: "bar", data: data.months.map(function (m) { return m[key]; }) },
      { name: L.last_year, type: "bar", data: data.months.map(function (m) { return m[lastKey]; }) },
    ];
    return o;
  }

  // Charts the reader has data for: an empty chart is left out rather than drawn as a blank frame.
  function hasData(name, data) {
    switch (name) {
      case "composition": return data.composition.length > 0;
      case "categories": return data.categories.length > 0;
      case "channels": return data.channels.some(function (c) { return c.count > 0; });
      case "investment": return (data.investment || []).some(function (r) { return r.amount > 0; });
      case "ranking": case "treemap": return data.ranking.length > 0;
      case "map": return data.ranking.length > 0 && !!window.echarts.getMap("children");
      case "plan": return !!data.plan;
      default: return data.months.length > 0;
    }
  }

  window.UnityCharts = {
    option: function (name, data, labels, opts) { return builders[name](data, labels, opts || {}); },
    hasData: hasData,
    format: fmt,
  };
}());
