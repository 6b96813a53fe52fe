"""Measure the candidate libraries for the Landscape page's interactive map: Bokeh and Plotly.

For the book's own papers, each library draws the same map (one trace per chapter, hover with
title, chapter and summary, a click that opens the page). Measured: the library's JavaScript
that the book would serve once (bytes, and gzipped as a web server sends it), the map's own
HTML on the page, and the notebook's added cost, importing the library and drawing the map in
a fresh interpreter (median of runs). Run: ``python benchmarks/map_library.py [--book book]``.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import subprocess
import sys
from pathlib import Path

DRAW = {
    "bokeh": """
from notes.landscape import map_html
html = map_html(rows)
""",
    "plotly": """
import plotly.graph_objects as go
fig = go.Figure()
for chapter in dict.fromkeys(rows["chapter"]):
    part = rows[rows["chapter"] == chapter]
    fig.add_trace(go.Scatter(
        x=part["x"], y=part["y"], mode="markers", name=chapter,
        customdata=part[["title", "chapter", "summary", "url"]].values,
        hovertemplate="<b>%{customdata[0]}</b><br><i>%{customdata[1]}</i><br>%{customdata[2]}"
        "<extra></extra>"))
html = fig.to_html(full_html=False, include_plotlyjs=False, div_id="notes-map",
    post_script="document.getElementById('notes-map').on('plotly_click', "
    "e => { location.href = e.points[0].customdata[3]; });")
""",
}
SETUP = """
import pickle, sys, time
rows = pickle.load(open(sys.argv[1], "rb"))
start = time.perf_counter()
{draw}
import gzip
data = html.encode()
print(time.perf_counter() - start, len(data), len(gzip.compress(data)))
"""


def library_js(name: str) -> Path:
    if name == "bokeh":
        from notes.landscape import bokeh_script

        return bokeh_script()
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--book", type=Path, default=Path("book"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import pickle
    import tempfile

    from notes import analysis, catalog
    from notes.landscape import map_points

    papers = catalog.load(args.book, fields=["title", "abstract", "summary", "checked"])
    points, _ = analysis.text_map(papers)
    rows = map_points(papers, points)
    with tempfile.NamedTemporaryFile(suffix=".pickle", delete=False) as handle:
        pickle.dump(rows, handle)
    print(f"{len(rows)} papers")
    print("| library | JS served once (gzipped) | map HTML on the page (gzipped) | import + draw |")
    print("|---|---|---|---|")
    for name, draw in DRAW.items():
        js = library_js(name).read_bytes()
        times, size, zipped = [], 0, 0
        for _ in range(args.runs):
            out = subprocess.run(
                [sys.executable, "-c", SETUP.format(draw=draw), handle.name],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            times.append(float(out[0]))
            size, zipped = int(out[1]), int(out[2])
        print(
            f"| {name} | {len(js) / 1e6:.2f} MB ({len(gzip.compress(js)) / 1e6:.2f} MB) "
            f"| {size / 1e3:.0f} kB ({zipped / 1e3:.0f} kB) "
            f"| {statistics.median(times):.2f} s |"
        )
    Path(handle.name).unlink()


if __name__ == "__main__":
    main()
