# %% [markdown]
# # Lab 3, part 1 — A multilayer perceptron in NumPy
#
# In this part you build a multilayer perceptron (MLP) from scratch, with nothing but NumPy, and
# train it on handwritten digits (MNIST). You write every piece yourself: the activation functions,
# the forward pass, and **backpropagation**, the algorithm that computes the gradient of the loss
# with respect to every weight. Part 2 turns the same ideas into a small layer framework; part 3
# checks gradients numerically.
#
# The network has sigmoid hidden layers, a softmax output layer and **no biases** (to keep the
# algebra short). For a batch of N inputs `X` (N, D) and weight matrices `W1`, ..., `WL`:
#
# $$H_0 = X, \qquad H_l = \sigma(H_{l-1} W_l) \ (l < L), \qquad P = H_L = \mathrm{softmax}(H_{L-1} W_L)$$
#
# and the loss is the **mean cross-entropy** over the batch, with one-hot targets `Y` (N, C):
# $\;\mathcal{L} = -\frac{1}{N} \sum_{n} \sum_{c} Y_{nc} \log P_{nc}$.
#
# **How this notebook works.** Write your code where it says `YOUR CODE HERE` (delete the
# `raise NotImplementedError()` line) and your answers where it says `YOUR ANSWER HERE`. The cells
# that start with a docstring are tests: they show one worked example; when grading, more tests run
# on other inputs (other sizes, batch sizes, large values), so make your code general. Write it
# with NumPy: PyTorch appears only in the tests, which check that your functions do not use it.
# Run the cells in order, from the top. Total: 27 points.

# %% tags=["readonly"] id="imports"
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

import autograder
from autograder.checks import (assert_close, assert_equal, assert_not_used, assert_shape, assert_true, assert_type,
                               call, note_hidden_tests, quiet, substitute)
from autograder.data import load_mnist

torch.set_default_dtype(torch.float64)
# The tensors of this lab are tiny: one thread avoids the cost of starting threads for every operation.
torch.set_num_threads(1)

# %% [markdown]
# ## The data
#
# `load_mnist` returns 28×28 grey-level images (uint8, 0 = background) and their labels. On your
# own machine or in Colab it gives the full MNIST (60,000 training digits); offline it falls back to
# a bundled subset of 8,000 training and 2,000 test digits. We flatten each image into a vector of
# 784 values in [0, 1] and keep the last 1,000 training digits aside for validation.

# %% tags=["readonly"] id="data"
mnist = load_mnist()
X_all = mnist.x_train.reshape(len(mnist.x_train), -1).astype(np.float64) / 255.0
X_test = mnist.x_test.reshape(len(mnist.x_test), -1).astype(np.float64) / 255.0
X_train, X_val = X_all[:-1000], X_all[-1000:]
labels_train, labels_val, labels_test = mnist.y_train[:-1000], mnist.y_train[-1000:], mnist.y_test
print(f"training {X_train.shape}, validation {X_val.shape}, test {X_test.shape}")

# %%
fig, axes = plt.subplots(2, 8, figsize=(10, 3))
for ax, image, label in zip(axes.ravel(), mnist.x_train, mnist.y_train):
    ax.imshow(image, cmap="gray_r")
    ax.set_title(str(label))
    ax.axis("off")
fig.suptitle("The first training digits and their labels")
plt.show()

# %% [markdown]
# ## 1. Building blocks
#
# ### 1.1 One-hot encoding (1 point)
#
# The loss compares the network's C probabilities with a **one-hot** target: a vector of C zeros
# with a single 1 at the position of the true class. Write `one_hot`. It must give `n_classes`
# columns even when the largest class does not occur in `labels`.

# %% tags=["solution"] id="one_hot"
def one_hot(labels, n_classes=10):
    """One-hot encoding of integer class labels.

    Inputs:
    - labels: integer array of shape (N,) with values in 0 .. n_classes - 1
    - n_classes: the number of classes C

    Returns:
    - Y: float array of shape (N, C); Y[n, c] = 1 if labels[n] == c, else 0
    """
    ### BEGIN SOLUTION
    labels = np.asarray(labels)
    Y = np.zeros((len(labels), n_classes))
    Y[np.arange(len(labels)), labels] = 1.0
    return Y
    ### END SOLUTION

# %% tags=["tests"] id="test_one_hot_values" points=1
"""one_hot([0, 2, 1], 3) puts a single 1 in columns 0, 2 and 1, and gives n_classes columns even for absent classes."""
_Y = call(one_hot, np.array([0, 2, 1]), 3)
assert_type(_Y, np.ndarray, name="one_hot([0, 2, 1], 3)")
assert_shape(_Y, (3, 3), name="one_hot([0, 2, 1], 3)")
assert_close(_Y, np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]), name="one_hot([0, 2, 1], 3)")
assert_shape(call(one_hot, np.array([1, 0]), 4), (2, 4), name="one_hot([1, 0], 4)")
assert_shape(call(one_hot, np.array([3])), (1, 10), name="one_hot([3]) (10 classes by default)")
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(11)
for _n, _top, _n_classes in ((20, 10, 10), (7, 4, 10), (1, 1, 3), (50, 5, 5), (12, 2, 6)):
    _labels = _rng.integers(0, _top, size=_n)
    _expected = F.one_hot(torch.from_numpy(_labels), _n_classes).numpy()
    _got = call(one_hot, _labels, _n_classes) if _n_classes != 10 else call(one_hot, _labels)
    assert_shape(_got, _expected.shape, name=f"one_hot of {_n} labels below {_top}, n_classes={_n_classes}")
    assert_close(_got, _expected, name=f"one_hot of {_n} labels below {_top}, n_classes={_n_classes}",
                 inputs={"labels": _labels})
_labels = np.array([3, 9, 0, 9], dtype=np.uint8)  # MNIST labels may come as uint8
assert_close(call(one_hot, _labels), F.one_hot(torch.tensor([3, 9, 0, 9]), 10).numpy(), name="one_hot of uint8 labels")
### END HIDDEN TESTS

# %% [markdown]
# ### 1.2 Sigmoid (1 point)
#
# $\sigma(x) = \dfrac{1}{1 + e^{-x}}$, applied elementwise to an array of any shape.

# %% tags=["solution"] id="sigmoid"
def sigmoid(x):
    """Elementwise logistic sigmoid.

    Inputs:
    - x: array of any shape, e.g. (N, D)

    Returns:
    - array of the same shape with values in [0, 1]
    """
    ### BEGIN SOLUTION
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # the same function, and it never overflows
    ### END SOLUTION

# %% tags=["tests"] id="test_sigmoid_values" points=1
"""sigmoid([0, 2, -2]) is [0.5, 0.8808, 0.1192]; more tests compare it with torch.sigmoid, large inputs too."""
assert_close(call(sigmoid, np.array([0.0, 2.0, -2.0])), np.array([0.5, 0.88079708, 0.11920292]),
             name="sigmoid([0, 2, -2])", rtol=1e-6)
assert_not_used(sigmoid, ["torch"])
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(12)
for _shape, _scale in (((4, 7), 3.0), ((10,), 1.0), ((3, 2), 50.0), ((2, 5), 1000.0)):
    _x = _rng.standard_normal(_shape) * _scale
    with quiet():  # 1 / (1 + exp(-x)) overflows to the right value (0) with a warning: that is fine here
        _got = call(sigmoid, _x)
    assert_shape(_got, _shape, name=f"sigmoid of a {_shape} array")
    assert_close(_got, torch.sigmoid(torch.from_numpy(_x)), name=f"sigmoid of a {_shape} array (scale {_scale})",
                 rtol=1e-6, atol=1e-12, inputs={"x": _x})
### END HIDDEN TESTS

# %% [markdown]
# ### 1.3 Softmax (2 points)
#
# The output layer turns each row of scores $z$ into probabilities:
# $\mathrm{softmax}(z)_c = e^{z_c} / \sum_k e^{z_k}$, **row by row**.
#
# Computed as written, $e^{1000}$ overflows to `inf` and the result is `nan`. Since
# $\mathrm{softmax}(z) = \mathrm{softmax}(z - a)$ for any constant $a$, subtract each row's
# maximum first: the largest exponent is then 0. Your softmax must give the right answer for
# scores of magnitude 1000.

# %% tags=["solution"] id="softmax"
def softmax(x):
    """Row-wise softmax, numerically stable.

    Inputs:
    - x: array of shape (N, C), one row of scores per example

    Returns:
    - array of shape (N, C); each row is non-negative and sums to 1
    """
    ### BEGIN SOLUTION
    shifted = x - np.max(x, axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=1, keepdims=True)
    ### END SOLUTION

# %% tags=["tests"] id="test_softmax_values" points=1
"""softmax of [[1, 2, 3], [1, 1, 1]] gives [0.090, 0.245, 0.665] and three thirds; more tests compare it with torch."""
_got = call(softmax, np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]]))
assert_shape(_got, (2, 3), name="softmax([[1, 2, 3], [1, 1, 1]])")
assert_close(_got, np.array([[0.09003057, 0.24472847, 0.66524096], [1 / 3, 1 / 3, 1 / 3]]),
             name="softmax([[1, 2, 3], [1, 1, 1]])", rtol=1e-6)
assert_not_used(softmax, ["torch"])
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(13)
for _shape in ((5, 10), (1, 4), (7, 3), (3, 7), (2, 2)):
    _x = _rng.standard_normal(_shape) * 2.0
    assert_close(call(softmax, _x), torch.softmax(torch.from_numpy(_x), dim=1), name=f"softmax of a {_shape} array",
                 rtol=1e-6, atol=1e-12, inputs={"x": _x})
_x32 = _rng.standard_normal((4, 6)).astype(np.float32)
assert_close(call(softmax, _x32), torch.softmax(torch.from_numpy(_x32).double(), dim=1),
             name="softmax of float32 scores", rtol=1e-4, atol=1e-6)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_softmax_stable" points=1
"""softmax gives finite, correct probabilities for scores of magnitude 1000 (no nan or inf)."""
_x = np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1001.0, -999.0]])
with quiet():
    _got = call(softmax, _x)
assert_close(_got, torch.softmax(torch.from_numpy(_x), dim=1), name="softmax of scores near +-1000", rtol=1e-6,
             atol=1e-12, inputs={"x": _x})
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(14)
_cases = {
    "scores near +1000": 1000.0 + _rng.standard_normal((3, 5)),
    "scores near -1000": -1000.0 + _rng.standard_normal((3, 5)),
    "rows near +1000 and rows near -1000": np.vstack([1000.0 + _rng.standard_normal((2, 4)),
                                                      -1000.0 + _rng.standard_normal((2, 4))]),
    "scores spread over +-1000": _rng.uniform(-1000.0, 1000.0, size=(6, 3)),
}
for _what, _x in _cases.items():
    with quiet():
        _got = call(softmax, _x)
    assert_close(_got, torch.softmax(torch.from_numpy(_x), dim=1), name=f"softmax of {_what}", rtol=1e-6, atol=1e-12)
### END HIDDEN TESTS

# %% [markdown]
# ### 1.4 Layers and weights (3 points)
#
# We keep the activations of every layer in a list `hidden_layers`, one array (N, n_l) per layer,
# **including the input layer** (`hidden_layers[0]` holds the batch) **and the output layer**
# (`hidden_layers[-1]` holds the probabilities). Backpropagation needs all of them.
#
# `init_layers` allocates that list (zeros are fine). `init_weights` creates one weight matrix
# per pair of consecutive layers, of shape `(n_l, n_{l+1})`, with values drawn **uniformly in
# [−1, 1]** from the random generator `rng` (a `np.random.Generator`; create one with
# `np.random.default_rng()` when `rng` is None), so that the same seed gives the same network.

# %% tags=["solution"] id="init_layers"
def init_layers(batch_size, layer_sizes):
    """Allocate the activations of every layer for a batch.

    Inputs:
    - batch_size: N
    - layer_sizes: list of L + 1 layer sizes [n_0, n_1, ..., n_L] (n_0 = D inputs, n_L = C classes)

    Returns:
    - hidden_layers: list of L + 1 arrays; hidden_layers[l] has shape (N, n_l)
    """
    ### BEGIN SOLUTION
    return [np.zeros((batch_size, size)) for size in layer_sizes]
    ### END SOLUTION

# %% tags=["tests"] id="test_init_layers_shapes" points=1
"""init_layers(5, [784, 30, 10]) gives arrays of shapes (5, 784), (5, 30), (5, 10)."""
_layers = call(init_layers, 5, [784, 30, 10])
assert_true(isinstance(_layers, (list, tuple)), f"init_layers should return a list, got {type(_layers).__name__}")
assert_equal(len(_layers), 3, name="len(init_layers(5, [784, 30, 10]))")
for _layer, _shape in zip(_layers, [(5, 784), (5, 30), (5, 10)]):
    assert_shape(_layer, _shape, name=f"the layer of size {_shape[1]}")
### BEGIN HIDDEN TESTS
for _batch_size, _sizes in ((1, [3, 2]), (17, [5, 8, 7, 6, 4]), (64, [10, 10, 10])):
    _layers = call(init_layers, _batch_size, _sizes)
    assert_equal(len(_layers), len(_sizes), name=f"len(init_layers({_batch_size}, {_sizes}))")
    for _l, _size in enumerate(_sizes):
        assert_shape(_layers[_l], (_batch_size, _size), name=f"init_layers({_batch_size}, {_sizes})[{_l}]")
### END HIDDEN TESTS

# %% tags=["solution"] id="init_weights"
def init_weights(layer_sizes, rng=None):
    """Random weight matrices, uniform in [-1, 1].

    Inputs:
    - layer_sizes: list of L + 1 layer sizes [n_0, ..., n_L]
    - rng: a np.random.Generator (a new one when None)

    Returns:
    - weights: list of L arrays; weights[l] has shape (n_l, n_{l+1})
    """
    ### BEGIN SOLUTION
    rng = np.random.default_rng() if rng is None else rng
    return [rng.uniform(-1.0, 1.0, size=(n_in, n_out)) for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:])]
    ### END SOLUTION

# %% tags=["tests"] id="test_init_weights_shapes" points=1
"""init_weights([784, 30, 10]) gives matrices of shapes (784, 30) and (30, 10)."""
_weights = call(init_weights, [784, 30, 10], np.random.default_rng(0))
assert_true(isinstance(_weights, (list, tuple)), f"init_weights should return a list, got {type(_weights).__name__}")
assert_equal(len(_weights), 2, name="len(init_weights([784, 30, 10]))")
assert_shape(_weights[0], (784, 30), name="init_weights([784, 30, 10])[0]")
assert_shape(_weights[1], (30, 10), name="init_weights([784, 30, 10])[1]")
### BEGIN HIDDEN TESTS
for _sizes in ([3, 2], [5, 8, 7, 6, 4], [2, 1]):
    _weights = call(init_weights, _sizes, np.random.default_rng(1))
    assert_equal(len(_weights), len(_sizes) - 1, name=f"len(init_weights({_sizes}))")
    for _l in range(len(_sizes) - 1):
        assert_shape(_weights[_l], (_sizes[_l], _sizes[_l + 1]), name=f"init_weights({_sizes})[{_l}]")
assert_equal(len(call(init_weights, [4, 3, 2])), 2, name="len(init_weights([4, 3, 2])) with rng=None")
### END HIDDEN TESTS

# %% tags=["tests"] id="test_init_weights_distribution" points=1
"""init_weights draws uniformly in [-1, 1] from the given generator (same seed, same weights)."""
_W = np.asarray(call(init_weights, [400, 300], np.random.default_rng(5))[0])
assert_true(np.all(_W >= -1.0) and np.all(_W <= 1.0) and _W.min() < -0.99 and _W.max() > 0.99,
            f"init_weights: the weights should fill [-1, 1]; got values in [{_W.min():.3f}, {_W.max():.3f}]")
assert_true(abs(_W.mean()) < 0.01 and abs(_W.std() - 1 / np.sqrt(3)) < 0.01,
            f"init_weights: a uniform distribution on [-1, 1] has mean 0 and std 0.577; got mean "
            f"{_W.mean():.3f} and std {_W.std():.3f}")
_first = call(init_weights, [6, 5, 4], np.random.default_rng(7))
_second = call(init_weights, [6, 5, 4], np.random.default_rng(7))
for _l in range(2):
    assert_close(_second[_l], _first[_l], name=f"layer {_l} of init_weights, same seed twice (draw from rng)")
### BEGIN HIDDEN TESTS
_inside = np.histogram(_W, bins=4, range=(-1.0, 1.0))[0] / _W.size
assert_true(np.all(np.abs(_inside - 0.25) < 0.01),
            f"init_weights: the weights are not uniform: fractions per quarter of [-1, 1]: {np.round(_inside, 3)}")
_other = call(init_weights, [6, 5, 4], np.random.default_rng(8))
assert_true(not np.allclose(_first[0], _other[0]), "init_weights: different seeds should give different weights")
### END HIDDEN TESTS

# %% [markdown]
# ## 2. The forward pass (3 points)
#
# `feed_forward` stores the batch in `hidden_layers[0]`, then computes each layer from the previous
# one: sigmoid for every hidden layer, softmax for the output layer. It returns the output
# probabilities and the list of activations.

# %% tags=["solution"] id="feed_forward"
def feed_forward(batch, hidden_layers, weights):
    """Forward pass of the MLP.

    Inputs:
    - batch: inputs of shape (N, D)
    - hidden_layers: list of L + 1 arrays from init_layers; hidden_layers[l] has shape (N, n_l)
    - weights: list of L weight matrices; weights[l] has shape (n_l, n_{l+1})

    Returns a tuple (output, hidden_layers):
    - output: probabilities of shape (N, C), the softmax of the last layer's scores
    - hidden_layers: the list of activations, hidden_layers[0] = batch and hidden_layers[-1] = output
    """
    ### BEGIN SOLUTION
    hidden_layers[0] = batch
    last = len(weights) - 1
    for l, W in enumerate(weights):
        scores = hidden_layers[l] @ W
        hidden_layers[l + 1] = softmax(scores) if l == last else sigmoid(scores)
    return hidden_layers[-1], hidden_layers
    ### END SOLUTION

# %% [markdown]
# The tests of `feed_forward` and `back_prop` give them the stand-ins below where they call your
# `sigmoid`, `softmax` and `sigmoid_prime`: the same functions computed by PyTorch, so that a mistake
# in one of those counts only in its own test.

# %% tags=["readonly"] id="stand_ins"
def _sigmoid_derivative_by_autograd(s):
    """The derivative of the sigmoid at z = logit(s), from its output s, computed by autograd."""
    z = torch.logit(torch.as_tensor(np.asarray(s, dtype=float))).requires_grad_()
    (grad,) = torch.autograd.grad(torch.sigmoid(z).sum(), z)
    return grad.numpy()


STAND_INS = {"sigmoid": lambda x: torch.sigmoid(torch.as_tensor(np.asarray(x, dtype=float))).numpy(),
             "softmax": lambda x: torch.softmax(torch.as_tensor(np.asarray(x, dtype=float)), dim=1).numpy(),
             "sigmoid_prime": _sigmoid_derivative_by_autograd}

# %% tags=["tests"] id="test_feed_forward_example" points=1
"""feed_forward on a [3, 4, 2] network gives softmax probabilities and stores every layer (compared with torch)."""
_rng = np.random.default_rng(0)
_batch, _weights = _rng.standard_normal((5, 3)), [_rng.uniform(-1, 1, (3, 4)), _rng.uniform(-1, 1, (4, 2))]
with substitute(STAND_INS):
    _result = call(feed_forward, _batch, [np.zeros((5, n)) for n in (3, 4, 2)], _weights)
assert_true(isinstance(_result, (tuple, list)) and len(_result) == 2,
            f"feed_forward should return (output, hidden_layers), got {type(_result).__name__}")
_output, _layers = _result
_hidden = torch.sigmoid(torch.from_numpy(_batch @ _weights[0]))
assert_shape(_output, (5, 2), name="feed_forward output")
assert_close(_output, torch.softmax(_hidden @ torch.from_numpy(_weights[1]), dim=1), name="feed_forward output",
             rtol=1e-5, atol=1e-7)
assert_true(isinstance(_layers, (list, tuple)) and len(_layers) == 3,
            "feed_forward should return the list of the 3 layers' activations (input, hidden, output)")
assert_close(_layers[0], _batch, name="hidden_layers[0] (the input batch)")
assert_close(_layers[1], _hidden, name="hidden_layers[1]", rtol=1e-5, atol=1e-7)
assert_close(_layers[2], _output, name="hidden_layers[2] (the output)")
assert_not_used(feed_forward, ["torch"])

# %% tags=["tests"] id="test_feed_forward_torch" points=2
"""feed_forward matches the same network in torch, for several layer sizes and batch sizes."""
note_hidden_tests()
### BEGIN HIDDEN TESTS
def _torch_activations(batch, weights):
    activations = [torch.from_numpy(batch)]
    for l, W in enumerate(weights):
        scores = activations[-1] @ torch.from_numpy(W)
        activations.append(torch.softmax(scores, dim=1) if l == len(weights) - 1 else torch.sigmoid(scores))
    return [a.numpy() for a in activations]


_rng = np.random.default_rng(21)
for _sizes, _n in (([6, 5, 3], 7), ([4, 8, 7, 5, 3], 16), ([10, 2], 1), ([3, 1, 4], 3), ([784, 30, 10], 32)):
    _batch = _rng.random((_n, _sizes[0])) if _sizes[0] == 784 else _rng.standard_normal((_n, _sizes[0]))
    _weights = [_rng.uniform(-1, 1, (a, b)) for a, b in zip(_sizes[:-1], _sizes[1:])]
    _expected = _torch_activations(_batch, _weights)
    with quiet(), substitute(STAND_INS):
        _output, _layers = call(feed_forward, _batch.copy(), [np.zeros((_n, s)) for s in _sizes],
                                [W.copy() for W in _weights])
    _label = f"network {_sizes}, batch of {_n}"
    assert_shape(_output, (_n, _sizes[-1]), name=f"feed_forward output ({_label})")
    assert_close(_output, _expected[-1], name=f"feed_forward output ({_label})", rtol=1e-5, atol=1e-7)
    assert_equal(len(_layers), len(_sizes), name=f"len(hidden_layers) ({_label})")
    for _l in range(1, len(_sizes)):
        assert_close(_layers[_l], _expected[_l], name=f"hidden_layers[{_l}] ({_label})", rtol=1e-5, atol=1e-7)
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Backpropagation (7 points + 2 points)
#
# ### 3.1 The derivative of the sigmoid (1 point)
#
# $\sigma'(z) = \sigma(z)\,(1 - \sigma(z))$. Backpropagation already has $s = \sigma(z)$ (it is
# stored in `hidden_layers`), so `sigmoid_prime` takes the **sigmoid's output** $s$, not $z$.

# %% tags=["solution"] id="sigmoid_prime"
def sigmoid_prime(sigmoid_out):
    """Derivative of the sigmoid, from the sigmoid's output.

    Inputs:
    - sigmoid_out: s = sigmoid(z), array of any shape

    Returns:
    - d sigmoid / dz at z, an array of the same shape
    """
    ### BEGIN SOLUTION
    return sigmoid_out * (1.0 - sigmoid_out)
    ### END SOLUTION

# %% tags=["tests"] id="test_sigmoid_prime_values" points=1
"""sigmoid_prime(sigmoid(z)) equals the derivative of torch.sigmoid at z (autograd)."""
assert_close(call(sigmoid_prime, np.array([0.5, 0.9])), np.array([0.25, 0.09]), name="sigmoid_prime([0.5, 0.9])")
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(31)
for _shape in ((4, 6), (10,), (1, 3)):
    _z = torch.tensor(_rng.standard_normal(_shape) * 3.0, requires_grad=True)
    _s = torch.sigmoid(_z)
    _s.sum().backward()
    assert_close(call(sigmoid_prime, _s.detach().numpy()), _z.grad,
                 name=f"sigmoid_prime(sigmoid(z)) for z of shape {_shape}", rtol=1e-6, atol=1e-12)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.2 One step of gradient descent (6 points)
#
# `back_prop` computes the gradient of the mean cross-entropy with respect to every weight matrix
# and returns the weights after **one SGD step**, $W_l \leftarrow W_l - \eta\, \partial\mathcal{L}/\partial W_l$.
# Work backwards from the output. With $\delta_l = \partial\mathcal{L} / \partial(\text{scores of layer } l)$:
#
# * at the output (softmax with cross-entropy): $\delta_L = (P - Y) / N$;
# * the gradient of a weight matrix: $\partial\mathcal{L}/\partial W_l = H_{l-1}^\top \delta_l$, of the
#   same shape as $W_l$;
# * one layer down: $\delta_{l-1} = (\delta_l W_l^\top) \odot \sigma'(\cdot)$, with $\sigma'$ from
#   the stored activations $H_{l-1}$.
#
# Propagate the error through the weights **as they were during the forward pass** (compute every
# gradient before you change any weight, or update a layer only after using it).

# %% tags=["solution"] id="back_prop"
def back_prop(output, batch_y, hidden_layers, weights, batch_size, lr):
    """One step of SGD on the mean cross-entropy, by backpropagation.

    Inputs:
    - output: probabilities from feed_forward, shape (N, C)
    - batch_y: one-hot targets, shape (N, C)
    - hidden_layers: activations from feed_forward; hidden_layers[l] has shape (N, n_l)
    - weights: list of L weight matrices; weights[l] has shape (n_l, n_{l+1})
    - batch_size: N, the number of examples the loss averages over
    - lr: the learning rate

    Returns:
    - weights: the list of updated weight matrices, same shapes
    """
    ### BEGIN SOLUTION
    delta = (output - batch_y) / batch_size
    grads = [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        grads[l] = hidden_layers[l].T @ delta
        if l > 0:
            delta = (delta @ weights[l].T) * sigmoid_prime(hidden_layers[l])
    return [W - lr * grad for W, grad in zip(weights, grads)]
    ### END SOLUTION

# %% tags=["tests"] id="test_back_prop_example" points=1
"""back_prop on a [3, 4, 2] network equals one SGD step with gradients from torch autograd."""
_rng = np.random.default_rng(1)
_batch, _batch_y = _rng.standard_normal((5, 3)), np.eye(2)[_rng.integers(0, 2, size=5)]
_weights = [_rng.uniform(-1, 1, (3, 4)), _rng.uniform(-1, 1, (4, 2))]
_W = [torch.tensor(w, requires_grad=True) for w in _weights]
_hidden = torch.sigmoid(torch.from_numpy(_batch) @ _W[0])
_probabilities = torch.softmax(_hidden @ _W[1], dim=1)
_loss = -(torch.from_numpy(_batch_y) * torch.log(_probabilities)).sum(dim=1).mean()
_grads = torch.autograd.grad(_loss, _W)
_layers = [_batch, _hidden.detach().numpy(), _probabilities.detach().numpy()]
with substitute(STAND_INS):
    _new = call(back_prop, _layers[2].copy(), _batch_y, [a.copy() for a in _layers], [w.copy() for w in _weights], 5, 0.1)
assert_true(isinstance(_new, (list, tuple)) and len(_new) == 2,
            f"back_prop should return the list of the 2 updated weight matrices, got {type(_new).__name__}")
for _l in range(2):
    assert_shape(_new[_l], _weights[_l].shape, name=f"updated weights[{_l}]")
    assert_close(_new[_l], _weights[_l] - 0.1 * _grads[_l].numpy(), name=f"updated weights[{_l}]", rtol=1e-6)
assert_not_used(back_prop, ["torch"])

# %% tags=["tests"] id="test_back_prop_torch" points=3
"""back_prop matches autograd in float64 for several layer sizes, batch sizes and learning rates."""
note_hidden_tests()
### BEGIN HIDDEN TESTS
def _reference_step(batch, batch_y, weights, lr):
    W = [torch.tensor(w, requires_grad=True) for w in weights]
    activations = [torch.from_numpy(batch)]
    for l, w in enumerate(W):
        scores = activations[-1] @ w
        activations.append(torch.log_softmax(scores, dim=1) if l == len(W) - 1 else torch.sigmoid(scores))
    loss = -(torch.from_numpy(batch_y) * activations[-1]).sum(dim=1).mean()
    loss.backward()
    layers = [a.detach().numpy() for a in activations[:-1]] + [activations[-1].detach().exp().numpy()]
    return layers, [(w - lr * w.grad).detach().numpy() for w in W]


_rng = np.random.default_rng(41)
for _sizes, _n, _lr in (([6, 5, 3], 7, 0.5), ([4, 8, 7, 5, 3], 16, 1.0), ([10, 2], 1, 0.3), ([3, 1, 4], 3, 2.0),
                        ([784, 30, 10], 32, 0.1), ([5, 5, 5], 4, 0.05)):
    _batch = _rng.random((_n, _sizes[0])) if _sizes[0] == 784 else _rng.standard_normal((_n, _sizes[0]))
    _batch_y = np.eye(_sizes[-1])[_rng.integers(0, _sizes[-1], size=_n)]
    _weights = [_rng.uniform(-1, 1, (a, b)) for a, b in zip(_sizes[:-1], _sizes[1:])]
    _layers, _expected = _reference_step(_batch, _batch_y, _weights, _lr)
    _label = f"network {_sizes}, batch of {_n}, lr={_lr}"
    with quiet(), substitute(STAND_INS):
        _got = call(back_prop, _layers[-1].copy(), _batch_y.copy(), [a.copy() for a in _layers],
                    [w.copy() for w in _weights], _n, _lr)
    assert_equal(len(_got), len(_weights), name=f"len(back_prop(...)) ({_label})")
    for _l in range(len(_weights)):
        assert_shape(_got[_l], _weights[_l].shape, name=f"updated weights[{_l}] ({_label})")
        assert_close(_got[_l], _expected[_l], name=f"updated weights[{_l}] ({_label})", rtol=1e-6, atol=1e-10)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_back_prop_batch_mean" points=2
"""back_prop averages over the batch: a batch repeated twice (batch_size 2N) gives the same step; lr = 0 changes nothing."""
note_hidden_tests()
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(42)
_n, _lr = 6, 0.7
_batch, _batch_y = _rng.standard_normal((_n, 5)), np.eye(4)[_rng.integers(0, 4, size=_n)]
_weights = [_rng.uniform(-1, 1, (5, 6)), _rng.uniform(-1, 1, (6, 4))]
_hidden = torch.sigmoid(torch.from_numpy(_batch @ _weights[0]))
_layers = [_batch, _hidden.numpy(), torch.softmax(_hidden @ torch.from_numpy(_weights[1]), dim=1).numpy()]
_twice = [np.vstack([a, a]) for a in _layers]
with quiet(), substitute(STAND_INS):
    _once_step = call(back_prop, _layers[-1].copy(), _batch_y.copy(), [a.copy() for a in _layers],
                      [w.copy() for w in _weights], _n, _lr)
    _twice_step = call(back_prop, _twice[-1], np.vstack([_batch_y, _batch_y]), _twice, [w.copy() for w in _weights],
                       2 * _n, _lr)
    _still = call(back_prop, _layers[-1].copy(), _batch_y.copy(), [a.copy() for a in _layers],
                  [w.copy() for w in _weights], _n, 0.0)
for _l in range(2):
    assert_close(_twice_step[_l], _once_step[_l], name=f"weights[{_l}] after a step on the batch repeated twice",
                 rtol=1e-6, atol=1e-10)
    assert_close(_still[_l], _weights[_l], name=f"weights[{_l}] after a step with lr = 0")
### END HIDDEN TESTS

# %% [markdown]
# ### 3.3 Why $P - Y$? (2 points)
#
# Show that for one example with softmax probabilities $p = \mathrm{softmax}(z)$ and one-hot target
# $y$, the gradient of $\ell = -\sum_c y_c \log p_c$ with respect to the scores is $p - y$.
# Where does the factor $1/N$ of $\delta_L$ come from?

# %% [markdown] tags=["manual"] id="softmax_cross_entropy_gradient" points=2
# $\log p_c = z_c - \log \sum_k e^{z_k}$, so $\ell = -\sum_c y_c z_c + \left(\sum_c y_c\right) \log \sum_k e^{z_k}
# = -\sum_c y_c z_c + \log \sum_k e^{z_k}$ because the one-hot $y$ sums to 1. Differentiating,
# $\partial \ell / \partial z_j = -y_j + e^{z_j} / \sum_k e^{z_k} = p_j - y_j$.
# The batch loss is the **mean** of the N per-example losses, $\mathcal{L} = \frac1N \sum_n \ell_n$, and each
# example's scores appear only in its own term, so $\partial \mathcal{L} / \partial z_n = (p_n - y_n)/N$.

# %% [markdown]
# ## 4. Training the MLP (6 points)
#
# The class below holds the data and the weights. Complete three methods:
#
# * `predict(X)`: the predicted class of each row of `X` (the most probable one);
# * `evaluate(X, Y)`: the mean cross-entropy and the accuracy on inputs `X` with one-hot targets `Y`;
# * `train(batch_size, epochs, lr)`: mini-batch SGD. In each epoch, shuffle the training examples
#   with `self.rng` (e.g. `self.rng.permutation`), cut them into batches of `batch_size` examples
#   (the last one smaller when `batch_size` does not divide their number), and for each batch run
#   `feed_forward` and `back_prop` (with the size of that batch), storing the result in
#   `self.weights`. The given code records the losses and accuracies after each epoch.
#
# Use `init_layers`, `feed_forward` and `back_prop` from above.

# %% tags=["solution"] id="MLP"
class MLP:
    """A sigmoid MLP with a softmax output, trained by mini-batch SGD on the mean cross-entropy."""

    def __init__(self, layer_sizes, X_train, Y_train, X_val, Y_val, seed=0):
        """layer_sizes [D, ..., C]; X_* of shape (N, D), Y_* one-hot of shape (N, C)."""
        self.layer_sizes = list(layer_sizes)
        self.X_train, self.Y_train, self.X_val, self.Y_val = X_train, Y_train, X_val, Y_val
        self.rng = np.random.default_rng(seed)
        self.weights = init_weights(self.layer_sizes, self.rng)
        self.history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}

    def predict(self, X):
        """Predicted classes.

        Inputs:
        - X: inputs of shape (N, D)

        Returns:
        - integer array of shape (N,): the most probable class of each row
        """
        ### BEGIN SOLUTION
        output, _ = feed_forward(X, init_layers(len(X), self.layer_sizes), self.weights)
        return np.argmax(output, axis=1)
        ### END SOLUTION

    def evaluate(self, X, Y):
        """Loss and accuracy of the current weights.

        Inputs:
        - X: inputs of shape (N, D)
        - Y: one-hot targets of shape (N, C)

        Returns a tuple (loss, accuracy):
        - loss: the mean cross-entropy over the N examples, a float
        - accuracy: the fraction of rows whose predicted class is the target class, in [0, 1]
        """
        ### BEGIN SOLUTION
        output, _ = feed_forward(X, init_layers(len(X), self.layer_sizes), self.weights)
        loss = -np.mean(np.sum(Y * np.log(np.maximum(output, 1e-300)), axis=1))
        accuracy = np.mean(np.argmax(output, axis=1) == np.argmax(Y, axis=1))
        return float(loss), float(accuracy)
        ### END SOLUTION

    def train(self, batch_size, epochs, lr):
        """Mini-batch SGD on the training set; updates self.weights.

        Inputs:
        - batch_size: B, the number of examples per step (the last batch of an epoch may be smaller)
        - epochs: the number of passes over the training set
        - lr: the learning rate

        Returns:
        - self.history, with one entry per epoch added to each of its lists (by self.record)
        """
        n = len(self.X_train)
        for epoch in range(epochs):
            start_time = time.perf_counter()
            ### BEGIN SOLUTION
            order = self.rng.permutation(n)
            for start in range(0, n, batch_size):
                rows = order[start:start + batch_size]
                batch, batch_y = self.X_train[rows], self.Y_train[rows]
                output, layers = feed_forward(batch, init_layers(len(rows), self.layer_sizes), self.weights)
                self.weights = back_prop(output, batch_y, layers, self.weights, len(rows), lr)
            ### END SOLUTION
            self.record(epoch, time.perf_counter() - start_time)
        return self.history

    def record(self, epoch, seconds, verbose=False):
        """Append the losses and accuracies after an epoch to self.history (given)."""
        for split, X, Y in (("train", self.X_train, self.Y_train), ("val", self.X_val, self.Y_val)):
            loss, accuracy = self.evaluate(X, Y)
            self.history[f"{split}_loss"].append(loss)
            self.history[f"{split}_acc"].append(accuracy)
        if verbose or not autograder.grading():
            print(f"epoch {epoch + 1}: train loss {self.history['train_loss'][-1]:.4f}, "
                  f"validation accuracy {self.history['val_acc'][-1]:.4f} ({seconds:.2f} s)")

# %% tags=["tests"] id="test_MLP_predict_evaluate" points=1
"""predict gives the most probable class of each row and evaluate gives (mean cross-entropy, accuracy), like torch."""
def _one_layer_forward(batch, hidden_layers, weights):
    """Stands in for feed_forward on a network without hidden layer: softmax(batch @ W), computed by torch."""
    probabilities = torch.softmax(torch.from_numpy(batch @ weights[0]), dim=1).numpy()
    return probabilities, [batch, probabilities]


_X, _labels = np.random.default_rng(2).standard_normal((6, 4)), np.array([0, 1, 2, 0, 1, 2])
_W = np.random.default_rng(3).uniform(-1, 1, (4, 3))
with substitute({"feed_forward": _one_layer_forward, "init_weights": lambda sizes, rng=None: [_W.copy()]}):
    _model = call(MLP, [4, 3], _X, np.eye(3)[_labels], _X, np.eye(3)[_labels], 0)
    _predicted = call(_model.predict, _X)
    _result = call(_model.evaluate, _X, np.eye(3)[_labels])
_scores = torch.from_numpy(_X @ _W)
assert_shape(_predicted, (6,), name="predict(X) for X of shape (6, 4)")
assert_true(np.issubdtype(np.asarray(_predicted).dtype, np.integer), "predict should return integer classes")
assert_equal(_predicted, _scores.argmax(dim=1).numpy(), name="predict(X)")
assert_true(isinstance(_result, (tuple, list)) and len(_result) == 2,
            f"evaluate should return (loss, accuracy), got {type(_result).__name__}")
assert_close(_result[0], F.cross_entropy(_scores, torch.from_numpy(_labels)), name="the loss from evaluate", rtol=1e-5)
assert_close(_result[1], np.mean(_scores.argmax(dim=1).numpy() == _labels), name="the accuracy from evaluate")
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(51)
for _d, _c, _n in ((5, 4, 40), (3, 2, 9), (8, 10, 1), (6, 7, 13)):
    _X, _labels = _rng.standard_normal((_n, _d)), _rng.integers(0, _c, size=_n)
    _W = _rng.uniform(-2, 2, (_d, _c))
    with substitute({"feed_forward": _one_layer_forward, "init_weights": lambda sizes, rng=None: [_W.copy()],
                     "init_layers": lambda n, sizes: [np.zeros((n, s)) for s in sizes]}):
        _model = call(MLP, [_d, _c], _X[:2], np.eye(_c)[_labels[:2]], _X[:2], np.eye(_c)[_labels[:2]], 3)
        _predicted = call(_model.predict, _X)
        _loss, _accuracy = call(_model.evaluate, _X, np.eye(_c)[_labels])
    _scores = torch.from_numpy(_X @ _W)
    assert_shape(_predicted, (_n,), name=f"predict for a batch of {_n}")
    assert_equal(_predicted, _scores.argmax(dim=1).numpy(), name=f"predict ({_c} classes, batch of {_n})")
    assert_close(_loss, F.cross_entropy(_scores, torch.from_numpy(_labels)), name=f"evaluate's loss (N={_n})",
                 rtol=1e-5)
    assert_close(_accuracy, np.mean(_scores.argmax(dim=1).numpy() == _labels), name=f"evaluate's accuracy (N={_n})")
### END HIDDEN TESTS

# %% tags=["tests"] id="test_MLP_train_batches" points=2
"""train visits every example once per epoch, in batches of batch_size (the last one smaller), shuffled by self.rng."""
def _uniform_forward(batch, hidden_layers, weights):
    """Stands in for feed_forward: every class equally likely; the batch is stored in layers[0]."""
    probabilities = np.full((len(batch), 3), 1 / 3)
    return probabilities, [np.asarray(batch), probabilities]


def _recording_back_prop(output, batch_y, hidden_layers, weights, batch_size, lr):
    """Stands in for back_prop: records the batch (the examples of hidden_layers[0]) and adds 1 to every weight."""
    _steps.append((np.asarray(hidden_layers[0])[:, 0].astype(int).tolist(), batch_size))
    return [W + 1.0 for W in weights]


def _train_and_record(seed, n=10, batch_size=4, epochs=2):
    """Train on n examples (row i is full of i), with stand-ins: the batches back_prop saw, and the model."""
    _steps.clear()
    X = np.arange(float(n))[:, None] * np.ones((1, 4))
    Y = np.eye(3)[np.arange(n) % 3]
    with substitute({"feed_forward": _uniform_forward, "back_prop": _recording_back_prop,
                     "init_layers": lambda n_rows, sizes: [np.zeros((n_rows, s)) for s in sizes],
                     "init_weights": lambda sizes, rng=None: [np.zeros((a, b)) for a, b in zip(sizes[:-1], sizes[1:])]}):
        model = call(MLP, [4, 5, 3], X, Y, X, Y, seed)
        call(model.train, batch_size, epochs, 0.1)
    return list(_steps), model


_steps = []
_seen, _model = _train_and_record(seed=0)
_sizes = [len(rows) for rows, _ in _seen]
assert_equal(_sizes, [4, 4, 2, 4, 4, 2], name="batch sizes",
             inputs={"N": 10, "batch_size": 4, "epochs": 2})
for _rows, _given in _seen:
    assert_equal(_given, len(_rows), name="the batch_size given to back_prop (the size of that batch)")
_epochs = [sum((rows for rows, _ in _seen[3 * e:3 * e + 3]), []) for e in range(2)]
for _e, _order in enumerate(_epochs):
    assert_equal(sorted(_order), list(range(10)), name=f"the examples seen in epoch {_e + 1} (each once)")
assert_true(_epochs[0] != list(range(10)) and _epochs[0] != _epochs[1],
            f"train: no new random order in each epoch: {_epochs[0]}, then {_epochs[1]}\n"
            "  shuffle the examples (self.rng.permutation) at the start of every epoch")
assert_close(_model.weights[0], np.full((4, 5), 6.0),
             name="self.weights after 6 steps of a back_prop that adds 1 (store what back_prop returns)")
np.random.seed(1)  # NumPy's global generator in another state: the order must not change
_again, _ = _train_and_record(seed=0)
assert_true(_again == _seen, "train: two models with the same seed, two orders of the examples\n"
                             "  shuffle with self.rng (not NumPy's global generator)")
### BEGIN HIDDEN TESTS
np.random.seed(1)
_first, _ = _train_and_record(seed=5, n=13, batch_size=5, epochs=3)
np.random.seed(2)
_again, _ = _train_and_record(seed=5, n=13, batch_size=5, epochs=3)
_other, _ = _train_and_record(seed=6, n=13, batch_size=5, epochs=3)
assert_equal([len(rows) for rows, _ in _first], [5, 5, 3] * 3, name="batch sizes",
             inputs={"N": 13, "batch_size": 5, "epochs": 3})
assert_true(_first == _again, "train: two models with the same seed, two orders of the examples\n"
                              "  shuffle with self.rng (not NumPy's global generator)")
assert_true(_first != _other, "train: two seeds, one order of the examples\n  shuffle with self.rng")
_seen, _ = _train_and_record(seed=0, n=7, batch_size=7, epochs=2)
assert_equal([len(rows) for rows, _ in _seen], [7, 7], name="batch sizes",
             inputs={"N": 7, "batch_size": 7, "epochs": 2})
_seen, _ = _train_and_record(seed=0, n=5, batch_size=1, epochs=1)
assert_equal(sorted(sum((rows for rows, _ in _seen), [])), list(range(5)), name="examples seen with batch_size=1")
### END HIDDEN TESTS

# %% tags=["tests"] id="test_MLP_train_sgd" points=3
"""train takes one SGD step per batch on the updated weights, records one entry per epoch, and learns."""
note_hidden_tests()
### BEGIN HIDDEN TESTS
def _torch_forward(batch, hidden_layers, weights):
    """Stands in for feed_forward: the same network in torch."""
    activations = [torch.from_numpy(np.asarray(batch, dtype=float))]
    for l, W in enumerate(weights):
        scores = activations[-1] @ torch.from_numpy(W)
        activations.append(torch.softmax(scores, dim=1) if l == len(weights) - 1 else torch.sigmoid(scores))
    return activations[-1].numpy(), [a.numpy() for a in activations]


def _torch_step(batch, batch_y, weights, batch_size, lr):
    """One SGD step on the cross-entropy summed over the batch and divided by batch_size, by autograd."""
    W = [torch.tensor(w, requires_grad=True) for w in weights]
    h = torch.from_numpy(np.asarray(batch, dtype=float))
    for l, w in enumerate(W):
        h = h @ w if l == len(W) - 1 else torch.sigmoid(h @ w)
    (-(torch.from_numpy(batch_y) * torch.log_softmax(h, dim=1)).sum() / batch_size).backward()
    return [(w - lr * w.grad).detach().numpy() for w in W]


def _torch_back_prop(output, batch_y, hidden_layers, weights, batch_size, lr):
    """Stands in for back_prop (from the batch in hidden_layers[0]), and records the batch."""
    _batches.append((np.array(hidden_layers[0]), np.array(batch_y), batch_size))
    return _torch_step(hidden_layers[0], batch_y, weights, batch_size, lr)


_references = {"feed_forward": _torch_forward, "back_prop": _torch_back_prop,
               "init_layers": lambda n, sizes: [np.zeros((n, s)) for s in sizes],
               "init_weights": lambda sizes, rng: [rng.uniform(-1, 1, (a, b)) for a, b in zip(sizes[:-1], sizes[1:])]}
_rng = np.random.default_rng(52)
_X, _Y = _rng.standard_normal((11, 5)), np.eye(3)[_rng.integers(0, 3, size=11)]
_start = [_rng.uniform(-1, 1, (a, b)) for a, b in ((5, 6), (6, 3))]
_batches = []
with substitute(_references), quiet():
    _model = call(MLP, [5, 6, 3], _X, _Y, _X, _Y, 0)
    _model.weights = [w.copy() for w in _start]
    call(_model.train, 4, 2, 0.5)
_expected = _start
for _batch, _batch_y, _ in _batches:
    _expected = _torch_step(_batch, _batch_y, _expected, len(_batch), 0.5)
for _l in range(2):
    assert_close(_model.weights[_l], _expected[_l], rtol=1e-8, atol=1e-10,
                 name=f"self.weights[{_l}] after 2 epochs (6 SGD steps, each on the weights of the step before)")

_rng = np.random.default_rng(53)
_X, _labels = _rng.standard_normal((40, 6)), _rng.integers(0, 4, size=40)
with substitute(_references), quiet():
    _model = call(MLP, [6, 32, 4], _X, np.eye(4)[_labels], _X[:5], np.eye(4)[_labels[:5]], 4)
    _initial = call(_model.evaluate, _X, np.eye(4)[_labels])[0]
    _history = call(_model.train, 10, 20, 1.0)
for _key in ("train_loss", "train_acc", "val_loss", "val_acc"):
    assert_equal(len(_history[_key]), 20, name=f"len(history[{_key!r}]) after 20 epochs")
assert_true(_history["train_loss"][-1] < 0.8 * _initial,
            f"train: the training loss should go down on 40 random examples (20 epochs, lr 1): "
            f"from {_initial:.3f} to {_history['train_loss'][-1]:.3f}")
### END HIDDEN TESTS

# %% [markdown]
# ## 5. Training on MNIST (2 points)
#
# Time to train a real network: 784 inputs, one hidden layer of 128 sigmoid units, 10 outputs,
# batches of 16 and a learning rate of 2 (large, because the sigmoids saturate with weights in
# [−1, 1]). On the bundled 7,000 training digits an epoch takes a fraction of a second; expect a
# validation accuracy around 94%. (While grading, a much shorter run on a small subset.)

# %%
quick = autograder.grading()
n_train, epochs = (1000, 2) if quick else (len(X_train), 20)
mlp = MLP([784, 128, 10], X_train[:n_train], one_hot(labels_train[:n_train]), X_val, one_hot(labels_val), seed=0)
history = mlp.train(batch_size=16, epochs=epochs, lr=2.0)

# %%
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 4))
epochs_axis = np.arange(1, len(history["train_loss"]) + 1)
ax_loss.plot(epochs_axis, history["train_loss"], "o-", label="training")
ax_loss.plot(epochs_axis, history["val_loss"], "o-", label="validation")
ax_loss.set(xlabel="epoch", ylabel="mean cross-entropy", title="Loss")
ax_acc.plot(epochs_axis, history["train_acc"], "o-", label="training")
ax_acc.plot(epochs_axis, history["val_acc"], "o-", label="validation")
ax_acc.set(xlabel="epoch", ylabel="accuracy", title="Accuracy")
for ax in (ax_loss, ax_acc):
    ax.legend()
    ax.grid(alpha=0.3)
fig.suptitle("MLP [784, 128, 10] on MNIST")
plt.show()
test_loss, test_accuracy = mlp.evaluate(X_test, one_hot(labels_test))
print(f"test error: {100 * (1 - test_accuracy):.2f}% (loss {test_loss:.4f})")

# %% [markdown]
# ### Why random weights? (2 points)
#
# `init_weights` draws every weight at random. What would happen if every weight started at
# **zero**? Follow what `feed_forward` and `back_prop` compute for the hidden units (or try it: set
# `mlp.weights = [np.zeros_like(W) for W in mlp.weights]` before training), and say what breaks.

# %% [markdown] tags=["manual"] id="zero_initialisation" points=2
# With zero weights every hidden unit outputs σ(0) = 0.5 for every input: the hidden units are
# identical, the scores are all 0 and the softmax is uniform. In `back_prop`, the hidden layer's
# δ = (δ_L W₂ᵀ) ⊙ σ' is 0 because W₂ = 0, so W₁ does not move at the first step, while W₂ gets the same
# update in every row (one row per hidden unit). From then on all hidden units have the same incoming and
# outgoing weights, so they get the same gradients and stay identical: the symmetry is never broken and
# the 128 hidden units act as one. Here it is even worse: with no biases the scores are h(x)·s_c, with
# the same h(x) > 0 for every class, so every input gets the same predicted class and the accuracy stays
# at chance (measured: 9.9% on the validation digits after 5 epochs). Random initial weights make the
# units differ, so that each can learn its own feature.

# %% [markdown]
# Things to try (not graded): a larger hidden layer, a second hidden layer, other learning rates and
# batch sizes. Which digits does the network confuse? (Compare `mlp.predict(X_test)` with
# `labels_test`.)
