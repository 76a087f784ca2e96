"""Cells: the one place that knows a cell's role, its nbgrader metadata and what an exercise is.

A cell's role is declared once, in the header of its cell in ``assignments/<lab>/<notebook>.py``,
and becomes nbgrader's schema-3 metadata in the built notebooks:

    # %% tags=["solution"] id="sigmoid"                        autograded answer (student code)
    # %% tags=["tests"] id="test_sigmoid_values" points=2      autograded tests (locked)
    # %% [markdown] tags=["manual"] id="a1_residual" points=1  manually graded answer
    # %% tags=["readonly"] id="setup"                          locked, not graded

Everything downstream (the build, the self-test, grading, feedback, the examples, the tests)
reads roles back from that metadata through the functions here. An *exercise* is a run of
consecutive solution cells and the test cells that follow them; a test cell before any
solution cell is an exercise of its own. The name helpers (``bound_names`` and friends) read a
cell's code statically, for the self-test's checks that test cells are independent.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any, Mapping

ROLES = ("solution", "tests", "manual", "readonly")


class CellError(ValueError):
    """A cell declares something nbgrader cannot represent (two roles, points on an answer...)."""


# ----------------------------------------------------------------------------- writing roles


def declared_role(cell: Any) -> str | None:
    """The role a jupytext cell declares in its header tags (None: a plain cell)."""
    roles = [tag for tag in cell.metadata.get("tags", []) if tag in ROLES]
    if len(roles) > 1:
        raise CellError(f"cell {cell.metadata.get('id')!r} declares several roles: {roles}")
    return roles[0] if roles else None


def nbgrader_metadata(role: str, grade_id: str, points: float | None = None,
                      checksum: str | None = None) -> dict[str, Any]:
    """nbgrader's schema-3 cell metadata for a role (``checksum`` as nbgrader's gradebook records it)."""
    meta: dict[str, Any] = {"grade": role in ("tests", "manual"), "grade_id": grade_id,
                            "locked": role in ("tests", "readonly"), "schema_version": 3,
                            "solution": role in ("solution", "manual"), "task": False}
    if role in ("tests", "manual"):
        if points is None or float(points) <= 0:
            raise CellError(f"{role} cell {grade_id!r} needs points=N (N > 0)")
        meta["points"] = points
    elif points is not None:
        raise CellError(f"{role} cell {grade_id!r} cannot carry points")
    if checksum is not None:
        meta["checksum"] = checksum
    return meta


# ----------------------------------------------------------------------------- reading roles


def nbgrader(cell: Mapping[str, Any]) -> dict[str, Any]:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def grade_id(cell: Mapping[str, Any]) -> str | None:
    return nbgrader(cell).get("grade_id")


def role(cell: Mapping[str, Any]) -> str | None:
    """solution / tests / manual / readonly from nbgrader's metadata (None: a plain cell)."""
    meta = nbgrader(cell)
    if meta.get("grade") and meta.get("solution"):
        return "manual" if cell.get("cell_type") == "markdown" else "solution"  # a graded code answer
    if meta.get("grade"):
        return "tests" if cell.get("cell_type") == "code" else None
    if meta.get("solution"):
        return "solution"
    if meta.get("locked"):
        return "readonly"
    return None


def is_test_cell(cell: Mapping[str, Any]) -> bool:
    meta = nbgrader(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def is_solution_cell(cell: Mapping[str, Any]) -> bool:
    """A code answer the student writes (autograded through the test cells after it)."""
    meta = nbgrader(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("solution")) and not meta.get("grade")


def is_manual_cell(cell: Mapping[str, Any]) -> bool:
    """A written answer graded by hand."""
    meta = nbgrader(cell)
    return bool(meta.get("solution")) and bool(meta.get("grade")) and cell.get("cell_type") == "markdown"


def is_answer_cell(cell: Mapping[str, Any]) -> bool:
    """Any cell the student writes in: code answers and written answers."""
    return bool(nbgrader(cell).get("solution"))


def points(cell: Mapping[str, Any]) -> float:
    return float(nbgrader(cell).get("points", 0) or 0)


@dataclass
class CellScore:
    grade_id: str
    score: float
    max_score: float
    message: str = ""  # why it lost points: the error, or what it wrote to stderr


def score_cell(cell: Any) -> CellScore:
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


# ----------------------------------------------------------------------------- exercises


@dataclass
class Exercise:
    """Consecutive solution cells and the test cells that follow them, in one notebook."""

    name: str  # the grade id of its first solution cell (or of its test cell, for a lone test)
    notebook: str
    solution_ids: list[str]
    start: int  # index of the first cell of the range
    end: int  # index of the last test cell
    tests: list[tuple[str, float]] = field(default_factory=list)  # (test grade id, points), in order

    @property
    def test_ids(self) -> list[str]:
        return [test for test, _ in self.tests]

    @property
    def max_score(self) -> float:
        return sum(p for _, p in self.tests)


def exercises(nb: Any, notebook: str = "") -> list[Exercise]:
    """The notebook's exercises in order (solution cells with no test after them have ``tests == []``)."""
    found: list[Exercise] = []
    current: Exercise | None = None
    for index, cell in enumerate(nb.cells):
        if is_solution_cell(cell):
            if current is None or current.tests:
                current = Exercise(grade_id(cell), notebook, [], index, index)
                found.append(current)
            current.solution_ids.append(grade_id(cell))
        elif is_test_cell(cell):
            if current is None or not current.solution_ids:  # a test before any answer: its own exercise
                found.append(Exercise(grade_id(cell), notebook, [], index, index, [(grade_id(cell), points(cell))]))
                continue
            current.tests.append((grade_id(cell), points(cell)))
            current.end = index
    return found


@dataclass
class Question:
    """A written answer graded by hand (a manual cell), with what the notebook asks just above it."""

    grade_id: str
    notebook: str
    max_score: float
    title: str  # the nearest heading above the cell ("A1. Residual networks (1 point)")
    prompt: str  # the plain markdown cells right above it (headings aside): the question
    answer: str  # the cell's text: the model answer in the source notebook, the student's in a submission


def questions(nb: Any, notebook: str = "") -> list[Question]:
    """The notebook's written questions in order."""
    found = []
    for index, cell in enumerate(nb.cells):
        if not is_manual_cell(cell):
            continue
        above = []
        for previous in reversed(nb.cells[:index]):
            if previous.cell_type != "markdown" or role(previous):
                break
            above.insert(0, previous.source)
        headings = [line for c in nb.cells[:index] if c.cell_type == "markdown" and not role(c)
                    for line in c.source.splitlines() if line.startswith("#")]
        title = headings[-1].lstrip("#").strip() if headings else grade_id(cell)
        # headings are shown as the title, not repeated in the prompt
        prompt = "\n".join(line for line in "\n\n".join(above).splitlines() if not line.startswith("#")).strip()
        found.append(Question(grade_id(cell), notebook, points(cell), title, prompt, cell.source))
    return found


# ----------------------------------------------------------------------------- names a cell binds and reads


def strip_magics(source: str) -> str:
    """IPython magics and shell lines as `pass`, so that the cell parses as Python."""
    return "\n".join("pass" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(strip_magics(source))
    except SyntaxError:
        return None


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
    tree = _parse(source)
    if tree is None:
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
    tree = _parse(source)
    if tree is not None:
        visitor.visit(tree)
    return visitor.names, visitor.imported


class _TopLevelReads(ast.NodeVisitor):
    """Names a cell reads as it runs: not inside the bodies of the functions and lambdas it defines."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.names.add(node.id)

    def visit_FunctionDef(self, node: Any) -> None:  # decorators and defaults run now, the body later
        for child in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]:
            if child is not None:
                self.visit(child)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        for child in [*node.args.defaults, *node.args.kw_defaults]:
            if child is not None:
                self.visit(child)

    def visit_ListComp(self, node: Any) -> None:  # a comprehension's own variables are not the cell's
        before = set(self.names)
        self.generic_visit(node)
        targets = {n.id for g in node.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
        self.names = before | (self.names - targets)

    visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_ListComp


def top_level_reads(source: str) -> set[str]:
    """Names a cell reads when it runs (a class body runs; a function's body does not)."""
    visitor = _TopLevelReads()
    tree = _parse(source)
    if tree is not None:
        visitor.visit(tree)
    return visitor.names


def reads_before_binding(source: str) -> set[str]:
    """Names a cell reads at top level before the cell itself binds them, statement by statement
    (into loops, conditions, `with` and `try` blocks: a loop's target is bound before its body)."""
    tree = _parse(source)
    found: set[str] = set()
    bound: set[str] = set()

    def reads(node: ast.AST) -> set[str]:
        visitor = _TopLevelReads()
        visitor.visit(node)
        return visitor.names

    def binds(node: ast.AST) -> set[str]:
        if isinstance(node, ast.expr):  # a loop's or a `with`'s target
            return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
        names, imported = global_bindings(ast.unparse(node))
        return names | imported

    def walk(statements: list[ast.stmt]) -> None:
        for statement in statements:
            if isinstance(statement, (ast.For, ast.AsyncFor)):
                found.update(reads(statement.iter) - bound)
                bound.update(binds(statement.target))
                walk(statement.body + statement.orelse)
            elif isinstance(statement, (ast.While, ast.If)):
                found.update(reads(statement.test) - bound)
                walk(statement.body + statement.orelse)
            elif isinstance(statement, (ast.With, ast.AsyncWith)):
                for item in statement.items:
                    found.update(reads(item.context_expr) - bound)
                    if item.optional_vars is not None:
                        bound.update(binds(item.optional_vars))
                walk(statement.body)
            elif isinstance(statement, ast.Try):
                walk(statement.body + [s for h in statement.handlers for s in h.body] + statement.orelse +
                     statement.finalbody)
            else:
                found.update(reads(statement) - bound)
                bound.update(binds(statement))

    if tree is not None:
        walk(tree.body)
    return found


def global_reads(source: str) -> tuple[set[str], set[str]]:
    """(names a cell reads at top level, names its functions and classes read as globals), from symtable."""
    import symtable

    try:
        table = symtable.symtable(strip_magics(source), "<cell>", "exec")
    except SyntaxError:
        names = read_names(source)
        return names, names
    top = {s.get_name() for s in table.get_symbols() if s.is_referenced()}
    inner: set[str] = set()
    stack = list(table.get_children())
    while stack:
        scope = stack.pop()
        inner |= {s.get_name() for s in scope.get_symbols() if s.is_referenced() and s.is_global()}
        stack.extend(scope.get_children())
    return top, inner


def local_names(source: str) -> set[str]:
    """Names bound anywhere in a cell: assignments, loop targets, arguments, imports, inner definitions."""
    tree = _parse(source)
    if tree is None:
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
    from nbformat import v4
    from nbgrader.preprocessors import ClearHiddenTests

    cell = v4.new_code_cell(source)
    ClearHiddenTests()._remove_hidden_test_region(cell)
    return cell.source


def dependent_tests(nb: Any, names: set[str]) -> set[str]:
    """Test cells whose code may reach ``names``: directly, or through a non-test cell's definitions.

    Used to re-run only the test cells a replaced solution cell could affect.
    """
    definers: dict[str, list[str]] = {}  # name -> sources of the non-test cells that bind it
    for cell in nb.cells:
        if cell.cell_type == "code" and not is_test_cell(cell):
            for name in bound_names(strip_magics(cell.source)):
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
