"""``autograder release [LAB…]``: build each lab and run nbgrader's generate_assignment into the gradebook.

The build writes ``source/<lab>/`` from ``assignments/<lab>/`` and then ``release/<lab>/``
with nbgrader's GenerateAssignment (in process), which also records the lab's notebooks,
test cells, points and checksums in the instructor's gradebook: autograde restores hidden
tests and locked cells from there.
"""
from __future__ import annotations

import argparse
from pathlib import Path


def release(lab_ids: list[str] | None, root: Path, db_url: str | None = None) -> list[str]:
    """Build and release the given labs (every lab in assignments/ by default) in ``root``."""
    from .build import build

    return build(lab_ids or None, root=root, out_root=root, db_url=db_url)


def cmd_release(args: argparse.Namespace) -> int:
    from .course import repo_root

    root = Path(args.root or repo_root())
    for lab in release(args.labs, root, args.db):
        notebooks = sorted(p.name for p in (root / "release" / lab).glob("*.ipynb"))
        print(f"released {lab}: release/{lab}/ ({', '.join(notebooks)}), recorded in the gradebook")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("release", help="build and nbgrader generate_assignment (into the gradebook)")
    p.add_argument("labs", nargs="*", help="lab ids (default: every lab in assignments/)")
    p.add_argument("--root", type=Path, default=None, help="course folder (default: the repository)")
    p.add_argument("--db", default=None, help="gradebook URL (default: sqlite:///<root>/gradebook.db)")
    p.set_defaults(func=cmd_release)
