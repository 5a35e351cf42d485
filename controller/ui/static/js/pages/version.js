// One model version: status, build log (streamed live), contract, metadata, training data and
// outlier detector, where it is used (applications, servables) and its metric specs.
import { Contract, Empty, ErrorNotice, KeyValues, Loading, Panel, Status, Table, Unavailable, VersionLink } from "../components.js";
import { api, fmtTime, html, read, urls, useData, useEffect, useRef, useState } from "../core.js";

async function loadVersion(id) {
  const [version, servables, specs, training, detector] = await Promise.all([
    api(`/api/v2/model/version/${id}`), api(`/api/v2/servable?modelVersionId=${id}`),
    api(`/api/v2/monitoring/metricspec/modelversion/${id}`), api(`/monitoring/profiles/batch/${id}/status`),
    read(`monitoring/outliers/${id}`),
  ]);
  return { version, servables, specs, training, detector };
}

/** The build log as it is written: `Log` events until `EndOfStream`, then the stream is closed. */
export function BuildLog({ id }) {
  const [lines, setLines] = useState([]);
  const [done, setDone] = useState(false);
  const box = useRef(null);
  useEffect(() => {
    const buffer = [];
    let timer = null;
    const flush = () => {
      timer = null;
      setLines([...buffer]);
    };
    const stream = new EventSource(`/api/v2/model/version/${id}/logs`);
    stream.addEventListener("Log", (event) => {
      buffer.push(event.data);
      if (!timer) timer = setTimeout(flush, 100);
    });
    stream.addEventListener("EndOfStream", () => {
      stream.close();
      flush();
      setDone(true);
    });
    return () => {
      clearTimeout(timer);
      stream.close();
    };
  }, [id]);
  useEffect(() => {
    if (box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines]);
  return html`<div>
    <pre class="log" ref=${box} id="build-log">${lines.length ? lines.join("\n") : done ? "(the build wrote nothing)" : "Waiting for the build log…"}</pre>
    <p class="small muted">${done ? "The build has ended." : "Streaming live while the version is assembling."}</p>
  </div>`;
}

function Summary({ version }) {
  const runtime = version.runtime ? `${version.runtime.name}:${version.runtime.tag}` : "external (no runtime)";
  return html`<${KeyValues} entries=${[
    ["status", html`<${Status} value=${version.status} /> ${version.statusMessage && html`<span class="muted">${version.statusMessage}</span>`}`],
    ["runtime", runtime],
    ["kind", version.kind || "–"],
    ["created", fmtTime(version.created)],
    ["finished", fmtTime(version.finished)],
    ["install command", version.installCommand ? html`<code>${version.installCommand}</code>` : "none"],
    ["monitoring batch size", version.monitoringConfiguration.batchSize],
    ["id", version.id],
  ]} />`;
}

const TRAINING_HINTS = {
  NotRegistered: "No training data: add `training-data: train.csv` to serving.yaml and apply it again, or upload a CSV.",
  Processing: "The monitoring function is profiling it.",
  Failure: "Profiling failed; the message says why.",
};

function TrainingData({ version, training, detector }) {
  const upload = `curl --data-binary @train.csv ${location.origin}/monitoring/profiles/batch/${version.id}`;
  return html`<div class="stack">
    <${KeyValues} entries=${[
      ["profile", html`<${Status} value=${training.kind} />`],
      ["message", training.message || "–"],
      ["file", training.uri ? html`<code>${training.uri}</code>` : "–"],
    ]} />
    ${TRAINING_HINTS[training.kind] && html`<p class="small muted">${TRAINING_HINTS[training.kind]}</p>`}
    ${training.kind === "NotRegistered" && html`<pre>${upload}</pre>`}
    <h3>Automatic outlier detector</h3>
    ${detector.ok ? html`<${KeyValues} entries=${[
      ["job", html`<${Status} value=${detector.body.status} /> <span class="muted">${detector.body.stage}</span>`],
      ["reason", detector.body.reason || "–"],
      ["metric model", detector.body.metricModelVersionId ? html`<${VersionLink} id=${detector.body.metricModelVersionId} />` : "–"],
      ["updated", fmtTime(detector.body.updatedAt)],
    ]} />` : html`<${Unavailable} result=${detector} what="Outlier detector"
      hint="The detector is trained on the training data once it is profiled." />`}
  </div>`;
}

function UsedBy({ version, servables }) {
  return html`<div class="stack">
    <p>${version.applications.length ? html`Applications: ${version.applications.map((a, i) =>
      html`${i ? ", " : ""}<a href=${urls.application(a)}>${a}</a>`)}` : html`<span class="muted">No application uses this version.</span>`}</p>
    <${Table} rows=${servables} rowKey=${(s) => s.fullName}
      empty=${html`<p class="muted small">Not deployed: no servable runs this version.</p>`}
      columns=${[
        { label: "servable", cell: (s) => html`<code>${s.fullName}</code>` },
        { label: "status", cell: (s) => html`<${Status} value=${s.status} />` },
        { label: "replicas", className: "num", cell: (s) => s.replicas },
        { label: "config", cell: (s) => s.deploymentConfigurationName || html`<span class="muted">default</span>` },
        { label: "used by", cell: (s) => s.usedBy.join(", ") || "–" },
      ]} />
  </div>`;
}

function MetricSpecs({ specs }) {
  return html`<${Table} rows=${specs} rowKey=${(s) => s.id}
    empty=${html`<p class="muted small">No metric specs: training data brings an automatic outlier detector, or add
      <code>monitoring:</code> entries to serving.yaml.</p>`}
    columns=${[
      { label: "name", cell: (s) => s.name },
      { label: "metric model", cell: (s) => html`<${VersionLink} id=${s.config.modelVersionId} />` },
      { label: "healthy when", cell: (s) => (s.config.threshold === null || s.config.threshold === undefined
        ? "no threshold" : `${s.config.thresholdCmpOperator ? s.config.thresholdCmpOperator.kind : ""} ${s.config.threshold}`) },
    ]} />`;
}

export default function Version({ id }) {
  const { data, error, loading } = useData(() => loadVersion(id), [id], {
    events: ["ModelUpdate", "ServableUpdate", "ServableRemove", "TrainingDataUpdate", "MetricSpecUpdate",
      "MetricSpecRemove", "ApplicationUpdate"],
  });
  if (loading && !data) return html`<${Loading} />`;
  if (!data) return html`<${ErrorNotice} error=${error} />`;
  const { version, servables, specs, training, detector } = data;
  return html`<div class="stack">
    <${ErrorNotice} error=${error} />
    <div class="grid2">
      <${Panel} title="Version"><${Summary} version=${version} /><//>
      <${Panel} title="Build log">${version.isExternal
        ? html`<${Empty} title="External model">It is served elsewhere; Hydro only monitors it.<//>`
        : html`<${BuildLog} id=${id} />`}<//>
    </div>
    <${Panel} title="Contract"><${Contract} signature=${version.modelSignature} /><//>
    <div class="grid2">
      <${Panel} title="Where it is used"><${UsedBy} version=${version} servables=${servables} /><//>
      <${Panel} title="Training data"><${TrainingData} version=${version} training=${training} detector=${detector} /><//>
    </div>
    <div class="grid2">
      <${Panel} title="Metric specs"><${MetricSpecs} specs=${specs} /><//>
      <${Panel} title="Metadata"><${KeyValues} entries=${version.metadata} empty="No metadata." /><//>
    </div>
  </div>`;
}
