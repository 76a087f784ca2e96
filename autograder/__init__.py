"""Helpers for an autograded neural-networks course.

What a student's notebook imports lives at the top level and stays light (NumPy, and torch
only when asked): ``autograder.checks``, ``autograder.data``, ``setup_notebook()``,
``grading()`` and ``device()``. The instructor's side needs the ``instructor`` extra and sits
apart: ``course`` and ``cells`` (the course model), ``authoring/`` (build, self-test, example
classes), ``grader/`` (collect, the grading engine) and ``reports/`` (feedback, exports, report).
"""
from __future__ import annotations

import os
import sys
from typing import Any

__version__ = "0.1.0"


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


def _short_traceback(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None) -> None:
    """Show a failed check as its message alone: the traceback of a test helps nobody."""
    shell._showtraceback(etype, value, [f"\x1b[0;31m{etype.__name__}\x1b[0m: {value}"])


def setup_notebook() -> None:
    """Prepare a lab notebook's kernel (called by the locked setup cell of every lab).

    - stderr goes to stdout: nbgrader scores a test cell 0 for *any* stderr output, so a
      library warning or a tqdm bar in a correct answer would otherwise cost points.
      Students still see every warning, printed as normal output.
    - a failed check (``CheckFailed``) shows its message, not a traceback.
    """
    sys.stderr = sys.stdout
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        from .checks import CheckFailed

        shell.set_custom_exc((CheckFailed,), _short_traceback)
