"""autograder feedback: scores, failure messages, the student's code, written answers with their scores
and graders' comments, and events — never hidden tests.

Outcomes and gradebook scores are written by hand here (the grader's own tests cover producing
them); the notebooks are Lab 1's release, source and bundled example class.
"""
from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.cli import main
from autograder.authoring.harness import fill_submission
from autograder.cells import grade_id, is_test_cell
from autograder.grader.outcomes import CellOutcome, Outcome

from conftest import ROOT
from grading_course import record, released_copy

LAB = "lab01_fundamentals"
EXAMPLES = ROOT / "examples" / LAB
WRONG = "CheckFailed: weight_shapes([2, 4, 1], bias=True, recurrent=True) is [(4, 6), (1, 4)], expected <[(4, 7), (1, 5)]>"


def hidden_test_lines() -> set[str]:
    """Every line of the source notebook between BEGIN and END HIDDEN TESTS."""
    lines = set()
    for cell in nbformat.read(ROOT / "source" / LAB / f"{LAB}.ipynb", as_version=4).cells:
        for block in re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", cell.source, re.S):
            lines.update(line.strip() for line in block.splitlines() if line.strip())
    return lines


def release_cells() -> list:
    return [c for c in nbformat.read(ROOT / "release" / LAB / f"{LAB}.ipynb", as_version=4).cells if is_test_cell(c)]


def outcome(student: str, status: str = "graded", failing: dict[str, str] | None = None, **kw) -> Outcome:
    failing = failing or {}
    cells = [] if status == "failed" else [
        CellOutcome(grade_id(c), LAB, 0.0 if grade_id(c) in failing else float(c.metadata.nbgrader.points),
                    float(c.metadata.nbgrader.points), failing.get(grade_id(c), "")) for c in release_cells()]
    return Outcome(student=student, lab=LAB, status=status, cells=cells, **kw)


def submit(root: Path, student: str, example: Path | None = None, nb=None) -> None:
    dest = root / "submitted" / student / LAB / f"{LAB}.ipynb"
    dest.parent.mkdir(parents=True, exist_ok=True)
    if nb is not None:
        nbformat.write(nb, dest)
    else:
        shutil.copy(example, dest)


@pytest.fixture()
def course(tmp_path: Path, released_lab1: Path) -> Path:
    return released_copy(released_lab1, tmp_path)


def page(root: Path, student: str) -> str:
    return (root / "feedback" / student / LAB / "index.html").read_text()


def test_feedback_shows_scores_messages_code_and_events(course):
    submit(course, "10003", EXAMPLES / "hopper_grace_10003_lab01_fundamentals.ipynb")
    record(course, outcome("10003", "partial", {"test_weight_shapes_example": WRONG, "test_matmul_values": ""},
            events=["the cell `matmul` timed out after 60 s"], tampered=["test_hadamard_values"]))
    assert main(["feedback", LAB, "--root", str(course)]) == 0
    text = html.unescape(page(course, "10003"))
    assert WRONG in text
    assert "16 / 18" in text  # autograded points: 18, two test cells of 1 point failed
    assert "the cell `matmul` timed out after 60 s" in text
    assert "test_hadamard_values" in text and "put back" in text
    assert "shapes.append((struct[layer], columns))" not in text  # the reference answer...
    mutant = "struct[layer - 1] + (struct[layer] if recurrent and hidden else 0))"
    assert mutant in text  # ...is not what this student wrote
    assert "weight_shapes gives [(4, 7), (1, 5)] for the worked example" in text  # what the test checks


def test_feedback_never_shows_hidden_tests(course):
    """Every hidden-test line of the source notebook is absent, for every kind of submission."""
    examples = sorted(EXAMPLES.glob("*.ipynb"))
    for example in examples:
        student = re.search(r"\d{5}", example.name).group()
        submit(course, student, example)
        record(course, outcome(student, failing={"test_squared_l2_grads_autograd": "CheckFailed: dy/dv1 is wrong"}))
    main(["feedback", LAB, "--root", str(course)])
    release_text = (course / "release" / LAB / f"{LAB}.ipynb").read_text()
    for example in examples:
        student = re.search(r"\d{5}", example.name).group()
        text = html.unescape(page(course, student))
        own = example.read_text(errors="replace")
        # a line the student or the release also has (a lone bracket, `calls = []`) proves nothing
        leaked = [line for line in hidden_test_lines() if line in text and line not in own
                  and line not in release_text]
        assert not leaked, (student, leaked)
    assert len(hidden_test_lines()) > 30


def test_feedback_escapes_what_the_student_wrote(course):
    nb = fill_submission(course / "release" / LAB / f"{LAB}.ipynb", course / "source" / LAB / f"{LAB}.ipynb",
                         {"hadamard": "def hadamard(A, B):\n    return '<script>alert(1)</script>' and A * B"})
    submit(course, "20001", nb=nb)
    record(course, outcome("20001", failing={"test_hadamard_values": "CheckFailed: <b>not</b> & 'quoted'"}))
    main(["feedback", LAB, "--root", str(course)])
    raw = page(course, "20001")
    assert "<script>" not in raw and "<b>not</b>" not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    assert "&lt;b&gt;not&lt;/b&gt; &amp; &#x27;quoted&#x27;" in raw


def test_feedback_for_a_submission_that_could_not_be_graded(course):
    submit(course, "10007", EXAMPLES / "ritchie_dennis_10007_lab01_fundamentals.ipynb")
    record(course, outcome("10007", "failed", reason="invalid JSON: Expecting ',' delimiter"))
    main(["feedback", LAB, "--root", str(course)])
    text = html.unescape(page(course, "10007"))
    assert "failed: invalid JSON: Expecting ',' delimiter" in text
    assert "not graded" in text and "could not be read" in text
    assert "0 / 18" not in text


def test_feedback_shows_written_answers_with_scores_and_comments(course):
    from nbgrader.api import Gradebook

    submit(course, "10001", EXAMPLES / "lovelace_ada_10001_lab01_fundamentals.ipynb")
    record(course, outcome("10001"), {"residual_networks": 1, "count_weights_equation": 0.5})
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "nn-course") as gb:
        gb.find_comment("count_weights_equation", LAB, LAB, "10001").manual_comment = "Say what <n_l> is."
        gb.db.commit()
    main(["feedback", LAB, "--root", str(course)])
    raw = page(course, "10001")
    text = html.unescape(raw)
    assert "Autograded: <b>18 / 18</b>; written answers: 2 of 6 graded so far" in text
    assert "<math" in raw and "<munderover>" in raw  # the student's LaTeX, drawn as MathML
    assert "Your written answer <code>count_weights_equation</code> (graded by hand): <b>0.5 / 1</b>" in text
    assert "Say what &lt;n_l&gt; is." in raw  # the grader's comment, escaped
    assert "<b>not graded yet (out of 2)</b>" in text  # e.g. kernel_features
    assert "<td>residual_networks (written)</td><td class=\"num\">1</td>" in text
