# %% [markdown]
# # Lab 8 — A template lab
#
# Copy this folder to `assignments/labNN_topic/`, rename the notebook and the ids, and grow it.
# Write your code where it says `YOUR CODE HERE`, then run the test cell below it.

# %% tags=["readonly"] id="imports"
import numpy as np

from autograder.checks import assert_close, assert_shape, assert_type, call

# %% [markdown]
# ## 1. ReLU (2 points)
#
# `relu(x)` returns `max(x, 0)` element by element, for an array of any shape.

# %% tags=["solution"] id="relu"
def relu(x):
    """Rectified linear unit, element by element.

    Inputs:
    - x: array of shape (N, D)

    Returns:
    - out: array of shape (N, D), out[i, j] = max(x[i, j], 0)
    """
    ### BEGIN SOLUTION
    return np.maximum(x, 0)
    ### END SOLUTION

# %% tags=["tests"] id="test_relu_values" points=2
"""relu(x) keeps positive entries and zeroes negative ones, for any shape."""
_x = np.array([[-2.0, -0.5, 0.0], [0.5, 1.0, 3.0]])
_out = call(relu, _x)
assert_type(_out, np.ndarray, name="relu(x)")
assert_shape(_out, _x.shape, name="relu(x) for x of shape (2, 3)")
assert_close(_out, np.where(_x > 0, _x, 0.0), name="relu(x)", inputs={"x": _x})
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(0)
for _shape in ((5, 7), (1, 1), (3, 4, 2)):
    _x = _rng.standard_normal(_shape)
    assert_close(call(relu, _x), np.clip(_x, 0, None), name=f"relu(x) for x of shape {_shape}", inputs={"x": _x})
### END HIDDEN TESTS

# %% [markdown] tags=["manual"] id="relu_question" points=1
# Why does a network of ReLU layers stay piecewise linear?
#
# Model answer: each ReLU is linear on either side of 0, and sums and compositions of piecewise
# linear functions are piecewise linear.
