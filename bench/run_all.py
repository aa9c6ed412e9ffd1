# ruff: noqa: S603 - runs the benchmark scripts of this folder with this interpreter.
"""Every benchmark, one after the other (`make bench`): their result blocks in one file.

Run from the project root:

    .venv/bin/python bench/run_all.py [--only NAME ...] [--out var/bench-results.md]

Each benchmark is its own script, run by path with this interpreter, in the order below; its
standard output (which ends in its markdown result block) goes to the results file as it was
printed, and its standard error to the terminal. A benchmark that exits non-zero (a wrong answer,
a missed goal it checks, a crash) is reported as failed and the others still run; the exit code
is then 1. NAME is a benchmark's short name (dispatch, documents, figures, peer, concurrency,
load, faults).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (short name, script, arguments) in the order they run: the quick single-process ones first,
# the ones that bring up whole deployments (load, faults) last.
BENCHMARKS: list[tuple[str, str, list[str]]] = [
    ("dispatch", "bench/dispatch_bench.py", []),
    ("documents", "bench/documents_bench.py", ["--postgres"]),
    ("figures", "bench/figures_bench.py", []),
    ("peer", "bench/peer_bench.py", []),
    ("concurrency", "bench/concurrency_bench.py", []),
    ("load", "bench/load/run.py", []),
    ("faults", "bench/faults/run.py", []),
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    names = [name for name, _script, _args in BENCHMARKS]
    parser.add_argument("--only", action="append", choices=names, help="run only this one")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench-results.md")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    chosen = [entry for entry in BENCHMARKS if not args.only or entry[0] in args.only]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    outcomes = []
    with args.out.open("w") as results:
        results.write("# Benchmark results\n\n")
        for name, script, extra in chosen:
            outcomes.append(run_one(name, script, extra, results))
    print(f"\nResults: {args.out}")
    print("| benchmark | result | minutes |\n|---|---|---|")
    for name, code, minutes in outcomes:
        print(f"| {name} | {'ok' if code == 0 else f'FAILED (exit {code})'} | {minutes:.1f} |")
    return 0 if all(code == 0 for _name, code, _minutes in outcomes) else 1


def run_one(name: str, script: str, extra: list[str], results) -> tuple[str, int, float]:
    command = [sys.executable, script, *extra]
    print(f"== {name}: {' '.join([Path(sys.executable).name, script, *extra])}", flush=True)
    started = time.monotonic()
    results.write(f"## {name}\n\n`.venv/bin/python {' '.join([script, *extra])}`\n\n")
    if not (ROOT / script).exists():
        results.write(f"Not run: {script} does not exist.\n\n")
        return name, 127, 0.0
    # stdout is kept whole (the result block is at its end); stderr goes to the terminal.
    completed = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False)
    minutes = (time.monotonic() - started) / 60
    results.write(completed.stdout.rstrip() + "\n\n")
    if completed.returncode != 0:
        results.write(f"**Failed: exit {completed.returncode}.**\n\n")
    results.flush()
    print(completed.stdout.rstrip()[-1500:], flush=True)
    return name, completed.returncode, minutes


if __name__ == "__main__":
    sys.exit(main())
