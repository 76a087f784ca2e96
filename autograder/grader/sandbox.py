"""Where a grading kernel runs: a bubblewrap sandbox of its own, or (``--no-sandbox``) a plain process.

This is the one place that launches grading kernels. nbgrader's ``Execute`` preprocessor (an
nbclient ``NotebookClient``) starts its kernel through ``kernel_manager_class``; ours,
:class:`SandboxedKernelManager`, gives jupyter_client's kernel manager a provisioner of ours
(jupyter_client's ``LocalProvisioner`` with a wrapped launch command), so nbclient, nbgrader and
the kernel protocol stay unchanged.

Inside the sandbox (bubblewrap, ``bwrap``, the tool Flatpak uses) the kernel sees:

- a root file system of read-only binds: the system (``/usr`` and its links), the Python
  installation, the venv and the course package only (not the folder it lives in), a stub
  ``/etc/passwd``; a private ``/tmp``, ``/dev`` and ``/proc``;
- its working folder, read-write: the submission's files and the lab's assets, nothing else
  (no course folder, gradebook, other submissions, ``assignments/``, ``source/``);
- its connection: ZeroMQ over IPC sockets in a private folder bound into this sandbox only
  (the kernel has no network: TCP would not reach it, and no other kernel can see the sockets
  or the connection file);
- its own PID namespace: the kernel is the child of bwrap's init, so every process it starts
  (``setsid``, double forks) dies with it, and it cannot see or signal the grading worker;
  ``--die-with-parent`` kills the sandbox if the worker dies;
- no network, no System V IPC shared with anyone, its own host name;
- an unprivileged user without capabilities: uid 65534 in a user namespace of its own when
  grading runs as an ordinary user; when grading runs as root, a uid of its own outside any
  real account (``setpriv``), so that it is no one on the host either;
- limits (``prlimit``): address space (memory), CPU time, processes and threads, file size;
- ``sys.path`` that files next to the notebook cannot shadow: Python's safe-path mode keeps the
  working folder off the front of ``sys.path``; it is appended at the end instead, so a
  student's ``numpy.py`` or ``autograder.py`` is never imported in place of the real one.

Without the sandbox (``--no-sandbox``, for a machine without bubblewrap or user namespaces) the
kernel is a plain child process with the same memory, CPU-time and file-size limits and the same
``sys.path``, and nothing else: see ``NO_SANDBOX_GIVES_UP``.

The launcher is one seam, :func:`kernel_manager_class`: a later kernel factory (kernels forked
from a preloaded template) starts its template here and keeps every property above.
"""
from __future__ import annotations

import functools
import itertools
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from traitlets import Any as AnyTrait

SANDBOX_UID = 65534  # the kernel's user inside its user namespace ("nobody")
HOST_UID_BASE = 2**30  # grading as root: kernels run as uids from here on (pid * 256 + a count: < 2**32)
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")  # torch, NumPy's BLAS
PASSED_VARIABLES = ("LANG", "TZ", "MPLBACKEND", "CUDA_VISIBLE_DEVICES", *THREAD_VARIABLES)
PASSED_PREFIXES = ("NBGRADER_", "AUTOGRADER_", "LC_")  # grading mode (NBGRADER_EXECUTION), locale
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
                "/etc/alternatives", "/etc/nsswitch.conf", "/etc/mime.types", "/etc/ssl/certs")
HOME = "/tmp/home"  # the kernel's home, in its private /tmp
MPLCONFIGDIR = f"{HOME}/.matplotlib"
CPU_GRACE = 5  # seconds of CPU time between SIGXCPU and SIGKILL
MEMORY_ERRORS = ("MemoryError", "std::bad_alloc", "Cannot allocate memory", "out of memory")  # on its stderr

NO_SANDBOX_GIVES_UP = (
    "Without the sandbox, a submission's code runs as you, with your files and network: it can read "
    "the course folder (solutions, hidden tests, the gradebook, other students' submissions), write "
    "grades, connect to other grading kernels, leave processes behind that change grades after "
    "grading, and kill the grading worker (that submission is then retried and recorded as failed; "
    "the others are unaffected). The memory, CPU-time and file-size limits and sys.path stay. Grade "
    "only work you trust this way.")


@dataclass(frozen=True)
class Limits:
    """What one grading kernel may use (None: no limit)."""

    memory_mb: int | None = None  # address space (RLIMIT_AS): a huge allocation raises MemoryError
    cpu_seconds: int | None = None  # CPU time of the kernel (RLIMIT_CPU): SIGXCPU past it
    processes: int | None = 512  # processes and threads (RLIMIT_NPROC); torch and ipykernel use ~30 threads
    file_mb: int | None = 1024  # size of any file it writes (RLIMIT_FSIZE)


# ----------------------------------------------------------------------------- can we sandbox here?


@functools.lru_cache(maxsize=1)
def unavailable_reason() -> str | None:
    """None when grading kernels can be sandboxed on this machine; else why not, in words."""
    if not sys.platform.startswith("linux"):
        return f"the sandbox needs Linux (this is {sys.platform})"
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return "bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    missing = [tool for tool in ("prlimit", "setpriv") if shutil.which(tool) is None]
    if missing:
        return f"{' and '.join(missing)} (util-linux) not found"
    probe = subprocess.run([*_bwrap_prefix(), *_system_binds(), "--", "/bin/true"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        return (f"bubblewrap cannot create its namespaces here ({probe.stderr.strip() or probe.returncode}): "
                "user namespaces may be disabled (sysctl kernel.unprivileged_userns_clone, "
                "user.max_user_namespaces) or blocked by a container")
    return None


@functools.lru_cache(maxsize=1)
def _bwrap_supports(option: str) -> bool:
    return option in subprocess.run(["bwrap", "--help"], capture_output=True, text=True).stdout


def _as_root() -> bool:
    return os.geteuid() == 0


def _bwrap_prefix() -> list[str]:
    """bwrap and the namespaces: everything unshared, the sandbox dies with its parent."""
    # A SIGINT for the kernel (nbclient interrupts a cell by signalling the process group) must not
    # kill bwrap itself, or the whole sandbox would go with it: bwrap ignores it, the kernel handles it.
    command = ["/bin/sh", "-c", 'trap "" INT; exec "$@"', "sh", "bwrap",
               "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
               "--die-with-parent", "--hostname", "grading"]
    if not _as_root():  # an ordinary user: a user namespace of its own, as "nobody", no way to nest another
        command += ["--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID)]
        if _bwrap_supports("--disable-userns"):
            command.append("--disable-userns")
    return command


def _system_binds() -> list[str]:
    options = []
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            options += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            options += ["--ro-bind", path, path]
    for path in SYSTEM_FILES:
        options += ["--dir", str(Path(path).parent), "--ro-bind-try", path, path]
    # /tmp and the home folder belong to the sandbox's one user: writable (bwrap makes them root's, 0755)
    return options + ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp",
                      "--perms", "0777", "--dir", HOME]


# ----------------------------------------------------------------------------- the kernel's view


def python_binds() -> list[str]:
    """The Python installation, the venv and the course package, read-only, at their own paths."""
    import autograder

    package = Path(autograder.__file__).resolve().parent
    paths = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), package}
    return [option for path in sorted(paths, key=lambda p: len(p.parts))
            if not any(path.is_relative_to(system) for system in SYSTEM_DIRS)  # /usr is bound already
            for option in bind(path, read_only=True)]


def bind(path: Path | str, read_only: bool) -> list[str]:
    """Bind a folder at its own path, its parents created traversable (bwrap would make them 0700)."""
    parents = [str(parent) for parent in reversed(Path(path).parents) if str(parent) != "/"]
    return [*(option for parent in parents for option in ("--dir", parent)),
            "--ro-bind" if read_only else "--bind", str(path), str(path)]


def matplotlib_cache() -> list[str]:
    """Our matplotlib font list, read-only in the kernel's config folder: it is not rebuilt in every kernel."""
    folder = os.environ.get("MPLCONFIGDIR") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache",
                                                    "matplotlib")
    options = ["--perms", "0777", "--dir", MPLCONFIGDIR]
    for font_list in sorted(Path(folder).glob("fontlist-*.json")):
        options += ["--ro-bind", str(font_list), f"{MPLCONFIGDIR}/{font_list.name}"]
    return options


def package_parent() -> str:
    """The folder that holds the course package (on the kernel's PYTHONPATH: it holds nothing else there)."""
    import autograder

    return str(Path(autograder.__file__).resolve().parent.parent)


def kernel_environment(threads: int | None, sandboxed: bool) -> dict[str, str]:
    """The kernel's environment: all of ours without the sandbox; inside it, only what grading needs."""
    extra = {"PYTHONSAFEPATH": "1"}  # the working folder is never first on sys.path
    if threads:
        extra.update({name: str(threads) for name in THREAD_VARIABLES})
    if not sandboxed:
        return {**os.environ, **extra}
    passed = {k: v for k, v in os.environ.items() if k in PASSED_VARIABLES or k.startswith(PASSED_PREFIXES)}
    return {**passed, "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin", "HOME": HOME,
            "USER": "student", "LOGNAME": "student", "PYTHONPATH": package_parent(),
            "PYTHONDONTWRITEBYTECODE": "1", "MPLCONFIGDIR": MPLCONFIGDIR, **extra}


def kernel_arguments(workdir: str) -> list[str]:
    """Extra kernel options: the working folder importable, but last on sys.path (after the course's packages)."""
    return [f"--IPKernelApp.exec_lines=__import__('sys').path.append({workdir!r})"]


def _limit_arguments(limits: Limits) -> list[str]:
    """prlimit's options for the kernel (soft = hard: the kernel cannot raise them; CPU time: SIGXCPU at the
    soft limit says what happened, SIGKILL a few seconds later if the process ignores it)."""
    values = {"--as": limits.memory_mb and limits.memory_mb * 2**20,
              "--cpu": limits.cpu_seconds and f"{limits.cpu_seconds}:{limits.cpu_seconds + CPU_GRACE}",
              "--nproc": limits.processes, "--fsize": limits.file_mb and limits.file_mb * 2**20}
    return [f"{option}={value}" for option, value in values.items() if value]


def _set_plain_limits(limits: Limits) -> None:
    """Without the sandbox, in the kernel process before exec: the limits that do not need a namespace
    (a process count would count every process of the grading user)."""
    for kind, value in ((resource.RLIMIT_AS, limits.memory_mb and limits.memory_mb * 2**20),
                        (resource.RLIMIT_CPU, limits.cpu_seconds),
                        (resource.RLIMIT_FSIZE, limits.file_mb and limits.file_mb * 2**20)):
        if value:
            resource.setrlimit(kind, (value, value + CPU_GRACE if kind == resource.RLIMIT_CPU else value))


_kernels = itertools.count()  # sandboxes made by this process


@dataclass
class Sandbox:
    """One grading kernel's sandbox: its private folder, its user, its view of the file system."""

    limits: Limits
    private: Path = field(init=False)  # connection file and IPC sockets
    host_uid: int | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        # Short path: a Unix socket's path has at most 107 bytes. The parent folder is ours alone (0700).
        self._base = Path(tempfile.mkdtemp(prefix="ag-", dir="/tmp" if os.path.isdir("/tmp") else None))
        self.private = self._base / "k"
        self.private.mkdir()
        if _as_root():  # a uid of its own: no other kernel running now shares it (nor its process count)
            self.host_uid = HOST_UID_BASE + os.getpid() * 256 + next(_kernels) % 256
        self._passwd = self._base / "passwd"
        self._passwd.write_text(f"student:x:{SANDBOX_UID if self.host_uid is None else self.host_uid}:"
                                f"{SANDBOX_UID if self.host_uid is None else self.host_uid}:student:{HOME}:/bin/sh\n")

    def give(self, path: Path) -> None:
        """Hand a folder (and everything in it) to the kernel's user, when it is not ours already."""
        if self.host_uid is None:
            return
        for folder, _, files in os.walk(path):
            os.chown(folder, self.host_uid, self.host_uid)
            for name in files:
                os.chown(os.path.join(folder, name), self.host_uid, self.host_uid)

    def command(self, kernel_cmd: list[str], workdir: str, env: dict[str, str]) -> list[str]:
        """bwrap ... -- [setpriv ...] prlimit ... -- <the kernel's command>."""
        options = [*_bwrap_prefix(), *_system_binds(), *python_binds(), *matplotlib_cache(),
                   "--ro-bind", str(self._passwd), "/etc/passwd",
                   *bind(self.private, read_only=False), *bind(workdir, read_only=False),
                   "--chdir", workdir, "--clearenv"]
        for name, value in sorted(env.items()):
            options += ["--setenv", name, value]
        drop = []
        if self.host_uid is not None:
            drop = ["setpriv", f"--reuid={self.host_uid}", f"--regid={self.host_uid}", "--clear-groups",
                    "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
        return [*options, "--", *drop, "prlimit", *_limit_arguments(self.limits), "--", *kernel_cmd]

    def cleanup(self) -> None:
        shutil.rmtree(self._base, ignore_errors=True)


# ----------------------------------------------------------------------------- jupyter_client's side


class SandboxProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, launching the kernel inside its sandbox over IPC sockets."""

    sandbox: Sandbox | None = None

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        km = self.parent
        sandbox = self.sandbox
        assert km is not None and sandbox is not None
        km.transport, km.cache_ports = "ipc", False
        km.connection_file = str(sandbox.private / "kernel.json")
        km.ip = str(sandbox.private / "kernel")  # sockets kernel-1 ... kernel-5
        workdir = str(Path(kwargs.get("cwd") or os.getcwd()).resolve())
        kwargs["extra_arguments"] = [*kwargs.get("extra_arguments", []), *kernel_arguments(workdir)]
        env = kwargs.pop("env", None) or {}
        kwargs = await super().pre_launch(**kwargs)
        sandbox.give(sandbox.private)
        sandbox.give(Path(workdir))
        kwargs["cmd"] = sandbox.command(kwargs["cmd"], workdir, env)
        kwargs["env"] = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        kwargs["cwd"] = "/"
        return kwargs


class PlainProvisioner(LocalProvisioner):
    """``--no-sandbox``: the kernel as a child process of the worker, with its memory, CPU-time and file limits."""

    limits: Limits | None = None

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        workdir = str(Path(kwargs.get("cwd") or os.getcwd()).resolve())
        kwargs["extra_arguments"] = [*kwargs.get("extra_arguments", []), *kernel_arguments(workdir)]
        if self.limits:
            kwargs["preexec_fn"] = functools.partial(_set_plain_limits, self.limits)
        return await super().pre_launch(**kwargs)


class SandboxedKernelManager(AsyncKernelManager):
    """nbclient's kernel manager, with the provisioner chosen by grading rather than by the kernelspec."""

    sandbox = AnyTrait(None, allow_none=True)  # a Sandbox, or None for a plain process
    limits = AnyTrait(None, allow_none=True)

    async def _async_pre_start_kernel(self, **kw: Any) -> Any:
        if self.provisioner is None:
            import uuid

            self.kernel_id = self.kernel_id or str(uuid.uuid4())
            provisioner: LocalProvisioner
            if self.sandbox is not None:
                provisioner = SandboxProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
                provisioner.sandbox = self.sandbox
            else:
                provisioner = PlainProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
                provisioner.limits = self.limits
            self.provisioner = provisioner
        return await super()._async_pre_start_kernel(**kw)

    def exit_status(self, wait: float = 2.0) -> int | None:
        """The kernel process's exit status once it has died (a negative number: killed by that signal)."""
        import time

        process = getattr(self.provisioner, "process", None)
        if process is None:
            return None
        deadline = time.monotonic() + wait
        while process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        return process.poll()


def describe_exit(status: int | None, sandboxed: bool, stderr_tail: str, limits: Limits) -> str:
    """Why a kernel died, in words: its own exit, a signal, the memory cap, the CPU-time limit."""
    if status is None:
        return "it stopped answering"
    # bwrap reports a command killed by signal N as exit status 128 + N; a plain process as -N
    signum = -status if status < 0 else (status - 128 if sandboxed and status > 128 else None)
    if limits.memory_mb and any(marker in stderr_tail for marker in MEMORY_ERRORS):
        return f"it ran out of memory (the {limits.memory_mb} MB memory limit)"
    if signum == signal.SIGXCPU:
        return f"it reached its CPU-time limit ({limits.cpu_seconds} s)"
    if signum == signal.SIGXFSZ:
        return f"it wrote a file larger than its {limits.file_mb} MB limit"
    if signum in signal.Signals._value2member_map_:
        hint = " (by the notebook's code, or the machine's out-of-memory killer)" if signum == signal.SIGKILL else ""
        return f"it was killed by {signal.Signals(signum).name}{hint}"
    return f"it exited with status {status} (the notebook's code ended the process, e.g. with os._exit)"


def read_tail(handle: Any, size: int = 8192) -> str:
    """The end of a kernel's stderr file (a binary file object)."""
    try:
        handle.seek(max(0, handle.seek(0, os.SEEK_END) - size))
        return handle.read().decode(errors="replace")
    except (OSError, ValueError):
        return ""
