# %% [markdown]
# # Lab 1 — Network fundamentals and PyTorch tensors
#
# Welcome! This lab warms you up for the rest of the course.
#
# * **Part A** is about the anatomy of networks: how many weights a network has, what a convolutional
#   neuron computes, what pooling does. You work it out by hand first, then check with PyTorch.
# * **Part B** introduces PyTorch tensors and *autograd*, the machinery that computes gradients for us
#   in every later lab.
#
# **How this notebook works.** Write your code where it says `YOUR CODE HERE` (delete the
# `raise NotImplementedError()` line). Write your answers where it says `YOUR ANSWER HERE`.
# The cells that start with a docstring such as `"""count_weights gives ..."""` are tests: run them
# to check your work. They show one worked example; when grading, more tests run on other inputs,
# so make your code general rather than fitted to the example.
#
# Run the cells in order, from the top (*Runtime → Run all* in Colab, *Run → Run All Cells* in
# JupyterLab). Total: 27 points.

# %% tags=["readonly"] id="imports"
import numpy as np
import torch
import torch.nn.functional as F

from autograder.checks import (assert_close, assert_dtype, assert_equal, assert_from_autograd, assert_hashed,
                               assert_not_used, assert_shape, assert_true, assert_type, call, hash_value,
                               note_hidden_tests, substitute)

torch.set_printoptions(precision=4)
# The tensors of this lab are tiny: one thread avoids the cost of starting threads for every operation.
torch.set_num_threads(1)

# %% [markdown]
# ## Part A — Network fundamentals
#
# ### A1. Residual networks (1 point)
#
# What is the distinctive feature of a *residual* network (ResNet), compared with a plain deep
# feed-forward network? Answer in two or three sentences: say what a residual block computes and why
# that helps when training very deep networks.

# %% [markdown] tags=["manual"] id="residual_networks" points=1
# A residual block adds its input to its output through a *skip (shortcut) connection*:
# y = F(x) + x, so the layers only learn the residual F(x) = y − x. The identity path lets gradients
# flow straight back to early layers (no vanishing through many multiplications), and a block can
# easily represent the identity, so adding layers does not make training worse; this is what made
# networks with 100+ layers trainable.

# %% [markdown]
# ### A2. Counting weights (5 points + 1 point)
#
# A fully connected network is described by its layer sizes, `struct = [n0, n1, ..., nL]`:
# `n0` inputs, then `L` layers of neurons. Each neuron of layer `l` receives every output of layer
# `l − 1`, plus
#
# * a **bias** (one extra weight per neuron) when `bias=True`;
# * when `recurrent=True`, the previous outputs of **every neuron of its own layer** (fully connected
#   self-recurrence) — for *hidden* layers only, never for the output layer.
#
# We store the weights of layer `l` as one matrix with one row per neuron and the columns in the
# order **[inputs, recurrent, bias]**. For `struct = [2, 4, 1]` with biases and recurrence, the hidden
# layer has a `(4, 2 + 4 + 1) = (4, 7)` matrix and the output layer a `(1, 4 + 1) = (1, 5)` matrix:
# 28 + 5 = **33 weights**.
#
# Write `weight_shapes`, which lists the matrix shapes, and `count_weights`, which counts the weights.

# %% tags=["solution"] id="weight_shapes"
def weight_shapes(struct, bias=True, recurrent=False):
    """Shapes of the weight matrices of a fully connected network.

    Inputs:
    - struct: list of L + 1 layer sizes [n0, n1, ..., nL] (n0 inputs, nL outputs)
    - bias: whether every neuron has a bias weight
    - recurrent: whether hidden layers (not the output layer) are fully self-recurrent

    Returns:
    - a list of L tuples; tuple l is (n_l, columns), the columns ordered [inputs, recurrent, bias]
    """
    ### BEGIN SOLUTION
    shapes = []
    for layer in range(1, len(struct)):
        hidden = layer < len(struct) - 1
        columns = struct[layer - 1] + (struct[layer] if recurrent and hidden else 0) + (1 if bias else 0)
        shapes.append((struct[layer], columns))
    return shapes
    ### END SOLUTION

# %% tags=["tests"] id="test_weight_shapes_example" points=1
"""weight_shapes gives [(4, 7), (1, 5)] for the worked example, and torch's shapes without bias or recurrence."""
assert_equal(call(weight_shapes, [2, 4, 1], bias=True, recurrent=True), [(4, 7), (1, 5)], name="weight_shapes",
             inputs={"struct": [2, 4, 1], "bias": True, "recurrent": True})
_struct = [3, 5, 2]
assert_equal(call(weight_shapes, _struct, bias=False, recurrent=False),
             [tuple(torch.nn.Linear(a, b, bias=False).weight.shape) for a, b in zip(_struct[:-1], _struct[1:])],
             name="weight_shapes", inputs={"struct": _struct, "bias": False, "recurrent": False})

# %% tags=["tests"] id="test_weight_shapes_structures" points=2
"""weight_shapes matches the parameter shapes of an equivalent torch network, for other structures."""
note_hidden_tests()
### BEGIN HIDDEN TESTS
def _torch_weight_shapes(struct, bias, recurrent):
    shapes = []
    for layer, (n_in, n_out) in enumerate(zip(struct[:-1], struct[1:]), start=1):
        parts = [torch.nn.Linear(n_in, n_out, bias=bias)]
        if recurrent and layer < len(struct) - 1:
            parts.append(torch.nn.Linear(n_out, n_out, bias=False))
        columns = [p.weight for p in parts] + ([parts[0].bias[:, None]] if bias else [])
        shapes.append(tuple(torch.cat(columns, dim=1).shape))
    return shapes


for _struct in ([2, 4, 1], [3, 5, 2], [10, 20, 30, 4], [1, 1], [784, 100, 10], [4, 3, 3, 3, 2]):
    for _bias in (True, False):
        for _recurrent in (True, False):
            assert_equal(call(weight_shapes, list(_struct), bias=_bias, recurrent=_recurrent),
                         _torch_weight_shapes(_struct, _bias, _recurrent), name="weight_shapes",
                         inputs={"struct": _struct, "bias": _bias, "recurrent": _recurrent})
### END HIDDEN TESTS

# %% tags=["solution"] id="count_weights"
def count_weights(struct, bias=True, recurrent=False):
    """Number of weights of a fully connected network (same conventions as weight_shapes).

    Inputs:
    - struct: list of layer sizes [n0, n1, ..., nL]
    - bias: whether every neuron has a bias weight
    - recurrent: whether hidden layers are fully self-recurrent

    Returns:
    - the total number of weights, an int
    """
    ### BEGIN SOLUTION
    return int(sum(rows * columns for rows, columns in weight_shapes(struct, bias, recurrent)))
    ### END SOLUTION

# %% tags=["tests"] id="test_count_weights_example" points=1
"""count_weights gives 33 for the worked example, and torch's parameter count without bias or recurrence."""
# Where count_weights calls weight_shapes, it gets the right shapes for these two networks.
_shapes = {((2, 4, 1), True, True): [(4, 7), (1, 5)], ((3, 5, 2), False, False): [(5, 3), (2, 5)]}
with substitute({"weight_shapes": lambda struct, bias=True, recurrent=False: _shapes[tuple(struct), bias, recurrent]}):
    assert_equal(call(count_weights, [2, 4, 1], bias=True, recurrent=True), 33, name="count_weights",
                 inputs={"struct": [2, 4, 1], "bias": True, "recurrent": True})
    assert_equal(call(count_weights, [3, 5, 2], bias=False, recurrent=False),
                 sum(p.numel() for p in torch.nn.Sequential(torch.nn.Linear(3, 5, bias=False),
                                                             torch.nn.Linear(5, 2, bias=False)).parameters()),
                 name="count_weights", inputs={"struct": [3, 5, 2], "bias": False, "recurrent": False})

# %% tags=["tests"] id="test_count_weights_structures" points=1
"""count_weights equals the number of parameters of an equivalent torch network, for other structures."""
note_hidden_tests()
### BEGIN HIDDEN TESTS
def _torch_count(struct, bias, recurrent):
    modules = [torch.nn.Linear(n_in, n_out, bias=bias) for n_in, n_out in zip(struct[:-1], struct[1:])]
    if recurrent:
        modules += [torch.nn.Linear(n, n, bias=False) for n in struct[1:-1]]
    return sum(p.numel() for m in modules for p in m.parameters())


def _reference_shapes(struct, bias=True, recurrent=False):
    """The shapes count_weights may ask weight_shapes for, from torch's layers."""
    return [(n_out, n_in + (n_out if recurrent and layer < len(struct) - 1 else 0) + int(bias))
            for layer, (n_in, n_out) in enumerate(zip(struct[:-1], struct[1:]), start=1)]


for _struct in ([2, 4, 1], [3, 5, 2], [10, 20, 30, 4], [1, 1], [784, 100, 10], [4, 3, 3, 3, 2]):
    for _bias in (True, False):
        for _recurrent in (True, False):
            with substitute({"weight_shapes": _reference_shapes}):
                _got = call(count_weights, list(_struct), bias=_bias, recurrent=_recurrent)
            assert_equal(_got, _torch_count(_struct, _bias, _recurrent), name="count_weights",
                         inputs={"struct": _struct, "bias": _bias, "recurrent": _recurrent})
### END HIDDEN TESTS

# %% [markdown]
# Now write the **full equation** of the number of weights for a network `[n0, n1, ..., nL]` with
# biases and self-recurrent hidden layers, as a sum over layers (use LaTeX, e.g. `$\sum_{l=1}^{L} ...$`).

# %% [markdown] tags=["manual"] id="count_weights_equation" points=1
# $$N = \sum_{l=1}^{L} n_l\,(n_{l-1} + 1) + \sum_{l=1}^{L-1} n_l^2$$
# Each of the $n_l$ neurons of layer $l$ has $n_{l-1}$ input weights and one bias; hidden layers
# ($l < L$) add $n_l$ recurrent weights per neuron. For [2, 4, 1]: 4·3 + 1·5 + 16 = 33.

# %% [markdown]
# ### A3. A convolutional layer by hand (3 points + 2 points)
#
# A convolutional layer has two neurons (two kernels) with the identity activation, no padding and
# stride 1. Like PyTorch, "convolution" here means sliding the kernel over the input and taking the
# sum of the elementwise products at each position (no kernel flipping).
#
# The input `X` (5×5) has rows of 2s, 3s, 1s, 3s and 2s; the kernels are `W1` and `W2` below.
#
# Compute **by hand** the two output feature maps `f1` (for `W1`) and `f2` (for `W2`) as 3×3 NumPy
# arrays (typing the numbers in, or with a few lines of NumPy to check your arithmetic), and
# `output_shape`, the shape of the layer's output as a tuple `(channels, height, width)`: the order
# PyTorch uses, and every lab of this course.

# %% tags=["readonly"] id="conv_data"
X = np.array([[2.0] * 5, [3.0] * 5, [1.0] * 5, [3.0] * 5, [2.0] * 5])
W1 = np.array([[-1.0, -1.0, -1.0], [2.0, 2.0, 2.0], [-1.0, -1.0, -1.0]])
W2 = np.array([[-1.0, 2.0, -1.0], [-1.0, 2.0, -1.0], [-1.0, 2.0, -1.0]])
print("X =\n", X)

# %% tags=["solution"] id="conv_by_hand"
### BEGIN SOLUTION
f1 = np.array([[9.0, 9.0, 9.0], [-12.0, -12.0, -12.0], [9.0, 9.0, 9.0]])
f2 = np.zeros((3, 3))
output_shape = (2, 3, 3)
### END SOLUTION

# %% tags=["tests"] id="test_conv_by_hand_shapes" points=1
"""f1 and f2 are 3x3 NumPy arrays and output_shape is (channels, height, width) of the layer."""
assert_type(f1, np.ndarray, name="f1")
assert_type(f2, np.ndarray, name="f2")
assert_shape(f1, (3, 3), name="f1")
assert_shape(f2, (3, 3), name="f2")
assert_hashed(output_shape, "ba0d38cf3fa0914a", name="output_shape")
### BEGIN HIDDEN TESTS
_expected = tuple(F.conv2d(torch.zeros(1, 1, 5, 5), torch.zeros(2, 1, 3, 3)).shape[1:])
assert_equal(tuple(output_shape), _expected, name="output_shape")
### END HIDDEN TESTS

# %% tags=["tests"] id="test_conv_by_hand_values" points=2
"""f1 and f2 are the feature maps of X for W1 and W2 (checked against a hash of the right values)."""
assert_hashed(f1, "b9da247fe8b69849", name="f1")
assert_hashed(f2, "ff67ddcfeb7c8619", name="f2")
### BEGIN HIDDEN TESTS
_maps = F.conv2d(torch.tensor(X)[None, None], torch.tensor(np.stack([W1, W2]))[:, None])[0].numpy()
assert_close(f1, _maps[0], name="f1 (X convolved with W1)", atol=1e-6)
assert_close(f2, _maps[1], name="f2 (X convolved with W2)", atol=1e-6)
### END HIDDEN TESTS

# %% [markdown]
# Show your calculation for the top-left element of `f1` and of `f2`, and explain why each row of
# `f1` (and each element of `f2`) has the value it has.

# %% [markdown] tags=["manual"] id="conv_by_hand_calculation" points=2
# Top-left of f1: rows 2, 3, 1 of X under W1: (−1)(2+2+2) + 2(3+3+3) + (−1)(1+1+1) = −6 + 18 − 3 = 9.
# The second row of f1 sees rows 3, 1, 3: −9 + 6 − 9 = −12; the third sees 1, 3, 2: −3 + 18 − 6 = 9.
# Top-left of f2: each column of the window holds (2, 3, 1), weighted −1, 2, −1 across columns:
# −6 + 12 − 6 = 0. Every window of X is constant along a row, so every element of f2 is 0.

# %% [markdown]
# ### A4. What do the kernels detect? (2 points)
#
# Why are the two responses so different? Which image feature does each kernel detect?

# %% [markdown] tags=["manual"] id="kernel_features" points=2
# W1 is a horizontal-line (horizontal-edge) detector: it compares a row with the rows above and
# below. X varies from row to row, so W1 responds strongly: +9 where a bright row lies between
# darker ones (the 2-3-1 and 1-3-2 windows) and −12 where the dark row lies between bright ones (the
# 3-1-3 window). W2 is a vertical-line detector: it compares a column with its neighbours. X is
# constant along every row (no vertical structure), so W2 gives 0 everywhere.
# Both kernels sum to 0, so they ignore constant regions and respond only to changes.

# %% [markdown]
# ### A5. Max pooling (2 points)
#
# The layer ends with 3×3 max pooling (stride 3). Give the pooled maps `p1` (of `f1`) and `p2`
# (of `f2`) as 1×1 NumPy arrays, and `pooled`, the layer's pooled output with the two channels
# stacked on the **first** axis, shape `(2, 1, 1)` (channels, height, width), like `output_shape`.

# %% tags=["solution"] id="max_pool_by_hand"
### BEGIN SOLUTION
p1 = np.array([[f1.max()]])
p2 = np.array([[f2.max()]])
pooled = np.stack([p1, p2])
### END SOLUTION

# %% tags=["tests"] id="test_max_pool_by_hand_maps" points=1
"""p1 and p2 are 1x1 arrays: the 3x3 max pooling of f1 and f2 (of yours, if yours differ from the right maps)."""
for _name, _pooled, _map, _digest in (("p1", p1, f1, "5912605acebae3bb"), ("p2", p2, f2, "68cb7e4d389f4967")):
    assert_shape(_pooled, (1, 1), name=_name)
    _yours = F.max_pool2d(torch.tensor(np.asarray(_map, dtype=float))[None], 3)[0, :1, :1].numpy()
    assert_true(hash_value(_pooled) == _digest or np.allclose(_pooled, _yours),
                f"{_name}: not the 3x3 max pooling of f{_name[1]} (yours: {np.asarray(_pooled).ravel()[0]:g})")

# %% tags=["tests"] id="test_max_pool_by_hand_stacked" points=1
"""pooled stacks p1 and p2 on the first axis, shape (2, 1, 1) (channels, height, width)."""
assert_shape(pooled, (2, 1, 1), name="pooled")
assert_close(pooled[0], p1, name="pooled[0] (channel 1: p1)")
assert_close(pooled[1], p2, name="pooled[1] (channel 2: p2)")

# %% [markdown]
# ### A6. Autoencoders (1 point)
#
# What is an autoencoder trained to do, and why is it usually drawn as an hourglass?

# %% [markdown] tags=["manual"] id="autoencoders" points=1
# An autoencoder is trained to reproduce its input at its output (target = input), without labels.
# The encoder narrows to a small bottleneck (the code) and the decoder widens back to the input
# size: the hourglass. The bottleneck forces the network to learn a compressed representation of
# the data (dimensionality reduction, denoising, features), since it cannot just copy the input.

# %% [markdown]
# ## Part B — PyTorch tensors and autograd
#
# ### B1. Tensors (1 point)
#
# Create the column vectors `v1` = [1, 2]ᵀ and `v2` = [−2, −1]ᵀ as float tensors of shape (2, 1),
# the matrix `A` = [[1, −1], [0, 1]], and the matrix `V` whose **columns** are `v1` and `v2`
# (shape (2, 2)). Use `torch.float32` (the default float type).

# %% tags=["solution"] id="tensors"
### BEGIN SOLUTION
v1 = torch.tensor([[1.0], [2.0]])
v2 = torch.tensor([[-2.0], [-1.0]])
A = torch.tensor([[1.0, -1.0], [0.0, 1.0]])
V = torch.cat([v1, v2], dim=1)
### END SOLUTION

# %% tags=["tests"] id="test_tensors_values" points=1
"""v1, v2, A, V are float tensors with the asked shapes and values (V has v1 and v2 as columns)."""
for _name, _value, _shape in (("v1", v1, (2, 1)), ("v2", v2, (2, 1)), ("A", A, (2, 2)), ("V", V, (2, 2))):
    assert_type(_value, torch.Tensor, name=_name)
    assert_shape(_value, _shape, name=_name)
    assert_dtype(_value, "float", name=f"{_name} (write 1.0, not 1)")
assert_close(v1, torch.tensor([[1.0], [2.0]]), name="v1")
assert_close(v2, torch.tensor([[-2.0], [-1.0]]), name="v2")
assert_close(A, torch.tensor([[1.0, -1.0], [0.0, 1.0]]), name="A")
assert_close(V[:, 0], v1[:, 0], name="V[:, 0] (v1)")
assert_close(V[:, 1], v2[:, 0], name="V[:, 1] (v2)")

# %% [markdown]
# ### B2. Elementwise (Hadamard) product (1 point)
#
# The Hadamard product multiplies two matrices of the same shape element by element.

# %% tags=["solution"] id="hadamard"
def hadamard(A, B):
    """Elementwise product of two tensors of the same shape (M, N); returns a torch tensor (M, N)."""
    ### BEGIN SOLUTION
    return A * B
    ### END SOLUTION

# %% tags=["tests"] id="test_hadamard_values" points=1
"""hadamard of [[1, 2], [3, 4]] and [[0.5, -1], [2, 0]] is the tensor [[0.5, -2], [6, 0]]; more tests on other shapes."""
_P, _Q = torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([[0.5, -1.0], [2.0, 0.0]])
_got = call(hadamard, _P, _Q)
assert_type(_got, torch.Tensor, name="hadamard(P, Q)")
assert_close(_got, torch.tensor([[0.5, -2.0], [6.0, 0.0]]), name="hadamard(P, Q)", inputs={"P": _P, "Q": _Q})
### BEGIN HIDDEN TESTS
_generator = torch.Generator().manual_seed(1)
for _shape in ((3, 5), (1, 4), (6, 2), (2, 2)):
    _P, _Q = torch.randn(_shape, generator=_generator), torch.randn(_shape, generator=_generator)
    _got = call(hadamard, _P, _Q)
    assert_type(_got, torch.Tensor, name=f"hadamard of two {_shape} tensors")
    assert_close(_got, torch.mul(_P, _Q), name=f"hadamard of two {_shape} tensors", inputs={"A": _P, "B": _Q},
                 rtol=1e-5, atol=1e-6)
### END HIDDEN TESTS

# %% [markdown]
# ### B3. Matrix product (1 point)

# %% tags=["solution"] id="matmul"
def matmul(A, B):
    """Matrix product of two tensors, A (M, K) and B (K, N); returns a torch tensor (M, N)."""
    ### BEGIN SOLUTION
    return A @ B
    ### END SOLUTION

# %% tags=["tests"] id="test_matmul_values" points=1
"""matmul of a (2, 3) and a (3, 2) tensor is the tensor [[4, 1], [10, 1]]; more tests on other shapes."""
_P, _Q = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), torch.tensor([[1.0, 0.0], [0.0, -1.0], [1.0, 1.0]])
_got = call(matmul, _P, _Q)
assert_type(_got, torch.Tensor, name="matmul(P, Q)")
assert_close(_got, torch.tensor([[4.0, 1.0], [10.0, 1.0]]), name="matmul(P, Q)", inputs={"P": _P, "Q": _Q})
### BEGIN HIDDEN TESTS
_generator = torch.Generator().manual_seed(2)
for _m, _k, _n in ((3, 4, 5), (1, 3, 2), (5, 1, 4), (2, 2, 2)):
    _P, _Q = torch.randn(_m, _k, generator=_generator), torch.randn(_k, _n, generator=_generator)
    _got = call(matmul, _P, _Q)
    assert_type(_got, torch.Tensor, name=f"matmul of ({_m}, {_k}) and ({_k}, {_n}) tensors")
    assert_close(_got, torch.mm(_P, _Q), name=f"matmul of ({_m}, {_k}) and ({_k}, {_n}) tensors",
                 inputs={"A": _P, "B": _Q}, rtol=1e-5, atol=1e-5)
### END HIDDEN TESTS

# %% [markdown]
# ### B4. Squared L2 distance (2 points)
#
# Write `squared_l2(v1, v2)` = ‖v1 − v2‖² = Σᵢ (v1ᵢ − v2ᵢ)², for two tensors of the same shape, using
# elementary tensor operations — **without** `torch.norm` (or `torch.linalg.norm`, `torch.dist`).
# It returns a 0-dimensional tensor.

# %% tags=["solution"] id="squared_l2"
def squared_l2(v1, v2):
    """Squared Euclidean distance between two tensors of the same shape (D,) or (D, 1).

    Returns a 0-dimensional tensor. Does not use torch.norm.
    """
    ### BEGIN SOLUTION
    difference = v1 - v2
    return (difference * difference).sum()
    ### END SOLUTION

# %% tags=["tests"] id="test_squared_l2_values" points=1
"""squared_l2([3, -1, 2], [1, 1, 1]) is 2^2 + 2^2 + 1^2 = 9; more tests compare it with torch on other vectors."""
_a, _b = torch.tensor([3.0, -1.0, 2.0]), torch.tensor([1.0, 1.0, 1.0])
assert_close(call(squared_l2, _a, _b), 9.0, name="squared_l2(a, b)", inputs={"a": _a, "b": _b})
### BEGIN HIDDEN TESTS
_generator = torch.Generator().manual_seed(3)
for _shape in ((5,), (3, 1), (10,), (1,)):
    _a, _b = torch.randn(_shape, generator=_generator), torch.randn(_shape, generator=_generator)
    assert_close(call(squared_l2, _a, _b), torch.sum((_a - _b) ** 2), name=f"squared_l2 of two {_shape} tensors",
                 inputs={"v1": _a, "v2": _b}, rtol=1e-5)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_squared_l2_no_norm" points=1
"""squared_l2 gives the right value without calling torch.norm, torch.linalg.norm or torch.dist."""
_a, _b = torch.tensor([[2.0], [0.5]]), torch.tensor([[1.0], [-0.5]])
assert_close(call(squared_l2, _a, _b), 2.0, name="squared_l2(a, b)", inputs={"a": _a, "b": _b})
assert_not_used(squared_l2, ["torch.norm", "torch.linalg.norm", "torch.linalg.vector_norm", "torch.dist",
                             "np.linalg.norm"])

# %% [markdown]
# ### B5. Gradients with autograd (3 points)
#
# For y = ‖v1 − v2‖², calculus gives ∂y/∂v1 = 2(v1 − v2) and ∂y/∂v2 = −2(v1 − v2). Let PyTorch find
# them for you: write `squared_l2_grads(v1, v2)`, which makes **copies of the inputs that require
# gradients** (`v.detach().clone().requires_grad_(True)`), computes y with your `squared_l2`, calls
# `y.backward()` (or `torch.autograd.backward(y)`), and returns the two gradients (`.grad`).
# Do not write the formula yourself: the point is that autograd finds it.

# %% tags=["solution"] id="squared_l2_grads"
def squared_l2_grads(v1, v2):
    """Gradients of y = ||v1 - v2||^2 with respect to v1 and v2, computed by autograd.

    Inputs: two tensors of the same shape (D,) or (D, 1).
    Returns: (dy_dv1, dy_dv2), two tensors of that shape.
    """
    ### BEGIN SOLUTION
    a = v1.detach().clone().requires_grad_(True)
    b = v2.detach().clone().requires_grad_(True)
    y = squared_l2(a, b)
    y.backward()
    return a.grad, b.grad
    ### END SOLUTION

# %% tags=["tests"] id="test_squared_l2_grads_example" points=1
"""squared_l2_grads gives 2(v1 - v2) = [6, 6] and -2(v1 - v2) = [-6, -6] for v1 = [1, 2], v2 = [-2, -1]."""
# Where squared_l2_grads calls squared_l2, it gets a squared norm computed by torch.
_norm2 = {"squared_l2": lambda a, b: torch.linalg.vector_norm(a - b) ** 2}
_a, _b = torch.tensor([[1.0], [2.0]]), torch.tensor([[-2.0], [-1.0]])
with substitute(_norm2):
    _grads = call(squared_l2_grads, _a, _b)
assert_true(isinstance(_grads, (tuple, list)) and len(_grads) == 2,
            f"squared_l2_grads should return two gradients, got {type(_grads).__name__}")
assert_close(_grads[0], torch.tensor([[6.0], [6.0]]), name="dy/dv1")
assert_close(_grads[1], torch.tensor([[-6.0], [-6.0]]), name="dy/dv2")

# %% tags=["tests"] id="test_squared_l2_grads_random" points=1
"""squared_l2_grads matches 2(v1 - v2) and -2(v1 - v2) on random inputs."""
note_hidden_tests()
### BEGIN HIDDEN TESTS
_generator = torch.Generator().manual_seed(4)
for _shape in ((4,), (3, 1), (7,)):
    _a, _b = torch.randn(_shape, generator=_generator), torch.randn(_shape, generator=_generator)
    with substitute({"squared_l2": lambda a, b: torch.linalg.vector_norm(a - b) ** 2}):
        _grads = call(squared_l2_grads, _a, _b)
    assert_true(isinstance(_grads, (tuple, list)) and len(_grads) == 2,
                f"squared_l2_grads should return two gradients, got {type(_grads).__name__}")
    assert_close(_grads[0], 2 * (_a - _b), name=f"dy/dv1 for {_shape} inputs", inputs={"v1": _a, "v2": _b}, rtol=1e-5)
    assert_close(_grads[1], -2 * (_a - _b), name=f"dy/dv2 for {_shape} inputs", inputs={"v1": _a, "v2": _b}, rtol=1e-5)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_squared_l2_grads_autograd" points=1
"""squared_l2_grads gets its gradients from autograd (not from a formula) and leaves its inputs alone."""
_a, _b = torch.tensor([1.0, -2.0, 0.5]), torch.tensor([0.0, 1.0, 3.0])
with substitute({"squared_l2": lambda a, b: torch.linalg.vector_norm(a - b) ** 2}):
    _grads = call(squared_l2_grads, _a, _b)
assert_true(isinstance(_grads, (tuple, list)) and len(_grads) == 2,
            f"squared_l2_grads should return two gradients, got {type(_grads).__name__}")
# each number must be one autograd produced while squared_l2_grads ran (a .grad), not a formula's
assert_from_autograd(_grads[0], name="dy/dv1")
assert_from_autograd(_grads[1], name="dy/dv2")
assert_close(_grads[0], 2 * (_a - _b), name="dy/dv1")
assert_true(_a.grad is None and not _a.requires_grad,
            "squared_l2_grads changed its input v1: work on copies\n  (v.detach().clone().requires_grad_(True))")

# %% [markdown]
# ### B6. Accumulating gradients (2 points)
#
# Suppose `v = torch.tensor([1.0, 2.0], requires_grad=True)` and you run `squared_l2(v, 0 * v).backward()`
# **twice**. What is `v.grad` after the second call, and why? What does this mean for a training loop?

# %% [markdown] tags=["manual"] id="gradient_accumulation" points=2
# y = v₁² + v₂², so one backward gives ∂y/∂v = 2v = [2, 4]. PyTorch *accumulates* (adds) into `.grad`
# instead of overwriting it, so after the second call `v.grad` is [4, 8]. A training loop must therefore
# reset the gradients at every step (`optimizer.zero_grad()` or `v.grad = None`) before `backward()`;
# otherwise each update uses the sum of all past gradients. (Accumulation is useful on purpose, e.g.
# to sum gradients over several small batches.)
