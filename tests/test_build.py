"""The build: reproducible, clean (no outputs, no jupytext metadata), leak-free, and true to each lab's points."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from autograder.course import labs
from autograder.cells import (global_bindings, grade_id, is_answer_cell, is_solution_cell, is_test_cell, local_names,
                              read_names, role)
from autograder.cells import points as cell_points

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
    from autograder.authoring.build import build

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


def split_lines(source_nb: nbformat.NotebookNode, hidden_tests: bool = True) -> tuple[set[str], set[str]]:
    """(secret, public) stripped lines: solutions, model answers (and hidden tests) vs everything released."""
    secret, public = set(), set()
    for cell in source_nb.cells:
        text = cell.source
        whole_answer = is_answer_cell(cell) and not SOLUTION.search(text)
        regions = SOLUTION.findall(text) + (HIDDEN.findall(text) if hidden_tests else []) + \
            ([text] if whole_answer else [])
        secret |= {line.strip() for region in regions for line in region.splitlines()}
        if not whole_answer:
            public |= {line.strip() for line in HIDDEN.sub("", SOLUTION.sub("", text)).splitlines()}
    return secret, public


def lab_secret_lines(lab, hidden_tests: bool = True) -> set[str]:
    """Secret lines of the lab's notebooks that no notebook of the lab shows in its public part."""
    secret, public = set(), set()
    for name in lab.notebooks:
        nb_secret, nb_public = split_lines(nbformat.read(ROOT / "source" / lab.id / f"{name}.ipynb", as_version=4),
                                           hidden_tests)
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
        total += sum(cell_points(c) for c in nb.cells)
    assert total == lab.points, f"{lab.id}: cells give {total} points, lab.toml says {lab.points}"


@pytest.mark.parametrize("lab", LABS, ids=[lab.id for lab in LABS])
def test_cells_follow_the_course_conventions(lab):
    """Test cells open with a one-line docstring and are named test_<exercise>_<aspect>; answers are delimited."""
    for name in lab.notebooks:
        nb = nbformat.read(ROOT / "source" / lab.id / f"{name}.ipynb", as_version=4)
        solution_ids = [grade_id(c) for c in nb.cells if is_solution_cell(c)]
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


def _cell_kind(cell: nbformat.NotebookNode) -> str:
    return role(cell) or "plain"


def problems_of_test_cells(nb: nbformat.NotebookNode) -> list[str]:
    """Test cells that depend on another test cell or on an editable cell, or clobber the notebook's names."""
    import builtins

    code = [c for c in nb.cells if c.cell_type == "code"]
    bound_by: dict[str, set[str]] = {}  # name -> kinds of the cells that bind it
    used_elsewhere: set[str] = set()  # names read or bound by a cell that is not a test
    for cell in code:
        names, imported = global_bindings(cell.source)
        for name in names | imported:
            bound_by.setdefault(name, set()).add(_cell_kind(cell))
        if _cell_kind(cell) != "tests":  # names its functions bind for themselves (arguments, locals) excluded
            used_elsewhere |= (read_names(cell.source) - (local_names(cell.source) - names)) | names
    problems = []
    for cell in code:
        if _cell_kind(cell) != "tests":
            continue
        gid = grade_id(cell)
        own = local_names(cell.source)
        for name in sorted(read_names(cell.source) - own - set(dir(builtins))):
            kinds = bound_by.get(name, set())
            if kinds == {"tests"}:
                problems.append(f"{gid} reads {name!r}, which only another test cell defines")
            elif kinds and kinds <= {"plain", "tests"}:
                problems.append(f"{gid} reads {name!r} from an editable cell (a student may change it)")
        names, _ = global_bindings(cell.source)
        for name in sorted(names & used_elsewhere):
            problems.append(f"{gid} binds {name!r}, a name the notebook's other cells use")
    return problems


@pytest.mark.parametrize("lab", LABS, ids=[lab.id for lab in LABS])
def test_test_cells_are_independent_and_harmless(lab):
    """Test cells run in any order after their exercise: they read only given code, answers and their own names,
    and bind no name the notebook's other cells use."""
    problems = []
    for name in lab.notebooks:
        nb = nbformat.read(ROOT / "source" / lab.id / f"{name}.ipynb", as_version=4)
        problems += [f"{name}: {p}" for p in problems_of_test_cells(nb)]
    assert not problems, "\n".join(problems)


CROSS_LAB_MIN_LENGTH = 25  # shorter lines (`return out`, `optimizer.zero_grad()`) are idioms of any code


@pytest.mark.parametrize("lab", LABS, ids=[lab.id for lab in LABS])
def test_no_lab_shows_another_labs_answers(lab):
    """No released cell of another lab holds a line of this lab's solutions or model answers."""
    secrets = {line for line in lab_secret_lines(lab, hidden_tests=False) if len(line) >= CROSS_LAB_MIN_LENGTH}
    leaks = []
    for other in LABS:
        if other.id == lab.id:
            continue
        for path in sorted((ROOT / "release" / other.id).glob("*.ipynb")):
            for line in sorted(secrets & released_lines(path)):
                leaks.append(f"{path.relative_to(ROOT)} shows {lab.id}'s answer line: {line[:70]}")
    assert not leaks, "\n".join(leaks)
