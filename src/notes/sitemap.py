"""``sitemap.xml`` and ``robots.txt`` for search engines, under the book's one base URL.

Written from the build environment's list of every page, not from the pages one build
happens to write: sphinx-sitemap collects the pages written by the current build, so after an
incremental rebuild its sitemap lists only the re-read pages (jdillard/sphinx-sitemap#13).
"""

from __future__ import annotations

from collections.abc import Iterable
from xml.etree import ElementTree

SITEMAP_FILE = "sitemap.xml"
NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"


def sitemap_xml(base_url: str, docnames: Iterable[str]) -> bytes:
    """One ``<url><loc>`` per page, sorted, under ``base_url`` (ending in "/")."""
    root = ElementTree.Element("urlset", xmlns=NAMESPACE)
    for docname in sorted(docnames):
        url = ElementTree.SubElement(root, "url")
        ElementTree.SubElement(url, "loc").text = f"{base_url}{docname}.html"
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def robots_txt(base_url: str) -> str:
    """Every page may be crawled; the sitemap says where they are."""
    return f"User-agent: *\nAllow: /\n\nSitemap: {base_url}{SITEMAP_FILE}\n"
