"""The kernel template: one long-lived process per grading worker that has imported the lab's heavy
libraries and, for each notebook to grade, forks a child that becomes a fresh ipykernel kernel.

Run by factory.py as ``python -m autograder.grader.template CONFIG`` (inside the sandbox, as the
sandbox's PID 1). It imports nothing of any student and never runs student code: only its forked
children do, and each child exits after its notebook. It talks to its grading worker over one Unix
socket (SEQPACKET, file descriptor 0): JSON messages, the child's stderr passed as a file descriptor.

Why forking is safe here:

- no threads: the template checks that it is the only thread of its process before every fork
  (torch's and BLAS's thread pools are created in the child, at its first parallel operation);
- nothing shared: the child closes the template's socket at once; the template opens no other file;
- the template cannot be reached: it is not dumpable (no ptrace, no /proc/<pid>/mem, fd, environ)
  and, as the PID namespace's init, it gets no signal a child sends it (SIGKILL and SIGSTOP included);
- nothing survives a child: before the next fork, ``sweep`` kills every other process of the
  namespace (``kill(-1)``: setsid and double-forked leftovers too) and empties /tmp and /dev/shm;
  the worker empties the working folder and the connection folder.

A template for trusted kernels (a judge's: course code only) runs without the sandbox: there is no
namespace to sweep, and a kernel's process group is killed after it.
"""
from __future__ import annotations

import ctypes
import importlib
import json
import os
import resource
import select
import shutil
import signal
import socket
import sys
import time
import traceback

PR_SET_DUMPABLE = 4
MESSAGE_BYTES = 1 << 20
SWEEP_SECONDS = 5.0


def send(control: socket.socket, message: dict) -> None:
    control.send(json.dumps(message).encode())


def set_dumpable(dumpable: bool) -> None:
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, int(dumpable), 0, 0, 0)


def native_threads() -> int:
    """Threads of this process as the kernel counts them (Python's and C libraries' alike)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        import threading

        return threading.active_count()


def preload(modules: list[str]) -> tuple[list[str], dict[str, str]]:
    loaded, failed = [], {}
    for name in modules:
        try:
            importlib.import_module(name)
            loaded.append(name)
        except BaseException as error:  # noqa: BLE001 (a module that cannot load is only not preloaded)
            failed[name] = f"{type(error).__name__}: {error}"[:200]
    return loaded, failed


class Template:
    def __init__(self, control: socket.socket, config: dict) -> None:
        self.control = control
        self.config = config
        self.children: set[int] = set()  # kernels forked and not yet reaped

    # ------------------------------------------------------------------ the loop

    def serve(self) -> None:
        while True:
            self.reap()
            ready, _, _ = select.select([self.control], [], [], 0.05)
            if not ready:
                continue
            try:
                data, fds, _, _ = socket.recv_fds(self.control, MESSAGE_BYTES, 4)
            except OSError:
                return
            if not data:  # the worker is gone
                return
            request = json.loads(data)
            try:
                reply = self.handle(request, fds)
            except Exception as error:  # noqa: BLE001 (the worker replaces a template that cannot go on)
                reply = {"ok": False, "error": f"{type(error).__name__}: {error}"}
            finally:
                for fd in fds:
                    os.close(fd)
            send(self.control, {"reply": request.get("op"), **reply})
            if request.get("op") == "quit":
                return

    def handle(self, request: dict, fds: list[int]) -> dict:
        op = request.get("op")
        if op == "sweep":
            self.sweep()
            return {"ok": True}
        if op == "fork":
            self.sweep()
            threads = native_threads()
            if threads != 1:
                return {"ok": False, "error": f"not fork-safe: the template runs {threads} threads"}
            pid = os.fork()
            if pid == 0:
                become_kernel(self.control, request, fds[0] if fds else None)  # never returns
            self.children.add(pid)
            return {"ok": True, "pid": pid}
        if op == "ping":
            return {"ok": True, "threads": native_threads()}
        if op == "quit":
            return {"ok": True}
        return {"ok": False, "error": f"unknown request {op!r}"}

    def reap(self) -> None:
        """Collect every dead child (as the namespace's init, orphans too); report the kernels' exits."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid in self.children:
                self.children.discard(pid)
                code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
                send(self.control, {"exit": pid, "status": code})

    # ------------------------------------------------------------------ between two kernels

    def sweep(self) -> None:
        """Nothing of the last kernel survives: its processes killed, /tmp and /dev/shm emptied."""
        if not self.config.get("sweep", True):  # a trusted kernel's template, outside any namespace
            for pid in list(self.children):
                try:
                    os.killpg(pid, signal.SIGKILL)
                except OSError:
                    pass
            deadline = time.monotonic() + SWEEP_SECONDS
            while self.children and time.monotonic() < deadline:
                self.reap()
                time.sleep(0.005)
            return
        deadline = time.monotonic() + SWEEP_SECONDS
        while True:
            try:
                os.kill(-1, signal.SIGKILL)  # every process of the namespace but its init (this one)
            except ProcessLookupError:
                pass
            self.reap()
            others = [p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]
            if not others:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"processes {others[:5]} survive SIGKILL")
            time.sleep(0.005)
        keep = set(self.config.get("keep", []))
        for folder in ("/tmp", "/dev/shm", "/dev/mqueue"):
            wipe(folder, keep)
        for folder in self.config.get("make", []):
            os.makedirs(folder, exist_ok=True)


def wipe(folder: str, keep: set[str]) -> None:
    """Remove everything in ``folder`` but the paths in ``keep`` and mount points (our binds)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        path = entry.path
        if path in keep or os.path.ismount(path):
            continue
        if any(k.startswith(path + "/") for k in keep):
            wipe(path, keep)
        elif entry.is_dir(follow_symlinks=False):
            shutil.rmtree(path, ignore_errors=True)
        else:
            try:
                os.unlink(path)
            except OSError:
                pass


# ----------------------------------------------------------------------------- the child


def become_kernel(control: socket.socket, request: dict, stderr_fd: int | None) -> None:
    """In the forked child: shed the template, take the kernel's limits, folder and environment,
    and run ipykernel as ``python -m ipykernel_launcher`` would. Never returns."""
    code = 1
    try:
        os.setsid()  # its own process group: nbclient's interrupt and kill reach it and its children
        control.close()
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        os.dup2(stderr_fd if stderr_fd is not None else null, 2)
        for fd in {null, stderr_fd} - {0, 1, 2, None}:
            os.close(fd)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        limits = request.get("limits", {})
        for name, value in limits.items():
            resource.setrlimit(getattr(resource, name), tuple(value))
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        set_dumpable(True)
        fresh_state(request.get("threads"))
        code = run_kernel(request["argv"])
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except BaseException:  # noqa: BLE001
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def fresh_state(threads: int | None) -> None:
    """What a freshly started kernel would have: its own random seeds and thread counts."""
    import random

    random.seed()
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed()
    if threads and "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)


def run_kernel(argv: list[str]) -> int:
    from ipykernel.kernelapp import IPKernelApp

    sys.argv = ["ipykernel_launcher", *argv]
    app = IPKernelApp.instance()
    app.initialize(argv)
    inline = sys.modules.get("matplotlib_inline.backend_inline")
    if inline is not None:  # imported before the shell existed: hook the inline figures to this one
        inline._enable_matplotlib_integration()
    app.start()
    return 0


def main() -> None:
    config = json.loads(sys.argv[1])
    control = socket.socket(fileno=os.dup(0))
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.close(null)
    set_dumpable(False)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # an init that handles SIGINT would receive a child's
    start = time.monotonic()
    loaded, failed = preload(config.get("preload", []))
    send(control, {"ready": True, "loaded": loaded, "failed": failed, "threads": native_threads(),
                   "seconds": round(time.monotonic() - start, 3)})
    Template(control, config).serve()


if __name__ == "__main__":
    main()
