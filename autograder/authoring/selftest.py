"""``autograder selftest LAB``: a lab's self-test as a table, while the lab is being written.

The same checks as ``pytest -k LAB tests/test_labs.py`` (the source passes, the release scores
0, every mutant loses points, every alternative keeps them, visible checks catch the mutants,
no mistake costs points elsewhere), printed per candidate; ``--only TEXT`` runs just the
candidates whose id contains TEXT (one mutant in seconds), ``--notebook`` one notebook.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..course import Lab, load_lab, repo_root
from .harness import Candidate, CandidateResult, evaluate_notebook, execute_release, read_candidates


def lab_candidates(lab: Lab) -> list[Candidate]:
    return [c for kind in ("mutants", "alternatives") for c in read_candidates(lab.folder / f"{kind}.py")]


def verdict(result: CandidateResult, cross_exceptions: set[str]) -> tuple[bool, str]:
    """(as expected, one line) for a candidate's result."""
    cand = result.candidate
    lost = [s.grade_id for s in result.lost_elsewhere if s.grade_id not in cross_exceptions]
    score = f"{result.points:g}/{result.max_points:g}"
    if cand.kind == "mutant":
        ok = result.points < result.max_points and not lost
        seen = "a visible check catches it" if result.fails_visible_check else "NO visible check catches it"
        line = f"{score}, {seen}" if result.points < result.max_points else f"{score}: SURVIVED"
    else:
        ok = result.points == result.max_points and not lost
        line = score if ok or lost else f"{score}: LOST POINTS"
    if lost:
        line += f"; also costs points on {', '.join(lost)}"
    return ok, line


def selftest(lab: Lab, root: Path, notebooks: list[str] | None = None, only: str | None = None) -> bool:
    """Print the lab's self-test; True when everything is as it should be."""
    all_ok = True
    candidates = [c for c in lab_candidates(lab) if not only or only in c.test_id]
    caught = mutants = 0
    for name in notebooks or lab.notebooks:
        source = root / "source" / lab.id / f"{name}.ipynb"
        start = time.monotonic()
        report = evaluate_notebook(source, candidates, timeout=lab.timeout)
        failed = [s for s in report.scores if s.score < s.max_score]
        points = sum(s.score for s in report.scores)
        print(f"{lab.id}/{name}: source {points:g}/{sum(s.max_score for s in report.scores):g} points, "
              f"{len(report.errors)} errors outside tests ({time.monotonic() - start:.1f} s)")
        for problem in [f"{s.grade_id}: {s.message}" for s in failed] + report.errors:
            print(f"  ! {problem.splitlines()[0][:150]}")
        all_ok &= not failed and not report.errors
        if not only:
            released = execute_release(root / "release" / lab.id / f"{name}.ipynb", source, lab.timeout)
            passing = [s.grade_id for s in released if s.score > 0]
            print(f"  release scores {sum(s.score for s in released):g}"
                  + (f": these pass on an empty answer: {passing}" if passing else ""))
            all_ok &= not passing
        for result in report.candidates:
            ok, line = verdict(result, {test for test, _ in lab.cross_exercise})
            print(f"  {'ok ' if ok else 'BAD'} {result.candidate.kind:<11} {result.candidate.test_id}: {line}")
            all_ok &= ok
            if result.candidate.kind == "mutant":
                mutants += 1
                caught += result.fails_visible_check
    if mutants:
        print(f"visible kill rate: {caught}/{mutants} ({caught / mutants:.0%}; the target is 90 %)")
    return all_ok


def cmd_selftest(args: argparse.Namespace) -> int:
    root = Path(args.root or repo_root())
    return 0 if selftest(load_lab(args.lab, root), root, args.notebook, args.only) else 1


def add_arguments(command: str, p: argparse.ArgumentParser) -> None:
    p.add_argument("lab", help="lab id (build it first: autograder build LAB)")
    p.add_argument("--notebook", nargs="+", default=None, help="only these notebooks of the lab")
    p.add_argument("--only", default=None, metavar="TEXT",
                   help="only the candidates whose id contains TEXT (e.g. a mutant's exercise or words)")
    p.set_defaults(func=cmd_selftest)
