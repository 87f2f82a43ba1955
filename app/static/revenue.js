// The Revenue page's 12-month chart (uPlot, vendored): total MRR and each product's, from the trend table's data.
(function () {
  const dollars = (cents) => cents == null ? null : cents / 100;  // drawing only: the figures shown are the server's
  const money = (v) => v == null ? "—" : "$" + v.toLocaleString("en-US", {minimumFractionDigits: 2, maximumFractionDigits: 2});
  const palette = ["#2563eb", "#16a34a", "#d97706", "#9333ea", "#dc2626", "#0891b2"];

  function draw(root) {
    const el = root.querySelector ? root.querySelector("#mrr-chart") : null;
    if (!el || !window.uPlot || el.dataset.drawn) return;
    const trend = JSON.parse(el.dataset.series);
    const products = [...new Set(trend.flatMap((m) => Object.keys(m.by_product)))].sort();
    const xs = trend.map((_, i) => i);
    const data = [xs, trend.map((m) => dollars(m.total_mrr_cents)),
      ...products.map((p) => trend.map((m) => m.total_mrr_cents == null ? null : dollars(m.by_product[p] || 0)))];
    const series = [{label: "Month", value: (u, i) => i == null ? "" : trend[i].month},
      {label: "MRR", stroke: palette[0], width: 2, value: (u, v) => money(v)},
      ...products.map((p, i) => ({label: p.replace(/_/g, " "), stroke: palette[(i + 1) % palette.length],
        value: (u, v) => money(v)}))];
    el.dataset.drawn = "1";
    new uPlot({width: Math.max(320, el.clientWidth || 800), height: 260, series,
      axes: [{values: (u, ticks) => ticks.map((i) => trend[i] ? trend[i].month : "")},
        {size: 80, values: (u, ticks) => ticks.map((v) => "$" + v.toLocaleString("en-US"))}],
      scales: {x: {time: false}}}, data, el);
  }

  document.addEventListener("DOMContentLoaded", () => draw(document));
  document.addEventListener("htmx:load", (event) => draw(event.target.parentNode || document));
})();
