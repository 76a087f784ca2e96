"""The judge's way to the student's kernel (autograder/remote/), without kernels: the agent in this process.

What the judge gets back is a value of an exact type or a handle; what it hands over comes back in
place; arrays, lists and dicts stay shared; the global generators are one; forbidden functions are
recorded however they are reached; and the value format refuses anything that is not a value.
"""
from __future__ import annotations

import io
import pickle

import networkx as nx
import numpy as np
import pytest
import torch

from autograder import checks
from autograder.remote import agent, bridge, wire

STUDENT = '''
import numpy as np, torch, importlib

class LyingInt(int):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __hash__ = int.__hash__

class LyingList(list):
    def __array__(self, dtype=None, copy=None): return np.zeros(3)

class MLP:
    def __init__(self, n): self.weights = [np.ones((n, n)), np.zeros(n)]
    def forward(self, x): return x @ self.weights[0] + self.weights[1]
    def params(self): return self.weights

class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn, self.head = torch.nn.RNN(2, 3, batch_first=True), torch.nn.Linear(3, 2)
    def forward(self, x): return self.head(self.rnn(x)[0][:, -1])

def lying_int(): return LyingInt(0)
def lying_list(): return LyingList([1, 2, 3])
def scalars(): return np.float32(1.5), np.int64(3), torch.tensor([1.0], requires_grad=True)
def zero(x): x[:] = 0
def append(items, value): items.append(value); return items
def step(model):
    model(torch.ones(1, 2)).sum().backward()
    with torch.no_grad():
        for p in model.parameters(): p -= 0.1 * p.grad
    model.eval(); model.steps = 1
def shuffle(x): np.random.shuffle(x); return x
def mutate(G): G.nodes["a"]["value"] = 5.0
def norm_by_getattr(x): return getattr(torch, "no" + "rm")(x)
def norm_by_importlib(x): return importlib.import_module("tor" + "ch").norm(x)
def grads(v):
    a = v.detach().clone().requires_grad_(True); (a ** 2).sum().backward(); return a.grad
def grad_items(v):
    a = v.detach().clone().requires_grad_(True); torch.autograd.grad((a ** 2).sum(), a)[0]
    g, = torch.autograd.grad((a ** 2).sum(), a); return g[0].item(), g[1]
def formula(v):
    a = v.detach().clone().requires_grad_(True); (a * 0).sum().backward(); return 2 * v
def uses(fn, x): return fn(x)
def raises(kind):
    class Mine(Exception): pass
    raise {"value": ValueError("bad value"), "key": KeyError("k"), "mine": Mine("mine")}[kind]
'''


@pytest.fixture
def remote():
    """(the judge's bridge, the student's namespace): the student's code, reached as while grading."""
    namespace: dict = {}
    exec(STUDENT, namespace)
    the_agent = agent.Agent(namespace, ["torch.norm"])
    the_bridge = bridge.Bridge(bridge.LocalTransport(the_agent), {}, {}, {})
    checks._bridge = the_bridge
    try:
        yield the_bridge, namespace
    finally:
        checks._bridge = None


def student(remote, name):
    the_bridge, _ = remote
    return the_bridge.lookup([name])[name]


def test_values_arrive_by_value_with_exact_types(remote):
    assert type(student(remote, "lying_int")()) is int and student(remote, "lying_int")() != 33
    assert type(student(remote, "lying_list")()) is list and student(remote, "lying_list")() == [1, 2, 3]
    f, i, t = student(remote, "scalars")()
    assert (type(f), type(i), type(t)) == (np.float32, np.int64, torch.Tensor) and t.requires_grad


def test_objects_stay_as_handles_that_pass_isinstance(remote):
    net = student(remote, "Net")()
    assert isinstance(net, torch.nn.Module) and isinstance(net, student(remote, "Net"))
    assert net(torch.ones(4, 5, 2)).shape == (4, 2)
    layers = [m for m in net.modules() if isinstance(m, torch.nn.RNNBase)]
    assert len(layers) == 1 and type(layers[0]) is torch.nn.RNN  # torch's own layers come by value
    fresh = type(layers[0])(2, 3, batch_first=True)
    fresh.load_state_dict(layers[0].state_dict())


def test_what_a_test_hands_over_comes_back_in_place(remote):
    x = np.arange(4.0)
    student(remote, "zero")(x)
    assert not x.any()
    items = [1]
    assert student(remote, "append")(items, 2) is items and items == [1, 2]
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(3, 1))
    before = model[0].weight.detach().clone()
    student(remote, "step")(model)
    assert not model.training and model.steps == 1 and not torch.equal(before, model[0].weight)
    assert model[0].weight.grad is not None
    G = nx.DiGraph()
    G.add_node("a", kind="variable")
    student(remote, "mutate")(G)
    assert G.nodes["a"]["value"] == 5.0


def test_arrays_read_from_an_object_stay_shared(remote):
    mlp = student(remote, "MLP")(3)
    weights = mlp.weights
    weights[0][...] = 2.0  # in place, on the judge's side
    assert np.allclose(mlp.forward(np.ones(3)), 6.0)
    assert mlp.params()[0] is weights[0]


def test_a_spy_function_fills_the_tests_list(remote):
    seen = []

    def spy(x):
        seen.append(x)
        return x

    assert student(remote, "uses")(spy, 3) == 3 and seen == [3]


def test_the_global_generators_are_shared(remote):
    np.random.seed(0)
    mine = student(remote, "shuffle")(np.arange(10))
    after = np.random.rand()
    np.random.seed(0)
    reference = np.random.permutation(10)
    assert (mine == reference).all() and after == np.random.rand()


def test_forbidden_functions_are_recorded_however_reached(remote):
    the_bridge, _ = remote
    for name in ("norm_by_getattr", "norm_by_importlib"):
        function = student(remote, name)
        function(torch.tensor([3.0, 4.0]))
        assert the_bridge.used_by(function, ["torch.norm"]) == ["torch.norm"], name
    assert the_bridge.used_by(student(remote, "zero"), ["torch.norm"]) == []


def test_gradients_count_only_when_autograd_produced_them(remote):
    checks.assert_from_autograd(checks.call(student(remote, "grads"), torch.tensor([1.0, 2.0])), name="g")
    first, second = checks.call(student(remote, "grad_items"), torch.tensor([1.0, 2.0]))  # an item, an element
    checks.assert_from_autograd(first, name="g[0]")
    checks.assert_from_autograd(second, name="g[1]")
    with pytest.raises(checks.CheckFailed, match="did not come from autograd"):
        checks.assert_from_autograd(checks.call(student(remote, "formula"), torch.tensor([1.0, 2.0])), name="g")


def test_the_students_exceptions_keep_their_kind(remote):
    raises = student(remote, "raises")
    with pytest.raises(ValueError, match="bad value"):
        raises("value")
    with pytest.raises(KeyError) as error:
        raises("key")
    assert str(error.value) == "'k'"
    with pytest.raises(checks.CheckFailed, match="your raises raised Mine"):
        checks.call(raises, "mine")


def test_substitute_and_rebinding_reach_the_students_code(remote):
    the_bridge, namespace = remote
    exec("def grad(x):\n    return 2 * x\ndef check(x):\n    return grad(x) + 1\n", namespace)
    values = the_bridge.lookup(["grad", "check"])
    the_bridge.namespace.update(values)
    the_bridge.cell_names = dict(values)
    with checks.substitute({"grad": lambda x: 10 * x}):
        assert values["check"](3) == 31
    assert values["check"](3) == 7
    the_bridge.namespace["grad"] = lambda x: 100 * x  # a test cell rebinding the student's name
    assert values["check"](3) == 301


def _npy_with_pickle() -> bytes:
    out = io.BytesIO()
    np.save(out, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    return out.getvalue()


@pytest.mark.parametrize("node,buffers,why", [
    (["x"], [], "unknown node kind"),
    (["a", 0, None, None], [_npy_with_pickle()], "not an array"),
    (["a", 0, None, None], [pickle.dumps(np.zeros(3))], "not an array"),
    (["cls", "os", "system"], [], "not a library class"),
    (["mod", "builtins", "object", {}], [], "not a torch layer"),
    (["h", 1, {}], [], "a handle where a value"),
    (["f", "1e400"], [], "a bad float"),
])
def test_the_format_refuses_anything_but_values(node, buffers, why):
    with pytest.raises(wire.WireError, match=why):
        wire.Decoder(buffers).decode(node)


def test_a_list_handed_over_and_kept_is_the_same_list(remote):
    the_bridge, namespace = remote
    exec("class Net:\n    def __init__(self, layers):\n        self.layers = layers\n"
         "    def grow(self):\n        self.layers.append(len(self.layers))\n", namespace)
    layers = [0, 1]
    net = student(remote, "Net")(layers)
    assert net.layers is layers
    net.grow()
    assert layers == [0, 1, 2]
    layers[0] = 10  # in place, on the judge's side
    net.grow()
    assert net.layers is layers and layers == [10, 1, 2, 3]


def test_the_judges_own_objects_stay_its_own(remote):
    """What a handed-over function reaches but does not change (a table of reference functions) is not written back."""
    functions = {"tanh": torch.tanh}

    class Layer:
        def fprop(self, x):
            return functions["tanh"](x)

    student(remote, "uses")(Layer().fprop, torch.ones(2))
    assert functions["tanh"] is torch.tanh
