"""What crosses from a student's kernel to the judge: values, never code.

While grading, test cells run in a judge kernel that never runs student code (``grader/judge.py``); the
judge reaches the student's work through the agent in the student's kernel (``agent.py``). What
the agent sends back is a tree of JSON values plus binary buffers, and this module is the only
code that reads it. The reader builds exact built-in types only: ``None``, ``bool``, ``int``,
``float``, ``complex``, ``str``, ``bytes``, tuples, lists, dicts, sets; NumPy arrays and scalars
read from ``.npy`` with ``allow_pickle=False``; torch tensors made from such arrays (dtype,
``requires_grad`` and ``.grad`` by value); and a few library objects rebuilt from plain values by
the judge's own copy of the library (``torch.Size``, dtypes, PIL images, networkx graphs, torch
modules made only of torch's own layers). Subclasses, ``__array__`` methods and pickles never
cross: an ``int`` subclass arrives as an ``int``, a list subclass as a list of its items.

Everything else (the student's functions, classes and objects) stays in the student's kernel
and arrives as a *handle* (``["h", id, info]``) that the judge can only call, read and write
through the agent (``bridge.py``). Two more node kinds keep identities across the boundary: an
*origin* (``["o", id, state]``: an object the judge itself passed in this request, with its new
state) and a *link* (the id carried by every array and tensor node: the same student array
arrives as the same judge array, updated in place).

Node kinds (a node is a JSON scalar or a list whose first item is its kind)::

    "t" tuple  "l" list  "d" dict  "od" OrderedDict  "s" set  "fs" frozenset  "r" memo reference
    "a" ndarray  "n" NumPy scalar  "T" tensor  "c" complex  "b" bytes  "ba" bytearray
    "size" torch.Size  "dt" torch dtype  "dev" torch device  "npdt" NumPy dtype  "slice"  "range"  "..."
    "pil" PIL image  "nx" networkx graph  "mod" torch module  "rt" torch.return_types  "cls" library class
    "h" handle  "o" origin  "L" a shared object the other side has as it is  "f" a float that is not finite
"""
from __future__ import annotations

import io
import math
import sys
from collections import OrderedDict
from typing import Any

import numpy as np

MAX_DEPTH = 100  # nested containers
MAX_NODES = 5_000_000  # nodes in one message
MAX_BYTES = 1 << 30  # bytes of buffers in one message
# Library classes the judge may rebuild or name: those of these packages, already imported by the judge.
TRUSTED_MODULES = ("torch", "torchvision", "numpy", "matplotlib", "networkx", "PIL", "collections",
                   "sklearn", "scipy", "pandas", "builtins")
TORCH_DTYPES = ("float16", "bfloat16", "float32", "float64", "complex64", "complex128",
                "int8", "int16", "int32", "int64", "uint8", "bool")
PIL_MODES = ("1", "L", "P", "RGB", "RGBA", "CMYK", "YCbCr", "LAB", "HSV", "I", "F", "LA", "RGBX", "I;16")
MODULE_INTERNALS = {"_parameters", "_buffers", "_modules", "training"}  # a torch module's state, sent apart


class WireError(ValueError):
    """The student's kernel sent something that is not a value of this format."""


class NotAValue(Exception):
    """(Encoder, strict mode) a part of the value would need a handle."""


def trusted_module(name: Any) -> bool:
    return isinstance(name, str) and (name in TRUSTED_MODULES or name.startswith(tuple(m + "." for m in TRUSTED_MODULES)))


def library_object(module: str, qualname: str) -> Any:
    """The class or function ``module.qualname`` of a trusted library the judge has imported, else None."""
    if not (trusted_module(module) and isinstance(qualname, str)) or module not in sys.modules:
        return None
    obj: Any = sys.modules[module]
    for part in qualname.split("."):
        if part.startswith("__") or part == "<locals>":
            return None
        obj = getattr(obj, part, None)
    if (isinstance(obj, type) or callable(obj)) and getattr(obj, "__qualname__", None) == qualname:
        return obj
    return None


def _torch() -> Any:
    return sys.modules.get("torch")


# NumPy's functions as this module found them: the agent imports it before any student cell runs, so
# that a notebook that rebinds np.save or np.ascontiguousarray (or torch.Tensor.numpy, see
# TensorMethods) spoils nothing but its own values' behaviour, not how they are sent.
_COPY, _TOBYTES = np.ndarray.copy, np.ndarray.tobytes


def npy_bytes(array: np.ndarray) -> bytes:
    """An array in NumPy's .npy format (version 1.0), written with C methods only."""
    if not array.flags.c_contiguous:
        array = _COPY(array, order="C")
    header = "{'descr': %r, 'fortran_order': False, 'shape': %r, }" % (array.dtype.str, tuple(array.shape))
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode("latin1") + _TOBYTES(array)


class TensorMethods:
    """torch's C methods of tensors (TensorBase), taken once: torch.Tensor's Python-level attributes can be rebound."""

    def __init__(self, torch: Any) -> None:
        base = torch._C.TensorBase
        self.detach, self.cpu, self.numpy, self.float = base.detach, base.cpu, base.numpy, base.float
        self.resolve_conj, self.resolve_neg = base.resolve_conj, base.resolve_neg
        self.requires_grad, self.grad, self.is_leaf = (base.requires_grad.__get__, base.grad.__get__,
                                                       base.is_leaf.__get__)


_TENSOR_METHODS: TensorMethods | None = None


def tensor_methods(torch: Any) -> TensorMethods:
    global _TENSOR_METHODS
    if _TENSOR_METHODS is None:
        _TENSOR_METHODS = TensorMethods(torch)
    return _TENSOR_METHODS


def read_npy(data: Any) -> np.ndarray:
    try:
        array = np.lib.format.read_array(io.BytesIO(bytes(data)), allow_pickle=False)
    except Exception as error:
        raise WireError(f"not an array: {error}") from None
    if type(array) is not np.ndarray or array.dtype.hasobject:
        raise WireError("not an array of numbers")
    return array


# ----------------------------------------------------------------------------- student side


class Encoder:
    """A value as (tree, buffers). ``handle``, ``origin`` and ``link`` are the agent's (agent.py)."""

    def __init__(self) -> None:
        self.buffers: list[bytes] = []
        self.memo: dict[int, int] = {}
        self.keep: list[Any] = []  # objects in the memo stay alive while encoding (ids stay unique)
        self.nodes = 0
        self.size = 0
        self.strict = 0  # > 0 while encoding a module by value: no handles allowed

    # --- what the agent decides
    def handle(self, x: Any) -> Any:
        raise NotAValue(type(x).__name__)

    def origin(self, x: Any) -> int | None:
        return None

    def origin_state(self, x: Any, depth: int) -> Any:
        return None

    def link(self, x: Any) -> Any:
        return None

    # --- the format
    def buffer(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > MAX_BYTES:
            raise WireError(f"the value is larger than {MAX_BYTES >> 20} MB")
        self.buffers.append(data)
        return len(self.buffers) - 1

    def _memo(self, x: Any) -> int:
        self.memo[id(x)] = len(self.keep)
        self.keep.append(x)
        return len(self.keep) - 1

    def encode(self, x: Any, depth: int = 0) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES or depth > MAX_DEPTH:
            raise WireError("the value is too large or too deeply nested")
        t = type(x)
        if x is None or t in (bool, int, str):
            return x
        if t is float:
            return x if math.isfinite(x) else ["f", repr(x)]
        oid = self.origin(x)
        if oid is not None:
            return ["o", oid, self.origin_state(x, depth)]
        if id(x) in self.memo:
            return ["r", self.memo[id(x)]]
        if isinstance(x, np.generic):  # before float and str: np.float64 and np.str_ derive from them
            return ["n", self.buffer(npy_bytes(np.asarray(x)))]
        if isinstance(x, bool):
            return bool(x)
        if isinstance(x, int):
            return int.__index__(x)
        if isinstance(x, float):
            return self.encode(float.__float__(x), depth)
        if isinstance(x, str):
            return str.__str__(x)
        if x is Ellipsis:
            return ["..."]
        torch = _torch()
        if torch is not None:
            node = self._torch_node(torch, x, depth)
            if node is not None:
                return node
        if isinstance(x, np.ndarray) and not x.dtype.hasobject:  # an array of objects stays a handle
            mid = self._memo(x)
            return ["a", self.buffer(npy_bytes(np.ndarray.view(x, np.ndarray))), self.link(x), mid]
        if isinstance(x, np.dtype):
            return ["npdt", x.str if x.fields is None else str(x)]
        if isinstance(x, tuple):
            return ["t", [self.encode(v, depth + 1) for v in tuple.__iter__(x)]]
        if isinstance(x, list):
            mid = self._memo(x)
            link = self.link(x) if type(x) is list else None
            return ["l", [self.encode(v, depth + 1) for v in list.__iter__(x)], mid, link]
        if isinstance(x, dict):
            mid = self._memo(x)
            kind = "od" if isinstance(x, OrderedDict) else "d"
            link = self.link(x) if type(x) is dict else None
            return [kind, [[self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in dict.items(x)], mid, link]
        if isinstance(x, (set, frozenset)):
            kind = "fs" if isinstance(x, frozenset) else "s"
            return [kind, [self.encode(v, depth + 1) for v in (frozenset.__iter__(x) if kind == "fs" else set.__iter__(x))]]
        if isinstance(x, complex):
            return ["c", self.encode(complex.real.__get__(x)), self.encode(complex.imag.__get__(x))]
        if isinstance(x, (bytes, bytearray)):
            return ["ba" if isinstance(x, bytearray) else "b", self.buffer(bytes(x))]
        if isinstance(x, slice):
            return ["slice", *(self.encode(v, depth + 1) for v in (x.start, x.stop, x.step))]
        if isinstance(x, range):
            return ["range", x.start, x.stop, x.step]
        node = self._library_node(x, depth)
        if node is not None:
            return node
        if self.strict:
            raise NotAValue(type(x).__name__)
        return self.handle(x)

    def _torch_node(self, torch: Any, x: Any, depth: int) -> Any:
        if isinstance(x, torch.Tensor):
            mid = self._memo(x)
            return ["T", self.tensor_state(torch, x, depth), self.link(x), mid]
        if isinstance(x, torch.Size):
            return ["size", [int(n) for n in x]]
        if isinstance(x, torch.dtype):
            return ["dt", str(x).replace("torch.", "")]
        if isinstance(x, torch.device):
            return ["dev", str(x)]
        if type(x).__module__ == "torch.return_types" and isinstance(x, tuple):
            return ["rt", type(x).__name__, [self.encode(v, depth + 1) for v in tuple.__iter__(x)]]
        if isinstance(x, torch.nn.Module) and not isinstance(x, torch.jit.ScriptModule):
            return self._module_node(torch, x, depth)
        return None

    def tensor_state(self, torch: Any, x: Any, depth: int) -> dict[str, Any]:
        m = tensor_methods(torch)
        t = m.detach(x)
        if t.layout != torch.strided or t.is_quantized:
            raise NotAValue("a sparse or quantized tensor")
        dtype = str(t.dtype).replace("torch.", "")
        if dtype not in TORCH_DTYPES:
            raise NotAValue(f"a tensor of dtype {dtype}")
        state: dict[str, Any] = {"dtype": dtype, "shape": list(t.shape), "rg": bool(m.requires_grad(x)),
                                 "param": isinstance(x, torch.nn.Parameter), "dev": t.device.type}
        if t.device.type != "meta":
            t = m.resolve_neg(m.resolve_conj(m.cpu(t)))
            state["buf"] = self.buffer(npy_bytes(m.numpy(m.float(t) if dtype == "bfloat16" else t)))
        grad = m.grad(x) if m.is_leaf(x) else None
        state["grad"] = None if grad is None else self.encode(grad, depth + 1)
        return state

    def _library_node(self, x: Any, depth: int) -> Any:
        module = type(x).__module__ or ""
        if module.startswith("PIL.") and hasattr(x, "tobytes") and hasattr(x, "mode"):
            if x.mode in PIL_MODES:
                palette = x.getpalette() if x.mode == "P" else None
                return ["pil", x.mode, list(x.size), self.buffer(x.tobytes()), palette]
        if module.startswith("networkx.") and hasattr(x, "adj") and hasattr(x, "graph"):
            return self._graph_node(x, depth)
        if self.strict and callable(x) and library_object(getattr(x, "__module__", None),
                                                          getattr(x, "__qualname__", None)) is x:
            return ["cls", x.__module__, x.__qualname__]  # a layer's class or function, e.g. ResNet's _norm_layer
        return None

    def _graph_node(self, g: Any, depth: int) -> Any:
        import networkx as nx

        kind = next((k.__name__ for k in (nx.MultiDiGraph, nx.MultiGraph, nx.DiGraph, nx.Graph) if type(g) is k), None)
        if kind is None:
            return None
        nodes = [[self.encode(n, depth + 2), self.encode(dict(d), depth + 2)] for n, d in g.nodes(data=True)]
        if g.is_multigraph():
            edges = [[self.encode(u, depth + 2), self.encode(v, depth + 2), self.encode(k, depth + 2),
                      self.encode(dict(d), depth + 2)] for u, v, k, d in g.edges(keys=True, data=True)]
        else:
            edges = [[self.encode(u, depth + 2), self.encode(v, depth + 2), self.encode(dict(d), depth + 2)]
                     for u, v, d in g.edges(data=True)]
        return ["nx", kind, self.encode(dict(g.graph), depth + 1), nodes, edges]

    def _module_node(self, torch: Any, m: Any, depth: int) -> Any:
        """A module made only of torch's (and torchvision's) own layers, without hooks, by value; else None."""
        if not all(trusted_module(type(sub).__module__) and type(sub).__module__.startswith(("torch.nn", "torchvision"))
                   for sub in m.modules()):
            return None
        state = self.strictly(lambda: self.encode(dict(m.__getstate__()), depth + 1))
        return None if state is NotAValue else ["mod", type(m).__module__, type(m).__qualname__, state]

    def strictly(self, encode: Any) -> Any:
        """``encode()`` with no handle allowed; NotAValue (and nothing written) if one is needed."""
        saved = (len(self.buffers), self.size, dict(self.memo), len(self.keep), self.nodes)
        self.strict += 1
        try:
            return encode()
        except NotAValue:
            self.buffers[saved[0]:] = []
            self.size, self.memo, self.nodes = saved[1], saved[2], saved[4]
            del self.keep[saved[3]:]
            return NotAValue
        finally:
            self.strict -= 1

    def module_state(self, m: Any, depth: int) -> dict[str, Any]:
        # Parameters first: attributes may refer to them again (an RNN's _flat_weights), as memo references.
        state: dict[str, Any] = {"training": bool(m.training),
                                 "params": [[k, self.encode(v, depth + 2)] for k, v in m._parameters.items()],
                                 "buffers": [[k, self.encode(v, depth + 2)] for k, v in m._buffers.items()],
                                 "modules": [[k, self.encode(v, depth + 2)] for k, v in m._modules.items()]}
        attrs = {}
        for key, value in vars(m).items():
            if key in MODULE_INTERNALS or "hooks" in key or key == "_is_full_backward_hook":
                continue
            node = self.strictly(lambda: self.encode(value, depth + 2))  # plain attributes only (no weakrefs...)
            if node is not NotAValue:
                attrs[key] = node
        state["attrs"] = attrs
        return state


# ----------------------------------------------------------------------------- judge side


class Decoder:
    """(tree, buffers) from the student's kernel as exact built-in values (and the bridge's handles)."""

    def __init__(self, buffers: list[Any]) -> None:
        self.buffers = buffers
        self.memo: dict[int, Any] = {}
        self.nodes = 0

    # --- what the bridge decides
    def handle(self, hid: Any, info: Any) -> Any:
        raise WireError("a handle where a value was expected")

    def origin(self, oid: Any, state: Any) -> Any:
        raise WireError("an origin where a value was expected")

    def linked(self, link: Any, value: Any) -> Any:
        return value

    def shared(self, link: Any) -> Any:
        raise WireError("a shared object where a value was expected")

    # --- the format
    def _buffer(self, index: Any) -> Any:
        if type(index) is not int or not 0 <= index < len(self.buffers):
            raise WireError("a missing buffer")
        return self.buffers[index]

    def decode(self, node: Any, depth: int = 0) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES or depth > MAX_DEPTH:
            raise WireError("the value is too large or too deeply nested")
        if node is None or type(node) in (bool, int, float, str):
            return node
        if type(node) is not list or not node or type(node[0]) is not str:
            raise WireError(f"not a node: {type(node).__name__}")
        kind, args = node[0], node[1:]
        method = getattr(self, "_" + {"...": "ellipsis"}.get(kind, kind), None)
        if method is None:
            raise WireError(f"unknown node kind {kind!r}")
        try:
            return method(depth, *args)
        except TypeError as error:
            raise WireError(f"malformed {kind!r} node: {error}") from None

    def _items(self, items: Any, depth: int) -> list[Any]:
        if type(items) is not list:
            raise WireError("items must be a list")
        return [self.decode(v, depth + 1) for v in items]

    def _remember(self, mid: Any, value: Any) -> Any:
        if mid is not None:
            if type(mid) is not int:
                raise WireError("a bad memo id")
            self.memo[mid] = value
        return value

    def _h(self, depth: int, hid: Any, info: Any) -> Any:
        return self.handle(hid, info)

    def _o(self, depth: int, oid: Any, state: Any) -> Any:
        return self.origin(oid, state)

    def _L(self, depth: int, link: Any) -> Any:
        return self.shared(link)

    def _f(self, depth: int, text: str) -> float:
        if text not in ("nan", "inf", "-inf"):
            raise WireError("a bad float")
        return float(text)

    def _ellipsis(self, depth: int) -> Any:
        return Ellipsis

    def _t(self, depth: int, items: Any) -> tuple:
        return tuple(self._items(items, depth))

    def _l(self, depth: int, items: Any, mid: Any = None, link: Any = None) -> list:
        out: list = self._remember(mid, [])
        out.extend(self._items(items, depth))
        return self._remember(mid, self.linked(link, out))

    def _pairs(self, items: Any, depth: int) -> list[tuple[Any, Any]]:
        if type(items) is not list or not all(type(p) is list and len(p) == 2 for p in items):
            raise WireError("dict items must be pairs")
        return [(self.decode(k, depth + 1), self.decode(v, depth + 1)) for k, v in items]

    def _d(self, depth: int, items: Any, mid: Any = None, link: Any = None) -> dict:
        out: dict = self._remember(mid, {})
        out.update(self._pairs(items, depth))
        return self._remember(mid, self.linked(link, out))

    def _od(self, depth: int, items: Any, mid: Any = None, link: Any = None) -> OrderedDict:
        out: OrderedDict = self._remember(mid, OrderedDict())
        out.update(self._pairs(items, depth))
        return out

    def _s(self, depth: int, items: Any) -> set:
        return set(self._items(items, depth))

    def _fs(self, depth: int, items: Any) -> frozenset:
        return frozenset(self._items(items, depth))

    def _r(self, depth: int, mid: Any) -> Any:
        if mid not in self.memo:
            raise WireError("a reference to nothing")
        return self.memo[mid]

    def _c(self, depth: int, re: Any, im: Any) -> complex:
        re, im = self.decode(re, depth + 1), self.decode(im, depth + 1)
        if type(re) is not float or type(im) is not float:
            raise WireError("a bad complex")
        return complex(re, im)

    def _b(self, depth: int, index: Any) -> bytes:
        return bytes(self._buffer(index))

    def _ba(self, depth: int, index: Any) -> bytearray:
        return bytearray(self._buffer(index))

    def _slice(self, depth: int, *parts: Any) -> slice:
        return slice(*(self.decode(p, depth + 1) for p in parts))

    def _range(self, depth: int, start: Any, stop: Any, step: Any) -> range:
        if not all(type(v) is int for v in (start, stop, step)):
            raise WireError("a bad range")
        return range(start, stop, step)

    def _a(self, depth: int, index: Any, link: Any = None, mid: Any = None) -> np.ndarray:
        return self._remember(mid, self.linked(link, read_npy(self._buffer(index))))

    def _n(self, depth: int, index: Any) -> np.generic:
        array = read_npy(self._buffer(index))
        if array.shape != ():
            raise WireError("a NumPy scalar must have shape ()")
        return array[()]

    def _npdt(self, depth: int, text: Any) -> np.dtype:
        dtype = np.dtype(str(text))
        if dtype.hasobject:
            raise WireError("an object dtype")
        return dtype

    def _torch(self) -> Any:
        torch = _torch()
        if torch is None:
            raise WireError("a torch value, and torch is not imported here")
        return torch

    def _dtype(self, name: Any) -> Any:
        if name not in TORCH_DTYPES:
            raise WireError(f"unknown torch dtype {name!r}")
        return getattr(self._torch(), name)

    def _size(self, depth: int, dims: Any) -> Any:
        if type(dims) is not list or not all(type(n) is int for n in dims):
            raise WireError("a bad torch.Size")
        return self._torch().Size(dims)

    def _dt(self, depth: int, name: Any) -> Any:
        return self._dtype(name)

    def _dev(self, depth: int, text: Any) -> Any:
        return self._torch().device(str(text))

    def tensor(self, state: Any, depth: int) -> Any:
        """A new tensor from a tensor state (values, dtype, requires_grad, grad)."""
        torch = self._torch()
        if type(state) is not dict:
            raise WireError("a bad tensor")
        dtype = self._dtype(state.get("dtype"))
        shape = state.get("shape")
        if type(shape) is not list or not all(type(n) is int and n >= 0 for n in shape):
            raise WireError("a bad tensor shape")
        if state.get("dev") == "meta":
            t = torch.empty(shape, dtype=dtype, device="meta")
        else:
            array = read_npy(self._buffer(state.get("buf")))
            if list(array.shape) != shape:
                raise WireError("a tensor whose values do not have its shape")
            t = torch.from_numpy(array.copy()).to(dtype)
        if state.get("param"):
            t = torch.nn.Parameter(t, requires_grad=bool(state.get("rg")))
        elif state.get("rg") and (t.is_floating_point() or t.is_complex()):
            t.requires_grad_(True)
        grad = state.get("grad")
        if grad is not None:
            grad = self.decode(grad, depth + 1)
            if isinstance(grad, torch.Tensor) and grad.shape == t.shape and grad.dtype == t.dtype:
                t.grad = grad
        return t

    def _T(self, depth: int, state: Any, link: Any = None, mid: Any = None) -> Any:
        return self._remember(mid, self.linked(link, self.tensor(state, depth)))

    def _rt(self, depth: int, name: Any, items: Any) -> Any:
        cls = library_object("torch.return_types", str(name))
        values = self._items(items, depth)
        return cls(values) if isinstance(cls, type) else tuple(values)

    def _pil(self, depth: int, mode: Any, size: Any, index: Any, palette: Any = None) -> Any:
        from PIL import Image

        if mode not in PIL_MODES or type(size) is not list or len(size) != 2 or not all(type(n) is int for n in size):
            raise WireError("a bad image")
        try:
            image = Image.frombytes(mode, tuple(size), bytes(self._buffer(index)))
            if mode == "P" and type(palette) is list and all(type(v) is int for v in palette):
                image.putpalette(palette)
            return image
        except Exception as error:
            raise WireError(f"a bad image: {error}") from None

    def _nx(self, depth: int, kind: Any, graph: Any, nodes: Any, edges: Any) -> Any:
        import networkx as nx

        if kind not in ("Graph", "DiGraph", "MultiGraph", "MultiDiGraph"):
            raise WireError("a bad graph kind")
        g = getattr(nx, kind)()
        self.fill_graph(g, graph, nodes, edges, depth)
        return g

    def fill_graph(self, g: Any, graph: Any, nodes: Any, edges: Any, depth: int) -> None:
        """Replace a networkx graph's contents (graph attributes, nodes and edges with their data)."""
        if type(edges) is not list or not all(type(e) is list for e in edges):
            raise WireError("bad graph edges")
        fill_graph(g, self.decode(graph, depth + 1), self._pairs(nodes, depth),
                   [[self.decode(part, depth + 2) for part in edge] for edge in edges])

    def _cls(self, depth: int, module: Any, qualname: Any) -> Any:
        obj = library_object(str(module), str(qualname))
        if obj is None:
            raise WireError(f"not a library class or function: {module}.{qualname}")
        return obj

    def _mod(self, depth: int, module: Any, qualname: Any, state: Any) -> Any:
        """A module of torch's own layers: rebuilt by its class's __setstate__ (as torch unpickles it), from values."""
        torch = self._torch()
        cls = library_object(str(module), str(qualname))
        if not (isinstance(cls, type) and issubclass(cls, torch.nn.Module)) or not str(module).startswith(
                ("torch.nn", "torchvision")):
            raise WireError(f"not a torch layer: {module}.{qualname}")
        state = self.decode(state, depth + 1)
        if type(state) is not dict or not all(type(k) is str for k in state):
            raise WireError("a bad module state")
        if any(("hooks" in k and v) for k, v in state.items()):
            raise WireError("a module with hooks")
        m = cls.__new__(cls)
        try:
            m.__setstate__(state)
        except Exception as error:
            raise WireError(f"a bad {qualname} state: {type(error).__name__}: {error}") from None
        return m

    def fill_module(self, m: Any, state: Any, depth: int) -> None:
        """Set a module's parameters, buffers, submodules, mode and plain attributes from its state."""
        torch = self._torch()
        if type(state) is not dict:
            raise WireError("a bad module state")
        m.training = bool(state.get("training"))
        for key, value in self._pairs(state.get("params", []), depth):
            if value is None or isinstance(value, torch.nn.Parameter):
                m._parameters[str(key)] = value
        for key, value in self._pairs(state.get("buffers", []), depth):
            if value is None or isinstance(value, torch.Tensor):
                m._buffers[str(key)] = value
        for key, value in self._pairs(state.get("modules", []), depth):
            if value is None or isinstance(value, torch.nn.Module):
                m._modules[str(key)] = value
        attrs = state.get("attrs", {})
        if type(attrs) is not dict:
            raise WireError("bad module attributes")
        for key, value in attrs.items():
            if type(key) is str and not key.startswith("__") and not callable(getattr(type(m), key, None)):
                object.__setattr__(m, key, self.decode(value, depth + 1))


def fill_graph(g: Any, graph: Any, nodes: list[Any], edges: list[Any]) -> None:
    """Replace a networkx graph's contents (graph attributes, nodes and edges with their data)."""
    g.clear()
    if isinstance(graph, dict):
        g.graph.update(graph)
    for item in nodes:
        if len(item) == 2 and isinstance(item[1], dict):
            g.add_node(item[0], **{k: v for k, v in item[1].items() if isinstance(k, str)})
    for item in edges:
        if not item or not isinstance(item[-1], dict):
            continue
        data = {k: v for k, v in item[-1].items() if isinstance(k, str)}
        if g.is_multigraph() and len(item) == 4:
            g.add_edge(item[0], item[1], key=item[2], **data)
        elif len(item) == 3:
            g.add_edge(item[0], item[1], **data)
