#!/usr/bin/env python3
"""Shrinks a built component: runs binaryen's `wasm-opt -Oz` over its main core module.

Usage: python3 tools/shrink.py <component>   (after `cargo build --target wasm32-wasip2
--release -p <component>`; spin.toml's build commands run both)

Reads target/wasm32-wasip2/release/<component>.wasm and writes
target/wasm32-wasip2/shrunk/<component>.wasm, the file spin.toml serves. rustc's size
optimisation leaves about a fifth of a component that binaryen removes (README
"Performance"), and instantiation cost grows with module size.

wasm-opt does not read components, so this takes the largest core module out of the
component, optimises it, and puts it back in place. Imports and exports keep their names,
so the component's wiring (the canonical ABI lifts and lowers, the small adapter modules)
is untouched. Without wasm-opt on PATH (Debian: `apt-get install binaryen`) the file is
copied as built, with a warning: the app works the same, only larger.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILT = ROOT / "target" / "wasm32-wasip2" / "release"
SHRUNK = ROOT / "target" / "wasm32-wasip2" / "shrunk"
CORE_MODULE_SECTION = 1
# The features rustc's wasm32-wasip2 target emits; binaryen 108 has no way to read them
# from the module (rustc does not write the target_features section in release).
FEATURES = [
    "--enable-bulk-memory",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-multivalue",
    "--enable-reference-types",
]
# -Oz: binaryen's smallest. The memory is the module's own (not imported), so it starts
# zero-filled and zero bytes need not be stored in data segments.
PASSES = ["-Oz", "--zero-filled-memory"]


def read_leb(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, pos


def write_leb(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def sections(data: bytes) -> list[tuple[int, int, int, int]]:
    """The component's top-level sections as (id, section start, content start, end)."""
    if data[:4] != b"\0asm" or data[4:8] != b"\x0d\x00\x01\x00":
        raise ValueError("not a WebAssembly component (expected the component-model header)")
    out, pos = [], 8
    while pos < len(data):
        section_id = data[pos]
        size, start = read_leb(data, pos + 1)
        out.append((section_id, pos, start, start + size))
        pos = start + size
    return out


def shrink(component: bytes, optimise) -> bytes:
    """The component with its largest core module replaced by optimise(module)."""
    modules = [s for s in sections(component) if s[0] == CORE_MODULE_SECTION]
    if not modules:
        raise ValueError("the component holds no core module")
    _, section, start, end = max(modules, key=lambda s: s[3] - s[2])
    smaller = optimise(component[start:end])
    return component[:section] + bytes([CORE_MODULE_SECTION]) + write_leb(len(smaller)) + smaller + component[end:]


def wasm_opt(module: bytes) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp, "in.wasm"), Path(tmp, "out.wasm")
        src.write_bytes(module)
        subprocess.run(["wasm-opt", *PASSES, *FEATURES, str(src), "-o", str(dst)], check=True)
        return dst.read_bytes()


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    name = sys.argv[1]
    built, shrunk = BUILT / f"{name}.wasm", SHRUNK / f"{name}.wasm"
    if not built.exists():
        print(f"shrink: {built} does not exist; build it first", file=sys.stderr)
        return 1
    if shrunk.exists() and shrunk.stat().st_mtime >= built.stat().st_mtime:
        return 0  # cargo did not relink: the shrunk file is current
    SHRUNK.mkdir(parents=True, exist_ok=True)
    partial = shrunk.with_suffix(".partial")
    if shutil.which("wasm-opt") is None:
        print(f"shrink: wasm-opt not found (apt-get install binaryen); serving {name}.wasm unoptimised",
              file=sys.stderr)
        shutil.copyfile(built, partial)
    else:
        partial.write_bytes(shrink(built.read_bytes(), wasm_opt))
    os.replace(partial, shrunk)
    return 0


if __name__ == "__main__":
    sys.exit(main())
