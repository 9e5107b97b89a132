"""Is every pinned package the newest release its version range allows?

    .venv/bin/python tools/security/check_dependencies.py [--timeout 120]

Our requirements pin exact versions (requirements.txt, requirements-dev.txt). The
range a pin may move within without a deliberate upgrade is its release series:

- the same major version (1.4.6 may become 1.9.0, not 2.0), since that is what
  semantic versioning promises to keep compatible;
- the same major.minor for Django (an LTS series: 5.2.x) and for 0.x packages, where
  a minor release may break things (django-tasks 0.12.x).

A newer release inside the range usually carries fixes (often security fixes) and
should be taken; one outside it is an upgrade to plan (README "Upgrading
dependencies"). Versions come from the package index pip is configured with
(`pip index versions`), looked up in parallel within a time limit. Pre-releases
are ignored. Exit status 1 when a pin is behind its range, or when a package could
not be looked up in time (silence would look like "all fresh").
"""

import argparse
import concurrent.futures
import re
import subprocess
import sys
from pathlib import Path

from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parents[2]
FILES = ("requirements.txt", "requirements-dev.txt")
PIN = re.compile(r"^\s*([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?\s*==\s*([^\s;#]+)")
SERIES_BY_MINOR = {"django"}  # LTS series: stay on 5.2.x


def pins():
    found = {}
    for name in FILES:
        for line in (ROOT / name).read_text().splitlines():
            if match := PIN.match(line):
                found[match.group(1).lower()] = (Version(match.group(2)), name)
    return found


def in_range(pinned, candidate, package):
    by_minor = package in SERIES_BY_MINOR or pinned.major == 0
    series = (lambda v: (v.major, v.minor)) if by_minor else (lambda v: v.major)
    same = series(candidate) == series(pinned)
    return same and not candidate.is_prerelease


def available(package, timeout):
    result = subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
        [sys.executable, "-m", "pip", "index", "versions", package, "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    match = re.search(r"Available versions:\s*(.+)", result.stdout)
    if not match:
        raise LookupError((result.stderr or result.stdout).strip().splitlines()[-1:] or ["no answer"])
    versions = []
    for text in match.group(1).split(","):
        try:
            versions.append(Version(text.strip()))
        except InvalidVersion:
            continue
    return versions


def check(package, pinned, timeout):
    versions = available(package, timeout)
    allowed = max([v for v in versions if in_range(pinned, v, package)] + [pinned])
    newest = max([v for v in versions if not v.is_prerelease] + [pinned])
    return allowed, newest


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=int, default=120, help="seconds for all look-ups together")
    args = parser.parse_args()
    pinned = pins()
    rows, problems = [], []
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        futures = {pool.submit(check, name, version, args.timeout): name for name, (version, _f) in pinned.items()}
        done, not_done = concurrent.futures.wait(futures, timeout=args.timeout)
        for future in not_done:
            future.cancel()
            problems.append(f"{futures[future]}: no answer within {args.timeout}s")
        for future in done:
            name = futures[future]
            version, source = pinned[name]
            try:
                allowed, newest = future.result()
            except (LookupError, subprocess.TimeoutExpired, OSError) as error:
                problems.append(f"{name}: could not look it up ({error})")
                continue
            status = "ok" if version >= allowed else "BEHIND"
            if version < allowed:
                problems.append(f"{name}: pinned {version}, {allowed} is out in its series ({source})")
            note = f"{newest} (new series)" if newest > allowed else ""
            rows.append((name, str(version), str(allowed), note, status))
    width = max(len(r[0]) for r in rows) if rows else 10
    print(f"{'package':<{width}}  {'pinned':<12} {'newest in range':<16} {'newer series':<22} status")
    for row in sorted(rows):
        print(f"{row[0]:<{width}}  {row[1]:<12} {row[2]:<16} {row[3]:<22} {row[4]}")
    for problem in problems:
        print(f"FAILED: {problem}")
    print(f"{len(rows)} pins checked; {len(problems)} problem(s).")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
