"""The build: reproducible, clean (no outputs, no jupytext metadata), leak-free, and true to each lab's points."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from autograder.course import labs
from autograder.harness import grade_id, is_test_cell

from conftest import ROOT

LABS = labs(ROOT)
SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)


def built_files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("lab", LABS, ids=[lab.id for lab in LABS])
@pytest.mark.parametrize("tree", ["source", "release"])
def test_committed_tree_is_what_the_build_makes(lab, tree, fresh_build):
    """source/ and release/ are byte for byte what `make build` produces from assignments/."""
    committed = built_files(ROOT / tree / lab.id)
    assert committed, f"{tree}/{lab.id} is missing: run `make build` and commit it"
    assert committed == built_files(fresh_build / tree / lab.id), \
        f"{tree}/{lab.id} is stale or edited by hand: run `make build` and commit the result"


def test_build_is_deterministic(fresh_build, tmp_path):
    """Building twice gives the same bytes."""
    from autograder.build import build

    build(root=ROOT, out_root=tmp_path)
    for tree in ("source", "release"):
        assert built_files(tmp_path / tree) == built_files(fresh_build / tree)


def all_notebooks(tree: str) -> list[Path]:
    return sorted((ROOT / tree).glob("*/*.ipynb"))


@pytest.mark.parametrize("path", all_notebooks("source") + all_notebooks("release"), ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_has_no_outputs_and_no_jupytext_metadata(path):
    """No outputs, execution counts or jupytext pairing metadata (it can bring solutions back)."""
    text = path.read_text()
    assert "jupytext" not in text, f"{path}: jupytext metadata"
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path}: outputs in {cell.id}"


def split_lines(source_nb: nbformat.NotebookNode) -> tuple[set[str], set[str]]:
    """(secret, public) stripped lines: solutions, model answers and hidden tests vs everything released."""
    secret, public = set(), set()
    for cell in source_nb.cells:
        text = cell.source
        whole_answer = cell.metadata.get("nbgrader", {}).get("solution") and not SOLUTION.search(text)
        regions = SOLUTION.findall(text) + HIDDEN.findall(text) + ([text] if whole_answer else [])
        secret |= {line.strip() for region in regions for line in region.splitlines()}
        if not whole_answer:
            public |= {line.strip() for line in HIDDEN.sub("", SOLUTION.sub("", text)).splitlines()}
    return secret, public


def lab_secret_lines(lab) -> set[str]:
    """Secret lines of the lab's notebooks that no notebook of the lab shows in its public part."""
    secret, public = set(), set()
    for name in lab.notebooks:
        nb_secret, nb_public = split_lines(nbformat.read(ROOT / "source" / lab.id / f"{name}.ipynb", as_version=4))
        assert nb_secret, f"{name}: found no solution lines at all: is the source notebook empty?"
        secret |= nb_secret
        public |= nb_public
    return {line for line in secret - public if len(line) >= 8 and re.search(r"\w", line)}


def released_lines(path: Path) -> set[str]:
    text = path.read_text(errors="replace")
    if path.suffix == ".ipynb":
        text = "\n".join(cell.source for cell in nbformat.reads(text, as_version=4).cells)
    return {line.strip() for line in text.splitlines()}


@pytest.mark.parametrize("lab", LABS, ids=[lab.id for lab in LABS])
def test_no_solution_or_hidden_test_leaks_into_release(lab):
    """No line of a solution, a model answer or a hidden test appears anywhere in release/."""
    secrets = lab_secret_lines(lab)
    for path in (ROOT / "release" / lab.id).rglob("*"):
        if path.is_file():
            leaked = sorted(secrets & released_lines(path))
            assert not leaked, f"{path.relative_to(ROOT)} leaks {len(leaked)} secret lines, e.g. {leaked[:3]}"
            assert path.name not in ("mutants.py", "alternatives.py", "lab.toml"), f"{path} was released"


@pytest.mark.parametrize("lab", LABS, ids=[lab.id for lab in LABS])
def test_points_add_up_to_the_stated_total(lab):
    """The points of the lab's graded cells add up to the total in its lab.toml."""
    total = 0.0
    for name in lab.notebooks:
        nb = nbformat.read(ROOT / "source" / lab.id / f"{name}.ipynb", as_version=4)
        total += sum(float(c.metadata["nbgrader"].get("points", 0)) for c in nb.cells if "nbgrader" in c.metadata)
    assert total == lab.points, f"{lab.id}: cells give {total} points, lab.toml says {lab.points}"


@pytest.mark.parametrize("lab", LABS, ids=[lab.id for lab in LABS])
def test_cells_follow_the_course_conventions(lab):
    """Test cells open with a one-line docstring and are named test_<exercise>_<aspect>; answers are delimited."""
    for name in lab.notebooks:
        nb = nbformat.read(ROOT / "source" / lab.id / f"{name}.ipynb", as_version=4)
        solution_ids = [grade_id(c) for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")
                        and c.cell_type == "code"]
        for cell in nb.cells:
            if is_test_cell(cell):
                gid = grade_id(cell)
                body = ast.parse(cell.source).body
                assert body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and "\n" not in body[0].value.value.strip(), f"{gid}: must start with a one-line docstring"
                assert any(gid.startswith(f"test_{sid}_") for sid in solution_ids), \
                    f"{gid}: name it test_<exercise>_<aspect> after one of {solution_ids}"
                last = body[-1]
                silent = isinstance(last, ast.Expr) and (isinstance(last.value, ast.Constant) or (
                    isinstance(last.value, ast.Call) and getattr(last.value.func, "id", "").startswith("assert_")))
                assert silent or not isinstance(last, ast.Expr), \
                    f"{gid}: ends with an expression, whose displayed value nbgrader would read as a partial score"
            elif grade_id(cell) in solution_ids:
                assert "### BEGIN SOLUTION" in cell.source, f"{grade_id(cell)}: no ### BEGIN SOLUTION"


def line_windows(text: str, size: int = 3) -> set[tuple[str, ...]]:
    """Runs of `size` consecutive meaningful lines (a copied block, not one common line like `return out`)."""
    lines = [line.strip() for line in text.splitlines() if len(line.strip()) >= 4 and not line.strip().startswith("#")]
    return {tuple(lines[i:i + size]) for i in range(len(lines) - size + 1)}


def test_package_holds_no_reference_solution():
    """Students install autograder/: no block of a solution or hidden test of any lab may appear in it."""
    package = set().union(*(line_windows(path.read_text()) for path in (ROOT / "autograder").rglob("*.py")))
    for lab in LABS:
        for name in lab.notebooks:
            nb = nbformat.read(ROOT / "source" / lab.id / f"{name}.ipynb", as_version=4)
            secrets = set().union(*(line_windows(region) for cell in nb.cells
                                    for region in SOLUTION.findall(cell.source) + HIDDEN.findall(cell.source)))
            leaked = sorted(secrets & package)
            assert not leaked, f"autograder/ contains a block of {lab.id}/{name}'s solutions: {leaked[:2]}"
