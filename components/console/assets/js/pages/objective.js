// One objective: a live timeline from events:stream (fetch + SSE parser, resuming with
// Last-Event-ID), what waits for a person (approvals, content), usage, tasks, context
// windows, Continue and Cancel, and feedback.
import { get, page, post, all, ws, can } from "../api.js";
import { h, link, replace, section, defs, json, notice } from "../dom.js";
import { badge, enumLabel, OBJ, EVENT, CALL, EXEC, ENDED, SUPER_TERMINAL, time, plural } from "../format.js";
import { Form, input, textarea, submit, gate } from "../form.js";
import { follow } from "../stream.js";
import { pageHeader, errorBox, announce, pagedList, scopeNote } from "../ui.js";
import { callCard, callableName } from "./approvals.js";

export async function objectivePage({ params: [id], signal, setTitle }) {
  const base = ws(`/objectives/${encodeURIComponent(id)}`);
  let objective = await get(base, undefined, { signal });
  const oid = objective.metadata.id;
  setTitle(`Objective ${oid}`);
  const writable = can("objectives:write");

  // ---- header and summary
  const statusEl = h("span", { role: "status", "aria-label": "Objective status", class: "status-slot" });
  const summary = h("section", { class: "card", "aria-label": "Summary" });
  const usage = h("section", { class: "card", "aria-labelledby": "usage-title" });
  const attention = h("div", { class: "attention" });

  // ---- actions: continue and cancel
  const actionsMsg = notice("status");
  const continueForm = new Form({
    label: "Continue the objective",
    onSubmit: async (f) => {
      f.clearErrors();
      actionsMsg.clear();
      const message = f.value("message");
      if (!message.trim()) {
        f.showErrors([{ field: "message", message: "is required" }]);
        return;
      }
      try {
        await post(`${base}:continue`, { message });
        f.fields.get("message").control.value = "";
        announce("Continued");
        await refresh();
        startFollowing();
      } catch (err) {
        f.showApiError(err);
      }
    },
  });
  const continueButton = submit("Continue");
  continueForm.el.append(
    continueForm.field("message", { label: "Message", control: textarea({ rows: 2 }), required: true,
      hint: "Continue a completed (or failed) objective with another user message." }),
    h("div", { class: "actions" }, continueButton));
  const cancelForm = new Form({
    label: "Cancel the objective",
    onSubmit: async (f) => {
      f.clearErrors();
      actionsMsg.clear();
      const reason = f.value("reason").trim();
      try {
        objective = await post(`${base}:cancel`, reason ? { reason } : {});
        actionsMsg.show("Cancelled.", "ok");
        await refresh();
      } catch (err) {
        f.showApiError(err);
      }
    },
  });
  const cancelButton = submit("Cancel objective", { class: "btn btn-danger" });
  cancelForm.el.classList.add("separated");
  cancelForm.el.append(
    cancelForm.field("reason", { label: "Reason (optional)", control: input() }),
    h("div", { class: "actions" }, cancelButton));

  const setControls = () => {
    const s = objective.status;
    continueButton.disabled = !writable || !(s === OBJ + "COMPLETED" || s === OBJ + "FAILED");
    cancelButton.disabled = !writable || SUPER_TERMINAL.has(s);
    for (const b of [continueButton, cancelButton]) gate(b, writable, "objectives:write");
  };

  // ---- timeline
  const timeline = h("ol", { class: "timeline", "aria-label": "Timeline" });
  const conn = h("span", { class: "conn muted small" });
  const seen = new Set();
  const names = new Map(); // tool call id → function name
  let lastEventId = null;

  let shownStatus = null;
  const drawSummary = () => {
    const o = objective;
    if (o.status !== shownStatus) {
      // a live region: only a change is announced
      shownStatus = o.status;
      replace(statusEl, badge(o.status, OBJ));
    }
    const d = o.data || {};
    // redraws keep open <details> open
    const opened = new Set([...summary.querySelectorAll("details[open] > summary")].map((el) => el.textContent));
    replace(summary,
      o.statusMessage ? h("p", { class: "notice notice-error" }, o.statusMessage) : null,
      defs([
        ["Status", badge(o.status, OBJ)],
        ["Agent", link(`/agents/${o.info?.agent?.id}`, o.info?.agent?.name || o.info?.agent?.id)],
        ["Variation", o.info?.agentVariation?.name || o.info?.agentVariation?.id],
        ["Model", d.agentVariation?.spec?.modelConfig?.modelId ? h("span", { class: "mono" }, d.agentVariation.spec.modelConfig.modelId) : null],
        ["Started", time(o.metadata.createdAt)],
        ["Started by", o.info?.createdBy?.metadata?.name],
        ["Parent objective", d.parentObjectiveId ? link(`/objectives/${d.parentObjectiveId}`, h("span", { class: "mono" }, d.parentObjectiveId)) : null],
        ["Schedule", d.sourceScheduleId ? link(`/objectives?sourceScheduleId=${encodeURIComponent(d.sourceScheduleId)}`, h("span", { class: "mono" }, d.sourceScheduleId)) : null],
        ["Id", h("span", { class: "mono" }, o.metadata.id)],
        ["External id", o.metadata.externalId],
      ]),
      d.output !== undefined ? h("div", null, h("h3", null, "Final output"), json(d.output, "Final output")) : null,
      d.data !== undefined ? h("details", null, h("summary", null, "Input data"), json(d.data)) : null,
      d.systemPrompt ? h("details", null, h("summary", null, "System prompt"), h("pre", { class: "prose" }, d.systemPrompt)) : null);
    for (const el of summary.querySelectorAll("details > summary")) if (opened.has(el.textContent)) el.parentElement.open = true;
    const i = o.info || {};
    replace(usage,
      h("h2", { id: "usage-title" }, "Token usage"),
      defs([
        ["Input tokens", fmt(i.totalInputTokens)],
        ["Completion tokens", fmt(i.totalCompletionTokens)],
        ["Tool calls", fmt(i.totalToolCalls)],
        ["Model calls", fmt(i.totalIterations)],
        ["Events", fmt(i.totalEvents)],
        ["Context windows", fmt(i.totalContextWindows)],
      ], { class: "defs defs-grid" }));
    setControls();
  };

  // ---- side panels: tasks, windows, waiting calls
  const tasksBox = h("div");
  const windowsBox = h("div");
  // cards are added and removed one by one, so a memo being typed survives a refresh
  const attentionCards = new Map(); // call id → card
  const attentionList = h("div", { class: "call-list" });
  const attentionSection = h("section", { class: "card attention-card", "aria-labelledby": "attention-title" },
    h("h2", { id: "attention-title" }, "Waiting for you"), attentionList);
  const drawAttention = (calls) => {
    // an ended objective's calls can no longer change, even if still marked waiting
    const open = ENDED.has(objective.status) ? []
      : calls.filter((c) => c.status === CALL + "WAITING_FOR_APPROVAL" || c.executionStatus === EXEC + "WAITING_FOR_CONTENT");
    const keep = new Set(open.map((c) => `${c.metadata.id}:${c.status}:${c.executionStatus}`));
    for (const [key, el] of attentionCards) {
      if (!keep.has(key)) {
        el.remove();
        attentionCards.delete(key);
      }
    }
    for (const c of open) {
      const key = `${c.metadata.id}:${c.status}:${c.executionStatus}`;
      if (attentionCards.has(key)) continue;
      const el = callCard(c, { showObjective: false, onDone: () => scheduleRefresh() }).el;
      attentionCards.set(key, el);
      attentionList.append(el);
    }
    if (!attentionCards.size) attention.replaceChildren();
    else if (!attention.contains(attentionSection)) attention.append(attentionSection);
  };
  const loadCalls = async () => {
    const calls = await all(`${base}/tool_calls`, {}, { signal, max: 400 });
    for (const c of calls) names.set(c.metadata.id, c.data.functionName);
    drawAttention(calls);
  };
  const loadTasks = async () => {
    const tasks = await all(`${base}/tasks`, {}, { signal, max: 400 });
    replace(tasksBox, tasks.length
      ? h("ol", { class: "tasks", "aria-label": "Tasks" }, tasks.map((t) => h("li", { class: t.data.completed ? "task done" : "task" },
        h("span", { class: "task-mark", "aria-hidden": "true" }, t.data.completed ? "✓" : "○"),
        h("span", null, `#${t.data.number} ${t.data.task}`),
        h("span", { class: "sr-only" }, t.data.completed ? " (done)" : " (open)"),
        t.data.completedAt ? h("span", { class: "muted small" }, " done ", time(t.data.completedAt)) : null)))
      : h("p", { class: "muted" }, "The model has not made a task list."));
  };
  const loadWindows = async () => {
    const windows = await all(`${base}/context_windows`, {}, { signal, max: 400 });
    replace(windowsBox, windows.length
      ? h("div", { class: "table-wrap" }, h("table", { class: "table" },
        h("caption", { class: "sr-only" }, "Context windows"),
        h("thead", null, h("tr", null, ["#", "Prompt tokens", "Completion tokens", "Started"].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", null, windows.map((w) => h("tr", { class: w.metadata.id === objective.info?.currentContextWindowId ? "current" : "" },
          h("td", null, String(w.data.sequence), w.metadata.id === objective.info?.currentContextWindowId ? h("span", { class: "muted small" }, " (current)") : null),
          h("td", null, fmt(w.data.promptTokens)), h("td", null, fmt(w.data.completionTokens)), h("td", null, time(w.metadata.createdAt, { clock: true })))))),
        windows.filter((w) => w.data.previousWindowContinueInstructions).map((w) => h("details", null,
          h("summary", null, `Window ${w.data.sequence} starts from a summary`), h("pre", { class: "prose" }, w.data.previousWindowContinueInstructions))))
      : h("p", { class: "muted" }, "No context windows."));
  };

  const refresh = async () => {
    try {
      objective = await get(base, undefined, { signal });
      drawSummary();
      await Promise.all([loadCalls(), loadTasks(), loadWindows()]);
    } catch (err) {
      if (err?.name !== "AbortError") actionsMsg.show(errorBox(err, "Could not refresh"), "error");
    }
  };
  let refreshTimer = null;
  const scheduleRefresh = () => {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, 250);
  };
  signal.addEventListener("abort", () => clearTimeout(refreshTimer));

  const onEvent = (event) => {
    const eid = event.metadata?.id;
    if (!eid || seen.has(eid)) return;
    seen.add(eid);
    lastEventId = eid;
    timeline.append(renderEvent(event, names));
    scheduleRefresh();
  };

  let following = false;
  const startFollowing = () => {
    if (following || signal.aborted) return;
    following = true;
    follow(`${base}/events:stream`, {
      lastEventId,
      signal,
      onEvent,
      onState: (s) => replace(conn, { connecting: "Connecting…", reconnecting: "Reconnecting…", live: "● Live", offline: "Offline — retrying…", ended: "Ended", stopped: "Stopped" }[s] || s),
      onError: (err) => replace(conn, errorBox(err, "Event stream")),
      keepGoing: async () => {
        objective = await get(base, undefined, { signal });
        drawSummary();
        return !ENDED.has(objective.status);
      },
    }).finally(() => {
      following = false;
      scheduleRefresh();
    });
  };

  drawSummary();
  refresh();
  startFollowing();

  const [timelineSec, timelineBody] = section("Timeline", { actions: conn, cls: "timeline-card" });
  timelineBody.append(timeline);
  const [tasksSec, tasksBody] = section("Tasks");
  tasksBody.append(tasksBox);
  const [windowsSec, windowsBody] = section("Context windows");
  windowsBody.append(windowsBox);
  const [actionsSec, actionsBody] = section("Steer");
  actionsBody.append(scopeNote(writable, "objectives:write", "continue or cancel objectives") || "", actionsMsg.el, continueForm.el, cancelForm.el);

  return h("div", { class: "page" },
    pageHeader(`Objective`, statusEl, h("span", { class: "mono small muted" }, oid)),
    h("div", { class: "split" },
      h("div", { class: "split-main" }, attention, timelineSec),
      h("div", { class: "split-side" }, summary, usage, actionsSec, tasksSec, windowsSec, feedbackSection(base, objective, signal))));
}

function fmt(n) {
  return n === undefined || n === null ? "0" : Number(n).toLocaleString("en-US");
}

function argsText(raw) {
  if (typeof raw !== "string") return JSON.stringify(raw ?? {}, null, 2);
  try {
    return JSON.stringify(JSON.parse(raw), null, 2);
  } catch {
    return raw;
  }
}

function resultText(result) {
  const blocks = result?.content || [];
  const text = blocks.map((b) => (b.type === "text" ? (typeof b.text === "string" ? b.text : b.text?.text ?? "") : JSON.stringify(b))).join("\n");
  return prettyMaybe(text);
}

function prettyMaybe(text) {
  const t = text.trim();
  if ((t.startsWith("{") && t.endsWith("}")) || (t.startsWith("[") && t.endsWith("]"))) {
    try {
      return JSON.stringify(JSON.parse(t), null, 2);
    } catch {
      return text;
    }
  }
  return text;
}

/** One timeline entry. `names` maps tool call ids to function names (filled as calls appear). */
export function renderEvent(e, names) {
  const type = (e.data?.type || "").replace(EVENT, "");
  const key = type.toLowerCase().replace(/_([a-z])/g, (_, c) => c.toUpperCase());
  const p = e.data?.[key] || {};
  const nameOf = (tcid) => names.get(tcid) || tcid;
  let title = enumLabel(type);
  let tone = "neutral";
  let body = [];
  switch (type) {
    case "USER_MESSAGE":
      title = "User";
      tone = "user";
      body = [h("div", { class: "msg" }, p.content || "")];
      break;
    case "ASSISTANT_MESSAGE":
      title = "Assistant";
      tone = "assistant";
      for (const c of p.toolCalls || []) names.set(c.toolCallId, c.functionName);
      body = [
        p.content ? h("div", { class: "msg" }, p.content) : null,
        (p.toolCalls || []).map((c) => h("div", { class: "tool-ask" },
          h("p", null, "Calls ", h("strong", null, c.functionName), c.tool ? h("span", { class: "muted small" }, ` · ${callableName(c.tool)}`) : null),
          h("pre", { class: "json", "aria-label": `Arguments of ${c.functionName}` }, argsText(c.arguments)))),
      ];
      break;
    case "TOOL_APPROVAL_REQUESTED":
      title = "Approval requested";
      tone = "warn";
      body = [h("p", null, h("strong", null, nameOf(p.toolCallId)), " needs a person's approval before it runs.")];
      break;
    case "TOOL_APPROVED":
      title = "Approved";
      tone = "ok";
      body = [h("p", null, h("strong", null, nameOf(p.toolCallId)), " was approved.")];
      break;
    case "TOOL_DENIED":
      title = "Denied";
      tone = "bad";
      body = [h("p", null, h("strong", null, nameOf(p.toolCallId)), " was denied.", p.memo ? ` Memo: “${p.memo}”` : "")];
      break;
    case "TOOL_CALLED":
      title = "Tool called";
      tone = "tool";
      if (p.tool) names.set(p.toolCallId, names.get(p.toolCallId) || (p.tool[p.tool.type]?.name));
      body = [h("p", null, h("strong", null, nameOf(p.toolCallId)), p.tool ? h("span", { class: "muted small" }, ` · ${callableName(p.tool)}`) : null,
        p.attempt > 1 ? h("span", { class: "badge badge-warn" }, `attempt ${p.attempt}`) : null),
      h("details", null, h("summary", null, "Arguments"), h("pre", { class: "json" }, argsText(p.arguments)))];
      break;
    case "TOOL_RESULT":
      title = "Tool result";
      tone = "ok";
      body = [h("p", null, "From ", h("strong", null, nameOf(p.toolCallId))), h("pre", { class: "result" }, resultText(p.result))];
      break;
    case "TOOL_ERROR":
      title = "Tool error";
      tone = "bad";
      body = [h("p", null, h("strong", null, nameOf(p.toolCallId)), ": ", p.message)];
      break;
    case "ERROR":
      title = "Error";
      tone = "bad";
      body = [h("p", null, p.type ? h("span", { class: "badge badge-bad" }, p.type) : null, " ", p.message)];
      break;
    case "CANCELLED":
      title = "Cancelled";
      tone = "bad";
      body = [p.message ? h("p", null, p.message) : null];
      break;
    case "FINALIZED":
      title = "Finalized";
      tone = "ok";
      body = [h("p", null, "Final output:"), json(p.output ?? null, "Final output")];
      break;
    case "CONTEXT_WINDOW_COMPACTED":
      title = "Context compacted";
      tone = "info";
      body = [h("p", null, `${plural(p.messagesCompacted ?? 0, "message")} compacted`, p.strategies?.length ? ` by ${p.strategies.join(", ")}` : "",
        p.newContextWindow?.sequence ? `; window ${p.newContextWindow.sequence} begins` : ""),
      p.summary ? h("details", null, h("summary", null, "Summary"), h("pre", { class: "prose" }, p.summary)) : null];
      break;
    case "MEMORY_READ":
      title = "Memory read";
      tone = "info";
      body = [h("p", null, p.message || ""), h("p", { class: "muted small mono" }, `${p.memoryLayerId || ""} · ${p.memoryEntryId || ""}`)];
      break;
    case "SUB_AGENT_SPAWNED":
      title = "Sub-agent started";
      tone = "info";
      body = [h("p", null, h("strong", null, p.agent?.name || p.agent?.id || "sub-agent"), p.task ? `: ${p.task}` : ""),
        p.objective?.id ? h("p", null, link(`/objectives/${p.objective.id}`, "Open the sub-objective ", h("span", { class: "mono" }, p.objective.id))) : null];
      break;
    case "SUB_AGENT_UPDATED":
      title = "Sub-agent update";
      tone = /FAILED|CANCELLED/.test(p.status || "") ? "bad" : "info";
      body = [h("p", null, h("strong", null, p.agent?.name || p.agent?.id || "sub-agent"), " ", p.status ? badge(p.status, "STATUS_") : null),
        p.message ? h("pre", { class: "result" }, prettyMaybe(p.message)) : null,
        p.objective?.id ? h("p", null, link(`/objectives/${p.objective.id}`, "Open the sub-objective ", h("span", { class: "mono" }, p.objective.id))) : null];
      break;
    default:
      body = [json(e.data)];
  }
  return h("li", { class: `ev ev-${tone}`, "data-type": type },
    h("div", { class: "ev-head" }, h("span", { class: "ev-title" }, title), time(e.metadata?.createdAt, { clock: true })),
    h("div", { class: "ev-body" }, body));
}

function feedbackSection(base, objective, signal) {
  const [sec, body] = section("Feedback");
  const writable = can("objectives:write");
  const list = pagedList({
    label: "Feedback on this objective",
    what: "Could not list feedback",
    empty: "No feedback yet.",
    fetchPage: (cursor) => page(`${base}/feedback`, { cursor, limit: 20, sortOrder: "desc" }, { signal }),
    render: (f) => h("li", { class: "row" },
      h("div", { class: "row-main" }, h("strong", null, `Score ${f.data.score}`), f.data.comment ? ` — ${f.data.comment}` : ""),
      h("div", { class: "row-side muted small" }, f.info?.submittedBy?.metadata?.name || "", " ", time(f.metadata.createdAt))),
  });
  const form = new Form({
    label: "Give feedback",
    onSubmit: async (f) => {
      f.clearErrors();
      const raw = f.value("data.score").trim();
      const score = Number(raw);
      if (raw === "" || !Number.isFinite(score)) {
        f.showErrors([{ field: "data.score", message: "must be a number from -1 to 1" }]);
        return;
      }
      const comment = f.value("data.comment").trim();
      try {
        await post(`${base}/feedback`, { data: { score, ...(comment ? { comment } : {}) } });
        f.fields.get("data.comment").control.value = "";
        announce("Feedback sent");
        list.reload();
      } catch (err) {
        f.showApiError(err);
      }
    },
  });
  form.el.append(
    form.field("data.score", { label: "Score", control: input({ inputmode: "decimal", value: "1" }), required: true,
      hint: "From -1 (bad) to 1 (good); it updates the variation's score." }),
    form.field("data.comment", { label: "Comment", control: textarea({ rows: 2 }) }),
    h("div", { class: "actions" }, gate(submit("Send feedback"), writable, "objectives:write")));
  body.append(list.el, form.el);
  return sec;
}
