"""The interactive map of the papers on the Landscape page, drawn with Bokeh.

Each point is a paper placed by ``analysis.text_map``; hovering shows its title, chapter and
summary, a click opens its page, and the legend shows or hides a chapter. The page carries only
the map's data: Bokeh's library is served once from the book's ``_static`` folder
(``notes.sphinx_ext`` copies it there and loads it on the pages that hold a map), so the map
works offline. Bokeh was chosen over Plotly on page weight and build time (README, "The map").
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the Sphinx extension imports this module: pandas and Bokeh load on use
    import pandas as pd

# Bokeh's tooltip template: @{field} values are inserted as text, never as HTML.
TOOLTIP = """
<div class="notes-map-tip">
<div><strong>@{title}</strong></div>
<div><em>@{chapter}</em></div>
<div>@{summary}</div>
</div>
"""
MAP_CLASS = "notes-map"  # the extension loads Bokeh on a page whose HTML holds this class


def map_points(papers: pd.DataFrame, points: pd.DataFrame) -> pd.DataFrame:
    """The map's rows: ``points`` (x, y, chapter from ``text_map``) with each paper's title,
    reader's summary (or the abstract's first sentence) and the link to its page."""
    from notes.glance import reader_summary

    summaries = [
        reader_summary({"summary": s, "checked": c}, a)[0]
        for s, c, a in zip(papers["summary"], papers["checked"], papers["abstract"], strict=True)
    ]
    return points.assign(
        title=papers["title"].tolist(),
        summary=summaries,
        url=[f"../{doc}.html" for doc in papers["docname"]],
    )


def paper_map(rows: pd.DataFrame, height: int = 520):
    """A Bokeh figure with one scatter per chapter (so the legend hides chapters), a hover
    tooltip and a tap that opens the paper's page in the same tab."""
    from bokeh.models import ColumnDataSource, HoverTool, OpenURL, TapTool
    from bokeh.plotting import figure

    from notes.analysis import CHAPTER_COLOURS

    plot = figure(
        height=height,
        sizing_mode="stretch_width",
        tools="pan,wheel_zoom,box_zoom,reset",
        active_scroll=None,
        toolbar_location="above",
        title="Papers placed by the words of their titles and abstracts",
    )
    renderers = []
    for index, chapter in enumerate(dict.fromkeys(rows["chapter"])):
        part = rows[rows["chapter"] == chapter]
        source = ColumnDataSource(part[["x", "y", "title", "chapter", "summary", "url"]])
        renderers.append(
            plot.scatter(
                "x",
                "y",
                source=source,
                size=10,
                alpha=0.85,
                color=CHAPTER_COLOURS[index % len(CHAPTER_COLOURS)],
                legend_label=chapter,
                name=chapter,
            )
        )
    plot.add_tools(HoverTool(renderers=renderers, tooltips=TOOLTIP))
    plot.add_tools(TapTool(renderers=renderers, callback=OpenURL(url="@url", same_tab=True)))
    plot.legend.click_policy = "hide"
    plot.legend.location = "top_left"
    plot.legend.label_text_font_size = "9pt"
    plot.legend.background_fill_alpha = 0.8
    plot.axis.visible = False
    plot.grid.visible = False
    plot.toolbar.logo = None
    return plot


def map_html(rows: pd.DataFrame) -> str:
    """The map as a ``<div>`` and the script holding its data, without Bokeh's library."""
    from bokeh.embed import components

    script, div = components(paper_map(rows))
    return f'<div class="{MAP_CLASS}">{div}{script}</div>'


def bokeh_script() -> Path:
    """The installed Bokeh's minified library: what the book serves from ``_static``."""
    import bokeh

    return Path(bokeh.__file__).parent / "server" / "static" / "js" / "bokeh.min.js"


def bokeh_script_name() -> str:
    """The library's file name in ``_static``, versioned so a reader's cache never mixes
    a page with another release's library."""
    import bokeh

    return f"bokeh-{bokeh.__version__}.min.js"
