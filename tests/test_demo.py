"""`autograder demo` end to end on the bundled example class, and the class being up to date.

test_demo_grades_the_example_class runs the whole demo once (release, collect, grade with 2
workers and a 10 s cell timeout, feedback, exports, report): about 45 s on 2 cores.
"""
from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.authoring.examples import example_class, lab_class
from autograder.course import load_lab

from conftest import ROOT

LAB = "lab01_fundamentals"
GENERATED = ("submitted", "autograded", "feedback", "exports", "reports", "marking")


@pytest.mark.parametrize("lab", sorted(p.name for p in (ROOT / "examples").iterdir() if p.is_dir()))
def test_example_class_is_up_to_date(lab):
    """examples/<lab>/ is exactly what `python -m autograder.examples` generates from release/ and mutants.py."""
    wanted = example_class(lab, ROOT)
    folder = ROOT / "examples" / lab
    assert sorted(p.name for p in folder.iterdir()) == sorted(wanted), f"run: python -m autograder.examples {lab}"
    stale = [name for name, content in wanted.items() if (folder / name).read_bytes() != content]
    assert not stale, f"stale {stale}: run `python -m autograder.examples {lab}` and commit"


def parse_table(out: str, title: str = "== scores") -> tuple[list[str], dict[str, dict[str, str]]]:
    """The printed table after the line starting with ``title``: its header and one row per student
    (and "(out of)")."""
    after = out.split("\n" + title, 1)[1].split("\n== ", 1)[0]
    lines = [line for line in after.splitlines() if line.startswith("| ")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    rows = {}
    for line in lines[1:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0]] = dict(zip(header, cells))
    return header, rows


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    workdir = tmp_path_factory.mktemp("demo")
    before = {name: (ROOT / name).exists() for name in GENERATED}
    gradebook = ROOT / "gradebook.db"
    gradebook_mtime = gradebook.stat().st_mtime if gradebook.exists() else None
    run = subprocess.run([sys.executable, "-m", "autograder", "demo", "--workdir", str(workdir), "--workers", "2"],
                         cwd=ROOT, capture_output=True, text=True, timeout=600,
                         env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"})
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    # the repository's own folders and gradebook are untouched
    assert {name: (ROOT / name).exists() for name in GENERATED} == before
    assert (gradebook.stat().st_mtime if gradebook.exists() else None) == gradebook_mtime
    return workdir, run.stdout


def student(kind: str) -> str:
    return next(e.student for e in lab_class(LAB, ROOT) if e.kind == kind)


def test_demo_grades_the_example_class(demo):
    workdir, out = demo
    header, rows = parse_table(out)
    exercises = header[2:-2]
    full = rows["(out of)"]
    assert rows[student("correct")]["total"] == full["total"] == "18"
    assert all(rows[student("correct")][e] == full[e] for e in exercises)
    assert rows[student("empty")]["total"] == "0"
    for kind in ("invalid_json", "empty_file", "other_lab"):
        row = rows[student(kind)]
        assert row["status"] == "failed" and row["total"] == "failed", kind  # never 0
    for kind in ("mistakes_a", "mistakes_b"):
        assert 0 < float(rows[student(kind)]["total"]) < 18, kind
    for kind in ("deleted_test", "edited_test", "stderr_warning"):
        assert rows[student(kind)]["total"] == "18", kind
    for kind in ("infinite_loop", "kernel_death"):  # the other exercises are still graded
        assert 0 < float(rows[student(kind)]["total"]) < 18, kind
    for example in lab_class(LAB, ROOT):  # an attack wins no point and sinks nothing (tests/test_integrity.py)
        if example.kind.startswith("hostile:"):
            row = rows[example.student]
            assert row["status"] == "graded" and 0 < float(row["total"]) < 18, (example.kind, row)
    _, totals = parse_table(out, "== totals")
    assert totals["(out of)"]["total"] == "27" == f"{load_lab(LAB).points:g}"  # the lab's full points
    assert totals[student("correct")]["total"] == "27" and totals[student("empty")]["total"] == "0"
    assert (totals[student("mistakes_a")]["written"], totals[student("mistakes_a")]["total"]) == ("4.5", "19.5")
    assert totals[student("mistakes_b")]["written"] == "0"  # left blank: nbgrader's 0, nothing to grade
    assert totals[student("invalid_json")]["total"] == "failed"
    hostile = sum(e.kind.startswith("hostile:") for e in lab_class(LAB, ROOT))  # the model answers, 6 each
    assert f"saved 12 scores for {42 + 6 * hostile} written answers" in out  # through `autograder mark`'s save
    for name in ("exports/grades.csv", "exports/canvas.csv", f"reports/{LAB}/report.md",
                 f"reports/{LAB}/histogram.png"):
        assert (workdir / name).exists(), name
    assert len(list((workdir / "feedback").glob(f"*/{LAB}/index.html"))) == len(lab_class(LAB, ROOT))


def test_demo_feedback_shows_no_hidden_test(demo):
    """The real feedback pages contain no hidden-test line of the source notebook."""
    workdir, _ = demo
    source = nbformat.read(ROOT / "source" / LAB / f"{LAB}.ipynb", as_version=4)
    hidden = {line.strip() for cell in source.cells
              for block in re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", cell.source, re.S)
              for line in block.splitlines() if line.strip()}
    release = (ROOT / "release" / LAB / f"{LAB}.ipynb").read_text()
    for page in sorted((workdir / "feedback").glob(f"*/{LAB}/index.html")):
        text = html.unescape(page.read_text())
        own = (workdir / "submitted" / page.parts[-3] / LAB / f"{LAB}.ipynb").read_text(errors="replace")
        leaked = [line for line in hidden if line in text and line not in own and line not in release]
        assert not leaked, (page, leaked)
