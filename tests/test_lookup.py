"""arXiv metadata lookup against recorded answers served on 127.0.0.1 (nothing else is asked)."""

from __future__ import annotations

import contextlib
import csv
import itertools
import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import feedparser
import pytest

from notes.answers import load_answers
from notes.cli import main
from notes.listing import normalise_title
from notes.lookup import Pacer, match
from notes.pages import iter_page_paths, read_page_text

from .conftest import TESTS, snapshot

ARXIV = TESTS / "arxiv"
CASES = list(csv.DictReader((ARXIV / "cases.csv").open(encoding="utf-8")))
BY_PHRASE = {normalise_title(c["title"]): c for c in CASES}
DELAY, TIMEOUT, SLOW = 0.1, 0.5, 1.5
ABSTRACT = (
    "We study how to serve and train large models on many GPUs. "
    "The method raises throughput by 2x over the best baseline on production traces."
)


class Server:
    """Answers like the arXiv API, from the recorded files; remembers every request."""

    def __init__(self) -> None:
        self.requests: list[tuple[float, str, str]] = []  # (time, title phrase, User-Agent)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlparse(self.path).query)
                phrase = query["search_query"][0].removeprefix('ti:"').removesuffix('"')
                server.requests.append((time.monotonic(), phrase, self.headers["User-Agent"]))
                case = BY_PHRASE[phrase]["case"]
                if case == "http-503":
                    self.send_response(503)
                    self.send_header("Retry-After", "30")
                    self.end_headers()
                    return
                if case == "slow":
                    time.sleep(SLOW)
                body = (ARXIV / f"{case}.xml").read_bytes()
                self.send_response(200)
                self.send_header("Content-Type", "application/atom+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the client gave up (the slow case)
                    self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_port}/api/query"

    @property
    def phrases(self) -> list[str]:
        return [phrase for _, phrase, _ in self.requests]


@pytest.fixture
def server(monkeypatch) -> Iterator[Server]:
    served = Server()
    thread = threading.Thread(target=served.http.serve_forever, daemon=True)
    thread.start()
    monkeypatch.delenv("NOTES_OFFLINE", raising=False)
    monkeypatch.setenv("NOTES_ARXIV_API", served.url)
    monkeypatch.setenv("NOTES_ARXIV_DELAY", str(DELAY))
    monkeypatch.setenv("NOTES_ARXIV_TIMEOUT", str(TIMEOUT))
    yield served
    served.http.shutdown()
    served.http.server_close()


def write_listing(folder: Path, cases: list[dict]) -> Path:
    listing = folder / "data" / "2026-12-07.txt"
    listing.write_text("".join(f"{c['title']}\n{ABSTRACT}\n" for c in cases), encoding="utf-8")
    return listing


def run_import(book: Path, listing: Path, *extra: str) -> int:
    return main(["import", str(listing), "--book", str(book), *extra])


def paper_info(book: Path, title: str) -> dict | None:
    for path in iter_page_paths(book):
        data = read_page_text(path).data
        if data.get("title") == title:
            return data["paper"]
    return None


# --- the answer for each recorded case --------------------------------------------------


@pytest.mark.parametrize(
    "case", [c for c in CASES if (ARXIV / f"{c['case']}.xml").exists() and c["case"] != "slow"]
)
def test_each_recorded_answer_gives_the_expected_outcome(case: dict) -> None:
    feed = feedparser.parse((ARXIV / f"{case['case']}.xml").read_bytes())
    answer = match(case["title"], feed.entries)
    assert answer.outcome == case["outcome"]
    assert (answer.arxiv_id or "") == case["arxiv_id"]
    assert (answer.published or "") == case["published"]
    assert (answer.authors[0] if answer.authors else "") == case["first_author"]
    if answer.outcome == "match":
        assert normalise_title(answer.matched_title or "") == normalise_title(case["title"])


def test_a_version_suffix_is_kept_apart_from_the_id() -> None:
    feed = feedparser.parse((ARXIV / "version.xml").read_bytes())
    answer = match(BY_CASE["version"]["title"], feed.entries)
    assert (answer.arxiv_id, answer.version) == ("2307.08691", "v2")
    # The feed breaks the long title over two lines; the recorded title is one line.
    assert answer.matched_title == BY_CASE["version"]["title"]


BY_CASE = {c["case"]: c for c in CASES}


# --- the import, end to end ---------------------------------------------------------------


def test_import_looks_up_every_new_paper_once(project: Path, server: Server, capsys) -> None:
    listing = write_listing(project.parent, CASES)
    started = time.monotonic()
    assert run_import(project, listing) == 0
    out, err = capsys.readouterr()

    # One request per paper (all new, none with metadata), politely spaced and named.
    assert sorted(server.phrases) == sorted(BY_PHRASE)
    times = [t for t, _, _ in server.requests]
    # Measured where the server receives them, so allow for jitter; unpaced requests would be
    # milliseconds apart.
    assert all(b - a >= DELAY * 0.8 for a, b in itertools.pairwise(times))
    assert all(agent.startswith("scaling-notes/") for _, _, agent in server.requests)
    assert time.monotonic() - started < 30

    for case in CASES:
        title = case["title"]
        if case["case"] == "same-id":
            # A later version's title of a paper the book has: recognised, not imported.
            assert paper_info(project, title) is None
            assert f"{title!r} is {project}/training-systems/loongtrain.md" in out
            assert "(same arXiv id 2406.18485)" in out
            continue
        info = paper_info(project, title)
        assert info is not None, title
        assert info.get("arxiv", "") == case["arxiv_id"]
        assert info.get("published", "") == case["published"]
        assert (info.get("authors") or [""])[0] == case["first_author"]
        warnings = [line for line in err.splitlines() if repr(title) in line]
        if case["warning"]:
            assert len(warnings) == 1, warnings
            assert case["warning"] in warnings[0]
            assert warnings[0].startswith("warning: data/2026-12-07.txt:")
        else:
            assert warnings == []

    # What the API said is in the repository; failures are not, so a later run asks again.
    recorded = load_answers(project.parent / "data" / "arxiv-answers.json")
    expected = {normalise_title(c["title"]) for c in CASES if c["outcome"] != "failed"}
    assert set(recorded) == expected
    version = recorded[normalise_title(BY_CASE["version"]["title"])]
    assert version.version == "v2" and version.query.startswith(server.url)

    # A second run asks no one and changes nothing; a refresh keeps the looked-up metadata.
    server.requests.clear()
    before = snapshot(project.parent)
    assert run_import(project, listing) == 0
    assert run_import(project, listing, "--refresh", "--offline") == 0
    assert server.requests == []
    assert snapshot(project.parent) == before
    # An online refresh asks again about the papers whose lookup failed, and only those.
    assert run_import(project, listing, "--refresh") == 0
    failed = [normalise_title(c["title"]) for c in CASES if c["outcome"] == "failed"]
    assert sorted(server.phrases) == sorted(failed)


def test_metadata_a_person_wrote_is_never_overwritten(
    project: Path, server: Server, capsys
) -> None:
    case = BY_CASE["match"]
    metadata = project.parent / "data" / "metadata.csv"
    row = f"999,{case['title']},1706.03762,2017-06-12,A. Person; B. Person,,\r\n"
    original = metadata.read_bytes()
    metadata.write_bytes(original + row.encode())
    answers = project.parent / "data" / "arxiv-answers.json"
    listing = write_listing(project.parent, [case, BY_CASE["version"]])
    assert run_import(project, listing, "--metadata", str(metadata)) == 0
    assert server.phrases == [normalise_title(BY_CASE["version"]["title"])]
    assert paper_info(project, case["title"])["authors"] == ["A. Person", "B. Person"]
    assert metadata.read_bytes() == original + row.encode()
    assert normalise_title(case["title"]) not in load_answers(answers)
    capsys.readouterr()


def test_offline_asks_nothing_and_still_imports(project: Path, server: Server) -> None:
    listing = write_listing(project.parent, CASES[:2])
    assert run_import(project, listing, "--offline") == 0
    assert server.requests == []
    assert paper_info(project, CASES[0]["title"]) == {
        "id": "attention-is-all-you-need",
        "source": "data/2026-12-07.txt",
    }
    assert not (project.parent / "data" / "arxiv-answers.json").exists()


def test_add_looks_up_the_paper_and_refuses_one_the_book_has(
    project: Path, server: Server, capsys
) -> None:
    contributions = project.parent / "data" / "contributions.txt"
    args = ["add", "--book", str(project), "--listing", str(contributions)]
    case = BY_CASE["version"]
    assert main([*args, "--title", case["title"], "--abstract", ABSTRACT]) == 0
    assert paper_info(project, case["title"])["arxiv"] == "2307.08691"
    before = snapshot(project)
    same = BY_CASE["same-id"]
    assert main([*args, "--title", same["title"], "--abstract", ABSTRACT]) == 1
    err = capsys.readouterr().err
    assert "is already in the book as " in err and "(same arXiv id 2406.18485)" in err
    assert snapshot(project) == before


def test_pacer_spaces_requests() -> None:
    pacer = Pacer(0.1)
    starts = []
    for _ in range(3):
        pacer.wait()
        starts.append(time.monotonic())
    assert all(b - a >= 0.099 for a, b in itertools.pairwise(starts))


def test_answers_file_is_plain_sorted_json(project: Path, server: Server) -> None:
    listing = write_listing(project.parent, [BY_CASE["match"], BY_CASE["no-match"]])
    assert run_import(project, listing) == 0
    text = (project.parent / "data" / "arxiv-answers.json").read_text(encoding="utf-8")
    titles = [a["title"] for a in json.loads(text)["answers"]]
    assert titles == sorted(titles, key=normalise_title)


def test_the_report_says_what_was_added_and_what_needs_a_person(
    project: Path, server: Server, capsys
) -> None:
    near = {"title": "Llumnix - Dynamic Scheduling for Large Language Models Serving"}
    cases = [BY_CASE["match"], BY_CASE["no-match"], BY_CASE["same-id"], near]
    listing = write_listing(project.parent, cases)
    BY_PHRASE[normalise_title(near["title"])] = {"case": "no-match"}
    report = project / "_build" / "update-report.md"
    try:
        assert run_import(project, listing, "--report", str(report)) == 0
    finally:
        del BY_PHRASE[normalise_title(near["title"])]
    text = report.read_text(encoding="utf-8")
    out = capsys.readouterr().out
    assert text.startswith(f"# Import of {listing}\n\n3 page(s) added; 1 paper(s) already")
    row = next(line for line in text.splitlines() if line.startswith("| Attention Is All"))
    assert "arXiv:1706.03762, 2017-06-12, Ashish Vaswani et al. (from arXiv API, v7)" in row
    needs = text.split("## Needs a person")[1].split("## Already")[0]
    assert "'A Study of Schedulers Nobody Has Posted'" in needs
    assert "no metadata: no arXiv paper with this title; closest: 2401.00001" in needs
    assert "title is close to 'Llumnix: Dynamic Scheduling" in needs
    assert "serving/llumnix.md" in needs
    for line in out.splitlines():  # every guess the import printed is in the report
        if line.startswith("created ") and "low confidence" in line:
            assert f"(`{line.split()[1]}`): the chapter is a guess" in needs
    already = text.split("## Already in the book under another title")[1]
    assert "training-systems/loongtrain.md`: same arXiv id 2406.18485" in already


# The child asks the local server and kills itself (SIGKILL) as it starts the n-th lookup.
DIE_AT_LOOKUP = """
import os, signal, sys
import notes.lookup
n, calls = int(sys.argv[1]), []
original = notes.lookup.look_up
def dying(*args, **kwargs):
    calls.append(1)
    if len(calls) == n:
        os.kill(os.getpid(), signal.SIGKILL)
    return original(*args, **kwargs)
notes.lookup.look_up = dying
from notes.cli import main
sys.exit(main(sys.argv[2:]))
"""


def test_an_import_killed_during_lookups_keeps_the_answers_it_had(
    project: Path, server: Server
) -> None:
    cases = [BY_CASE["match"], BY_CASE["version"], BY_CASE["no-match"]]
    listing = write_listing(project.parent, cases)
    args = ["import", str(listing), "--book", str(project)]
    child = subprocess.run(
        [sys.executable, "-c", DIE_AT_LOOKUP, "3", *args], capture_output=True, text=True
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    data = project.parent / "data"
    assert [p.name for p in data.glob(".*")] == []  # no temporary answers file
    assert len(load_answers(data / "arxiv-answers.json")) == 2  # saved as they came
    assert paper_info(project, BY_CASE["match"]["title"]) is None  # no page yet
    server.requests.clear()
    assert run_import(project, listing) == 0  # the rerun asks only what it does not know
    assert server.phrases == [normalise_title(BY_CASE["no-match"]["title"])]
    assert paper_info(project, BY_CASE["version"]["title"])["arxiv"] == "2307.08691"


def test_a_broken_answers_file_is_named_with_its_line(project: Path, capsys) -> None:
    answers = project.parent / "data" / "arxiv-answers.json"
    answers.write_text('{"answers": [\n  {"title": "x",\n}', encoding="utf-8")
    listing = write_listing(project.parent, [BY_CASE["match"]])
    before = snapshot(project)
    assert run_import(project, listing) == 1
    assert f"error: {answers}:3: not valid JSON" in capsys.readouterr().err
    assert snapshot(project) == before


def test_ctrl_c_during_a_lookup_stops_with_a_message_not_a_traceback(
    project: Path, server: Server
) -> None:
    listing = write_listing(project.parent, [BY_CASE["slow"]])
    child = subprocess.Popen(
        [sys.executable, "-m", "notes.cli", "import", str(listing), "--book", str(project)],
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not server.requests and time.monotonic() < deadline:
        time.sleep(0.05)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130
    assert "interrupted: " in err and "Traceback" not in err
    assert paper_info(project, BY_CASE["slow"]["title"]) is None


def test_refreshing_the_committed_book_online_asks_no_one(project: Path, server: Server) -> None:
    """Every page has a row in data/metadata.csv (some rows without an arXiv id, on purpose)."""
    listings = sorted(str(p) for p in (project.parent / "data").glob("*.txt"))
    assert main(["import", *listings, "--book", str(project), "--refresh"]) == 0
    assert server.requests == []
