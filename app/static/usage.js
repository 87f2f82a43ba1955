// The Usage page's chart (uPlot, vendored): reports per instance per usage day, each instance's run summary and
// trailing median, flagged days in red; ISO dates on the axis and in the tooltip. The table under it has the numbers.
(function () {
  const count = (v) => v == null ? "—" : String(v);

  function tooltipText(chart, i) {
    const lines = chart.series.map((s) => {
      const bits = [`${s.instance}: ${count(s.counts[i])} reports`];
      if (s.runs[i] != null) bits.push(`run summary ${s.runs[i]}`);
      if (s.medians[i] != null) bits.push(`7-day median ${s.medians[i]}`);
      if (s.flagged[i]) bits.push("FLAGGED");
      return bits.join(" · ");
    });
    return [chart.dates[i], ...lines].join("\n");
  }

  function draw(root) {
    const el = root.querySelector ? root.querySelector("#usage-plot") : null;
    if (!el || !window.uPlot || el.dataset.drawn) return;
    const chart = JSON.parse(el.dataset.series);
    const xs = chart.dates.map((_, i) => i);
    const data = [xs];
    const series = [{label: "Usage day", value: (u, i) => i == null ? "" : chart.dates[i]}];
    chart.series.forEach((s) => {
      data.push(s.counts);
      series.push({label: `${s.instance} reports`, stroke: s.colour, width: 2, value: (u, v) => count(v)});
      data.push(s.medians.map((m) => m == null ? null : Number(m)));
      series.push({label: `${s.instance} 7-day median`, stroke: s.colour, dash: [4, 3], width: 1, points: {show: false},
        value: (u, v) => v == null ? "—" : String(v)});
      data.push(s.runs);
      series.push({label: `${s.instance} run summary`, stroke: "#111", paths: () => null,
        points: {show: true, size: 6, fill: "#111"}, value: (u, v) => count(v)});
      data.push(s.counts.map((c, i) => s.flagged[i] ? c : null));
      series.push({label: `${s.instance} flagged`, stroke: "#dc2626", paths: () => null,
        points: {show: true, size: 10, fill: "#dc2626"}, value: (u, v) => v == null ? "" : "flagged"});
    });
    const tip = document.createElement("div");
    tip.className = "chart-tooltip";
    tip.hidden = true;
    el.dataset.drawn = "1";
    const plot = new uPlot({
      width: Math.max(320, el.clientWidth || 900), height: 280, series, legend: {show: false},
      scales: {x: {time: false}},
      axes: [
        {space: 90, label: "Usage day (UTC date)", values: (u, ticks) => ticks.map((i) => chart.dates[i] || "")},
        {label: "Reports received", size: 60, values: (u, ticks) => ticks.map((v) => Number.isInteger(v) ? String(v) : "")}],
      hooks: {setCursor: [(u) => {
        const i = u.cursor.idx;
        if (i == null) { tip.hidden = true; return; }
        tip.textContent = tooltipText(chart, i);
        tip.hidden = false;
        tip.style.left = Math.min(u.cursor.left + 12, u.over.clientWidth - 220) + "px";
        tip.style.top = (u.cursor.top + 12) + "px";
      }]},
    }, data, el);
    plot.over.appendChild(tip);
  }

  // The Re-run button names the date it will send: it follows the date field as it is edited.
  document.addEventListener("input", (event) => {
    if (!event.target.matches("#usage-rerun input[name=date]")) return;
    const button = event.target.form.querySelector(".rerun-button");
    if (button) button.textContent = event.target.value ? `Re-run for ${event.target.value}` : "Re-run";
  });

  document.addEventListener("DOMContentLoaded", () => draw(document));
  document.addEventListener("htmx:load", (event) => draw(event.target.parentNode || document));
})();
