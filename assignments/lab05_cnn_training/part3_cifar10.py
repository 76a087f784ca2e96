# %% [markdown]
# # Lab 5, Part 3 — CIFAR-10: a linear classifier against a ConvNet
#
# CIFAR-10 holds 60,000 colour photos of 32×32 pixels in 10 classes (airplane, automobile, bird, cat,
# deer, dog, frog, horse, ship, truck): much harder than digits, since objects vary in pose, colour,
# size and background. You train two models on it and compare them: one linear layer on the raw
# pixels, and a small ConvNet. You write the training and test loops once more, in the form many
# PyTorch examples use (`train(epoch, ...)` and `test(...)`), count the parameters layer by layer as
# in Lab 1, and look at what the first convolution learned.
#
# 1. The two models (5 points)
# 2. Training and testing (6 points)
# 3. Parameters per layer (2 points)
# 4. Training, filters and questions (4 points, graded by hand)
#
# **How this notebook works.** Write your code where it says `YOUR CODE HERE` (delete the
# `raise NotImplementedError()` line) and your answers where it says `YOUR ANSWER HERE`. The cells
# that start with a docstring are tests: run them to check your work. They show one worked example;
# when grading, more tests run on other inputs, so make your code general. Run the cells in order,
# from the top. Total: 17 points. Use a GPU in Colab (*Runtime → Change runtime type*) for section 4.

# %% tags=["readonly"] id="imports"
import copy
import math

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
import torchvision
import torchvision.transforms as T
from torch import nn
from torch.utils.data import DataLoader, Subset, TensorDataset

import autograder
from autograder.checks import (assert_close, assert_equal, assert_hashed, assert_shape, assert_true, assert_type,
                               call, fixed_parameters, note_hidden_tests)
from autograder.data import load_cifar10

if autograder.grading():
    torch.set_num_threads(1)  # several notebooks are graded at once: one thread each is fastest

# %% [markdown]
# ## The data
#
# `load_cifar10` gets CIFAR-10 through torchvision (a 170 MB download, once). Without a network
# connection, random images with CIFAR-10's shape and class names stand in: everything runs, but the
# accuracies are meaningless. Each image becomes a float tensor (3, 32, 32) with values scaled from
# [0, 1] to [−1, 1] (`Normalize` with mean 0.5 and standard deviation 0.5 per channel).

# %% tags=["readonly"] id="data"
transform = T.Compose([T.ToTensor(), T.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
cifar = load_cifar10(transform=transform)
classes = cifar.classes
train_set, test_set = cifar.train, cifar.test
if autograder.grading():  # a few batches keep grading fast
    train_set, test_set = Subset(train_set, range(256)), Subset(test_set, range(256))
train_loader = DataLoader(train_set, batch_size=64, shuffle=True)
test_loader = DataLoader(test_set, batch_size=1000)
print(f"{cifar.source}: {len(train_set)} training and {len(test_set)} test images; classes {classes}")

# %%
images, labels = next(iter(DataLoader(train_set, batch_size=5, shuffle=True)))
fig, axes = plt.subplots(1, 5, figsize=(10, 2.6))
for ax, image, label in zip(axes, images, labels):
    ax.imshow((image / 2 + 0.5).clamp(0, 1).permute(1, 2, 0).numpy())  # undo the normalisation
    ax.set_title(classes[label])
    ax.axis("off")
fig.suptitle(f"Five training images ({tuple(images.shape[1:])} each)")
plt.show()

# %% [markdown]
# ## 1. The two models (5 points)
#
# **1a. A linear classifier (2 points).** `Net(num_inputs, num_outputs)` flattens each image into a
# vector of `num_inputs` numbers (3 · 32 · 32 = 3,072 for CIFAR-10) and applies one linear layer to it:
# one score per class, each a weighted sum of all the pixels.

# %% tags=["solution"] id="Net"
class Net(nn.Module):
    """One linear layer on flattened images.

    Construction: Net(num_inputs, num_outputs), e.g. Net(3 * 32 * 32, 10)
    forward(x): x of shape (N, C, H, W) with C * H * W = num_inputs -> scores (N, num_outputs)
    """

    def __init__(self, num_inputs, num_outputs):
        super().__init__()
        ### BEGIN SOLUTION
        self.linear = nn.Linear(num_inputs, num_outputs)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        return self.linear(torch.flatten(x, 1))
        ### END SOLUTION

# %% tags=["tests"] id="test_Net_architecture" points=1
"""Net(3072, 10) maps (N, 3, 32, 32) to (N, 10) with 30,730 parameters."""
_net = call(Net, 3 * 32 * 32, 10)
assert_type(_net, nn.Module, name="Net(3072, 10)")
assert_equal(sum(p.numel() for p in _net.parameters()), 3072 * 10 + 10, name="the number of parameters of Net(3072, 10)")
_out = call(_net, torch.zeros(4, 3, 32, 32), name="Net.forward")
assert_shape(_out, (4, 10), name="Net(3072, 10)(x) for x of shape (4, 3, 32, 32)")
_out = call(call(Net, 12, 3), torch.zeros(1, 3, 2, 2), name="Net.forward")
assert_shape(_out, (1, 3), name="Net(12, 3)(x) for x of shape (1, 3, 2, 2)")

# %% tags=["tests"] id="test_Net_forward" points=1
"""Net computes one linear layer on the flattened image (known scores with fixed weights)."""
_net = fixed_parameters(call(Net, 12, 3)).double()
_x = (torch.arange(24, dtype=torch.float64).reshape(2, 3, 2, 2) * 7 % 11) / 11 - 0.5
with torch.no_grad():
    _out = call(_net, _x, name="Net.forward")
assert_hashed(_out, "2e1c632c12b2ac19", name="Net(12, 3)'s scores for two fixed images, weights fixed by their shapes")
### BEGIN HIDDEN TESTS
for _case, (_shape, _outputs) in enumerate((((5, 3, 32, 32), 10), ((1, 1, 4, 6), 2), ((7, 2, 3, 3), 5))):
    torch.manual_seed(60 + _case)
    _inputs = int(np.prod(_shape[1:]))
    _net = call(Net, _inputs, _outputs)
    _state = _net.state_dict()
    _weight = next(v for k, v in _state.items() if k.endswith("weight"))
    _bias = next(v for k, v in _state.items() if k.endswith("bias"))
    assert_shape(_weight, (_outputs, _inputs), name=f"the weight of Net({_inputs}, {_outputs})")
    _x = torch.randn(_shape)
    with torch.no_grad():
        _out = call(_net, _x, name="Net.forward")
    assert_close(_out, F.linear(_x.reshape(len(_x), -1), _weight, _bias),
                 name=f"Net({_inputs}, {_outputs})(x) for x of shape {_shape}", rtol=1e-4, atol=1e-5)
### END HIDDEN TESTS

# %% [markdown]
# **1b. A ConvNet (3 points).** Two convolutions with tanh and max pooling, then two linear layers:
#
# | layer | output shape | parameters |
# | --- | --- | ---: |
# | convolution 3 → 16, 5×5 (no padding), tanh | (N, 16, 28, 28) | 16·3·5·5 + 16 = 1,216 |
# | 2×2 max pooling | (N, 16, 14, 14) | 0 |
# | convolution 16 → 128, 5×5, tanh | (N, 128, 10, 10) | 128·16·5·5 + 128 = 51,328 |
# | 2×2 max pooling | (N, 128, 5, 5) | 0 |
# | flatten, linear 128·5·5 = 3,200 → 64, tanh | (N, 64) | 3,200·64 + 64 = 204,864 |
# | linear 64 → 10 | (N, 10) | 64·10 + 10 = 650 |
#
# 258,058 parameters in all; 79 % of them in the first linear layer.

# %% tags=["solution"] id="ConvNet"
class ConvNet(nn.Module):
    """conv(3->16, 5x5) tanh maxpool(2) conv(16->128, 5x5) tanh maxpool(2) flatten linear(3200->64) tanh linear(64->10).

    forward(x): x of shape (N, 3, 32, 32) -> scores (N, 10)
    """

    def __init__(self):
        super().__init__()
        ### BEGIN SOLUTION
        self.conv1 = nn.Conv2d(3, 16, kernel_size=5)
        self.conv2 = nn.Conv2d(16, 128, kernel_size=5)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(128 * 5 * 5, 64)
        self.fc2 = nn.Linear(64, 10)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        x = self.pool(torch.tanh(self.conv1(x)))
        x = self.pool(torch.tanh(self.conv2(x)))
        x = torch.tanh(self.fc1(torch.flatten(x, 1)))
        return self.fc2(x)
        ### END SOLUTION

# %% tags=["tests"] id="test_ConvNet_architecture" points=1
"""ConvNet maps (N, 3, 32, 32) to (N, 10) and has 258,058 parameters."""
torch.manual_seed(0)
_net = call(ConvNet)
assert_type(_net, nn.Module, name="ConvNet()")
assert_equal(sum(p.numel() for p in _net.parameters()), 258058, name="the number of parameters of ConvNet()")
for _n in (2, 1):
    _out = call(_net, torch.zeros(_n, 3, 32, 32), name="ConvNet.forward")
    assert_shape(_out, (_n, 10), name=f"ConvNet()(x) for x of shape ({_n}, 3, 32, 32)")

# %% tags=["tests"] id="test_ConvNet_forward" points=1
"""ConvNet computes its layers in order (known scores with fixed weights)."""
_net = fixed_parameters(call(ConvNet)).double()
_x = (torch.arange(2 * 3 * 32 * 32, dtype=torch.float64).reshape(2, 3, 32, 32) * 37 % 256) / 128 - 1
with torch.no_grad():
    _out = call(_net, _x, name="ConvNet.forward")
assert_hashed(_out, "58962e305c99f91a", name="ConvNet's scores for two fixed images, weights fixed by their shapes")
### BEGIN HIDDEN TESTS
torch.manual_seed(61)
_net = call(ConvNet)
_state = _net.state_dict()
_convs = [(_state[k], _state[k[:-len("weight")] + "bias"]) for k in _state if k.endswith("weight") and _state[k].dim() == 4]
_linears = [(_state[k], _state[k[:-len("weight")] + "bias"]) for k in _state if k.endswith("weight") and _state[k].dim() == 2]
assert_equal([tuple(w.shape) for w, _ in _convs], [(16, 3, 5, 5), (128, 16, 5, 5)], name="the convolutions' weight shapes")
assert_equal([tuple(w.shape) for w, _ in _linears], [(64, 3200), (10, 64)], name="the linear layers' weight shapes")
for _n in (1, 4):
    _x = torch.randn(_n, 3, 32, 32)
    _h = F.max_pool2d(torch.tanh(F.conv2d(_x, *_convs[0])), 2)
    _h = F.max_pool2d(torch.tanh(F.conv2d(_h, *_convs[1])), 2)
    _expected = F.linear(torch.tanh(F.linear(_h.flatten(1), *_linears[0])), *_linears[1])
    with torch.no_grad():
        _out = call(_net, _x, name="ConvNet.forward")
    assert_close(_out, _expected, name=f"ConvNet()(x) for x of shape ({_n}, 3, 32, 32)", rtol=1e-4, atol=1e-5)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_ConvNet_trains" points=1
"""A fresh ConvNet starts near loss ln 10 and overfits 64 images in 30 Adam steps."""
note_hidden_tests()
### BEGIN HIDDEN TESTS
_generator = torch.Generator().manual_seed(62)
_x = torch.rand(64, 3, 32, 32, generator=_generator) * 2 - 1
_y = torch.randint(0, 10, (64,), generator=_generator)
torch.manual_seed(63)
_net = call(ConvNet)
_loss0 = F.cross_entropy(call(_net, _x, name="ConvNet.forward"), _y).item()
assert_true(abs(_loss0 - math.log(10)) < 0.3, f"a fresh ConvNet gives a loss of {_loss0:.3f} on 64 images; "
            f"expected about ln 10 = {math.log(10):.3f} (small random scores for 10 classes)")
_optimizer = torch.optim.Adam(_net.parameters(), lr=1e-3)
for _step in range(30):
    _optimizer.zero_grad()
    _loss = F.cross_entropy(_net(_x), _y)
    _loss.backward()
    _optimizer.step()
assert_true(_loss.item() < 0.3 * _loss0, f"ConvNet did not overfit 64 images: loss {_loss0:.3f} -> "
            f"{_loss.item():.3f} after 30 Adam steps")
### END HIDDEN TESTS

# %% [markdown]
# ## 2. Training and testing (6 points)
#
# Both loops use the **cross-entropy** loss (`F.cross_entropy(scores, y)`, the mean over a batch) and
# return `(average loss, accuracy)` over all the examples of the loader: each batch's loss weighted by
# its number of examples, and the fraction of correct predictions. Both move the network and each
# batch to `device` (None means `autograder.device()`).
#
# * `train(epoch, network, optimizer, loader, device=None)`: one epoch in **training mode**; for each
#   batch `optimizer.zero_grad()`, forward, loss, `backward()`, `optimizer.step()`; the loss and the
#   accuracy come from the scores of these forward passes. At the end, print a line such as
#   `Train epoch 3: loss 1.2345, accuracy 56.78%`.
# * `test(network, loader, device=None)`: in **evaluation mode** and under **`torch.no_grad()`**, no
#   update.

# %% tags=["solution"] id="train"
def train(epoch, network, optimizer, loader, device=None):
    """Train network for one epoch with the cross-entropy loss.

    Inputs:
    - epoch: the epoch's number, for the printed line
    - network: an nn.Module mapping images (B, ...) to scores (B, C)
    - optimizer: a torch.optim optimizer over network's parameters
    - loader: an iterable of batches (x, y), y int64 class indices (B,); B may vary
    - device: where to train; None means autograder.device()

    Returns:
    - (average loss, accuracy) over the epoch's examples, two floats
    """
    ### BEGIN SOLUTION
    if device is None:
        device = autograder.device()
    network.to(device)
    network.train()
    total_loss, correct, count = 0.0, 0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()  # gradients add up in .grad: clear the last batch's
        scores = network(x)
        loss = F.cross_entropy(scores, y)
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * len(x)
        correct += (scores.argmax(dim=1) == y).sum().item()
        count += len(x)
    print(f"Train epoch {epoch}: loss {total_loss / count:.4f}, accuracy {correct / count:.2%}")
    return total_loss / count, correct / count
    ### END SOLUTION

# %% tags=["tests"] id="test_train_values" points=1
"""train with learning rate 0 returns the loss and accuracy of the whole data; with lr 0.5 it learns."""
torch.manual_seed(0)
_x, _y = torch.randn(10, 4), torch.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 2])
_net = nn.Linear(4, 3)
_loader = DataLoader(TensorDataset(_x, _y), batch_size=4)  # batches of 4, 4 and 2
with torch.no_grad():
    _scores = _net(_x)
_result = call(train, 1, _net, torch.optim.SGD(_net.parameters(), lr=0.0), _loader, torch.device("cpu"))
assert_type(_result, tuple, name="train(...) (return (average loss, accuracy))")
assert_equal(len(_result), 2, name="the number of values train returns")
assert_close(_result[0], F.cross_entropy(_scores, _y), name="train's average loss with lr 0 (the mean over the 10 "
             "examples: weight each batch's loss by its size)", rtol=1e-5)
assert_close(_result[1], (_scores.argmax(1) == _y).float().mean(), name="train's accuracy with lr 0", rtol=1e-6)
_losses = [call(train, _epoch, _net, torch.optim.SGD(_net.parameters(), lr=0.5), _loader, torch.device("cpu"))[0]
           for _epoch in range(1, 5)]
assert_true(all(b < a for a, b in zip(_losses, _losses[1:])), f"train's loss does not decrease from epoch to epoch "
            f"with SGD (lr 0.5) on 10 points: {_losses}; does it call optimizer.step()?")
# From fixed float64 weights and data, one epoch of SGD gives known weights (compared through a hash).
_net = fixed_parameters(nn.Linear(4, 3)).double()
_x = (torch.arange(40, dtype=torch.float64).reshape(10, 4) * 7 % 13) / 13 - 0.5
call(train, 1, _net, torch.optim.SGD(_net.parameters(), lr=0.5), DataLoader(TensorDataset(_x, _y), batch_size=4),
     torch.device("cpu"))
assert_hashed(_net.weight.detach(), "e153095b398e801b", name="the weights after one epoch of train (SGD, lr 0.5, "
              "batches of 4, 4 and 2) from fixed weights: one zero_grad, backward and step per batch?")

# %% tags=["tests"] id="test_train_mode" points=1
"""train switches the network to training mode (a network with dropout left in evaluation mode)."""
torch.manual_seed(1)
_net = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 3))
_net.eval()
call(train, 1, _net, torch.optim.SGD(_net.parameters(), lr=0.1),
     DataLoader(TensorDataset(torch.randn(6, 4), torch.tensor([0, 1, 2, 0, 1, 2])), batch_size=4), torch.device("cpu"))
assert_true(_net.training, "after train the network is still in evaluation mode: call network.train() first")

# %% tags=["tests"] id="test_train_reference" points=1
"""train matches a reference loop (values and parameters) for several networks, optimisers and batch sizes."""
note_hidden_tests()
### BEGIN HIDDEN TESTS
def _reference_train(network, optimizer, loader):
    network.train()
    total, correct, count = 0.0, 0, 0
    for x, y in loader:
        optimizer.zero_grad()
        scores = network(x)
        loss = F.cross_entropy(scores, y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(x)
        correct += (scores.argmax(1) == y).sum().item()
        count += len(x)
    return total / count, correct / count


_cases = ((lambda: nn.Sequential(nn.Conv2d(3, 4, 3), nn.Tanh(), nn.Flatten(), nn.Linear(64, 10)),
           lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9), 21, 8),
          (lambda: nn.Sequential(nn.Flatten(), nn.Linear(108, 10)), lambda p: torch.optim.Adam(p, lr=1e-2), 13, 5),
          (lambda: nn.Sequential(nn.Conv2d(3, 2, 3), nn.Flatten(), nn.Linear(32, 10)), lambda p: torch.optim.SGD(p, lr=0.1), 5, 1))
for _case, (_make_net, _make_optimizer, _n, _batch) in enumerate(_cases):
    torch.manual_seed(70 + _case)
    _x, _y = torch.randn(_n, 3, 6, 6), torch.randint(0, 10, (_n,))
    _reference_net = _make_net()
    _net = copy.deepcopy(_reference_net)
    _loader = DataLoader(TensorDataset(_x, _y), batch_size=_batch)
    _reference_optimizer, _optimizer = _make_optimizer(_reference_net.parameters()), _make_optimizer(_net.parameters())
    _what = f"{_n} examples in batches of {_batch}, {type(_optimizer).__name__}"
    for _epoch in (1, 2):
        _expected = _reference_train(_reference_net, _reference_optimizer, _loader)
        _result = call(train, _epoch, _net, _optimizer, _loader, None if _case == 1 else torch.device("cpu"))
        assert_close(_result[0], _expected[0], name=f"train's average loss in epoch {_epoch} ({_what})", rtol=1e-4, atol=1e-6)
        assert_close(_result[1], _expected[1], name=f"train's accuracy in epoch {_epoch} ({_what})", rtol=1e-6)
    for (_name, _p), _q in zip(_net.named_parameters(), _reference_net.parameters()):
        assert_close(_p.detach(), _q.detach(), name=f"parameter {_name} after two epochs ({_what})", rtol=1e-4, atol=1e-6)
### END HIDDEN TESTS

# %% tags=["solution"] id="test"
def test(network, loader, device=None):
    """Average cross-entropy loss and accuracy of network on loader, in evaluation mode, without gradients.

    Inputs:
    - network: an nn.Module mapping images (B, ...) to scores (B, C)
    - loader: an iterable of batches (x, y), y int64 class indices (B,); B may vary
    - device: where to run; None means autograder.device()

    Returns:
    - (average loss, accuracy) over all the examples of loader, two floats
    """
    ### BEGIN SOLUTION
    if device is None:
        device = autograder.device()
    network.to(device)
    network.eval()
    total_loss, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            scores = network(x)
            total_loss += F.cross_entropy(scores, y).item() * len(x)
            correct += (scores.argmax(dim=1) == y).sum().item()
            count += len(x)
    return total_loss / count, correct / count
    ### END SOLUTION

# %% tags=["tests"] id="test_test_values" points=1
"""test returns the loss and accuracy of the whole data, for 7 examples in batches of 3, 3 and 1."""
torch.manual_seed(2)
_x = torch.randn(7, 4)
_net = nn.Linear(4, 3)
with torch.no_grad():
    _scores = _net(_x)
_y = _scores.argmax(1)
_y[4:] = (_y[4:] + 1) % 3  # the first 4 predictions are right, the last 3 wrong
_result = call(test, _net, DataLoader(TensorDataset(_x, _y), batch_size=3), torch.device("cpu"))
assert_type(_result, tuple, name="test(...) (return (average loss, accuracy))")
assert_equal(len(_result), 2, name="the number of values test returns")
assert_close(_result[0], F.cross_entropy(_scores, _y), name="test's average loss (the mean over the 7 examples: "
             "weight each batch's loss by its size)", rtol=1e-5)
assert_close(_result[1], (_scores.argmax(1) == _y).float().mean(), name="test's accuracy", rtol=1e-6)

# %% tags=["tests"] id="test_test_modes" points=1
"""test runs in evaluation mode (dropout off: the same result twice) and without gradients."""
class _GradSpy(nn.Module):
    """Passes its input on and records whether gradients were being recorded."""

    def __init__(self):
        super().__init__()
        self.grad_enabled = []

    def forward(self, x):
        self.grad_enabled.append(torch.is_grad_enabled())
        return x


torch.manual_seed(3)
_spy = _GradSpy()
_net = nn.Sequential(_spy, nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 3))
_loader = DataLoader(TensorDataset(torch.randn(50, 4), torch.randint(0, 3, (50,))), batch_size=16)
_first = call(test, _net, _loader, torch.device("cpu"))
_second = call(test, _net, _loader, torch.device("cpu"))
assert_close(_second, _first, name="test(net, loader) called twice on a network with dropout (call network.eval())",
             rtol=1e-6)
assert_true(len(_spy.grad_enabled) > 0, "test never called the network")
assert_true(not any(_spy.grad_enabled), f"test ran {sum(_spy.grad_enabled)} of its {len(_spy.grad_enabled)} "
            "forward passes with gradients enabled: wrap the loop in `with torch.no_grad():`")

# %% tags=["tests"] id="test_test_reference" points=1
"""test matches the loss and accuracy of the whole data for random networks and batch sizes."""
note_hidden_tests()
### BEGIN HIDDEN TESTS
for _case, (_n, _batch) in enumerate(((40, 16), (9, 9), (5, 1), (33, 10))):
    torch.manual_seed(80 + _case)
    _net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Tanh(), nn.Flatten(), nn.Dropout(0.3), nn.Linear(64, 10))
    _x, _y = torch.randn(_n, 3, 6, 6), torch.randint(0, 10, (_n,))
    _net.eval()
    with torch.no_grad():
        _scores = _net(_x)
    _net.train()  # test must switch to evaluation mode itself
    _result = call(test, _net, DataLoader(TensorDataset(_x, _y), batch_size=_batch), None if _case == 0 else torch.device("cpu"))
    assert_close(_result[0], F.cross_entropy(_scores, _y), name=f"test's average loss on {_n} examples in batches of {_batch}",
                 rtol=1e-5)
    assert_close(_result[1], (_scores.argmax(1) == _y).float().mean(), name=f"test's accuracy on {_n} examples in "
                 f"batches of {_batch}", rtol=1e-6)
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Parameters per layer (2 points)
#
# In Lab 1 you counted the weights of a network layer by layer by hand. `param_counts(network)` does it
# for any PyTorch module: a dict from each layer that owns parameters to its number of parameters
# (weights and biases together). A parameter's name in `network.named_parameters()` is the layer's name,
# a dot, and the parameter's own name: `"conv1.weight"`, `"features.0.bias"`; the layer's name is what
# comes before the last dot. Keep the layers in the order `named_parameters` gives them.

# %% tags=["solution"] id="param_counts"
def param_counts(network):
    """Number of parameters of each layer of a network.

    Inputs:
    - network: an nn.Module

    Returns:
    - dict: layer name (the parameter names without their last part, e.g. "conv1" for "conv1.weight")
      -> int, the number of parameters of that layer, in the order of network.named_parameters()
    """
    ### BEGIN SOLUTION
    counts = {}
    for name, parameter in network.named_parameters():
        layer = name.rsplit(".", 1)[0]
        counts[layer] = counts.get(layer, 0) + parameter.numel()
    return counts
    ### END SOLUTION

# %% tags=["tests"] id="test_param_counts_example" points=1
"""param_counts of Sequential(Conv2d(3, 4, 3), ReLU, Flatten, Linear(8, 2)): layers "0" and "3"."""
_net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8, 2))
_counts = call(param_counts, _net)
assert_type(_counts, dict, name="param_counts(network)")
# Conv2d(3, 4, 3): 4 filters of 3 x 3 x 3 weights and 4 biases; Linear(8, 2): 8 x 2 weights and 2 biases.
assert_equal(list(_counts.items()), [("0", 112), ("3", 18)], name="param_counts(network).items()")

# %% tags=["tests"] id="test_param_counts_models" points=1
"""param_counts on nested modules, batch norm (whose buffers are not parameters) and frozen layers."""
note_hidden_tests()
### BEGIN HIDDEN TESTS
class _Nested(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 6, 5), nn.BatchNorm2d(6), nn.ReLU())
        self.classifier = nn.Linear(6, 4, bias=False)
        self.classifier.requires_grad_(False)  # frozen parameters are parameters all the same


_counts = call(param_counts, _Nested())
assert_equal(list(_counts.items()), [("features.0", 156), ("features.1", 12), ("classifier", 24)],
             name="param_counts(network).items() for a nested network with batch norm and a frozen layer")
_counts = call(param_counts, nn.Sequential(nn.Linear(3, 3), nn.Sequential(nn.Linear(3, 2), nn.Tanh(), nn.Linear(2, 1))))
assert_equal(list(_counts.items()), [("0", 12), ("1.0", 8), ("1.2", 3)], name="param_counts(network).items() for nested Sequentials")
assert_equal(call(param_counts, nn.ReLU()), {}, name="param_counts(nn.ReLU()) (no parameters)")
### END HIDDEN TESTS

# %%
for model_class, model in (("Net", Net(3 * 32 * 32, 10)), ("ConvNet", ConvNet())):
    counts = param_counts(model)
    print(f"{model_class}: " + " + ".join(f"{count:,} ({name})" for name, count in counts.items())
          + f" = {sum(counts.values()):,}")

# %% [markdown]
# ## 4. Training, filters and questions (4 points)
#
# Both models with SGD (learning rate 0.01, momentum 0.9), ten epochs each (a few minutes on Colab's
# GPU, longer on a CPU; one epoch of a few batches while grading).

# %%
device = autograder.device()
epochs = 1 if autograder.grading() else 10
results = {}
for name, make in (("Net", lambda: Net(3 * 32 * 32, 10)), ("ConvNet", ConvNet)):
    torch.manual_seed(0)
    model = make()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    curve = []
    for epoch in range(1, epochs + 1):
        train_loss, train_accuracy = train(epoch, model, optimizer, train_loader, device)
        test_loss, test_accuracy = test(model, test_loader, device)
        curve.append((train_accuracy, test_accuracy))
    results[name] = (model, curve)
    print(f"{name}: test loss {test_loss:.4f}, test accuracy {test_accuracy:.2%}\n")

plt.figure(figsize=(6, 3.5))
for name, (model, curve) in results.items():
    plt.plot(range(1, epochs + 1), [c[0] for c in curve], "--", marker=".", label=f"{name}, training")
    plt.plot(range(1, epochs + 1), [c[1] for c in curve], marker=".", label=f"{name}, test")
plt.xlabel("epoch")
plt.ylabel("accuracy")
plt.title(f"CIFAR-10 ({cifar.source})")
plt.legend()
plt.show()

# %% [markdown]
# The 16 filters of the first convolution, each 5×5 over the 3 colour channels, shown as small colour
# images (`torchvision.utils.make_grid`, each filter scaled to [0, 1] on its own). Trained on real
# CIFAR-10 they look like oriented edges and colour blobs; on the random stand-in, like noise.

# %%
conv_model = results["ConvNet"][0]
first_conv = next(m for m in conv_model.modules() if isinstance(m, nn.Conv2d))
filters = first_conv.weight.detach().cpu()  # (16, 3, 5, 5)
grid = torchvision.utils.make_grid(filters, nrow=8, normalize=True, scale_each=True, padding=1)
plt.figure(figsize=(8, 2.4))
plt.imshow(grid.permute(1, 2, 0).numpy(), interpolation="nearest")
plt.title(f"The {len(filters)} filters of the first convolution ({tuple(filters.shape[1:])} each)")
plt.axis("off")
plt.show()

# %% [markdown]
# **Question 4a (2 points).** The ConvNet puts tanh after each convolution and after the first linear
# layer. Why are such non-linearities needed? What would the network compute without any of them, and
# how would it then compare with `Net`?

# %% [markdown] tags=["manual"] id="why_nonlinearities" points=2
# Without non-linearities every layer is an affine map (convolutions and linear layers are linear plus
# a bias), and a composition of affine maps is one affine map: the whole network would collapse to a
# single linear layer from the 3,072 pixels to the 10 scores, exactly the family Net already covers.
# (Without the tanh, max pooling is the only non-linearity left, a piecewise-linear selection that
# adds little; with average pooling instead the collapse would be exact.) Depth would add parameters
# but no expressive power, and a
# linear classifier cannot separate classes whose images are not linearly separable (CIFAR-10's
# objects vary in pose, position, colour and background). Non-linear activations between the layers
# let the network compose features — edges into textures and parts into objects — and approximate
# any continuous function of the input (universal approximation); they also make the decision
# boundaries curved rather than hyperplanes.

# %% [markdown]
# **Question 4b (2 points).** Give the shape of the weight and of the bias of each layer of `ConvNet`
# and of `Net(3072, 10)` as PyTorch stores them, say what each dimension stands for, and check that
# they add up to the counts of `param_counts`.

# %% [markdown] tags=["manual"] id="weight_shapes" points=2
# PyTorch stores a convolution's weight as (out_channels, in_channels, kernel height, kernel width) and
# a linear layer's as (out_features, in_features) (it computes x Wᵀ + b); biases have one entry per
# output channel or unit.
# ConvNet: conv1.weight (16, 3, 5, 5), conv1.bias (16,): 1,200 + 16 = 1,216; conv2.weight
# (128, 16, 5, 5), conv2.bias (128,): 51,200 + 128 = 51,328; fc1.weight (64, 3200), fc1.bias (64,):
# 204,800 + 64 = 204,864; fc2.weight (10, 64), fc2.bias (10,): 640 + 10 = 650; total 258,058.
# Net(3072, 10): weight (10, 3072), bias (10,): 30,720 + 10 = 30,730.
# Each conv filter spans all input channels (3, then 16), so its weight has an input-channel axis;
# pooling, tanh and flatten have no parameters. fc1's 3,200 inputs are the 128 maps of 5 × 5 after the
# second pooling (32 → 28 → 14 → 10 → 5).
