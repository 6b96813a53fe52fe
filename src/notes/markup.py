"""Make untrusted text inert in MyST: escaped inline text, literal fences and YAML scalars."""

from __future__ import annotations

import copy
import io
import re
from functools import lru_cache
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.nodes import ScalarNode

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
    """Dump a mapping as block YAML, quoting whatever would not read back as the same string.

    ruamel.yaml decides the quoting; plain ASCII words, numbers and the page's nesting take a
    fast path that writes the bytes ruamel would (a property test holds the two equal), since
    ruamel costs about 1 ms a page and an import of 10,000 papers writes 10,000 front matters.
    """
    try:
        if data:
            return "".join(_fast_mapping(data, 0))
    except _NeedsRuamel:
        pass
    return _ruamel_dump(data)


def _ruamel_dump(data: dict[str, Any]) -> str:
    stream = io.StringIO()
    _yaml().dump(data, stream)
    return stream.getvalue()


class _NeedsRuamel(Exception):
    """A value the fast path does not write exactly as ruamel would."""


_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]+")
_PLAIN_FLOAT = re.compile(r"-?[0-9]+\.[0-9]+")
_STR_TAG = "tag:yaml.org,2002:str"


@lru_cache(maxsize=1)
def _resolver() -> Any:
    return _yaml().resolver


def _fast_string(value: str) -> str:
    """The string as ruamel writes it in block context: plain, else single-quoted.

    Mirrors ruamel's ``analyze_scalar`` and ``choose_scalar_style`` for one-line printable
    ASCII; anything else (other characters, a leading "-", "?" or ":", an apostrophe in a
    string that needs quotes) ruamel writes, alone, and a value on several lines makes the whole
    mapping ruamel's.
    """
    if (
        not _PRINTABLE_ASCII.fullmatch(value)
        or value[0] in "-?: "
        or value[-1] == " "
        or value.startswith(("---", "..."))
    ):
        return _ruamel_scalar(value)
    plain = (
        value[0] not in "#,[]{}&*!|>'\"%@`"
        and ": " not in value
        and not value.endswith(":")
        and " #" not in value
        and _resolver().resolve(ScalarNode, value, (True, False)) == _STR_TAG
    )
    if plain:
        return value
    if "'" in value:
        return _ruamel_scalar(value)  # ruamel switches to double quotes and escapes
    return f"'{value}'"


def _ruamel_scalar(value: str) -> str:
    """One string as ruamel writes it as a mapping value, when that fits on one line."""
    key, _, rest = _ruamel_dump({"k": value}).partition(": ")
    if key != "k" or not rest.endswith("\n") or "\n" in rest[:-1]:
        raise _NeedsRuamel
    return rest[:-1]


def _fast_scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value:
        return _fast_string(value)
    if isinstance(value, float):
        text = repr(value)
        if _PLAIN_FLOAT.fullmatch(text):
            return text
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise _NeedsRuamel


def _fast_mapping(data: dict[str, Any], indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    for key, value in data.items():
        if not isinstance(key, str) or not re.fullmatch(r"[a-z_]+", key):
            raise _NeedsRuamel
        if isinstance(value, dict):
            out.append(f"{pad}{key}:\n" if value else f"{pad}{key}: {{}}\n")
            out.extend(_fast_mapping(value, indent + 2))
        elif isinstance(value, list):
            out.append(f"{pad}{key}:\n" if value else f"{pad}{key}: []\n")
            out.extend(_fast_sequence(value, indent + 2))
        else:
            scalar = _fast_scalar(value)
            out.append(f"{pad}{key}: {scalar}\n" if scalar else f"{pad}{key}:\n")
    return out


def _fast_sequence(items: list[Any], indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    for item in items:
        if isinstance(item, dict) and item:
            lines = _fast_mapping(item, indent + 2)
            out.append(f"{pad}- {lines[0][indent + 2 :]}")
            out.extend(lines[1:])
        elif isinstance(item, (dict, list)) or item is None:
            raise _NeedsRuamel
        else:
            out.append(f"{pad}- {_fast_scalar(item)}\n")
    return out


def load_yaml(text: str) -> Any:
    """Parse YAML safely; dates and other implicit types stay as the YAML 1.2 core schema says.

    The pure-Python parser costs about 5 ms a page, and one process often reads the same text
    again (``notes check`` after an import, the build's guard and collectors, every test's copy
    of the book), so parses are remembered by text; each caller gets its own copy to change.
    """
    return copy.deepcopy(_parse_yaml(text))


@lru_cache(maxsize=4096)
def _parse_yaml(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)
