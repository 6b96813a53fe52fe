"""The strict `jb build` of a copy of the book, inspected in its HTML.

One clean build (with the hostile fixture listing imported) serves every test here; the tests
that add or edit a page and rebuild incrementally get that book through ``changing_built``,
which puts it back as built when they end.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

import pytest
from bs4 import BeautifulSoup

from notes.catalog import load
from notes.cli import main
from notes.glance import reader_summary
from notes.listing import normalise_title, parse_listing
from notes.pages import load_pages

from .conftest import BOOK, HOSTILE, SEED, copy_project, jb_build, page_count

pytestmark = pytest.mark.build


def _html(book: Path, docname: str) -> BeautifulSoup:
    return BeautifulSoup(
        (book / "_build" / "html" / f"{docname}.html").read_text("utf-8"), "html.parser"
    )


def _abstract_text(page: BeautifulSoup) -> str:
    paragraphs = page.select("div.paper-abstract > p:not(.admonition-title)")
    assert len(paragraphs) == 1
    return paragraphs[0].get_text()


def _pages_by_title(book: Path) -> dict[str, str]:
    frame = load(book)
    return dict(zip(frame["title"].map(normalise_title), frame["docname"], strict=True))


@pytest.mark.parametrize("listing", [SEED, HOSTILE], ids=["seed", "hostile"])
def test_every_abstract_and_title_appears_verbatim(built: Path, listing: Path) -> None:
    docnames = _pages_by_title(built)
    for paper in parse_listing(listing):
        page = _html(built, docnames[normalise_title(paper.title)])
        assert _abstract_text(page) == paper.abstract, paper.title
        assert page.find("h1").get_text().rstrip("#") == paper.title
        assert page.title.get_text().startswith(paper.title + " ")


def test_hostile_input_stays_inert(built: Path) -> None:
    docnames = _pages_by_title(built)
    for paper in parse_listing(HOSTILE):
        page = _html(built, docnames[normalise_title(paper.title)])
        # The whole document: theme templates outside <main> print the title too.
        assert not [s for s in page.find_all("script") if "alert(" in s.get_text()]
        assert not page.select("[onerror], [onclick], [onload]")
        assert not page.select('a[href^="javascript:"]')
        assert not page.select("main .math")
        assert not page.find("projektor")


def test_overview_lists_and_links_every_paper(built: Path) -> None:
    overview = _html(built, "notebooks/overview")
    hrefs = {a["href"].split("#")[0] for a in overview.select("main a[href]")}
    frame = load(built)
    assert len(frame) == page_count(BOOK) + len(parse_listing(HOSTILE))
    for docname in frame["docname"]:
        assert f"../{docname}.html" in hrefs, docname
    assert overview.select("main img"), "the bar chart is missing"


def test_progress_page_counts_statuses_and_links_every_stub(built: Path) -> None:
    progress = _html(built, "notebooks/progress")
    frame = load(built)
    hrefs = {a["href"] for a in progress.select("main a[href]")}
    for row in frame.itertuples():
        linked = f"../{row.docname}.html" in hrefs
        assert linked == (row.status == "stub"), row.docname
    assert "All chapters" in progress.get_text()


@pytest.mark.parametrize("notebook", ["claims", "scale", "landscape", "benchmarks"])
def test_analysis_pages_have_offline_interactive_tables_linking_papers(
    built: Path, notebook: str
) -> None:
    raw = (built / "_build" / "html" / "notebooks" / f"{notebook}.html").read_text("utf-8")
    page = BeautifulSoup(raw, "html.parser")
    assert page.select("main table[id^=itables_]"), "no interactive table"
    assert not page.select('main script[src^="http"], main link[href^="http"][rel="stylesheet"]')
    # Table data is embedded as JSON: links to paper pages appear escaped in it.
    assert re.search(
        r'href=\\?"\.\./(training-systems|serving|scaling-laws|moe|agents|other)/', raw
    )
    if notebook in ("claims", "scale", "landscape"):
        assert page.select("main img"), "the plot is missing"


def test_every_page_shows_its_at_a_glance_block(built: Path) -> None:
    for docname in load(built)["docname"]:
        page = _html(built, docname)
        assert page.select_one("main .notes-glance"), docname


def test_chapter_pages_list_their_papers(built: Path) -> None:
    frame = load(built)
    for chapter, group in frame.groupby("chapter", observed=True):
        page = _html(built, f"{chapter}/index")
        links = {a["href"].split("#")[0] for a in page.select("main a[href]")}
        for slug in group["slug"]:
            assert f"{slug}.html" in links, (chapter, slug)


def test_home_page_names_the_six_chapters(built: Path) -> None:
    text = _html(built, "intro").get_text()
    for title in ("Training systems", "Serving", "Scaling laws", "Mixture of experts", "Agents"):
        assert title in text


def test_incremental_build_refreshes_the_notebooks(changing_built: Path, tmp_path: Path) -> None:
    """A page added after the first build shows in every table, and on the "Related papers"
    list of an untouched page whose abstract it shares."""
    before = (changing_built / "training-systems" / "loongtrain.md").read_bytes()
    abstract = next(p.abstract for p in parse_listing(SEED) if p.title.startswith("LoongTrain"))
    listing = tmp_path / "new.txt"
    title = "Freshness Probe: A Paper Added After The First Build"
    listing.write_text(
        f"{title}\n{abstract} It is faster than the baseline by 3x in our experiments.\n",
        encoding="utf-8",
    )
    assert main(["import", str(listing), "--book", str(changing_built)]) == 0
    result = jb_build(changing_built)  # incremental: no --all
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    overview = _html(changing_built, "notebooks/overview").get_text()
    assert title in overview
    claims = (changing_built / "_build" / "html" / "notebooks" / "claims.html").read_text("utf-8")
    assert title in claims and "3x" in claims
    assert (changing_built / "training-systems" / "loongtrain.md").read_bytes() == before
    nearest_text, _ = _related_links(changing_built, "training-systems/loongtrain")[0]
    assert nearest_text == title
    added = _html(changing_built, "whats-new").select_one("main section#papers-added")
    assert title in added.get_text()


def test_a_rebuild_with_nothing_changed_reads_and_writes_no_page(changing_built: Path) -> None:
    """What's new is re-read only when what it lists changes (its dates come from git)."""
    result = jb_build(changing_built)
    log = ANSI.sub("", result.stdout + result.stderr)
    assert result.returncode == 0, log[-3000:]
    assert "0 added, 0 changed, 0 removed" in log or "no targets are out of date" in log, log
    assert "reading sources... [" not in log and "writing output... [" not in log, log


def test_each_page_cites_its_paper_and_the_bib_is_downloadable(built: Path) -> None:
    papers = page_count(BOOK) + len(parse_listing(HOSTILE))
    bibliography = _html(built, "bibliography")
    entries = bibliography.select("main div.citation, main dl.citation > dt, main .citation")
    assert len({e.get("id") for e in entries if e.get("id")}) >= papers
    downloads = list((built / "_build" / "html" / "_downloads").glob("*/references.bib"))
    assert len(downloads) == 1 and downloads[0].read_text().count("@misc{") == papers
    page = _html(built, "training-systems/loongtrain")
    cite = page.select_one("main a[href^='../bibliography.html#']")
    assert cite is not None
    assert "@misc{Gu2024loongtrain," in page.select_one("main details.sd-dropdown").get_text()


def test_stub_pages_invite_notes_and_reviewed_pages_do_not(built: Path) -> None:
    stub = _html(built, "training-systems/loongtrain")
    banner = stub.select_one("main .notes-stub")
    assert banner is not None and banner.find("a")["href"] == "../contributing.html"
    assert _html(built, "serving/distserve").select_one("main .notes-stub") is None


def test_internal_links_and_anchors_resolve(built: Path) -> None:
    """Every relative link in the built HTML points at a file that exists, and every
    #fragment at an id on that page. External links are not fetched."""
    html_root = built / "_build" / "html"
    ids: dict[Path, set[str]] = {}

    def ids_of(path: Path) -> set[str]:
        if path not in ids:
            page = BeautifulSoup(path.read_text("utf-8"), "html.parser")
            ids[path] = {tag["id"] for tag in page.find_all(id=True)}
        return ids[path]

    broken = []
    pages = [p for p in html_root.rglob("*.html") if p.relative_to(html_root).parts[0][0] != "_"]
    assert len(pages) > len(load(built))
    for source in sorted(pages):  # _static/ holds theme templates, not pages
        page = BeautifulSoup(source.read_text("utf-8"), "html.parser")
        for tag in page.find_all(["a", "link", "script", "img"]):
            url = tag.get("href") or tag.get("src")
            if not url or re.match(r"^[a-z][a-z0-9+.-]*:", url) or url.startswith("//"):
                continue  # external, mailto:, javascript: (none expected), data:
            target, _, fragment = url.partition("#")
            path = (source.parent / target.split("?")[0]).resolve() if target else source
            if not path.exists():
                broken.append(f"{source.relative_to(html_root)} -> {url}")
            elif fragment and path.suffix == ".html" and fragment not in ids_of(path):
                broken.append(f"{source.relative_to(html_root)} -> {url} (no such anchor)")
    assert not broken, "\n".join(broken[:30])


def test_papers_json_indexes_every_paper(built: Path) -> None:
    records = json.loads((built / "_build" / "html" / "papers.json").read_text("utf-8"))
    frame = load(built)
    assert len(records) == len(frame)
    for record in records:
        assert {"title", "slug", "chapter", "tags", "arxiv", "url", "related"} <= set(record)
        assert (built / "_build" / "html" / record["url"]).exists()
        assert len(record["related"]) == 5
        assert f"{record['chapter']}/{record['slug']}" not in record["related"]


def _related_links(book: Path, docname: str) -> list[tuple[str, str]]:
    """(link text, target docname) of each entry of a page's "Related papers" section."""
    page = _html(book, docname)
    section = page.select_one("main section#related-papers")
    assert section is not None, docname
    base = (book / "_build" / "html" / docname).parent
    return [
        (
            a.get_text(),
            (base / a["href"])
            .resolve()
            .relative_to((book / "_build" / "html").resolve())
            .with_suffix("")
            .as_posix(),
        )
        for a in section.select("li a")
    ]


def test_every_paper_page_lists_five_related_papers_by_title(built: Path) -> None:
    frame = load(built)
    titles = dict(zip(frame["docname"], frame["title"], strict=True))
    for docname in frame["docname"]:
        links = _related_links(built, docname)
        assert len(links) == 5, docname
        for text, target in links:
            assert target in titles and target != docname
            assert text == titles[target]
    # Serving papers are nearest to serving papers: the list is about the page's subject.
    assert all(t.startswith("serving/") for _, t in _related_links(built, "serving/distserve"))


def test_tags_page_and_tags_on_paper_pages(built: Path) -> None:
    tags_page = _html(built, "tags")
    frame = load(built)
    for row in frame.itertuples():
        page = _html(built, row.docname)
        shown = [a.get_text() for a in page.select("main .notes-tags a")]
        assert shown == list(row.tags), row.docname
        for tag in row.tags:
            section = tags_page.select_one(f"section#tag-{tag}")
            assert section is not None, tag
            assert f"{row.docname.split('/')[-1]}.html" in str(section)


def test_all_papers_page_filters_by_column(built: Path) -> None:
    raw = (built / "_build" / "html" / "notebooks" / "papers.html").read_text("utf-8")
    assert "column_filters" in raw or "footer" in raw
    frame = load(built)
    for docname in frame["docname"]:
        assert f"../{docname}.html" in raw.replace('\\"', '"').replace("\\/", "/")


# The incremental builds below change the shared book, and put it back when they end.
EXECUTED = re.compile(r"notebooks/(\w+)\.ipynb: Executed notebook")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _rebuild(book: Path) -> set[str]:
    """An incremental strict build; the notebooks it executed."""
    result = jb_build(book)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    return set(EXECUTED.findall(log))


def _set_front_matter(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    front_end = text.index("\n---", 3)
    assert old in text[:front_end], path
    path.write_text(text[:front_end].replace(old, new, 1) + text[front_end:], "utf-8")


def test_editing_note_prose_executes_no_notebook(changing_built: Path) -> None:
    page = changing_built / "serving" / "distserve.md"
    sentence = "A sentence a contributor added to the TL;DR."
    page.write_text(
        page.read_text("utf-8").replace("## TL;DR\n", f"## TL;DR\n\n{sentence}\n", 1), "utf-8"
    )
    assert _rebuild(changing_built) == set()
    assert sentence in _html(changing_built, "serving/distserve").get_text()


def test_a_status_change_executes_only_the_tables_that_show_status(changing_built: Path) -> None:
    stub = load(changing_built, fields=["status"]).query("status == 'stub'").iloc[0]
    _set_front_matter(stub["path"], "status: stub", "status: draft")
    assert _rebuild(changing_built) == {"overview", "progress"}
    progress = _html(changing_built, "notebooks/progress")
    assert f"../{stub['docname']}.html" not in {a["href"] for a in progress.select("main a")}
    chapter = _html(changing_built, f"{stub['chapter']}/index")
    card = next(c for c in chapter.select("main .sd-card") if f"{stub['slug']}.html" in str(c))
    assert "draft" in card.select_one(".sd-card-footer").get_text()


def test_a_tag_change_executes_only_the_tables_that_show_tags(changing_built: Path) -> None:
    page = changing_built / "training-systems" / "megascale.md"
    tags = load(changing_built, fields=["tags"]).set_index("slug").loc["megascale", "tags"]
    assert "benchmark" not in tags
    _set_front_matter(page, "  - fault-tolerance\n", "  - fault-tolerance\n  - benchmark\n")
    assert _rebuild(changing_built) == {"papers", "landscape"}
    assert "megascale.html" in str(
        _html(changing_built, "tags").select_one("section#tag-benchmark")
    )
    shown = [
        a.get_text()
        for a in _html(changing_built, "training-systems/megascale").select("main .notes-tags a")
    ]
    at = list(tags).index("fault-tolerance") + 1
    assert shown == [*tags[:at], "benchmark", *tags[at:]]


@pytest.mark.parametrize("workers", [0, 1], ids=["side-by-side", "myst-nb-serial"])
def test_a_failing_notebook_fails_the_strict_build(tmp_path: Path, workers: int) -> None:
    """Whether the kernels run side by side (notes.execute) or one by one in myst-nb, an
    exception in a notebook fails `jb build -W` and its traceback is kept."""
    import nbformat

    book = copy_project(tmp_path)
    config = tmp_path / "_config.yml"
    config.write_text(
        config.read_text("utf-8").replace(
            "    notes_bibliography: references.bib\n",
            f"    notes_bibliography: references.bib\n    notes_execute_workers: {workers}\n",
        ),
        "utf-8",
    )
    path = tmp_path / "notebooks" / "progress.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell('raise RuntimeError("a broken table")'))
    nbformat.write(notebook, path)
    result = jb_build(book)
    log = result.stdout + result.stderr
    assert result.returncode != 0
    assert "progress.ipynb" in log and "Executing notebook failed" in log
    report = book / "_build" / "html" / "reports" / "notebooks" / "progress.err.log"
    assert "a broken table" in report.read_text("utf-8")


BASE_URL = "https://scaling-notes.github.io/scaling-notes/"  # html.baseurl in _config.yml


def _added_in_tests(book: Path) -> dict[str, str]:
    """Docname -> title of the pages this session's imports created (they carry ``added``;
    a copy of the book has no git history to date the others)."""
    return {p.docname: p.title for p in load_pages(book) if p.data.get("added")}


def test_feed_is_valid_atom_and_its_newest_entry_is_a_page_added_here(built: Path) -> None:
    import feedparser

    parsed = feedparser.parse((built / "_build" / "html" / "feed.xml").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    added = _added_in_tests(built)
    assert len(added) >= 4  # the hostile listing's pages
    links = {f"{BASE_URL}{doc}.html": title for doc, title in added.items()}
    newest = parsed.entries[0]
    assert newest.link in links and newest.title == f"New paper: {links[newest.link]}"
    assert {e.link for e in parsed.entries} == set(links)  # undated pages are left out
    assert all(e.category and e.summary for e in parsed.entries)
    stamps = [e.updated_parsed for e in parsed.entries]
    assert stamps == sorted(stamps, reverse=True)


def test_sitemap_lists_every_built_page_and_robots_points_to_it(built: Path) -> None:
    html_root = built / "_build" / "html"
    tree = ElementTree.parse(html_root / "sitemap.xml")
    listed = {loc.text for loc in tree.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    built_pages = {
        f"{BASE_URL}{p.relative_to(html_root).as_posix()}"
        for p in html_root.rglob("*.html")
        if p.relative_to(html_root).parts[0][0] != "_"
        and p.name not in ("genindex.html", "search.html")
        and p.relative_to(html_root).as_posix() != "index.html"  # a redirect to intro.html
    }
    assert listed == built_pages
    robots = (html_root / "robots.txt").read_text("utf-8").splitlines()
    assert f"Sitemap: {BASE_URL}sitemap.xml" in robots


def _meta(page: BeautifulSoup, name: str) -> str | None:
    tag = page.find("meta", attrs={"property": name}) or page.find("meta", attrs={"name": name})
    return tag["content"] if tag else None


@pytest.mark.parametrize("docname", ["serving/distserve", "training-systems/loongtrain"])
def test_paper_pages_preview_their_title_and_summary(built: Path, docname: str) -> None:
    page_data = next(p for p in load_pages(built) if p.docname == docname)
    page = _html(built, docname)
    assert _meta(page, "og:title") == page_data.title
    summary = reader_summary(page_data.data, page_data.abstract)[0]
    assert _meta(page, "og:description") == summary
    assert _meta(page, "description") == summary
    assert _meta(page, "og:url") == f"{BASE_URL}{docname}.html"
    assert _meta(page, "og:image") == f"{BASE_URL}_static/site-card.png"
    assert _meta(page, "twitter:card") == "summary"
    assert (built / "_build" / "html" / "_static" / "site-card.png").exists()


def test_hostile_titles_preview_as_written(built: Path) -> None:
    for docname, title in _added_in_tests(built).items():
        assert _meta(_html(built, docname), "og:title") == title, docname


def test_every_page_advertises_the_feed_and_home_links_it(built: Path) -> None:
    html_root = built / "_build" / "html"
    pages = [p for p in html_root.glob("*/*.html") if not p.parent.name.startswith("_")]
    for path in [*sorted(pages)[:40], html_root / "intro.html"]:
        page = BeautifulSoup(path.read_text("utf-8"), "html.parser")
        alternate = page.find("link", rel="alternate", type="application/atom+xml")
        assert alternate is not None, path
        assert (path.parent / alternate["href"]).resolve() == html_root / "feed.xml"
    home = _html(built, "intro")
    hrefs = {a["href"] for a in home.select("main a[href]")}
    assert {"feed.xml", "whats-new.html"} <= hrefs


def test_whats_new_lists_added_pages_with_dates(built: Path) -> None:
    page = _html(built, "whats-new")
    added = page.select_one("main section#papers-added")
    assert added is not None
    today = datetime.now(UTC).date().isoformat()
    items = added.select("li")
    assert 4 <= len(items) <= 30
    for doc in _added_in_tests(built):
        item = next(li for li in items if li.find("a", href=f"{doc}.html"))
        assert item.get_text().startswith(today)
    assert page.select_one("main section#notes-changed li") is not None


def test_the_map_loads_bokeh_once_from_the_book(built: Path) -> None:
    html_root = built / "_build" / "html"
    scripts = [s["src"] for s in _html(built, "notebooks/landscape").find_all("script", src=True)]
    bokeh = [s for s in scripts if "bokeh" in s]
    assert len(bokeh) == 1 and bokeh[0].startswith("../_static/bokeh-")
    assert (html_root / "notebooks" / bokeh[0].split("?")[0]).resolve().exists()
    assert _html(built, "notebooks/landscape").select_one("main div.notes-map") is not None
    assert "bokeh" not in (html_root / "serving" / "distserve.html").read_text("utf-8")
