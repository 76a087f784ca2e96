"""`autograder grade`: the same scores as nbgrader's own autograde, resumable, and on Dask too.

The comparison runs one sequential `nbgrader autograde` and one `grade_lab` on 4 Lab 1
submissions (about 40 s on 2 cores); the resume and Dask tests grade 2 submissions each.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.cli import parser
from autograder.grader.engine import grade_lab
from autograder.grader.outcomes import outcome_path

from grading_course import (LAB, correct, empty, gradebook_scores, make_course, mutant, nbgrader_autograde,
                            nbgrader_command, submit)


@pytest.fixture
def small_class(tmp_path):
    folder = make_course(tmp_path)
    submit(folder, "correct", correct(folder))
    submit(folder, "empty", empty(folder))
    return folder


def test_scores_match_a_sequential_nbgrader_autograde(tmp_path):
    folder = make_course(tmp_path)
    for student, nb in {"correct": correct(folder), "empty": empty(folder),
                        "mutant_shapes": mutant(folder, 0), "mutant_count": mutant(folder, 5)}.items():
        submit(folder, student, nb)
    run = nbgrader_autograde(folder)
    assert run.returncode == 0, run.stderr[-3000:]
    by_nbgrader = gradebook_scores(folder)

    outcomes = grade_lab(LAB, folder, workers=2, force=True, progress=False)

    assert gradebook_scores(folder) == by_nbgrader
    assert {o.student: {c.grade_id: c.score for c in o.cells} for o in outcomes} == by_nbgrader
    assert len({sum(cells.values()) for cells in by_nbgrader.values()}) == 4, "the four submissions differ"
    assert (folder / "autograded" / "mutant_count" / LAB / f"{LAB}.ipynb").exists(), "nbgrader's notebook is kept"
    feedback = nbgrader_command(folder, "generate_feedback", LAB)  # nbgrader's own tools still work
    assert feedback.returncode == 0, feedback.stderr[-3000:]
    assert (folder / "feedback" / "mutant_count" / LAB / f"{LAB}.html").exists()


def test_failed_check_message_is_recorded_without_test_source(tmp_path):
    folder = make_course(tmp_path)
    submit(folder, "mutant", mutant(folder, 0))
    (outcome,) = grade_lab(LAB, folder, workers=1, progress=False)
    failed = [c for c in outcome.cells if c.score < c.max_score]
    assert failed and all(c.message.startswith("CheckFailed: ") for c in failed)
    assert not any("assert_" in c.message or "HIDDEN" in c.message for c in outcome.cells)


def test_graded_submissions_are_skipped_and_an_interrupted_run_carries_on(small_class):
    grade_lab(LAB, small_class, workers=2, progress=False)
    empty_outcome = outcome_path(small_class, "empty", LAB)
    first_mtime = empty_outcome.stat().st_mtime_ns
    outcome_path(small_class, "correct", LAB).unlink()  # as if the run had stopped before this one

    outcomes = grade_lab(LAB, small_class, workers=2, progress=False)

    assert empty_outcome.stat().st_mtime_ns == first_mtime, "already graded: skipped"
    assert {o.student: o.status for o in outcomes} == {"correct": "graded", "empty": "graded"}
    assert outcomes[0].score == outcomes[0].max_score > 0


def test_a_run_stopped_by_ctrl_c_carries_on_where_it_stopped(small_class):
    """The grade command is interrupted (SIGINT) once the first outcome is written; run again, it
    grades only what is left. About 20 s."""
    submit(small_class, "mutant", mutant(small_class, 0))
    command = subprocess.Popen([sys.executable, "-m", "autograder", "grade", LAB, "--workers", "1",
                                "--root", str(small_class)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"})
    written: list[Path] = []
    while not written and command.poll() is None:
        time.sleep(0.2)
        written = list((small_class / "autograded").glob(f"*/{LAB}/outcome.json"))
    command.send_signal(signal.SIGINT)
    assert command.wait(timeout=120) == 130, command.stderr.read().decode()[-2000:]
    done = {p: p.stat().st_mtime_ns for p in (small_class / "autograded").glob(f"*/{LAB}/outcome.json")}
    assert 0 < len(done) < 3

    outcomes = grade_lab(LAB, small_class, workers=2, progress=False)

    assert len(outcomes) == 3 and all(o.status == "graded" for o in outcomes)
    assert {p: p.stat().st_mtime_ns for p in done} == done, "graded before the interruption: not again"


def test_resubmission_and_force_are_regraded(small_class):
    grade_lab(LAB, small_class, workers=2, progress=False)
    correct_outcome = outcome_path(small_class, "correct", LAB)
    before = correct_outcome.stat().st_mtime_ns
    time.sleep(0.01)
    resubmitted = submit(small_class, "empty", correct(small_class))  # the student sent a new version
    os.utime(resubmitted)

    outcomes = {o.student: o for o in grade_lab(LAB, small_class, workers=1, progress=False)}

    assert correct_outcome.stat().st_mtime_ns == before
    assert outcomes["empty"].score == outcomes["empty"].max_score
    grade_lab(LAB, small_class, workers=1, force=True, progress=False)
    assert correct_outcome.stat().st_mtime_ns > before


def test_dask_cluster_grades_and_the_parent_records(small_class):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True,
                                  dashboard_address=None) as cluster:
        outcomes = grade_lab(LAB, small_class, dask_address=cluster.scheduler_address, force=True,
                             progress=False)

    by_student = {o.student: o for o in outcomes}
    assert {o.status for o in outcomes} == {"graded"}, [(o.student, o.reason, o.events) for o in outcomes]
    assert by_student["correct"].score == by_student["correct"].max_score > 0 == by_student["empty"].score
    assert {s: sum(cells.values()) for s, cells in gradebook_scores(small_class).items()} == \
        {s: o.score for s, o in by_student.items()}, "the parent wrote the Dask results to the gradebook"


def test_grade_command_options():
    args = parser().parse_args(["grade", LAB, "--workers", "3", "--dask", "tcp://h:8786", "--timeout", "5",
                                "--memory", "2048", "--force", "--db", "postgresql://x/y", "--root", "/tmp"])
    assert (args.lab, args.workers, args.dask, args.timeout, args.memory, args.force, args.db) == \
        (LAB, 3, "tcp://h:8786", 5, 2048, True, "postgresql://x/y")
    assert args.func.__name__ == "cmd_grade"


def test_grade_without_a_released_lab_says_so(tmp_path):
    (tmp_path / "submitted" / "someone" / LAB).mkdir(parents=True)
    with pytest.raises(SystemExit, match="autograder release"):
        grade_lab(LAB, tmp_path, progress=False)
