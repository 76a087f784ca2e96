# %% [markdown]
# # Lab 4 — Convolution: sliding windows, 2D convolution and pooling
#
# In Lab 1 you convolved a 5×5 input with two 3×3 kernels by hand. In this lab you write the same
# operations as code, check them against PyTorch, and then use PyTorch's own layers on a real photo.
#
# 1. A generic sliding window (2 points)
# 2. A convolution layer in NumPy (4 points)
# 3. Stride and padding (5 points)
# 4. Pooling and ReLU (3 points)
# 5. Building blocks on an image (4 points)
# 6. Questions (5 points, graded by hand)
# 7. Speed: your NumPy convolution against `torch.conv2d` (not graded)
#
# **How this notebook works.** Write your code where it says `YOUR CODE HERE` (delete the
# `raise NotImplementedError()` line) and your answers where it says `YOUR ANSWER HERE`. The cells
# that start with a docstring are tests: run them to check your work. They show one worked example;
# when grading, more tests run on other inputs (other shapes, strides, dtypes), so make your code
# general rather than fitted to the example. Run the cells in order, from the top. Total: 23 points.
#
# **Convolution or correlation?** Like PyTorch (and Lab 1), "convolution" here means sliding the
# kernel over the input and summing the elementwise products, **without flipping the kernel**
# (mathematicians call this cross-correlation).

# %% tags=["readonly"] id="imports"
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
import torchvision

import autograder
from autograder.checks import (assert_close, assert_dtype, assert_equal, assert_hashed, assert_not_used,
                               assert_shape, assert_true, assert_type, call, hash_value, note_hidden_tests,
                               substitute)
from autograder.data import load_sample_image

torch.set_printoptions(precision=4)
# The tensors of this lab are small: one thread avoids the cost of starting and synchronising threads
# for every operation (large on a busy machine) and compares like with like in section 7.
torch.set_num_threads(1)

# %% [markdown]
# ## 1. A generic sliding window (2 points)
#
# The convolution and pooling layers of this lab slide a window over an image and compute one number
# per position: a convolution takes a weighted sum of the window, max pooling takes its maximum.
# Write the sliding itself once, for any function `fn` of a window.
#
# `convolve(fn, inp, size)` moves a `size × size` window over the 2D array `inp` (shape `(H, W)`)
# with stride 1 and no padding, to every position where the window fits entirely, and applies `fn`
# to each window. The output has shape `(H − size + 1, W − size + 1)`; its element `[i, j]` comes
# from the window whose top-left corner is `inp[i, j]`.

# %% tags=["solution"] id="convolve"
def convolve(fn, inp, size=3):
    """Apply fn to every size x size window of a 2D array (stride 1, no padding).

    Inputs:
    - fn: a function mapping a window, an array of shape (size, size), to one number
    - inp: a 2D array of shape (H, W)
    - size: int, the side of the square window, 1 <= size <= min(H, W)

    Returns:
    - out: array of shape (H - size + 1, W - size + 1); out[i, j] is fn of the window
      whose top-left corner is inp[i, j]
    """
    ### BEGIN SOLUTION
    H, W = inp.shape
    responses = np.zeros((H - size + 1, W - size + 1))
    for i in range(H - size + 1):
        for j in range(W - size + 1):
            responses[i, j] = fn(inp[i:i + size, j:j + size])
    return responses
    ### END SOLUTION

# %% [markdown]
# Try it: the sum of each 3×3 window of a random 5×5 input (a convolution with a kernel of ones).

# %%
rng = np.random.default_rng(0)
x5 = rng.integers(0, 10, size=(5, 5))
print("input:\n", x5)
print("sums of the 3x3 windows:\n", convolve(lambda w: w.sum(), x5))

# %% tags=["tests"] id="test_convolve_sums" points=1
"""convolve(sum, x) equals the sums of the windows (correlation with a kernel of ones), for size 3 and size 2."""
import scipy.signal

_x = np.random.default_rng(0).standard_normal((5, 5))
_out = call(convolve, lambda window: window.sum(), _x)
assert_type(_out, (np.ndarray, torch.Tensor), name="convolve(sum, x)")
assert_shape(_out, (3, 3), name="convolve(sum, x) for x of shape (5, 5)")
assert_close(_out, scipy.signal.correlate2d(_x, np.ones((3, 3)), mode="valid"), name="convolve(sum, x)",
             inputs={"x": _x}, rtol=1e-6, atol=1e-9)
_x = np.random.default_rng(1).standard_normal((4, 6))
_out = call(convolve, lambda window: window.sum(), _x, 2)
assert_shape(_out, (3, 5), name="convolve(sum, x, 2) for x (4, 6)")
assert_close(_out, scipy.signal.correlate2d(_x, np.ones((2, 2)), mode="valid"), name="convolve(sum, x, 2)",
             inputs={"x": _x}, rtol=1e-6, atol=1e-9)
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(1)
for _shape, _size in (((6, 9), 3), ((8, 4), 2), ((7, 7), 4), ((4, 11), 3), ((10, 6), 5)):
    _x = _rng.standard_normal(_shape)
    _out = call(convolve, lambda window: window.sum(), _x, _size)
    _reference = scipy.signal.correlate2d(_x, np.ones((_size, _size)), mode="valid")
    assert_shape(_out, _reference.shape, name=f"convolve(sum, x, {_size}) for x {_shape}")
    assert_close(_out, _reference, name=f"convolve(sum, x, {_size}) for x {_shape}", inputs={"x": _x},
                 rtol=1e-6, atol=1e-9)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_convolve_windows" points=1
"""convolve gives fn every 3x3 window of x once (and nothing else), then 1x1 and whole-input windows work too."""
_windows = []


def _record(window):
    _windows.append(np.array(window, dtype=float, copy=True))
    return float(np.sum(window))


_x = np.arange(30, dtype=float).reshape(5, 6)
call(convolve, _record, _x)
_shapes = sorted({w.shape for w in _windows})
assert_true(_shapes == [(3, 3)], f"convolve(fn, x) gave fn windows of shape(s) {_shapes}\n"
                                 "  expected only (3, 3) (the default size)")
_expected = {_x[i:i + 3, j:j + 3].tobytes() for i in range(3) for j in range(4)}
_given = {w.tobytes() for w in _windows}
assert_true(_given == _expected, f"convolve(fn, x): {len(_given & _expected)} of the 12 windows of x (5, 6)\n"
                                 f"  it gave fn {len(_given - _expected)} windows that are not 3x3 windows of x and "
                                 f"left out {len(_expected - _given)} (check the row and column ranges)")
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(2)
for _shape, _size in (((6, 8), 3), ((9, 5), 2), ((7, 7), 4)):
    _x = _rng.standard_normal(_shape)
    _reference = F.max_pool2d(torch.from_numpy(_x)[None, None], _size, stride=1)[0, 0].numpy()
    assert_close(call(convolve, np.max, _x, _size), _reference, name=f"convolve(np.max, x, {_size}) for x {_shape}",
                 inputs={"x": _x})
_x = _rng.standard_normal((4, 6))
assert_close(call(convolve, np.max, _x, 1), _x, name="convolve(np.max, x, 1) (each window is one element)",
             inputs={"x": _x})
assert_close(call(convolve, np.sum, _x, 4), np.array([[_x[:, :4].sum(), _x[:, 1:5].sum(), _x[:, 2:].sum()]]),
             name="convolve(np.sum, x, 4) for x of shape (4, 6)", inputs={"x": _x})
_x = _rng.standard_normal((5, 5))
assert_close(call(convolve, np.sum, _x, 5), np.array([[_x.sum()]]), name="convolve(np.sum, x, 5) for x (5, 5)",
             inputs={"x": _x})
### END HIDDEN TESTS

# %% [markdown]
# ## 2. A convolution layer in NumPy (4 points)
#
# A convolution layer takes a batch of `N` images with `C` channels, shape `(N, C, H, W)`, and a bank
# of `F` kernels, shape `(F, C, KH, KW)`. Each kernel spans **all** the input channels: its output at
# one position is the sum over channels, rows and columns of the window times the kernel,
#
# $$\text{out}[n, f, i, j] = \sum_{c=0}^{C-1} \sum_{a=0}^{KH-1} \sum_{b=0}^{KW-1}
#   \text{input}[n, c, i + a, j + b] \cdot \text{kernel}[f, c, a, b],$$
#
# so the layer outputs `F` channels (feature maps) of size `(H − KH + 1) × (W − KW + 1)`.
#
# Write `my_convolution` with NumPy only (**no torch inside**: the tests check). Loops are fine to
# start with; section 7 times your version against PyTorch's.

# %% tags=["solution"] id="my_convolution"
def my_convolution(input_numpy, kernel_numpy):
    """Convolution layer (no padding, stride 1, no bias) in NumPy, as torch.conv2d computes it.

    Inputs:
    - input_numpy: array of shape (N, C, H, W), a batch of N images with C channels
    - kernel_numpy: array of shape (F, C, KH, KW), F kernels, each spanning the C channels

    Returns:
    - out: array of shape (N, F, H - KH + 1, W - KW + 1), where out[n, f, i, j] is the sum over
      c, a, b of input_numpy[n, c, i + a, j + b] * kernel_numpy[f, c, a, b]
    """
    ### BEGIN SOLUTION
    from numpy.lib.stride_tricks import sliding_window_view

    KH, KW = kernel_numpy.shape[2:]
    windows = sliding_window_view(input_numpy, (KH, KW), axis=(2, 3))  # (N, C, H', W', KH, KW)
    return np.einsum("nchwab,fcab->nfhw", windows, kernel_numpy, optimize=True)
    ### END SOLUTION

# %% tags=["tests"] id="test_my_convolution_example" points=1
"""my_convolution matches torch.conv2d for 5 RGB images of 24x24 and 16 kernels of 5x5, and for 2x3 kernels."""
_rng = np.random.default_rng(0)
_images, _kernels = _rng.standard_normal((5, 3, 24, 24)), _rng.standard_normal((16, 3, 5, 5))
_out = call(my_convolution, _images, _kernels)
assert_type(_out, (np.ndarray, torch.Tensor), name="my_convolution(images, kernels)")
assert_shape(_out, (5, 16, 20, 20), name="my_convolution(images, kernels)")
assert_close(_out, torch.conv2d(torch.from_numpy(_images), torch.from_numpy(_kernels)).numpy(),
             name="my_convolution(images, kernels)", rtol=1e-5, atol=1e-5)
_images, _kernels = _rng.standard_normal((2, 2, 6, 7)), _rng.standard_normal((3, 2, 2, 3))
_out = call(my_convolution, _images, _kernels)
assert_shape(_out, (2, 3, 5, 5), name="my_convolution, 2x3 kernels")
assert_close(_out, torch.conv2d(torch.from_numpy(_images), torch.from_numpy(_kernels)).numpy(),
             name="my_convolution, 2x3 kernels", rtol=1e-5, atol=1e-5)

# %% tags=["tests"] id="test_my_convolution_shapes" points=1
"""my_convolution matches torch.conv2d for other shapes: non-square kernels and images, C = 1, N = 1, F = 1."""
note_hidden_tests()
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(1)
_cases = (((2, 4, 9, 11), (3, 4, 3, 2)),   # non-square input and kernel (KH != KW)
          ((1, 2, 7, 6), (4, 2, 2, 5)),    # N = 1, a wide kernel
          ((3, 1, 10, 8), (2, 1, 3, 3)),   # C = 1 (grey images)
          ((1, 3, 6, 6), (2, 3, 6, 6)),    # kernel as large as the image: 1x1 output
          ((2, 2, 5, 7), (1, 2, 1, 1)))    # F = 1, a 1x1 kernel
for _x_shape, _w_shape in _cases:
    _x, _w = _rng.standard_normal(_x_shape), _rng.standard_normal(_w_shape)
    _reference = torch.conv2d(torch.from_numpy(_x), torch.from_numpy(_w)).numpy()
    _label = f"my_convolution, {_x_shape} and {_w_shape}"
    _out = call(my_convolution, _x, _w)
    assert_type(_out, (np.ndarray, torch.Tensor), name=_label)
    assert_shape(_out, _reference.shape, name=_label)
    assert_close(_out, _reference, name=_label, rtol=1e-5, atol=1e-5, inputs={"input_numpy": _x, "kernel_numpy": _w})
### END HIDDEN TESTS

# %% tags=["tests"] id="test_my_convolution_dtypes" points=1
"""my_convolution matches torch.conv2d for float32 and float64 inputs, including large values."""
note_hidden_tests()
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(2)
for _dtype, _scale in ((np.float32, 1.0), (np.float64, 1.0), (np.float64, 1e3), (np.float32, 1e-3)):
    _x = (_scale * _rng.standard_normal((4, 3, 12, 10))).astype(_dtype)
    _w = _rng.standard_normal((5, 3, 4, 3)).astype(_dtype)
    # The reference in float64 from the very same numbers; float32 rounding stays well within tolerance.
    _reference = torch.conv2d(torch.from_numpy(_x.astype(np.float64)), torch.from_numpy(_w.astype(np.float64))).numpy()
    _label = f"my_convolution, {np.dtype(_dtype).name}, scale {_scale:g}"
    _out = call(my_convolution, _x, _w)
    assert_shape(_out, _reference.shape, name=_label)
    assert_dtype(_out, "float", name=_label)
    assert_close(_out, _reference, name=_label, rtol=1e-4, atol=1e-4 * _scale)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_my_convolution_no_torch" points=1
"""my_convolution computes the right values without using torch."""
_rng = np.random.default_rng(3)
_x, _w = _rng.standard_normal((2, 2, 6, 5)), _rng.standard_normal((3, 2, 3, 3))
assert_close(call(my_convolution, _x, _w), torch.conv2d(torch.from_numpy(_x), torch.from_numpy(_w)).numpy(),
             name="my_convolution(x, w)", rtol=1e-5, atol=1e-5)
assert_not_used(my_convolution, ["torch"])

# %% [markdown]
# ## 3. Stride and padding (5 points)
#
# Real convolution layers have two more settings:
#
# * **padding** `p` adds `p` rows and columns of zeros on **each** side of the image (top and bottom,
#   left and right) before sliding the kernel;
# * **stride** `s` moves the window `s` pixels at a time instead of 1, so output element `[i, j]` comes
#   from the window whose top-left corner is at row `i·s`, column `j·s` of the padded input.
#
# Along one axis, an input of size `n` padded to `n + 2p` holds a kernel of size `k` at the positions
# `0, s, 2s, …` as long as the window fits entirely. Write `conv_output_size`, the number of such
# positions (PyTorch uses the same rule), and then `conv2d`, a convolution layer with stride,
# padding and an optional bias (one number per kernel, added to its whole output channel), in NumPy
# (no torch inside: the tests check). You may reuse your `my_convolution` or write it anew.

# %% tags=["solution"] id="conv_output_size"
def conv_output_size(n, k, stride=1, padding=0):
    """Output size of a convolution (or pooling) along one axis.

    Inputs:
    - n: int, input size along the axis (H or W)
    - k: int, kernel size along the axis (KH or KW), k <= n + 2 * padding
    - stride: int, step of the window
    - padding: int, zeros added on each side

    Returns:
    - the number of window positions along the axis, an int
    """
    ### BEGIN SOLUTION
    return (n + 2 * padding - k) // stride + 1
    ### END SOLUTION

# %% tags=["tests"] id="test_conv_output_size_values" points=1
"""conv_output_size gives the output size of torch's conv2d, for several sizes, strides and paddings."""
def _torch_output_size(n, k, stride, padding):
    return F.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), stride=stride, padding=padding).shape[-1]


assert_equal(call(conv_output_size, 24, 5), 20, name="conv_output_size(24, 5)")
for _n, _k, _stride, _padding in ((32, 3, 2, 1), (7, 3, 1, 2), (10, 4, 3, 0)):
    assert_equal(call(conv_output_size, _n, _k, stride=_stride, padding=_padding),
                 _torch_output_size(_n, _k, _stride, _padding),
                 name=f"conv_output_size({_n}, {_k}, stride={_stride}, padding={_padding})")
### BEGIN HIDDEN TESTS
for _n in (1, 2, 5, 7, 12, 28):
    for _k in (1, 2, 3, 5):
        for _stride in (1, 2, 3, 4):
            for _padding in (0, 1, 2):
                if _k <= _n + 2 * _padding:
                    assert_equal(call(conv_output_size, _n, _k, _stride, _padding),
                                 _torch_output_size(_n, _k, _stride, _padding),
                                 name=f"conv_output_size({_n}, {_k}, {_stride}, {_padding})")
### END HIDDEN TESTS

# %% tags=["solution"] id="conv2d"
def conv2d(x, w, b=None, stride=1, padding=0):
    """Convolution layer with stride, zero padding and an optional bias, in NumPy.

    Inputs:
    - x: array of shape (N, C, H, W)
    - w: array of shape (F, C, KH, KW)
    - b: array of shape (F,), one bias per kernel, or None for no bias
    - stride: int, step of the window along H and W
    - padding: int, rows and columns of zeros added on each side of H and W

    Returns:
    - out: array of shape (N, F, H', W') with H' = conv_output_size(H, KH, stride, padding)
      and W' = conv_output_size(W, KW, stride, padding)
    """
    ### BEGIN SOLUTION
    from numpy.lib.stride_tricks import sliding_window_view

    if padding:
        x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    KH, KW = w.shape[2:]
    # All windows as a strided view (no copy), then every stride-th of them along H and W.
    windows = sliding_window_view(x, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]
    out = np.einsum("nchwab,fcab->nfhw", windows, w, optimize=True)
    return out if b is None else out + np.reshape(b, (1, -1, 1, 1))
    ### END SOLUTION

# %% tags=["tests"] id="test_conv2d_example" points=1
"""conv2d matches torch's conv2d with a bias, stride 2 and padding 1 on 2 RGB images of 7x7, and with padding 1 alone."""
# Where conv2d calls my_convolution, it gets torch's convolution: a mistake there counts only once.
_with_torch = {"my_convolution": lambda x, w: F.conv2d(torch.from_numpy(x), torch.from_numpy(w)).numpy()}
_rng = np.random.default_rng(0)
_x, _w, _b = _rng.standard_normal((2, 3, 7, 7)), _rng.standard_normal((4, 3, 3, 3)), _rng.standard_normal(4)
for _stride, _padding in ((2, 1), (1, 1)):
    with substitute(_with_torch):
        _out = call(conv2d, _x, _w, _b, stride=_stride, padding=_padding)
    _label = f"conv2d(x, w, b, stride={_stride}, padding={_padding})"
    assert_type(_out, (np.ndarray, torch.Tensor), name=_label)
    _reference = F.conv2d(torch.from_numpy(_x), torch.from_numpy(_w), torch.from_numpy(_b), stride=_stride,
                          padding=_padding).numpy()
    assert_shape(_out, _reference.shape, name=_label)
    assert_close(_out, _reference, name=_label, rtol=1e-5, atol=1e-5)

# %% tags=["tests"] id="test_conv2d_cases" points=2
"""conv2d matches torch's conv2d for other strides, paddings, kernels and dtypes, with and without a bias."""
note_hidden_tests()
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(1)
_cases = (((2, 3, 8, 8), (4, 3, 3, 3), 1, 0, False),    # plain, no bias (b=None)
          ((1, 2, 9, 9), (3, 2, 3, 3), 3, 0, True),     # stride 3 divides 9 - 3
          ((2, 1, 10, 7), (2, 1, 3, 3), 2, 0, True),    # stride 2 does not divide 7 - 3 + 1: the last column is left out
          ((1, 3, 6, 6), (2, 3, 5, 5), 1, 2, True),     # padding 2 keeps the size of a 5x5 kernel
          ((2, 2, 7, 9), (3, 2, 3, 2), 2, 1, True),     # non-square kernel with stride and padding
          ((1, 2, 5, 5), (2, 2, 2, 2), 3, 0, False),    # stride larger than the kernel
          ((1, 1, 4, 4), (1, 1, 3, 3), 1, 3, True))     # padding larger than half the kernel
for _x_shape, _w_shape, _stride, _padding, _with_bias in _cases:
    _x, _w = _rng.standard_normal(_x_shape), _rng.standard_normal(_w_shape)
    _b = _rng.standard_normal(_w_shape[0]) if _with_bias else None
    _reference = F.conv2d(torch.from_numpy(_x), torch.from_numpy(_w), None if _b is None else torch.from_numpy(_b),
                          stride=_stride, padding=_padding).numpy()
    _label = f"conv2d(x, w, {'b' if _with_bias else 'None'}, {_stride}, {_padding})"
    with substitute({"my_convolution": lambda x, w: F.conv2d(torch.from_numpy(x), torch.from_numpy(w)).numpy()}):
        _out = call(conv2d, _x, _w, _b, stride=_stride, padding=_padding)
    assert_type(_out, (np.ndarray, torch.Tensor), name=_label)
    assert_shape(_out, _reference.shape, name=_label)
    assert_close(_out, _reference, name=_label, rtol=1e-5, atol=1e-5, inputs={"x": _x, "w": _w})

_x, _w, _b = (_rng.standard_normal(s).astype(np.float32) for s in ((2, 3, 9, 8), (4, 3, 3, 3), (4,)))
_reference = F.conv2d(torch.from_numpy(_x), torch.from_numpy(_w), torch.from_numpy(_b), stride=2, padding=1).numpy()
with substitute({"my_convolution": lambda x, w: F.conv2d(torch.from_numpy(x), torch.from_numpy(w)).numpy()}):
    _out = call(conv2d, _x, _w, _b, stride=2, padding=1)
assert_close(_out, _reference, rtol=1e-4, atol=1e-4, name="conv2d(x, w, b, 2, 1), float32")
### END HIDDEN TESTS

# %% tags=["tests"] id="test_conv2d_no_torch" points=1
"""conv2d computes the right values without using torch."""
_rng = np.random.default_rng(4)
_x, _w, _b = _rng.standard_normal((2, 2, 7, 6)), _rng.standard_normal((3, 2, 3, 3)), _rng.standard_normal(3)
with substitute({"my_convolution": lambda x, w: F.conv2d(torch.from_numpy(x), torch.from_numpy(w)).numpy()}):
    _out = call(conv2d, _x, _w, _b, stride=2, padding=1)
assert_close(_out, F.conv2d(torch.from_numpy(_x), torch.from_numpy(_w), torch.from_numpy(_b), stride=2,
                            padding=1).numpy(), rtol=1e-5, atol=1e-5, name="conv2d(x, w, b, stride=2, padding=1)")
assert_not_used(conv2d, ["torch"])

# %% [markdown]
# ## 4. Pooling and ReLU (3 points)
#
# **Max pooling** keeps the largest value of each `size × size` window, channel by channel. Its
# stride defaults to the window size, so that the windows sit side by side without overlapping
# (as in PyTorch); the output size follows the same rule as a convolution's (no padding here).
# Write it with NumPy (no torch inside: the tests check).
# **ReLU** keeps positive values and replaces negative ones by 0.

# %% tags=["solution"] id="max_pool2d"
def max_pool2d(x, size, stride=None):
    """Max pooling of each channel over size x size windows, in NumPy.

    Inputs:
    - x: array of shape (N, C, H, W)
    - size: int, side of the square window
    - stride: int, step of the window; None means stride = size (windows side by side)

    Returns:
    - out: array of shape (N, C, H', W') with H' = conv_output_size(H, size, stride) and
      W' likewise; out[n, c, i, j] is the maximum of x[n, c] over the window whose top-left
      corner is at row i * stride, column j * stride
    """
    ### BEGIN SOLUTION
    from numpy.lib.stride_tricks import sliding_window_view

    stride = size if stride is None else stride
    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]
    return windows.max(axis=(4, 5))
    ### END SOLUTION

# %% tags=["tests"] id="test_max_pool2d_values" points=1
"""max_pool2d matches torch's max_pool2d: default stride (= size), a given stride, sizes the window does not divide."""
import scipy.ndimage


# Where max_pool2d calls convolve, it gets the windows from scipy: a mistake there counts only once.
def _windows_by_scipy(fn, inp, size=3):
    full = scipy.ndimage.generic_filter(np.asarray(inp, dtype=float), lambda v: fn(v.reshape(size, size)), size=size)
    return full[size // 2:size // 2 + inp.shape[0] - size + 1, size // 2:size // 2 + inp.shape[1] - size + 1]


_x = np.random.default_rng(0).standard_normal((2, 3, 5, 7)) - 2.0  # mostly negative values
for _size, _stride in ((2, None), (3, 1), (2, 3)):
    _label = f"max_pool2d(x, {_size}" + (f", stride={_stride})" if _stride else ")")
    with substitute({"convolve": _windows_by_scipy}):
        _out = call(max_pool2d, _x, _size) if _stride is None else call(max_pool2d, _x, _size, _stride)
    assert_type(_out, (np.ndarray, torch.Tensor), name=_label)
    _reference = F.max_pool2d(torch.from_numpy(_x), _size, stride=_stride).numpy()
    assert_shape(_out, _reference.shape, name=_label)
    assert_close(_out, _reference, name=_label)
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(1)
_cases = (((2, 3, 8, 8), 2, None),    # stride defaults to the size
          ((1, 2, 9, 7), 3, None),    # sizes not divisible by the window: the remainder is left out
          ((2, 1, 6, 10), 3, 1),      # overlapping windows
          ((1, 3, 10, 9), 3, 2),
          ((1, 2, 5, 4), 1, None),    # 1x1 windows: the identity
          ((2, 2, 7, 5), 2, 3))       # stride larger than the window
for _x_shape, _size, _stride in _cases:
    _x = _rng.standard_normal(_x_shape) - 3.0  # mostly negative: a maximum that starts from 0 is wrong
    _reference = F.max_pool2d(torch.from_numpy(_x), _size, stride=_stride).numpy()
    _label = f"max_pool2d(x, {_size}" + (f", {_stride})" if _stride else ")") + f", x {_x_shape}"
    with substitute({"convolve": _windows_by_scipy}):
        _out = call(max_pool2d, _x, _size) if _stride is None else call(max_pool2d, _x, _size, _stride)
    assert_type(_out, (np.ndarray, torch.Tensor), name=_label)
    assert_shape(_out, _reference.shape, name=_label)
    assert_close(_out, _reference, name=_label)
_x = _rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
with substitute({"convolve": _windows_by_scipy}):
    _out = call(max_pool2d, _x, 2)
assert_close(_out, F.max_pool2d(torch.from_numpy(_x), 2).numpy(), name="max_pool2d(x, 2) for float32 x (2, 3, 6, 6)")
### END HIDDEN TESTS

# %% tags=["tests"] id="test_max_pool2d_no_torch" points=1
"""max_pool2d computes the right values without using torch."""
_x = np.random.default_rng(5).standard_normal((2, 3, 7, 8))
assert_close(call(max_pool2d, _x, 3, 2), F.max_pool2d(torch.from_numpy(_x), 3, stride=2).numpy(),
             name="max_pool2d(x, 3, 2)")
assert_not_used(max_pool2d, ["torch"])

# %% tags=["solution"] id="relu"
def relu(x):
    """Rectified linear unit, elementwise: max(x, 0).

    Inputs:
    - x: array of any shape

    Returns:
    - an array of the same shape: x where x > 0, 0 elsewhere
    """
    ### BEGIN SOLUTION
    return np.maximum(x, 0)
    ### END SOLUTION

# %% tags=["tests"] id="test_relu_values" points=1
"""relu keeps positive values (small ones too) and zeroes negative ones, like torch.relu."""
_x = np.array([-2.0, -0.5, 0.0, 0.25, 0.5, 3.0])
_out = call(relu, _x.copy())
assert_type(_out, (np.ndarray, torch.Tensor), name="relu(x)")
assert_shape(_out, (6,), name="relu(x) for x of shape (6,)")
assert_close(_out, np.array([0.0, 0.0, 0.0, 0.25, 0.5, 3.0]), name="relu(x)", inputs={"x": _x})
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(1)
for _shape, _scale in (((4, 5), 1.0), ((2, 3, 4, 4), 0.3), ((7,), 100.0)):
    _x = _scale * _rng.standard_normal(_shape)
    _out = call(relu, _x.copy())
    assert_shape(_out, _shape, name=f"relu(x) for x of shape {_shape}")
    assert_close(_out, torch.relu(torch.from_numpy(_x)).numpy(), name=f"relu(x) for x {_shape} of scale {_scale:g}")
_x = _rng.standard_normal((3, 4)).astype(np.float32)
assert_close(call(relu, _x.copy()), torch.relu(torch.from_numpy(_x)).numpy(), name="relu(x) for float32 x (3, 4)")
### END HIDDEN TESTS

# %% [markdown]
# ## 5. Building blocks on an image (4 points)
#
# Time for a real photo: scikit-learn's sample image of a Chinese temple, as a float tensor of shape
# `(1, 3, H, W)` (a batch of one RGB image) with values in `[0, 1]`. From now on we use PyTorch's own
# layers: `torch.nn.Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True)`
# holds its kernels in `.weight`, of shape `(out_channels, in_channels, KH, KW)`, exactly like the
# kernel bank of your `my_convolution`.

# %% tags=["readonly"] id="image"
torch.manual_seed(0)  # the random kernels below are the same at every run
image = load_sample_image()  # (1, 3, H, W), values in [0, 1]
print("image:", tuple(image.shape), image.dtype)


def vis_features(y, title="", nrow=5):
    """Show each channel of y, a tensor (1, C, H, W), as a grey image in a grid (each scaled to [0, 1])."""
    grid = torchvision.utils.make_grid(y[0].detach()[:, None], nrow=nrow, normalize=True, scale_each=True,
                                       padding=8, pad_value=1.0)
    plt.figure(figsize=(10, 10 * grid.shape[1] / grid.shape[2]))
    plt.imshow(grid.permute(1, 2, 0).numpy())
    plt.title(title)
    plt.axis("off")
    plt.show()


plt.figure(figsize=(6, 4))
plt.imshow(image[0].permute(1, 2, 0).numpy())
plt.title(f"The input image, {image.shape[2]} x {image.shape[3]} pixels")
plt.xlabel("column (pixel)")
plt.ylabel("row (pixel)")
plt.show()

# %% [markdown]
# ### 5a. Convolution and pooling layers (2 points)
#
# Create these layers (no biases: `bias=False`):
#
# * `bank`: a bank of 10 random 5×5 filters over the 3 colour channels (stride 1, no padding);
# * `down`: the same kind of bank with **stride 16**, which downsamples the image;
# * `same`: the same kind of bank with **padding 2**, which keeps the size of the image;
# * `pool`: 15×15 max pooling with **stride 1** (`torch.nn.MaxPool2d`).
#
# Then give the shape `(N, C, H', W')` of each layer's output on `image` as a tuple of ints:
# `bank_shape`, `down_shape`, `same_shape`, `pool_shape`. Work them out with your `conv_output_size`
# (then run the layers to check).

# %% tags=["solution"] id="conv_layers"
### BEGIN SOLUTION
bank = torch.nn.Conv2d(3, 10, kernel_size=5, bias=False)
down = torch.nn.Conv2d(3, 10, kernel_size=5, stride=16, bias=False)
same = torch.nn.Conv2d(3, 10, kernel_size=5, padding=2, bias=False)
pool = torch.nn.MaxPool2d(15, stride=1)
bank_shape = (1, 10, conv_output_size(image.shape[2], 5), conv_output_size(image.shape[3], 5))
down_shape = (1, 10, conv_output_size(image.shape[2], 5, stride=16), conv_output_size(image.shape[3], 5, stride=16))
same_shape = (1, 10, conv_output_size(image.shape[2], 5, padding=2), conv_output_size(image.shape[3], 5, padding=2))
pool_shape = (1, 3, conv_output_size(image.shape[2], 15), conv_output_size(image.shape[3], 15))
### END SOLUTION

# %% tags=["tests"] id="test_conv_layers_shapes" points=1
"""bank_shape, down_shape, same_shape and pool_shape are the shapes of the layers' outputs on the image (hashed)."""
_H, _W = image.shape[2:]
for _name, _shape, _digest, (_channels, _k, _stride, _padding) in (
        ("bank_shape", bank_shape, "d878fad77d6f2992", (10, 5, 1, 0)),
        ("down_shape", down_shape, "0b90ee726b6f5497", (10, 5, 16, 0)),
        ("same_shape", same_shape, "43754e5b9f0d7c37", (10, 5, 1, 2)),
        ("pool_shape", pool_shape, "4b941cbd25579f0f", (3, 15, 1, 0))):
    assert_true(isinstance(_shape, (tuple, list, torch.Size)) and len(_shape) == 4,
                f"{_name} should be a tuple (N, C, H', W'), got {_shape!r}")
    if hash_value(tuple(int(n) for n in _shape)) != _digest:
        try:  # worked out with a wrong conv_output_size? Then that mistake counts there, not here.
            _yours = (1, _channels, int(conv_output_size(_H, _k, _stride, _padding)),
                      int(conv_output_size(_W, _k, _stride, _padding)))
        except Exception:
            _yours = None
        if _yours is not None and tuple(_shape) == _yours:
            print(f"{_name} = {tuple(_shape)} follows your conv_output_size, whose test fails: fix it first")
            continue
    assert_hashed(tuple(int(n) for n in _shape), _digest, name=_name)

# %% tags=["tests"] id="test_conv_layers_modules" points=1
"""bank, down and same are bias-free Conv2d layers of ten 5x5x3 filters with the asked stride and padding; pool is 15x15 max pooling with stride 1."""
_patch = image[:, :, 100:180, 200:300]  # a part of the image is enough to check what a layer computes
with torch.no_grad():
    for _name, _layer, _stride, _padding in (("bank", bank, 1, 0), ("down", down, 16, 0), ("same", same, 1, 2)):
        assert_type(_layer, torch.nn.Conv2d, name=_name)
        assert_shape(_layer.weight, (10, 3, 5, 5), name=f"{_name}.weight")
        assert_true(_layer.bias is None, f"{_name} has a bias: create it with bias=False")
        _reference = F.conv2d(_patch, _layer.weight, stride=_stride, padding=_padding)
        _out = call(_layer, _patch, name=_name)
        assert_shape(_out, _reference.shape, name=f"{_name}(x) for x (1, 3, 80, 100)")
        assert_close(_out, _reference, name=f"{_name}(x) for x (1, 3, 80, 100)", rtol=1e-4, atol=1e-5)
    _out = call(pool, _patch, name="pool")
    _reference = F.max_pool2d(_patch, 15, stride=1)
    assert_shape(_out, _reference.shape, name="pool(x) for x (1, 3, 80, 100)")
    assert_close(_out, _reference, name="pool(x) for x (1, 3, 80, 100)")

# %% [markdown]
# The ten random filters each mix the three colours in their own way; most of their outputs still
# look like the photo, blurred or embossed. The strided bank gives tiny maps: it keeps one window in
# 16 along each axis.

# %%
with torch.no_grad():
    vis_features(bank(image), "bank: 10 random 5x5x3 filters (one output channel per filter)")
    print("down(image):", tuple(down(image).shape), " same(image):", tuple(same(image).shape))
    vis_features(down(image), "down: the same kind of filters with stride 16")

# %% [markdown]
# ### 5b. The Laplacian filter (1 point)
#
# The Laplacian kernel is
#
# $$L = \begin{bmatrix} 0 & 1 & 0 \\ 1 & -4 & 1 \\ 0 & 1 & 0 \end{bmatrix}.$$
#
# Write `laplacian_weight()`, the weight of a convolution layer from 3 channels to 1 channel that
# applies `L` to each of the three colour channels (and, as every convolution, sums the three results).

# %% tags=["solution"] id="laplacian_weight"
def laplacian_weight():
    """Weight of a convolution layer applying the Laplacian kernel to an RGB image.

    Returns:
    - w: float tensor of shape (1, 3, 3, 3) (1 output channel, 3 input channels, 3 x 3);
      w[0, c] is the Laplacian kernel [[0, 1, 0], [1, -4, 1], [0, 1, 0]] for each channel c
    """
    ### BEGIN SOLUTION
    kernel = torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])
    return kernel.repeat(1, 3, 1, 1)
    ### END SOLUTION

# %% tags=["tests"] id="test_laplacian_weight_values" points=1
"""laplacian_weight() is a float tensor (1, 3, 3, 3) holding the Laplacian kernel on each channel."""
_w = call(laplacian_weight)
assert_type(_w, torch.Tensor, name="laplacian_weight()")
assert_shape(_w, (1, 3, 3, 3), name="laplacian_weight()")
assert_dtype(_w, "float", name="laplacian_weight() (write 1.0, not 1)")
_laplacian = torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]], dtype=_w.dtype)
for _c in range(3):
    assert_close(_w[0, _c], _laplacian, name=f"laplacian_weight()[0, {_c}]")
### BEGIN HIDDEN TESTS
# Applied to an image, it is the Laplacian of the sum of the channels.
_x = torch.randn(1, 3, 6, 7, generator=torch.Generator().manual_seed(1), dtype=_w.dtype)
assert_close(F.conv2d(_x, _w), F.conv2d(_x.sum(dim=1, keepdim=True), _laplacian[None, None]),
             name="F.conv2d(x, laplacian_weight()) for x of shape (1, 3, 6, 7)", rtol=1e-4, atol=1e-5)
### END HIDDEN TESTS

# %%
with torch.no_grad():
    response = F.conv2d(image, laplacian_weight(), padding=1)
plt.figure(figsize=(8, 5.5))
plt.imshow(response[0, 0].abs().numpy(), cmap="gray_r", vmax=float(response.abs().quantile(0.99)))
plt.colorbar(label="|Laplacian response|")
plt.title("|Laplacian| of the image (dark = strong response)")
plt.xlabel("column (pixel)")
plt.ylabel("row (pixel)")
plt.show()

# %% [markdown]
# ### 5c. A derivative filter pair and ReLU (1 point)
#
# The Sobel kernel
#
# $$S = \begin{bmatrix} -1 & -2 & -1 \\ 0 & 0 & 0 \\ 1 & 2 & 1 \end{bmatrix}$$
#
# is a (smoothed) **vertical derivative**: it is positive where the image gets brighter from top to
# bottom and negative where it gets darker. A ReLU would throw away the negative half, so CNNs often
# learn such filters in pairs, `S` and `−S`: after the ReLU, one channel shows the dark-to-bright edges
# and the other the bright-to-dark ones.
#
# Write `derivative_weight()`, the weight of a convolution layer from 3 channels to 2 channels:
# output channel 0 applies `S` to each colour channel, output channel 1 applies `−S`.

# %% tags=["solution"] id="derivative_weight"
def derivative_weight():
    """Weights of a convolution layer with the vertical Sobel kernel and its negative, for RGB images.

    Returns:
    - w: float tensor of shape (2, 3, 3, 3); w[0, c] is S = [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]
      and w[1, c] is -S, for each input channel c
    """
    ### BEGIN SOLUTION
    sobel = torch.tensor([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]])
    return torch.stack([sobel.repeat(3, 1, 1), -sobel.repeat(3, 1, 1)])
    ### END SOLUTION

# %% tags=["tests"] id="test_derivative_weight_values" points=1
"""derivative_weight() is a float tensor (2, 3, 3, 3): the vertical Sobel kernel S on each channel, then -S."""
_w = call(derivative_weight)
assert_type(_w, torch.Tensor, name="derivative_weight()")
assert_shape(_w, (2, 3, 3, 3), name="derivative_weight()")
assert_dtype(_w, "float", name="derivative_weight() (write 1.0, not 1)")
_sobel = torch.tensor([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]], dtype=_w.dtype)
for _c in range(3):
    assert_close(_w[0, _c], _sobel, name=f"derivative_weight()[0, {_c}] (S)")
    assert_close(_w[1, _c], -_sobel, name=f"derivative_weight()[1, {_c}] (-S)")
### BEGIN HIDDEN TESTS
_x = torch.rand(1, 3, 8, 6, generator=torch.Generator().manual_seed(2), dtype=_w.dtype)
_edges = F.relu(F.conv2d(_x, _w, padding=1))
assert_close(_edges[:, 0] - _edges[:, 1], F.conv2d(_x.sum(dim=1, keepdim=True), _sobel[None, None], padding=1)[:, 0],
             name="relu(conv2d(x, w))[:, 0] - relu(conv2d(x, w))[:, 1] (it should give back the signed derivative)",
             rtol=1e-4, atol=1e-5)
### END HIDDEN TESTS

# %%
with torch.no_grad():
    edges = F.relu(F.conv2d(image, derivative_weight(), padding=1))  # (1, 2, H, W)
vis_features(edges, "ReLU(S * image) (left: dark above bright) and ReLU(-S * image) (right: bright above dark)", nrow=2)

# %% [markdown]
# Last, 15×15 max pooling with stride 1: every pixel of the output is the brightest value, channel by
# channel, within a 15×15 neighbourhood of the input.

# %%
with torch.no_grad():
    pooled_image = pool(image)
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
for ax, picture, title in ((axes[0], image, f"input {tuple(image.shape[2:])}"),
                           (axes[1], pooled_image, f"15x15 max pooling, stride 1 {tuple(pooled_image.shape[2:])}")):
    ax.imshow(picture[0].permute(1, 2, 0).clamp(0, 1).numpy())
    ax.set_title(title)
    ax.set_xlabel("column (pixel)")
    ax.set_ylabel("row (pixel)")
plt.show()

# %% [markdown]
# ## 6. Questions (5 points)
#
# **6a. (1 point)** What kind of filter is the Laplacian `L`? How does your `(1, 3, 3, 3)` weight treat
# the three colour channels, and what does that mean for colour?

# %% [markdown] tags=["manual"] id="laplacian_filter" points=1
# L is the discrete Laplacian, a second-derivative filter: ∂²/∂x² + ∂²/∂y², i.e. the sum of the 1D second
# differences [1, −2, 1] along rows and along columns. Its weights sum to 0 (flat regions and linear
# ramps give 0) and it is approximately isotropic: it responds to edges of every orientation, but only
# the continuous Laplacian does so equally; on fine detail the 5-point kernel's response depends a
# little on the direction. The weight applies the same kernel to R, G and B and sums the results, so the
# output is the Laplacian of R + G + B (3 × the grey level): it ignores colour and sees only changes of
# brightness; an edge between two colours of equal brightness gives nothing.

# %% [markdown]
# **6b. (1 point)** Which structures of the image does the Laplacian respond to, and which does it ignore?

# %% [markdown] tags=["manual"] id="laplacian_structures" points=1
# It responds to fine detail: edges and outlines (a positive/negative double line with a zero crossing on
# the edge), thin lines, corners, isolated points, texture such as foliage and roof tiles, and noise
# (being a second derivative, it amplifies high frequencies). It ignores uniform regions and smooth
# gradients such as the sky, which give values near 0.

# %% [markdown]
# **6c. (1 point)** How do you read the 15×15 max-pooled image? What happened to bright and to dark
# details, and to its size?

# %% [markdown] tags=["manual"] id="max_pooled_image" points=1
# Each output pixel is the maximum of a 15×15 neighbourhood, per channel: bright regions grow by about
# 7 pixels on every side (a morphological dilation) and dark details thinner than the window (branches,
# gaps, window frames) disappear, so the image looks blocky and lighter, with less detail. Its size
# shrinks by 14 pixels in each direction (427×640 → 413×626). Each channel is pooled on its own, so a pixel
# can combine maxima from different places, giving colours that were not in the input (light halos).
# The output barely changes when the input shifts by a few pixels: pooling makes the features tolerant
# to small translations.

# %% [markdown]
# **6d. (2 points)** How many weights does `bank` have? How many would a fully connected layer need
# to map the same input `image` to an output of the same size as `bank(image)`? Which two properties
# of convolutions make so few weights enough for images?

# %% [markdown] tags=["manual"] id="weight_sharing" points=2
# `bank` has 10 × 3 × 5 × 5 = **750** weights. Its input has 3 × 427 × 640 = 819,840 values and its
# output 10 × 423 × 636 = 2,690,280 values, so a fully connected layer between them needs
# 819,840 × 2,690,280 ≈ **2.2 × 10¹²** weights (about 8.8 TB in float32), three billion times more.
# Two properties make the difference: **local connectivity** (each output looks only at a 5 × 5
# neighbourhood, since nearby pixels are what matter for edges and textures) and **weight sharing** (the
# same 750 weights are used at every position, since a feature is the same wherever it appears in the
# image, so the layer is translation-equivariant). Besides memory, few weights mean far less data is
# needed to learn them.

# %% [markdown]
# ## 7. Speed (not graded)
#
# How does your `my_convolution` compare with PyTorch's? The cell below times both on the case of
# exercise 2. A convolution written with Python loops is typically hundreds or thousands of times
# slower. Vectorising closes most of the gap: `numpy.lib.stride_tricks.sliding_window_view` gives every
# window of the input as a view of shape `(N, C, H', W', KH, KW)` without copying, and a single
# `np.einsum` (or `np.tensordot`) then multiplies and sums over `C, KH, KW` for all windows and kernels
# at once. Try it and run the cell again!

# %%
# While grading only a tiny case runs: the timing is for you, not for the grade.
rng = np.random.default_rng(0)
x_shape, w_shape = ((1, 1, 6, 6), (1, 1, 3, 3)) if autograder.grading() else ((5, 3, 24, 24), (16, 3, 5, 5))
x_np, w_np = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
x_torch, w_torch = torch.from_numpy(x_np), torch.from_numpy(w_np)  # the same float64 numbers for torch


def best_time(fn, budget=0.5):
    """The fastest of several runs of fn() (the least disturbed by other programs), in seconds."""
    times = []
    while not times or (sum(times) < budget and len(times) < 100):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


try:
    yours = best_time(lambda: my_convolution(x_np, w_np))
except (NotImplementedError, NameError):
    print("my_convolution is not written yet: come back here after exercise 2.")
else:
    theirs = best_time(lambda: torch.conv2d(x_torch, w_torch))
    print(f"input {x_shape}, kernels {w_shape}, float64")
    print(f"my_convolution: {yours * 1e3:9.3f} ms")
    print(f"torch.conv2d:   {theirs * 1e3:9.3f} ms")
    print(f"torch is {yours / theirs:.1f} times faster" if yours > theirs else
          f"yours is {theirs / yours:.1f} times faster than torch: well vectorised!")
