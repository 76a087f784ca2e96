# %% [markdown]
# Known-wrong answers to Lab 2: each replaces the solution cell named by `exercise`, exactly as a
# student's cell would, and must lose points on that exercise (tests/test_labs.py).

# %% exercise="draw_graph" mistake="nx.draw with the defaults: every node a circle"
def draw_graph(G, ax=None):
    if ax is None:
        _, ax = plt.subplots()
    nx.draw(G, ax=ax, with_labels=True, node_color="lightblue")
    ax.set_title("Computational graph")
    return ax

# %% exercise="draw_graph" mistake="shapes swapped: variables as squares, ops as circles"
def draw_graph(G, ax=None):
    if ax is None:
        _, ax = plt.subplots()
    pos = nx.spring_layout(G, seed=0)
    variables = [n for n, k in G.nodes(data="kind") if k == "variable"]
    ops = [n for n, k in G.nodes(data="kind") if k == "op"]
    nx.draw_networkx_nodes(G, pos, nodelist=variables, node_shape="s", ax=ax)
    nx.draw_networkx_nodes(G, pos, nodelist=ops, node_shape="o", ax=ax)
    nx.draw_networkx_edges(G, pos, ax=ax)
    nx.draw_networkx_labels(G, pos, ax=ax)
    ax.set_title("Computational graph")
    return ax

# %% exercise="draw_graph" mistake="only the circles and squares: no labels, no values, no arrows"
def draw_graph(G, ax=None):
    if ax is None:
        _, ax = plt.subplots()
    pos = nx.spring_layout(G, seed=0)
    variables = [n for n, k in G.nodes(data="kind") if k == "variable"]
    ops = [n for n, k in G.nodes(data="kind") if k == "op"]
    nx.draw_networkx_nodes(G, pos, nodelist=variables, node_shape="o", ax=ax)
    nx.draw_networkx_nodes(G, pos, nodelist=ops, node_shape="s", ax=ax)
    ax.set_title("Computational graph")
    return ax

# %% exercise="draw_graph" mistake="networkx's default labels: ops show their node names (not their operation), no values"
def draw_graph(G, ax=None):
    if ax is None:
        _, ax = plt.subplots()
    pos = nx.spring_layout(G, seed=0)
    variables = [n for n, k in G.nodes(data="kind") if k == "variable"]
    ops = [n for n, k in G.nodes(data="kind") if k == "op"]
    nx.draw_networkx_nodes(G, pos, nodelist=variables, node_shape="o", ax=ax)
    nx.draw_networkx_nodes(G, pos, nodelist=ops, node_shape="s", ax=ax)
    nx.draw_networkx_edges(G, pos, ax=ax)
    nx.draw_networkx_labels(G, pos, ax=ax)
    ax.set_title("Computational graph")
    return ax

# %% exercise="draw_graph" mistake="labels with values, but no edges drawn"
def draw_graph(G, ax=None):
    if ax is None:
        _, ax = plt.subplots()
    pos = nx.spring_layout(G, seed=0)
    variables = [n for n, k in G.nodes(data="kind") if k == "variable"]
    ops = [n for n, k in G.nodes(data="kind") if k == "op"]
    nx.draw_networkx_nodes(G, pos, nodelist=variables, node_shape="o", ax=ax)
    nx.draw_networkx_nodes(G, pos, nodelist=ops, node_shape="s", ax=ax)
    labels = {n: OPS[d["op"]]["symbol"] if d["kind"] == "op" else f"{n}\n{d.get('value', '')}" for n, d in G.nodes(data=True)}
    nx.draw_networkx_labels(G, pos, labels, ax=ax)
    ax.set_title("Computational graph")
    return ax

# %% exercise="draw_graph" mistake="ignores ax: always draws on a new figure"
def draw_graph(G, ax=None):
    fig, ax = plt.subplots()
    pos = nx.spring_layout(G, seed=0)
    variables = [n for n, k in G.nodes(data="kind") if k == "variable"]
    ops = [n for n, k in G.nodes(data="kind") if k == "op"]
    nx.draw_networkx_nodes(G, pos, nodelist=variables, node_shape="o", ax=ax)
    nx.draw_networkx_nodes(G, pos, nodelist=ops, node_shape="s", ax=ax)
    nx.draw_networkx_edges(G, pos, ax=ax)
    ax.set_title("Computational graph")
    return ax

# %% exercise="build_sigmoid_graph" mistake="forgets the bias w2"
def build_sigmoid_graph():
    G = nx.DiGraph()
    for name in ("w0", "x0", "w1", "x1"):
        add_variable(G, name)
    add_variable(G, "one", 1.0)
    add_op(G, "mul1", "mul", ["w0", "x0"], "z1")
    add_op(G, "mul2", "mul", ["w1", "x1"], "z2")
    add_op(G, "add1", "add", ["z1", "z2"], "z3")
    add_op(G, "neg1", "neg", ["z3"], "z4")
    add_op(G, "exp1", "exp", ["z4"], "z5")
    add_op(G, "add2", "add", ["one", "z5"], "z6")
    add_op(G, "div1", "div", ["one", "z6"], "f")
    return G

# %% exercise="build_sigmoid_graph" mistake="edges reversed (from the output back to the inputs)"
def build_sigmoid_graph():
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
    return G.reverse()

# %% exercise="build_sigmoid_graph" mistake="forgets the minus sign: exp(+z)"
def build_sigmoid_graph():
    G = nx.DiGraph()
    for name in ("w0", "x0", "w1", "x1", "w2"):
        add_variable(G, name)
    add_variable(G, "one", 1.0)
    add_op(G, "mul1", "mul", ["w0", "x0"], "z1")
    add_op(G, "mul2", "mul", ["w1", "x1"], "z2")
    add_op(G, "add1", "add", ["z1", "z2"], "z3")
    add_op(G, "add2", "add", ["z3", "w2"], "z4")
    add_op(G, "exp1", "exp", ["z4"], "z5")
    add_op(G, "add3", "add", ["one", "z5"], "z6")
    add_op(G, "div1", "div", ["one", "z6"], "f")
    return G

# %% exercise="build_sigmoid_graph" mistake="div operands in the wrong order: (1 + exp(-z)) / 1"
def build_sigmoid_graph():
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
    add_op(G, "div1", "div", ["z7", "one"], "f")
    return G

# %% exercise="build_sigmoid_graph" mistake="ops as edge labels: edges join variables directly"
def build_sigmoid_graph():
    G = nx.DiGraph()
    for name in ("w0", "x0", "w1", "x1", "w2", "z1", "z2", "z3", "z4", "z5", "z6", "z7", "f"):
        add_variable(G, name)
    add_variable(G, "one", 1.0)
    for a, b, op in (("w0", "z1", "mul"), ("x0", "z1", "mul"), ("w1", "z2", "mul"), ("x1", "z2", "mul"),
                     ("z1", "z3", "add"), ("z2", "z3", "add"), ("z3", "z4", "add"), ("w2", "z4", "add"),
                     ("z4", "z5", "neg"), ("z5", "z6", "exp"), ("one", "z7", "add"), ("z6", "z7", "add"),
                     ("one", "f", "div"), ("z7", "f", "div")):
        G.add_edge(a, b, op=op)
    return G

# %% exercise="build_sigmoid_graph" mistake="op nodes without the op attribute (the op is only in the name)"
def build_sigmoid_graph():
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
    for node, kind in G.nodes(data="kind"):
        if kind == "op":
            del G.nodes[node]["op"]
    return G

# %% exercise="evaluate_graph" mistake="visits nodes in insertion order instead of topological order"
def evaluate_graph(G, values):
    result = {}
    for node in G.nodes:
        data = G.nodes[node]
        if data["kind"] == "op":
            operands = [a for a, _, _ in sorted(G.in_edges(node, data="arg"), key=lambda edge: edge[2])]
            (output,) = G.successors(node)
            result[output] = OPS[data["op"]]["forward"](*(result[a] for a in operands))
        elif G.in_degree(node) == 0:
            result[node] = data["value"] if "value" in data else values[node]
    return result

# %% exercise="evaluate_graph" mistake="ignores arg: operands in the order of G.predecessors"
def evaluate_graph(G, values):
    result = {}
    for node in nx.topological_sort(G):
        data = G.nodes[node]
        if data["kind"] == "op":
            (output,) = G.successors(node)
            result[output] = OPS[data["op"]]["forward"](*(result[a] for a in G.predecessors(node)))
        elif G.in_degree(node) == 0:
            result[node] = data["value"] if "value" in data else values[node]
    return result

# %% exercise="evaluate_graph" mistake="returns only the computed variables, not the inputs and constants"
def evaluate_graph(G, values):
    known = dict(values)
    result = {}
    for node in nx.topological_sort(G):
        data = G.nodes[node]
        if data["kind"] == "op":
            operands = [a for a, _, _ in sorted(G.in_edges(node, data="arg"), key=lambda edge: edge[2])]
            (output,) = G.successors(node)
            result[output] = known[output] = OPS[data["op"]]["forward"](*(known[a] for a in operands))
        elif "value" in data:
            known[node] = data["value"]
    return result

# %% exercise="evaluate_graph" mistake="treats constants as inputs (KeyError on the constant 1)"
def evaluate_graph(G, values):
    result = dict(values)
    for node in nx.topological_sort(G):
        data = G.nodes[node]
        if data["kind"] == "op":
            operands = [a for a, _, _ in sorted(G.in_edges(node, data="arg"), key=lambda edge: edge[2])]
            (output,) = G.successors(node)
            result[output] = OPS[data["op"]]["forward"](*(result[a] for a in operands))
    return result

# %% exercise="build_error_graph" mistake="e = f* - f (sub operands swapped)"
def build_error_graph():
    G = nx.DiGraph()
    for name in ("w1", "x1", "w2", "x2"):
        add_variable(G, name)
    add_variable(G, "f_star", 1.0)
    add_op(G, "mul1", "mul", ["w1", "x1"], "z1")
    add_op(G, "mul2", "mul", ["w2", "x2"], "z2")
    add_op(G, "add1", "add", ["z1", "z2"], "z3")
    add_op(G, "neg1", "neg", ["z3"], "z4")
    add_op(G, "exp1", "exp", ["z4"], "f")
    add_op(G, "sub1", "sub", ["f_star", "f"], "e")
    return G

# %% exercise="build_error_graph" mistake="forgets the minus: f = exp(w1 x1 + w2 x2)"
def build_error_graph():
    G = nx.DiGraph()
    for name in ("w1", "x1", "w2", "x2"):
        add_variable(G, name)
    add_variable(G, "f_star", 1.0)
    add_op(G, "mul1", "mul", ["w1", "x1"], "z1")
    add_op(G, "mul2", "mul", ["w2", "x2"], "z2")
    add_op(G, "add1", "add", ["z1", "z2"], "z3")
    add_op(G, "exp1", "exp", ["z3"], "f")
    add_op(G, "sub1", "sub", ["f", "f_star"], "e")
    return G

# %% exercise="build_error_graph" mistake="the network output is not named f (z5)"
def build_error_graph():
    G = nx.DiGraph()
    for name in ("w1", "x1", "w2", "x2"):
        add_variable(G, name)
    add_variable(G, "f_star", 1.0)
    add_op(G, "mul1", "mul", ["w1", "x1"], "z1")
    add_op(G, "mul2", "mul", ["w2", "x2"], "z2")
    add_op(G, "add1", "add", ["z1", "z2"], "z3")
    add_op(G, "neg1", "neg", ["z3"], "z4")
    add_op(G, "exp1", "exp", ["z4"], "z5")
    add_op(G, "sub1", "sub", ["z5", "f_star"], "e")
    return G

# %% exercise="forward_values" mistake="sign slip: f = exp(w1 x1 + w2 x2)"
f_value = np.exp(0.1 * 0.3 + -0.2 * 0.4)
e_value = f_value - 1.0

# %% exercise="forward_values" mistake="error the other way round: e = f* - f"
f_value = np.exp(-(0.1 * 0.3 + -0.2 * 0.4))
e_value = 1.0 - f_value

# %% exercise="backprop_by_hand" mistake="de/dw1 = -x1 and de/dw2 = -x2: treats f as 1"
de_df = 1.0
de_dw1 = -0.3
de_dw2 = -0.4

# %% exercise="backprop_by_hand" mistake="drops the minus of exp(-u): de/dw = +x f"
de_df = 1.0
de_dw1 = 0.3 * np.exp(0.05)
de_dw2 = 0.4 * np.exp(0.05)

# %% exercise="backprop_by_hand" mistake="de/df given as the value of f"
de_df = np.exp(0.05)
de_dw1 = -0.3 * np.exp(0.05)
de_dw2 = -0.4 * np.exp(0.05)

# %% exercise="backward_graph" mistake="overwrites the gradient of a variable used twice instead of adding"
def backward_graph(G, values):
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
        local = {"add": [1.0, 1.0], "sub": [1.0, -1.0], "mul": x[::-1], "neg": [-1.0],
                 "exp": [values[output]]}.get(data["op"]) or [1.0 / x[1], -x[0] / x[1] ** 2]
        for operand, derivative in zip(operands, local):
            grads[operand] = grads[output] * derivative
    return grads

# %% exercise="backward_graph" mistake="wrong sign in the local derivative of exp: -exp(a)"
def backward_graph(G, values):
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
        local = {"add": [1.0, 1.0], "sub": [1.0, -1.0], "mul": x[::-1], "neg": [-1.0],
                 "exp": [-values[output]]}.get(data["op"]) or [1.0 / x[1], -x[0] / x[1] ** 2]
        for operand, derivative in zip(operands, local):
            grads[operand] += grads[output] * derivative
    return grads

# %% exercise="backward_graph" mistake="local derivative of neg taken as +1"
def backward_graph(G, values):
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
        local = {"add": [1.0, 1.0], "sub": [1.0, -1.0], "mul": x[::-1], "neg": [1.0],
                 "exp": [values[output]]}.get(data["op"]) or [1.0 / x[1], -x[0] / x[1] ** 2]
        for operand, derivative in zip(operands, local):
            grads[operand] += grads[output] * derivative
    return grads

# %% exercise="backward_graph" mistake="d(a/b)/db = -a/b (forgets the square)"
def backward_graph(G, values):
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
        local = {"add": [1.0, 1.0], "sub": [1.0, -1.0], "mul": x[::-1], "neg": [-1.0],
                 "exp": [values[output]]}.get(data["op"]) or [1.0 / x[1], -x[0] / x[1]]
        for operand, derivative in zip(operands, local):
            grads[operand] += grads[output] * derivative
    return grads

# %% exercise="backward_graph" mistake="local derivative of exp taken as the operand's value"
def backward_graph(G, values):
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
        local = {"add": [1.0, 1.0], "sub": [1.0, -1.0], "mul": x[::-1], "neg": [-1.0],
                 "exp": [x[0]]}.get(data["op"]) or [1.0 / x[1], -x[0] / x[1] ** 2]
        for operand, derivative in zip(operands, local):
            grads[operand] += grads[output] * derivative
    return grads

# %% exercise="backward_graph" mistake="forgets the upstream gradient: adds only the local derivatives"
def backward_graph(G, values):
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
        local = {"add": [1.0, 1.0], "sub": [1.0, -1.0], "mul": x[::-1], "neg": [-1.0],
                 "exp": [values[output]]}.get(data["op"]) or [1.0 / x[1], -x[0] / x[1] ** 2]
        for operand, derivative in zip(operands, local):
            grads[operand] += derivative
    return grads

# %% exercise="backward_graph" mistake="walks the nodes in reverse insertion order, not reverse topological order"
def backward_graph(G, values):
    sink = next(node for node in G if G.out_degree(node) == 0)
    grads = {node: 0.0 for node, kind in G.nodes(data="kind") if kind == "variable"}
    grads[sink] = 1.0
    for node in reversed(list(G.nodes)):
        data = G.nodes[node]
        if data["kind"] != "op":
            continue
        operands = [a for a, _, _ in sorted(G.in_edges(node, data="arg"), key=lambda edge: edge[2])]
        (output,) = G.successors(node)
        x = [values[a] for a in operands]
        local = {"add": [1.0, 1.0], "sub": [1.0, -1.0], "mul": x[::-1], "neg": [-1.0],
                 "exp": [values[output]]}.get(data["op"]) or [1.0 / x[1], -x[0] / x[1] ** 2]
        for operand, derivative in zip(operands, local):
            grads[operand] += grads[output] * derivative
    return grads

# %% exercise="backward_graph" mistake="ignores arg: operands in the order of G.predecessors"
def backward_graph(G, values):
    sink = next(node for node in G if G.out_degree(node) == 0)
    grads = {node: 0.0 for node, kind in G.nodes(data="kind") if kind == "variable"}
    grads[sink] = 1.0
    for node in reversed(list(nx.topological_sort(G))):
        data = G.nodes[node]
        if data["kind"] != "op":
            continue
        operands = list(G.predecessors(node))
        (output,) = G.successors(node)
        x = [values[a] for a in operands]
        local = {"add": [1.0, 1.0], "sub": [1.0, -1.0], "mul": x[::-1], "neg": [-1.0],
                 "exp": [values[output]]}.get(data["op"]) or [1.0 / x[1], -x[0] / x[1] ** 2]
        for operand, derivative in zip(operands, local):
            grads[operand] += grads[output] * derivative
    return grads

# %% exercise="error_grads_torch" mistake="reads the grads before calling e.backward() (they are still None)"
def error_grads_torch(w1, x1, w2, x2, f_star=1.0):
    w1 = torch.tensor(w1, dtype=torch.float64, requires_grad=True)
    w2 = torch.tensor(w2, dtype=torch.float64, requires_grad=True)
    e = torch.exp(-(w1 * x1 + w2 * x2)) - f_star
    grads = (w1.grad, w2.grad)
    e.backward()
    return grads

# %% exercise="error_grads_torch" mistake="writes the derivative by hand instead of using autograd"
def error_grads_torch(w1, x1, w2, x2, f_star=1.0):
    f = torch.exp(-torch.tensor(w1 * x1 + w2 * x2, dtype=torch.float64))
    return -x1 * f, -x2 * f

# %% exercise="error_grads_torch" mistake="gradients with respect to the inputs x1, x2 instead of the weights"
def error_grads_torch(w1, x1, w2, x2, f_star=1.0):
    x1 = torch.tensor(x1, dtype=torch.float64, requires_grad=True)
    x2 = torch.tensor(x2, dtype=torch.float64, requires_grad=True)
    e = torch.exp(-(w1 * x1 + w2 * x2)) - f_star
    e.backward()
    return x1.grad, x2.grad

# %% exercise="error_grads_torch" mistake="backward on f = exp(u) without the minus sign"
def error_grads_torch(w1, x1, w2, x2, f_star=1.0):
    w1 = torch.tensor(w1, dtype=torch.float64, requires_grad=True)
    w2 = torch.tensor(w2, dtype=torch.float64, requires_grad=True)
    e = torch.exp(w1 * x1 + w2 * x2) - f_star
    e.backward()
    return w1.grad, w2.grad

# %% exercise="draw_graph" mistake="forgets to return the Axes"
def draw_graph(G, ax=None):
    if ax is None:
        _, ax = plt.subplots()
    pos = nx.spring_layout(G, seed=0)
    variables = [n for n, k in G.nodes(data="kind") if k == "variable"]
    ops = [n for n, k in G.nodes(data="kind") if k == "op"]
    nx.draw_networkx_nodes(G, pos, nodelist=variables, node_shape="o", ax=ax)
    nx.draw_networkx_nodes(G, pos, nodelist=ops, node_shape="s", ax=ax)
    nx.draw_networkx_edges(G, pos, ax=ax)
    ax.set_title("Computational graph")

# %% exercise="evaluate_graph" mistake="stores values as node attributes and reads them back (stale on a second call)"
def evaluate_graph(G, values):
    for node in nx.topological_sort(G):
        data = G.nodes[node]
        if data["kind"] == "op":
            operands = [a for a, _, _ in sorted(G.in_edges(node, data="arg"), key=lambda edge: edge[2])]
            (output,) = G.successors(node)
            G.nodes[output]["value"] = OPS[data["op"]]["forward"](*(G.nodes[a]["value"] for a in operands))
        elif G.in_degree(node) == 0 and "value" not in data:
            data["value"] = values[node]
    return {node: G.nodes[node]["value"] for node, kind in G.nodes(data="kind") if kind == "variable"}

# %% exercise="forward_values" mistake="only 2 decimals: 1.05 and 0.05"
f_value = 1.05
e_value = 0.05

# %% exercise="backward_graph" mistake="starts every gradient at 1 instead of 0"
def backward_graph(G, values):
    grads = {node: 1.0 for node, kind in G.nodes(data="kind") if kind == "variable"}
    for node in reversed(list(nx.topological_sort(G))):
        data = G.nodes[node]
        if data["kind"] != "op":
            continue
        operands = [a for a, _, _ in sorted(G.in_edges(node, data="arg"), key=lambda edge: edge[2])]
        (output,) = G.successors(node)
        x = [values[a] for a in operands]
        local = {"add": [1.0, 1.0], "sub": [1.0, -1.0], "mul": x[::-1], "neg": [-1.0],
                 "exp": [values[output]]}.get(data["op"]) or [1.0 / x[1], -x[0] / x[1] ** 2]
        for operand, derivative in zip(operands, local):
            grads[operand] += grads[output] * derivative
    return grads

# %% exercise="backward_graph" mistake="takes the last inserted node as the sink"
def backward_graph(G, values):
    sink = list(G.nodes)[-1]
    grads = {node: 0.0 for node, kind in G.nodes(data="kind") if kind == "variable"}
    grads[sink] = 1.0
    for node in reversed(list(nx.topological_sort(G))):
        data = G.nodes[node]
        if data["kind"] != "op":
            continue
        operands = [a for a, _, _ in sorted(G.in_edges(node, data="arg"), key=lambda edge: edge[2])]
        (output,) = G.successors(node)
        x = [values[a] for a in operands]
        local = {"add": [1.0, 1.0], "sub": [1.0, -1.0], "mul": x[::-1], "neg": [-1.0],
                 "exp": [values[output]]}.get(data["op"]) or [1.0 / x[1], -x[0] / x[1] ** 2]
        for operand, derivative in zip(operands, local):
            grads[operand] += grads[output] * derivative
    return grads

# %% exercise="build_sigmoid_graph" mistake="one 'sigmoid' op node instead of elementary ops"
def build_sigmoid_graph():
    G = nx.DiGraph()
    for name in ("w0", "x0", "w1", "x1", "w2"):
        add_variable(G, name)
    add_op(G, "mul1", "mul", ["w0", "x0"], "z1")
    add_op(G, "mul2", "mul", ["w1", "x1"], "z2")
    add_op(G, "add1", "add", ["z1", "z2"], "z3")
    add_op(G, "add2", "add", ["z3", "w2"], "z4")
    add_op(G, "sigmoid1", "sigmoid", ["z4"], "f")
    return G
