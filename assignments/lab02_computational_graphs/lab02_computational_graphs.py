# %% [markdown]
# # Lab 2 — Computational graphs and backpropagation
#
# Every neural network is a function built from small operations: multiply, add, exponentiate...
# Written as a **computational graph**, it becomes something a computer can evaluate (values flow
# *forward*, from the inputs to the output) and differentiate (gradients flow *backward*, from the
# output to the inputs, by the chain rule). This is exactly what PyTorch's *autograd* does for you;
# in this lab you build it yourself, on small graphs stored with [networkx](https://networkx.org).
#
# 1. Build and draw graphs (sigmoid neuron).
# 2. Evaluate any graph: the forward pass, in topological order.
# 3. A forward pass with numbers: an error graph.
# 4. Backpropagation by hand, with the chain rule.
# 5. Backpropagation by code: the backward pass, in reverse topological order.
# 6. Check it all with PyTorch autograd.
#
# **How this notebook works.** Write your code where it says `YOUR CODE HERE` (delete the
# `raise NotImplementedError()` line) and your written answers where it says `YOUR ANSWER HERE`.
# Cells that start with a docstring such as `"""draw_graph draws ..."""` are tests: run them to check
# your work. They show one worked example; when grading, more tests run on other inputs and on other
# graphs, so make your code general rather than fitted to the example.
#
# Run the cells in order, from the top. Total: 19 points (17 autograded, 2 graded by hand).

# %% tags=["readonly"] id="imports"
import re

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import torch

from autograder.checks import assert_close, assert_true, assert_type

torch.set_printoptions(precision=4)

# %% [markdown]
# ## How we store a graph
#
# A computational graph is a `networkx.DiGraph` with two kinds of nodes, stored in the node
# attribute `kind`:
#
# * **variables** (`kind="variable"`), drawn as circles: the inputs, the constants, the
#   intermediate results `z1, z2, ...` and the output;
# * **operations** (`kind="op"`), drawn as squares, with the attribute `op` naming one of the
#   operations of the table below.
#
# Edges alternate **variable → op → variable**: the operands of an op point to it, and the op points
# to its single output variable. Because an op such as `sub` or `div` cares about the order of its
# operands, each edge into an op carries the attribute `arg`: 0 for the first operand, 1 for the
# second. (Use `arg`, not the order in which networkx lists the predecessors: that order is just the
# order in which the edges were added.)
#
# A variable with no incoming edge is a **source**: either an **input**, whose value is given when the
# graph is evaluated, or a **constant**, which stores its value in the node attribute `value`. The
# function's result is the only **sink** (the only node with no outgoing edge).
#
# The cell below defines the operations every graph of this lab may use, and two helpers to build
# graphs (`add_variable`, `add_op`). `assert_graph` checks these conventions: call it on your graphs.

# %% tags=["readonly"] id="graph_conventions"
# The operations of this lab: number of operands, what the op computes, and its symbol in drawings.
# Operands are ordered by the `arg` attribute of the edges: forward(operand 0, operand 1).
OPS = {
    "add": {"arity": 2, "forward": lambda a, b: a + b, "symbol": "+"},
    "sub": {"arity": 2, "forward": lambda a, b: a - b, "symbol": "−"},
    "mul": {"arity": 2, "forward": lambda a, b: a * b, "symbol": "×"},
    "div": {"arity": 2, "forward": lambda a, b: a / b, "symbol": "÷"},
    "neg": {"arity": 1, "forward": lambda a: -a, "symbol": "neg"},
    "exp": {"arity": 1, "forward": lambda a: np.exp(a), "symbol": "exp"},
}


def add_variable(G, name, value=None):
    """Add a variable node: an input (value=None) or a constant (with its value)."""
    if value is None:
        G.add_node(name, kind="variable")
    else:
        G.add_node(name, kind="variable", value=float(value))


def add_op(G, name, op, operands, output):
    """Add the op node `name` computing output = op(*operands), and its output variable."""
    G.add_node(name, kind="op", op=op)
    for position, operand in enumerate(operands):
        G.add_edge(operand, name, arg=position)
    G.add_node(output, kind="variable")
    G.add_edge(name, output)


def assert_graph(G, inputs, sink, names=()):
    """Check that G follows this lab's conventions; fail with a message naming the first problem.

    Inputs:
    - G: the graph to check
    - inputs: names of its input variables (sources without a value)
    - sink: name of its output variable
    - names: other names allowed for intermediate variables (besides z1, z2, ...)
    """
    assert_type(G, nx.DiGraph, name="the graph")
    for node, data in G.nodes(data=True):
        kind = data.get("kind")
        assert_true(kind in ("variable", "op"), f"node {node!r}: kind must be 'variable' or 'op', got {kind!r}")
        if kind == "op":
            op = data.get("op")
            assert_true(op in OPS, f"op node {node!r}: op must be one of {sorted(OPS)}, got {op!r}")
            args = [arg for _, _, arg in G.in_edges(node, data="arg")]
            assert_true(None not in args and sorted(args) == list(range(OPS[op]["arity"])),
                        f"op node {node!r} ({op}) needs {OPS[op]['arity']} incoming edges with "
                        f"arg = 0, 1, ...; their args are {args}")
            assert_true(G.out_degree(node) == 1, f"op node {node!r} must have exactly one output variable, "
                                                 f"it has {G.out_degree(node)}")
        else:
            assert_true(G.in_degree(node) <= 1, f"variable {node!r} is the output of {G.in_degree(node)} ops")
    for a, b in G.edges:
        assert_true(G.nodes[a]["kind"] != G.nodes[b]["kind"],
                    f"edge {a!r} -> {b!r} joins two {G.nodes[a]['kind']} nodes: edges alternate "
                    "variable -> op -> variable")
    if not nx.is_directed_acyclic_graph(G):
        assert_true(False, f"the graph has a cycle: {nx.find_cycle(G)}")
    for name in inputs:
        assert_true(name in G, f"the graph has no input variable {name!r}")
        assert_true(G.in_degree(name) == 0 and "value" not in G.nodes[name],
                    f"{name!r} must be an input: a source variable without a value")
    for node in G:
        if G.in_degree(node) == 0 and node not in inputs:
            assert_true("value" in G.nodes[node], f"source {node!r} is neither an input {list(inputs)} "
                                                  "nor a constant (a variable with a value)")
    sinks = [node for node in G if G.out_degree(node) == 0]
    assert_true(sinks == [sink], f"the only sink (node without outgoing edges) must be {sink!r}, "
                                 f"the graph's sinks are {sinks}")
    for node, kind in G.nodes(data="kind"):
        if kind == "variable" and G.in_degree(node) == 1 and node != sink:
            assert_true(node in names or (isinstance(node, str) and re.fullmatch(r"z\d+", node)),
                        f"intermediate variable {node!r} should be named z1, z2, ..." +
                        (f" (or one of {list(names)})" if names else ""))


# %% [markdown]
# ## 1. Build and draw a graph (3 points)
#
# Here is the worked example, the linear neuron g(x1) = w1·x1 + b1: one `mul` and one `add`.

# %% tags=["readonly"] id="worked_example"
def build_linear_graph():
    """The graph of g = w1 * x1 + b1 (inputs w1, x1, b1; output g)."""
    G = nx.DiGraph()
    for name in ("w1", "x1", "b1"):
        add_variable(G, name)
    add_op(G, "mul1", "mul", ["w1", "x1"], "z1")
    add_op(G, "add1", "add", ["z1", "b1"], "g")
    return G


G_linear = build_linear_graph()
assert_graph(G_linear, inputs=["w1", "x1", "b1"], sink="g")
print("nodes:", dict(G_linear.nodes(data=True)))
print("edges:", list(G_linear.edges(data=True)))

# %% [markdown]
# ### 1a. Drawing (1 point)
#
# Write `draw_graph(G, ax=None)`, which draws a graph with matplotlib: **variables as circles**,
# **operations as squares**, an arrow for each edge, each variable labelled with its name (and with
# its value too, when the node has a `value` attribute) and each op with its symbol from `OPS`.
# Draw on `ax` when it is given (else on a new figure) and return the Axes you drew on.
#
# Tips: `nx.draw_networkx_nodes(G, pos, nodelist=..., node_shape="o", ax=ax)` draws some nodes
# with one shape (`"s"` is a square); `nx.draw_networkx_edges` and `nx.draw_networkx_labels` do the
# rest. `pos` maps each node to an (x, y) position: a readable layout puts each node one column to
# the right of its operands (`nx.topological_generations(G)` gives such columns). Give the plot a
# title; `ax.axis("off")` hides the meaningless axes.

# %% tags=["solution"] id="draw_graph"
def draw_graph(G, ax=None):
    """Draw a computational graph: variables as circles, operations as squares.

    Inputs:
    - G: a networkx.DiGraph following this lab's conventions
    - ax: a matplotlib Axes to draw on; None to draw on a new figure

    Returns:
    - the matplotlib Axes drawn on
    """
    ### BEGIN SOLUTION
    if ax is None:
        _, ax = plt.subplots(figsize=(max(4.0, 0.8 * len(G)), 3.5))
    # Columns: each node one step right of its operands; a source sits just left of its first use.
    column = {node: depth for depth, layer in enumerate(nx.topological_generations(G)) for node in layer}
    for node in G:
        if G.in_degree(node) == 0 and G.out_degree(node) > 0:
            column[node] = min(column[succ] for succ in G.successors(node)) - 1
    pos = {}
    for x in sorted(set(column.values())):
        layer = [node for node in G if column[node] == x]
        for i, node in enumerate(layer):
            pos[node] = (x, (len(layer) - 1) / 2 - i)
    variables = [node for node, kind in G.nodes(data="kind") if kind == "variable"]
    ops = [node for node, kind in G.nodes(data="kind") if kind == "op"]
    nx.draw_networkx_nodes(G, pos, nodelist=variables, node_shape="o", node_size=1100,
                           node_color="#cfe2f3", edgecolors="#3d6d99", ax=ax)
    nx.draw_networkx_nodes(G, pos, nodelist=ops, node_shape="s", node_size=700,
                           node_color="#fce5cd", edgecolors="#b45f06", ax=ax)
    nx.draw_networkx_edges(G, pos, ax=ax, arrows=True, arrowstyle="-|>", node_size=1100)
    labels = {}
    for node, data in G.nodes(data=True):
        if data["kind"] == "op":
            labels[node] = OPS.get(data.get("op"), {}).get("symbol", data.get("op"))
        else:
            labels[node] = f"{node}\n{float(data['value']):.4g}" if "value" in data else str(node)
    nx.draw_networkx_labels(G, pos, labels, font_size=8, ax=ax)
    ax.set_title("Computational graph (circles: variables, squares: operations)")
    ax.axis("off")
    return ax
    ### END SOLUTION

# %%
draw_graph(G_linear)
plt.show()

# %% tags=["tests"] id="test_draw_graph_shapes" points=1
"""draw_graph draws every variable as a circle and every op as a square, and returns its Axes (or Figure)."""
import matplotlib
import matplotlib.patches as mpatches
from matplotlib.collections import PathCollection
from matplotlib.markers import MarkerStyle

plt.close("all")
drawn = draw_graph(build_linear_graph())
assert_type(drawn, (matplotlib.axes.Axes, matplotlib.figure.Figure), name="draw_graph(G)")
### BEGIN HIDDEN TESTS
def _marker_shape(path):
    """'o' or 's' when a marker path is matplotlib's circle or square (any size), else None."""
    def unit(vertices):
        vertices = vertices - (vertices.max(axis=0) + vertices.min(axis=0)) / 2
        return vertices / max(np.abs(vertices).max(), 1e-12)
    for marker in ("o", "s"):
        style = MarkerStyle(marker)
        reference = unit(style.get_path().transformed(style.get_transform()).vertices)
        vertices = unit(path.vertices)
        if vertices.shape == reference.shape and np.allclose(vertices, reference, atol=1e-6):
            return marker
    return None


def _patch_shape(patch):
    if isinstance(patch, mpatches.Circle) or (isinstance(patch, mpatches.Ellipse) and patch.width == patch.height):
        return "o"
    if isinstance(patch, mpatches.Rectangle) or (isinstance(patch, mpatches.RegularPolygon) and patch.numvertices == 4):
        return "s"
    if isinstance(patch, mpatches.FancyBboxPatch):
        style = type(patch.get_boxstyle()).__name__.lower()
        return "o" if style == "circle" else "s" if style in ("square", "round") else None
    return None


def _count_shapes(figure_or_axes):
    """Circles and squares drawn, from the first kind of artist that has any: markers (scatter,
    networkx, plot), else patches, else text boxes (so labels in boxes next to markers don't count twice)."""
    axes = figure_or_axes.axes if isinstance(figure_or_axes, matplotlib.figure.Figure) else [figure_or_axes]
    markers, patches, boxes = {"o": 0, "s": 0}, {"o": 0, "s": 0}, {"o": 0, "s": 0}
    for ax in axes:
        for collection in ax.collections:
            if isinstance(collection, PathCollection) and collection.get_paths() and len(collection.get_offsets()):
                shape = _marker_shape(collection.get_paths()[0])
                if shape:
                    markers[shape] += len(collection.get_offsets())
        for line in ax.lines:
            if isinstance(line.get_marker(), str) and line.get_marker() in markers:
                markers[line.get_marker()] += len(line.get_xdata())
        for counts, artists in ((patches, ax.patches), (boxes, [t.get_bbox_patch() for t in ax.texts])):
            for patch in artists:
                shape = _patch_shape(patch) if patch is not None else None
                if shape:
                    counts[shape] += 1
    return next((counts for counts in (markers, patches) if sum(counts.values())), boxes)


def assert_shapes_drawn(G, drawn, what):
    counts = _count_shapes(drawn)
    plt.close("all")  # counted: no need to display the test's figures
    n_variables = sum(kind == "variable" for _, kind in G.nodes(data="kind"))
    n_ops = len(G) - n_variables
    assert_true(counts["o"] == n_variables and counts["s"] == n_ops,
                f"draw_graph({what}): drew {counts['o']} circles and {counts['s']} squares for a graph of "
                f"{n_variables} variables and {n_ops} ops: draw each variable as one circle (node_shape='o') "
                "and each op as one square (node_shape='s')")


assert_shapes_drawn(build_linear_graph(), drawn, "the worked example")
G_draw = nx.DiGraph()
for name, value in (("a", None), ("b", None), ("two", 2.0)):
    add_variable(G_draw, name, value)
add_op(G_draw, "m", "mul", ["a", "b"], "z1")
add_op(G_draw, "e", "exp", ["z1"], "z2")
add_op(G_draw, "d", "div", ["z2", "two"], "z3")
add_op(G_draw, "s", "sub", ["z3", "a"], "y")
fig, ax = plt.subplots()
drawn = draw_graph(G_draw, ax=ax)
assert_true(drawn is ax or drawn is fig or getattr(drawn, "figure", None) is fig,
            "draw_graph(G, ax=ax) must draw on the given ax and return it")
assert_shapes_drawn(G_draw, fig, "a graph of 4 ops, drawn on a given ax")
G_valued = build_linear_graph()
nx.set_node_attributes(G_valued, {"w1": 2.0, "x1": 3.0, "b1": 1.0, "z1": 6.0, "g": 7.0}, "value")
assert_shapes_drawn(G_valued, draw_graph(G_valued), "a graph whose variables all have values")
### END HIDDEN TESTS

# %% [markdown]
# ### 1b. The sigmoid neuron (2 points)
#
# Build the graph of the sigmoid neuron
#
# $$f(w, x) = \frac{1}{1 + e^{-(w_0 x_0 + w_1 x_1 + w_2)}}$$
#
# with the operations of `OPS` (each op has one or two operands, so w0·x0 + w1·x1 + w2 takes several
# `add`s). The inputs are `w0, x0, w1, x1, w2`; the number 1 is a constant (a variable with
# `value=1.0`); the intermediate variables are named `z1, z2, ...`; the output is `f`.
# Use `add_variable` and `add_op` (or networkx directly, with the same attributes).

# %% tags=["solution"] id="build_sigmoid_graph"
def build_sigmoid_graph():
    """The computational graph of f = 1 / (1 + exp(-(w0 * x0 + w1 * x1 + w2))).

    Returns:
    - G: a networkx.DiGraph with inputs w0, x0, w1, x1, w2, constants (variables with a value),
      intermediate variables z1, z2, ..., and the single sink f
    """
    ### BEGIN SOLUTION
    G = nx.DiGraph()
    for name in ("w0", "x0", "w1", "x1", "w2"):
        add_variable(G, name)
    add_variable(G, "one", 1.0)
    add_op(G, "mul1", "mul", ["w0", "x0"], "z1")
    add_op(G, "mul2", "mul", ["w1", "x1"], "z2")
    add_op(G, "add1", "add", ["z1", "z2"], "z3")
    add_op(G, "add2", "add", ["z3", "w2"], "z4")
    add_op(G, "neg1", "neg", ["z4"], "z5")
    add_op(G, "exp1", "exp", ["z5"], "z6")
    add_op(G, "add3", "add", ["one", "z6"], "z7")
    add_op(G, "div1", "div", ["one", "z7"], "f")
    return G
    ### END SOLUTION

# %%
G_sigmoid = build_sigmoid_graph()
draw_graph(G_sigmoid)
plt.show()

# %% tags=["tests"] id="test_build_sigmoid_graph_structure" points=1
"""build_sigmoid_graph follows the conventions: inputs w0, x0, w1, x1, w2, intermediates z1, z2, ..., sink f."""
assert_graph(build_sigmoid_graph(), inputs=["w0", "x0", "w1", "x1", "w2"], sink="f")

# %% tags=["tests"] id="test_build_sigmoid_graph_values" points=1
"""The graph of build_sigmoid_graph computes sigmoid(w0 x0 + w1 x1 + w2) (evaluated by the test, with torch)."""
### BEGIN HIDDEN TESTS
# Helpers shared by the hidden tests below (defined before any call to student code).
_TORCH_OPS = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div,
              "neg": torch.neg, "exp": torch.exp}


def _torch_forward(G, inputs):
    """Every variable of G as a float64 torch tensor (sources require grad, others retain it)."""
    t = {}
    for node in nx.topological_sort(G):
        data = G.nodes[node]
        if data["kind"] == "variable" and G.in_degree(node) == 0:
            value = data["value"] if "value" in data else inputs[node]
            t[node] = torch.tensor(float(value), dtype=torch.float64, requires_grad=True)
        elif data["kind"] == "op":
            operands = [a for a, _, _ in sorted(G.in_edges(node, data="arg"), key=lambda edge: edge[2])]
            (out,) = G.successors(node)
            t[out] = _TORCH_OPS[data["op"]](*(t[a] for a in operands))
            t[out].retain_grad()
    return t


class _Recorder:
    """Builds a graph in the lab's conventions and, step by step, the same function in torch (float64)."""

    def __init__(self, inputs, constants=None):
        self.G, self.t, self.n_ops = nx.DiGraph(), {}, 0
        self.inputs = {name: float(value) for name, value in inputs.items()}
        for name, value in self.inputs.items():
            add_variable(self.G, name)
            self.t[name] = torch.tensor(value, dtype=torch.float64, requires_grad=True)
        for name, value in (constants or {}).items():
            add_variable(self.G, name, value)
            self.t[name] = torch.tensor(float(value), dtype=torch.float64, requires_grad=True)

    def __call__(self, op, *operands, out=None):
        self.n_ops += 1
        out = out or f"z{self.n_ops}"
        add_op(self.G, f"{op}_{self.n_ops}", op, list(operands), out)
        self.t[out] = _TORCH_OPS[op](*(self.t[a] for a in operands))
        self.t[out].retain_grad()
        return out

    def values(self):
        return {name: tensor.item() for name, tensor in self.t.items()}

    def grads(self, sink):
        self.t[sink].backward()
        return {name: 0.0 if tensor.grad is None else tensor.grad.item() for name, tensor in self.t.items()}


def _shuffled(G, seed):
    """The same graph, nodes inserted out of topological order, each op's operands listed last first."""
    rng = np.random.default_rng(seed)
    nodes = [(node, dict(data)) for node, data in G.nodes(data=True)]
    nodes = [nodes[i] for i in rng.permutation(len(nodes))]
    rank = {node: i for i, (node, _) in enumerate(nodes)}
    if all(rank[a] < rank[b] for a, b in G.edges):
        nodes.reverse()
    edges = [(a, b, dict(data)) for a, b, data in G.edges(data=True)]
    edges = [edges[i] for i in rng.permutation(len(edges))]
    edges.sort(key=lambda edge: -edge[2].get("arg", 0))
    H = nx.DiGraph()
    H.add_nodes_from(nodes)
    H.add_edges_from(edges)
    return H


def _sigmoid_case(w0, x0, w1, x1, w2):
    R = _Recorder({"w0": w0, "x0": x0, "w1": w1, "x1": x1, "w2": w2}, {"one": 1.0})
    s = R("add", R("add", R("mul", "w0", "x0"), R("mul", "w1", "x1")), "w2")
    R("div", "one", R("add", "one", R("exp", R("neg", s))), out="f")
    return R, "f"


def _error_case(w1, x1, w2, x2):
    R = _Recorder({"w1": w1, "x1": x1, "w2": w2, "x2": x2}, {"f_star": 1.0})
    R("exp", R("neg", R("add", R("mul", "w1", "x1"), R("mul", "w2", "x2"))), out="f")
    R("sub", "f", "f_star", out="e")
    return R, "e"


def _fanout_case(x, y):
    R = _Recorder({"x": x, "y": y}, {"c": 0.5})
    z1, z2 = R("mul", "x", "y"), R("exp", "x")  # x feeds two ops
    z4 = R("mul", R("sub", R("add", z1, z2), "y"), "x")  # x and y used again
    R("div", z4, R("add", z2, "c"), out="out")  # z2 used twice
    return R, "out"


def _diamond_case(a):
    R = _Recorder({"a": a})
    z1 = R("neg", "a")
    z2 = R("exp", z1)
    R("add", R("mul", z2, z1), z2, out="out")
    return R, "out"


def _random_case(seed, n_inputs=4, n_ops=12):
    """A random expression of all six ops, folded into one sink; bounded so nothing overflows."""
    rng = np.random.default_rng(seed)
    R = _Recorder({f"x{i}": rng.uniform(-1.5, 1.5) for i in range(n_inputs)}, {"c": rng.uniform(0.5, 2.0)})
    pool = list(R.t)
    for _ in range(n_ops):
        op = str(rng.choice(list(_TORCH_OPS)))
        if op in ("neg", "exp"):
            allowed = [v for v in pool if op == "neg" or abs(R.t[v].item()) < 2.5]
            pool.append(R(op, str(rng.choice(allowed))))
        else:
            a, b = (str(v) for v in rng.choice(pool, size=2, replace=False))
            if op == "div" and abs(R.t[b].item()) < 0.5:
                op = "mul"
            pool.append(R(op, a, b))
    dangling = [v for v in pool if R.G.out_degree(v) == 0]
    while len(dangling) > 1:
        dangling.append(R("add", dangling.pop(0), dangling.pop(0)))
    return R, dangling[0]


def assert_values_match(G, inputs, reference, what):
    values = evaluate_graph(G, dict(inputs))
    assert_type(values, dict, name=f"evaluate_graph on {what}")
    for node, kind in G.nodes(data="kind"):
        if kind == "variable":
            assert_true(node in values, f"evaluate_graph on {what}: no value for variable {node!r} "
                                        "(return every variable node, inputs and constants included)")
            assert_close(values[node], reference[node], name=f"value of {node!r} in {what}", inputs=inputs,
                         rtol=1e-6, atol=1e-9)


def assert_grads_match(G, values, reference, what):
    grads = backward_graph(G, dict(values))
    assert_type(grads, dict, name=f"backward_graph on {what}")
    shown = {k: round(v, 4) for k, v in values.items()} if len(values) <= 12 else None
    for node, kind in G.nodes(data="kind"):
        if kind == "variable":
            assert_true(node in grads, f"backward_graph on {what}: no gradient for variable {node!r} "
                                       "(return every variable node, inputs and constants included)")
            assert_close(grads[node], reference[node], name=f"gradient of the sink wrt {node!r} in {what}",
                         inputs={"values": shown} if shown else None, rtol=1e-6, atol=1e-9)


def _sigmoid_graph_is_right(G):
    """Whether a student's sigmoid graph follows the conventions and computes the sigmoid."""
    try:
        assert_graph(G, ["w0", "x0", "w1", "x1", "w2"], "f")
        rng = np.random.default_rng(7)
        for _ in range(3):
            v = dict(zip(["w0", "x0", "w1", "x1", "w2"], rng.normal(size=5)))
            f = _torch_forward(G, v)["f"].item()
            if not np.isclose(f, 1 / (1 + np.exp(-(v["w0"] * v["x0"] + v["w1"] * v["x1"] + v["w2"])))):
                return False
        return True
    except Exception:
        return False


G = build_sigmoid_graph()
assert_type(G, nx.DiGraph, name="build_sigmoid_graph()")
assert_true("f" in G, "the sigmoid graph has no output variable 'f'")
rng = np.random.default_rng(0)
for trial in range(6):
    v = {name: float(x) for name, x in zip(["w0", "x0", "w1", "x1", "w2"], rng.normal(scale=1.5, size=5))}
    reference = torch.sigmoid(torch.tensor(v["w0"] * v["x0"] + v["w1"] * v["x1"] + v["w2"], dtype=torch.float64))
    assert_close(_torch_forward(G, v)["f"], reference, name="f computed by your sigmoid graph", inputs=v,
                 rtol=1e-10)
### END HIDDEN TESTS

# %% [markdown]
# ## 2. Evaluate any graph (3 points)
#
# To evaluate a graph, visit its nodes so that every op comes **after** the ops that compute its
# operands: a *topological order* (`nx.topological_sort(G)`). The order in which nodes were added to
# the graph (`G.nodes`) is not good enough: graphs can be built in any order.
#
# Write `evaluate_graph(G, values)`: start from the inputs (`values`) and the constants (their `value`
# attribute), then apply each op (`OPS[op]["forward"]`) to its operands, ordered by `arg`. Return the
# value of **every variable node** (inputs and constants included). Do not modify `G`.

# %% tags=["solution"] id="evaluate_graph"
def evaluate_graph(G, values):
    """Forward pass: the value of every variable of a computational graph.

    Inputs:
    - G: a networkx.DiGraph following this lab's conventions
    - values: dict mapping each input variable (source without a `value` attribute) to a number

    Returns:
    - dict mapping every variable node of G (inputs, constants, intermediates, sink) to its value
    """
    ### BEGIN SOLUTION
    result = {}
    for node in nx.topological_sort(G):
        data = G.nodes[node]
        if data["kind"] == "op":
            operands = [a for a, _, _ in sorted(G.in_edges(node, data="arg"), key=lambda edge: edge[2])]
            (output,) = G.successors(node)
            result[output] = OPS[data["op"]]["forward"](*(result[a] for a in operands))
        elif G.in_degree(node) == 0:
            result[node] = data["value"] if "value" in data else values[node]
    return result
    ### END SOLUTION

# %%
sigmoid_inputs = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}
sigmoid_values = evaluate_graph(G_sigmoid, sigmoid_inputs)
print({node: round(float(value), 4) for node, value in sigmoid_values.items()})
print("f =", sigmoid_values["f"], "  torch.sigmoid:", torch.sigmoid(torch.tensor(1.0)).item())

# %% tags=["tests"] id="test_evaluate_graph_example" points=1
"""evaluate_graph gives z1 = 6 and g = 7 on the worked example (w1=2, x1=3, b1=1), and a - b = 3 for a=5, b=2."""
values = evaluate_graph(build_linear_graph(), {"w1": 2.0, "x1": 3.0, "b1": 1.0})
assert_type(values, dict, name="evaluate_graph(G, values)")
for node, expected in {"w1": 2.0, "x1": 3.0, "b1": 1.0, "z1": 6.0, "g": 7.0}.items():
    assert_true(node in values, f"evaluate_graph: no value for {node!r}: return every variable node")
    assert_close(values[node], expected, name=f"value of {node} (worked example)")
# d = a - b, with the edge from b added first: use the `arg` of the edges, not the order of predecessors.
D = nx.DiGraph()
add_variable(D, "b")
add_variable(D, "a")
D.add_node("sub1", kind="op", op="sub")
D.add_edge("b", "sub1", arg=1)
D.add_edge("a", "sub1", arg=0)
add_variable(D, "d")
D.add_edge("sub1", "d")
values = evaluate_graph(D, {"a": 5.0, "b": 2.0})
assert_true(isinstance(values, dict) and "d" in values, "evaluate_graph: no value for 'd'")
assert_close(values["d"], 3.0, name="d = a - b (operands ordered by arg)")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(1)
for trial in range(3):
    w1, x1, b1 = (float(v) for v in rng.normal(size=3))
    values = evaluate_graph(build_linear_graph(), {"w1": w1, "x1": x1, "b1": b1})
    assert_close(values["g"], w1 * x1 + b1, name="g = w1 x1 + b1", inputs={"w1": w1, "x1": x1, "b1": b1})
### END HIDDEN TESTS


# %% tags=["tests"] id="test_evaluate_graph_ops" points=1
"""evaluate_graph agrees with torch on each op, on graphs with constants and reused variables, and on your sigmoid graph."""
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(2)
for op, arity in (("add", 2), ("sub", 2), ("mul", 2), ("div", 2), ("neg", 1), ("exp", 1)):
    for trial in range(2):
        R = _Recorder({"a": rng.uniform(-2, 2), "b": rng.choice([-1, 1]) * rng.uniform(0.5, 2)})
        R(op, *["a", "b"][:arity], out="y")
        if arity == 1:
            R("add", "y", "b", out="out")
        assert_values_match(R.G, R.inputs, R.values(), f"a graph with one '{op}'")
for make, names in ((_sigmoid_case, ("w0", "x0", "w1", "x1", "w2")), (_error_case, ("w1", "x1", "w2", "x2")),
                    (_fanout_case, ("x", "y")), (_diamond_case, ("a",))):
    for trial in range(3):
        R, _ = make(*rng.uniform(-1.5, 1.5, size=len(names)))
        assert_values_match(R.G, R.inputs, R.values(), f"the test graph {make.__name__[1:]}")
    # The same graph again with other inputs: evaluate_graph must not leave stale values in G.
    R_other, _ = make(*rng.uniform(-1.5, 1.5, size=len(names)))
    assert_values_match(R.G, R_other.inputs, R_other.values(),
                        f"the test graph {make.__name__[1:]}, evaluated a second time with other inputs")
try:
    G_student = build_sigmoid_graph()
except Exception:
    G_student = None
if G_student is not None and _sigmoid_graph_is_right(G_student):
    for trial in range(3):
        v = {name: float(x) for name, x in zip(["w0", "x0", "w1", "x1", "w2"], rng.normal(size=5))}
        reference = {node: t.item() for node, t in _torch_forward(G_student, v).items()}
        assert_values_match(G_student, v, reference, "your sigmoid graph")
### END HIDDEN TESTS

# %% tags=["tests"] id="test_evaluate_graph_order" points=1
"""evaluate_graph works on graphs whose nodes were added in any order (it must visit them in topological order)."""
### BEGIN HIDDEN TESTS
for seed in range(8):
    R, sink = _random_case(seed)
    assert_values_match(_shuffled(R.G, seed), R.inputs, R.values(),
                  f"a random graph of {R.n_ops} ops, nodes added out of order (seed {seed})")
R, _ = _sigmoid_case(0.5, -1.0, 1.5, 0.3, -0.2)
assert_values_match(_shuffled(R.G, 99), R.inputs, R.values(), "a sigmoid graph with nodes added out of order")
### END HIDDEN TESTS

# %% [markdown]
# ## 3. A forward pass with numbers (2 points)
#
# A one-neuron network computes f(x1, x2, w1, w2) = exp(−(w1·x1 + w2·x2)); its error against the
# target f* = 1 is e = f − f*.
#
# * Write `build_error_graph()`: inputs `w1, x1, w2, x2`; the target is a constant (a variable with
#   `value=1.0`, e.g. named `f_star`); the network output is the variable **`f`**, the error is the
#   sink **`e`**; other intermediate variables are `z1, z2, ...`.
# * For w1 = 0.1, x1 = 0.3, w2 = −0.2, x2 = 0.4, give `f_value` and `e_value` (numbers, at least 3
#   correct decimals). You may use your `evaluate_graph`.

# %% tags=["solution"] id="build_error_graph"
def build_error_graph():
    """The computational graph of e = exp(-(w1 * x1 + w2 * x2)) - f_star, with f_star = 1.

    Returns:
    - G: a networkx.DiGraph with inputs w1, x1, w2, x2, a constant target (value 1.0), the
      intermediate variable f = exp(-(w1 * x1 + w2 * x2)) and the single sink e
    """
    ### BEGIN SOLUTION
    G = nx.DiGraph()
    for name in ("w1", "x1", "w2", "x2"):
        add_variable(G, name)
    add_variable(G, "f_star", 1.0)
    add_op(G, "mul1", "mul", ["w1", "x1"], "z1")
    add_op(G, "mul2", "mul", ["w2", "x2"], "z2")
    add_op(G, "add1", "add", ["z1", "z2"], "z3")
    add_op(G, "neg1", "neg", ["z3"], "z4")
    add_op(G, "exp1", "exp", ["z4"], "f")
    add_op(G, "sub1", "sub", ["f", "f_star"], "e")
    return G
    ### END SOLUTION

# %% tags=["readonly"] id="error_point"
error_inputs = {"w1": 0.1, "x1": 0.3, "w2": -0.2, "x2": 0.4}

# %% tags=["solution"] id="forward_values"
### BEGIN SOLUTION
f_value = evaluate_graph(build_error_graph(), error_inputs)["f"]
e_value = f_value - 1.0
### END SOLUTION
print("f =", f_value, "  e =", e_value)

# %% [markdown]
# The graph with the value of every variable after the forward pass:

# %%
G_error = build_error_graph()
nx.set_node_attributes(G_error, evaluate_graph(G_error, error_inputs), "value")
draw_graph(G_error)
plt.show()

# %% tags=["tests"] id="test_build_error_graph_values" points=1
"""build_error_graph follows the conventions (sink e, intermediate f) and computes f and e = f - 1 (checked with torch)."""
G = build_error_graph()
assert_graph(G, inputs=["w1", "x1", "w2", "x2"], sink="e", names=["f"])
assert_true("f" in G and G.in_degree("f") == 1, "the network output must be an intermediate variable named 'f'")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(3)
for trial in range(5):
    v = {name: float(x) for name, x in zip(["w1", "x1", "w2", "x2"], rng.normal(size=4))}
    w1, x1, w2, x2 = (torch.tensor(v[n], dtype=torch.float64) for n in ("w1", "x1", "w2", "x2"))
    f = torch.exp(-(w1 * x1 + w2 * x2))
    t = _torch_forward(G, v)
    assert_close(t["f"], f, name="f computed by your error graph", inputs=v, rtol=1e-10)
    assert_close(t["e"], f - 1.0, name="e computed by your error graph", inputs=v, rtol=1e-10, atol=1e-12)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_forward_values_numbers" points=1
"""f_value and e_value are numbers, correct to 3 decimals."""
for name, value in (("f_value", f_value), ("e_value", e_value)):
    assert_true(isinstance(value, (int, float, np.number, np.ndarray, torch.Tensor)) and np.prod(np.shape(value)) == 1,
                f"{name} must be a number, got {type(value).__name__}")
### BEGIN HIDDEN TESTS
w1, x1, w2, x2 = (torch.tensor(v, dtype=torch.float64) for v in (0.1, 0.3, -0.2, 0.4))
f = torch.exp(-(w1 * x1 + w2 * x2))
assert_close(f_value, f, name="f_value", rtol=0, atol=1e-3)
assert_close(e_value, f - 1.0, name="e_value", rtol=0, atol=1e-3)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Backpropagation by hand (3 points + 1 point)
#
# How much does the error change when a weight changes? Use the **chain rule** along the graph, from
# the sink back to the weights: with u = w1·x1 + w2·x2 and f = exp(−u),
#
# $$\frac{\partial e}{\partial w_1} = \frac{\partial e}{\partial f}\,\frac{\partial f}{\partial u}\,
#   \frac{\partial u}{\partial w_1}.$$
#
# Work out each local derivative, then give the numbers `de_df`, `de_dw1`, `de_dw2` at the point of
# exercise 3 (at least 3 correct decimals). Careful: the local derivative of exp is exp itself, so
# f's value appears in the result.

# %% tags=["solution"] id="backprop_by_hand"
### BEGIN SOLUTION
de_df = 1.0
de_dw1 = -0.3 * np.exp(0.05)
de_dw2 = -0.4 * np.exp(0.05)
### END SOLUTION
print("de/df =", de_df, "  de/dw1 =", de_dw1, "  de/dw2 =", de_dw2)

# %% tags=["tests"] id="test_backprop_by_hand_de_df" points=1
"""de_df is a number equal to autograd's de/df at the point of exercise 3."""
for name, value in (("de_df", de_df), ("de_dw1", de_dw1), ("de_dw2", de_dw2)):
    assert_true(isinstance(value, (int, float, np.number, np.ndarray, torch.Tensor)) and np.prod(np.shape(value)) == 1,
                f"{name} must be a number, got {type(value).__name__}")
### BEGIN HIDDEN TESTS
w1, w2 = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (0.1, -0.2))
f = torch.exp(-(w1 * 0.3 + w2 * 0.4))
f.retain_grad()
(f - 1.0).backward()
assert_close(de_df, f.grad, name="de/df", rtol=0, atol=1e-3)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_backprop_by_hand_de_dw1" points=1
"""de_dw1 equals autograd's de/dw1 to 3 decimals."""
### BEGIN HIDDEN TESTS
w1, w2 = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (0.1, -0.2))
(torch.exp(-(w1 * 0.3 + w2 * 0.4)) - 1.0).backward()
assert_close(de_dw1, w1.grad, name="de/dw1", rtol=0, atol=1e-3)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_backprop_by_hand_de_dw2" points=1
"""de_dw2 equals autograd's de/dw2 to 3 decimals."""
### BEGIN HIDDEN TESTS
w1, w2 = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (0.1, -0.2))
(torch.exp(-(w1 * 0.3 + w2 * 0.4)) - 1.0).backward()
assert_close(de_dw2, w2.grad, name="de/dw2", rtol=0, atol=1e-3)
### END HIDDEN TESTS

# %% [markdown]
# Show your derivation: each local derivative along the path from e to w1 (and w2), and how they
# combine into the numbers above.

# %% [markdown] tags=["manual"] id="backprop_derivation" points=1
# With u = w1·x1 + w2·x2 = 0.03 − 0.08 = −0.05 and f = exp(−u) = e^0.05 ≈ 1.0513:
#
# * ∂e/∂f = 1 (e = f − f*);
# * ∂f/∂u = −exp(−u) = −f ≈ −1.0513;
# * ∂u/∂w1 = x1 = 0.3 and ∂u/∂w2 = x2 = 0.4.
#
# Chain rule: ∂e/∂w1 = 1 · (−f) · x1 = −0.3 · 1.0513 ≈ **−0.3154** and
# ∂e/∂w2 = −x2 · f = −0.4 · 1.0513 ≈ **−0.4205**. (Forgetting f, i.e. taking exp(−u) ≈ 1, gives the
# wrong −0.3 and −0.4.)

# %% [markdown]
# ## 5. Backpropagation by code (4 points + 1 point)
#
# The backward pass computes the derivative of the sink with respect to **every** variable, in one
# sweep from the sink back to the sources:
#
# 1. the gradient of the sink with respect to itself is 1; start every other gradient at 0;
# 2. visit the ops in **reverse topological order** (so an op's output gradient is complete before
#    you use it); for an op out = op(a, b), add `grad[out] * ∂out/∂a` to `grad[a]` (same for b),
#    where ∂out/∂a is the op's *local derivative*, computed from the values of the forward pass;
# 3. a variable used by several ops receives one contribution from each: **add them up**
#    (the multivariable chain rule), never overwrite.
#
# Work out the local derivatives of the six ops of `OPS` (for `div`: ∂(a/b)/∂a and ∂(a/b)/∂b) and
# write `backward_graph(G, values)`, where `values` is the result of `evaluate_graph`.

# %% tags=["solution"] id="backward_graph"
def backward_graph(G, values):
    """Backward pass: the gradient of the sink with respect to every variable of the graph.

    Inputs:
    - G: a networkx.DiGraph following this lab's conventions, with a single sink
    - values: dict mapping every variable node to its value (the result of evaluate_graph)

    Returns:
    - dict mapping every variable node to d(sink)/d(node) (the sink itself gets 1)
    """
    ### BEGIN SOLUTION
    sink = next(node for node in G if G.out_degree(node) == 0)
    grads = {node: 0.0 for node, kind in G.nodes(data="kind") if kind == "variable"}
    grads[sink] = 1.0
    for node in reversed(list(nx.topological_sort(G))):
        data = G.nodes[node]
        if data["kind"] != "op":
            continue
        operands = [a for a, _, _ in sorted(G.in_edges(node, data="arg"), key=lambda edge: edge[2])]
        (output,) = G.successors(node)
        x = [values[a] for a in operands]
        op = data["op"]
        if op == "add":
            local = [1.0, 1.0]
        elif op == "sub":
            local = [1.0, -1.0]
        elif op == "mul":
            local = [x[1], x[0]]
        elif op == "div":
            local = [1.0 / x[1], -x[0] / x[1] ** 2]
        elif op == "neg":
            local = [-1.0]
        else:  # exp: its own derivative
            local = [values[output]]
        for operand, derivative in zip(operands, local):
            grads[operand] += grads[output] * derivative  # accumulate: a variable may feed several ops
    return grads
    ### END SOLUTION

# %%
error_grads = backward_graph(G_error, evaluate_graph(G_error, error_inputs))
print({node: round(float(grad), 4) for node, grad in error_grads.items()})
print("by hand:", de_dw1, de_dw2)

# %% tags=["tests"] id="test_backward_graph_example" points=1
"""backward_graph on the worked example (w1=2, x1=3, b1=1) gives dg/dw1 = x1 = 3, dg/dx1 = w1 = 2, dg/db1 = dg/dz1 = dg/dg = 1."""
G = build_linear_graph()
grads = backward_graph(G, {"w1": 2.0, "x1": 3.0, "b1": 1.0, "z1": 6.0, "g": 7.0})
assert_type(grads, dict, name="backward_graph(G, values)")
for node, expected in {"w1": 3.0, "x1": 2.0, "b1": 1.0, "z1": 1.0, "g": 1.0}.items():
    assert_true(node in grads, f"backward_graph: no gradient for {node!r}: return every variable node")
    assert_close(grads[node], expected, name=f"dg/d{node} (worked example)")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(4)
for trial in range(3):
    R = _Recorder(dict(zip(["w1", "x1", "b1"], rng.normal(size=3))))
    R("add", R("mul", "w1", "x1", out="z1"), "b1", out="g")
    assert_grads_match(R.G, R.values(), R.grads("g"), "the worked example")
### END HIDDEN TESTS

# %% tags=["tests"] id="test_backward_graph_ops" points=1
"""backward_graph has the right local derivative for each op (compared with torch autograd)."""
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(5)
for op, arity in (("add", 2), ("sub", 2), ("mul", 2), ("div", 2), ("neg", 1), ("exp", 1)):
    for trial in range(2):
        inputs = {"a": rng.uniform(-2, 2), "b": rng.choice([-1, 1]) * rng.uniform(0.5, 2)}
        R = _Recorder(dict(list(inputs.items())[:arity]), {"c": round(rng.uniform(1.5, 3), 2)})
        y = R(op, *["a", "b"][:arity], out="y")
        R("mul", y, "c", out="out")  # an upstream gradient different from 1
        reference = R.grads("out")
        what = f"the graph out = {op}(a{', b' * (arity == 2)}) * c"
        assert_grads_match(R.G, R.values(), reference, what)
        assert_grads_match(_shuffled(R.G, trial), R.values(), reference, what + ", edges added in another order")
### END HIDDEN TESTS

# %% tags=["tests"] id="test_backward_graph_fanout" points=1
"""backward_graph adds up the gradients of a variable used by several ops (sigmoid, error and diamond graphs)."""
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(6)
for make, n_inputs in ((_fanout_case, 2), (_diamond_case, 1), (_sigmoid_case, 5), (_error_case, 4)):
    for trial in range(3):
        R, sink = make(*rng.uniform(-1.5, 1.5, size=n_inputs))
        assert_grads_match(R.G, R.values(), R.grads(sink), f"the test graph {make.__name__[1:]}")
try:
    G_student = build_sigmoid_graph()
except Exception:
    G_student = None
if G_student is not None and _sigmoid_graph_is_right(G_student):
    v = {name: float(x) for name, x in zip(["w0", "x0", "w1", "x1", "w2"], rng.normal(size=5))}
    t = _torch_forward(G_student, v)
    t["f"].backward()
    values = {node: tensor.item() for node, tensor in t.items()}
    reference = {node: 0.0 if tensor.grad is None else tensor.grad.item() for node, tensor in t.items()}
    assert_grads_match(G_student, values, reference, "your sigmoid graph")
### END HIDDEN TESTS

# %% tags=["tests"] id="test_backward_graph_random" points=1
"""backward_graph agrees with torch autograd on random graphs whose nodes were added in any order."""
### BEGIN HIDDEN TESTS
for seed in range(10, 18):
    R, sink = _random_case(seed)
    values = R.values()
    assert_grads_match(_shuffled(R.G, seed), values, R.grads(sink),
                 f"a random graph of {R.n_ops} ops, nodes added out of order (seed {seed})")
### END HIDDEN TESTS

# %% [markdown]
# In the sigmoid graph, the constant 1 is used twice, and in a neural network every weight of a
# hidden neuron feeds many neurons of the next layer. Why must the gradients reaching such a variable
# be **added**, and what goes wrong if the backward pass overwrites them?

# %% [markdown] tags=["manual"] id="fanout_question" points=1
# If a variable v feeds several ops, the sink depends on v through each of them: y = F(g1(v), g2(v), ...).
# The multivariable chain rule gives ∂y/∂v = Σₖ ∂y/∂gₖ · ∂gₖ/∂v: one term per path, summed. (A small
# change of v moves every gₖ at once, and their effects on y add up.) Overwriting keeps only the last
# path visited, so the gradient is wrong (and depends on the visiting order); for a weight feeding many
# neurons, gradient descent would then follow a wrong direction.

# %% [markdown]
# ## 6. Check with PyTorch (2 points)
#
# PyTorch's autograd does all of the above for you: each tensor operation records a node of the
# graph, and `.backward()` runs the backward pass, storing ∂e/∂w in the `.grad` of every *leaf* tensor
# created with `requires_grad=True`.
#
# Write `error_grads_torch(w1, x1, w2, x2, f_star=1.0)`: make w1 and w2 float64 tensors that require
# gradients, compute e = exp(−(w1·x1 + w2·x2)) − f_star with torch operations, call `e.backward()`,
# and return the two gradients. Do not write the formula of the derivative: autograd finds it.

# %% tags=["solution"] id="error_grads_torch"
def error_grads_torch(w1, x1, w2, x2, f_star=1.0):
    """de/dw1 and de/dw2 for e = exp(-(w1 * x1 + w2 * x2)) - f_star, computed by torch autograd.

    Inputs:
    - w1, x1, w2, x2, f_star: numbers

    Returns:
    - (de_dw1, de_dw2): two 0-dimensional tensors, the .grad of the leaf tensors w1 and w2
    """
    ### BEGIN SOLUTION
    w1 = torch.tensor(w1, dtype=torch.float64, requires_grad=True)
    w2 = torch.tensor(w2, dtype=torch.float64, requires_grad=True)
    e = torch.exp(-(w1 * x1 + w2 * x2)) - f_star
    e.backward()
    return w1.grad, w2.grad
    ### END SOLUTION

# %%
torch_de_dw1, torch_de_dw2 = error_grads_torch(0.1, 0.3, -0.2, 0.4)
print(f"autograd: de/dw1 = {float(torch_de_dw1):.4f}, de/dw2 = {float(torch_de_dw2):.4f}")
print(f"by hand:  de/dw1 = {float(de_dw1):.4f}, de/dw2 = {float(de_dw2):.4f}")

# %% tags=["tests"] id="test_error_grads_torch_values" points=1
"""error_grads_torch returns two gradients that match de/dw1 and de/dw2, here and at other points."""
grads = error_grads_torch(0.1, 0.3, -0.2, 0.4)
assert_true(isinstance(grads, (tuple, list)) and len(grads) == 2,
            f"error_grads_torch must return two gradients (de_dw1, de_dw2), got {type(grads).__name__}")
for name, grad in zip(("de_dw1", "de_dw2"), grads):
    assert_true(grad is not None, f"error_grads_torch: {name} is None: read .grad after calling e.backward()")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(8)
points = [(0.1, 0.3, -0.2, 0.4, 1.0)] + [tuple(rng.normal(size=4)) + (float(rng.uniform(-1, 2)),) for _ in range(4)]
for w1, x1, w2, x2, f_star in points:
    w1, x1, w2, x2, f_star = (float(v) for v in (w1, x1, w2, x2, f_star))
    f = np.exp(-(w1 * x1 + w2 * x2))  # de/dw = de/df * df/du * du/dw = 1 * (-f) * x
    de_dw1_got, de_dw2_got = error_grads_torch(w1, x1, w2, x2, f_star)
    point = {"w1": w1, "x1": x1, "w2": w2, "x2": x2, "f_star": f_star}
    assert_close(de_dw1_got, -x1 * f, name="de/dw1 from error_grads_torch", inputs=point, rtol=1e-5, atol=1e-8)
    assert_close(de_dw2_got, -x2 * f, name="de/dw2 from error_grads_torch", inputs=point, rtol=1e-5, atol=1e-8)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_error_grads_torch_autograd" points=1
"""error_grads_torch gets its gradients from autograd: leaf tensors with requires_grad, and a backward pass."""
### BEGIN HIDDEN TESTS
from autograder.checks import assert_from_autograd, call

got = call(error_grads_torch, 0.7, -0.5, 0.2, 1.1, 1.0)
assert_true(isinstance(got, (tuple, list)) and len(got) == 2,
            f"error_grads_torch must return two gradients (de_dw1, de_dw2), got {type(got).__name__}")
for what, grad in zip(("de/dw1", "de/dw2"), got):
    # a .grad that autograd filled during the call: w1 and w2 leaves with requires_grad=True, and e.backward()
    assert_from_autograd(grad, name=f"{what} from error_grads_torch")
f = np.exp(-(0.7 * -0.5 + 0.2 * 1.1))
assert_close(got[0], 0.5 * f, name="de/dw1 at w1=0.7, x1=-0.5, w2=0.2, x2=1.1", rtol=1e-5)
assert_close(got[1], -1.1 * f, name="de/dw2 at w1=0.7, x1=-0.5, w2=0.2, x2=1.1", rtol=1e-5)
### END HIDDEN TESTS

# %% [markdown]
# ## Wrap-up
#
# You have built the two halves of every deep-learning framework: a forward pass that evaluates a
# graph in topological order, and a backward pass that sends gradients back in reverse order, adding
# them up where a variable is used several times. PyTorch records the same graph while your code runs
# (each tensor's `grad_fn`) and `backward()` walks it just as your `backward_graph` does. In Lab 3 you
# will use this to train multi-layer networks.
