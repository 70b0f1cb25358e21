#!/usr/bin/env python3
"""End-to-end HTTP benchmark of the Spin app and of its peer, measured with wrk.

Builds the components, serves them with one `spin up` (plus a hello-world baseline
component at /bench/hello), with the rate limiter on (a limit no run reaches, so its cost
is measured), seeds a workspace with agents, measures throughput at 16 connections and
latency at one keep-alive connection, grows the workspace to 100,000 agents directly in
SQLite and measures again. Then it serves the peer a user would otherwise pick, the
LangGraph dev server (`langgraph dev`, installed into bench/.peer-venv from
bench/peer/requirements.txt, serving the one-node graph in bench/peer/), seeds it with as
many assistants as the app has agents and measures its get/create/search the same way.
Between the two, GET and POST agent with one and with three instances over one sqld and one
Redis (the distributed deployment, docs/deploy.md).
It prints a Markdown table of every endpoint and one of the targets (met or missed),
and writes both to bench/RESULTS.md.
The steps live in bench/benchlib/ (wrk, app, peer, report); this script runs them.

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

from benchlib.app import WASM_DIR, benchmark, build, check_built, find_spin
from benchlib.common import ROOT, SEED_AGENTS, BenchError
from benchlib.distributed import Unavailable as DistributedUnavailable, benchmark_distributed
from benchlib.peer import PEER_NAME, PeerUnavailable, benchmark_peer, install_peer
from benchlib.report import ORDER, RESULTS_FILE, checks_table, table, target_checks, write_results
from benchlib.wrk import find_wrk


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
            results = benchmark(spin, wrk, args.duration, with_hello, Path(tmp))
            if not args.no_distributed:
                try:
                    results += benchmark_distributed(spin, wrk, args.duration, Path(tmp))
                except (DistributedUnavailable, BenchError) as e:
                    print(f"bench: note: the distributed rows are left out: {e}", flush=True)
            if langgraph is not None:
                try:
                    peer_results, version = benchmark_peer(wrk, langgraph, args.duration, Path(tmp))
                    results += peer_results
                    peer = (f"{PEER_NAME} dev server, {version} (`langgraph dev --no-browser "
                            f"--no-reload`, in-memory runtime, graph in bench/peer/), "
                            f"{SEED_AGENTS:,} assistants seeded")
                except PeerUnavailable as e:
                    peer_missing = f"the peer could not be measured: {e}"
                    peer = f"not measured ({peer_missing.splitlines()[0]})"
                    print(f"bench: note: {peer_missing}\nbench: going on without the peer", flush=True)
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
