# %% [markdown]
# Known-wrong answers: each replaces the solution cell named by `exercise` and must lose points there.

# %% exercise="relu" mistake="keeps the negative entries: max over the wrong axis of a stacked pair"
def relu(x):
    return np.maximum(x, x)
