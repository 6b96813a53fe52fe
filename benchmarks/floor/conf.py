"""The floor: plain Sphinx + myst-parser over the book's chapter pages, what any Sphinx
toolchain must pay (no notebooks, default theme). The benchmark copies this file, the book's
_config.yml and the chapter pages into a folder and runs `sphinx-build -b html` there.

The book's own directives and roles get trivial stand-ins, so the pages parse as they do in
the book without the work the book's extension does.
"""

from pathlib import Path
from typing import ClassVar

import yaml
from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.domains import Domain

LITERAL = ("paper-abstract", "dropdown")  # directives whose body is shown as text
EMPTY = ("paper-cards", "paper-tags", "paper-glance", "bibliography")  # built from other pages
CITE_ROLES = ("t", "p", "ts", "ps", "alp", "author", "year")  # {cite:X}; {cite} also stubbed

project = "floor"
extensions = ["myst_parser"]
# The same MyST syntax as the book (its _config.yml, copied beside this file).
_book = yaml.safe_load((Path(__file__).parent / "_config.yml").read_text(encoding="utf-8"))
myst_enable_extensions = list(_book["parse"]["myst_enable_extensions"])
smartquotes = False
exclude_patterns = ["_build", "_config.yml"]
# The chapter pages link the glossary and the notebooks, which the floor leaves out.
suppress_warnings = ["ref.term", "ref.ref"]


class Literal(Directive):
    """Stand-in: the body as a literal block (as the book shows an abstract, unparsed)."""

    has_content = True
    optional_arguments = 1
    final_argument_whitespace = True

    def run(self):
        text = "\n".join(self.content)
        return [nodes.literal_block(text, text)]


class Empty(Literal):
    """Stand-in for directives built from other pages (cards, tags, bibliography)."""

    def run(self):
        return []


def text_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    return [nodes.literal(rawtext, text)], []


class Cite(Domain):
    """Stand-in for sphinxcontrib-bibtex's cite domain, so {cite:t} resolves quietly."""

    name = "cite"
    label = "citation stand-in"
    roles: ClassVar = {name: text_role for name in CITE_ROLES}


def setup(app):
    for name in LITERAL:
        app.add_directive(name, Literal)
    for name in EMPTY:
        app.add_directive(name, Empty)
    app.add_role("cite", text_role)
    app.add_domain(Cite)
    return {"parallel_read_safe": True}
