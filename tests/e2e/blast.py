"""One token's requests from many connections at once, for the rate-limit tests (one instance in
test_data_path.py, three in test_distributed_limits.py): what each request got, and when."""

from __future__ import annotations

import collections
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

import requests


@dataclass
class Blast:
    """(sent, answered, status) per request; failed connections; 429s without the documented shape."""

    samples: list[tuple[float, float, int]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    bad_429s: list[str] = field(default_factory=list)

    @property
    def statuses(self) -> collections.Counter:
        return collections.Counter(status for _, _, status in self.samples)

    @property
    def elapsed(self) -> float:
        return max(got for _, got, _ in self.samples) - min(sent for sent, _, _ in self.samples)


def blast(urls: list[str], token: str, seconds: float, midway: Callable[[], None] | None = None) -> Blast:
    """GETs every url from its own connection, all starting together, for `seconds`; `midway` runs
    halfway through (e.g. a request with another token)."""
    out = Blast()
    start = threading.Barrier(len(urls) + 1)
    lock = threading.Lock()
    until: list[float] = []

    def hammer(url: str) -> None:
        session = requests.Session()
        headers = {"Authorization": f"Bearer {token}"}
        mine = []
        start.wait()
        while time.monotonic() < until[0]:
            sent = time.monotonic()
            try:
                resp = session.get(url, headers=headers, timeout=30)
            except requests.RequestException as e:
                with lock:
                    out.errors.append(repr(e))
                break
            mine.append((sent, time.monotonic(), resp.status_code))
            if resp.status_code == 429:
                retry_after = resp.headers.get("retry-after", "")
                try:
                    code = resp.json()["error"]["code"]
                except (ValueError, KeyError, TypeError):
                    code = None
                if not (retry_after.isdigit() and int(retry_after) >= 1 and code == "rate_limited"):
                    with lock:
                        out.bad_429s.append(f"Retry-After {retry_after!r}, body {resp.text[:200]}")
        with lock:
            out.samples.extend(mine)

    threads = [threading.Thread(target=hammer, args=(url,), daemon=True) for url in urls]
    for t in threads:
        t.start()
    until.append(time.monotonic() + seconds)
    start.wait()
    if midway is not None:
        time.sleep(seconds / 2)
        midway()
    for t in threads:
        t.join(timeout=90)
    assert not any(t.is_alive() for t in threads), "a connection never finished"
    return out
