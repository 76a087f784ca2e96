"""The instructors' command line: ``autograder COMMAND`` (also ``python -m autograder``).

Commands are listed here with their one-line help; a command's module is imported only when
that command runs (so ``autograder --help`` stays fast), and exposes
``add_arguments(command, parser)``, which adds its options and ``set_defaults(func=...)``;
``func(args)`` returns the exit status. ``--root`` (the course folder) and ``--db`` (the
gradebook) come from shared parent parsers.
"""
from __future__ import annotations

import argparse
import importlib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Command:
    module: str
    help: str
    course: bool = True  # takes --root
    gradebook: bool = False  # takes --db


# In the order `autograder --help` lists them (the instructor's day).
COMMANDS = {
    "build": Command("autograder.authoring.build", "assignments/ -> source/ -> release/ (nbgrader generate_assignment)",
                     course=False),
    "selftest": Command("autograder.authoring.selftest",
                        "a lab's self-test as a table: source, release, each mutant and alternative"),
    "release": Command("autograder.authoring.build", "build every lab and record it in the gradebook (the term's start)",
                       gradebook=True),
    "publish": Command("autograder.authoring.publish",
                       "write the student-facing tree (release/, the package, a README with Colab badges) into DEST"),
    "collect": Command("autograder.grader.collect",
                       "import submissions (folder or .zip, named by student id) into submitted/"),
    "grade": Command("autograder.grader.engine", "autograde every submission of a lab, N at a time (nbgrader)",
                     gradebook=True),
    "mark": Command("autograder.marking.mark", "grade the written answers, one question across the class "
                    "(a local page, or --export/--import a CSV)", gradebook=True),
    "feedback": Command("autograder.reports.feedback",
                        "per-student HTML feedback (scores, failed checks, graders' comments; no hidden tests)",
                        gradebook=True),
    "export": Command("autograder.reports.export",
                      "grades per student, lab and exercise (CSV, or a Canvas gradebook CSV)", gradebook=True),
    "report": Command("autograder.reports.report",
                      "class statistics, frequent failures, grading progress, each submission's fate",
                      gradebook=True),
    "demo": Command("autograder.authoring.demo", "release, collect, grade, feedback, export and report the example class",
                    course=False),
}


def _parents() -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    course = argparse.ArgumentParser(add_help=False)
    course.add_argument("--root", type=Path, default=None, help="course folder (default: this repository)")
    gradebook = argparse.ArgumentParser(add_help=False)
    gradebook.add_argument("--db", default=None, help="nbgrader gradebook URL (default: sqlite:///ROOT/gradebook.db)")
    return course, gradebook


def parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser, with the full options of the command named in ``argv`` (all of them when argv is None)."""
    p = argparse.ArgumentParser(prog="autograder", description="Release, collect, grade and report a lab.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = next((a for a in argv if not a.startswith("-")), None) if argv is not None else None
    course, gradebook = _parents()
    for name, command in COMMANDS.items():
        parents = [course] * command.course + [gradebook] * command.gradebook
        sp = sub.add_parser(name, help=command.help, description=command.help, parents=parents)
        if argv is None or name == chosen:
            importlib.import_module(command.module).add_arguments(name, sp)
    return p


def main(argv: list[str] | None = None) -> int:
    import sys

    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser(argv).parse_args(argv)
    return int(args.func(args) or 0)
