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
# Write your code where it says `YOUR CODE HERE` (delete the `raise NotImplementedError()` line).
# The cells that start with a docstring are tests: run them to check your work. They show one worked
# example; when grading, more tests run on other inputs (compared with PyTorch's autograd), so make
# your code general. Run the cells in order, from the top. Total: 40 points.

# %% tags=["readonly"] id="imports"
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

import autograder
from autograder.checks import assert_close, assert_equal, assert_shape, assert_true, assert_type, quiet
from autograder.data import load_mnist

# %% [markdown]
# ## 1. Activation functions (6 points)
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
"""Activation gives sigmoid(0) = 0.5 with slope 0.25, and ReLU's values and slopes on a small example."""
sigmoid_act = Activation("sigmoid")
assert_close(sigmoid_act.fprop(np.zeros((1, 2))), np.array([[0.5, 0.5]]), name="sigmoid fprop at 0")
assert_close(sigmoid_act.bprop(np.ones((1, 2))), np.array([[0.25, 0.25]]), name="sigmoid bprop at 0")
relu_act = Activation("relu")
x_example = np.array([[-2.0, -0.5, 0.5, 2.0]])
assert_close(relu_act.fprop(x_example), np.array([[0.0, 0.0, 0.5, 2.0]]), name="relu fprop",
             inputs={"input": x_example})
assert_close(relu_act.bprop(np.array([[3.0, 3.0, 3.0, 3.0]])), np.array([[0.0, 0.0, 3.0, 3.0]]),
             name="relu bprop of output_grad = 3", inputs={"input": x_example})

# %% tags=["tests"] id="test_Activation_fprop" points=2
"""Activation.fprop matches torch's functions for all four names, on random and on large inputs."""
### BEGIN HIDDEN TESTS
torch_functions = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda t: t}
rng = np.random.default_rng(10)
for name, function in torch_functions.items():
    for shape in ((1, 1), (3, 5), (17, 4)):
        x = 3 * rng.standard_normal(shape)
        out = Activation(name).fprop(x)
        assert_type(out, np.ndarray, name=f"Activation({name!r}).fprop")
        assert_shape(out, shape, name=f"Activation({name!r}).fprop of a {shape} input")
        assert_close(out, function(torch.tensor(x)), name=f"Activation({name!r}).fprop of a {shape} input",
                     rtol=1e-7, atol=1e-10)
    x = np.array([[-1000.0, -50.0, 0.0, 50.0, 1000.0]])
    with quiet():
        out = Activation(name).fprop(x)
    assert_close(out, function(torch.tensor(x)), name=f"Activation({name!r}).fprop of large inputs",
                 inputs={"input": x}, rtol=1e-7, atol=1e-10)
    x32 = rng.standard_normal((4, 3)).astype(np.float32)
    assert_close(Activation(name).fprop(x32), function(torch.tensor(x32)),
                 name=f"Activation({name!r}).fprop of a float32 input", rtol=1e-5, atol=1e-6)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_Activation_bprop" points=3
"""Activation.bprop matches torch autograd (float64) for all four names, at the input of the last fprop."""
### BEGIN HIDDEN TESTS
torch_functions = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda t: t}
rng = np.random.default_rng(11)
for name, function in torch_functions.items():
    for shape in ((1, 1), (3, 5), (17, 4), (6, 1)):
        x, output_grad = 2 * rng.standard_normal(shape), rng.standard_normal(shape)
        x_t = torch.tensor(x, requires_grad=True)
        function(x_t).backward(torch.tensor(output_grad))
        act = Activation(name)
        act.fprop(rng.standard_normal(shape))  # bprop must use the latest input
        act.fprop(x)
        grad = act.bprop(output_grad)
        assert_type(grad, np.ndarray, name=f"Activation({name!r}).bprop")
        assert_shape(grad, shape, name=f"Activation({name!r}).bprop for a {shape} input")
        assert_close(grad, x_t.grad, name=f"Activation({name!r}).bprop for a {shape} input",
                     inputs={"input": x, "output_grad": output_grad}, rtol=1e-7, atol=1e-10)
    x = np.array([[-1000.0, -30.0, 30.0, 1000.0]])
    x_t = torch.tensor(x, requires_grad=True)
    function(x_t).backward(torch.ones_like(x_t))
    act = Activation(name)
    with quiet():
        act.fprop(x)
        grad = act.bprop(np.ones_like(x))
    assert_close(grad, x_t.grad, name=f"Activation({name!r}).bprop at large inputs", inputs={"input": x},
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
# ## 3. A fully connected layer (8 points)
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

# %% tags=["tests"] id="test_FullyConnectedLayer_example" points=1
"""FullyConnectedLayer on a worked example: 2 inputs, 3 ReLU units, W and b set by hand."""
example_layer = FullyConnectedLayer(InputLayer((None, 2)), 3, 0.1, Activation("relu"))
W_example, b_example = example_layer.params()
assert_shape(W_example, (2, 3), name="W of a layer with 2 inputs and 3 units")
assert_shape(b_example, (3,), name="b of a layer with 3 units")
W_example[...] = [[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]]  # in place: params() returns the arrays themselves
b_example[...] = [0.0, 1.0, 0.0]
# X W + b = [3, 2, -1], so the ReLU gives [3, 2, 0] and lets the gradient through units 0 and 1 only.
assert_close(example_layer.fprop(np.array([[1.0, 1.0]])), np.array([[3.0, 2.0, 0.0]]), name="fprop([[1, 1]])")
input_grad_example = example_layer.bprop(np.array([[1.0, 1.0, 1.0]]))
dW_example, db_example = example_layer.grad_params()
assert_close(dW_example, np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0]]), name="dW")
assert_close(db_example, np.array([1.0, 1.0, 0.0]), name="db")
assert_close(input_grad_example, np.array([[1.0, 3.0]]), name="bprop([[1, 1, 1]]) (the input gradient)")

# %% tags=["tests"] id="test_FullyConnectedLayer_init" points=1
"""FullyConnectedLayer starts with W ~ N(0, init_stddev^2), b = 0, and params() returns the arrays in use."""
### BEGIN HIDDEN TESTS
np.random.seed(12)
layer = FullyConnectedLayer(InputLayer((None, 300)), 200, 0.05, Activation("linear"))
W, b = layer.params()
assert_shape(W, (300, 200), name="W of a layer with 300 inputs and 200 units")
assert_shape(b, (200,), name="b of a layer with 200 units")
assert_close(np.std(W), 0.05, name="standard deviation of W (init_stddev = 0.05)", rtol=0.05)
assert_close(np.mean(W), 0.0, name="mean of W", atol=0.002)
assert_close(b, np.zeros(200), name="b at initialisation")
assert_equal(layer.output_size()[-1], 200, name="output_size()[-1] of a layer with 200 units")
b[...] = 1.5  # the network updates parameters in place, so fprop must see the change
assert_close(layer.fprop(np.zeros((2, 300))), np.full((2, 200), 1.5),
             name="fprop after setting params()[1] (b) to 1.5 in place (does params() return copies?)")
np.random.seed(13)
other = FullyConnectedLayer(layer, 7, 2.0, Activation("tanh"))  # input size from the previous layer
assert_shape(other.params()[0], (200, 7), name="W of a layer with 7 units after a layer of 200 units")
assert_close(np.std(other.params()[0]), 2.0, name="standard deviation of W (init_stddev = 2)", rtol=0.1)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_FullyConnectedLayer_fprop" points=2
"""FullyConnectedLayer.fprop matches torch's linear layer and activation, for several sizes and activations."""
### BEGIN HIDDEN TESTS
torch_functions = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda t: t}
rng = np.random.default_rng(14)
for name, function in torch_functions.items():
    for n, d, m in ((1, 3, 2), (5, 4, 6), (17, 8, 3), (4, 1, 1)):
        layer = FullyConnectedLayer(InputLayer((None, d)), m, 1.0, Activation(name))
        W, b = layer.params()
        W[...] = rng.standard_normal((d, m))
        b[...] = rng.standard_normal(m)
        x = rng.standard_normal((n, d))
        expected = function(F.linear(torch.tensor(x), torch.tensor(W).T, torch.tensor(b)))
        out = layer.fprop(x)
        assert_type(out, np.ndarray, name=f"fprop ({name})")
        assert_shape(out, (n, m), name=f"fprop of a ({n}, {d}) input through {m} units ({name})")
        assert_close(out, expected, name=f"fprop of a ({n}, {d}) input through {m} units ({name})",
                     rtol=1e-7, atol=1e-10)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_FullyConnectedLayer_bprop_params" points=2
"""FullyConnectedLayer.bprop stores dW and db equal to torch autograd's gradients of the mean loss."""
### BEGIN HIDDEN TESTS
def torch_dense_grads(x, W, b, output_grad, function):
    """Gradients of sum(out * output_grad) / N w.r.t. W, b and (without the 1/N) w.r.t. x."""
    x_t, W_t, b_t = (torch.tensor(a, requires_grad=True) for a in (x, W, b))
    out = function(x_t @ W_t + b_t)
    ((out * torch.tensor(output_grad)).sum() / len(x)).backward()
    return W_t.grad, b_t.grad, x_t.grad * len(x)

torch_functions = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda t: t}
rng = np.random.default_rng(15)
for name, function in torch_functions.items():
    for n, d, m in ((1, 3, 2), (5, 4, 6), (17, 8, 3), (8, 2, 1)):
        layer = FullyConnectedLayer(InputLayer((None, d)), m, 1.0, Activation(name))
        W, b = layer.params()
        W[...] = rng.standard_normal((d, m))
        b[...] = rng.standard_normal(m)
        x, output_grad = rng.standard_normal((n, d)), rng.standard_normal((n, m))
        dW_ref, db_ref, _ = torch_dense_grads(x, W, b, output_grad, function)
        layer.fprop(x)
        layer.bprop(output_grad)
        dW, db = layer.grad_params()
        assert_shape(dW, (d, m), name=f"dW for W of shape ({d}, {m})")
        assert_shape(db, (m,), name=f"db for b of shape ({m},)")
        where = f"for a batch of {n}, ({d} inputs, {m} units, {name})"
        assert_close(dW, dW_ref, name=f"dW {where}", rtol=1e-7, atol=1e-10)
        assert_close(db, db_ref, name=f"db {where}", rtol=1e-7, atol=1e-10)
        assert_close(layer.dW, dW_ref, name=f"self.dW {where}", rtol=1e-7, atol=1e-10)
        assert_close(layer.db, db_ref, name=f"self.db {where}", rtol=1e-7, atol=1e-10)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_FullyConnectedLayer_bprop_input" points=2
"""FullyConnectedLayer.bprop returns the input gradient computed by torch autograd, for several sizes."""
### BEGIN HIDDEN TESTS
torch_functions = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda t: t}
rng = np.random.default_rng(16)
for name, function in torch_functions.items():
    for n, d, m in ((1, 3, 2), (5, 4, 6), (17, 8, 3), (3, 5, 1)):
        layer = FullyConnectedLayer(InputLayer((None, d)), m, 1.0, Activation(name))
        W, b = layer.params()
        W[...] = rng.standard_normal((d, m))
        b[...] = rng.standard_normal(m)
        x, output_grad = rng.standard_normal((n, d)), rng.standard_normal((n, m))
        _, _, dx_ref = torch_dense_grads(x, W, b, output_grad, function)
        layer.fprop(rng.standard_normal((n, d)))  # bprop must use the latest input
        layer.fprop(x)
        dx = layer.bprop(output_grad)
        assert_type(dx, np.ndarray, name="bprop's return value")
        assert_shape(dx, (n, d), name=f"bprop's input gradient for a ({n}, {d}) input")
        assert_close(dx, dx_ref, name=f"input gradient for a ({n}, {d}) input through {m} units ({name})",
                     rtol=1e-7, atol=1e-10)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Output layers and their losses (9 points)
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
"""LinearOutput.loss is the batch mean of half the squared error (0.5 * (1 + 4) = 2.5 in the example)."""
linear_output = LinearOutput(InputLayer((None, 2)))
assert_close(linear_output.loss(np.array([[1.0, 2.0]]), np.array([[2.0, 0.0]])), 2.5,
             name="loss(Y=[[1, 2]], Y_pred=[[2, 0]])")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(17)
for n, k in ((1, 1), (4, 3), (10, 1), (7, 5)):
    Y, Y_pred = rng.standard_normal((n, k)), rng.standard_normal((n, k))
    output = LinearOutput(InputLayer((None, k)))
    assert_close(output.fprop(Y_pred), Y_pred, name=f"LinearOutput.fprop of a ({n}, {k}) input")
    expected = 0.5 * F.mse_loss(torch.tensor(Y_pred), torch.tensor(Y), reduction="sum") / n
    assert_close(output.loss(Y, Y_pred), expected, name=f"loss of a batch of {n} with {k} outputs", rtol=1e-8)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_LinearOutput_input_grad" points=2
"""LinearOutput.input_grad equals torch autograd's gradient of the summed squared loss."""
assert_close(linear_output.input_grad(np.array([[1.0, 2.0]]), np.array([[2.0, 0.0]])), np.array([[1.0, -2.0]]),
             name="input_grad(Y=[[1, 2]], Y_pred=[[2, 0]])")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(18)
for n, k in ((1, 1), (4, 3), (10, 1), (7, 5)):
    Y, z = rng.standard_normal((n, k)), rng.standard_normal((n, k))
    z_t = torch.tensor(z, requires_grad=True)
    (0.5 * ((z_t - torch.tensor(Y)) ** 2).sum()).backward()
    output = LinearOutput(InputLayer((None, k)))
    grad = output.input_grad(Y, output.fprop(z))
    assert_shape(grad, (n, k), name=f"input_grad for a batch of {n} with {k} outputs")
    assert_close(grad, z_t.grad, name=f"input_grad for a batch of {n} with {k} outputs", rtol=1e-8, atol=1e-12)
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
softmax_output = SoftmaxOutput(InputLayer((None, 3)))
assert_close(softmax_output.fprop(np.log([[1.0, 1.0, 2.0]])), np.array([[0.25, 0.25, 0.5]]),
             name="fprop(log([[1, 1, 2]]))")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(19)
for scale in (1.0, 10.0, 1000.0):
    for n, k in ((1, 2), (5, 10), (8, 3), (3, 1)):
        z = scale * rng.standard_normal((n, k))
        with quiet():
            out = SoftmaxOutput(InputLayer((None, k))).fprop(z)
        assert_shape(out, (n, k), name=f"fprop of ({n}, {k}) scores")
        assert_close(out, torch.softmax(torch.tensor(z), dim=1), name=f"fprop of ({n}, {k}) scores of scale {scale:g}",
                     rtol=1e-7, atol=1e-12)
z = np.array([[1000.0, 1001.0, -1000.0], [-1000.0, -1000.0, -999.0]])
with quiet():
    out = softmax_output.fprop(z)
assert_close(out, torch.softmax(torch.tensor(z), dim=1), name="fprop of scores of magnitude 1000", inputs={"input": z})
### END HIDDEN TESTS

# %% tags=["tests"] id="test_SoftmaxOutput_loss" points=1
"""SoftmaxOutput.loss is the batch mean of the negative log-likelihood (-log 0.5 in the example)."""
assert_close(softmax_output.loss(np.array([[0.0, 0.0, 1.0]]), np.array([[0.25, 0.25, 0.5]])), np.log(2.0),
             name="loss(Y=[[0, 0, 1]], Y_pred=[[0.25, 0.25, 0.5]])")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(20)
for n, k in ((1, 2), (6, 10), (9, 3), (2, 5)):
    z, labels = rng.standard_normal((n, k)), rng.integers(0, k, n)  # no tiny probabilities: log(p + 1e-8) is fine
    Y = np.eye(k)[labels]
    Y_pred = torch.softmax(torch.tensor(z), dim=1).numpy()
    expected = F.cross_entropy(torch.tensor(z), torch.tensor(labels))
    assert_close(SoftmaxOutput(InputLayer((None, k))).loss(Y, Y_pred), expected,
                 name=f"loss of a batch of {n} with {k} classes", rtol=1e-6, atol=1e-7)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_SoftmaxOutput_input_grad" points=2
"""SoftmaxOutput.input_grad equals torch autograd's gradient of the summed cross-entropy w.r.t. the scores."""
assert_close(softmax_output.input_grad(np.array([[0.0, 0.0, 1.0]]), np.array([[0.25, 0.25, 0.5]])),
             np.array([[0.25, 0.25, -0.5]]), name="input_grad(Y=[[0, 0, 1]], Y_pred=[[0.25, 0.25, 0.5]])")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(21)
for n, k in ((1, 2), (6, 10), (9, 3), (2, 5)):
    z, labels = 3 * rng.standard_normal((n, k)), rng.integers(0, k, n)
    Y = np.eye(k)[labels]
    z_t = torch.tensor(z, requires_grad=True)
    F.cross_entropy(z_t, torch.tensor(labels), reduction="sum").backward()
    Y_pred = torch.softmax(torch.tensor(z), dim=1).numpy()
    grad = SoftmaxOutput(InputLayer((None, k))).input_grad(Y, Y_pred)
    assert_shape(grad, (n, k), name=f"input_grad for a batch of {n} with {k} classes")
    assert_close(grad, z_t.grad, name=f"input_grad for a batch of {n} with {k} classes", rtol=1e-7, atol=1e-12)
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
# ## 5. The network (14 points)
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
# * `sgd_epoch(X, Y, learning_rate, batch_size)`: one pass over the data in a random order
#   (`np.random.permutation`), in mini-batches of `batch_size` examples (the last one may be smaller):
#   for each batch, forward, backward, then every parameter `p -= learning_rate * grad` **in place**;
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

# %% tags=["tests"] id="test_NeuralNetwork_example" points=1
"""A network with no hidden layer predicts softmax(X), backpropagates Y_pred - Y and has error 2/3 here."""
tiny_net = NeuralNetwork([InputLayer((None, 2)), SoftmaxOutput(InputLayer((None, 2)))])
X_tiny = np.array([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0]])
Y_tiny = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])  # predicted classes 0, 1, 0; targets 0, 0, 1
P_tiny = tiny_net.predict(X_tiny)
assert_close(P_tiny, np.exp(X_tiny) / np.exp(X_tiny).sum(axis=1, keepdims=True), name="predict(X_tiny)")
assert_close(tiny_net.backpropagate(Y_tiny, P_tiny), P_tiny - Y_tiny, name="backpropagate(Y_tiny, Y_pred)")
assert_close(tiny_net.classification_error(X_tiny, Y_tiny), 2 / 3, name="classification_error(X_tiny, Y_tiny)")

# %% tags=["tests"] id="test_NeuralNetwork_predict" points=1
"""NeuralNetwork.predict matches the same network written in torch (reference layers, not yours)."""
### BEGIN HIDDEN TESTS
# Reference layers, so that the network's tests do not depend on your layers. The dense layer derives
# from your FullyConnectedLayer only so that isinstance checks work; every method is overridden.
REFERENCE_FUNCTIONS = {"sigmoid": (torch.sigmoid, lambda out: out * (1 - out)),
                       "tanh": (torch.tanh, lambda out: 1 - out ** 2),
                       "relu": (torch.relu, lambda out: (out > 0).astype(float)),
                       "linear": (lambda t: t, lambda out: np.ones_like(out))}


class ReferenceDense(FullyConnectedLayer):
    def __init__(self, n_in, n_out, activation, rng, counter=None):
        self.W, self.b = rng.standard_normal((n_in, n_out)) * 0.8, rng.standard_normal(n_out) * 0.3
        self.dW = self.db = None
        self.num_units, self.input_shape, self.name, self.counter = n_out, (None, n_in), activation, counter

    def output_size(self):
        return (None, self.num_units)

    def fprop(self, input):
        self.x = np.asarray(input, dtype=float)
        self.out = REFERENCE_FUNCTIONS[self.name][0](torch.tensor(self.x @ self.W + self.b)).numpy()
        return self.out

    def bprop(self, output_grad):
        if self.counter is not None:
            self.counter.append(len(output_grad))
        delta = output_grad * REFERENCE_FUNCTIONS[self.name][1](self.out)
        self.dW, self.db = self.x.T @ delta / len(delta), delta.mean(axis=0)
        return delta @ self.W.T

    def params(self):
        return [self.W, self.b]

    def grad_params(self):
        return [self.dW, self.db]


class ReferenceSoftmax(Layer, Loss):
    def __init__(self):
        pass

    def fprop(self, input):
        return torch.softmax(torch.tensor(input), dim=1).numpy()

    def loss(self, Y, Y_pred):
        return float(-np.mean(np.sum(Y * np.log(Y_pred), axis=1)))

    def input_grad(self, Y, Y_pred):
        return Y_pred - Y


class ReferenceSquared(Layer, Loss):
    def __init__(self):
        pass

    def fprop(self, input):
        return input

    def loss(self, Y, Y_pred):
        return float(np.mean(0.5 * np.sum((Y_pred - Y) ** 2, axis=1)))

    def input_grad(self, Y, Y_pred):
        return Y_pred - Y


def reference_network(sizes, activations, output, seed, counter=None):
    """NeuralNetwork of reference layers: sizes [D, M1, ..., K], one activation per dense layer."""
    weights_rng = np.random.default_rng(seed)
    layers = [InputLayer((None, sizes[0]))]
    for n_in, n_out, activation in zip(sizes[:-1], sizes[1:], activations):
        layers.append(ReferenceDense(n_in, n_out, activation, weights_rng, counter))
    layers.append(ReferenceSoftmax() if output == "softmax" else ReferenceSquared())
    return NeuralNetwork(layers)


def torch_loss(net, X, Y, output):
    """The mean loss of net's reference layers, recomputed in torch, and the leaf tensors of its parameters."""
    leaves, h = [], torch.tensor(X, requires_grad=True)
    for layer in net.layers[1:-1]:
        W, b = torch.tensor(layer.W, requires_grad=True), torch.tensor(layer.b, requires_grad=True)
        leaves += [W, b]
        h = REFERENCE_FUNCTIONS[layer.name][0](h @ W + b)
    if output == "softmax":
        loss = -(torch.tensor(Y) * torch.log_softmax(h, dim=1)).sum(dim=1).mean()
    else:
        loss = 0.5 * ((h - torch.tensor(Y)) ** 2).sum(dim=1).mean()
    return loss, h, leaves


CASES = [([4, 5, 3], ["tanh", "linear"], "softmax", 6), ([3, 6, 4, 2], ["sigmoid", "relu", "linear"], "squared", 1),
         ([5, 3], ["linear"], "softmax", 9), ([2, 7, 7, 3], ["relu", "tanh", "linear"], "softmax", 17)]
for seed, (sizes, activations, output, n) in enumerate(CASES):
    rng = np.random.default_rng(100 + seed)
    X, Y = rng.standard_normal((n, sizes[0])), np.eye(sizes[-1])[rng.integers(0, sizes[-1], n)]
    net = reference_network(sizes, activations, output, seed)
    _, expected, _ = torch_loss(net, X, Y, output)
    if output == "softmax":
        expected = torch.softmax(expected, dim=1)
    out = net.predict(X)
    assert_shape(out, (n, sizes[-1]), name=f"predict for a network {sizes}")
    assert_close(out, expected, name=f"predict for a network {sizes} ({', '.join(activations)}, {output})",
                 rtol=1e-7, atol=1e-10)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_NeuralNetwork_backpropagate" points=3
"""NeuralNetwork.backpropagate gives every layer torch autograd's gradients and returns the input gradient."""
### BEGIN HIDDEN TESTS
for seed, (sizes, activations, output, n) in enumerate(CASES):
    rng = np.random.default_rng(200 + seed)
    X, Y = rng.standard_normal((n, sizes[0])), np.eye(sizes[-1])[rng.integers(0, sizes[-1], n)]
    net = reference_network(sizes, activations, output, seed)
    loss, _, leaves = torch_loss(net, X, Y, output)
    grads = torch.autograd.grad(loss, leaves)
    dX = net.backpropagate(Y, net.predict(X))
    for i, layer in enumerate(net.layers[1:-1]):
        assert_true(layer.dW is not None, f"backpropagate did not reach dense layer {i + 1} of a network {sizes}")
        assert_close(layer.dW, grads[2 * i], name=f"dW of dense layer {i + 1} of a network {sizes} after backpropagate",
                     rtol=1e-7, atol=1e-10)
        assert_close(layer.db, grads[2 * i + 1], name=f"db of dense layer {i + 1} of a network {sizes}",
                     rtol=1e-7, atol=1e-10)
    h = torch.tensor(X, requires_grad=True)
    out = h
    for layer in net.layers[1:-1]:
        out = REFERENCE_FUNCTIONS[layer.name][0](out @ torch.tensor(layer.W) + torch.tensor(layer.b))
    per_example = (-(torch.tensor(Y) * torch.log_softmax(out, dim=1)).sum() if output == "softmax"
                   else 0.5 * ((out - torch.tensor(Y)) ** 2).sum())
    per_example.backward()
    assert_type(dX, np.ndarray, name="the return value of backpropagate")
    assert_shape(dX, X.shape, name=f"the input gradient returned by backpropagate for X of shape {X.shape}")
    assert_close(dX, h.grad, name=f"the input gradient returned by backpropagate, network {sizes}",
                 rtol=1e-7, atol=1e-10)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_NeuralNetwork_classification_error" points=1
"""NeuralNetwork.classification_error is the fraction of argmax mistakes, for several networks and batches."""
### BEGIN HIDDEN TESTS
for seed, (sizes, activations, output, n) in enumerate(CASES):
    rng = np.random.default_rng(300 + seed)
    X, labels = rng.standard_normal((n, sizes[0])), rng.integers(0, sizes[-1], n)
    net = reference_network(sizes, activations, output, seed)
    _, scores, _ = torch_loss(net, X, np.eye(sizes[-1])[labels], output)
    expected = (scores.argmax(dim=1).numpy() != labels).mean()
    error = net.classification_error(X, np.eye(sizes[-1])[labels])
    assert_close(error, expected, name=f"classification_error of {n} examples, network {sizes}", rtol=1e-12)
    correct = np.eye(sizes[-1])[scores.argmax(dim=1).numpy()]
    assert_close(net.classification_error(X, correct), 0.0, name="classification_error when every prediction is right")
### END HIDDEN TESTS

# %% tags=["tests"] id="test_NeuralNetwork_sgd_epoch" points=2
"""NeuralNetwork.sgd_epoch takes SGD steps p -= lr * grad (compared with torch) over every mini-batch."""
### BEGIN HIDDEN TESTS
for seed, (sizes, activations, output, n) in enumerate(CASES):
    rng = np.random.default_rng(400 + seed)
    X, Y = rng.standard_normal((n, sizes[0])), np.eye(sizes[-1])[rng.integers(0, sizes[-1], n)]
    net = reference_network(sizes, activations, output, seed)
    loss, _, leaves = torch_loss(net, X, Y, output)
    optimizer = torch.optim.SGD(leaves, lr=0.3)
    loss.backward()
    optimizer.step()
    arrays = [layer.W for layer in net.layers[1:-1]]
    net.sgd_epoch(X, Y, 0.3, n)  # one batch holding every example: one full gradient step
    for i, layer in enumerate(net.layers[1:-1]):
        assert_true(layer.W is arrays[i], "sgd_epoch must update the parameter arrays in place (p -= ...), "
                                          "not replace them")
        assert_close(layer.W, leaves[2 * i], name=f"W of dense layer {i + 1} after one full-batch SGD step, "
                                                   f"network {sizes}", rtol=1e-7, atol=1e-10)
        assert_close(layer.b, leaves[2 * i + 1], name=f"b of dense layer {i + 1} after one full-batch SGD step",
                     rtol=1e-7, atol=1e-10)
batch_sizes = []
net = reference_network([3, 4, 2], ["tanh", "linear"], "softmax", 5, counter=batch_sizes)
rng = np.random.default_rng(401)
X, Y = rng.standard_normal((12, 3)), np.eye(2)[rng.integers(0, 2, 12)]
before = net.loss(X, Y)
for epoch in range(5):
    net.sgd_epoch(X, Y, 0.2, 4)
assert_equal(sorted(batch_sizes), [4] * 30, name="the batch sizes of 5 epochs of 12 examples with batch_size=4 "
                                                   "(one bprop per dense layer and batch)")
assert_true(net.loss(X, Y) < before, "sgd_epoch with a small learning rate should lower the training loss")
### END HIDDEN TESTS

# %% tags=["tests"] id="test_NeuralNetwork_train" points=1
"""NeuralNetwork.train runs max_epochs epochs and records the loss and errors after each of them."""
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(500)
X, Y = rng.standard_normal((16, 3)), np.eye(3)[rng.integers(0, 3, 16)]
X_valid, Y_valid = rng.standard_normal((6, 3)), np.eye(3)[rng.integers(0, 3, 6)]
net = reference_network([3, 5, 3], ["tanh", "linear"], "softmax", 3)
before = net.loss(X, Y)
augmented = []
history = net.train(X, Y, learning_rate=0.2, max_epochs=4, batch_size=4, X_valid=X_valid, Y_valid=Y_valid,
                    augment=lambda data: augmented.append(len(data)) or data + 0.0)
assert_type(history, dict, name="the return value of train")
for key in ("train_loss", "train_error", "valid_error"):
    assert_true(key in history and len(history[key]) == 4,
                f"train(max_epochs=4) should return history[{key!r}] with 4 values (one per epoch)")
assert_equal(augmented, [16] * 4, name="the sizes of the data sets given to augment in 4 epochs")
assert_close(history["train_loss"][-1], net.loss(X, Y), name="history['train_loss'][-1] (the loss after training)",
             rtol=1e-8)
assert_close(history["train_error"][-1], net.classification_error(X, Y), name="history['train_error'][-1]")
assert_close(history["valid_error"][-1], net.classification_error(X_valid, Y_valid), name="history['valid_error'][-1]")
assert_true(history["train_loss"][-1] < before, "train should lower the training loss")
history = net.train(X, Y, learning_rate=0.2, max_epochs=2, batch_size=16)
assert_true(len(history["train_loss"]) == 2, "train(max_epochs=2) without validation data: 2 training losses")
### END HIDDEN TESTS

# %% tags=["tests"] id="test_NeuralNetwork_check_gradients" points=3
"""check_gradients passes your layers and a correct network, flags broken layers, and uses central differences."""
np.random.seed(0)
check_layers = [InputLayer((None, 4))]
check_layers.append(FullyConnectedLayer(check_layers[-1], 5, 0.5, Activation("tanh")))
check_layers.append(FullyConnectedLayer(check_layers[-1], 3, 0.5, Activation("sigmoid")))
check_layers.append(SoftmaxOutput(check_layers[-1]))
check_net = NeuralNetwork(check_layers)
errors = check_net.check_gradients(np.random.randn(6, 4), np.eye(3)[[0, 1, 2, 0, 1, 2]])
assert_equal(len(errors), 4, name="number of relative errors for 2 dense layers (W and b each)")
assert_true(max(errors) < 1e-5, f"check_gradients reports relative errors up to {max(errors):.2g} on your layers: "
                                "either bprop or check_gradients has a bug")
### BEGIN HIDDEN TESTS
class DoubledWeightGradient(ReferenceDense):
    def bprop(self, output_grad):
        input_grad = super().bprop(output_grad)
        self.dW = 2 * self.dW
        return input_grad


class SummedBiasGradient(ReferenceDense):
    def bprop(self, output_grad):
        input_grad = super().bprop(output_grad)
        self.db = self.db * len(output_grad)
        return input_grad


class NoActivationInInputGradient(ReferenceDense):
    def bprop(self, output_grad):
        super().bprop(output_grad)
        return output_grad @ self.W.T


rng = np.random.default_rng(600)
X, Y = rng.standard_normal((5, 4)), np.eye(3)[[0, 2, 1, 1, 0]]
net = reference_network([4, 5, 3], ["tanh", "sigmoid"], "softmax", 60)
saved = [p.copy() for layer in net.layers[1:-1] for p in layer.params()]
with quiet():
    errors = np.asarray(net.check_gradients(X, Y), dtype=float)
assert_shape(errors, (4,), name="the relative errors of a network with 2 dense layers")
assert_true(np.all(errors < 1e-5), f"check_gradients reports errors {errors} on a correct network (expected < 1e-5)")
for i, p in enumerate(p for layer in net.layers[1:-1] for p in layer.params()):
    assert_close(p, saved[i], name=f"parameter array {i} after check_gradients (it must put every value back)",
                 rtol=0, atol=1e-12)
for broken, flagged in ((DoubledWeightGradient, [2]), (SummedBiasGradient, [3]), (NoActivationInInputGradient, [0, 1])):
    net.layers[2] = broken(5, 3, "sigmoid", np.random.default_rng(7))
    with quiet():
        errors = np.asarray(net.check_gradients(X, Y), dtype=float)
    assert_true(np.all(errors[flagged] > 1e-2),
                f"check_gradients does not flag a broken layer ({broken.__name__}): errors {errors}")
# A linear network with the squared loss is quadratic in each parameter: central differences are exact
# for any step, forward differences are off by epsilon/2 times the second derivative.
rng = np.random.default_rng(601)
X, Y = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
net = reference_network([3, 4, 2], ["linear", "linear"], "squared", 61)
with quiet():
    errors = np.asarray(net.check_gradients(X, Y, epsilon=0.01), dtype=float)
assert_true(np.all(errors < 1e-7), f"with epsilon=0.01 on a linear network, central differences are exact, but "
                                   f"check_gradients reports errors {errors}: forward differences?")
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
# ## 6. Training on MNIST (3 points)
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
"""build_mnist_network has the parameters of torch's Linear(784, H), ReLU, Linear(H, 10), with a ReLU layer."""
mnist_net = build_mnist_network(n_hidden=32)
assert_type(mnist_net, NeuralNetwork, name="build_mnist_network(n_hidden=32)")
shapes = [tuple(p.shape) for layer in mnist_net.layers if isinstance(layer, Parameterized) for p in layer.params()]
assert_equal(shapes, [(784, 32), (32,), (32, 10), (10,)], name="parameter shapes of build_mnist_network(n_hidden=32)")
### BEGIN HIDDEN TESTS
for n_hidden in (7, 256):
    np.random.seed(n_hidden)
    net = build_mnist_network(n_hidden=n_hidden)
    params = [p for layer in net.layers if isinstance(layer, Parameterized) for p in layer.params()]
    reference = torch.nn.Sequential(torch.nn.Linear(784, n_hidden), torch.nn.ReLU(), torch.nn.Linear(n_hidden, 10))
    assert_equal(sum(p.size for p in params), sum(p.numel() for p in reference.parameters()),
                 name=f"number of parameters of build_mnist_network(n_hidden={n_hidden})")
    assert_true(isinstance(net.layers[0], InputLayer) and isinstance(net.layers[-1], SoftmaxOutput),
                "the network starts with an InputLayer and ends with a SoftmaxOutput")
    out = net.layers[1].fprop(np.random.default_rng(1).standard_normal((20, 784)))
    assert_true(out.shape == (20, n_hidden) and out.min() == 0.0 and out.max() > 0,
                "the hidden layer should be a ReLU layer (outputs >= 0, some of them exactly 0)")
np.random.seed(3)
net = build_mnist_network(n_hidden=2000, output_stddev=0.5)
W1, W2 = net.layers[1].params()[0], net.layers[2].params()[0]
assert_close(np.std(W1), np.sqrt(2 / 784), name="standard deviation of the hidden weights (He: sqrt(2/784))", rtol=0.05)
assert_close(np.std(W2), 0.5, name="standard deviation of the output weights with output_stddev=0.5", rtol=0.05)
scores = net.layers[2].fprop(net.layers[1].fprop(np.random.default_rng(2).random((20, 784))))
assert_true(scores.min() < 0, "the output layer should be linear (scores of any sign): the softmax comes after it")
### END HIDDEN TESTS

# %% tags=["tests"] id="test_build_mnist_network_initial_loss" points=1
"""With small output weights, the untrained network's loss on MNIST digits is ln 10 (every class equally likely)."""
### BEGIN HIDDEN TESTS
np.random.seed(4)
net = build_mnist_network(n_hidden=64, output_stddev=1e-4)
assert_close(net.loss(X_train[:200], Y_train[:200]), np.log(10), name="initial loss with output_stddev=1e-4",
             rtol=1e-3)
np.random.seed(5)
net = build_mnist_network(n_hidden=64)
assert_close(net.loss(X_train[:200], Y_train[:200]), np.log(10), name="initial loss with the default output_stddev",
             rtol=0.05)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_build_mnist_network_learns" points=1
"""A few SGD epochs on 64 digits lower the network's loss (it learns)."""
### BEGIN HIDDEN TESTS
np.random.seed(6)
net = build_mnist_network(n_hidden=64)
before = net.loss(X_train[:64], Y_train[:64])
for epoch in range(10):
    net.sgd_epoch(X_train[:64], Y_train[:64], 0.1, 16)
after = net.loss(X_train[:64], Y_train[:64])
assert_true(after < 0.8 * before, f"10 epochs of SGD on 64 digits took the loss from {before:.3f} to {after:.3f} "
                                  "only: it should drop by a fifth at least")
### END HIDDEN TESTS

# %% [markdown]
# Now train it. With the bundled digits, 30 epochs take well under a minute on a laptop and give a
# test error of about 3% (4.5% at most). While grading, a short run on a subset only checks that
# everything runs. The test digits are only watched here, not used to choose anything.

# %% id="train_mnist"
epochs = 2 if autograder.grading() else 30
np.random.seed(0)
augment_rng = np.random.default_rng(0)
net = build_mnist_network(n_hidden=256)
start = time.perf_counter()
history = net.train(X_train, Y_train, learning_rate=0.1, max_epochs=epochs, batch_size=32, X_valid=X_test,
                    Y_valid=Y_test, augment=lambda X: shift_images(X, 1, augment_rng))
training_seconds = time.perf_counter() - start
test_error = net.classification_error(X_test, Y_test)
print(f"{epochs} epochs in {training_seconds:.1f} s: test error {test_error:.2%}")

# %%
fig, (ax_loss, ax_error) = plt.subplots(1, 2, figsize=(10, 3.5))
epoch_numbers = np.arange(1, len(history["train_loss"]) + 1)
ax_loss.plot(epoch_numbers, history["train_loss"], marker="o")
ax_loss.set(xlabel="epoch", ylabel="mean cross-entropy", title="Training loss")
ax_error.plot(epoch_numbers, 100 * np.array(history["train_error"]), marker="o", label="training")
ax_error.plot(epoch_numbers, 100 * np.array(history["valid_error"]), marker="o", label="test")
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
