# %% [markdown]
# # Lab 3, Part 2 — A layer framework in NumPy
#
# In Part 1 you wrote one network as one block of code. Real libraries (PyTorch, Keras) are built
# differently: out of small **layers** that each know two things,
#
# * `fprop(input)`: compute the layer's output (and remember what `bprop` will need);
# * `bprop(output_grad)`: given the gradient of the loss with respect to the layer's output,
#   return the gradient with respect to its input (and store the gradients of its own parameters).
#
# A network is then just a list of layers: the forward pass calls `fprop` from the first layer to
# the last, backpropagation calls `bprop` from the last layer to the first. In this notebook you
# build such a framework, check it against PyTorch with **gradient checking**, and train it on MNIST.
#
# **Conventions** (used everywhere below):
#
# * Arrays hold one example per row: inputs `X` have shape (N, D) (N examples, D features), a layer
#   with M units outputs (N, M), the network outputs (N, K) (K classes or targets).
# * Targets `Y` have shape (N, K); for classification they are **one-hot** rows.
# * The loss of a batch is the **mean** over its examples: L = (1/N) Σₙ ℓₙ.
# * `output_grad` (N, M), passed to `bprop`, is the gradient of the **summed** loss Σₙ ℓₙ with respect
#   to the layer's output: row n only depends on example n. `bprop` returns the same for its input,
#   shape (N, D), and stores `dW` and `db`, the gradients of the **mean** loss L — the average over
#   the batch of each example's gradient.
#
# Write your layers with NumPy: PyTorch appears only in the tests and in the test helpers (which
# compute the same layers with autograd), and the tests check that your layers do not use it.
#
# Write your code where it says `YOUR CODE HERE` (delete the `raise NotImplementedError()` line).
# The cells that start with a docstring are tests: run them to check your work. They show one worked
# example; when grading, more tests run on other inputs (compared with PyTorch's autograd), so make
# your code general. Run the cells in order, from the top. Total: 34 points.

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

# The tensors of this lab are tiny: one thread avoids the cost of starting threads for every operation.
torch.set_num_threads(1)

# %% [markdown]
# ## 1. Activation functions (4 points)
#
# An `Activation` is a layer without parameters that applies a function elementwise. Its `fprop`
# remembers its input; its `bprop(output_grad)` returns `output_grad * f'(input)` (chain rule,
# elementwise). Implement the four functions and their derivatives:
#
# | name | f(x) | f'(x) |
# | --- | --- | --- |
# | `"sigmoid"` | 1 / (1 + e⁻ˣ) | f(x) (1 − f(x)) |
# | `"tanh"` | tanh(x) | 1 − tanh²(x) |
# | `"relu"` | max(0, x) | 1 if x > 0, else 0 |
# | `"linear"` | x | 1 |
#
# The sigmoid must give the right value for large inputs too (±1000); a NumPy overflow warning is
# fine as long as there is no `nan`.

# %% tags=["solution"] id="Activation"
class Activation:
    """An elementwise activation function with its derivative.

    Construction: Activation(name) with name in "sigmoid", "tanh", "relu", "linear".
    Each layer needs its own Activation object: it remembers the input of its last fprop.
    """

    NAMES = ("sigmoid", "tanh", "relu", "linear")

    def __init__(self, name):
        if name not in self.NAMES:
            raise ValueError(f"unknown activation {name!r}; choose one of {self.NAMES}")
        self.name = name
        self.last_input = None

    def fprop(self, input):
        """Apply the activation elementwise.

        Inputs:
        - input: array of any shape, e.g. (N, M)

        Returns:
        - output: array of the same shape, f(input); input is stored in self.last_input
        """
        ### BEGIN SOLUTION
        self.last_input = input
        if self.name == "sigmoid":
            return np.exp(-np.logaddexp(0.0, -input))  # 1 / (1 + exp(-x)) without overflow
        if self.name == "tanh":
            return np.tanh(input)
        if self.name == "relu":
            return np.maximum(input, 0.0)
        return input
        ### END SOLUTION

    def bprop(self, output_grad):
        """Backpropagate through the activation, at the input of the last fprop.

        Inputs:
        - output_grad: array of the same shape as that input, the gradient with respect to f(input)

        Returns:
        - input_grad: array of the same shape, output_grad * f'(input)
        """
        ### BEGIN SOLUTION
        x = self.last_input
        if self.name == "sigmoid":
            s = np.exp(-np.logaddexp(0.0, -x))
            return output_grad * s * (1.0 - s)
        if self.name == "tanh":
            return output_grad * (1.0 - np.tanh(x) ** 2)
        if self.name == "relu":
            return output_grad * (x > 0)
        return output_grad
        ### END SOLUTION

# %% tags=["tests"] id="test_Activation_example" points=1
"""Activation's fprop and bprop agree with torch and its autograd for the four names, on a small input."""
_functions = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda t: t}
_x = np.array([[-2.0, -0.5, 0.5, 2.0]])
_output_grad = np.array([[1.0, -2.0, 3.0, 0.5]])
for _name, _function in _functions.items():
    _x_t = torch.tensor(_x, requires_grad=True)
    _function(_x_t).backward(torch.tensor(_output_grad))
    _act = call(Activation, _name)
    assert_close(call(_act.fprop, _x), _function(torch.tensor(_x)), name=f"Activation({_name!r}).fprop(x)",
                 inputs={"x": _x})
    assert_close(call(_act.bprop, _output_grad), _x_t.grad, name=f"Activation({_name!r}).bprop",
                 inputs={"x": _x, "output_grad": _output_grad})
assert_not_used(Activation.fprop, ["torch"], name="Activation.fprop")
assert_not_used(Activation.bprop, ["torch"], name="Activation.bprop")

# %% tags=["tests"] id="test_Activation_fprop" points=1
"""Activation.fprop matches torch's functions for all four names, on random and on large inputs."""
note_hidden_tests()
### BEGIN HIDDEN TESTS
_functions = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda t: t}
_rng = np.random.default_rng(10)
for _name, _function in _functions.items():
    for _shape in ((1, 1), (3, 5), (17, 4)):
        _x = 3 * _rng.standard_normal(_shape)
        _out = call(call(Activation, _name).fprop, _x)
        assert_type(_out, np.ndarray, name=f"Activation({_name!r}).fprop")
        assert_shape(_out, _shape, name=f"Activation({_name!r}).fprop of a {_shape} input")
        assert_close(_out, _function(torch.tensor(_x)), name=f"Activation({_name!r}).fprop of a {_shape} input",
                     rtol=1e-7, atol=1e-10)
    _x = np.array([[-1000.0, -50.0, 0.0, 50.0, 1000.0]])
    with quiet():
        _out = call(call(Activation, _name).fprop, _x)
    assert_close(_out, _function(torch.tensor(_x)), name=f"Activation({_name!r}).fprop of large inputs",
                 inputs={"input": _x}, rtol=1e-7, atol=1e-10)
    _x32 = _rng.standard_normal((4, 3)).astype(np.float32)
    assert_close(call(call(Activation, _name).fprop, _x32), _function(torch.tensor(_x32)),
                 name=f"Activation({_name!r}).fprop of a float32 input", rtol=1e-5, atol=1e-6)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_Activation_bprop" points=2
"""Activation.bprop matches torch autograd (float64) for all four names, at the input of the last fprop."""
note_hidden_tests()
### BEGIN HIDDEN TESTS
_functions = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda t: t}
_rng = np.random.default_rng(11)
for _name, _function in _functions.items():
    for _shape in ((1, 1), (3, 5), (17, 4), (6, 1)):
        _x, _output_grad = 2 * _rng.standard_normal(_shape), _rng.standard_normal(_shape)
        _x_t = torch.tensor(_x, requires_grad=True)
        _function(_x_t).backward(torch.tensor(_output_grad))
        _act = call(Activation, _name)
        call(_act.fprop, _rng.standard_normal(_shape))  # bprop must use the latest input
        call(_act.fprop, _x)
        _grad = call(_act.bprop, _output_grad)
        assert_type(_grad, np.ndarray, name=f"Activation({_name!r}).bprop")
        assert_shape(_grad, _shape, name=f"Activation({_name!r}).bprop for a {_shape} input")
        assert_close(_grad, _x_t.grad, name=f"Activation({_name!r}).bprop for a {_shape} input",
                     inputs={"input": _x, "output_grad": _output_grad}, rtol=1e-7, atol=1e-10)
    _x = np.array([[-1000.0, -30.0, 30.0, 1000.0]])
    _x_t = torch.tensor(_x, requires_grad=True)
    _function(_x_t).backward(torch.ones_like(_x_t))
    _act = call(Activation, _name)
    with quiet():
        call(_act.fprop, _x)
        _grad = call(_act.bprop, np.ones_like(_x))
    assert_close(_grad, _x_t.grad, name=f"Activation({_name!r}).bprop at large inputs", inputs={"input": _x},
                 rtol=1e-7, atol=1e-10)
### END HIDDEN TESTS

# %% [markdown]
# ## 2. The building blocks (given)
#
# Every layer follows the small interface below. `InputLayer` just passes its input on; it tells the
# next layer the input size. A layer with parameters also derives from `Parameterized`: the network
# finds the parameters it must update by asking each layer for `params()` and `grad_params()`.

# %% tags=["readonly"] id="base_layers"
class Layer:
    """A layer of the network: fprop, bprop and the shape of its output."""

    def fprop(self, input):
        """input (N, D) -> output (N, M); remembers what bprop needs."""
        raise NotImplementedError()

    def bprop(self, output_grad):
        """output_grad (N, M), the gradient with respect to the output -> gradient with respect to the input (N, D)."""
        raise NotImplementedError()

    def output_size(self):
        """Shape of the output, (N, M), where N may be None (any batch size)."""
        raise NotImplementedError()


class Parameterized:
    """A layer with parameters: params() and grad_params() list arrays of the same shapes, in the same order."""

    def params(self):
        """The parameter arrays themselves (not copies): updating them in place changes the layer."""
        raise NotImplementedError()

    def grad_params(self):
        """The gradients of the mean loss with respect to params(), as computed by the last bprop."""
        raise NotImplementedError()


class Loss:
    """An output layer that also defines the loss."""

    def loss(self, Y, Y_pred):
        """Mean loss over the batch: a float."""
        raise NotImplementedError()

    def input_grad(self, Y, Y_pred):
        """Gradient of the summed loss with respect to this layer's input, shape (N, K)."""
        raise NotImplementedError()


class InputLayer(Layer):
    """The first layer: passes the data on. input_shape is (N, D), with N possibly None."""

    def __init__(self, input_shape):
        self.input_shape = tuple(input_shape)

    def output_size(self):
        return self.input_shape

    def fprop(self, input):
        return input

    def bprop(self, output_grad):
        return output_grad

# %% [markdown]
# ## 3. A fully connected layer (7 points)
#
# `FullyConnectedLayer(input_layer, num_units, init_stddev, activation_fun)` computes
#
# $$\text{out} = f(X W + b), \qquad X: (N, D),\; W: (D, M),\; b: (M,)$$
#
# where D = `input_layer.output_size()[1]`, M = `num_units` and f is the `Activation` given. Start
# with W drawn from a normal distribution with mean 0 and standard deviation `init_stddev`
# (`np.random.normal`) and b = 0. In `bprop(output_grad)`, with A = XW + b and
# δ = `activation_fun.bprop(output_grad)` (the gradient with respect to A):
#
# * `self.dW` = (1/N) Xᵀ δ, shape (D, M), and `self.db` = the mean of δ over the batch, shape (M,);
# * the return value is δ Wᵀ, shape (N, D), the gradient with respect to the input X.
#
# Check each formula's shape before you write it: that is how most backprop bugs show up.

# %% tags=["solution"] id="FullyConnectedLayer"
class FullyConnectedLayer(Layer, Parameterized):
    """A fully connected (dense) layer followed by an activation: out = f(X W + b).

    Construction:
    - input_layer: the previous layer; input_layer.output_size() is (N, D)
    - num_units: M, the number of units (outputs) of this layer
    - init_stddev: standard deviation of the normal distribution W is drawn from
    - activation_fun: an Activation (its own object, not shared with another layer)

    Attributes: self.W (D, M), self.b (M,), and after bprop self.dW (D, M), self.db (M,).
    """

    def __init__(self, input_layer, num_units, init_stddev, activation_fun):
        self.num_units = num_units
        self.activation_fun = activation_fun
        self.input_shape = input_layer.output_size()
        self.dW = None
        self.db = None
        self.last_input = None
        ### BEGIN SOLUTION
        self.W = np.random.normal(0.0, init_stddev, size=(self.input_shape[1], num_units))
        self.b = np.zeros(num_units)
        ### END SOLUTION

    def output_size(self):
        """(N, M): the batch size of the input layer (possibly None) and the number of units."""
        return (self.input_shape[0], self.num_units)

    def fprop(self, input):
        """Forward pass.

        Inputs:
        - input: X, array (N, D)

        Returns:
        - output: f(X W + b), array (N, M); X is stored in self.last_input for bprop
        """
        ### BEGIN SOLUTION
        self.last_input = input
        return self.activation_fun.fprop(input @ self.W + self.b)
        ### END SOLUTION

    def bprop(self, output_grad):
        """Backward pass, for the input of the last fprop.

        Inputs:
        - output_grad: array (N, M), gradient of the summed loss with respect to the output

        Returns:
        - input_grad: array (N, D), gradient of the summed loss with respect to the input X
        Stores self.dW (D, M) and self.db (M,): gradients of the mean loss (batch means).
        """
        ### BEGIN SOLUTION
        delta = self.activation_fun.bprop(output_grad)
        n = output_grad.shape[0]
        self.dW = self.last_input.T @ delta / n
        self.db = delta.mean(axis=0)
        return delta @ self.W.T
        ### END SOLUTION

    def params(self):
        """[W, b]: the arrays themselves."""
        ### BEGIN SOLUTION
        return [self.W, self.b]
        ### END SOLUTION

    def grad_params(self):
        """[dW, db], from the last bprop."""
        ### BEGIN SOLUTION
        return [self.dW, self.db]
        ### END SOLUTION

# %% [markdown]
# The tests of the layers below use activations computed by PyTorch, so that a bug in your
# `Activation` does not count twice (your layers get an object with the same `fprop`/`bprop`).

# %% tags=["readonly"] id="torch_activation"
class TorchActivation:
    """Like Activation, computed by torch: fprop applies the function, bprop multiplies by its derivative (autograd)."""

    FUNCTIONS = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda t: t}

    def __init__(self, name):
        self.name, self.last_input = name, None

    def fprop(self, input):
        self.last_input = np.asarray(input, dtype=float)
        return self.FUNCTIONS[self.name](torch.from_numpy(self.last_input)).numpy()

    def bprop(self, output_grad):
        x = torch.tensor(self.last_input, requires_grad=True)
        (grad,) = torch.autograd.grad(self.FUNCTIONS[self.name](x), x, torch.as_tensor(output_grad, dtype=x.dtype))
        return grad.numpy()

# %% tags=["tests"] id="test_FullyConnectedLayer_example" points=1
"""FullyConnectedLayer on a worked example: 2 inputs, 3 ReLU units, W and b set by hand, a batch of 2."""
_layer = call(FullyConnectedLayer, InputLayer((None, 2)), 3, 0.1, TorchActivation("relu"))
_params = call(_layer.params)
assert_true(isinstance(_params, (list, tuple)) and len(_params) == 2, "params() should return [W, b]")
assert_shape(_params[0], (2, 3), name="W of a layer with 2 inputs and 3 units")
assert_shape(_params[1], (3,), name="b of a layer with 3 units")
_params[0][...] = [[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]]  # in place: params() returns the arrays themselves
_params[1][...] = [0.0, 1.0, 0.0]
# For x = [1, 1]: X W + b = [3, 2, -1], ReLU [3, 2, 0]; for x = [0, 2]: [4, 3, 0], ReLU [4, 3, 0].
_X = np.array([[1.0, 1.0], [0.0, 2.0]])
assert_close(call(_layer.fprop, _X), np.array([[3.0, 2.0, 0.0], [4.0, 3.0, 0.0]]), name="fprop(X)", inputs={"X": _X})
_input_grad = call(_layer.bprop, np.array([[1.0, 1.0, 1.0], [1.0, 2.0, 3.0]]))
_grads = call(_layer.grad_params)
assert_true(isinstance(_grads, (list, tuple)) and len(_grads) == 2, "grad_params() should return [dW, db]")
assert_close(_grads[0], np.array([[0.5, 0.5, 0.0], [1.5, 2.5, 0.0]]), name="dW (the mean over the batch of 2)")
assert_close(_grads[1], np.array([1.0, 1.5, 0.0]), name="db (the mean over the batch of 2)")
assert_close(_input_grad, np.array([[1.0, 3.0], [1.0, 4.0]]), name="bprop(output_grad) (the input gradient)")

# %% tags=["tests"] id="test_FullyConnectedLayer_init" points=1
"""FullyConnectedLayer starts with W ~ N(0, init_stddev^2), b = 0, and params() returns the arrays in use."""
np.random.seed(12)
_layer = call(FullyConnectedLayer, InputLayer((None, 300)), 200, 0.05, TorchActivation("linear"))
_W, _b = call(_layer.params)
assert_shape(_W, (300, 200), name="W of a layer with 300 inputs and 200 units")
assert_close(np.std(_W), 0.05, name="standard deviation of W (init_stddev = 0.05)", rtol=0.05)
assert_close(_b, np.zeros(200), name="b at initialisation")
### BEGIN HIDDEN TESTS
assert_close(np.mean(_W), 0.0, name="mean of W", atol=0.002)
assert_equal(_layer.output_size()[-1], 200, name="output_size()[-1] of a layer with 200 units")
_b[...] = 1.5  # the network updates parameters in place, so fprop must see the change
assert_close(call(_layer.fprop, np.zeros((2, 300))), np.full((2, 200), 1.5),
             name="fprop with b set to 1.5 in place",
             inputs={"hint": "does params() return copies?"})
np.random.seed(13)
_other = call(FullyConnectedLayer, _layer, 7, 2.0, TorchActivation("tanh"))  # input size from the previous layer
assert_shape(call(_other.params)[0], (200, 7), name="W of a layer with 7 units after a layer of 200 units")
assert_close(np.std(call(_other.params)[0]), 2.0, name="standard deviation of W (init_stddev = 2)", rtol=0.1)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_FullyConnectedLayer_fprop" points=1
"""FullyConnectedLayer.fprop matches torch's linear layer and activation, for several sizes and activations."""
note_hidden_tests()
### BEGIN HIDDEN TESTS
_functions = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda t: t}
_rng = np.random.default_rng(14)
for _name, _function in _functions.items():
    for _n, _d, _m in ((1, 3, 2), (5, 4, 6), (17, 8, 3), (4, 1, 1)):
        _layer = call(FullyConnectedLayer, InputLayer((None, _d)), _m, 1.0, TorchActivation(_name))
        _W, _b = call(_layer.params)
        _W[...] = _rng.standard_normal((_d, _m))
        _b[...] = _rng.standard_normal(_m)
        _x = _rng.standard_normal((_n, _d))
        _expected = _function(F.linear(torch.tensor(_x), torch.tensor(_W).T, torch.tensor(_b)))
        _out = call(_layer.fprop, _x)
        _where = f"a ({_n}, {_d}) input through {_m} units ({_name})"
        assert_type(_out, np.ndarray, name=f"fprop of {_where}")
        assert_shape(_out, (_n, _m), name=f"fprop of {_where}")
        assert_close(_out, _expected, name=f"fprop of {_where}", rtol=1e-7, atol=1e-10)
assert_not_used(FullyConnectedLayer.fprop, ["torch"], name="FullyConnectedLayer.fprop")
### END HIDDEN TESTS

# %% tags=["tests"] id="test_FullyConnectedLayer_bprop_params" points=2
"""FullyConnectedLayer.bprop stores dW and db equal to torch autograd's gradients of the mean loss."""
note_hidden_tests()
### BEGIN HIDDEN TESTS
_functions = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda t: t}
_rng = np.random.default_rng(15)
for _name, _function in _functions.items():
    for _n, _d, _m in ((1, 3, 2), (5, 4, 6), (17, 8, 3), (8, 2, 1)):
        _layer = call(FullyConnectedLayer, InputLayer((None, _d)), _m, 1.0, TorchActivation(_name))
        _W, _b = call(_layer.params)
        _W[...] = _rng.standard_normal((_d, _m))
        _b[...] = _rng.standard_normal(_m)
        _x, _output_grad = _rng.standard_normal((_n, _d)), _rng.standard_normal((_n, _m))
        _leaves = [torch.tensor(a, requires_grad=True) for a in (_W, _b)]
        ((_function(torch.tensor(_x) @ _leaves[0] + _leaves[1]) * torch.tensor(_output_grad)).sum() / _n).backward()
        call(_layer.fprop, _x)
        call(_layer.bprop, _output_grad)
        _dW, _db = call(_layer.grad_params)
        assert_shape(_dW, (_d, _m), name=f"dW for W of shape ({_d}, {_m})")
        assert_shape(_db, (_m,), name=f"db for b of shape ({_m},)")
        _where = f"for a batch of {_n}, ({_d} inputs, {_m} units, {_name})"
        assert_close(_dW, _leaves[0].grad, name=f"dW {_where}", rtol=1e-7, atol=1e-10)
        assert_close(_db, _leaves[1].grad, name=f"db {_where}", rtol=1e-7, atol=1e-10)
        assert_close(_layer.dW, _leaves[0].grad, name=f"self.dW {_where}", rtol=1e-7, atol=1e-10)
        assert_close(_layer.db, _leaves[1].grad, name=f"self.db {_where}", rtol=1e-7, atol=1e-10)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_FullyConnectedLayer_bprop_input" points=2
"""FullyConnectedLayer.bprop returns the input gradient computed by torch autograd, for several sizes."""
note_hidden_tests()
### BEGIN HIDDEN TESTS
_functions = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda t: t}
_rng = np.random.default_rng(16)
for _name, _function in _functions.items():
    for _n, _d, _m in ((1, 3, 2), (5, 4, 6), (17, 8, 3), (3, 5, 1)):
        _layer = call(FullyConnectedLayer, InputLayer((None, _d)), _m, 1.0, TorchActivation(_name))
        _W, _b = call(_layer.params)
        _W[...] = _rng.standard_normal((_d, _m))
        _b[...] = _rng.standard_normal(_m)
        _x, _output_grad = _rng.standard_normal((_n, _d)), _rng.standard_normal((_n, _m))
        _x_t = torch.tensor(_x, requires_grad=True)  # the gradient of the summed loss: no 1/N
        (_function(_x_t @ torch.tensor(_W) + torch.tensor(_b)) * torch.tensor(_output_grad)).sum().backward()
        call(_layer.fprop, _rng.standard_normal((_n, _d)))  # bprop must use the latest input
        call(_layer.fprop, _x)
        _dx = call(_layer.bprop, _output_grad)
        assert_type(_dx, np.ndarray, name="what bprop returns")
        assert_shape(_dx, (_n, _d), name=f"bprop's input gradient for a ({_n}, {_d}) input")
        assert_close(_dx, _x_t.grad, name=f"input gradient for a ({_n}, {_d}) input, {_m} units ({_name})",
                     rtol=1e-7, atol=1e-10)
assert_not_used(FullyConnectedLayer.bprop, ["torch"], name="FullyConnectedLayer.bprop")
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Output layers and their losses (5 points + 2 points)
#
# The last layer of a network turns the output into predictions and defines the loss. It has no
# parameters, and instead of `bprop` it has `input_grad(Y, Y_pred)`: the gradient of the **summed**
# loss Σₙ ℓₙ with respect to its input, where `Y_pred` is what its `fprop` returned. Both output
# layers below have the same remarkably simple gradient, `Y_pred − Y` (you derive it in question 4c).
#
# **4a. `LinearOutput`** (regression): `fprop` is the identity and the loss is the squared error
# ℓₙ = ½ ‖ŷₙ − yₙ‖², averaged over the batch.

# %% tags=["solution"] id="LinearOutput"
class LinearOutput(Layer, Loss):
    """Identity output with the squared loss, for regression with targets Y (N, K)."""

    def __init__(self, input_layer):
        self.input_size = input_layer.output_size()

    def output_size(self):
        return self.input_size

    def bprop(self, output_grad):
        raise NotImplementedError("an output layer is the last layer: use input_grad")

    def fprop(self, input):
        """Returns the input (N, K) unchanged."""
        ### BEGIN SOLUTION
        return input
        ### END SOLUTION

    def loss(self, Y, Y_pred):
        """Mean over the batch of 0.5 * ||Y_pred[n] - Y[n]||^2; Y and Y_pred are (N, K). Returns a float."""
        ### BEGIN SOLUTION
        return float(np.mean(0.5 * np.sum((Y_pred - Y) ** 2, axis=1)))
        ### END SOLUTION

    def input_grad(self, Y, Y_pred):
        """Gradient of the summed loss with respect to the input of this layer: array (N, K)."""
        ### BEGIN SOLUTION
        return Y_pred - Y
        ### END SOLUTION

# %% tags=["tests"] id="test_LinearOutput_loss" points=1
"""LinearOutput.loss is the batch mean of half the squared errors: (0.5 (1 + 4) + 0.5 (9 + 0)) / 2 = 3.5 here."""
_output = call(LinearOutput, InputLayer((None, 2)))
_Y, _Y_pred = np.array([[1.0, 2.0], [0.0, 1.0]]), np.array([[2.0, 0.0], [3.0, 1.0]])
assert_close(call(_output.fprop, _Y_pred), _Y_pred, name="LinearOutput.fprop (the identity)")
assert_close(call(_output.loss, _Y, _Y_pred), 3.5, name="loss(Y, Y_pred) for a batch of 2",
             inputs={"Y": _Y, "Y_pred": _Y_pred})
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(17)
for _n, _k in ((1, 1), (4, 3), (10, 1), (7, 5)):
    _Y, _Y_pred = _rng.standard_normal((_n, _k)), _rng.standard_normal((_n, _k))
    _output = call(LinearOutput, InputLayer((None, _k)))
    assert_close(call(_output.fprop, _Y_pred), _Y_pred, name=f"LinearOutput.fprop of a ({_n}, {_k}) input")
    _expected = 0.5 * F.mse_loss(torch.tensor(_Y_pred), torch.tensor(_Y), reduction="sum") / _n
    assert_close(call(_output.loss, _Y, _Y_pred), _expected, name=f"loss of a batch of {_n} with {_k} outputs",
                 rtol=1e-8)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_LinearOutput_input_grad" points=1
"""LinearOutput.input_grad equals torch autograd's gradient of the summed squared loss."""
_output = call(LinearOutput, InputLayer((None, 2)))
assert_close(call(_output.input_grad, np.array([[1.0, 2.0]]), np.array([[2.0, 0.0]])), np.array([[1.0, -2.0]]),
             name="input_grad(Y=[[1, 2]], Y_pred=[[2, 0]])")
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(18)
for _n, _k in ((1, 1), (4, 3), (10, 1), (7, 5)):
    _Y, _z = _rng.standard_normal((_n, _k)), _rng.standard_normal((_n, _k))
    _z_t = torch.tensor(_z, requires_grad=True)
    (0.5 * ((_z_t - torch.tensor(_Y)) ** 2).sum()).backward()
    _output = call(LinearOutput, InputLayer((None, _k)))
    _grad = call(_output.input_grad, _Y, call(_output.fprop, _z))
    assert_shape(_grad, (_n, _k), name=f"input_grad for a batch of {_n} with {_k} outputs")
    assert_close(_grad, _z_t.grad, name=f"input_grad for a batch of {_n} with {_k} outputs", rtol=1e-8, atol=1e-12)
### END HIDDEN TESTS

# %% [markdown]
# **4b. `SoftmaxOutput`** (classification): `fprop` is the softmax of each row,
# ŷₙₖ = exp(zₙₖ) / Σⱼ exp(zₙⱼ), computed in a numerically stable way (subtract each row's maximum
# first: inputs of magnitude 1000 must not give `nan`). The loss is the negative log-likelihood
# (cross-entropy) ℓₙ = −Σₖ yₙₖ log ŷₙₖ, averaged over the batch.

# %% tags=["solution"] id="SoftmaxOutput"
class SoftmaxOutput(Layer, Loss):
    """Softmax output with the negative log-likelihood, for classification with one-hot targets Y (N, K)."""

    def __init__(self, input_layer):
        self.input_size = input_layer.output_size()

    def output_size(self):
        return self.input_size

    def bprop(self, output_grad):
        raise NotImplementedError("an output layer is the last layer: use input_grad")

    def fprop(self, input):
        """Row-wise softmax of the scores (N, K): each row of the result is positive and sums to 1."""
        ### BEGIN SOLUTION
        exps = np.exp(input - np.max(input, axis=1, keepdims=True))
        return exps / np.sum(exps, axis=1, keepdims=True)
        ### END SOLUTION

    def loss(self, Y, Y_pred):
        """Mean over the batch of -sum_k Y[n, k] * log(Y_pred[n, k]); Y one-hot (N, K). Returns a float."""
        ### BEGIN SOLUTION
        return float(-np.mean(np.sum(Y * np.log(np.maximum(Y_pred, 1e-300)), axis=1)))
        ### END SOLUTION

    def input_grad(self, Y, Y_pred):
        """Gradient of the summed loss with respect to the scores (the input of fprop): array (N, K)."""
        ### BEGIN SOLUTION
        return Y_pred - Y
        ### END SOLUTION

# %% tags=["tests"] id="test_SoftmaxOutput_fprop" points=1
"""SoftmaxOutput.fprop matches torch.softmax row by row, also for scores of magnitude 1000."""
_output = call(SoftmaxOutput, InputLayer((None, 3)))
assert_close(call(_output.fprop, np.log([[1.0, 1.0, 2.0]])), np.array([[0.25, 0.25, 0.5]]),
             name="fprop(log([[1, 1, 2]]))")
_z = np.array([[1000.0, 1001.0, -1000.0], [-1000.0, -1000.0, -999.0]])
with quiet():
    _out = call(_output.fprop, _z)
assert_close(_out, torch.softmax(torch.tensor(_z), dim=1), name="fprop of scores of magnitude 1000", inputs={"input": _z})
assert_not_used(SoftmaxOutput.fprop, ["torch"], name="SoftmaxOutput.fprop")
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(19)
for _scale in (1.0, 10.0, 1000.0):
    for _n, _k in ((1, 2), (5, 10), (8, 3), (3, 1)):
        _z = _scale * _rng.standard_normal((_n, _k))
        with quiet():
            _out = call(call(SoftmaxOutput, InputLayer((None, _k))).fprop, _z)
        assert_shape(_out, (_n, _k), name=f"fprop of ({_n}, {_k}) scores")
        assert_close(_out, torch.softmax(torch.tensor(_z), dim=1), name=f"fprop of ({_n}, {_k}) scores of scale {_scale:g}",
                     rtol=1e-7, atol=1e-12)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_SoftmaxOutput_loss" points=1
"""SoftmaxOutput.loss is the batch mean of the negative log-likelihood: (-log 0.5 - log 0.25) / 2 here."""
_output = call(SoftmaxOutput, InputLayer((None, 3)))
_Y, _Y_pred = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]), np.array([[0.25, 0.25, 0.5], [0.25, 0.5, 0.25]])
assert_close(call(_output.loss, _Y, _Y_pred), (np.log(2.0) + np.log(4.0)) / 2, name="loss(Y, Y_pred) for a batch of 2",
             inputs={"Y": _Y, "Y_pred": _Y_pred})
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(20)
for _n, _k in ((1, 2), (6, 10), (9, 3), (2, 5)):
    _z, _labels = _rng.standard_normal((_n, _k)), _rng.integers(0, _k, _n)  # no tiny probabilities
    _Y_pred = torch.softmax(torch.tensor(_z), dim=1).numpy()
    _expected = F.cross_entropy(torch.tensor(_z), torch.tensor(_labels))
    assert_close(call(call(SoftmaxOutput, InputLayer((None, _k))).loss, np.eye(_k)[_labels], _Y_pred), _expected,
                 name=f"loss of a batch of {_n} with {_k} classes", rtol=1e-6, atol=1e-7)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_SoftmaxOutput_input_grad" points=1
"""SoftmaxOutput.input_grad equals torch autograd's gradient of the summed cross-entropy w.r.t. the scores."""
_output = call(SoftmaxOutput, InputLayer((None, 3)))
assert_close(call(_output.input_grad, np.array([[0.0, 0.0, 1.0]]), np.array([[0.25, 0.25, 0.5]])),
             np.array([[0.25, 0.25, -0.5]]), name="input_grad(Y=[[0, 0, 1]], Y_pred=[[0.25, 0.25, 0.5]])")
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(21)
for _n, _k in ((1, 2), (6, 10), (9, 3), (2, 5)):
    _z, _labels = 3 * _rng.standard_normal((_n, _k)), _rng.integers(0, _k, _n)
    _z_t = torch.tensor(_z, requires_grad=True)
    F.cross_entropy(_z_t, torch.tensor(_labels), reduction="sum").backward()
    _Y_pred = torch.softmax(torch.tensor(_z), dim=1).numpy()
    _grad = call(call(SoftmaxOutput, InputLayer((None, _k))).input_grad, np.eye(_k)[_labels], _Y_pred)
    assert_shape(_grad, (_n, _k), name=f"input_grad for a batch of {_n} with {_k} classes")
    assert_close(_grad, _z_t.grad, name=f"input_grad for a batch of {_n} with {_k} classes", rtol=1e-7, atol=1e-12)
### END HIDDEN TESTS

# %% [markdown]
# **4c. Why `Y_pred − Y`?** Show that for one example with scores z, ŷ = softmax(z) and a target y
# whose entries sum to 1 (e.g. one-hot), the gradient of ℓ = −Σₖ yₖ log ŷₖ with respect to z is ŷ − y.

# %% [markdown] tags=["manual"] id="softmax_gradient_derivation" points=2
# log ŷₖ = zₖ − log Σⱼ exp(zⱼ), so ℓ = −Σₖ yₖ zₖ + (Σₖ yₖ) log Σⱼ exp(zⱼ) = −Σₖ yₖ zₖ + log Σⱼ exp(zⱼ)
# because Σₖ yₖ = 1. Differentiating with respect to zᵢ: ∂ℓ/∂zᵢ = −yᵢ + exp(zᵢ) / Σⱼ exp(zⱼ) = ŷᵢ − yᵢ.
# (Equivalently, with the softmax Jacobian ∂ŷₖ/∂zᵢ = ŷₖ(δₖᵢ − ŷᵢ): ∂ℓ/∂zᵢ = −Σₖ (yₖ/ŷₖ) ŷₖ(δₖᵢ − ŷᵢ)
# = −yᵢ + ŷᵢ Σₖ yₖ = ŷᵢ − yᵢ.) For the squared loss ½‖ŷ − y‖² with the identity output, the gradient
# is ŷ − y directly. The gradient of the summed loss has one such row per example.

# %% [markdown]
# ## 5. The network (12 points + 2 points)
#
# `NeuralNetwork(layers)` holds a list of layers: an `InputLayer` first, an output layer (`Loss`) last.
# Write its methods using only the layer interface (`fprop`, `bprop`, `params`, `grad_params`,
# `input_grad`, `loss`, and `isinstance(layer, Parameterized)`), so that it works with any layer:
#
# * `predict(X)`: the forward pass through every layer, output layer included;
# * `backpropagate(Y, Y_pred)`: start from the output layer's `input_grad`, then `bprop` through the
#   other layers from the last to the first; return the gradient with respect to the input X;
# * `classification_error(X, Y)`: the fraction of examples whose highest-scoring class is not the
#   target's (Y is one-hot);
# * `sgd_epoch(X, Y, learning_rate, batch_size)`: one pass over the data in the random order given by
#   `np.random.permutation(len(X))` (NumPy's global generator, so that `np.random.seed` makes a run
#   reproducible), in mini-batches of `batch_size` examples (the last one smaller when `batch_size` does
#   not divide N): for each batch, forward, backward, then every parameter `p -= learning_rate * grad`
#   **in place**;
# * `train(...)`: `max_epochs` calls of `sgd_epoch` (on `augment(X)` when an `augment` function is
#   given), recording after each epoch the loss and the classification error on the whole training
#   set, and the error on the validation set when given;
# * `check_gradients(X, Y, epsilon)`: gradient checking (below).
#
# **Gradient checking.** For every parameter array p, compare the gradient from backpropagation with
# **central differences**, one element at a time:
#
# $$\frac{\partial L}{\partial p_i} \approx \frac{L(p_i + \varepsilon) - L(p_i - \varepsilon)}{2\varepsilon}$$
#
# and report the relative error ‖g_backprop − g_numerical‖ / max(‖g_backprop‖ + ‖g_numerical‖, 1e-12).
# Put every element back after perturbing it. A correct backprop gives errors around 1e-8 or less in
# float64; an error above 1e-4 means a bug.

# %% tags=["solution"] id="NeuralNetwork"
class NeuralNetwork:
    """A feed-forward network: a list of layers, an InputLayer first and an output layer (Loss) last."""

    def __init__(self, layers):
        self.layers = layers

    def loss(self, X, Y):
        """Mean loss of the network on inputs X (N, D) and targets Y (N, K): a float."""
        return self.layers[-1].loss(Y, self.predict(X))

    def predict(self, X):
        """Forward pass: X (N, D) -> the output layer's output Y_pred (N, K)."""
        ### BEGIN SOLUTION
        signal = X
        for layer in self.layers:
            signal = layer.fprop(signal)
        return signal
        ### END SOLUTION

    def backpropagate(self, Y, Y_pred):
        """Backward pass after predict: sets every layer's gradients.

        Inputs:
        - Y: targets (N, K); Y_pred: the output of predict (N, K)

        Returns:
        - the gradient of the summed loss with respect to the input X, array (N, D)
        """
        ### BEGIN SOLUTION
        gradient = self.layers[-1].input_grad(Y, Y_pred)
        for layer in reversed(self.layers[:-1]):
            gradient = layer.bprop(gradient)
        return gradient
        ### END SOLUTION

    def classification_error(self, X, Y):
        """Fraction of the N examples of X (N, D) whose predicted class differs from the one-hot Y (N, K)."""
        ### BEGIN SOLUTION
        predicted = np.argmax(self.predict(X), axis=1)
        return float(np.mean(predicted != np.argmax(Y, axis=1)))
        ### END SOLUTION

    def sgd_epoch(self, X, Y, learning_rate, batch_size):
        """One epoch of mini-batch SGD over X (N, D), Y (N, K), in a random order; updates parameters in place."""
        ### BEGIN SOLUTION
        order = np.random.permutation(len(X))
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            self.backpropagate(Y[batch], self.predict(X[batch]))
            for layer in self.layers:
                if isinstance(layer, Parameterized):
                    for param, grad in zip(layer.params(), layer.grad_params()):
                        param -= learning_rate * grad
        ### END SOLUTION

    def train(self, X, Y, learning_rate=0.1, max_epochs=10, batch_size=64, X_valid=None, Y_valid=None,
              augment=None):
        """Train with SGD for max_epochs epochs and return the learning curves.

        Inputs:
        - X (N, D), Y (N, K): training data; X_valid, Y_valid: optional validation data
        - augment: optional function X -> modified copy of X; when given, each epoch trains on augment(X)

        Returns a dict of lists with one value per epoch, measured after the epoch on the whole sets:
        - "train_loss": self.loss(X, Y); "train_error": self.classification_error(X, Y)
        - "valid_error": classification error on (X_valid, Y_valid) (an empty list without them)
        """
        ### BEGIN SOLUTION
        history = {"train_loss": [], "train_error": [], "valid_error": []}
        for epoch in range(max_epochs):
            self.sgd_epoch(augment(X) if augment else X, Y, learning_rate, batch_size)
            Y_pred = self.predict(X)  # one forward pass for both the loss and the error
            history["train_loss"].append(self.layers[-1].loss(Y, Y_pred))
            history["train_error"].append(float(np.mean(np.argmax(Y_pred, axis=1) != np.argmax(Y, axis=1))))
            report = f"epoch {epoch + 1}: training loss {history['train_loss'][-1]:.4f}, " \
                     f"training error {history['train_error'][-1]:.2%}"
            if X_valid is not None:
                history["valid_error"].append(self.classification_error(X_valid, Y_valid))
                report += f", validation error {history['valid_error'][-1]:.2%}"
            print(report)
        return history
        ### END SOLUTION

    def check_gradients(self, X, Y, epsilon=1e-5):
        """Compare backpropagation with central differences for every parameter array of every layer.

        Inputs:
        - X (N, D), Y (N, K): a small batch; epsilon: the step of the central differences

        Returns:
        - a list with one relative error (a float) per parameter array, in the order of the layers and
          of their params(); prints one line per parameter array. Leaves the parameters unchanged.
        """
        ### BEGIN SOLUTION
        errors = []
        self.backpropagate(Y, self.predict(X))
        for index, layer in enumerate(self.layers):
            pairs = zip(layer.params(), layer.grad_params()) if isinstance(layer, Parameterized) else []
            for number, (param, grad) in enumerate(pairs):
                analytic = np.array(grad, dtype=float)  # a copy: the loss evaluations below do not touch it
                numerical = np.zeros(param.shape)
                for i in np.ndindex(param.shape):
                    old = param[i]
                    param[i] = old + epsilon
                    loss_plus = self.loss(X, Y)
                    param[i] = old - epsilon
                    loss_minus = self.loss(X, Y)
                    param[i] = old
                    numerical[i] = (loss_plus - loss_minus) / (2 * epsilon)
                scale = max(np.linalg.norm(analytic) + np.linalg.norm(numerical), 1e-12)
                errors.append(float(np.linalg.norm(analytic - numerical) / scale))
                print(f"layer {index} ({type(layer).__name__}), parameter {number} of shape {param.shape}: "
                      f"relative error {errors[-1]:.2e}")
        return errors
        ### END SOLUTION

# %% [markdown]
# The tests of `NeuralNetwork` build their networks from the layers below, computed by PyTorch
# (autograd for the gradients): a bug in your layers does not count again here, and these layers
# record the batches they see. (Your own layers must not use torch: their tests check it.)

# %% tags=["readonly"] id="torch_layers"
class TorchDense(Layer, Parameterized):
    """Like FullyConnectedLayer, computed by torch; self.batches records the input of every bprop."""

    def __init__(self, input_layer, num_units, init_stddev, activation_fun):
        self.num_units, self.activation_fun = num_units, activation_fun
        self.input_shape = input_layer.output_size()
        self.W = np.random.normal(0.0, init_stddev, size=(self.input_shape[1], num_units))
        self.b = np.zeros(num_units)
        self.dW = self.db = self.last_input = None
        self.batches = []

    def output_size(self):
        return (self.input_shape[0], self.num_units)

    def fprop(self, input):
        self.last_input = np.asarray(input, dtype=float)
        return TorchActivation.FUNCTIONS[self.activation_fun.name](torch.from_numpy(self.last_input @ self.W + self.b)).numpy()

    def bprop(self, output_grad):
        x, W, b = (torch.tensor(a, requires_grad=True) for a in (self.last_input, self.W, self.b))
        out = TorchActivation.FUNCTIONS[self.activation_fun.name](x @ W + b)
        dx, dW, db = torch.autograd.grad(out, (x, W, b), torch.as_tensor(output_grad, dtype=torch.float64))
        self.dW, self.db = dW.numpy() / len(x), db.numpy() / len(x)
        self.batches.append(self.last_input)
        return dx.numpy()

    def params(self):
        return [self.W, self.b]

    def grad_params(self):
        return [self.dW, self.db]


class TorchSoftmaxOutput(Layer, Loss):
    """Like SoftmaxOutput, computed by torch."""

    def __init__(self, input_layer):
        self.input_size = input_layer.output_size()

    def output_size(self):
        return self.input_size

    def fprop(self, input):
        return torch.softmax(torch.as_tensor(input, dtype=torch.float64), dim=1).numpy()

    def loss(self, Y, Y_pred):
        return float(F.nll_loss(torch.log(torch.as_tensor(Y_pred)), torch.as_tensor(np.argmax(Y, axis=1))))

    def input_grad(self, Y, Y_pred):
        return np.asarray(Y_pred) - np.asarray(Y)  # question 4c


class TorchSquaredOutput(Layer, Loss):
    """Like LinearOutput, computed by torch."""

    def __init__(self, input_layer):
        self.input_size = input_layer.output_size()

    def output_size(self):
        return self.input_size

    def fprop(self, input):
        return np.asarray(input, dtype=float)

    def loss(self, Y, Y_pred):
        return float(F.mse_loss(torch.as_tensor(Y_pred), torch.as_tensor(Y), reduction="sum")) / (2 * len(Y))

    def input_grad(self, Y, Y_pred):
        return np.asarray(Y_pred) - np.asarray(Y)


def torch_network(sizes, activations, output="softmax", seed=0):
    """A NeuralNetwork of torch layers: sizes [D, M1, ..., K], one activation name per dense layer,
    weights drawn from np.random.default_rng(seed)."""
    rng = np.random.default_rng(seed)
    layers = [InputLayer((None, sizes[0]))]
    for n_out, name in zip(sizes[1:], activations):
        layers.append(TorchDense(layers[-1], n_out, 1.0, TorchActivation(name)))
        layers[-1].W[...] = 0.8 * rng.standard_normal(layers[-1].W.shape)
        layers[-1].b[...] = 0.3 * rng.standard_normal(layers[-1].b.shape)
    layers.append((TorchSoftmaxOutput if output == "softmax" else TorchSquaredOutput)(layers[-1]))
    return NeuralNetwork(layers)


def torch_loss(net, X, Y):
    """The mean loss of a network of torch layers, the scores before its output layer, and its parameters
    as leaf tensors [W1, b1, W2, b2, ...], all in torch."""
    leaves, h = [], torch.as_tensor(X, dtype=torch.float64)
    for layer in net.layers[1:-1]:
        W, b = torch.tensor(layer.W, requires_grad=True), torch.tensor(layer.b, requires_grad=True)
        leaves += [W, b]
        h = TorchActivation.FUNCTIONS[layer.activation_fun.name](h @ W + b)
    if isinstance(net.layers[-1], TorchSoftmaxOutput):
        loss = -(torch.as_tensor(Y) * torch.log_softmax(h, dim=1)).sum(dim=1).mean()
    else:
        loss = 0.5 * ((h - torch.as_tensor(Y)) ** 2).sum(dim=1).mean()
    return loss, h, leaves

# %% tags=["tests"] id="test_NeuralNetwork_example" points=1
"""A network with no hidden layer predicts softmax(X), backpropagates Y_pred - Y and has error 2/3 here."""
_net = NeuralNetwork([InputLayer((None, 2)), TorchSoftmaxOutput(InputLayer((None, 2)))])
_X = np.array([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0]])
_Y = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])  # predicted classes 0, 1, 0; targets 0, 0, 1
_P = np.exp(_X) / np.exp(_X).sum(axis=1, keepdims=True)
assert_close(call(_net.predict, _X), _P, name="predict(X)", inputs={"X": _X})
assert_close(call(_net.backpropagate, _Y, _P), _P - _Y, name="backpropagate(Y, Y_pred) (the input gradient)")
assert_close(call(_net.classification_error, _X, _Y), 2 / 3, name="classification_error(X, Y)")

# %% tags=["tests"] id="test_NeuralNetwork_predict" points=1
"""NeuralNetwork.predict runs every layer: it matches the same network computed by torch."""
_net = torch_network([3, 4, 2], ["tanh", "linear"], seed=1)
_X = np.random.default_rng(1).standard_normal((5, 3))
_, _scores, _ = torch_loss(_net, _X, np.eye(2)[[0, 1, 0, 1, 1]])
assert_close(call(_net.predict, _X), torch.softmax(_scores, dim=1), name="predict(X) of a [3, 4, 2] network",
             rtol=1e-7, atol=1e-10)
### BEGIN HIDDEN TESTS
for _seed, (_sizes, _activations, _output, _n) in enumerate([
        ([4, 5, 3], ["tanh", "linear"], "softmax", 6), ([3, 6, 4, 2], ["sigmoid", "relu", "linear"], "squared", 1),
        ([5, 3], ["linear"], "softmax", 9), ([2, 7, 7, 3], ["relu", "tanh", "linear"], "softmax", 17)]):
    _rng = np.random.default_rng(100 + _seed)
    _X, _Y = _rng.standard_normal((_n, _sizes[0])), np.eye(_sizes[-1])[_rng.integers(0, _sizes[-1], _n)]
    _net = torch_network(_sizes, _activations, _output, _seed)
    _, _expected, _ = torch_loss(_net, _X, _Y)
    _expected = torch.softmax(_expected, dim=1) if _output == "softmax" else _expected
    _out = call(_net.predict, _X)
    assert_shape(_out, (_n, _sizes[-1]), name=f"predict for a network {_sizes}")
    assert_close(_out, _expected, name=f"predict, network {_sizes} ({_output})", rtol=1e-7, atol=1e-10)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_NeuralNetwork_backpropagate" points=2
"""NeuralNetwork.backpropagate gives every layer torch autograd's gradients and returns the input gradient."""
_net = torch_network([3, 4, 2], ["tanh", "linear"], seed=2)
_X, _Y = np.random.default_rng(2).standard_normal((5, 3)), np.eye(2)[[0, 1, 1, 0, 1]]
_loss, _, _leaves = torch_loss(_net, _X, _Y)
_grads = torch.autograd.grad(_loss, _leaves)
call(_net.backpropagate, _Y, call(_net.predict, _X))
for _i, _layer in enumerate(_net.layers[1:-1]):
    assert_true(_layer.dW is not None, f"backpropagate did not reach dense layer {_i + 1}: call bprop on every layer")
    assert_close(_layer.dW, _grads[2 * _i], name=f"dW of dense layer {_i + 1} after backpropagate", rtol=1e-7,
                 atol=1e-10)
### BEGIN HIDDEN TESTS
for _seed, (_sizes, _activations, _output, _n) in enumerate([
        ([4, 5, 3], ["tanh", "linear"], "softmax", 6), ([3, 6, 4, 2], ["sigmoid", "relu", "linear"], "squared", 1),
        ([5, 3], ["linear"], "softmax", 9), ([2, 7, 7, 3], ["relu", "tanh", "linear"], "softmax", 17)]):
    _rng = np.random.default_rng(200 + _seed)
    _X, _Y = _rng.standard_normal((_n, _sizes[0])), np.eye(_sizes[-1])[_rng.integers(0, _sizes[-1], _n)]
    _net = torch_network(_sizes, _activations, _output, _seed)
    _loss, _, _leaves = torch_loss(_net, _X, _Y)
    _grads = torch.autograd.grad(_loss, _leaves)
    _dX = call(_net.backpropagate, _Y, call(_net.predict, _X))
    for _i, _layer in enumerate(_net.layers[1:-1]):
        assert_true(_layer.dW is not None, f"backpropagate did not reach dense layer {_i + 1} of a network {_sizes}")
        assert_close(_layer.dW, _grads[2 * _i], name=f"dW of dense layer {_i + 1}, network {_sizes}", rtol=1e-7,
                     atol=1e-10)
        assert_close(_layer.db, _grads[2 * _i + 1], name=f"db of dense layer {_i + 1}, network {_sizes}", rtol=1e-7,
                     atol=1e-10)
    _h = torch.tensor(_X, requires_grad=True)
    _summed = torch_loss(_net, _h, _Y)[0] * _n  # the summed loss: its gradient with respect to X
    _summed.backward()
    assert_type(_dX, np.ndarray, name="what backpropagate returns")
    assert_shape(_dX, _X.shape, name=f"the input gradient from backpropagate for X of shape {_X.shape}")
    assert_close(_dX, _h.grad, name=f"the input gradient from backpropagate, network {_sizes}", rtol=1e-7,
                 atol=1e-10)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_NeuralNetwork_classification_error" points=1
"""NeuralNetwork.classification_error is the fraction of argmax mistakes, for several networks and batches."""
note_hidden_tests()
### BEGIN HIDDEN TESTS
for _seed, (_sizes, _activations, _output, _n) in enumerate([
        ([4, 5, 3], ["tanh", "linear"], "softmax", 6), ([3, 6, 4, 2], ["sigmoid", "relu", "linear"], "squared", 1),
        ([5, 3], ["linear"], "softmax", 9), ([2, 7, 7, 3], ["relu", "tanh", "linear"], "softmax", 17)]):
    _rng = np.random.default_rng(300 + _seed)
    _X, _labels = _rng.standard_normal((_n, _sizes[0])), _rng.integers(0, _sizes[-1], _n)
    _net = torch_network(_sizes, _activations, _output, _seed)
    _, _scores, _ = torch_loss(_net, _X, np.eye(_sizes[-1])[_labels])
    _error = call(_net.classification_error, _X, np.eye(_sizes[-1])[_labels])
    assert_close(_error, (_scores.argmax(dim=1).numpy() != _labels).mean(),
                 name=f"classification_error of {_n} examples, network {_sizes}", rtol=1e-12)
    _right = np.eye(_sizes[-1])[_scores.argmax(dim=1).numpy()]
    assert_close(call(_net.classification_error, _X, _right), 0.0,
                 name="classification_error when every prediction is right")
### END HIDDEN TESTS

# %% tags=["tests"] id="test_NeuralNetwork_sgd_epoch" points=3
"""sgd_epoch visits the examples in the order of np.random.permutation, in batches of batch_size (the last one smaller)."""
_net = torch_network([3, 4, 2], ["tanh", "linear"], seed=3)
_rng = np.random.default_rng(3)
_X = np.column_stack([np.arange(10.0), _rng.standard_normal((10, 2))])  # column 0: the number of the example
_Y = np.eye(2)[_rng.integers(0, 2, 10)]
np.random.seed(4)
_order = np.random.permutation(10)
np.random.seed(4)
call(_net.sgd_epoch, _X, _Y, 0.1, 4)
_batches = [batch[:, 0].astype(int).tolist() for batch in _net.layers[1].batches]
assert_equal([len(batch) for batch in _batches], [4, 4, 2], name="batch sizes",
             inputs={"N": 10, "batch_size": 4})
assert_equal(sum(_batches, []), _order.tolist(),
             name="order of the examples after np.random.seed(4)")
_net = torch_network([3, 4, 2], ["tanh", "linear"], seed=3)  # again, replayed in torch: one SGD step per batch
_params = [p for layer in _net.layers[1:-1] for p in layer.params()]
_leaves = [torch.tensor(p.copy(), requires_grad=True) for p in _params]
np.random.seed(4)
call(_net.sgd_epoch, _X, _Y, 0.1, 4)
for _rows in _batches:
    _h = torch.tanh(torch.from_numpy(_X[_rows]) @ _leaves[0] + _leaves[1]) @ _leaves[2] + _leaves[3]
    _loss = -(torch.from_numpy(_Y[_rows]) * torch.log_softmax(_h, dim=1)).sum(dim=1).mean()
    with torch.no_grad():
        for _leaf, _grad in zip(_leaves, torch.autograd.grad(_loss, _leaves)):
            _leaf -= 0.1 * _grad
for _name, _param, _leaf in zip(("W1", "b1", "W2", "b2"), _params, _leaves):
    assert_close(_param, _leaf, name=f"{_name} after the epoch (updated in place, step by step)", rtol=1e-7,
                 atol=1e-10)
### BEGIN HIDDEN TESTS
for _seed, (_sizes, _activations, _output, _n) in enumerate([
        ([4, 5, 3], ["tanh", "linear"], "softmax", 6), ([3, 6, 4, 2], ["sigmoid", "relu", "linear"], "squared", 1),
        ([5, 3], ["linear"], "softmax", 9), ([2, 7, 7, 3], ["relu", "tanh", "linear"], "softmax", 17)]):
    _rng = np.random.default_rng(400 + _seed)
    _X, _Y = _rng.standard_normal((_n, _sizes[0])), np.eye(_sizes[-1])[_rng.integers(0, _sizes[-1], _n)]
    _net = torch_network(_sizes, _activations, _output, _seed)
    _loss, _, _leaves = torch_loss(_net, _X, _Y)
    _optimizer = torch.optim.SGD(_leaves, lr=0.3)
    _loss.backward()
    _optimizer.step()
    _arrays = [layer.W for layer in _net.layers[1:-1]]
    call(_net.sgd_epoch, _X, _Y, 0.3, _n)  # one batch holding every example: one full gradient step
    for _i, _layer in enumerate(_net.layers[1:-1]):
        assert_true(_layer.W is _arrays[_i], "sgd_epoch must update the parameter arrays in place (p -= ...), "
                                             "not replace them")
        assert_close(_layer.W, _leaves[2 * _i], name=f"W of dense layer {_i + 1} after one full-batch SGD step, "
                                                     f"network {_sizes}", rtol=1e-7, atol=1e-10)
        assert_close(_layer.b, _leaves[2 * _i + 1], name=f"b of dense layer {_i + 1} after one full-batch SGD step",
                     rtol=1e-7, atol=1e-10)
# Several batches: each step uses the parameters left by the step before; replayed in torch.
_net = torch_network([3, 5, 2], ["sigmoid", "linear"], seed=9)
_rng = np.random.default_rng(401)
_X = np.column_stack([np.arange(13.0), _rng.standard_normal((13, 2))])
_Y = np.eye(2)[_rng.integers(0, 2, 13)]
_start = [p.copy() for layer in _net.layers[1:-1] for p in layer.params()]
for _epoch, _seed in enumerate((7, 8)):
    np.random.seed(_seed)
    _order = np.random.permutation(13)
    np.random.seed(_seed)
    call(_net.sgd_epoch, _X, _Y, 0.5, 5)
    _seen = [batch[:, 0].astype(int).tolist() for batch in _net.layers[1].batches[3 * _epoch:]]
    assert_equal([len(batch) for batch in _seen], [5, 5, 3], name="batch sizes",
                 inputs={"N": 13, "batch_size": 5})
    assert_equal(sum(_seen, []), _order.tolist(), name=f"order of the examples after np.random.seed({_seed})")
_leaves = [torch.tensor(p, requires_grad=True) for p in _start]
for _batch in _net.layers[1].batches:
    _rows = _batch[:, 0].astype(int)
    _h = torch.sigmoid(torch.from_numpy(_X[_rows]) @ _leaves[0] + _leaves[1]) @ _leaves[2] + _leaves[3]
    _loss = -(torch.from_numpy(_Y[_rows]) * torch.log_softmax(_h, dim=1)).sum(dim=1).mean()
    with torch.no_grad():
        for _leaf, _grad in zip(_leaves, torch.autograd.grad(_loss, _leaves)):
            _leaf -= 0.5 * _grad
for _got, _expected, _what in zip((p for layer in _net.layers[1:-1] for p in layer.params()), _leaves,
                                  ("W1", "b1", "W2", "b2")):
    assert_close(_got, _expected, name=f"{_what} after 2 epochs of 3 batches (SGD in torch on the same batches)",
                 rtol=1e-7, atol=1e-10)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_NeuralNetwork_train" points=1
"""NeuralNetwork.train runs max_epochs epochs and records the loss and errors after each of them."""
_net = torch_network([3, 5, 3], ["tanh", "linear"], "softmax", 4)
_rng = np.random.default_rng(4)
_X, _Y = _rng.standard_normal((8, 3)), np.eye(3)[_rng.integers(0, 3, 8)]
with quiet():
    _history = call(_net.train, _X, _Y, learning_rate=0.2, max_epochs=2, batch_size=4)
assert_type(_history, dict, name="what train returns")
assert_true(len(_history.get("train_loss", [])) == 2, "train(max_epochs=2) should record 2 training losses")
assert_close(_history["train_loss"][-1], torch_loss(_net, _X, _Y)[0].item(),
             name="history['train_loss'][-1] (the loss after the last epoch)", rtol=1e-8)
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(500)
_X, _Y = _rng.standard_normal((16, 3)), np.eye(3)[_rng.integers(0, 3, 16)]
_X_valid, _Y_valid = _rng.standard_normal((6, 3)), np.eye(3)[_rng.integers(0, 3, 6)]
_net = torch_network([3, 5, 3], ["tanh", "linear"], "softmax", 3)
_before = torch_loss(_net, _X, _Y)[0].item()
_augmented = []
with quiet():
    _history = call(_net.train, _X, _Y, learning_rate=0.2, max_epochs=4, batch_size=4, X_valid=_X_valid,
                    Y_valid=_Y_valid, augment=lambda data: _augmented.append(len(data)) or data + 0.0)
assert_type(_history, dict, name="what train returns")
for _key in ("train_loss", "train_error", "valid_error"):
    assert_true(_key in _history and len(_history[_key]) == 4,
                f"train(max_epochs=4) should return history[{_key!r}] with 4 values (one per epoch)")
assert_equal(_augmented, [16] * 4, name="the sizes of the data sets given to augment in 4 epochs")
_loss, _scores, _ = torch_loss(_net, _X, _Y)
assert_close(_history["train_loss"][-1], _loss.item(), name="history['train_loss'][-1] (the loss after training)",
             rtol=1e-8)
assert_close(_history["train_error"][-1], (_scores.argmax(dim=1).numpy() != _Y.argmax(axis=1)).mean(),
             name="history['train_error'][-1]")
_, _scores, _ = torch_loss(_net, _X_valid, _Y_valid)
assert_close(_history["valid_error"][-1], (_scores.argmax(dim=1).numpy() != _Y_valid.argmax(axis=1)).mean(),
             name="history['valid_error'][-1]")
assert_true(_history["train_loss"][-1] < _before, "train should lower the training loss")
with quiet():
    _history = call(_net.train, _X, _Y, learning_rate=0.2, max_epochs=2, batch_size=16)
assert_true(len(_history["train_loss"]) == 2, "train(max_epochs=2) without validation data: 2 training losses")
### END HIDDEN TESTS

# %% tags=["tests"] id="test_NeuralNetwork_check_gradients" points=3
"""check_gradients reports tiny errors for a correct network, flags broken layers, and uses central differences."""
_net = torch_network([4, 5, 3], ["tanh", "sigmoid"], seed=0)
_X, _Y = np.random.default_rng(0).standard_normal((6, 4)), np.eye(3)[[0, 1, 2, 0, 1, 2]]
with quiet():
    _errors = call(_net.check_gradients, _X, _Y)
assert_true(isinstance(_errors, (list, tuple, np.ndarray)), f"check_gradients should return a list of relative errors, "
                                                            f"got {type(_errors).__name__}")
assert_equal(len(_errors), 4, name="number of relative errors for 2 dense layers (W and b each)")
assert_true(max(_errors) < 1e-5, f"check_gradients: errors up to {max(_errors):.2g} for right gradients\n"
                                 "  the network's gradients come from torch: the bug is in check_gradients")


class _DoubledWeightGradient(TorchDense):
    def bprop(self, output_grad):
        input_grad = super().bprop(output_grad)
        self.dW = 2 * self.dW
        return input_grad


_net.layers[2] = _DoubledWeightGradient(_net.layers[1], 3, 1.0, TorchActivation("sigmoid"))  # dW twice too large
with quiet():
    _errors = call(_net.check_gradients, _X, _Y)
assert_true(_errors[2] > 1e-2, f"check_gradients misses a dW twice too large\n  errors: {_errors}")
# A linear network with the squared loss is quadratic in each parameter: central differences are exact
# for any step, forward differences are off by epsilon/2 times the second derivative.
_net = torch_network([3, 4, 2], ["linear", "linear"], "squared", 61)
_X, _Y = np.random.default_rng(601).standard_normal((4, 3)), np.random.default_rng(602).standard_normal((4, 2))
with quiet():
    _errors = np.asarray(call(_net.check_gradients, _X, _Y, epsilon=0.01), dtype=float)
assert_true(np.all(_errors < 1e-7), f"check_gradients: errors {np.max(_errors):.2g} for a linear network\n"
                                    "  central differences are exact there, even with epsilon = 0.01: forward differences?")
### BEGIN HIDDEN TESTS

class _SummedBiasGradient(TorchDense):
    def bprop(self, output_grad):
        input_grad = super().bprop(output_grad)
        self.db = self.db * len(output_grad)
        return input_grad


class _NoActivationInInputGradient(TorchDense):
    def bprop(self, output_grad):
        super().bprop(output_grad)
        return output_grad @ self.W.T


_rng = np.random.default_rng(600)
_X, _Y = _rng.standard_normal((5, 4)), np.eye(3)[[0, 2, 1, 1, 0]]
_net = torch_network([4, 5, 3], ["tanh", "sigmoid"], "softmax", 60)
_saved = [p.copy() for layer in _net.layers[1:-1] for p in layer.params()]
with quiet():
    _errors = np.asarray(call(_net.check_gradients, _X, _Y), dtype=float)
assert_shape(_errors, (4,), name="the relative errors of a network with 2 dense layers")
assert_true(np.all(_errors < 1e-5), f"check_gradients: errors {np.max(_errors):.2g} for right gradients\n"
                                    f"  (expected below 1e-5): {_errors}")
for _i, _p in enumerate(p for layer in _net.layers[1:-1] for p in layer.params()):
    assert_close(_p, _saved[_i], name=f"parameter array {_i} after check_gradients (it must put every value back)",
                 rtol=0, atol=1e-12)
for _broken, _flagged in ((_DoubledWeightGradient, [2]), (_SummedBiasGradient, [3]),
                          (_NoActivationInInputGradient, [0, 1])):
    _layer = _broken(_net.layers[1], 3, 1.0, TorchActivation("sigmoid"))
    _layer.W[...], _layer.b[...] = _rng.standard_normal((5, 3)), _rng.standard_normal(3)
    _net.layers[2] = _layer
    with quiet():
        _errors = np.asarray(call(_net.check_gradients, _X, _Y), dtype=float)
    assert_true(np.all(_errors[_flagged] > 1e-2),
                f"check_gradients misses a broken layer ({_broken.__name__[1:]})\n  errors: {_errors}")
_rng = np.random.default_rng(603)
_X, _Y = _rng.standard_normal((5, 3)), _rng.standard_normal((5, 2))
_net = torch_network([3, 2, 2], ["linear", "linear"], "squared", 62)
with quiet():
    _errors = np.asarray(call(_net.check_gradients, _X, _Y, epsilon=0.05), dtype=float)
assert_true(np.all(_errors < 1e-7), f"check_gradients: errors {np.max(_errors):.2g} for a linear network\n"
                                    "  central differences are exact there, even with epsilon = 0.05")
### END HIDDEN TESTS

# %% [markdown]
# Gradient checking is the single most useful debugging tool for backpropagation. Try it: in the
# cell above, the network uses your own layers. If you break your `FullyConnectedLayer.bprop` on
# purpose (forget the `/ N`, say), the relative errors jump from about 1e-10 to about 1.
#
# **Question 5b.** Why do we use central differences rather than the forward difference
# (L(p + ε) − L(p)) / ε, and why in float64? Why can a correct ReLU network occasionally fail the
# check?

# %% [markdown] tags=["manual"] id="gradient_check_discussion" points=2
# The central difference has error O(ε²) (the ε terms of the Taylor expansions cancel), the forward
# difference O(ε): with ε = 1e-5 that is about 1e-10 against 1e-5, so only the central difference can
# tell a correct gradient (relative error ~1e-8) from a slightly wrong one. ε cannot be made much smaller
# because of rounding: L(p ± ε) are computed with relative precision ~1e-16 in float64 (~1e-7 in float32),
# and dividing their difference by 2ε amplifies that error by 1/ε; in float32 the rounding error would
# swamp everything. ReLU (like max or abs) has a kink at 0: if a unit's pre-activation is within ε of 0,
# the perturbation crosses the kink and the finite difference mixes the two slopes, giving a large error
# for that element although backprop is right. Use few examples, or smooth activations, when checking.

# %% [markdown]
# ## 6. Training on MNIST (2 points)
#
# Time for real data: the MNIST digits. Each 28×28 image becomes a row of 784 values in [0, 1] and
# each label a one-hot row of 10. Without internet access, you get a bundled subset (8,000 training
# and 2,000 test digits); with it (Colab), the full data set (60,000 and 10,000).
#
# `shift_images` moves each digit by a random pixel in each direction: training on slightly shifted
# copies (*data augmentation*) makes the network more robust to where the digit sits in the image.

# %% tags=["readonly"] id="mnist_data"
mnist = load_mnist()
if autograder.grading():  # while grading, a small subset keeps the notebook fast
    mnist = type(mnist)(mnist.x_train[:1000], mnist.y_train[:1000], mnist.x_test[:500], mnist.y_test[:500],
                        mnist.source)
X_train = mnist.x_train.reshape(len(mnist.x_train), -1) / 255.0
X_test = mnist.x_test.reshape(len(mnist.x_test), -1) / 255.0
Y_train, Y_test = np.eye(10)[mnist.y_train], np.eye(10)[mnist.y_test]
print(f"training: X {X_train.shape}, Y {Y_train.shape}; test: X {X_test.shape}, Y {Y_test.shape}")


def shift_images(X, max_shift, rng):
    """Copies of the flattened images X (N, 784), each moved by up to max_shift pixels along each axis."""
    images = X.reshape(-1, 28, 28)
    padded = np.pad(images, ((0, 0), (max_shift, max_shift), (max_shift, max_shift)))
    dy, dx = rng.integers(0, 2 * max_shift + 1, size=(2, len(images)))  # each image's offset in the padding
    rows = (dy[:, None] + np.arange(28))[:, :, None]
    cols = (dx[:, None] + np.arange(28))[:, None, :]
    return padded[np.arange(len(images))[:, None, None], rows, cols].reshape(len(images), -1)


fig, axes = plt.subplots(1, 8, figsize=(10, 1.6))
for ax, image, label in zip(axes, shift_images(X_train[:8], 1, np.random.default_rng(0)), mnist.y_train):
    ax.imshow(image.reshape(28, 28), cmap="gray_r")
    ax.set_title(f"label {label}")
    ax.axis("off")
fig.suptitle("Training digits, randomly shifted by up to one pixel")
plt.show()

# %% [markdown]
# Write `build_mnist_network(n_hidden, output_stddev)`: a network 784 → `n_hidden` ReLU units → 10
# linear units → softmax. Initialise the hidden layer with standard deviation √(2/784) (He
# initialisation, suited to ReLU) and the output layer with `output_stddev`: small output weights make
# every class equally likely at the start, so the initial loss is ln 10 ≈ 2.30.

# %% tags=["solution"] id="build_mnist_network"
def build_mnist_network(n_hidden=256, output_stddev=0.01):
    """A NeuralNetwork for MNIST: InputLayer (N, 784) -> ReLU layer -> linear layer of 10 units -> SoftmaxOutput.

    Inputs:
    - n_hidden: H, the number of hidden ReLU units (weights drawn with standard deviation sqrt(2 / 784))
    - output_stddev: standard deviation of the weights of the output layer (10 units)

    Returns:
    - a NeuralNetwork with parameters W1 (784, H), b1 (H,), W2 (H, 10), b2 (10,)
    """
    ### BEGIN SOLUTION
    layers = [InputLayer((None, 784))]
    layers.append(FullyConnectedLayer(layers[-1], n_hidden, np.sqrt(2.0 / 784), Activation("relu")))
    layers.append(FullyConnectedLayer(layers[-1], 10, output_stddev, Activation("linear")))
    layers.append(SoftmaxOutput(layers[-1]))
    return NeuralNetwork(layers)
    ### END SOLUTION

# %% tags=["tests"] id="test_build_mnist_network_structure" points=1
"""build_mnist_network stacks an InputLayer, a ReLU layer of n_hidden units, a linear layer of 10 units, a SoftmaxOutput."""
_layer_classes = {"FullyConnectedLayer": TorchDense, "Activation": TorchActivation, "SoftmaxOutput": TorchSoftmaxOutput}
with substitute(_layer_classes):
    _net = call(build_mnist_network, n_hidden=32)
assert_type(_net, NeuralNetwork, name="build_mnist_network(n_hidden=32)")
assert_true(len(_net.layers) == 4 and isinstance(_net.layers[0], InputLayer),
            f"build_mnist_network: expected 4 layers (input, hidden, output, softmax), got {len(_net.layers)}")
_shapes = [tuple(p.shape) for layer in _net.layers if isinstance(layer, Parameterized) for p in layer.params()]
assert_equal(_shapes, [(784, 32), (32,), (32, 10), (10,)], name="parameter shapes of build_mnist_network(n_hidden=32)")
assert_equal([layer.activation_fun.name for layer in _net.layers[1:3]], ["relu", "linear"],
             name="activations (hidden, output)")
assert_true(isinstance(_net.layers[-1], TorchSoftmaxOutput), "the last layer should be a SoftmaxOutput")
### BEGIN HIDDEN TESTS
for _n_hidden in (7, 256):
    with substitute(_layer_classes):
        _net = call(build_mnist_network, n_hidden=_n_hidden)
    _reference = torch.nn.Sequential(torch.nn.Linear(784, _n_hidden), torch.nn.ReLU(), torch.nn.Linear(_n_hidden, 10))
    assert_equal(sum(p.size for layer in _net.layers[1:3] for p in layer.params()),
                 sum(p.numel() for p in _reference.parameters()),
                 name=f"number of parameters of build_mnist_network(n_hidden={_n_hidden})")
np.random.seed(3)
with substitute(_layer_classes):
    _net = call(build_mnist_network, n_hidden=2000, output_stddev=0.5)
assert_close(np.std(_net.layers[1].W), np.sqrt(2 / 784), name="std of the hidden weights (He: sqrt(2/784))", rtol=0.05)
assert_close(np.std(_net.layers[2].W), 0.5, name="std of the output weights with output_stddev=0.5", rtol=0.05)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_build_mnist_network_initial_loss" points=1
"""With small output weights, the untrained network's loss on MNIST digits is ln 10 (every class equally likely)."""
np.random.seed(5)
with substitute({"FullyConnectedLayer": TorchDense, "Activation": TorchActivation, "SoftmaxOutput": TorchSoftmaxOutput}):
    _net = call(build_mnist_network, n_hidden=64)
_loss = torch_loss(_net, X_train[:200], Y_train[:200])[0].item()
assert_close(_loss, np.log(10), name="initial loss with the default output_stddev", rtol=0.05)
### BEGIN HIDDEN TESTS
np.random.seed(4)
with substitute({"FullyConnectedLayer": TorchDense, "Activation": TorchActivation, "SoftmaxOutput": TorchSoftmaxOutput}):
    _net = call(build_mnist_network, n_hidden=64, output_stddev=1e-4)
assert_close(torch_loss(_net, X_train[:200], Y_train[:200])[0].item(), np.log(10),
             name="initial loss with output_stddev=1e-4", rtol=1e-3)
### END HIDDEN TESTS

# %% [markdown]
# ### Choosing a network on validation digits
#
# How many hidden units, and how many epochs? We decide on digits the training does not see: the
# last eighth of the training digits is set aside as a **validation** set, each candidate is trained
# on the rest, and its validation error is measured after every epoch. The test digits stay untouched
# until the very end, because an error used to choose the network is an optimistic estimate of the
# error on new digits: we would have picked the network that happens to suit those digits best.

# %% id="select_mnist"
quick = autograder.grading()  # while grading: two short runs on a subset
candidate_epochs = 2 if quick else 20
n_valid = len(X_train) // 8
X_fit, Y_fit, X_valid, Y_valid = X_train[:-n_valid], Y_train[:-n_valid], X_train[-n_valid:], Y_train[-n_valid:]
validation_errors = {}
for n_hidden in (64, 256):
    np.random.seed(0)
    augment_rng = np.random.default_rng(0)
    candidate = build_mnist_network(n_hidden=n_hidden)
    curves = candidate.train(X_fit, Y_fit, learning_rate=0.1, max_epochs=candidate_epochs, batch_size=32,
                             X_valid=X_valid, Y_valid=Y_valid, augment=lambda X: shift_images(X, 1, augment_rng))
    validation_errors[n_hidden] = curves["valid_error"]
best_hidden, best_epochs = min(((h, e + 1) for h, errors in validation_errors.items() for e in range(len(errors))),
                               key=lambda choice: validation_errors[choice[0]][choice[1] - 1])
print(f"chosen on the validation digits: {best_hidden} hidden units, {best_epochs} epochs "
      f"(validation error {validation_errors[best_hidden][best_epochs - 1]:.2%})")

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
for n_hidden, errors in validation_errors.items():
    ax.plot(np.arange(1, len(errors) + 1), 100 * np.array(errors), marker="o", label=f"{n_hidden} hidden units")
ax.set(xlabel="epoch", ylabel="validation error (%)", title="The candidates on the validation digits")
ax.legend()
ax.grid(alpha=0.3)
plt.show()

# %% [markdown]
# The chosen network is trained again from scratch on all the training digits (validation ones
# included: more data, and we no longer need them) for the chosen number of epochs, then evaluated
# **once** on the test digits. With the bundled digits the whole section takes well under a minute
# on a laptop and the test error is about 3% (4.5% at most).

# %% id="train_mnist"
np.random.seed(0)
augment_rng = np.random.default_rng(0)
net = build_mnist_network(n_hidden=best_hidden)
epochs = best_epochs
start = time.perf_counter()
history = net.train(X_train, Y_train, learning_rate=0.1, max_epochs=epochs, batch_size=32,
                    augment=lambda X: shift_images(X, 1, augment_rng))
training_seconds = time.perf_counter() - start
test_error = net.classification_error(X_test, Y_test)  # the one use of the test digits
print(f"{best_hidden} hidden units, {epochs} epochs on all {len(X_train)} training digits in "
      f"{training_seconds:.1f} s: test error {test_error:.2%}")

# %%
fig, (ax_loss, ax_error) = plt.subplots(1, 2, figsize=(10, 3.5))
epoch_numbers = np.arange(1, len(history["train_loss"]) + 1)
ax_loss.plot(epoch_numbers, history["train_loss"], marker="o")
ax_loss.set(xlabel="epoch", ylabel="mean cross-entropy", title="Training loss")
ax_error.plot(epoch_numbers, 100 * np.array(history["train_error"]), marker="o", label="training")
ax_error.axhline(100 * test_error, color="tab:red", linestyle="--", label="test (measured once, at the end)")
ax_error.set(xlabel="epoch", ylabel="classification error (%)", title="Classification error")
ax_error.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# Which digits does the network get wrong? Most mistakes are digits a person would hesitate over too.

# %%
predicted = np.argmax(net.predict(X_test), axis=1)
wrong = np.flatnonzero(predicted != mnist.y_test)[:8]
fig, axes = plt.subplots(1, 8, figsize=(10, 1.8), squeeze=False)
for ax in axes[0]:
    ax.axis("off")
for ax, i in zip(axes[0], wrong):
    ax.imshow(X_test[i].reshape(28, 28), cmap="gray_r")
    ax.set_title(f"{mnist.y_test[i]} → {predicted[i]}")
fig.suptitle("Misclassified test digits (label → prediction)")
plt.show()
