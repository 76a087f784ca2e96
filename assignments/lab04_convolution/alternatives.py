# %% [markdown]
# Other correct answers to Lab 4: each replaces the solution cell named by `exercise` and must keep
# full marks (tests/test_labs.py).

# %% exercise="convolve" approach="nested list comprehension turned into an array"
def convolve(fn, inp, size=3):
    rows, cols = inp.shape[0] - size + 1, inp.shape[1] - size + 1
    return np.array([[fn(inp[i:i + size, j:j + size]) for j in range(cols)] for i in range(rows)])

# %% exercise="convolve" approach="sliding_window_view, columns in the outer loop, a float64 torch tensor"
def convolve(fn, inp, size=3):
    from numpy.lib.stride_tricks import sliding_window_view

    windows = sliding_window_view(inp, (size, size))  # (H', W', size, size)
    out = torch.zeros(windows.shape[:2], dtype=torch.float64)
    for j in range(windows.shape[1]):
        for i in range(windows.shape[0]):
            out[i, j] = float(fn(windows[i, j]))
    return out

# %% exercise="my_convolution" approach="plain loops over images, kernels and positions (np.sum over C, KH, KW)"
def my_convolution(input_numpy, kernel_numpy):
    N, C, H, W = input_numpy.shape
    F, _, KH, KW = kernel_numpy.shape
    out = np.zeros((N, F, H - KH + 1, W - KW + 1))
    for n in range(N):
        for f in range(F):
            for i in range(H - KH + 1):
                for j in range(W - KW + 1):
                    out[n, f, i, j] = np.sum(input_numpy[n, :, i:i + KH, j:j + KW] * kernel_numpy[f])
    return out

# %% exercise="my_convolution" approach="seven nested loops over scalars, the slowest honest version"
def my_convolution(input_numpy, kernel_numpy):
    N, C, H, W = input_numpy.shape
    F, _, KH, KW = kernel_numpy.shape
    out = np.zeros((N, F, H - KH + 1, W - KW + 1))
    for n in range(N):
        for f in range(F):
            for i in range(H - KH + 1):
                for j in range(W - KW + 1):
                    total = 0.0
                    for c in range(C):
                        for a in range(KH):
                            for b in range(KW):
                                total += input_numpy[n, c, i + a, j + b] * kernel_numpy[f, c, a, b]
                    out[n, f, i, j] = total
    return out

# %% exercise="my_convolution" approach="loops, computed and returned in float32 whatever the input dtype"
def my_convolution(input_numpy, kernel_numpy):
    x = input_numpy.astype(np.float32)
    k = kernel_numpy.astype(np.float32)
    N, C, H, W = x.shape
    F, _, KH, KW = k.shape
    out = np.zeros((N, F, H - KH + 1, W - KW + 1), dtype=np.float32)
    for i in range(H - KH + 1):
        for j in range(W - KW + 1):
            for f in range(F):
                out[:, f, i, j] = (x[:, :, i:i + KH, j:j + KW] * k[f]).sum(axis=(1, 2, 3))
    return out

# %% exercise="my_convolution" approach="vectorised: sliding_window_view and tensordot"
def my_convolution(input_numpy, kernel_numpy):
    from numpy.lib.stride_tricks import sliding_window_view

    KH, KW = kernel_numpy.shape[2:]
    windows = sliding_window_view(input_numpy, (KH, KW), axis=(2, 3))  # (N, C, H', W', KH, KW)
    out = np.tensordot(windows, kernel_numpy, axes=([1, 4, 5], [1, 2, 3]))  # (N, H', W', F)
    return out.transpose(0, 3, 1, 2)

# %% exercise="my_convolution" approach="im2col: loop over kernel offsets, one matrix product each (keeps float32)"
def my_convolution(input_numpy, kernel_numpy):
    N, C, H, W = input_numpy.shape
    F, _, KH, KW = kernel_numpy.shape
    Ho, Wo = H - KH + 1, W - KW + 1
    out = np.zeros((N, F, Ho, Wo), dtype=np.result_type(input_numpy, kernel_numpy))
    for a in range(KH):
        for b in range(KW):
            shifted = input_numpy[:, :, a:a + Ho, b:b + Wo]  # (N, C, Ho, Wo)
            out += np.einsum("nchw,fc->nfhw", shifted, kernel_numpy[:, :, a, b])
    return out

# %% exercise="my_convolution" approach="scipy.signal.correlate2d for every image, kernel and channel"
def my_convolution(input_numpy, kernel_numpy):
    from scipy.signal import correlate2d

    N, C = input_numpy.shape[:2]
    F = kernel_numpy.shape[0]
    return np.array([[sum(correlate2d(input_numpy[n, c], kernel_numpy[f, c], mode="valid") for c in range(C))
                      for f in range(F)] for n in range(N)])

# %% exercise="conv_output_size" approach="math.floor of a true division, int()"
import math


def conv_output_size(n, k, stride=1, padding=0):
    return int(math.floor((n - k + 2 * padding) / stride)) + 1

# %% exercise="conv_output_size" approach="counts the window positions with range"
def conv_output_size(n, k, stride=1, padding=0):
    return len(range(0, n + 2 * padding - k + 1, stride))

# %% exercise="conv2d" approach="loops over output positions with the stride in the index, tensordot over C, KH, KW"
def conv2d(x, w, b=None, stride=1, padding=0):
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    Ho, Wo = conv_output_size(H, KH, stride), conv_output_size(W, KW, stride)
    out = np.zeros((N, F, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            window = x[:, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))
    if b is not None:
        out += np.asarray(b)[None, :, None, None]
    return out

# %% exercise="conv2d" approach="six plain loops over scalars, padding by copying into a zero array"
def conv2d(x, w, b=None, stride=1, padding=0):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    padded = np.zeros((N, C, H + 2 * padding, W + 2 * padding))
    padded[:, :, padding:padding + H, padding:padding + W] = x
    Ho = (H + 2 * padding - KH) // stride + 1
    Wo = (W + 2 * padding - KW) // stride + 1
    out = np.zeros((N, F, Ho, Wo))
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    total = 0.0 if b is None else b[f]
                    for c in range(C):
                        for a in range(KH):
                            total += np.dot(padded[n, c, i * stride + a, j * stride:j * stride + KW], w[f, c, a])
                    out[n, f, i, j] = total
    return out

# %% exercise="conv2d" approach="pads, reuses my_convolution (stride 1), then keeps every stride-th output"
def conv2d(x, w, b=None, stride=1, padding=0):
    padded = np.pad(x, [(0, 0), (0, 0), (padding, padding), (padding, padding)], mode="constant")
    out = my_convolution(padded, w)[:, :, ::stride, ::stride]
    return out if b is None else out + b.reshape(-1, 1, 1)

# %% exercise="max_pool2d" approach="loops over windows with np.max over the window axes"
def max_pool2d(x, size, stride=None):
    if stride is None:
        stride = size
    N, C, H, W = x.shape
    Ho, Wo = (H - size) // stride + 1, (W - size) // stride + 1
    out = np.empty((N, C, Ho, Wo), dtype=x.dtype)
    for i in range(Ho):
        for j in range(Wo):
            out[:, :, i, j] = x[:, :, i * stride:i * stride + size, j * stride:j * stride + size].max(axis=(2, 3))
    return out

# %% exercise="max_pool2d" approach="reuses convolve from exercise 1 with np.max, then subsamples"
def max_pool2d(x, size, stride=None):
    stride = stride or size
    return np.array([[np.asarray(convolve(np.max, channel, size))[::stride, ::stride] for channel in img]
                     for img in x])

# %% exercise="relu" approach="x * (x > 0)"
def relu(x):
    return x * (x > 0)

# %% exercise="relu" approach="np.where, then np.clip (same thing, two ways)"
def relu(x):
    y = np.where(x > 0, x, 0)
    return np.clip(y, 0, None)

# %% exercise="relu" approach="in-place on a copy with boolean masking"
def relu(x):
    out = np.array(x, copy=True)
    out[out < 0] = 0
    return out

# %% exercise="conv_layers" approach="keyword arguments, tuple sizes, padding='same', shapes from running the layers"
bank = torch.nn.Conv2d(in_channels=3, out_channels=10, kernel_size=(5, 5), bias=False)
down = torch.nn.Conv2d(in_channels=3, out_channels=10, kernel_size=(5, 5), stride=(16, 16), bias=False)
same = torch.nn.Conv2d(in_channels=3, out_channels=10, kernel_size=(5, 5), padding="same", bias=False)
pool = torch.nn.MaxPool2d(kernel_size=(15, 15), stride=(1, 1))
bank_shape = tuple(bank(image).shape)
down_shape = tuple(down(image).shape)
same_shape = tuple(same(image).shape)
pool_shape = tuple(pool(image).shape)

# %% exercise="conv_layers" approach="positional arguments; shapes by arithmetic, as a torch.Size, a list and tuples"
bank = torch.nn.Conv2d(3, 10, 5, 1, 0, bias=False)
down = torch.nn.Conv2d(3, 10, 5, 16, 0, bias=False)
same = torch.nn.Conv2d(3, 10, 5, 1, 2, bias=False)
pool = torch.nn.MaxPool2d(15, 1)
H, W = image.shape[-2:]
bank_shape = torch.Size([1, 10, H - 4, W - 4])
down_shape = [1, 10, (H - 5) // 16 + 1, (W - 5) // 16 + 1]
same_shape = image.shape[:1] + (10,) + image.shape[2:]
pool_shape = (1, 3, H - 14, W - 14)

# %% exercise="laplacian_weight" approach="float64 tensor built from a nested list"
def laplacian_weight():
    k = [[0, 1, 0], [1, -4, 1], [0, 1, 0]]
    return torch.tensor([[k, k, k]], dtype=torch.float64)

# %% exercise="laplacian_weight" approach="torch.stack and unsqueeze"
def laplacian_weight():
    k = torch.zeros(3, 3)
    k[1, :] = 1.0
    k[:, 1] = 1.0
    k[1, 1] = -4.0
    return torch.stack([k, k, k]).unsqueeze(0)

# %% exercise="derivative_weight" approach="torch.cat of the kernel and its negative, expand over the channels"
def derivative_weight():
    s = torch.tensor([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]]).expand(1, 3, 3, 3)
    return torch.cat([s, -s], dim=0)

# %% exercise="derivative_weight" approach="outer product of the derivative [-1, 0, 1] and the smoothing [1, 2, 1]"
def derivative_weight():
    s = np.outer([-1.0, 0.0, 1.0], [1.0, 2.0, 1.0])
    w = np.zeros((2, 3, 3, 3))
    w[0, :] = s
    w[1, :] = -s
    return torch.from_numpy(w)
