"""Pull facts out of an abstract. For now: the code link, if the abstract gives one."""

from __future__ import annotations

import re

URL = re.compile(r"https?://[^\s<>()\[\]{}\"'`]+")
CODE_HOSTS = ("github.com/", "gitlab.com/", "huggingface.co/", "bitbucket.org/")
TRAILING_PUNCTUATION = ".,;:!?"


def code_url(abstract: str) -> str | None:
    """The first URL in the abstract that points at a code host, without trailing punctuation."""
    for match in URL.finditer(abstract):
        url = match.group(0).rstrip(TRAILING_PUNCTUATION)
        if any(host in url for host in CODE_HOSTS):
            return url
    return None
