// Drift report: the verdict for the data set, each feature's test and effect sizes, and the two
// distributions overlaid for a chosen feature.
import { ChartView, PRODUCTION_COLOR, TRAINING_COLOR, categoryBars, densityOverlay } from "../charts.js";
import { Card, Empty, ErrorNotice, KeyValues, Loading, Panel, Status, Table, Unavailable } from "../components.js";
import { fmtAgo, fmtNum, fmtPct, fmtTime, html, read, useData, useState } from "../core.js";

const EFFECTS = [["wasserstein_std", "W1 / std"], ["psi", "PSI"], ["js", "JS"]];

/** A feature's histogram from the report as a chart config (null when there is none). */
export function featureChart(feature) {
  const h = feature.histogram || {};
  if (h.edges && h.training && h.production) {
    return densityOverlay([
      { label: "training", color: TRAINING_COLOR, edges: h.edges, counts: h.training },
      { label: "production", color: PRODUCTION_COLOR, edges: h.edges, counts: h.production },
    ], feature.feature);
  }
  if (h.categories && h.training && h.production) {
    const categories = [...h.categories.map(String), ...(h.other && (h.other[0] || h.other[1]) ? ["(other)"] : [])];
    const side = (counts, otherCount) => Object.fromEntries([...h.categories.map((c, i) => [String(c), counts[i]]),
      ["(other)", otherCount || 0]]);
    return categoryBars(categories, [
      { label: "training", color: TRAINING_COLOR, values: side(h.training, h.other && h.other[0]) },
      { label: "production", color: PRODUCTION_COLOR, values: side(h.production, h.other && h.other[1]) },
    ]);
  }
  return null;
}

function Effect({ feature, name }) {
  const value = (feature.effect_sizes || {})[name];
  if (value === undefined) return html`<span class="muted">–</span>`;
  const exceeded = (feature.exceeded || []).includes(name);
  const threshold = (feature.thresholds || {})[name];
  return html`<span class=${exceeded ? "fail" : ""} title=${threshold !== undefined ? `threshold ${threshold}` : ""}>${fmtNum(value, 3)}</span>`;
}

function FeatureTable({ features, selected, onSelect }) {
  return html`<${Table} rows=${features} rowKey=${(f) => f.feature} onRow=${(f) => onSelect(f.feature)}
    selected=${(f) => f.feature === selected} columns=${[
      { label: "feature", cell: (f) => html`<code>${f.feature}</code>` },
      { label: "verdict", cell: (f) => (f.status !== "tested" ? html`<span class="muted small" title=${f.reason}>skipped: ${f.reason}</span>`
        : html`<${Status} value=${f.drifted ? "drifted" : "ok"} kind=${f.drifted ? "bad" : "ok"} />`) },
      { label: "test", cell: (f) => f.test || "–" },
      { label: "statistic", className: "num", cell: (f) => fmtNum(f.statistic, 3) },
      { label: "p-value", className: "num", cell: (f) => fmtNum(f.p_value, 3) },
      { label: "corrected p", className: "num", cell: (f) => fmtNum(f.corrected_p_value, 3) },
      ...EFFECTS.map(([name, label]) => ({ label, className: "num", cell: (f) => html`<${Effect} feature=${f} name=${name} />` })),
      { label: "n (train / prod)", className: "num", cell: (f) => `${fmtNum(f.training_count)} / ${fmtNum(f.production_count)}` },
    ]} />`;
}

function Report({ report, onRefresh, refreshing }) {
  const features = [...report.features].sort((a, b) => Number(b.drifted) - Number(a.drifted)
    || (a.corrected_p_value ?? 2) - (b.corrected_p_value ?? 2));
  const [selected, setSelected] = useState(features.length ? features[0].feature : null);
  const feature = features.find((f) => f.feature === selected);
  const chart = feature ? featureChart(feature) : null;
  const compared = report.window || {};
  return html`<div class="stack">
    <div class=${`notice ${report.drifted ? "bad" : "ok"}`} id="drift-verdict">
      <strong>${report.drifted ? "Drift detected" : "No drift"}</strong>${": "}${report.drifted_features.length} of ${report.tested} tested features drifted (${fmtPct(report.share)};
      the data set counts as drifted from ${fmtPct(report.share_threshold, 0)}).
      ${report.drifted_features.length ? html` Drifted: ${report.drifted_features.join(", ")}.` : ""}
    </div>
    <div class="cards">
      <${Card} label="Report" value=${fmtAgo(report.createdAt)} hint=${`${fmtTime(report.createdAt)}, ${report.trigger === "batch" ? `after batch ${report.batch}` : report.trigger}`} />
      <${Card} label="Production requests" value=${fmtNum(compared.requests)} hint=${compared.firstSeq ? `requests ${compared.firstSeq}–${compared.lastSeq}` : ""} />
      <${Card} label="Features tested" value=${report.tested} hint=${report.skipped ? `${report.skipped} skipped` : "none skipped"} />
    </div>
    <${Panel} title="Features" actions=${html`<button onClick=${onRefresh} disabled=${refreshing}>${refreshing ? "Computing…" : "Recompute now"}</button>`}>
      <${FeatureTable} features=${features} selected=${selected} onSelect=${setSelected} />
      <p class="small muted">Numerical features: Kolmogorov–Smirnov; categorical: chi-square. p-values are corrected
        (${report.config && report.config.correction}); above the small-sample limit an effect size must also exceed its
        threshold (red). Choose a feature to see both distributions.</p>
    <//>
    ${feature && html`<${Panel} title=${`${feature.feature}: training vs production`}>
      ${chart ? html`<${ChartView} config=${chart} tall=${true} label=${`Distributions of ${feature.feature}`} />`
        : html`<p class="muted">${feature.reason || "No histogram for this feature."}</p>`}
      <${KeyValues} entries=${Object.entries(feature.hydrosphere_tests || {}).map(([name, t]) => [
        name.replace(/_/g, " "), `statistic ${fmtNum(t.statistic, 3)}, p ${fmtNum(t.p_value, 3)}${t.note ? ` (${t.note})` : ""}`])} empty="" />
    <//>`}
  </div>`;
}

export default function Drift({ id }) {
  const [refreshing, setRefreshing] = useState(false);
  const [refreshed, setRefreshed] = useState(null);
  const { data, error, loading, reload } = useData(() => read("stat/metrics", { query: { model_version_id: String(id) } }),
    [id], { everyMs: 15000 });
  const refresh = async () => {
    setRefreshing(true);
    try {
      setRefreshed(await read("stat/metrics", { query: { model_version_id: String(id), refresh: "true" } }));
      reload();
    } finally {
      setRefreshing(false);
    }
  };
  if (loading && !data) return html`<${Loading} what="the drift report" />`;
  if (!data) return html`<${ErrorNotice} error=${error} />`;
  const failedRefresh = refreshed && !refreshed.ok ? html`<${Unavailable} result=${refreshed} what="A new report" />` : null;
  if (!data.ok) {
    return html`<div class="stack">${failedRefresh}<${Panel}>${data.status === 404
      ? html`<${Empty} title="No drift report yet">${data.message}
          <p><button id="compute-drift" onClick=${refresh} disabled=${refreshing}>${refreshing ? "Computing…" : "Compute one now"}</button></p><//>`
      : html`<${Unavailable} result=${data} what="Drift reports" hint="The monitoring function compares production batches with the training data." />`}<//></div>`;
  }
  return html`<div class="stack">${failedRefresh}<${Report} report=${data.body} onRefresh=${refresh} refreshing=${refreshing} /></div>`;
}
