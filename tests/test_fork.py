"""Kernels forked from a preloaded template (grader/factory.py): no state passes from one submission to the next.

One worker grades, in this order, in one template: a polluter (it sets a global, monkeypatches numpy
and autograder.checks, writes module attributes, leaves a thread and a setsid process running that
keep patching and try to reach the next kernel through its connection file, and leaves files in /tmp
and $HOME), then a correct submission and a wrong one, each with a probe that reports what it sees.
Then the worker replaces a template that died, and says so (the students' sandboxed template, and the
plain one of trusted kernels). About 40 s on 2 cores (the template lab).
"""
from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import nbformat
import pytest

from autograder.grader import factory, sandbox
from autograder.grader.engine import grade_lab

from grading_course import correct, submit
from hostile import TEMPLATE, Hostile, broken_answer, reference_solution
from test_sandbox import make_lab_course

pytestmark = [pytest.mark.skipif(sandbox.unavailable_reason() is not None or factory.unavailable_reason() is not None,
                                 reason=f"no sandbox or fork here: {sandbox.unavailable_reason()} "
                                        f"{factory.unavailable_reason()}"),
              pytest.mark.xdist_group("sandbox")]

POLLUTE = r'''
import builtins, glob, os, subprocess, sys, threading, time
import numpy
import autograder.checks
builtins._POLLUTED = True
numpy.allclose = lambda *args, **kwargs: True
numpy.isclose = lambda a, b, *args, **kwargs: numpy.ones(numpy.broadcast(a, b).shape, bool)
autograder.checks.assert_close = lambda *args, **kwargs: None
numpy._polluted_attribute = 1
sys.modules["polluted_module"] = sys
def _keep_patching():
    while True:
        numpy.allclose = lambda *args, **kwargs: True
        time.sleep(0.01)
threading.Thread(target=_keep_patching, daemon=True, name="polluter").start()
open("/tmp/polluted", "w").write("x")
open(os.path.expanduser("~/polluted"), "w").write("x")
# a process that outlives this kernel and tries to reach every kernel started after it
_SURVIVOR = """
import glob, json, os, time
from jupyter_client import BlockingKernelClient
deadline, seen = time.monotonic() + 60, set()
while time.monotonic() < deadline:
    for path in glob.glob("/tmp/ag-*/k/*.json"):
        if path in seen:
            continue
        seen.add(path)
        try:
            client = BlockingKernelClient(connection_file=path)
            client.load_connection_file()
            client.start_channels()
            client.execute("import builtins, numpy; builtins._POLLUTED = True; numpy.allclose = lambda *a, **k: True")
        except Exception:
            pass
    for folder in glob.glob("/tmp/ag-w-*/grade-*"):
        try:
            open(os.path.join(folder, "polluted"), "w").write("x")
        except OSError:
            pass
    time.sleep(0.05)
"""
subprocess.Popen(["setsid", sys.executable, "-c", _SURVIVOR], start_new_session=True)
time.sleep(1)
'''

PROBE = r'''
import builtins, glob, json, os, sys, threading
import numpy
import autograder.checks
print("PROBE " + json.dumps({
    "forked": "autograder.grader" in sys.modules,  # the template runs autograder.grader.template
    "global": hasattr(builtins, "_POLLUTED"),
    "numpy": numpy.allclose.__module__ != "numpy" or numpy.isclose.__module__ != "numpy",
    "checks": autograder.checks.assert_close.__module__ != "autograder.checks",
    "attribute": hasattr(numpy, "_polluted_attribute") or "polluted_module" in sys.modules,
    "threads": [t.name for t in threading.enumerate() if t.name == "polluter"],
    "files": glob.glob("/tmp/polluted") + glob.glob(os.path.expanduser("~/polluted")) + glob.glob("polluted"),
    "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, os.getpid())),
}))
'''


def with_code(folder: Path, answer: str, extra: str) -> nbformat.NotebookNode:
    return correct(folder, TEMPLATE, {"relu": f"{answer}\n\n{extra}"})


def probe(folder: Path, student: str) -> dict:
    nb = nbformat.read(folder / "autograded" / student / TEMPLATE / f"{TEMPLATE}.ipynb", as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    return json.loads(text.split("PROBE ", 1)[1].splitlines()[0])


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = make_lab_course(tmp_path_factory.mktemp("fork"), TEMPLATE)
    reference = reference_solution(folder, TEMPLATE, "relu")
    wrong = broken_answer(Hostile("wrong", "", TEMPLATE, "relu"))
    submit(folder, "a_polluter", with_code(folder, wrong, POLLUTE), TEMPLATE)
    submit(folder, "b_correct", with_code(folder, reference, PROBE), TEMPLATE)
    submit(folder, "c_wrong", with_code(folder, wrong, PROBE), TEMPLATE)
    outcomes = {o.student: o for o in grade_lab(TEMPLATE, folder, workers=1, progress=False)}  # one worker, in order
    return folder, outcomes


def test_the_next_submissions_see_nothing_of_the_polluter(graded):
    folder, _ = graded
    for student in ("b_correct", "c_wrong"):
        seen = probe(folder, student)
        assert seen.pop("forked"), "the kernel was not forked from the template"
        assert seen == {"global": False, "numpy": False, "checks": False, "attribute": False, "threads": [],
                        "files": [], "processes": []}, (student, seen)


def test_the_next_submissions_score_as_they_should(graded):
    _, outcomes = graded
    assert outcomes["a_polluter"].status == "graded"
    assert outcomes["b_correct"].score == outcomes["b_correct"].max_score > 0
    assert outcomes["c_wrong"].score < outcomes["c_wrong"].max_score  # (the polluter's own patches are issue 16's judge)
    assert not any("template" in e for o in outcomes.values() for e in o.events)


@pytest.mark.parametrize("sandboxed", [True, False], ids=["student", "trusted"])
def test_a_dead_template_is_replaced_and_said(sandboxed):
    """The students' template (sandboxed) and a trusted kernels' template (a judge's: plain)."""
    from autograder.grader.isolation import IsolatedExecute

    kernels = factory.KernelFactory(("numpy",), threads=1, sandboxed=sandboxed)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import sys; print('autograder.grader' in sys.modules)")])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}

    def run() -> str:
        with kernels.workdir("student") as folder:
            done, _ = IsolatedExecute(memory_mb=6000, threads=1, timeout=60, sandboxed=sandboxed, factory=kernels)(
                nbformat.from_dict(json.loads(json.dumps(nb))), {"metadata": {"path": folder}})
        return done.cells[0].outputs[0]["text"]

    try:
        assert run() == "True\n" and kernels.take_events() == []
        os.killpg(kernels.template.process.pid, signal.SIGKILL)
        kernels.template.process.wait()
        assert run() == "True\n", "forked from a new template"
        (event,) = kernels.take_events()
        assert "template" in event and "new one" in event
    finally:
        kernels.close()


def test_preload_is_the_labs_setting_or_its_imports(tmp_path, monkeypatch):
    assert factory.imported_modules("import numpy as np, torch.nn\nfrom a.b import c\nfrom . import d\n%matplotlib inline\n"
                                    "def f():\n    import hidden") == ["numpy", "torch.nn", "a.b"]
    assert factory.is_library("numpy") and factory.is_library("autograder") and not factory.is_library("no_such_thing")
    (tmp_path / "helper_of_a_lab.py").write_text("")  # a file next to the notebooks is never preloaded
    monkeypatch.syspath_prepend(str(tmp_path))
    assert not factory.is_library("helper_of_a_lab")
