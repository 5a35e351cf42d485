// One application: its pipeline drawn as stages of weighted variants with their servables' status,
// its contract, and the Test dialog.
import { Contract, Dialog, ErrorNotice, KeyValues, Loading, Panel, Status } from "../components.js";
import { api, enc, html, urls, useData, useState } from "../core.js";
import { TestDialog } from "./test_dialog.js";

async function loadApplication(name) {
  const [app, servables] = await Promise.all([api(`/api/v2/application/${enc(name)}`), api("/api/v2/servable")]);
  return { app, servables: Object.fromEntries(servables.map((s) => [s.fullName, s])) };
}

function Variant({ variant, servable }) {
  const ref = `${variant.modelName}:${variant.modelVersion}`;
  const shadow = variant.weight === 0;
  return html`<div class="variant ${shadow ? "shadow" : ""}" data-variant=${ref}>
    <div class="spread"><a href=${urls.version(variant.modelName, variant.modelVersion)}><strong>${ref}</strong></a>
      <span class="small">${shadow ? "shadow" : `${variant.weight}%`}</span></div>
    <div class="weight" title=${`weight ${variant.weight}`}><span style=${{ width: `${variant.weight}%` }}></span></div>
    <div class="row small" style=${{ marginTop: "4px" }}>
      <${Status} value=${servable ? servable.status : "Unknown"} />
      ${servable && html`<span class="muted">${servable.replicas} replica${servable.replicas === 1 ? "" : "s"}</span>`}
    </div>
    ${variant.deploymentConfigurationName && html`<div class="small muted">config ${variant.deploymentConfigurationName}</div>`}
    ${servable && servable.statusMessage && html`<div class="small muted">${servable.statusMessage}</div>`}
  </div>`;
}

export function Pipeline({ app, servables }) {
  const stages = app.executionGraph.stages;
  return html`<div class="pipeline" aria-label="Pipeline">
    <div class="pipe-end">request</div>
    ${stages.map((stage, i) => html`<span class="arrow" aria-hidden="true">→</span>
      <div class="stage" data-stage=${i + 1}>
        <div class="stage-title">Stage ${i + 1}</div>
        ${stage.modelVariants.map((v) => html`<${Variant} variant=${v} servable=${servables[v.servableName]} />`)}
      </div>`)}
    <span class="arrow" aria-hidden="true">→</span>
    <div class="pipe-end">response</div>
  </div>`;
}

function DeleteDialog({ name, open, onClose }) {
  const [error, setError] = useState(null);
  const remove = async () => {
    try {
      await api(`/api/v2/application/${enc(name)}`, { method: "DELETE" });
      location.assign("/ui/applications");
    } catch (e) {
      setError(e);
    }
  };
  return html`<${Dialog} open=${open} title=${`Delete ${name}?`} onClose=${onClose}>
    <p>The application stops serving; servables it alone uses are removed. Model versions stay.</p>
    <${ErrorNotice} error=${error} />
    <div class="row"><button class="danger primary" onClick=${remove}>Delete</button>
      <button onClick=${onClose}>Cancel</button></div>
  <//>`;
}

export default function Application({ name }) {
  const { data, error, loading } = useData(() => loadApplication(name), [name], {
    events: ["ApplicationUpdate", "ServableUpdate", "ServableRemove"],
  });
  const [dialog, setDialog] = useState(null);
  if (loading && !data) return html`<${Loading} />`;
  if (!data) return html`<${ErrorNotice} error=${error} />`;
  const { app, servables } = data;
  const actions = html`
    <button class="primary" id="test-button" onClick=${() => setDialog("test")}>Test</button>
    <a class="button" href=${urls.application(name, "/edit")}>Edit</a>
    <button class="danger" onClick=${() => setDialog("delete")}>Delete</button>`;
  return html`<div class="stack">
    <${ErrorNotice} error=${error} />
    <${Panel} title="Pipeline" actions=${actions}>
      <div class="row" style=${{ marginBottom: "8px" }}>
        <${Status} value=${app.status} />${app.message && html`<span class="muted">${app.message}</span>`}
      </div>
      <${Pipeline} app=${app} servables=${servables} />
      <p class="small muted">Each stage's variants split its traffic by weight; a variant of weight 0 is a
        shadow that receives a copy of the traffic and is never answered.</p>
    <//>
    <${Panel} title="Contract"><${Contract} signature=${app.signature} /><//>
    <${Panel} title="Metadata"><${KeyValues} entries=${app.metadata} empty="No metadata." /><//>
    <${TestDialog} app=${app} open=${dialog === "test"} onClose=${() => setDialog(null)} />
    <${DeleteDialog} name=${name} open=${dialog === "delete"} onClose=${() => setDialog(null)} />
  </div>`;
}
