// Engine: what the local engine runs (replicas, in-flight and held requests, cold starts, restarts,
// errors) and every servable with its runtime log.
import { Card, Dialog, Empty, ErrorNotice, Loading, Panel, Status, Table } from "../components.js";
import { api, enc, fmtMs, fmtNum, html, useData, useEffect, useRef, useState } from "../core.js";

function ServableLog({ name, onClose }) {
  const [lines, setLines] = useState([]);
  const box = useRef(null);
  useEffect(() => {
    if (!name) return undefined;
    setLines([]);
    const stream = new EventSource(`/api/v2/servable/${enc(name)}/logs?follow=true`);
    stream.addEventListener("Log", (event) => setLines((list) => [...list.slice(-999), event.data]));
    return () => stream.close();
  }, [name]);
  useEffect(() => {
    if (box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines]);
  return html`<${Dialog} open=${Boolean(name)} title=${`Log of ${name}`} onClose=${onClose}>
    <pre class="log" ref=${box}>${lines.length ? lines.join("\n") : "Waiting for log lines…"}</pre>
  <//>`;
}

function ServiceTable({ services }) {
  const rows = Object.entries(services).map(([name, s]) => ({ name, ...s }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return html`<${Table} rows=${rows} rowKey=${(s) => s.name} columns=${[
    { label: "service", cell: (s) => html`<code>${s.name}</code><div class="small muted">${s.revision}</div>` },
    { label: "state", cell: (s) => html`<${Status} value=${s.crash_looping ? "CrashLooping" : s.ready ? "Ready" : s.starting ? "Starting" : "Idle"}
      kind=${s.crash_looping ? "bad" : s.ready ? "ok" : s.starting ? "progress" : ""} />` },
    { label: "replicas", className: "num", cell: (s) => `${s.ready}${s.starting ? ` (+${s.starting})` : ""}` },
    { label: "in flight", className: "num", cell: (s) => fmtNum(s.in_flight) },
    { label: "held", className: "num", cell: (s) => fmtNum(s.held) },
    { label: "requests", className: "num", cell: (s) => fmtNum(s.requests) },
    { label: "cold starts", className: "num", cell: (s) => (s.cold_starts ? `${s.cold_starts.count} (last ${fmtMs(s.cold_starts.last_ms)})` : "–") },
    { label: "restarts", className: "num", cell: (s) => fmtNum(s.restarts) },
    { label: "last error", cell: (s) => (s.last_error ? html`<details><summary class="fail small">${s.last_error.split("\n")[0]}</summary>
      <pre class="log">${s.last_error}</pre></details>` : "") },
  ]} />`;
}

function LocalEngine() {
  const { data, error, loading } = useData(() => api("/api/v2/engine"), [], { everyMs: 3000 });
  if (loading && !data) return html`<${Loading} what="the engine" />`;
  if (!data) return html`<${ErrorNotice} error=${error} />`;
  const services = Object.values(data.services);
  const replicas = services.reduce((sum, s) => sum + (s.ready || 0), 0);
  const colds = services.reduce((sum, s) => sum + (s.cold_starts ? s.cold_starts.count : 0), 0);
  return html`<div class="stack">
    <${ErrorNotice} error=${error} />
    <div class="cards">
      <${Card} label="Services" value=${services.length} hint="model versions and functions" />
      <${Card} label="Ready replicas" value=${replicas} />
      <${Card} label="Cold starts" value=${colds} hint="scale-ups from zero" />
      <${Card} label="Dead letters" value=${data.dead_letters.count} kind=${data.dead_letters.count ? "fail" : ""}
        hint="events no subscriber could take" />
      <${Card} label="Pings fired" value=${data.pings_fired} hint="periodic batch work" />
    </div>
    <${Panel} title="Services"><${ServiceTable} services=${data.services} /><//>
    ${data.dead_letters.recent.length > 0 && html`<${Panel} title="Recent dead letters">
      <pre class="json">${JSON.stringify(data.dead_letters.recent, null, 2)}</pre><//>`}
  </div>`;
}

function Servables() {
  const { data, error, loading } = useData(() => api("/api/v2/servable"), [], { events: ["ServableUpdate", "ServableRemove"] });
  const [log, setLog] = useState(null);
  if (loading && !data) return html`<${Loading} what="servables" />`;
  if (!data) return html`<${ErrorNotice} error=${error} />`;
  return html`<${Panel} title="Servables">
    <${Table} rows=${data} rowKey=${(s) => s.fullName}
      empty=${html`<${Empty} title="Nothing deployed">Servables appear when an application uses a model version.<//>`}
      columns=${[
        { label: "servable", cell: (s) => html`<code>${s.fullName}</code>` },
        { label: "model", cell: (s) => `${s.modelName}:${s.modelVersion}` },
        { label: "status", cell: (s) => html`<${Status} value=${s.status} />${s.statusMessage ? html`<div class="small muted">${s.statusMessage}</div>` : ""}` },
        { label: "replicas", className: "num", cell: (s) => s.replicas },
        { label: "used by", cell: (s) => s.usedBy.join(", ") || "–" },
        { label: "", cell: (s) => html`<button onClick=${() => setLog(s.fullName)}>Log</button>` },
      ]} />
    <${ServableLog} name=${log} onClose=${() => setLog(null)} />
  <//>`;
}

export default function Engine({ local }) {
  return html`<div class="stack">
    ${local ? html`<${LocalEngine} />` : html`<div class="notice">This controller runs on a cluster: Knative runs the
      servables. <code>kubectl get ksvc -l app.kubernetes.io/part-of=hydro</code> shows them.</div>`}
    <${Servables} />
  </div>`;
}
