"""The exported page in a real browser: Debian's chromium, headless, driven by selenium
through chromedriver (.ci/run installs both). The page loads from file://, Play advances
the event counter, selecting a packet event shows that hop's bytes exactly as the capture
holds them, and the page makes no network request.

Skipped, with the reason printed, where chromium, chromedriver or selenium is missing
(a machine without root cannot install them)."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from hmipviz.engine.events import PacketSent
from hmipviz.outputs import capture_records
from hmipviz.scenario import MoveSpec, load_scenario
from hmipviz.webexport.page import export_html, run_for_page

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
# This machine's network is closed: nothing of Chromium's own may try to reach out either.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1024,768")


def _why_skip() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install '.[test]')"
    if CHROMIUM is None or CHROMEDRIVER is None:
        return ("chromium or chromedriver is missing: .ci/run installs them as root with "
                "apt-get install --no-install-recommends chromium chromium-driver")
    return None


REASON = _why_skip()
if REASON is not None:
    print(f"tests/test_html_export_browser.py skipped: {REASON}")
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")


@pytest.fixture(scope="module")
def run():
    return run_for_page(load_scenario("figure1"), [MoveSpec(1.0, "AR2")], 1.5)


@pytest.fixture(scope="module")
def page(run, tmp_path_factory):
    out = tmp_path_factory.mktemp("page") / "demo.html"
    export_html(run, out)
    return out


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    """One headless Chromium for the module (starting one takes seconds)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def browser(chromium, page):
    """The page, freshly loaded, with the driver's logs emptied before the load: each
    test stands alone (pytest-xdist may run them in different workers)."""
    chromium.get_log("performance")
    chromium.get_log("browser")
    chromium.get(page.as_uri())
    return chromium


def _requests(browser) -> list[tuple[str, str]]:
    """(document, url) of every request the browser sent since the log was last read
    (its own pages included), from the driver's performance log."""
    requested = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            params = message["params"]
            requested.append((params.get("documentURL"), params["request"]["url"]))
    return requested


def _network(requested: list[tuple[str, str]]) -> list[str]:
    return [url for _, url in requested if re.match(r"(https?|wss?|ftp):", url)]


def _counter(browser) -> int:
    text = browser.find_element("id", "counter").text
    found = re.match(r"event (\d+) / (\d+)", text)
    assert found, text
    return int(found.group(1))


def test_the_page_loads_from_a_file_and_shows_the_first_event(browser, page, run):
    assert browser.current_url == page.as_uri()
    assert browser.title == "figure1: an hmipviz run"
    assert browser.find_element("id", "counter").text.startswith(f"event 1 / {len(run.trace)}")
    rows = browser.find_elements("css selector", "#events tbody tr")
    assert len(rows) == len(run.trace)
    # the topology: every fixed node and the MN, with the window's icons
    names = browser.execute_script(
        "return [...document.querySelectorAll('#topology text.name')].map(t => t.textContent)")
    assert sorted(names) == sorted(n.name for n in run.scenario.nodes)
    severe = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert severe == []


def test_play_advances_the_event_counter(browser):
    from selenium.webdriver.support.ui import Select, WebDriverWait

    first = _counter(browser)
    # 30 events a second: three events come at once, and the run's few hundred events
    # cannot reach their end (where Play stops by itself) before the test pauses it
    Select(browser.find_element("id", "speed")).select_by_value("30")
    browser.find_element("id", "play").click()
    assert browser.find_element("id", "play").text == "Pause"
    WebDriverWait(browser, 10, poll_frequency=0.02).until(lambda b: _counter(b) >= first + 3)
    browser.find_element("id", "play").click()  # pause
    assert browser.find_element("id", "play").text == "Play"
    stopped = _counter(browser)
    browser.find_element("id", "step").click()
    assert _counter(browser) == stopped + 1


def test_selecting_an_event_shows_the_bytes_the_capture_holds(browser, run):
    records = capture_records(run)
    hops = [i for i, e in enumerate(run.trace) if isinstance(e, PacketSent)]
    # the local BU the MN sends after the move, and the BA that answers it
    for kind in ("local BU", "local BA"):
        k = next(k for k, i in enumerate(hops) if run.trace[i].kind == kind
                 and run.trace[i].t > 1.0)
        row = browser.find_elements("css selector", "#events tbody tr")[hops[k]]
        row.click()
        assert _counter(browser) == hops[k] + 1
        # the row says the number the counter says (events count from 1, as in the window)
        assert row.find_elements("css selector", "td")[0].text == str(hops[k] + 1)
        shown = browser.execute_script(
            "return [...document.querySelectorAll('#hex .b')].map(b => b.textContent).join('')")
        assert bytes.fromhex(shown) == records[k].data
        title = browser.find_element("id", "packet-title").text
        assert f"{len(records[k].data)} bytes, {kind}" in title
        assert browser.find_element("id", "caption-text").text == run.trace[hops[k]].summary
        layers = browser.execute_script(
            "return [...document.querySelectorAll('#tree td.layer')].map(t => t.textContent)")
        assert layers[0].startswith("Internet Protocol Version 6")
        assert layers[-1].startswith("Mobility Header: Binding")


def test_the_page_makes_no_network_request(browser, page):
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    assert resources == []
    requested = _requests(browser)
    assert (page.as_uri(), page.as_uri()) in requested  # the log does see the page load
    ours = [url for document, url in requested if document == page.as_uri()]
    assert [url for url in ours if url != page.as_uri() and not url.startswith("data:")] == []
    assert _network(requested) == []


def test_the_request_check_sees_a_page_that_reaches_out(chromium, tmp_path):
    probe = tmp_path / "probe.html"
    probe.write_text('<!DOCTYPE html><img src="http://127.0.0.1:9/probe.png">', "utf-8")
    chromium.get_log("performance")
    chromium.get(probe.as_uri())
    assert _network(_requests(chromium)) == ["http://127.0.0.1:9/probe.png"]
