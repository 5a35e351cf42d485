// Sign-in: when the API answers 401, the page shows a token form instead of its content. The token
// goes to POST /api/v2/auth/session, which sets an HttpOnly, SameSite=Strict cookie: the page's
// scripts never hold the token, and EventSource streams (which cannot send headers) are signed in.
import { api, ApiError, html, useState } from "./core.js";

/** Who the browser is signed in as ({keyId, name, scopes, auth}), or null when it is not. */
export async function whoami() {
  try {
    return await api("/api/v2/auth/whoami");
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export function SignIn() {
  const [token, setToken] = useState("");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    try {
      await api("/api/v2/auth/session", { method: "POST", body: { token: token.trim() } });
      window.location.reload();
    } catch (failure) {
      setError(failure.status === 401 ? "That token is unknown, revoked or mistyped." : failure.message);
      setBusy(false);
    }
  }
  return html`<form class="signin card" onSubmit=${submit}>
    <h1>Sign in</h1>
    <p>This Hydro requires an API token. <code>hydro up</code> prints one and keeps it in
      <code>&lt;home&gt;/admin-token</code>; an admin creates others with <code>hydro token create</code>.</p>
    <label for="token">API token</label>
    <input id="token" name="token" type="password" autocomplete="current-password" required
      placeholder="hydro_..." value=${token} onInput=${(e) => setToken(e.target.value)} />
    ${error && html`<p class="notice bad" role="alert">${error}</p>`}
    <button type="submit" class="primary" disabled=${busy || !token.trim()}>Sign in</button>
  </form>`;
}

export function SignOut({ who }) {
  async function signOut() {
    await api("/api/v2/auth/session", { method: "DELETE" });
    window.location.reload();
  }
  const title = `${who.name} (${who.scopes.join(", ")})`;
  return html`<button type="button" class="signout" title=${title} onClick=${signOut}>Sign out</button>`;
}
