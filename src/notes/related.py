"""Nearest papers by text similarity: the "Related papers" list on each page and the landscape.

One TF-IDF model over every title and abstract, compared by cosine. Computed at build time from
the pages, so a page added by a contributor shows up on its neighbours' pages at the next build.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scipy.sparse import csr_matrix

RELATED_COUNT = 5


def text_matrix(texts: Sequence[str]) -> csr_matrix:
    """TF-IDF rows, L2-normalised, so a row dot product is the cosine similarity.

    ``min_df=2`` drops words that occur in one paper only: they cannot link two papers.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        sublinear_tf=True, stop_words="english", min_df=2 if len(texts) > 2 else 1
    )
    return vectorizer.fit_transform(list(texts))


def paper_text(title: str, abstract: str) -> str:
    """What the model reads of a paper; the extension and the notebooks must agree on it, or
    the landscape notebook would miss the cached model."""
    return f"{title}. {abstract}"


def nearest(texts: Sequence[str], count: int = RELATED_COUNT) -> list[list[tuple[int, float]]]:
    """For each text, the indexes and similarities of the ``count`` most similar others.

    Ties break by index, so the lists are the same at every build of the same pages. Texts
    with no word in common with any other get an empty list rather than arbitrary neighbours;
    so does every text of a book whose texts share no word at all.
    """
    return _nearest(_matrix_or_none(texts), len(texts), count)


def _matrix_or_none(texts: Sequence[str]) -> csr_matrix | None:
    """The TF-IDF matrix, or None when no two texts can be compared."""
    if len(texts) < 2:
        return None
    try:
        return text_matrix(texts)
    except ValueError:  # no word shared by two texts (or no word at all): nothing is related
        return None


def _nearest(matrix: csr_matrix | None, size: int, count: int) -> list[list[tuple[int, float]]]:
    import numpy as np

    if matrix is None:
        return [[] for _ in range(size)]
    result: list[list[tuple[int, float]]] = []
    # Row blocks keep memory at block x n rather than n x n for large books.
    block = 512
    for start in range(0, matrix.shape[0], block):
        similarity = (matrix[start : start + block] @ matrix.T).toarray()
        for offset, row in enumerate(similarity):
            index = start + offset
            row[index] = -1.0
            order = np.lexsort((np.arange(len(row)), -row))[:count]
            result.append([(int(j), float(row[j])) for j in order if row[j] > 0])
    return result


@dataclass(frozen=True)
class TextModel:
    """Every page's nearest pages and its place on a 2-D map, by docname (sorted)."""

    docnames: tuple[str, ...]
    neighbours: tuple[tuple[tuple[str, float], ...], ...]  # (docname, similarity), nearest first
    coords: tuple[tuple[float, float], ...]


def text_model(docnames: Sequence[str], texts: Sequence[str]) -> TextModel:
    """Nearest pages (the "Related papers" lists) and 2-D coordinates (TF-IDF reduced by SVD,
    for the landscape map) in one pass over the texts."""
    matrix = _matrix_or_none(texts)
    near = _nearest(matrix, len(texts), RELATED_COUNT)
    coords: list[tuple[float, float]] = [(0.0, 0.0)] * len(texts)
    try:
        from sklearn.decomposition import TruncatedSVD

        if matrix is not None:
            reduced = TruncatedSVD(n_components=2, random_state=0).fit_transform(matrix)
            coords = [(float(x), float(y)) for x, y in reduced]
    except ValueError:  # too few pages or words for a map: everything at the origin
        pass
    return TextModel(
        tuple(docnames),
        tuple(tuple((docnames[j], score) for j, score in row) for row in near),
        tuple(coords),
    )


def cached_text_model(book: Path, pages: Sequence[tuple[str, str]]) -> TextModel:
    """``text_model`` of (docname, text) pairs, computed once per content and kept on disk.

    The Sphinx extension computes it before the notebooks run, so the landscape notebook's
    kernel reads it instead of importing scikit-learn (a second) and fitting again.
    """
    from notes.cache import cached

    ordered = sorted(pages)
    docnames = [doc for doc, _ in ordered]
    texts = [text for _, text in ordered]
    return cached(
        book,
        "text-model",
        [str(len(ordered)), *docnames, *texts],
        lambda: text_model(docnames, texts),
    )
