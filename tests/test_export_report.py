"""autograder export and report: a failed submission is never a 0, Canvas's format, class statistics.

Outcomes are written by hand on Lab 1's release (the grader's own tests cover producing them).
"""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.cli import main
from autograder.cells import grade_id, is_test_cell
from autograder.grading.outcomes import CellOutcome, Outcome

from conftest import ROOT

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


@pytest.fixture()
def course(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "release" / LAB, tmp_path / "release" / LAB)
    everything = {grade_id(c): STUB for c in lab_test_cells()}
    outcome("10001").save(tmp_path)
    outcome("10002", failing=everything).save(tmp_path)
    outcome("10003", failing={"test_weight_shapes_example": MISSING_BIAS, "test_count_weights_example": STUB,
                              "test_weight_shapes_structures": MISSING_BIAS}).save(tmp_path)
    outcome("10004", "partial", failing={"test_matmul_example": STUB, "test_matmul_random": STUB},
            events=["the cell `matmul` timed out after 10 s"]).save(tmp_path)
    outcome("10007", "failed", reason="invalid JSON").save(tmp_path)
    outcome("10011", tampered=["test_hadamard_example"], events=["restored edited test cell"]).save(tmp_path)
    return tmp_path


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def totals(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {r["student"]: r for r in rows if r["exercise"] == "total"}


def test_csv_export_has_every_exercise_and_totals(course):
    assert main(["export", "--root", str(course)]) == 0
    rows = read_csv(course / "exports" / "grades.csv")
    by_total = totals(rows)
    assert by_total["10001"]["score"] == by_total["10001"]["max_score"] == "21"
    assert by_total["10002"]["score"] == "0" and by_total["10002"]["status"] == "graded"
    assert by_total["10003"]["score"] == "18"
    assert by_total["10004"]["status"] == "partial: the cell `matmul` timed out after 10 s"
    exercises = [r["exercise"] for r in rows if r["student"] == "10001"]
    assert exercises[:2] == ["weight_shapes", "count_weights"] and exercises[-1] == "total"
    assert len(exercises) == 10  # nine exercises in Lab 1, then the total
    weight_shapes = next(r for r in rows if r["student"] == "10003" and r["exercise"] == "weight_shapes")
    assert (weight_shapes["score"], weight_shapes["max_score"]) == ("0", "2")


def test_csv_export_shows_a_failed_submission_as_failed_not_zero(course):
    main(["export", "--root", str(course)])
    failed = [r for r in read_csv(course / "exports" / "grades.csv") if r["student"] == "10007"]
    assert failed and all(r["score"] == "" and r["status"] == "failed: invalid JSON" for r in failed)


def test_canvas_export_is_canvas_gradebook_csv(course):
    main(["export", "--format", "canvas", "--root", str(course)])
    with open(course / "exports" / "canvas.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", LAB]
    assert rows[1][0].strip() == "Points Possible" and rows[1][-1] == "21"
    scores = {row[1]: row[-1] for row in rows[2:]}
    assert scores == {"10001": "21", "10002": "0", "10003": "18", "10004": "19", "10007": "", "10011": "21"}
    assert not (course / "gradebook.db").exists()  # looking for names must not create a gradebook


def test_report_statistics_failures_and_submissions(course, capsys):
    assert main(["report", LAB, "--root", str(course)]) == 0
    printed = capsys.readouterr().out
    text = (course / "reports" / LAB / "report.md").read_text()
    assert text in printed
    assert "6 submissions: 1 failed, 4 graded, 1 partial" in text
    assert "| 5 | 15.80 | 19 | 0 | 21 | 21 | 2 | 1 |" in text  # graded, mean, median, min, max, of, full, zero
    assert "| weight_shapes | 1.20 | 2 | 3 |" in text  # 10002 and 10003 lost both points
    # most frequent failures, grouped by test cell, with counts
    assert "| test_weight_shapes_example | 2 | 1 | NotImplementedError:  |\n" \
           f"|  |  | 1 | {MISSING_BIAS} |" in text
    assert "| test_count_weights_example | 2 | 2 | NotImplementedError:  |" in text
    assert "| test_matmul_example | 2 | 2 | NotImplementedError:  |" in text
    assert "| 10007 | failed |  | invalid JSON |" in text
    assert "| 10011 | graded | 21 |  | restored edited test cell | test_hadamard_example |" in text
    png = course / "reports" / LAB / "histogram.png"
    assert png.read_bytes().startswith(b"\x89PNG")
