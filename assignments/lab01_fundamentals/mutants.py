# %% [markdown]
# Known-wrong answers to Lab 1: each replaces the solution cell named by `exercise`, exactly as a
# student's cell would, and must lose points on that exercise (tests/test_labs.py).

# %% exercise="weight_shapes" mistake="forgets the bias column"
def weight_shapes(struct, bias=True, recurrent=False):
    shapes = []
    for layer in range(1, len(struct)):
        hidden = layer < len(struct) - 1
        shapes.append((struct[layer], struct[layer - 1] + (struct[layer] if recurrent and hidden else 0)))
    return shapes

# %% exercise="weight_shapes" mistake="puts recurrence on the output layer too"
def weight_shapes(struct, bias=True, recurrent=False):
    return [(n_out, n_in + (n_out if recurrent else 0) + (1 if bias else 0))
            for n_in, n_out in zip(struct[:-1], struct[1:])]

# %% exercise="weight_shapes" mistake="transposed shapes (inputs x neurons)"
def weight_shapes(struct, bias=True, recurrent=False):
    shapes = []
    for layer in range(1, len(struct)):
        hidden = layer < len(struct) - 1
        columns = struct[layer - 1] + (struct[layer] if recurrent and hidden else 0) + (1 if bias else 0)
        shapes.append((columns, struct[layer]))
    return shapes

# %% exercise="weight_shapes" mistake="hard-codes the worked example"
def weight_shapes(struct, bias=True, recurrent=False):
    return [(4, 7), (1, 5)]

# %% exercise="count_weights" mistake="forgets the biases"
def count_weights(struct, bias=True, recurrent=False):
    total = 0
    for layer in range(1, len(struct)):
        hidden = layer < len(struct) - 1
        total += struct[layer] * (struct[layer - 1] + (struct[layer] if recurrent and hidden else 0))
    return total

# %% exercise="count_weights" mistake="counts recurrence on the output layer"
def count_weights(struct, bias=True, recurrent=False):
    total = 0
    for n_in, n_out in zip(struct[:-1], struct[1:]):
        total += n_out * (n_in + (n_out if recurrent else 0) + (1 if bias else 0))
    return total

# %% exercise="count_weights" mistake="one bias per layer instead of one per neuron"
def count_weights(struct, bias=True, recurrent=False):
    total = 0
    for layer in range(1, len(struct)):
        hidden = layer < len(struct) - 1
        total += struct[layer] * (struct[layer - 1] + (struct[layer] if recurrent and hidden else 0))
        total += 1 if bias else 0
    return total

# %% exercise="count_weights" mistake="ignores the bias and recurrent flags (always counts both)"
def count_weights(struct, bias=True, recurrent=False):
    return sum(n_out * (n_in + 1) for n_in, n_out in zip(struct[:-1], struct[1:])) + \
        sum(n * n for n in struct[1:-1])

# %% exercise="conv_by_hand" mistake="a 2x2 window where 3x3 was asked (4x4 maps)"
f1 = np.array([[(W1[:2, :2] * X[i:i + 2, j:j + 2]).sum() for j in range(4)] for i in range(4)])
f2 = np.array([[(W2[:2, :2] * X[i:i + 2, j:j + 2]).sum() for j in range(4)] for i in range(4)])
output_shape = (2, 4, 4)

# %% exercise="conv_by_hand" mistake="zero padding that keeps the 5x5 size"
padded = np.pad(X, 1)
f1 = np.array([[(W1 * padded[i:i + 3, j:j + 3]).sum() for j in range(5)] for i in range(5)])
f2 = np.array([[(W2 * padded[i:i + 3, j:j + 3]).sum() for j in range(5)] for i in range(5)])
output_shape = (2, 5, 5)

# %% exercise="conv_by_hand" mistake="flips the kernels (true convolution): W1 and W2 swap roles"
f1 = np.array([[(W1.T * X[i:i + 3, j:j + 3]).sum() for j in range(3)] for i in range(3)])
f2 = np.array([[(W2.T * X[i:i + 3, j:j + 3]).sum() for j in range(3)] for i in range(3)])
output_shape = (2, 3, 3)

# %% exercise="conv_by_hand" mistake="arithmetic slip on the middle row (-6 instead of -12)"
f1 = np.array([[9.0, 9.0, 9.0], [-6.0, -6.0, -6.0], [9.0, 9.0, 9.0]])
f2 = np.zeros((3, 3))
output_shape = (2, 3, 3)

# %% exercise="conv_by_hand" mistake="output shape without the channel axis"
f1 = np.array([[9.0, 9.0, 9.0], [-12.0, -12.0, -12.0], [9.0, 9.0, 9.0]])
f2 = np.zeros((3, 3))
output_shape = (3, 3)

# %% exercise="max_pool_by_hand" mistake="max over one axis only (a row of maxima, not 1x1)"
p1 = f1.max(axis=0)
p2 = f2.max(axis=0)
pooled = np.stack([p1, p2])

# %% exercise="max_pool_by_hand" mistake="channels stacked on the last axis, (1, 1, 2): (height, width, channels)"
p1 = np.array([[f1.max()]])
p2 = np.array([[f2.max()]])
pooled = np.stack([p1, p2], axis=-1)

# %% exercise="max_pool_by_hand" mistake="average pooling instead of max pooling"
p1 = np.array([[f1.mean()]])
p2 = np.array([[f2.mean()]])
pooled = np.stack([p1, p2])

# %% exercise="tensors" mistake="V with v1 and v2 as rows instead of columns"
v1 = torch.tensor([[1.0], [2.0]])
v2 = torch.tensor([[-2.0], [-1.0]])
A = torch.tensor([[1.0, -1.0], [0.0, 1.0]])
V = torch.cat([v1.T, v2.T], dim=0)

# %% exercise="tensors" mistake="integer tensors (1 instead of 1.0): autograd needs floats"
v1 = torch.tensor([[1], [2]])
v2 = torch.tensor([[-2], [-1]])
A = torch.tensor([[1, -1], [0, 1]])
V = torch.cat([v1, v2], dim=1)

# %% exercise="tensors" mistake="vectors of shape (2,) instead of columns (2, 1)"
v1 = torch.tensor([1.0, 2.0])
v2 = torch.tensor([-2.0, -1.0])
A = torch.tensor([[1.0, -1.0], [0.0, 1.0]])
V = torch.stack([v1, v2], dim=1)

# %% exercise="hadamard" mistake="matrix product instead of the elementwise product"
def hadamard(A, B):
    return A @ B

# %% exercise="hadamard" mistake="converts to NumPy and returns a NumPy array, not a tensor"
def hadamard(A, B):
    return A.numpy() * B.numpy()

# %% exercise="matmul" mistake="elementwise product instead of the matrix product"
def matmul(A, B):
    return A * B

# %% exercise="matmul" mistake="factors in the wrong order (B A)"
def matmul(A, B):
    return B @ A

# %% exercise="matmul" mistake="pure Python loops that return a list of lists, not a tensor"
def matmul(A, B):
    return [[sum(float(A[i, k] * B[k, j]) for k in range(A.shape[1])) for j in range(B.shape[1])]
            for i in range(A.shape[0])]

# %% exercise="squared_l2" mistake="the L2 norm, not squared"
def squared_l2(v1, v2):
    return torch.sqrt(((v1 - v2) ** 2).sum())

# %% exercise="squared_l2" mistake="uses torch.norm, which the exercise forbids"
def squared_l2(v1, v2):
    return torch.norm(v1 - v2) ** 2

# %% exercise="squared_l2" mistake="sums the differences before squaring"
def squared_l2(v1, v2):
    return (v1 - v2).sum() ** 2

# %% exercise="squared_l2" mistake="hard-coded for two elements"
def squared_l2(v1, v2):
    d = (v1 - v2).reshape(-1)
    return d[0] ** 2 + d[1] ** 2

# %% exercise="squared_l2_grads" mistake="writes the formula instead of using autograd"
def squared_l2_grads(v1, v2):
    return 2 * (v1 - v2), -2 * (v1 - v2)

# %% exercise="squared_l2_grads" mistake="reads .grad before calling backward"
def squared_l2_grads(v1, v2):
    a = v1.detach().clone().requires_grad_(True)
    b = v2.detach().clone().requires_grad_(True)
    grads = (a.grad, b.grad)
    squared_l2(a, b).backward()
    return grads

# %% exercise="squared_l2_grads" mistake="gradient sign: returns dy/dv1 for both inputs"
def squared_l2_grads(v1, v2):
    a = v1.detach().clone().requires_grad_(True)
    b = v2.detach().clone().requires_grad_(True)
    squared_l2(a, b).backward()
    return a.grad, a.grad

# %% exercise="squared_l2_grads" mistake="sets requires_grad on the caller's tensors instead of copies"
def squared_l2_grads(v1, v2):
    v1.requires_grad_(True)
    v2.requires_grad_(True)
    squared_l2(v1, v2).backward()
    return v1.grad, v2.grad
