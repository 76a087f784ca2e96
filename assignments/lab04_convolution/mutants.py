# %% [markdown]
# Known-wrong answers to Lab 4: each replaces the solution cell named by `exercise`, exactly as a
# student's cell would, and must lose points on that exercise (tests/test_labs.py).

# %% exercise="convolve" mistake="a 2x2 window where 3x3 was asked (range(i, i + 2)), output shape still right"
def convolve(fn, inp, size=3):
    H, W = inp.shape
    out = np.zeros((H - size + 1, W - size + 1))
    for i in range(H - size + 1):
        for j in range(W - size + 1):
            out[i, j] = fn(inp[i:i + 2, j:j + 2])
    return out

# %% exercise="convolve" mistake="window size hard-coded to 3, ignoring the size argument"
def convolve(fn, inp, size=3):
    H, W = inp.shape
    out = np.zeros((H - 2, W - 2))
    for i in range(H - 2):
        for j in range(W - 2):
            out[i, j] = fn(inp[i:i + 3, j:j + 3])
    return out

# %% exercise="convolve" mistake="output size off by one: range(H - size) misses the last row and column"
def convolve(fn, inp, size=3):
    H, W = inp.shape
    out = np.zeros((H - size, W - size))
    for i in range(H - size):
        for j in range(W - size):
            out[i, j] = fn(inp[i:i + size, j:j + size])
    return out

# %% exercise="convolve" mistake="rows and columns swapped: loops over W for i (transposed output)"
def convolve(fn, inp, size=3):
    H, W = inp.shape
    out = np.zeros((W - size + 1, H - size + 1))
    for i in range(W - size + 1):
        for j in range(H - size + 1):
            out[i, j] = fn(inp[j:j + size, i:i + size])
    return out

# %% exercise="my_convolution" mistake="true convolution: flips the kernel, unlike torch's cross-correlation"
def my_convolution(input_numpy, kernel_numpy):
    N, C, H, W = input_numpy.shape
    F, _, KH, KW = kernel_numpy.shape
    flipped = kernel_numpy[:, :, ::-1, ::-1]
    out = np.zeros((N, F, H - KH + 1, W - KW + 1))
    for n in range(N):
        for f in range(F):
            for i in range(H - KH + 1):
                for j in range(W - KW + 1):
                    out[n, f, i, j] = np.sum(input_numpy[n, :, i:i + KH, j:j + KW] * flipped[f])
    return out

# %% exercise="my_convolution" mistake="channels not summed: overwrites the output for each channel, keeping the last"
def my_convolution(input_numpy, kernel_numpy):
    N, C, H, W = input_numpy.shape
    F, _, KH, KW = kernel_numpy.shape
    out = np.zeros((N, F, H - KH + 1, W - KW + 1))
    for n in range(N):
        for f in range(F):
            for c in range(C):
                for i in range(H - KH + 1):
                    for j in range(W - KW + 1):
                        out[n, f, i, j] = np.sum(input_numpy[n, c, i:i + KH, j:j + KW] * kernel_numpy[f, c])
    return out

# %% exercise="my_convolution" mistake="kernel axes (KH, KW) swapped: uses the transposed kernel"
def my_convolution(input_numpy, kernel_numpy):
    N, C, H, W = input_numpy.shape
    F, _, KH, KW = kernel_numpy.shape
    kernels = kernel_numpy.transpose(0, 1, 3, 2)
    KH, KW = KW, KH
    out = np.zeros((N, F, H - KH + 1, W - KW + 1))
    for n in range(N):
        for f in range(F):
            for i in range(H - KH + 1):
                for j in range(W - KW + 1):
                    out[n, f, i, j] = np.sum(input_numpy[n, :, i:i + KH, j:j + KW] * kernels[f])
    return out

# %% exercise="my_convolution" mistake="assumes square kernels: uses KH for both axes"
def my_convolution(input_numpy, kernel_numpy):
    N, C, H, W = input_numpy.shape
    F, _, K, _ = kernel_numpy.shape
    out = np.zeros((N, F, H - K + 1, W - K + 1))
    for n in range(N):
        for f in range(F):
            for i in range(H - K + 1):
                for j in range(W - K + 1):
                    out[n, f, i, j] = np.sum(input_numpy[n, :, i:i + K, j:j + K] * kernel_numpy[f])
    return out

# %% exercise="my_convolution" mistake="output size off by one: H - KH instead of H - KH + 1"
def my_convolution(input_numpy, kernel_numpy):
    N, C, H, W = input_numpy.shape
    F, _, KH, KW = kernel_numpy.shape
    out = np.zeros((N, F, H - KH, W - KW))
    for n in range(N):
        for f in range(F):
            for i in range(H - KH):
                for j in range(W - KW):
                    out[n, f, i, j] = np.sum(input_numpy[n, :, i:i + KH, j:j + KW] * kernel_numpy[f])
    return out

# %% exercise="my_convolution" mistake="uses torch.conv2d (right values, but the exercise forbids torch)"
def my_convolution(input_numpy, kernel_numpy):
    return torch.conv2d(torch.from_numpy(input_numpy), torch.from_numpy(kernel_numpy)).numpy()

# %% exercise="my_convolution" mistake="output array of integers (dtype=int): every value truncated"
def my_convolution(input_numpy, kernel_numpy):
    N, C, H, W = input_numpy.shape
    F, _, KH, KW = kernel_numpy.shape
    out = np.zeros((N, F, H - KH + 1, W - KW + 1), dtype=int)
    for n in range(N):
        for f in range(F):
            for i in range(H - KH + 1):
                for j in range(W - KW + 1):
                    out[n, f, i, j] = np.sum(input_numpy[n, :, i:i + KH, j:j + KW] * kernel_numpy[f])
    return out

# %% exercise="conv_output_size" mistake="output size off by one: forgets the + 1"
def conv_output_size(n, k, stride=1, padding=0):
    return (n + 2 * padding - k) // stride

# %% exercise="conv_output_size" mistake="padding counted on one side only"
def conv_output_size(n, k, stride=1, padding=0):
    return (n + padding - k) // stride + 1

# %% exercise="conv_output_size" mistake="true division: a float, wrong when the stride does not divide"
def conv_output_size(n, k, stride=1, padding=0):
    return (n + 2 * padding - k) / stride + 1

# %% exercise="conv_output_size" mistake="rounds up instead of down"
def conv_output_size(n, k, stride=1, padding=0):
    return -(-(n + 2 * padding - k) // stride) + 1

# %% exercise="conv2d" mistake="stride applied to the input index but not the output size"
def conv2d(x, w, b=None, stride=1, padding=0):
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    out = np.zeros((N, F, H - KH + 1, W - KW + 1))
    for i in range(H - KH + 1):
        for j in range(W - KW + 1):
            window = x[:, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
            if window.shape[2:] == (KH, KW):
                out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out

# %% exercise="conv2d" mistake="stride applied to the output size but not the input index"
def conv2d(x, w, b=None, stride=1, padding=0):
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    out = np.zeros((N, F, (H - KH) // stride + 1, (W - KW) // stride + 1))
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            out[:, :, i, j] = np.tensordot(x[:, :, i:i + KH, j:j + KW], w, axes=([1, 2, 3], [1, 2, 3]))
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out

# %% exercise="conv2d" mistake="padding on one side only (top and left)"
def conv2d(x, w, b=None, stride=1, padding=0):
    x = np.pad(x, ((0, 0), (0, 0), (padding, 0), (padding, 0)))
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    out = np.zeros((N, F, (H - KH) // stride + 1, (W - KW) // stride + 1))
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            window = x[:, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out

# %% exercise="conv2d" mistake="ignores the bias"
def conv2d(x, w, b=None, stride=1, padding=0):
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    out = np.zeros((N, F, (H - KH) // stride + 1, (W - KW) // stride + 1))
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            window = x[:, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))
    return out

# %% exercise="conv2d" mistake="bias added along the last axis (broadcasts over W, not over the channels)"
def conv2d(x, w, b=None, stride=1, padding=0):
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    out = np.zeros((N, F, (H - KH) // stride + 1, (W - KW) // stride + 1))
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            window = x[:, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))
    if b is not None:
        out = out + b
    return out

# %% exercise="conv2d" mistake="padding ignored when the stride is 1 (pads only in the strided branch)"
def conv2d(x, w, b=None, stride=1, padding=0):
    from numpy.lib.stride_tricks import sliding_window_view

    if stride > 1 and padding:
        x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    KH, KW = w.shape[2:]
    windows = sliding_window_view(x, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]
    out = np.einsum("nchwab,fcab->nfhw", windows, w)
    if b is not None:
        out = out + b.reshape(1, -1, 1, 1)
    return out

# %% exercise="conv2d" mistake="np.pad(x, padding) pads the batch and channel axes too"
def conv2d(x, w, b=None, stride=1, padding=0):
    from numpy.lib.stride_tricks import sliding_window_view

    x = np.pad(x, padding)
    KH, KW = w.shape[2:]
    windows = sliding_window_view(x, (KH, KW), axis=(2, 3))[:, :, ::stride, ::stride]
    out = np.einsum("nchwab,fcab->nfhw", windows, w)  # fails: the padded x has C + 2 * padding channels
    if b is not None:
        out = out + b.reshape(1, -1, 1, 1)
    return out

# %% exercise="conv2d" mistake="uses torch's conv2d (right values, but the exercise asks for NumPy)"
def conv2d(x, w, b=None, stride=1, padding=0):
    out = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), None if b is None else torch.from_numpy(b),
                   stride=stride, padding=padding)
    return out.numpy()

# %% exercise="max_pool2d" mistake="overlapping windows: stride defaults to 1 instead of the window size"
def max_pool2d(x, size, stride=None):
    from numpy.lib.stride_tricks import sliding_window_view

    stride = 1 if stride is None else stride
    return sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride].max(axis=(4, 5))

# %% exercise="max_pool2d" mistake="maximum started from 0: wrong for windows of negative values"
def max_pool2d(x, size, stride=None):
    stride = size if stride is None else stride
    N, C, H, W = x.shape
    out = np.zeros((N, C, (H - size) // stride + 1, (W - size) // stride + 1))
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            for a in range(size):
                for b in range(size):
                    out[:, :, i, j] = np.maximum(out[:, :, i, j], x[:, :, i * stride + a, j * stride + b])
    return out

# %% exercise="max_pool2d" mistake="ignores the stride argument (always stride = size)"
def max_pool2d(x, size, stride=None):
    N, C, H, W = x.shape
    Ho, Wo = H // size, W // size
    return x[:, :, :Ho * size, :Wo * size].reshape(N, C, Ho, size, Wo, size).max(axis=(3, 5))

# %% exercise="max_pool2d" mistake="max over the channels too (one max per window for all channels)"
def max_pool2d(x, size, stride=None):
    from numpy.lib.stride_tricks import sliding_window_view

    stride = size if stride is None else stride
    pooled = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride].max(axis=(4, 5))
    return np.broadcast_to(pooled.max(axis=1, keepdims=True), pooled.shape)

# %% exercise="max_pool2d" mistake="ceil mode: keeps the partial windows at the right and bottom borders"
def max_pool2d(x, size, stride=None):
    stride = size if stride is None else stride
    N, C, H, W = x.shape
    Ho, Wo = -(-(H - size) // stride) + 1, -(-(W - size) // stride) + 1
    out = np.empty((N, C, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            out[:, :, i, j] = x[:, :, i * stride:i * stride + size, j * stride:j * stride + size].max(axis=(2, 3))
    return out

# %% exercise="max_pool2d" mistake="uses torch's max_pool2d (right values, but the exercise asks for NumPy)"
def max_pool2d(x, size, stride=None):
    return F.max_pool2d(torch.from_numpy(x), size, stride=stride).numpy()

# %% exercise="relu" mistake="also zeroes the positive values below 1"
def relu(x):
    return np.where(x > 1, x, 0.0)

# %% exercise="relu" mistake="sets the negative values to 0 in place and forgets to return"
def relu(x):
    x[x < 0] = 0

# %% exercise="relu" mistake="absolute value instead of max(x, 0)"
def relu(x):
    return np.abs(x)

# %% exercise="relu" mistake="max over the whole array instead of elementwise (np.max(x, 0))"
def relu(x):
    return np.max(x, 0)

# %% exercise="conv_layers" mistake="padding 1 instead of 2 for the size-keeping layer, and its shape guessed"
bank = torch.nn.Conv2d(3, 10, kernel_size=5, bias=False)
down = torch.nn.Conv2d(3, 10, kernel_size=5, stride=16, bias=False)
same = torch.nn.Conv2d(3, 10, kernel_size=5, padding=1, bias=False)
pool = torch.nn.MaxPool2d(15, stride=1)
bank_shape = tuple(bank(image).shape)
down_shape = tuple(down(image).shape)
same_shape = (1, 10) + tuple(image.shape[2:])
pool_shape = tuple(pool(image).shape)

# %% exercise="conv_layers" mistake="keeps the default bias"
bank = torch.nn.Conv2d(3, 10, kernel_size=5)
down = torch.nn.Conv2d(3, 10, kernel_size=5, stride=16)
same = torch.nn.Conv2d(3, 10, kernel_size=5, padding=2)
pool = torch.nn.MaxPool2d(15, stride=1)
bank_shape = tuple(bank(image).shape)
down_shape = tuple(down(image).shape)
same_shape = tuple(same(image).shape)
pool_shape = tuple(pool(image).shape)

# %% exercise="conv_layers" mistake="stride 16 size rounded up: ceil((H - 5) / 16) + 1"
import math

bank = torch.nn.Conv2d(3, 10, kernel_size=5, bias=False)
down = torch.nn.Conv2d(3, 10, kernel_size=5, stride=16, bias=False)
same = torch.nn.Conv2d(3, 10, kernel_size=5, padding=2, bias=False)
pool = torch.nn.MaxPool2d(15, stride=1)
bank_shape = (1, 10, image.shape[2] - 4, image.shape[3] - 4)
down_shape = (1, 10, math.ceil((image.shape[2] - 5) / 16) + 1, math.ceil((image.shape[3] - 5) / 16) + 1)
same_shape = (1, 10, image.shape[2], image.shape[3])
pool_shape = (1, 3, image.shape[2] - 14, image.shape[3] - 14)

# %% exercise="conv_layers" mistake="pooling with the default stride (= 15) instead of stride 1"
bank = torch.nn.Conv2d(3, 10, kernel_size=5, bias=False)
down = torch.nn.Conv2d(3, 10, kernel_size=5, stride=16, bias=False)
same = torch.nn.Conv2d(3, 10, kernel_size=5, padding=2, bias=False)
pool = torch.nn.MaxPool2d(15)
bank_shape = tuple(bank(image).shape)
down_shape = tuple(down(image).shape)
same_shape = tuple(same(image).shape)
pool_shape = tuple(pool(image).shape)

# %% exercise="laplacian_weight" mistake="the kernel on the first channel only (the others zero)"
def laplacian_weight():
    w = torch.zeros(1, 3, 3, 3)
    w[0, 0] = torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])
    return w

# %% exercise="laplacian_weight" mistake="channels on the output axis: shape (3, 1, 3, 3)"
def laplacian_weight():
    kernel = torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])
    return kernel.repeat(3, 1, 1, 1)

# %% exercise="laplacian_weight" mistake="divides by 3 to average the channels (not what was asked)"
def laplacian_weight():
    kernel = torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])
    return kernel.repeat(1, 3, 1, 1) / 3

# %% exercise="derivative_weight" mistake="the pair (S, S) instead of (S, -S)"
def derivative_weight():
    sobel = torch.tensor([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]])
    return torch.stack([sobel.repeat(3, 1, 1), sobel.repeat(3, 1, 1)])

# %% exercise="derivative_weight" mistake="horizontal derivative (S transposed)"
def derivative_weight():
    sobel = torch.tensor([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]]).T
    return torch.stack([sobel.repeat(3, 1, 1), -sobel.repeat(3, 1, 1)])

# %% exercise="derivative_weight" mistake="kernel and its negative on the channel axis: shape (1, 6, 3, 3)"
def derivative_weight():
    sobel = torch.tensor([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]])
    return torch.cat([sobel.repeat(3, 1, 1), -sobel.repeat(3, 1, 1)])[None]
