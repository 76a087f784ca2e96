"""Comparisons for visible and hidden tests whose failures teach.

Every check raises :class:`CheckFailed` (an ``AssertionError``) with a message that
names the quantity, says what was expected and what came back (type, shape, dtype),
points at the first differing element, and gives the error against the tolerance.
A hidden reference is never printed in bulk: only single elements of it.

While grading, test cells run in a judge kernel apart from the student's code (see
docs/writing-a-lab.md, "The test-cell contract"); there, ``_bridge`` is set and the helpers that
touch the student's kernel (``substitute``, ``figure_summary``, ``close_figures``,
``assert_not_used`` on a student's function) go through it.
"""
from __future__ import annotations

import ast
import builtins
import contextlib
import hashlib
import importlib
import inspect
import io
import sys
import textwrap
import traceback
import warnings
import weakref
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np

__all__ = [
    "CheckFailed",
    "assert_close",
    "assert_equal",
    "assert_shape",
    "assert_dtype",
    "assert_type",
    "assert_true",
    "assert_not_used",
    "rel_error",
    "numerical_gradient",
    "check_gradient",
    "quiet",
    "call",
    "substitute",
    "figure_summary",
    "close_figures",
    "hash_value",
    "assert_hashed",
    "note_hidden_tests",
    "fixed_parameters",
    "assert_from_autograd",
]

SMALL_INPUT = 36  # inputs with at most this many elements are shown in a failure message


class CheckFailed(AssertionError):
    """A student's answer did not pass a check; the message says why."""

    def _render_traceback_(self) -> list[str]:
        """How IPython shows it: the message alone, no traceback (a test's traceback helps nobody).

        The name stands on a line of its own, so that the message's first line (kept under 80
        characters) reaches nbgrader's Validate whole: Validate indents every line by 4 and cuts it
        after 87 characters, which "CheckFailed: " in front would exceed.
        """
        return ["\x1b[0;31mCheckFailed\x1b[0m:", *str(self).splitlines()]


_bridge: Any = None  # grading: the judge's way to the student's kernel (autograder/remote/bridge.py)


# ----------------------------------------------------------------------------- helpers


def _is_tensor(x: Any) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.Tensor)


def _describe(x: Any) -> str:
    """'ndarray float64 (3, 4)', 'Tensor float32 (2,)', 'float', 'NoneType'."""
    if _is_tensor(x):
        return f"torch.Tensor {str(x.dtype).replace('torch.', '')} {tuple(x.shape)}"
    if isinstance(x, np.ndarray):
        return f"numpy.ndarray {x.dtype} {x.shape}"
    return type(x).__name__


def _to_numpy(x: Any, name: str) -> np.ndarray:
    """NumPy view of an array-like answer; a clear failure for anything else."""
    if _is_tensor(x):
        return x.detach().cpu().numpy()
    if isinstance(x, (np.ndarray, np.generic, int, float, bool, complex)):
        return np.asarray(x)
    if isinstance(x, (list, tuple)):
        try:
            arr = np.asarray(x, dtype=float)
        except (TypeError, ValueError):
            raise CheckFailed(f"{name}: expected an array of numbers, got a {type(x).__name__} "
                              f"that does not convert to one: {_short(x)}") from None
        return arr
    hint = " (did the function forget to `return` its result?)" if x is None else ""
    raise CheckFailed(f"{name}: expected an array or a number, got {_describe(x)}{hint}")


def _short(x: Any, limit: int = 200) -> str:
    text = repr(x)
    return text if len(text) <= limit else text[:limit] + " ..."


def _format_inputs(inputs: Mapping[str, Any] | None) -> str:
    """The test's inputs, when small enough to help rather than overwhelm."""
    if not inputs:
        return ""
    lines = []
    for key, value in inputs.items():
        arr = value.detach().cpu().numpy() if _is_tensor(value) else value
        if isinstance(arr, np.ndarray) and arr.size > SMALL_INPUT:
            lines.append(f"  {key}: {_describe(value)} (too large to show)")
        else:
            body = np.array2string(np.asarray(arr), precision=4, separator=", ") \
                if isinstance(arr, np.ndarray) else repr(arr)
            lines.append(f"  {key} = " + body.replace("\n", "\n" + " " * (len(key) + 5)))
    return "\ninputs:\n" + "\n".join(lines)


def rel_error(x: Any, y: Any) -> float:
    """Maximum relative error max(|x - y| / max(1e-8, |x| + |y|)), as in CS231n."""
    x = _to_numpy(x, "x").astype(float)
    y = _to_numpy(y, "y").astype(float)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


# ----------------------------------------------------------------------------- type, shape, dtype


def assert_true(condition: Any, message: str) -> None:
    """Fail with ``message`` (shown without a traceback) unless ``condition`` holds."""
    if not condition:
        raise CheckFailed(message)



def assert_type(actual: Any, expected: type | tuple[type, ...], *, name: str) -> None:
    """Fail unless ``actual`` is an instance of ``expected``."""
    if not isinstance(actual, expected):
        names = " or ".join(t.__name__ for t in (expected if isinstance(expected, tuple) else (expected,)))
        hint = " (did the function forget to `return` its result?)" if actual is None else ""
        raise CheckFailed(f"{name}: expected a {names}, got {_describe(actual)}{hint}")


def assert_shape(actual: Any, expected: Sequence[int], *, name: str) -> None:
    """Fail unless ``actual`` (array, tensor, number) has exactly the shape ``expected``."""
    shape = tuple(_to_numpy(actual, name).shape)
    expected = tuple(int(n) for n in expected)
    if shape != expected:
        hint = ""
        if len(shape) == len(expected) and sorted(shape) == sorted(expected):
            hint = " (same sizes in another order: a transpose or swapped axes?)"
        elif np.prod(shape, dtype=np.int64) == np.prod(expected, dtype=np.int64):
            hint = " (same number of elements: a missing reshape, or a kept/dropped axis of size 1?)"
        raise CheckFailed(f"{name}: wrong shape: expected {expected}, got {shape}{hint}")


def _dtype_name(x: Any) -> str:
    dtype = x.dtype if (_is_tensor(x) or isinstance(x, np.ndarray)) else np.asarray(x).dtype
    return str(dtype).replace("torch.", "")


def assert_dtype(actual: Any, expected: Any, *, name: str) -> None:
    """Fail unless the dtype matches; ``expected`` may be a dtype or a kind ("float", "int", "bool")."""
    got = _dtype_name(actual)
    kinds = {"float": ("float", "bfloat"), "int": ("int", "uint"), "bool": ("bool",)}
    if isinstance(expected, str) and expected in kinds:
        ok = got.startswith(kinds[expected])
    else:
        want = str(expected).replace("torch.", "") if "torch" in str(expected) else np.dtype(expected).name
        ok = got == want
    if not ok:
        raise CheckFailed(f"{name}: wrong dtype: expected {expected}, got {got}")


# ----------------------------------------------------------------------------- values


def _plain(x: Any) -> Any:
    """Arrays, tensors, tuples and lists as nested tuples of Python scalars."""
    if _is_tensor(x) or isinstance(x, np.ndarray):
        return _plain(x.tolist())
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, (list, tuple)):
        return tuple(_plain(v) for v in x)
    return x


def assert_equal(actual: Any, expected: Any, *, name: str, inputs: Mapping[str, Any] | None = None) -> None:
    """Exact comparison for whole numbers, shapes, tuples, lists (of tuples) and strings."""
    got, want = _plain(actual), _plain(expected)
    if isinstance(want, (int, float)) and isinstance(got, tuple) and len(got) == 1:
        got = got[0]  # a one-element array for a number
    if isinstance(want, (int, float)) and not isinstance(want, bool) and \
            (not isinstance(got, (int, float)) or isinstance(got, bool)):
        hint = " (did the function forget to `return` its result?)" if actual is None else ""
        raise CheckFailed(f"{name}: expected a number, got {_describe(actual)}{hint}")
    if got != want:
        raise CheckFailed(f"{name}: expected {want!r}, got {_short(got)}{_format_inputs(inputs)}")


def assert_close(actual: Any, expected: Any, *, name: str, rtol: float = 1e-5, atol: float = 1e-8,
                 inputs: Mapping[str, Any] | None = None) -> None:
    """Compare an answer with a reference, element by element, like ``numpy.allclose``.

    Either side may be a NumPy array, a torch tensor or a number; a tensor answer to a
    NumPy reference (or the reverse) is compared by value. Shapes must match exactly
    (no broadcasting: a (N, 1) answer for an (N,) reference fails). A single number
    may be given as any one-element array.
    """
    if actual is None or isinstance(actual, (str, bytes, dict, set)) or callable(actual) and not _is_tensor(actual):
        hint = " (did the function forget to `return` its result?)" if actual is None else ""
        raise CheckFailed(f"{name}: expected {_describe(expected)}, got {_describe(actual)}{hint}")
    exp = _to_numpy(expected, "reference")
    act = _to_numpy(actual, name)
    if exp.ndim == 0 and act.size == 1:
        act = act.reshape(())
    if act.shape != exp.shape:
        assert_shape(act, exp.shape, name=name)
    if act.dtype == object or not (np.issubdtype(act.dtype, np.number) or act.dtype == bool):
        raise CheckFailed(f"{name}: expected numbers, got an array of dtype {act.dtype}")
    act_f = act.astype(np.complex128 if np.iscomplexobj(act) else np.float64)
    exp_f = exp.astype(np.complex128 if np.iscomplexobj(exp) else np.float64)
    with np.errstate(all="ignore"):
        close = np.isclose(act_f, exp_f, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return
    bad = np.argwhere(~close)
    first = tuple(int(i) for i in bad[0]) if exp.ndim else ()
    a0, e0 = act_f[first], exp_f[first]
    with np.errstate(all="ignore"):
        abs_err = np.abs(act_f - exp_f)
        rel_err = abs_err / np.maximum(np.abs(exp_f), 1e-12)
    finite = np.isfinite(abs_err)
    where = f" at {first}" if exp.ndim else ""
    # The first line is what nbgrader's Validate shows whole (it cuts lines at ~87 characters): keep it short.
    lines = [f"{name}{where}: expected {e0:.6g}, got {a0:.6g}"]
    if not np.isfinite(act_f).all() and np.isfinite(exp_f).all():
        idx = tuple(int(i) for i in np.argwhere(~np.isfinite(act_f))[0])
        lines.append(f"  the answer contains nan/inf (first at index {idx}), the reference does not: "
                     "an overflow? (large inputs need a numerically stable formula)")
    lines.append(f"  {len(bad)} of {exp.size} elements differ from the reference; "
                 f"max abs error {np.max(abs_err[finite]) if finite.any() else float('inf'):.3g}, "
                 f"max rel error {np.max(rel_err[finite]) if finite.any() else float('inf'):.3g} "
                 f"(tolerance: rtol={rtol:g}, atol={atol:g})")
    if exp.ndim and exp.size > 1 and np.allclose(np.sort(act_f.ravel()), np.sort(exp_f.ravel()), rtol=rtol, atol=atol):
        lines.append("  the right values in the wrong places: check the order of axes or a transpose")
    elif exp.size > 1 and np.isfinite(act_f).all() and np.all(np.abs(exp_f) > 0):
        ratio = act_f / exp_f
        if np.allclose(ratio, ratio.ravel()[0], rtol=1e-6) and not np.isclose(ratio.ravel()[0], 1):
            lines.append(f"  every element is {ratio.ravel()[0].real:.6g} times the reference: a missing "
                         "or extra factor (a mean vs a sum? a sign?)")
    raise CheckFailed("\n".join(lines) + _format_inputs(inputs))


# ----------------------------------------------------------------------------- gradients


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Central differences (f(x + h) - f(x - h)) / 2h for each element of ``x`` (restored after)."""
    grad = np.zeros_like(x, dtype=float)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        plus = float(f(x))
        x[i] = old - h
        minus = float(f(x))
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
        it.iternext()
    return grad


def check_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, analytic_grad: Any, *,
                   name: str = "gradient", h: float = 1e-5, tol: float = 1e-6) -> float:
    """Compare an analytic gradient of scalar ``f`` at ``x`` with central differences.

    Returns the maximum relative error; fails when it exceeds ``tol``.
    """
    x = np.asarray(x, dtype=float)
    numeric = numerical_gradient(f, x, h)
    analytic = _to_numpy(analytic_grad, name)
    if analytic.shape != numeric.shape:
        assert_shape(analytic, numeric.shape, name=name)
    err = rel_error(analytic, numeric)
    if not err <= tol:
        diff = np.abs(analytic - numeric)
        i = tuple(int(k) for k in np.unravel_index(np.argmax(diff), diff.shape))
        raise CheckFailed(f"{name}: relative error {err:.3g} against central differences exceeds {tol:g}; "
                          f"largest difference at index {i}: analytic {analytic[i]:.6g}, "
                          f"numerical {numeric[i]:.6g}")
    return err


# ----------------------------------------------------------------------------- forbidden APIs


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


_SHORT_NAMES = {"np": "numpy", "F": "torch.nn.functional", "nn": "torch.nn"}


def _import_dotted(name: str) -> Any:
    """The object a dotted name such as "torch.linalg.norm" stands for (None if it does not import)."""
    parts = name.split(".")
    parts[0] = _SHORT_NAMES.get(parts[0], parts[0])
    parts = ".".join(parts).split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def _lookup(dotted: str, namespace: Mapping[str, Any]) -> Any:
    head, *rest = dotted.split(".")
    if head not in namespace:
        return None
    obj = namespace[head]
    for attr in rest:
        obj = getattr(obj, attr, None)
        if obj is None:
            return None
    return obj


def _local_names(tree: ast.Module) -> set[str]:
    """Names a function binds itself: arguments, assignments, loop and `with` targets, inner defs."""
    outer = tree.body[0] if tree.body else None
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node is not outer:
            names.add(node.name)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def assert_not_used(func: Callable, forbidden: Iterable[str], *, name: str | None = None) -> None:
    """Fail when the source of ``func`` uses a forbidden API.

    ``forbidden`` holds dotted names ("torch.norm", "np.linalg.norm") or whole modules
    ("torch"). Names are resolved in the function's globals, so aliases are caught
    (``import numpy as xp``, ``from torch import norm``); for a torch function the
    tensor method of the same name (``t.norm()``) is caught too.
    """
    label = name or getattr(func, "__name__", "your function")
    if _bridge is not None and _bridge.is_handle(func):
        _assert_not_used_while_grading(func, list(forbidden), label, name)
        return
    try:
        source = textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError):
        raise CheckFailed(f"{label}: could not read its source to check which functions it uses; "
                          "define it in a notebook cell with `def`") from None
    banned = {bad: _import_dotted(bad) for bad in forbidden}
    tree = ast.parse(source)
    local = _local_names(tree)  # a local `pool` is not the notebook's global `pool` layer
    namespace = {key: value for key, value in {**vars(builtins), **getattr(func, "__globals__", {})}.items()
                 if key not in local}

    def verdict(obj: Any, text: str) -> str | None:
        for bad, target in banned.items():
            if target is None:
                continue
            if obj is target or (inspect.ismodule(target) and (inspect.ismodule(obj) or callable(obj)) and (
                    getattr(obj, "__name__", "") == target.__name__ or
                    str(getattr(obj, "__module__", "") or "").startswith(target.__name__ + ".") or
                    getattr(obj, "__module__", None) == target.__name__)):
                return bad
            method = bad.rsplit(".", 1)[-1]
            if bad.startswith("torch.") and not inspect.ismodule(target) and text.endswith("." + method) \
                    and obj is None:
                return bad  # a method call such as (a - b).norm() on a local tensor
        return None

    for node in ast.walk(tree):  # imports inside the function count as its names too
        if isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.split(".")[0]
                namespace[local] = _import_dotted(alias.name if alias.asname else local)
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                namespace[alias.asname or alias.name] = _import_dotted(f"{node.module}.{alias.name}")
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                full = alias.name if isinstance(node, ast.Import) else f"{node.module}.{alias.name}"
                found = verdict(_import_dotted(full), full)
                if found:
                    raise CheckFailed(f"{label}: this exercise asks you not to use {found} "
                                      f"(found `import {full}` on line {node.lineno} of the function)")
        elif isinstance(node, (ast.Attribute, ast.Name)):
            dotted = _dotted(node)
            obj = _lookup(dotted, namespace) if dotted else None
            if dotted is None:
                dotted = f"(...).{node.attr}"  # a method of an expression, e.g. (a - b).norm()
            found = verdict(obj, dotted)
            if found:
                raise CheckFailed(f"{label}: this exercise asks you not to use {found} "
                                  f"(found `{dotted}` on line {node.lineno} of the function)")


def _assert_not_used_while_grading(func: Any, forbidden: list[str], label: str, name: str | None) -> None:
    """The same check on the student's source, in their kernel; then, at run time: did a forbidden
    function run (however it was reached) during this cell's calls of ``func``?"""
    from .remote import agent

    message = _bridge.apply(agent.static_not_used, (func, forbidden, name))
    if message:
        raise CheckFailed(str(message))
    ran = _bridge.used_by(func, forbidden)
    if ran:
        raise CheckFailed(f"{label}: this exercise asks you not to use {ran[0]} (it ran while {label} ran)")


# ----------------------------------------------------------------------------- output hygiene


@contextlib.contextmanager
def quiet() -> Iterator[io.StringIO]:
    """Silence warnings and stderr inside a block (nbgrader fails a test cell that writes to stderr)."""
    buffer = io.StringIO()
    with warnings.catch_warnings(), np.errstate(all="ignore"), contextlib.redirect_stderr(buffer):
        warnings.simplefilter("ignore")
        yield buffer


# ----------------------------------------------------------------------------- calling the student's code
#
# Test cells reach the student's work only through these helpers and plain calls, so that the
# grading engine can run the student's code in another process and pass plain values across
# (see docs/writing-a-lab.md, "The test-cell contract").


def _student_line(error: BaseException, func: Any) -> str:
    """' (line 3 of your cell)' for the innermost frame of the student's code, else ''."""
    if hasattr(error, "_autograder_line"):  # raised in the student's kernel (grading): its line came with it
        return str(error._autograder_line)
    code = getattr(func, "__code__", None) or getattr(getattr(func, "__init__", None), "__code__", None)
    filename = code.co_filename if code is not None else None
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == filename]
    return f" (line {frames[-1].lineno} of your cell)" if frames else ""


def call(func: Callable, *args: Any, name: str | None = None, **kwargs: Any) -> Any:
    """Call the student's ``func(*args, **kwargs)``; an exception inside it becomes a short failure.

    ``NotImplementedError`` reads "not written yet"; any other error names the function, the
    exception and the line of the student's cell it came from, in a first line under 80
    characters (nbgrader's Validate cuts longer lines). The gradients autograd computes during
    the call are recorded, for :func:`assert_from_autograd`.
    """
    label = name or getattr(func, "__name__", "your function")
    if not callable(func):
        raise CheckFailed(f"{label} is not a function: got {_describe(func)}")
    try:
        if _bridge is not None:  # grading: the student's kernel records autograd itself
            return func(*args, **kwargs)
        with _AutogradRecord() as record:
            result = func(*args, **kwargs)
        record.remember()
        return result
    except CheckFailed:
        raise
    except NotImplementedError:
        raise CheckFailed(f"{label} is not written yet (it raises NotImplementedError)") from None
    except Exception as error:  # the student's bug, shown as one line instead of a traceback
        if type(error).__name__ == "StudentKernelError":
            raise
        where = _student_line(error, func)
        kind = getattr(error, "_autograder_type", type(error).__name__)
        first = f"your {label} raised {kind}{where}"
        detail = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise CheckFailed(first + (f"\n  {kind}: {_short(detail, 300)}" if detail else "")) from None


# ----------------------------------------------------------------------------- gradients from autograd

_RECORDS: list["_AutogradRecord"] = []  # the records open now
_AUTOGRAD_NUMBERS: Any = None  # the numbers of the gradients autograd produced in the last call of student code
MAX_AUTOGRAD_NUMBERS = 1_000_000


def _leaf_tensors(outputs: Any, inputs: Any) -> list[Any]:
    """The leaf tensors a backward pass from ``outputs`` fills (``inputs`` when given)."""
    if inputs is not None:
        return list(inputs) if isinstance(inputs, (tuple, list)) else [inputs]
    stack = [o.grad_fn for o in (outputs if isinstance(outputs, (tuple, list)) else [outputs])
             if _is_tensor(o) and o.grad_fn is not None]
    seen, leaves = set(), []
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        variable = getattr(node, "variable", None)
        if variable is not None:
            leaves.append(variable)
        stack.extend(parent for parent, _ in node.next_functions)
    return leaves


def _install_autograd_recorder() -> None:
    """Wrap torch.autograd.backward and .grad (Tensor.backward calls the first) to record what they produce."""
    torch = sys.modules.get("torch")
    if torch is None or getattr(torch.autograd.backward, "_autograder_records", False):
        return
    backward, grad = torch.autograd.backward, torch.autograd.grad

    def recording_backward(tensors: Any, *args: Any, **kwargs: Any) -> Any:
        leaves = _leaf_tensors(tensors, kwargs.get("inputs")) if _RECORDS else []
        result = backward(tensors, *args, **kwargs)
        for record in _RECORDS:
            record.grads.extend(leaf.grad for leaf in leaves if _is_tensor(leaf) and leaf.grad is not None)
        return result

    def recording_grad(outputs: Any, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        result = grad(outputs, inputs, *args, **kwargs)
        for record in _RECORDS:
            record.grads.extend(g for g in result if g is not None)
        return result

    for wrapper, original in ((recording_backward, backward), (recording_grad, grad)):
        wrapper.__name__, wrapper.__doc__, wrapper.__wrapped__ = original.__name__, original.__doc__, original
        wrapper._autograder_records = True
    torch.autograd.backward, torch.autograd.grad = recording_backward, recording_grad


class _AutogradRecord:
    """The gradients autograd produces while a block runs (the student's function, called by a test)."""

    def __init__(self) -> None:
        self.grads: list[Any] = []

    def __enter__(self) -> "_AutogradRecord":
        _install_autograd_recorder()
        _RECORDS.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _RECORDS.remove(self)

    def numbers(self) -> np.ndarray | None:
        """Every number of the gradients produced (float64, flat), or None when there were none."""
        import torch

        base = torch._C.TensorBase  # torch's C methods: a notebook may have rebound Tensor's Python ones
        arrays = [base.numpy(base.double(base.cpu(base.detach(g)))).reshape(-1) for g in self.grads
                  if g.device.type != "meta"]
        numbers = np.concatenate(arrays)[:MAX_AUTOGRAD_NUMBERS] if arrays else np.zeros(0)
        return numbers if numbers.size else None

    def remember(self) -> None:
        _remember_autograd(self.numbers())


def _remember_autograd(numbers: Any) -> None:
    """The numbers of the gradients autograd produced in the last call (grading: as the student's kernel says)."""
    global _AUTOGRAD_NUMBERS
    ok = isinstance(numbers, np.ndarray) and numbers.size
    _AUTOGRAD_NUMBERS = numbers.astype(np.float64).reshape(-1) if ok else None


def assert_from_autograd(value: Any, *, name: str) -> None:
    """Fail unless ``value`` holds gradients autograd computed while the student's function ran.

    Call the function with :func:`call` first. ``value`` (a tensor, an array, a number) passes when each
    of its numbers is one autograd produced during that call (a ``.grad``, an element of one, its
    ``.item()``); a value computed with a formula fails, even beside a backward pass that computes
    something else.
    """
    if value is None:
        raise CheckFailed(f"{name} is None\n  read .grad after calling backward()")
    try:
        numbers = _to_numpy(value, name).astype(np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise CheckFailed(f"{name} is not a gradient\n  expected the gradient autograd computed, got {_describe(value)}") from None
    produced = _AUTOGRAD_NUMBERS
    found = produced is not None and numbers.size > 0 and bool(np.isclose(
        numbers[:, None], produced[None, :], rtol=1e-6, atol=1e-12, equal_nan=True).any(axis=1).all())
    if not found:
        raise CheckFailed(f"{name} did not come from autograd\n  let autograd find it: inputs that require gradients, "
                          "then backward() on the result, not a formula")


def _notebook_namespace(depth: int = 2) -> dict[str, Any]:
    """The namespace a test cell runs in: IPython's user namespace, else the caller's globals."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is not None:
        return shell.user_ns
    return sys._getframe(depth).f_globals


class substitute:
    """Run a block with some of the notebook's names replaced, e.g. by a reference version.

    A hidden test of an exercise that calls another student function swaps in the reference
    for it, so a mistake costs points only on its own exercise::

        with substitute({"feed_forward": reference_feed_forward, "MLP.loss": reference_loss}):
            history = call(train, ...)

    Keys are names in the notebook's namespace, or ``"Name.attribute"`` for an attribute of a
    notebook object (a method of the student's class). Everything is put back on exit.
    """

    def __init__(self, replacements: Mapping[str, Any]) -> None:
        self.replacements = dict(replacements)
        self.namespace = _notebook_namespace()
        self._saved: list[tuple[Any, str, bool, Any]] = []
        self._token: Any = None

    def _target(self, key: str) -> tuple[Any, str]:
        head, _, attr = key.partition(".")
        if not attr:
            return self.namespace, key
        owner = self.namespace.get(head)
        if owner is None:
            raise CheckFailed(f"{head} is not defined: run the cell that defines it first")
        return owner, attr

    def __enter__(self) -> "substitute":
        replacements = self.replacements
        if _bridge is not None:  # grading: swap them in where the student's code runs
            self._token = _bridge.enter_substitute(replacements)
            # here, only the student's names a test may also call directly
            replacements = {k: v for k, v in replacements.items() if "." not in k and _bridge.is_handle(self.namespace.get(k))}
        for key, value in replacements.items():
            owner, attr = self._target(key)
            if isinstance(owner, dict):
                self._saved.append((owner, attr, attr in owner, owner.get(attr)))
                owner[attr] = value
            else:
                had = attr in vars(owner)
                self._saved.append((owner, attr, had, vars(owner).get(attr)))
                setattr(owner, attr, value)
        return self

    def __exit__(self, *exc: object) -> None:
        for owner, attr, had, old in reversed(self._saved):
            if isinstance(owner, dict):
                if had:
                    owner[attr] = old
                else:
                    owner.pop(attr, None)
            elif had:
                setattr(owner, attr, old)
            else:
                delattr(owner, attr)
        self._saved.clear()
        if self._token is not None:
            token, self._token = self._token, None
            _bridge.exit_substitute(token)


# ----------------------------------------------------------------------------- figures


def _axes_summary(ax: Any) -> dict[str, Any]:
    patches: dict[str, int] = {}
    for patch in ax.patches:
        patches[type(patch).__name__] = patches.get(type(patch).__name__, 0) + 1
    legend = ax.get_legend()
    return {
        "title": ax.get_title() or ax.get_title("left") or ax.get_title("right"),
        "xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel(),
        "xscale": ax.get_xscale(), "yscale": ax.get_yscale(),
        "lines": len(ax.lines), "images": len(ax.images), "collections": len(ax.collections),
        "patches": patches, "texts": [t.get_text() for t in ax.texts],
        "legend": [t.get_text() for t in legend.get_texts()] if legend is not None else [],
        "visible_axis": bool(ax.axison),
        "position": tuple(round(float(v), 3) for v in ax.get_position(original=True).bounds),
    }


def figure_summary(fig: Any = None) -> dict[str, Any]:
    """A plain description of a matplotlib figure (the current one by default), for figure tests.

    ``{"suptitle": str, "axes": [{"title", "xlabel", "ylabel", "xscale", "yscale", "lines",
    "images", "collections", "patches": {type name: count}, "texts", "legend", "visible_axis",
    "position": (left, bottom, width, height) in figure fractions}]}``, the axes in the order they
    were added (axes in one column of a grid share their left edge). Tests read figures only through this, never
    through ``plt`` directly (the student's figure may live in another process while grading).
    """
    if _bridge is not None:  # grading: the student's figures are in the student's kernel
        return _bridge.apply(figure_summary, (fig,))
    import matplotlib.pyplot as plt

    fig = fig if fig is not None else plt.gcf()
    suptitle = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) is not None else ""
    return {"suptitle": suptitle, "axes": [_axes_summary(ax) for ax in fig.axes]}


def close_figures() -> None:
    """Close every open figure (before a figure test calls the student's drawing function)."""
    if _bridge is not None:
        _bridge.apply(close_figures)
        return
    import matplotlib.pyplot as plt

    plt.close("all")


# ----------------------------------------------------------------------------- hashed values


def hash_value(value: Any, decimals: int = 4) -> str:
    """A short digest of a value rounded to ``decimals`` (numbers, arrays, tensors, strings, tuples)."""
    if isinstance(value, str):
        text = value.strip()
    else:
        arr = np.round(_to_numpy(value, "value").astype(np.float64), decimals) + 0.0  # no -0.0
        text = f"{arr.shape}:" + ",".join(f"{v:.{decimals}f}" for v in arr.ravel())
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def assert_hashed(actual: Any, digest: str, *, name: str, decimals: int = 4) -> None:
    """Fail unless ``actual`` rounded to ``decimals`` hashes to ``digest`` (from :func:`hash_value`).

    For a visible check of a value that only the value itself would give away: the message
    says the value is wrong and shows the student's own value, never the expected one.
    """
    if actual is None:
        raise CheckFailed(f"{name}: got None (did you forget to `return` or assign it?)")
    try:
        got = hash_value(actual, decimals)
    except CheckFailed:
        raise CheckFailed(f"{name}: expected a number or an array, got {_describe(actual)}") from None
    if got != digest:
        shown = actual if isinstance(actual, str) else np.round(_to_numpy(actual, name).astype(float), decimals)
        raise CheckFailed(f"{name}: not the right value (compared rounded to {decimals} decimals)\n"
                          f"  yours: {_short(shown)}")


def note_hidden_tests() -> None:
    """Print the line a test cell shows when its checks run only at grading."""
    print("More tests run in this cell when your work is graded.")


# ----------------------------------------------------------------------------- models with known weights


def fixed_parameters(model: Any) -> Any:
    """Give every floating parameter and buffer of a torch module values fixed by its shape and kind.

    The values depend only on the tensor's shape and the last part of its name ("weight", "bias",
    "running_mean", "running_var"), never on the module's attribute names or the order its layers
    were created in, so two correct models of one architecture compute the same function: a visible
    test can compare a hash of the output (``assert_hashed``) without showing the computation.
    Weights are scaled by 1/sqrt(fan-in) to keep activations of order 1; running variances are
    positive. Goes through ``state_dict``/``load_state_dict`` only; returns the model.
    """
    import torch

    fixed = {}
    for key, value in model.state_dict().items():
        if not torch.is_tensor(value) or not value.is_floating_point():
            fixed[key] = value
            continue
        kind = key.rsplit(".", 1)[-1]
        seed = int(hashlib.sha256(f"{kind}{tuple(value.shape)}".encode()).hexdigest()[:8], 16)
        values = torch.randn(tuple(value.shape), generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
        if value.dim() > 1:
            values /= float(value[0].numel()) ** 0.5
        if kind == "running_var":
            values = values.abs() + 0.5
        fixed[key] = values.to(value.dtype)
    model.load_state_dict(fixed)
    return model
