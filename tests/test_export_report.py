"""autograder export and report: gradebook scores (autograded and written), a failed submission is never
a 0, a written answer not graded yet is never a 0, Canvas's format, class statistics and grading progress.

Outcomes and gradebook scores are written by hand on Lab 1's release (the grader's own tests cover
producing them; test_manual_grading.py covers a real grading day).
"""
from __future__ import annotations

import csv
from pathlib import Path

import nbformat
import pytest

from autograder.cli import main
from autograder.cells import grade_id, is_manual_cell, is_test_cell
from autograder.course import load_lab
from autograder.grader.outcomes import CellOutcome, Outcome

from conftest import ROOT
from grading_course import correct, empty, record, released_copy, submit

LAB = "lab01_fundamentals"
STUB = "NotImplementedError: "
MISSING_BIAS = "CheckFailed: weight_shapes([2, 4, 1], bias=True, recurrent=True) is [(4, 6), (1, 4)]"


def lab_test_cells() -> list:
    return [c for c in nbformat.read(ROOT / "release" / LAB / f"{LAB}.ipynb", as_version=4).cells if is_test_cell(c)]


def outcome(student: str, status: str = "graded", failing: dict[str, str] | None = None, **kw) -> Outcome:
    """Full marks except the ``failing`` test cells (grade id -> message); no cells when failed."""
    failing = failing or {}
    cells = [] if status == "failed" else [
        CellOutcome(grade_id(c), LAB, 0.0 if grade_id(c) in failing else float(c.metadata.nbgrader.points),
                    float(c.metadata.nbgrader.points), failing.get(grade_id(c), "")) for c in lab_test_cells()]
    return Outcome(student=student, lab=LAB, status=status, cells=cells, **kw)


WRITTEN = [grade_id(c) for c in nbformat.read(ROOT / "source" / LAB / f"{LAB}.ipynb", as_version=4).cells
           if is_manual_cell(c)]  # 6 questions, 9 points
FULL_WRITTEN = {"residual_networks": 1, "count_weights_equation": 1, "conv_by_hand_calculation": 2,
                "kernel_features": 2, "autoencoders": 1, "gradient_accumulation": 2}


@pytest.fixture()
def course(tmp_path: Path, released_lab1: Path) -> Path:
    folder = released_copy(released_lab1, tmp_path)
    everything = {grade_id(c): STUB for c in lab_test_cells()}
    for student in ("10001", "10003", "10004", "10011"):
        submit(folder, student, correct(folder))
    submit(folder, "10002", empty(folder))
    submit(folder, "10007", b"{ not json")
    record(folder, outcome("10001"), FULL_WRITTEN)
    record(folder, outcome("10002", failing=everything), {q: 0 for q in WRITTEN})
    record(folder, outcome("10003", failing={"test_weight_shapes_example": MISSING_BIAS,
                                             "test_count_weights_example": STUB,
                                             "test_weight_shapes_structures": MISSING_BIAS}))
    record(folder, outcome("10004", "partial", failing={"test_matmul_values": STUB},
                           events=["the cell `matmul` timed out after 10 s"]), FULL_WRITTEN)
    record(folder, outcome("10007", "failed", reason="invalid JSON"))
    record(folder, outcome("10011", tampered=["test_hadamard_values"], events=["restored edited test cell"]),
           {"residual_networks": 0.5, "autoencoders": 1})
    return folder


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def totals(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {r["student"]: r for r in rows if r["exercise"] == "total"}


def test_csv_export_has_every_exercise_question_and_totals(course, capsys):
    assert main(["export", "--root", str(course)]) == 0
    rows = read_csv(course / "exports" / "grades.csv")
    by_total = totals(rows)
    assert by_total["10001"]["score"] == by_total["10001"]["max_score"] == "27" == f"{load_lab(LAB).points:g}"
    assert by_total["10002"]["score"] == "0" and by_total["10002"]["status"] == "graded"
    assert by_total["10004"]["score"] == "26"
    assert by_total["10004"]["status"] == "partial: the cell `matmul` timed out after 10 s"
    items = [r["exercise"] for r in rows if r["student"] == "10001"]
    assert items[:2] == ["weight_shapes", "count_weights"] and items[9:15] == WRITTEN and items[-1] == "total"
    assert len(items) == 16  # nine exercises and six written questions in Lab 1, then the total
    weight_shapes = next(r for r in rows if r["student"] == "10003" and r["exercise"] == "weight_shapes")
    assert (weight_shapes["score"], weight_shapes["max_score"]) == ("0", "3")
    written = {r["exercise"]: r for r in rows if r["student"] == "10011"}
    assert (written["residual_networks"]["score"], written["residual_networks"]["max_score"]) == ("0.5", "1")
    assert (written["kernel_features"]["score"], written["kernel_features"]["status"]) == ("", "not graded yet")


def test_a_total_with_written_answers_not_graded_is_left_empty_and_said(course, capsys):
    main(["export", "--root", str(course)])
    warning = capsys.readouterr().err
    by_total = totals(read_csv(course / "exports" / "grades.csv"))
    assert by_total["10003"]["score"] == "" and by_total["10003"]["status"] == "not graded yet: 6 written answers"
    assert by_total["10011"]["score"] == "" and by_total["10011"]["status"] == "not graded yet: 4 written answers"
    assert "10 written answers in 2 submissions are not graded yet" in warning
    assert f"autograder mark {LAB}" in warning and "--allow-ungraded" in warning

    main(["export", "--allow-ungraded", "--root", str(course)])
    by_total = totals(read_csv(course / "exports" / "grades.csv"))
    assert by_total["10003"]["score"] == "14" and "counted as 0" in by_total["10003"]["status"]
    assert by_total["10011"]["score"] == "19.5"  # 18 autograded + 0.5 + 1 written
    assert by_total["10007"]["score"] == "", "a failed submission stays empty, --allow-ungraded or not"


def test_csv_export_shows_a_failed_submission_as_failed_not_zero(course):
    main(["export", "--root", str(course)])
    failed = [r for r in read_csv(course / "exports" / "grades.csv") if r["student"] == "10007"]
    assert failed and all(r["score"] == "" and r["status"] == "failed: invalid JSON" for r in failed)


def test_a_graders_override_of_an_autograded_cell_counts(course):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "nn-course") as gb:
        grade = gb.find_grade("test_weight_shapes_example", LAB, LAB, "10003")
        grade.manual_score = 1.0  # as formgrader's score box does
        gb.db.commit()
    main(["export", "--root", str(course)])
    weight_shapes = next(r for r in read_csv(course / "exports" / "grades.csv")
                         if r["student"] == "10003" and r["exercise"] == "weight_shapes")
    assert weight_shapes["score"] == "1"


def test_canvas_export_is_canvas_gradebook_csv(course):
    main(["export", "--format", "canvas", "--root", str(course)])
    with open(course / "exports" / "canvas.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", LAB]
    assert rows[1][0].strip() == "Points Possible" and rows[1][-1] == "27"
    scores = {row[1]: row[-1] for row in rows[2:]}
    assert scores == {"10001": "27", "10002": "0", "10003": "", "10004": "26", "10007": "", "10011": ""}


def test_export_without_a_gradebook_creates_none(tmp_path):
    outcome("10001").save(tmp_path)
    (tmp_path / "release").mkdir()
    main(["export", "--format", "canvas", "--root", str(tmp_path)])
    assert not (tmp_path / "gradebook.db").exists()  # looking for grades or names must not create a gradebook


def test_report_statistics_failures_progress_and_submissions(course, capsys):
    assert main(["report", LAB, "--root", str(course)]) == 0
    printed = capsys.readouterr().out
    text = (course / "reports" / LAB / "report.md").read_text()
    assert text in printed
    assert "6 submissions: 1 failed, 4 graded, 1 partial" in text
    # graded, mean, median, min, max, out of, full marks, zero
    assert "| autograded | 5 | 13.40 | 17 | 0 | 18 | 18 | 2 | 1 |" in text
    assert "| total (autograded + written) | 3 | 17.67 | 26 | 0 | 27 | 27 | 1 | 1 |" in text
    assert "2 of 5 graded submissions wait for written answers to be graded" in text
    assert "| weight_shapes | 1.80 | 3 | 3 |" in text  # 10002 and 10003 lost all three points
    # written answers: graded so far / answers that can be read (10007's file cannot), mean of those graded
    assert "Grading progress: 20 / 30 written answers graded (67%)" in text
    assert "| residual_networks | 4 / 5 | 0.62 | 1 | 2 | 1 |" in text
    assert "| kernel_features | 3 / 5 | 1.33 | 2 | 2 | 1 |" in text
    # most frequent failures, grouped by test cell, with counts
    assert "| test_weight_shapes_example | 2 | 1 | NotImplementedError:  |\n" \
           f"|  |  | 1 | {MISSING_BIAS} |" in text
    assert "| test_count_weights_example | 2 | 2 | NotImplementedError:  |" in text
    assert "| test_matmul_values | 2 | 2 | NotImplementedError:  |" in text
    assert "| 10007 | failed |  | 0 / 6 |  | invalid JSON |" in text
    assert "| 10011 | graded | 18 | 2 / 6 |  |  | restored edited test cell | test_hadamard_values |" in text
    png = course / "reports" / LAB / "histogram.png"
    assert png.read_bytes().startswith(b"\x89PNG")
