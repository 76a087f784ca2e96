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
    from .build import BuildError
    from .course import labs, repo_root

    root = Path(args.root or repo_root())
    failed = []
    for lab in args.labs or [lab.id for lab in labs(root)]:
        try:  # one unfinished lab must not keep the others from being released
            release([lab], root, args.db)
        except (BuildError, OSError, ValueError) as error:
            failed.append(lab)
            print(f"could not release {lab}: {type(error).__name__}: {error}")
            continue
        notebooks = sorted(p.name for p in (root / "release" / lab).glob("*.ipynb"))
        print(f"released {lab}: release/{lab}/ ({', '.join(notebooks)}), recorded in the gradebook")
    return 1 if failed else 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("release", help="build and nbgrader generate_assignment (into the gradebook)")
    p.add_argument("labs", nargs="*", help="lab ids (default: every lab in assignments/)")
    p.add_argument("--root", type=Path, default=None, help="course folder (default: the repository)")
    p.add_argument("--db", default=None, help="gradebook URL (default: sqlite:///<root>/gradebook.db)")
    p.set_defaults(func=cmd_release)
