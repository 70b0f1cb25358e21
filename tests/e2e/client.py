"""A thin HTTP client for the API, and assertion helpers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import requests


class Api:
    """Calls the API with one bearer token over a keep-alive session."""

    def __init__(self, base: str, token: str | None = None):
        self.base = base
        self.token = token
        self.session = requests.Session()

    def with_token(self, token: str | None) -> "Api":
        return Api(self.base, token)

    def request(self, method: str, path: str, body: Any = None, *, raw: bytes | None = None,
                params: Any = None, headers: dict[str, str] | None = None) -> requests.Response:
        h = dict(headers or {})
        if self.token is not None:
            h.setdefault("Authorization", f"Bearer {self.token}")
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        if data is not None:
            h.setdefault("Content-Type", "application/json")
        return self.session.request(method, self.base + path, data=data, params=params, headers=h, timeout=30)

    def get(self, path: str, **kw) -> requests.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw) -> requests.Response:
        return self.request("POST", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw) -> requests.Response:
        return self.request("PATCH", path, body, **kw)

    def delete(self, path: str, **kw) -> requests.Response:
        return self.request("DELETE", path, **kw)


def expect(resp: requests.Response, status: int) -> Any:
    """Asserts the status (showing the body on failure) and returns the JSON body."""
    assert resp.status_code == status, f"{resp.request.method} {resp.url} -> {resp.status_code}: {resp.text[:2000]}"
    assert resp.headers.get("x-request-id"), "every response carries x-request-id"
    if status == 204:
        assert resp.content == b""
        return None
    assert resp.headers.get("content-type", "").startswith("application/json")
    return resp.json()


def expect_error(resp: requests.Response, status: int, code: str, field: str | None = None) -> dict:
    """Asserts the docs/api.md §1 error envelope; with `field`, that details name it."""
    body = expect(resp, status)
    err = body["error"]
    assert err["code"] == code, body
    assert isinstance(err["message"], str) and err["message"], body
    if field is not None:
        fields = [d["field"] for d in err.get("details", [])]
        assert field in fields, f"expected {field!r} among {fields}: {body}"
    return err


def request_id() -> str:
    return f"e2e-{uuid.uuid4().hex}"


def hs256(claims: dict, secret: str) -> str:
    """Signs a JWT by hand (HS256), to craft tokens the server must judge."""
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64(json.dumps(claims).encode())
    sig = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(sig)}"


def jwt_claims(token: str) -> dict:
    payload = token.split(".")[1]
    payload += "=" * (-len(payload) % 4)
    return json.loads(base64.urlsafe_b64decode(payload))


def eventually(check, timeout: float = 5.0, interval: float = 0.05):
    """Retries `check` until it returns a truthy value (audit rows land just after responses)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    return last
