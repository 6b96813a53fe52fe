"""The built book in a real browser (Debian's Chromium driven by Playwright), as a reader uses it.

The HTML is served from 127.0.0.1; every page tested must log no console error, ask no other
host for anything, and pass an axe scan with no serious or critical violation. Screenshots of
the home page and a paper page, in light and dark mode, are saved to test-artifacts/.
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import HOSTILE_NOTES, ROOT, NotesBuild, note_snippets

pytestmark = [pytest.mark.build, pytest.mark.browser]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CHAPTER_TITLES = (
    "Training systems",
    "Serving",
    "Scaling laws",
    "Mixture of experts",
    "Agents",
    "Other papers on scale",
)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def _serve(folder: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def site(built: Path) -> Iterator[str]:
    yield from _serve(built / "_build" / "html")


@pytest.fixture(scope="module")
def hostile_site(hostile_notes_built: NotesBuild) -> Iterator[str]:
    """The copy whose pages carry the hostile notes (built with --keep-going)."""
    yield from _serve(hostile_notes_built.book / "_build" / "html")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "Debian's chromium is needed (.ci/run installs it)"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


class Reader:
    """A page that records what a reader would not see: console errors, foreign requests,
    failed responses and dialogs (an ``alert`` from hostile input would be one)."""

    def __init__(self, browser, site: str, **context: object) -> None:
        self.site = site
        self.context = browser.new_context(**context)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.failed: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on(
            "request",
            lambda r: (
                None if r.url.startswith((site, "data:", "blob:")) else self.foreign.append(r.url)
            ),
        )
        self.page.on("response", lambda r: self.failed.append(r.url) if r.status >= 400 else None)
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, path: str) -> None:
        self.page.goto(f"{self.site}/{path}")
        self.page.wait_for_load_state("networkidle")

    def assert_clean(self) -> None:
        assert not self.errors, self.errors
        assert not self.foreign, self.foreign
        assert not self.failed, self.failed
        assert not self.dialogs, self.dialogs

    def assert_accessible(self) -> None:
        from axe_playwright_python.sync_playwright import Axe

        result = Axe().run(self.page)
        # Every finding, of any impact, kept as an artifact for the record and for review.
        ARTIFACTS.mkdir(exist_ok=True)
        name = self.page.url.split("/", 3)[-1].split("?")[0].replace("/", "-") or "index"
        findings = [
            {"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"])}
            for v in result.response["violations"]
        ]
        (ARTIFACTS / f"axe-{name}.json").write_text(json.dumps(findings, indent=1) + "\n")
        serious = [
            (v["id"], v["impact"], len(v["nodes"]))
            for v in result.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not serious, serious

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def reader(browser, site) -> Iterator[Reader]:
    reader = Reader(browser, site, viewport={"width": 1280, "height": 900})
    yield reader
    reader.close()


PAGES = [
    "intro.html",
    "training-systems/index.html",
    "training-systems/loongtrain.html",
    "notebooks/overview.html",
    "notebooks/claims.html",
    "notebooks/papers.html",
    "tags.html",
    "bibliography.html",
    "whats-new.html",
    "notebooks/landscape.html",
    "search.html?q=LoongTrain",
]


@pytest.mark.parametrize("path", PAGES)
def test_page_is_clean_offline_and_accessible(reader: Reader, path: str) -> None:
    reader.open(path)
    reader.assert_clean()  # before axe, which fetches stylesheets itself
    reader.assert_accessible()


def test_home_lists_the_six_chapters_and_leads_to_a_paper(reader: Reader) -> None:
    reader.open("intro.html")
    main = reader.page.locator("main")
    for title in CHAPTER_TITLES:
        assert main.get_by_role("link", name=title).count() >= 1, title
    main.get_by_role("link", name="Training systems").first.click()
    reader.page.wait_for_load_state()
    assert reader.page.url.endswith("training-systems/index.html")
    reader.page.locator("main .sd-card", has_text="LoongTrain: Efficient").first.click()
    reader.page.wait_for_load_state()
    assert reader.page.url.endswith("training-systems/loongtrain.html")
    abstract = reader.page.locator("main .paper-abstract").inner_text()
    assert "Double-Ring-Attention" in abstract
    reader.assert_clean()


def test_related_papers_lead_to_their_pages(reader: Reader) -> None:
    reader.open("serving/distserve.html")
    links = reader.page.locator("main section#related-papers li a")
    assert links.count() == 5
    title = links.first.inner_text()
    links.first.click()
    reader.page.wait_for_load_state()
    assert reader.page.locator("main h1").first.inner_text().rstrip("#").strip() == title
    assert reader.page.url.split("/")[-2] == "serving"  # DistServe's nearest is a serving paper
    reader.assert_clean()


def test_search_finds_a_paper_by_a_word_of_its_title(reader: Reader) -> None:
    reader.open("search.html?q=LoongTrain")
    results = reader.page.locator("#search-results a")
    results.first.wait_for(timeout=15000)
    hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
    assert any("loongtrain" in (href or "") for href in hrefs), hrefs


def test_interactive_table_sorts_and_filters(reader: Reader) -> None:
    reader.open("notebooks/claims.html")
    table = reader.page.locator("table[id^=itables_]").first
    table.locator("tbody tr").first.wait_for()
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    column = headers.index("Metric") + 1
    table.locator("thead th", has_text="Metric").click()
    reader.page.wait_for_timeout(300)
    metrics = [
        m.strip() for m in table.locator(f"tbody tr td:nth-child({column})").all_inner_texts()
    ]
    assert metrics == sorted(metrics, key=str.casefold)
    reader.page.locator("div.dt-search input, .dataTables_filter input").first.fill("GPUs")
    reader.page.wait_for_timeout(300)
    rows = table.locator("tbody tr").all_inner_texts()
    assert rows and all("GPUs" in row for row in rows)
    reader.assert_clean()


def test_tags_lead_to_the_tag_page_and_the_filter_page_filters(reader: Reader) -> None:
    reader.open("training-systems/loongtrain.html")
    reader.page.locator("main .notes-tags a", has_text="long-context").click()
    reader.page.wait_for_load_state()
    assert reader.page.url.endswith("tags.html#tag-long-context")
    assert reader.page.locator("section#tag-long-context a", has_text="LoongTrain").count() == 1
    reader.open("notebooks/papers.html")
    table = reader.page.locator("table[id^=itables_]").first
    table.locator("tbody tr").first.wait_for()
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    column = headers.index("Chapter")
    table.locator("tfoot input").nth(column).press_sequentially("Agents")
    reader.page.wait_for_timeout(300)
    chapters = table.locator(f"tbody tr td:nth-child({column + 1})").all_inner_texts()
    assert chapters and set(chapters) == {"Agents"}
    reader.assert_clean()


def test_hostile_input_runs_nothing_in_the_browser(reader: Reader, built: Path) -> None:
    from notes.catalog import load

    frame = load(built)
    hostile = frame[frame["path"].map(lambda p: "hostile" in str(p) or "script" in p.stem)]
    slugs = ["script-alert-t-script-title", "heading", "unicode-emoji", "rocket-rocket-rocket"]
    docnames = [d for d in frame["docname"] if d.split("/")[-1] in slugs]
    assert len(docnames) == 4, (docnames, len(hostile))
    for docname in docnames:
        reader.open(f"{docname}.html")
        reader.page.wait_for_timeout(200)
        assert (
            reader.page.evaluate("() => document.querySelectorAll('main img[onerror]').length") == 0
        )
        links = reader.page.evaluate("() => [...document.querySelectorAll('a')].map(a => a.href)")
        assert not [href for href in links if href.startswith("javascript:")]
    reader.assert_clean()  # no dialog opened, no error, nothing fetched elsewhere


# Every element of the notes is clicked, hovered and focused: a handler that survived would run.
PROD_EVERY_ELEMENT = """() => {
    const found = document.querySelectorAll('main section#key-ideas *');
    for (const element of found) {
        for (const type of ['click', 'mouseover', 'mouseenter', 'focus', 'error', 'load']) {
            element.dispatchEvent(new Event(type, {bubbles: true}));
        }
    }
    return found.length;
}"""
LIVE_CONTENT = """() => ({
    handlers: [...document.querySelectorAll('*')].filter(
        e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
    scripts: [...document.scripts].filter(s => s.textContent.includes('alert(')).length,
    frames: document.querySelectorAll('main iframe, main object, main embed').length,
    styles: document.querySelectorAll('main style').length,
    jsLinks: [...document.querySelectorAll('a')].filter(
        a => /^(javascript|data|vbscript):/i.test(a.getAttribute('href') || '')).length,
})"""


@pytest.mark.parametrize("snippet", note_snippets(HOSTILE_NOTES), ids=lambda p: p.stem)
def test_hostile_notes_run_nothing_in_the_browser(
    browser, hostile_site: str, hostile_notes_built: NotesBuild, snippet: Path
) -> None:
    page_path, _ = hostile_notes_built.placed[snippet.stem]
    docname = page_path.relative_to(hostile_notes_built.book).with_suffix("").as_posix()
    reader = Reader(browser, hostile_site, viewport={"width": 1280, "height": 900})
    try:
        reader.open(f"{docname}.html")
        assert reader.page.locator("main section#key-ideas pre").count() >= 1  # shown as text
        assert reader.page.evaluate(PROD_EVERY_ELEMENT) > 0
        reader.page.wait_for_timeout(200)
        assert reader.page.evaluate(LIVE_CONTENT) == {
            "handlers": 0,
            "scripts": 0,
            "frames": 0,
            "styles": 0,
            "jsLinks": 0,
        }
        assert reader.page.locator("main").is_visible()  # no style sheet hid the page
        reader.assert_clean()  # no dialog, no error, nothing fetched from another host
    finally:
        reader.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots_of_home_and_paper_page(browser, site: str, scheme: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    reader = Reader(browser, site, viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    try:
        for path, name in [
            ("intro.html", "home"),
            ("serving/distserve.html", "paper"),
            ("notebooks/claims.html", "claims"),
            ("notebooks/landscape.html", "landscape"),
        ]:
            reader.open(path)
            assert reader.page.evaluate("() => document.documentElement.dataset.theme") == scheme
            reader.page.screenshot(path=str(ARTIFACTS / f"{name}-{scheme}.png"), full_page=True)
        reader.assert_clean()
    finally:
        reader.close()


# Site search entries: the theme's search fields and buttons in the header bar, the sidebar and
# the article's header (the search page's own query box, in its .bd-search-container, and boxes
# in the content, such as a table's filter, are not).
SEARCH_ENTRIES = (
    ":is(.search-button__button, form.bd-search input[type=search], #searchbox input)"
    ":not(article *, .bd-search-container *)"
)


@pytest.mark.parametrize("path", PAGES)
def test_one_visible_search_entry_and_no_empty_header(reader: Reader, path: str) -> None:
    for width in (1280, 400):  # the sidebar's field; on a phone, the article header's button
        reader.page.set_viewport_size({"width": width, "height": 900})
        reader.open(path)
        visible = [e for e in reader.page.locator(SEARCH_ENTRIES).all() if e.is_visible()]
        shown = [e.evaluate("e => e.outerHTML.slice(0, 120)") for e in visible]
        assert len(visible) == 1, (width, shown)
        header = reader.page.locator("#pst-header")
        assert header.count() == 0 or not header.inner_text().strip()
        assert header.count() == 0 or (header.bounding_box() or {"height": 0})["height"] == 0


# Screen position and data of the map's most isolated point (no other point under the
# pointer), from Bokeh's views.
LONE_POINT = """() => {
  const view = Object.values(Bokeh.index)[0];
  const box = view.canvas_view.el.getBoundingClientRect();
  const points = [];
  for (const r of view.renderer_views.values()) {
    if (!r.glyph || !r.glyph.sx) continue;
    const data = r.model.data_source.data;
    r.glyph.sx.forEach((x, i) => points.push({x: box.left + x, y: box.top + r.glyph.sy[i],
      title: data.title[i], url: data.url[i]}));
  }
  const gap = p => Math.min(...points.filter(q => q !== p)
    .map(q => Math.hypot(p.x - q.x, p.y - q.y)));
  return points.reduce((best, p) => gap(p) > gap(best) ? p : best);
}"""


def test_map_hover_names_a_paper_and_a_click_opens_its_page(reader: Reader) -> None:
    reader.open("notebooks/landscape.html")
    reader.page.locator("main div.notes-map").scroll_into_view_if_needed()
    reader.page.wait_for_function("() => window.Bokeh && Object.keys(Bokeh.index).length > 0")
    point = reader.page.evaluate(LONE_POINT)
    reader.page.mouse.move(point["x"], point["y"])
    tip = reader.page.locator(".notes-map-tip", has_text=point["title"])
    tip.first.wait_for(timeout=5000)
    text = tip.first.inner_text()
    assert point["title"] in text and len(text) > len(point["title"]) + 20  # chapter, summary
    reader.page.mouse.click(point["x"], point["y"])
    reader.page.wait_for_url(f"**/{point['url'].removeprefix('../')}")
    reader.page.wait_for_load_state("networkidle")
    assert reader.page.locator("main h1").first.inner_text().rstrip("#").strip() == point["title"]
    reader.assert_clean()  # nothing fetched from another host, no console error


def test_map_legend_hides_and_shows_a_chapter(reader: Reader) -> None:
    reader.open("notebooks/landscape.html")
    reader.page.wait_for_function("() => window.Bokeh && Object.keys(Bokeh.index).length > 0")
    visible = """() => [...Object.values(Bokeh.index)[0].renderer_views.values()]
        .filter(r => r.glyph).map(r => r.model.visible)"""
    assert all(reader.page.evaluate(visible))
    legend = reader.page.evaluate(
        """() => { const v = Object.values(Bokeh.index)[0];
        const box = v.canvas_view.el.getBoundingClientRect();
        const legend = [...v.renderer_views.values()].find(r => r.model.type === "Legend");
        const bbox = legend.bbox;
        return {x: box.left + bbox.x + 30, y: box.top + bbox.y + 20}; }"""
    )
    reader.page.mouse.click(legend["x"], legend["y"])
    reader.page.wait_for_timeout(300)
    assert reader.page.evaluate(visible).count(False) == 1
    reader.page.mouse.click(legend["x"], legend["y"])
    reader.page.wait_for_timeout(300)
    assert all(reader.page.evaluate(visible))
    reader.assert_clean()
