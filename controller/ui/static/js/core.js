// The UI's foundation: rendering (Preact + htm, loaded as vendored UMD scripts), API calls,
// live events, data hooks and formatting. Everything from the API reaches the page as text
// through Preact, which escapes it; nothing here builds HTML from strings.

const { h, render } = window.preact;
export const { useState, useEffect, useRef, useMemo, useCallback } = window.preactHooks;
export const html = window.htm.bind(h);
export { render };

/** An API answer that is not 2xx: `status`, the server's `message` and `field` when it named one. */
export class ApiError extends Error {
  constructor(status, message, field, body) {
    super(message);
    this.status = status;
    this.field = field || null;
    this.body = body;
  }
}

function messageOf(body, response) {
  if (body && typeof body === "object") {
    for (const key of ["message", "error"]) {
      if (typeof body[key] === "string" && body[key]) return body[key];
    }
  }
  if (typeof body === "string" && body && !body.startsWith("<")) return body.slice(0, 300);
  return `HTTP ${response.status} ${response.statusText}`;
}

export const CSRF = { "X-Hydro-CSRF": "1" };

/** JSON from a same-origin path; throws ApiError for a non-2xx answer. */
export async function api(path, { method = "GET", body, signal } = {}) {
  // X-Hydro-CSRF: the session cookie alone never authorises a change (a cross-site form cannot set it).
  const init = { method, signal, credentials: "same-origin", headers: { Accept: "application/json", ...CSRF } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  if (!response.ok) throw new ApiError(response.status, messageOf(data, response), data && data.field, data);
  return data;
}

/**
 * A function's read API through the UI's envelope (`/ui/reads/...`): resolves to
 * `{ok, status, function, body, message}` and never throws for a missing or failing function.
 */
export function read(path, { method = "GET", body, query } = {}) {
  const qs = query ? "?" + new URLSearchParams(query).toString() : "";
  return api(`/ui/reads/${path.replace(/^\//, "")}${qs}`, { method, body });
}

// ---- Live events: one EventSource per tab, shared by every component that listens.
const EVENT_NAMES = [
  "ModelUpdate", "ModelRemove", "ApplicationUpdate", "ApplicationRemove", "ServableUpdate", "ServableRemove",
  "DeploymentConfigurationUpdate", "DeploymentConfigurationRemove", "MetricSpecUpdate", "MetricSpecRemove",
  "TrainingDataUpdate", "TrainingDataRemove", "Heartbeat",
];
const listeners = new Set();
let source = null;

function setLive(state) {
  const badge = document.getElementById("live");
  if (!badge) return;
  badge.className = `live ${state}`;
  badge.textContent = state === "on" ? "live" : "reconnecting";
}

function connect() {
  if (source) return;
  source = new EventSource("/api/v2/events");
  source.onopen = () => setLive("on");
  source.onerror = () => setLive("off");
  for (const name of EVENT_NAMES) {
    source.addEventListener(name, (message) => {
      let data = null;
      try {
        data = JSON.parse(message.data);
      } catch {
        data = message.data;
      }
      for (const listener of listeners) listener(name, data);
    });
  }
}

/** Call `callback(name, data)` for every live event; returns the unsubscribe function. */
export function subscribe(callback) {
  connect();
  listeners.add(callback);
  return () => listeners.delete(callback);
}

/** Starts the shared stream (the header's live badge) even on pages that do not listen. */
export function startLive() {
  connect();
  window.addEventListener("pagehide", () => source && source.close());
}

// ---- Data hooks

/**
 * `load()` now, again whenever one of `events` arrives (debounced), and every `everyMs` while the
 * tab is visible. Returns `{data, error, loading, reload}`; a reload keeps the last data on screen.
 */
export function useData(load, deps = [], { events = [], everyMs = 0, when } = {}) {
  const [state, setState] = useState({ data: undefined, error: null, loading: true });
  const generation = useRef(0);
  const reload = useCallback(() => {
    const mine = ++generation.current;
    Promise.resolve()
      .then(load)
      .then(
        (data) => mine === generation.current && setState({ data, error: null, loading: false }),
        (error) => mine === generation.current && setState((s) => ({ data: s.data, error, loading: false })),
      );
  }, deps);
  useEffect(() => {
    setState({ data: undefined, error: null, loading: true });
    reload();
  }, [reload]);
  useEffect(() => {
    if (!events.length) return undefined;
    let timer = null;
    const unsubscribe = subscribe((name, data) => {
      if (!events.includes(name) || (when && !when(name, data))) return;
      clearTimeout(timer);
      timer = setTimeout(reload, 250);
    });
    return () => {
      clearTimeout(timer);
      unsubscribe();
    };
  }, [reload]);
  useEffect(() => {
    if (!everyMs) return undefined;
    const timer = setInterval(() => document.visibilityState === "visible" && reload(), everyMs);
    return () => clearInterval(timer);
  }, [reload, everyMs]);
  return { ...state, reload };
}

// ---- URLs (every name is encoded: names come from the API)
const enc = encodeURIComponent;
export const urls = {
  models: (model) => (model ? `/ui/models?model=${enc(model)}` : "/ui/models"),
  version: (name, version, tab = "") => `/ui/models/${enc(name)}/${enc(version)}${tab ? "/" + tab : ""}`,
  application: (name, suffix = "") => `/ui/applications/${enc(name)}${suffix}`,
  gatewayApplication: (name) => `/gateway/application/${enc(name)}`,
};
export { enc };

// ---- Formatting
export function fmtTime(value) {
  if (value === null || value === undefined || value === "") return "–";
  const date = typeof value === "number" ? new Date(value) : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

export function fmtAgo(value) {
  if (!value) return "–";
  const seconds = Math.round((Date.now() - new Date(value).getTime()) / 1000);
  if (!Number.isFinite(seconds)) return String(value);
  if (seconds < 5) return "just now";
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}

/** A number for people: integers as is, others with 4 significant digits; "–" for none. */
export function fmtNum(value, digits = 4) {
  if (value === null || value === undefined || value === "") return "–";
  if (typeof value !== "number") return String(value);
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return value.toLocaleString("en-US");
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return value.toExponential(digits - 1);
  return String(Number(value.toPrecision(digits)));
}

export function fmtPct(share, digits = 1) {
  if (share === null || share === undefined || !Number.isFinite(share)) return "–";
  return `${(share * 100).toFixed(digits)}%`;
}

export function fmtMs(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${ms >= 10 ? ms.toFixed(0) : ms.toFixed(1)} ms`;
}

/** A JSON value as one short line (for table cells). */
export function fmtValue(value) {
  if (value === null || value === undefined) return "–";
  if (typeof value === "number") return fmtNum(value);
  if (typeof value === "string") return value;
  const text = JSON.stringify(value);
  return text.length > 120 ? text.slice(0, 117) + "…" : text;
}

/** A contract field's type as serving.yaml writes it: `double`, `int64[-1, 3]`. */
export function fmtField(field) {
  const dtype = (field.dtype || field.type || "").replace(/^DT_/, "").toLowerCase() || "map";
  const dims = field.shape && Array.isArray(field.shape.dims) ? field.shape.dims : [];
  return dims.length ? `${dtype}[${dims.join(", ")}]` : dtype;
}
