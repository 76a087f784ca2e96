# %% [markdown]
# Known-wrong answers to Lab 2.

# %% exercise="backprop_by_hand" mistake="de/dw1 = -x1 and de/dw2 = -x2: treats f as 1"
de_df = 1.0
de_dw1 = -0.3
de_dw2 = -0.4
