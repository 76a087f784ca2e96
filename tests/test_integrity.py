"""Grading that a submission cannot forge (issue 16): hostile submissions, and the judge agreeing with one kernel.

1. Every hostile submission of tests/hostile.py is graded by the real ``autograder grade`` beside
   its honest wrong control (the same answer without the attack) and two bystanders (a correct
   and a typically wrong submission). Each scores, test cell by test cell, exactly what its
   control scores (its target exercise and every other one), is graded (never "failed"), and the
   bystanders score exactly what they score when graded alone. About 3 minutes for Lab 1's class
   and 1 for Lab 4's on 2 cores.
2. For every lab, the verdicts with the test cells in a judge kernel (as ``autograder grade`` runs
   them) equal the self-test harness's one-kernel verdicts: on the reference, on the release (all
   0) and on a sample of mutants and alternatives.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import nbformat
import pytest

from autograder.authoring.harness import evaluate_notebook, execute_release, fill_submission, read_candidates
from autograder.cells import exercises
from autograder.course import Lab, load_lab
from autograder.grading.engine import grade_lab

from conftest import ROOT, notebook_params
from grading_course import make_course
from hostile import HOSTILE, Hostile, by_lab


def submit_answers(folder: Path, lab: str, student: str, answers: dict[str, str]) -> None:
    """A student's submission of every notebook of the lab: the reference answers, some replaced."""
    for name in load_lab(lab, ROOT).notebooks:
        nb = fill_submission(folder / "release" / lab / f"{name}.ipynb", folder / "source" / lab / f"{name}.ipynb",
                             answers)
        path = folder / "submitted" / student / lab / f"{name}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)


def first_mutant(lab: str) -> dict[str, str]:
    candidate = read_candidates(ROOT / "assignments" / lab / "mutants.py")[0]
    return {candidate.exercise: candidate.code}

def grade_class(lab: str, folder: Path) -> dict[str, Any]:
    """The lab's hostile class, graded: student -> outcome (the bystanders are graded alone first)."""
    folder = make_course(folder, lab)
    submit_answers(folder, lab, "bystander_correct", {})
    submit_answers(folder, lab, "bystander_mistake", first_mutant(lab))
    alone = {o.student: o for o in grade_lab(lab, folder, workers=2, progress=False)}
    for entry in by_lab(lab):
        submit_answers(folder, lab, entry.control_name, {entry.target: entry.control})
        submit_answers(folder, lab, entry.name, entry.answers())
    together = {o.student: o for o in grade_lab(lab, folder, workers=2, force=True, progress=False)}
    return {"alone": alone, "together": together}


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory) -> Callable[[str], dict[str, Any]]:
    graded: dict[str, dict[str, Any]] = {}

    def get(lab: str) -> dict[str, Any]:
        if lab not in graded:
            graded[lab] = grade_class(lab, tmp_path_factory.mktemp(f"integrity-{lab}"))
        return graded[lab]
    return get


def cell_scores(outcome) -> dict[str, float]:
    return {c.grade_id: c.score for c in outcome.cells}


def target_tests(lab: str, target: str) -> list[str]:
    for name in load_lab(lab, ROOT).notebooks:
        for exercise in exercises(nbformat.read(ROOT / "source" / lab / f"{name}.ipynb", as_version=4)):
            if target in exercise.solution_ids:
                return exercise.test_ids
    raise ValueError(f"{lab} has no solution cell {target!r}")


@pytest.mark.parametrize("entry", [pytest.param(h, id=f"{h.lab}/{h.name}", marks=pytest.mark.xdist_group(h.lab))
                                   for h in HOSTILE])
def test_a_hostile_submission_scores_what_its_honest_control_scores(entry: Hostile, graded_class):
    """The attack wins nothing and loses nothing: the same score as the wrong answer alone, cell by cell."""
    graded = graded_class(entry.lab)["together"]
    hostile, control = graded[entry.name], graded[entry.control_name]
    assert hostile.status == "graded", f"{entry.name}: {hostile.status}: {hostile.reason} {hostile.events}"
    tests = target_tests(entry.lab, entry.target)
    assert any(cell_scores(control)[t] < c.max_score for c in control.cells for t in tests if c.grade_id == t), \
        f"the control of {entry.name} should lose points on {entry.target}"
    differ = {g: (s, cell_scores(control)[g]) for g, s in cell_scores(hostile).items() if s != cell_scores(control)[g]}
    assert not differ, f"{entry.name} ({entry.why}) scores differently from its control: {differ}"


@pytest.mark.parametrize("lab", [pytest.param(lab, marks=pytest.mark.xdist_group(lab))
                                 for lab in sorted({h.lab for h in HOSTILE})])
def test_bystanders_graded_beside_hostile_submissions_keep_their_grades(lab: str, graded_class):
    """A correct and a typically wrong submission score the same graded with the hostile class as alone."""
    graded = graded_class(lab)
    for student in ("bystander_correct", "bystander_mistake"):
        alone, together = graded["alone"][student], graded["together"][student]
        assert (together.status, cell_scores(together)) == (alone.status, cell_scores(alone)), student
    assert graded["alone"]["bystander_correct"].score == graded["alone"]["bystander_correct"].max_score


# ----------------------------------------------------------------------------- judge and one kernel agree

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


@pytest.mark.parametrize("lab,name", notebook_params())
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
