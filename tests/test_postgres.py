"""Grading into a real PostgreSQL gradebook (nbgrader's db_url), on a server this test starts and stops.

The server runs from the Debian package `postgresql` (initdb/pg_ctl under
/usr/lib/postgresql/*/bin) in a temporary folder, on loopback and a free port, as an
unprivileged user when the tests run as root. Skipped only when PostgreSQL or its Python
driver (psycopg 3) is not installed. About 20 s, and 40 s for formgrader's state and manual grades.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from autograder.cli import main
from autograder.grader.engine import grade_lab

from grading_course import (LAB, assert_formgrader_ready, build_graded_class, correct, empty, formgrader_view,
                            gradebook_scores, make_course, submit)

BINDIRS = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
pytestmark = pytest.mark.skipif(not BINDIRS, reason="PostgreSQL is not installed "
                                "(Debian: apt-get install postgresql); .ci/run installs it")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_server_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run it as `postgres` (or `nobody`) then."""
    if os.geteuid() != 0:
        return command
    user = "postgres" if shutil.which("runuser") and _user_exists("postgres") else "nobody"
    return ["runuser", "-u", user, "--", *command]


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


@pytest.fixture
def postgres():
    pytest.importorskip("psycopg", reason="the PostgreSQL driver psycopg (3) is not installed")
    bindir = Path(BINDIRS[-1])
    # Not under pytest's tmp_path: its parents are private to root, and the server user must get in.
    folder = Path(tempfile.mkdtemp(prefix="pg-gradebook-"))
    os.chmod(folder, 0o777)
    data, port = folder / "data", free_port()

    def run(*command: str) -> None:
        done = subprocess.run(as_server_user([str(bindir / command[0]), *command[1:]]),
                              capture_output=True, text=True)
        assert done.returncode == 0, f"{command[0]} failed: {done.stdout}{done.stderr}"
    run("initdb", "-D", str(data), "-U", "grader", "--auth=trust", "-E", "UTF8")
    run("pg_ctl", "-D", str(data), "-w", "-l", str(folder / "server.log"), "start",
        "-o", f"-h 127.0.0.1 -p {port} -k {folder}")
    try:
        run("createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "grader", "gradebook")
        yield f"postgresql://grader@127.0.0.1:{port}/gradebook"
    finally:
        run("pg_ctl", "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def test_grades_land_in_a_postgresql_gradebook(tmp_path, postgres):
    folder = make_course(tmp_path, db_url=postgres)
    submit(folder, "correct", correct(folder))
    submit(folder, "empty", empty(folder))
    submit(folder, "broken", b"{ not json")

    outcomes = {o.student: o for o in grade_lab(LAB, folder, workers=2, db_url=postgres, progress=False)}

    scores = gradebook_scores(folder, db_url=postgres)
    assert sum(scores["correct"].values()) == outcomes["correct"].max_score > 0
    assert sum(scores["empty"].values()) == 0
    assert outcomes["broken"].status == "failed" and set(scores["broken"].values()) == {None}
    assert not (folder / "gradebook.db").exists(), "nothing went to a SQLite file"


def test_formgrader_state_manual_grades_and_regrading_on_postgresql(tmp_path, postgres):
    """The gradebook state formgrader relies on, manual grades saved as formgrader and `mark` save them,
    what export sees, and `grade --force` keeping them, on PostgreSQL. About 40 s."""
    from autograder.marking.answers import save_marks
    from autograder.reports.results import lab_grades

    folder = build_graded_class(tmp_path, db_url=postgres)
    assert_formgrader_ready(folder, postgres)
    save_marks(folder, LAB, LAB, "kernel_features", ["10002", "10003"], score=1, comment="Half right.",
               db_url=postgres)
    with Gradebook(postgres, "nn-course") as gb:  # formgrader's GradeHandler.put, on another connection
        grade = gb.find_grade("autoencoders", LAB, LAB, "10001")
        grade.manual_score, grade.needs_manual_grade = 1.0, False
        gb.db.commit()
    _, notebooks = formgrader_view(folder, postgres)
    assert notebooks["10001"]["written_score"] == 1 and notebooks["10002"]["written_score"] == 1

    grade_lab(LAB, folder, workers=2, db_url=postgres, force=True, progress=False)

    grades = {s.student: s for s in lab_grades(folder, LAB, postgres).submissions}
    assert grades["10001"].grade(LAB, "autoencoders").manual_score == 1
    assert (grades["10003"].grade(LAB, "kernel_features").score, grades["10003"].grade(LAB, "kernel_features")
            .comment) == (1, "Half right.")
    assert main(["export", "--root", str(folder), "--db", postgres, "--allow-ungraded"]) == 0
    assert not (folder / "gradebook.db").exists(), "nothing went to a SQLite file"
