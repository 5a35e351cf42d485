// Shared building blocks: status badges, panels, tables, empty and error states, dialogs, code.
import { api, fmtField, html, urls, useEffect, useRef, useState } from "./core.js";

const STATUS_KINDS = {
  ok: ["released", "ready", "serving", "success", "succeeded", "ok", "resolved", "delivered", "healthy"],
  progress: ["assembling", "starting", "processing", "pending", "started", "running", "open", "full", "queued"],
  bad: ["failed", "failure", "notserving", "notavailable", "error", "firing", "crashlooping", "drifted"],
  warn: ["unknown", "unavailable", "not_supported", "notregistered", "warning"],
};

export function statusKind(value) {
  const key = String(value || "").toLowerCase().replace(/[\s_-]/g, "");
  for (const [kind, names] of Object.entries(STATUS_KINDS)) {
    if (names.some((name) => name.replace(/_/g, "") === key)) return kind;
  }
  return "";
}

export function Status({ value, kind }) {
  if (value === null || value === undefined || value === "") return html`<span class="muted">–</span>`;
  return html`<span class="badge ${kind || statusKind(value)}" data-status=${String(value)}>${String(value)}</span>`;
}

export function Panel({ title, actions, children, id }) {
  return html`<section class="panel" id=${id}>
    ${title && html`<h2><span>${title}</span>${actions && html`<span class="row">${actions}</span>`}</h2>`}
    ${children}
  </section>`;
}

export function Card({ label, value, hint, href, kind }) {
  const body = html`<div class="label">${label}</div>
    <div class="value ${kind || ""}">${value}</div>
    ${hint && html`<div class="hint">${hint}</div>`}`;
  return href ? html`<a class="card" href=${href}>${body}</a>` : html`<div class="card">${body}</div>`;
}

export function Empty({ title, children, command }) {
  return html`<div class="empty">
    <h3>${title}</h3>
    ${children && html`<div>${children}</div>`}
    ${command && html`<pre>${command}</pre>`}
  </div>`;
}

/** An API failure, said plainly; `hint` tells what to do next. */
export function ErrorNotice({ error, hint }) {
  if (!error) return null;
  const status = error.status ? ` (HTTP ${error.status})` : "";
  return html`<div class="notice bad" role="alert">${error.message || String(error)}${status}
    ${hint && html`<div class="small">${hint}</div>`}</div>`;
}

/** A function read that did not succeed (`read()` envelope): not running, nothing yet, or failed. */
export function Unavailable({ result, what, hint }) {
  const down = result.status === 503 || result.status === 502;
  const kind = down ? "warn" : result.status === 404 ? "" : "bad";
  const lead = down ? `${what} unavailable. ` : result.status === 404 ? `No ${what.toLowerCase()} yet. ` : "";
  return html`<div class="notice ${kind}" data-unavailable=${result.function}>
    ${lead}${result.message || `HTTP ${result.status}`}
    ${hint && html`<div class="small muted">${hint}</div>`}
  </div>`;
}

export function Loading({ what = "" }) {
  return html`<p class="muted">Loading${what ? " " + what : ""}…</p>`;
}

/** `columns`: [{label, cell(row) -> content, className}], `onRow(row)` makes rows clickable. */
export function Table({ columns, rows, onRow, rowKey, selected, empty }) {
  if (!rows || !rows.length) return empty || html`<p class="muted">Nothing to show.</p>`;
  return html`<div class="table-wrap"><table>
    <thead><tr>${columns.map((c) => html`<th class=${c.className || ""}>${c.label}</th>`)}</tr></thead>
    <tbody>${rows.map((row, i) => html`<tr key=${rowKey ? rowKey(row) : i}
        class=${[onRow ? "clickable" : "", selected && selected(row) ? "selected" : ""].join(" ")}
        onClick=${onRow ? () => onRow(row) : undefined}>
      ${columns.map((c) => html`<td class=${c.className || ""}>${c.cell(row)}</td>`)}</tr>`)}</tbody>
  </table></div>`;
}

export function KeyValues({ entries, empty = "none" }) {
  const items = Array.isArray(entries) ? entries : Object.entries(entries || {});
  if (!items.length) return html`<p class="muted">${empty}</p>`;
  return html`<dl class="kv">${items.map(([key, value]) => html`<dt>${key}</dt><dd>${value}</dd>`)}</dl>`;
}

/** A model contract (Hydrosphere's signature JSON) as two tables. */
export function Contract({ signature }) {
  if (!signature) return html`<p class="muted">No contract.</p>`;
  const columns = [
    { label: "field", cell: (f) => html`<code>${f.name}</code>` },
    { label: "type", cell: (f) => fmtField(f) },
    { label: "profile", cell: (f) => (f.profile || "NONE").toLowerCase() },
  ];
  return html`<div class="grid2">
    <div><h3>Inputs</h3><${Table} columns=${columns} rows=${signature.inputs || []} /></div>
    <div><h3>Outputs</h3><${Table} columns=${columns} rows=${signature.outputs || []} /></div>
  </div>`;
}

/** A modal `<dialog>` shown while `open`; `onClose` runs on the close button, Esc or backdrop. */
export function Dialog({ open, title, onClose, children, id }) {
  const ref = useRef(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  const backdrop = (event) => event.target === ref.current && onClose();
  return html`<dialog ref=${ref} id=${id} onClose=${onClose} onClick=${backdrop} aria-label=${title}>
    ${open && html`<div class="dialog-head"><h2>${title}</h2>
      <button type="button" class="close" onClick=${onClose} aria-label="Close">Close</button></div>
      <div class="dialog-body">${children}</div>`}
  </dialog>`;
}

export function CodeBlock({ code, label }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(code);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      setCopied(false);
    }
  };
  return html`<div class="codeblock" data-code=${label || ""}>
    <pre>${code}</pre>
    ${navigator.clipboard && html`<button type="button" class="copy" onClick=${copy}>${copied ? "Copied" : "Copy"}</button>`}
  </div>`;
}

/** Simple tabs inside a page: `tabs` = [[key, label]], renders `children(active)`. */
export function Tabs({ tabs, initial, children }) {
  const [active, setActive] = useState(initial || tabs[0][0]);
  return html`<div>
    <div class="tabs" role="tablist">${tabs.map(([key, label]) => html`<a href="#" role="tab"
      class=${key === active ? "active" : ""} aria-selected=${key === active}
      onClick=${(e) => { e.preventDefault(); setActive(key); }}>${label}</a>`)}</div>
    ${children(active)}
  </div>`;
}

export function Json({ value }) {
  return html`<pre class="json">${JSON.stringify(value, null, 2)}</pre>`;
}

/** A link to a model version known by id (`name:version` once the API has answered). */
export function VersionLink({ id }) {
  const [version, setVersion] = useState(null);
  useEffect(() => {
    api(`/api/v2/model/version/${id}`).then(setVersion, () => setVersion(null));
  }, [id]);
  if (!version) return html`<span>model version #${id}</span>`;
  return html`<a href=${urls.version(version.model.name, version.modelVersion)}>${version.model.name}:${version.modelVersion}</a>`;
}
