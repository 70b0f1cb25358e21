// Server-sent events over fetch (EventSource cannot send an Authorization header): a
// ReadableStream parser, and a follower that reconnects with Last-Event-ID after the
// server closes the stream (it does after a while) or the connection drops.
import { session, parseError } from "./api.js";

/** Parses an SSE byte stream; calls onMessage({id, event, data}) per dispatched event. */
export async function readSse(body, onMessage, signal) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let data = [];
  let id = null;
  let event = "";
  const line = (text) => {
    if (text === "") {
      if (data.length) onMessage({ id, event: event || "message", data: data.join("\n") });
      data = [];
      event = "";
      return;
    }
    if (text.startsWith(":")) return; // a comment (keep-alive)
    const colon = text.indexOf(":");
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "id" && !value.includes("\0")) id = value;
    else if (field === "event") event = value;
  };
  try {
    for (;;) {
      if (signal?.aborted) break;
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let start = 0;
      for (let i = 0; i < buffer.length; i += 1) {
        const c = buffer[i];
        if (c === "\n" || c === "\r") {
          // a CR at the very end may be the first half of CRLF: wait for more
          if (c === "\r" && i === buffer.length - 1) break;
          line(buffer.slice(start, i));
          if (c === "\r" && buffer[i + 1] === "\n") i += 1;
          start = i + 1;
        }
      }
      buffer = buffer.slice(start);
    }
  } finally {
    reader.releaseLock();
  }
  return id;
}

const sleep = (ms, signal) => new Promise((resolve) => {
  const t = setTimeout(resolve, ms);
  signal?.addEventListener("abort", () => { clearTimeout(t); resolve(); }, { once: true });
});

/**
 * Follows `path` (an events:stream route) until `keepGoing()` says stop or `signal` aborts.
 * onEvent(parsedJson, id) per event; onState(text) for the connection state; resumes after
 * the last id seen (Last-Event-ID). Errors the server answers (401/403/404) end it via onError.
 */
export async function follow(path, { lastEventId = null, onEvent, onState = () => {}, onError = () => {},
  keepGoing = async () => true, signal }) {
  let last = lastEventId;
  let backoff = 500;
  while (!signal.aborted) {
    const headers = { Accept: "text/event-stream", Authorization: `Bearer ${session.token}` };
    if (last) headers["Last-Event-ID"] = last;
    let res;
    try {
      onState(last ? "reconnecting" : "connecting");
      res = await fetch(path, { headers, signal, cache: "no-store" });
    } catch (e) {
      if (signal.aborted) return last;
      onState("offline");
      await sleep(backoff, signal);
      backoff = Math.min(backoff * 2, 10000);
      continue;
    }
    if (!res.ok) {
      const err = await parseError(res);
      if (res.status === 429 || res.status >= 500) {
        onState("offline");
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, 10000);
        continue;
      }
      onError(err);
      onState("stopped");
      return last;
    }
    onState("live");
    backoff = 500;
    try {
      await readSse(res.body, (msg) => {
        if (msg.id) last = msg.id;
        let parsed;
        try {
          parsed = JSON.parse(msg.data);
        } catch {
          return;
        }
        onEvent(parsed, msg.id);
      }, signal);
    } catch (e) {
      if (signal.aborted) return last;
      // the connection dropped mid-stream: resume from the last id
    }
    if (signal.aborted) return last;
    let again;
    try {
      again = await keepGoing();
    } catch {
      again = true;
    }
    if (!again) {
      onState("ended");
      return last;
    }
    await sleep(250, signal);
  }
  return last;
}
