"""Shared fixtures: the repository, its labs, and a fresh build of them in a temporary folder."""
from __future__ import annotations

from pathlib import Path

import pytest

from autograder.authoring.build import build
from autograder.course import labs

ROOT = Path(__file__).resolve().parents[1]
SELFTEST_DIR = ROOT / "build" / "selftest"  # per-notebook visible kill rates, summed up at the end of the run


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the controller, once per run (not each xdist worker)
        for stale in SELFTEST_DIR.glob("*.json"):
            stale.unlink()


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ANN001
    """The visible kill rate per lab: the fraction of its mutants a check students can see catches."""
    import json

    per_lab: dict[str, list[int]] = {}
    for path in sorted(SELFTEST_DIR.glob("*.json")):
        data = json.loads(path.read_text())
        counts = per_lab.setdefault(data["lab"], [0, 0])
        counts[0] += data["mutants"] - len(data["escaped"])
        counts[1] += data["mutants"]
    if per_lab:
        terminalreporter.section("visible kill rate (mutants failing a visible check)")
        for lab, (caught, total) in per_lab.items():
            terminalreporter.write_line(f"{lab:<28} {caught:>4} / {total:<4} {caught / total if total else 1:.0%}")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def fresh_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """assignments/ built anew (source/ and release/) into a temporary course folder."""
    out = tmp_path_factory.mktemp("fresh_build")
    build(root=ROOT, out_root=out)
    return out


def notebook_params() -> list:
    return [pytest.param(lab, name, id=f"{lab.id}/{name}", marks=pytest.mark.xdist_group(f"{lab.id}/{name}"))
            for lab in labs(ROOT) for name in lab.notebooks]


@pytest.fixture(scope="session")
def released_lab1(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Lab 1 released once into a gradebook (nbgrader generate_assignment): copy it with released_copy."""
    from grading_course import make_course

    return make_course(tmp_path_factory.mktemp("released_lab1"))


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small class of Lab 1 graded by `autograder grade` (grading_course.build_graded_class): copy it
    with copy_course before changing it. Tests using it share the xdist group "graded_class"."""
    from grading_course import build_graded_class

    return build_graded_class(tmp_path_factory.mktemp("graded_class") / "course")


TINY_LAB = "lab09_selfcheck"  # tests/data/lab09_selfcheck: three small exercises and a written answer


@pytest.fixture(scope="session")
def tiny_course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A course folder with this repository's course.toml and the tiny lab, built (source/, release/)."""
    import shutil

    root = tmp_path_factory.mktemp("tiny_course")
    shutil.copytree(ROOT / "tests" / "data" / TINY_LAB, root / "assignments" / TINY_LAB)
    shutil.copy(ROOT / "course.toml", root / "course.toml")
    build(root=root)
    return root
