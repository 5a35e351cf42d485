// Create or edit an application: stages of weighted model variants, each on a deployment configuration.
import { ErrorNotice, Loading, Panel } from "../components.js";
import { api, enc, html, urls, useData, useState } from "../core.js";

const NAME = /^[a-z0-9]([a-z0-9_.-]{0,251}[a-z0-9])?$/;

async function loadForm(name) {
  const [versions, configs, app] = await Promise.all([
    api("/api/v2/model/version"), api("/api/v2/deployment_configuration"),
    name ? api(`/api/v2/application/${enc(name)}`) : Promise.resolve(null),
  ]);
  return { versions, configs, app };
}

/** The form's stages from an application (edit) or one stage on the newest released version (new). */
export function initialStages(app, versions) {
  if (app) {
    return app.executionGraph.stages.map((stage) => ({ variants: stage.modelVariants.map((v) => ({
      versionId: v.modelVersionId, weight: v.weight, config: v.deploymentConfigurationName || "" })) }));
  }
  const released = versions.filter((v) => v.status === "Released");
  const first = released.length ? released[released.length - 1].id : "";
  return [{ variants: [{ versionId: first, weight: 100, config: "" }] }];
}

/** Problems the API would refuse, found before sending: [] when the form can be sent. */
export function validate(name, stages) {
  const problems = [];
  if (!NAME.test(name)) problems.push("The name must be lowercase letters, digits, '-', '_' or '.', starting and ending with a letter or digit.");
  stages.forEach((stage, i) => {
    if (stage.variants.some((v) => !v.versionId)) problems.push(`Stage ${i + 1}: choose a model version for every variant.`);
    const sum = stage.variants.reduce((total, v) => total + Number(v.weight || 0), 0);
    if (sum !== 100) problems.push(`Stage ${i + 1}: the weights add up to ${sum}, not 100.`);
  });
  return problems;
}

/** The API body (hydrosdk's execution-graph JSON). */
export function applicationBody(name, stages, metadata) {
  return {
    name, kafkaStreaming: [], metadata: metadata || {},
    executionGraph: { stages: stages.map((stage) => ({ modelVariants: stage.variants.map((v) => ({
      modelVersionId: Number(v.versionId), weight: Number(v.weight), deploymentConfigName: v.config || null })) })) },
  };
}

function VariantRow({ variant, versions, configs, onChange, onRemove }) {
  return html`<div class="variant-row">
    <label class="field">Model version
      <select value=${String(variant.versionId)} onChange=${(e) => onChange({ ...variant, versionId: Number(e.target.value) })}>
        <option value="">choose…</option>
        ${versions.map((v) => html`<option value=${String(v.id)} disabled=${v.status !== "Released"}>
          ${v.model.name}:${v.modelVersion}${v.status !== "Released" ? ` (${v.status})` : ""}</option>`)}
      </select></label>
    <label class="field">Weight
      <input type="number" min="0" max="100" value=${variant.weight} onInput=${(e) => onChange({ ...variant, weight: e.target.value })} /></label>
    <label class="field">Deployment configuration
      <select value=${variant.config} onChange=${(e) => onChange({ ...variant, config: e.target.value })}>
        <option value="">default</option>
        ${configs.map((c) => html`<option value=${c.name}>${c.name}</option>`)}
      </select></label>
    <button type="button" onClick=${onRemove} disabled=${!onRemove} aria-label="Remove variant">Remove</button>
  </div>`;
}

function StageEditor({ index, stage, versions, configs, onChange, onRemove }) {
  const sum = stage.variants.reduce((total, v) => total + Number(v.weight || 0), 0);
  const setVariant = (j, value) => onChange({ variants: stage.variants.map((v, k) => (k === j ? value : v)) });
  return html`<div class="stage-form" data-stage=${index + 1}>
    <div class="spread"><strong>Stage ${index + 1}</strong>
      <span class=${sum === 100 ? "small muted" : "small fail"}>weights: ${sum} of 100</span></div>
    ${stage.variants.map((v, j) => html`<${VariantRow} key=${j} variant=${v} versions=${versions} configs=${configs}
      onChange=${(value) => setVariant(j, value)}
      onRemove=${stage.variants.length > 1 ? () => onChange({ variants: stage.variants.filter((_, k) => k !== j) }) : null} />`)}
    <div class="row" style=${{ marginTop: "8px" }}>
      <button type="button" onClick=${() => onChange({ variants: [...stage.variants, { versionId: "", weight: 0, config: "" }] })}>Add variant</button>
      ${onRemove && html`<button type="button" class="danger" onClick=${onRemove}>Remove stage</button>`}
    </div>
  </div>`;
}

function Form({ data, editing }) {
  const [name, setName] = useState(editing || "");
  const [stages, setStages] = useState(() => initialStages(data.app, data.versions));
  const [error, setError] = useState(null);
  const [saving, setSaving] = useState(false);
  const problems = validate(name, stages);
  const save = async (event) => {
    event.preventDefault();
    if (problems.length) return;
    setSaving(true);
    setError(null);
    try {
      const body = applicationBody(name, stages, data.app && data.app.metadata);
      await api("/api/v2/application", { method: editing ? "PUT" : "POST", body });
      location.assign(urls.application(name));
    } catch (e) {
      setError(e);
      setSaving(false);
    }
  };
  const setStage = (i, value) => setStages(stages.map((s, k) => (k === i ? value : s)));
  return html`<form class="stack" onSubmit=${save} id="application-form">
    <${Panel} title="Application">
      <label class="field">Name
        <input value=${name} disabled=${Boolean(editing)} onInput=${(e) => setName(e.target.value.trim())} required
          placeholder="e.g. fraud-detector" /></label>
    <//>
    <${Panel} title="Pipeline">
      <p class="small muted">A request goes through the stages in order. Within a stage, traffic splits across the
        variants by weight (they must add up to 100); weight 0 makes a shadow that gets a copy of the traffic.
        All variants of a stage need the same contract.</p>
      <div class="stack">${stages.map((stage, i) => html`<${StageEditor} key=${i} index=${i} stage=${stage}
        versions=${data.versions} configs=${data.configs} onChange=${(value) => setStage(i, value)}
        onRemove=${stages.length > 1 ? () => setStages(stages.filter((_, k) => k !== i)) : null} />`)}</div>
      <p><button type="button" onClick=${() => setStages([...stages, { variants: [{ versionId: "", weight: 100, config: "" }] }])}>Add stage</button></p>
    <//>
    ${problems.length > 0 && html`<ul class="notice warn">${problems.map((p) => html`<li>${p}</li>`)}</ul>`}
    <${ErrorNotice} error=${error} />
    <div class="row">
      <button class="primary" type="submit" disabled=${saving || problems.length > 0}>${editing ? "Save changes" : "Create application"}</button>
      <a class="button" href=${editing ? urls.application(editing) : "/ui/applications"}>Cancel</a>
    </div>
  </form>`;
}

export default function ApplicationForm({ name }) {
  const { data, error, loading } = useData(() => loadForm(name), [name]);
  if (loading && !data) return html`<${Loading} />`;
  if (!data) return html`<${ErrorNotice} error=${error} />`;
  if (!data.versions.some((v) => v.status === "Released")) {
    return html`<div class="notice warn">No released model version yet: upload one with <code>hydro apply -f serving.yaml</code>
      and wait for its build to finish.</div>`;
  }
  return html`<${Form} data=${data} editing=${name} />`;
}
