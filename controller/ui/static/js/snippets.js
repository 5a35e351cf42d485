// The same prediction as the Test dialog sends it, for a terminal or a program: curl, Python
// with requests, and Python with hydrosdk (gRPC, Hydrosphere's client).

/** A string for a POSIX shell in single quotes (a quote inside becomes '\''). */
export function shellQuote(text) {
  return `'${String(text).replace(/'/g, "'\\''")}'`;
}

/** A JSON value as Python source: True/False/None, dicts and lists indented like json.dumps. */
export function pythonLiteral(value, indent = 0) {
  const pad = " ".repeat(indent + 4);
  const end = " ".repeat(indent);
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : `float("${value}")`;
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) {
    if (!value.length) return "[]";
    if (value.every((v) => v === null || typeof v !== "object")) return `[${value.map((v) => pythonLiteral(v)).join(", ")}]`;
    return `[\n${value.map((v) => pad + pythonLiteral(v, indent + 4)).join(",\n")},\n${end}]`;
  }
  const keys = Object.keys(value);
  if (!keys.length) return "{}";
  const items = keys.map((k) => `${pad}${JSON.stringify(k)}: ${pythonLiteral(value[k], indent + 4)}`);
  return `{\n${items.join(",\n")},\n${end}}`;
}

/** `origin` is the address the page was loaded from (hydro up serves the gateway there too). */
export function curlSnippet(origin, application, inputs) {
  const url = `${origin}/gateway/application/${encodeURIComponent(application)}`;
  return `curl -X POST ${shellQuote(url)} \\\n  -H 'Content-Type: application/json' \\\n  -d ${shellQuote(JSON.stringify(inputs))}`;
}

export function requestsSnippet(origin, application, inputs) {
  const url = `${origin}/gateway/application/${encodeURIComponent(application)}`;
  return [
    "import requests",
    "",
    `inputs = ${pythonLiteral(inputs)}`,
    `response = requests.post(${JSON.stringify(url)}, json=inputs, timeout=30)`,
    "response.raise_for_status()",
    "print(response.json())",
  ].join("\n");
}

/** hydrosdk predicts over gRPC; `grpcAddress` is the gateway's gRPC `host:port`. */
export function hydrosdkSnippet(origin, grpcAddress, application, inputs) {
  return [
    "from hydrosdk import Application, Cluster",
    "",
    `cluster = Cluster(${JSON.stringify(origin)}, grpc_address=${JSON.stringify(grpcAddress)})`,
    `app = Application.find(cluster, ${JSON.stringify(application)})`,
    `inputs = ${pythonLiteral(inputs)}`,
    "print(app.predictor().predict(inputs))",
  ].join("\n");
}

/** `hydro up` serves gRPC on :9090 by default (`--grpc-port`); the host is the page's. */
export function defaultGrpcAddress(location) {
  return `${location.hostname.includes(":") ? `[${location.hostname}]` : location.hostname}:9090`;
}
