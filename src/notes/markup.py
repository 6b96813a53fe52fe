"""Make untrusted text inert in MyST: escaped inline text, literal fences and YAML scalars."""

from __future__ import annotations

import io
import re
from typing import Any

from ruamel.yaml import YAML

# Characters that start inline markup in MyST with this book's extensions: emphasis, code,
# links and images, raw HTML and entities, math, roles and substitutions, headings' closing #s.
INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>$&|~#!{}^])")
BACKTICK_RUN = re.compile(r"`+")


def escape_inline(text: str) -> str:
    """Backslash-escape every character that could start markup, so the text renders as is."""
    return INLINE_SPECIAL.sub(r"\\\1", text)


def fence_for(text: str) -> str:
    """A backtick fence longer than any backtick run in ``text``, so the text cannot close it."""
    longest = max((len(run) for run in BACKTICK_RUN.findall(text)), default=0)
    return "`" * max(3, longest + 1)


def _yaml() -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    yaml.width = 1_000_000  # never fold long titles or abstracts: one value, one line
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def dump_yaml(data: dict[str, Any]) -> str:
    """Dump a mapping as block YAML, quoting whatever would not read back as the same string."""
    stream = io.StringIO()
    _yaml().dump(data, stream)
    return stream.getvalue()


def load_yaml(text: str) -> Any:
    """Parse YAML safely; dates and other implicit types stay as the YAML 1.2 core schema says."""
    return YAML(typ="safe", pure=True).load(text)
