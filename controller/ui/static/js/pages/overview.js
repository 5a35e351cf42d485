// Overview: what runs, what is wrong, and how to start when nothing is there yet.
import { Card, Empty, ErrorNotice, Loading, Panel, Status, Table } from "../components.js";
import { api, fmtAgo, html, read, subscribe, urls, useData, useEffect, useState } from "../core.js";
import { pipelineText } from "./applications.js";

const CATALOG_EVENTS = ["ModelUpdate", "ModelRemove", "ApplicationUpdate", "ApplicationRemove", "ServableUpdate",
  "ServableRemove"];

async function loadOverview() {
  const [versions, applications, servables, alerts] = await Promise.all([
    api("/api/v2/model/version"), api("/api/v2/application"), api("/api/v2/servable"),
    read("api/v2/alerts", { query: { state: "firing", limit: "200" } }),
  ]);
  return { versions, applications, servables, alerts };
}

export function GettingStarted() {
  return html`<${Panel} title="Getting started">
    <${Empty} title="No models yet">
      <p>Describe a model in a <code>serving.yaml</code> next to its files, then upload and build it:</p>
    <//>
    <ol class="stack">
      <li>Upload a model (its folder holds <code>serving.yaml</code>, the payload and optionally training data):
        <pre>hydro apply -f serving.yaml</pre></li>
      <li>Serve it in an application (a pipeline of weighted model variants):
        <pre>hydro apply -f application.yaml</pre>
        or <a href="/ui/applications/new">create an application here</a> once a model is released.</li>
      <li>Send a request to the gateway:
        <pre>curl -X POST ${location.origin}/gateway/application/APP -H 'Content-Type: application/json' -d '{"x": 1.0}'</pre></li>
    </ol>
    <p class="muted small">The demo (<code>make demo</code>) trains three wine models and a two-stage application.</p>
  <//>`;
}

function Activity() {
  const [items, setItems] = useState([]);
  useEffect(() => subscribe((name, data) => {
    if (name === "Heartbeat" || !data) return;
    setItems((list) => [{ name, data, at: new Date().toISOString() }, ...list].slice(0, 12));
  }), []);
  const describe = ({ name, data }) => {
    if (name === "ModelUpdate") return html`<a href=${urls.version(data.model.name, data.modelVersion)}>${data.model.name}:${data.modelVersion}</a> ${" "}<${Status} value=${data.status} />`;
    if (name === "ApplicationUpdate") return html`application <a href=${urls.application(data.name)}>${data.name}</a> ${" "}<${Status} value=${data.status} />`;
    if (name === "ServableUpdate") return html`servable ${data.fullName} ${" "}<${Status} value=${data.status} />`;
    return `${name}: ${typeof data === "object" ? JSON.stringify(data).slice(0, 80) : data}`;
  };
  return html`<${Panel} title="Live activity">
    ${items.length ? html`<ul class="small">${items.map((item) => html`<li>${describe(item)} <span class="muted">${fmtAgo(item.at)}</span></li>`)}</ul>`
      : html`<p class="muted small">Changes to models, applications and servables appear here as they happen.</p>`}
  <//>`;
}

export default function Overview() {
  const { data, error, loading } = useData(loadOverview, [], { events: CATALOG_EVENTS });
  if (loading && !data) return html`<${Loading} />`;
  if (!data) return html`<${ErrorNotice} error=${error} />`;
  const { versions, applications, servables, alerts } = data;
  const released = versions.filter((v) => v.status === "Released").length;
  const failed = versions.filter((v) => v.status === "Failed").length;
  const ready = applications.filter((a) => a.status === "Ready").length;
  const serving = servables.filter((s) => s.status === "Serving").length;
  const firing = alerts.ok ? alerts.body.items.length : null;
  const recent = [...versions].sort((a, b) => (b.created || "").localeCompare(a.created || "")).slice(0, 8);
  return html`<div class="stack">
    <${ErrorNotice} error=${error} />
    <div class="cards">
      <${Card} label="Model versions" value=${versions.length} href="/ui/models"
        hint=${`${released} released${failed ? `, ${failed} failed` : ""}`} />
      <${Card} label="Applications" value=${`${ready} / ${applications.length}`} hint="ready" href="/ui/applications" />
      <${Card} label="Servables" value=${`${serving} / ${servables.length}`} hint="serving" href="/ui/engine" />
      <${Card} label="Firing alerts" value=${firing === null ? "–" : firing} href="/ui/alerts"
        kind=${firing ? "fail" : ""} hint=${alerts.ok ? "from the alerts function" : alerts.message} />
    </div>
    ${versions.length === 0 ? html`<${GettingStarted} />` : html`<div class="grid2">
      <${Panel} title="Applications">
        <${Table} rows=${applications} rowKey=${(a) => a.name}
          empty=${html`<${Empty} title="No applications yet" command="hydro apply -f application.yaml">
            <p>or <a href="/ui/applications/new">create one here</a>.</p><//>`}
          columns=${[
            { label: "name", cell: (a) => html`<a href=${urls.application(a.name)}>${a.name}</a>` },
            { label: "status", cell: (a) => html`<${Status} value=${a.status} />` },
            { label: "pipeline", cell: (a) => html`<span class="mini-pipeline">${pipelineText(a)}</span>` },
          ]} />
      <//>
      <${Panel} title="Latest model versions">
        <${Table} rows=${recent} rowKey=${(v) => v.id} columns=${[
          { label: "version", cell: (v) => html`<a href=${urls.version(v.model.name, v.modelVersion)}>${v.model.name}:${v.modelVersion}</a>` },
          { label: "status", cell: (v) => html`<${Status} value=${v.status} />` },
          { label: "created", cell: (v) => html`<span class="nowrap">${fmtAgo(v.created)}</span>` },
        ]} />
      <//>
    </div>`}
    <${Activity} />
  </div>`;
}
