// The console shell: sign-in, the signed-in key's identity, and a hash router.
import { session, get, onUnauthorized, ApiError, can } from "./api.js";
import { h, replace } from "./dom.js";
import { errorBox, announce } from "./ui.js";
import { Form, input, submit } from "./form.js";
import { agentsPage } from "./pages/agents.js";
import { agentPage } from "./pages/agent.js";
import { objectivesPage } from "./pages/objectives.js";
import { startPage } from "./pages/start.js";
import { objectivePage } from "./pages/objective.js";
import { approvalsPage } from "./pages/approvals.js";
import { schedulesPage } from "./pages/schedules.js";

const routes = [
  [/^\/agents$/, agentsPage, "agents", "Agents"],
  [/^\/agents\/([^/]+)$/, agentPage, "agents", "Agent"],
  [/^\/objectives$/, objectivesPage, "objectives", "Objectives"],
  [/^\/objectives\/new$/, startPage, "objectives", "Start an objective"],
  [/^\/objectives\/([^/]+)$/, objectivePage, "objectives", "Objective"],
  [/^\/approvals$/, approvalsPage, "approvals", "Approvals"],
  [/^\/schedules$/, schedulesPage, "schedules", "Schedules"],
];

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const whoami = document.getElementById("whoami");
const banner = document.getElementById("banner");
let current = null; // AbortController of the page on screen

function showBanner(text) {
  if (!text) {
    banner.hidden = true;
    banner.replaceChildren();
    return;
  }
  replace(banner, text);
  banner.hidden = false;
}

function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [path, q = ""] = raw.split("?");
  return { path, query: new URLSearchParams(q) };
}

async function render() {
  current?.abort();
  current = new AbortController();
  const { signal } = current;
  if (!session.token || !session.me) {
    nav.hidden = true;
    whoami.hidden = true;
    whoami.replaceChildren();
    replace(main, signInView());
    document.title = "Sign in · Cadenya console";
    return;
  }
  const { path, query } = parseHash();
  const match = routes.map(([re, page, navKey, title]) => [path.match(re), page, navKey, title]).find(([m]) => m);
  if (!match) {
    location.replace("#/agents");
    return;
  }
  const [m, page, navKey, title] = match;
  for (const a of nav.querySelectorAll("a")) {
    if (a.dataset.nav === navKey) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  document.title = `${title} · Cadenya console`;
  replace(main, h("p", { class: "muted" }, "Loading…"));
  try {
    const node = await page({ params: m.slice(1).map(decodeURIComponent), query, signal, setTitle: (t) => { document.title = `${t} · Cadenya console`; } });
    if (signal.aborted) return;
    replace(main, node);
  } catch (err) {
    if (signal.aborted || err?.name === "AbortError") return;
    replace(main, h("div", { class: "page" }, h("h1", { tabindex: "-1", class: "page-title" }, title), errorBox(err)));
  }
  const heading = main.querySelector("h1");
  if (heading && !main.contains(document.activeElement)) heading.focus({ preventScroll: true });
}

function renderWhoami() {
  const me = session.me;
  const wsNode = session.workspace;
  const reach = me.workspaces || [];
  const pickId = "ws-pick";
  const picker = reach.length > 1
    ? h("div", { class: "ws-pick" }, h("label", { for: pickId }, "Workspace"),
      h("select", { id: pickId, onchange: (e) => { session.workspaceId = e.target.value; renderWhoami(); render(); } },
        reach.map((w) => h("option", { value: w.metadata.id, selected: w.metadata.id === session.workspaceId }, w.metadata.name))))
    : null;
  replace(whoami,
    h("dl", { class: "key-info", "aria-label": "Signed-in key" },
      h("div", null, h("dt", null, "Workspace"), h("dd", { "data-field": "workspace" },
        wsNode ? [wsNode.metadata.name, h("span", { class: "ws-id" }, ` (${wsNode.metadata.id})`)] : "none")),
      h("div", null, h("dt", null, "Scopes"), h("dd", { "data-field": "scopes" }, (me.scopes || []).join(" ") || "none")),
      h("div", null, h("dt", null, "Token id"), h("dd", { "data-field": "token-id" }, me.tokenId))),
    picker,
    h("button", { type: "button", class: "btn btn-small", onclick: signOut }, "Sign out"));
  whoami.hidden = false;
  nav.hidden = false;
}

function signOut() {
  session.signOut();
  showBanner(null);
  announce("Signed out");
  if (location.hash && location.hash !== "#/") location.hash = "#/";
  else render();
}

function signInView() {
  const form = new Form({
    label: "Sign in",
    onSubmit: async (f) => {
      f.clearErrors();
      const token = f.value("token").trim().replace(/^Bearer\s+/i, "");
      if (!token) {
        f.showErrors([{ field: "token", message: "Paste an API key" }]);
        return;
      }
      try {
        const me = await get("/v1/me", undefined, { token });
        session.signIn(token, me);
      } catch (err) {
        f.showErrors([{ field: "token", message: err instanceof ApiError ? err.describe() : String(err) }]);
        return;
      }
      field.value = "";
      showBanner(null);
      renderWhoami();
      announce(`Signed in to ${session.workspace?.metadata?.name || "the account"}`);
      if (!location.hash || location.hash === "#/" || location.hash === "#") location.hash = "#/agents";
      else render();
    },
  });
  const field = input({ type: "password", spellcheck: "false", autocapitalize: "off" });
  form.el.append(
    form.field("token", { label: "API key", control: field, required: true,
      hint: "Kept in this tab's session storage only; closing the tab or signing out forgets it." }),
    h("div", { class: "actions" }, submit("Sign in")));
  setTimeout(() => field.focus(), 0);
  return h("div", { class: "page signin" },
    h("section", { class: "card", "aria-labelledby": "signin-title" },
      h("h1", { id: "signin-title", tabindex: "-1", class: "page-title" }, "Sign in"),
      h("p", null, "Sign in with an API key of this Cadenya installation. What you can do follows the key's scopes."),
      form.el));
}

onUnauthorized((err) => {
  session.signOut();
  showBanner(`Your key was refused: ${err.describe()}. Sign in again.`);
  render();
});

// The skip link moves focus without touching the hash (the router owns it).
document.querySelector(".skip-link")?.addEventListener("click", (e) => {
  e.preventDefault();
  (main.querySelector("h1") || main).focus();
});

async function boot() {
  if (session.token) {
    try {
      session.me = await get("/v1/me");
      session.signIn(session.token, session.me);
      renderWhoami();
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) showBanner(`Could not load your key: ${err.describe ? err.describe() : err}`);
      session.signOut();
    }
  }
  window.addEventListener("hashchange", render);
  render();
}

export { can };
boot();
