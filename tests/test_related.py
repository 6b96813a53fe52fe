"""The nearest-papers model behind each page's "Related papers" list."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from notes.listing import parse_listing
from notes.related import nearest

from .conftest import SEED, page_count

TEXTS = [
    "Pipeline parallelism for training large models on thousands of GPUs.",
    "Training large models on thousands of GPUs with tensor parallelism.",
    "Serving language models with paged attention and continuous batching.",
    "Continuous batching and paged attention for serving language models.",
    "Scaling laws relate loss to compute, data and parameters.",
]


def test_each_text_finds_its_paraphrase_first_and_never_itself() -> None:
    near = nearest(TEXTS, count=2)
    assert [n[0][0] for n in near[:4]] == [1, 0, 3, 2]
    for index, neighbours in enumerate(near):
        assert index not in [j for j, _ in neighbours]
        scores = [score for _, score in neighbours]
        assert scores == sorted(scores, reverse=True)


def test_texts_sharing_no_word_get_no_neighbours() -> None:
    near = nearest(["alpha beta", "alpha beta gamma", "zeta omega"], count=5)
    assert near[2] == []
    assert [j for j, _ in near[0]] == [1]


def test_seed_papers_get_five_neighbours_deterministically() -> None:
    texts = [f"{p.title}. {p.abstract}" for p in parse_listing(SEED)]
    first, second = nearest(texts), nearest(texts)
    assert first == second
    assert all(len(neighbours) == 5 for neighbours in first)


@given(st.lists(st.text(max_size=40), max_size=8))
def test_any_texts_give_one_list_each_never_self_never_an_error(texts: list[str]) -> None:
    near = nearest(texts, count=3)
    assert len(near) == len(texts)
    for index, neighbours in enumerate(near):
        assert len(neighbours) <= 3 and index not in [j for j, _ in neighbours]


def test_the_text_model_is_cached_and_independent_of_page_order(tmp_path) -> None:
    from notes.related import cached_text_model

    pages = [(f"serving/p{i}", text) for i, text in enumerate(TEXTS)]
    first = cached_text_model(tmp_path, pages)
    again = cached_text_model(tmp_path, list(reversed(pages)))
    assert again == first
    assert first.docnames == tuple(sorted(doc for doc, _ in pages))
    assert first.neighbours[0][0][0] == "serving/p1"  # p0's paraphrase
    assert len(first.coords) == len(pages)


def test_the_landscape_reads_the_model_the_extension_computed(project, monkeypatch) -> None:
    """Extension and notebook describe the pages alike, so the notebook's kernel hits the cache
    and never fits (nor imports scikit-learn) itself."""
    from notes import analysis, catalog, related
    from notes.pages import load_pages
    from notes.sphinx_fresh import related_by_page

    lists = related_by_page(project, load_pages(project))

    def no_refit(*args, **kwargs):
        raise AssertionError("the model was fitted again")

    monkeypatch.setattr(related, "text_model", no_refit)
    papers = catalog.load(project, fields=["title", "abstract"])
    points, neighbours = analysis.text_map(papers)
    assert len(points) == len(neighbours) == len(lists) == page_count(project)
