"""The judge costs no honest student a point (issue 16): its verdicts are the one-kernel verdicts.

For every lab graded with the judge (lab.toml: ``judge``, true unless the lab says otherwise), the
verdicts with the test cells in a judge kernel (as ``autograder grade`` runs them)
equal the self-test harness's one-kernel verdicts: on the reference, on the release (all 0) and on a
sample of mutants and alternatives. The hostile submissions (tests/hostile.py), graded by the real
``autograder grade``, are tests/test_sandbox.py's.
"""
from __future__ import annotations

import nbformat
import pytest

from autograder.authoring.harness import evaluate_notebook, execute_release, read_candidates
from autograder.cells import exercises
from autograder.course import Lab

from conftest import ROOT, notebook_params

SAMPLE = 3  # mutants and alternatives per notebook (the first of as many exercises, spread over the notebook)


def sample(lab: Lab, name: str) -> list:
    nb = nbformat.read(ROOT / "source" / lab.id / f"{name}.ipynb", as_version=4)
    mine = [sid for e in exercises(nb) for sid in e.solution_ids]
    chosen = []
    for kind in ("mutants", "alternatives"):
        candidates = [c for c in read_candidates(lab.folder / f"{kind}.py") if c.exercise in mine]
        firsts = list({c.exercise: c for c in reversed(candidates)}.values())[::-1]  # the first of each exercise
        step = max(1, len(firsts) // SAMPLE)
        chosen += firsts[::step][:SAMPLE]
    return chosen


@pytest.mark.parametrize("lab,name", [p for p in notebook_params() if p.values[0].judge])
def test_the_judge_gives_the_one_kernel_verdicts(lab: Lab, name: str):
    """Reference, release and a sample of candidates: the same score on every test cell either way."""
    source = ROOT / "source" / lab.id / f"{name}.ipynb"
    candidates = sample(lab, name)
    one = evaluate_notebook(source, candidates, lab.timeout)
    judged = evaluate_notebook(source, candidates, lab.timeout, judged=True)
    differ = [f"reference {a.grade_id}: {a.score} one kernel, {b.score} judged ({b.message[:200]})"
              for a, b in zip(one.scores, judged.scores) if a.score != b.score]
    assert not judged.errors, judged.errors
    for ra, rb in zip(one.candidates, judged.candidates):
        differ += [f"{ra.candidate.test_id} {a.grade_id}: {a.score} one kernel, {b.score} judged ({b.message[:200]})"
                   for a, b in zip(ra.scores, rb.scores) if a.score != b.score]
    release = ROOT / "release" / lab.id / f"{name}.ipynb"
    released = execute_release(release, source, lab.timeout, judged=True)
    differ += [f"release {s.grade_id}: {s.score} judged" for s in released if s.score > 0]
    assert not differ, "\n".join(differ)
