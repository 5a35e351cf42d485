// Alerts: failed checks, failed metrics and drift, deduplicated by the alerts function, with the
// state of their notifications.
import { Empty, ErrorNotice, Loading, Panel, Status, Table, Unavailable } from "../components.js";
import { fmtAgo, fmtNum, fmtTime, html, read, urls, useData, useState } from "../core.js";

const SUBJECT_KINDS = ["field", "metric", "feature"];

export function subjectOf(alert) {
  for (const kind of SUBJECT_KINDS) if (alert[kind] !== undefined) return `${kind} ${alert[kind]}`;
  return "–";
}

function Deliveries({ alert }) {
  const deliveries = alert.deliveries || [];
  if (!deliveries.length) return html`<p class="muted small">No webhook is configured (HYDRO_ALERT_WEBHOOK_URLS), so nothing was sent.</p>`;
  return html`<${Table} rows=${deliveries} rowKey=${(d) => d.id} columns=${[
    { label: "webhook", cell: (d) => html`<code>${d.webhook}</code>` },
    { label: "notification", cell: (d) => d.notification },
    { label: "status", cell: (d) => html`<${Status} value=${d.status} />` },
    { label: "attempts", className: "num", cell: (d) => d.attempts },
    { label: "last error", cell: (d) => d.lastError || "–" },
    { label: "delivered", cell: (d) => fmtTime(d.deliveredAt) },
  ]} />`;
}

function AlertTable({ items }) {
  const [open, setOpen] = useState(null);
  const chosen = items.find((a) => a.id === open);
  return html`<div class="stack">
    <${Table} rows=${items} rowKey=${(a) => a.id} onRow=${(a) => setOpen(a.id === open ? null : a.id)}
      selected=${(a) => a.id === open} columns=${[
        { label: "state", cell: (a) => html`<${Status} value=${a.state} />` },
        { label: "severity", cell: (a) => html`<${Status} value=${a.severity} kind=${a.severity === "critical" ? "bad" : "warn"} />` },
        { label: "model", cell: (a) => html`<a class="nowrap" href=${urls.version(a.modelName, a.modelVersion, "monitoring")}
          onClick=${(e) => e.stopPropagation()}>${a.modelName}:${a.modelVersion}</a>` },
        { label: "what", cell: (a) => `${a.kind}: ${subjectOf(a)}` },
        { label: "count", className: "num", cell: (a) => fmtNum(a.count) },
        { label: "last value", className: "num", cell: (a) => (a.lastValue === null ? "–"
          : `${fmtNum(a.lastValue)}${a.threshold !== null ? ` (${a.comparison} ${fmtNum(a.threshold)})` : ""}`) },
        { label: "last seen", cell: (a) => html`<span class="nowrap" title=${fmtTime(a.lastSeen)}>${fmtAgo(a.lastSeen)}</span>` },
        { label: "message", cell: (a) => html`<span class="small">${a.message}</span>` },
      ]} />
    ${chosen && html`<${Panel} title=${`Alert ${chosen.id}: notifications`}>
      <p class="small muted">First seen ${fmtTime(chosen.firstSeen)}${chosen.resolvedAt ? `, resolved ${fmtTime(chosen.resolvedAt)}` : ""}
        ${chosen.lastRequestId ? `, last request ${chosen.lastRequestId}` : ""}${chosen.lastBatch !== null && chosen.lastBatch !== undefined ? `, last batch ${chosen.lastBatch}` : ""}.</p>
      <${Deliveries} alert=${chosen} />
    <//>`}
  </div>`;
}

export default function Alerts() {
  const [state, setState] = useState("");
  const query = { limit: "200", ...(state ? { state } : {}) };
  const { data, error, loading } = useData(() => read("api/v2/alerts", { query }), [state], { everyMs: 10000 });
  const filter = html`<select aria-label="State" value=${state} onChange=${(e) => setState(e.target.value)}>
    <option value="">all</option><option value="firing">firing</option><option value="resolved">resolved</option></select>`;
  if (loading && !data) return html`<${Loading} what="alerts" />`;
  if (!data) return html`<${ErrorNotice} error=${error} />`;
  if (!data.ok) {
    return html`<${Panel}><${Unavailable} result=${data} what="Alerts"
      hint="The alerts function turns failed checks, metrics and drift into deduplicated alerts and webhook notifications." /><//>`;
  }
  const items = data.body.items || [];
  return html`<${Panel} title=${`${items.length} alert${items.length === 1 ? "" : "s"}`} actions=${filter}>
    ${items.length ? html`<${AlertTable} items=${items} />` : html`<${Empty} title=${state ? `No ${state} alerts` : "No alerts"}>
      An alert fires when a request fails its checks against the training data or a metric threshold, or when a
      batch drifts; it resolves after a quiet period. Webhooks (Alertmanager or any URL) are set with
      <code>HYDRO_ALERT_WEBHOOK_URLS</code>.<//>`}
  <//>`;
}
