// Data projection: production requests on a 2-D map (UMAP, fitted on training data), coloured by
// predicted class, outlier flag or a metric; hover shows the request, a click opens it.
import { ChartView, PALETTE, scatter } from "../charts.js";
import { Empty, ErrorNotice, KeyValues, Loading, Panel, Status, Unavailable } from "../components.js";
import { api, fmtNum, fmtValue, html, read, useEffect, useState } from "../core.js";
import { RequestDialog } from "./request_dialog.js";

const FINAL_STATES = ["SUCCESS", "FAILED", "NOT_SUPPORTED"];
const METRIC_BINS = 5;

/** Points grouped for colouring by `mode`: "class", "outlier" or "metric:<name>". */
export function groupPoints(points, mode) {
  if (mode.startsWith("metric:")) return metricGroups(points, mode.slice(7));
  const key = mode === "outlier"
    ? (p) => (p.outlier === true ? "outlier" : p.outlier === false ? "normal" : "not scored")
    : (p) => fmtValue(p.prediction);
  const groups = new Map();
  for (const point of points) {
    const label = key(point);
    if (!groups.has(label)) groups.set(label, []);
    groups.get(label).push(point);
  }
  const colors = { outlier: "#c62828", normal: "#2e7d32", "not scored": "#9e9e9e" };
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }))
    .map(([label, list], i) => ({ label, points: list, color: mode === "outlier" ? colors[label] : PALETTE[i % PALETTE.length] }));
}

function metricGroups(points, name) {
  const scored = points.filter((p) => p.metrics && Number.isFinite(p.metrics[name]));
  const values = scored.map((p) => p.metrics[name]);
  if (!values.length) return [{ label: `no ${name}`, points, color: "#9e9e9e" }];
  const low = Math.min(...values);
  const step = (Math.max(...values) - low) / METRIC_BINS || 1;
  const groups = Array.from({ length: METRIC_BINS }, (_, i) => ({
    label: `${name} ${fmtNum(low + i * step, 3)}–${fmtNum(low + (i + 1) * step, 3)}`, points: [],
    color: `hsl(${220 - i * 50}, 70%, 45%)`,
  }));
  for (const p of scored) groups[Math.min(METRIC_BINS - 1, Math.floor((p.metrics[name] - low) / step))].points.push(p);
  return groups.filter((g) => g.points.length);
}

function describe(point) {
  const lines = [`request ${point.requestId}`, `prediction ${fmtValue(point.prediction)}`];
  if (point.outlier !== null && point.outlier !== undefined) lines.push(point.outlier ? "outlier" : "not an outlier");
  for (const [name, value] of Object.entries(point.metrics || {})) lines.push(`${name} ${fmtNum(value, 3)}`);
  return lines;
}

/** Ask the projector for the version's map (it answers at once when it has a fresh one), then poll the job. */
function useProjection(id) {
  const [state, setState] = useState({ loading: true });
  useEffect(() => {
    let stopped = false;
    let timer = null;
    const poll = async (taskId) => {
      const job = await read("visualization/jobs", { query: { task_id: taskId } });
      if (stopped) return;
      setState({ loading: false, envelope: job });
      if (job.ok && !FINAL_STATES.includes(job.body.state)) timer = setTimeout(() => poll(taskId), 2000);
    };
    read("visualization/plottable_embeddings/umap", { method: "POST", body: { model_version_id: id } }).then((started) => {
      if (stopped) return;
      setState({ loading: false, envelope: started });
      const body = started.ok ? started.body : null;
      if (body && body.task_id && !FINAL_STATES.includes(body.state)) poll(body.task_id);
    }, (error) => setState({ loading: false, error }));
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [id]);
  return state;
}

function ProjectionMap({ id, result }) {
  const [mode, setMode] = useState("class");
  const [open, setOpen] = useState(null);
  const [version, setVersion] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    api(`/api/v2/model/version/${id}`).then(setVersion, setError);
  }, [id]);
  const points = result.points || [];
  const metrics = [...new Set(points.flatMap((p) => Object.keys(p.metrics || {})))];
  const openRequest = async (point) => {
    const found = await read(`monitoring/checks/id/${encodeURIComponent(point.requestId)}`);
    if (found.ok) setOpen(found.body);
    else setError(new Error(found.message));
  };
  const config = scatter(groupPoints(points, mode), { describe, onPoint: openRequest });
  return html`<div class="stack">
    <${ErrorNotice} error=${error} />
    <div class="row">
      <label class="row small">Colour by
        <select value=${mode} onChange=${(e) => setMode(e.target.value)} aria-label="Colour by">
          <option value="class">predicted class</option>
          <option value="outlier">outlier</option>
          ${metrics.map((m) => html`<option value=${`metric:${m}`}>${m}</option>`)}
        </select></label>
      <span class="muted small">${points.length} requests</span>
    </div>
    ${points.length ? html`<${ChartView} config=${config} tall=${true} label="Projection of requests" />`
      : html`<${Empty} title="No requests on the map yet">The map shows production requests once some have been monitored.<//>`}
    ${result.quality && html`<${KeyValues} entries=${Object.entries(result.quality).map(([k, v]) => [k, fmtNum(v, 3)])} />`}
    ${version && html`<${RequestDialog} doc=${open} version=${version} onClose=${() => setOpen(null)} />`}
  </div>`;
}

export default function Projection({ id }) {
  const { loading, envelope, error } = useProjection(id);
  if (loading) return html`<${Loading} what="the projection" />`;
  if (error) return html`<${ErrorNotice} error=${error} />`;
  if (!envelope.ok) {
    return html`<${Panel}><${Unavailable} result=${envelope} what="Projections"
      hint="The projector function fits a UMAP map on the training data and places production requests on it." /><//>`;
  }
  const job = envelope.body;
  if (job.state && job.state !== "SUCCESS") {
    return html`<${Panel}><div class="row"><${Status} value=${job.state} /><span class="muted">${job.description || "Projecting…"}</span></div><//>`;
  }
  return html`<${Panel} title="Requests on the training data's map"><${ProjectionMap} id=${id} result=${job.result || job} /><//>`;
}
