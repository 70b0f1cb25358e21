// Page-level helpers shared by every page: announcements, errors, "load more" lists.
import { h, replace } from "./dom.js";
import { ApiError } from "./api.js";

/** Goes to a route; the same route again reloads the page (e.g. a filter form submitted twice). */
export function navigate(route) {
  const hash = `#${route}`;
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = hash;
}

/** Says something to screen readers (polite). */
export function announce(text) {
  const live = document.getElementById("live");
  if (!live) return;
  live.textContent = "";
  setTimeout(() => { live.textContent = text; }, 30);
}

/** An error as a visible alert: the server's message, status and code. */
export function errorBox(err, what) {
  const text = err instanceof ApiError ? err.describe() : String(err?.message || err);
  return h("div", { class: "notice notice-error", role: "alert" },
    what ? h("strong", null, `${what}: `) : null, text);
}

/**
 * A list that pages with a "Load more" button. fetchPage(cursor) → {items, nextCursor, total};
 * render(item) → node. Returns {el, reload()}.
 */
export function pagedList({ fetchPage, render, empty = "Nothing here yet.", tag = "ul", cls = "rows", label, what }) {
  const list = h(tag, { class: cls, ...(label ? { "aria-label": label } : {}) });
  const more = h("button", { type: "button", class: "btn", hidden: true }, "Load more");
  const status = h("p", { class: "muted count" });
  const err = h("div");
  const el = h("div", { class: "paged" }, status, err, list, more);
  let cursor = null;
  async function load(reset) {
    if (reset) {
      cursor = null;
      list.replaceChildren();
      replace(status, "Loading…");
    }
    more.disabled = true;
    try {
      const p = await fetchPage(cursor);
      err.replaceChildren();
      for (const item of p.items) list.append(render(item));
      cursor = p.nextCursor;
      more.hidden = !cursor;
      const shown = list.children.length;
      replace(status, shown === 0 ? empty : p.total !== undefined ? `Showing ${shown} of ${p.total}` : "");
    } catch (e) {
      if (e?.name === "AbortError") return;
      replace(status, "");
      replace(err, errorBox(e, what));
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener("click", () => load(false));
  load(true);
  return { el, reload: () => load(true) };
}

/** The page heading (focused after navigation so keyboard and screen-reader users land on it). */
export function pageHeader(title, ...extra) {
  return h("div", { class: "page-head" }, h("h1", { tabindex: "-1", class: "page-title" }, title), ...extra);
}

/** A hint shown near controls the key's scopes do not allow. */
export function scopeNote(allowed, scope, what) {
  if (allowed) return null;
  return h("p", { class: "scope-note" }, `Read-only: your key lacks ${scope}, so you cannot ${what}.`);
}
