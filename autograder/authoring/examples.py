"""The bundled example class: ``examples/<lab>/*.ipynb``, generated from release/, source/ and mutants.py.

``python -m autograder.examples [LAB…]`` (re)writes them; the output is deterministic and
committed, and a test checks it is up to date. Files carry LMS-style names
(``<last>_<first>_<id>_<notebook>.ipynb``, one plain ``<id>.ipynb``) so that ``autograder
collect`` sees what an LMS download looks like. The class: a full-marks submission, an
untouched release, two students with typical mistakes from the lab's mutants.py, and one
of each broken submission the grader must survive (see CASES).
"""
from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import nbformat

from ..cells import grade_id, is_manual_cell, is_solution_cell, is_test_cell, nbgrader_metadata
from .harness import Candidate, fill_submission, read_candidates

Notebook = nbformat.NotebookNode


@dataclass(frozen=True)
class Example:
    student: str  # the numeric id an LMS puts in the file name
    name: str  # "last_first", or "" for a file named by the id alone
    kind: str  # the case, one of CASES
    description: str

    def file_name(self, notebook: str, single: bool) -> str:
        if not self.name:
            return f"{self.student}.ipynb" if single else f"{self.student}_{notebook}.ipynb"
        return f"{self.name}_{self.student}_{notebook}.ipynb"


CLASS = (
    Example("10001", "lovelace_ada", "correct", "every answer right: full marks"),
    Example("10002", "", "empty", "the release handed back untouched: zero"),
    Example("10003", "hopper_grace", "mistakes_a", "a typical mistake (mutants.py) in the first exercise; "
            "written answers cut short (their first sentence)"),
    Example("10004", "turing_alan", "mistakes_b", "typical mistakes (mutants.py) in the last two exercises; "
            "written answers left blank"),
    Example("10005", "knuth_donald", "infinite_loop", "an infinite loop before an answer: that cell times out"),
    Example("10006", "liskov_barbara", "kernel_death", "a cell calls os._exit: the kernel dies"),
    Example("10007", "ritchie_dennis", "invalid_json", "a file cut in half: invalid JSON"),
    Example("10008", "hamilton_margaret", "empty_file", "an empty file (0 bytes)"),
    Example("10009", "backus_john", "other_lab", "a notebook of another lab"),
    Example("10010", "goldberg_adele", "deleted_test", "correct answers, one test cell deleted"),
    Example("10011", "kay_alan", "edited_test", "correct answers, one test cell edited to pass"),
    Example("10012", "allen_frances", "stderr_warning", "correct answers whose function warns on stderr"),
)
CASES = tuple(e.kind for e in CLASS)
HOSTILE_REGISTRY = Path("tests") / "hostile.py"  # the attacks grading must withstand (issue 16)
HOSTILE_NAMES = ("mallory_ann", "mallory_ben", "mallory_cas", "mallory_dee", "mallory_eli", "mallory_fay")


def _hostile_registry(root: Path) -> Any:
    """tests/hostile.py of the repository (None where it is not there, e.g. an installed package)."""
    import importlib.util

    path = root / HOSTILE_REGISTRY
    if not path.exists():
        return None
    name = "_autograder_hostile_registry"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while it loads
        spec.loader.exec_module(module)
    return sys.modules[name]


def hostile_examples(lab: str, root: Path) -> list[Example]:
    """A few of the lab's hostile submissions (tests/hostile.py's DEMO), for the demo to grade beside the class."""
    registry = _hostile_registry(root)
    if registry is None:
        return []
    chosen = [h for h in registry.HOSTILE if h.lab == lab and h.name in registry.DEMO]
    return [Example(str(10101 + i), HOSTILE_NAMES[i % len(HOSTILE_NAMES)], f"hostile:{h.name}",
                    f"{h.threat}: {h.why}") for i, h in enumerate(chosen)]


def lab_class(lab: str, root: Path) -> tuple[Example, ...]:
    """The example class of a lab: CLASS, and the lab's hostile examples."""
    return CLASS + tuple(hostile_examples(lab, root))


@dataclass
class LabFiles:
    """What the generator reads for one notebook of a lab."""

    notebook: str
    release: Path
    source: Path
    mutants: list[Candidate]

    def correct(self, answers: dict[str, str] | None = None) -> Notebook:
        return fill_submission(self.release, self.source, answers)

    def solution_ids(self) -> list[str]:
        return [grade_id(c) for c in nbformat.read(self.source, as_version=4).cells if is_solution_cell(c)]

    def reference(self, gid: str) -> str:
        return next(c.source for c in self.correct().cells if grade_id(c) == gid)


def to_bytes(nb: Notebook) -> bytes:
    return (nbformat.writes(nb) + "\n").encode()


def _mutated(files: LabFiles, exercises: list[str], written: Callable[[str], str] | None = None) -> bytes:
    """The lab's first mutant of each exercise named; ``written`` turns each model answer into the student's."""
    first = {}
    for cand in files.mutants:
        if cand.exercise in exercises and cand.exercise not in first:
            first[cand.exercise] = cand.code
    nb = files.correct(first)
    for cell in nb.cells:
        if written and is_manual_cell(cell):
            cell.source = written(cell.source)
    return to_bytes(nb)


def first_sentence(answer: str) -> str:
    """A written answer cut short: its first sentence (or line)."""
    text = " ".join(answer.split())
    end = min((i for i in (text.find(". "), text.find("\n")) if i >= 0), default=len(text) - 1)
    return text[:end + 1]


def _mutant_exercises(files: LabFiles) -> list[str]:
    return list(dict.fromkeys(c.exercise for c in files.mutants))


def _prepend_to_answer(files: LabFiles, index: int, code: str) -> bytes:
    """Correct answers, with ``code`` run before the reference answer of one solution cell."""
    gid = [s for s in files.solution_ids() if _is_code_answer(files, s)][index]
    return to_bytes(files.correct({gid: code + files.reference(gid)}))


def _is_code_answer(files: LabFiles, gid: str) -> bool:
    return any(grade_id(c) == gid and c.cell_type == "code" for c in nbformat.read(files.source, as_version=4).cells)


def _test_cells(nb: Notebook) -> list[Notebook]:
    return [c for c in nb.cells if is_test_cell(c)]


def deleted_test(files: LabFiles) -> bytes:
    nb = files.correct()
    nb.cells.remove(_test_cells(nb)[0])
    return to_bytes(nb)


def edited_test(files: LabFiles) -> bytes:
    nb = files.correct()
    _test_cells(nb)[0].source = "# I could not make this test pass, so I changed it\npass"
    return to_bytes(nb)


def stderr_warning(files: LabFiles) -> bytes:
    """The first function answer, warning (on stderr) every time it is called, still correct."""
    for gid in files.solution_ids():
        tree = ast.parse(files.reference(gid)) if _is_code_answer(files, gid) else None
        functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)] if tree else []
        if functions:
            fn = functions[0]
            docstring = int(bool(ast.get_docstring(fn)))
            warn = ast.parse(f"warnings.warn('{fn.name}: this implementation is slow', RuntimeWarning)").body[0]
            fn.body.insert(docstring, warn)
            tree.body.insert(0, ast.parse("import warnings").body[0])
            return to_bytes(files.correct({gid: ast.unparse(tree)}))
    raise ValueError(f"{files.notebook}: no function answer to add a warning to")


def other_lab(files: LabFiles) -> bytes:
    """A notebook of a lab that is not this one: its own setup, answer and test cells."""
    setup = next(c for c in nbformat.read(files.release, as_version=4).cells if grade_id(c) == "course_setup")
    answer = nbformat.v4.new_code_cell("def forward(x, w):\n    return x @ w",
                                       metadata={"nbgrader": nbgrader_metadata("solution", "forward")})
    test = nbformat.v4.new_code_cell('"""forward computes x @ w."""\nassert_close(forward(x, w), x @ w)',
                                     metadata={"nbgrader": nbgrader_metadata("tests", "test_forward", 2)})
    nb = nbformat.v4.new_notebook(cells=[setup, answer, test], metadata=dict(
        nbformat.read(files.release, as_version=4).metadata))
    for cell, cell_id in zip(nb.cells, ("course_setup", "forward", "test_forward")):
        cell.id = cell_id
    nb.nbformat_minor = 5
    return to_bytes(nb)


MAKERS: dict[str, Callable[[LabFiles], bytes]] = {
    "correct": lambda f: to_bytes(f.correct()),
    "empty": lambda f: to_bytes(nbformat.read(f.release, as_version=4)),
    "mistakes_a": lambda f: _mutated(f, _mutant_exercises(f)[:1], first_sentence),
    "mistakes_b": lambda f: _mutated(f, _mutant_exercises(f)[-2:], lambda answer: "YOUR ANSWER HERE"),
    "infinite_loop": lambda f: _prepend_to_answer(f, -3, "while True:  # waits for a convergence that never comes\n"
                                                         "    pass\n"),
    "kernel_death": lambda f: _prepend_to_answer(f, -2, "import os\nos._exit(1)  # 'restart' the kernel\n"),
    "invalid_json": lambda f: to_bytes(f.correct())[: len(to_bytes(f.correct())) // 2],
    "empty_file": lambda f: b"",
    "other_lab": other_lab,
    "deleted_test": deleted_test,
    "edited_test": edited_test,
    "stderr_warning": stderr_warning,
}


def lab_files(lab: str, root: Path) -> list[LabFiles]:
    from ..course import load_lab

    info = load_lab(lab, root)
    mutants = read_candidates(info.folder / "mutants.py")
    out = []
    for notebook in info.notebooks:
        source = root / "source" / lab / f"{notebook}.ipynb"
        ids = {grade_id(c) for c in nbformat.read(source, as_version=4).cells}
        out.append(LabFiles(notebook, root / "release" / lab / f"{notebook}.ipynb", source,
                            [m for m in mutants if m.exercise in ids]))
    return out


def example_class(lab: str, root: Path) -> dict[str, bytes]:
    """File name -> content of every example submission of the lab.

    The broken cases break the lab's first notebook; a student's other notebooks are correct. A
    hostile example breaks the notebook of the exercise it attacks.
    """
    files = lab_files(lab, root)
    single = len(files) == 1
    registry = _hostile_registry(root)
    out = {}
    for example in lab_class(lab, root):
        for position, nb_files in enumerate(files):
            if example.kind.startswith("hostile:"):
                entry = next(h for h in registry.for_lab(lab) if h.name == example.kind.split(":", 1)[1])
                answers = {entry.exercise: registry.attack_answer(entry)} \
                    if entry.exercise in nb_files.solution_ids() else {}
                content = to_bytes(nb_files.correct(answers))
            else:
                broken_elsewhere = position > 0 and example.kind not in ("correct", "empty", "mistakes_a",
                                                                         "mistakes_b")
                content = (MAKERS["correct"] if broken_elsewhere else MAKERS[example.kind])(nb_files)
            out[example.file_name(nb_files.notebook, single)] = content
    out["README.md"] = readme(lab, files, single, lab_class(lab, root)).encode()
    return out


def readme(lab: str, files: list[LabFiles], single: bool, examples: tuple[Example, ...] = CLASS) -> str:
    lines = [f"# Example class for {lab}", "",
             "Generated by `python -m autograder.examples` from release/, source/ and mutants.py; do not edit.",
             "`make demo` collects, grades and reports these.", "",
             "| file | student | case |", "|---|---|---|"]
    for example in examples:
        lines.append(f"| {example.file_name(files[0].notebook, single)} | {example.student} | "
                     f"{example.description} |")
    return "\n".join(lines) + "\n"


def write_examples(lab: str, root: Path) -> list[Path]:
    folder = root / "examples" / lab
    folder.mkdir(parents=True, exist_ok=True)
    wanted = example_class(lab, root)
    for stale in folder.iterdir():
        if stale.name not in wanted:
            stale.unlink()
    for name, content in wanted.items():
        (folder / name).write_bytes(content)
    return [folder / name for name in wanted]


def main(argv: list[str] | None = None) -> int:
    from ..course import repo_root

    root = repo_root()
    for lab in (argv if argv is not None else sys.argv[1:]) or ["lab01_fundamentals"]:
        written = write_examples(lab, root)
        print(f"wrote {len(written)} files in examples/{lab}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
