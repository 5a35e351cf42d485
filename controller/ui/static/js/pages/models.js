// Models: every model with its versions, status, runtime and where each version is used.
import { Empty, ErrorNotice, Loading, Panel, Status, Table } from "../components.js";
import { api, fmtTime, html, urls, useData, useState } from "../core.js";

/** Versions grouped by model name, names sorted, newest version first. */
export function groupByModel(versions) {
  const groups = new Map();
  for (const v of versions) {
    if (!groups.has(v.model.name)) groups.set(v.model.name, []);
    groups.get(v.model.name).push(v);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b))
    .map(([name, list]) => [name, list.sort((a, b) => b.modelVersion - a.modelVersion)]);
}

function runtimeText(v) {
  if (v.isExternal) return "external";
  return v.runtime ? `${v.runtime.name}:${v.runtime.tag}` : "–";
}

function Model({ name, versions }) {
  return html`<${Panel} title=${name} id=${`model-${name}`}>
    <${Table} rows=${versions} rowKey=${(v) => v.id} columns=${[
      { label: "version", cell: (v) => html`<a href=${urls.version(name, v.modelVersion)}>v${v.modelVersion}</a>` },
      { label: "status", cell: (v) => html`<${Status} value=${v.status} />` },
      { label: "runtime", cell: (v) => html`<span class="small">${runtimeText(v)}</span>` },
      { label: "applications", cell: (v) => (v.applications.length
        ? v.applications.map((a, i) => html`${i ? ", " : ""}<a href=${urls.application(a)}>${a}</a>`)
        : html`<span class="muted">none</span>`) },
      { label: "monitoring", cell: (v) => html`<a href=${urls.version(name, v.modelVersion, "monitoring")}>monitoring</a>` },
      { label: "created", cell: (v) => html`<span class="nowrap">${fmtTime(v.created)}</span>` },
    ]} />
  <//>`;
}

export default function Models({ model }) {
  const [filter, setFilter] = useState(model || "");
  const { data, error, loading } = useData(() => api("/api/v2/model/version"), [],
    { events: ["ModelUpdate", "ModelRemove", "ApplicationUpdate", "ApplicationRemove"] });
  if (loading && !data) return html`<${Loading} />`;
  if (!data) return html`<${ErrorNotice} error=${error} />`;
  const groups = groupByModel(data).filter(([name]) => name.includes(filter.trim()));
  return html`<div class="stack">
    <${ErrorNotice} error=${error} />
    ${data.length > 0 && html`<div class="row">
      <input type="search" placeholder="Filter models by name" aria-label="Filter models by name" value=${filter}
        onInput=${(e) => setFilter(e.target.value)} />
      <span class="muted small">${data.length} version${data.length === 1 ? "" : "s"} of ${groupByModel(data).length} model${groupByModel(data).length === 1 ? "" : "s"}</span>
    </div>`}
    ${data.length === 0 ? html`<${Panel}><${Empty} title="No models yet" command="hydro apply -f serving.yaml">
        <p>A model is a folder with a <code>serving.yaml</code> (name, runtime, contract, payload and
        optionally training data). Applying it uploads, builds and releases a new version.</p><//><//>`
      : groups.length === 0 ? html`<p class="muted">No model name contains “${filter}”.</p>`
        : groups.map(([name, versions]) => html`<${Model} key=${name} name=${name} versions=${versions} />`)}
  </div>`;
}
