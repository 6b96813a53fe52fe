"""Front matter YAML: the fast writer must produce ruamel's bytes, and read back the same."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from notes.markup import _ruamel_dump, dump_yaml, load_yaml

# Mostly ASCII with YAML's indicator characters, plus some of what hostile listings carry.
TEXT = st.text(
    alphabet=st.sampled_from(
        [*"abcXYZ019 .,:;-?#'\"%@`!&*|>[]{}()~^$=+/\\_", "é", "日", "\u200b", "\t", "🚀", "\n"]
    ),
    max_size=30,
)
SCALAR = st.one_of(
    st.none(),
    TEXT,
    st.sampled_from(["true", "No", "null", "~", "2024-02", "2402.15627", "1e3", "0x1F", ".inf"]),
    st.floats(allow_nan=False),
    st.integers(),
)
KEY = st.sampled_from(["title", "id", "tags", "metric", "value", "quote", "paper", "status"])
FLAT = st.dictionaries(KEY, SCALAR, max_size=4)
FRONT_MATTER = st.dictionaries(
    KEY,
    st.one_of(SCALAR, st.lists(SCALAR, max_size=3), st.lists(FLAT, max_size=3), FLAT),
    max_size=6,
)


@settings(max_examples=1000)
@given(FRONT_MATTER)
def test_fast_writer_writes_what_ruamel_writes(data: dict) -> None:
    assert dump_yaml(data) == _ruamel_dump(data)


@given(st.dictionaries(KEY, TEXT, min_size=1, max_size=4))
def test_strings_read_back_unchanged(data: dict) -> None:
    assert load_yaml(dump_yaml(data)) == data


def test_seed_front_matter_takes_the_fast_path(monkeypatch) -> None:
    """A regression guard for import speed: no seed page needs the whole dump from ruamel."""
    from notes import markup
    from notes.importer import read_papers
    from notes.render import contributor_front_matter, generated_front_matter

    from .conftest import METADATA, ROOT, SEED

    whole_dumps = []
    real = markup._ruamel_dump

    def counting(data: dict) -> str:
        if set(data) != {"k"}:
            whole_dumps.append(data)
        return real(data)

    monkeypatch.setattr(markup, "_ruamel_dump", counting)
    for paper in read_papers([SEED], METADATA, ROOT):
        dump_yaml(generated_front_matter(paper, "slug") | contributor_front_matter(paper))
    assert whole_dumps == []


def test_a_remembered_parse_is_a_copy_each_caller_may_change() -> None:
    text = "title: A\ntags:\n  - moe\n"
    first = load_yaml(text)
    first["tags"].append("changed")
    first["title"] = "B"
    assert load_yaml(text) == {"title": "A", "tags": ["moe"]}
