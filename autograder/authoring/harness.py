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

``judged=True`` runs the same checks as grading does, with the test cells in a judge kernel apart
from the student's cells (``JudgedSession``, autograder/grader/judge.py); tests/test_integrity.py
checks that every lab gets the same verdicts both ways.
"""
from __future__ import annotations

import ast
import base64
import copy
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ..cells import (CellScore, Exercise, bound_names, dependent_tests, exercises, grade_id, is_answer_cell,
                     is_solution_cell, is_test_cell, released_source, score_cell, strip_magics)
from ..course import CELL_TIMEOUT, grading_mode

EXERCISE_KEYS = {"mutants": "mistake", "alternatives": "approach"}


class HarnessError(RuntimeError):
    """The lab's own files are inconsistent (a candidate names no exercise, leaves a name undefined...)."""


@dataclass(frozen=True)
class Candidate:
    kind: str  # "mutant" or "alternative"
    exercise: str
    why: str
    code: str
    slug: str  # from the mistake or approach text: a test id that names the same candidate tomorrow

    @property
    def test_id(self) -> str:
        return f"{self.exercise}-{self.slug}"


SLUG_LENGTH = 48


def slugify(text: str) -> str:
    """'forgets the bias column (b)' -> 'forgets-the-bias-column-b', at most SLUG_LENGTH characters."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    slug = ""
    for word in words:
        if len(slug) + len(word) + 1 > SLUG_LENGTH:
            break
        slug = f"{slug}-{word}" if slug else word
    return slug or "candidate"


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
        slug = slugify(meta[key])
        taken = sum(c.exercise == meta["exercise"] and c.slug.split("~")[0] == slug for c in out)
        out.append(Candidate(kind.rstrip("s"), meta["exercise"], meta[key], cell.source,
                             f"{slug}~{taken + 1}" if taken else slug))
    return out


def _is_only_comments(source: str) -> bool:
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return False
    return all(isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) for node in body)


# ----------------------------------------------------------------------------- running


class KernelSession:
    """One kernel that runs a notebook's cells, and candidates in place of solution cells."""

    def __init__(self, nb: nbformat.NotebookNode, workdir: Path, timeout: int = CELL_TIMEOUT):
        from nbclient import NotebookClient

        self.nb = nb
        # nbclient stores each executed cell back into its notebook at the index it was given:
        # give it a scratch copy, so candidates and helper cells never replace the reference cells.
        self.client = NotebookClient(copy.deepcopy(nb), timeout=timeout, kernel_name="python3", allow_errors=True,
                                     interrupt_on_timeout=True,
                                     resources={"metadata": {"path": str(workdir)}})
        self._context = None

    def __enter__(self) -> "KernelSession":
        with grading_mode():
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

    def run_group(self, group: Exercise, replace: dict[str, str] | None = None) -> list[CellScore]:
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


class JudgedSession(KernelSession):
    """A KernelSession graded as `autograder grade` does: test cells in a judge kernel, locked cells in both."""

    def __init__(self, nb: nbformat.NotebookNode, workdir: Path, timeout: int = CELL_TIMEOUT,
                 reference: dict[str, str] | None = None):
        from jupyter_core.utils import run_sync

        from ..grader.judge import JudgeClient, Router, make_plan

        super().__init__(nb, workdir, timeout)
        reference = reference or {grade_id(c): c.source for c in nb.cells if is_solution_cell(c)}
        self.judge = JudgeClient(copy.deepcopy(nb), timeout=timeout, kernel_name="python3", allow_errors=True,
                                 interrupt_on_timeout=True, resources={"metadata": {"path": str(workdir)}})
        self.router = Router(make_plan(nb.cells, reference), self._in_student, self._in_judge, self._connect,
                             lambda cell: self.judge.kc.execute(cell.source, store_history=False),
                             lambda msg_id, cell: run_sync(self.judge.async_wait_for_reply)(msg_id, cell))
        self._judge_context = None

    def __enter__(self) -> "JudgedSession":
        super().__enter__()
        with grading_mode():
            self._judge_context = self.judge.setup_kernel()
            self._judge_context.__enter__()
        self.judge.student_km = self.client.km
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._judge_context.__exit__(*exc)
        finally:
            super().__exit__(*exc)

    def run(self, cell: nbformat.NotebookNode, index: int) -> nbformat.NotebookNode:
        cell = nbformat.from_dict(dict(cell))
        if cell.cell_type == "code":
            cell.outputs = []
            if index < 0:  # the harness's own code (forgetting names): the student's kernel
                self.client.execute_cell(cell, index)
            else:
                self.router.run(cell, index)
        return cell

    def _in_student(self, cell: nbformat.NotebookNode, index: int) -> None:
        self.client.execute_cell(cell, index)

    def _in_judge(self, cell: nbformat.NotebookNode, index: int) -> None:
        self.judge.execute_cell(cell, index)

    def _connect(self) -> None:
        from jupyter_core.utils import run_sync

        from ..grader.judge import run_silently

        plan = self.router.plan
        run_sync(run_silently)(self.client, plan.install_code())
        run_sync(run_silently)(self.judge, plan.connect_code(self.client.km.get_connection_info(session=False)))


def session_class(judged: bool) -> type[KernelSession]:
    return JudgedSession if judged else KernelSession


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
    missing = needed - bound_names(strip_magics(candidate.code))
    if missing:
        raise HarnessError(f"{candidate.kind} {candidate.test_id} ({candidate.why}) must define "
                           f"{sorted(missing)} like the cell it replaces")


def evaluate_notebook(nb_path: Path, candidates: list[Candidate], timeout: int = CELL_TIMEOUT,
                      figures_dir: Path | None = None, judged: bool = False) -> NotebookReport:
    """Run the reference notebook once, then every candidate for its exercises, in one kernel.

    Each candidate is scored three ways: its exercise's test cells as graded (hidden tests
    included), the same cells as released (does a visible check catch it?), and the test cells
    of other exercises that could reach its names (a mistake must cost points only where it is).
    """
    nb = nbformat.read(nb_path, as_version=4)
    groups = {sid: g for g in exercises(nb, nb_path.stem) for sid in g.solution_ids}
    cells_by_id = {grade_id(c): c for c in nb.cells if grade_id(c)}
    mine = [c for c in candidates if c.exercise in groups]
    for cand in mine:
        if not groups[cand.exercise].test_ids:
            raise HarnessError(f"exercise {cand.exercise} has no test cells after it")
        check_candidate_names(cand, cells_by_id[cand.exercise].source)
    with session_class(judged)(nb, nb_path.parent, timeout) as session:
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
                graded = session.run_group(group, {exercise: cand.code})
                results.append(CandidateResult(cand, graded, visible=session.score_tests(group.test_ids, visible=True),
                                               elsewhere=session.score_tests(others)))
            session.forget(names)
            session.run_group(group)  # back to the reference state for the next exercise
    return NotebookReport(nb_path.stem, scores, results, figures, errors)


def execute_release(release_path: Path, source_path: Path, timeout: int = CELL_TIMEOUT,
                    judged: bool = False) -> list[CellScore]:
    """Grade a student notebook as released (every stub raises).

    As nbgrader's autograde does, each test cell is restored from the source notebook
    first, so its hidden tests run too.
    """
    nb = nbformat.read(release_path, as_version=4)
    source_cells = {grade_id(c): c for c in nbformat.read(source_path, as_version=4).cells if grade_id(c)}
    for cell in nb.cells:
        if is_test_cell(cell):
            cell.source = source_cells[grade_id(cell)].source
    reference = {gid: c.source for gid, c in source_cells.items() if is_solution_cell(c)}
    session = JudgedSession(nb, release_path.parent, timeout, reference) if judged else \
        KernelSession(nb, release_path.parent, timeout)
    with session:
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
        gid = grade_id(cell)
        if not is_answer_cell(cell):
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
