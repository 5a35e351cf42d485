// The Test dialog: inputs generated from the application's contract, sent to the gateway, the
// answer shown field by field, and the same call as curl, Python requests and hydrosdk.
import { CodeBlock, Dialog, ErrorNotice, Json, Table, Tabs } from "../components.js";
import { CSRF, api, enc, fmtMs, fmtValue, html, urls, useEffect, useState } from "../core.js";
import { curlSnippet, defaultGrpcAddress, hydrosdkSnippet, requestsSnippet } from "../snippets.js";

/** POST the inputs to the gateway; resolves to {ok, status, body, ms, requestId, servedBy}. */
export async function predict(name, text) {
  const started = performance.now();
  const response = await fetch(urls.gatewayApplication(name), {
    method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json", ...CSRF }, body: text,
  });
  const raw = await response.text();
  let body = raw;
  try {
    body = JSON.parse(raw);
  } catch {
    body = raw;
  }
  return {
    ok: response.ok, status: response.status, body, ms: performance.now() - started,
    requestId: response.headers.get("X-Request-Id"), servedBy: response.headers.get("X-Hydro-Served-By"),
  };
}

function parseInputs(text) {
  try {
    const value = JSON.parse(text);
    if (value && typeof value === "object" && !Array.isArray(value)) return { value, error: null };
    return { value: null, error: "The request must be a JSON object of input fields." };
  } catch (e) {
    return { value: null, error: `Not valid JSON: ${e.message}` };
  }
}

function Answer({ result }) {
  if (!result.ok) {
    const message = result.body && result.body.error ? result.body.error : fmtValue(result.body);
    const field = result.body && result.body.field ? ` (field ${result.body.field})` : "";
    return html`<div class="notice bad" id="test-answer" data-status=${result.status}>
      HTTP ${result.status}: ${message}${field}</div>`;
  }
  const outputs = result.body && typeof result.body === "object" ? Object.entries(result.body) : [];
  return html`<div id="test-answer" data-status=${result.status}>
    <p class="small muted">HTTP ${result.status} in ${fmtMs(result.ms)}${result.servedBy ? ` · served by ${result.servedBy}` : ""}
      ${result.requestId ? ` · request ${result.requestId}` : ""}</p>
    <${Table} rows=${outputs} rowKey=${([k]) => k} columns=${[
      { label: "output", cell: ([k]) => html`<code>${k}</code>` },
      { label: "value", cell: ([k, v]) => html`<span class="mono" data-output=${k}>${fmtValue(v)}</span>` },
    ]} />
  </div>`;
}

export function TestDialog({ app, open, onClose }) {
  const [text, setText] = useState("");
  const [error, setError] = useState(null);
  const [result, setResult] = useState(null);
  const [sending, setSending] = useState(false);
  const generate = async () => {
    setError(null);
    try {
      setText(JSON.stringify(await api(`/api/v2/application/generateInputs/${enc(app.name)}`), null, 2));
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => {
    if (open && !text) generate();
  }, [open]);
  const parsed = parseInputs(text);
  const send = async () => {
    if (!parsed.value) return;
    setSending(true);
    try {
      setResult(await predict(app.name, text));
    } catch (e) {
      setError(e);
    } finally {
      setSending(false);
    }
  };
  const origin = location.origin;
  const inputs = parsed.value || {};
  return html`<${Dialog} open=${open} title=${`Test ${app.name}`} onClose=${onClose} id="test-dialog">
    <p class="small muted">Inputs generated from the contract; edit them, then send them through the gateway
      (<code>POST ${urls.gatewayApplication(app.name)}</code>).</p>
    <${ErrorNotice} error=${error} />
    <label class="field">Request (JSON)
      <textarea id="test-input" spellcheck="false" value=${text} onInput=${(e) => setText(e.target.value)}></textarea>
    </label>
    ${text && parsed.error && html`<div class="field-error">${parsed.error}</div>`}
    <div class="row" style=${{ margin: "8px 0" }}>
      <button class="primary" id="test-send" onClick=${send} disabled=${sending || !parsed.value}>
        ${sending ? "Sending…" : "Send"}</button>
      <button onClick=${generate}>Generate new inputs</button>
    </div>
    ${result && html`<h3>Answer</h3><${Answer} result=${result} />
      <details><summary class="small">Raw answer</summary><${Json} value=${result.body} /></details>`}
    <h3>The same request from code</h3>
    <${Tabs} tabs=${[["curl", "curl"], ["requests", "Python (requests)"], ["hydrosdk", "Python (hydrosdk)"]]}>
      ${(tab) => {
        if (tab === "curl") return html`<${CodeBlock} label="curl" code=${curlSnippet(origin, app.name, inputs)} />`;
        if (tab === "requests") return html`<${CodeBlock} label="requests" code=${requestsSnippet(origin, app.name, inputs)} />`;
        return html`<${CodeBlock} label="hydrosdk" code=${hydrosdkSnippet(origin, defaultGrpcAddress(location), app.name, inputs)} />
          <p class="small muted">hydrosdk predicts over gRPC: <code>hydro up</code> serves it on port 9090 unless
            started with <code>--grpc-port</code>.</p>`;
      }}
    <//>
  <//>`;
}
