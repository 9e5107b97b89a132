"""Dynamic scan: wapiti against the site under gunicorn on 127.0.0.1, signed in as a member.

    .venv/bin/python tools/security/wapiti_scan.py [--max-scan-time 120]

1. A throw-away SQLite database with the demo content; a demo member's session.
2. The real site (myeloma_forum.settings) is crawled and attacked with the modules
   xss, sql, exec, redirect and crlf only (never the ones that call outside servers),
   with the member's cookie. Any vulnerability in the JSON report fails the run, and
   so does any "Internal Server Error" anomaly (a 500 is a bug, and often a hole).
3. Control: the same scan, XSS only, on a page that reflects its input unescaped,
   mounted only by tools/security/scan_settings.py. It must be found, or the scan
   above proves nothing.

wapiti3 does not install beside our pins (it wants older asgiref, cryptography and
others), so it lives in its own venv, .venv-scan, made here when missing. wapiti
exits 0 even when it finds something: the JSON report is what counts.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tools.security.serve import ROOT, fail, gunicorn, manage, signed_in_sessions, site_env, throwaway_database

WAPITI_VERSION = "3.2.3"
SCAN_VENV = ROOT / ".venv-scan"
WAPITI = SCAN_VENV / "bin" / "wapiti"
MODULES = "xss,sql,exec,redirect,crlf"
# Pages a scanner must not press: they end the scan's own session or delete the account.
EXCLUDE = [
    "/accounts/logout/*",
    "/accounts/sessions/*",
    "/accounts/password/*",
    "/accounts/email/*",
    "/accounts/2fa/*",
    "/accounts/reauthenticate/*",
    "/settings/delete-account/*",
    "/admin/*",
]
DEMO_MEMBER = "demo.*@myelomaforum.example"


def ensure_wapiti():
    if WAPITI.exists():
        return
    subprocess.run([sys.executable, "-m", "venv", str(SCAN_VENV)], check=True)  # noqa: S603
    subprocess.run(  # noqa: S603
        [str(SCAN_VENV / "bin" / "pip"), "install", "-q", f"wapiti3=={WAPITI_VERSION}"], check=True, timeout=600
    )


def demo_member_email(env):
    out = manage(
        env,
        "shell",
        "-c",
        "from community.models import User; "
        "print(User.objects.filter(email__startswith='demo.', is_staff=False).order_by('pk').first().email)",
    )
    return out.strip().splitlines()[-1]


def run_wapiti(base, start, cookie, workdir, *, modules, scope, max_scan_time, label):
    report = Path(workdir) / f"wapiti-{label}.json"
    args = [
        str(WAPITI), "-u", base + "/", "-s", start, "--scope", scope, "-m", modules,
        "--no-bugreport", "--flush-session", "--store-session", str(Path(workdir) / f"session-{label}"),
        "--store-config", str(Path(workdir) / f"config-{label}"),
        "-f", "json", "-o", str(report), "-dr", "1", "-C", cookie, "-d", "3", "--max-links-per-page", "40",
        "--max-files-per-dir", "20", "--max-scan-time", str(max_scan_time),
        "--max-attack-time", str(max(10, max_scan_time // 6)), "--tasks", "4", "--timeout", "10",
        *[arg for pattern in EXCLUDE for arg in ("-x", base + pattern)],
    ]  # fmt: skip
    result = subprocess.run(args, capture_output=True, text=True, timeout=max_scan_time + 240)  # noqa: S603
    if not report.exists():
        fail(f"wapiti wrote no report ({label}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return json.loads(report.read_text())


def findings(report):
    vulns = {name: items for name, items in report.get("vulnerabilities", {}).items() if items}
    errors = [a for a in report.get("anomalies", {}).get("Internal Server Error", [])]
    return vulns, errors


def crawled_paths(report):
    pages = report.get("infos", {}).get("crawled_pages", []) or []
    return {urlsplit(page.get("request", {}).get("url", "")).path for page in pages}


def describe(items):
    return "\n".join(
        f"  {i.get('method')} {i.get('path')} {i.get('parameter', '')}: {i.get('info', '')}" for i in items
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-scan-time", type=int, default=120, help="seconds for the main scan")
    args = parser.parse_args()
    ensure_wapiti()
    with throwaway_database("sqlite") as (database_url, workdir):
        env = site_env(database_url, workdir)
        manage(env, "migrate", "--noinput")
        manage(env, "load_demo_content")
        email = demo_member_email(env)
        _pk, key = signed_in_sessions(env, [email])[email]
        cookie = f"sessionid={key}"

        with gunicorn(env, log_path=Path(workdir) / "gunicorn.log") as (base, _):
            report = run_wapiti(
                base, base + "/", cookie, workdir, modules=MODULES, scope="folder",
                max_scan_time=args.max_scan_time, label="site",
            )  # fmt: skip
        vulns, errors = findings(report)
        paths = crawled_paths(report)
        print(f"wapiti {MODULES} as {email}: {len(paths)} distinct pages crawled")
        if "/settings/" not in paths:  # a member-only page: the cookie really signed the scan in
            fail(f"the scan did not reach member pages; crawled: {sorted(paths)[:40]}")
        for name, items in vulns.items():
            print(f"{name}: {len(items)}\n{describe(items)}")
        for item in errors:
            print(f"server error: {item.get('method')} {item.get('path')} {item.get('parameter', '')}")

        control_env = {**env, "DJANGO_SETTINGS_MODULE": "tools.security.scan_settings"}
        with gunicorn(control_env, workers=1) as (base, _):
            control = run_wapiti(
                base, base + "/scan-control/reflect/?q=hello", cookie, workdir, modules="xss", scope="page",
                max_scan_time=60, label="control",
            )  # fmt: skip
        control_hits = sum(len(items) for items in findings(control)[0].values())
        print(f"control (a page that reflects input unescaped): {control_hits} XSS finding(s)")

    if not control_hits:
        fail("the control page was not flagged: the scan cannot be trusted")
    if vulns or errors:
        fail(f"wapiti found {sum(len(v) for v in vulns.values())} vulnerabilities and {len(errors)} server errors")
    print("wapiti: no findings on the site; the control was caught")


if __name__ == "__main__":
    main()
