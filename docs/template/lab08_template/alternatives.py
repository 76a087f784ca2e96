# %% [markdown]
# Other correct answers: each must keep full marks.

# %% exercise="relu" approach="a boolean mask, multiplied in"
def relu(x):
    return x * (x > 0)
