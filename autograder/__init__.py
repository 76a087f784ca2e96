"""Helpers for an autograded neural-networks course.

What a student's notebook imports lives at the top level and stays light (NumPy, and torch
only when asked): ``autograder.checks``, ``autograder.data``, ``setup_notebook()``,
``grading()``, ``device()``, ``check_notebook()`` and ``check()``. The instructor's side needs the ``instructor`` extra and sits
apart: ``course`` and ``cells`` (the course model), ``authoring/`` (build, self-test, example
classes), ``grader/`` (collect, the grading engine) and ``reports/`` (feedback, exports, report).
"""
from __future__ import annotations

import os
import sys
from typing import Any

__version__ = "0.1.0"  # pyproject.toml's version (a test checks they agree)
DISTRIBUTION = "nn-course-autograder"  # pyproject.toml's project name: what a notebook's setup cell installs


def grading() -> bool:
    """True while nbgrader (or this course's harness) executes the notebook to grade it."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


_announced_device: str | None = None


def device() -> Any:
    """The torch device training cells use: CUDA when available (Colab's GPU), else the CPU.

    Says which once per session, so a student knows whether the GPU is in use.
    """
    global _announced_device
    import torch

    chosen = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if _announced_device != str(chosen):
        _announced_device = str(chosen)
        where = torch.cuda.get_device_name(chosen) if chosen.type == "cuda" else "no GPU found"
        print(f"training on {chosen} ({where})")
    return chosen


def setup_notebook() -> None:
    """Prepare a lab notebook's kernel (called by the locked setup cell of every lab).

    stderr goes to stdout: nbgrader scores a test cell 0 for *any* stderr output, so a library
    warning or a tqdm bar in a correct answer would otherwise cost points. Students still see
    every warning, printed as normal output. (A failed check shows its message without a
    traceback by itself: ``CheckFailed._render_traceback_``.) A one-line "package missing"
    handler that an earlier, failed run of the setup cell left behind is removed.
    """
    sys.stderr = sys.stdout
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and shell.custom_exceptions:
        shell.set_custom_exc((), None)


def check_notebook(path: str | None = None) -> None:
    """Run the whole notebook again in this kernel, without stopping at a failure, and print a
    checklist per exercise: passed, failed (with the message) or not attempted, with its points.

    Call it in the notebook's last cell (Colab, JupyterLab, Jupyter). It finds the notebook by
    itself; ``path`` names the .ipynb file where it cannot.
    """
    from .selfcheck import check_notebook as run

    run(path)


def check(exercise: str, path: str | None = None) -> None:
    """Run the visible checks of one exercise (its solution cell's id or function name) now."""
    from .selfcheck import check_exercise

    check_exercise(exercise, path)
