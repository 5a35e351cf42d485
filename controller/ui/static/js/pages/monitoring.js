// Monitoring of one model version: request and failure rates, latency, metric values against their
// thresholds, checks per batch and field as a heat map, recent requests and the drill-down into one.
import { HeatMap, ChartView, timeSeries } from "../charts.js";
import { Card, Empty, ErrorNotice, Loading, Panel, Table, Unavailable } from "../components.js";
import { api, fmtMs, fmtNum, fmtPct, fmtTime, html, read, urls, useData, useState } from "../core.js";
import { RequestDialog } from "./request_dialog.js";

const RECENT = 500;
const BATCHES = 40;
const BUCKETS_MS = [1e3, 5e3, 10e3, 30e3, 60e3, 300e3, 600e3, 1800e3, 3600e3, 6 * 3600e3, 86400e3];

async function loadMonitoring(id) {
  const [version, summary, recent, aggregates] = await Promise.all([
    api(`/api/v2/model/version/${id}`),
    read(`monitoring/summary/${id}`),
    read(`monitoring/checks/all/${id}`, { query: { limit: String(RECENT) } }),
    read(`monitoring/checks/aggregates/${id}`, { query: { limit: String(BATCHES) } }),
  ]);
  return { version, summary, recent, aggregates };
}

/** The smallest bucket width giving at most `maxBuckets` buckets over the documents' time span. */
export function bucketWidth(docs, maxBuckets = 40) {
  if (docs.length < 2) return BUCKETS_MS[0];
  const times = docs.map((d) => d._hs_timestamp);
  const span = Math.max(...times) - Math.min(...times);
  return BUCKETS_MS.find((width) => span / width <= maxBuckets) || BUCKETS_MS[BUCKETS_MS.length - 1];
}

/** Requests, failures (errors) and requests with failed checks per time bucket, oldest first. */
export function rateSeries(docs, width) {
  const buckets = new Map();
  for (const doc of docs) {
    const start = Math.floor(doc._hs_timestamp / width) * width;
    const bucket = buckets.get(start) || { x: start, requests: 0, failures: 0, checks: 0 };
    bucket.requests += 1;
    bucket.failures += doc._hs_error ? 1 : 0;
    bucket.checks += doc._hs_checks_failed ? 1 : 0;
    buckets.set(start, bucket);
  }
  const sorted = [...buckets.values()].sort((a, b) => a.x - b.x);
  // Empty buckets between busy ones are zeros, not gaps.
  const filled = [];
  for (const bucket of sorted) {
    const previous = filled[filled.length - 1];
    for (let x = previous ? previous.x + width : bucket.x; x < bucket.x; x += width) {
      filled.push({ x, requests: 0, failures: 0, checks: 0 });
    }
    filled.push(bucket);
  }
  return filled;
}

function widthText(ms) {
  return ms >= 3600e3 ? `${ms / 3600e3} h` : ms >= 60e3 ? `${ms / 60e3} min` : `${ms / 1e3} s`;
}

function SummaryCards({ summary, versionRef }) {
  const s = summary;
  const drift = s.lastDrift;
  return html`<div class="cards" id="summary">
    <${Card} label="Requests" value=${fmtNum(s.requests)} hint=${`batches of ${s.batchSize}`} />
    <${Card} label="Failure rate" value=${fmtPct(s.failureRate)} hint=${`${fmtNum(s.failures)} failed`} kind=${s.failures ? "fail" : ""} />
    <${Card} label="Latency p50 / p99" value=${`${fmtMs(s.latencyMs.p50)} / ${fmtMs(s.latencyMs.p99)}`}
      hint=${`last ${fmtNum(s.latencyMs.requests)} requests`} />
    <${Card} label="Checks failed" value=${fmtNum(s.checksFailed)} hint="requests outside the training range" kind=${s.checksFailed ? "fail" : ""} />
    <${Card} label="Outliers" value=${fmtNum(s.outliers)} hint="failed a metric check" kind=${s.outliers ? "fail" : ""} />
    <${Card} label="Last batch" value=${s.lastBatch ? `#${s.lastBatch._hs_batch}` : "–"}
      hint=${s.lastBatch ? `${s.lastBatch._hs_requests} requests, ${s.lastBatch._hs_status}` : "no batch completed yet"} />
    <${Card} label="Drift" value=${drift ? (drift.drifted ? "drift" : "no drift") : "–"} kind=${drift && drift.drifted ? "fail" : ""}
      href=${urls.version(versionRef.name, versionRef.version, "drift")}
      hint=${drift ? (drift.driftedFeatures.length ? drift.driftedFeatures.join(", ") : fmtTime(drift.createdAt)) : "no report yet"} />
  </div>`;
}

/** Documents oldest first (by time: the sequence follows arrival at the monitoring function). */
export function chronological(docs) {
  return [...docs].sort((a, b) => a._hs_timestamp - b._hs_timestamp);
}

function RateCharts({ docs, summary }) {
  const ordered = chronological(docs);
  const width = bucketWidth(ordered);
  const rates = rateSeries(ordered, width);
  // Each bucket's value holds from its start to the next one's; a last point closes the last bucket.
  const steps = (key) => [...rates.map((b) => ({ x: b.x, y: b[key] })),
    ...(rates.length ? [{ x: rates[rates.length - 1].x + width, y: rates[rates.length - 1][key] }] : [])];
  const rateConfig = timeSeries({
    yTitle: `per ${widthText(width)}`,
    series: [
      { label: "requests", points: steps("requests"), stepped: "before" },
      { label: "failures", points: steps("failures"), color: "#c62828", stepped: "before" },
      { label: "checks failed", points: steps("checks"), color: "#ef6c00", stepped: "before" },
    ],
  });
  const latency = ordered.filter((d) => d._hs_latency !== null && d._hs_latency !== undefined);
  const span = latency.length ? [latency[0]._hs_timestamp, latency[latency.length - 1]._hs_timestamp] : [];
  const line = (value) => span.map((x) => ({ x, y: value }));
  const latencyConfig = timeSeries({
    yTitle: "ms (log scale)", logarithmic: true,
    series: [
      { label: "latency", points: latency.map((d) => ({ x: d._hs_timestamp, y: d._hs_latency })) },
      ...(summary && summary.latencyMs.p50 !== null ? [
        { label: "p50", points: line(summary.latencyMs.p50), color: "#2e7d32", dashed: true },
        { label: "p99", points: line(summary.latencyMs.p99), color: "#c62828", dashed: true },
      ] : []),
    ],
  });
  return html`<div class="grid2">
    <${Panel} title="Requests and failures"><${ChartView} config=${rateConfig} label="Requests and failures over time" /><//>
    <${Panel} title="Latency"><${ChartView} config=${latencyConfig} label="Latency over time" /><//>
  </div>`;
}

/** Metric values per request against each metric's threshold (one line each, threshold dashed). */
function MetricChart({ docs }) {
  const ordered = chronological(docs);
  const names = [...new Set(ordered.flatMap((d) => Object.keys(d._hs_metric_checks || {})))];
  if (!names.length) {
    return html`<${Panel} title="Metrics"><p class="muted small">No metric model scores this version's requests.
      Training data brings an automatic outlier detector; <code>monitoring:</code> in serving.yaml adds others.</p><//>`;
  }
  const series = names.flatMap((name, i) => {
    const points = ordered.filter((d) => d._hs_metric_checks && d._hs_metric_checks[name]
      && d._hs_metric_checks[name].value !== null).map((d) => ({ x: d._hs_timestamp, y: d._hs_metric_checks[name].value }));
    const threshold = ordered.map((d) => d._hs_metric_checks && d._hs_metric_checks[name])
      .find((m) => m && m.threshold !== null && m.threshold !== undefined);
    const out = [{ label: name, points }];
    if (threshold && points.length) {
      out.push({ label: `${name} threshold (${threshold.comparison})`, dashed: true, color: "#c62828",
        points: [{ x: points[0].x, y: threshold.threshold }, { x: points[points.length - 1].x, y: threshold.threshold }] });
    }
    return out.map((s) => ({ ...s, color: s.color || ["#6a1b9a", "#00838f", "#5d4037"][i % 3] }));
  });
  return html`<${Panel} title="Metrics against thresholds"><${ChartView} config=${timeSeries({ series, yMin: null })}
    label="Metric values against thresholds" /><//>`;
}

const isField = (key) => !key.startsWith("_");

/** Checks per batch (columns, oldest first) and field or metric (rows): the share of requests failing. */
function ChecksHeatMap({ aggregates, onBatch }) {
  const batches = [...aggregates.results].reverse();
  if (!batches.length) return html`<p class="muted small">No batch yet.</p>`;
  const fields = [...new Set(batches.flatMap((b) => Object.keys(b).filter(isField)))].sort();
  const metrics = [...new Set(batches.flatMap((b) => Object.keys(b._hs_metrics || {})))].sort();
  const rows = [...fields.map((f) => ({ key: f, label: f, kind: "field" })),
    ...metrics.map((m) => ({ key: m, label: `metric: ${m}`, kind: "metric" }))];
  const columns = batches.map((b) => ({ key: b._hs_batch, label: String(b._hs_batch), batch: b,
    title: `batch ${b._hs_batch}: ${b._hs_requests} requests (${b._hs_status})` }));
  const cell = (row, column) => {
    const b = column.batch;
    const counts = row.kind === "field" ? b[row.key] : (b._hs_metrics || {})[row.key];
    const total = counts ? (row.kind === "field" ? counts.checks : counts.checked) : 0;
    if (!total) return null;
    const failed = total - counts.passed;
    return { share: failed / total, title: `batch ${b._hs_batch}, ${row.label}: ${failed} of ${total} failed` };
  };
  return html`<div>
    <${HeatMap} rows=${rows} columns=${columns} cell=${cell} onCell=${(_row, column) => onBatch(column.key)} />
    <div class="legend" style=${{ marginTop: "8px" }}>
      <span><span class="swatch" style=${{ background: "hsl(120, 62%, 78%)" }}></span>no failure</span>
      <span><span class="swatch" style=${{ background: "hsl(60, 62%, 53%)" }}></span>half failed</span>
      <span><span class="swatch" style=${{ background: "hsl(0, 62%, 48%)" }}></span>all failed</span>
      <span>Choose a cell to list that batch's requests.</span>
    </div>
  </div>`;
}

function RequestsTable({ docs, onOpen }) {
  return html`<${Table} rows=${docs} rowKey=${(d) => d._id} onRow=${onOpen} columns=${[
    { label: "time", cell: (d) => html`<span class="nowrap">${fmtTime(d._hs_timestamp)}</span>` },
    { label: "request", cell: (d) => html`<span class="mono small">${d._hs_request_id}</span>` },
    { label: "batch", className: "num", cell: (d) => d._hs_batch },
    { label: "latency", className: "num", cell: (d) => fmtMs(d._hs_latency) },
    { label: "checks", cell: (d) => (d._hs_score === null ? html`<span class="muted">–</span>`
      : html`<span class=${d._hs_checks_failed ? "fail" : "pass"}>${Math.round(d._hs_score * 100)}%</span>`) },
    { label: "outlier", cell: (d) => (d._hs_outlier ? html`<span class="fail">yes</span>` : "no") },
    { label: "error", cell: (d) => (d._hs_error ? html`<span class="fail small">${d._hs_error}</span>` : "") },
  ]} />`;
}

function Requests({ id, recent, version, batch, setBatch }) {
  const [open, setOpen] = useState(null);
  const batchDocs = useData(() => (batch === null ? null : read(`monitoring/slow/checks/${id}/${batch}`)), [batch]);
  const [shown, setShown] = useState(20);
  const all = batch === null ? recent : (batchDocs.data && batchDocs.data.ok ? batchDocs.data.body : []);
  const docs = all.slice(0, shown);
  return html`<${Panel} title=${batch === null ? "Recent requests" : `Requests of batch ${batch}`}
      actions=${batch !== null && html`<button onClick=${() => setBatch(null)}>Show recent requests</button>`}>
    <${RequestsTable} docs=${docs} onOpen=${setOpen} />
    <div class="spread"><p class="small muted">Choose a request to see its fields, checks, metrics and explanation.</p>
      ${all.length > shown && html`<button onClick=${() => setShown(shown + 50)}>Show more (${all.length - shown} left)</button>`}</div>
    <${RequestDialog} doc=${open} version=${version} onClose=${() => setOpen(null)} />
  <//>`;
}

function trafficHint(version) {
  const app = version.applications[0];
  if (!app) return "Deploy it in an application, then send it requests through the gateway.";
  return `Send requests to an application that uses it, e.g. curl -X POST ${location.origin}/gateway/application/${app} -d @inputs.json`;
}

function Body({ id, data, name, version: number }) {
  const { version, summary, recent, aggregates } = data;
  const [batch, setBatch] = useState(null);
  if (!summary.ok) {
    return html`<${Panel}>${summary.status === 404
      ? html`<${Empty} title="No monitoring data yet">${summary.message}<p class="small">${trafficHint(version)}</p><//>`
      : html`<${Unavailable} result=${summary} what="Monitoring" hint="The monitoring function computes checks, profiles and drift from the gateway's events." />`}<//>`;
  }
  return html`<div class="stack">
    <${SummaryCards} summary=${summary.body} versionRef=${{ name, version: number }} />
    ${recent.ok && recent.body.length ? html`<${RateCharts} docs=${recent.body} summary=${summary.body} />
      <${MetricChart} docs=${recent.body} />` : html`<${Panel}><${Empty} title="No requests yet">${trafficHint(version)}<//><//>`}
    <${Panel} title="Checks per batch">${aggregates.ok
      ? html`<${ChecksHeatMap} aggregates=${aggregates.body} onBatch=${setBatch} />`
      : html`<${Unavailable} result=${aggregates} what="Batches" />`}<//>
    <${Requests} id=${id} recent=${recent.ok ? recent.body : []} version=${version} batch=${batch} setBatch=${setBatch} />
  </div>`;
}

export default function Monitoring({ id, name, version }) {
  const { data, error, loading } = useData(() => loadMonitoring(id), [id], { everyMs: 5000 });
  if (loading && !data) return html`<${Loading} what="monitoring" />`;
  if (!data) return html`<${ErrorNotice} error=${error} />`;
  return html`<div class="stack">
    <${ErrorNotice} error=${error} />
    <${Body} id=${id} data=${data} name=${name} version=${version} />
  </div>`;
}
