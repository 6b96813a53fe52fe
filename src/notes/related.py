"""Nearest papers by text similarity: the "Related papers" list on each page and the landscape.

One TF-IDF model over every title and abstract, compared by cosine. Computed at build time from
the pages, so a page added by a contributor shows up on its neighbours' pages at the next build.
"""

from __future__ import annotations

from collections.abc import Sequence

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


def nearest(texts: Sequence[str], count: int = RELATED_COUNT) -> list[list[tuple[int, float]]]:
    """For each text, the indexes and similarities of the ``count`` most similar others.

    Ties break by index, so the lists are the same at every build of the same pages. Texts
    with no word in common with any other get an empty list rather than arbitrary neighbours;
    so does every text of a book whose texts share no word at all.
    """
    import numpy as np

    if len(texts) < 2:
        return [[] for _ in texts]
    try:
        matrix = text_matrix(texts)
    except ValueError:  # no word shared by two texts (or no word at all): nothing is related
        return [[] for _ in texts]
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
