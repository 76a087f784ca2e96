# %% [markdown]
# Other correct answers to Lab 1: each replaces the solution cell named by `exercise` and must keep
# full marks (tests/test_labs.py).

# %% exercise="weight_shapes" approach="list comprehension with enumerate, returning lists"
def weight_shapes(struct, bias=True, recurrent=False):
    last = len(struct) - 2
    return [[n_out, n_in + (n_out if recurrent and i < last else 0) + int(bias)]
            for i, (n_in, n_out) in enumerate(zip(struct[:-1], struct[1:]))]

# %% exercise="count_weights" approach="closed form with NumPy, independent of weight_shapes"
def count_weights(struct, bias=True, recurrent=False):
    n = np.array(struct)
    total = np.sum(n[1:] * n[:-1]) + (np.sum(n[1:]) if bias else 0)
    if recurrent:
        total += np.sum(n[1:-1] ** 2)
    return total

# %% exercise="conv_by_hand" approach="computed with loops over windows, not typed in; shape from the arrays"
f1 = np.zeros((3, 3))
f2 = np.zeros((3, 3))
for i in range(3):
    for j in range(3):
        window = X[i:i + 3, j:j + 3]
        f1[i, j] = np.sum(window * W1)
        f2[i, j] = np.sum(window * W2)
output_shape = (2,) + f1.shape

# %% exercise="max_pool_by_hand" approach="keepdims max and np.array of the two maps, with integer arrays"
p1 = f1.astype(int).max(keepdims=True)
p2 = f2.astype(int).max(keepdims=True)
pooled = np.array([p1, p2])

# %% exercise="tensors" approach="float64 tensors, V by stacking rows then transposing"
v1 = torch.tensor([1, 2], dtype=torch.float64).reshape(2, 1)
v2 = torch.tensor([-2, -1], dtype=torch.float64).reshape(2, 1)
A = torch.tensor([[1, -1], [0, 1]], dtype=torch.float64)
V = torch.stack([v1.flatten(), v2.flatten()]).T

# %% exercise="hadamard" approach="torch.mul"
def hadamard(A, B):
    return torch.mul(A, B)

# %% exercise="matmul" approach="explicit triple loop"
def matmul(A, B):
    out = torch.zeros(A.shape[0], B.shape[1], dtype=A.dtype)
    for i in range(A.shape[0]):
        for j in range(B.shape[1]):
            for k in range(A.shape[1]):
                out[i, j] += A[i, k] * B[k, j]
    return out

# %% exercise="squared_l2" approach="torch.dot of the flattened difference"
def squared_l2(v1, v2):
    d = (v1 - v2).flatten()
    return torch.dot(d, d)

# %% exercise="squared_l2" approach="power and sum, as a method chain"
def squared_l2(v1, v2):
    return v1.sub(v2).pow(2).sum()

# %% exercise="squared_l2_grads" approach="torch.autograd.grad instead of backward"
def squared_l2_grads(v1, v2):
    a = v1.clone().detach().requires_grad_()
    b = v2.clone().detach().requires_grad_()
    return torch.autograd.grad(squared_l2(a, b), (a, b))
