"""Run the benchmarks and write the results to bench/results/ (git-ignored).

    python bench/run.py                 # every benchmark, default sizes
    python bench/run.py digests --sizes 2000,20000

Each benchmark is a module with `run(**options) -> dict`; add new ones to
BENCHMARKS. The JSON file is bench/results/<name>-<UTC time>.json, and
bench/results/latest.json always holds the newest run. Exits non-zero when a
benchmark misses its target."""

import argparse
import json
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCHMARKS = {
    "site": "bench.site_bench",  # pages under load vs the same-bytes bare view (BENCH_DB=postgres for PostgreSQL)
    "search": "bench.search_bench",  # search latency over 100,000 posts on PostgreSQL
    "digests": "bench.digest_bench",
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run: {', '.join(BENCHMARKS)} (default: all)")
    parser.add_argument("--sizes", help="digests: comma-separated list sizes (default 10000,100000)")
    args = parser.parse_args()
    unknown = set(args.names) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    results = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": _cpus(), "platform": platform.platform()},
        "benchmarks": {},
    }
    for name in args.names or BENCHMARKS:
        module = __import__(BENCHMARKS[name], fromlist=["run"])
        options = {"sizes": tuple(int(n) for n in args.sizes.split(","))} if args.sizes and name == "digests" else {}
        print(f"{name}:", flush=True)
        began = time.monotonic()
        results["benchmarks"][name] = {**module.run(**options), "wall_seconds": round(time.monotonic() - began, 1)}
    passed = all(bench["passed"] for bench in results["benchmarks"].values())
    results["passed"] = passed
    _write(results)
    print(
        "PASSED" if passed else "MISSED A TARGET",
        json.dumps({k: v["checks"] for k, v in results["benchmarks"].items()}),
    )
    return 0 if passed else 1


def _cpus():
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def _write(results):
    folder = ROOT / "bench" / "results"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(results, indent=2)
    (folder / f"bench-{stamp}.json").write_text(text)
    (folder / "latest.json").write_text(text)
    print(f"results: {folder / f'bench-{stamp}.json'}")


if __name__ == "__main__":
    sys.exit(main())
