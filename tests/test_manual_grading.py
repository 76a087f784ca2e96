"""Written answers graded by hand, on nbgrader's gradebook: formgrader keeps working after `autograder grade`,
`autograder mark` saves as formgrader does, and export, report and feedback see every manual grade.

All tests share one small class graded once (conftest.graded_class: five submissions, about 30 s on
2 cores) and work on copies of it. The real formgrader (a Jupyter server with nbgrader's extension)
starts once, in a few seconds. PostgreSQL: tests/test_postgres.py.
"""
from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from autograder.cli import main, parser
from autograder.course import interpreter_env, load_lab
from autograder.grader.engine import grade_lab
from autograder.marking.answers import ClassAnswers, MarkError, anonymous_id, log_path, save_marks
from autograder.marking.render import markdown
from autograder.marking.sheet import export_answers, import_scores
from autograder.reports.results import lab_grades

from grading_course import (BLANK, LAB, QUESTIONS, assert_formgrader_ready, autograded_points, copy_course,
                            formgrader_view)

pytestmark = pytest.mark.xdist_group("graded_class")


@pytest.fixture
def course(graded_class: Path, tmp_path: Path) -> Path:
    return copy_course(graded_class, tmp_path / "course")


def db(folder: Path) -> str:
    return f"sqlite:///{folder / 'gradebook.db'}"


def test_formgrader_sees_what_autograder_grade_left(graded_class):
    assert_formgrader_ready(graded_class, db(graded_class))
    _, notebooks = formgrader_view(graded_class)
    assert notebooks["10002"]["written_score"] == 0 and notebooks["10001"]["code_score"] == autograded_points()
    assert "10005" not in notebooks, "formgrader cannot show a notebook that failed to grade: `mark` can"


# ----------------------------------------------------------------------------- nbgrader's formgrader, for real


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def formgrader(course):
    """nbgrader's formgrader in a Jupyter server on 127.0.0.1, started in the course folder (its config)."""
    port, token = free_port(), "formgrader-test-token"
    off = [f"--ServerApp.jpserver_extensions={name}=False" for name in (  # what formgrader does not need
        "jupyterlab", "notebook", "jupyter_lsp", "jupyterlab_jupytext", "jupyter_server_terminals", "notebook_shim")]
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1",
         f"--IdentityProvider.token={token}", "--ServerApp.open_browser=False", f"--ServerApp.root_dir={course}",
         "--allow-root", *off],
        cwd=course, env={**interpreter_env(), "JUPYTER_RUNTIME_DIR": str(course / ".runtime")},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def call(path: str, body: dict | None = None) -> dict | str:
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method="PUT" if body else "GET",
                                         data=json.dumps(body).encode() if body else None,
                                         headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
        return json.loads(text) if path.startswith("/formgrader/api") else text

    try:
        for _ in range(300):
            try:
                call("/formgrader/api/status")
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(f"the Jupyter server stopped: {server.stderr.read().decode()[-2000:]}")
                time.sleep(0.1)
        yield call
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_scores_and_comments_set_in_formgrader_reach_export_report_feedback_and_mark(course, formgrader):
    notebooks = {n["student"]: n for n in formgrader(f"/formgrader/api/submitted_notebooks/{LAB}/{LAB}")}
    assert notebooks["10001"]["needs_manual_grade"] and notebooks["10001"]["max_score"] == load_lab(LAB).points
    page = formgrader(f"/formgrader/submissions/{notebooks['10002']['id']}/")  # formgrader's grading page
    assert "A residual block adds its input to its output" in page

    # what formgrader's score and comment boxes send: every grade and comment of one submission
    grades = {g["name"]: g for g in formgrader(f"/formgrader/api/grades?submission_id={notebooks['10002']['id']}")}
    comments = {c["name"]: c for c in formgrader(f"/formgrader/api/comments?submission_id={notebooks['10002']['id']}")}
    for name, points in QUESTIONS.items():
        formgrader(f"/formgrader/api/grade/{grades[name]['id']}", {"manual_score": points / 2, "extra_credit": None})
    formgrader(f"/formgrader/api/comment/{comments['kernel_features']['id']}",
               {"manual_comment": "Which rows does W1 compare?"})
    # a grader's override of an autograded test cell
    formgrader(f"/formgrader/api/grade/{grades['test_weight_shapes_example']['id']}",
               {"manual_score": 0, "extra_credit": None})

    assert main(["export", "--root", str(course)]) == 0
    rows = list(csv.DictReader(open(course / "exports" / "grades.csv")))
    mine = {r["exercise"]: r for r in rows if r["student"] == "10002"}
    assert mine["kernel_features"]["score"] == "1" and mine["residual_networks"]["score"] == "0.5"
    assert mine["weight_shapes"]["score"] == "2", "the override counts (2 of the exercise's 3 points)"
    total = autograded_points() - 1 + 4.5  # the override takes 1 point; half of the 9 written points
    assert (float(mine["total"]["score"]), float(mine["total"]["max_score"])) == (total, load_lab(LAB).points)
    assert main(["report", LAB, "--root", str(course)]) == 0
    report = (course / "reports" / LAB / "report.md").read_text()
    assert "| kernel_features | 2 / 5 | 0.50 | 2 | 0 | 1 |" in report  # 10002 by formgrader, 10004 blank
    assert main(["feedback", LAB, "--root", str(course)]) == 0
    feedback = (course / "feedback" / "10002" / LAB / "index.html").read_text()
    assert "<b>1 / 2</b>" in feedback and "Which rows does W1 compare?" in feedback
    answers = ClassAnswers(course, LAB).answers(ClassAnswers(course, LAB).find(LAB, "kernel_features"))
    group = next(g for g in answers.groups if "10002" in g.students)
    assert group.scores == [1.0, None], "mark shows formgrader's score beside the ungraded twin (10003)"


def test_mark_and_formgrader_side_by_side_last_write_wins_and_is_recorded(course, formgrader):
    notebooks = {n["student"]: n for n in formgrader(f"/formgrader/api/submitted_notebooks/{LAB}/{LAB}")}
    grades = {g["name"]: g for g in formgrader(f"/formgrader/api/grades?submission_id={notebooks['10001']['id']}")}
    grade_url = f"/formgrader/api/grade/{grades['autoencoders']['id']}"
    save_marks(course, LAB, LAB, "autoencoders", ["10001"], score=1, grader="ann", seen={"score": None})
    # formgrader, whose page still shows no score, saves 0.5 on the same cell: the last write wins
    formgrader(grade_url, {"manual_score": 0.5, "extra_credit": None})
    assert formgrader(grade_url)["manual_score"] == 0.5
    (saved,) = save_marks(course, LAB, LAB, "autoencoders", ["10001"], score=0, grader="ann", seen={"score": 1})
    assert saved.overwrote == "score 0.5", "ann is told she replaced what formgrader saved meanwhile"
    assert next(s for s in lab_grades(course, LAB).submissions if s.student == "10001") \
        .grade(LAB, "autoencoders").manual_score == 0
    log = [json.loads(line) for line in log_path(course, LAB).read_text().splitlines()]
    assert [(r["grader"], r["before"]["score"], r["after"]["score"]) for r in log] == [("ann", None, 1), ("ann", 0.5, 0)]
    assert log[-1]["overwrote"] == "score 0.5"


# ----------------------------------------------------------------------------- robustness


def test_scores_outside_zero_to_max_are_refused_and_nothing_is_saved(course):
    for score, message in ((2.5, r"2\.5 is outside \[0, 2\]"), (-1, r"-1 is outside"), ("lots", "not a number"),
                           (float("nan"), "outside")):
        with pytest.raises(MarkError, match=message):
            save_marks(course, LAB, LAB, "kernel_features", ["10001", "10002"], score=score)
    assert all(ClassAnswers(course, LAB).answers(ClassAnswers(course, LAB).find(LAB, "kernel_features"))
               .groups[i].scores == [None] for i in range(2))
    assert not log_path(course, LAB).read_text(), "nothing recorded"


SAVER = """
import sys
from autograder.marking.answers import save_marks
root, grader, question, start = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
import time
while time.time() < start:
    time.sleep(0.001)
for round in range(5):
    for student in ("10001", "10002", "10003"):
        save_marks(root, "lab01_fundamentals", "lab01_fundamentals", question, [student], score=(round + 1) % 2,
                   grader=grader, seen={"score": None})
    save_marks(root, "lab01_fundamentals", "lab01_fundamentals", "autoencoders", ["10004"],
               score=0.5 if grader == "ann" else 1, comment=grader, grader=grader)
"""


def test_two_graders_saving_at_once_lose_nothing(course):
    start = time.time() + 1.5  # both start together, once imported
    env = {**interpreter_env(), "PYTHONPATH": os.pathsep.join(sys.path)}
    graders = [subprocess.Popen([sys.executable, "-c", SAVER, str(course), name, question, str(start)], env=env,
                                stderr=subprocess.PIPE) for name, question in (("ann", "residual_networks"),
                                                                               ("bob", "autoencoders"))]
    for process in graders:
        assert process.wait(timeout=120) == 0, process.stderr.read().decode()[-2000:]
    grades = {s.student: s for s in lab_grades(course, LAB).submissions}
    for student in ("10001", "10002", "10003"):  # each grader's last score of its own question
        assert grades[student].grade(LAB, "residual_networks").manual_score == 1
        assert grades[student].grade(LAB, "autoencoders").manual_score == 1
    log = [json.loads(line) for line in log_path(course, LAB).read_text().splitlines()]
    assert len(log) == 2 * 5 * 4, "every write is recorded"
    shared = [r for r in log if r["student"] == "10004"]
    final = grades["10004"].grade(LAB, "autoencoders")
    assert (final.manual_score, final.comment) == (shared[-1]["after"]["score"], shared[-1]["after"]["comment"]), \
        "the last write to a cell wins, and the log's last line says which"


def test_grade_force_keeps_the_manual_grades(course):
    """nbgrader's SaveAutoGrades keeps manual scores: proved on our path (grade_lab --force)."""
    import shutil

    for student in ("10003", "10004", "10005"):  # fewer kernels: regrade two submissions and a broken one
        shutil.rmtree(course / "submitted" / student)
    save_marks(course, LAB, LAB, "kernel_features", ["10001", "10002"], score=1.5, comment="good")
    save_marks(course, LAB, LAB, "autoencoders", ["10006"], score=1)  # a failed submission's written answer
    before = {s.student: (s.grades, s.outcome.status) for s in lab_grades(course, LAB).submissions}

    grade_lab(LAB, course, workers=2, force=True, progress=False)

    after = {s.student: (s.grades, s.outcome.status) for s in lab_grades(course, LAB).submissions}
    for student in ("10001", "10002", "10006"):
        for key, grade in before[student][0].items():
            kept = after[student][0][key]
            assert (kept.manual_score, kept.comment, kept.auto_score) == \
                (grade.manual_score, grade.comment, grade.auto_score), (student, key)
    assert after["10002"][0][(LAB, "kernel_features")].score == 1.5


def test_a_submission_that_failed_to_grade_shows_its_written_answers(course):
    marking = ClassAnswers(course, LAB)
    answers = marking.answers(marking.find(LAB, "residual_networks"))
    by_student = {a.student: a for a in answers.answers}
    assert "A residual block adds its input" in by_student["10005"].text  # read from submitted/: failed grading
    assert [a.student for a in answers.unreadable] == ["10006"] and "invalid JSON" in answers.unreadable[0].why_missing
    save_marks(course, LAB, LAB, "residual_networks", ["10005"], score=1)
    grades = {s.student: s for s in lab_grades(course, LAB).submissions}
    assert grades["10005"].question_score(marking.find(LAB, "residual_networks")) == 1
    assert lab_grades(course, LAB).total(grades["10005"]) is None, "still failed: its total stays empty"


def test_identical_answers_are_grouped_and_anonymised(course):
    marking = ClassAnswers(course, LAB)
    groups = marking.answers(marking.find(LAB, "gradient_accumulation")).groups
    assert sorted(sorted(g.students) for g in groups[:2]) == [["10001", "10005"], ["10002", "10003"]]
    assert groups[2].students == ["10004"]
    assert groups[-1].no_response and groups[-1].graded and groups[-1].scores == [0.0]  # nbgrader: no response
    labels = [a.label for g in groups for a in g.answers]
    assert all(label.startswith("S") and len(label) == 7 for label in labels)
    assert not any(student in " ".join(labels) for student in ("10001", "10002", "10003", "10004", "10005"))
    named = ClassAnswers(course, LAB, names=True)
    assert {a.label for a in named.answers(named.find(LAB, "autoencoders")).answers} == \
        {"10001", "10002", "10003", "10004", "10005"}


def test_spreadsheet_export_and_import(course, tmp_path):
    marking = ClassAnswers(course, LAB)
    sheet = tmp_path / "answers.csv"
    assert export_answers(marking, sheet) == 6 * 5  # six questions, five readable notebooks
    rows = list(csv.DictReader(open(sheet, encoding="utf-8")))
    assert {r["submission"] for r in rows} == {anonymous_id(LAB, s) for s in ("10001", "10002", "10003", "10004",
                                                                                  "10005")}
    for row in rows:
        if row["question"] == "residual_networks" and row["answer"] != BLANK:
            row["score"], row["comment"] = "0.5", "Why does it help?"
    with open(sheet, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=rows[0].keys())
        writer.writeheader()
        writer.writerows(rows)
    assert import_scores(marking, sheet, grader="sheet") == (4, 26)
    grades = {s.student: s for s in lab_grades(course, LAB).submissions}
    question = marking.find(LAB, "residual_networks")
    assert [grades[s].question_score(question) for s in ("10001", "10002", "10004")] == [0.5, 0.5, 0.0]
    assert grades["10003"].question_comment(question) == "Why does it help?"

    rows[0]["score"] = "7"
    with open(sheet, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=rows[0].keys())
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(MarkError, match=r"line 2: residual_networks of S\w+: 7 is outside \[0, 1\]"):
        import_scores(marking, sheet)
    assert main(["mark", LAB, "--root", str(course), "--import", str(sheet)]) == 2  # said, not a traceback


def test_rendered_answers_are_markdown_and_mathml_without_html():
    page = markdown("**bold** <script>alert(1)</script> $\\text{<img src=x onerror=alert(1)>}$ "
                    "[x](javascript:alert(1)) $\\frac{a}{b}$")
    assert "<strong>bold</strong>" in page and "<mfrac>" in page
    assert "<script" not in page and "<img" not in page and 'href="javascript' not in page


def test_mark_command_options():
    args = parser().parse_args(["mark", LAB, "--export", "a.csv", "--names", "--db", "postgresql://x/y"])
    assert (args.lab, args.export, args.names, args.db, args.func.__name__) == \
        (LAB, Path("a.csv"), True, "postgresql://x/y", "cmd_mark")
    with pytest.raises(SystemExit):
        parser().parse_args(["mark", LAB, "--export", "a.csv", "--import", "b.csv"])
