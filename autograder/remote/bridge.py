"""The judge's side of grading: test cells reach the student's kernel through here, by value only.

The judge kernel runs the notebook's locked cells and its test cells, never a student's cell
(``autograder/grader/judge.py`` routes them). ``connect()`` (run by the engine in the judge kernel) opens a Jupyter
comm to the agent in the student's kernel (``agent.py``) and, before each test cell, binds the
names the cell reads from the student's notebook (a function, a variable of a solution cell):

- a value (numbers, strings, arrays, tensors, lists and dicts of them, ...) arrives as an exact
  built-in copy, read by ``wire.Decoder``; arrays and tensors stay *linked* to the student's
  originals (changing one in place changes the other, as in one kernel);
- anything else stays in the student's kernel as a :class:`Handle`: calling it, reading or setting
  its attributes, indexing or iterating it sends a request and brings the result back the same
  way. A handle passes ``isinstance`` checks for the library classes of the student's class (an
  ``nn.Module``, a ``Dataset``), and the student's classes arrive as real classes (stand-ins) that
  tests may subclass.

What a test hands to the student's code (its inputs, reference functions, spies, modules) goes
over as a pickle (trusted to untrusted) and is written back into the test's own objects after
the call: arrays and tensors through their links, lists, dicts, modules, optimizers, graphs,
generators and plain objects from their new state. NumPy's, ``random``'s and torch's global
generators and torch's grad mode and default dtype are the same on both sides at every step.

``autograder.checks`` asks this module (``checks._bridge``) to swap in references
(``substitute``), to summarise the student's figures, to tell which forbidden functions ran
during a call of the student's function (``assert_not_used``) and whether a gradient came from
autograd (``assert_from_autograd``).
"""
from __future__ import annotations

import builtins
import contextlib
import hashlib
import io
import itertools
import pickle
import sys
import time
import types
import uuid
import weakref
from typing import Any, Callable

import cloudpickle
import numpy as np

from . import agent, wire

OUTPUT_LIMIT = 20_000  # characters of the student's printed output shown per test cell
HEARTBEAT_EVERY = 2.0  # seconds between checks that the student's kernel is alive, while waiting
BUILTIN_ERRORS = {name for name, obj in vars(builtins).items() if isinstance(obj, type) and issubclass(obj, Exception)}
REMOTE_DUNDERS = {"__name__", "__qualname__", "__doc__", "__module__", "__dict__", "__code__", "__defaults__",
                  "__wrapped__", "__self__", "__func__", "__annotations__"}


class StudentKernelError(RuntimeError):
    """The student's kernel died or stopped answering."""


class StudentError(Exception):
    """An exception of a kind the judge does not rebuild (a student's own exception class)."""


# ----------------------------------------------------------------------------- handles


class Handle:
    """An object that lives in the student's kernel; every use is a request to it."""

    __slots__ = ("_ag_bridge", "_ag_id", "_ag_info", "__weakref__")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_ag_") or (name.startswith("__") and name.endswith("__") and name not in REMOTE_DUNDERS):
            raise AttributeError(name)
        if name == "__name__" and "name" in self._ag_info:
            return self._ag_info["name"]
        return self._ag_bridge.apply(getattr, (self, name))

    def __setattr__(self, name: str, value: Any) -> None:
        if name in Handle.__slots__:
            object.__setattr__(self, name, value)
        else:
            self._ag_bridge.apply(setattr, (self, name, value))

    def __delattr__(self, name: str) -> None:
        self._ag_bridge.apply(delattr, (self, name))

    @property
    def __class__(self) -> type:  # isinstance(handle, nn.Module) for a student's module
        return self._ag_bridge.stand_in(self._ag_info["cls"])

    def __repr__(self) -> str:
        text = self._ag_bridge.apply(repr, (self,))
        return text if type(text) is str else object.__repr__(self)

    def __str__(self) -> str:
        text = self._ag_bridge.apply(str, (self,))
        return text if type(text) is str else object.__repr__(self)

    def __hash__(self) -> int:
        value = self._ag_bridge.apply(hash, (self,))
        return value if type(value) is int else id(self)

    def __bool__(self) -> bool:
        return self._ag_bridge.apply(bool, (self,)) is True

    def __deepcopy__(self, memo: Any) -> Any:
        import copy

        return self._ag_bridge.apply(copy.deepcopy, (self,))

    def __copy__(self) -> Any:
        import copy

        return self._ag_bridge.apply(copy.copy, (self,))

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        value = self._ag_bridge.apply(np.asarray, (self,))
        if type(value) is not np.ndarray:
            raise TypeError(f"{type(self).__name__} does not convert to an array")
        return value if dtype is None else value.astype(dtype)

    def __dir__(self) -> list[str]:
        names = self._ag_bridge.apply(dir, (self,))
        return [n for n in names if type(n) is str] if type(names) is list else []


def _remote_operator(operator_function: Callable) -> Callable:
    def method(self: Handle, *args: Any) -> Any:
        return self._ag_bridge.apply(operator_function, (self, *args))

    method.__name__ = operator_function.__name__
    return method


def _install_operators() -> None:
    import operator

    for name in ("getitem", "setitem", "delitem", "contains", "eq", "ne", "lt", "le", "gt", "ge", "add", "sub",
                 "mul", "truediv", "floordiv", "mod", "pow", "matmul", "neg", "pos", "abs", "invert", "index"):
        setattr(Handle, f"__{name}__", _remote_operator(getattr(operator, name)))
    for name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul"):
        function = getattr(operator, name)
        setattr(Handle, f"__r{name}__", _remote_operator(lambda a, b, f=function: f(b, a)))
    for name, function in (("len", len), ("iter", iter), ("next", next), ("int", int), ("float", float),
                           ("complex", complex), ("reversed", reversed)):
        setattr(Handle, f"__{name}__", _remote_operator(function))
    Handle.__enter__ = _remote_operator(lambda a: a.__enter__())
    Handle.__exit__ = _remote_operator(lambda a, *exc: a.__exit__(*exc))
    Handle.__format__ = _remote_operator(format)


_install_operators()


class CallableHandle(Handle):
    __slots__ = ()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._ag_bridge.apply(self, args, kwargs)


class RemoteMeta(type):
    """The metaclass of a student's class in the judge: calling it builds the object in the student's kernel.

    A test's own subclass of it (``class ReferenceDense(FullyConnectedLayer)``) is an ordinary class.
    """

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if "_ag_id" in cls.__dict__:
            return cls.__dict__["_ag_bridge"].apply(cls, args, kwargs)
        return super().__call__(*args, **kwargs)

    def __getattr__(cls, name: str) -> Any:
        if "_ag_id" in cls.__dict__ and not (name.startswith("__") and name.endswith("__")):
            return cls.__dict__["_ag_bridge"].apply(getattr, (cls, name))
        raise AttributeError(name)

    def __setattr__(cls, name: str, value: Any) -> None:
        if "_ag_id" in cls.__dict__ and not name.startswith("_ag_"):
            cls.__dict__["_ag_bridge"].apply(setattr, (cls, name, value))
        else:
            super().__setattr__(name, value)

    def __repr__(cls) -> str:
        return f"<class '{cls.__name__}'>"


_METAS: dict[type, type] = {}


def _remote_meta(meta: type) -> type:
    if issubclass(meta, RemoteMeta):
        return meta
    if meta not in _METAS:
        _METAS[meta] = RemoteMeta if meta is type else type(f"Remote{meta.__name__}", (RemoteMeta, meta), {})
    return _METAS[meta]


def is_stand_in(obj: Any) -> bool:
    return isinstance(obj, type) and "_ag_id" in obj.__dict__


# ----------------------------------------------------------------------------- what goes to the student


class JudgePickler(cloudpickle.Pickler):
    """cloudpickle, with the judge's handles, shared arrays, locked definitions and own objects marked."""

    def __init__(self, file: Any, bridge: "Bridge") -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.bridge = bridge

    def persistent_id(self, obj: Any) -> Any:
        """A list or dict shared already: the student's kernel's own (pickle bypasses reducer_override for them)."""
        if type(obj) in (list, dict):
            link = self.bridge._link_of(obj)
            if link is not None:
                return link
        return None

    def reducer_override(self, obj: Any) -> Any:
        bridge = self.bridge
        if isinstance(obj, Handle):
            return agent.handle_object, (obj._ag_id,)
        if is_stand_in(obj):
            return agent.handle_object, (obj.__dict__["_ag_id"],)
        if type(obj) is np.ndarray and not obj.dtype.hasobject:
            return bridge.send_array(obj)
        torch = sys.modules.get("torch")
        if torch is not None and type(obj) in (torch.Tensor, torch.nn.Parameter):
            return bridge.send_tensor(obj)
        name = getattr(obj, "__name__", None) if isinstance(obj, (type, types.FunctionType)) else None
        if name is not None and getattr(obj, "__module__", None) == "__main__" and bridge.locked_names.get(name) is obj:
            return agent.main_global, (name,)
        oid = bridge.origin_of(obj)
        if oid is not None and type(obj) not in (list, dict):  # handed over before: the student's kernel has it
            return agent.origin_object, (oid,)
        if bridge.syncable(obj):
            reduced = obj.__reduce_ex__(pickle.HIGHEST_PROTOCOL)
        elif isinstance(obj, types.FunctionType) and (getattr(obj, "__module__", None) == "__main__" or
                                                       "<locals>" in obj.__qualname__):
            reduced = super().reducer_override(obj)  # a test's function, by value: a spy may fill the test's lists
        else:
            return super().reducer_override(obj)
        if isinstance(reduced, tuple) and len(reduced) >= 2:
            return (agent.make_origin, (bridge.new_origin(obj), reduced[0], reduced[1]), *reduced[2:])
        return reduced


# ----------------------------------------------------------------------------- what comes back


class _Decoder(wire.Decoder):
    def __init__(self, bridge: "Bridge", buffers: list[Any]) -> None:
        super().__init__(buffers)
        self.bridge = bridge

    def handle(self, hid: Any, info: Any) -> Any:
        return self.bridge.proxy(hid, info)

    def origin(self, oid: Any, state: Any) -> Any:
        obj = self.bridge.origins.get(oid)
        if obj is None:
            raise wire.WireError("an object the judge did not send")
        if state is not None:
            self.bridge.write_back(obj, state, self)
        return obj

    def shared(self, link: Any) -> Any:
        return self.bridge.link_object(link)

    def linked(self, link: Any, value: Any) -> Any:
        return self.bridge.mirror(link, value)



# ----------------------------------------------------------------------------- the bridge


class Bridge:
    def __init__(self, transport: Any, locked_names: dict[str, Any] | None = None,
                 fetch: dict[str, list[str]] | None = None, namespace: dict[str, Any] | None = None) -> None:
        self.transport = transport
        self.locked_names = locked_names or {}  # the judge's classes and functions of locked cells, by name
        self.fetch = fetch or {}  # a test cell's source digest -> the student's names it reads
        self.namespace = namespace if namespace is not None else {}
        self.ids = itertools.count(1)
        self.proxies: weakref.WeakValueDictionary[int, Handle] = weakref.WeakValueDictionary()
        self.handle_types: dict[tuple[int, bool], type] = {}
        self.class_info: dict[int, dict[str, Any]] = {}
        self.stand_ins: dict[int, type] = {}
        self.links: dict[int, weakref.ref] = {}  # link id -> the judge's array or tensor
        self.link_ids: dict[int, int] = {}  # id(object) -> link id
        self.prints: dict[int, Any] = {}
        self.release_queue: list[int] = []
        self.origins: dict[int, Any] = {}  # objects handed over in this cell, by origin id (held until the next one)
        self.origin_ids: dict[int, int] = {}  # id(object) -> origin id
        self.used: dict[int, set[str]] = {}  # this cell: function key -> forbidden functions that ran in its calls
        self.globals_seen: dict[str, Any] | None = None
        self.fetched: set[str] = set()
        self.cell_names: dict[str, Any] = {}  # the student's names this cell reads, as fetched
        self.pyplot: Any = None  # the student's matplotlib.pyplot (figures live where the student's code draws)
        self.pyplot_names: list[str] = []
        self.output = 0  # characters of the student's output shown in this cell

    # --- identities on this side
    def new_origin(self, obj: Any) -> int:
        oid = next(self.ids)
        self.origins[oid] = obj
        self.origin_ids[id(obj)] = oid
        return oid

    def origin_of(self, obj: Any) -> int | None:
        oid = self.origin_ids.get(id(obj))
        return oid if oid is not None and self.origins.get(oid) is obj else None

    def syncable(self, obj: Any) -> bool:
        """An object handed to the student's code whose new state comes back into it after the call."""
        torch = sys.modules.get("torch")
        if torch is not None and isinstance(obj, (torch.nn.Module, torch.optim.Optimizer, torch.Generator)):
            return True
        if isinstance(obj, (np.random.Generator, np.random.RandomState)):
            return True
        module = type(obj).__module__ or ""
        if module.startswith("networkx.") and hasattr(obj, "adj"):
            return True
        return module == "__main__" and not isinstance(obj, (type, types.FunctionType, Handle)) and \
            isinstance(getattr(obj, "__dict__", None), dict)

    def _register_link(self, link: int, obj: Any) -> None:
        # Held until the next test cell: an array changed in place and dropped before the next
        # request still reaches the student's kernel (`for W in net.weights: W[...] = 0`).
        self.links[link] = obj
        self.link_ids[id(obj)] = link
        self.prints[link] = agent.fingerprint(obj)

    def release_links(self) -> None:
        """Forget the shared and handed-over objects of the cells before (a test cell's objects are its own)."""
        self.release_queue += [*self.links, *self.origins]
        for table in (self.links, self.link_ids, self.prints, self.origins, self.origin_ids):
            table.clear()

    def _link_of(self, obj: Any) -> int | None:
        link = self.link_ids.get(id(obj))
        return link if link is not None and self.links.get(link) is obj else None

    def container_links(self, containers: list[Any]) -> tuple[list[int], list[tuple[int, Any]]]:
        """Lists and dicts handed over: their link ids, and those to share from now on (after pickling)."""
        links, new = [], []
        for container in containers:
            link = self._link_of(container) or next((k for k, c in new if c is container), None)
            if link is None:
                link = -next(self.ids)
                new.append((link, container))
            links.append(link)
        return links, new

    def share(self, new: list[tuple[int, Any]]) -> None:
        for link, container in new:
            self._register_link(link, container)
            self.origins[link] = container
            self.origin_ids[id(container)] = link

    def send_array(self, array: np.ndarray) -> tuple:
        link = self._link_of(array)
        if link is not None:
            return agent.linked, (link,)
        link = -next(self.ids)
        self._register_link(link, array)
        return agent.restore_array, (link, wire.npy_bytes(array))

    def send_tensor(self, tensor: Any) -> tuple:
        link = self._link_of(tensor)
        if link is not None:
            return agent.linked, (link,)
        link = -next(self.ids)
        self._register_link(link, tensor)
        meta = tensor.device.type == "meta"
        data = None if meta else wire.npy_bytes(tensor.detach().cpu().resolve_conj().resolve_neg().float().numpy()
                                                if tensor.dtype.__str__() == "torch.bfloat16"
                                                else tensor.detach().cpu().resolve_conj().resolve_neg().numpy())
        state = {"dtype": str(tensor.dtype).replace("torch.", ""), "dev": "meta" if meta else "cpu", "data": data,
                 "shape": list(tensor.shape), "param": type(tensor).__name__ == "Parameter",
                 "rg": bool(tensor.requires_grad and (tensor.is_floating_point() or tensor.is_complex())),
                 "grad": tensor.grad if tensor.is_leaf else None}
        return agent.restore_tensor, (link, state)

    def link_object(self, link: Any) -> Any:
        if link not in self.links:
            raise wire.WireError("an object this side no longer shares")
        return self.links[link]

    def mirror(self, link: Any, value: Any) -> Any:
        """The judge's object linked to the student's ``link`` (an array, tensor, list or dict), now holding ``value``."""
        if link is None:
            return value
        obj = self.links.get(link)
        if obj is None:
            self._register_link(link, value)
            return value
        if type(obj) is not type(value) and not _both_tensors(obj, value):
            return value
        agent._assign(obj, value)
        self.prints[link] = agent.fingerprint(obj)
        return obj

    def proxy(self, hid: Any, info: Any) -> Any:
        if type(hid) is not int or type(info) is not dict:
            raise wire.WireError("a bad handle")
        if info.get("kind") == "class":
            return self.stand_in(info.get("cls"))
        existing = self.proxies.get(hid)
        if existing is not None:
            return existing
        cls = self._handle_type(info)
        handle = object.__new__(cls)
        object.__setattr__(handle, "_ag_bridge", self)
        object.__setattr__(handle, "_ag_id", hid)
        object.__setattr__(handle, "_ag_info", info)
        self.proxies[hid] = handle
        weakref.finalize(handle, self.release_queue.append, hid)
        return handle

    def _handle_type(self, info: dict[str, Any]) -> type:
        key = (info.get("cls"), bool(info.get("callable")))
        if key not in self.handle_types:
            desc = self.class_info.get(info.get("cls"), {})
            name = str(desc.get("name", "object"))
            base = CallableHandle if key[1] else Handle
            self.handle_types[key] = type(name if name.isidentifier() else "object", (base,),
                                          {"__slots__": (), "__module__": "autograder.remote", "__qualname__": name})
        return self.handle_types[key]

    def stand_in(self, hid: Any) -> type:
        """The judge's class for the student's class ``hid``: the library class itself, the locked
        cells' class of that name, or a stand-in deriving from the stand-ins of its bases."""
        if hid in self.stand_ins:
            return self.stand_ins[hid]
        desc = self.class_info.get(hid)
        if desc is None:
            return object
        known = wire.library_object(str(desc.get("module")), str(desc.get("qualname")))
        if isinstance(known, type):
            self.stand_ins[hid] = known
            return known
        if desc.get("main") and desc.get("module") == "__main__" and isinstance(self.locked_names.get(desc.get("name")), type):
            self.stand_ins[hid] = self.locked_names[desc["name"]]
            return self.stand_ins[hid]
        bases = tuple(dict.fromkeys(self.stand_in(b) for b in desc.get("bases", []) if b != hid)) or (object,)
        name = str(desc.get("name", "object"))
        namespace = {"_ag_id": hid, "_ag_bridge": self, "__module__": "autograder.remote",
                     "__qualname__": name, "__doc__": None}
        try:
            meta = _remote_meta(max((type(b) for b in bases), key=lambda m: len(m.__mro__)))
            cls = meta(name if name.isidentifier() else "Class", bases, namespace)
        except TypeError:  # incompatible bases: isinstance checks against them are lost
            cls = RemoteMeta(name if name.isidentifier() else "Class", (object,), namespace)
        self.stand_ins[hid] = cls
        return cls

    def write_back(self, obj: Any, state: Any, decoder: _Decoder) -> None:
        """Put the new state of an object this side handed over back into it, in place."""
        if type(state) is not dict:
            return
        torch = sys.modules.get("torch")
        if "items" in state and type(obj) in (list, set):
            items = decoder._items(state["items"], 1)
            if type(obj) is list:
                obj[:] = items
            else:
                obj.clear()
                obj.update(items)
        elif "pairs" in state and type(obj) is dict:
            pairs = decoder._pairs(state["pairs"], 1)
            obj.clear()
            obj.update(pairs)
        elif "bytes" in state and type(obj) is bytearray:
            obj[:] = bytes(decoder._buffer(state["bytes"]))
        elif "module" in state and torch is not None and isinstance(obj, torch.nn.Module):
            decoder.fill_module(obj, state["module"], 1)
        elif "optimizer" in state and torch is not None and isinstance(obj, torch.optim.Optimizer):
            with contextlib.suppress(Exception):
                obj.load_state_dict(decoder.decode(state["optimizer"], 1))
        elif "generator" in state:
            value = decoder.decode(state["generator"], 1)
            with contextlib.suppress(Exception):
                if torch is not None and isinstance(obj, torch.Generator):
                    obj.set_state(torch.from_numpy(np.asarray(value, dtype=np.uint8).copy()))
                elif isinstance(obj, np.random.Generator):
                    obj.bit_generator.state = value
                elif isinstance(obj, np.random.RandomState):
                    obj.set_state(value)
        elif "graph" in state and type(state["graph"]) is list and len(state["graph"]) == 5:
            new = decoder.decode(state["graph"], 1)  # rebuilt only if changed: rebuilding reorders its internals
            if (new.graph, dict(new.nodes(data=True)), _edges(new)) != (obj.graph, dict(obj.nodes(data=True)), _edges(obj)):
                _, _, graph, nodes, edges = state["graph"]
                decoder.fill_graph(obj, graph, nodes, edges, 1)
        elif "function" in state and isinstance(obj, types.FunctionType):
            shared = state["function"]
            for key, value in decoder._pairs(shared.get("globals", []), 1):
                if type(key) is str:
                    _set_in_place(obj.__globals__, key, value)
            for index, value in decoder._pairs(shared.get("cells", []), 1):
                cells = obj.__closure__ or ()
                if type(index) is int and 0 <= index < len(cells):
                    current = cells[index].cell_contents
                    holder = {"x": current}
                    _set_in_place(holder, "x", value)
                    if holder["x"] is not current:
                        cells[index].cell_contents = value
        elif "attrs" in state and isinstance(getattr(obj, "__dict__", None), dict):
            for key, value in decoder._pairs(state["attrs"], 1):
                if type(key) is str:
                    _set_in_place(obj.__dict__, key, value)

    # --- requests
    def _globals_to_send(self) -> dict[str, Any] | None:
        state = agent.current_globals()
        if self.globals_seen is not None and agent.same_globals(state, self.globals_seen):
            return None
        self.globals_seen = state
        return state

    def request(self, op: str, body: dict[str, Any]) -> dict[str, Any]:
        """Send a request (pickled: it comes from the trusted side); decode the answer, by value only."""
        changed = [(link, obj) for link, obj in list(self.links.items()) if agent.fingerprint(obj) != self.prints.get(link)]
        for link, obj in changed:
            self.prints[link] = agent.fingerprint(obj)
        # Arrays and tensors as values only, in a plain pickle (a pushed array must not become a new
        # link itself); lists and dicts through the judge's pickler (their items may be shared or handles).
        arrays = [(link, _copy(obj)) for link, obj in changed if type(obj) not in (list, dict)]
        plain = pickle.dumps({"push": arrays, "globals": self._globals_to_send()}, protocol=pickle.HIGHEST_PROTOCOL)
        body = {**body, "plain": plain, "release": self.release_queue[:],
                "push_containers": [(link, type(obj)(obj)) for link, obj in changed if type(obj) in (list, dict)]}
        self.release_queue.clear()
        new: list[tuple[int, Any]] = []
        if op == "apply":
            body["containers"], new = self.container_links(agent.containers_of((body["args"], body["kwargs"])))
        out = io.BytesIO()
        JudgePickler(out, self).dump(body)
        self.share(new)
        answer, buffers = self.transport.request({"op": op, "id": next(self.ids)}, [out.getvalue()], self)
        return self._read(answer, buffers, op == "apply" and self.is_handle(body.get("fn")))

    def _read(self, answer: Any, buffers: list[Any], calls_student: bool = False) -> dict[str, Any]:
        if type(answer) is not dict:
            raise wire.WireError("not an answer")
        for key, desc in (answer.get("classes") or {}).items():
            if type(desc) is dict and str(key).isdigit():
                self.class_info[int(key)] = desc
        decoder = _Decoder(self, buffers)
        result: dict[str, Any] = {"ok": answer.get("ok") is True}
        if "value" in answer:
            result["value"] = decoder.decode(answer["value"])
        if isinstance(answer.get("names"), dict):
            result["names"] = {str(k): decoder.decode(v) for k, v in answer["names"].items()}
        if "sync" in answer:
            decoder.decode(answer["sync"])
        for item in answer.get("pull") or []:
            if type(item) is list and len(item) == 2:
                decoder.decode(item[1])
        if answer.get("globals") is not None:
            set_judge_globals(decoder.decode(answer["globals"]))
            self.globals_seen = agent.current_globals()
        if calls_student:  # a call of the student's code: what autograd produced in it (getattr and the like: nothing)
            from .. import checks

            checks._remember_autograd(decoder.decode(answer["autograd"]) if answer.get("autograd") is not None else None)
        if type(answer.get("fkey")) is int:
            self.used.setdefault(answer["fkey"], set()).update(str(n) for n in answer.get("used") or [])
        if not result["ok"]:
            raise remote_error(answer.get("error"))
        return result

    def apply(self, fn: Any, args: tuple = (), kwargs: dict[str, Any] | None = None) -> Any:
        """``fn(*args, **kwargs)`` in the student's kernel; the result by value (or as a handle).

        A name of the student's that the test cell rebound (``gradient_nn = broken``) is rebound
        there too while the call runs, as in one kernel.
        """
        rebound = {name: self.namespace[name] for name, value in self.cell_names.items()
                   if isinstance(value, Handle) and name in self.namespace and self.namespace[name] is not value}
        return self.request("apply", {"fn": fn, "args": tuple(args), "kwargs": dict(kwargs or {}),
                                      "rebound": rebound}).get("value")

    def lookup(self, names: list[str]) -> dict[str, Any]:
        return self.request("lookup", {"names": list(names)}).get("names", {})

    def sync(self) -> None:
        """Bring both kernels in line (changed arrays, generators) without running anything."""
        self.request("sync", {})

    # --- what checks.py asks
    def is_handle(self, obj: Any) -> bool:
        return isinstance(obj, Handle) or is_stand_in(obj)

    def function_key(self, obj: Any) -> Any:
        if isinstance(obj, Handle):
            return obj._ag_info.get("fkey", obj._ag_id)
        if is_stand_in(obj):
            return obj.__dict__["_ag_id"]
        return None

    def used_by(self, func: Any, forbidden: list[str]) -> list[str]:
        """Which of ``forbidden`` ran while ``func`` ran, in this cell's calls of it."""
        ran = self.used.get(self.function_key(func), set())
        return [name for name in forbidden if name in ran]

    def enter_substitute(self, replacements: dict[str, Any]) -> int:
        return self.apply(agent.enter_substitute, (replacements,))  # spies: handed over, synced at every call

    def exit_substitute(self, token: int) -> None:
        self.apply(agent.exit_substitute, (token,))

    # --- cells
    def begin_cell(self, source: str) -> None:
        """Before a cell runs in the judge: generators as the student's kernel has them; for a
        test cell, the student's names it reads, fresh."""
        self.used, self.output, self.cell_names = {}, 0, {}
        names = self.fetch.get(digest(source))
        if names is not None:
            from .. import checks

            checks._AUTOGRAD_NUMBERS = None  # a test cell's gradients are its own calls'

        try:
            if names is None:
                self.sync()
                return
            self.release_links()
            self._use_students_pyplot()
            values = self.lookup(names)
        except Exception as error:  # the cell will fail on its own (a name it reads is missing)
            print(f"(the grader could not reach your notebook's kernel: {type(error).__name__}: {error})")
            return
        for name in names:
            if name in values:
                self.namespace[name] = self.cell_names[name] = values[name]
                self.fetched.add(name)
            elif name in self.fetched:
                self.namespace.pop(name, None)

    def _use_students_pyplot(self) -> None:
        """In a test cell, ``plt`` is the student's pyplot: the figures a test draws on or closes are
        those the student's code draws (a test passes its own Axes to a drawing function). The
        judge's own pyplot is back after the cell (for the locked cells)."""
        pyplot = sys.modules.get("matplotlib.pyplot")
        self.pyplot_names = [name for name, value in self.namespace.items() if pyplot is not None and value is pyplot]
        if self.pyplot_names and self.pyplot is None:
            import importlib

            self.pyplot = self.apply(importlib.import_module, ("matplotlib.pyplot",))
        for name in self.pyplot_names:
            self.namespace[name] = self.pyplot

    def end_cell(self, source: str) -> None:
        """After a test cell: its in-place changes and generators go to the student's kernel, as in one kernel."""
        if digest(source) not in self.fetch:
            return
        for name in self.pyplot_names:
            if self.namespace.get(name) is self.pyplot:
                self.namespace[name] = sys.modules["matplotlib.pyplot"]
        try:
            self.sync()
        except Exception:
            pass

    def show_output(self, text: str) -> None:
        """The student's code printed while the judge called it: shown in the test cell, as stdout."""
        room = OUTPUT_LIMIT - self.output
        if room > 0:
            self.output += len(text)
            sys.stdout.write(text[:room] + ("\n(more output cut)\n" if len(text) > room else ""))


def _edges(g: Any) -> dict[Any, Any]:
    return {edge[:-1]: edge[-1] for edge in (g.edges(keys=True, data=True) if g.is_multigraph() else g.edges(data=True))}


def _set_in_place(attrs: dict[str, Any], key: str, value: Any) -> None:
    """attrs[key] = value, keeping the list, dict or set a test may already hold."""
    current = attrs.get(key)
    if type(current) is type(value) and current is not value and type(value) in (list, dict, set):
        if type(value) is list:
            current[:] = value
        else:
            current.clear()
            current.update(value)
    else:
        attrs[key] = value


def _both_tensors(a: Any, b: Any) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)


def _copy(obj: Any) -> Any:
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(obj, torch.Tensor):
        copy = obj.detach().clone()
        copy.requires_grad_(obj.requires_grad and obj.is_leaf)
        copy.grad = None if not obj.is_leaf or obj.grad is None else obj.grad.detach().clone()
        return copy
    return np.array(obj, copy=True)


def digest(source: str) -> str:
    """How a test cell is recognised when it runs: a digest of its source."""
    return hashlib.sha1(source.strip().encode()).hexdigest()


def set_judge_globals(state: Any) -> None:
    """Set this kernel's generators and modes to the student's (values checked by the libraries)."""
    import random

    if type(state) is not dict:
        return
    try:
        numpy_state = state.get("numpy")
        np.random.set_state((str(numpy_state[0]), np.asarray(numpy_state[1], dtype=np.uint32),
                             int(numpy_state[2]), int(numpy_state[3]), float(numpy_state[4])))
        version, internal, gauss = state["random"]
        random.setstate((int(version), tuple(int(v) for v in internal), None if gauss is None else float(gauss)))
        torch = sys.modules.get("torch")
        if torch is not None and "torch" in state:
            torch.set_rng_state(torch.from_numpy(np.asarray(state["torch"], dtype=np.uint8).copy()))
            torch.set_grad_enabled(state.get("grad") is True)
            if state.get("dtype") in ("float16", "bfloat16", "float32", "float64"):
                torch.set_default_dtype(getattr(torch, state["dtype"]))
    except Exception:
        pass  # a malformed state: the judge keeps its own


def remote_error(error: Any) -> BaseException:
    """The student's exception, rebuilt as an exception of the judge: built-in types keep their type."""
    from ..checks import CheckFailed

    error = error if type(error) is dict else {}
    name, message = str(error.get("type", "Exception")), str(error.get("message", ""))
    if error.get("check"):
        exc: BaseException = CheckFailed(message)
    elif name == "KeyboardInterrupt":
        exc = KeyboardInterrupt(message)
    elif error.get("module") == "builtins" and name in BUILTIN_ERRORS and name not in ("SystemExit", "GeneratorExit"):
        try:
            exc = getattr(builtins, name)(message)
        except Exception:
            exc = StudentError(message)
    else:
        exc = StudentError(message)
    exc._autograder_type = name  # type: ignore[union-attr]
    exc._autograder_line = str(error.get("line", ""))  # type: ignore[union-attr]
    return exc


# ----------------------------------------------------------------------------- the transport


class KernelTransport:
    """Requests to the agent over a Jupyter comm, as a second client of the student's kernel."""

    def __init__(self, connection_info: dict[str, Any], timeout: float = 60.0) -> None:
        from jupyter_client import BlockingKernelClient

        self.client = BlockingKernelClient()
        self.client.load_connection_info(connection_info)
        self.client.session.unpacker = "json"  # answers are JSON and buffers: never a pickle
        self.client.start_channels(shell=True, iopub=True, stdin=False, hb=True, control=False)
        self.client.wait_for_ready(timeout=timeout)
        self.comm_id = uuid.uuid4().hex
        self._send("comm_open", {"comm_id": self.comm_id, "target_name": agent.COMM_TARGET, "data": {}}, [])

    def _send(self, msg_type: str, content: dict[str, Any], buffers: list[bytes]) -> str:
        msg = self.client.session.msg(msg_type, content)
        self.client.session.send(self.client.shell_channel.socket, msg, buffers=buffers)
        return msg["header"]["msg_id"]

    def request(self, data: dict[str, Any], buffers: list[bytes], bridge: Bridge) -> tuple[Any, list[Any]]:
        msg_id = self._send("comm_msg", {"comm_id": self.comm_id, "data": data}, buffers)
        last_beat = time.monotonic()
        while True:
            try:
                msg = self.client.iopub_channel.get_msg(timeout=0.5)
            except Exception:  # queue.Empty: nothing yet
                if time.monotonic() - last_beat > HEARTBEAT_EVERY:
                    last_beat = time.monotonic()
                    if not self.client.hb_channel.is_beating():
                        raise StudentKernelError("your notebook's kernel died while the tests were calling your code") from None
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["header"]["msg_type"], msg.get("content", {})
            if kind == "comm_msg" and type(content.get("data")) is dict and content["data"].get("id") == data["id"]:
                return content["data"], list(msg.get("buffers") or [])
            if kind == "stream" and type(content.get("text")) is str:
                bridge.show_output(content["text"])
            elif kind == "status" and content.get("execution_state") == "idle":
                raise StudentKernelError("your notebook's kernel did not answer the tests")

    def close(self) -> None:
        self.client.stop_channels()


class LocalTransport:
    """The agent in this same process (for the engine's own tests): the same requests, no kernel."""

    def __init__(self, the_agent: agent.Agent) -> None:
        self.agent = the_agent

    def request(self, data: dict[str, Any], buffers: list[bytes], bridge: Bridge) -> tuple[Any, list[Any]]:
        import json

        from .. import checks

        # The other kernel, simulated: its agent, and no bridge in its autograder.checks.
        previous, agent._AGENT, checks._bridge = (agent._AGENT, checks._bridge), self.agent, None
        try:
            answer, out = self.agent.handle(data, buffers)
        finally:
            agent._AGENT, checks._bridge = previous
        return json.loads(json.dumps(answer)), [bytes(b) for b in out]


# ----------------------------------------------------------------------------- in the judge kernel


def connect(connection_info: dict[str, Any], plan: dict[str, Any]) -> Bridge:
    """Make this kernel the judge of the student's kernel (run by the engine, before any cell)."""
    from IPython import get_ipython

    from .. import checks

    shell = get_ipython()
    shell.ast_node_interactivity = "none"  # a test cell never displays a value: nbgrader would read it as a score
    bridge = Bridge(KernelTransport(connection_info), {}, plan.get("fetch", {}), shell.user_ns)
    locked = set(plan.get("locked", []))

    def before(info: Any) -> None:
        bridge.locked_names = {name: shell.user_ns[name] for name in locked if name in shell.user_ns}
        bridge.begin_cell(info.raw_cell)

    def after(result: Any) -> None:
        bridge.end_cell(result.info.raw_cell)

    shell.events.register("pre_run_cell", before)
    shell.events.register("post_run_cell", after)
    bridge.hooks = [("pre_run_cell", before), ("post_run_cell", after)]
    checks._bridge = bridge
    return bridge


def disconnect() -> None:
    """Leave this kernel as it was before ``connect()``, its namespace empty: the engine reuses a judge
    kernel (it runs only the course's code) for the next notebook, without importing torch again."""
    from IPython import get_ipython

    from .. import checks

    shell = get_ipython()
    bridge, checks._bridge, checks._AUTOGRAD_NUMBERS = checks._bridge, None, None
    if bridge is not None:
        for event, callback in getattr(bridge, "hooks", []):
            shell.events.unregister(event, callback)
        close = getattr(bridge.transport, "close", None)
        if close is not None:
            close()
    shell.ast_node_interactivity = "last_expr"
    shell.reset(new_session=False)
