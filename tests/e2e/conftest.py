"""Browser tests: Debian's Chromium driven by Playwright against live_server.

`playwright install` cannot download browsers here, so the launch is pointed at
/usr/bin/chromium. Without it the browser tests skip with one clear line (the
Makefile prints the same line and the install command)."""

import shutil

import pytest
from axe_playwright_python.sync_playwright import Axe

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
# Impacts that fail a page: a member relying on a screen reader or keyboard is blocked.
BLOCKING_IMPACTS = {"serious", "critical"}


def pytest_collection_modifyitems(config, items):
    if shutil.which("chromium"):
        return
    skip = pytest.mark.skip(reason="Chromium is not installed: apt-get install -y chromium")
    for item in items:
        if "e2e" in item.nodeid.split("/"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@pytest.fixture
def site(live_server, page):
    """The page with a base URL, so tests write `page.goto(site.url('/'))`."""

    class Site:
        def url(self, path):
            return f"{live_server.url}{path}"

    page.set_default_timeout(10_000)
    return Site()


@pytest.fixture(scope="session")
def _axe():
    return Axe()


@pytest.fixture
def assert_accessible(_axe):
    """Run axe-core on the page in its current state; fail on serious or critical violations."""

    def check(page):
        results = _axe.run(page)
        blocking = [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]
        report = "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in blocking
        )
        assert not blocking, f"axe found serious or critical problems on {page.url}:\n{report}"
        return results

    return check
