// Profiles: per field, the training data against production traffic: figures and distributions.
import { ChartView, PRODUCTION_COLOR, TRAINING_COLOR, categoryBars, densityOverlay } from "../charts.js";
import { Empty, ErrorNotice, Loading, Panel, Table, Unavailable } from "../components.js";
import { enc, fmtNum, html, read, useData, useState } from "../core.js";

const NUMERICAL_ROWS = ["count", "missing", "distinct", "min", "p5", "q1", "median", "q3", "p95", "max", "mean", "std",
  "skewness", "kurtosis"];
const CATEGORICAL_ROWS = ["count", "missing", "distinct", "other"];

function figureRows(training, production) {
  const kind = (training || production).kind;
  const names = kind === "numerical" ? NUMERICAL_ROWS : CATEGORICAL_ROWS.filter((n) => n in (training || production));
  return names.map((name) => ({ name, training: training ? training[name] : null, production: production ? production[name] : null }));
}

/** The distribution chart config for a field's two sides (null when neither has one to draw). */
export function distributionChart(training, production, field) {
  const sides = [[training, "training", TRAINING_COLOR], [production, "production", PRODUCTION_COLOR]].filter(([s]) => s);
  if (!sides.length) return null;
  const kind = sides[0][0].kind;
  if (kind === "numerical") {
    const drawable = sides.filter(([s]) => s.histogram && s.histogram.edges.length > 1);
    if (!drawable.length) return null;
    return densityOverlay(drawable.map(([s, label, color]) => ({ label, color, edges: s.histogram.edges,
      counts: s.histogram.counts })), field);
  }
  if (kind === "categorical") {
    const values = sides.map(([s, label, color]) => ({ label, color,
      values: Object.fromEntries((s.top || []).map((t) => [String(t.value), t.count])) }));
    const categories = [...new Set(values.flatMap((v) => Object.keys(v.values)))].slice(0, 30);
    return categoryBars(categories, values);
  }
  return null;
}

function FieldProfile({ id, field }) {
  const { data, error, loading } = useData(() => read(`monitoring/profiles/${id}/${enc(field)}`), [id, field],
    { everyMs: 10000 });
  if (loading && !data) return html`<${Loading} what=${field} />`;
  if (!data) return html`<${ErrorNotice} error=${error} />`;
  if (!data.ok) return html`<${Unavailable} result=${data} what="Profile" />`;
  const { training, production } = data.body;
  const chart = distributionChart(training, production, field);
  const other = !["numerical", "categorical"].includes((training || production).kind);
  return html`<div class="stack" data-profile=${field}>
    ${chart ? html`<${ChartView} config=${chart} tall=${true} label=${`Distribution of ${field}`} />`
      : html`<p class="muted small">No distribution to draw for this field.</p>`}
    ${!training && html`<p class="notice warn">No training profile: upload training data to compare against it.</p>`}
    ${!production && html`<p class="notice">No production profile yet: it is built from each completed batch of requests.</p>`}
    ${other ? html`<pre class="json">${JSON.stringify(data.body, null, 2)}</pre>` : html`<${Table}
      rows=${figureRows(training, production)} rowKey=${(r) => r.name} columns=${[
        { label: "figure", cell: (r) => r.name },
        { label: "training", className: "num", cell: (r) => fmtNum(r.training) },
        { label: "production", className: "num", cell: (r) => fmtNum(r.production) },
      ]} />`}
    ${training && training.histogram && training.histogram.estimated && html`<p class="small muted">Training bin counts are
      estimated from its quantile sketch.</p>`}
  </div>`;
}

export default function Profiles({ id }) {
  const { data, error, loading } = useData(() => read(`monitoring/profiles/${id}`), [id], { everyMs: 10000 });
  const [field, setField] = useState(null);
  if (loading && !data) return html`<${Loading} what="profiles" />`;
  if (!data) return html`<${ErrorNotice} error=${error} />`;
  if (!data.ok) {
    return html`<${Panel}>${data.status === 404
      ? html`<${Empty} title="No profiles yet">${data.message}<//>`
      : html`<${Unavailable} result=${data} what="Profiles" />`}<//>`;
  }
  const fields = data.body;
  if (!fields.length) {
    return html`<${Panel}><${Empty} title="No profiles yet">Profiles come from training data (upload it with the
      model) and from production traffic, one batch at a time.<//><//>`;
  }
  const current = field && fields.some((f) => f.name === field) ? field : fields[0].name;
  return html`<div class="split">
    <${Panel} title="Fields">
      <div class="fieldlist" role="listbox" aria-label="Fields">${fields.map((f) => html`<button type="button"
        class=${f.name === current ? "active" : ""} aria-selected=${f.name === current} onClick=${() => setField(f.name)}
        title=${`${f.name}: training ${f.training || "none"}, production ${f.production || "none"}`}>${f.name}</button>`)}</div>
    <//>
    <${Panel} title=${current}><${FieldProfile} id=${id} field=${current} /><//>
  </div>`;
}
