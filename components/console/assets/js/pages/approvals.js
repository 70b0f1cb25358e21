// The approvals inbox: every tool call of the workspace waiting for approval, newest first,
// with Approve and Deny (with a memo); bare tools waiting for content get a content field.
import { get, page, post, ws, can } from "../api.js";
import { h, link, replace, defs, json, notice, uid } from "../dom.js";
import { badge, CALL, EXEC, ENDED, time, truncate, plural } from "../format.js";
import { Form, input, textarea, submit, gate } from "../form.js";
import { pageHeader, errorBox, announce, scopeNote } from "../ui.js";

const WAITING = CALL + "WAITING_FOR_APPROVAL";
const WAITING_CONTENT = EXEC + "WAITING_FOR_CONTENT";
const POLL_MS = 4000;

/** The name a callable goes by: a tool, a sub-agent or a built-in. */
export function callableName(c) {
  if (!c) return null;
  const inner = c[c.type] || c.tool || c.agent || c.cadenyaProvidedTool;
  const kind = { tool: "tool", agent: "sub-agent", cadenyaProvidedTool: "built-in" }[c.type] || c.type;
  return inner ? `${inner.name || inner.id} (${kind})` : kind;
}

/**
 * One tool call with what can be done about it now: Approve / Deny (with a memo) while it waits
 * for approval, a content field while a bare tool waits for content.
 */
export function callCard(call, { objective = null, showObjective = true, onDone = () => {} } = {}) {
  const card = h("article", { class: "card call", "aria-label": `Tool call ${call.data.functionName}`, "data-call": call.metadata.id });
  const oid = call.info?.objective?.id;
  const base = ws(`/objectives/${oid}/tool_calls/${call.metadata.id}`);
  const writable = can("objectives:write");
  const msg = notice("status");
  const context = h("div", { class: "call-context" });
  const done = (text, kind = "ok") => {
    for (const el of card.querySelectorAll("button, input, textarea")) el.disabled = true;
    card.classList.add("call-done");
    msg.show(text, kind);
    announce(text);
    onDone(call);
  };
  const fail = (err, what) => msg.show(errorBox(err, what), "error");

  const parts = [
    h("div", { class: "call-head" },
      h("h3", null, call.data.functionName),
      badge(call.status, CALL), call.executionStatus !== EXEC + "PENDING" ? badge(call.executionStatus, EXEC) : null),
    context,
    defs([
      ["Tool", callableName(call.data.callable)],
      showObjective && oid ? ["Objective", link(`/objectives/${oid}`, h("span", { class: "mono" }, oid))] : ["", null],
      ["Requested", time(call.metadata.createdAt)],
      ["Content due", call.data.contentDeadline ? time(call.data.contentDeadline) : null],
      ["Call id", h("span", { class: "mono small" }, call.metadata.id)],
    ]),
    h("h4", { class: "small-head" }, "Arguments"),
    json(call.data.arguments ?? {}, `Arguments of ${call.data.functionName}`),
  ];

  if (call.status === WAITING) {
    const approve = gate(h("button", {
      type: "button", class: "btn btn-primary",
      onclick: async () => {
        approve.disabled = true;
        msg.clear();
        try {
          await post(`${base}:approve`);
          done(`Approved ${call.data.functionName}.`);
        } catch (err) {
          fail(err, "Approve failed");
          approve.disabled = false;
        }
      },
    }, "Approve"), writable, "objectives:write");
    const denyForm = new Form({
      label: `Deny ${call.data.functionName}`,
      cls: "inline-form",
      onSubmit: async (f) => {
        f.clearErrors();
        msg.clear();
        const memo = f.value("memo").trim();
        try {
          await post(`${base}:deny`, memo ? { memo } : {});
          done(`Denied ${call.data.functionName}${memo ? `: ${memo}` : "."}`, "info");
        } catch (err) {
          f.showApiError(err);
        }
      },
    });
    denyForm.el.append(
      denyForm.field("memo", { label: "Memo (optional)", control: input({ id: uid("memo"), maxlength: 10000, placeholder: "Why — the model reads it" }) }),
      h("div", { class: "actions" }, gate(submit("Deny", { class: "btn btn-danger" }), writable, "objectives:write")));
    parts.push(h("div", { class: "call-actions" }, h("div", { class: "actions approve-slot" }, approve), denyForm.el));
  }
  if (call.executionStatus === WAITING_CONTENT) {
    const contentForm = new Form({
      label: `Content for ${call.data.functionName}`,
      onSubmit: async (f) => {
        f.clearErrors();
        msg.clear();
        const content = f.value("content");
        if (!content.trim()) {
          f.showErrors([{ field: "content", message: "is required" }]);
          return;
        }
        try {
          await post(`${base}:setContent`, { content });
          done(`Sent the content of ${call.data.functionName}.`);
        } catch (err) {
          f.showApiError(err);
        }
      },
    });
    contentForm.el.append(
      contentForm.field("content", { label: "Content", control: textarea({ rows: 3 }), required: true,
        hint: "The tool's answer, as the model will read it." }),
      h("div", { class: "actions" }, gate(submit("Submit content"), writable, "objectives:write")));
    parts.push(contentForm.el);
  }
  parts.push(msg.el);
  card.append(...parts);
  if (objective) fillContext(context, objective);
  return { el: card, context };
}

function fillContext(el, o) {
  replace(el, h("p", { class: "call-sub" },
    h("strong", null, o.info?.agent?.name || o.data?.agent?.metadata?.name || "Agent"), " · ",
    truncate(o.data?.initialMessage || "", 140)));
}

export async function approvalsPage({ signal }) {
  const writable = can("objectives:write");
  const approvalList = h("div", { class: "call-list", role: "list", "aria-label": "Waiting for approval" });
  const contentList = h("div", { class: "call-list", role: "list", "aria-label": "Waiting for content" });
  const approvalStatus = h("p", { class: "muted count" }, "Loading…");
  const staleNote = h("p", { class: "muted small", hidden: true });
  let stale = 0;
  const contentStatus = h("p", { class: "muted count" }, "Loading…");
  const approvalError = h("div");
  const contentError = h("div");
  const more = h("button", { type: "button", class: "btn", hidden: true }, "Load more");
  const shown = new Map(); // call id → {el, resolved}
  const objectives = new Map(); // objective id → promise of the objective
  let cursor = null;

  const objectiveOf = (id) => {
    if (!objectives.has(id)) objectives.set(id, get(ws(`/objectives/${id}`), undefined, { signal }).catch(() => null));
    return objectives.get(id);
  };
  const wrap = (node) => h("div", { role: "listitem" }, node);
  const keyOf = (call, list) => (list === contentList ? `content:${call.metadata.id}` : call.metadata.id);
  const addCard = (call, list, atTop) => {
    const key = keyOf(call, list);
    const { el, context } = callCard(call, { onDone: () => { shown.get(key).resolved = true; count(); } });
    const item = wrap(el);
    shown.set(key, { el: item, resolved: false, list });
    if (atTop) list.prepend(item);
    else list.append(item);
    const oid = call.info?.objective?.id;
    if (oid) {
      objectiveOf(oid).then((o) => {
        if (!o) return;
        if (ENDED.has(o.status)) {
          // the API still lists calls of ended objectives as waiting; they can no longer change
          const s = shown.get(key);
          if (!s.resolved) {
            s.resolved = true;
            item.remove();
            stale += 1;
            replace(staleNote, `Not shown: ${plural(stale, "call")} still marked as waiting whose objective has `
              + "already ended; they can no longer be approved, denied or answered.");
            staleNote.hidden = false;
            count();
          }
          return;
        }
        fillContext(context, o);
      });
    }
  };
  const count = () => {
    const open = (list) => [...shown.values()].filter((s) => s.list === list && !s.resolved).length;
    const a = open(approvalList);
    replace(approvalStatus, a ? `${a} waiting for approval` : "Nothing is waiting for approval.");
    const c = open(contentList);
    replace(contentStatus, c ? `${c} waiting for content` : "No bare tool is waiting for content.");
  };

  const loadApprovals = async (reset) => {
    try {
      const p = await page(ws("/tool_calls"), { status: WAITING, limit: 50, cursor: reset ? null : cursor }, { signal });
      replace(approvalError);
      if (reset) {
        // newest first: new arrivals go on top, in order
        const initial = ![...shown.values()].some((x) => x.list === approvalList);
        const fresh = p.items.filter((c) => !shown.has(c.metadata.id));
        if (initial) for (const c of fresh) addCard(c, approvalList, false);
        else for (const c of fresh.reverse()) addCard(c, approvalList, true);
        if (initial) cursor = p.nextCursor;
        if (!p.nextCursor) {
          // everything that waits is on this page: calls handled elsewhere are marked
          const waiting = new Set(p.items.map((c) => c.metadata.id));
          for (const [id, s] of shown) {
            if (s.list === approvalList && !s.resolved && !waiting.has(id)) {
              s.resolved = true;
              s.el.querySelector(".call")?.classList.add("call-done");
              for (const b of s.el.querySelectorAll("button, input")) b.disabled = true;
              s.el.querySelector(".notice")?.replaceChildren("Handled elsewhere: no longer waiting.");
              s.el.querySelector(".notice")?.removeAttribute("hidden");
            }
          }
        }
      } else {
        for (const c of p.items) if (!shown.has(c.metadata.id)) addCard(c, approvalList, false);
        cursor = p.nextCursor;
      }
      more.hidden = !cursor;
      count();
    } catch (err) {
      if (err?.name === "AbortError") return;
      replace(approvalStatus, "");
      replace(approvalError, errorBox(err, "Could not list tool calls waiting for approval"));
    }
  };

  // Bare tools waiting for content: the list filters by approval status only, so the newest
  // auto-approved and approved calls are read and filtered here.
  const loadContent = async () => {
    try {
      const pages = await Promise.all([CALL + "AUTO_APPROVED", CALL + "APPROVED"].map((status) =>
        page(ws("/tool_calls"), { status, limit: 200 }, { signal })));
      replace(contentError);
      const waiting = pages.flatMap((p) => p.items).filter((c) => c.executionStatus === WAITING_CONTENT)
        .sort((a, b) => (a.metadata.id < b.metadata.id ? 1 : -1));
      const initial = ![...shown.values()].some((x) => x.list === contentList);
      const fresh = waiting.filter((c) => !shown.has(keyOf(c, contentList)));
      if (initial) for (const c of fresh) addCard(c, contentList, false);
      else for (const c of fresh.reverse()) addCard(c, contentList, true);
      count();
    } catch (err) {
      if (err?.name === "AbortError") return;
      replace(contentStatus, "");
      replace(contentError, errorBox(err, "Could not list tool calls waiting for content"));
    }
  };

  more.addEventListener("click", () => loadApprovals(false));
  const refresh = h("button", { type: "button", class: "btn", onclick: () => { loadApprovals(true); loadContent(); } }, "Refresh");
  await Promise.all([loadApprovals(true), loadContent()]);
  const timer = setInterval(() => {
    if (document.visibilityState === "visible") {
      loadApprovals(true);
      loadContent();
    }
  }, POLL_MS);
  signal.addEventListener("abort", () => clearInterval(timer));

  return h("div", { class: "page" },
    pageHeader("Approvals", refresh),
    scopeNote(writable, "objectives:write", "approve, deny or answer tool calls"),
    h("section", { class: "inbox", "aria-labelledby": "inbox-approval" },
      h("h2", { id: "inbox-approval" }, "Waiting for approval"), approvalStatus, approvalError, approvalList, more),
    staleNote,
    h("section", { class: "inbox", "aria-labelledby": "inbox-content" },
      h("h2", { id: "inbox-content" }, "Waiting for content"), contentStatus, contentError, contentList));
}
