# %% [markdown]
# # Lab 5, Part 1 — A first CNN in PyTorch: the scikit-learn digits
#
# In Labs 3 and 4 you wrote layers, losses and convolutions yourself. From now on PyTorch does that
# work, and you write what every PyTorch project has: a **Dataset** that serves examples, **DataLoaders**
# that batch and shuffle them, a **model** (`nn.Module`), a **training loop** and an **evaluation loop**.
# This part does it on the 8×8 handwritten digits bundled with scikit-learn: small enough to train in
# seconds on a laptop's CPU.
#
# 1. A Dataset and its loaders (3 points)
# 2. A small CNN (3 points)
# 3. The training loop (4 points)
# 4. The evaluation loop (3 points)
# 5. Training, predictions and a question (2 points, graded by hand)
#
# **How this notebook works.** Write your code where it says `YOUR CODE HERE` (delete the
# `raise NotImplementedError()` line) and your answers where it says `YOUR ANSWER HERE`. The cells
# that start with a docstring are tests: run them to check your work. They show one worked example;
# when grading, more tests run on other inputs (other models, batch sizes and optimisers), so make your
# code general. Run the cells in order, from the top. Total: 15 points.
#
# **GPU.** In Colab, *Runtime → Change runtime type → GPU* makes training faster (this part trains in
# seconds on a CPU too). `autograder.device()` picks the GPU when there is one; every function below
# takes a `device` argument and moves the model and each batch there.

# %% tags=["readonly"] id="imports"
import copy
import math

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset, default_collate

import autograder
from autograder.checks import (assert_close, assert_dtype, assert_equal, assert_hashed, assert_shape, assert_true,
                               assert_type, call, fixed_parameters, note_hidden_tests)

if autograder.grading():
    torch.set_num_threads(1)  # several notebooks are graded at once: one thread each is fastest

# %% [markdown]
# ## The data
#
# 1,797 grey images of 8×8 pixels, each pixel a whole number of ink from 0 (white) to 16 (black),
# with the digit as label. We keep 500 images for training and the other 1,297 for testing.

# %% tags=["readonly"] id="data"
digits = load_digits()
X_train, X_test, y_train, y_test = train_test_split(digits.images, digits.target, train_size=500,
                                                    random_state=4803)
print(f"training images {X_train.shape} {X_train.dtype}, labels {y_train.shape} {y_train.dtype}")
print(f"test images {X_test.shape}, pixel values from {X_train.min():g} to {X_train.max():g}")

# %% [markdown]
# ## 1. A Dataset and its loaders (3 points)
#
# A `torch.utils.data.Dataset` is any object with `__len__` (the number of examples) and
# `__getitem__(i)` (example `i`). Write `Digits`, which serves the images as **float32 tensors of shape
# (1, 8, 8)** — one channel, the shape `nn.Conv2d` expects, pixel values unchanged — and the labels as
# **int64 (long) tensors**, the type `nn.CrossEntropyLoss` expects for class indices.

# %% tags=["solution"] id="Digits"
class Digits(Dataset):
    """The scikit-learn digits as a PyTorch Dataset.

    Construction: Digits(images, labels) with
    - images: array of shape (N, 8, 8) (pixel values, any float or int dtype)
    - labels: integer array of shape (N,), the digits 0..9

    len(dataset) is N, and dataset[i] is a pair (image, label):
    - image: float32 tensor of shape (1, 8, 8), the pixel values of images[i] unchanged
    - label: int64 tensor of shape () (a single number), labels[i]
    """

    def __init__(self, images, labels):
        ### BEGIN SOLUTION
        self.images = torch.as_tensor(np.asarray(images), dtype=torch.float32).unsqueeze(1)
        self.labels = torch.as_tensor(np.asarray(labels), dtype=torch.long)
        ### END SOLUTION

    def __len__(self):
        ### BEGIN SOLUTION
        return len(self.labels)
        ### END SOLUTION

    def __getitem__(self, index):
        ### BEGIN SOLUTION
        return self.images[index], self.labels[index]
        ### END SOLUTION

# %% tags=["tests"] id="test_Digits_example" points=1
"""Digits serves float32 images of shape (1, 8, 8) and int64 labels, on a dataset of two images."""
_images = (np.arange(128).reshape(2, 8, 8) % 17).astype(np.float64)
_labels = np.array([3, 7])
_dataset = call(Digits, _images, _labels)
assert_equal(call(len, _dataset, name="len(Digits(...))"), 2, name="len(Digits(images, labels)) for 2 images")
_image, _label = call(_dataset.__getitem__, 1, name="Digits.__getitem__")
assert_type(_image, torch.Tensor, name="the image of dataset[1]")
assert_shape(_image, (1, 8, 8), name="the image of dataset[1] (one channel first, as Conv2d expects)")
assert_dtype(_image, torch.float32, name="the image of dataset[1] (the dtype of the model's weights)")
assert_close(_image[0], _images[1], name="the image of dataset[1] (the pixel values, unchanged)")
_batched = default_collate([_label])  # what a DataLoader makes of the label
assert_dtype(_batched, torch.int64, name="the label of dataset[1] (class indices for cross-entropy are int64)")
assert_equal(_batched, [7], name="the label of dataset[1]")

# %% tags=["tests"] id="test_Digits_loader" points=1
"""A DataLoader over Digits gives batches (B, 1, 8, 8) float32 and (B,) int64 in order, the last one smaller."""
note_hidden_tests()
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(1)
for _n, _batch, _dtype in ((23, 5, np.float64), (7, 7, np.float32), (10, 4, np.int64)):
    _images = _rng.integers(0, 17, size=(_n, 8, 8)).astype(_dtype)
    _labels = _rng.integers(0, 10, size=_n).astype(np.int32 if _n == 7 else np.int64)
    _dataset = call(Digits, _images, _labels)
    assert_equal(call(len, _dataset, name="len(Digits(...))"), _n, name=f"len(Digits(images, labels)) for {_n} images")
    _seen = 0
    for _x, _y in DataLoader(_dataset, batch_size=_batch):
        _size = min(_batch, _n - _seen)
        assert_shape(_x, (_size, 1, 8, 8), name=f"a batch of images from DataLoader(Digits(...), batch_size={_batch})")
        assert_dtype(_x, torch.float32, name="a batch of images")
        assert_shape(_y, (_size,), name=f"a batch of labels from DataLoader(Digits(...), batch_size={_batch})")
        assert_dtype(_y, torch.int64, name="a batch of labels")
        assert_close(_x[:, 0], _images[_seen:_seen + _size], name=f"images {_seen}..{_seen + _size - 1} "
                     f"of a {np.dtype(_dtype).name} dataset of {_n}")
        assert_equal(_y, _labels[_seen:_seen + _size], name=f"labels {_seen}..{_seen + _size - 1}")
        _seen += _size
    assert_equal(_seen, _n, name=f"examples served by a DataLoader over Digits of {_n} images")
### END HIDDEN TESTS

# %% [markdown]
# Now the loaders: `train_loader` serves the 500 training images in **shuffled** batches of 100 (a
# new order every epoch), `test_loader` serves the test images **one at a time, in order** (as in the
# original exercise; the accuracy does not depend on the batch size).

# %% tags=["solution"] id="loaders"
### BEGIN SOLUTION
train_loader = DataLoader(Digits(X_train, y_train), batch_size=100, shuffle=True)
test_loader = DataLoader(Digits(X_test, y_test), batch_size=1)
### END SOLUTION

# %% tags=["tests"] id="test_loaders_settings" points=1
"""train_loader shuffles batches of 100 Digits; test_loader serves Digits one by one, in order."""
assert_equal(type(train_loader.dataset).__name__, "Digits", name="the type of train_loader.dataset")
assert_equal(train_loader.batch_size, 100, name="train_loader.batch_size")
assert_equal(type(train_loader.sampler).__name__, "RandomSampler",
             name="the sampler of train_loader (shuffle=True gives a RandomSampler)")
assert_true(not train_loader.drop_last, "train_loader drops its last batch: keep drop_last=False")
assert_equal(type(test_loader.dataset).__name__, "Digits", name="the type of test_loader.dataset")
assert_equal(test_loader.batch_size, 1, name="test_loader.batch_size")
assert_equal(type(test_loader.sampler).__name__, "SequentialSampler",
             name="the sampler of test_loader (no shuffling: a SequentialSampler)")

# %% [markdown]
# ## 2. A small CNN (3 points)
#
# `MySimpleCNN` maps a batch of images (N, 1, 8, 8) to 10 scores per image (N, 10), one per digit
# (the *logits*: no softmax, `nn.CrossEntropyLoss` applies it):
#
# | layer | output shape | parameters |
# | --- | --- | ---: |
# | convolution 1 → 16 channels, 3×3, padding 1, then ReLU | (N, 16, 8, 8) | 16·(1·3·3) + 16 = 160 |
# | convolution 16 → 32 channels, 3×3, padding 1, then ReLU | (N, 32, 8, 8) | 32·(16·3·3) + 32 = 4,640 |
# | 2×2 max pooling | (N, 32, 4, 4) | 0 |
# | flatten, then linear 32·4·4 = 512 → 10 | (N, 10) | 512·10 + 10 = 5,130 |
#
# 9,930 parameters in all. Define the layers in `__init__` and use them in `forward`. To flatten,
# `torch.flatten(x, 1)` or `x.view(len(x), -1)` keep the batch axis.

# %% tags=["solution"] id="MySimpleCNN"
class MySimpleCNN(nn.Module):
    """conv(1->16, 3x3, pad 1) - ReLU - conv(16->32, 3x3, pad 1) - ReLU - maxpool 2x2 - linear(512->10).

    forward(x): x float tensor (N, 1, 8, 8) -> scores (logits) (N, 10)
    """

    def __init__(self):
        super().__init__()
        ### BEGIN SOLUTION
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(32 * 4 * 4, 10)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        x = F.relu(self.conv1(x))
        x = self.pool(F.relu(self.conv2(x)))
        return self.fc(torch.flatten(x, 1))
        ### END SOLUTION

# %% tags=["tests"] id="test_MySimpleCNN_shapes" points=1
"""MySimpleCNN maps (N, 1, 8, 8) to (N, 10) and has 9,930 parameters."""
torch.manual_seed(0)
_net = call(MySimpleCNN)
assert_type(_net, nn.Module, name="MySimpleCNN()")
assert_equal(sum(p.numel() for p in _net.parameters()), 9930, name="the number of parameters of MySimpleCNN()")
for _n in (5, 1):
    _out = call(_net, torch.zeros(_n, 1, 8, 8), name="MySimpleCNN.forward")
    assert_type(_out, torch.Tensor, name=f"MySimpleCNN()(x) for x of shape ({_n}, 1, 8, 8)")
    assert_shape(_out, (_n, 10), name=f"MySimpleCNN()(x) for x of shape ({_n}, 1, 8, 8)")

# %% tags=["tests"] id="test_MySimpleCNN_forward" points=1
"""MySimpleCNN computes conv-ReLU-conv-ReLU-maxpool-flatten-linear (known scores with fixed weights)."""
# fixed_parameters gives every weight a value fixed by its shape, whatever the layers are called: a
# correct MySimpleCNN then gives known scores (compared through a hash, so the check shows no answer).
_net = fixed_parameters(call(MySimpleCNN)).double()
_x = (torch.arange(128, dtype=torch.float64).reshape(2, 1, 8, 8) % 17) / 16
with torch.no_grad():
    _out = call(_net, _x, name="MySimpleCNN.forward")
assert_shape(_out, (2, 10), name="MySimpleCNN()(x) for x of shape (2, 1, 8, 8)")
assert_hashed(_out, "deab12fcc60ee92a", name="MySimpleCNN's scores for two fixed images, weights fixed by their shapes")
### BEGIN HIDDEN TESTS
torch.manual_seed(1)
_net = call(MySimpleCNN)
_weights = {tuple(p.shape): p.detach() for p in _net.parameters()}
for _shape, _what in (((16, 1, 3, 3), "the first convolution's weight"), ((16,), "the first convolution's bias"),
                      ((32, 16, 3, 3), "the second convolution's weight"), ((32,), "the second convolution's bias"),
                      ((10, 512), "the linear layer's weight"), ((10,), "the linear layer's bias")):
    assert_true(_shape in _weights, f"MySimpleCNN has no parameter of shape {_shape} ({_what})")
for _n in (1, 6):
    _x = 16 * torch.rand(_n, 1, 8, 8)
    _h = F.relu(F.conv2d(_x, _weights[(16, 1, 3, 3)], _weights[(16,)], padding=1))
    _h = F.max_pool2d(F.relu(F.conv2d(_h, _weights[(32, 16, 3, 3)], _weights[(32,)], padding=1)), 2)
    _expected = F.linear(_h.flatten(1), _weights[(10, 512)], _weights[(10,)])
    with torch.no_grad():
        _out = call(_net, _x, name="MySimpleCNN.forward")
    assert_close(_out, _expected, name=f"MySimpleCNN()(x) for x of shape ({_n}, 1, 8, 8)", rtol=1e-4, atol=1e-4)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_MySimpleCNN_trains" points=1
"""A fresh MySimpleCNN starts near loss ln 10 and can overfit 64 digits in 30 Adam steps."""
note_hidden_tests()
### BEGIN HIDDEN TESTS
_digits = load_digits()
_x = torch.tensor(_digits.images[:64] / 16, dtype=torch.float32).unsqueeze(1)
_y = torch.tensor(_digits.target[:64])
torch.manual_seed(2)
_net = call(MySimpleCNN)
_loss0 = F.cross_entropy(call(_net, _x, name="MySimpleCNN.forward"), _y).item()
assert_true(abs(_loss0 - math.log(10)) < 0.5, f"a fresh MySimpleCNN gives a loss of {_loss0:.3f} on 64 digits "
            f"scaled to [0, 1]; expected about ln 10 = {math.log(10):.3f} (small random scores for 10 classes)")
_optimizer = torch.optim.Adam(_net.parameters(), lr=1e-2)
for _step in range(30):
    _optimizer.zero_grad()
    _loss = F.cross_entropy(_net(_x), _y)
    _loss.backward()
    _optimizer.step()
assert_true(_loss.item() < 0.3 * _loss0, f"MySimpleCNN did not overfit 64 digits: loss {_loss0:.3f} -> "
            f"{_loss.item():.3f} after 30 Adam steps (lr 0.01); do all the layers take part in forward?")
### END HIDDEN TESTS

# %% [markdown]
# ## 3. The training loop (4 points)
#
# `train_epoch` trains a network for one epoch, one pass over a loader. The network goes into
# **training mode** (`net.train()`: dropout and batch normalisation, which you meet in Part 2, behave
# differently while training) and onto `device`, and then for each batch `(x, y)`:
#
# 1. move `x` and `y` to `device`;
# 2. `optimizer.zero_grad()`: PyTorch **adds** new gradients to the old ones in `.grad`, so clear them;
# 3. forward: `loss = loss_fn(net(x), y)`;
# 4. backward: `loss.backward()` fills every parameter's `.grad`;
# 5. `optimizer.step()` updates the parameters.
#
# It returns the **mean loss over the epoch's examples**. `loss_fn` returns the mean over a batch, so
# weight each batch's loss by its number of examples: the last batch may be smaller (500 images in
# batches of 100 divide evenly, but 1,000 in batches of 128 leave a last batch of 104). Use
# `loss.item()` to get a Python number out of the loss.

# %% tags=["solution"] id="train_epoch"
def train_epoch(net, loader, loss_fn, optimizer, device=None):
    """Train net for one epoch over loader.

    Inputs:
    - net: an nn.Module mapping a batch x to predictions
    - loader: an iterable of batches (x, y), e.g. a DataLoader; x (B, ...) and y (B, ...), B may vary
    - loss_fn: loss_fn(predictions, y) is the mean loss over the batch (a 0-dim tensor)
    - optimizer: a torch.optim optimizer over net's parameters
    - device: where to train (a torch.device or "cpu"/"cuda"); None means autograder.device()

    Returns:
    - the mean loss over all the examples of the epoch, a float: each batch's loss weighted by B
    """
    ### BEGIN SOLUTION
    if device is None:
        device = autograder.device()
    net.to(device)
    net.train()
    total, count = 0.0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()  # gradients add up in .grad: clear the last batch's
        loss = loss_fn(net(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(x)
        count += len(x)
    return total / count
    ### END SOLUTION

# %% tags=["tests"] id="test_train_epoch_example" points=2
"""train_epoch on a worked example: one weight w, batches of 2, 2 and 1, plain SGD; and training mode."""
# The model is w * x with w = 0, every x = 1 and every target 2; the loss is the mean squared error,
# (w - 2)^2, whose gradient is 2 (w - 2); SGD with lr 0.25 adds 0.5 (2 - w) to w. Batch by batch:
#   batch 1 (2 examples): loss 4,    w 0 -> 1
#   batch 2 (2 examples): loss 1,    w 1 -> 1.5
#   batch 3 (1 example):  loss 0.25, w 1.5 -> 1.75
# Mean loss over the 5 examples: (2 * 4 + 2 * 1 + 1 * 0.25) / 5 = 2.05.
_net = nn.Linear(1, 1, bias=False)
with torch.no_grad():
    _net.weight.fill_(0.0)
_loader = DataLoader(TensorDataset(torch.ones(5, 1), torch.full((5, 1), 2.0)), batch_size=2)
_optimizer = torch.optim.SGD(_net.parameters(), lr=0.25)
_loss = call(train_epoch, _net, _loader, nn.MSELoss(), _optimizer, torch.device("cpu"))
assert_close(_net.weight.detach(), [[1.75]], name="w after train_epoch (clear the gradients before each "
             "backward, and step after it)", atol=1e-6)
assert_true(_loss is not None, "train_epoch returned None: return the mean loss of the epoch")
assert_close(_loss, 2.05, name="train_epoch's mean loss (each batch's loss weighted by its size)", rtol=1e-5)
# A network with dropout, left in evaluation mode: train_epoch must switch it to training mode.
_net = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.5), nn.Linear(3, 2))
_net.eval()
_loader = DataLoader(TensorDataset(torch.randn(6, 3), torch.tensor([0, 1, 0, 1, 1, 0])), batch_size=4)
call(train_epoch, _net, _loader, nn.CrossEntropyLoss(), torch.optim.SGD(_net.parameters(), lr=0.1),
     torch.device("cpu"))
assert_true(_net.training, "after train_epoch the network is still in evaluation mode: call net.train() first")

# %% tags=["tests"] id="test_train_epoch_reference" points=2
"""train_epoch matches a reference loop for several networks, optimisers and batch sizes."""
note_hidden_tests()
### BEGIN HIDDEN TESTS
def _reference_train_epoch(net, loader, loss_fn, optimizer):
    net.train()
    total, count = 0.0, 0
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(x)
        count += len(x)
    return total / count


def _small_cnn():
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64, 10))


_cases = ((_small_cnn, lambda p: torch.optim.SGD(p, lr=0.05), 23, 5, None),
          (_small_cnn, lambda p: torch.optim.Adam(p, lr=1e-2), 17, 8, None),
          (lambda: nn.Sequential(nn.Flatten(), nn.Linear(64, 10)), lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
           10, 3, torch.device("cpu")),
          (_small_cnn, lambda p: torch.optim.SGD(p, lr=0.05), 4, 1, torch.device("cpu")))
for _case, (_make_net, _make_optimizer, _n, _batch, _device) in enumerate(_cases):
    torch.manual_seed(10 + _case)
    _x, _y = torch.rand(_n, 1, 8, 8), torch.randint(0, 10, (_n,))
    _reference_net = _make_net()
    _net = copy.deepcopy(_reference_net)
    _loader = DataLoader(TensorDataset(_x, _y), batch_size=_batch)
    _reference_optimizer = _make_optimizer(_reference_net.parameters())
    _expected = [_reference_train_epoch(_reference_net, _loader, nn.CrossEntropyLoss(), _reference_optimizer)
                 for _epoch in range(2)]
    _optimizer = _make_optimizer(_net.parameters())
    _what = f"{_n} examples in batches of {_batch}, {type(_optimizer).__name__}"
    for _epoch in range(2):  # two epochs with the same optimizer: its state (momentum, Adam) carries over
        _loss = call(train_epoch, _net, _loader, nn.CrossEntropyLoss(), _optimizer, _device)
        assert_close(_loss, _expected[_epoch], name=f"train_epoch's mean loss in epoch {_epoch + 1} ({_what})",
                     rtol=1e-4, atol=1e-6)
    for (_name, _p), _q in zip(_net.named_parameters(), _reference_net.parameters()):
        assert_close(_p.detach(), _q.detach(), name=f"parameter {_name} after two epochs ({_what})",
                     rtol=1e-4, atol=1e-6)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. The evaluation loop (3 points)
#
# `evaluate` returns the **accuracy** of a network on a loader: the fraction of all its examples whose
# highest score is the true class. Two things make evaluation differ from training:
#
# * **evaluation mode**, `net.eval()`: layers such as dropout act differently during training (it
#   zeroes random activations) and must be deterministic for evaluation;
# * **no gradients**, `with torch.no_grad():` — nothing will call `backward`, so PyTorch need not
#   record the operations: faster, and much less memory.
#
# Count the correct predictions over all batches, and divide by the number of examples at the end.

# %% tags=["solution"] id="evaluate"
def evaluate(net, loader, device=None):
    """Accuracy of net on the examples of loader, in evaluation mode and without gradients.

    Inputs:
    - net: an nn.Module mapping a batch x (B, ...) to scores (B, C)
    - loader: an iterable of batches (x, y) with y int64 class indices (B,); B may vary
    - device: where to run (a torch.device or "cpu"/"cuda"); None means autograder.device()

    Returns:
    - the fraction of examples whose highest score is their class, a float in [0, 1]
    """
    ### BEGIN SOLUTION
    if device is None:
        device = autograder.device()
    net.to(device)
    net.eval()
    correct, count = 0, 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            correct += (net(x).argmax(dim=1) == y).sum().item()
            count += len(y)
    return correct / count
    ### END SOLUTION

# %% tags=["tests"] id="test_evaluate_example" points=1
"""evaluate on a worked example: 7 points and a fixed linear layer; 4 of 7 predictions are right."""
# The scores are (x0, x1, -x0 - x1); the predicted classes are 0, 1, 2, 0, 1, 2, 1.
_net = nn.Linear(2, 3, bias=False)
with torch.no_grad():
    _net.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]))
_x = torch.tensor([[2.0, 0.0], [0.0, 2.0], [-1.0, -1.0], [3.0, 1.0], [1.0, 3.0], [-2.0, -1.0], [0.0, 1.0]])
_y = torch.tensor([0, 1, 1, 0, 2, 2, 0])
_accuracy = call(evaluate, _net, DataLoader(TensorDataset(_x, _y), batch_size=3), torch.device("cpu"))
assert_true(_accuracy is not None, "evaluate returned None: return the accuracy")
assert_close(_accuracy, 4 / 7, name="evaluate(net, loader) on 7 examples in batches of 3, 3 and 1 (correct "
             "predictions 2, 2 and 0)", rtol=1e-6)

# %% tags=["tests"] id="test_evaluate_modes" points=1
"""evaluate runs in evaluation mode (dropout off: the same accuracy twice) and without gradients."""
class _GradSpy(nn.Module):
    """Passes its input on and records whether gradients were being recorded."""

    def __init__(self):
        super().__init__()
        self.grad_enabled = []

    def forward(self, x):
        self.grad_enabled.append(torch.is_grad_enabled())
        return x


# Inputs 10 * one_hot(label): the identity layer scores the true class 10, the others 0. In evaluation
# mode every prediction is right; in training mode dropout zeroes about half the true scores.
_labels = torch.arange(100) % 10
_spy = _GradSpy()
_identity = nn.Linear(10, 10, bias=False)
with torch.no_grad():
    _identity.weight.copy_(torch.eye(10))
_net = nn.Sequential(_spy, _identity, nn.Dropout(0.5))
_loader = DataLoader(TensorDataset(10 * F.one_hot(_labels, 10).float(), _labels), batch_size=16)
torch.manual_seed(0)
_first = call(evaluate, _net, _loader, torch.device("cpu"))
_second = call(evaluate, _net, _loader, torch.device("cpu"))
assert_close(_first, 1.0, name="evaluate(net, loader) for a net with dropout that is always right in "
             "evaluation mode (call net.eval())")
assert_close(_second, 1.0, name="evaluate(net, loader) called a second time")
assert_true(len(_spy.grad_enabled) > 0, "evaluate never called the network")
assert_true(not any(_spy.grad_enabled), f"evaluate ran {sum(_spy.grad_enabled)} of its {len(_spy.grad_enabled)} "
            "forward passes with gradients enabled: wrap the loop in `with torch.no_grad():`")

# %% tags=["tests"] id="test_evaluate_reference" points=1
"""evaluate matches the accuracy computed on the whole data for random networks and batch sizes."""
note_hidden_tests()
### BEGIN HIDDEN TESTS
for _case, (_n, _batch) in enumerate(((50, 8), (13, 13), (9, 1), (31, 10))):
    torch.manual_seed(20 + _case)
    _net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Dropout(0.3), nn.Linear(256, 10))
    _x, _y = torch.randn(_n, 1, 8, 8), torch.randint(0, 10, (_n,))
    _net.eval()
    with torch.no_grad():
        _expected = (_net(_x).argmax(dim=1) == _y).float().mean().item()
    _net.train()  # evaluate must switch to evaluation mode itself
    _device = None if _case == 0 else torch.device("cpu")
    _accuracy = call(evaluate, _net, DataLoader(TensorDataset(_x, _y), batch_size=_batch), _device)
    assert_close(_accuracy, _expected, name=f"evaluate on {_n} examples in batches of {_batch}", rtol=1e-6)
### END HIDDEN TESTS

# %% [markdown]
# ## 5. Training
#
# Everything together: Adam with learning rate 0.001 and the cross-entropy loss, for 40 epochs of 5
# batches. It takes a few seconds on a CPU and ends around 97–98 % test accuracy. (While grading,
# only 2 epochs run.)

# %%
device = autograder.device()
torch.manual_seed(0)
model = MySimpleCNN()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
epochs = 2 if autograder.grading() else 40
losses = []
for epoch in range(epochs):
    losses.append(train_epoch(model, train_loader, loss_fn, optimizer, device))
    if (epoch + 1) % 5 == 0 or epoch + 1 == epochs:
        print(f"epoch {epoch + 1:2d}: training loss {losses[-1]:.4f}")
accuracy = evaluate(model, test_loader, device)
print(f"test accuracy: {accuracy:.2%} ({round(accuracy * len(test_loader.dataset))} of {len(test_loader.dataset)})")

plt.figure(figsize=(5, 3))
plt.plot(range(1, epochs + 1), losses, marker=".")
plt.xlabel("epoch")
plt.ylabel("mean training loss")
plt.title("MySimpleCNN on 500 digits")
plt.show()

# %% [markdown]
# Five random test images with the network's prediction and the true label:

# %%
rng = np.random.default_rng(0)
chosen = rng.choice(len(X_test), size=5, replace=False)
model.eval()
with torch.no_grad():
    predicted = model(torch.tensor(X_test[chosen], dtype=torch.float32).unsqueeze(1).to(device)).argmax(dim=1)
fig, axes = plt.subplots(1, 5, figsize=(10, 2.4))
for ax, index, guess in zip(axes, chosen, predicted.tolist()):
    ax.imshow(X_test[index], cmap="gray_r")
    ax.set_title(f"predicted {guess}, true {y_test[index]}", fontsize=9)
    ax.axis("off")
fig.suptitle("Test images")
plt.show()

# %% [markdown]
# **Question (2 points).** The network reaches about 97–98 % accuracy after seeing only 500 images
# for a few seconds. Why does it do so well on this data set? Think about the images themselves and
# about what the network has to learn.

# %% [markdown] tags=["manual"] id="why_so_well" points=2
# The task is easy: the digits are small (8×8), clean, centred and size-normalised (each is a normalised
# 32×32 bitmap whose 4×4 blocks were reduced to counts of ink pixels, 0 to 16), with a plain background
# and no noise, so the ten classes are well separated and images of one digit vary little.
# With only 64 pixels the network has few things to learn, and its 9,930 parameters are plenty for
# 500 examples (about 50 per class); even simple models (a linear classifier, k-nearest neighbours)
# exceed 95 % on this set. The convolutions add the right prior: the same 3×3 stroke detectors are
# applied at every position (weight sharing), so a stroke is recognised wherever it is, and pooling
# tolerates small shifts. Adam adapts the step size per parameter, so a few hundred steps suffice.
# The test images come from the same distribution (the same writers and preprocessing), so what
# works on the training set carries over; real-world digits would be much harder.
