// One monitored request: its fields with their checks, the metric checks, the error if any, and
// its explanation (asked of the explainer function, shown when ready).
import { Dialog, ErrorNotice, Json, KeyValues, Status, Table, Unavailable } from "../components.js";
import { fmtMs, fmtNum, fmtTime, fmtValue, html, read, useEffect, useState } from "../core.js";

const FINAL_STATES = ["SUCCESS", "FAILED", "NOT_SUPPORTED"];

function CheckList({ checks }) {
  if (!checks || !checks.length) return html`<span class="muted">not checked</span>`;
  return checks.map((c, i) => html`${i ? " " : ""}<span class=${c.check ? "pass" : "fail"}
    title=${`${c.description} ${fmtNum(c.threshold)}`}>${c.check ? "✓" : "✗"} ${c.description} ${fmtNum(c.threshold)}</span>`);
}

function fieldRows(doc, signature) {
  const fields = [...(signature.inputs || []).map((f) => [f.name, "input"]),
    ...(signature.outputs || []).map((f) => [f.name, "output"])];
  return fields.map(([name, side]) => ({ name, side, value: doc[name], checks: (doc._hs_raw_checks || {})[name] }));
}

function metricRows(doc) {
  return Object.entries(doc._hs_metric_checks || {}).map(([name, m]) => ({ name, ...m }));
}

/** The anchor (or any other) explanation result, as the explainer returns it. */
export function ExplanationResult({ result }) {
  if (!result) return null;
  if (typeof result.anchor === "string") {
    return html`<div class="stack" id="explanation">
      <p>The model gives this answer${result.target !== undefined ? html` (<code>${fmtValue(result.target)}</code>)` : ""}
        whenever <strong>${result.anchor}</strong>.</p>
      <${KeyValues} entries=${[
        ["precision", `${fmtNum(result.precision)}${result.precisionLower !== undefined ? ` (at least ${fmtNum(result.precisionLower)})` : ""}`],
        ["coverage", fmtNum(result.coverage)],
        ["model calls", fmtNum(result.modelCalls)],
      ]} />
      ${result.message && html`<p class="small muted">${result.message}</p>`}
    </div>`;
  }
  return html`<${Json} value=${result} />`;
}

function Explanation({ doc, versionId, outputField }) {
  const query = { model_version_id: String(versionId), explained_request_id: String(doc._id), method: "anchor",
    output_field: outputField || "" };
  const [state, setState] = useState({ loading: true, result: null });
  const fetchState = async () => setState({ loading: false, result: await read("rootcause/explanation", { query }) });
  useEffect(() => {
    fetchState().catch((error) => setState({ loading: false, error }));
  }, [doc._id]);
  const envelope = state.result;
  const job = envelope && envelope.ok ? envelope.body : null;
  useEffect(() => {
    if (!job || FINAL_STATES.includes(job.state)) return undefined;
    const timer = setTimeout(() => fetchState().catch(() => {}), 1500);
    return () => clearTimeout(timer);
  }, [envelope]);
  const ask = async () => {
    setState({ loading: true, result: null });
    try {
      const created = await read("rootcause/explanation", { method: "POST", body: query });
      if (created.ok) await fetchState();
      else setState({ loading: false, result: created });
    } catch (error) {
      setState({ loading: false, error });
    }
  };
  if (state.loading) return html`<p class="muted">Looking for an explanation…</p>`;
  if (state.error) return html`<${ErrorNotice} error=${state.error} />`;
  if (!envelope.ok && envelope.status !== 404) {
    return html`<${Unavailable} result=${envelope} what="Explanations"
      hint="Explanations come from the explainer function (anchors for tabular models, saliency for images)." />`;
  }
  if (!job) return html`<button onClick=${ask}>Explain this prediction</button>`;
  return html`<div class="stack">
    <div class="row"><${Status} value=${job.state} />${job.description && html`<span class="muted">${job.description}</span>`}</div>
    ${job.state === "SUCCESS" && html`<${ExplanationResult} result=${job.result} />`}
  </div>`;
}

export function RequestDialog({ doc, version, onClose }) {
  if (!doc) return html`<${Dialog} open=${false} title="Request" onClose=${onClose} />`;
  const signature = version.modelSignature || {};
  const outputs = (signature.outputs || []).map((f) => f.name);
  return html`<${Dialog} open=${true} title=${`Request ${doc._hs_request_id || doc._id}`} onClose=${onClose} id="request-dialog">
    <div class="stack">
      <${KeyValues} entries=${[
        ["time", fmtTime(doc._hs_timestamp)],
        ["latency", fmtMs(doc._hs_latency)],
        ["batch", `${doc._hs_batch} (request ${doc._hs_seq})`],
        ["checks passed", doc._hs_score === null ? "not checked" : `${Math.round(doc._hs_score * 100)}%`],
        ["outlier", doc._hs_outlier ? html`<span class="fail">yes</span>` : "no"],
        ["error", doc._hs_error ? html`<span class="fail">${doc._hs_error}</span>` : "none"],
      ]} />
      <div><h3>Fields</h3><${Table} rows=${fieldRows(doc, signature)} rowKey=${(r) => r.name} columns=${[
        { label: "field", cell: (r) => html`<code>${r.name}</code> <span class="small muted">${r.side}</span>` },
        { label: "value", cell: (r) => html`<span class="mono">${fmtValue(r.value)}</span>` },
        { label: "checks against training", cell: (r) => html`<${CheckList} checks=${r.checks} />` },
      ]} /></div>
      <div><h3>Metrics</h3><${Table} rows=${metricRows(doc)} rowKey=${(r) => r.name}
        empty=${html`<p class="muted small">No metric model scored this request.</p>`} columns=${[
          { label: "metric", cell: (r) => r.description || r.name },
          { label: "value", className: "num", cell: (r) => fmtNum(r.value) },
          { label: "healthy when", cell: (r) => (r.threshold === null ? "–" : `${r.comparison} ${fmtNum(r.threshold)}`) },
          { label: "result", cell: (r) => (r.check === null ? html`<${Status} value=${r.status} />`
            : html`<span class=${r.check ? "pass" : "fail"}>${r.check ? "passed" : "failed"}</span>`) },
          { label: "note", cell: (r) => r.message || "" },
        ]} /></div>
      <div><h3>Explanation</h3><${Explanation} doc=${doc} versionId=${doc._hs_model_version_id} outputField=${outputs[0]} /></div>
    </div>
  <//>`;
}
