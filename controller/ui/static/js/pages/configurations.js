// Deployment configurations: how servables are scaled and scheduled; create, inspect and delete.
import { Dialog, Empty, ErrorNotice, Json, Loading, Panel, Table } from "../components.js";
import { api, enc, html, useData, useState } from "../core.js";

const TEMPLATE = {
  name: "my-config",
  hpa: { minReplicas: 1, maxReplicas: 4, cpuUtilization: 70 },
  container: { resources: { requests: { cpu: "500m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } } },
};

/** One line per configuration: `hpa 1–4 @70% cpu · 2 replicas · requests cpu 500m…`. */
export function configSummary(config) {
  const parts = [];
  if (config.hpa) {
    parts.push(`hpa ${config.hpa.minReplicas}–${config.hpa.maxReplicas}${config.hpa.cpuUtilization ? ` @${config.hpa.cpuUtilization}% cpu` : ""}`);
  }
  if (config.deployment && config.deployment.replicaCount) parts.push(`${config.deployment.replicaCount} replicas`);
  const resources = config.container && config.container.resources;
  if (resources) {
    for (const side of ["requests", "limits"]) {
      if (resources[side]) parts.push(`${side} ${Object.entries(resources[side]).map(([k, v]) => `${k} ${v}`).join(", ")}`);
    }
  }
  if (config.pod && Object.keys(config.pod).length) parts.push(`pod: ${Object.keys(config.pod).join(", ")}`);
  if (config.scaling) parts.push(`scaling: ${Object.entries(config.scaling).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  return parts.join(" · ") || "defaults";
}

function CreateDialog({ open, onClose, onCreated }) {
  const [text, setText] = useState(JSON.stringify(TEMPLATE, null, 2));
  const [error, setError] = useState(null);
  const create = async () => {
    setError(null);
    let body;
    try {
      body = JSON.parse(text);
    } catch (e) {
      setError(new Error(`Not valid JSON: ${e.message}`));
      return;
    }
    try {
      await api("/api/v2/deployment_configuration", { method: "POST", body });
      onCreated();
    } catch (e) {
      setError(e);
    }
  };
  return html`<${Dialog} open=${open} title="New deployment configuration" onClose=${onClose}>
    <p class="small muted">Hydrosphere's JSON (the same keys as <code>kind: DeploymentConfiguration</code> in YAML):
      <code>hpa</code>, <code>deployment.replicaCount</code>, <code>container</code> (resources, env), <code>pod</code>
      (nodeSelector, tolerations, affinity) and Hydro's <code>scaling</code> (idleWindow, targetConcurrency).</p>
    <textarea aria-label="Configuration JSON" spellcheck="false" value=${text} onInput=${(e) => setText(e.target.value)}></textarea>
    <${ErrorNotice} error=${error} />
    <div class="row" style=${{ marginTop: "8px" }}><button class="primary" onClick=${create}>Create</button>
      <button onClick=${onClose}>Cancel</button></div>
  <//>`;
}

export default function Configurations() {
  const { data, error, loading, reload } = useData(async () => {
    const [configs, servables] = await Promise.all([api("/api/v2/deployment_configuration"), api("/api/v2/servable")]);
    return { configs, servables };
  }, [], { events: ["DeploymentConfigurationUpdate", "DeploymentConfigurationRemove", "ServableUpdate"] });
  const [open, setOpen] = useState(null);
  const [creating, setCreating] = useState(false);
  const [actionError, setActionError] = useState(null);
  if (loading && !data) return html`<${Loading} />`;
  if (!data) return html`<${ErrorNotice} error=${error} />`;
  const usedBy = (name) => data.servables.filter((s) => s.deploymentConfigurationName === name).map((s) => s.fullName);
  const remove = async (name) => {
    setActionError(null);
    try {
      await api(`/api/v2/deployment_configuration/${enc(name)}`, { method: "DELETE" });
      setOpen(null);
      reload();
    } catch (e) {
      setActionError(e);
    }
  };
  const chosen = data.configs.find((c) => c.name === open);
  return html`<div class="stack">
    <${ErrorNotice} error=${error || actionError} />
    <${Panel} title=${`${data.configs.length} configuration${data.configs.length === 1 ? "" : "s"}`}
      actions=${html`<button class="primary" onClick=${() => setCreating(true)}>New configuration</button>`}>
      <${Table} rows=${data.configs} rowKey=${(c) => c.name} onRow=${(c) => setOpen(c.name === open ? null : c.name)}
        selected=${(c) => c.name === open}
        empty=${html`<${Empty} title="No deployment configurations" command="hydro apply -f deployment-config.yaml">
          Servables use the platform's defaults (scale to zero, one replica per 10 concurrent requests) until a
          configuration names other settings; an application's variant picks one by name.<//>`}
        columns=${[
          { label: "name", cell: (c) => html`<strong>${c.name}</strong>` },
          { label: "settings", cell: (c) => html`<span class="small">${configSummary(c)}</span>` },
          { label: "used by", cell: (c) => usedBy(c.name).join(", ") || html`<span class="muted">nothing</span>` },
        ]} />
    <//>
    ${chosen && html`<${Panel} title=${chosen.name}
      actions=${html`<button class="danger" onClick=${() => remove(chosen.name)}>Delete</button>`}>
      <${Json} value=${chosen} />
    <//>`}
    <${CreateDialog} open=${creating} onClose=${() => setCreating(false)} onCreated=${() => { setCreating(false); reload(); }} />
  </div>`;
}
