"""Grading throughput: sequential `nbgrader autograde` vs `autograder grade --workers 2`, the floor,
and the costs of the sandbox and of the judge.

On the same submissions, in one run: Lab 1 and the slowest other lab in source/ (8
submissions each: the reference answers, an empty release, and mutants from the lab's
mutants.py). The commands run as the instructor runs them, one process for the whole
batch, start-up included, in turn, ``--repeats`` times each (the figures are medians):
`nbgrader autograde`, `autograder grade --workers 2` as it is (the student's kernel in its
sandbox, the test cells in a judge kernel beside it), the same with `--no-sandbox`, and with
`--no-judge` (one sandboxed kernel per notebook, as plain nbgrader: what the judge costs). The
floor is one kernel start plus one execution of the reference source notebooks, in-process:
what grading one submission in one kernel cannot go below.
Last, the sandbox's fixed cost alone: one kernel started, one cell run and the kernel stopped,
with and without the sandbox, ``--kernel-starts`` times each. Prints tables; asserts nothing.
Usage: python benchmarks/bench_grading.py [--per-lab 8] [--repeats 3] [--lab LAB]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.authoring.build import generate_release  # noqa: E402
from autograder.course import interpreter_env, load_lab  # noqa: E402
from autograder.authoring.harness import KernelSession, fill_submission, read_candidates  # noqa: E402


def floor_seconds(lab: str) -> float:
    """Start a kernel and execute every reference source notebook of the lab once (best of 2: warm caches)."""
    return min(_run_reference(lab) for _ in range(2))


def _run_reference(lab: str) -> float:
    start = time.monotonic()
    for name in load_lab(lab, ROOT).notebooks:
        path = ROOT / "source" / lab / f"{name}.ipynb"
        with KernelSession(nbformat.read(path, as_version=4), path.parent, timeout=120) as session:
            session.run_all()
    return time.monotonic() - start


def slowest_other_lab() -> tuple[str | None, dict[str, float]]:
    floors = {}
    for folder in sorted((ROOT / "source").iterdir()):
        if folder.name != "lab01_fundamentals" and (ROOT / "assignments" / folder.name / "lab.toml").exists():
            try:
                floors[folder.name] = floor_seconds(folder.name)
            except Exception as error:  # a lab still being written: not a finished lab
                print(f"skipping {folder.name}: {type(error).__name__}: {error}", file=sys.stderr)
    return (max(floors, key=floors.get) if floors else None), floors


def make_class(course: Path, lab: str, count: int) -> None:
    """source/ and release/ of the lab in a fresh gradebook, and ``count`` submissions."""
    shutil.copytree(ROOT / "source" / lab, course / "source" / lab)
    (course / "nbgrader_config.py").write_text(
        f"from autograder.course import configure\nconfigure(get_config(), root={str(course)!r})\n")
    generate_release(lab, course)
    candidates = read_candidates(ROOT / "assignments" / lab / "mutants.py")
    for index in range(count):
        for name in load_lab(lab, ROOT).notebooks:
            release = course / "release" / lab / f"{name}.ipynb"
            source = course / "source" / lab / f"{name}.ipynb"
            if index == 1:
                nb = nbformat.read(release, as_version=4)  # nothing answered
            else:
                mutant = candidates[(index - 2) % len(candidates)] if index >= 2 and candidates else None
                nb = fill_submission(release, source, {mutant.exercise: mutant.code} if mutant else None)
            path = course / "submitted" / f"student{index:02d}" / lab / f"{name}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, path)


def timed(command: list[str], cwd: Path) -> float:
    start = time.monotonic()
    done = subprocess.run(command, cwd=cwd, env=interpreter_env(), capture_output=True, text=True)
    seconds = time.monotonic() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return seconds


def measure(lab: str, count: int, floor: float, repeats: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        course = Path(tmp)
        make_class(course, lab, count)
        nbgrader = [sys.executable, "-m", "nbgrader", "autograde", lab, "--force"]
        grade = [sys.executable, "-m", "autograder", "grade", lab, "--workers", "2", "--force", "--root", str(course)]
        runs: dict[str, list[float]] = {"nbgrader": [], "grade": [], "plain": [], "one": []}
        commands = (("nbgrader", nbgrader), ("grade", grade), ("plain", [*grade, "--no-sandbox"]),
                    ("one", [*grade, "--no-judge"]))
        for _ in range(repeats):  # in turn, so that all of them see the same load
            for name, command in commands:
                runs[name].append(timed(command, course))
    return {"n": count, "floor": floor, "repeats": repeats,
            **{name: statistics.median(seconds) / count for name, seconds in runs.items()}}


def table(rows: dict[str, dict[str, float]]) -> str:
    head = (f"{'lab':<28}{'subs':>5}{'nbgrader s/sub':>16}{'grade -w2 s/sub':>17}{'speed-up':>10}"
            f"{'nbgrader /h':>13}{'grade /h':>10}{'floor s':>9}{'floor /h':>10}")
    lines = [head, "-" * len(head)]
    for lab, r in rows.items():
        lines.append(f"{lab:<28}{r['n']:>5}{r['nbgrader']:>16.2f}{r['grade']:>17.2f}"
                     f"{r['nbgrader'] / r['grade']:>9.2f}x{3600 / r['nbgrader']:>13.0f}{3600 / r['grade']:>10.0f}"
                     f"{r['floor']:>9.2f}{3600 / r['floor']:>10.0f}")
    return "\n".join(lines)


def kernel_start_seconds(repeats: int) -> dict[bool, float]:
    """A grading kernel started, one cell (`import autograder`) run, the kernel stopped: the median
    seconds with the sandbox (True) and without (False), measured in turn: the sandbox's fixed cost."""
    from autograder.grader.isolation import IsolatedExecute

    seconds: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(repeats):
        for sandboxed in (True, False):
            nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import autograder")])
            nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
            with tempfile.TemporaryDirectory(prefix="bench-kernel-") as folder:
                start = time.monotonic()
                IsolatedExecute(memory_mb=8192, threads=1, sandboxed=sandboxed, timeout=60)(nb, {"metadata": {"path": folder}})
                seconds[sandboxed].append(time.monotonic() - start)
    return {sandboxed: statistics.median(values) for sandboxed, values in seconds.items()}


def cost_table(rows: dict[str, dict[str, float]], without: str, option: str) -> str:
    """The cost of one safeguard: the same batch graded as it is and with ``option`` (row key ``without``)."""
    head = (f"{'lab':<28}{'subs':>5}{'runs':>5}{'grade s/sub':>13}{option + ' s/sub':>20}"
            f"{'cost s/sub':>12}{'cost':>8}{'speed-up vs nbgrader':>22}")
    lines = [head, "-" * len(head)]
    for lab, r in rows.items():
        cost = r["grade"] - r[without]
        lines.append(f"{lab:<28}{r['n']:>5}{r['repeats']:>5}{r['grade']:>13.2f}{r[without]:>20.2f}"
                     f"{cost:>12.2f}{100 * cost / r[without]:>7.0f}%{r['nbgrader'] / r['grade']:>21.2f}x")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--per-lab", type=int, default=8, help="submissions per lab")
    p.add_argument("--only-lab1", action="store_true", help="skip the slowest other lab")
    p.add_argument("--lab", action="append", default=None, help="measure these labs instead")
    p.add_argument("--repeats", type=int, default=3, help="runs of each command (the figures are medians)")
    p.add_argument("--kernel-starts", type=int, default=15, help="kernel starts with and without the sandbox")
    args = p.parse_args()
    labs = {lab: floor_seconds(lab) for lab in args.lab or ["lab01_fundamentals"]}
    if not args.only_lab1 and not args.lab:
        slowest, floors = slowest_other_lab()
        if slowest:
            labs[slowest] = floors[slowest]
    rows = {}
    for lab, floor in labs.items():
        try:
            rows[lab] = measure(lab, args.per_lab, floor, args.repeats)
        except RuntimeError as error:  # a lab still being written
            print(f"skipping {lab}: {error}", file=sys.stderr)
    print(f"{os.cpu_count()} cores; the floor is one submission's kernel start + reference run, in-process "
          "(per core; 2 workers can at best halve it per submission)")
    print(table(rows))
    print(f"\nThe sandbox's own cost (grade --workers 2 with and without --no-sandbox; medians of {args.repeats} runs):")
    print(cost_table(rows, "plain", "--no-sandbox"))
    print(f"\nThe judge's own cost (grade --workers 2 with and without --no-judge; medians of {args.repeats} runs):")
    print(cost_table(rows, "one", "--no-judge"))
    if args.kernel_starts:
        start = kernel_start_seconds(args.kernel_starts)
        print(f"\nOne grading kernel started, `import autograder` run, stopped (median of {args.kernel_starts}, in turn): "
              f"sandboxed {start[True]:.3f} s, --no-sandbox {start[False]:.3f} s, "
              f"the sandbox's fixed cost {start[True] - start[False]:+.3f} s per kernel")


if __name__ == "__main__":
    main()
