"""``autograder mark LAB``: grade the written answers, one question at a time across the class.

Without options: serve the page (page.py) on 127.0.0.1 and print its address with the token.
``--export answers.csv`` writes the answers to a sheet, ``--import scores.csv`` saves the scores
and comments filled in (sheet.py). Everything lands in nbgrader's gradebook (answers.py), where
nbgrader's formgrader, `export`, `report` and `feedback` read it.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def cmd_mark(args: argparse.Namespace) -> int:
    from ..course import repo_root
    from .answers import ClassAnswers, MarkError

    root = Path(args.root or repo_root()).resolve()
    try:
        marking = ClassAnswers(root, args.lab, args.db, names=args.names)
        if args.export:
            from .sheet import export_answers

            rows = export_answers(marking, args.export)
            print(f"wrote {rows} answers to {args.export}: fill in the score and comment columns, then "
                  f"`autograder mark {args.lab} --import {args.export}`")
        elif args.import_:
            from .sheet import import_scores

            saved, unchanged = import_scores(marking, args.import_, args.grader)
            print(f"saved {saved} rows into the gradebook ({unchanged} unchanged)")
        else:
            from .page import serve

            serve(marking, args.port, args.grader, args.open)
    except MarkError as error:
        print(f"autograder mark: {error}", file=sys.stderr)
        return 2
    return 0


def add_arguments(command: str, p: argparse.ArgumentParser) -> None:
    p.add_argument("lab", help="lab id")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--export", type=Path, metavar="CSV", help="write every written answer to a sheet")
    where.add_argument("--import", dest="import_", type=Path, metavar="CSV",
                       help="save the scores and comments of a sheet made by --export")
    p.add_argument("--names", action="store_true", help="show student ids instead of anonymous ids")
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    p.add_argument("--open", action="store_true", help="open the page in the web browser")
    p.add_argument("--grader", default=None, help="name recorded with each grade (default: your user name)")
    p.set_defaults(func=cmd_mark)
