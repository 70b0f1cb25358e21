// Objectives: the list, filtered by agent, status and schedule.
import { all, page, ws, can } from "../api.js";
import { h } from "../dom.js";
import { OBJ } from "../format.js";
import { Form, input, select, submit } from "../form.js";
import { pagedList, pageHeader, navigate } from "../ui.js";
import { objectiveRow } from "./agent.js";

export const OBJECTIVE_STATUSES = ["PENDING", "RUNNING", "WAITING_FOR_APPROVAL", "WAITING_FOR_SUB_OBJECTIVES",
  "COMPLETED", "FINALIZED", "CANCELLED", "FAILED"];

export async function objectivesPage({ query, signal }) {
  const agentId = query.get("agentId") || "";
  const status = query.get("status") || "";
  const scheduleId = query.get("sourceScheduleId") || "";
  let agents = [];
  try {
    agents = await all(ws("/agents"), {}, { signal, max: 400 });
  } catch (err) {
    if (err?.name === "AbortError") throw err;
    agents = []; // without agents:read the filter takes an id instead
  }
  const form = new Form({
    label: "Filter objectives",
    cls: "filters",
    onSubmit: (f) => {
      const q = new URLSearchParams();
      for (const k of ["agentId", "status", "sourceScheduleId"]) if (f.value(k)) q.set(k, f.value(k).trim());
      navigate(`/objectives${q.toString() ? `?${q}` : ""}`);
    },
  });
  const agentControl = agents.length
    ? select([["", "Any agent"], ...agents.map((a) => [a.metadata.id, a.metadata.name, a.metadata.id === agentId])])
    : input({ value: agentId, placeholder: "agent_…" });
  form.el.append(
    form.field("agentId", { label: "Agent", control: agentControl }),
    form.field("status", { label: "Status", control: select([["", "Any status"],
      ...OBJECTIVE_STATUSES.map((s) => [OBJ + s, (s.charAt(0) + s.slice(1).toLowerCase()).replaceAll("_", " "), status === OBJ + s])]) }),
    form.field("sourceScheduleId", { label: "Schedule id", control: input({ value: scheduleId, placeholder: "sched_…", class: "mono" }) }),
    h("div", { class: "actions" }, submit("Filter"), agentId || status || scheduleId ? h("a", { class: "btn", href: "#/objectives" }, "Clear filters") : null));

  const list = pagedList({
    label: "Objectives",
    what: "Could not list objectives",
    empty: agentId || status || scheduleId ? "No objective matches these filters." : "No objectives yet.",
    fetchPage: (cursor) => page(ws("/objectives"), { agentId, status, sourceScheduleId: scheduleId, includeInfo: true, cursor, limit: 25 }, { signal }),
    render: objectiveRow,
  });
  const start = can("objectives:write")
    ? h("a", { class: "btn btn-primary", href: `#/objectives/new${agentId ? `?agentId=${encodeURIComponent(agentId)}` : ""}` }, "Start an objective")
    : null;
  return h("div", { class: "page" }, pageHeader("Objectives", start), form.el, list.el);
}
