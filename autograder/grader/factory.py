"""The grading kernel factory: every notebook in a fresh kernel forked from a template that has
already imported the lab's heavy libraries (torch, matplotlib...), as SageMathCell serves its kernels.

Starting a kernel and importing torch cost more than grading a Lab 1 notebook itself. Each grading
worker keeps one long-lived template process (template.py) that has imported what the lab's
notebooks import (``preload_modules``: the lab's ``preload`` setting, or the imports of its source
notebooks) and nothing of any student. For each notebook, :class:`ForkProvisioner` (a jupyter_client
kernel provisioner, chosen by sandbox.SandboxedKernelManager when it is given a factory) asks the
template for a child: the child becomes an ipykernel kernel that reads its connection file and talks
to nbclient as any kernel does, so nbclient and nbgrader's Execute are unchanged.

Every guarantee of the sandbox (sandbox.py) holds for the child:

- the template runs in a bubblewrap sandbox of its own, as the PID namespace's init (``--as-pid-1``):
  a child cannot signal it, ptrace it or read its memory (it is not dumpable);
- the child sees one working folder: the factory's slot, which holds only the submission being graded
  (emptied after each submission), and the connection folder, private to this sandbox (IPC sockets);
- nothing of a child survives it: before the next child, the template kills every other process of
  its namespace and empties /tmp; the worker empties the working and connection folders;
- the child takes its own memory, CPU-time, process and file-size limits (setrlimit after the fork),
  its own environment, folder, random seeds and thread counts; it dies alone;
- a template that dies, hangs or cannot fork is replaced by the worker, and the outcome says so.

Fallback: ``--no-fork``, ``--no-sandbox`` (these guarantees rest on the sandbox's PID namespace), and
wherever fork, pidfd or SCM_RIGHTS are missing, kernels start as before.

A trusted kernel that runs only the course's code (a judge) comes from a factory of its own,
``KernelFactory(..., sandboxed=False)``, never from the student's: its template is a plain child of
the worker (no namespace to sweep: a kernel's process group is killed after it) and its kernels
connect as a started kernel without the sandbox does.
"""
from __future__ import annotations

import ast
import contextlib
import functools
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Iterator

from jupyter_client.provisioning import LocalProvisioner

from .sandbox import HOME, MPLCONFIGDIR, Limits, Sandbox, kernel_arguments, kernel_environment, package_parent

# What every ipykernel kernel imports while it starts, before the notebook's first cell (its debugger: ~0.8 s)
KERNEL_MODULES = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger",
                  "IPython.core.history", "pdb", "pydoc", "psutil")
READY_SECONDS = 300  # importing torch on a loaded machine can take a while
REPLY_SECONDS = 30
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"  # what ipykernel sets; matplotlib reads it at import


class TemplateError(RuntimeError):
    """The template could not start, answer or fork."""


@functools.lru_cache(maxsize=1)
def unavailable_reason() -> str | None:
    """None when kernels can be forked from a template here; else why not (kernels then start as before)."""
    if not sys.platform.startswith("linux"):
        return f"forking kernels needs Linux (this is {sys.platform})"
    missing = [name for name, there in (("os.fork", hasattr(os, "fork")), ("os.pidfd_open", hasattr(os, "pidfd_open")),
                                        ("socket.send_fds", hasattr(socket, "send_fds")))
               if not there]
    return f"{', '.join(missing)} not available" if missing else None


# ----------------------------------------------------------------------------- what to preload


def preload_modules(lab: str, root: Path) -> tuple[str, ...]:
    """The modules a lab's template imports: ``preload`` in its lab.toml, else what its source notebooks
    import at the top level of their code cells (installed libraries and the course package only)."""
    import nbformat

    from ..course import CourseError, load_lab

    try:
        declared = load_lab(lab, root).extra.get("preload")
    except CourseError:
        declared = None
    if declared is not None:
        return tuple(declared)
    names: list[str] = []
    for path in sorted((root / "source" / lab).glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                names += [n for n in imported_modules(cell.source) if n not in names]
    return tuple(n for n in names if is_library(n.split(".")[0]))


def imported_modules(source: str) -> list[str]:
    """Dotted module names a cell imports at its top level (``import a.b``, ``from a.b import c``)."""
    try:
        tree = ast.parse("\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))))
    except SyntaxError:
        return []
    names = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    return names


def is_library(top: str) -> bool:
    """Installed with Python or in the venv, or the course package: never a file of a lab or a submission."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return False
    if spec is None:
        return False
    if spec.origin in ("built-in", "frozen"):
        return True
    places = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), Path(package_parent()) / "autograder"}
    where = Path(spec.origin or next(iter(spec.submodule_search_locations or []), "")).resolve()
    return any(where.is_relative_to(place) for place in places)


# ----------------------------------------------------------------------------- the template process


class KernelTemplate:
    """One template process (in its sandbox, or plain for trusted kernels) and the worker's end of its socket."""

    def __init__(self, preload: tuple[str, ...], slot: Path, processes: int | None, sandboxed: bool = True) -> None:
        self.sandbox = Sandbox(Limits(processes=processes)) if sandboxed else None
        self.slot = slot
        self.exits: dict[int, int] = {}  # child pid (in the template's namespace) -> exit status
        self._log = tempfile.TemporaryFile()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.control = ours
        env = kernel_environment(1, sandboxed)  # one thread: no pool may start before a fork
        env.setdefault("MPLBACKEND", INLINE_BACKEND)
        config: dict[str, Any] = {"preload": [*KERNEL_MODULES, *preload], "sweep": sandboxed}
        command = [sys.executable, "-m", "autograder.grader.template"]
        options: dict[str, Any] = {"cwd": "/", "env": {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}}
        if self.sandbox is not None:
            # the working and connection folders are binds: kept when the template empties /tmp
            config.update(keep=[str(self.sandbox.private), str(slot)], make=[HOME, MPLCONFIGDIR])
            self.sandbox.give(slot)
            command = self.sandbox.command([*command, json.dumps(config)], str(slot), env, as_pid_1=True)
        else:  # trusted kernels only: a plain child of the worker, which dies with it
            command.append(json.dumps(config))
            path = os.pathsep.join(filter(None, [package_parent(), env.get("PYTHONPATH")]))
            options.update(cwd=str(slot), env={**env, "PYTHONPATH": path}, preexec_fn=_die_with_parent)
        try:
            self.process = subprocess.Popen(command, stdin=theirs.fileno(), stdout=subprocess.DEVNULL,
                                            stderr=self._log, start_new_session=True, **options)
        finally:
            theirs.close()
        try:
            ready = self.receive(lambda m: "ready" in m, READY_SECONDS)
        except TemplateError:
            self.stop()
            raise
        self.loaded, self.failed, self.seconds = ready["loaded"], ready["failed"], ready["seconds"]
        if ready["threads"] != 1:
            self.stop()
            raise TemplateError(f"the template runs {ready['threads']} threads after its imports: not fork-safe")

    @property
    def private(self) -> Path | None:
        return self.sandbox.private if self.sandbox is not None else None

    def alive(self) -> bool:
        return self.process.poll() is None

    def why_dead(self) -> str:
        status = self.process.poll()
        tail = ""
        with contextlib.suppress(OSError, ValueError):
            self._log.seek(max(0, self._log.seek(0, os.SEEK_END) - 300))
            tail = self._log.read().decode(errors="replace").strip().splitlines()[-1:]
        return f"exit status {status}" + (f": {tail[0][:200]}" if tail else "")

    # ------------------------------------------------------------------ messages

    def receive(self, wanted: Any, timeout: float) -> dict:
        """The next message ``wanted`` accepts; exit reports on the way are kept."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TemplateError(f"the template did not answer within {timeout:.0f} s")
            ready, _, _ = select.select([self.control], [], [], min(left, 0.5))
            if not ready:
                if not self.alive():
                    raise TemplateError(f"the template died ({self.why_dead()})")
                continue
            try:
                data = self.control.recv(1 << 20)
            except OSError as error:  # e.g. reset: the template died with a message unread
                raise TemplateError(f"the template is gone ({error}; {self.why_dead()})") from None
            if not data:
                raise TemplateError(f"the template closed its socket ({self.why_dead()})")
            message = json.loads(data)
            if "exit" in message:
                self.exits[message["exit"]] = message["status"]
            if wanted(message):
                return message

    def drain(self) -> None:
        """Read the exit reports that have arrived (without waiting)."""
        with contextlib.suppress(TemplateError, OSError):
            while select.select([self.control], [], [], 0)[0]:
                self.receive(lambda m: True, 1)

    def request(self, message: dict, fds: list[int] = ()) -> dict:
        try:
            socket.send_fds(self.control, [json.dumps(message).encode()], list(fds))
        except OSError as error:
            raise TemplateError(f"the template is gone ({error})") from None
        reply = self.receive(lambda m: m.get("reply") == message["op"], REPLY_SECONDS)
        if not reply.get("ok"):
            raise TemplateError(reply.get("error", "refused"))
        return reply

    # ------------------------------------------------------------------ children

    def host_pid(self, pid: int) -> int:
        """The worker's view of a child's process id (the template's namespace numbers it differently)."""
        if self.sandbox is None:
            return pid
        for candidate in _descendants(self.process.pid):
            with contextlib.suppress(OSError, StopIteration, ValueError):
                status = Path(f"/proc/{candidate}/status").read_text()
                if int(next(line for line in status.splitlines() if line.startswith("NSpid:")).split()[-1]) == pid:
                    return candidate
        raise TemplateError(f"cannot find the forked kernel (pid {pid} in the template's namespace)")

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(self.process.pid, signal.SIGKILL)  # bwrap and, with it, the whole namespace
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)
        self.control.close()
        self._log.close()
        if self.sandbox is not None:
            self.sandbox.cleanup()


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            with contextlib.suppress(OSError, ValueError):
                children = [int(c) for c in (task / "children").read_text().split()]
                found += children
                todo += children
    return found


def _die_with_parent() -> None:
    import ctypes

    ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG: a plain template dies with its worker


# ----------------------------------------------------------------------------- one worker's factory


class KernelFactory:
    """A worker's template (replaced when it dies or breaks) and the working folder its children see."""

    def __init__(self, preload: tuple[str, ...], threads: int | None, processes: int | None = Limits().processes,
                 sandboxed: bool = True) -> None:
        self.preload, self.threads, self.processes, self.sandboxed = preload, threads, processes, sandboxed
        self.slot = Path(tempfile.mkdtemp(prefix="ag-w-", dir="/tmp" if os.path.isdir("/tmp") else None))
        self.template: KernelTemplate | None = None
        self.events: list[str] = []  # for the outcome of the submission being graded
        self.disabled: str | None = None  # why this worker starts kernels as before

    @contextlib.contextmanager
    def workdir(self, student: str) -> Iterator[str]:
        """The submission's working folder: the only thing in the slot while it is graded."""
        folder = tempfile.mkdtemp(prefix=f"grade-{student}-", dir=self.slot)
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def take_events(self) -> list[str]:
        events, self.events = self.events, []
        return events

    def ready(self) -> bool:
        """A live template that answers (started, or replaced, here); False: start this kernel as before."""
        if self.disabled:
            return False
        if self.template is not None:
            try:
                self.template.request({"op": "ping"})
                return True
            except TemplateError as error:
                self._discard(f"the kernel template broke ({error}); a new one was started")
        try:
            self.template = KernelTemplate(self.preload, self.slot, self.processes, self.sandboxed)
        except (TemplateError, OSError) as error:
            self.disabled = f"{error}"
            self.events.append(f"kernels started without a template: {error}")
            return False
        return True

    def _discard(self, why: str) -> None:
        if self.template is not None:
            self.template.stop()
            self.template = None
        self.events.append(why)

    def fork(self, argv: list[str], cwd: str, env: dict[str, str], limits: Limits, stderr: int) -> ForkedChild:
        template = self.template
        if template is None:
            raise TemplateError("no kernel template")
        request = {"op": "fork", "argv": argv, "cwd": cwd, "env": env, "threads": self.threads,
                   "limits": child_limits(limits)}
        try:
            pid = template.request(request, [stderr])["pid"]
            return ForkedChild(template, pid, template.host_pid(pid))
        except (TemplateError, OSError) as error:
            self._discard(f"the kernel template could not fork ({error}); it was replaced")
            raise

    def after_kernel(self) -> None:
        """Between two kernels: nothing of the last one left (processes, /tmp, connection files)."""
        template = self.template
        if template is None:
            return
        try:
            template.request({"op": "sweep"})
        except TemplateError as error:
            self._discard(f"the kernel template could not clear the last kernel ({error}); it was replaced")
        for path in template.private.iterdir() if template.private is not None else ():
                shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)

    def close(self) -> None:
        if self.template is not None:
            self.template.stop()
            self.template = None
        shutil.rmtree(self.slot, ignore_errors=True)


def child_limits(limits: Limits) -> dict[str, list[int]]:
    """The kernel's limits as setrlimit takes them (the same values prlimit gives a started kernel)."""
    from .sandbox import CPU_GRACE

    values = {"RLIMIT_AS": limits.memory_mb and [limits.memory_mb * 2**20] * 2,
              "RLIMIT_CPU": limits.cpu_seconds and [limits.cpu_seconds, limits.cpu_seconds + CPU_GRACE],
              "RLIMIT_NPROC": limits.processes and [limits.processes] * 2,
              "RLIMIT_FSIZE": limits.file_mb and [limits.file_mb * 2**20] * 2}
    return {name: value for name, value in values.items() if value}


class ForkedChild:
    """A forked kernel as jupyter_client's provisioner sees a process: poll() is None while it runs."""

    def __init__(self, template: KernelTemplate, pid: int, host_pid: int) -> None:
        self.template, self.pid, self.host_pid = template, pid, host_pid
        self.pidfd = os.pidfd_open(host_pid)
        self.status: int | None = None

    def poll(self) -> int | None:
        if self.status is not None:
            return self.status
        self.template.drain()
        if self.pid in self.template.exits:
            self.status = self.template.exits.pop(self.pid)
        elif select.select([self.pidfd], [], [], 0)[0]:  # ended: the template reports its status shortly
            deadline = time.monotonic() + 2
            while self.pid not in self.template.exits and time.monotonic() < deadline and self.template.alive():
                time.sleep(0.02)
                self.template.drain()
            self.status = self.template.exits.pop(self.pid, -signal.SIGKILL)  # no report: its namespace died
        if self.status is not None:
            os.close(self.pidfd)
        return self.status

    def signal(self, signum: int) -> None:
        """To the kernel's process group (the kernel and what it started), as LocalProvisioner does."""
        if self.poll() is not None:
            return
        try:
            os.killpg(self.host_pid, signum)
        except ProcessLookupError:
            pass
        except OSError:
            signal.pidfd_send_signal(self.pidfd, signum)


_factories = threading.local()  # one per worker process (per thread where a Dask worker runs several)


def factory_for(preload: tuple[str, ...], threads: int | None, sandboxed: bool = True) -> KernelFactory | None:
    """This worker's factory for kernels like these (a new one when the lab or the settings change): one for
    the students' kernels (sandboxed) and one for trusted kernels (``sandboxed=False``)."""
    if unavailable_reason():
        return None
    kept: dict[bool, KernelFactory] = _factories.__dict__.setdefault("kept", {})
    current = kept.get(sandboxed)
    if current is not None and (current.preload, current.threads) == (preload, threads):
        return current
    if current is not None:
        current.close()
    kept[sandboxed] = KernelFactory(preload, threads, sandboxed=sandboxed)
    return kept[sandboxed]


def close_factories() -> None:
    for current in _factories.__dict__.pop("kept", {}).values():
        current.close()


# ----------------------------------------------------------------------------- jupyter_client's side


class ForkProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, with the kernel forked from the factory's template."""

    factory: KernelFactory | None = None
    limits: Limits | None = None
    process: ForkedChild | None = None

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        km, factory = self.parent, self.factory
        assert km is not None and factory is not None and factory.template is not None
        template = factory.template
        if template.private is not None:  # IPC sockets in the sandbox's private folder, as for a started kernel
            name = f"kernel-{self.kernel_id[:8]}"
            km.transport, km.cache_ports = "ipc", False
            km.connection_file = str(template.private / f"{name}.json")
            km.ip = str(template.private / name)
        workdir = str(Path(kwargs.get("cwd") or os.getcwd()).resolve())
        kwargs["extra_arguments"] = [*kwargs.get("extra_arguments", []), *kernel_arguments(workdir)]
        env = kwargs.pop("env", None) or {}
        kwargs = await super().pre_launch(**kwargs)
        if template.sandbox is not None:
            template.sandbox.give(template.private)
            template.sandbox.give(Path(workdir))
        kwargs.update(env=env, cwd=workdir)
        return kwargs

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        if cmd[1:3] != ["-m", "ipykernel_launcher"]:
            raise TemplateError(f"a forked kernel must be ipykernel's (the kernelspec runs {cmd[:3]})")
        assert self.factory is not None
        stderr = kwargs.get("stderr")  # the kernel's stderr: a file of the worker's, passed to the child
        with open(os.devnull, "wb") if not hasattr(stderr, "fileno") else contextlib.nullcontext(stderr) as handle:
            self.process = self.factory.fork(cmd[3:], kwargs["cwd"], kwargs["env"], self.limits or Limits(),
                                             handle.fileno())
        self.pid = self.pgid = self.process.host_pid
        self.cwd = kwargs["cwd"]
        return self.connection_info

    @property
    def has_process(self) -> bool:
        return self.process is not None

    async def poll(self) -> int | None:
        return self.process.poll() if self.process is not None else 0

    async def wait(self) -> int | None:
        import asyncio

        if self.process is None:
            return 0
        while self.process.poll() is None:
            await asyncio.sleep(0.05)
        status, self.process = self.process.status, None
        return status

    async def send_signal(self, signum: int) -> None:
        if self.process is not None:
            self.process.signal(signum)

    async def kill(self, restart: bool = False) -> None:
        await self.send_signal(signal.SIGKILL)

    async def terminate(self, restart: bool = False) -> None:
        await self.send_signal(signal.SIGTERM)

    async def cleanup(self, restart: bool = False) -> None:
        await super().cleanup(restart)
        if self.factory is not None:
            self.factory.after_kernel()

