// Entry point: mounts the page the server named in `#app[data-page]` with its parameters.
import { html, render, startLive } from "./core.js";
import { SignIn, SignOut, whoami } from "./signin.js";

const PAGES = {
  overview: () => import("./pages/overview.js"),
  models: () => import("./pages/models.js"),
  version: () => import("./pages/version.js"),
  monitoring: () => import("./pages/monitoring.js"),
  profiles: () => import("./pages/profiles.js"),
  drift: () => import("./pages/drift.js"),
  projection: () => import("./pages/projection.js"),
  applications: () => import("./pages/applications.js"),
  application: () => import("./pages/application.js"),
  "application-form": () => import("./pages/application_form.js"),
  configurations: () => import("./pages/configurations.js"),
  alerts: () => import("./pages/alerts.js"),
  engine: () => import("./pages/engine.js"),
};

async function mount() {
  const root = document.getElementById("app");
  if (!root) return;
  const who = await whoami();
  if (who === null) {
    root.textContent = "";
    render(html`<${SignIn} />`, root);
    return;
  }
  const slot = document.getElementById("auth");
  if (slot && who.auth === "enabled") render(html`<${SignOut} who=${who} />`, slot);
  startLive();
  const params = JSON.parse(root.dataset.params || "{}");
  const load = PAGES[root.dataset.page];
  if (!load) {
    render(html`<p class="notice bad">Unknown page ${root.dataset.page}.</p>`, root);
    return;
  }
  const module = await load();
  root.textContent = "";
  render(html`<${module.default} ...${params} />`, root);
}

mount();
