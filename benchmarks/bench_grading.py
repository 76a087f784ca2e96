"""Grading throughput: sequential `nbgrader autograde` vs `autograder grade --workers 2` with and without
kernels forked from a preloaded template, the floor split into its parts, and the costs of the sandbox
and of the judge.

On the same submissions, in one run, for each lab measured (default: Lab 1 and Lab 3; ``--lab``
for others, ``--all`` for every lab in source/): 8 submissions each (the reference answers, an
empty release, and mutants from the lab's mutants.py). The commands run as the instructor runs
them, one process for the whole batch, start-up included, in turn, ``--repeats`` times each (the
figures are medians): `nbgrader autograde`, `autograder grade --workers 2` as it is (the student's
kernel forked from the worker's template, in the sandbox; the test cells in a judge kernel where the
lab is judged), the same with `--no-fork` (every kernel started afresh), `--no-fork --no-sandbox`
(the sandbox's cost) and `--no-judge` (the judge's cost). The floor is one execution of the reference
source notebooks in a started kernel, split into the kernel start, the start-up cells (course
setup and imports) and everything else (the notebooks' own work: exercises and tests); forking
removes the first two but for a fork (measured last). Last, one kernel started (or forked), one
cell run and the kernel stopped, ``--kernel-starts`` times each. Prints tables; asserts nothing.
Usage: python benchmarks/bench_grading.py [--per-lab 8] [--repeats 3] [--lab LAB] [--all]
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


STARTUP_CELLS = ("course_setup", "imports")  # the cells every notebook starts with (cells.py's grade ids)


def floor_parts(lab: str) -> dict[str, float]:
    """Kernel start, start-up cells and the rest, for every reference source notebook of the lab run once
    in a started kernel (summed over the notebooks; the best of 2 runs: warm caches)."""
    return min((_run_reference(lab) for _ in range(2)), key=lambda parts: sum(parts.values()))


def _run_reference(lab: str) -> dict[str, float]:
    from autograder.cells import grade_id

    parts = {"start": 0.0, "imports": 0.0, "work": 0.0}
    for name in load_lab(lab, ROOT).notebooks:
        path = ROOT / "source" / lab / f"{name}.ipynb"
        nb = nbformat.read(path, as_version=4)
        start = time.monotonic()
        with KernelSession(nb, path.parent, timeout=120) as session:
            session.client.wait_for_reply(session.client.kc.kernel_info())
            parts["start"] += time.monotonic() - start
            for index, cell in enumerate(nb.cells):
                begun = time.monotonic()
                session.run(cell, index)
                parts["imports" if grade_id(cell) in STARTUP_CELLS else "work"] += time.monotonic() - begun
    return parts


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


RUNS = {"nbgrader": (), "fork": (), "started": ("--no-fork",), "plain": ("--no-fork", "--no-sandbox"),
        "one": ("--no-judge",)}


def measure(lab: str, count: int, floor: dict[str, float], repeats: int, runs: tuple[str, ...]) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        course = Path(tmp)
        make_class(course, lab, count)
        grade = [sys.executable, "-m", "autograder", "grade", lab, "--workers", "2", "--force", "--root", str(course)]
        commands = {name: [sys.executable, "-m", "nbgrader", "autograde", lab, "--force"] if name == "nbgrader"
                    else [*grade, *RUNS[name]] for name in runs}
        seconds: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(repeats):  # in turn, so that all of them see the same load
            for name, command in commands.items():
                seconds[name].append(timed(command, course))
    return {"n": count, "floor": floor, "repeats": repeats, "notebooks": len(load_lab(lab, ROOT).notebooks),
            **{name: statistics.median(values) / count for name, values in seconds.items()}}


def table(rows: dict[str, dict], fork_start: float) -> str:
    """Seconds per submission and speed-ups; the floor per submission on one core, in its three parts."""
    head = (f"{'lab':<20}{'subs':>5}{'nbgrader':>10}{'grade -w2':>11}{'x':>7}{'--no-fork':>11}{'x':>7}"
            f"{'floor: start':>14}{'imports':>9}{'work':>7}{'fork left':>11}{'vs work/2':>11}")
    lines = ["s per submission; x = speed-up over sequential nbgrader; floor = one submission on one core",
             head, "-" * len(head)]
    for lab, r in rows.items():
        floor = r["floor"]
        left = floor["work"] + r["notebooks"] * fork_start  # what a forked grading cannot avoid, per submission
        lines.append(f"{lab[:20]:<20}{r['n']:>5}{r['nbgrader']:>10.2f}{r['fork']:>11.2f}"
                     f"{r['nbgrader'] / r['fork']:>6.2f}x{r['started']:>11.2f}{r['nbgrader'] / r['started']:>6.2f}x"
                     f"{floor['start']:>14.2f}{floor['imports']:>9.2f}{floor['work']:>7.2f}{left:>11.2f}"
                     f"{r['fork'] / (floor['work'] / 2):>10.2f}x")
    return "\n".join(lines)


def kernel_start_seconds(repeats: int) -> dict[str, float]:
    """A grading kernel started (or forked), one cell (`import autograder`) run, the kernel stopped: the
    median seconds in the sandbox (started: "sandboxed"; forked from a template that imported Lab 1's
    libraries: "forked") and without it ("plain"), measured in turn."""
    from autograder.grader.factory import KernelFactory, preload_modules
    from autograder.grader.isolation import IsolatedExecute

    kernels = KernelFactory(preload_modules("lab01_fundamentals", ROOT), threads=1)
    seconds: dict[str, list[float]] = {"sandboxed": [], "plain": [], "forked": []}
    try:
        for _ in range(repeats):
            for kind in seconds:
                nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import autograder")])
                nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
                with kernels.workdir("bench") if kind == "forked" else tempfile.TemporaryDirectory() as folder:
                    if kind == "forked" and not kernels.ready():
                        raise RuntimeError(f"no kernel template: {kernels.take_events()}")
                    start = time.monotonic()
                    IsolatedExecute(memory_mb=8192, threads=1, sandboxed=kind != "plain", timeout=60,
                                    factory=kernels if kind == "forked" else None)(nb, {"metadata": {"path": folder}})
                    seconds[kind].append(time.monotonic() - start)
    finally:
        kernels.close()
    return {kind: statistics.median(values) for kind, values in seconds.items()}


def cost_table(rows: dict[str, dict], graded: str, without: str, option: str) -> str:
    """The cost of one safeguard: the same batch graded as run ``graded`` and with ``option`` (run ``without``)."""
    head = (f"{'lab':<28}{'subs':>5}{'runs':>5}{'with s/sub':>12}{option + ' s/sub':>22}"
            f"{'cost s/sub':>12}{'cost':>8}")
    lines = [head, "-" * len(head)]
    for lab, r in rows.items():
        if without in r:
            cost = r[graded] - r[without]
            lines.append(f"{lab:<28}{r['n']:>5}{r['repeats']:>5}{r[graded]:>12.2f}{r[without]:>22.2f}"
                         f"{cost:>12.2f}{100 * cost / r[without]:>7.0f}%")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--per-lab", type=int, default=8, help="submissions per lab")
    p.add_argument("--lab", action="append", default=None, help="measure these labs (default: Lab 1 and Lab 3)")
    p.add_argument("--all", action="store_true", help="measure every lab in source/")
    p.add_argument("--repeats", type=int, default=3, help="runs of each command (the figures are medians)")
    p.add_argument("--no-sandbox-cost", action="store_true", help="skip the --no-sandbox runs")
    p.add_argument("--kernel-starts", type=int, default=15, help="kernels started and forked, for their fixed cost")
    args = p.parse_args()
    labs = args.lab or (sorted(f.name for f in (ROOT / "source").iterdir() if f.is_dir()) if args.all
                        else ["lab01_fundamentals", "lab03_mlp_backprop"])
    runs = ("nbgrader", "fork", "started", "one") + (() if args.no_sandbox_cost else ("plain",))
    print(f"load before: {os.getloadavg()[0]:.1f} (1-minute average) on {os.cpu_count()} cores", flush=True)
    start = kernel_start_seconds(args.kernel_starts) if args.kernel_starts else {"forked": 0.0}
    rows = {}
    for lab in labs:
        try:
            rows[lab] = measure(lab, args.per_lab, floor_parts(lab), args.repeats, runs)
        except Exception as error:  # a lab still being written
            print(f"skipping {lab}: {type(error).__name__}: {str(error)[:300]}", file=sys.stderr)
    print(f"load after: {os.getloadavg()[0]:.1f}; medians of {args.repeats} runs of each command, in turn\n")
    print(table(rows, start["forked"]))
    print("fork left = the notebooks' own work + one forked kernel per notebook (what forking cannot remove); "
          "vs work/2 = grade -w2 over the work shared by 2 cores (1.0 = nothing but the notebooks' work)")
    if not args.no_sandbox_cost:
        print(f"\nThe sandbox's own cost (grade --workers 2 --no-fork with and without --no-sandbox):")
        print(cost_table(rows, "started", "plain", "--no-sandbox"))
    print(f"\nThe judge's own cost (grade --workers 2 with and without --no-judge; labs with judge = false: none):")
    print(cost_table(rows, "fork", "one", "--no-judge"))
    if args.kernel_starts:
        print(f"\nOne grading kernel, `import autograder` run, stopped (median of {args.kernel_starts}, in turn): "
              f"started in the sandbox {start['sandboxed']:.3f} s, started without it {start['plain']:.3f} s "
              f"(the sandbox's fixed cost {start['sandboxed'] - start['plain']:+.3f} s), "
              f"forked from Lab 1's template in the sandbox {start['forked']:.3f} s")


if __name__ == "__main__":
    main()
