"""Start and stop a real `spin up` of this repository for end-to-end tests."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
SHARED_TOOLS = ROOT.parent / "shared" / "tools"

# Known to the tests so they can craft tokens (expired, foreign-signed, ...).
JWT_SECRET = "e2e-jwt-secret-0123456789-abcdefghijklmnop"
BOOTSTRAP_TOKEN = "e2e-bootstrap-token"


def spin_binary() -> str:
    """The Spin CLI: on PATH, in ~/.local/bin, or installed from ../shared/tools."""
    found = shutil.which("spin")
    if found:
        return found
    local = Path.home() / ".local" / "bin" / "spin"
    if local.exists():
        return str(local)
    out = subprocess.run(
        ["bash", str(SHARED_TOOLS / "install-spin.sh")], check=True, capture_output=True, text=True
    )
    return out.stdout.strip().splitlines()[-1]


_built = False

# What the wasm is built from: when none of it is newer than every component's wasm,
# `spin build` has nothing to do and is skipped (it costs seconds even as a no-op).
SOURCES = ["crates", "components", "wit", "Cargo.toml", "Cargo.lock", "spin.toml", "tools/shrink.py"]
# The console's static files (components/console/assets) are embedded in its wasm too.
CONSOLE_ASSET_DIR = ROOT / "components" / "console" / "assets"
CONSOLE_ASSETS = {".html", ".js", ".mjs", ".css", ".svg", ".png", ".ico", ".json", ".txt"}


def _newest_source_mtime() -> float:
    newest = 0.0
    for entry in SOURCES:
        path = ROOT / entry
        files = [path] if path.is_file() else path.rglob("*")
        for f in files:
            if f.is_file() and (path.is_file() or f.suffix in {".rs", ".toml", ".wit", ".lock", ".sql", ""}
                                or (f.suffix in CONSOLE_ASSETS and CONSOLE_ASSET_DIR in f.parents)):
                newest = max(newest, f.stat().st_mtime)
    return newest


def _component_wasm() -> list[Path]:
    """Every component's `source` from spin.toml."""
    text = (ROOT / "spin.toml").read_text()
    return [ROOT / m for m in re.findall(r'^source\s*=\s*"([^"]+\.wasm)"', text, re.M)]


# Touched after each successful build: cargo leaves a wasm untouched when a change
# (a test file, another crate) does not affect it, so the wasm's own mtime cannot say.
STAMP = ROOT / "target" / ".e2e-built"


def wasm_is_fresh() -> bool:
    wasm = _component_wasm()
    if not wasm or not all(w.exists() for w in wasm) or not STAMP.exists():
        return False
    return STAMP.stat().st_mtime >= _newest_source_mtime()


def build_once() -> None:
    """`spin build` (every component's release wasm) once per test session, unless the
    wasm is newer than its sources. CADENYA_E2E_BUILD=always forces the build, =never
    skips it (e.g. to test a wasm you built yourself)."""
    global _built
    if _built:
        return
    mode = os.environ.get("CADENYA_E2E_BUILD", "auto")
    if mode == "always" or (mode == "auto" and not wasm_is_fresh()):
        started = time.time()
        subprocess.run([spin_binary(), "build"], cwd=ROOT, check=True)
        STAMP.touch()
        os.utime(STAMP, (started, started))
    _built = True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# 32 bytes in standard base64: the key secrets are sealed with (tests/e2e/test_secrets_at_rest.py)
SECRETS_KEY = "dGVzdC1zZWNyZXRzLWtleS0zMi1ieXRlcy1sb25nISE="


class SpinApp:
    """One `spin up` process on a free loopback port with a throwaway state dir."""

    def __init__(self, variables: dict[str, str] | None = None, state_dir: Path | None = None,
                 runtime_config: Path | None = None):
        self.variables = {
            "jwt_secret": JWT_SECRET,
            "bootstrap_token": BOOTSTRAP_TOKEN,
            # generous, so only the rate-limit tests meet the limiter
            "rate_limit_per_second": "100000",
            "rate_limit_burst": "100000",
            # the test MCP servers listen on loopback, which the SSRF guard refuses by default
            "allow_private_targets": "true",
            "secrets_encryption_key": SECRETS_KEY,
        }
        self.variables.update(variables or {})
        # the README's: in-memory key-value store, SQLite in the state dir
        self.runtime_config = runtime_config or ROOT / "runtime-config.toml"
        self._own_state = state_dir is None
        self.state_dir = state_dir or Path(tempfile.mkdtemp(prefix="cadenya-e2e-"))
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.log_path = self.state_dir / "spin-up.log"

    def start(self, timeout: float = 120.0) -> "SpinApp":
        build_once()
        env = dict(os.environ)
        for name, value in self.variables.items():
            env[f"SPIN_VARIABLE_{name.upper()}"] = value
        self.state_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [spin_binary(), "up", "--from", str(ROOT / "spin.toml"), "--listen", f"127.0.0.1:{self.port}",
             "--state-dir", str(self.state_dir), "--runtime-config-file", str(self.runtime_config)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"spin up exited early:\n{self.log_path.read_text(errors='replace')}")
            try:
                if requests.get(self.base + "/openapi.json", timeout=2).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"spin up did not become ready:\n{self.log_path.read_text(errors='replace')}")

    def kill(self) -> None:
        """Stop the process (SIGKILL to the whole group), keeping the state dir."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None

    def stop(self) -> None:
        self.kill()
        if self._own_state:
            shutil.rmtree(self.state_dir, ignore_errors=True)

    def component_logs(self) -> str:
        logs = self.state_dir / "logs"
        if not logs.exists():
            return ""
        return "\n".join(p.read_text(errors="replace") for p in sorted(logs.glob("*")))
