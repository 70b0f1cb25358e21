"""The README's quick start works as written: its run command serves, its bootstrap
call returns a token, and `/v1/me` with that token shows workspace, scopes and token id."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import time

import requests

from client import expect
from spinapp import ROOT, build_once, free_port, spin_binary

README = (ROOT / "README.md").read_text()


def block(name: str) -> str:
    """The shell block right after `<!-- readme-test: name -->`, continuation lines joined."""
    m = re.search(rf"<!-- readme-test: {name} -->\s*```sh\n(.*?)```", README, re.S)
    assert m, f"README lost its `{name}` block"
    return m.group(1).replace("\\\n", " ").strip()


def test_readme_quick_start(tmp_path):
    build_once()
    port = free_port()
    run = block("run")
    assert run.startswith("spin build --up"), run
    argv = shlex.split(run)
    argv[0] = spin_binary()
    argv += ["--listen", f"127.0.0.1:{port}", "--state-dir", str(tmp_path / "state")]
    log = open(tmp_path / "spin.log", "wb")
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert proc.poll() is None, (tmp_path / "spin.log").read_text()
            try:
                if requests.get(base + "/openapi.json", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.25)
        bootstrap = block("bootstrap").replace("http://127.0.0.1:3000", base)
        out = subprocess.run(["bash", "-c", bootstrap], check=True, capture_output=True, text=True).stdout
        created = json.loads(out)
        token = created["apiKey"]["spec"]["token"]

        me_cmd = block("me").replace("http://127.0.0.1:3000", base)
        me_cmd = re.sub(r"export TOKEN=.*\n", "", me_cmd)
        env = dict(os.environ, TOKEN=token)
        out = subprocess.run(["bash", "-c", me_cmd], check=True, capture_output=True, text=True, env=env).stdout
        me = json.loads(out)
        assert me["tokenId"] == created["apiKey"]["metadata"]["id"]
        assert me["workspace"]["metadata"]["id"] == created["workspace"]["metadata"]["id"]
        assert me["scopes"] == ["*"]
        # the same holds through the test client, with its status and headers
        expect(requests.get(base + "/v1/me", headers={"Authorization": f"Bearer {token}"}), 200)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
