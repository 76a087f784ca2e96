# %% [markdown]
# # Lab 4 — Convolution: sliding windows, 2D convolution and pooling
#
# In Lab 1 you convolved a 5×5 input with two 3×3 kernels by hand. In this lab you write the same
# operations as code, check them against PyTorch, and then use PyTorch's own layers on a real photo.
#
# 1. A generic sliding window (2 points)
# 2. A convolution layer in NumPy (4 points)
# 3. Stride and padding (3 points)
# 4. Pooling and ReLU (2 points)
# 5. Building blocks on an image (4 points)
# 6. Questions (5 points, graded by hand)
# 7. Speed: your NumPy convolution against `torch.conv2d` (not graded)
#
# **How this notebook works.** Write your code where it says `YOUR CODE HERE` (delete the
# `raise NotImplementedError()` line) and your answers where it says `YOUR ANSWER HERE`. The cells
# that start with a docstring are tests: run them to check your work. They show one worked example;
# when grading, more tests run on other inputs (other shapes, strides, dtypes), so make your code
# general rather than fitted to the example. Run the cells in order, from the top. Total: 20 points.
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
from autograder.checks import (assert_close, assert_dtype, assert_equal, assert_not_used, assert_shape,
                               assert_true, assert_type)
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
"""convolve(sum, x) equals the sums of the 3x3 windows (correlation with a kernel of ones)."""
import scipy.signal

rng = np.random.default_rng(0)
x = rng.standard_normal((5, 5))
out = convolve(lambda w: w.sum(), x)
assert_type(out, (np.ndarray, torch.Tensor), name="convolve(sum, x)")
assert_shape(out, (3, 3), name="convolve(sum, x) for x of shape (5, 5)")
assert_close(out, scipy.signal.correlate2d(x, np.ones((3, 3)), mode="valid"), name="convolve(sum, x)",
             inputs={"x": x}, rtol=1e-6, atol=1e-9)
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(1)
for shape, size in (((6, 9), 3), ((8, 4), 2), ((7, 7), 4), ((4, 11), 3), ((10, 6), 5)):
    x = rng.standard_normal(shape)
    out = convolve(lambda w: w.sum(), x, size)
    reference = scipy.signal.correlate2d(x, np.ones((size, size)), mode="valid")
    assert_shape(out, reference.shape, name=f"convolve(sum, x, size={size}) for x of shape {shape}")
    assert_close(out, reference, name=f"convolve(sum, x, size={size}) for x of shape {shape}",
                 inputs={"x": x}, rtol=1e-6, atol=1e-9)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_convolve_windows" points=1
"""convolve gives fn the right windows: max pooling with stride 1, size 1, a window as large as the input."""
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(2)
for shape, size in (((6, 8), 3), ((9, 5), 2), ((7, 7), 4)):
    x = rng.standard_normal(shape)
    reference = F.max_pool2d(torch.from_numpy(x)[None, None], size, stride=1)[0, 0].numpy()
    assert_close(convolve(np.max, x, size), reference, name=f"convolve(np.max, x, size={size}) for x of shape {shape}",
                 inputs={"x": x})

x = rng.standard_normal((4, 6))
assert_close(convolve(np.max, x, 1), x, name="convolve(np.max, x, size=1) (each window is one element)",
             inputs={"x": x})
assert_close(convolve(np.sum, x, 4), np.array([[x[:, :4].sum(), x[:, 1:5].sum(), x[:, 2:].sum()]]),
             name="convolve(np.sum, x, size=4) for x of shape (4, 6)", inputs={"x": x})
x = rng.standard_normal((5, 5))
assert_close(convolve(np.sum, x, 5), np.array([[x.sum()]]), name="convolve(np.sum, x, size=5) for x of shape (5, 5)",
             inputs={"x": x})

# A window function that records what it was given: each window must be 3x3 (the default size).
windows = []

def record(window):
    windows.append(np.array(window, dtype=float, copy=True))
    return float(np.sum(window))

x = np.arange(30, dtype=float).reshape(5, 6)
convolve(record, x)
shapes = sorted({w.shape for w in windows})
assert_true(shapes == [(3, 3)], f"convolve(fn, x) with the default size=3 gave fn windows of shape(s) {shapes}; "
                                "expected only (3, 3)")
expected = {x[i:i + 3, j:j + 3].tobytes() for i in range(3) for j in range(4)}
given = {w.tobytes() for w in windows}
assert_true(given == expected, f"convolve(fn, x) for x of shape (5, 6) gave fn {len(given)} different windows, "
                               f"{len(given - expected)} of them not 3x3 windows of x, and left out {len(expected - given)} "
                               "of its 12 windows (check the row and column ranges)")
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
"""my_convolution matches torch.conv2d for 5 RGB images of 24x24 and 16 kernels of 5x5."""
rng = np.random.default_rng(0)
images = rng.standard_normal((5, 3, 24, 24))
kernels = rng.standard_normal((16, 3, 5, 5))
out = my_convolution(images, kernels)
assert_type(out, (np.ndarray, torch.Tensor), name="my_convolution(images, kernels)")
assert_shape(out, (5, 16, 20, 20), name="my_convolution(images, kernels) for (5, 3, 24, 24) and (16, 3, 5, 5)")
reference = torch.conv2d(torch.from_numpy(images), torch.from_numpy(kernels)).numpy()
assert_close(out, reference, name="my_convolution(images, kernels)", rtol=1e-5, atol=1e-5)

# %% tags=["tests"] id="test_my_convolution_shapes" points=1
"""my_convolution matches torch.conv2d for other shapes: non-square kernels and images, C = 1, N = 1, F = 1."""
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(1)
cases = (((2, 4, 9, 11), (3, 4, 3, 2)),   # non-square input and kernel (KH != KW)
         ((1, 2, 7, 6), (4, 2, 2, 5)),    # N = 1, a wide kernel
         ((3, 1, 10, 8), (2, 1, 3, 3)),   # C = 1 (grey images)
         ((1, 3, 6, 6), (2, 3, 6, 6)),    # kernel as large as the image: 1x1 output
         ((2, 2, 5, 7), (1, 2, 1, 1)))    # F = 1, a 1x1 kernel
for x_shape, w_shape in cases:
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    reference = torch.conv2d(torch.from_numpy(x), torch.from_numpy(w)).numpy()
    label = f"my_convolution for input {x_shape} and kernels {w_shape}"
    out = my_convolution(x, w)
    assert_type(out, (np.ndarray, torch.Tensor), name=label)
    assert_shape(out, reference.shape, name=label)
    assert_close(out, reference, name=label, rtol=1e-5, atol=1e-5,
                 inputs={"input_numpy": x, "kernel_numpy": w})
### END HIDDEN TESTS

# %% tags=["tests"] id="test_my_convolution_dtypes" points=1
"""my_convolution matches torch.conv2d for float32 and float64 inputs, including large values."""
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(2)
for dtype, scale in ((np.float32, 1.0), (np.float64, 1.0), (np.float64, 1e3), (np.float32, 1e-3)):
    x = (scale * rng.standard_normal((4, 3, 12, 10))).astype(dtype)
    w = rng.standard_normal((5, 3, 4, 3)).astype(dtype)
    # The reference in float64 from the very same numbers; float32 rounding stays well within tolerance.
    reference = torch.conv2d(torch.from_numpy(x.astype(np.float64)), torch.from_numpy(w.astype(np.float64))).numpy()
    label = f"my_convolution for {np.dtype(dtype).name} input (4, 3, 12, 10) of scale {scale:g} and kernels (5, 3, 4, 3)"
    out = my_convolution(x, w)
    assert_shape(out, reference.shape, name=label)
    assert_dtype(out, "float", name=label)
    assert_close(out, reference, name=label, rtol=1e-4, atol=1e-4 * scale)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_my_convolution_no_torch" points=1
"""my_convolution computes the right values without using torch."""
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(3)
x, w = rng.standard_normal((2, 2, 6, 5)), rng.standard_normal((3, 2, 3, 3))
assert_close(my_convolution(x, w), torch.conv2d(torch.from_numpy(x), torch.from_numpy(w)).numpy(),
             name="my_convolution for input (2, 2, 6, 5) and kernels (3, 2, 3, 3)", rtol=1e-5, atol=1e-5)
# assert_not_used reads the function's own local names as locals (a local `pool` is not the torch layer
# of exercise 5); while grading it also checks, at run time, that no torch function ran during the call.
assert_not_used(my_convolution, ["torch"], name="my_convolution")
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Stride and padding (3 points)
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
# padding and an optional bias (one number per kernel, added to its whole output channel), in NumPy.
# You may reuse your `my_convolution` or write it anew.

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
def torch_output_size(n, k, stride, padding):
    return F.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), stride=stride, padding=padding).shape[-1]

assert_equal(conv_output_size(24, 5), 20, name="conv_output_size(24, 5)")
assert_equal(conv_output_size(32, 3, stride=2, padding=1), torch_output_size(32, 3, 2, 1),
             name="conv_output_size(32, 3, stride=2, padding=1)")
### BEGIN HIDDEN TESTS
for n in (1, 2, 5, 7, 12, 28):
    for k in (1, 2, 3, 5):
        for stride in (1, 2, 3, 4):
            for padding in (0, 1, 2):
                if k <= n + 2 * padding:
                    assert_equal(conv_output_size(n, k, stride, padding), torch_output_size(n, k, stride, padding),
                                 name=f"conv_output_size({n}, {k}, stride={stride}, padding={padding})")
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
"""conv2d matches torch's conv2d with a bias, stride 2 and padding 1 on 2 RGB images of 7x7."""
rng = np.random.default_rng(0)
x, w, b = rng.standard_normal((2, 3, 7, 7)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
out = conv2d(x, w, b, stride=2, padding=1)
assert_type(out, (np.ndarray, torch.Tensor), name="conv2d(x, w, b, stride=2, padding=1)")
reference = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), stride=2, padding=1).numpy()
assert_shape(out, reference.shape, name="conv2d(x, w, b, stride=2, padding=1) for x (2, 3, 7, 7), w (4, 3, 3, 3)")
assert_close(out, reference, name="conv2d(x, w, b, stride=2, padding=1)", rtol=1e-5, atol=1e-5)

# %% tags=["tests"] id="test_conv2d_cases" points=1
"""conv2d matches torch's conv2d for other strides, paddings, kernels and dtypes, with and without a bias."""
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(1)
cases = (((2, 3, 8, 8), (4, 3, 3, 3), 1, 0, False),    # plain, no bias (b=None)
         ((1, 2, 9, 9), (3, 2, 3, 3), 3, 0, True),     # stride 3 divides 9 - 3
         ((2, 1, 10, 7), (2, 1, 3, 3), 2, 0, True),    # stride 2 does not divide 7 - 3 + 1: the last column is left out
         ((1, 3, 6, 6), (2, 3, 5, 5), 1, 2, True),     # padding 2 keeps the size of a 5x5 kernel
         ((2, 2, 7, 9), (3, 2, 3, 2), 2, 1, True),     # non-square kernel with stride and padding
         ((1, 2, 5, 5), (2, 2, 2, 2), 3, 0, False),    # stride larger than the kernel
         ((1, 1, 4, 4), (1, 1, 3, 3), 1, 3, True))     # padding larger than half the kernel
for x_shape, w_shape, stride, padding, with_bias in cases:
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0]) if with_bias else None
    reference = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), None if b is None else torch.from_numpy(b),
                         stride=stride, padding=padding).numpy()
    label = (f"conv2d for x {x_shape}, w {w_shape}, {'a bias' if with_bias else 'b=None'}, "
             f"stride={stride}, padding={padding}")
    out = conv2d(x, w, b, stride=stride, padding=padding)
    assert_type(out, (np.ndarray, torch.Tensor), name=label)
    assert_shape(out, reference.shape, name=label)
    assert_close(out, reference, name=label, rtol=1e-5, atol=1e-5)

x, w, b = (rng.standard_normal(s).astype(np.float32) for s in ((2, 3, 9, 8), (4, 3, 3, 3), (4,)))
reference = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), stride=2, padding=1).numpy()
assert_close(conv2d(x, w, b, stride=2, padding=1), reference, rtol=1e-4, atol=1e-4,
             name="conv2d for float32 x (2, 3, 9, 8), w (4, 3, 3, 3), a bias, stride=2, padding=1")
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Pooling and ReLU (2 points)
#
# **Max pooling** keeps the largest value of each `size × size` window, channel by channel. Its
# stride defaults to the window size, so that the windows sit side by side without overlapping
# (as in PyTorch); the output size follows the same rule as a convolution's (no padding here).
# **ReLU** keeps positive values and replaces negative ones by 0.
#
# The test below takes up Lab 1: the two 3×3 feature maps of its convolution exercise, pooled 3×3,
# give one number per channel, which stacked on the last axis make the `(1, 1, 2)` output you found there.

# %% tags=["readonly"] id="lab1_data"
# The input and the two kernels of Lab 1 (exercise A3).
X1 = np.array([[2.0] * 5, [3.0] * 5, [1.0] * 5, [3.0] * 5, [2.0] * 5])
W1 = np.array([[-1.0, -1.0, -1.0], [2.0, 2.0, 2.0], [-1.0, -1.0, -1.0]])
W2 = np.array([[-1.0, 2.0, -1.0], [-1.0, 2.0, -1.0], [-1.0, 2.0, -1.0]])

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
"""max_pool2d matches torch's max_pool2d: the Lab 1 maps (3x3 pooling gives (1, 1, 2)), then other shapes and strides."""
maps = F.conv2d(torch.tensor(X1)[None, None], torch.tensor(np.stack([W1, W2]))[:, None]).numpy()  # (1, 2, 3, 3)
pooled = max_pool2d(maps, 3)
assert_type(pooled, (np.ndarray, torch.Tensor), name="max_pool2d(maps, 3)")
assert_shape(pooled, (1, 2, 1, 1), name="max_pool2d(maps, 3) for the Lab 1 maps of shape (1, 2, 3, 3)")
assert_close(np.asarray(pooled)[0].transpose(1, 2, 0), np.array([[[9.0, 0.0]]]),
             name="max_pool2d(maps, 3)[0] with the channels on the last axis, shape (1, 1, 2)")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(1)
cases = (((2, 3, 8, 8), 2, None),    # stride defaults to the size
         ((1, 2, 9, 7), 3, None),    # sizes not divisible by the window: the remainder is left out
         ((2, 1, 6, 10), 3, 1),      # overlapping windows
         ((1, 3, 10, 9), 3, 2),
         ((1, 2, 5, 4), 1, None),    # 1x1 windows: the identity
         ((2, 2, 7, 5), 2, 3))       # stride larger than the window
for x_shape, size, stride in cases:
    x = rng.standard_normal(x_shape) - 3.0  # mostly negative: a maximum that starts from 0 is wrong
    reference = F.max_pool2d(torch.from_numpy(x), size, stride=stride).numpy()
    label = f"max_pool2d(x, {size}" + (f", stride={stride})" if stride else ")") + f" for x of shape {x_shape}"
    out = max_pool2d(x, size) if stride is None else max_pool2d(x, size, stride)
    assert_type(out, (np.ndarray, torch.Tensor), name=label)
    assert_shape(out, reference.shape, name=label)
    assert_close(out, reference, name=label)
x = rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
assert_close(max_pool2d(x, 2), F.max_pool2d(torch.from_numpy(x), 2).numpy(),
             name="max_pool2d(x, 2) for float32 x of shape (2, 3, 6, 6)")
### END HIDDEN TESTS

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
x = np.array([-2.0, -0.5, 0.0, 0.25, 0.5, 3.0])
out = relu(x)
assert_type(out, (np.ndarray, torch.Tensor), name="relu(x)")
assert_shape(out, (6,), name="relu(x) for x of shape (6,)")
assert_close(out, np.array([0.0, 0.0, 0.0, 0.25, 0.5, 3.0]), name="relu(x)", inputs={"x": x})
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(1)
for shape, scale in (((4, 5), 1.0), ((2, 3, 4, 4), 0.3), ((7,), 100.0)):
    x = scale * rng.standard_normal(shape)
    reference = torch.relu(torch.from_numpy(x)).numpy()
    out = relu(x.copy())
    assert_shape(out, shape, name=f"relu(x) for x of shape {shape}")
    assert_close(out, reference, name=f"relu(x) for x of shape {shape} and scale {scale:g}")
x = rng.standard_normal((3, 4)).astype(np.float32)
assert_close(relu(x.copy()), torch.relu(torch.from_numpy(x)).numpy(), name="relu(x) for float32 x of shape (3, 4)")
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
"""bank_shape, down_shape, same_shape and pool_shape are the shapes of the layers' outputs on the image."""
reference = tuple(F.conv2d(image, torch.zeros(10, 3, 5, 5)).shape)
assert_equal(tuple(bank_shape), reference, name="bank_shape")
### BEGIN HIDDEN TESTS
assert_equal(tuple(down_shape), tuple(F.conv2d(image, torch.zeros(10, 3, 5, 5), stride=16).shape), name="down_shape")
assert_equal(tuple(same_shape), tuple(image.shape[:1]) + (10,) + tuple(image.shape[2:]), name="same_shape")
assert_equal(tuple(pool_shape), tuple(F.max_pool2d(image, 15, stride=1).shape), name="pool_shape")
### END HIDDEN TESTS

# %% tags=["tests"] id="test_conv_layers_modules" points=1
"""bank, down and same are bias-free Conv2d layers of ten 5x5x3 filters with the asked stride and padding; pool is 15x15 max pooling with stride 1."""
### BEGIN HIDDEN TESTS
patch = image[:, :, 100:180, 200:300]  # a part of the image is enough to check what a layer computes
with torch.no_grad():
    for name, layer, stride, padding in (("bank", bank, 1, 0), ("down", down, 16, 0), ("same", same, 1, 2)):
        assert_type(layer, torch.nn.Conv2d, name=name)
        assert_shape(layer.weight, (10, 3, 5, 5), name=f"{name}.weight (10 filters over 3 channels, 5x5)")
        assert_true(layer.bias is None, f"{name} has a bias: create it with bias=False")
        reference = F.conv2d(patch, layer.weight, stride=stride, padding=padding)
        out = layer(patch)
        assert_shape(out, reference.shape, name=f"{name}(x) for x of shape (1, 3, 80, 100) (stride {stride}, padding {padding})")
        assert_close(out, reference, name=f"{name}(x) for x of shape (1, 3, 80, 100)", rtol=1e-4, atol=1e-5)
    out = pool(patch)
    reference = F.max_pool2d(patch, 15, stride=1)
    assert_shape(out, reference.shape, name="pool(x) for x of shape (1, 3, 80, 100) (15x15 windows, stride 1)")
    assert_close(out, reference, name="pool(x) for x of shape (1, 3, 80, 100)")
### END HIDDEN TESTS

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
w = laplacian_weight()
assert_type(w, torch.Tensor, name="laplacian_weight()")
assert_shape(w, (1, 3, 3, 3), name="laplacian_weight()")
assert_dtype(w, "float", name="laplacian_weight() (write 1.0, not 1)")
### BEGIN HIDDEN TESTS
laplacian = torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]], dtype=w.dtype)
assert_close(w, torch.stack([laplacian] * 3)[None], name="laplacian_weight()")
# Applied to an image, it is the Laplacian of the sum of the channels.
x = torch.randn(1, 3, 6, 7, generator=torch.Generator().manual_seed(1), dtype=w.dtype)
assert_close(F.conv2d(x, w), F.conv2d(x.sum(dim=1, keepdim=True), laplacian[None, None]),
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
w = derivative_weight()
assert_type(w, torch.Tensor, name="derivative_weight()")
assert_shape(w, (2, 3, 3, 3), name="derivative_weight()")
assert_dtype(w, "float", name="derivative_weight() (write 1.0, not 1)")
### BEGIN HIDDEN TESTS
sobel = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]], dtype=w.dtype).T  # d/d(row)
assert_close(w[0], sobel.expand(3, 3, 3), name="derivative_weight()[0] (S on each channel)")
assert_close(w[1], -sobel.expand(3, 3, 3), name="derivative_weight()[1] (-S on each channel)")
x = torch.rand(1, 3, 8, 6, generator=torch.Generator().manual_seed(2), dtype=w.dtype)
edges = F.relu(F.conv2d(x, w, padding=1))
assert_close(edges[:, 0] - edges[:, 1], F.conv2d(x.sum(dim=1, keepdim=True), sobel[None, None], padding=1)[:, 0],
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
# ramps give 0) and it is isotropic (same in every direction). The weight applies the same kernel to R,
# G and B and sums the results, so the output is the Laplacian of R + G + B (3 × the grey level): it
# ignores colour and sees only changes of brightness; an edge between two colours of equal brightness
# gives nothing.

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
# **6d. (2 points)** Look back at Lab 1 (the input `X1` and the kernels `W1`, `W2` above): why do the
# two kernels respond so differently to the same input? Relate them to the filters of this lab.

# %% [markdown] tags=["manual"] id="lab1_kernels" points=2
# W1 = [−1, 2, −1] down the rows (the same in each column) is a negated second derivative along the
# vertical axis: it detects horizontal lines and edges. W2 is the same along the columns: it detects
# vertical lines. X1 is constant along every row and changes only from row to row, so it contains only
# horizontal structure: W1 responds strongly (9 on the bright rows, −12 on the dark one) while W2 gives
# 0 everywhere. Both sum to 0 and ignore flat regions. Like the Sobel kernel, each is directional. −L is
# the sum of the second differences [−1, 2, −1] along both axes, each on a single column or row; W1 and W2
# are the same two differences spread over three columns or rows, so W1 + W2 is a smoothed −L, which
# responds to structure in every direction.

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
