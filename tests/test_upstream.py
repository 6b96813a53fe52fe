"""Contracts with other packages' internals (``notes.upstream``), checked against the installed
versions: each test drives the upstream code the book relies on and fails, naming the package
and the reliance, when an upgrade changes its shape."""

from __future__ import annotations

import importlib.resources
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from bs4 import BeautifulSoup
from docutils import nodes
from docutils.core import publish_parts

from notes import upstream


def _changed(package: str, what: str) -> str:
    return f"{package} changed what notes/upstream.py relies on: {what}"


def test_myst_nb_records_execution_data_where_the_book_writes_it() -> None:
    env = SimpleNamespace()
    run = {"mtime": 1.0, "runtime": 2.5, "method": "force", "succeeded": True}
    upstream.set_exec_data(env, "notebooks/overview", run)  # type: ignore[arg-type]
    assert upstream.exec_data(env) == {"notebooks/overview": run}, _changed(  # type: ignore[arg-type]
        "myst-nb", "NbMetadataCollector.set_exec_data / get_doc_data keep exec_data per doc"
    )


def test_a_missing_myst_nb_hook_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from myst_nb.sphinx_ import NbMetadataCollector

    monkeypatch.delattr(NbMetadataCollector, "set_exec_data")
    with pytest.raises(upstream.UpstreamChanged, match=r"myst-nb changed: .*set_exec_data"):
        upstream.set_exec_data(SimpleNamespace(), "notebooks/overview", {})  # type: ignore[arg-type]


def test_book_theme_prints_the_raw_page_title_the_book_escapes() -> None:
    import sphinx_book_theme

    layout = importlib.resources.files(sphinx_book_theme) / "theme/sphinx_book_theme/layout.html"
    assert "<h1>{{ pagetitle }}</h1>" in layout.read_text("utf-8"), _changed(
        "sphinx-book-theme", "layout.html prints <h1>{{ pagetitle }}</h1> unescaped"
    )
    hostile = "<script>alert(1)</script> & more"
    env = SimpleNamespace(
        titles={"intro": nodes.title(text="Home"), "page": nodes.title(text=hostile)}
    )
    context: dict[str, Any] = {"root_doc": "intro"}
    app = SimpleNamespace(env=env, config=SimpleNamespace(author="unknown"))
    sphinx_book_theme.add_metadata_to_page(app, "page", "page.html", context, None)
    assert context.get(upstream.THEME_TITLE_KEY) == hostile, _changed(
        "sphinx-book-theme", "add_metadata_to_page sets context['pagetitle'] to the raw title"
    )
    upstream.escape_page_title(None, "page", "page.html", context, None)  # type: ignore[arg-type]
    assert context["pagetitle"] == "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"


def test_pydata_theme_writes_the_toggle_markup_the_book_fixes() -> None:
    from pydata_sphinx_theme.toctree import add_collapse_checkboxes

    soup = BeautifulSoup(
        '<ul><li class="toctree-l1"><a class="reference internal" href="a.html">A</a>'
        '<ul><li class="toctree-l2"><a class="reference internal" href="b.html">B</a></li>'
        "</ul></li></ul>",
        "html.parser",
    )
    add_collapse_checkboxes(soup)
    html = str(soup)
    assert upstream.TOGGLE_MARKUP in html, _changed(
        "pydata-sphinx-theme", f"the navigation's expand toggle is {upstream.TOGGLE_MARKUP}"
    )
    assert 'aria-label="Show or hide' in upstream.fix_markup(html)


def test_docutils_writes_the_citation_list_markup_the_book_fixes() -> None:
    source = "See [Gu2024]_.\n\n.. [Gu2024] LoongTrain.\n"
    body = publish_parts(source, writer_name="html5")["body"]
    assert upstream.CITATION_LIST_MARKUP in body, _changed(
        "docutils", f"citations are wrapped in {upstream.CITATION_LIST_MARKUP}"
    )
    assert 'role="list"' not in upstream.fix_markup(body)


class _Config(dict):
    """Sphinx's config answers both ``config["key"]`` and ``config.key``."""

    __getattr__ = dict.__getitem__


def test_thebe_scripts_are_recognised_by_their_text() -> None:
    import sphinx_thebe
    from sphinx.builders.html._assets import _JavaScript

    scripts: list[_JavaScript] = []

    def add_js_file(filename: str | None, **kwargs: Any) -> None:  # as the HTML builder does
        scripts.append(_JavaScript(f"_static/{filename}" if filename else filename, **kwargs))

    selectors = {"selector": ".thebe", "selector_input": "pre", "selector_output": ".output"}
    app = SimpleNamespace(
        config=_Config(thebe_config=_Config(always_load=False, **selectors)),
        add_js_file=add_js_file,
    )
    sphinx_thebe.init_thebe_core(app, None, [])
    assert len(scripts) == 2 and all(map(upstream.is_thebe_script, scripts)), _changed(
        "sphinx-thebe",
        f"its scripts are an inline one declaring {upstream.THEBE_CONFIG_MARKER} "
        f"and {upstream.THEBE_SCRIPT}: {[str(s) for s in scripts]}",
    )
    other = _JavaScript("_static/doctools.js")
    context: dict[str, Any] = {"script_files": [other, *scripts]}
    upstream.drop_thebe(None, "page", "page.html", context, None)  # type: ignore[arg-type]
    assert context["script_files"] == [other]


def test_cached_stemmer_stems_as_sphinx_does_and_caches() -> None:
    from sphinx.search.en import SearchEnglish

    words = ["building", "builds", "scaling", "experts", "building"]
    plain, cached = SearchEnglish({}), upstream.CachedStemEnglish({})
    assert [cached.stem(w) for w in words] == [plain.stem(w) for w in words]
    info = getattr(cached.stem, "cache_info", None)
    assert info is not None and info().hits == 1, _changed(
        "Sphinx", "SearchLanguage.__init__ calls init(options), and stem(word) is a method"
    )


def test_registered_pybtex_plugins_are_found_without_scanning_entry_points(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pybtex.plugin

    upstream.register_pybtex_plugins()

    def no_scan(**kwargs: object) -> list[object]:
        raise AssertionError(
            _changed("pybtex", "find_plugin consults register_plugin's registry first")
        )

    monkeypatch.setattr(pybtex.plugin, "entry_points", no_scan)
    for group, name in [
        ("pybtex.style.formatting", "plain"),
        (
            "pybtex.backends",
            "plaintext",
        ),  # "text" is an alias: a scan finds no canonical name first
        ("pybtex.database.input", "bibtex"),
    ]:
        assert pybtex.plugin.find_plugin(group, name).__module__.startswith("pybtex")


def test_myst_parser_keeps_the_enabled_extensions_on_the_environment(tmp_path) -> None:
    """A one-page Sphinx build with myst-parser: while pages are read, the environment says
    which MyST extensions parse them."""
    from sphinx.application import Sphinx

    (tmp_path / "conf.py").write_text(
        'extensions = ["myst_parser"]\nmyst_enable_extensions = ["dollarmath", "colon_fence"]\n',
        encoding="utf-8",
    )
    (tmp_path / "index.md").write_text("# Page\n\nText.\n", encoding="utf-8")
    seen: list[object] = []
    app = Sphinx(
        tmp_path,
        tmp_path,
        tmp_path / "_build",
        tmp_path / "_build" / ".doctrees",
        "html",
        status=None,
        warning=None,
        freshenv=True,
    )
    app.connect(
        "source-read", lambda app, docname, source: seen.append(upstream.myst_extensions(app.env))
    )
    app.build()
    assert seen and set(seen[0]) == {"dollarmath", "colon_fence"}, _changed(
        "myst-parser", "env.myst_config.enable_extensions holds myst_enable_extensions"
    )


def test_a_missing_myst_config_is_a_clear_error() -> None:
    with pytest.raises(upstream.UpstreamChanged, match=r"myst-parser changed: .*enable_extensions"):
        upstream.myst_extensions(SimpleNamespace())  # type: ignore[arg-type]


def test_sphinx_writes_in_parallel_when_app_parallel_is_set_at_the_consistency_check(
    tmp_path: Path,
) -> None:
    """Reading stays in the main process (the kernels hand their notebooks to it); pages are
    then written by forked processes, each page's HTML the same as a serial build's."""
    from sphinx.application import Sphinx

    (tmp_path / "conf.py").write_text(
        "extensions = []\n"
        "def setup(app):\n"
        "    from notes import upstream\n"
        "    app.add_config_value('notes_write_workers', 2, '')\n"
        "    app.connect('env-check-consistency', upstream.write_on_every_core)\n",
        encoding="utf-8",
    )
    pages = [f"page{n}" for n in range(8)]
    toctree = "\n".join(f"   {page}" for page in pages)
    (tmp_path / "index.rst").write_text(f"Home\n====\n\n.. toctree::\n\n{toctree}\n", "utf-8")
    for page in pages:
        (tmp_path / f"{page}.rst").write_text(f"{page}\n======\n\nText of {page}.\n", "utf-8")
    read_by: set[int] = set()

    def built(parallel_writes: bool) -> dict[str, str]:
        out = tmp_path / ("_parallel" if parallel_writes else "_serial")
        app = Sphinx(
            tmp_path,
            tmp_path,
            out,
            out / ".doctrees",
            "html",
            status=None,
            warning=None,
            freshenv=True,
            confoverrides={"notes_write_workers": 2 if parallel_writes else 1},
        )
        app.connect("source-read", lambda app, docname, source: read_by.add(os.getpid()))
        app.build()
        assert app.builder.parallel_ok is parallel_writes, _changed(
            "sphinx",
            "Builder.build decides parallel_ok from app.parallel after env-check-consistency",
        )
        return {p: (out / f"{p}.html").read_text("utf-8") for p in pages}

    assert built(True) == built(False)
    assert read_by == {os.getpid()}  # no page was read in another process
