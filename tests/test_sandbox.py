"""Grading that student code cannot forge, read or sabotage: hostile submissions graded by the real `grade`.

The student's kernel runs in its sandbox, the test cells in the judge kernel (grader/judge.py), as
`autograder grade` runs them. For each lab (Lab 1, Lab 4, Lab 6 with torch training, the template
lab) one course is graded twice with 2 workers: first the bystanders (a correct submission and the
honest wrong controls), then every hostile submission of that lab (tests/hostile.py) beside a
classmate graded at the same time. Each test then checks one
thing: an attacker scores what its control scores; no bystander's grade, outcome or file changed,
not even seconds after grading, when a process that escaped its kernel would strike; no process
outlives its kernel. Then the sandbox itself (what a kernel sees, two kernels that cannot reach each
other), grading without it (refused unless asked; a worker killed is retried alone and graded again
next run) and the messages.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

from autograder.authoring.build import build
from autograder.grader import sandbox
from autograder.grader.engine import grade_lab
from autograder.grader.isolation import IsolatedExecute, contain_unscorable_outputs
from autograder.grader.outcomes import load_outcome, outcome_path

from grading_course import ROOT, make_course
from hostile import (HOSTILE, LAB1, LAB4, LAB6, SURVIVOR_MARKER, TEMPLATE, Hostile, control_name, exercise_notebook,
                     for_lab, lab_folder, reference_solution, submit_answers, submit_control, submit_hostile)

# One xdist group per lab's course: the tests of a course run in the process that graded it (once); the
# courses of different labs may be graded by the two processes at the same time.
pytestmark = pytest.mark.skipif(sandbox.unavailable_reason() is not None,
                                reason=f"no sandbox on this machine: {sandbox.unavailable_reason()}")
WORKERS = 2
GRACE = 3  # seconds after grading for a process that escaped its kernel to strike


# ----------------------------------------------------------------------------- one course per lab


def make_lab_course(folder: Path, lab: str) -> Path:
    """A course folder with the lab released: Labs 1 and 4 from source/, the template lab built from docs/."""
    if (ROOT / "source" / lab).is_dir():
        return make_course(folder, lab)
    shutil.copytree(lab_folder(lab), folder / "assignments" / lab)
    (folder / "nbgrader_config.py").write_text(
        f"from autograder.course import configure\nconfigure(get_config(), root={str(folder)!r})\n")
    build([lab], root=folder)
    return folder


@dataclass
class Graded:
    folder: Path
    outcomes: dict  # student -> Outcome
    gradebook: dict  # student -> grade id -> (auto score, manual score)
    bystanders: dict  # student -> what must never change (gradebook row, outcome, notebook), after run 1
    bystanders_after: dict  # the same, GRACE seconds after run 2
    files_before: dict  # every submitted file -> digest, before run 2
    files_after: dict
    survivors: list[str]  # command lines of hostile processes alive after grading
    connections: list[int] = field(default_factory=list)  # connections the grading machine's server got


def gradebook_rows(folder: Path, lab: str) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}") as gradebook:
        return {submission.student.id: {grade.name: (grade.auto_score, grade.manual_score)
                                        for notebook in submission.notebooks for grade in notebook.grades}
                for submission in gradebook.assignment_submissions(lab)}


def digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def bystander_state(folder: Path, lab: str, students: list[str]) -> dict:
    rows = gradebook_rows(folder, lab)
    return {s: (rows.get(s), digests(folder / "autograded" / s), digests(folder / "submitted" / s)) for s in students}


def survivors(lab: str) -> list[str]:
    """Command lines of this lab's hostile processes still alive."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            words = cmdline.read_bytes().decode(errors="replace")
        except OSError:
            continue
        if SURVIVOR_MARKER in words and lab in words:
            found.append(words.replace("\0", " ")[:200])
    return found


def solution_server(solution: str) -> tuple[int, list[int]]:
    """A server on the grading machine that hands its solution to whoever connects (it should get no one)."""
    server = socket.create_server(("127.0.0.1", 0))
    connections: list[int] = []

    def serve() -> None:
        while True:
            connection, _ = server.accept()
            connections.append(1)
            with connection:
                connection.sendall(solution.encode())

    threading.Thread(target=serve, daemon=True).start()
    return server.getsockname()[1], connections


def grade_course(folder: Path, lab: str, sandboxed: bool = True) -> Graded:
    """Run 1: the bystanders; run 2: the lab's hostile submissions and a classmate (``sandboxed=False``:
    only those safe to try that way, to see them succeed)."""
    hostiles = [h for h in for_lab(lab) if sandboxed or h.safe_without_sandbox]
    here = os.getcwd()
    os.chdir(folder)  # as instructors run it: `autograder grade LAB` in the course folder
    try:
        return _grade_course(folder, lab, hostiles, sandboxed)
    finally:
        os.chdir(here)


def _grade_course(folder: Path, lab: str, hostiles: list[Hostile], sandboxed: bool) -> Graded:
    if lab not in (LAB4, LAB6):  # the slowest kernels: their controls are their bystanders
        submit_answers(folder, lab, "correct")
    for hostile in {control_name(h): h for h in hostiles}.values():
        submit_control(folder, hostile)
    grade_lab(lab, folder, workers=WORKERS, progress=False, sandbox=sandboxed)  # run 1: the bystanders
    bystanders = sorted(p.name for p in (folder / "submitted").iterdir())
    before = bystander_state(folder, lab, bystanders)

    networked = [h for h in hostiles if h.name == "network_to_grader"]
    port, connections = solution_server(reference_solution(folder, lab, networked[0].exercise)) if networked \
        else (0, [])
    for hostile in hostiles:
        submit_hostile(folder, hostile, port=port)
    if any(h.name == "kernel_injection" for h in hostiles):  # a classmate graded at the same time as the attackers
        submit_answers(folder, lab, "classmate")
    files_before = digests(folder / "submitted")
    grade_lab(lab, folder, workers=WORKERS, progress=False, sandbox=sandboxed)  # run 2: the attackers
    time.sleep(GRACE)
    outcomes = {p.parent.parent.name: load_outcome(p) for p in (folder / "autograded").glob(f"*/{lab}/outcome.json")}
    return Graded(folder, outcomes, gradebook_rows(folder, lab), before, bystander_state(folder, lab, bystanders),
                  files_before, digests(folder / "submitted"), survivors(lab), connections)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The lab's course, graded (once per lab and test process)."""
    courses: dict[str, Graded] = {}

    def get(lab: str) -> Graded:
        if lab not in courses:
            courses[lab] = grade_course(make_lab_course(tmp_path_factory.mktemp(lab), lab), lab)
        return courses[lab]

    return get


def by_lab(items: list, lab_of) -> list:  # noqa: ANN001
    """Test parameters named by lab (and attack)."""
    return [pytest.param(item, id=f"{lab_of(item)}-{getattr(item, 'name', '')}".rstrip("-"),
                         marks=course_group(lab_of(item))) for item in items]


def course_group(lab: str) -> pytest.MarkDecorator:
    """The xdist group of the tests that read one lab's graded course."""
    return pytest.mark.xdist_group(f"sandbox-{lab}")


def cell_scores(outcome) -> dict[str, float]:  # noqa: ANN001
    return {c.grade_id: c.score for c in outcome.cells}


def exercise_tests(lab: str, exercise: str, folder: Path) -> set[str]:
    from autograder.cells import exercises

    nb = nbformat.read(folder / "source" / lab / f"{exercise_notebook(folder, lab, exercise)}.ipynb", as_version=4)
    return set(next(e for e in exercises(nb) if exercise in e.solution_ids).test_ids)


# ----------------------------------------------------------------------------- the attacks


@pytest.mark.parametrize("hostile", by_lab(HOSTILE, lambda h: h.lab))
def test_hostile_submission_scores_what_its_control_scores(graded, hostile: Hostile):
    course = graded(hostile.lab)
    attacker, honest = course.outcomes[hostile.student], course.outcomes[control_name(hostile)]
    assert not attacker.grader_failed and attacker.status != "failed", (attacker.reason, attacker.events)
    got, want = cell_scores(attacker), cell_scores(honest)
    assert sum(want.values()) < attacker.max_score, "the control loses points: an attack that worked would show"
    if hostile.expect == "control":
        assert got == want, {k: (got[k], want[k]) for k in got if got[k] != want.get(k)}
        assert course.gradebook[hostile.student] == course.gradebook[control_name(hostile)]
    elif hostile.expect == "died":
        assert any(hostile.died in e and "memory" not in e for e in attacker.events), attacker.events
        assert all(got[k] <= want[k] for k in got)
    elif hostile.expect == "unscorable":
        own = exercise_tests(hostile.lab, hostile.exercise, course.folder)
        assert {k: v for k, v in got.items() if k not in own} == {k: v for k, v in want.items() if k not in own}
        assert all(got[k] <= want[k] for k in own)


@pytest.mark.parametrize("lab", by_lab([LAB1, LAB4, LAB6, TEMPLATE], lambda lab: lab))
def test_no_bystander_is_harmed(graded, lab):
    course = graded(lab)
    assert course.bystanders_after == course.bystanders, "a grade, outcome or notebook of a bystander changed"
    assert course.files_after == course.files_before, "a submitted file changed"
    assert all(course.outcomes[s].status == "graded" for s in course.bystanders)
    # a control gets all but its broken exercise (the template lab has one exercise: a control scores 0)
    assert all(course.outcomes[s].score > 0 for s in course.bystanders if len(course.outcomes[s].cells) > 1)
    if "classmate" in course.outcomes:  # graded beside the attackers
        classmate, reference = course.outcomes["classmate"], course.outcomes["correct"]
        assert cell_scores(classmate) == cell_scores(reference) and reference.score == reference.max_score


@pytest.mark.parametrize("lab", by_lab([LAB1, LAB4, LAB6, TEMPLATE], lambda lab: lab))
def test_no_process_outlives_its_kernel(graded, lab):
    assert graded(lab).survivors == []


@course_group(LAB1)
def test_the_grading_machines_network_is_out_of_reach(graded):
    assert graded(LAB1).connections == []


@course_group(LAB1)
def test_a_process_flood_stops_at_the_process_limit(graded):
    course = graded(LAB1)
    nb = nbformat.read(course.folder / "autograded" / "hostile_process_flood" / LAB1 / f"{LAB1}.ipynb", as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    started = int(text.split("hostile process flood: started ")[1].split()[0])
    assert 0 < started < sandbox.Limits().processes


# ----------------------------------------------------------------------------- the sandbox itself

PROBE = r'''
import json, os, resource, socket, sys
def can(action):
    try:
        action()
        return True
    except OSError:
        return False
print(json.dumps({
    "uid": os.getuid(), "ppid": os.getppid(), "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
    "sees": {path: os.path.exists(path) for path in PATHS},
    "writes_venv": can(lambda: open(os.path.join(sys.prefix, "probe"), "w")),
    "network": can(lambda: socket.create_connection(("127.0.0.1", PORT), timeout=2)),
    "limits": {name: resource.getrlimit(getattr(resource, name))[0] for name in ("RLIMIT_AS", "RLIMIT_NPROC", "RLIMIT_CPU")},
    "numpy": __import__("numpy").__file__, "last_on_path": sys.path[-1], "cwd": os.getcwd(),
    "env": dict(os.environ),
}))
'''


def run_cells(cells: list[str], workdir: Path, memory_mb: int = 6000, sandboxed: bool = True) -> list[str]:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    executor = IsolatedExecute(memory_mb=memory_mb, threads=1, sandboxed=sandboxed, timeout=60)
    nb, _ = executor(nb, {"metadata": {"path": str(workdir)}})
    return ["".join(o.get("text", "") or o.get("evalue", "") for o in c.outputs) for c in nb.cells]


def test_a_sandboxed_kernel_sees_only_its_own_folder(tmp_path):
    """Its folder; not the repository, the course folder or the venv's insides; no network; limits; sys.path."""
    import json

    workdir, course = tmp_path / "work", make_course(tmp_path / "course")
    workdir.mkdir()
    (workdir / "numpy.py").write_text("raise SystemExit('the student numpy.py was imported')\n")
    secrets = [str(ROOT / "assignments"), str(ROOT / "source"), str(ROOT / ".git"), str(course / "gradebook.db"),
               str(course / "source"), str(course / "release")]
    server = socket.create_server(("127.0.0.1", 0))
    probe = PROBE.replace("PATHS", repr(secrets)).replace("PORT", str(server.getsockname()[1]))
    (output,) = run_cells([probe], workdir, memory_mb=6000)
    seen = json.loads(output)
    assert seen["uid"] != 0 and seen["ppid"] == 1 and seen["pids"] == [1, 2], seen
    assert not any(seen["sees"].values()), seen["sees"]
    assert not seen["writes_venv"] and not seen["network"]
    assert seen["limits"]["RLIMIT_AS"] == 6000 * 2**20 and seen["limits"]["RLIMIT_NPROC"] == sandbox.Limits().processes
    assert seen["limits"]["RLIMIT_CPU"] > 0
    assert "site-packages" in seen["numpy"] and seen["last_on_path"] == str(workdir)
    assert seen["cwd"] == str(workdir) and seen["env"].get("PWD", str(workdir)) == str(workdir)
    assert not {"OLDPWD", "COURSE_ROOT", "JPY_PARENT_PID"} & set(seen["env"]), "only what grading needs"
    assert not any(str(course) in value for value in seen["env"].values())


def test_two_kernels_cannot_reach_each_other(tmp_path):
    """A kernel cannot read another's connection file, see its sockets or its processes."""
    from jupyter_client import BlockingKernelClient

    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir(), second.mkdir()
    from jupyter_core.utils import run_sync

    managers = []
    try:
        for folder in (first, second):
            km = sandbox.SandboxedKernelManager(kernel_name="python3")
            km.sandbox, km.limits = sandbox.Sandbox(sandbox.Limits()), sandbox.Limits()
            managers.append(km)
            run_sync(km.start_kernel)(cwd=str(folder), env=sandbox.kernel_environment(1, sandboxed=True))
        target = managers[1]
        paths = [target.connection_file, *(f"{target.ip}-{port}" for port in target.ports)]
        client = BlockingKernelClient(connection_file=managers[0].connection_file, parent=managers[0])
        client.load_connection_file()
        client.start_channels()
        client.wait_for_ready(timeout=60)
        outputs = []
        client.execute_interactive(
            f"import os\nprint([os.path.exists(p) for p in {paths!r}], len([p for p in os.listdir('/proc') if p.isdigit()]))",
            output_hook=lambda msg: outputs.append(msg["content"].get("text", "")), timeout=60)
        client.stop_channels()
        assert all(os.path.exists(p) for p in paths), "the second kernel's files exist, outside its sandbox"
        assert "".join(outputs).strip() == f"{[False] * len(paths)} 2"
    finally:
        for km in managers:
            run_sync(km.shutdown_kernel)(now=True)
            km.sandbox.cleanup()


# ----------------------------------------------------------------------------- grading without the sandbox


def test_grading_refuses_without_a_sandbox_unless_asked(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "unavailable_reason", lambda: "bubblewrap is not installed")
    (tmp_path / "submitted" / "someone" / TEMPLATE).mkdir(parents=True)
    with pytest.raises(SystemExit) as refused:
        grade_lab(TEMPLATE, tmp_path, progress=False)
    message = str(refused.value)
    assert "bubblewrap is not installed" in message and "--no-sandbox" in message
    assert "solutions, hidden tests" in message  # what grading without it gives up


def test_a_killed_worker_fails_its_submission_alone_and_the_next_run_grades_it_again(tmp_path):
    """Without the sandbox the attacker does kill its worker: retried alone, failed alone, graded again next run."""
    killer = next(h for h in HOSTILE if h.name == "kill_worker" and h.lab == TEMPLATE)
    folder = make_lab_course(tmp_path, TEMPLATE)
    submit_answers(folder, TEMPLATE, "correct")
    submit_control(folder, killer)
    submit_hostile(folder, killer)

    outcomes = {o.student: o for o in grade_lab(TEMPLATE, folder, workers=WORKERS, progress=False, sandbox=False)}

    failed = outcomes[killer.student]
    assert failed.status == "failed" and failed.grader_failed and "worker process died" in failed.reason
    assert outcomes["correct"].score == outcomes["correct"].max_score > 0
    assert outcomes[control_name(killer)].status == "graded"
    bystanders = {s: outcome_path(folder, s, TEMPLATE).stat().st_mtime_ns for s in ("correct", control_name(killer))}
    attacker = outcome_path(folder, killer.student, TEMPLATE).stat().st_mtime_ns

    grade_lab(TEMPLATE, folder, workers=WORKERS, progress=False, sandbox=False)

    assert {s: outcome_path(folder, s, TEMPLATE).stat().st_mtime_ns for s in bystanders} == bystanders
    assert outcome_path(folder, killer.student, TEMPLATE).stat().st_mtime_ns > attacker, "graded again"


# ----------------------------------------------------------------------------- messages


def test_an_exit_is_not_called_a_memory_problem():
    limits = sandbox.Limits(memory_mb=5000, cpu_seconds=100)
    exited = sandbox.describe_exit(3, True, "", limits)
    assert "exited with status 3" in exited and "memory" not in exited
    assert "SIGKILL" in sandbox.describe_exit(128 + signal.SIGKILL, True, "", limits)
    assert "SIGSEGV" in sandbox.describe_exit(-signal.SIGSEGV, False, "", limits)
    assert "CPU-time limit (100 s)" in sandbox.describe_exit(128 + signal.SIGXCPU, True, "", limits)
    assert "5000 MB memory limit" in sandbox.describe_exit(134, True, "terminate called after throwing an "
                                                                      "instance of 'std::bad_alloc'", limits)


def test_a_result_that_is_not_a_score_scores_zero_with_the_reason():
    def test_cell(result: dict) -> nbformat.NotebookNode:
        cell = nbformat.v4.new_code_cell("", metadata={"nbgrader": {
            "grade": True, "grade_id": "test_x", "points": 2, "solution": False, "locked": True}})
        cell.outputs = [nbformat.v4.new_output("execute_result", data=result, execution_count=1)]
        return cell

    nb = nbformat.v4.new_notebook(cells=[test_cell({"text/plain": "1000"}), test_cell({"text/html": "<b>"})])
    events = contain_unscorable_outputs(nb)
    assert len(events) == 2 and all("not a score" in e for e in events)
    from autograder.cells import score_cell

    assert [score_cell(c).score for c in nb.cells] == [0, 0]
    assert all("UnscorableOutput" in score_cell(c).message for c in nb.cells)
