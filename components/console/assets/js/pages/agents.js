// Agents: a list with name-prefix search, status filter, labels and status.
import { page, ws, can } from "../api.js";
import { h, link } from "../dom.js";
import { badge, AGENT, labels, plural, truncate } from "../format.js";
import { Form, input, select, submit } from "../form.js";
import { pagedList, pageHeader, navigate } from "../ui.js";

export async function agentsPage({ query, signal }) {
  const prefix = query.get("prefix") || "";
  const status = query.get("status") || "";
  const form = new Form({
    label: "Search agents",
    cls: "filters",
    onSubmit: (f) => {
      const q = new URLSearchParams();
      if (f.value("prefix")) q.set("prefix", f.value("prefix"));
      if (f.value("status")) q.set("status", f.value("status"));
      navigate(`/agents${q.toString() ? `?${q}` : ""}`);
    },
  });
  form.el.append(
    form.field("prefix", { label: "Name starts with", control: input({ type: "search", value: prefix }) }),
    form.field("status", { label: "Status", control: select([["", "Any status"],
      ...["DRAFT", "PUBLISHED", "ARCHIVED"].map((s) => [AGENT + s, s.charAt(0) + s.slice(1).toLowerCase(), status === AGENT + s])]) }),
    h("div", { class: "actions" }, submit("Search")));

  const list = pagedList({
    label: "Agents",
    what: "Could not list agents",
    empty: prefix || status ? "No agent matches." : "No agents in this workspace yet.",
    fetchPage: (cursor) => page(ws("/agents"), { includeInfo: true, prefix, status, cursor, limit: 50 }, { signal }),
    render: (a) => h("li", { class: "row" },
      h("div", { class: "row-main" },
        h("h2", { class: "row-title" }, link(`/agents/${a.metadata.id}`, a.metadata.name)),
        badge(a.spec.status, AGENT),
        a.spec.description ? h("p", { class: "muted" }, truncate(a.spec.description, 160)) : null,
        labels(a.metadata.labels)),
      h("div", { class: "row-side muted" },
        a.info ? plural(a.info.variationCount ?? 0, "variation") : null,
        h("span", { class: "mono small" }, a.metadata.externalId || a.metadata.id))),
  });

  return h("div", { class: "page" },
    pageHeader("Agents", can("objectives:write") ? h("a", { class: "btn btn-primary", href: "#/objectives/new" }, "Start an objective") : null),
    form.el, list.el);
}
