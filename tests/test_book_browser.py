"""Open the built book in headless Chromium with the network cut off and check every page.

For each page in _toc.yml, at 1400 px: it loads with no failed or off-site requests, its
maths is typeset by the MathJax copy served from the site, its figures load, the sidebar
lists every chapter, display equations fit the column, every plot is a captioned figure
with alt text, printed lines fit, and only exercise pages (which say so) show tracebacks.
At 400 px (a phone) the page never scrolls sideways. Screenshots go to _build/screenshots/.

Needs the built book (`make book`) and Chromium (`make chromium`, Debian's package).
Without them the test is skipped, visibly; `.ci/run` builds the book first and sets
RNNCOURSE_BROWSER_TEST=required, which turns a skip into a failure.
"""

import functools
import http.server
import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REQUIRED = os.environ.get("RNNCOURSE_BROWSER_TEST") == "required"
# Flags that keep Chromium from phoning home (blocked here anyway, but noisy).
QUIET = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _unavailable():
    if not (HTML / "index.html").exists():
        return "the book is not built (run `make book`)"
    if CHROMIUM is None:
        return "Chromium is not installed (run `make chromium`)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    return None


def toc_pages():
    """Document names in _toc.yml order, e.g. 'chapters/intro'."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())

    def walk(entries):
        for entry in entries:
            yield entry["file"]
            yield from walk(entry.get("sections", []))

    return [toc["root"], *(page for part in toc.get("parts", [])
                           for page in walk(part["chapters"]))]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site():
    reason = _unavailable()
    if reason:
        if REQUIRED:
            pytest.fail(f"browser test required but {reason}")
        pytest.skip(reason)
    handler = functools.partial(QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser(site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=QUIET)
        yield browser
        browser.close()


def visit(browser, site, page_name, width=1400):
    """Load one page offline at ``width`` px; return (page, problems), where problems lists
    failed and off-site requests."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    problems = []

    def only_local(route):
        host = urlparse(route.request.url).hostname
        if host == "127.0.0.1":
            route.continue_()
        else:
            problems.append(f"off-site request blocked: {route.request.url}")
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} ({r.failure})"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
    page.goto(f"{site}/{page_name}.html", wait_until="load")
    page.wait_for_load_state("networkidle")
    return page, problems


def _is_exercise(page_name):
    return page_name.startswith("exercises/") and page_name != "exercises/README"


def _wait_for_maths(page):
    if page.locator(".math").count():
        page.wait_for_selector("mjx-container", state="attached", timeout=20_000)


def _check_loads_offline(page, problems):
    """Maths typeset by the site's own MathJax, figures loaded, the sidebar complete."""
    untypeset = page.evaluate(
        "() => [...document.querySelectorAll('.math')]"
        ".filter(m => !m.querySelector('mjx-container')).length")
    assert untypeset == 0, f"{untypeset} maths elements were not typeset by MathJax"
    broken = page.evaluate(
        "() => [...document.querySelectorAll('article img')]"
        ".filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
    assert not broken, f"figures that did not load: {broken}"
    links = page.evaluate(
        "() => [...document.querySelectorAll('.bd-sidebar-primary nav a')]"
        ".map(a => new URL(a.href).pathname)")
    missing = [p for p in toc_pages()[1:] if not any(h.endswith(f"/{p}.html") for h in links)]
    assert not missing, f"sidebar is missing {missing}"
    assert not problems, "\n".join(problems)


def _check_reads_well(page, page_name):
    """Display equations fit the column and clear their numbers, every plot is a captioned
    figure with a real description, printed lines fit, and tracebacks appear only on
    exercise pages, which say that they are expected."""
    too_wide = page.evaluate("""() => [...document.querySelectorAll(
          'article div.math mjx-container[display="true"]')].filter(m => {
        const box = m.closest('div.math');
        const maths = m.querySelector('mjx-math').getBoundingClientRect();
        const number = box.querySelector('span.eqno');
        const right = number ? number.getBoundingClientRect().left
                             : box.getBoundingClientRect().right;
        return maths.right > right + 1 || box.scrollWidth > box.clientWidth + 1;
      }).map(m => m.closest('div.math').id || m.textContent.slice(0, 60))""")
    assert not too_wide, f"display equations wider than the column: {too_wide}"
    images = page.evaluate("""() => [...document.querySelectorAll(
          'article .cell_output img, article figure img')].map(i => ({
        src: i.getAttribute('src'), alt: i.getAttribute('alt') || '',
        caption: !!(i.closest('figure') && i.closest('figure').querySelector('figcaption'))
      }))""")
    uncaptioned = [i["src"] for i in images if not i["caption"]]
    assert not uncaptioned, f"images without a figure caption: {uncaptioned}"
    bad_alt = [i["src"] for i in images
               if len(i["alt"]) < 15 or i["alt"].lower().endswith((".png", ".svg", ".jpg"))]
    assert not bad_alt, f"images whose alt text is missing or a file name: {bad_alt}"
    wide_output = page.evaluate("""() => [...document.querySelectorAll(
          'article div.cell_output pre')].filter(p => p.scrollWidth > p.clientWidth + 1)
          .map(p => p.textContent.slice(0, 80))""")
    assert not wide_output, f"printed output wider than the column: {wide_output}"
    numbers = page.evaluate(
        "() => [...document.querySelectorAll('article span.eqno')].map(n => n.textContent)")
    if numbers and not re.match(r"chapters/\d\d_", page_name):
        assert numbers[0].startswith("(1)"), \
            f"equation numbers on a page outside the numbered chapters start at {numbers[0]}"
    tracebacks = page.locator("article div.cell_output .traceback").count()
    if _is_exercise(page_name):
        assert page.locator("article .expected-errors").count() == 1, \
            "an exercise page must say that its errors are expected"
    else:
        assert tracebacks == 0, f"{tracebacks} tracebacks on a page that should have none"


@pytest.mark.parametrize("page_name", toc_pages())
def test_page_on_desktop_and_phone(browser, site, page_name):
    """At 1400 px the page loads offline and reads well (see the two checks); at 400 px,
    a phone, the page itself never scrolls sideways (wide content scrolls in its box).
    Screenshots of both go to _build/screenshots/."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / page_name.replace("/", "__")
    page, problems = visit(browser, site, page_name, width=1400)
    try:
        _wait_for_maths(page)
        page.screenshot(path=f"{shot}-1400.png")
        _check_loads_offline(page, problems)
        _check_reads_well(page, page_name)
    finally:
        page.context.close()
    page, _ = visit(browser, site, page_name, width=400)
    try:
        _wait_for_maths(page)
        page.screenshot(path=f"{shot}-400.png")
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"the page is {overflow} px wider than a 400 px screen"
    finally:
        page.context.close()
