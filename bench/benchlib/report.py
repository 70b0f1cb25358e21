"""The report: the results and targets as Markdown tables, written to bench/RESULTS.md."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path

from .app import ENV_VARIABLES_LABEL, RATE_LIMIT, component_sources
from .common import ROOT, Measurement, run
from .distributed import LABELS as DISTRIBUTED_LABELS
from .peer import PEER_NAME

RESULTS_FILE = ROOT / "bench" / "RESULTS.md"
MAX_WASM_BYTES = 2_000_000  # "≤ 2 MB" per component, in SI megabytes

ORDER = ["hello", "hello + 1 SQLite read", "GET agent", f"{PEER_NAME} GET assistant",
         "POST agent", f"{PEER_NAME} POST assistant", "list-50 @1k", f"{PEER_NAME} search-50 @1k",
         "GET agent @100k", ENV_VARIABLES_LABEL, "list-50 @100k", "POST agent @100k",
         *DISTRIBUTED_LABELS]


@dataclass
class Check:
    """One target: what it asks, what was measured, and whether it is met (None: not measured)."""

    target: str
    measured: str
    met: bool | None


def table(results: list[Measurement]) -> str:
    """The results as a Markdown table. A target measured in interleaved rounds shows their
    median req/s (p50 and p99 from that round) and every round; `vs hello` is req/s
    relative to the hello row."""
    hello = next((m.rps for m in results if m.label == "hello"), None)
    lines = [
        "| endpoint | req/s (16 conns) | each round | p50 (16) | p99 (16) | "
        "p50 (1 keep-alive conn) | vs hello |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for m in results:
        vs_hello = f"{100 * m.rps / hello:.0f} %" if hello else "–"
        label = f"{m.label} ({m.note})" if m.note else m.label
        each = " / ".join(f"{r:,.0f}" for r in m.rounds) if m.rounds else "–"
        lines.append(f"| {label} | {m.rps:,.0f} | {each} | {m.p50_ms:.2f} ms | {m.p99_ms:.2f} ms | "
                     f"{m.p50_single_ms:.2f} ms | {vs_hello} |")
    return "\n".join(lines)


def ratio_check(by_label: dict[str, Measurement], ours: str, theirs: str, factor: float,
                target: str, missing: str) -> Check:
    """ours' req/s (16 conns) ≥ factor × theirs', or not measured (saying why) if either is
    absent. Measured in the same rounds, the ratio is the median of the rounds' ratios."""
    if ours not in by_label or theirs not in by_label:
        return Check(target, f"not measured: {missing}", None)
    a, b = by_label[ours], by_label[theirs]
    if len(a.rounds) > 1 and len(a.rounds) == len(b.rounds):
        ratios = sorted(x / y for x, y in zip(a.rounds, b.rounds))
        ratio = ratios[len(ratios) // 2]
        each = ", ".join(f"{x / y:.2f}" for x, y in zip(a.rounds, b.rounds))
        return Check(target, f"{ratio:.2f}× (median of {len(ratios)} rounds: {each}; "
                             f"{a.rps:,.0f} vs {b.rps:,.0f} req/s)", ratio >= factor)
    return Check(target, f"{a.rps / b.rps:.2f}× ({a.rps:,.0f} vs {b.rps:,.0f} req/s)",
                 a.rps >= factor * b.rps)


def target_checks(by_label: dict[str, Measurement], peer_missing: str,
                  hello_missing: str) -> list[Check]:
    """The targets, each with its measured figure and met, missed or not measured."""
    peer = f"{PEER_NAME} GET assistant"
    get = by_label["GET agent"]
    small, big = by_label["list-50 @1k"], by_label["list-50 @100k"]
    checks = [
        ratio_check(by_label, "GET agent", peer, 1.5,
                    f"GET agent ≥ 1.5× {PEER_NAME} GET assistant (req/s, 16 conns)", peer_missing),
        ratio_check(by_label, "GET agent", "hello", 0.4,
                    "GET agent ≥ 40 % of hello-world (req/s, 16 conns)", hello_missing),
        ratio_check(by_label, "POST agent", f"{PEER_NAME} POST assistant", 1.0,
                    f"POST agent ≥ 1× {PEER_NAME} POST assistant (req/s, 16 conns)", peer_missing),
        ratio_check(by_label, "list-50 @1k", f"{PEER_NAME} search-50 @1k", 2.0,
                    f"list 50 agents ≥ 2× {PEER_NAME} search of 50 assistants, 1k each "
                    "(req/s, 16 conns)", peer_missing),
        Check("list 50 flat from 1k to 100k agents: p50 @100k ≤ 1.5× p50 @1k (16 conns)",
              f"{big.p50_ms / small.p50_ms:.2f}× ({big.p50_ms:.2f} vs {small.p50_ms:.2f} ms)",
              big.p50_ms <= 1.5 * small.p50_ms),
        Check("sequential keep-alive GET agent p50 ≤ 1 ms (1 conn)",
              f"{get.p50_single_ms:.2f} ms", get.p50_single_ms <= 1.0),
    ]
    for name, path in component_sources().items():
        if path.exists():
            size = path.stat().st_size
            checks.append(Check(f"{path.name} ≤ 2 MB ({MAX_WASM_BYTES:,} bytes)",
                                f"{size / 1e6:.2f} MB ({size:,} bytes)", size <= MAX_WASM_BYTES))
        else:
            checks.append(Check(f"{path.name} ≤ 2 MB ({MAX_WASM_BYTES:,} bytes)",
                                f"not measured: component {name}'s {path.relative_to(ROOT)} is missing",
                                None))
    return checks


def checks_table(checks: list[Check]) -> str:
    """The targets as a Markdown table."""
    lines = ["| target | measured | result |", "|---|---|---|"]
    for c in checks:
        result = "not measured" if c.met is None else "met" if c.met else "**missed**"
        lines.append(f"| {c.target} | {c.measured} | {result} |")
    met = sum(1 for c in checks if c.met)
    missed = sum(1 for c in checks if c.met is False)
    lines.append(f"\n{met} met, {missed} missed, {len(checks) - met - missed} not measured.")
    return "\n".join(lines)


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo."""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def write_results(spin: str, duration: int, peer: str, report: str) -> None:
    """Writes the report and the machine it ran on to bench/RESULTS.md.

    Sections of the file that other scripts write (`## …`, e.g. bench/objectives.py's) are kept.
    """
    old = RESULTS_FILE.read_text() if RESULTS_FILE.exists() else ""
    section = re.search(r"^## ", old, re.M)
    kept = "\n" + old[section.start():] if section else ""
    RESULTS_FILE.write_text(
        "# Benchmark results\n\n"
        "Generated by `python3 bench/run.py`; do not edit by hand.\n\n"
        f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}\n"
        f"- spin: {run([spin, '--version']).stdout.strip()}\n"
        f"- peer: {peer}\n"
        f"- rate limiter: on, `rate_limit_per_second` = `rate_limit_burst` = {RATE_LIMIT}\n"
        "- variables: from a `static` provider in the runtime config, as docs/deploy.md "
        f"recommends; the row \"{ENV_VARIABLES_LABEL}\" is a second `spin up` of the same "
        "state taking them from `SPIN_VARIABLE_*`, measured in rounds with the one above it\n"
        f"- nproc: {run(['nproc']).stdout.strip()}\n"
        f"- CPU: {cpu_model()}\n"
        f"- wrk: `-t2 -c16 -d{duration}s --latency` (req/s, p50, p99) and "
        f"`-t1 -c1 -d{duration}s --latency` (p50 at one keep-alive connection)\n\n"
        f"{report}\n{kept}"
    )
