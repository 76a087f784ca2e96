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
# Run the cells in order, from the top. Total: 23 points (20 autograded, 3 graded by hand).

# %% tags=["readonly"] id="imports"
import re

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import torch

from autograder.checks import (assert_close, assert_from_autograd, assert_true, assert_type, call, hash_value,
                               note_hidden_tests)

torch.set_printoptions(precision=4)
# The tensors of this lab are tiny: one thread avoids the cost of starting threads for every operation.
torch.set_num_threads(1)

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
# ## 1. Build and draw a graph (5 points)
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
# ### 1a. Drawing (3 points)
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

# %% [markdown]
# The tests of `draw_graph` look at what it drew with the helpers below: the circles and squares (as
# markers, patches or text boxes), the texts, and the lines or arrows. You need not read them.

# %% tags=["readonly"] id="drawing_checks"
import matplotlib
import matplotlib.patches as mpatches
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.markers import MarkerStyle



def _axes_of(drawn):
    """The Axes of what draw_graph returned (an Axes or a Figure)."""
    return drawn.axes if isinstance(drawn, matplotlib.figure.Figure) else [drawn]


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


def _shapes_drawn(drawn):
    """Circles and squares drawn, from the first kind of artist that has any: markers (scatter,
    networkx, plot), else patches, else text boxes (labels in boxes next to markers don't count twice)."""
    markers, patches, boxes = {"o": 0, "s": 0}, {"o": 0, "s": 0}, {"o": 0, "s": 0}
    for ax in _axes_of(drawn):
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


def _texts_drawn(drawn):
    """Every text drawn on the Axes (labels, annotations), as strings."""
    return [text.get_text() for ax in _axes_of(drawn) for text in ax.texts]


def _edges_drawn(drawn):
    """Lines and arrows drawn: arrow patches and annotation arrows, segments of line collections and of plotted lines."""
    count = 0
    for ax in _axes_of(drawn):
        count += sum(isinstance(p, (mpatches.FancyArrowPatch, mpatches.FancyArrow, mpatches.Arrow)) for p in ax.patches)
        count += sum(getattr(t, "arrow_patch", None) is not None for t in ax.texts)
        count += sum(len(c.get_segments()) for c in ax.collections if isinstance(c, LineCollection))
        count += sum(max(len(line.get_xdata()) - 1, 0) for line in ax.lines if line.get_linestyle() not in ("None", "", " "))
    return count


def _numbers_in(texts):
    """The numbers written in the texts (not the digits of names such as w1 or z2)."""
    found = re.findall(r"(?<![\w.])[-−]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?", " ".join(texts))
    return [float(n.replace("−", "-")) for n in found]


def _draw(G, ax=None):
    """draw_graph(G) (or on ax), checked to return an Axes or a Figure; the figure is closed after the checks."""
    drawn = call(draw_graph, G) if ax is None else call(draw_graph, G, ax=ax)
    assert_type(drawn, (matplotlib.axes.Axes, matplotlib.figure.Figure), name="draw_graph(G)")
    return drawn


# %% tags=["tests"] id="test_draw_graph_shapes" points=1
"""draw_graph draws each variable as a circle and each op as a square, on the given ax when there is one."""
def assert_shapes_drawn(G, drawn, what):
    counts = _shapes_drawn(drawn)
    plt.close("all")
    n_variables = sum(kind == "variable" for _, kind in G.nodes(data="kind"))
    assert_true(counts["o"] == n_variables and counts["s"] == len(G) - n_variables,
                f"draw_graph: {counts['o']} circles, {counts['s']} squares for {n_variables} variables, "
                f"{len(G) - n_variables} ops\n  ({what}): one circle per variable (node_shape='o'), "
                "one square per op (node_shape='s')")


plt.close("all")
assert_shapes_drawn(build_linear_graph(), _draw(build_linear_graph()), "the worked example")
_fig, _ax = plt.subplots()
_draw(build_linear_graph(), ax=_ax)
assert_shapes_drawn(build_linear_graph(), _fig, "the worked example, on a given ax")
### BEGIN HIDDEN TESTS
_G = nx.DiGraph()
for _name, _value in (("a", None), ("b", None), ("two", 2.0)):
    add_variable(_G, _name, _value)
add_op(_G, "m", "mul", ["a", "b"], "z1")
add_op(_G, "e", "exp", ["z1"], "z2")
add_op(_G, "d", "div", ["z2", "two"], "z3")
add_op(_G, "s", "sub", ["z3", "a"], "y")
_fig, _ax = plt.subplots()
_draw(_G, ax=_ax)
assert_shapes_drawn(_G, _fig, "a graph of 4 ops, on a given ax")
_G = build_linear_graph()
nx.set_node_attributes(_G, {"w1": 2.0, "x1": 3.0, "b1": 1.0, "z1": 6.0, "g": 7.0}, "value")
assert_shapes_drawn(_G, _draw(_G), "a graph whose variables all have values")
### END HIDDEN TESTS

# %% tags=["tests"] id="test_draw_graph_labels" points=1
"""draw_graph labels each variable with its name (and value, when it has one) and each op with its symbol."""
plt.close("all")
_G = build_linear_graph()
nx.set_node_attributes(_G, {"w1": 1.5, "x1": -2.0, "b1": 0.25, "z1": -3.0, "g": -2.75}, "value")
_texts = _texts_drawn(_draw(_G))
plt.close("all")
for _node, _data in _G.nodes(data=True):
    if _data["kind"] == "op":
        assert_true(any(OPS[_data["op"]]["symbol"] in t or _data["op"] in t for t in _texts),
                    f"draw_graph: no label shows the op of node {_node!r}\n  (write its symbol "
                    f"{OPS[_data['op']]['symbol']!r}); texts drawn: {_texts}")
    else:
        assert_true(any(_node in t for t in _texts), f"draw_graph: no label shows the variable {_node!r}\n"
                                                     f"  texts drawn: {_texts}")
        assert_true(any(abs(n - _data["value"]) <= 0.01 for n in _numbers_in(_texts)),
                    f"draw_graph: the value {_data['value']} of {_node!r} is in no label\n  texts drawn: {_texts}")
### BEGIN HIDDEN TESTS
_G = nx.DiGraph()
add_variable(_G, "a")
add_variable(_G, "k", 0.5)
for _i, (_op, _operands) in enumerate((("neg", ["a"]), ("exp", ["z1"]), ("div", ["z2", "k"]), ("sub", ["z3", "a"]),
                                        ("add", ["z4", "k"])), start=1):
    add_op(_G, f"n{_i}", _op, _operands, f"z{_i}")
_texts = _texts_drawn(_draw(_G))
plt.close("all")
for _node, _data in _G.nodes(data=True):
    _wanted = (OPS[_data["op"]]["symbol"], _data["op"]) if _data["kind"] == "op" else (_node,)
    assert_true(any(w in t for w in _wanted for t in _texts),
                f"draw_graph: no label shows {' or '.join(map(repr, _wanted))}\n  (node {_node!r} of a graph of "
                f"neg, exp, div, sub and add)")
assert_true(any(abs(n - 0.5) <= 0.01 for n in _numbers_in(_texts)),
            "draw_graph: the constant k = 0.5 is drawn without its value")
### END HIDDEN TESTS

# %% tags=["tests"] id="test_draw_graph_edges" points=1
"""draw_graph draws an arrow (or a line) for each edge of the graph."""
plt.close("all")
_edges = _edges_drawn(_draw(build_linear_graph()))
plt.close("all")
assert_true(_edges >= 6, f"draw_graph: {_edges} arrows or lines for the 6 edges of the worked example\n"
                         "  draw the edges too (nx.draw_networkx_edges)")
### BEGIN HIDDEN TESTS
_G = nx.DiGraph()
for _name, _value in (("a", None), ("b", None), ("c", 3.0)):
    add_variable(_G, _name, _value)
add_op(_G, "p", "mul", ["a", "b"], "z1")
add_op(_G, "q", "add", ["z1", "c"], "z2")
add_op(_G, "r", "exp", ["z2"], "z3")
add_op(_G, "s", "div", ["z3", "a"], "y")
_edges = _edges_drawn(_draw(_G))
plt.close("all")
assert_true(_edges >= _G.number_of_edges(),
            f"draw_graph: {_edges} arrows or lines for a graph of {_G.number_of_edges()} edges")
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
_G = call(build_sigmoid_graph)
assert_type(_G, nx.DiGraph, name="build_sigmoid_graph()")
assert_true("f" in _G, "the sigmoid graph has no output variable 'f'")
note_hidden_tests()
### BEGIN HIDDEN TESTS
assert_graph(_G, inputs=["w0", "x0", "w1", "x1", "w2"], sink="f")


def _evaluate_in_torch(G, inputs):
    """Every variable of G as a float64 tensor, in topological order."""
    _ops = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div, "neg": torch.neg, "exp": torch.exp}
    t = {}
    for node in nx.topological_sort(G):
        data = G.nodes[node]
        if data["kind"] == "op":
            (out,) = G.successors(node)
            t[out] = _ops[data["op"]](*(t[a] for a, _, _ in sorted(G.in_edges(node, data="arg"), key=lambda e: e[2])))
        elif G.in_degree(node) == 0:
            t[node] = torch.tensor(float(data["value"] if "value" in data else inputs[node]), dtype=torch.float64)
    return t


_rng = np.random.default_rng(0)
for _trial in range(6):
    _v = {name: float(x) for name, x in zip(["w0", "x0", "w1", "x1", "w2"], _rng.normal(scale=1.5, size=5))}
    _reference = torch.sigmoid(torch.tensor(_v["w0"] * _v["x0"] + _v["w1"] * _v["x1"] + _v["w2"], dtype=torch.float64))
    assert_close(_evaluate_in_torch(_G, _v)["f"], _reference, name="f of your sigmoid graph", inputs=_v,
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

# %% [markdown]
# The tests from here on compare your functions with PyTorch on small graphs, built with the helpers
# below: `TorchGraph` builds a graph in this lab's conventions and, step by step, the same computation
# in torch, which then gives the value and the gradient of every variable. You may use them to test
# your code on graphs of your own.

# %% tags=["readonly"] id="graph_checks"
TORCH_OPS = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div, "neg": torch.neg, "exp": torch.exp}


class TorchGraph:
    """A graph G in this lab's conventions and the same function in torch (float64), built together.

    g = TorchGraph({"x": 1.5}, {"c": 2.0}); g("mul", "x", "c", out="y") adds y = x * c to both.
    g.values() and g.grads(sink) give every variable's value and d(sink)/d(variable), by torch.
    """

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
        self.t[out] = TORCH_OPS[op](*(self.t[a] for a in operands))
        self.t[out].retain_grad()
        return out

    def values(self):
        return {name: tensor.item() for name, tensor in self.t.items()}

    def grads(self, sink):
        self.t[sink].backward()
        return {name: 0.0 if tensor.grad is None else tensor.grad.item() for name, tensor in self.t.items()}


def shuffled_graph(G, seed):
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


def all_ops_graph(a, b):
    """out = (exp(-a) * b - a) / (a + 2) with the constant 2: every op of OPS once."""
    g = TorchGraph({"a": a, "b": b}, {"two": 2.0})
    g("div", g("sub", g("mul", g("exp", g("neg", "a")), "b"), "a"), g("add", "a", "two"), out="out")
    return g, "out"


def fanout_graph(x, y):
    """A graph where x, y and an intermediate variable each feed several ops."""
    g = TorchGraph({"x": x, "y": y}, {"c": 0.5})
    z1, z2 = g("mul", "x", "y"), g("exp", "x")
    z4 = g("mul", g("sub", g("add", z1, z2), "y"), "x")
    g("div", z4, g("add", z2, "c"), out="out")
    return g, "out"


def diamond_graph(a):
    g = TorchGraph({"a": a})
    z1 = g("neg", "a")
    z2 = g("exp", z1)
    g("add", g("mul", z2, z1), z2, out="out")
    return g, "out"


def random_graph(seed, n_inputs=4, n_ops=12):
    """A random expression of all six ops, folded into one sink; bounded so nothing overflows."""
    rng = np.random.default_rng(seed)
    g = TorchGraph({f"x{i}": rng.uniform(-1.5, 1.5) for i in range(n_inputs)}, {"c": rng.uniform(0.5, 2.0)})
    pool = list(g.t)
    for _ in range(n_ops):
        op = str(rng.choice(list(TORCH_OPS)))
        if op in ("neg", "exp"):
            allowed = [v for v in pool if op == "neg" or abs(g.t[v].item()) < 2.5]
            pool.append(g(op, str(rng.choice(allowed))))
        else:
            a, b = (str(v) for v in rng.choice(pool, size=2, replace=False))
            if op == "div" and abs(g.t[b].item()) < 0.5:
                op = "mul"
            pool.append(g(op, a, b))
    dangling = [v for v in pool if g.G.out_degree(v) == 0]
    while len(dangling) > 1:
        dangling.append(g("add", dangling.pop(0), dangling.pop(0)))
    return g, dangling[0]


def check_values(G, inputs, reference, what):
    """evaluate_graph(G, inputs) gives every variable the reference value."""
    values = call(evaluate_graph, G, dict(inputs))
    assert_type(values, dict, name="evaluate_graph(G, values)")
    for node, kind in G.nodes(data="kind"):
        if kind == "variable":
            assert_true(node in values, f"evaluate_graph: no value for {node!r}\n  graph: {what}; "
                                        "return every variable, inputs and constants too")
            assert_close(values[node], reference[node], name=f"value of {node!r}", rtol=1e-6, atol=1e-9,
                         inputs={"graph": what})


def check_gradients(G, values, reference, what):
    """backward_graph(G, values) gives every variable the reference gradient."""
    grads = call(backward_graph, G, dict(values))
    assert_type(grads, dict, name="backward_graph(G, values)")
    for node, kind in G.nodes(data="kind"):
        if kind == "variable":
            assert_true(node in grads, f"backward_graph: no gradient for {node!r}\n  graph: {what}; "
                                       "return every variable, inputs and constants too")
            assert_close(grads[node], reference[node], name=f"d(sink)/d{node}", rtol=1e-6, atol=1e-9,
                         inputs={"graph": what})


def check_number(value, digest, name, tolerance=1e-3):
    """Fail unless value is within tolerance of the number whose value to 5 decimals hashes to digest
    (the right number is never shown)."""
    array = value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
    assert_true(isinstance(value, (int, float, np.number, np.ndarray, torch.Tensor)) and array.size == 1,
                f"{name} must be a number, got {type(value).__name__}")
    number = float(array.reshape(-1)[0])
    steps = int(round(tolerance / 1e-5))
    assert_true(any(hash_value(number + k * 1e-5, 5) == digest for k in range(-steps, steps + 1)),
                f"{name}: not within {tolerance:g} of the right value (yours: {number:.5g})")


# %% tags=["tests"] id="test_evaluate_graph_example" points=1
"""evaluate_graph: z1 = 6 and g = 7 on the worked example (nodes in any order), a - b = 3 (operands by arg), constants."""
_G = build_linear_graph()
_values = call(evaluate_graph, _G, {"w1": 2.0, "x1": 3.0, "b1": 1.0})
assert_type(_values, dict, name="evaluate_graph(G, values)")
for _node, _expected in {"w1": 2.0, "x1": 3.0, "b1": 1.0, "z1": 6.0, "g": 7.0}.items():
    assert_true(_node in _values, f"evaluate_graph: no value for {_node!r}: return every variable node")
    assert_close(_values[_node], _expected, name=f"value of {_node} (worked example)")
# The same graph with its nodes added last to first: visit them in topological order.
_values = call(evaluate_graph, shuffled_graph(_G, 0), {"w1": 2.0, "x1": 3.0, "b1": 1.0})
assert_true(isinstance(_values, dict) and "g" in _values, "evaluate_graph: no value for 'g'")
assert_close(_values["g"], 7.0, name="g, nodes added in another order")
# d = a - b, with the edge from b added first: use the `arg` of the edges, not the order of predecessors.
_D = nx.DiGraph()
add_variable(_D, "b")
add_variable(_D, "a")
_D.add_node("sub1", kind="op", op="sub")
_D.add_edge("b", "sub1", arg=1)
_D.add_edge("a", "sub1", arg=0)
add_variable(_D, "d")
_D.add_edge("sub1", "d")
_values = call(evaluate_graph, _D, {"a": 5.0, "b": 2.0})
assert_true(isinstance(_values, dict) and "d" in _values, "evaluate_graph: no value for 'd'")
assert_close(_values["d"], 3.0, name="d = a - b (operands by arg)")
# y = 3 * x with the constant 3, evaluated for x = 1 and then x = 2 (values from the arguments, not stored in G).
_C = nx.DiGraph()
add_variable(_C, "x")
add_variable(_C, "three", 3.0)
add_op(_C, "m", "mul", ["three", "x"], "y")
for _x in (1.0, 2.0):
    _values = call(evaluate_graph, _C, {"x": _x})
    assert_true(isinstance(_values, dict) and "y" in _values and "three" in _values,
                "evaluate_graph: return the value of every variable, the constant 'three' included")
    assert_close(_values["y"], 3 * _x, name=f"y = 3 x for x = {_x:g}")
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(1)
for _trial in range(3):
    _w1, _x1, _b1 = (float(v) for v in _rng.normal(size=3))
    _values = call(evaluate_graph, build_linear_graph(), {"w1": _w1, "x1": _x1, "b1": _b1})
    assert_close(_values["g"], _w1 * _x1 + _b1, name="g = w1 x1 + b1", inputs={"w1": _w1, "x1": _x1, "b1": _b1})
### END HIDDEN TESTS

# %% tags=["tests"] id="test_evaluate_graph_ops" points=1
"""evaluate_graph agrees with torch on each op, and on graphs with constants and reused variables."""
_g, _ = all_ops_graph(0.7, -1.3)
check_values(_g.G, _g.inputs, _g.values(), "out = (exp(-a) b - a) / (a + 2)")
### BEGIN HIDDEN TESTS
def _sigmoid_graph(w0, x0, w1, x1, w2):
    g = TorchGraph({"w0": w0, "x0": x0, "w1": w1, "x1": x1, "w2": w2}, {"one": 1.0})
    s = g("add", g("add", g("mul", "w0", "x0"), g("mul", "w1", "x1")), "w2")
    g("div", "one", g("add", "one", g("exp", g("neg", s))), out="f")
    return g, "f"


_rng = np.random.default_rng(2)
for _op, _arity in (("add", 2), ("sub", 2), ("mul", 2), ("div", 2), ("neg", 1), ("exp", 1)):
    for _trial in range(2):
        _g = TorchGraph({"a": _rng.uniform(-2, 2), "b": _rng.choice([-1, 1]) * _rng.uniform(0.5, 2)})
        _g(_op, *["a", "b"][:_arity], out="y")
        if _arity == 1:
            _g("add", "y", "b", out="out")
        check_values(_g.G, _g.inputs, _g.values(), f"a graph with one '{_op}'")
for _make, _n in ((_sigmoid_graph, 5), (fanout_graph, 2), (diamond_graph, 1)):
    for _trial in range(3):
        _g, _ = _make(*_rng.uniform(-1.5, 1.5, size=_n))
        check_values(_g.G, _g.inputs, _g.values(), f"the test graph {_make.__name__.lstrip('_')}")
    # The same graph again with other inputs: evaluate_graph must not leave stale values in G.
    _other, _ = _make(*_rng.uniform(-1.5, 1.5, size=_n))
    check_values(_g.G, _other.inputs, _other.values(), f"{_make.__name__.lstrip('_')}, evaluated again")
### END HIDDEN TESTS

# %% tags=["tests"] id="test_evaluate_graph_order" points=1
"""evaluate_graph works on graphs whose nodes were added in any order (it must visit them in topological order)."""
_g, _ = random_graph(0)
check_values(shuffled_graph(_g.G, 0), _g.inputs, _g.values(), "a random graph of 12 ops, nodes out of order")
### BEGIN HIDDEN TESTS
for _seed in range(1, 8):
    _g, _ = random_graph(_seed)
    check_values(shuffled_graph(_g.G, _seed), _g.inputs, _g.values(), f"a random graph (seed {_seed}), out of order")
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
f_value = np.exp(-(error_inputs["w1"] * error_inputs["x1"] + error_inputs["w2"] * error_inputs["x2"]))
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
_G = call(build_error_graph)
assert_graph(_G, inputs=["w1", "x1", "w2", "x2"], sink="e", names=["f"])
assert_true("f" in _G and _G.in_degree("f") == 1, "the network output must be an intermediate variable named 'f'")
### BEGIN HIDDEN TESTS
def _value_in_torch(G, node, inputs):
    """The value of one variable of G, computed recursively from its op's operands, as a float64 tensor."""
    data = G.nodes[node]
    if G.in_degree(node) == 0:
        return torch.tensor(float(data["value"] if "value" in data else inputs[node]), dtype=torch.float64)
    (op,) = G.predecessors(node)
    operands = [a for a, _, _ in sorted(G.in_edges(op, data="arg"), key=lambda e: e[2])]
    return TORCH_OPS[G.nodes[op]["op"]](*(_value_in_torch(G, a, inputs) for a in operands))


_rng = np.random.default_rng(3)
for _trial in range(5):
    _v = {name: float(x) for name, x in zip(["w1", "x1", "w2", "x2"], _rng.normal(size=4))}
    _f = torch.exp(-torch.tensor(_v["w1"] * _v["x1"] + _v["w2"] * _v["x2"], dtype=torch.float64))
    assert_close(_value_in_torch(_G, "f", _v), _f, name="f of your error graph", inputs=_v, rtol=1e-10)
    assert_close(_value_in_torch(_G, "e", _v), _f - 1.0, name="e of your error graph", inputs=_v,
                 rtol=1e-10, atol=1e-12)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_forward_values_numbers" points=1
"""f_value and e_value are numbers within 0.001 of the right values (compared through a hash)."""
check_number(f_value, "25143070a728ac50", name="f_value")
check_number(e_value, "5b72892f85c1068a", name="e_value")
### BEGIN HIDDEN TESTS
_w1, _x1, _w2, _x2 = (torch.tensor(v, dtype=torch.float64) for v in (0.1, 0.3, -0.2, 0.4))
_f = torch.exp(-(_w1 * _x1 + _w2 * _x2))
assert_close(f_value, _f, name="f_value", rtol=0, atol=1e-3)
assert_close(e_value, _f - 1.0, name="e_value", rtol=0, atol=1e-3)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Backpropagation by hand (2 points + 2 points)
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

# %% tags=["tests"] id="test_backprop_by_hand_values" points=2
"""de_df, de_dw1 and de_dw2 are within 0.001 of the derivatives at the point of exercise 3 (hashed)."""
check_number(de_df, "97ab0de63e899141", name="de_df")
check_number(de_dw1, "dbb8e9edebead33d", name="de_dw1")
check_number(de_dw2, "06ade3336829b27b", name="de_dw2")
### BEGIN HIDDEN TESTS
_w1, _w2 = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (0.1, -0.2))
_f = torch.exp(-(_w1 * 0.3 + _w2 * 0.4))
_f.retain_grad()
(_f - 1.0).backward()
assert_close(de_df, _f.grad, name="de/df", rtol=0, atol=1e-3)
assert_close(de_dw1, _w1.grad, name="de/dw1", rtol=0, atol=1e-3)
assert_close(de_dw2, _w2.grad, name="de/dw2", rtol=0, atol=1e-3)
### END HIDDEN TESTS

# %% [markdown]
# Show your derivation: each local derivative along the path from e to w1 (and w2), and how they
# combine into the numbers above.

# %% [markdown] tags=["manual"] id="backprop_derivation" points=2
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
# ## 5. Backpropagation by code (6 points + 1 point)
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
_grads = call(backward_graph, build_linear_graph(), {"w1": 2.0, "x1": 3.0, "b1": 1.0, "z1": 6.0, "g": 7.0})
assert_type(_grads, dict, name="backward_graph(G, values)")
for _node, _expected in {"w1": 3.0, "x1": 2.0, "b1": 1.0, "z1": 1.0, "g": 1.0}.items():
    assert_true(_node in _grads, f"backward_graph: no gradient for {_node!r}: return every variable node")
    assert_close(_grads[_node], _expected, name=f"dg/d{_node} (worked example)")
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(4)
for _trial in range(3):
    _g = TorchGraph(dict(zip(["w1", "x1", "b1"], _rng.normal(size=3))))
    _g("add", _g("mul", "w1", "x1", out="z1"), "b1", out="g")
    check_gradients(_g.G, _g.values(), _g.grads("g"), "the worked example")
### END HIDDEN TESTS

# %% tags=["tests"] id="test_backward_graph_ops" points=2
"""backward_graph has the right local derivative for each op (compared with torch autograd)."""
_g, _sink = all_ops_graph(0.7, -1.3)
check_gradients(_g.G, _g.values(), _g.grads(_sink), "out = (exp(-a) b - a) / (a + 2)")
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(5)
for _op, _arity in (("add", 2), ("sub", 2), ("mul", 2), ("div", 2), ("neg", 1), ("exp", 1)):
    for _trial in range(2):
        _inputs = {"a": _rng.uniform(-2, 2), "b": _rng.choice([-1, 1]) * _rng.uniform(0.5, 2)}
        _g = TorchGraph(dict(list(_inputs.items())[:_arity]), {"c": round(_rng.uniform(1.5, 3), 2)})
        _y = _g(_op, *["a", "b"][:_arity], out="y")
        _g("mul", _y, "c", out="out")  # an upstream gradient different from 1
        _reference = _g.grads("out")
        _what = f"out = {_op}(a{', b' * (_arity == 2)}) * c"
        check_gradients(_g.G, _g.values(), _reference, _what)
        check_gradients(shuffled_graph(_g.G, _trial), _g.values(), _reference, _what + ", nodes out of order")
### END HIDDEN TESTS

# %% tags=["tests"] id="test_backward_graph_fanout" points=2
"""backward_graph adds up the gradients of a variable used by several ops."""
_g, _sink = fanout_graph(0.4, -1.1)
check_gradients(_g.G, _g.values(), _g.grads(_sink), "a graph where x, y and z2 feed several ops")
### BEGIN HIDDEN TESTS
def _error_graph(w1, x1, w2, x2):
    g = TorchGraph({"w1": w1, "x1": x1, "w2": w2, "x2": x2}, {"f_star": 1.0})
    g("exp", g("neg", g("add", g("mul", "w1", "x1"), g("mul", "w2", "x2"))), out="f")
    g("sub", "f", "f_star", out="e")
    return g, "e"


_rng = np.random.default_rng(6)
for _make, _n in ((fanout_graph, 2), (diamond_graph, 1), (_error_graph, 4)):
    for _trial in range(3):
        _g, _sink = _make(*_rng.uniform(-1.5, 1.5, size=_n))
        check_gradients(_g.G, _g.values(), _g.grads(_sink), f"the test graph {_make.__name__.lstrip('_')}")
### END HIDDEN TESTS

# %% tags=["tests"] id="test_backward_graph_random" points=1
"""backward_graph agrees with torch autograd on random graphs whose nodes were added in any order."""
_g, _sink = random_graph(10)
check_gradients(shuffled_graph(_g.G, 10), _g.values(), _g.grads(_sink), "a random graph of 12 ops, out of order")
### BEGIN HIDDEN TESTS
for _seed in range(11, 18):
    _g, _sink = random_graph(_seed)
    check_gradients(shuffled_graph(_g.G, _seed), _g.values(), _g.grads(_sink),
                    f"a random graph (seed {_seed}), nodes out of order")
### END HIDDEN TESTS

# %% [markdown]
# In the sigmoid graph, the constant 1 is used twice, and in a neural network the activation of a
# hidden neuron feeds every neuron of the next layer (and one weight is used for every example of a
# batch, every position of a convolution, every time step of a recurrent network). Why must the
# gradients reaching such a variable be **added**, and what goes wrong if the backward pass
# overwrites them?

# %% [markdown] tags=["manual"] id="fanout_question" points=1
# If a variable v feeds several ops, the sink depends on v through each of them: y = F(g1(v), g2(v), ...).
# The multivariable chain rule gives ∂y/∂v = Σₖ ∂y/∂gₖ · ∂gₖ/∂v: one term per path, summed. (A small
# change of v moves every gₖ at once, and their effects on y add up.) Overwriting keeps only the last
# path visited, so the gradient is wrong (and depends on the visiting order). In a network, a hidden
# activation would get the gradient from one neuron of the next layer instead of all of them, and a
# weight shared over a batch (or over the positions of a convolution, the steps of a recurrent network)
# would get one example's gradient instead of their sum: gradient descent would follow a wrong direction.

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
"""error_grads_torch returns two gradients that agree with finite differences of e, here and at other points."""
def _e(w1, x1, w2, x2, f_star):
    return np.exp(-(w1 * x1 + w2 * x2)) - f_star


_point, _h = (0.7, -0.5, 0.2, 1.1, 1.0), 1e-6
_grads = call(error_grads_torch, *_point)
assert_true(isinstance(_grads, (tuple, list)) and len(_grads) == 2,
            f"error_grads_torch must return two gradients (de_dw1, de_dw2), got {type(_grads).__name__}")
for _i, (_name, _grad) in enumerate(zip(("de_dw1", "de_dw2"), _grads)):
    assert_true(_grad is not None, f"error_grads_torch: {_name} is None: read .grad after calling e.backward()")
    _up, _down = list(_point), list(_point)
    _up[2 * _i] += _h
    _down[2 * _i] -= _h
    assert_close(_grad, (_e(*_up) - _e(*_down)) / (2 * _h), name=_name, rtol=1e-5,
                 inputs={"w1": 0.7, "x1": -0.5, "w2": 0.2, "x2": 1.1, "f_star": 1.0})
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(8)
_points = [(0.1, 0.3, -0.2, 0.4, 1.0)] + [tuple(_rng.normal(size=4)) + (float(_rng.uniform(-1, 2)),) for _ in range(4)]
for _w1, _x1, _w2, _x2, _f_star in _points:
    _w1, _x1, _w2, _x2, _f_star = (float(v) for v in (_w1, _x1, _w2, _x2, _f_star))
    _f = np.exp(-(_w1 * _x1 + _w2 * _x2))  # de/dw = de/df * df/du * du/dw = 1 * (-f) * x
    _got = call(error_grads_torch, _w1, _x1, _w2, _x2, _f_star)
    _inputs = {"w1": _w1, "x1": _x1, "w2": _w2, "x2": _x2, "f_star": _f_star}
    assert_close(_got[0], -_x1 * _f, name="de/dw1", inputs=_inputs, rtol=1e-5, atol=1e-8)
    assert_close(_got[1], -_x2 * _f, name="de/dw2", inputs=_inputs, rtol=1e-5, atol=1e-8)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_error_grads_torch_autograd" points=1
"""error_grads_torch gets its gradients from autograd (w1, w2 leaves that require grad, then e.backward())."""
_got = call(error_grads_torch, 0.7, -0.5, 0.2, 1.1, 1.0)
assert_true(isinstance(_got, (tuple, list)) and len(_got) == 2,
            f"error_grads_torch must return two gradients, got {type(_got).__name__}")
# each must be a gradient autograd produced while error_grads_torch ran (a .grad), not a derivative by hand
assert_from_autograd(_got[0], name="de_dw1")
assert_from_autograd(_got[1], name="de_dw2")
### BEGIN HIDDEN TESTS
_f = np.exp(-(0.7 * -0.5 + 0.2 * 1.1))
assert_close(_got[0], 0.5 * _f, name="de/dw1", rtol=1e-5, inputs={"w1": 0.7, "x1": -0.5, "w2": 0.2, "x2": 1.1})
assert_close(_got[1], -1.1 * _f, name="de/dw2", rtol=1e-5, inputs={"w1": 0.7, "x1": -0.5, "w2": 0.2, "x2": 1.1})
### END HIDDEN TESTS

# %% [markdown]
# ## Wrap-up
#
# You have built the two halves of every deep-learning framework: a forward pass that evaluates a
# graph in topological order, and a backward pass that sends gradients back in reverse order, adding
# them up where a variable is used several times. PyTorch records the same graph while your code runs
# (each tensor's `grad_fn`) and `backward()` walks it just as your `backward_graph` does. In Lab 3 you
# will use this to train multi-layer networks.
