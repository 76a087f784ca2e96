"""The grading agent in a student's kernel: it runs what the judge asks and answers with values.

While grading, the student's cells run in their own (sandboxed) kernel and the test cells in a
judge kernel that never runs student code (``grader/judge.py``). The engine installs this agent in the
student's kernel right after the notebook's locked imports, before any student cell runs. The
judge's bridge (``bridge.py``) then sends it requests over a Jupyter comm: look names up, call a
function, read or set an attribute, swap in a reference (``substitute``), summarise a figure.
Requests come from the trusted side and may carry pickles (the judge's test inputs, its
reference functions); answers go back in the value format of ``wire.py`` only: the judge never
unpickles anything from here.

Around each call the agent keeps the two kernels as one: it applies the judge's changes to the
arrays the two sides share (links), sets NumPy's, ``random``'s and torch's global generators and
torch's modes to the judge's, records at run time which forbidden functions ran (``sys.setprofile``:
every path to them, aliases and ``getattr`` included) and which gradients autograd produced, then
sends back the result, the new state of everything the judge handed over (written back in place
there), the arrays that changed, and the generators' states.

Nothing here is a security boundary: the student's code shares this process and can tamper with
the agent. What it can forge is only its own answers, which the judge checks as values.
"""
from __future__ import annotations

import contextlib
import io
import pickle
import random
import sys
import threading
import types
import zlib
from typing import Any, Callable

import numpy as np

from . import wire

COMM_TARGET = "autograder.judge"
_AGENT: "Agent | None" = None


# ----------------------------------------------------------------------------- fingerprints


def fingerprint(x: Any) -> Any:
    """A cheap summary that changes when an array's or tensor's contents change in place."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(x, torch.Tensor):
        grad = x.grad if x.is_leaf else None
        data = () if x.device.type == "meta" else (x.data_ptr(), x._version)
        return (tuple(x.shape), x.dtype, x.requires_grad, *data,
                None if grad is None else (id(grad), grad.data_ptr(), grad._version))
    if isinstance(x, np.ndarray):
        contiguous = np.ascontiguousarray(x)
        return (x.shape, x.dtype.str, zlib.adler32(contiguous.view(np.uint8).reshape(-1)) if x.size else 0)
    if type(x) is list:  # which objects it holds: the objects themselves are shared or handled apart
        return ("list", tuple(map(id, x)))
    if type(x) is dict:
        return ("dict", tuple((id(k), id(v)) for k, v in x.items()))
    if type(x) is set:
        return ("set", frozenset(map(id, x)))
    return None


# ----------------------------------------------------------------------------- forbidden functions


def _builtin_key(f: Any) -> str | None:
    try:
        return f"{f.__module__}:{f.__qualname__}"
    except Exception:
        return None


# A forbidden name also forbids what it is a thin wrapper of (the functions doing the same work).
ALIASES = {
    "torch.norm": ["torch.functional.norm", "torch.Tensor.norm", "torch._VF.norm", "torch.linalg.norm",
                   "torch.linalg.vector_norm", "torch.linalg.matrix_norm", "torch.frobenius_norm",
                   "torch.nuclear_norm", "torch.native_norm"],
    "torch.linalg.norm": ["torch.linalg.vector_norm", "torch.linalg.matrix_norm"],
    "torch.nn.functional.conv2d": ["torch.conv2d", "torch.convolution", "torch._convolution"],
    "torch.conv2d": ["torch.nn.functional.conv2d", "torch.convolution", "torch._convolution"],
    "numpy.linalg.norm": [],
}


class Rules:
    """The forbidden functions named by a lab's tests, recognised however they are reached."""

    def __init__(self, forbidden: list[str]) -> None:
        from ..checks import _SHORT_NAMES, _import_dotted

        self.codes: dict[Any, set[str]] = {}  # a Python function's code object -> forbidden names
        self.builtins: dict[str, set[str]] = {}  # a C function's "module:qualname" -> forbidden names
        self.prefixes: dict[str, str] = {}  # a forbidden module's name -> the name as the test wrote it
        for name in forbidden:
            head, _, rest = name.partition(".")
            full = ".".join([_SHORT_NAMES.get(head, head), rest]) if rest else _SHORT_NAMES.get(head, head)
            for alias in [full, *ALIASES.get(full, [])]:
                target = _import_dotted(alias)
                if target is None:
                    continue
                if isinstance(target, types.ModuleType):
                    self.prefixes[target.__name__] = name
                elif isinstance(target, types.FunctionType):
                    self.codes.setdefault(target.__code__, set()).add(name)
                elif _builtin_key(target):
                    self.builtins.setdefault(_builtin_key(target), set()).add(name)
        self.used: set[str] = set()

    def __bool__(self) -> bool:
        return bool(self.codes or self.builtins or self.prefixes)

    def _module_hit(self, module: Any) -> None:
        if isinstance(module, str):
            for prefix, name in self.prefixes.items():
                if module == prefix or module.startswith(prefix + "."):
                    self.used.add(name)

    def profile(self, frame: Any, event: str, arg: Any) -> None:
        if event == "call":
            names = self.codes.get(frame.f_code)
            if names:
                self.used |= names
            if self.prefixes:
                self._module_hit(frame.f_globals.get("__name__"))
        elif event == "c_call":
            names = self.builtins.get(_builtin_key(arg))
            if names:
                self.used |= names
            if self.prefixes:
                owner = getattr(arg, "__self__", None)
                self._module_hit(getattr(arg, "__module__", None) or
                                 (owner.__name__ if isinstance(owner, types.ModuleType) else type(owner).__module__))

    @contextlib.contextmanager
    def watching(self) -> Any:
        """Record forbidden calls while the block runs (in its thread and the threads it starts)."""
        self.used = set()
        if not self:
            yield
            return
        previous = sys.getprofile()
        sys.setprofile(self.profile)
        threading.setprofile(self.profile)
        try:
            yield
        finally:
            sys.setprofile(previous)
            threading.setprofile(None)


# ----------------------------------------------------------------------------- the judge's own objects


def _walk_containers(value: Any, found: list[Any]) -> None:
    """Lists, dicts, sets and bytearrays reachable through built-in containers, in a fixed order."""
    if type(value) in (list, dict, set, bytearray):
        found.append(value)
    if type(value) in (list, tuple):
        for item in value:
            _walk_containers(item, found)
    elif type(value) is dict:
        for item in value.values():
            _walk_containers(item, found)


def containers_of(value: Any) -> list[Any]:
    found: list[Any] = []
    _walk_containers(value, found)
    return found


# What the judge's pickles call to rebuild its objects here (see bridge.JudgePickler).

def restore_array(link: int, data: bytes) -> np.ndarray:
    array = np.load(io.BytesIO(data), allow_pickle=False)
    return _AGENT.register_link(link, array)


def restore_tensor(link: int, state: dict[str, Any]) -> Any:
    import torch

    dtype = getattr(torch, state["dtype"])
    if state["dev"] == "meta":
        t = torch.empty(state["shape"], dtype=dtype, device="meta")
    else:
        t = torch.from_numpy(np.load(io.BytesIO(state["data"]), allow_pickle=False)).to(dtype)
    if state["param"]:
        t = torch.nn.Parameter(t, requires_grad=state["rg"])
    elif state["rg"]:
        t.requires_grad_(True)
    if state["grad"] is not None:
        t.grad = state["grad"]
    return _AGENT.register_link(link, t)


def linked(link: int) -> Any:
    return _AGENT.links[link]


def handle_object(hid: int) -> Any:
    return _AGENT.handles[hid]


def main_global(name: str) -> Any:
    """A class or function of the notebook's locked cells: the student's kernel's own copy of it."""
    return _AGENT.namespace[name]


def make_origin(oid: int, factory: Callable, args: tuple) -> Any:
    obj = factory(*args)
    _AGENT.origins[id(obj)] = (oid, obj)
    return obj


def origin_object(oid: int) -> Any:
    """An object the judge handed over before in this cell: the same one again."""
    return next(obj for known, obj in _AGENT.origins.values() if known == oid)


def origin_print(x: Any) -> Any:
    """A cheap summary that changes when an object the judge handed over changes (its own attributes,
    and the lists and dicts they hold, one level down); arrays and tensors are shared apart."""
    if type(x) in (list, dict):
        return fingerprint(x)
    if isinstance(x, types.FunctionType):  # a test's function: the lists and dicts it can fill
        return tuple(function_containers(x))
    attrs = getattr(x, "__dict__", None)
    if not isinstance(attrs, dict):
        return object()  # generators and others: always sent
    summary = [(k, id(v), fingerprint(v) if type(v) in (list, dict) else None) for k, v in attrs.items()]
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(x, torch.nn.Module):
        summary += [tuple(map(id, table.values())) for table in (x._parameters, x._buffers, x._modules)]
    return tuple(summary)


# ----------------------------------------------------------------------------- the agent


class _Unpickler(pickle.Unpickler):
    """The judge's pickles: a shared list or dict comes as its link id."""

    def __init__(self, file: Any, agent: "Agent") -> None:
        super().__init__(file)
        self.agent = agent

    def persistent_load(self, link: Any) -> Any:
        return self.agent.links[link]


class Agent:
    def __init__(self, namespace: dict[str, Any], forbidden: list[str]) -> None:
        self.namespace = namespace
        self.rules = Rules(forbidden)
        self.handles: dict[int, Any] = {}
        self.handle_ids: dict[int, int] = {}  # id(object) -> handle id
        self.links: dict[int, Any] = {}  # link id -> array or tensor shared with the judge
        self.link_ids: dict[int, int] = {}  # id(object) -> link id
        self.prints: dict[int, Any] = {}  # link id -> fingerprint when last in sync with the judge
        self.origins: dict[int, tuple[int, Any]] = {}  # id(object) -> (origin id, object) the judge handed over
        self.origin_prints: dict[int, Any] = {}  # origin id -> its summary when last in sync with the judge
        self.substitutions: dict[int, Any] = {}
        self.described: set[int] = set()  # classes whose description the judge has
        self.next_id = 1
        self.globals_seen: dict[str, Any] | None = None
        self.record: Any = None  # the autograd record of the call being answered
        self.comm: Any = None

    # --- identities
    def _new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def register_link(self, link: int, obj: Any) -> Any:
        self.links[link] = obj
        self.link_ids[id(obj)] = link
        self.prints[link] = fingerprint(obj)
        return obj

    def link_of(self, obj: Any) -> int:
        link = self.link_ids.get(id(obj))
        if link is None or self.links.get(link) is not obj:
            link = self._new_id()
            self.register_link(link, obj)
        return link

    def handle_of(self, obj: Any) -> int:
        hid = self.handle_ids.get(id(obj))
        if hid is None or self.handles.get(hid) is not obj:
            hid = self._new_id()
            self.handles[hid] = obj
            self.handle_ids[id(obj)] = hid
        return hid

    def release(self, ids: list[int]) -> None:
        gone = set(ids)
        for key, (oid, _) in list(self.origins.items()):
            if oid in gone:
                del self.origins[key]
                self.origin_prints.pop(oid, None)
        for key in ids:
            for table, back in ((self.handles, self.handle_ids), (self.links, self.link_ids)):
                obj = table.pop(key, None)
                if obj is not None and back.get(id(obj)) == key:
                    del back[id(obj)]
            self.prints.pop(key, None)

    # --- describing the student's objects
    def describe_class(self, cls: type, classes: dict[str, Any]) -> int:
        hid = self.handle_of(cls)
        if hid not in self.described:
            self.described.add(hid)
            bases = [self.describe_class(base, classes) for base in cls.__bases__ if base is not object]
            classes[str(hid)] = {"name": cls.__name__, "qualname": getattr(cls, "__qualname__", cls.__name__),
                                 "module": getattr(cls, "__module__", None), "bases": bases,
                                 "main": self.namespace.get(cls.__name__) is cls}
        return hid

    def handle_info(self, obj: Any, classes: dict[str, Any]) -> dict[str, Any]:
        if isinstance(obj, type):
            return {"kind": "class", "cls": self.describe_class(obj, classes)}
        info = {"kind": "obj", "cls": self.describe_class(type(obj), classes), "callable": callable(obj)}
        if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType, types.MethodType)):
            function = getattr(obj, "__func__", obj)
            info.update(kind="func", name=getattr(function, "__name__", "function"), fkey=self.handle_of(function))
        elif isinstance(obj, types.ModuleType):
            info.update(kind="module", name=obj.__name__)
        return info

    # --- requests
    def on_message(self, msg: dict[str, Any]) -> None:
        data = msg["content"]["data"]
        answer, buffers = self.handle(data, [bytes(b) for b in msg.get("buffers") or []])
        self.comm.send(answer, buffers=buffers)

    def handle(self, data: dict[str, Any], buffers: list[bytes]) -> tuple[dict[str, Any], list[bytes]]:
        encoder = _Encoder(self)
        answer: dict[str, Any] = {"id": data.get("id"), "ok": True}
        self.record = None
        try:
            request = _Unpickler(io.BytesIO(buffers[0]), self).load()  # from the judge: trusted
            for oid, obj in self.origins.values():  # what the judge just handed over, as it handed it over
                self.origin_prints.setdefault(oid, origin_print(obj))
            plain = pickle.loads(request["plain"])
            self.release(request.get("release", []))
            for link, value in [*plain["push"], *request.get("push_containers", [])]:
                self._apply_push(link, value)
            self._set_globals(plain["globals"])
            op = data.get("op")
            if op == "apply":
                value = self._apply(request, answer)
                answer["value"] = encoder.encode(value)
            elif op == "lookup":
                answer["names"] = {name: encoder.encode(self.namespace[name]) for name in request["names"]
                                   if name in self.namespace}
            elif op != "sync":
                raise ValueError(f"unknown request {op!r}")
            # Everything the judge handed over (arguments, swapped-in spies), as it is now: the judge
            # writes it back into its own objects; then the shared arrays that changed, then the generators.
            answer["sync"] = encoder.encode([obj for oid, obj in self.origins.values()
                                             if origin_print(obj) != self.origin_prints.get(oid)])
            for oid, obj in self.origins.values():
                self.origin_prints[oid] = origin_print(obj)
            answer["pull"] = [[link, encoder.encode_link_state(obj)] for link, obj in list(self.links.items())
                              if fingerprint(obj) != self.prints.get(link)]
            answer["globals"] = encoder.encode_plain(self._changed_globals())
            if "autograd" in answer:
                answer["autograd"] = encoder.encode_plain(answer["autograd"])
        except BaseException as error:  # noqa: B036 - an interrupt or the student's sys.exit() is an answer too
            encoder = _Encoder(self)
            answer = {"id": data.get("id"), "ok": False, "error": describe_error(error, None)}
        answer["classes"] = encoder.classes
        return answer, encoder.buffers

    def _apply(self, request: dict[str, Any], answer: dict[str, Any]) -> Any:
        from ..checks import _AutogradRecord

        fn, args, kwargs = request["fn"], request["args"], request["kwargs"]
        for link, container in zip(request["containers"], containers_of((args, kwargs))):
            # the judge's lists and dicts: shared from now on, and written back after the call
            if link not in self.links:
                self.register_link(link, container)
                self.origins[id(container)] = (link, container)
        answer["fkey"] = self.handle_of(getattr(fn, "__func__", fn))
        rebound = substitute_block(request.get("rebound") or {}, self.namespace)
        with rebound, _AutogradRecord() as self.record, self.rules.watching():
            try:
                value = fn(*args, **kwargs)
            except BaseException as error:  # noqa: B036
                answer["ok"] = False
                answer["error"] = describe_error(error, fn)
                value = None
        answer["used"] = sorted(self.rules.used)
        numbers = self.record.numbers() if self.record.grads else None
        if numbers is not None:
            answer["autograd"] = numbers  # encoded with the answer (values only)
        return value

    def _apply_push(self, link: int, value: Any) -> None:
        target = self.links.get(link)
        if target is not None:
            _assign(target, value)
            self.prints[link] = fingerprint(target)

    # --- the globals both kernels share: random generators and torch's modes
    def _changed_globals(self) -> dict[str, Any] | None:
        """The globals, or None when they are as the judge last saw them."""
        state = current_globals()
        if self.globals_seen is not None and same_globals(state, self.globals_seen):
            return None
        self.globals_seen = state
        return state

    def _set_globals(self, state: dict[str, Any] | None) -> None:
        if not state:
            return
        np.random.set_state(state["numpy"])
        random.setstate(state["random"])
        torch = sys.modules.get("torch")
        if torch is not None and "torch" in state:
            torch.set_rng_state(torch.from_numpy(np.array(state["torch"], dtype=np.uint8)))
            torch.set_grad_enabled(state["grad"])
            torch.set_default_dtype(getattr(torch, state["dtype"]))
        self.globals_seen = current_globals()


def current_globals() -> dict[str, Any]:
    """This kernel's global generators (NumPy's legacy one, random's, torch's) and torch's modes."""
    state: dict[str, Any] = {"numpy": np.random.get_state(), "random": random.getstate()}
    torch = sys.modules.get("torch")
    if torch is not None:
        state.update(torch=torch.get_rng_state().numpy(), grad=torch.is_grad_enabled(),
                     dtype=str(torch.get_default_dtype()).replace("torch.", ""))
    return state


def same_globals(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two snapshots of the global generators and modes are equal."""
    if a.keys() != b.keys():
        return False
    for key in a:
        x, y = a[key], b[key]
        if key == "numpy":
            if x[0] != y[0] or x[2:] != y[2:] or not np.array_equal(x[1], y[1]):
                return False
        elif key == "torch":
            if not np.array_equal(x, y):
                return False
        elif x != y:
            return False
    return True


def _assign(target: Any, value: Any) -> None:
    """Put ``value``'s contents into ``target`` (an array, a tensor, a list, a dict), in place."""
    if type(target) is list and type(value) is list:
        target[:] = value
        return
    if type(target) is dict and type(value) is dict:
        target.clear()
        target.update(value)
        return
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(target, torch.Tensor):
        with torch.no_grad():
            if target.shape == value.shape and target.dtype == value.dtype and target.device.type != "meta":
                target.copy_(value)
            else:
                target.data = value.data
        if target.is_leaf and target.requires_grad != value.requires_grad:
            target.requires_grad_(value.requires_grad)
        if target.is_leaf:
            target.grad = value.grad
    elif isinstance(target, np.ndarray):
        if target.shape != value.shape:
            try:
                target.resize(value.shape, refcheck=False)
            except ValueError:
                return
        target[...] = value


class _Encoder(wire.Encoder):
    """Values for the judge: the student's objects as handles, shared arrays as links, the judge's own objects as origins."""

    def __init__(self, agent: Agent) -> None:
        super().__init__()
        self.agent = agent
        self.classes: dict[str, Any] = {}
        self.linking = True
        self.synced: set[int] = set()  # origins whose state this message carries already

    def handle(self, x: Any) -> Any:
        return ["h", self.agent.handle_of(x), self.agent.handle_info(x, self.classes)]

    def origin(self, x: Any) -> int | None:
        entry = self.agent.origins.get(id(x))
        return entry[0] if entry is not None and entry[1] is x else None

    def origin_state(self, x: Any, depth: int) -> Any:
        if id(x) in self.synced:
            return None
        self.synced.add(id(x))
        torch = sys.modules.get("torch")
        if type(x) is list:
            return {"items": [self.encode(v, depth + 1) for v in x]}
        if type(x) is dict:
            return {"pairs": [[self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in x.items()]}
        if type(x) is set:
            return {"items": [self.encode(v, depth + 1) for v in x]}
        if type(x) is bytearray:
            return {"bytes": self.buffer(bytes(x))}
        if torch is not None and isinstance(x, torch.nn.Module):
            return {"module": self.module_state(x, depth)}
        if torch is not None and isinstance(x, torch.optim.Optimizer):
            return {"optimizer": self.encode(x.state_dict(), depth + 1)}
        if torch is not None and isinstance(x, torch.Generator):
            return {"generator": self.encode_plain(x.get_state().numpy())}
        if isinstance(x, np.random.Generator):
            return {"generator": self.encode_plain(x.bit_generator.state)}
        if isinstance(x, np.random.RandomState):
            return {"generator": self.encode_plain(x.get_state())}
        node = self._library_node(x, depth)
        if node is not None and node[0] == "nx":
            return {"graph": node}
        if isinstance(x, types.FunctionType):  # a test's function (a spy): the lists and dicts it filled
            before = dict(self.agent.origin_prints.get(self.agent.origins[id(x)][0]) or ())
            changed = [key for key, print_ in function_containers(x) if before.get(key) != print_]
            shared = [[key, self.encode(x.__globals__[key], depth + 1)] for key in changed if type(key) is str]
            cells = [[key, self.encode(x.__closure__[key].cell_contents, depth + 1)] for key in changed
                     if type(key) is int]
            return {"function": {"globals": shared, "cells": cells}}
        attrs = getattr(x, "__dict__", None)
        if isinstance(attrs, dict):
            return {"attrs": [[key, self.encode(value, depth + 1)] for key, value in attrs.items() if type(key) is str]}
        return None

    def link(self, x: Any) -> Any:
        if not self.linking:
            return None
        link = self.agent.link_of(x)
        self.agent.prints[link] = fingerprint(x)  # the judge will have it as it is now
        return link

    def encode(self, x: Any, depth: int = 0) -> Any:
        link = self.agent.link_ids.get(id(x)) if self.linking else None
        if link is not None and self.agent.links.get(link) is x and fingerprint(x) == self.agent.prints.get(link):
            return ["L", link]  # the judge has it, as it is
        return super().encode(x, depth)

    def encode_plain(self, x: Any) -> Any:
        """Generator states and the like: values only, linked to nothing."""
        self.linking = False
        try:
            return self.encode(x)
        finally:
            self.linking = True

    def encode_link_state(self, x: Any) -> Any:
        self.agent.prints.pop(self.agent.link_ids.get(id(x)), None)  # not "as it is": send it whole
        return self.encode(x)



def function_containers(fn: types.FunctionType) -> list[tuple[Any, Any]]:
    """The lists, dicts and sets a function reaches (its globals, its closure), with their fingerprints."""
    found = [(name, fingerprint(fn.__globals__[name])) for name in sorted(_global_names(fn.__code__))
             if type(fn.__globals__.get(name)) in (list, dict, set)]
    found += [(index, fingerprint(_cell_contents(cell))) for index, cell in enumerate(fn.__closure__ or ())
              if type(_cell_contents(cell)) in (list, dict, set)]
    return found


def _global_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return names


def _cell_contents(cell: Any) -> Any:
    try:
        return cell.cell_contents
    except ValueError:  # an empty cell
        return None


def describe_error(error: BaseException, fn: Any) -> dict[str, Any]:
    """An exception as plain values: its type's name and module, its message, the student's line."""
    from ..checks import CheckFailed, _student_line

    try:
        # KeyError's message is the repr of its key: send the key's text, the judge's KeyError reprs it again
        message = str(error.args[0]) if isinstance(error, KeyError) and len(error.args) == 1 else str(error)
    except Exception:
        message = "(the exception's message could not be read)"
    return {"type": type(error).__name__, "module": getattr(type(error), "__module__", None),
            "message": message[:10_000], "line": _student_line(error, fn) if fn is not None else "",
            "check": isinstance(error, CheckFailed)}


# ----------------------------------------------------------------------------- what the judge calls here


def static_not_used(func: Any, forbidden: list[str], name: str | None) -> str | None:
    """checks.assert_not_used's verdict on the student's source (None: nothing forbidden found)."""
    from ..checks import CheckFailed, assert_not_used

    try:
        assert_not_used(func, forbidden, name=name)
    except CheckFailed as error:
        return str(error)
    return None


def substitute_block(replacements: dict[str, Any], namespace: dict[str, Any]) -> Any:
    """checks.substitute in this kernel's notebook namespace."""
    from ..checks import substitute

    block = substitute(replacements)
    block.namespace = namespace
    return block


def enter_substitute(replacements: dict[str, Any]) -> int:
    block = substitute_block(replacements, _AGENT.namespace)
    block.__enter__()
    token = _AGENT._new_id()
    _AGENT.substitutions[token] = block
    return token


def exit_substitute(token: int) -> None:
    block = _AGENT.substitutions.pop(token, None)
    if block is not None:
        block.__exit__(None, None, None)


def install(forbidden: list[str] | None = None, namespace: dict[str, Any] | None = None) -> Agent:
    """Start answering the judge (called by the engine in the student's kernel, before the student's cells)."""
    global _AGENT
    from ..checks import _install_autograd_recorder

    _install_autograd_recorder()  # before the student's cells: an alias they take is the recording one
    if "torch" in sys.modules:
        wire.tensor_methods(sys.modules["torch"])  # torch's C methods, before the student's cells can rebind any
    if namespace is None:
        from IPython import get_ipython

        shell = get_ipython()
        namespace = shell.user_ns
    _AGENT = Agent(namespace, list(forbidden or []))
    try:
        from comm import get_comm_manager
    except ImportError:
        return _AGENT

    def open_comm(comm: Any, msg: dict[str, Any]) -> None:
        _AGENT.comm = comm
        comm.on_msg(_AGENT.on_message)

    get_comm_manager().register_target(COMM_TARGET, open_comm)
    return _AGENT
