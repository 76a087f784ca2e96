"""The instructors' command line: ``autograder COMMAND`` (also ``python -m autograder``).

Each command lives in its own module, which exposes ``register(subparsers)`` adding its
sub-parser with ``set_defaults(func=...)``; ``func(args)`` returns the exit status.
"""
from __future__ import annotations

import argparse
import importlib

# In the order `autograder --help` lists them (the instructor's day).
COMMAND_MODULES = ("build", "release", "collect", "grade", "feedback", "export", "report", "demo")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="autograder", description="Release, collect, grade and report a lab.")
    sub = p.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"autograder.{name}").register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.func(args) or 0)
