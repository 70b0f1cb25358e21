"""A crash loses nothing (docs/api.md §4.1 "Durability"): `kill -9` of `spin up` while a tool call is in
flight, restart on the same state, and the objective completes; the repeated call is visible in the
tool call record, and it was never made twice at once."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from agentloop import (bootstrap, create, describe, events, http_tool, http_tool_set, of_type, payload, rebind,
                       setup_agent, types, wait_for, wait_status)
from client import expect
from fakes import text, tool_calls as calls_reply
from spinapp import SpinApp

ARGS = {"orderId": "42", "quantity": 3}
BODY = '{"orderId": "42", "status": "created"}'


def test_kill_9_mid_tool_call_then_restart_completes_the_objective(app_variables, fake_openai, tool_server):
    state = Path(tempfile.mkdtemp(prefix="cadenya-durable-"))
    first = SpinApp(variables=dict(app_variables), state_dir=state)  # not its own state: kill() keeps it
    second: SpinApp | None = None
    try:
        first.start()
        ws = bootstrap(first, "durable")
        s = setup_agent(ws)
        tools = http_tool_set(ws, tool_server)
        tool = http_tool(ws, tools.id)
        s.assign({"toolId": tool["metadata"]["id"]})
        path = f"{tools.prefix}/orders/42"
        tool_server.on(path, body='{"late": true}', delay=30, times=1)  # the first call hangs...
        tool_server.on(path, body=BODY)                                   # ...later ones answer at once
        fake_openai.script(s.model, [calls_reply([("call_1", "create_order", ARGS)]), text("finished")])

        oid = create(ws, s.agent_id)["metadata"]["id"]
        wait_for(lambda: tool_server.requests(tools.prefix), 30, lambda: describe(ws, oid), interval=0.02)
        first.kill()
        killed_at = time.monotonic()

        second = SpinApp(variables=dict(app_variables), state_dir=state).start()
        ws = rebind(ws, second)
        # the in-flight step's lease (max(model, tool timeout) + 10 s = 15 s) must run out first
        done = wait_status(ws, oid, "COMPLETED", timeout=90)

        [call] = expect(ws.api.get(f"{ws.path}/objectives/{oid}/tool_calls"), 200)["items"]
        tcid = call["metadata"]["id"]
        assert call["data"]["attempts"] == 2
        assert call["status"] == "TOOL_CALL_STATUS_AUTO_APPROVED"
        assert call["executionStatus"] == "TOOL_CALL_EXECUTION_STATUS_COMPLETED"
        assert call["data"]["result"] == {"content": [{"type": "text", "text": {"text": BODY}}]}

        evts = events(ws, oid)
        assert types(evts) == ["USER_MESSAGE", "ASSISTANT_MESSAGE", "TOOL_CALLED", "TOOL_CALLED", "TOOL_RESULT",
                               "ASSISTANT_MESSAGE"], describe(ws, oid)
        called = of_type(evts, "TOOL_CALLED")
        assert [(c["toolCallId"], c["attempt"]) for c in called] == [(tcid, 1), (tcid, 2)]
        assert [r["toolCallId"] for r in of_type(evts, "TOOL_RESULT")] == [tcid]
        assert payload(evts[-1]) == {"content": "finished"}

        # two calls in all, the second only after the crash (never two at once)
        seen = tool_server.requests(tools.prefix)
        assert len(seen) == 2, [(r.method, r.path, r.at) for r in seen]
        assert seen[1].at > killed_at
        assert all(r.method == "POST" and r.path == path and r.json == {"quantity": 3} for r in seen)
        # the model step before the crash was committed: not asked again
        assert len(fake_openai.requests(s.model)) == 2
        assert done["info"]["totalToolCalls"] == 1
    finally:
        first.kill()
        if second is not None:
            second.kill()
        shutil.rmtree(state, ignore_errors=True)
