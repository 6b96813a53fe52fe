"""The ``notes`` command: a thin layer over the pipeline stages."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from notes.adding import add_papers, parse_input
from notes.answers import ANSWERS_NAME, load_answers
from notes.chapters import CHAPTER_SLUGS
from notes.check import check_book
from notes.classify import Classifier
from notes.extract import extract, format_value
from notes.importer import (
    CREATED,
    REFRESHED,
    UNCHANGED,
    apply,
    plan_import,
    project_root,
    read_papers,
    summarise,
)
from notes.listing import parse_listing
from notes.locking import book_lock
from notes.lookup import Settings, look_up_new, offline_by_environment
from notes.metadata import load_metadata
from notes.model import NotesError
from notes.moving import move_page
from notes.pages import load_pages, write_atomic
from notes.report import import_report

DEFAULT_BOOK = Path("book")
DEFAULT_METADATA = Path("data/metadata.csv")
DEFAULT_CONTRIBUTIONS = Path("data/contributions.txt")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="notes", description="Import paper abstracts into the Scaling Notes book and check it."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    imp = commands.add_parser(
        "import",
        help="create a page for every new paper in the listings",
        description="Create one page per new paper; leave existing pages alone unless --refresh.",
    )
    imp.add_argument("listings", nargs="+", type=Path, metavar="LISTING")
    _add_book_option(imp)
    imp.add_argument(
        "--metadata",
        type=Path,
        default=DEFAULT_METADATA,
        help="paper metadata CSV joined on title (default: data/metadata.csv)",
    )
    imp.add_argument(
        "--refresh",
        action="store_true",
        help="rewrite generator-owned parts of existing pages (front matter title/paper, "
        "generated blocks); everything else is kept byte for byte",
    )
    imp.add_argument(
        "--dry-run", action="store_true", help="report what would change; write nothing"
    )
    imp.add_argument(
        "--fill-empty",
        action="store_true",
        help="with --refresh: give pages whose tags or claims are still empty the extractor's "
        "suggestions (a non-empty value is never touched)",
    )
    _add_lookup_options(imp)
    imp.add_argument(
        "--report",
        type=Path,
        metavar="FILE",
        help="also write a Markdown report: pages added (chapter, metadata) and the papers "
        "that need a person",
    )
    imp.set_defaults(handler=run_import)

    chk = commands.add_parser(
        "check",
        help="validate every page; print path:line: message; exit 1 on errors",
        description="Validate every paper page of the book. Errors exit 1; warnings "
        "(e.g. a page whose folder disagrees with a confident suggestion) do not.",
    )
    _add_book_option(chk)
    chk.add_argument("--format", choices=("text", "json"), default="text")
    chk.add_argument(
        "--no-placement",
        action="store_true",
        help="skip the warnings about pages whose folder disagrees with a confident suggestion",
    )
    chk.set_defaults(handler=run_check)

    cls = commands.add_parser(
        "classify",
        help="suggest a chapter per paper, with the reason; writes nothing",
        description="Suggest a chapter for every paper of a listing: a model trained on the "
        "book's pages (the folder is the label), a keyword prior and the MoE-first rule.",
    )
    cls.add_argument("listing", type=Path, metavar="LISTING")
    cls.add_argument("--format", choices=("table", "csv", "json"), default="table")
    cls.add_argument(
        "--book", type=Path, default=DEFAULT_BOOK, help="pages to learn from (default: book)"
    )
    cls.set_defaults(handler=run_classify)

    add = commands.add_parser(
        "add",
        help="add one paper (or a few) and create its page",
        description="Record a paper in the contributions listing and create its page in the "
        "suggested chapter. Refuses a title that already has a page; warns about near-duplicates.",
    )
    given = add.add_mutually_exclusive_group(required=True)
    given.add_argument("--title", help="the paper's exact title (with --abstract)")
    given.add_argument(
        "--from",
        dest="source",
        type=Path,
        metavar="FILE",
        help="papers in the listing format (title line, abstract line); '-' reads standard input",
    )
    add.add_argument("--abstract", help="the abstract, as published, on one line")
    add.add_argument("--chapter", choices=CHAPTER_SLUGS, help="override the suggested chapter")
    _add_book_option(add)
    add.add_argument(
        "--listing",
        type=Path,
        default=DEFAULT_CONTRIBUTIONS,
        help="listing the paper is appended to (default: data/contributions.txt)",
    )
    add.add_argument("--metadata", type=Path, default=DEFAULT_METADATA, help=argparse.SUPPRESS)
    _add_lookup_options(add)
    add.set_defaults(handler=run_add)

    ext = commands.add_parser(
        "extract",
        help="claims, links, entities, tags and sentence roles per paper; writes nothing",
        description="Extract from every abstract of a listing: headline claims (metric, value, "
        "unit, qualifier, baseline, quote), code link, benchmarks/models/systems, tags and "
        "sentence roles.",
    )
    ext.add_argument("listing", type=Path, metavar="LISTING")
    ext.add_argument("--format", choices=("table", "json"), default="table")
    ext.set_defaults(handler=run_extract)

    mov = commands.add_parser(
        "move",
        help="move a paper page to another chapter, keeping its content byte for byte",
        description="Move book/<chapter>/SLUG.md to book/CHAPTER/SLUG.md.",
    )
    mov.add_argument("slug", metavar="SLUG")
    mov.add_argument("chapter", choices=CHAPTER_SLUGS, metavar="CHAPTER")
    _add_book_option(mov)
    mov.set_defaults(handler=run_move)
    return parser


def _add_book_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--book", type=Path, default=DEFAULT_BOOK, help="book folder (default: book)"
    )


def _add_lookup_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--offline",
        action="store_true",
        help="do not ask the arXiv API for new papers' metadata (also NOTES_OFFLINE=1)",
    )
    command.add_argument(
        "--answers",
        type=Path,
        metavar="FILE",
        help=f"recorded arXiv answers (default: data/{ANSWERS_NAME} beside the book)",
    )
    command.add_argument(
        "--wait",
        type=float,
        default=0,
        metavar="SECONDS",
        help="if another import or add is writing the book, wait this long for it "
        "(default: stop at once and say so)",
    )


def _answers_path(args: argparse.Namespace) -> Path:
    return args.answers or project_root(args.book) / "data" / ANSWERS_NAME


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except NotesError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # every write is atomic: what is there is whole
        print(
            "interrupted: pages written so far are complete; run it again to finish",
            file=sys.stderr,
        )
        return 130


def run_import(args: argparse.Namespace) -> int:
    book: Path = args.book
    if not book.is_dir():
        raise NotesError(book, 0, "book folder not found")
    metadata = args.metadata if args.metadata and args.metadata.exists() else None
    if args.metadata != DEFAULT_METADATA and metadata is None:
        raise NotesError(args.metadata, 0, "metadata file not found")
    if args.fill_empty and not args.refresh:
        raise NotesError("<command line>", 1, "--fill-empty goes with --refresh")
    answers = _answers_path(args)
    if args.dry_run:  # reads only, asks no one: no lock, no lookups
        return _import(args, metadata, answers, look_up=False)
    with book_lock(book, wait=args.wait, also_sweep=(answers.parent,)):
        return _import(args, metadata, answers, look_up=not args.offline)


def _import(args: argparse.Namespace, metadata: Path | None, answers: Path, look_up: bool) -> int:
    book: Path = args.book
    papers = read_papers(args.listings, metadata, project_root(book), answers=answers)
    lookups: dict = {}
    if look_up and not offline_by_environment():
        # New papers are asked about; with --refresh, also pages still without metadata whose
        # last lookup failed (a timeout or an HTTP error is not a recorded answer).
        keys = set() if args.refresh else {page.key for page in load_pages(book)}
        keys |= set(load_metadata(metadata)) if metadata else set()  # a person's row: never ask
        papers, lookups = look_up_new(papers, keys, answers, Settings.from_environment(), _warn)
    actions = plan_import(papers, book, refresh=args.refresh, fill_empty=args.fill_empty)
    if not args.dry_run:
        apply(actions)
    verb = "would be " if args.dry_run else ""
    for action in actions:
        if action.kind == CREATED and action.suggestion:
            suggestion = action.suggestion
            guess = ", low confidence" if suggestion.low_confidence else ""
            print(
                f"{verb}created {action.path}  [{action.chapter} {suggestion.score:.2f}{guess}; "
                f"runner-up {suggestion.runner_up}; {'; '.join(suggestion.reasons)}]"
            )
            for note in action.near_misses:
                _warn(f"{action.path}: {note}")
        elif action.kind == REFRESHED:
            print(f"{verb}refreshed {action.path}")
        elif action.same_as:
            paper = action.paper
            print(
                f"already in the book: {paper.source}:{paper.line} {paper.title!r} "
                f"is {action.path} ({action.same_as})"
            )
    print(_summary_table(summarise(actions), verb))
    if args.report and not args.dry_run:
        written = set(load_metadata(metadata)) if metadata else set()
        told = load_answers(answers) | lookups
        text = import_report(actions, told, written, listings=args.listings)
        write_atomic(args.report, text)
    return 0


def _summary_table(table: dict, verb: str) -> str:
    kinds = (CREATED, UNCHANGED, REFRESHED)
    rows = [f"{'chapter':<18}" + "".join(f"{k:>11}" for k in kinds)]
    totals = dict.fromkeys(kinds, 0)
    for chapter in CHAPTER_SLUGS:
        counts = table.get(chapter)
        if not counts:
            continue
        rows.append(f"{chapter:<18}" + "".join(f"{counts[k]:>11}" for k in kinds))
        for k in kinds:
            totals[k] += counts[k]
    rows.append(f"{'total':<18}" + "".join(f"{totals[k]:>11}" for k in kinds))
    header = "pages (dry run, nothing written):" if verb else "pages:"
    return "\n".join([header, *rows])


def run_check(args: argparse.Namespace) -> int:
    book: Path = args.book
    if not book.is_dir():
        raise NotesError(book, 0, "book folder not found")
    problems = check_book(book, placement=not args.no_placement)
    if args.format == "json":
        print(json.dumps([p.as_dict() for p in problems], indent=2, ensure_ascii=False))
    for problem in problems if args.format == "text" else ():
        print(problem)
    errors = [p for p in problems if p.severity == "error"]
    if problems:
        print(f"{len(errors)} error(s), {len(problems) - len(errors)} warning(s)", file=sys.stderr)
    return 1 if errors else 0


def run_classify(args: argparse.Namespace) -> int:
    papers = parse_listing(args.listing)
    classifier = Classifier.from_book(args.book) if args.book.is_dir() else Classifier()
    rows = []
    for paper in papers:
        suggestion = classifier.classify(paper)
        rows.append(
            {
                "title": paper.title,
                "chapter": suggestion.chapter,
                "confidence": suggestion.score,
                "low_confidence": suggestion.low_confidence,
                "runner_up": suggestion.runner_up,
                "runner_up_confidence": suggestion.runner_up_score,
                "reason": "; ".join(suggestion.reasons),
            }
        )
    if args.format == "json":
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    elif args.format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        for row in rows:
            guess = "  (low confidence: a guess)" if row["low_confidence"] else ""
            print(
                f"{row['chapter']:<17} {row['confidence']:.2f}  {row['title']}{guess}\n"
                f"    runner-up {row['runner_up']} {row['runner_up_confidence']:.2f}; "
                f"{row['reason']}"
            )
    return 0


def run_add(args: argparse.Namespace) -> int:
    if args.title is not None:
        if not args.abstract:
            raise NotesError("<command line>", 1, "--title needs --abstract")
        papers = parse_input(f"{args.title}\n{args.abstract}\n", "<command line>")
    else:
        if args.abstract:
            raise NotesError("<command line>", 1, "--abstract goes with --title, not --from")
        name = "<stdin>" if str(args.source) == "-" else str(args.source)
        text = sys.stdin.read() if name == "<stdin>" else _read_input(args.source)
        papers = parse_input(text, name)
    book: Path = args.book
    if not book.is_dir():
        raise NotesError(book, 0, "book folder not found")
    metadata = args.metadata if args.metadata.exists() else None
    answers = _answers_path(args)
    look_up = None
    if not args.offline and not offline_by_environment():
        settings = Settings.from_environment()

        written = set(load_metadata(metadata)) if metadata else set()  # a person's row: never ask

        def look_up(papers: list) -> list:
            return look_up_new(papers, written, answers, settings, _warn)[0]

    sweep = (answers.parent, args.listing.parent)
    with book_lock(book, wait=args.wait, also_sweep=sweep):
        added = add_papers(
            papers,
            book=book,
            listing=args.listing,
            metadata=metadata,
            chapter=args.chapter,
            answers=answers,
            look_up=look_up,
        )
    for item in added:
        action = item.action
        suggestion = action.suggestion
        chosen = "chosen" if args.chapter else f"suggested, {suggestion.score:.2f}"
        print(
            f"created {action.path}  [{action.chapter} ({chosen}); {'; '.join(suggestion.reasons)}]"
        )
        for warning in item.near_duplicates:
            print(f"warning: {warning}", file=sys.stderr)
    print(f"recorded in {args.listing}")
    return 0


def _read_input(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise NotesError(path, 0, f"cannot read: {error.strerror}") from error


def run_extract(args: argparse.Namespace) -> int:
    results = [extract(paper.title, paper.abstract) for paper in parse_listing(args.listing)]
    if args.format == "json":
        print(json.dumps([r.as_dict() for r in results], indent=2, ensure_ascii=False))
        return 0
    for result in results:
        print(result.title)
        print(f"    summary (suggested) {result.summary}")
        for claim in result.claims:
            baseline = f" vs {claim.baseline}" if claim.baseline else ""
            print(
                f"    {claim.kind} {claim.metric}: {format_value(claim)}{baseline}"
                f"  <- {claim.quote!r}"
            )
        names = "; ".join(f"{k}: {', '.join(v)}" for k, v in result.entities.items() if v)
        if names:
            print(f"    mentions {names}")
        if result.code:
            print(f"    code {result.code}")
        print(f"    tags {', '.join(result.tags) or '-'}")
        print(f"    roles {' '.join(role for role, _ in result.roles)}")
    return 0


def run_move(args: argparse.Namespace) -> int:
    new_path = move_page(args.book, args.slug, args.chapter)
    print(f"moved to {new_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
