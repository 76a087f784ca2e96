"""Self-testing of a lab in one kernel: the source passes, mutants lose points, alternatives keep them.

A *candidate* (an entry of a lab's ``mutants.py`` or ``alternatives.py``) is the code a
student could have written in one solution cell. It replaces that cell exactly as a
submission would: the names the reference cell defines are deleted first, then the
exercise's cells run again with the candidate in place, and nbgrader's own
``determine_grade`` scores the exercise's test cells. Candidates are files in jupytext
percent format with one cell each:

    # %% exercise="sigmoid" mistake="overflows: exp(-x) for large negative x gives inf/inf = nan"
    def sigmoid(x):
        return 1 / (1 + np.exp(-x))

(``approach="..."`` instead of ``mistake`` in alternatives.py). Running every candidate in
the same kernel as the reference keeps a lab's whole self-test to one kernel start.
"""
from __future__ import annotations

import ast
import base64
import contextlib
import copy
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import nbformat

EXERCISE_KEYS = {"mutants": "mistake", "alternatives": "approach"}


class HarnessError(RuntimeError):
    """The lab's own files are inconsistent (a candidate names no exercise, leaves a name undefined...)."""


@dataclass(frozen=True)
class Candidate:
    kind: str  # "mutant" or "alternative"
    exercise: str
    why: str
    code: str
    index: int  # position in its file, for stable test ids

    @property
    def test_id(self) -> str:
        return f"{self.exercise}-{self.index}"


@dataclass
class CellScore:
    grade_id: str
    score: float
    max_score: float
    message: str = ""


@dataclass
class Group:
    """Consecutive solution cells and the test cells that follow them: one exercise's range."""

    solution_ids: list[str]
    start: int
    end: int  # index of the last test cell
    test_ids: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------- reading


def read_candidates(path: Path) -> list[Candidate]:
    """Cells of a mutants.py / alternatives.py file; a leading comment-only cell is allowed."""
    import jupytext

    if not path.exists():
        return []
    kind = path.stem
    key = EXERCISE_KEYS[kind]
    out = []
    for index, cell in enumerate(jupytext.read(path).cells):
        meta = cell.metadata
        if "exercise" not in meta:
            if cell.cell_type == "markdown" or _is_only_comments(cell.source):
                continue
            raise HarnessError(f"{path}: cell {index} has code but no exercise=\"...\" in its header")
        if not meta.get(key):
            raise HarnessError(f"{path}: cell {index} ({meta['exercise']}) needs {key}=\"...\" saying why")
        out.append(Candidate(kind.rstrip("s"), meta["exercise"], meta[key], cell.source, len(out)))
    return out


def _is_only_comments(source: str) -> bool:
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return False
    return all(isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) for node in body)


def grade_id(cell: nbformat.NotebookNode) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def is_test_cell(cell: nbformat.NotebookNode) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def is_solution_cell(cell: nbformat.NotebookNode) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("solution")) and not meta.get("grade")


def exercise_groups(nb: nbformat.NotebookNode) -> list[Group]:
    """Split the notebook into exercise ranges (solution cells, then their tests)."""
    groups: list[Group] = []
    current: Group | None = None
    for index, cell in enumerate(nb.cells):
        if is_solution_cell(cell):
            if current is None or current.test_ids:
                current = Group([], index, index)
                groups.append(current)
            current.solution_ids.append(grade_id(cell))
        elif is_test_cell(cell) and current is not None:
            current.test_ids.append(grade_id(cell))
            current.end = index
    return groups


def bound_names(source: str) -> set[str]:
    """Top-level names a cell defines (functions, classes, assigned variables)."""
    names: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return names


def read_names(source: str) -> set[str]:
    """Every name a cell reads, inside its functions and classes too (a static over-approximation)."""
    try:
        tree = ast.parse(_strip_magics(source))
    except SyntaxError:
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


class _GlobalBindings(ast.NodeVisitor):
    """Names a cell binds in the notebook's namespace (not inside its functions, classes or lambdas)."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.imported: set[str] = set()

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self.names.add(node.id)

    def visit_FunctionDef(self, node: ast.AST) -> None:
        self.names.add(node.name)  # its body binds locals only

    visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.AST) -> None:
        pass

    def visit_ListComp(self, node: ast.AST) -> None:
        pass  # comprehension variables stay inside the comprehension

    visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_ListComp

    def visit_Import(self, node: ast.Import) -> None:
        self.imported.update(alias.asname or alias.name.split(".")[0] for alias in node.names)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self.imported.update(alias.asname or alias.name for alias in node.names)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.names.add(node.name)
        self.generic_visit(node)


def global_bindings(source: str) -> tuple[set[str], set[str]]:
    """(names a cell assigns, defines or loops over at top level, names it imports)."""
    visitor = _GlobalBindings()
    try:
        visitor.visit(ast.parse(_strip_magics(source)))
    except SyntaxError:
        pass
    return visitor.names, visitor.imported


def local_names(source: str) -> set[str]:
    """Names bound anywhere in a cell: assignments, loop targets, arguments, imports, inner definitions."""
    try:
        tree = ast.parse(_strip_magics(source))
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update(a.asname or a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def released_source(source: str) -> str:
    """A test cell as students see it: nbgrader's ClearHiddenTests cuts the hidden region out."""
    from nbgrader.preprocessors import ClearHiddenTests

    cell = nbformat.v4.new_code_cell(source)
    ClearHiddenTests()._remove_hidden_test_region(cell)
    return cell.source


def dependent_tests(nb: nbformat.NotebookNode, names: set[str]) -> set[str]:
    """Test cells whose code may reach ``names``: directly, or through a non-test cell's definitions.

    Used to re-run only the test cells a replaced solution cell could affect.
    """
    definers: dict[str, list[str]] = {}  # name -> sources of the non-test cells that bind it
    for cell in nb.cells:
        if cell.cell_type == "code" and not is_test_cell(cell):
            for name in bound_names(_strip_magics(cell.source)):
                definers.setdefault(name, []).append(cell.source)
    found = set()
    for cell in nb.cells:
        if not is_test_cell(cell):
            continue
        seen: set[str] = set()
        todo = list(read_names(cell.source))
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            for source in definers.get(name, []):
                todo.extend(read_names(source))
        if seen & names:
            found.add(grade_id(cell))
    return found


def _strip_magics(source: str) -> str:
    return "\n".join("pass" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


# ----------------------------------------------------------------------------- running


@contextlib.contextmanager
def grading_env(mode: str = "autograde") -> Iterator[None]:
    """Set NBGRADER_EXECUTION as nbgrader does, so training cells take their fast path."""
    old = os.environ.get("NBGRADER_EXECUTION")
    os.environ["NBGRADER_EXECUTION"] = mode
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("NBGRADER_EXECUTION", None)
        else:
            os.environ["NBGRADER_EXECUTION"] = old


def score_cell(cell: nbformat.NotebookNode) -> CellScore:
    """nbgrader's own verdict on an executed test cell, with the reason when it failed."""
    from nbgrader.utils import determine_grade

    score, max_score = determine_grade(cell)
    message = ""
    for output in cell.get("outputs", []):
        if output.output_type == "error":
            message = f"{output.ename}: {output.evalue}"
        elif output.output_type == "stream" and output.name == "stderr":
            message = message or f"wrote to stderr: {output.text[:300]}"
    return CellScore(grade_id(cell), float(score or 0), float(max_score), message)


class KernelSession:
    """One kernel that runs a notebook's cells, and candidates in place of solution cells."""

    def __init__(self, nb: nbformat.NotebookNode, workdir: Path, timeout: int = 60):
        from nbclient import NotebookClient

        self.nb = nb
        # nbclient stores each executed cell back into its notebook at the index it was given:
        # give it a scratch copy, so candidates and helper cells never replace the reference cells.
        self.client = NotebookClient(copy.deepcopy(nb), timeout=timeout, kernel_name="python3", allow_errors=True,
                                     interrupt_on_timeout=True,
                                     resources={"metadata": {"path": str(workdir)}})
        self._context = None

    def __enter__(self) -> "KernelSession":
        with grading_env():
            self._context = self.client.setup_kernel()
            self._context.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._context.__exit__(*exc)

    def run(self, cell: nbformat.NotebookNode, index: int) -> nbformat.NotebookNode:
        cell = nbformat.from_dict(dict(cell))
        if cell.cell_type == "code":
            cell.outputs = []
            self.client.execute_cell(cell, index)
        return cell

    def run_all(self) -> list[nbformat.NotebookNode]:
        return [self.run(cell, i) for i, cell in enumerate(self.nb.cells)]

    def forget(self, names: set[str]) -> None:
        if names:
            code = "".join(f"globals().pop({n!r}, None)\n" for n in sorted(names))
            self.run(nbformat.v4.new_code_cell(code), -1)

    def score_tests(self, test_ids: list[str], visible: bool = False) -> list[CellScore]:
        """Run test cells (as released when ``visible``) in the kernel's current state and score them."""
        scores = []
        for index, cell in enumerate(self.nb.cells):
            if grade_id(cell) in test_ids:
                if visible:
                    cell = nbformat.from_dict(dict(cell))
                    cell.source = released_source(cell.source)
                scores.append(score_cell(self.run(cell, index)))
        return scores

    def run_group(self, group: Group, replace: dict[str, str] | None = None) -> list[CellScore]:
        """Run an exercise's range (solution cells replaced as given) and score its tests."""
        replace = replace or {}
        scores = []
        for index in range(group.start, group.end + 1):
            cell = self.nb.cells[index]
            if grade_id(cell) in replace:
                cell = nbformat.from_dict(dict(cell))
                cell.source = replace[grade_id(cell)]
            done = self.run(cell, index)
            if is_test_cell(done):
                scores.append(score_cell(done))
        return scores


@dataclass
class CandidateResult:
    candidate: Candidate
    scores: list[CellScore]  # its exercise's test cells, hidden tests included (as graded)
    visible: list[CellScore] = field(default_factory=list)  # the same cells as released (visible checks only)
    elsewhere: list[CellScore] = field(default_factory=list)  # other exercises' test cells it could reach

    @property
    def fails_visible_check(self) -> bool:
        return any(s.score < s.max_score for s in self.visible)

    @property
    def lost_elsewhere(self) -> list[CellScore]:
        return [s for s in self.elsewhere if s.score < s.max_score]

    @property
    def points(self) -> float:
        return sum(s.score for s in self.scores)

    @property
    def max_points(self) -> float:
        return sum(s.max_score for s in self.scores)


@dataclass
class NotebookReport:
    name: str
    scores: list[CellScore]  # every autograded test cell of the reference run
    candidates: list[CandidateResult]
    figures: list[Path]
    errors: list[str]  # errors raised by non-test cells of the reference run


def check_candidate_names(candidate: Candidate, reference_source: str) -> None:
    needed = bound_names(reference_source)
    missing = needed - bound_names(_strip_magics(candidate.code))
    if missing:
        raise HarnessError(f"{candidate.kind} {candidate.test_id} ({candidate.why}) must define "
                           f"{sorted(missing)} like the cell it replaces")


def evaluate_notebook(nb_path: Path, candidates: list[Candidate], timeout: int = 60,
                      figures_dir: Path | None = None) -> NotebookReport:
    """Run the reference notebook once, then every candidate for its exercises, in one kernel.

    Each candidate is scored three ways: its exercise's test cells as graded (hidden tests
    included), the same cells as released (does a visible check catch it?), and the test cells
    of other exercises that could reach its names (a mistake must cost points only where it is).
    """
    nb = nbformat.read(nb_path, as_version=4)
    groups = {sid: g for g in exercise_groups(nb) for sid in g.solution_ids}
    cells_by_id = {grade_id(c): c for c in nb.cells if grade_id(c)}
    mine = [c for c in candidates if c.exercise in groups]
    for cand in mine:
        if not groups[cand.exercise].test_ids:
            raise HarnessError(f"exercise {cand.exercise} has no test cells after it")
        check_candidate_names(cand, cells_by_id[cand.exercise].source)
    with KernelSession(nb, nb_path.parent, timeout) as session:
        executed = session.run_all()
        scores = [score_cell(c) for c in executed if is_test_cell(c)]
        errors = [f"cell {i} ({grade_id(c) or c.get('id')}): {o.ename}: {o.evalue}"
                  for i, c in enumerate(executed) if c.cell_type == "code" and not is_test_cell(c)
                  for o in c.outputs if o.output_type == "error"]
        figures = save_figures(executed, figures_dir) if figures_dir else []
        results = []
        for exercise in dict.fromkeys(c.exercise for c in mine):  # grouped, in file order
            group = groups[exercise]
            names = bound_names(cells_by_id[exercise].source)
            others = sorted(dependent_tests(nb, names) - set(group.test_ids))
            for cand in (c for c in mine if c.exercise == exercise):
                session.forget(names)
                scores = session.run_group(group, {exercise: cand.code})
                results.append(CandidateResult(cand, scores, visible=session.score_tests(group.test_ids, visible=True),
                                               elsewhere=session.score_tests(others)))
            session.forget(names)
            session.run_group(group)  # back to the reference state for the next exercise
    return NotebookReport(nb_path.stem, scores, results, figures, errors)


def execute_release(release_path: Path, source_path: Path, timeout: int = 60) -> list[CellScore]:
    """Grade a student notebook as released (every stub raises).

    As nbgrader's autograde does, each test cell is restored from the source notebook
    first, so its hidden tests run too.
    """
    nb = nbformat.read(release_path, as_version=4)
    source_cells = {grade_id(c): c for c in nbformat.read(source_path, as_version=4).cells if grade_id(c)}
    for cell in nb.cells:
        if is_test_cell(cell):
            cell.source = source_cells[grade_id(cell)].source
    with KernelSession(nb, release_path.parent, timeout) as session:
        return [score_cell(c) for c in session.run_all() if is_test_cell(c)]


def save_figures(cells: list[nbformat.NotebookNode], folder: Path) -> list[Path]:
    """Write every PNG the notebook displayed, named after its cell."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    paths = []
    for index, cell in enumerate(cells):
        pngs = [o.data["image/png"] for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
        for k, png in enumerate(pngs):
            path = folder / f"{index:03d}-{cell.get('id', 'cell')}-{k}.png"
            path.write_bytes(base64.b64decode(png))
            paths.append(path)
    return paths


def fill_submission(release_path: Path, source_path: Path, answers: dict[str, str] | None = None,
                    manual: bool = True) -> nbformat.NotebookNode:
    """A student's notebook: the release with every answer cell filled in.

    Solution cells take the reference code unless ``answers`` maps their id to other code
    (a mutant, an alternative, or "" to leave it as released); manual cells take the
    model answer when ``manual`` is true.
    """
    answers = answers or {}
    nb = nbformat.read(release_path, as_version=4)
    source_cells = {grade_id(c): c for c in nbformat.read(source_path, as_version=4).cells if grade_id(c)}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        gid = meta.get("grade_id")
        if not meta.get("solution"):
            continue
        if gid in answers:
            if answers[gid]:
                cell.source = answers[gid]
        elif cell.cell_type == "code" or manual:
            cell.source = _without_markers(source_cells[gid].source)
    return nb


def _without_markers(source: str) -> str:
    return "\n".join(line for line in source.splitlines()
                     if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
