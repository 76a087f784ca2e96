# %% [markdown]
# # Lab 6, part 1 — Recurrent networks in NumPy: a recurrent net, an Elman RNN and backpropagation through time
#
# A recurrent network has a memory: besides its input, each step it reads its own outputs of the
# previous step. In Lab 1 you counted the weights of such a network by hand. In this notebook you
# build it, then the recurrent layer every library has (the *Elman RNN*), its backward pass through
# time, and you watch gradients vanish and explode. Part 2 (the next notebook) trains LSTMs in PyTorch.
#
# * **Part A** — a fully connected recurrent network of sigmoid neurons (8 points)
# * **Part B** — the Elman RNN forward and backward, checked against PyTorch; vanishing and
#   exploding gradients, and gradient clipping (19 points)
#
# **How this notebook works.** Write your code where it says `YOUR CODE HERE` (delete the
# `raise NotImplementedError()` line) and your answers where it says `YOUR ANSWER HERE`. The cells
# that start with a docstring are tests: run them to check your work. They show one worked example;
# when grading, more tests run on other inputs (other sizes, batches of 1, float32 and float64), so
# make your code general rather than fitted to the example. Run the cells in order, from the top.
# Total: 27 points.

# %% tags=["readonly"] id="imports"
import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy.special import expit as sigmoid  # 1 / (1 + exp(-z)), without overflow warnings

import autograder
from autograder.checks import (assert_close, assert_equal, assert_hashed, assert_shape, assert_true, assert_type,
                               call, check_gradient, note_hidden_tests, substitute)

torch.set_printoptions(precision=4)
# Every array of this notebook is small: one thread saves the cost of starting threads for each operation.
torch.set_num_threads(1)

# %% [markdown]
# ## Part A — A fully connected recurrent network (8 points)
#
# Lab 1 described a network by its layer sizes `struct = [n0, n1, ..., nL]` and stored the weights of
# layer `l` as one matrix, one row per neuron, with the columns in the order
# **[inputs, recurrent, bias]**: a hidden layer reads the outputs of the layer below, its **own
# outputs of the previous step** and a constant 1; the output layer reads the layer below and a 1
# (no recurrence). For `[2, 4, 1]` that is a `(4, 2 + 4 + 1) = (4, 7)` matrix and a `(1, 4 + 1) = (1, 5)`
# matrix: 33 weights.
#
# Now the network computes. Call `a_0 = x` the input and `h_l` the output of hidden layer `l` at the
# previous call (its *state*). One call computes, layer after layer,
#
# $$a_l = \sigma\!\left(W_l \begin{bmatrix} a_{l-1} \\ h_l \\ 1 \end{bmatrix}\right) \text{ (hidden layer)},
# \qquad a_L = \sigma\!\left(W_L \begin{bmatrix} a_{L-1} \\ 1 \end{bmatrix}\right) \text{ (output layer)},$$
#
# with the sigmoid $\sigma(z) = 1 / (1 + e^{-z})$ (imported above as `sigmoid`), and then **remembers**
# each hidden output: $h_l \leftarrow a_l$ for the next call. A new network, or one that was `reset()`,
# starts with $h_l = 0$.
#
# ### A1. `RecurrentNeuralNetwork` (6 points)
#
# Write the class. Its attributes `weights` and `state` are read by the tests (and set, for the
# weights), so keep their names and layout exactly as the docstring says. Initialise the state with
# zeros, explicitly (`np.zeros`): `np.empty` gives whatever happened to be in memory.

# %% tags=["solution"] id="RecurrentNeuralNetwork"
class RecurrentNeuralNetwork:
    """A fully connected recurrent network of sigmoid neurons with biases.

    Layer l (l = 1, ..., L) reads the stacked vector [a_{l-1}; h_l; 1]: the output of the layer
    below (the input for l = 1), its own output at the previous call (hidden layers only) and a
    constant 1 for the bias. The output layer L has a bias and no recurrence.

    Inputs:
    - struct: list of L + 1 layer sizes [n0, n1, ..., nL] (n0 inputs, nL outputs, L >= 1)

    Attributes:
    - weights: list of L arrays; weights[l - 1] is the matrix of layer l, of shape
      (n_l, n_{l-1} + n_l + 1) for a hidden layer and (n_L, n_{L-1} + 1) for the output layer,
      columns ordered [input, recurrent, bias]; random (e.g. uniform in [-1, 1]) after construction
    - state: list of L - 1 arrays; state[l - 1], of shape (n_l,), is the output of hidden layer l
      at the previous call; zeros after construction and after reset()
    """

    def __init__(self, struct):
        ### BEGIN SOLUTION
        self.struct = list(struct)
        last = len(self.struct) - 1
        self.weights = []
        for layer in range(1, last + 1):
            recurrent = self.struct[layer] if layer < last else 0
            shape = (self.struct[layer], self.struct[layer - 1] + recurrent + 1)
            self.weights.append(np.random.uniform(-1.0, 1.0, size=shape))
        self.reset()
        ### END SOLUTION

    def reset(self):
        """Forget the past: set every hidden layer's state to zeros."""
        ### BEGIN SOLUTION
        self.state = [np.zeros(n) for n in self.struct[1:-1]]
        ### END SOLUTION

    def act_net(self, inp):
        """Activate the network on one input vector and update the state.

        Inputs:
        - inp: input vector of length n0 (a list or an array of shape (n0,))

        Returns:
        - the output vector, an array of shape (nL,)

        Raises:
        - ValueError, with a message naming the expected length n0, if inp has another length
        """
        ### BEGIN SOLUTION
        a = np.asarray(inp, dtype=float)
        if a.shape != (self.struct[0],):
            raise ValueError(f"act_net expects an input vector of length {self.struct[0]}, got shape {a.shape}")
        for layer, W in enumerate(self.weights):
            hidden = layer < len(self.weights) - 1
            stacked = np.concatenate([a, self.state[layer], [1.0]] if hidden else [a, [1.0]])
            a = sigmoid(W @ stacked)
            if hidden:
                self.state[layer] = a
        return a
        ### END SOLUTION

# %% [markdown]
# Let us watch the memory at work: the network `[4, 5, 4, 3]` (two hidden layers) activated three
# times on the same input `[3, 2, 4, 3]`. A feed-forward network would answer the same thing three
# times; this one does not, because its state changes. After `reset()` it answers as the first time.

# %%
np.random.seed(0)
net = RecurrentNeuralNetwork([4, 5, 4, 3])
print("weight shapes:", [W.shape for W in net.weights], "  weights:", sum(W.size for W in net.weights))
for call_number in range(1, 4):
    print(f"call {call_number}: output {np.round(net.act_net([3, 2, 4, 3]), 4)}")
net.reset()
print(f"after reset(): output {np.round(net.act_net([3, 2, 4, 3]), 4)}")

# %% tags=["tests"] id="test_RecurrentNeuralNetwork_shapes" points=1
"""RecurrentNeuralNetwork([2, 4, 1]) has weights of shapes (4, 7) and (1, 5) (33 in all) and a zero state."""
def _fill_allocator(sizes):
    # np.empty returns recycled memory: fill the memory that small arrays of these sizes will get.
    _junk = [np.full(n, 7.0) for n in sizes for _ in range(8)]
    del _junk


_fill_allocator([4])
_net = call(RecurrentNeuralNetwork, [2, 4, 1])
assert_type(_net.weights, list, name="net.weights")
assert_equal([tuple(np.shape(W)) for W in _net.weights], [(4, 7), (1, 5)], name="shapes of net.weights for [2, 4, 1]")
assert_equal(sum(np.size(W) for W in _net.weights), 33, name="number of weights of [2, 4, 1]")
assert_true(np.std(np.concatenate([np.ravel(W) for W in _net.weights])) > 0,
            "the weights of a new network should be random, not all equal")
assert_type(_net.state, list, name="net.state")
assert_equal(len(_net.state), 1, name="len(net.state) for [2, 4, 1] (one hidden layer)")
assert_close(_net.state[0], np.zeros(4), name="net.state[0] of a new network (is it initialised with zeros?)")
### BEGIN HIDDEN TESTS
for _struct in ([3, 5, 2], [4, 5, 4, 3], [1, 3, 3, 3, 1], [6, 2], [10, 20, 30, 4]):
    _fill_allocator(_struct[1:-1])
    _net = call(RecurrentNeuralNetwork, list(_struct))
    _expected = [(n, m + (n if layer < len(_struct) - 1 else 0) + 1)
                 for layer, (m, n) in enumerate(zip(_struct[:-1], _struct[1:]), start=1)]
    assert_equal([tuple(np.shape(W)) for W in _net.weights], _expected, name=f"shapes of net.weights for {_struct}")
    assert_equal(len(_net.state), len(_struct) - 2, name=f"len(net.state) for {_struct}")
    for _k, _n in enumerate(_struct[1:-1]):
        assert_close(_net.state[_k], np.zeros(_n), name=f"net.state[{_k}] of a new network {_struct}")
### END HIDDEN TESTS

# %% tags=["tests"] id="test_RecurrentNeuralNetwork_outputs" points=3
"""act_net on [4, 5, 4, 3] with fixed weights, three calls on [3, 2, 4, 3]: the outputs change with the state."""
_net = call(RecurrentNeuralNetwork, [4, 5, 4, 3])
for _k, _W in enumerate(_net.weights):
    _W[...] = np.cos(2 * np.arange(_W.size) + _k).reshape(_W.shape)  # fixed weights, set in place
_outputs = [call(_net.act_net, np.array([3.0, 2.0, 4.0, 3.0]), name="act_net") for _ in range(3)]
for _i, _out in enumerate(_outputs):
    assert_shape(_out, (3,), name=f"act_net output of call {_i + 1}")
assert_true(not np.allclose(_outputs[0], _outputs[1]),
            "act_net gives the same output twice on the same input: the state should change it")
assert_hashed(np.stack(_outputs), "6728c8a7ad654368", name="outputs of the three calls (one row each)")
### BEGIN HIDDEN TESTS
def _torch_recurrence(weights, inputs):
    """The recurrence in torch: every output of the sequence and the final state."""
    weights = [torch.tensor(W, dtype=torch.float64) for W in weights]
    one = torch.ones(1, dtype=torch.float64)
    state = [torch.zeros(W.shape[0], dtype=torch.float64) for W in weights[:-1]]
    outputs = []
    for x in inputs:
        a = torch.tensor(x, dtype=torch.float64)
        for layer, W in enumerate(weights):
            if layer < len(weights) - 1:
                a = torch.sigmoid(W @ torch.cat([a, state[layer], one]))
                state[layer] = a
            else:
                a = torch.sigmoid(W @ torch.cat([a, one]))
        outputs.append(a.numpy())
    return outputs, [h.numpy() for h in state]


_rng = np.random.default_rng(6)
for _struct in ([2, 4, 1], [3, 6, 2], [4, 5, 4, 3], [1, 3, 3, 3, 1], [5, 2]):
    _net = call(RecurrentNeuralNetwork, list(_struct))
    _weights = [_rng.uniform(-2, 2, size=np.shape(W)) for W in _net.weights]
    for _W, _new in zip(_net.weights, _weights):
        _W[...] = _new
    _inputs = _rng.uniform(-3, 3, size=(6, _struct[0]))
    _expected, _final_state = _torch_recurrence(_weights, _inputs)
    for _t, (_x, _want) in enumerate(zip(_inputs, _expected)):
        _got = call(_net.act_net, _x.copy(), name="act_net")
        assert_close(_got, _want, name=f"act_net output at call {_t + 1} of a sequence, struct {_struct}",
                     rtol=1e-6, atol=1e-9, inputs={"inp": _x})
    for _k, _h in enumerate(_final_state):
        assert_close(_net.state[_k], _h, name=f"net.state[{_k}] after 6 calls, struct {_struct}", rtol=1e-6, atol=1e-9)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_RecurrentNeuralNetwork_reset" points=1
"""reset() sets the state back to zeros: the next output is the one a new network gives."""
def _fill_allocator(sizes):
    # np.empty returns recycled memory: fill the memory that small arrays of these sizes will get.
    _junk = [np.full(n, 7.0) for n in sizes for _ in range(8)]
    del _junk


_net = call(RecurrentNeuralNetwork, [4, 5, 4, 3])
_first = call(_net.act_net, np.array([3.0, 2.0, 4.0, 3.0]), name="act_net")
call(_net.act_net, np.array([1.0, -1.0, 0.5, 2.0]), name="act_net")
_fill_allocator([5, 4])
call(_net.reset, name="reset")
for _k, _n in enumerate([5, 4]):
    assert_close(_net.state[_k], np.zeros(_n), name=f"net.state[{_k}] after reset()")
assert_close(call(_net.act_net, np.array([3.0, 2.0, 4.0, 3.0]), name="act_net"), _first,
             name="act_net([3, 2, 4, 3]) right after reset() (should equal the first output)")
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(7)
for _struct in ([3, 6, 2], [2, 3, 3, 3, 2], [4, 1]):
    _fill_allocator(_struct[1:-1])
    _net = call(RecurrentNeuralNetwork, list(_struct))
    _inputs = _rng.uniform(-3, 3, size=(5, _struct[0]))
    _fresh = [call(_net.act_net, _x.copy(), name="act_net") for _x in _inputs]
    _fill_allocator(_struct[1:-1])
    call(_net.reset, name="reset")
    for _k, _n in enumerate(_struct[1:-1]):
        assert_close(_net.state[_k], np.zeros(_n), name=f"net.state[{_k}] after reset(), struct {_struct}")
    for _t, _x in enumerate(_inputs):
        assert_close(call(_net.act_net, _x.copy(), name="act_net"), _fresh[_t],
                     name=f"act_net at call {_t + 1} after reset(), struct {_struct} (should repeat the first run)")
### END HIDDEN TESTS

# %% tags=["tests"] id="test_RecurrentNeuralNetwork_errors" points=1
"""act_net raises a ValueError naming the expected length when the input has the wrong length."""
def _length_error(net, inp):
    """The message of the ValueError act_net raises for inp (a failed check if it raises none)."""
    try:
        net.act_net(inp)
    except ValueError as error:
        return str(error)
    except NotImplementedError:
        assert_true(False, "act_net is not written yet (it raises NotImplementedError)")
    except Exception as error:
        assert_true(False, f"act_net on an input of length {len(inp)} raised {type(error).__name__}; "
                           "expected a ValueError naming the expected length")
    assert_true(False, f"act_net({list(inp)}) raised no error for an input of the wrong length")


_net = call(RecurrentNeuralNetwork, [2, 4, 1])
_message = _length_error(_net, np.array([1.0, 2.0, 3.0]))
assert_true("2" in _message, f"the ValueError for an input of length 3 (expected 2) should name the expected "
                             f"length 2; its message is {_message!r}")
### BEGIN HIDDEN TESTS
_net = call(RecurrentNeuralNetwork, [7, 3, 2])
for _bad in (np.zeros(6), np.zeros(8), np.zeros(1)):
    _message = _length_error(_net, _bad)
    assert_true("7" in _message, f"the ValueError for an input of length {len(_bad)} (expected 7) should name "
                                 f"the expected length 7; its message is {_message!r}")
_out = call(_net.act_net, [0.5] * 7, name="act_net")
assert_shape(_out, (2,), name="act_net output for a list input of the right length")
### END HIDDEN TESTS

# %% [markdown]
# ### A2. The equations (2 points)
#
# Write the equations of the `[2, 4, 1]` network at time step `t` with the stacked vector
# $[x_t; h_{t-1}; 1]$: the shapes of the two weight matrices, what is multiplied with what, and where
# the state is read and written. Check that you find Lab 1's 33 weights.

# %% [markdown] tags=["manual"] id="recurrent_equations" points=2
# With the input $x_t \in \mathbb{R}^2$ and the hidden state $h_{t-1} \in \mathbb{R}^4$ ($h_0 = 0$):
#
# $$h_t = \sigma\!\left(W_1 \begin{bmatrix} x_t \\ h_{t-1} \\ 1 \end{bmatrix}\right), \quad W_1 \in \mathbb{R}^{4 \times 7},
# \qquad y_t = \sigma\!\left(W_2 \begin{bmatrix} h_t \\ 1 \end{bmatrix}\right), \quad W_2 \in \mathbb{R}^{1 \times 5}.$$
#
# Splitting the columns, $W_1 = [W_{xh}\; W_{hh}\; b_h]$ gives $h_t = \sigma(W_{xh} x_t + W_{hh} h_{t-1} + b_h)$
# (a 4×2 input matrix, a 4×4 recurrent matrix, 4 biases) and $W_2 = [W_{hy}\; b_y]$ gives
# $y_t = \sigma(W_{hy} h_t + b_y)$. The state is read in the first equation and overwritten by $h_t$ after it,
# for the next step; the output layer has no recurrence. Weights: 4·7 + 1·5 = 28 + 5 = 33.

# %% [markdown]
# ## Part B — The Elman RNN, forward and backward (19 points)
#
# Every deep-learning library has a recurrent layer in which the hidden layer is the whole network
# (the output layer becomes a separate `Linear` on top). It processes a **batch** of `N` sequences at
# once, each of `T` steps of `D` features, with a hidden state of `H` numbers. We follow the
# conventions of CS231n and of PyTorch's `batch_first=True`: a batch of sequences has shape
# `(N, T, D)`, one time step of it `x[:, t]` shape `(N, D)`, and vectors are *rows*, so that
#
# $$h_t = \tanh(x_t W_x + h_{t-1} W_h + b), \qquad x_t: (N, D),\; h_t: (N, H),\; W_x: (D, H),\; W_h: (H, H),\; b: (H,).$$
#
# This is Part A's hidden layer with `tanh` instead of the sigmoid, written for a batch: the rows of
# $x_t$ are the sequences, and $W_x$, $W_h$ are the transposes of the blocks of Part A's $W_1$.
#
# **How PyTorch stores the same layer.** `torch.nn.RNN(D, H, nonlinearity="tanh", batch_first=True)`
# computes $h_t = \tanh(x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh})$ with
# `weight_ih_l0` $= W_{ih}$ of shape `(H, D)`, `weight_hh_l0` $= W_{hh}$ of shape `(H, H)` and **two**
# biases `bias_ih_l0` and `bias_hh_l0` of shape `(H,)` (a leftover of the cuDNN library; only their sum
# matters). So our $W_x = W_{ih}^\top$, $W_h = W_{hh}^\top$ and $b = b_{ih} + b_{hh}$. The tests copy
# your weights into an `nn.RNN` that way (with $b_{ih} = b$, $b_{hh} = 0$) and compare.
#
# ### B1. One step forward (2 points)
#
# Like in CS231n, each forward function returns its result and a **cache**: what its backward pass
# needs. Here the cache of one step is fixed: the tuple `(x, h_prev, Wx, Wh, b, h_next)`, so that
# any backward function works with any forward function.

# %% tags=["solution"] id="rnn_step_forward"
def rnn_step_forward(x, h_prev, Wx, Wh, b):
    """One time step of an Elman RNN with tanh, for a batch, in NumPy.

    Inputs:
    - x: input of this step, array of shape (N, D)
    - h_prev: hidden state of the previous step, array of shape (N, H)
    - Wx: input-to-hidden weights, array of shape (D, H)
    - Wh: hidden-to-hidden weights, array of shape (H, H)
    - b: biases, array of shape (H,)

    Returns a tuple of:
    - h_next: the new hidden state tanh(x Wx + h_prev Wh + b), array of shape (N, H)
    - cache: the tuple (x, h_prev, Wx, Wh, b, h_next)
    """
    ### BEGIN SOLUTION
    h_next = np.tanh(x @ Wx + h_prev @ Wh + b)
    return h_next, (x, h_prev, Wx, Wh, b, h_next)
    ### END SOLUTION

# %% tags=["tests"] id="test_rnn_step_forward_values" points=2
"""rnn_step_forward agrees with torch.nn.RNN (one step, weights copied) for N=3, D=4, H=5."""
def _torch_rnn(Wx, Wh, b):
    """A float64 nn.RNN holding our weights: torch keeps them transposed, and two biases (b and 0 here)."""
    rnn = torch.nn.RNN(Wx.shape[0], Wx.shape[1], nonlinearity="tanh", batch_first=True).double()
    with torch.no_grad():
        for torch_weight, ours in ((rnn.weight_ih_l0, Wx.T), (rnn.weight_hh_l0, Wh.T), (rnn.bias_ih_l0, b)):
            torch_weight.copy_(torch.as_tensor(ours))
        rnn.bias_hh_l0.zero_()
    return rnn


def _torch_step(x, h_prev, Wx, Wh, b):
    """h_next of one step of torch's RNN, as a float64 NumPy array."""
    with torch.no_grad():
        return _torch_rnn(Wx, Wh, b)(torch.as_tensor(x)[:, None], torch.as_tensor(h_prev)[None])[0][:, 0].numpy()


_rng = np.random.default_rng(0)
_x, _h, _Wx, _Wh, _b = (_rng.standard_normal(s) for s in ((3, 4), (3, 5), (4, 5), (5, 5), (5,)))
_out = call(rnn_step_forward, _x, _h, _Wx, _Wh, _b)
assert_true(isinstance(_out, tuple) and len(_out) == 2, "rnn_step_forward should return a tuple (h_next, cache)")
_h_next, _cache = _out
assert_shape(_h_next, (3, 5), name="h_next for N=3, D=4, H=5")
assert_close(_h_next, _torch_step(_x, _h, _Wx, _Wh, _b), name="h_next (against torch.nn.RNN)", rtol=1e-6)
assert_true(isinstance(_cache, tuple) and len(_cache) == 6, "the cache should be the tuple (x, h_prev, Wx, Wh, b, h_next)")
for _got, _want, _what in zip(_cache, (_x, _h, _Wx, _Wh, _b, _h_next), ("x", "h_prev", "Wx", "Wh", "b", "h_next")):
    assert_close(_got, _want, name=f"cache entry {_what}")
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(1)
for (_N, _D, _H), _dtype, _scale in (((1, 3, 2), np.float64, 1.0), ((6, 2, 7), np.float32, 1.0),
                                     ((4, 5, 5), np.float64, 30.0), ((2, 1, 1), np.float64, 1.0)):
    _x, _h, _Wx, _Wh, _b = (_rng.standard_normal(s).astype(_dtype) for s in ((_N, _D), (_N, _H), (_D, _H), (_H, _H), (_H,)))
    _x = _x * _scale
    _want = _torch_step(*(a.astype(np.float64) for a in (_x, _h, _Wx, _Wh, _b)))
    _h_next, _cache = call(rnn_step_forward, _x, _h, _Wx, _Wh, _b)
    assert_shape(_h_next, (_N, _H), name=f"h_next for N={_N}, D={_D}, H={_H}")
    assert_close(_h_next, _want, name=f"h_next for N={_N}, D={_D}, H={_H}, {np.dtype(_dtype).name}, inputs of scale {_scale:g}",
                 rtol=1e-4, atol=1e-5)
    assert_close(_cache[1], _h, name="cache entry h_prev")
    assert_close(_cache[5], _want, name="cache entry h_next", rtol=1e-4, atol=1e-5)
### END HIDDEN TESTS

# %% [markdown]
# ### B2. A whole sequence forward (2 points)
#
# `rnn_forward` runs the step over the `T` steps of a batch of sequences, starting from the hidden
# state `h0`, and returns every hidden state. Call your `rnn_step_forward` for each step (or write a
# vectorised version: the input products `x_t W_x` of all steps can be computed at once; only the
# recurrence must go step by step). Its cache is the **list** of the `T` step caches, in time order.

# %% tags=["solution"] id="rnn_forward"
def rnn_forward(x, h0, Wx, Wh, b):
    """An Elman RNN with tanh over a whole batch of sequences, in NumPy.

    Inputs:
    - x: input sequences, array of shape (N, T, D)
    - h0: initial hidden state, array of shape (N, H)
    - Wx: (D, H), Wh: (H, H), b: (H,), as in rnn_step_forward

    Returns a tuple of:
    - h: hidden states of every step, array of shape (N, T, H); h[:, t] is the state after step t
    - cache: list of the T step caches, cache[t] = (x[:, t], h_{t-1}, Wx, Wh, b, h[:, t]) with h_{-1} = h0
    """
    ### BEGIN SOLUTION
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=np.result_type(x, h0, Wx))
    cache = []
    h_prev = h0
    for t in range(T):
        h_prev, step_cache = rnn_step_forward(x[:, t], h_prev, Wx, Wh, b)
        h[:, t] = h_prev
        cache.append(step_cache)
    return h, cache
    ### END SOLUTION

# %% tags=["tests"] id="test_rnn_forward_values" points=2
"""rnn_forward agrees with torch.nn.RNN (weights copied) for N=2 sequences of T=6 steps, D=3, H=4."""
def _torch_rnn_forward(x, h0, Wx, Wh, b):
    """Every hidden state of torch's RNN holding our weights (two biases: b and 0), float64."""
    rnn = torch.nn.RNN(Wx.shape[0], Wx.shape[1], nonlinearity="tanh", batch_first=True).double()
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.as_tensor(Wx.T)), rnn.weight_hh_l0.copy_(torch.as_tensor(Wh.T))
        rnn.bias_ih_l0.copy_(torch.as_tensor(b)), rnn.bias_hh_l0.zero_()
        return rnn(torch.as_tensor(x), torch.as_tensor(h0)[None])[0].numpy()


def _reference_step(x, h_prev, Wx, Wh, b):
    """rnn_step_forward computed by torch (it replaces yours here, so that only rnn_forward is tested)."""
    with torch.no_grad():
        step = torch.nn.RNNCell(Wx.shape[0], Wx.shape[1]).double()
        step.weight_ih.copy_(torch.as_tensor(Wx.T)), step.weight_hh.copy_(torch.as_tensor(Wh.T))
        step.bias_ih.copy_(torch.as_tensor(b)), step.bias_hh.zero_()
        h_next = step(torch.as_tensor(x, dtype=torch.float64), torch.as_tensor(h_prev, dtype=torch.float64)).numpy()
    return h_next, (x, h_prev, Wx, Wh, b, h_next)


_rng = np.random.default_rng(0)
_x, _h0, _Wx, _Wh, _b = (_rng.standard_normal(s) for s in ((2, 6, 3), (2, 4), (3, 4), (4, 4), (4,)))
with substitute({"rnn_step_forward": _reference_step}):
    _out = call(rnn_forward, _x, _h0, _Wx, _Wh, _b)
assert_true(isinstance(_out, tuple) and len(_out) == 2, "rnn_forward should return a tuple (h, cache)")
_h, _cache = _out
assert_shape(_h, (2, 6, 4), name="h for N=2, T=6, D=3, H=4")
_want = _torch_rnn_forward(_x, _h0, _Wx, _Wh, _b)
assert_close(_h, _want, name="h (against torch.nn.RNN)", rtol=1e-6)
assert_true(isinstance(_cache, (list, tuple)) and len(_cache) == 6, "the cache should be a list of T = 6 step caches")
assert_close(_cache[0][1], _h0, name="cache[0] entry h_prev (the initial state h0)")
assert_close(_cache[5][0], _x[:, 5], name="cache[5] entry x (the input of the last step)")
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(1)
for (_N, _T, _D, _H), _dtype in (((1, 4, 2, 3), np.float64), ((5, 1, 3, 2), np.float64), ((3, 8, 4, 6), np.float32),
                                 ((4, 3, 3, 3), np.float64)):
    _x, _h0, _Wx, _Wh, _b = (_rng.standard_normal(s).astype(_dtype) for s in ((_N, _T, _D), (_N, _H), (_D, _H), (_H, _H), (_H,)))
    _want = _torch_rnn_forward(*(a.astype(np.float64) for a in (_x, _h0, _Wx, _Wh, _b)))
    with substitute({"rnn_step_forward": _reference_step}):
        _h, _cache = call(rnn_forward, _x, _h0, _Wx, _Wh, _b)
    _label = f"h for N={_N}, T={_T}, D={_D}, H={_H}, {np.dtype(_dtype).name}"
    assert_shape(_h, (_N, _T, _H), name=_label)
    assert_close(_h, _want, name=_label, rtol=1e-4, atol=1e-5)
    assert_equal(len(_cache), _T, name=f"len(cache) for T={_T}")
    for _t in range(_T):
        _prev = _h0 if _t == 0 else _want[:, _t - 1]
        for _got, _exp, _what in zip(_cache[_t], (_x[:, _t], _prev, _Wx, _Wh, _b, _want[:, _t]),
                                     ("x", "h_prev", "Wx", "Wh", "b", "h_next")):
            assert_close(_got, _exp, name=f"cache[{_t}] entry {_what}, T={_T}", rtol=1e-4, atol=1e-5)
### END HIDDEN TESTS

# %% [markdown]
# ### B3. Weights from PyTorch (2 points)
#
# The other way round: given a PyTorch `nn.RNN` (one layer, tanh, `batch_first=True`), return the
# weights `Wx`, `Wh`, `b` of our convention as NumPy arrays, so that your `rnn_forward` computes
# exactly what the module does. Mind the two biases.

# %% tags=["solution"] id="weights_from_torch"
def weights_from_torch(rnn):
    """Our weights for a torch.nn.RNN layer (one layer, nonlinearity "tanh").

    Inputs:
    - rnn: a torch.nn.RNN(D, H, nonlinearity="tanh", batch_first=True)

    Returns a tuple of NumPy arrays:
    - Wx: (D, H), Wh: (H, H), b: (H,), such that rnn_forward(x, h0, Wx, Wh, b) computes what rnn does
    """
    ### BEGIN SOLUTION
    with torch.no_grad():
        Wx = rnn.weight_ih_l0.T.numpy().copy()
        Wh = rnn.weight_hh_l0.T.numpy().copy()
        b = (rnn.bias_ih_l0 + rnn.bias_hh_l0).numpy()
    return Wx, Wh, b
    ### END SOLUTION

# %% [markdown]
# With it you can check your `rnn_forward` against PyTorch yourself, on any module:

# %%
torch.manual_seed(0)
torch_rnn = torch.nn.RNN(3, 4, nonlinearity="tanh", batch_first=True)
x_demo = torch.randn(2, 5, 3)
try:
    h_yours, _ = rnn_forward(x_demo.numpy(), np.zeros((2, 4), dtype=np.float32), *weights_from_torch(torch_rnn))
except NotImplementedError:
    print("come back here when rnn_forward and weights_from_torch are written")
else:
    with torch.no_grad():
        h_torch = torch_rnn(x_demo)[0].numpy()
    print("largest difference between your rnn_forward and torch:", np.abs(h_yours - h_torch).max())

# %% tags=["tests"] id="test_weights_from_torch_values" points=2
"""weights_from_torch gives arrays of shapes (D, H), (H, H), (H,) that reproduce the torch module's step."""
def _one_torch_step(rnn, Wx, Wh, b):
    """The module's first step and the same step with the given weights, on a fixed input (float64)."""
    x = torch.linspace(-2, 2, 3 * rnn.input_size, dtype=torch.float64).reshape(3, rnn.input_size)
    h = torch.linspace(1, -1, 3 * rnn.hidden_size, dtype=torch.float64).reshape(3, rnn.hidden_size)
    with torch.no_grad():
        expected = rnn.double()(x[:, None], h[None])[0][:, 0]
    as_tensor = lambda a: torch.as_tensor(np.asarray(a.detach() if torch.is_tensor(a) else a), dtype=torch.float64)
    return expected, torch.tanh(x @ as_tensor(Wx) + h @ as_tensor(Wh) + as_tensor(b))


torch.manual_seed(0)
_rnn = torch.nn.RNN(3, 4, nonlinearity="tanh", batch_first=True)
_out = call(weights_from_torch, _rnn)
assert_true(isinstance(_out, tuple) and len(_out) == 3, "weights_from_torch should return a tuple (Wx, Wh, b)")
for _got, _shape, _what in zip(_out, ((3, 4), (4, 4), (4,)), ("Wx", "Wh", "b")):
    assert_shape(_got, _shape, name=f"{_what} for D=3, H=4")
_expected, _ours = _one_torch_step(_rnn, *_out)
assert_close(_ours, _expected, name="tanh(x Wx + h Wh + b) with your weights (against the module's step)", rtol=1e-5)
### BEGIN HIDDEN TESTS
for _D, _H, _seed in ((2, 6, 1), (5, 5, 2), (1, 1, 3), (7, 3, 4)):
    torch.manual_seed(_seed)
    _rnn = torch.nn.RNN(_D, _H, nonlinearity="tanh", batch_first=True)
    with torch.no_grad():
        _rnn.bias_hh_l0.mul_(5.0)  # both biases matter
    _Wx, _Wh, _b = call(weights_from_torch, _rnn)
    for _got, _want, _what in ((_Wx, _rnn.weight_ih_l0.T, "Wx"), (_Wh, _rnn.weight_hh_l0.T, "Wh"),
                               (_b, _rnn.bias_ih_l0 + _rnn.bias_hh_l0, "b")):
        assert_close(_got, _want.detach(), name=f"{_what} for D={_D}, H={_H}", rtol=1e-5, atol=1e-6)
    _expected, _ours = _one_torch_step(_rnn, _Wx, _Wh, _b)
    assert_close(_ours, _expected, name=f"one step with your weights, D={_D}, H={_H}", rtol=1e-5, atol=1e-6)
### END HIDDEN TESTS

# %% [markdown]
# ### B4. One step backward (3 points)
#
# Backpropagation through one step. Call $a = x W_x + h_{\text{prev}} W_h + b$ the pre-activation, so
# that $h_{\text{next}} = \tanh(a)$. Given the upstream gradient `dh_next` $= \partial L / \partial h_{\text{next}}$,
# compute the gradients of the loss with respect to every input of the step. Two facts you need:
# $\tanh'(a) = 1 - \tanh^2(a)$, which is $1 - h_{\text{next}}^2$ (the cache has $h_{\text{next}}$), and for
# a product $a = x W$ of matrices, $\partial L/\partial x = (\partial L/\partial a)\, W^\top$ and
# $\partial L/\partial W = x^\top (\partial L/\partial a)$. The bias is added to every row, so its
# gradient sums over the batch.

# %% tags=["solution"] id="rnn_step_backward"
def rnn_step_backward(dh_next, cache):
    """Backward pass of one time step of the Elman RNN, in NumPy.

    Inputs:
    - dh_next: gradient of the loss with respect to h_next, array of shape (N, H)
    - cache: the tuple (x, h_prev, Wx, Wh, b, h_next) of rnn_step_forward

    Returns a tuple of:
    - dx: gradient with respect to x, shape (N, D)
    - dh_prev: gradient with respect to h_prev, shape (N, H)
    - dWx: gradient with respect to Wx, shape (D, H)
    - dWh: gradient with respect to Wh, shape (H, H)
    - db: gradient with respect to b, shape (H,)
    """
    ### BEGIN SOLUTION
    x, h_prev, Wx, Wh, b, h_next = cache
    da = dh_next * (1 - h_next ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)
    ### END SOLUTION

# %% tags=["tests"] id="test_rnn_step_backward_gradients" points=3
"""rnn_step_backward matches central differences (check_gradient, relative error < 1e-7) for N=3, D=4, H=5."""
def _step_loss(x, h_prev, Wx, Wh, b, dh_next):
    """L = sum(dh_next * h_next) for one step computed by torch, as a float."""
    arrays = (torch.as_tensor(a, dtype=torch.float64) for a in (x, h_prev, Wx, Wh, b, dh_next))
    x, h_prev, Wx, Wh, b, dh_next = arrays
    return float((dh_next * torch.tanh(x @ Wx + h_prev @ Wh + b)).sum())


def _step_case(rng, N, D, H, scale=1.0):
    """Random inputs of one step, dh_next, and the cache (x, h_prev, Wx, Wh, b, h_next) built here."""
    x, h_prev, Wx, Wh, b = (rng.standard_normal(s) for s in ((N, D), (N, H), (D, H), (H, H), (H,)))
    x, Wx, Wh = scale * x, Wx / np.sqrt(D), Wh / np.sqrt(H)
    h_next = np.tanh(x @ Wx + h_prev @ Wh + b)
    return (x, h_prev, Wx, Wh, b), rng.standard_normal((N, H)), (x.copy(), h_prev.copy(), Wx.copy(), Wh.copy(), b.copy(), h_next)


_inputs, _dh, _cache = _step_case(np.random.default_rng(0), 3, 4, 5)
_out = call(rnn_step_backward, _dh, _cache)
assert_true(isinstance(_out, tuple) and len(_out) == 5, "rnn_step_backward should return (dx, dh_prev, dWx, dWh, db)")
_names = ("dx", "dh_prev", "dWx", "dWh", "db")
for _k, (_grad, _what) in enumerate(zip(_out, _names)):
    assert_shape(_grad, _inputs[_k].shape, name=f"{_what} for N=3, D=4, H=5")
    _arrays = list(_inputs)
    _f = lambda value, k=_k: _step_loss(*_arrays[:k], value, *_arrays[k + 1:], _dh)
    check_gradient(_f, _inputs[_k].copy(), _grad, name=_what, tol=1e-7)
### BEGIN HIDDEN TESTS
def _autograd_step(inputs, dh_next):
    """Every gradient of one step by torch autograd in float64."""
    leaves = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in inputs]
    x, h_prev, Wx, Wh, b = leaves
    torch.tanh(x @ Wx + h_prev @ Wh + b).backward(torch.as_tensor(dh_next, dtype=torch.float64))
    return [leaf.grad.numpy() for leaf in leaves]


_rng = np.random.default_rng(1)
for (_N, _D, _H), _scale in (((1, 2, 3), 1.0), ((6, 3, 2), 1.0), ((4, 5, 5), 3.0), ((2, 1, 1), 1.0), ((5, 4, 7), 1.0)):
    _inputs, _dh, _cache = _step_case(_rng, _N, _D, _H, _scale)
    _out = call(rnn_step_backward, _dh, _cache)
    for _grad, _want, _what, _inp in zip(_out, _autograd_step(_inputs, _dh), _names, _inputs):
        _label = f"{_what} for N={_N}, D={_D}, H={_H}, inputs of scale {_scale:g}"
        assert_shape(_grad, _inp.shape, name=_label)
        assert_close(_grad, _want, name=_label + " (against torch autograd)", rtol=1e-7, atol=1e-10)
### END HIDDEN TESTS

# %% [markdown]
# ### B5. Backpropagation through time (4 points)
#
# The hidden state of step `t` is used twice: by the loss (through whatever reads `h[:, t]`, whose
# gradient is `dh[:, t]`) and by the next step (through `h_prev`). Its total gradient is the **sum**
# of the two. So walk back in time, from the last step to the first: give each step the sum of
# `dh[:, t]` and the `dh_prev` that came back from step `t + 1` (zero for the last step), and call your
# `rnn_step_backward`. The weights are shared by every step: their gradients are the **sums** over the
# steps. The gradient that comes out of the first step is `dh0`.

# %% tags=["solution"] id="rnn_backward"
def rnn_backward(dh, cache):
    """Backpropagation through time for the Elman RNN, in NumPy.

    Inputs:
    - dh: upstream gradients of every hidden state, array of shape (N, T, H)
      (dh[:, t] = dL/dh[:, t], from the part of the loss that reads h[:, t] directly)
    - cache: the list of T step caches returned by rnn_forward

    Returns a tuple of:
    - dx: gradient with respect to the inputs x, shape (N, T, D)
    - dh0: gradient with respect to the initial state h0, shape (N, H)
    - dWx: (D, H), dWh: (H, H), db: (H,), gradients with respect to the weights
    """
    ### BEGIN SOLUTION
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx, dWh, db = np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)
    dh_prev = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dh_prev, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dh_prev, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_prev, dWx, dWh, db
    ### END SOLUTION

# %% tags=["tests"] id="test_rnn_backward_gradients" points=4
"""rnn_backward agrees with torch autograd (float64) and with central differences for N=2, T=5, D=3, H=4."""
def _sequence(rng, N, T, D, H):
    """Inputs (x, h0, Wx, Wh, b), an upstream gradient dh and the cache of the T steps, built here."""
    x, h0, Wx, Wh, b = (rng.standard_normal(s) for s in ((N, T, D), (N, H), (D, H), (H, H), (H,)))
    Wx, Wh = Wx / np.sqrt(D), 1.5 * Wh / np.sqrt(H)
    states, cache = [h0], []
    for t in range(T):
        states.append(np.tanh(x[:, t] @ Wx + states[-1] @ Wh + b))
        cache.append((x[:, t].copy(), states[-2].copy(), Wx.copy(), Wh.copy(), b.copy(), states[-1].copy()))
    return (x, h0, Wx, Wh, b), rng.standard_normal((N, T, H)), cache


def _sequence_loss(x, h0, Wx, Wh, b, dh):
    """L = sum over t of dh[:, t] * h[:, t], the hidden states computed by torch's nn.RNN (float64)."""
    rnn = torch.nn.RNN(Wx.shape[0], Wx.shape[1], nonlinearity="tanh", batch_first=True).double()
    weights = {"weight_ih_l0": Wx.T, "weight_hh_l0": Wh.T, "bias_ih_l0": b, "bias_hh_l0": torch.zeros_like(b)}
    return (dh * torch.func.functional_call(rnn, weights, (x, h0[None]))[0]).sum()


def _autograd_sequence(inputs, dh):
    """Every gradient of the sequence by torch autograd, and the loss as a function of one input (for check_gradient)."""
    leaves = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in inputs]
    _sequence_loss(*leaves, torch.as_tensor(dh)).backward()

    def loss_of(k):
        def f(value):
            with torch.no_grad():
                arrays = [torch.as_tensor(a) for a in inputs]
                arrays[k] = torch.as_tensor(value)
                return float(_sequence_loss(*arrays, torch.as_tensor(dh)))
        return f
    return [leaf.grad.numpy() for leaf in leaves], loss_of


def _autograd_step_backward(dh_next, cache):
    """rnn_step_backward computed by torch autograd (it replaces yours here, so that only rnn_backward is tested)."""
    leaves = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in cache[:5]]
    x, h_prev, Wx, Wh, b = leaves
    torch.tanh(x @ Wx + h_prev @ Wh + b).backward(torch.as_tensor(np.asarray(dh_next, dtype=np.float64)))
    return tuple(leaf.grad.numpy() for leaf in leaves)


_inputs, _dh, _cache = _sequence(np.random.default_rng(0), 2, 5, 3, 4)
with substitute({"rnn_step_backward": _autograd_step_backward}):
    _out = call(rnn_backward, _dh, _cache)
assert_true(isinstance(_out, tuple) and len(_out) == 5, "rnn_backward should return (dx, dh0, dWx, dWh, db)")
_expected, _loss_of = _autograd_sequence(_inputs, _dh)
_names = ("dx", "dh0", "dWx", "dWh", "db")
for _k, (_grad, _want, _what) in enumerate(zip(_out, _expected, _names)):
    assert_shape(_grad, _want.shape, name=f"{_what} for N=2, T=5, D=3, H=4")
    assert_close(_grad, _want, name=f"{_what} (against torch autograd)", rtol=1e-7, atol=1e-10)
check_gradient(_loss_of(3), _inputs[3].copy(), _out[3], name="dWh", tol=1e-7)
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(1)
for _N, _T, _D, _H in ((1, 3, 2, 3), (4, 1, 3, 2), (3, 8, 2, 5), (2, 12, 4, 4), (1, 2, 1, 1)):
    _inputs, _dh, _cache = _sequence(_rng, _N, _T, _D, _H)
    with substitute({"rnn_step_backward": _autograd_step_backward}):
        _out = call(rnn_backward, _dh, _cache)
    _expected, _loss_of = _autograd_sequence(_inputs, _dh)
    for _k, (_grad, _want, _what) in enumerate(zip(_out, _expected, _names)):
        _label = f"{_what} for N={_N}, T={_T}, D={_D}, H={_H}"
        assert_shape(_grad, _want.shape, name=_label)
        assert_close(_grad, _want, name=_label + " (against torch autograd)", rtol=1e-7, atol=1e-10)
    if _T <= 3:
        for _k, _what in enumerate(_names):
            check_gradient(_loss_of(_k), _inputs[_k].copy(), _out[_k], name=f"{_what} for T={_T}", tol=1e-7)
# A loss on the last step only: the gradient must still reach every step through the recurrence.
_inputs, _dh, _cache = _sequence(_rng, 2, 6, 3, 4)
_dh[:, :-1] = 0.0
with substitute({"rnn_step_backward": _autograd_step_backward}):
    _out = call(rnn_backward, _dh, _cache)
_expected = _autograd_sequence(_inputs, _dh)[0]
assert_close(_out[0], _expected[0], name="dx for a loss on the last step only", rtol=1e-7, atol=1e-10)
### END HIDDEN TESTS

# %% [markdown]
# ### B6. Vanishing and exploding gradients (2 points)
#
# Take a loss that reads only the **last** hidden state, with upstream gradient `dh_last`. How much of
# its gradient reaches the input of each earlier step? Write `gradient_norms`: build the `dh` of
# `rnn_backward` (zero everywhere except the last step), run your `rnn_backward`, and return for each
# step `t` the norm of `dx[:, t]` (over the whole batch: the square root of the sum of its squares).

# %% tags=["solution"] id="gradient_norms"
def gradient_norms(dh_last, cache):
    """Norm of the gradient reaching the input of each step from a loss on the last step only.

    Inputs:
    - dh_last: gradient of the loss with respect to the last hidden state, array of shape (N, H)
    - cache: the list of T step caches returned by rnn_forward

    Returns:
    - norms: array of shape (T,); norms[t] is the norm of dx[:, t] (all of its N * D numbers), where dx is
      the first output of rnn_backward for dh with dh[:, T - 1] = dh_last and zeros elsewhere
    """
    ### BEGIN SOLUTION
    N, H = dh_last.shape
    dh = np.zeros((N, len(cache), H))
    dh[:, -1] = dh_last
    dx = rnn_backward(dh, cache)[0]
    return np.sqrt((dx ** 2).sum(axis=(0, 2)))
    ### END SOLUTION

# %% tags=["tests"] id="test_gradient_norms_values" points=2
"""gradient_norms passes rnn_backward a dh that is zero but on the last step and returns the norms of dx[:, t]."""
class _SpyBackward:
    """Stands in for rnn_backward: records the dh it is given and returns a fixed dx (plain values only)."""

    def __init__(self, dx):
        self.dx, self.dh = dx, None

    def __call__(self, dh, cache):
        self.dh = np.array(dh, dtype=float)
        D, H = self.dx.shape[2], self.dh.shape[2]
        return self.dx.copy(), np.zeros((self.dh.shape[0], H)), np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)


_rng = np.random.default_rng(0)
_spy = _SpyBackward(_rng.standard_normal((2, 7, 3)))
_dh_last = _rng.standard_normal((2, 4))
_cache = [(np.zeros((2, 3)), np.zeros((2, 4)), np.zeros((3, 4)), np.zeros((4, 4)), np.zeros(4), np.zeros((2, 4)))] * 7
with substitute({"rnn_backward": _spy}):
    _norms = call(gradient_norms, _dh_last, _cache)
assert_true(_spy.dh is not None, "gradient_norms should call rnn_backward")
assert_shape(_spy.dh, (2, 7, 4), name="the dh gradient_norms gives rnn_backward, for N=2, T=7, H=4")
assert_close(_spy.dh[:, -1], _dh_last, name="dh[:, T - 1] (the last step gets dh_last)")
assert_close(_spy.dh[:, :-1], np.zeros((2, 6, 4)), name="dh[:, :T - 1] (zero before the last step)")
assert_shape(_norms, (7,), name="gradient_norms(dh_last, cache) for T=7")
assert_close(_norms, np.sqrt((_spy.dx ** 2).sum(axis=(0, 2))), name="norms[t] (norm of dx[:, t])", rtol=1e-6)
### BEGIN HIDDEN TESTS
def _torch_input_gradient_norms(x, h0, Wx, Wh, b, dh_last):
    """||dL/dx_t|| for L = sum(dh_last * h_{T-1}), by torch autograd through nn.RNN."""
    xt = torch.tensor(x, requires_grad=True)
    rnn = torch.nn.RNN(Wx.shape[0], Wx.shape[1], nonlinearity="tanh", batch_first=True).double()
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.as_tensor(Wx.T)), rnn.weight_hh_l0.copy_(torch.as_tensor(Wh.T))
        rnn.bias_ih_l0.copy_(torch.as_tensor(b)), rnn.bias_hh_l0.zero_()
    (rnn(xt, torch.as_tensor(h0)[None])[0][:, -1] * torch.as_tensor(dh_last)).sum().backward()
    return xt.grad.pow(2).sum(dim=(0, 2)).sqrt().numpy()


def _reference_backward(dh, cache):
    """rnn_backward by torch autograd through the cached steps (it replaces yours here)."""
    x = torch.tensor(np.stack([c[0] for c in cache], axis=1), requires_grad=True)
    Wx, Wh, b = (torch.as_tensor(a) for a in cache[0][2:5])
    h = torch.as_tensor(cache[0][1])
    states = []
    for t in range(x.shape[1]):
        h = torch.tanh(x[:, t] @ Wx + h @ Wh + b)
        states.append(h)
    (torch.stack(states, dim=1) * torch.as_tensor(dh)).sum().backward()
    N, H = h.shape
    return x.grad.numpy(), np.zeros((N, H)), np.zeros(tuple(Wx.shape)), np.zeros((H, H)), np.zeros(H)


_rng = np.random.default_rng(1)
for _N, _T, _D, _H, _scale in ((3, 10, 2, 5, 0.5), (1, 20, 3, 4, 3.0), (4, 1, 2, 3, 1.0)):
    _x, _h0, _Wx, _Wh, _b = (_rng.standard_normal(s) for s in ((_N, _T, _D), (_N, _H), (_D, _H), (_H, _H), (_H,)))
    _Wh = _scale * _Wh / np.sqrt(_H)
    _states, _cache = [_h0], []
    for _t in range(_T):
        _states.append(np.tanh(_x[:, _t] @ _Wx + _states[-1] @ _Wh + _b))
        _cache.append((_x[:, _t].copy(), _states[-2], _Wx, _Wh, _b, _states[-1]))
    _dh_last = _rng.standard_normal((_N, _H))
    with substitute({"rnn_backward": _reference_backward}):
        _norms = call(gradient_norms, _dh_last, _cache)
    assert_shape(_norms, (_T,), name=f"gradient_norms for T={_T}")
    assert_close(_norms, _torch_input_gradient_norms(_x, _h0, _Wx, _Wh, _b, _dh_last),
                 name=f"gradient_norms for N={_N}, T={_T}, recurrent weights of scale {_scale:g}", rtol=1e-6, atol=1e-14)
### END HIDDEN TESTS

# %% [markdown]
# Now the experiment: 50 steps, recurrent weights $W_h$ drawn with a small (0.5) and a large (3)
# scale. Going back in time, the gradient is multiplied at every step by $W_h^\top$ and by the tanh
# derivatives $1 - h^2 \le 1$: small weights make it **vanish** geometrically, large ones make it
# **explode** (until the tanh saturates). Note the logarithmic scale.

# %%
rng = np.random.default_rng(0)
N, T, D, H = 4, 50, 3, 16
x_long = rng.standard_normal((N, T, D))
Wx_long, b_long, h0_long = rng.standard_normal((D, H)) / np.sqrt(D), np.zeros(H), np.zeros((N, H))
plt.figure(figsize=(7, 4))
try:
    for scale in (0.5, 3.0):
        Wh_long = scale * rng.standard_normal((H, H)) / np.sqrt(H)
        _, cache_long = rnn_forward(x_long, h0_long, Wx_long, Wh_long, b_long)
        plt.semilogy(gradient_norms(np.ones((N, H)), cache_long), marker=".", label=f"W_h of scale {scale}")
except NotImplementedError:
    print("come back here when rnn_forward, rnn_backward and gradient_norms are written")
plt.xlabel("time step t (the loss reads step 49)")
plt.ylabel("norm of dL/dx_t (log scale)")
plt.title("Gradients reaching earlier steps vanish or explode")
plt.legend()
plt.grid(True, which="both", alpha=0.3)
plt.show()

# %% [markdown]
# ### B7. Gradient clipping (2 points)
#
# Exploding gradients make one update throw the weights far away. The usual cure is to **clip** the
# gradients by their global norm, as `torch.nn.utils.clip_grad_norm_` does: compute the norm of all the
# gradients together, $\|g\| = \sqrt{\sum_i \sum g_i^2}$ over every array $g_i$, and if it exceeds
# `max_norm`, multiply **every** gradient by `max_norm / ‖g‖` (the direction is kept, only the length
# shrinks). Gradients whose global norm is at most `max_norm` are left as they are.

# %% tags=["solution"] id="clip_gradients"
def clip_gradients(grads, max_norm):
    """Clip a list of gradients by their global norm, like torch.nn.utils.clip_grad_norm_.

    Inputs:
    - grads: list of arrays of any shapes (e.g. [dWx, dWh, db])
    - max_norm: positive float, the largest global norm allowed

    Returns:
    - a list of arrays of the same shapes: grads scaled by max_norm / ||g|| if their global norm
      ||g|| (the square root of the sum of the squares of all their numbers) exceeds max_norm,
      unchanged otherwise
    """
    ### BEGIN SOLUTION
    total = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    scale = min(1.0, max_norm / total) if total > 0 else 1.0
    return [g * scale for g in grads]
    ### END SOLUTION

# %% tags=["tests"] id="test_clip_gradients_values" points=2
"""clip_gradients agrees with torch.nn.utils.clip_grad_norm_ on three gradients of global norm 13 (max_norm 5 and 20)."""
def _torch_clipped(grads, max_norm):
    """The gradients as torch.nn.utils.clip_grad_norm_ leaves them, as NumPy arrays."""
    params = [torch.zeros(np.shape(g), dtype=torch.float64, requires_grad=True) for g in grads]
    for p, g in zip(params, grads):
        p.grad = torch.tensor(g, dtype=torch.float64)
    torch.nn.utils.clip_grad_norm_(params, max_norm)
    return [p.grad.numpy() for p in params]


_grads = [np.array([[3.0, 0.0], [0.0, 4.0]]), np.array([12.0, 0.0]), np.zeros((1, 3))]  # global norm 13
for _max_norm in (5.0, 20.0):
    _out = call(clip_gradients, [g.copy() for g in _grads], _max_norm)
    assert_equal(len(_out), 3, name=f"number of arrays clip_gradients returns for 3 gradients")
    for _k, (_got, _want) in enumerate(zip(_out, _torch_clipped(_grads, _max_norm))):
        assert_close(_got, _want, name=f"gradient {_k} clipped to max_norm={_max_norm:g} (global norm 13)", rtol=1e-5)
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(1)
for _shapes, _scale, _max_norm in ((((3, 4), (4, 4), (4,)), 10.0, 1.0), (((2, 2), (5,)), 0.01, 1.0),
                                   (((6,),), 3.0, 0.5), (((1, 1), (3, 2), (2,), (2, 2)), 100.0, 50.0)):
    _grads = [_scale * _rng.standard_normal(s) for s in _shapes]
    _out = call(clip_gradients, [g.copy() for g in _grads], _max_norm)
    assert_equal(len(_out), len(_grads), name="number of arrays clip_gradients returns")
    for _k, (_got, _want) in enumerate(zip(_out, _torch_clipped(_grads, _max_norm))):
        assert_shape(_got, _want.shape, name=f"clipped gradient {_k}")
        assert_close(_got, _want, name=f"gradient {_k} of shape {_want.shape} clipped to max_norm={_max_norm:g}",
                     rtol=1e-5, atol=1e-12)
### END HIDDEN TESTS

# %% [markdown]
# ### B8. What the plot shows (2 points)
#
# Explain the two curves of the plot above: why does the gradient reaching step `t` shrink or grow
# geometrically with the distance `49 − t`? What does that mean for learning long-range
# dependencies, and which of the two problems does gradient clipping solve?

# %% [markdown] tags=["manual"] id="vanishing_gradients" points=2
# Going back one step multiplies the gradient by the Jacobian $\partial h_t / \partial h_{t-1} =
# \mathrm{diag}(1 - h_t^2)\, W_h^\top$, so the gradient reaching step $t$ is a product of $49 - t$ such
# matrices. When their norm is below 1 (small $W_h$, or saturated tanh units whose derivative is near 0)
# the product shrinks geometrically: the gradient **vanishes** (about 10⁻²⁰ after 50 steps here), so
# the loss cannot teach the weights anything about inputs far in the past and long-range dependencies
# are not learned. When the norm is above 1 (large $W_h$ in the region where tanh is still nearly
# linear) the product grows geometrically: the gradient **explodes** and one update can throw the
# weights far away. Clipping the global norm cures exploding gradients (it bounds the step, keeping
# its direction); it does nothing for vanishing ones, which need another architecture (the LSTM's
# additive cell state, part 2) or careful initialisation.
