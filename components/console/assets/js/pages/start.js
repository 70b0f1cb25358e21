// Start an objective: a form generated from the agent's inputDataSchema, checked in the
// browser, with the server's field errors (data.orderId, initialMessage, …) beside their fields.
import { all, get, post, ws, can } from "../api.js";
import { h, replace, json } from "../dom.js";
import { enumLabel, AGENT } from "../format.js";
import { Form, schemaFields, select, textarea, submit, gate } from "../form.js";
import { pageHeader, errorBox, scopeNote, announce } from "../ui.js";

export async function startPage({ query, signal }) {
  const agents = await all(ws("/agents"), {}, { signal, max: 400 });
  let agentId = query.get("agentId") || "";
  if (!agentId) {
    const firstPublished = agents.find((a) => a.spec.status === AGENT + "PUBLISHED");
    agentId = firstPublished?.metadata.id || "";
  }
  const formHost = h("div");
  const root = h("div", { class: "page" },
    pageHeader("Start an objective"),
    scopeNote(can("objectives:write"), "objectives:write", "start objectives"),
    h("section", { class: "card" }, formHost));
  if (!agents.length) {
    replace(formHost, h("p", null, "There are no agents in this workspace yet."));
    return root;
  }
  const draw = async (id) => {
    replace(formHost, h("p", { class: "muted" }, "Loading the agent…"));
    try {
      replace(formHost, await buildForm(agents, id, draw, signal));
    } catch (err) {
      if (err?.name !== "AbortError") replace(formHost, errorBox(err, "Could not load the agent"));
    }
  };
  await draw(agentId || agents[0].metadata.id);
  return root;
}

async function buildForm(agents, agentId, redraw, signal) {
  const agent = await get(ws(`/agents/${encodeURIComponent(agentId)}`), undefined, { signal });
  let variations = [];
  let variationsError = null;
  if (can("variations:read")) {
    try {
      variations = await all(ws(`/agents/${agent.metadata.id}/variations`), { sortOrder: "asc" }, { signal, max: 200 });
    } catch (err) {
      if (err?.name === "AbortError") throw err;
      variationsError = err;
    }
  }
  let schemaPart = null;
  const form = new Form({
    label: "Start an objective",
    onSubmit: async (f) => {
      f.clearErrors();
      const errors = [];
      const body = { agentId: agent.metadata.id };
      const message = f.value("initialMessage");
      if (!message.trim()) errors.push({ field: "initialMessage", message: "is required" });
      else body.initialMessage = message;
      if (schemaPart) {
        const { value, errors: dataErrors } = schemaPart.collect();
        errors.push(...dataErrors);
        body.data = value;
      } else {
        const raw = f.value("data").trim();
        if (raw) {
          try {
            body.data = JSON.parse(raw);
          } catch {
            errors.push({ field: "data", message: "must be valid JSON" });
          }
        }
      }
      const variationId = f.value("variationId");
      if (variationId) body.variationId = variationId;
      if (errors.length) {
        f.showErrors(errors, "Please correct the highlighted fields.");
        return;
      }
      try {
        const created = await post(ws("/objectives"), body);
        announce("Objective started");
        location.hash = `#/objectives/${created.metadata.id}`;
      } catch (err) {
        f.showApiError(err);
      }
    },
  });
  const agentSelect = select(agents.map((a) => [a.metadata.id,
    `${a.metadata.name}${a.spec.status === AGENT + "PUBLISHED" ? "" : ` (${enumLabel(a.spec.status, AGENT).toLowerCase()})`}`,
    a.metadata.id === agent.metadata.id]));
  agentSelect.addEventListener("change", () => {
    history.replaceState(null, "", `#/objectives/new?agentId=${encodeURIComponent(agentSelect.value)}`);
    redraw(agentSelect.value);
  });
  form.el.append(form.field("agentId", { label: "Agent", control: agentSelect,
    hint: agent.spec.status === AGENT + "PUBLISHED" ? agent.spec.description
      : "Only published agents take objectives; a draft runs only with a variation chosen and a key with agents:write." }));
  if (variations.length) {
    form.el.append(form.field("variationId", { label: "Variation", control: select([["", "Chosen by the agent's selection mode"],
      ...variations.map((v) => [v.metadata.id, `${v.metadata.name}${v.spec.modelConfig?.modelId ? ` — ${v.spec.modelConfig.modelId}` : ""}`])]) }));
  } else if (variationsError) {
    form.el.append(errorBox(variationsError, "Variations unavailable"));
  }
  const schema = agent.spec.inputDataSchema;
  if (schema && schema.properties && Object.keys(schema.properties).length) {
    const fieldset = h("fieldset", { class: "fieldset" }, h("legend", null, "Input data"));
    schemaPart = schemaFields(form, schema, "data");
    fieldset.append(...schemaPart.nodes);
    form.el.append(fieldset);
  } else {
    form.el.append(form.field("data", { label: "Input data (JSON, optional)", control: textarea({ class: "mono", rows: 4 }),
      hint: schema ? "The agent's schema has no properties; see it below." : "This agent has no input schema." }));
    if (schema) form.el.append(h("details", null, h("summary", null, "Input data schema"), json(schema)));
  }
  form.el.append(
    form.field("initialMessage", { label: "Message", control: textarea({ rows: 4 }), required: true,
      hint: "The first user message of the objective." }),
    h("div", { class: "actions" }, gate(submit("Start objective"), can("objectives:write"), "objectives:write")));
  return form.el;
}
