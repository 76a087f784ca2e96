"""Each lab tests itself: the source passes, the release scores 0, mutants lose points, alternatives keep them.

All of a notebook's checks share one kernel (autograder.authoring.harness.evaluate_notebook): the reference
runs once, then every candidate replaces its exercise's cell and the exercise's real test cells run,
as graded and as released (the visible kill rate: can a student see the mistake before submitting?),
then the other exercises' test cells it could reach (a mistake costs points only where it is).
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import nbformat
import pytest

from autograder.course import Lab, labs
from autograder.cells import exercises
from autograder.authoring.harness import (Candidate, evaluate_notebook, execute_release,
                                read_candidates)

from conftest import ROOT, SELFTEST_DIR, notebook_params

VISIBLE_KILL_TARGET = 0.9  # of a notebook's mutants, the fraction a visible check must catch


def source_path(lab: Lab, name: str) -> Path:
    return ROOT / "source" / lab.id / f"{name}.ipynb"


def solution_ids(lab: Lab, name: str) -> set[str]:
    nb = nbformat.read(source_path(lab, name), as_version=4)
    return {sid for exercise in exercises(nb) for sid in exercise.solution_ids}


def candidates_of(lab: Lab, name: str) -> list[Candidate]:
    mine = solution_ids(lab, name)
    return [c for kind in ("mutants", "alternatives") for c in read_candidates(lab.folder / f"{kind}.py")
            if c.exercise in mine]


@lru_cache(maxsize=None)
def report(lab: Lab, name: str):
    return evaluate_notebook(source_path(lab, name), candidates_of(lab, name), timeout=lab.timeout,
                             figures_dir=ROOT / "build" / "figures" / lab.id / name)


def candidate_params(kind: str) -> list:
    return [pytest.param(lab, name, c, id=f"{lab.id}/{name}/{c.test_id}: {c.why}",
                         marks=pytest.mark.xdist_group(f"{lab.id}/{name}"))
            for lab in labs(ROOT) for name in lab.notebooks for c in candidates_of(lab, name) if c.kind == kind]


@pytest.mark.parametrize("lab,name", notebook_params())
def test_source_notebook_passes_every_test(lab, name):
    """The reference solutions run top to bottom and every autograded test cell gets full points."""
    rep = report(lab, name)
    assert not rep.errors, "cells outside the tests raised:\n" + "\n".join(rep.errors)
    failed = [f"{s.grade_id}: {s.message}" for s in rep.scores if s.score < s.max_score]
    assert rep.scores and not failed, "\n".join(failed)


@pytest.mark.parametrize("lab,name", notebook_params())
def test_release_notebook_scores_zero(lab, name):
    """Executed as released (stubs raise NotImplementedError), with hidden tests restored, nothing scores."""
    scores = execute_release(ROOT / "release" / lab.id / f"{name}.ipynb", source_path(lab, name), lab.timeout)
    passing = [s.grade_id for s in scores if s.score > 0]
    assert scores and not passing, f"tests that pass on an empty answer: {passing}"


@pytest.mark.parametrize("lab", labs(ROOT), ids=lambda lab: lab.id)
def test_every_candidate_names_a_real_exercise(lab):
    """Each mutant and alternative answers an exercise that exists in one of the lab's notebooks."""
    exercises = set().union(*(solution_ids(lab, name) for name in lab.notebooks))
    for kind in ("mutants", "alternatives"):
        for cand in read_candidates(lab.folder / f"{kind}.py"):
            assert cand.exercise in exercises, f"{kind}.py: {cand.exercise!r} is not a solution cell id"
    assert read_candidates(lab.folder / "mutants.py"), "a lab needs mutants.py"
    assert read_candidates(lab.folder / "alternatives.py"), "a lab needs alternatives.py"


def result_of(lab: Lab, name: str, cand: Candidate):
    return next(r for r in report(lab, name).candidates if r.candidate == cand)


@pytest.mark.parametrize("lab,name,cand", candidate_params("mutant"))
def test_mutant_loses_points(lab, name, cand):
    """A known-wrong answer loses points on its exercise."""
    result = result_of(lab, name, cand)
    assert result.points < result.max_points, \
        f"mutant survived: {cand.exercise} ({cand.why}) got {result.points}/{result.max_points}"


@pytest.mark.parametrize("lab,name,cand", candidate_params("alternative"))
def test_alternative_keeps_full_marks(lab, name, cand):
    """Another correct answer gets every point of its exercise."""
    result = result_of(lab, name, cand)
    failed = [f"{s.grade_id}: {s.message}" for s in result.scores if s.score < s.max_score]
    assert not failed, f"{cand.exercise} ({cand.why}) lost points:\n" + "\n".join(failed)


@pytest.mark.parametrize("lab,name,cand", candidate_params("mutant") + candidate_params("alternative"))
def test_candidate_costs_points_only_on_its_own_exercise(lab, name, cand):
    """Run with every test cell it could reach, a candidate changes no other exercise's score."""
    allowed = dict(lab.cross_exercise)  # lab.toml [cross_exercise]: test id = why it may
    lost = [f"{s.grade_id}: {s.message.splitlines()[0] if s.message else 'no message'}"
            for s in result_of(lab, name, cand).lost_elsewhere if s.grade_id not in allowed]
    assert not lost, (f"{cand.kind} {cand.exercise} ({cand.why}) costs points on other exercises' tests "
                      "(give each test its own inputs; swap in reference dependencies with substitute()):\n"
                      + "\n".join(lost))


@pytest.mark.parametrize("lab,name", notebook_params())
def test_visible_checks_catch_most_mutants(lab, name):
    """At least 90 % of a notebook's mutants fail a check students can run before submitting."""
    mutants = [r for r in report(lab, name).candidates if r.candidate.kind == "mutant"]
    escaped = [f"{r.candidate.test_id}: {r.candidate.why}" for r in mutants if not r.fails_visible_check]
    SELFTEST_DIR.mkdir(parents=True, exist_ok=True)
    (SELFTEST_DIR / f"{lab.id}--{name}.json").write_text(json.dumps(
        {"lab": lab.id, "notebook": name, "mutants": len(mutants), "escaped": escaped}))
    if not mutants:
        return
    rate = 1 - len(escaped) / len(mutants)
    assert rate >= VISIBLE_KILL_TARGET, (f"visible checks catch {rate:.0%} of {len(mutants)} mutants "
                                         f"(target {VISIBLE_KILL_TARGET:.0%}); these pass every visible test:\n"
                                         + "\n".join(escaped))
