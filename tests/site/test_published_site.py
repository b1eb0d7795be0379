"""The published asv site renders in a real browser (Debian's headless Chromium via selenium).

Serves the html directory (``ASV_HTML_DIR``, default the repository's ``html/``) over
http.server on 127.0.0.1 and checks, as a reader would see it: the benchmark list fills, one
benchmark's graph draws pixels on its canvas, and the browser console shows no error. A
screenshot of each view goes to ``test-artifacts/``. Locally the test skips when there is no
site or no browser; in CI (``CI`` or ``BANKING_REQUIRE_SERVICES`` set) it fails instead.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTML_DIR = Path(os.environ.get("ASV_HTML_DIR", ROOT / "html"))
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", ROOT / "test-artifacts"))
PREFERRED_BENCHMARK = "generators.Generate.time_generate_batch"
TIMEOUT_S = 30
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,900",
)


def _in_ci() -> bool:
    return bool(os.environ.get("CI")) or os.environ.get("BANKING_REQUIRE_SERVICES") == "1"


def _unavailable(reason: str) -> None:
    if _in_ci():
        pytest.fail(reason)
    pytest.skip(reason)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site_url() -> Iterator[str]:
    if not (HTML_DIR / "index.html").is_file():
        _unavailable(f"no published site at {HTML_DIR} (run asv publish; set ASV_HTML_DIR)")
    handler = functools.partial(_QuietHandler, directory=str(HTML_DIR))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _unavailable("selenium is not installed (pip install selenium)")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        _unavailable("Chromium or chromedriver missing (apt-get install chromium chromium-driver)")
    profile = tempfile.mkdtemp(prefix="site-test-chromium-")
    options = Options()
    options.binary_location = chromium
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    driver.set_page_load_timeout(TIMEOUT_S)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _wait(driver: object, condition, message: str) -> object:
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, TIMEOUT_S).until(condition)
    except TimeoutException:
        _screenshot(driver, "failure")
        pytest.fail(message)


def _screenshot(driver: object, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"site-{name}.png"
    driver.save_screenshot(str(path))
    return path


def _console_errors(driver: object) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def _benchmark_to_show() -> str:
    index = json.loads((HTML_DIR / "index.json").read_text())
    names = sorted(index["benchmarks"])
    assert names, "the published site lists no benchmarks"
    return PREFERRED_BENCHMARK if PREFERRED_BENCHMARK in names else names[0]


def test_benchmark_list_renders(site_url: str, browser) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{site_url}/index.html#/summarylist")
    rows = _wait(
        browser,
        lambda d: d.find_elements(By.CSS_SELECTOR, "#summarylist-body table tbody tr") or False,
        "the benchmark list did not render any row",
    )
    index = json.loads((HTML_DIR / "index.json").read_text())
    assert len(rows) >= min(len(index["benchmarks"]), 10)
    text = browser.find_element(By.ID, "summarylist-body").text
    assert _benchmark_to_show() in text
    _screenshot(browser, "list")
    assert _console_errors(browser) == []


def test_benchmark_grid_renders(site_url: str, browser) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{site_url}/index.html#/")
    tiles = _wait(
        browser,
        lambda d: (
            d.find_elements(By.CSS_SELECTOR, "#summarygrid-display .benchmark-container") or False
        ),
        "the benchmark grid did not render",
    )
    assert tiles
    _screenshot(browser, "grid")
    assert _console_errors(browser) == []


def test_a_benchmark_graph_draws(site_url: str, browser) -> None:
    from selenium.webdriver.common.by import By

    name = _benchmark_to_show()
    browser.get(f"{site_url}/index.html#{name}")
    canvas = _wait(
        browser,
        lambda d: d.find_elements(By.CSS_SELECTOR, "#main-graph canvas.flot-base") or False,
        f"no graph canvas for {name}",
    )[0]
    assert canvas.size["width"] > 100 and canvas.size["height"] > 50
    # Pixels actually drawn: axes, grid and at least one series leave non-transparent pixels.
    painted = browser.execute_script(
        "const c = arguments[0]; const d = c.getContext('2d')"
        ".getImageData(0, 0, c.width, c.height).data; let n = 0;"
        "for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; } return n;",
        canvas,
    )
    assert painted > 1_000, f"the graph canvas of {name} is (nearly) blank: {painted} pixels"
    assert name.split(".")[-1] in browser.find_element(By.ID, "title").text
    _screenshot(browser, "graph")
    assert _console_errors(browser) == []


ENGINE_BENCHMARK = "graph_load.Load.time_load"


def _series_points(name: str) -> list[list]:
    """The published graph of ``name`` on main: [revision, [value per parameter combination]]."""
    graphs = sorted((HTML_DIR / "graphs").glob(f"branch-main/**/{name}.json"))
    assert graphs, f"no published graph of {name}"
    return json.loads(graphs[0].read_text())


def test_engine_benchmarks_draw_both_engines_and_keep_tinkergraphs_history(
    site_url: str, browser
) -> None:
    """The graph benchmarks' selector offers both engines, both selected by default (asv draws
    up to 8 lines), and the TinkerGraph line carries the history from before the engine
    parameter (tools/engine_history.py)."""
    from selenium.webdriver.common.by import By

    index = json.loads((HTML_DIR / "index.json").read_text())["benchmarks"][ENGINE_BENCHMARK]
    assert index["param_names"][0] == "engine"
    assert index["params"][0] == ["'tinkergraph'", "'janusgraph'"]
    tinkergraph = [p for p in _series_points(ENGINE_BENCHMARK) if p[1] and p[1][0] is not None]
    assert len(tinkergraph) >= 90  # the history measured before issue 17

    browser.get(f"{site_url}/index.html#{ENGINE_BENCHMARK}")
    _wait(
        browser,
        lambda d: d.find_elements(By.CSS_SELECTOR, "#main-graph canvas.flot-base") or False,
        f"no graph canvas for {ENGINE_BENCHMARK}",
    )

    def engine_buttons(driver: object) -> list | bool:
        for panel in driver.find_elements(By.CSS_SELECTOR, ".panel"):
            heading = panel.find_elements(By.CSS_SELECTOR, ".panel-heading")
            if heading and heading[0].text.strip() == "engine":
                return panel.find_elements(By.CSS_SELECTOR, ".btn") or False
        return False

    buttons = _wait(browser, engine_buttons, "no engine selector on the graph page")
    assert [b.text for b in buttons] == ["tinkergraph", "janusgraph"]
    assert all("active" in b.get_attribute("class") for b in buttons)
    _screenshot(browser, "engines")
    assert _console_errors(browser) == []


def test_regressions_page_renders(site_url: str, browser) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{site_url}/index.html#/regressions")
    _wait(
        browser,
        lambda d: d.find_element(By.ID, "regressions-body").text.strip() or False,
        "the regressions page stayed empty",
    )
    _screenshot(browser, "regressions")
    assert _console_errors(browser) == []


def test_regressions_page_lists_every_jump_of_regressions_json(site_url: str, browser) -> None:
    """tools/publish_site.py rewrites regressions.json; asv's page must still render all of it."""
    from selenium.webdriver.common.by import By

    data = json.loads((HTML_DIR / "regressions.json").read_text())
    jumps = sum(len(r[6]) for r in data["regressions"])
    browser.get(f"{site_url}/index.html#/regressions")
    selector = "#regressions-body table:not(.ignored) tbody tr"
    if jumps:
        _wait(
            browser,
            lambda d: len(d.find_elements(By.CSS_SELECTOR, selector)) >= jumps or False,
            f"the regressions page shows fewer than the {jumps} jumps of regressions.json",
        )
    rows = browser.find_elements(By.CSS_SELECTOR, selector)
    assert len(rows) == jumps
    assert _console_errors(browser) == []
