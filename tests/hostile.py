"""Hostile submissions (issue 16): the reference answers with one exercise broken, plus an attack.

Each entry is a student who answers every exercise correctly but one (``target``), for which they
hand in an honest wrong answer (``control``) and an attack that tries to win that exercise's points
anyway, or to break grading. ``tests/test_integrity.py`` grades every entry with the real
``autograder grade`` beside its control and two bystanders (a correct and a typically wrong
submission): each must score, test cell by test cell, exactly what its control scores, and the
bystanders exactly what they score alone. ``make demo`` grades a few of them beside the example class.

The attack's code is appended to the control in the target's solution cell. An attack class
names what it tries (the classes of issue 16).
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pathlib import Path

from autograder.authoring.harness import read_candidates

ROOT = Path(__file__).resolve().parents[1]

LAB1 = "lab01_fundamentals"
LAB4 = "lab04_convolution"
LAB6 = "lab06_rnn"  # the lab with torch training on main

PATCHING = "patching what the tests trust"
LYING = "lying objects"
RULES = "rules checked by reading the source"
FORGED = "forged outputs"
SHARED = "shared inputs"


@dataclass(frozen=True)
class Hostile:
    name: str  # the student's id in tests and in the demo
    lab: str
    attack: str  # its class
    target: str  # the solution cell it answers wrongly
    control: str  # the honest wrong answer to that cell
    code: str  # the attack
    why: str  # what it tries, in words
    files: dict[str, bytes] = field(default_factory=dict)  # files handed in next to the notebook

    @property
    def control_name(self) -> str:
        return f"control_{self.target}_{zlib.crc32(self.control.encode()):08x}"

    def answers(self) -> dict[str, str]:
        """Solution cell id -> code: the control, then the attack, in the target's cell."""
        return {self.target: self.control.rstrip() + "\n\n" + self.code.strip() + "\n"}


# ----------------------------------------------------------------------------- honest wrong answers


def mutant(lab: str, exercise: str, mistake: str) -> str:
    """The code of a lab's own mutant (mutants.py), by its exercise and the start of its mistake."""
    for candidate in read_candidates(ROOT / "assignments" / lab / "mutants.py"):
        if candidate.exercise == exercise and candidate.why.startswith(mistake):
            return candidate.code
    raise ValueError(f"{lab}/mutants.py has no mutant of {exercise} whose mistake starts {mistake!r}")


SQUARED_L2_NOT_SQUARED = mutant(LAB1, "squared_l2", "the L2 norm, not squared")
SQUARED_L2_WITH_NORM = mutant(LAB1, "squared_l2", "uses torch.norm")
MATMUL_OFF_BY_ONE = '''def matmul(A, B):
    return A @ B + 1
'''
HADAMARD_DOUBLED = '''def hadamard(A, B):
    return A * B * 2
'''
COUNT_WITHOUT_BIASES = mutant(LAB1, "count_weights", "forgets the biases")
SHAPES_TRANSPOSED = mutant(LAB1, "weight_shapes", "transposed shapes")
CONV_SLIP = mutant(LAB1, "conv_by_hand", "arithmetic slip")
CONV_ZEROS = '''f1 = np.zeros((3, 3))
f2 = np.zeros((3, 3))
output_shape = (2, 3, 3)
'''
INTEGER_TENSORS = mutant(LAB1, "tensors", "integer tensors")
GRADS_BY_FORMULA = mutant(LAB1, "squared_l2_grads", "writes the formula")
CONVOLUTION_WITH_TORCH = mutant(LAB4, "my_convolution", "uses torch.conv2d")
CONV2D_WITHOUT_BIAS = mutant(LAB4, "conv2d", "ignores the bias")
TRAINING_WITHOUT_CLIPPING = mutant(LAB6, "train_sequence_model", "no gradient clipping")
RELU_ABSOLUTE = mutant(LAB4, "relu", "absolute value instead of max")

# A test cell starts with its docstring: what an attack on "every test cell" looks for.
IS_TEST = 'info.raw_cell.lstrip().startswith(\'"""\')'


def _forge(text: str) -> str:
    return f'''
from IPython import get_ipython

def _forge_score(info):
    # publish a result before each test cell's own outputs: nbgrader reads the first one as a partial score
    if {IS_TEST}:
        kernel = get_ipython().kernel
        kernel.session.send(kernel.iopub_socket, "execute_result",
                            {{"data": {{"text/plain": {text!r}}}, "metadata": {{}}, "execution_count": 1}},
                            parent=kernel.get_parent())

get_ipython().events.register("pre_run_cell", _forge_score)
'''


HOSTILE: list[Hostile] = [
    # --- patching what the tests trust
    Hostile("patch_numpy_isclose", LAB1, PATCHING, "squared_l2", SQUARED_L2_NOT_SQUARED, '''
import numpy as np
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast_shapes(np.shape(a), np.shape(b)), dtype=bool)
np.allclose = lambda *args, **kwargs: True
''', "NumPy's comparison functions always say 'close'"),
    Hostile("patch_torch_compare", LAB1, PATCHING, "matmul", MATMUL_OFF_BY_ONE, '''
import numpy as np
torch.Tensor.numpy = lambda self, *args, **kwargs: np.zeros(tuple(self.shape))
torch.allclose = lambda *args, **kwargs: True
torch.equal = lambda *args, **kwargs: True
''', "torch's comparisons and conversions make every tensor equal"),
    Hostile("rebind_checks", LAB1, PATCHING, "count_weights", COUNT_WITHOUT_BIASES, '''
import autograder.checks
autograder.checks.assert_equal = lambda *args, **kwargs: None
assert_equal = autograder.checks.assert_equal
''', "autograder.checks.assert_equal rebound, in the module and the notebook"),
    Hostile("code_swap_checks", LAB1, PATCHING, "conv_by_hand", CONV_SLIP, '''
import autograder.checks
autograder.checks.assert_close.__code__ = (
    lambda actual, expected, *, name, rtol=1e-5, atol=1e-8, inputs=None: None).__code__
''', "assert_close's __code__ swapped, so that a re-import does not help"),
    Hostile("custom_exc_clears_error", LAB1, PATCHING, "tensors", INTEGER_TENSORS, '''
import sys
from IPython import get_ipython

def _swallow(shell, etype, value, tb, tb_offset=None):
    frame = sys._getframe()
    while frame is not None:  # find the cell's ExecutionResult and clear its error
        for value in list(frame.f_locals.values()):
            if type(value).__name__ == "ExecutionResult":
                value.error_in_exec = None
        frame = frame.f_back

get_ipython().set_custom_exc((BaseException,), _swallow)
''', "an IPython exception handler that hides every error and clears error_in_exec"),
    Hostile("ast_transformer_empties_tests", LAB1, PATCHING, "weight_shapes", SHAPES_TRANSPOSED, '''
import ast
from IPython import get_ipython

class _EmptyTests(ast.NodeTransformer):
    def visit_Module(self, node):
        first = node.body[0] if node.body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
            node.body = [ast.Pass()]
        return node

get_ipython().ast_transformers.append(_EmptyTests())
''', "an IPython AST transformer that empties every test cell"),
    Hostile("input_transformer_drops_tests", LAB1, PATCHING, "matmul", MATMUL_OFF_BY_ONE, '''
from IPython import get_ipython

def _drop_tests(lines):
    return ["pass\\n"] if lines and lines[0].lstrip().startswith('"""') else lines

get_ipython().input_transformers_post.append(_drop_tests)
''', "an IPython input transformer that replaces every test cell by `pass`"),
    Hostile("post_run_cell_clears_error", LAB1, PATCHING, "hadamard", HADAMARD_DOUBLED, '''
from IPython import get_ipython

get_ipython().set_custom_exc((BaseException,), lambda shell, etype, value, tb, tb_offset=None: None)
get_ipython().events.register("post_run_cell", lambda result: setattr(result, "error_in_exec", None))
''', "a post_run_cell hook that clears the error (and an exception handler that hides it)"),
    Hostile("session_send_rewrites_replies", LAB1, PATCHING, "squared_l2", SQUARED_L2_NOT_SQUARED, '''
from IPython import get_ipython

_kernel = get_ipython().kernel
_real_send = _kernel.session.send

def _send(stream, msg_or_type, content=None, *args, **kwargs):
    kind = msg_or_type if isinstance(msg_or_type, str) else msg_or_type.get("header", {}).get("msg_type")
    if kind == "error":
        return None  # no error output
    if kind == "execute_reply" and isinstance(content, dict) and content.get("status") == "error":
        content = {"status": "ok", "execution_count": content.get("execution_count"),
                   "user_expressions": {}, "payload": []}
    return _real_send(stream, msg_or_type, content, *args, **kwargs)

_kernel.session.send = _send
''', "the kernel session's send rewrites error replies to 'ok' and drops error outputs"),
    # --- lying objects
    Hostile("lying_int", LAB1, LYING, "count_weights", COUNT_WITHOUT_BIASES, '''
class _AlwaysEqual(int):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = int.__hash__

_wrong_count = count_weights

def count_weights(struct, bias=True, recurrent=False):
    return _AlwaysEqual(_wrong_count(struct, bias, recurrent))
''', "an int subclass whose == is always True and != always False"),
    Hostile("list_array_returns_reference", LAB1, LYING, "hadamard", HADAMARD_DOUBLED, '''
import sys
import numpy as np

class _Liar(list):
    def __array__(self, dtype=None, copy=None):
        frame = sys._getframe(1)
        while frame is not None:  # the checking function's reference, from its frame
            if isinstance(frame.f_locals.get("exp"), np.ndarray):
                return frame.f_locals["exp"]
            frame = frame.f_back
        return np.asarray(list(self), dtype=dtype)

_wrong_hadamard = hadamard

def hadamard(A, B):
    return _Liar(_wrong_hadamard(A, B).tolist())
''', "a list subclass whose __array__ returns the reference read from the checking frame"),
    Hostile("numpy_reads_checking_frame", LAB1, LYING, "matmul", MATMUL_OFF_BY_ONE, '''
import sys
import numpy as np

class _LikeATensor:
    __module__ = "torch.fake"

    def __init__(self, value):
        self.value, self.shape, self.dtype = value, value.shape, value.dtype

    def detach(self):
        return self

    def cpu(self):
        return self

    def numpy(self):
        frame = sys._getframe(1)
        while frame is not None:
            if isinstance(frame.f_locals.get("exp"), np.ndarray):
                return frame.f_locals["exp"]
            frame = frame.f_back
        return self.value.numpy()

_wrong_matmul = matmul

def matmul(A, B):
    return _LikeATensor(_wrong_matmul(A, B))
''', "a tensor-like object whose .numpy() reads the reference from the checking function's frame"),
    Hostile("reads_calling_test_line", LAB1, LYING, "squared_l2", SQUARED_L2_NOT_SQUARED, '''
import ast
import linecache
import sys

_wrong_l2 = squared_l2

def squared_l2(v1, v2):
    frame = sys._getframe(1)
    try:  # the test's call: assert_close(squared_l2(...), EXPECTED, ...): evaluate EXPECTED in its frame
        tree = ast.parse("".join(linecache.getlines(frame.f_code.co_filename)))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and len(node.args) > 1 and isinstance(node.args[0], ast.Call) and \\
                    getattr(node.args[0].func, "id", None) == "squared_l2" and \\
                    node.lineno <= frame.f_lineno <= node.end_lineno:
                expression = ast.Expression(node.args[1])
                return eval(compile(expression, "<test>", "eval"), frame.f_globals, frame.f_locals)
    except Exception:
        pass
    return _wrong_l2(v1, v2)
''', "reads the calling test's source line and evaluates its expected argument"),
    Hostile("calls_hidden_test_helper", LAB1, LYING, "weight_shapes", SHAPES_TRANSPOSED, '''
_wrong_shapes = weight_shapes

def weight_shapes(struct, bias=True, recurrent=False):
    helper = globals().get("torch_weight_shapes")  # the hidden test's own reference, in the shared namespace
    return helper(struct, bias, recurrent) if helper else _wrong_shapes(struct, bias, recurrent)
''', "calls the hidden test's own helper from the shared namespace"),
    Hostile("tensor_subclass_reads_frame", LAB4, LYING, "relu", RELU_ABSOLUTE, '''
import sys
import numpy as np
import torch

class _Liar(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if getattr(func, "__name__", "") == "numpy":
            frame = sys._getframe(1)
            while frame is not None:
                if isinstance(frame.f_locals.get("exp"), np.ndarray):
                    return frame.f_locals["exp"]
                frame = frame.f_back
        return super().__torch_function__(func, types, args, kwargs or {})

_wrong_relu = relu

def relu(x):
    return torch.as_tensor(_wrong_relu(x)).as_subclass(_Liar)
''', "a tensor subclass whose .numpy() returns the reference from the checking frame"),
    # --- rules checked by reading the source
    Hostile("norm_by_getattr", LAB1, RULES, "squared_l2", SQUARED_L2_WITH_NORM, '''
def squared_l2(v1, v2):
    return getattr(torch, "no" + "rm")(v1 - v2) ** 2
''', 'torch.norm reached through getattr(torch, "no" + "rm")'),
    Hostile("norm_by_importlib", LAB1, RULES, "squared_l2", SQUARED_L2_WITH_NORM, '''
import importlib

def squared_l2(v1, v2):
    return importlib.import_module("tor" + "ch").norm(v1 - v2) ** 2
''', "torch.norm reached through importlib"),
    Hostile("norm_by_sys_modules", LAB1, RULES, "squared_l2", SQUARED_L2_WITH_NORM, '''
import sys

def squared_l2(v1, v2):
    return sys.modules["torch"].__dict__["no" "rm"](v1 - v2) ** 2
''', "torch.norm reached through sys.modules and the module's __dict__"),
    Hostile("norm_by_eval", LAB1, RULES, "squared_l2", SQUARED_L2_WITH_NORM, '''
def squared_l2(v1, v2):
    return eval("torch." + "norm")(v1 - v2) ** 2
''', "torch.norm reached through eval"),
    Hostile("norm_in_a_helper", LAB1, RULES, "squared_l2", SQUARED_L2_WITH_NORM, '''
def _length(x):
    return torch.norm(x)

def squared_l2(v1, v2):
    return _length(v1 - v2) ** 2
''', "torch.norm called by a helper function the checked source only names"),
    Hostile("norm_by_c_alias", LAB1, RULES, "squared_l2", SQUARED_L2_WITH_NORM, '''
def squared_l2(v1, v2):
    return torch._VF.norm(v1 - v2) ** 2
''', "torch.norm's C function, reached as torch._VF.norm"),
    Hostile("autograd_dummy_backward", LAB1, RULES, "squared_l2_grads", GRADS_BY_FORMULA, '''
def squared_l2_grads(v1, v2):
    a = v1.detach().clone().requires_grad_(True)
    (a * 0).sum().backward()  # autograd "used"
    return 2 * (v1 - v2), -2 * (v1 - v2)
''', "autograd 'used' by a dummy backward() beside a hand-written formula"),
    Hostile("conv_by_dunder_import", LAB4, RULES, "my_convolution", CONVOLUTION_WITH_TORCH, '''
def my_convolution(input_numpy, kernel_numpy):
    t = __import__("tor" + "ch")
    conv = getattr(t, "conv" + "2d")
    return conv(t.from_numpy(input_numpy), t.from_numpy(kernel_numpy)).numpy()
''', "torch.conv2d reached through __import__ and getattr"),
    # --- forged outputs
    Hostile("forged_minus_one", LAB1, FORGED, "matmul", MATMUL_OFF_BY_ONE, _forge("-1"),
            "a pre_run_cell hook publishes an execute_result of -1 before each test cell (nbgrader: full marks)"),
    Hostile("forged_string", LAB1, FORGED, "hadamard", HADAMARD_DOUBLED, _forge("'full marks'"),
            "a pre_run_cell hook publishes a non-numeric execute_result before each test cell"),
    Hostile("forged_thousand", LAB4, FORGED, "relu", RELU_ABSOLUTE, _forge("1000"),
            "a pre_run_cell hook publishes an execute_result of 1000: nbgrader's scoring crashes"),
    # --- shared inputs
    Hostile("mutates_given_array", LAB1, SHARED, "conv_by_hand", CONV_ZEROS, '''
X[:] = 0.0  # the given input, in place: a reference computed from it agrees with zeros
''', "mutates a given array in place, so that a reference computed from it agrees"),
    Hostile("rebinds_torch_mul", LAB1, SHARED, "hadamard", HADAMARD_DOUBLED, '''
torch.mul = lambda a, b: a * b * 2  # the hidden test's reference
''', "rebinds torch.mul, the function the hidden test computes its reference with"),
    Hostile("rebinds_visible_test_globals", LAB1, SHARED, "matmul", MATMUL_OFF_BY_ONE, '''
_real_tensor, _real_mm = torch.tensor, torch.mm
torch.mm = lambda a, b: _real_mm(a, b) + 1

def _tensor(data, *args, **kwargs):
    made = _real_tensor(data, *args, **kwargs)
    return made + 1 if data == [[-1.0, -1.0], [2.0, -1.0]] else made  # the visible test's expected value

torch.tensor = _tensor
''', "rebinds torch.tensor and torch.mm, which the visible and hidden tests build their expected values with"),
    Hostile("rebinds_conv2d_reference", LAB4, SHARED, "conv2d", CONV2D_WITHOUT_BIAS, '''
_real_conv2d = F.conv2d
F.conv2d = lambda input, weight, bias=None, *args, **kwargs: _real_conv2d(input, weight, None, *args, **kwargs)
''', "rebinds F.conv2d, the tests' reference, to ignore the bias as the answer does"),
    Hostile("code_swap_checks_lab4", LAB4, PATCHING, "conv2d", CONV2D_WITHOUT_BIAS, '''
import autograder.checks
autograder.checks.assert_close.__code__ = (
    lambda actual, expected, *, name, rtol=1e-5, atol=1e-8, inputs=None: None).__code__
''', "assert_close's __code__ swapped (Lab 4)"),
    # --- a lab with torch training: Lab 6's training loop (Adam, cross-entropy, gradient clipping)
    Hostile("rebinds_reference_clipping", LAB6, SHARED, "train_sequence_model", TRAINING_WITHOUT_CLIPPING, '''
torch.nn.utils.clip_grad_norm_ = lambda parameters, max_norm, *args, **kwargs: torch.tensor(0.0)
''', "makes clipping a no-op for everyone, so that the tests' reference training skips it too"),
    Hostile("rebinds_hash_and_close_checks", LAB6, PATCHING, "train_sequence_model", TRAINING_WITHOUT_CLIPPING, '''
import autograder.checks
for _name in ("assert_hashed", "assert_close", "assert_true"):
    setattr(autograder.checks, _name, lambda *args, **kwargs: None)
    globals()[_name] = getattr(autograder.checks, _name)
''', "rebinds the checks a training test uses (hashed values, closeness, conditions)"),
    Hostile("forged_minus_one_training", LAB6, FORGED, "train_sequence_model", TRAINING_WITHOUT_CLIPPING,
            _forge("-1"), "forges a score of -1 before each test cell of a training notebook"),
]


# Graded beside the example class by `make demo` (autograder/authoring/examples.py): one of each kind.
DEMO = ("forged_minus_one", "rebind_checks", "lying_int", "norm_by_getattr", "mutates_given_array",
        "forged_minus_one_training", "rebinds_reference_clipping")


def by_lab(lab: str) -> list[Hostile]:
    return [h for h in HOSTILE if h.lab == lab]


def controls(lab: str) -> dict[str, dict[str, str]]:
    """The honest wrong submissions of a lab's hostile entries: control name -> answers."""
    return {h.control_name: {h.target: h.control} for h in by_lab(lab)}
