"""Broken submissions: each ends in a recorded outcome, the batch finishes, and nobody else's grade is lost.

One batch of Lab 1 submissions (a correct one and one per broken case) is graded once by
`grade_lab` on 2 workers with a 5 s cell timeout and a 5000 MB memory cap; each test then
checks its own student's outcome and gradebook entry. About 45 s on 2 cores.
"""
from __future__ import annotations

import json

import nbformat
import pytest

from autograder.grader.engine import grade_lab
from autograder.grader.outcomes import load_outcome, outcome_path

from grading_course import LAB, autograded_points, cell_index, correct, gradebook_scores, make_course, submit

TIMEOUT = 5
MEMORY_MB = 5000  # enough for torch (~3.3 GB of address space), far below the 8 GiB the hog asks for
FULL = autograded_points()


def with_code(nb: nbformat.NotebookNode, grade_id: str, code: str, before: bool = False) -> nbformat.NotebookNode:
    cell = nb.cells[cell_index(nb, grade_id)]
    cell.source = f"{code}\n{cell.source}" if before else f"{cell.source}\n{code}"
    return nb


def other_lab_notebook() -> nbformat.NotebookNode:
    """A notebook of another lab: the same setup cell, but exercises Lab 1 does not have."""
    def meta(grade_id: str, **kw: object) -> dict:
        return {"nbgrader": {"grade_id": grade_id, "schema_version": 3, "task": False, **kw}}

    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import autograder\nautograder.setup_notebook()",
                                  metadata=meta("course_setup", grade=False, locked=True, solution=False)),
        nbformat.v4.new_code_cell("def forward(x):\n    return x", metadata=meta(
            "mlp_forward", grade=False, locked=False, solution=True)),
        nbformat.v4.new_code_cell("assert forward(1) == 1", metadata=meta(
            "test_mlp_forward", grade=True, locked=True, solution=False, points=2)),
    ])


def broken_class(folder):
    nb = correct(folder)
    deleted = correct(folder)
    for grade_id in ("test_weight_shapes_example", "test_weight_shapes_structures", "imports"):
        del deleted.cells[cell_index(deleted, grade_id)]
    duplicated = correct(folder)
    for grade_id in ("hadamard", "test_hadamard_values"):
        index = cell_index(duplicated, grade_id)
        duplicated.cells.insert(index, nbformat.from_dict(json.loads(json.dumps(duplicated.cells[index]))))
    reordered = correct(folder)
    first = cell_index(reordered, "test_squared_l2_grads_example")
    second = cell_index(reordered, "test_squared_l2_grads_random")
    reordered.cells[first], reordered.cells[second] = reordered.cells[second], reordered.cells[first]
    edited = correct(folder)
    edited.cells[cell_index(edited, "test_count_weights_example")].source = '"""Always passes."""\npass'
    points = correct(folder)
    points.cells[cell_index(points, "test_tensors_values")].metadata.nbgrader["points"] = 100
    return {
        "correct": nb,
        "infinite_loop": with_code(correct(folder), "weight_shapes", "while True:\n    pass", before=True),
        "deaf_loop": with_code(correct(folder), "tensors", "import signal\n"
                               "signal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"),
        "memory_hog": with_code(correct(folder), "tensors", "hog = bytearray(8 * 2**30)", before=True),
        "dying_kernel": with_code(correct(folder), "tensors", "import os\nos._exit(1)"),
        "invalid_json": b'{"cells": [ {"cell_type": "code", ',
        "empty_file": b"",
        "other_lab": other_lab_notebook(),
        "deleted_cells": deleted,
        "duplicated_cells": json.dumps(duplicated).encode(),  # as is: nbformat.write would renumber the ids
        "reordered_cells": reordered,
        "edited_test": edited,
        "changed_points": points,
        "stderr_warning": with_code(correct(folder), "squared_l2", (
            "import os, warnings\n_l2 = squared_l2\n"
            "def squared_l2(*args, **kwargs):\n"
            "    warnings.warn('this API is deprecated', DeprecationWarning)\n"
            "    os.write(2, b'a C library complains on file descriptor 2\\n')\n"
            "    return _l2(*args, **kwargs)")),
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = make_course(tmp_path_factory.mktemp("broken"))
    for student, nb in broken_class(folder).items():
        submit(folder, student, nb)
    outcomes = grade_lab(LAB, folder, workers=2, timeout=TIMEOUT, memory_mb=MEMORY_MB, progress=False)
    return folder, {o.student: o for o in outcomes}, gradebook_scores(folder)


def scores(outcome):
    return {c.grade_id: c.score for c in outcome.cells}


def test_every_submission_has_a_recorded_outcome(graded):
    folder, outcomes, _ = graded
    assert set(outcomes) == set(broken_class(folder))
    for student in outcomes:
        assert load_outcome(outcome_path(folder, student, LAB)).status in ("graded", "partial", "failed")


def test_correct_submission_keeps_full_marks_beside_broken_ones(graded):
    _, outcomes, gradebook = graded
    outcome = outcomes["correct"]
    assert (outcome.status, outcome.score, outcome.max_score) == ("graded", FULL, FULL)
    assert outcome.tampered == [], "untouched cells with hidden tests are not tampering"
    assert sum(gradebook["correct"].values()) == FULL


def test_infinite_loop_times_out_and_other_exercises_are_graded(graded):
    _, outcomes, _ = graded
    outcome = outcomes["infinite_loop"]
    assert outcome.status == "partial"
    assert any("timeout" in e and "weight_shapes" in e for e in outcome.events), outcome.events
    got = scores(outcome)
    assert got["test_weight_shapes_example"] == 0  # the loop ran before the function was defined
    assert got["test_conv_by_hand_values"] == 2 and got["test_squared_l2_grads_autograd"] == 1


def test_loop_ignoring_interrupts_gets_its_kernel_killed_and_keeps_earlier_scores(graded):
    _, outcomes, gradebook = graded
    outcome = outcomes["deaf_loop"]
    assert outcome.status == "partial"
    assert any("killed the kernel" in e and "tensors" in e for e in outcome.events), outcome.events
    got = scores(outcome)
    assert got["test_weight_shapes_example"] == 1 and got["test_max_pool_by_hand_stacked"] == 1
    assert got["test_tensors_values"] == 0 and got["test_squared_l2_grads_autograd"] == 0
    assert "not run" in next(c.message for c in outcome.cells if c.grade_id == "test_hadamard_values")
    assert gradebook["deaf_loop"]["test_weight_shapes_example"] == 1


def test_memory_hog_hits_the_cap_and_is_reported(graded):
    _, outcomes, _ = graded
    outcome = outcomes["memory_hog"]
    assert any("memory" in e and "tensors" in e and str(MEMORY_MB) in e for e in outcome.events), outcome.events
    got = scores(outcome)
    assert got["test_tensors_values"] == 0
    assert got["test_hadamard_values"] == 1 and got["test_weight_shapes_example"] == 1


def test_dying_kernel_is_recorded_and_earlier_exercises_keep_their_scores(graded):
    _, outcomes, _ = graded
    outcome = outcomes["dying_kernel"]
    assert outcome.status == "partial"
    assert any("kernel died" in e for e in outcome.events), outcome.events
    got = scores(outcome)
    assert got["test_conv_by_hand_values"] == 2 and got["test_tensors_values"] == 0


@pytest.mark.parametrize("student, reason", [("invalid_json", "invalid JSON"), ("empty_file", "empty file"),
                                             ("other_lab", "another lab")])
def test_unreadable_or_foreign_notebook_fails_with_its_reason(graded, student, reason):
    _, outcomes, gradebook = graded
    outcome = outcomes[student]
    assert outcome.status == "failed" and reason in outcome.reason and outcome.cells == []
    assert all(score is None for score in gradebook[student].values()), "no score, unlike an honest zero"


def test_deleted_test_cells_are_put_back(graded):
    _, outcomes, _ = graded
    outcome = outcomes["deleted_cells"]
    assert (outcome.status, outcome.score) == ("graded", FULL)
    assert {"restored deleted cell test_weight_shapes_example", "restored deleted cell imports"} <= set(outcome.events)


def test_duplicated_cells_do_not_break_grading(graded):
    _, outcomes, _ = graded
    assert (outcomes["duplicated_cells"].status, outcomes["duplicated_cells"].score) == ("graded", FULL)


def test_reordered_cells_do_not_break_grading(graded):
    _, outcomes, _ = graded
    outcome = outcomes["reordered_cells"]
    assert outcome.status == "graded" and outcome.score == FULL and outcome.tampered == []


def test_edited_test_cell_is_restored_and_reported(graded):
    _, outcomes, _ = graded
    outcome = outcomes["edited_test"]
    assert outcome.tampered == ["test_count_weights_example"]
    assert outcome.score == FULL  # the restored test ran, and the answer is right


def test_changed_points_are_restored_and_reported(graded):
    _, outcomes, gradebook = graded
    outcome = outcomes["changed_points"]
    assert outcome.tampered == ["test_tensors_values"]
    assert outcome.max_score == FULL and gradebook["changed_points"]["test_tensors_values"] == 1


def test_library_warning_on_stderr_costs_no_points(graded):
    _, outcomes, _ = graded
    outcome = outcomes["stderr_warning"]
    assert (outcome.status, outcome.score) == ("graded", FULL), [c for c in outcome.cells if c.score < c.max_score]
