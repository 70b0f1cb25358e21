#!/usr/bin/env python3
"""End-to-end HTTP benchmark of the Spin app and of its peer, measured with wrk.

Builds the components, serves them with one `spin up` (plus a hello-world baseline
component at /bench/hello), with the rate limiter on (a limit no run reaches, so its cost
is measured) and the variables from a static provider, and seeds a workspace with agents.
Beside it, it serves the peer a user would otherwise pick, the LangGraph dev server
(`langgraph dev`, installed into bench/.peer-venv from bench/peer/requirements.txt,
serving the one-node graph in bench/peer/), seeded with as many assistants. It measures
GET, list-50 and POST of both, and hello-world, in interleaved rounds (the two servers
turn about, so each ratio compares runs seconds apart), throughput at 16 connections and
latency at one keep-alive connection. Then it grows the workspace to 100,000 agents
directly in SQLite and measures again, measures GET with the variables in Spin's
environment, and GET and POST agent with one and with three instances over one sqld and
one Redis (the distributed deployment, docs/deploy.md).
It prints a Markdown table of every endpoint and one of the targets (met or missed),
and writes both to bench/RESULTS.md.
The steps live in bench/benchlib/ (wrk, rounds, app, peer, distributed, report); this
script runs them.

Run from the repository root:
    python3 bench/run.py [--duration SECONDS] [--no-build] [--no-peer] [--no-distributed]
Needs: cargo with the wasm32-wasip2 target, wrk (apt-get install -y wrk), Spin; for the
peer, python3 with venv and pip, and PyPI.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from benchlib.app import (WASM_DIR, App, build, check_built, find_spin, grow_and_measure,
                          start_app)
from benchlib.common import ROOT, SEED_AGENTS, BenchError, Measurement
from benchlib.distributed import Unavailable as DistributedUnavailable, benchmark_distributed
from benchlib.peer import PEER_NAME, PeerUnavailable, install_peer, start_peer
from benchlib.report import ORDER, RESULTS_FILE, checks_table, table, target_checks, write_results
from benchlib.rounds import measure_rounds
from benchlib.wrk import find_wrk


def side_by_side(app: App, langgraph: Path | None, wrk: str, duration: int, with_hello: bool,
                 tmp: Path) -> tuple[list[Measurement], str, str]:
    """Serves the peer beside the app and measures GET (with hello-world), list-50 and POST
    of both in interleaved rounds. Returns the measurements, the peer's description (empty
    if it was not served) and why it was not (empty if it was)."""
    peer = None
    served, why = "", ""
    if langgraph is not None:
        try:
            peer = start_peer(langgraph, tmp)
            served = (f"{PEER_NAME} dev server, {peer.version} (`langgraph dev --no-browser "
                      f"--no-reload`, in-memory runtime, graph in bench/peer/), "
                      f"{SEED_AGENTS:,} assistants seeded")
        except PeerUnavailable as e:
            why = f"the peer could not be served: {e}"
            print(f"bench: note: {why}\nbench: going on without the peer", flush=True)
    theirs = peer.endpoints() if peer else (None, None, None)
    results = []
    try:
        # POST last: it adds agents and assistants, and the lists must see the seeded 1,000.
        for group in ([*(app.hello() if with_hello else []), app.get(), theirs[0]],
                      [app.list50(), theirs[1]],
                      [app.post(), theirs[2]]):
            results += measure_rounds(wrk, [e for e in group if e is not None], duration, tmp)
    finally:
        if peer is not None:
            peer.server.stop()
    return results, served, why


def main() -> int:
    """Parses arguments, runs the benchmark, prints and saves the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run (default 8)")
    parser.add_argument("--no-build", action="store_true",
                        help="serve the wasm already built (spin.toml's sources; no spin build)")
    parser.add_argument("--no-distributed", action="store_true",
                        help="skip the rows with one and three instances over sqld + Redis")
    parser.add_argument("--no-peer", action="store_true",
                        help=f"skip the peer ({PEER_NAME} dev server); its targets are not measured")
    args = parser.parse_args()
    try:
        wrk = find_wrk()
        spin = find_spin()
        if args.no_build:
            check_built()
        else:
            build(spin)
        with_hello = (WASM_DIR / "hello.wasm").exists()
        hello_missing = ("hello.wasm is not built (run without --no-build, or "
                         "`cargo build --target wasm32-wasip2 --release -p hello`)")
        if not with_hello:
            print(f"bench: note: {hello_missing}; the hello rows are left out", flush=True)
        langgraph, peer_missing = None, ""
        if args.no_peer:
            peer_missing = "--no-peer"
        else:
            try:
                langgraph = install_peer()
            except PeerUnavailable as e:
                peer_missing = f"the peer could not be installed: {e}"
                print(f"bench: note: {peer_missing}\nbench: going on without the peer", flush=True)
        peer = f"not measured ({peer_missing})"
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            app = start_app(spin, with_hello, Path(tmp))
            try:
                results, served, why = side_by_side(app, langgraph, wrk, args.duration,
                                                    with_hello, Path(tmp))
                if served:
                    peer = served
                elif why:
                    peer_missing, peer = why, f"not measured ({why.splitlines()[0]})"
                results += grow_and_measure(app, wrk, args.duration, Path(tmp))
            finally:
                app.stop()
            if not args.no_distributed:
                try:
                    results += benchmark_distributed(spin, wrk, args.duration, Path(tmp))
                except (DistributedUnavailable, BenchError, OSError) as e:
                    # OSError: a request to sqld's side timed out (docs/deploy.md, "Known
                    # limits: sqld's write queue"); the rows measured before are kept out too
                    print(f"bench: note: the distributed rows are left out: {e!r}", flush=True)
        results.sort(key=lambda m: ORDER.index(m.label))
        checks = target_checks({m.label: m for m in results},
                               peer_missing.splitlines()[0] if peer_missing else "", hello_missing)
        report = table(results) + "\n\nTargets:\n\n" + checks_table(checks)
        print("\n" + report)
        write_results(spin, args.duration, peer, report)
    except BenchError as e:
        print(f"bench: error: {e}", file=sys.stderr)
        return 1
    print(f"\nwrote {RESULTS_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
