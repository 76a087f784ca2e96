# %% [markdown]
# # Lab 5, Part 2 — MNIST: a Keras tutorial in PyTorch, batch normalisation and optimisers
#
# Keras' classic *Simple MNIST convnet* tutorial trains a small CNN to about 99 % test accuracy in a
# few lines: `model.summary()`, `model.fit(...)`, and TensorBoard to watch the curves. PyTorch has no
# `fit`: you write it, which is the best way to understand what it does. In this part you rebuild the
# tutorial's network and a batch-normalised variant with the same layers and parameter counts as in
# Keras, write `fit` with a progress bar and TensorBoard logging, and then write the two optimisers
# everybody uses, SGD with momentum and Adam, and check them against `torch.optim`.
#
# 1. The data (3 points)
# 2. The two networks (8 points)
# 3. `fit` (5 points), training and its curves
# 4. Optimisers from scratch (5 points)
# 5. Questions (5 points, graded by hand)
#
# **How this notebook works.** Write your code where it says `YOUR CODE HERE` (delete the
# `raise NotImplementedError()` line) and your answers where it says `YOUR ANSWER HERE`. The cells
# that start with a docstring are tests: run them to check your work. They show one worked example;
# when grading, more tests run on other inputs, so make your code general. Run the cells in order,
# from the top. Total: 26 points. A GPU (Colab: *Runtime → Change runtime type*) makes the training
# cells much faster; everything also runs on a CPU, in a few minutes.

# %% tags=["readonly"] id="imports"
import copy
import math
import re
import shutil
import tempfile

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.tensorboard import SummaryWriter
from torchinfo import summary
from tqdm.auto import tqdm

import autograder
from autograder.checks import (assert_close, assert_dtype, assert_equal, assert_hashed, assert_shape, assert_true,
                               assert_type, call, close_figures, figure_summary, fixed_parameters, note_hidden_tests)
from autograder.data import bundled_mnist, load_mnist

if autograder.grading():
    torch.set_num_threads(1)  # several notebooks are graded at once: one thread each is fastest

# %% [markdown]
# ## 1. The data (3 points)
#
# `load_mnist` gives the images as uint8 arrays (N, 28, 28) with values 0..255 and the labels as
# integers. In Colab it downloads the full MNIST (60,000 training and 10,000 test images); offline it
# uses the 10,000 real MNIST digits bundled with the course (8,000 for training, 2,000 for testing).

# %% tags=["readonly"] id="data"
mnist = load_mnist()
print(f"source: {mnist.source}; training images {mnist.x_train.shape} {mnist.x_train.dtype}, "
      f"test images {mnist.x_test.shape}")

# %% [markdown]
# **1a. Tensors (2 points).** Keras' tutorial scales the images to [0, 1] and adds a channel axis.
# Write `mnist_tensors`, which does the same for PyTorch: images as float32 tensors (N, 1, 28, 28)
# (channels first) divided by 255, labels as int64 tensors (N,).

# %% tags=["solution"] id="mnist_tensors"
def mnist_tensors(images, labels):
    """MNIST arrays as the tensors a PyTorch CNN takes.

    Inputs:
    - images: uint8 array of shape (N, 28, 28), pixel values 0..255
    - labels: integer array of shape (N,), digits 0..9

    Returns a tuple (x, y):
    - x: float32 tensor of shape (N, 1, 28, 28), the pixel values divided by 255 (in [0, 1])
    - y: int64 tensor of shape (N,), the labels
    """
    ### BEGIN SOLUTION
    x = torch.tensor(np.asarray(images), dtype=torch.float32).div(255.0).unsqueeze(1)
    y = torch.tensor(np.asarray(labels), dtype=torch.int64)
    return x, y
    ### END SOLUTION

# %% tags=["tests"] id="test_mnist_tensors_example" points=1
"""mnist_tensors on two tiny images: shapes (2, 1, 28, 28) and (2,), dtypes float32 and int64, 255 -> 1."""
_images = np.zeros((2, 28, 28), dtype=np.uint8)
_images[0, 3, 4], _images[1, 27, 0] = 255, 51
_result = call(mnist_tensors, _images, np.array([4, 9]))
assert_type(_result, tuple, name="mnist_tensors(images, labels) (return x, y)")
assert_equal(len(_result), 2, name="the number of values mnist_tensors returns")
_x, _y = _result
assert_type(_x, torch.Tensor, name="x")
assert_shape(_x, (2, 1, 28, 28), name="x for images of shape (2, 28, 28) (the channel axis comes second)")
assert_dtype(_x, torch.float32, name="x")
assert_close(_x[0, 0, 3, 4], 1.0, name="x[0, 0, 3, 4] for a pixel of 255")
assert_close(_x[1, 0, 27, 0], 0.2, name="x[1, 0, 27, 0] for a pixel of 51", rtol=1e-6)
assert_type(_y, torch.Tensor, name="y")
assert_dtype(_y, torch.int64, name="y")
assert_equal(_y, [4, 9], name="y")

# %% tags=["tests"] id="test_mnist_tensors_values" points=1
"""mnist_tensors matches images / 255 and the labels for random images of several batch sizes."""
note_hidden_tests()
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(1)
for _n in (1, 7, 30):
    _images = _rng.integers(0, 256, size=(_n, 28, 28)).astype(np.uint8)
    _labels = _rng.integers(0, 10, size=_n)
    _x, _y = call(mnist_tensors, _images, _labels)
    assert_shape(_x, (_n, 1, 28, 28), name=f"x for {_n} images")
    assert_dtype(_x, torch.float32, name=f"x for {_n} images")
    assert_close(_x[:, 0], _images / 255.0, name=f"x for {_n} random images", rtol=1e-6, atol=1e-7)
    assert_shape(_y, (_n,), name=f"y for {_n} labels")
    assert_dtype(_y, torch.int64, name=f"y for {_n} labels")
    assert_equal(_y, _labels, name=f"y for {_n} labels")
### END HIDDEN TESTS

# %%
x_train_all, y_train_all = mnist_tensors(mnist.x_train, mnist.y_train)
x_test, y_test = mnist_tensors(mnist.x_test, mnist.y_test)
print("x_train:", tuple(x_train_all.shape), x_train_all.dtype, " y_train:", tuple(y_train_all.shape), y_train_all.dtype)
print("x_test: ", tuple(x_test.shape), x_test.dtype, " y_test: ", tuple(y_test.shape), y_test.dtype)

# %% [markdown]
# **1b. A look at the data (1 point).** Write `plot_first_nine`: the first 9 images in a 3×3 grid of
# subplots (`plt.subplots(3, 3)`), each with its label as title (e.g. `"label 5"`). Draw the figure
# but **do not call `plt.show()`** in the function: the cell that calls it shows it (and the test
# inspects it).

# %% tags=["solution"] id="plot_first_nine"
def plot_first_nine(images, labels):
    """Draw images[0..8] in a 3x3 grid of subplots, each titled with its label (no plt.show()).

    Inputs:
    - images: array of shape (N, 28, 28), N >= 9
    - labels: integer array of shape (N,)
    """
    ### BEGIN SOLUTION
    fig, axes = plt.subplots(3, 3, figsize=(5, 5.5))
    for index, ax in enumerate(axes.flat):
        ax.imshow(images[index], cmap="gray_r")
        ax.set_title(f"label {int(labels[index])}")
        ax.axis("off")
    fig.suptitle("The first nine training images")
    fig.tight_layout()
    ### END SOLUTION

# %% tags=["tests"] id="test_plot_first_nine_figure" points=1
"""plot_first_nine draws 9 subplots, each with one image and its label in the title."""
_rng = np.random.default_rng(0)
_images = _rng.integers(0, 256, size=(12, 28, 28)).astype(np.uint8)
_labels = np.array([5, 0, 4, 1, 9, 2, 3, 6, 7, 8, 8, 8])
close_figures()
call(plot_first_nine, _images, _labels)
_summary = figure_summary()
close_figures()
_axes = [ax for ax in _summary["axes"] if ax["images"]]
assert_true(_axes, "plot_first_nine left no image on the current figure: draw with plt.subplots(3, 3) and "
            "imshow, and do not call plt.show() in the function")
assert_equal(len(_axes), 9, name="the number of subplots with an image")
for _k, _ax in enumerate(_axes):
    assert_equal(_ax["images"], 1, name=f"the number of images in subplot {_k}")
    assert_equal(re.findall(r"\d+", _ax["title"]), [str(_labels[_k])],
                 name=f"the numbers in the title of subplot {_k} (its label, {_labels[_k]})")

# %%
plot_first_nine(mnist.x_train, mnist.y_train)
plt.show()

# %% [markdown]
# Keras' tutorial holds out the last 10 % of the training images for validation (`validation_split=0.1`):
# `fit` reports the loss and accuracy on them after every epoch, and the test set is kept for the end.
# While grading, small subsets keep the notebook fast.

# %%
if autograder.grading():
    x_train_all, y_train_all, x_test, y_test = x_train_all[:512], y_train_all[:512], x_test[:256], y_test[:256]
n_val = len(x_train_all) // 10
x_train, y_train = x_train_all[:-n_val], y_train_all[:-n_val]
x_val, y_val = x_train_all[-n_val:], y_train_all[-n_val:]
batch_size = 128
train_loader = DataLoader(TensorDataset(x_train, y_train), batch_size=batch_size, shuffle=True)
val_loader = DataLoader(TensorDataset(x_val, y_val), batch_size=1000)
test_loader = DataLoader(TensorDataset(x_test, y_test), batch_size=1000)
print(f"{len(x_train)} training, {len(x_val)} validation and {len(x_test)} test images")

# %% [markdown]
# ## 2. The two networks (8 points)
#
# **2a. Counting parameters (2 points).** Keras' `model.summary()` reports *trainable* parameters
# (those the optimiser updates) and *non-trainable* ones. In PyTorch, `model.parameters()` yields every
# parameter tensor; a **frozen** one has `requires_grad == False`. Batch normalisation's running mean
# and variance are not parameters at all but **buffers** (`model.buffers()`, saved in `state_dict()`):
# they are not learned by gradient descent, so they never count here. Write `count_parameters`.

# %% tags=["solution"] id="count_parameters"
def count_parameters(model, trainable_only=True):
    """Number of parameters (scalars) of a model.

    Inputs:
    - model: an nn.Module
    - trainable_only: if True, count only the parameters with requires_grad; else every parameter

    Returns:
    - an int; buffers (e.g. batch normalisation's running statistics) never count
    """
    ### BEGIN SOLUTION
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)
    ### END SOLUTION

# %% tags=["tests"] id="test_count_parameters_example" points=1
"""count_parameters of Linear(3, 4) (frozen), BatchNorm1d(4), Linear(4, 2): 18 trainable, 34 in all."""
_model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
_model[0].requires_grad_(False)  # 3 * 4 + 4 = 16 frozen parameters
# trainable: batch norm's weight and bias, 4 + 4, and the last layer's 4 * 2 + 2: 18.
# The batch norm's buffers (running mean 4, running variance 4, step count 1) are not parameters.
assert_equal(call(count_parameters, _model), 18, name="count_parameters(model) (trainable only)")
assert_equal(call(count_parameters, _model, False), 34, name="count_parameters(model, trainable_only=False)")

# %% tags=["tests"] id="test_count_parameters_models" points=1
"""count_parameters on convolutional models with batch norm, frozen layers and a shared layer."""
note_hidden_tests()
### BEGIN HIDDEN TESTS
_shared = nn.Linear(5, 5)
_cases = []
_model = nn.Sequential(nn.Conv2d(3, 8, 5), nn.BatchNorm2d(8), nn.ReLU(), nn.Conv2d(8, 4, 3, bias=False))
_cases.append((_model, 3 * 8 * 25 + 8 + 16 + 8 * 4 * 9, 3 * 8 * 25 + 8 + 16 + 8 * 4 * 9, "conv-BN-conv"))
_model = nn.Sequential(nn.Conv2d(1, 6, 3), nn.BatchNorm2d(6), nn.Flatten(), nn.Linear(24, 3))
_model[0].requires_grad_(False)
_model[3].bias.requires_grad_(False)
_cases.append((_model, 12 + 24 * 3, 60 + 12 + 75, "conv (frozen)-BN-linear (frozen bias)"))
_cases.append((nn.Sequential(_shared, nn.ReLU(), _shared), 30, 30, "the same Linear(5, 5) used twice"))
_cases.append((nn.BatchNorm1d(7, affine=False), 0, 0, "BatchNorm1d(7, affine=False): buffers only"))
for _model, _trainable, _total, _what in _cases:
    assert_equal(call(count_parameters, _model), _trainable, name=f"count_parameters for {_what}")
    assert_equal(call(count_parameters, _model, True), _trainable, name=f"count_parameters(..., True) for {_what}")
    assert_equal(call(count_parameters, _model, trainable_only=False), _total,
                 name=f"count_parameters(..., trainable_only=False) for {_what}")
### END HIDDEN TESTS

# %% [markdown]
# **2b. The tutorial's CNN (3 points).** `mnist_convnet()` returns the Keras tutorial's network in
# PyTorch (Keras' `Conv2D(32, kernel_size=(3, 3))` has no padding, like PyTorch's default):
#
# | layer | output shape | parameters |
# | --- | --- | ---: |
# | convolution 1 → 32, 3×3, then ReLU | (N, 32, 26, 26) | 320 |
# | 2×2 max pooling | (N, 32, 13, 13) | 0 |
# | convolution 32 → 64, 3×3, then ReLU | (N, 64, 11, 11) | 18,496 |
# | 2×2 max pooling | (N, 64, 5, 5) | 0 |
# | flatten | (N, 1600) | 0 |
# | dropout, p = 0.5 | (N, 1600) | 0 |
# | linear 1600 → 10 | (N, 10) | 16,010 |
#
# 34,826 parameters, as Keras reports. The network outputs scores (no softmax: Keras' last layer has
# a softmax, but PyTorch's `nn.CrossEntropyLoss` takes scores and applies log-softmax itself, which is
# more accurate). An `nn.Sequential` is the shortest way to write it.

# %% tags=["solution"] id="mnist_convnet"
def mnist_convnet():
    """The Keras "simple MNIST convnet": (N, 1, 28, 28) images -> (N, 10) scores.

    conv(1->32, 3x3) ReLU maxpool(2) conv(32->64, 3x3) ReLU maxpool(2) flatten dropout(0.5) linear(1600->10)

    Returns:
    - a new nn.Module with 34,826 parameters
    """
    ### BEGIN SOLUTION
    return nn.Sequential(
        nn.Conv2d(1, 32, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10),
    )
    ### END SOLUTION

# %% tags=["tests"] id="test_mnist_convnet_architecture" points=1
"""mnist_convnet() maps (N, 1, 28, 28) to (N, 10) scores and has 34,826 parameters."""
torch.manual_seed(0)
_net = call(mnist_convnet)
assert_type(_net, nn.Module, name="mnist_convnet()")
assert_equal(sum(p.numel() for p in _net.parameters()), 34826, name="the number of parameters of mnist_convnet()")
_out = call(_net, torch.zeros(3, 1, 28, 28), name="mnist_convnet().forward")
assert_shape(_out, (3, 10), name="mnist_convnet()(x) for x of shape (3, 1, 28, 28)")
_dropouts = [m.p for m in _net.modules() if isinstance(m, nn.Dropout)]
assert_equal(_dropouts, [0.5], name="the dropout probabilities of mnist_convnet()")

# %% tags=["tests"] id="test_mnist_convnet_forward" points=1
"""mnist_convnet() computes the tutorial's layers in order (known scores with fixed weights, eval mode)."""
_net = fixed_parameters(call(mnist_convnet)).double().eval()
_x = (torch.arange(2 * 784, dtype=torch.float64).reshape(2, 1, 28, 28) * 37 % 256) / 255
with torch.no_grad():
    _out = call(_net, _x, name="mnist_convnet().forward")
assert_hashed(_out, "5538b5e5b14f106d", name="mnist_convnet's scores for two fixed images, weights fixed by their shapes")
### BEGIN HIDDEN TESTS
torch.manual_seed(3)
_net = call(mnist_convnet).eval()
_state = _net.state_dict()
_convs = [(_state[k], _state[k[:-len("weight")] + "bias"]) for k in _state if k.endswith("weight") and _state[k].dim() == 4]
_linears = [(_state[k], _state[k[:-len("weight")] + "bias"]) for k in _state if k.endswith("weight") and _state[k].dim() == 2]
assert_equal([tuple(w.shape) for w, _ in _convs], [(32, 1, 3, 3), (64, 32, 3, 3)], name="the convolutions' weight shapes")
assert_equal([tuple(w.shape) for w, _ in _linears], [(10, 1600)], name="the linear layers' weight shapes")
for _n in (1, 5):
    _x = torch.rand(_n, 1, 28, 28)
    _h = F.max_pool2d(F.relu(F.conv2d(_x, *_convs[0])), 2)
    _h = F.max_pool2d(F.relu(F.conv2d(_h, *_convs[1])), 2)
    _expected = F.linear(_h.flatten(1), *_linears[0])
    with torch.no_grad():
        _out = call(_net, _x, name="mnist_convnet().forward")
    assert_close(_out, _expected, name=f"mnist_convnet() in eval mode for x of shape ({_n}, 1, 28, 28)",
                 rtol=1e-4, atol=1e-5)
_net.train()
with torch.no_grad():
    _x = torch.rand(4, 1, 28, 28)
    assert_true(not torch.equal(_net(_x), _net(_x)), "mnist_convnet() gives the same scores twice in training mode: "
                "where is the dropout?")
### END HIDDEN TESTS

# %% tags=["tests"] id="test_mnist_convnet_trains" points=1
"""A fresh mnist_convnet() starts near loss ln 10 and overfits 64 digits in 30 Adam steps."""
note_hidden_tests()
### BEGIN HIDDEN TESTS
_digits = bundled_mnist()
_x = torch.tensor(_digits.x_train[:64], dtype=torch.float32).unsqueeze(1) / 255
_y = torch.tensor(_digits.y_train[:64])
torch.manual_seed(4)
_net = call(mnist_convnet)
_net.eval()
with torch.no_grad():
    _loss0 = F.cross_entropy(call(_net, _x, name="mnist_convnet().forward"), _y).item()
assert_true(abs(_loss0 - math.log(10)) < 0.5, f"a fresh mnist_convnet() gives a loss of {_loss0:.3f} on 64 digits; "
            f"expected about ln 10 = {math.log(10):.3f} (small random scores for 10 classes)")
_net.train()
_optimizer = torch.optim.Adam(_net.parameters(), lr=3e-3)
for _step in range(30):
    _optimizer.zero_grad()
    _loss = F.cross_entropy(_net(_x), _y)
    _loss.backward()
    _optimizer.step()
assert_true(_loss.item() < 0.3 * _loss0, f"mnist_convnet() did not overfit 64 digits: loss {_loss0:.3f} -> "
            f"{_loss.item():.3f} after 30 Adam steps")
### END HIDDEN TESTS

# %% [markdown]
# `summary` (from the `torchinfo` package) prints a Keras-like table: each layer, its output shape
# for the given input size, and its parameters.

# %%
print(summary(mnist_convnet(), input_size=(1, 1, 28, 28), col_names=("output_size", "num_params"), verbose=0))
print("trainable parameters:", count_parameters(mnist_convnet()))

# %% [markdown]
# **2c. A CNN with batch normalisation (3 points).** The second network of the course's documents
# normalises the output of every convolution with **batch normalisation** before its ReLU. `bn_convnet()`:
#
# | layer | output shape | trainable parameters |
# | --- | --- | ---: |
# | convolution 1 → 32, 3×3, padding 1 ("same"), batch norm, ReLU | (N, 32, 28, 28) | 320 + 64 |
# | 2×2 max pooling | (N, 32, 14, 14) | 0 |
# | convolution 32 → 32, 3×3, padding 1, batch norm, ReLU | (N, 32, 14, 14) | 9,248 + 64 |
# | 2×2 max pooling | (N, 32, 7, 7) | 0 |
# | convolution 32 → 32, 3×3, padding 1, batch norm, ReLU | (N, 32, 7, 7) | 9,248 + 64 |
# | flatten, dropout p = 0.5, linear 1568 → 10 | (N, 10) | 15,690 |
#
# 34,698 trainable parameters. Each batch norm layer (`nn.BatchNorm2d(32)`: it normalises each of
# the 32 channels over the batch and the image positions) learns a scale and a shift per channel
# (64 parameters) and keeps a running mean and variance per channel as **buffers**: 3 × 64 = 192
# numbers, the 192 "non-trainable params" of Keras' summary.

# %% tags=["solution"] id="bn_convnet"
def bn_convnet():
    """MNIST CNN with batch normalisation: (N, 1, 28, 28) images -> (N, 10) scores.

    [conv(3x3, 32, padding 1) batchnorm ReLU] maxpool(2) [same, 32 -> 32] maxpool(2) [same] flatten dropout(0.5)
    linear(32*7*7 -> 10)

    Returns:
    - a new nn.Module with 34,698 parameters and 192 running statistics (buffers)
    """
    ### BEGIN SOLUTION
    def block(c_in):
        return [nn.Conv2d(c_in, 32, kernel_size=3, padding=1), nn.BatchNorm2d(32), nn.ReLU()]

    return nn.Sequential(
        *block(1), nn.MaxPool2d(2),
        *block(32), nn.MaxPool2d(2),
        *block(32),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(32 * 7 * 7, 10),
    )
    ### END SOLUTION

# %% tags=["tests"] id="test_bn_convnet_architecture" points=1
"""bn_convnet() maps (N, 1, 28, 28) to (N, 10), has 34,698 parameters and 192 running statistics."""
torch.manual_seed(0)
_net = call(bn_convnet)
assert_type(_net, nn.Module, name="bn_convnet()")
assert_equal(sum(p.numel() for p in _net.parameters()), 34698, name="the number of parameters of bn_convnet()")
_running = sum(b.numel() for k, b in _net.state_dict().items() if k.endswith(("running_mean", "running_var")))
assert_equal(_running, 192, name="the number of running statistics (running_mean, running_var) of bn_convnet()")
_out = call(_net, torch.rand(3, 1, 28, 28), name="bn_convnet().forward")
assert_shape(_out, (3, 10), name="bn_convnet()(x) for x of shape (3, 1, 28, 28)")

# %% tags=["tests"] id="test_bn_convnet_forward" points=1
"""bn_convnet() computes conv-BN-ReLU blocks and pooling in order (known scores with fixed weights, eval mode)."""
_net = fixed_parameters(call(bn_convnet)).double().eval()
_x = (torch.arange(2 * 784, dtype=torch.float64).reshape(2, 1, 28, 28) * 37 % 256) / 255
with torch.no_grad():
    _out = call(_net, _x, name="bn_convnet().forward")
assert_hashed(_out, "c95a1a5764651dc9", name="bn_convnet's scores for two fixed images, weights and statistics fixed")
### BEGIN HIDDEN TESTS
torch.manual_seed(5)
_net = call(bn_convnet)
with torch.no_grad():
    _net.train()
    call(_net, torch.rand(16, 1, 28, 28), name="bn_convnet().forward")  # updates the running statistics
_net.eval()
_state = _net.state_dict()
_convs = [(_state[k], _state[k[:-len("weight")] + "bias"]) for k in _state if k.endswith("weight") and _state[k].dim() == 4]
_norms = [tuple(_state[k[:-len("running_mean")] + s] for s in ("running_mean", "running_var", "weight", "bias"))
          for k in _state if k.endswith("running_mean")]
_linears = [(_state[k], _state[k[:-len("weight")] + "bias"]) for k in _state if k.endswith("weight") and _state[k].dim() == 2]
assert_equal(len(_convs), 3, name="the number of convolutions of bn_convnet()")
assert_equal(len(_norms), 3, name="the number of batch normalisation layers of bn_convnet()")
assert_equal(len(_linears), 1, name="the number of linear layers of bn_convnet()")
for _n in (1, 6):
    _h = torch.rand(_n, 1, 28, 28)
    _x = _h
    for _block in range(3):
        _h = F.relu(F.batch_norm(F.conv2d(_h, *_convs[_block], padding=1), *_norms[_block], training=False))
        if _block < 2:
            _h = F.max_pool2d(_h, 2)
    _expected = F.linear(_h.flatten(1), *_linears[0])
    with torch.no_grad():
        _out = call(_net, _x, name="bn_convnet().forward")
    assert_close(_out, _expected, name=f"bn_convnet() in eval mode for x of shape ({_n}, 1, 28, 28), after one "
                 "training-mode batch", rtol=1e-4, atol=1e-4)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_bn_convnet_trains" points=1
"""A fresh bn_convnet() starts near loss ln 10 and overfits 64 digits in 15 Adam steps."""
note_hidden_tests()
### BEGIN HIDDEN TESTS
_digits = bundled_mnist()
_x = torch.tensor(_digits.x_train[64:128], dtype=torch.float32).unsqueeze(1) / 255
_y = torch.tensor(_digits.y_train[64:128])
torch.manual_seed(6)
_net = call(bn_convnet)
_net.train()
_loss0 = F.cross_entropy(call(_net, _x, name="bn_convnet().forward"), _y).item()
assert_true(abs(_loss0 - math.log(10)) < 0.6, f"a fresh bn_convnet() gives a loss of {_loss0:.3f} on 64 digits; "
            f"expected about ln 10 = {math.log(10):.3f} (small random scores for 10 classes)")
_optimizer = torch.optim.Adam(_net.parameters(), lr=3e-3)
for _step in range(15):
    _optimizer.zero_grad()
    _loss = F.cross_entropy(_net(_x), _y)
    _loss.backward()
    _optimizer.step()
assert_true(_loss.item() < 0.3 * _loss0, f"bn_convnet() did not overfit 64 digits: loss {_loss0:.3f} -> "
            f"{_loss.item():.3f} after 15 Adam steps")
### END HIDDEN TESTS

# %%
print(summary(bn_convnet(), input_size=(1, 1, 28, 28), col_names=("output_size", "num_params"), verbose=0))
print("trainable parameters:", count_parameters(bn_convnet()),
      " running statistics:", sum(b.numel() for k, b in bn_convnet().named_buffers() if "running" in k))

# %% [markdown]
# ## 3. `fit` (5 points)
#
# Write Keras' `fit` for PyTorch. For each of the `epochs`:
#
# 1. **train**: the model in training mode (`model.train()`), one pass over `train_loader` with a
#    [tqdm](https://tqdm.github.io) progress bar (`for x, y in tqdm(train_loader, desc=..., leave=False):`);
#    for each batch: to `device`, `optimizer.zero_grad()`, forward, loss, `backward()`, `optimizer.step()`.
#    Like Keras, the epoch's `loss` and `accuracy` are measured on the fly, from the scores of these
#    forward passes: the mean loss over the epoch's examples (each batch's loss weighted by its size)
#    and the fraction of correct predictions;
# 2. **validate**: in evaluation mode (`model.eval()`) and under `torch.no_grad()`, the mean loss
#    (weighted the same way) and the accuracy over `val_loader`: `val_loss` and `val_accuracy`;
# 3. append the four numbers (Python floats) to the history, print them, and when `log_dir` is given,
#    log each to TensorBoard: `writer.add_scalar(key, value, epoch)` with the history's keys as tags
#    and the epoch number as step (one step per epoch, so that TensorBoard draws a curve), with one
#    `SummaryWriter(log_dir)` created before the first epoch and **closed** (`writer.close()`, which
#    writes everything to disk) after the last.

# %% tags=["solution"] id="fit"
def fit(model, train_loader, val_loader, epochs, optimizer, loss_fn, device=None, log_dir=None):
    """Train a classifier for some epochs, validating after each, like Keras' model.fit.

    Inputs:
    - model: an nn.Module mapping a batch x (B, ...) to scores (B, C)
    - train_loader, val_loader: iterables of batches (x, y), y int64 class indices (B,); B may vary
    - epochs: number of passes over train_loader
    - optimizer: a torch.optim optimizer over model's parameters
    - loss_fn: loss_fn(scores, y) is the mean loss over a batch
    - device: where to train; None means autograder.device()
    - log_dir: a folder for TensorBoard's event files, or None for no logging

    Returns:
    - history: dict with keys "loss", "accuracy", "val_loss", "val_accuracy", each a list of
      `epochs` floats (one per epoch)
    """
    ### BEGIN SOLUTION
    if device is None:
        device = autograder.device()
    model.to(device)
    writer = SummaryWriter(log_dir) if log_dir is not None else None
    history = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}
    for epoch in range(epochs):
        model.train()
        total_loss, correct, count = 0.0, 0, 0
        for x, y in tqdm(train_loader, desc=f"epoch {epoch + 1}/{epochs}", leave=False):
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad()  # gradients add up in .grad: clear the last batch's
            scores = model(x)
            loss = loss_fn(scores, y)
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(x)
            correct += (scores.argmax(dim=1) == y).sum().item()
            count += len(x)
        history["loss"].append(total_loss / count)
        history["accuracy"].append(correct / count)

        model.eval()
        total_loss, correct, count = 0.0, 0, 0
        with torch.no_grad():
            for x, y in val_loader:
                x, y = x.to(device), y.to(device)
                scores = model(x)
                total_loss += loss_fn(scores, y).item() * len(x)
                correct += (scores.argmax(dim=1) == y).sum().item()
                count += len(x)
        history["val_loss"].append(total_loss / count)
        history["val_accuracy"].append(correct / count)

        print(f"epoch {epoch + 1}/{epochs}: " + ", ".join(f"{key} {values[-1]:.4f}" for key, values in history.items()))
        if writer is not None:
            for key, values in history.items():
                writer.add_scalar(key, values[-1], epoch)
    if writer is not None:
        writer.close()
    return history
    ### END SOLUTION

# %% tags=["tests"] id="test_fit_history" points=1
"""fit returns one loss and accuracy per epoch; with lr 0 its training and validation figures agree."""
# A linear model on 10 points, 3 classes. With learning rate 0 nothing changes, so the loss and the
# accuracy measured while training (batches of 4, 4, 2) must equal those of validation on the same
# points (batches of 3, 3, 3, 1) in every epoch: both are means over the 10 examples.
torch.manual_seed(0)
_x, _y = torch.randn(10, 6), torch.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 2])
_net = nn.Linear(6, 3)
_train = DataLoader(TensorDataset(_x, _y), batch_size=4)
_val = DataLoader(TensorDataset(_x, _y), batch_size=3)
_history = call(fit, _net, _train, _val, 2, torch.optim.SGD(_net.parameters(), lr=0.0), nn.CrossEntropyLoss(),
                torch.device("cpu"))
assert_type(_history, dict, name="fit(...) (return the history dict)")
assert_equal(sorted(_history), ["accuracy", "loss", "val_accuracy", "val_loss"], name="the keys of fit's history")
for _key in _history:
    assert_equal(len(_history[_key]), 2, name=f"len(history[{_key!r}]) after 2 epochs")
assert_close(_history["loss"], _history["val_loss"], name="history['loss'] with lr 0 (it should equal "
             "history['val_loss']: weight each batch's loss by its size)", rtol=1e-5)
assert_close(_history["accuracy"], _history["val_accuracy"], name="history['accuracy'] with lr 0 (it should "
             "equal history['val_accuracy'])", rtol=1e-6)
# With a learning rate, the training loss goes down on these 10 points.
_history = call(fit, _net, _train, _val, 4, torch.optim.SGD(_net.parameters(), lr=0.5), nn.CrossEntropyLoss(),
                torch.device("cpu"))
assert_true(all(b < a for a, b in zip(_history["loss"], _history["loss"][1:])),
            f"history['loss'] does not decrease with SGD (lr 0.5) on 10 points: {_history['loss']}; does fit "
            "call optimizer.step()?")
# From fixed float64 weights and data, two epochs give a known history and known weights (through hashes).
_net = fixed_parameters(nn.Linear(6, 3)).double()
_x = (torch.arange(60, dtype=torch.float64).reshape(10, 6) * 7 % 13) / 13 - 0.5
_history = call(fit, _net, DataLoader(TensorDataset(_x, _y), batch_size=4), DataLoader(TensorDataset(_x, _y), batch_size=3),
                2, torch.optim.SGD(_net.parameters(), lr=0.5), nn.CrossEntropyLoss(), torch.device("cpu"))
assert_hashed([_history["loss"], _history["accuracy"]], "09d6563c3f62b3da", name="[history['loss'], "
              "history['accuracy']] for 2 epochs of SGD (lr 0.5) from fixed weights (from the training batches' scores)")
assert_hashed(_net.weight.detach(), "a1a4ee5bc9c4fb21", name="the weights after fit (one zero_grad, backward and step "
              "per batch?)")

# %% tags=["tests"] id="test_fit_validation_mode" points=1
"""fit validates in evaluation mode and without gradients: with dropout and lr 0, every epoch validates alike."""
class _ModeSpy(nn.Module):
    """Passes its input on and records (training mode?, gradients enabled?) at every call."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def forward(self, x):
        self.calls.append((self.training, torch.is_grad_enabled()))
        return x


torch.manual_seed(1)
_spy = _ModeSpy()
_net = nn.Sequential(_spy, nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 3))
_x, _y = torch.randn(40, 6), torch.randint(0, 3, (40,))
_history = call(fit, _net, DataLoader(TensorDataset(_x, _y), batch_size=8), DataLoader(TensorDataset(_x, _y), batch_size=8),
                3, torch.optim.SGD(_net.parameters(), lr=0.0), nn.CrossEntropyLoss(), torch.device("cpu"))
_evaluation_calls = [grad for training, grad in _spy.calls if not training]
assert_true(_evaluation_calls, "fit never ran the model in evaluation mode: call model.eval() before validating")
assert_true(not any(_evaluation_calls), "fit validates with gradients enabled: wrap validation in torch.no_grad()")
assert_true(all(grad for training, grad in _spy.calls if training), "fit trains with gradients disabled")
assert_close(_history["val_loss"], [_history["val_loss"][0]] * 3, name="history['val_loss'] with lr 0 and dropout "
             "(the same in every epoch, as dropout is off in evaluation mode)", rtol=1e-6)
assert_close(_history["val_accuracy"], [_history["val_accuracy"][0]] * 3, name="history['val_accuracy'] with lr 0 "
             "and dropout")

# %% tags=["tests"] id="test_fit_tensorboard" points=1
"""fit logs the four history values to TensorBoard, one step per epoch (read back from the event files)."""
torch.manual_seed(2)
_net = nn.Linear(6, 3)
_loader = DataLoader(TensorDataset(torch.randn(12, 6), torch.randint(0, 3, (12,))), batch_size=5)
_log_dir = tempfile.mkdtemp(prefix="fit_test_")
try:
    _history = call(fit, _net, _loader, _loader, 3, torch.optim.SGD(_net.parameters(), lr=0.1), nn.CrossEntropyLoss(),
                    torch.device("cpu"), _log_dir)
    _events = EventAccumulator(_log_dir)
    _events.Reload()
    _tags = _events.Tags()["scalars"]
finally:
    shutil.rmtree(_log_dir, ignore_errors=True)
assert_equal(sorted(_tags), ["accuracy", "loss", "val_accuracy", "val_loss"],
             name="the scalar tags in the TensorBoard event files (did fit close its SummaryWriter?)")
for _tag in _tags:
    _scalars = _events.Scalars(_tag)
    _steps = [e.step for e in _scalars]
    assert_equal(len(_steps), 3, name=f"the number of values logged under {_tag!r} in 3 epochs")
    assert_true(all(b > a for a, b in zip(_steps, _steps[1:])), f"the values of {_tag!r} were logged at steps "
                f"{_steps}: use the epoch number as the step, one step per epoch")
    assert_close([e.value for e in _scalars], _history[_tag], name=f"the values logged under {_tag!r}", rtol=1e-5)

# %% tags=["tests"] id="test_fit_reference" points=2
"""fit matches a reference training loop (history and parameters) for several models and optimisers."""
note_hidden_tests()
### BEGIN HIDDEN TESTS
def _reference_fit(model, train_loader, val_loader, epochs, optimizer, loss_fn):
    history = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}
    for epoch in range(epochs):
        model.train()
        total, correct, count = 0.0, 0, 0
        for x, y in train_loader:
            optimizer.zero_grad()
            scores = model(x)
            loss = loss_fn(scores, y)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(x)
            correct += (scores.argmax(1) == y).sum().item()
            count += len(x)
        history["loss"].append(total / count)
        history["accuracy"].append(correct / count)
        model.eval()
        with torch.no_grad():
            x = torch.cat([x for x, _ in val_loader])
            y = torch.cat([y for _, y in val_loader])
            scores = model(x)
            history["val_loss"].append(F.cross_entropy(scores, y).item())
            history["val_accuracy"].append((scores.argmax(1) == y).float().mean().item())
    return history


_cases = ((lambda: nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 4)), lambda p: torch.optim.SGD(p, lr=0.2, momentum=0.9),
           23, 5, 7),
          (lambda: nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 4)), lambda p: torch.optim.Adam(p, lr=0.02), 17, 8, 4),
          (lambda: nn.Linear(6, 4), lambda p: torch.optim.SGD(p, lr=0.5), 9, 9, 2))
for _case, (_make_net, _make_optimizer, _n, _batch, _val_batch) in enumerate(_cases):
    torch.manual_seed(30 + _case)
    _x, _y = torch.randn(_n, 6), torch.randint(0, 4, (_n,))
    _xv, _yv = torch.randn(11, 6), torch.randint(0, 4, (11,))
    _reference_net = _make_net()
    _net = copy.deepcopy(_reference_net)
    _train = DataLoader(TensorDataset(_x, _y), batch_size=_batch)
    _val = DataLoader(TensorDataset(_xv, _yv), batch_size=_val_batch)
    _expected = _reference_fit(_reference_net, _train, _val, 3, _make_optimizer(_reference_net.parameters()),
                               nn.CrossEntropyLoss())
    _device = None if _case == 1 else torch.device("cpu")
    _optimizer = _make_optimizer(_net.parameters())
    _history = call(fit, _net, _train, _val, 3, _optimizer, nn.CrossEntropyLoss(), _device)
    _what = f"{_n} examples in batches of {_batch}, validation batches of {_val_batch}, {type(_optimizer).__name__}"
    for _key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert_close(_history[_key], _expected[_key], name=f"history[{_key!r}] ({_what})", rtol=1e-4, atol=1e-6)
    for (_name, _p), _q in zip(_net.named_parameters(), _reference_net.parameters()):
        assert_close(_p.detach(), _q.detach(), name=f"parameter {_name} after fit ({_what})", rtol=1e-4, atol=1e-6)
### END HIDDEN TESTS

# %% [markdown]
# ### Training the tutorial's CNN
#
# As in the tutorial: Adam, the cross-entropy loss, batches of 128, 15 epochs (while grading, one
# epoch on a small subset). On a CPU an epoch of the 7,200 bundled training images takes a few
# seconds, of full MNIST (7.5 times as many) under a minute; on Colab's GPU a few seconds.

# %%
device = autograder.device()
torch.manual_seed(0)
model = mnist_convnet()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
epochs = 1 if autograder.grading() else 15
history = fit(model, train_loader, val_loader, epochs, optimizer, nn.CrossEntropyLoss(), device,
              log_dir=None if autograder.grading() else "runs/mnist_convnet")

# %% [markdown]
# **TensorBoard.** `fit` wrote the curves to `runs/mnist_convnet`. In Colab or JupyterLab, run these
# two lines in a new cell to open TensorBoard inside the notebook (it shows every run under `runs/`,
# and refreshes while a model trains):
#
# ```
# %load_ext tensorboard
# %tensorboard --logdir runs
# ```
#
# The same curves with matplotlib, from the history:

# %%
def plot_history(history, title):
    """Accuracy and loss per epoch, training and validation, side by side."""
    epochs_axis = range(1, len(history["loss"]) + 1)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    for ax, key in zip(axes, ("accuracy", "loss")):
        ax.plot(epochs_axis, history[key], marker=".", label="training")
        ax.plot(epochs_axis, history[f"val_{key}"], marker=".", label="validation")
        ax.set(xlabel="epoch", ylabel=key, title=f"{title}: {key}")
        ax.legend()
    plt.show()


plot_history(history, "mnist_convnet")


def test_accuracy(model, loader):
    """Accuracy on a loader, in evaluation mode and without gradients."""
    model.eval()
    correct = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x.to(device)).argmax(dim=1).cpu() == y).sum().item()
    return correct / len(loader.dataset)


print(f"test accuracy of mnist_convnet: {test_accuracy(model, test_loader):.2%}")

# %% [markdown]
# Test image number 47 and the network's prediction (with the probabilities of the softmax):

# %%
model.eval()
with torch.no_grad():
    probabilities = torch.softmax(model(x_test[47:48].to(device)), dim=1)[0].cpu()
fig, axes = plt.subplots(1, 2, figsize=(8, 3))
axes[0].imshow(x_test[47, 0], cmap="gray_r")
axes[0].set_title(f"test image 47: label {y_test[47].item()}, predicted {probabilities.argmax().item()}")
axes[0].axis("off")
axes[1].bar(range(10), probabilities.numpy())
axes[1].set(xticks=range(10), xlabel="digit", ylabel="probability", title="softmax of the scores")
plt.show()

# %% [markdown]
# ### Training the batch-normalised CNN
#
# Five epochs, as in the course's document (which reports 97.63 % on full MNIST). Batch normalisation
# usually makes the first epochs much better than without it.

# %%
torch.manual_seed(0)
bn_model = bn_convnet()
bn_history = fit(bn_model, train_loader, val_loader, 1 if autograder.grading() else 5,
                 torch.optim.Adam(bn_model.parameters(), lr=1e-3), nn.CrossEntropyLoss(), device,
                 log_dir=None if autograder.grading() else "runs/bn_convnet")
plot_history(bn_history, "bn_convnet")
print(f"test accuracy of bn_convnet: {test_accuracy(bn_model, test_loader):.2%}")

# %% [markdown]
# ## 4. Optimisers from scratch (5 points)
#
# An optimiser turns gradients into parameter updates. Write the two most used ones. Both work **in
# place** on lists of tensors (a model's parameters, which require gradients: update them under
# `torch.no_grad()` or through `.data`, with in-place operations such as `p -= ...`, `p.add_(...)`,
# `v.mul_(...)`), and are called once per step with the current gradients.
#
# **4a. SGD with momentum (2 points)**, as `torch.optim.SGD(params, lr, momentum)` computes it: each
# parameter $p$ has a velocity $v$ (zero at the start), and a step with gradient $g$ does
#
# $$v \leftarrow \mu\, v + g, \qquad p \leftarrow p - \eta\, v$$
#
# with learning rate $\eta$ and momentum $\mu$. The velocity is a running sum of past gradients: it
# speeds up along directions where the gradients agree and damps oscillations where they do not.
# With $\mu = 0$ it is plain SGD.

# %% tags=["solution"] id="sgd_momentum_step"
def sgd_momentum_step(params, grads, velocities, lr, momentum):
    """One step of SGD with momentum, in place.

    Inputs:
    - params: list of tensors (any shapes), updated in place
    - grads: list of tensors of the same shapes, the gradients of the loss at params
    - velocities: list of tensors of the same shapes (zeros before the first step), updated in place
    - lr: learning rate (float); momentum: the momentum mu (float, 0 <= mu < 1)
    """
    ### BEGIN SOLUTION
    with torch.no_grad():
        for p, g, v in zip(params, grads, velocities):
            v.mul_(momentum).add_(g)
            p.sub_(lr * v)
    ### END SOLUTION

# %% tags=["tests"] id="test_sgd_momentum_step_torch" points=1
"""sgd_momentum_step matches torch.optim.SGD(momentum=0.9) over 3 steps on two parameter tensors."""
torch.manual_seed(0)
_params = [torch.randn(3, requires_grad=True), torch.randn(2, 2, requires_grad=True)]
_reference = [p.detach().clone().requires_grad_(True) for p in _params]
_optimizer = torch.optim.SGD(_reference, lr=0.1, momentum=0.9)
_velocities = [torch.zeros_like(p) for p in _params]
for _step in range(3):
    _grads = [torch.randn_like(p) for p in _params]
    for _q, _g in zip(_reference, _grads):
        _q.grad = _g.clone()
    _optimizer.step()
    call(sgd_momentum_step, _params, _grads, _velocities, 0.1, 0.9)
    for _k, (_p, _q) in enumerate(zip(_params, _reference)):
        assert_close(_p.detach(), _q.detach(), name=f"params[{_k}] after step {_step + 1} (lr 0.1, momentum 0.9), "
                     "compared with torch.optim.SGD", rtol=1e-5, atol=1e-6)

# %% tags=["tests"] id="test_sgd_momentum_step_cases" points=1
"""sgd_momentum_step matches torch.optim.SGD for other learning rates and momenta, float64, over 6 steps."""
note_hidden_tests()
### BEGIN HIDDEN TESTS
for _case, (_lr, _momentum, _dtype) in enumerate(((0.05, 0.0, torch.float32), (0.3, 0.5, torch.float64),
                                                  (0.01, 0.99, torch.float64), (1.0, 0.9, torch.float32))):
    torch.manual_seed(40 + _case)
    _params = [torch.randn(5, 4, dtype=_dtype, requires_grad=True), torch.randn(7, dtype=_dtype, requires_grad=True),
               torch.randn(2, 3, 3, 3, dtype=_dtype, requires_grad=True)]
    _reference = [p.detach().clone().requires_grad_(True) for p in _params]
    _optimizer = torch.optim.SGD(_reference, lr=_lr, momentum=_momentum)
    _velocities = [torch.zeros_like(p) for p in _params]
    for _step in range(6):
        _grads = [torch.randn_like(p) for p in _params]
        for _q, _g in zip(_reference, _grads):
            _q.grad = _g.clone()
        _optimizer.step()
        call(sgd_momentum_step, _params, _grads, _velocities, _lr, _momentum)
    for _k, (_p, _q) in enumerate(zip(_params, _reference)):
        assert_close(_p.detach(), _q.detach(), name=f"params[{_k}] after 6 steps (lr {_lr}, momentum {_momentum}, "
                     f"{str(_dtype)[6:]})", rtol=1e-5, atol=1e-6)
### END HIDDEN TESTS

# %% [markdown]
# **4b. Adam (3 points)**, as `torch.optim.Adam(params, lr, betas, eps)` computes it. Each parameter
# keeps a running mean of its gradients $m$ and of their squares $v$ (both zero at the start). Step
# number $t = 1, 2, \dots$ with gradient $g$ does
#
# $$m \leftarrow \beta_1 m + (1 - \beta_1)\, g, \qquad v \leftarrow \beta_2 v + (1 - \beta_2)\, g^2,$$
# $$\hat m = \frac{m}{1 - \beta_1^t}, \qquad \hat v = \frac{v}{1 - \beta_2^t}, \qquad
#   p \leftarrow p - \eta\, \frac{\hat m}{\sqrt{\hat v} + \varepsilon}.$$
#
# The **bias correction** $\hat m, \hat v$ undoes the pull towards the zeros $m$ and $v$ start from:
# at $t = 1$, $\hat m = g$ and $\hat v = g^2$, so the first step moves each parameter by about $\eta$.
# `state` holds the lists `state["m"]` and `state["v"]` (tensors shaped like the parameters, zeros
# before the first step), updated in place; the caller counts the steps and passes $t$, starting at 1.

# %% tags=["solution"] id="adam_step"
def adam_step(params, grads, state, lr, betas, eps, t):
    """One step of Adam, in place.

    Inputs:
    - params: list of tensors (any shapes), updated in place
    - grads: list of tensors of the same shapes, the gradients of the loss at params
    - state: dict with "m" and "v", lists of tensors shaped like params (zeros before step 1), updated in place
    - lr: learning rate; betas: (beta1, beta2); eps: small constant added to sqrt(v_hat)
    - t: the number of this step, 1 for the first
    """
    ### BEGIN SOLUTION
    beta1, beta2 = betas
    with torch.no_grad():
        for p, g, m, v in zip(params, grads, state["m"], state["v"]):
            m.mul_(beta1).add_((1 - beta1) * g)
            v.mul_(beta2).add_((1 - beta2) * g * g)
            m_hat = m / (1 - beta1 ** t)
            v_hat = v / (1 - beta2 ** t)
            p.sub_(lr * m_hat / (v_hat.sqrt() + eps))
    ### END SOLUTION

# %% tags=["tests"] id="test_adam_step_torch" points=2
"""adam_step matches torch.optim.Adam over 3 steps on two parameter tensors (lr 0.01, eps 0.001)."""
torch.manual_seed(0)
_params = [torch.randn(3, requires_grad=True), torch.randn(2, 2, requires_grad=True)]
_reference = [p.detach().clone().requires_grad_(True) for p in _params]
_optimizer = torch.optim.Adam(_reference, lr=0.01, betas=(0.9, 0.999), eps=1e-3)
_state = {"m": [torch.zeros_like(p) for p in _params], "v": [torch.zeros_like(p) for p in _params]}
for _t in range(1, 4):
    _grads = [torch.randn_like(p) for p in _params]
    for _q, _g in zip(_reference, _grads):
        _q.grad = _g.clone()
    _optimizer.step()
    call(adam_step, _params, _grads, _state, 0.01, (0.9, 0.999), 1e-3, _t)
    for _k, (_p, _q) in enumerate(zip(_params, _reference)):
        assert_close(_p.detach(), _q.detach(), name=f"params[{_k}] after step t = {_t}, compared with torch.optim.Adam",
                     rtol=1e-5, atol=1e-6)

# %% tags=["tests"] id="test_adam_step_cases" points=1
"""adam_step matches torch.optim.Adam for other learning rates, betas and eps, float64, over 10 steps."""
note_hidden_tests()
### BEGIN HIDDEN TESTS
for _case, (_lr, _betas, _eps, _dtype, _scale) in enumerate(((1e-3, (0.9, 0.999), 1e-8, torch.float32, 1.0),
                                                             (0.1, (0.5, 0.9), 1e-3, torch.float64, 1.0),
                                                             (0.05, (0.0, 0.99), 1e-6, torch.float64, 1e-3),
                                                             (0.02, (0.95, 0.9999), 0.1, torch.float32, 10.0))):
    torch.manual_seed(50 + _case)
    _params = [torch.randn(5, 4, dtype=_dtype, requires_grad=True), torch.randn(7, dtype=_dtype, requires_grad=True),
               torch.randn(2, 3, 3, 3, dtype=_dtype, requires_grad=True)]
    _reference = [p.detach().clone().requires_grad_(True) for p in _params]
    _optimizer = torch.optim.Adam(_reference, lr=_lr, betas=_betas, eps=_eps)
    _state = {"m": [torch.zeros_like(p) for p in _params], "v": [torch.zeros_like(p) for p in _params]}
    for _t in range(1, 11):
        _grads = [_scale * torch.randn_like(p) for p in _params]
        for _q, _g in zip(_reference, _grads):
            _q.grad = _g.clone()
        _optimizer.step()
        call(adam_step, _params, _grads, _state, _lr, _betas, _eps, _t)
        for _k, (_p, _q) in enumerate(zip(_params, _reference)):
            assert_close(_p.detach(), _q.detach(), name=f"params[{_k}] after step t = {_t} (lr {_lr}, betas {_betas}, "
                         f"eps {_eps}, gradients of scale {_scale:g}, {str(_dtype)[6:]})", rtol=1e-5, atol=1e-6)
### END HIDDEN TESTS

# %% [markdown]
# ### Comparing the optimisers
#
# The same network, the same first weights and the same batches, trained for the same number of
# steps with your three update rules. Momentum and Adam both start much faster than plain SGD, which
# would need a larger learning rate or many more steps; which of the two is ahead depends on their
# learning rates (try a few).

# %%
def train_with(update, steps, seed=0):
    """Training losses of mnist_convnet over `steps` batches, updating with update(params, grads, t)."""
    torch.manual_seed(seed)
    net = mnist_convnet().to(device)
    params = list(net.parameters())
    batches = DataLoader(TensorDataset(x_train, y_train), batch_size=64, shuffle=True,
                         generator=torch.Generator().manual_seed(seed))
    losses, t = [], 0
    net.train()
    while t < steps:
        for x, y in batches:
            t += 1
            loss = F.cross_entropy(net(x.to(device)), y.to(device))
            grads = torch.autograd.grad(loss, params)
            update(params, grads, t)
            losses.append(loss.item())
            if t == steps:
                break
    return losses


def make_sgd(lr, momentum):
    velocities = None

    def update(params, grads, t):
        nonlocal velocities
        velocities = velocities or [torch.zeros_like(p) for p in params]
        sgd_momentum_step(params, grads, velocities, lr, momentum)
    return update


def make_adam(lr, betas=(0.9, 0.999), eps=1e-8):
    state = {}

    def update(params, grads, t):
        if not state:
            state.update(m=[torch.zeros_like(p) for p in params], v=[torch.zeros_like(p) for p in params])
        adam_step(params, grads, state, lr, betas, eps, t)
    return update


steps = 3 if autograder.grading() else 300
runs = {"SGD (lr 0.05)": make_sgd(0.05, 0.0), "SGD + momentum 0.9 (lr 0.05)": make_sgd(0.05, 0.9),
        "Adam (lr 0.001)": make_adam(1e-3)}
plt.figure(figsize=(7, 4))
for label, update in runs.items():
    losses = np.array(train_with(update, steps))
    smooth = np.convolve(losses, np.ones(10) / 10, mode="valid") if len(losses) >= 10 else losses
    plt.plot(np.arange(len(smooth)) + (len(losses) - len(smooth)) + 1, smooth, label=label)
plt.xlabel("step (batch of 64)")
plt.ylabel("training loss (mean of the last 10 steps)")
plt.title(f"mnist_convnet: {steps} steps with each optimiser")
plt.legend()
plt.show()

# %% [markdown]
# ## 5. Questions (5 points)
#
# **5a. Training and evaluation modes (2 points).** What do dropout and batch normalisation do
# differently in `model.train()` and in `model.eval()`? Why must `evaluate` (Part 1) and the
# validation in `fit` switch to evaluation mode, and what would go wrong if they did not?

# %% [markdown] tags=["manual"] id="train_eval_modes" points=2
# Dropout, in training mode, zeroes each activation with probability p (here 0.5) at random and scales
# the kept ones by 1/(1 − p), so that their expected value is unchanged; a different random subnetwork
# is trained at every step, which prevents units from relying on each other (a regulariser). In
# evaluation mode it does nothing: the full network is used, deterministically.
# Batch normalisation, in training mode, normalises each channel with the mean and variance of the
# current batch (over the batch and the image positions) and updates running averages of them (the
# buffers running_mean, running_var); in evaluation mode it normalises with these running averages,
# so an example's output no longer depends on the other examples of its batch. Both then apply the
# learned scale and shift.
# Evaluation must use evaluation mode: otherwise dropout makes the predictions random and worse (a
# different accuracy at every call, from a network with half its units missing), and batch norm uses
# the statistics of the evaluation batch (results depend on the batch size and composition, are wrong
# for a batch of 1) and, worse, overwrites the running statistics with those of the test data. The
# accuracy reported would not be the model's, and not reproducible. (torch.no_grad() is separate: it
# only stops recording operations for backpropagation, saving time and memory.)

# %% [markdown]
# **5b. Explain it as in an oral exam (3 points).** Explain the model and the training code of
# section 3 line by line, as you would to an examiner: how the data is loaded and prepared, what each
# layer of `mnist_convnet` does and why the output layer has 10 units without a softmax, what the batch
# size and the number of epochs mean, and which loss is minimised and why it suits this task.

# %% [markdown] tags=["manual"] id="oral_exam" points=3
# Data: load_mnist gives uint8 images (N, 28, 28) and labels; mnist_tensors scales the pixels to [0, 1]
# (small, similar input ranges make training stable) and adds the channel axis (N, 1, 28, 28) that
# Conv2d expects, labels as int64 class indices. The last 10 % of the training images are held out for
# validation; DataLoader serves shuffled batches of 128 (a new order every epoch).
# Model: Conv2d(1, 32, 3) slides 32 learned 3×3 filters over the image (26×26 maps, 320 parameters),
# ReLU adds the non-linearity, MaxPool2d(2) halves the resolution keeping the strongest response (13×13,
# some translation invariance); Conv2d(32, 64, 3) combines the 32 maps into 64 higher-level features
# (11×11, 18,496 parameters), ReLU, pooling to 5×5; Flatten turns the 64×5×5 maps into a 1,600 vector;
# Dropout(0.5) zeroes half of it at random during training against overfitting; Linear(1600, 10) gives
# one score per digit (16,010 parameters; 34,826 in all). The output layer has 10 units because there
# are 10 classes; it outputs raw scores (logits): CrossEntropyLoss applies log-softmax itself (Keras puts
# the softmax in the model and uses categorical cross-entropy, the same function).
# Training: batch size 128 = the number of images whose mean gradient makes one update (a trade-off
# between noise, speed and memory); an epoch is one pass over all training images (about 57 updates here,
# 422 on full MNIST), 15 epochs = 15 passes. Adam adapts a step size per parameter. The loss is the
# cross-entropy, −log of the probability the softmax gives to the true class, averaged over the batch:
# the negative log-likelihood of a categorical distribution, the right loss for one-of-10 classification
# (its gradient, softmax − one-hot, does not vanish when the model is confidently wrong, unlike the squared
# error). Each step: zero_grad, forward, loss, backward (gradients by backpropagation), optimizer.step().
# fit reports training loss/accuracy and, in eval mode without gradients, validation loss/accuracy after
# every epoch; the test set is used once at the end to estimate the accuracy on unseen digits.
