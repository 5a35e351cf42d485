// Applications: every pipeline with its status and stages at a glance.
import { Empty, ErrorNotice, Loading, Panel, Status, Table } from "../components.js";
import { api, fmtTime, html, urls, useData } from "../core.js";

/** `wine-scaler:1 → wine-classifier:1 (80%) | wine-classifier:2 (20%)` */
export function pipelineText(app) {
  const stages = (app.executionGraph && app.executionGraph.stages) || [];
  return stages.map((stage) => {
    const variants = stage.modelVariants || [];
    return variants.map((v) => {
      const ref = v.modelName ? `${v.modelName}:${v.modelVersion}` : `version #${v.modelVersionId}`;
      return variants.length > 1 || v.weight !== 100 ? `${ref} (${v.weight}%)` : ref;
    }).join(" | ");
  }).join(" → ");
}

export default function Applications() {
  const { data, error, loading } = useData(() => api("/api/v2/application"), [],
    { events: ["ApplicationUpdate", "ApplicationRemove"] });
  if (loading && !data) return html`<${Loading} />`;
  if (!data) return html`<${ErrorNotice} error=${error} />`;
  const apps = [...data].sort((a, b) => a.name.localeCompare(b.name));
  return html`<div class="stack">
    <${ErrorNotice} error=${error} />
    <${Panel} title=${`${apps.length} application${apps.length === 1 ? "" : "s"}`}
      actions=${html`<a class="button primary" href="/ui/applications/new">New application</a>`}>
      <${Table} rows=${apps} rowKey=${(a) => a.name}
        empty=${html`<${Empty} title="No applications yet" command="hydro apply -f application.yaml">
          <p>An application serves released model versions as a pipeline of stages, each a weighted
          split across model variants. Write it in YAML and apply it, or <a href="/ui/applications/new">create
          one here</a>.</p><//>`}
        columns=${[
          { label: "name", cell: (a) => html`<a href=${urls.application(a.name)}>${a.name}</a>` },
          { label: "status", cell: (a) => html`<${Status} value=${a.status} />${a.message ? html`<div class="small muted">${a.message}</div>` : ""}` },
          { label: "pipeline", cell: (a) => html`<span class="mini-pipeline">${pipelineText(a)}</span>` },
          { label: "created", cell: (a) => html`<span class="nowrap">${fmtTime(a.created)}</span>` },
        ]} />
    <//>
  </div>`;
}
