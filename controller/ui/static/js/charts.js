// Charts: Chart.js (vendored UMD, global `Chart`) wrapped as Preact components, config builders
// for the few chart kinds the UI draws, and an HTML heat map (a grid of buttons, keyboard usable).
import { fmtNum, html, useEffect, useRef } from "./core.js";

export const PALETTE = ["#1565c0", "#ef6c00", "#2e7d32", "#6a1b9a", "#c62828", "#00838f", "#5d4037", "#ad1457",
  "#9e9d24", "#455a64"];
export const TRAINING_COLOR = "#1565c0";
export const PRODUCTION_COLOR = "#ef6c00";

/** One Chart.js chart; a new `config` updates the chart in place (no animation, no flicker). */
export function ChartView({ config, tall = false, label = "chart" }) {
  const canvas = useRef(null);
  const chart = useRef(null);
  useEffect(() => {
    chart.current = new window.Chart(canvas.current, config);
    return () => chart.current.destroy();
  }, []);
  useEffect(() => {
    if (!chart.current) return;
    chart.current.data = config.data;
    chart.current.options = config.options;
    chart.current.update("none");
  }, [config]);
  return html`<div class="chart ${tall ? "tall" : ""}"><canvas ref=${canvas} role="img" aria-label=${label}></canvas></div>`;
}

function baseOptions({ xTitle, yTitle, yMin } = {}) {
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    interaction: { mode: "nearest", intersect: false },
    plugins: { legend: { position: "bottom", labels: { boxWidth: 12, boxHeight: 12 } } },
    scales: {
      x: { type: "linear", title: { display: Boolean(xTitle), text: xTitle } },
      y: { beginAtZero: yMin === 0, min: yMin === 0 ? 0 : undefined, title: { display: Boolean(yTitle), text: yTitle } },
    },
  };
}

function clock(ms) {
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, "0");
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Lines over time: `series` = [{label, points: [{x: epoch ms, y}], color, dashed, stepped, fill}]. */
export function timeSeries({ series, yTitle, yMin = 0, logarithmic = false }) {
  const options = baseOptions({ yTitle, yMin: logarithmic ? null : yMin });
  if (logarithmic) options.scales.y.type = "logarithmic";
  options.scales.x.ticks = { callback: (value) => clock(value), maxTicksLimit: 6 };
  options.plugins.tooltip = { callbacks: { title: (items) => (items.length ? clock(items[0].parsed.x) : "") } };
  return { type: "line", data: { datasets: series.map((s, i) => lineDataset(s, i)) }, options };
}

function lineDataset(series, index) {
  const color = series.color || PALETTE[index % PALETTE.length];
  return {
    label: series.label,
    data: series.points,
    borderColor: color,
    backgroundColor: series.fill ? color + "33" : color,
    borderDash: series.dashed ? [6, 4] : undefined,
    stepped: series.stepped || false,
    fill: Boolean(series.fill),
    pointRadius: series.points.length > 60 || series.dashed || series.stepped ? 0 : 2,
    borderWidth: series.dashed ? 1.5 : 2,
    spanGaps: true,
  };
}

/**
 * Overlaid distributions as densities, so sides of different sizes compare: numerical sides
 * = {edges, counts} (counts may carry an underflow and overflow bin around the edges).
 */
export function densityOverlay(sides, xTitle) {
  const datasets = sides.filter((side) => side.edges && side.counts).map((side, i) => {
    const points = densityPoints(side.edges, side.counts);
    return lineDataset({ label: side.label, points, color: side.color || PALETTE[i], stepped: "before", fill: true }, i);
  });
  const options = baseOptions({ xTitle, yTitle: "share of values per unit", yMin: 0 });
  options.plugins.tooltip = { callbacks: { label: (item) => `${item.dataset.label}: ${fmtNum(item.parsed.y)}` } };
  return { type: "line", data: { datasets }, options };
}

/**
 * Step points of a histogram's density: one point per bin start and one closing the last bin.
 * Values below the first edge or above the last (the outer counts) get a bin of average width on
 * that side, so production data outside the training range stays visible.
 */
export function densityPoints(edges, counts) {
  if (edges.length < 2) return [];
  const outer = counts.length === edges.length + 1;
  const inner = outer ? counts.slice(1, -1) : counts.slice(0, edges.length - 1);
  const total = counts.reduce((a, b) => a + b, 0) || 1;
  const width = (edges[edges.length - 1] - edges[0]) / (edges.length - 1) || 1;
  const bins = inner.map((count, i) => [edges[i], edges[i + 1], count]);
  if (outer && counts[0] > 0) bins.unshift([edges[0] - width, edges[0], counts[0]]);
  if (outer && counts[counts.length - 1] > 0) {
    bins.push([edges[edges.length - 1], edges[edges.length - 1] + width, counts[counts.length - 1]]);
  }
  const points = bins.map(([lo, hi, count]) => ({ x: lo, y: hi > lo ? count / total / (hi - lo) : 0 }));
  const last = bins[bins.length - 1];
  points.push({ x: last[1], y: points[points.length - 1].y });
  return points;
}

/** Categories side by side as shares: `sides` = [{label, values: {category: count}}]. */
export function categoryBars(categories, sides) {
  const datasets = sides.map((side, i) => {
    const total = categories.reduce((sum, c) => sum + (side.values[c] || 0), 0) || 1;
    return {
      label: side.label,
      data: categories.map((c) => (side.values[c] || 0) / total),
      backgroundColor: side.color || PALETTE[i],
    };
  });
  const options = baseOptions({ yTitle: "share", yMin: 0 });
  options.scales.x = { type: "category" };
  options.plugins.tooltip = { callbacks: { label: (item) => `${item.dataset.label}: ${(item.parsed.y * 100).toFixed(1)}%` } };
  return { type: "bar", data: { labels: categories.map(String), datasets }, options };
}

/**
 * A scatter plot: `groups` = [{label, color, points: [{x, y, ...}]}]; `describe(point)` gives the
 * tooltip lines, `onPoint(point)` runs on a click.
 */
export function scatter(groups, { describe, onPoint } = {}) {
  const options = baseOptions();
  options.interaction = { mode: "nearest", intersect: true };
  options.plugins.tooltip = { callbacks: { label: (item) => (describe ? describe(item.raw) : `${item.parsed.x}, ${item.parsed.y}`) } };
  options.onClick = (_event, elements, chart) => {
    if (!onPoint || !elements.length) return;
    const { datasetIndex, index } = elements[0];
    onPoint(chart.data.datasets[datasetIndex].data[index]);
  };
  const datasets = groups.map((g, i) => ({
    label: g.label, data: g.points, backgroundColor: g.color || PALETTE[i % PALETTE.length], pointRadius: 3.5,
    pointHoverRadius: 6,
  }));
  return { type: "scatter", data: { datasets }, options };
}

/** Failure share 0..1 as a colour from green (none failed) to red (all failed). */
export function failureColor(share) {
  const s = Math.max(0, Math.min(1, share));
  return `hsl(${Math.round(120 * (1 - s))}, 62%, ${s === 0 ? 78 : 58 - 10 * s}%)`;
}

/**
 * Rows x columns of cells; `cell(row, column)` returns {share, title} or null (no data).
 * Each cell is a button: `onCell(row, column)` runs when it is chosen.
 */
export function HeatMap({ rows, columns, cell, onCell }) {
  const style = { gridTemplateColumns: `minmax(90px, 170px) repeat(${columns.length}, minmax(16px, 36px))` };
  return html`<div class="heatmap" style=${style} role="grid">
    <div></div>
    ${columns.map((c) => html`<div class="hm-col" title=${c.title || c.label}>${c.label}</div>`)}
    ${rows.map((r) => [
      html`<div class="hm-label" title=${r.label}>${r.label}</div>`,
      ...columns.map((c) => {
        const value = cell(r, c);
        if (!value) return html`<div class="hm-cell none" title=${`${r.label}, ${c.title || c.label}: no data`}></div>`;
        return html`<button type="button" class="hm-cell" title=${value.title} aria-label=${value.title} data-column=${c.key}
          style=${{ background: failureColor(value.share) }} onClick=${() => onCell && onCell(r, c)}></button>`;
      }),
    ])}
  </div>`;
}
