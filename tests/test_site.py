"""The rendered site (``make site``) in a real browser, and the slides.

The site is built from copies of two committed notebooks, one given the outputs an executed
notebook has (a figure, an audio player, printed text), so no notebook runs here. Headless
Chromium, driven over its DevTools protocol (``websocket-client``), opens the index and a
notebook page: no console errors, no failed loads, no broken internal links or images.
Without Chromium or Chrome the browser test skips, with the reason (``.ci/run`` installs
Debian's ``chromium`` and sets ``MUSICDL_REQUIRE_BROWSER=1``, which turns the skip into a
failure).
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import nbformat
import pytest

from utils import config, publish, runner

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
SCREENSHOTS = config.repo_root() / "build"


def _browser() -> str:
    found = os.environ.get("CHROME") or next(filter(None, map(shutil.which, BROWSERS)), None)
    if found:
        return found
    reason = f"no Chromium or Chrome found (looked for {', '.join(BROWSERS)} and $CHROME)"
    if os.environ.get("MUSICDL_REQUIRE_BROWSER") == "1":
        pytest.fail(reason + ", but MUSICDL_REQUIRE_BROWSER=1 (CI) requires one")
    pytest.skip(reason)


def _executed_copy(path: Path, folder: Path) -> Path:
    """A copy of a committed notebook with the kinds of output an executed one has."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from IPython.display import Audio

    nb = nbformat.read(path, as_version=4)
    fig, ax = plt.subplots(figsize=(4, 2))
    ax.plot(np.sin(np.linspace(0, 6, 100)))
    png = io.BytesIO()
    fig.savefig(png, format="png")
    plt.close(fig)
    player = Audio(np.sin(np.arange(2205) / 5.0), rate=22050)._repr_html_()
    code = [c for c in nb.cells if c.cell_type == "code"]
    code[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="Python 3.11\n")]
    code[-1].outputs = [
        nbformat.v4.new_output(
            "display_data", data={"image/png": base64.b64encode(png.getvalue()).decode()}
        ),
        nbformat.v4.new_output("display_data", data={"text/html": player}),
        nbformat.v4.new_output(  # a tqdm progress bar, as ipywidgets saves it
            "display_data",
            data={
                "application/vnd.jupyter.widget-view+json": {"model_id": "m1", "version_major": 2},
                "text/plain": "log-mel segments: 100%|##########| 16/16",
            },
        ),
    ]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    target = folder / path.name
    nbformat.write(nb, target)
    return target


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    source = tmp_path_factory.mktemp("executed")
    for path in runner.notebooks()[:2]:
        _executed_copy(path, source)
    return publish.build_site(source, source / "site", quick=True)


def _internal_targets(page: Path) -> list[tuple[str, Path]]:
    text = page.read_text(encoding="utf-8")
    out = []
    for _attr, value in re.findall(r'(href|src)="([^"]+)"', text):
        if re.match(r"^([a-z][a-z0-9+.-]*:|#|//)", value, re.I):
            continue
        out.append((value, (page.parent / urllib.parse.unquote(value.split("#")[0])).resolve()))
    return out


@pytest.mark.slow
def test_site_has_an_index_a_page_and_slides_per_notebook_and_no_broken_links(site):
    stems = [p.stem for p in runner.notebooks()[:2]]
    assert [p.name for p in site["pages"]] == [f"{s}.html" for s in stems]
    assert [p.name for p in site["slides"]] == [f"{s}.slides.html" for s in stems]
    index = site["index"].read_text(encoding="utf-8")
    for stem in stems:
        assert f'href="notebooks/{stem}.html"' in index and f"slides/{stem}.slides.html" in index
    assert "Open in Colab" in index and "colab-badge.svg" not in index, "no remote images"
    assert "## Results" not in index and "<h2>Results" in index
    for page in [site["index"], *site["pages"], *site["slides"]]:
        broken = [value for value, target in _internal_targets(page) if not target.exists()]
        assert not broken, f"{page.name}: broken internal links {broken}"
    first = site["pages"][0].read_text(encoding="utf-8")
    assert f'href="../notebooks/{stems[1]}.html"' in first, "navigation goes to the next page"
    assert 'href="../index.html"' in first, "the README link goes to the site's index"
    assert "require.min.js" not in first and "mathjax" not in first.lower()
    assert "html-manager" not in first and "log-mel segments: 100%" in first, "no widget state"


@pytest.mark.slow
def test_slides_follow_the_cells_slide_types(site):
    deck = site["slides"][0].read_text(encoding="utf-8")
    nb = nbformat.read(runner.notebooks()[0], as_version=4)
    sections = sum(c.metadata["slideshow"]["slide_type"] == "slide" for c in nb.cells)
    # reveal.js: one top-level <section> per slide, nested ones for sub-slides
    assert deck.count("<section><section>") == sections, "one slide per title and ## section"
    assert "Python 3.11.5 or newer is required" not in deck, "the setup cells are skipped"
    assert "reveal.js" in deck


class DevTools:
    """Headless Chromium over the DevTools protocol: open pages, collect what went wrong."""

    def __init__(self, browser: str, profile: Path):
        import websocket

        args = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--window-size=1280,900",
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            "--remote-allow-origins=*",
            "about:blank",
        ]
        self.proc = subprocess.Popen(args, stderr=subprocess.PIPE, text=True)
        port, deadline = None, time.time() + 30
        while port is None and time.time() < deadline:
            line = self.proc.stderr.readline()
            if not line and self.proc.poll() is not None:
                raise RuntimeError(f"{browser} exited with code {self.proc.returncode}")
            found = re.search(r"DevTools listening on ws://[^:]+:(\d+)/", line)
            port = found and found.group(1)
        assert port, f"{browser} did not open its DevTools port within 30 s"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            target = next(t for t in json.load(r) if t["type"] == "page")
        self.ws = websocket.create_connection(target["webSocketDebuggerUrl"], timeout=30)
        self.next_id, self.events = 0, []
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                assert "error" not in msg, f"{method}: {msg['error']}"
                return msg.get("result", {})
            self.events.append(msg)

    def open(self, url: str, *, settle: float = 0.5) -> list[str]:
        """Load ``url``; return the problems: console errors, exceptions, failed loads."""
        self.events.clear()
        self.call("Page.navigate", url=url)
        deadline = time.time() + 30
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            assert time.time() < deadline, f"{url} did not finish loading in 30 s"
            self.events.append(json.loads(self.ws.recv()))
        self.call("Runtime.evaluate", expression=f"new Promise(r => setTimeout(r, {settle * 1000}))",
                  awaitPromise=True)  # fmt: skip
        urls = {
            e["params"]["requestId"]: e["params"]["request"]["url"]
            for e in self.events
            if e.get("method") == "Network.requestWillBeSent"
        }
        problems = []
        for e in self.events:
            method, p = e.get("method"), e.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = p["exceptionDetails"]
                problems.append(f"exception: {details.get('exception', {}).get('description')}")
            elif method == "Runtime.consoleAPICalled" and p["type"] in ("error", "assert"):
                problems.append(f"console.{p['type']}: {[a.get('value') for a in p['args']]}")
            elif method == "Log.entryAdded" and p["entry"]["level"] == "error":
                problems.append(f"log: {p['entry']['text']} {p['entry'].get('url', '')}")
            elif method == "Network.loadingFailed":
                problems.append(f"failed load: {urls.get(p['requestId'])} ({p['errorText']})")
        return problems

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def broken(self) -> list[str]:
        """Internal links to missing files and images that did not load, on the open page."""
        links = self.evaluate("Array.from(document.links, a => a.href)")
        images = self.evaluate(
            "Array.from(document.images, i => [i.src, i.complete && i.naturalWidth > 0])"
        )
        bad = [
            f"image {src if len(src) < 300 else src[:80] + '...'}" for src, ok in images if not ok
        ]
        for href in links:
            if href.startswith("file://"):
                path = Path(urllib.parse.unquote(urllib.parse.urlsplit(href).path))
                if not path.exists():
                    bad.append(f"link {href}")
        return bad

    def screenshot(self, path: Path) -> Path:
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self):
        with contextlib.suppress(Exception):  # the browser may already be gone
            self.call("Browser.close")
        self.ws.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def chrome(tmp_path_factory):
    pytest.importorskip("websocket", reason="websocket-client drives the browser")
    browser = DevTools(_browser(), tmp_path_factory.mktemp("chrome-profile"))
    yield browser
    browser.close()


@pytest.mark.slow
def test_site_in_a_browser(site, chrome):
    for name, page in [("index", site["index"]), ("notebook", site["pages"][0])]:
        problems = chrome.open(page.as_uri())
        assert not problems, f"{page.name}: {problems}"
        assert not chrome.broken(), f"{page.name}: {chrome.broken()}"
        shot = chrome.screenshot(SCREENSHOTS / f"site-{name}.png")
        assert shot.stat().st_size > 10_000, "the screenshot is (nearly) empty"
    title = chrome.evaluate("document.querySelector('h1').textContent")
    assert title.startswith(runner.notebooks()[0].stem[:2]), title
    images = chrome.evaluate("document.images.length")
    players = chrome.evaluate("document.querySelectorAll('audio').length")
    assert images >= 1 and players >= 1, "the page shows the figure and the player"


@pytest.mark.slow
def test_the_browser_check_sees_what_is_broken(chrome, tmp_path):
    page = tmp_path / "bad.html"
    page.write_text(
        '<html><body><a href="missing.html">x</a><img src="missing.png">'
        '<script>console.error("boom"); undefined_function();</script></body></html>'
    )
    problems = chrome.open(page.as_uri())
    text = "\n".join(problems)
    assert "console.error: ['boom']" in text
    assert "undefined_function" in text
    assert "missing.png" in text
    assert any("missing.html" in b for b in chrome.broken())
    assert any("missing.png" in b for b in chrome.broken())
