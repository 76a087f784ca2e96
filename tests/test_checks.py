"""autograder.checks: failures name the quantity, the shapes, the first differing element and the tolerance."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from autograder.checks import (CheckFailed, assert_close, assert_dtype, assert_equal, assert_not_used,
                               assert_shape, assert_type, check_gradient, numerical_gradient, quiet, rel_error)


def message(fn, *args, **kwargs) -> str:
    with pytest.raises(CheckFailed) as info:
        fn(*args, **kwargs)
    return str(info.value)


def test_assert_close_accepts_numpy_torch_and_numbers():
    assert_close(torch.tensor([1.0, 2.0]), np.array([1.0, 2.0]), name="x")
    assert_close(np.array([1.0, 2.0]), torch.tensor([1.0, 2.0], dtype=torch.float64), name="x")
    assert_close(np.float32(0.5), 0.5, name="x")
    assert_close(torch.tensor(3.0), 3.0, name="x")
    assert_close(np.array([3.0]), 3.0, name="a one-element array for a number")
    assert_close(torch.tensor([1.0], requires_grad=True) * 2, torch.tensor([2.0]), name="x")


def test_assert_close_reports_first_difference_and_tolerance():
    text = message(assert_close, np.array([[1.0, 2.0], [3.0, 4.5]]), np.array([[1.0, 2.0], [3.0, 4.0]]),
                   name="out", rtol=1e-5, atol=1e-8)
    assert "out" in text and "(1, 1)" in text and "expected 4" in text and "got 4.5" in text
    assert "rtol=1e-05" in text and "1 of 4 elements" in text


def test_assert_close_never_dumps_a_large_reference():
    reference = np.arange(1000.0)
    text = message(assert_close, reference + 1, reference, name="big")
    assert "998" not in text and len(text) < 600


def test_assert_close_shows_small_inputs_only():
    text = message(assert_close, np.zeros(2), np.ones(2), name="y", inputs={"x": np.array([7.25, -1.5])})
    assert "7.25" in text
    text = message(assert_close, np.zeros(2), np.ones(2), name="y", inputs={"x": np.arange(100.0)})
    assert "too large" in text


def test_assert_close_shape_and_type_failures_teach():
    assert "wrong shape" in message(assert_close, np.zeros((3, 1)), np.zeros(3), name="y")
    assert "transpose" in message(assert_close, np.zeros((2, 3)), np.zeros((3, 2)), name="y")
    assert "return" in message(assert_close, None, np.zeros(3), name="y")
    assert "str" in message(assert_close, "1.0", 1.0, name="y")


def test_assert_close_explains_nan_and_scaling():
    assert "nan/inf" in message(assert_close, np.array([np.nan, 1.0]), np.array([0.5, 1.0]), name="softmax")
    assert "2 times" in message(assert_close, np.array([2.0, 4.0, 6.0]), np.array([1.0, 2.0, 3.0]), name="g")
    assert "wrong places" in message(assert_close, np.array([2.0, 1.0]), np.array([1.0, 2.0]), name="g")


def test_assert_equal_shapes_and_numbers():
    assert_equal([[4, 7], [1, 5]], [(4, 7), (1, 5)], name="shapes")
    assert_equal(np.int64(33), 33, name="count")
    assert_equal(torch.Size([2, 3]), (2, 3), name="size")
    assert "expected 33, got 34" in message(assert_equal, 34, 33, name="count")
    assert "number" in message(assert_equal, None, 33, name="count")


def test_assert_shape_type_dtype():
    assert_shape(torch.zeros(2, 3), (2, 3), name="t")
    assert "(2, 3)" in message(assert_shape, np.zeros((3, 2)), (2, 3), name="t")
    assert_type(np.zeros(1), np.ndarray, name="a")
    assert "Tensor" in message(assert_type, torch.zeros(1), np.ndarray, name="a")
    assert_dtype(torch.zeros(1), "float", name="t")
    assert_dtype(np.zeros(1, dtype=np.float32), np.float32, name="a")
    assert "int64" in message(assert_dtype, torch.zeros(1, dtype=torch.int64), "float", name="t")
    assert_dtype(torch.zeros(1, dtype=torch.float64), torch.float64, name="t")


def test_rel_error_and_gradient_check():
    assert rel_error(np.array([1.0]), np.array([1.0])) == 0
    x = np.array([1.0, -2.0, 3.0])
    f = lambda v: float(np.sum(v ** 3))  # noqa: E731
    assert np.allclose(numerical_gradient(f, x.copy()), 3 * x ** 2, rtol=1e-6)
    assert check_gradient(f, x.copy(), 3 * x ** 2) < 1e-6
    text = message(check_gradient, f, x.copy(), 3 * x ** 2 + np.array([0, 0, 1.0]), name="df/dx")
    assert "df/dx" in text and "(2,)" in text


def helper_norm(a, b):
    return torch.norm(a - b)


def helper_method(a, b):
    return (a - b).norm() ** 2


def helper_alias(a, b):
    import numpy.linalg as la
    return la.norm(a - b)


def helper_clean(a, b):
    d = a - b
    return (d * d).sum()


pool = torch.nn.MaxPool2d(2)  # a global torch object that a student's local variable may shadow


def helper_local_shadow(x):
    pool = x.max()
    return pool


def test_assert_not_used_ignores_local_names_that_shadow_globals():
    assert_not_used(helper_local_shadow, ["torch"])


def test_assert_not_used_catches_calls_aliases_and_methods():
    banned = ["torch.norm", "np.linalg.norm"]
    assert "torch.norm" in message(assert_not_used, helper_norm, banned)
    assert "torch.norm" in message(assert_not_used, helper_method, banned)
    assert "np.linalg.norm" in message(assert_not_used, helper_alias, banned)
    assert_not_used(helper_clean, banned)
    assert "torch" in message(assert_not_used, helper_norm, ["torch"])


def test_quiet_keeps_warnings_and_stderr_out():
    import sys
    import warnings

    with quiet() as buffer:
        warnings.warn("noisy")
        np.exp(np.array([1000.0]))
        print("progress", file=sys.stderr)
    assert "progress" in buffer.getvalue()


# ----------------------------------------------------------------------------- call, substitute, figures, hashes

from autograder.checks import (assert_hashed, call, close_figures, figure_summary, hash_value,  # noqa: E402
                               substitute)


def _divide(a, b):
    return a / b


def _unfinished(x):
    raise NotImplementedError()


def test_call_turns_an_exception_into_one_short_line():
    assert call(_divide, 6, 3) == 2
    text = message(call, _divide, 1, 0)
    first = text.splitlines()[0]
    assert first.startswith("your _divide raised ZeroDivisionError (line ") and len(first) < 80
    assert "not written yet" in message(call, _unfinished, 1)
    assert "not a function" in message(call, None)


helper_value = "global"


def _reads_helper():
    return helper_value


def test_substitute_swaps_names_and_attributes_and_puts_them_back():
    class Net:
        def loss(self):
            return "student"

    globals()["Net"] = Net
    try:
        with substitute({"helper_value": "reference", "Net.loss": lambda self: "reference"}):
            assert _reads_helper() == "reference" and Net().loss() == "reference"
        assert _reads_helper() == "global" and Net().loss() == "student"
        with substitute({"not_defined_before": 1}):
            assert globals()["not_defined_before"] == 1
        assert "not_defined_before" not in globals()
    finally:
        del globals()["Net"]


def test_figure_summary_describes_axes_in_plain_values():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    close_figures()
    fig, axes = plt.subplots(1, 2)
    axes[0].plot([1, 2], label="train")
    axes[0].legend()
    axes[0].set(title="loss", xlabel="epoch", yscale="log")
    axes[1].imshow(np.zeros((2, 2)))
    axes[1].add_patch(plt.Circle((0, 0), 1))
    fig.suptitle("training")
    summary = figure_summary()
    assert summary["suptitle"] == "training" and len(summary["axes"]) == 2
    assert summary["axes"][0]["title"] == "loss" and summary["axes"][0]["yscale"] == "log"
    assert summary["axes"][0]["legend"] == ["train"] and summary["axes"][1]["images"] == 1
    assert summary["axes"][1]["patches"] == {"Circle": 1}
    close_figures()
    assert figure_summary()["axes"] == []


def test_figure_summary_gives_the_grid_positions_of_axes():
    """Axes in one column share their left edge, in one row their bottom, whatever the images' aspect."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    close_figures()
    fig, axes = plt.subplots(2, 3)
    for k, ax in enumerate(axes.flat):
        ax.imshow(np.zeros((2 + k, 5)))  # equal-aspect images of different shapes
    fig.tight_layout()
    positions = [ax["position"] for ax in figure_summary()["axes"]]
    close_figures()
    assert all(len(p) == 4 for p in positions)
    assert len({p[0] for p in positions}) == 3 and len({p[1] for p in positions}) == 2
    assert positions[0][0] == positions[3][0] and positions[0][1] > positions[3][1]


def test_hashed_values_never_show_the_expected_value():
    digest = hash_value(np.array([0.12344, 2.0]))
    assert_hashed(np.array([0.12341, 2.00001]), digest, name="v")
    assert_hashed(torch.tensor([0.12341, 2.0], dtype=torch.float64), digest, name="v")
    text = message(assert_hashed, np.array([0.5, 2.0]), digest, name="v")
    assert "0.5" in text and "0.1234" not in text
    assert "None" in message(assert_hashed, None, digest, name="v")
    assert hash_value(-0.0) == hash_value(0.0) and hash_value(" abc ") == hash_value("abc")


def test_fixed_parameters_depend_on_shapes_not_on_names_or_order():
    import torch
    from torch import nn

    from autograder.checks import fixed_parameters

    class Named(nn.Module):
        def __init__(self):
            super().__init__()
            self.head = nn.Linear(8, 2)  # created first: a different default initialisation
            self.conv = nn.Conv2d(1, 2, 3)
            self.norm = nn.BatchNorm2d(2)

        def forward(self, x):
            return self.head(torch.relu(self.norm(self.conv(x))).flatten(1))

    torch.manual_seed(0)
    sequential = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(8, 2))
    named = Named()
    x = torch.randn(3, 1, 4, 4, dtype=torch.float64)
    outputs = [fixed_parameters(m).double().eval()(x) for m in (sequential, named)]
    assert torch.equal(outputs[0], outputs[1])
    assert (named.norm.running_var > 0).all() and int(named.norm.num_batches_tracked) == 0
