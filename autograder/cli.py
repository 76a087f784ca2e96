"""The instructors' command line: ``autograder COMMAND`` (also ``python -m autograder``)."""
from __future__ import annotations

import argparse
from pathlib import Path


def cmd_build(args: argparse.Namespace) -> int:
    from .build import build

    for lab in build(args.labs or None, out_root=args.out, only=args.notebooks):
        print(f"built source/{lab} and release/{lab}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="autograder", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="assignments/ -> source/ -> release/ (nbgrader generate_assignment)")
    b.add_argument("labs", nargs="*", help="lab ids (default: every lab in assignments/)")
    b.add_argument("--out", type=Path, default=None, help="write source/ and release/ here instead")
    b.add_argument("--notebooks", nargs="+", default=None,
                   help="rebuild only these notebooks of the lab (while writing a lab of several notebooks)")
    b.set_defaults(func=cmd_build)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)
