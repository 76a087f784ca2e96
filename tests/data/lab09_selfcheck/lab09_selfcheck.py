# %% [markdown]
# # Lab 9 — a tiny lab for the students' self-check tests
#
# Three exercises (one checked only at grading in part), one written answer.

# %% tags=["readonly"] id="imports"
import numpy as np

from autograder.checks import assert_close, call, note_hidden_tests

# %% tags=["solution"] id="relu"
def relu(x):
    """Rectified linear unit, element by element.

    Inputs:
    - x: array of shape (N,)

    Returns:
    - out: array of shape (N,), out[i] = max(x[i], 0)
    """
    ### BEGIN SOLUTION
    return np.maximum(x, 0)
    ### END SOLUTION

# %% tags=["tests"] id="test_relu_values" points=2
"""relu keeps positive entries and zeroes negative ones."""
_x = np.array([-1.0, 2.0])
assert_close(call(relu, _x), np.array([0.0, 2.0]), name="relu([-1, 2])", inputs={"x": _x})

# %% tags=["solution"] id="double"
def double(x):
    """Twice x.

    Inputs:
    - x: a number or an array of shape (N,)

    Returns:
    - 2 x, of the same shape
    """
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION

# %% tags=["tests"] id="test_double_values" points=1
"""double(3) is 6."""
assert_close(call(double, 3.0), 6.0, name="double(3)")

# %% tags=["tests"] id="test_double_arrays" points=1
"""double works element by element on arrays."""
note_hidden_tests()
### BEGIN HIDDEN TESTS
assert_close(call(double, np.ones(3)), 2 * np.ones(3), name="double(ones(3))")
### END HIDDEN TESTS

# %% tags=["solution"] id="halve"
def halve(x):
    """Half of x.

    Inputs:
    - x: a number

    Returns:
    - x / 2
    """
    ### BEGIN SOLUTION
    return x / 2
    ### END SOLUTION

# %% tags=["tests"] id="test_halve_values" points=1
"""halve(3) is 1.5."""
assert_close(call(halve, 3.0), 1.5, name="halve(3)")

# %% [markdown]
# Why is relu piecewise linear?

# %% [markdown] tags=["manual"] id="why_piecewise" points=1
# It is linear on either side of 0.
