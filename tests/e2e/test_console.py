"""The web console (components/console) in a real browser: Chromium driven by Playwright against the
session's `spin up`, with the fake model, tool server and webhook receiver.

Every test signs in by typing a key into the sign-in form, acts like a person (clicks, types, reads
what is on the screen through roles and labels) and checks the API agrees. The `console` fixture
records every request the page makes and, after each test, asserts they all went to the app's own
origin, that no URL carried a token, that localStorage stayed empty, and that the page logged no
uncaught error and no Content-Security-Policy violation.

Screenshots of the main pages at desktop (1280×800, light) and phone (390×844, dark) widths go to
target/console-screenshots/ (`test_screenshots_of_the_main_pages` prints the path)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import Browser, Page, expect as see, sync_playwright

from agentloop import (bare_tool, create, events, http_tool, http_tool_set, new_agent, obj_path, of_type,
                       setup_agent, tool_calls, types, wait_for, wait_status, wait_tool_call)
from client import expect
from fakes import text, tool_calls as calls_reply
from scheduling import Schedules, daily
from spinapp import ROOT
from webhooks import FAILED, Receiver, wait_settled, webhook_agent

SHOTS = ROOT / "target" / "console-screenshots"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# The browser's own zone in these tests, so "your zone" columns are deterministic.
BROWSER_TZ = "Asia/Tokyo"
WAIT_MS = 30_000  # the agent loop on a slow 2-core machine
see.set_options(timeout=15_000)

# The generated form: the browser checks required, types, ranges, lengths and patterns; the
# server also knows `multipleOf`, which the console leaves to it.
ORDER_SCHEMA = {
    "type": "object",
    "properties": {
        "customer": {"type": "string", "minLength": 2, "description": "Who orders"},
        "orderId": {"type": "string", "pattern": "^[0-9]+$"},
        "quantity": {"type": "integer", "minimum": 1, "multipleOf": 5},
        "rush": {"type": "boolean"},
        "priority": {"type": "string", "enum": ["low", "normal", "high"]},
    },
    "required": ["customer", "orderId"],
}
TOOL_ANSWER = {"orderId": "42", "eta": "tomorrow"}


# ---------------------------------------------------------------- the browser and the page


@pytest.fixture(scope="module")
def browser() -> Browser:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        yield b
        b.close()


class Console:
    """One browser tab on the console, recording what it requests."""

    def __init__(self, browser: Browser, base: str, viewport: dict = DESKTOP, color_scheme: str = "light"):
        self.base = base
        self.origin = base.rstrip("/")
        self.context = browser.new_context(viewport=viewport, color_scheme=color_scheme, timezone_id=BROWSER_TZ)
        self.context.set_default_timeout(WAIT_MS)
        self.page: Page = self.context.new_page()
        self.requests: list = []
        self.problems: list[str] = []
        self.tokens: set[str] = set()
        self.page.on("request", lambda r: self.requests.append(r))
        self.page.on("pageerror", lambda e: self.problems.append(f"uncaught: {e}"))
        self.page.on("console", self._console)

    def _console(self, msg) -> None:
        if msg.type == "error" and ("Content Security Policy" in msg.text or "Refused to" in msg.text):
            self.problems.append(f"CSP: {msg.text}")

    def open(self, route: str = ""):
        return self.page.goto(f"{self.base}/console/{'#' + route if route else ''}")

    def go(self, route: str) -> None:
        """Navigates inside the app (the hash router; no reload)."""
        self.page.evaluate("r => { location.hash = r }", route)

    def sign_in(self, token: str) -> None:
        self.tokens.add(token)
        if "/console/" not in self.page.url:
            self.open()
        field = self.page.get_by_label("API key")
        field.fill(token)
        self.page.get_by_role("button", name="Sign in").click()
        see(self.page.get_by_role("button", name="Sign out")).to_be_visible()

    def sign_out(self) -> None:
        self.page.get_by_role("button", name="Sign out").click()
        see(self.page.get_by_label("API key")).to_be_visible()

    def heading(self, name: str):
        return self.page.get_by_role("heading", name=name, level=1)

    def field(self, label: str):
        """The labelled control; `.locator("..")` is its field wrapper (label, control, hint, error)."""
        return self.page.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))

    def field_error(self, label: str):
        return self.field(label).locator("xpath=..").locator(".field-error")

    def shot(self, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def check(self) -> None:
        """What must hold after any test: same-origin requests only, no token in a URL, nothing in
        localStorage, no uncaught error or CSP violation."""
        urls = [r.url for r in self.requests]
        foreign = [u for u in urls if not (u == self.origin or u.startswith(self.origin + "/"))]
        assert not foreign, f"requests left the app's origin: {foreign}"
        for token in self.tokens:
            leaked = [u for u in urls if token in u or token[-24:] in u]
            assert not leaked, f"a token appeared in a requested URL: {leaked}"
        if not self.page.is_closed() and self.page.url.startswith(self.origin):
            assert self.page.evaluate("localStorage.length") == 0, "the console wrote to localStorage"
        assert not self.problems, self.problems

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def console(browser, app):
    tab = Console(browser, app.base)
    yield tab
    try:
        tab.check()
    finally:
        tab.close()


def workspace_name(ws) -> str:
    return expect(ws.api.get(ws.path), 200)["metadata"]["name"]


def order_agent(ws, tool_server, *, name: str = "Order desk", requires_approval: bool = True):
    """A published agent with ORDER_SCHEMA whose variation has the HTTP `create_order` tool (needing
    approval by default) on the tool server, which answers TOOL_ANSWER for order 42."""
    s = setup_agent(ws, name=name, input_schema=ORDER_SCHEMA)
    tools = http_tool_set(ws, tool_server)
    tool = http_tool(ws, tools.id, requires_approval=requires_approval)
    s.assign({"toolId": tool["metadata"]["id"]})
    tool_server.on(f"{tools.prefix}/orders/42", status=200, body=TOOL_ANSWER)
    tool_server.on(f"{tools.prefix}/orders/7", status=200, body={"orderId": "7"})
    return s, tools


def items(list_locator):
    """A list's own items (not those of lists nested in them, like label chips)."""
    return list_locator.locator(":scope > li")


def card(page: Page, label: str, containing: str):
    """An <article> by its accessible name, narrowed to the one showing `containing`."""
    return page.get_by_role("article", name=label).filter(has_text=containing)


# ---------------------------------------------------------------- serving


def test_console_responses_carry_the_security_headers_and_root_redirects(app):
    for path in ["/console/", "/console/index.html", "/console/style.css", "/console/js/app.js",
                 "/console/js/pages/objective.js"]:
        r = requests.get(app.base + path, timeout=10)
        assert r.status_code == 200, path
        assert r.headers["content-security-policy"] == CSP, path
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["referrer-policy"] == "no-referrer", path
        assert r.headers["x-frame-options"] == "DENY", path
    assert requests.get(app.base + "/console/", timeout=10).headers["content-type"] == "text/html; charset=utf-8"
    assert requests.get(app.base + "/console/js/app.js", timeout=10).headers["content-type"].startswith("text/javascript")
    for path in ["/", "/console"]:
        r = requests.get(app.base + path, allow_redirects=False, timeout=10)
        assert r.status_code == 302 and r.headers["location"] == "/console/", (path, r.status_code, r.headers)
    # nothing inline that the policy would block
    html = requests.get(app.base + "/console/", timeout=10).text
    assert "<style" not in html and "style=" not in html and not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert not re.search(r"\son[a-z]+=", html)


def test_the_whole_console_stays_small():
    assets = [p for p in (ROOT / "components" / "console" / "assets").rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in assets)
    assert total < 300_000, f"console assets are {total} bytes"


# ---------------------------------------------------------------- sign-in, agents


def test_sign_in_shows_the_key_and_its_agents(ws, console, app):
    draft = new_agent(ws, "Draft helper", status="AGENT_STATUS_DRAFT")
    s = setup_agent(ws, name="Order desk")
    expect(ws.api.patch(f"{ws.path}/agents/{s.agent_id}", {"metadata": {"labels": {"team": "ops"}},
                                                           "spec": {"description": "Places orders"}}), 200)
    page = console.page

    # `/` lands on the console; the document itself carries the policy
    response = page.goto(app.base + "/")
    assert urlsplit(page.url).path == "/console/"
    assert response.headers["content-security-policy"] == CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"

    # a wrong key is refused beside the field, with the server's message
    console.tokens.add("not-a-real-key")
    page.get_by_label("API key").fill("not-a-real-key")
    page.get_by_role("button", name="Sign in").click()
    see(console.field_error("API key")).to_contain_text("HTTP 401")
    assert page.evaluate("sessionStorage.length") == 0

    console.sign_in(ws.token)
    key = page.get_by_label("Signed-in key")
    see(key).to_contain_text(f"{workspace_name(ws)} ({ws.id})")
    see(key).to_contain_text("Scopes*")
    see(key).to_contain_text(f"Token id{ws.key_id}")
    # the key is in sessionStorage, and nowhere else
    assert page.evaluate("sessionStorage.getItem('cadenya.apiKey')") == ws.token
    assert page.evaluate("localStorage.length") == 0
    assert ws.token not in page.url

    # the agents, with status and labels
    see(console.heading("Agents")).to_be_visible()
    agents = page.get_by_role("list", name="Agents")
    see(items(agents)).to_have_count(2)
    order = items(agents).filter(has_text="Order desk")
    see(order).to_contain_text("Published")
    see(order).to_contain_text("team=ops")
    see(order).to_contain_text("Places orders")
    see(order).to_contain_text("1 variation")
    see(items(agents).filter(has_text="Draft helper")).to_contain_text("Draft")

    # prefix search
    page.get_by_label("Name starts with").fill("Ord")
    page.get_by_role("button", name="Search").click()
    see(items(agents)).to_have_count(1)
    see(agents).to_contain_text("Order desk")
    assert "prefix=Ord" in page.url
    # by status
    page.get_by_label("Name starts with").fill("")
    page.get_by_label("Status").select_option(label="Draft")
    page.get_by_role("button", name="Search").click()
    see(items(agents)).to_have_count(1)
    see(agents).to_contain_text("Draft helper")

    # the agent page: Publish takes it out of draft
    agents.get_by_role("link", name="Draft helper").click()
    see(console.heading("Draft helper")).to_be_visible()
    see(page.get_by_role("button", name="Publish", exact=True)).to_be_enabled()
    page.get_by_role("button", name="Publish", exact=True).click()
    see(page.get_by_role("button", name="Unpublish")).to_be_enabled()
    see(page.get_by_role("button", name="Publish", exact=True)).to_be_disabled()
    assert expect(ws.api.get(f"{ws.path}/agents/{draft['metadata']['id']}"), 200)["spec"]["status"] == \
        "AGENT_STATUS_PUBLISHED"

    # signing out forgets the key
    console.sign_out()
    assert page.evaluate("sessionStorage.length") == 0
    see(page.get_by_label("Signed-in key")).to_have_count(0)


def test_a_key_reaching_several_workspaces_picks_one(ws, other_ws, admin, console):
    setup_agent(ws, name="Here")
    setup_agent(other_ws, name="There")
    page = console.page
    console.sign_in(admin.token)  # the bootstrap key reaches every workspace made in this session
    picker = page.get_by_role("combobox", name="Workspace")
    picker.select_option(label=workspace_name(ws))
    agents = page.get_by_role("list", name="Agents")
    see(items(agents)).to_have_count(1)
    see(agents).to_contain_text("Here")
    see(page.get_by_label("Signed-in key")).to_contain_text(ws.id)
    picker.select_option(label=workspace_name(other_ws))
    see(agents).to_contain_text("There")
    see(items(agents)).to_have_count(1)
    # every call used the canonical route of the chosen workspace
    listed = [urlsplit(r.url).path for r in console.requests if "/agents?" in r.url]
    assert all(re.fullmatch(r"/v1/workspaces/ws_[0-9A-Z]{26}/agents", p) for p in listed), listed
    assert listed[-1] == f"/v1/workspaces/{other_ws.id}/agents", listed


def test_the_agent_page_shows_variations_assignments_schedules_and_objectives(ws, console, tool_server, fake_openai):
    s, tools = order_agent(ws, tool_server, requires_approval=False)
    helper = setup_agent(ws, name="Researcher")
    s.assign({"agentId": helper.agent_id})
    layer = expect(ws.api.post(f"{ws.path}/memory_layers", {"metadata": {"name": "style guide"}}), 201)
    expect(ws.api.post(f"{s.vpath}/memory_layer_assignments", {"memoryLayerId": layer["metadata"]["id"]}), 200)
    expect(ws.api.patch(s.vpath, {"spec": {"constraints": {"maxToolCalls": 8}, "modelConfig": {
        "modelId": s.model_id, "temperature": 0.2}}}), 200)
    oid = create(ws, s.agent_id, "Order some", data={"customer": "ACME", "orderId": "1"})["metadata"]["id"]
    scheds = Schedules()
    try:
        scheds.create(ws, s.agent_id, daily(9, 30, "Europe/Paris"), name="Morning report",
                      data={"customer": "ACME", "orderId": "1"})
        console.sign_in(ws.token)
        console.go(f"/agents/{s.agent_id}")
        page = console.page
        see(console.heading("Order desk")).to_be_visible()
        variation = page.get_by_role("list", name="Variations").get_by_role("listitem").first
        see(variation).to_contain_text(s.model_id)
        see(variation).to_contain_text("Temperature0.2")
        see(variation).to_contain_text("Max tool calls8")
        see(variation).to_contain_text("Tool create_order")
        see(variation.get_by_role("link", name="Researcher")).to_be_visible()
        see(variation).to_contain_text("style guide (position 0)")
        see(variation).to_contain_text("0.50 from 0 feedbacks")
        variation.get_by_text("Prompt").click()
        see(variation).to_contain_text("You help {{ customer }}.")
        see(page.get_by_role("article", name="Schedule Morning report")).to_contain_text("at 09:30 every day")
        see(page.get_by_role("list", name="Recent objectives").get_by_role("link", name="Order some")).to_be_visible()
        page.get_by_role("list", name="Recent objectives").get_by_role("link", name="Order some").click()
        see(page.get_by_role("status", name="Objective status")).to_be_visible()
        assert oid in page.url
    finally:
        scheds.cleanup()


# ---------------------------------------------------------------- objectives: start, watch, approve


def test_start_an_objective_from_the_generated_form_watch_it_live_and_approve_its_tool_call(
        ws, console, fake_openai, tool_server):
    s, tools = order_agent(ws, tool_server)
    # the model thinks for a moment, so the page is open and streaming before anything happens
    fake_openai.script(s.model, [calls_reply([("call_1", "create_order", {"orderId": "42", "quantity": 5})],
                                             delay=1.0),
                                 text("Order 42 is placed and arrives tomorrow.")])
    page = console.page
    console.sign_in(ws.token)
    page.get_by_role("link", name="Objectives", exact=True).click()
    see(console.heading("Objectives")).to_be_visible()
    page.get_by_role("link", name="Start an objective", exact=True).click()
    see(console.heading("Start an objective")).to_be_visible()
    see(page.get_by_label("Agent")).to_have_value(s.agent_id)

    # one input per property, required ones marked
    for label in ["customer", "orderId", "quantity", "rush", "priority", "Message"]:
        see(console.field(label)).to_be_visible()
    for label in ["customer", "orderId", "Message"]:
        see(console.field(label)).to_have_attribute("aria-required", "true")
    see(console.field("quantity")).not_to_have_attribute("aria-required", "true")
    see(page.get_by_label("priority").locator("option")).to_have_text(["(not set)", "low", "normal", "high"])

    posts = lambda: [r for r in console.requests if r.method == "POST" and r.url.endswith("/objectives")]  # noqa: E731
    start = page.get_by_role("button", name="Start objective")

    # the browser's checks: nothing is sent
    start.click()
    see(console.field_error("customer")).to_have_text("is required")
    see(console.field_error("orderId")).to_have_text("is required")
    see(console.field_error("Message")).to_have_text("is required")
    see(console.field("customer")).to_have_attribute("aria-invalid", "true")
    console.field("customer").fill("A")
    console.field("orderId").fill("abc")
    console.field("quantity").fill("2.5")
    console.field("Message").fill("Order five of item 42, rush")
    start.click()
    see(console.field_error("customer")).to_have_text("must be at least 2 characters long")
    see(console.field_error("orderId")).to_have_text("must match the pattern ^[0-9]+$")
    see(console.field_error("quantity")).to_have_text("must be a whole number")
    see(console.field_error("Message")).to_be_hidden()
    assert posts() == [], "invalid input was sent"

    # the server's check the browser does not make (multipleOf) comes back beside its field
    console.field("customer").fill("ACME")
    console.field("orderId").fill("42")
    console.field("quantity").fill("7")
    start.click()
    see(console.field_error("quantity")).to_have_text("must be a multiple of 5")
    see(console.field("quantity")).to_have_attribute("aria-invalid", "true")
    see(console.field_error("customer")).to_be_hidden()
    assert len(posts()) == 1
    see(console.field("quantity")).to_be_focused()

    # valid: the objective starts and its page opens
    console.field("quantity").fill("5")
    page.get_by_label("rush").select_option("true")
    page.get_by_label("priority").select_option("high")
    start.click()
    page.wait_for_url(re.compile(r"#/objectives/obj_"))
    oid = page.url.rsplit("/", 1)[1]
    created = expect(ws.api.get(obj_path(ws, oid)), 200)
    assert created["data"]["data"] == {"customer": "ACME", "orderId": "42", "quantity": 5, "rush": True,
                                       "priority": "high"}
    assert created["data"]["initialMessage"] == "Order five of item 42, rush"
    page.evaluate("window.__sameDocument = true")

    # the timeline fills in live from the event stream
    timeline = page.get_by_role("list", name="Timeline")
    see(timeline.get_by_role("listitem").first).to_contain_text("Order five of item 42, rush")
    see(timeline.get_by_role("listitem").nth(1)).to_contain_text("Calls create_order")
    see(timeline.get_by_role("listitem").nth(1)).to_contain_text('"quantity": 5')
    see(timeline.get_by_role("listitem").nth(2)).to_contain_text("Approval requested")
    status = page.get_by_role("status", name="Objective status")
    see(status).to_have_text("Waiting for approval")
    assert page.evaluate("window.__sameDocument") is True, "the page reloaded instead of streaming"
    streams = [r for r in console.requests if r.url.endswith(f"/objectives/{oid}/events:stream")]
    assert streams and streams[0].headers["authorization"] == f"Bearer {ws.token}"

    # the server closes streams after a while (6 s here): the page resumes after the last event
    last = events(ws, oid)[-1]["metadata"]["id"]
    with page.expect_request(lambda r: r.url.endswith("/events:stream") and r.headers.get("last-event-id") == last,
                             timeout=20_000) as reconnect:
        pass
    resumed = reconnect.value
    assert resumed.headers["authorization"] == f"Bearer {ws.token}"
    see(timeline.get_by_role("listitem")).to_have_count(3)

    # the inbox has the call; Approve
    page.get_by_role("link", name="Approvals", exact=True).click()
    see(console.heading("Approvals")).to_be_visible()
    call = card(page, "Tool call create_order", oid)
    see(call).to_contain_text("Order desk")
    see(call).to_contain_text('"orderId": "42"')
    call.get_by_role("button", name="Approve").click()
    see(call).to_contain_text("Approved create_order.")
    see(call.get_by_role("button", name="Approve")).to_be_disabled()

    # the objective shows the result and completes
    call.get_by_role("link", name=oid).click()
    see(status).to_have_text("Completed", timeout=WAIT_MS)
    see(timeline).to_contain_text("Approved")
    result = timeline.get_by_role("listitem").filter(has_text="Tool result")
    see(result).to_contain_text('"eta": "tomorrow"')
    see(timeline.get_by_role("listitem").last).to_contain_text("Order 42 is placed and arrives tomorrow.")
    assert types(events(ws, oid)) == ["USER_MESSAGE", "ASSISTANT_MESSAGE", "TOOL_APPROVAL_REQUESTED",
                                      "TOOL_APPROVED", "TOOL_CALLED", "TOOL_RESULT", "ASSISTANT_MESSAGE"]
    see(timeline.get_by_role("listitem")).to_have_count(7)
    [seen] = tool_server.requests(tools.prefix)
    assert seen.path == f"{tools.prefix}/orders/42" and seen.json == {"quantity": 5}
    usage = page.get_by_role("region", name="Token usage")
    see(usage).to_contain_text("Input tokens200")
    see(usage).to_contain_text("Completion tokens40")

    # feedback on the finished objective, the server's range error beside the score
    page.get_by_label("Score").fill("3")
    page.get_by_role("button", name="Send feedback").click()
    see(console.field_error("Score")).to_have_text("must be between -1 and 1")
    page.get_by_label("Score").fill("0.5")
    page.get_by_label("Comment").fill("Quick and right")
    page.get_by_role("button", name="Send feedback").click()
    see(page.get_by_role("list", name="Feedback on this objective")).to_contain_text("Score 0.5 — Quick and right")

    # continue it with another message; the stream picks the new turn up
    page.get_by_label("Message").fill("Thanks! When exactly?")
    page.get_by_role("button", name="Continue").click()
    see(timeline.get_by_role("listitem").nth(7)).to_contain_text("Thanks! When exactly?")
    see(timeline.get_by_role("listitem")).to_have_count(9)
    see(status).to_have_text("Completed")


def test_deny_a_tool_call_with_a_memo(ws, console, fake_openai, tool_server):
    s, tools = order_agent(ws, tool_server, name="Cautious desk")
    fake_openai.script(s.model, [calls_reply([("call_1", "create_order", {"orderId": "7", "quantity": 500})]),
                                 text("Understood, I did not order it.")])
    oid = create(ws, s.agent_id, "Order 500 of item 7", data={"customer": "ACME", "orderId": "7"})["metadata"]["id"]
    wait_status(ws, oid, "WAITING_FOR_APPROVAL")
    page = console.page
    console.sign_in(ws.token)
    console.go("/approvals")
    call = card(page, "Tool call create_order", oid)
    see(call).to_contain_text('"quantity": 500')
    see(call).to_contain_text("Order 500 of item 7")
    call.get_by_label("Memo (optional)").fill("500 is far too many")
    call.get_by_role("button", name="Deny").click()
    see(call).to_contain_text("Denied create_order: 500 is far too many")
    see(call.get_by_role("button", name="Approve")).to_be_disabled()

    call.get_by_role("link", name=oid).click()
    see(page.get_by_role("status", name="Objective status")).to_have_text("Completed")
    timeline = page.get_by_role("list", name="Timeline")
    denied = timeline.get_by_role("listitem").filter(has_text="Denied")
    see(denied).to_contain_text("create_order was denied. Memo: “500 is far too many”")
    see(timeline.get_by_role("listitem").last).to_contain_text("Understood, I did not order it.")
    [denial] = of_type(events(ws, oid), "TOOL_DENIED")
    assert denial["memo"] == "500 is far too many"
    [c] = tool_calls(ws, oid)
    assert c["status"] == "TOOL_CALL_STATUS_DENIED"
    assert tool_server.requests(tools.prefix) == []


def test_cancel_an_objective_with_a_reason(ws, console, fake_openai, tool_server):
    s, _ = order_agent(ws, tool_server)
    fake_openai.script(s.model, [calls_reply([("call_1", "create_order", {"orderId": "42", "quantity": 5})])])
    oid = create(ws, s.agent_id, "Order five", data={"customer": "ACME", "orderId": "42"})["metadata"]["id"]
    wait_status(ws, oid, "WAITING_FOR_APPROVAL")
    page = console.page
    console.sign_in(ws.token)
    console.go(f"/objectives/{oid}")
    status = page.get_by_role("status", name="Objective status")
    see(status).to_have_text("Waiting for approval")
    see(page.get_by_role("region", name="Waiting for you")).to_contain_text("create_order")
    page.get_by_label("Reason (optional)").fill("The customer called back")
    page.get_by_role("button", name="Cancel objective").click()
    see(status).to_have_text("Cancelled")
    timeline = page.get_by_role("list", name="Timeline")
    see(timeline.get_by_role("listitem").last).to_contain_text("The customer called back")
    see(page.get_by_role("button", name="Cancel objective")).to_be_disabled()
    see(page.get_by_role("button", name="Continue")).to_be_disabled()
    see(page.get_by_role("region", name="Waiting for you")).to_have_count(0)
    assert expect(ws.api.get(obj_path(ws, oid)), 200)["status"] == "OBJECTIVE_STATUS_CANCELLED"
    # the API (today) still lists the call as waiting for approval; the inbox leaves it out and says so
    still_listed = expect(ws.api.get(f"{ws.path}/tool_calls", params={
        "status": "TOOL_CALL_STATUS_WAITING_FOR_APPROVAL"}), 200)["items"]
    console.go("/approvals")
    see(page.get_by_text("Nothing is waiting for approval.")).to_be_visible()
    see(page.get_by_role("article", name="Tool call create_order")).to_have_count(0)
    if still_listed:
        see(page.get_by_text("Not shown: 1 call still marked as waiting whose objective has already ended")) \
            .to_be_visible()


def test_a_bare_tool_waiting_for_content_is_answered_from_the_inbox(ws, console, fake_openai):
    s = setup_agent(ws, name="Stock keeper")
    tool = bare_tool(ws)
    s.assign({"toolId": tool["metadata"]["id"]})
    fake_openai.script(s.model, [calls_reply([("c1", "count_stock", {"sku": "X-1"})]), text("There are 12.")])
    oid = create(ws, s.agent_id, "How many X-1?")["metadata"]["id"]
    wait_tool_call(ws, oid, executionStatus="TOOL_CALL_EXECUTION_STATUS_WAITING_FOR_CONTENT")
    page = console.page
    console.sign_in(ws.token)
    console.go("/approvals")
    call = card(page, "Tool call count_stock", oid)
    see(call).to_contain_text("Waiting for content")
    call.get_by_role("button", name="Submit content").click()
    see(call.get_by_role("textbox", name="Content")).to_have_attribute("aria-invalid", "true")
    call.get_by_role("textbox", name="Content").fill("12 on the shelf")
    call.get_by_role("button", name="Submit content").click()
    see(call).to_contain_text("Sent the content of count_stock.")
    wait_status(ws, oid, "COMPLETED")
    console.go(f"/objectives/{oid}")
    timeline = page.get_by_role("list", name="Timeline")
    see(timeline.get_by_role("listitem").filter(has_text="Tool result")).to_contain_text("12 on the shelf")


def test_the_timeline_shows_sub_agents_memory_reads_compaction_errors_and_the_final_output(ws, console, fake_openai):
    # a lead with a memory layer, a sub-agent and an output definition
    child = setup_agent(ws, name="researcher", prompt="You research things.")
    lead = setup_agent(ws, name="lead")
    output = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}
    expect(ws.api.patch(f"{ws.path}/agents/{lead.agent_id}", {"spec": {"outputDefinition": output}}), 200)
    layer = expect(ws.api.post(f"{ws.path}/memory_layers", {"metadata": {"name": "style guide"}}), 201)["metadata"]["id"]
    expect(ws.api.post(f"{ws.path}/memory_layers/{layer}/entries", {"spec": {"key": "tone", "content": "Be brief."}}), 201)
    expect(ws.api.post(f"{lead.vpath}/memory_layer_assignments", {"memoryLayerId": layer}), 200)
    lead.assign({"agentId": child.agent_id})
    fake_openai.script(child.model, [text("The sky is blue")])
    fake_openai.script(lead.model, [calls_reply([("c1", "memory_read", {"key": "tone"}),
                                                 ("c2", "researcher", {"prompt": "find facts"})]),
                                    calls_reply([("c3", "submit_output", {"answer": "blue"})])])
    pid = create(ws, lead.agent_id, "What colour is the sky?")["metadata"]["id"]
    wait_status(ws, pid, "FINALIZED")
    [kid] = expect(ws.api.get(f"{ws.path}/objectives", params={"parentObjectiveId": pid}), 200)["items"]
    kid_id = kid["metadata"]["id"]

    # a completed objective compacted by summarization
    summed = setup_agent(ws, name="summed")
    fake_openai.script(summed.model, [text("Alpha created."), text("SUMMARY: alpha was created.")])
    sid = create(ws, summed.agent_id, "Create alpha")["metadata"]["id"]
    wait_status(ws, sid, "COMPLETED")
    expect(ws.api.post(f"{obj_path(ws, sid)}:compact", {"compactionConfig": {"summarization": {}}}), 200)

    # an objective that fails: its variation names no model
    broken = setup_agent(ws, name="broken", model_id=None)
    fid = create(ws, broken.agent_id, "Anything")["metadata"]["id"]
    wait_status(ws, fid, "FAILED")

    page = console.page
    console.sign_in(ws.token)
    console.go(f"/objectives/{pid}")
    status = page.get_by_role("status", name="Objective status")
    see(status).to_have_text("Finalized")
    timeline = page.get_by_role("list", name="Timeline")
    entry = lambda title: timeline.get_by_role("listitem").filter(has_text=title)  # noqa: E731
    see(entry("Memory read")).to_contain_text("Resolved key `tone` from layer `style guide`")
    see(entry("Sub-agent started")).to_contain_text("researcher")
    see(entry("Sub-agent update")).to_contain_text("Completed")
    see(entry("Sub-agent update")).to_contain_text("The sky is blue")
    see(entry("Finalized")).to_contain_text('"answer": "blue"')
    see(page.get_by_role("region", name="Summary")).to_contain_text("Final output")
    see(page.get_by_role("button", name="Continue")).to_be_disabled()
    see(page.get_by_role("button", name="Cancel objective")).to_be_disabled()
    entry("Sub-agent started").get_by_role("link", name=f"Open the sub-objective {kid_id}").click()
    see(status).to_have_text("Completed")
    see(timeline.get_by_role("listitem").last).to_contain_text("The sky is blue")
    see(page.get_by_role("region", name="Summary").get_by_role("link", name=pid)).to_be_visible()

    console.go(f"/objectives/{sid}")
    see(status).to_have_text("Completed")
    see(entry("Context compacted")).to_contain_text("compacted by summarization")
    see(entry("Context compacted")).to_contain_text("window 2 begins")
    windows = page.get_by_role("region", name="Context windows")
    see(windows.get_by_role("row")).to_have_count(3)
    see(windows.get_by_role("row").nth(2)).to_contain_text("(current)")
    see(windows).to_contain_text("Window 2 starts from a summary")

    console.go(f"/objectives/{fid}")
    see(status).to_have_text("Failed")
    see(entry("Error")).to_contain_text("configuration")
    see(page.get_by_role("region", name="Summary")).to_contain_text("model")
    see(page.get_by_role("button", name="Continue")).to_be_enabled()


# ---------------------------------------------------------------- schedules


def fire_time(iso: str, zone: str) -> str:
    """What the console shows for an instant in a zone, less the zone's abbreviation."""
    at = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(ZoneInfo(zone))
    return at.strftime("%a %Y-%m-%d %H:%M:%S")


def test_schedules_show_fire_times_in_both_zones_and_trigger_now_starts_an_objective(ws, console, fake_openai):
    s = setup_agent(ws, name="Reporter")
    scheds = Schedules()
    try:
        sched = scheds.create(ws, s.agent_id, daily(9, 30, "America/New_York"), name="Morning report",
                              message="Write the morning report")
        sid = sched["metadata"]["id"]
        upcoming = sched["info"]["upcomingFireTimes"]
        assert len(upcoming) == 5
        page = console.page
        console.sign_in(ws.token)
        page.get_by_role("link", name="Schedules", exact=True).click()
        see(console.heading("Schedules")).to_be_visible()
        schedule = page.get_by_role("article", name="Schedule Morning report")
        see(schedule).to_contain_text("at 09:30 every day")
        see(schedule).to_contain_text("America/New_York")
        table = schedule.get_by_role("table")
        see(table.get_by_role("columnheader")).to_have_text(["In America/New_York", f"In your zone ({BROWSER_TZ})"])
        rows = table.get_by_role("row")
        see(rows).to_have_count(6)
        for k, at in enumerate(upcoming):
            row = rows.nth(k + 1).get_by_role("cell")
            see(row.nth(0)).to_contain_text(fire_time(at, "America/New_York"))
            see(row.nth(1)).to_contain_text(fire_time(at, BROWSER_TZ))
            assert fire_time(at, "America/New_York").split(" ")[2].startswith("09:30")

        # Trigger now: an objective, linked from the card
        schedule.get_by_role("button", name="Trigger now").click()
        see(schedule).to_contain_text("Triggered: created objective")
        oid = wait_for(lambda: expect(ws.api.get(f"{ws.path}/agents/{s.agent_id}/schedules/{sid}"), 200)["info"]
                       .get("lastObjectiveId"), 10, "the trigger's objective")
        see(schedule).to_contain_text("Fires so far1")
        schedule.get_by_role("link", name="Objectives from this schedule").click()
        see(console.heading("Objectives")).to_be_visible()
        listed = page.get_by_role("list", name="Objectives")
        see(items(listed)).to_have_count(1)
        see(listed).to_contain_text("Write the morning report")
        see(page.get_by_label("Schedule id")).to_have_value(sid)
        listed.get_by_role("link", name="Write the morning report").click()
        see(page.get_by_role("status", name="Objective status")).to_have_text("Completed")
        assert oid in page.url
        see(page.get_by_role("list", name="Timeline").get_by_role("listitem").first).to_contain_text(
            "Write the morning report")

        # Pause and Resume
        console.go("/schedules")
        schedule = page.get_by_role("article", name="Schedule Morning report")
        schedule.get_by_role("button", name="Pause").click()
        see(schedule).to_contain_text("Paused: the schedule is paused.")
        see(schedule.get_by_role("button", name="Resume")).to_be_enabled()
        see(schedule.get_by_role("button", name="Pause")).to_be_disabled()
        see(schedule).to_contain_text("Not firing while paused or archived.")
        schedule.get_by_role("button", name="Resume").click()
        see(schedule).to_contain_text("Resumed: the schedule is active.")
        see(schedule.get_by_role("table").get_by_role("row")).to_have_count(6)
        assert expect(ws.api.get(f"{ws.path}/agents/{s.agent_id}/schedules/{sid}"), 200)["spec"]["status"] == \
            "AGENT_SCHEDULE_STATUS_ACTIVE"
    finally:
        scheds.cleanup()


# ---------------------------------------------------------------- webhooks


def test_retry_a_failed_webhook_delivery(ws, console, fake_openai):
    rx = Receiver()  # not listening yet: every delivery is refused
    try:
        s = webhook_agent(ws, rx.url, name="Notifier")
        oid = create(ws, s.agent_id, "hello")["metadata"]["id"]
        wait_status(ws, oid, "COMPLETED")
        first, _ = wait_settled(ws, s.agent_id, 2, FAILED)
        rx.start()
        page = console.page
        console.sign_in(ws.token)
        console.go(f"/agents/{s.agent_id}")
        see(console.heading("Notifier")).to_be_visible()
        row = page.get_by_role("row").filter(has_text="User message")
        see(row).to_contain_text("Failed")
        see(row.get_by_role("cell").nth(3)).to_have_text("3")
        see(row).to_contain_text("ConnectionRefused")
        row.get_by_role("button", name="Retry").click()
        see(row).to_contain_text("Completed", timeout=WAIT_MS)
        see(row.get_by_role("button", name="Retry")).to_be_disabled()
        d = expect(ws.api.get(f"{ws.path}/agents/{s.agent_id}/webhook_deliveries/{first['metadata']['id']}"), 200)
        assert d["data"]["status"] == "WEBHOOK_DELIVERY_STATUS_COMPLETED"
        assert [h.webhook_id for h in rx.hits() if h.ok] == [first["metadata"]["id"]]
    finally:
        rx.stop()


# ---------------------------------------------------------------- scopes


def test_a_read_only_key_sees_controls_disabled_and_the_servers_403(ws, console, fake_openai, tool_server):
    draft = new_agent(ws, "Draft helper", status="AGENT_STATUS_DRAFT")
    s, _ = order_agent(ws, tool_server)
    fake_openai.script(s.model, [calls_reply([("call_1", "create_order", {"orderId": "42", "quantity": 5})])])
    oid = create(ws, s.agent_id, "Order five", data={"customer": "ACME", "orderId": "42"})["metadata"]["id"]
    wait_status(ws, oid, "WAITING_FOR_APPROVAL")
    read_only = ws.key(ws.api, ["agents:read", "objectives:read"], name="viewer")
    page = console.page
    console.sign_in(read_only["spec"]["token"])
    key = page.get_by_label("Signed-in key")
    see(key).to_contain_text("Scopesagents:read objectives:read")
    see(key).to_contain_text(f"Token id{read_only['metadata']['id']}")

    # agents: lifecycle buttons disabled, saying why; the server's 403 on variations is shown
    see(page.get_by_role("link", name="Start an objective", exact=True)).to_have_count(0)
    console.go(f"/agents/{draft['metadata']['id']}")
    see(console.heading("Draft helper")).to_be_visible()
    publish = page.get_by_role("button", name="Publish", exact=True)
    see(publish).to_be_disabled()
    see(publish).to_have_attribute("title", "Your key lacks the agents:write scope")
    see(page.get_by_role("button", name="Archive")).to_be_disabled()
    see(page.get_by_text("Read-only: your key lacks agents:write").first).to_be_visible()
    see(page.get_by_role("alert").filter(has_text="variations:read")).to_contain_text(
        "this token lacks the `variations:read` scope (HTTP 403 forbidden)")

    # approvals: visible, not actionable
    console.go("/approvals")
    call = card(page, "Tool call create_order", oid)
    see(call.get_by_role("button", name="Approve")).to_be_disabled()
    see(call.get_by_role("button", name="Deny")).to_be_disabled()

    # schedules need schedules:read: the 403 is on the page, not swallowed
    console.go("/schedules")
    see(page.get_by_role("alert")).to_contain_text("lacks the `schedules:read` scope")

    # the objective: Continue and Cancel disabled
    console.go(f"/objectives/{oid}")
    see(page.get_by_role("status", name="Objective status")).to_have_text("Waiting for approval")
    see(page.get_by_role("button", name="Cancel objective")).to_be_disabled()
    see(page.get_by_role("button", name="Continue")).to_be_disabled()
    see(page.get_by_role("button", name="Send feedback")).to_be_disabled()

    # the same page for the all-scopes key: Publish is enabled
    console.sign_out()
    console.sign_in(ws.token)
    console.go(f"/agents/{draft['metadata']['id']}")
    see(page.get_by_role("button", name="Publish", exact=True)).to_be_enabled()
    # nothing was changed by the read-only key
    assert expect(ws.api.get(f"{ws.path}/agents/{draft['metadata']['id']}"), 200)["spec"]["status"] == \
        "AGENT_STATUS_DRAFT"
    assert tool_calls(ws, oid)[0]["status"] == "TOOL_CALL_STATUS_WAITING_FOR_APPROVAL"


def test_a_revoked_key_is_signed_out_with_the_servers_message(ws, console):
    setup_agent(ws, name="Someone")
    key = ws.key(ws.api, ["agents:read"], name="short-lived")
    page = console.page
    console.sign_in(key["spec"]["token"])
    see(page.get_by_role("list", name="Agents")).to_contain_text("Someone")
    expect(ws.api.delete(f"{ws.path}/api_keys/{key['metadata']['id']}"), 204)
    page.get_by_role("button", name="Search").click()
    see(page.get_by_label("API key")).to_be_visible()
    see(page.get_by_role("alert").filter(has_text="Your key was refused")).to_contain_text("HTTP 401")
    assert page.evaluate("sessionStorage.length") == 0


# ---------------------------------------------------------------- keyboard


def test_the_console_is_usable_by_keyboard(ws, console, fake_openai, tool_server):
    s, _ = order_agent(ws, tool_server)
    fake_openai.script(s.model, [calls_reply([("call_1", "create_order", {"orderId": "42", "quantity": 5})])])
    oid = create(ws, s.agent_id, "Order five", data={"customer": "ACME", "orderId": "42"})["metadata"]["id"]
    wait_status(ws, oid, "WAITING_FOR_APPROVAL")
    page = console.page
    console.open()
    console.tokens.add(ws.token)
    see(page.get_by_label("API key")).to_be_focused()  # focus is on the key field on arrival
    page.keyboard.type(ws.token)
    page.keyboard.press("Enter")
    see(console.heading("Agents")).to_be_focused()  # after navigation, on the page's heading

    def tab_to(name: str, key: str = "Tab", limit: int = 40) -> None:
        for _ in range(limit):
            page.keyboard.press(key)
            if page.evaluate("document.activeElement.textContent.trim()") == name:
                return
        raise AssertionError(f"{name!r} is not reachable with {key}")

    # back from the heading to the main navigation
    tab_to("Approvals", "Shift+Tab")
    # a visible focus indicator
    style = page.evaluate("(() => { const s = getComputedStyle(document.activeElement); "
                          "return [s.outlineStyle, s.outlineWidth]; })()")
    assert style[0] != "none" and style[1] != "0px", style
    page.keyboard.press("Enter")
    see(console.heading("Approvals")).to_be_focused()
    # approve by keyboard
    tab_to("Approve")
    page.keyboard.press("Enter")
    see(card(page, "Tool call create_order", oid)).to_contain_text("Approved create_order.")
    wait_status(ws, oid, "COMPLETED")
    # the skip link jumps to the page's heading without leaving the page
    page.keyboard.press("Control+Home")
    page.evaluate("document.querySelector('.skip-link').focus()")
    see(page.get_by_role("link", name="Skip to content")).to_be_visible()
    page.keyboard.press("Enter")
    see(console.heading("Approvals")).to_be_focused()
    assert page.url.endswith("#/approvals")


# ---------------------------------------------------------------- screenshots


def test_screenshots_of_the_main_pages(ws, browser, app, fake_openai, tool_server, capsys):
    s, _ = order_agent(ws, tool_server)
    expect(ws.api.patch(f"{ws.path}/agents/{s.agent_id}", {"metadata": {"labels": {"team": "ops", "tier": "gold"}},
                                                           "spec": {"description": "Places and tracks orders"}}), 200)
    setup_agent(ws, name="Researcher")
    new_agent(ws, "Draft helper", status="AGENT_STATUS_DRAFT")
    data = {"customer": "ACME", "orderId": "42"}
    fake_openai.script(s.model, [
        calls_reply([("c1", "task_create", {"task": "Check stock"}), ("c2", "create_order",
                                                                       {"orderId": "42", "quantity": 5})]),
        text("Order 42 is placed and arrives tomorrow.")])
    done = create(ws, s.agent_id, "Order five of item 42", data=data)["metadata"]["id"]
    wait_status(ws, done, "WAITING_FOR_APPROVAL")
    [call] = [c for c in tool_calls(ws, done) if c["status"] == "TOOL_CALL_STATUS_WAITING_FOR_APPROVAL"]
    expect(ws.api.post(f"{obj_path(ws, done)}/tool_calls/{call['metadata']['id']}:approve"), 200)
    wait_status(ws, done, "COMPLETED")
    fake_openai.script(s.model, [calls_reply([("c3", "create_order", {"orderId": "42", "quantity": 10})])])
    waiting = create(ws, s.agent_id, "Order ten more of item 42", data=data)["metadata"]["id"]
    wait_status(ws, waiting, "WAITING_FOR_APPROVAL")
    scheds = Schedules()
    shots: list[Path] = []
    try:
        scheds.create(ws, s.agent_id, daily(9, 30, "America/New_York"), name="Morning report", data=data)
        for label, viewport, scheme in [("desktop", DESKTOP, "light"), ("phone", PHONE, "dark")]:
            tab = Console(browser, app.base, viewport=viewport, color_scheme=scheme)
            try:
                page = tab.page
                tab.open()
                shots.append(tab.shot(f"signin-{label}"))
                tab.sign_in(ws.token)
                timeline_items = len(events(ws, done))
                pages = [
                    ("agents", "/agents", lambda: see(page.get_by_role("list", name="Agents")).to_contain_text("Order desk")),
                    ("agent", f"/agents/{s.agent_id}", lambda: [
                        see(page.get_by_role("list", name="Recent objectives")).to_contain_text("Order ten more"),
                        see(page.get_by_role("list", name="Variations")).to_contain_text("create_order"),
                        see(page.get_by_role("article", name="Schedule Morning report")).to_be_visible(),
                        see(page.get_by_text("No deliveries.")).to_be_visible(),
                        see(page.get_by_text("No feedback yet.")).to_be_visible()]),
                    ("objectives", "/objectives", lambda: see(page.get_by_role("list", name="Objectives"))
                     .to_contain_text("Order ten more")),
                    ("start", f"/objectives/new?agentId={s.agent_id}", lambda: see(tab.field("customer")).to_be_visible()),
                    ("objective", f"/objectives/{done}", lambda: [
                        see(page.get_by_role("list", name="Timeline").get_by_role("listitem")).to_have_count(timeline_items),
                        see(page.get_by_role("list", name="Tasks")).to_be_visible(),
                        see(page.get_by_text("No feedback yet.")).to_be_visible(),
                        see(page.get_by_role("region", name="Context windows").get_by_role("table")).to_be_visible()]),
                    ("objective-waiting", f"/objectives/{waiting}", lambda: [
                        see(page.get_by_role("region", name="Waiting for you")).to_be_visible(),
                        see(page.get_by_role("region", name="Context windows").get_by_role("table")).to_be_visible()]),
                    ("approvals", "/approvals", lambda: [
                        see(page.get_by_text("1 waiting for approval")).to_be_visible(),
                        see(page.get_by_text("Order desk · Order ten more of item 42")).to_be_visible()]),
                    ("schedules", "/schedules", lambda: see(page.get_by_role("article", name="Schedule Morning report"))
                     .to_be_visible()),
                ]
                for name, route, ready in pages:
                    tab.go(route)
                    ready()
                    if name == "start":
                        page.get_by_role("button", name="Start objective").click()
                        see(tab.field_error("customer")).to_be_visible()
                    shots.append(tab.shot(f"{name}-{label}"))
                tab.check()
            finally:
                tab.close()
    finally:
        scheds.cleanup()
    assert all(p.stat().st_size > 10_000 for p in shots), [(p.name, p.stat().st_size) for p in shots]
    with capsys.disabled():
        print(f"\nconsole screenshots: {SHOTS} ({len(shots)} files)")
