# %% [markdown]
# Known-wrong answers to Lab 3: each replaces the solution cell named by `exercise`, exactly as a
# student's cell would, and must lose points on that exercise (tests/test_labs.py).

# %% [markdown]
# ### Part 1 — NumPy MLP (part1_numpy_mlp)

# %% exercise="one_hot" mistake="number of classes taken from the labels (labels.max() + 1) instead of n_classes"
def one_hot(labels, n_classes=10):
    labels = np.asarray(labels)
    Y = np.zeros((len(labels), labels.max() + 1))
    Y[np.arange(len(labels)), labels] = 1.0
    return Y

# %% exercise="one_hot" mistake="transposed: one column per example, shape (C, N)"
def one_hot(labels, n_classes=10):
    return np.eye(n_classes)[:, np.asarray(labels)]

# %% exercise="sigmoid" mistake="sign error: 1 / (1 + exp(x))"
def sigmoid(x):
    return 1.0 / (1.0 + np.exp(x))

# %% exercise="softmax" mistake="unstable: exp overflows for scores of magnitude 1000 (nan)"
def softmax(x):
    e = np.exp(x)
    return e / np.sum(e, axis=1, keepdims=True)

# %% exercise="softmax" mistake="normalises over the wrong axis (columns, axis=0)"
def softmax(x):
    e = np.exp(x - np.max(x, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)

# %% exercise="softmax" mistake="subtracts the global maximum, not each row's: rows near -1000 underflow to 0/0"
def softmax(x):
    e = np.exp(x - np.max(x))
    return e / np.sum(e, axis=1, keepdims=True)

# %% exercise="init_layers" mistake="leaves out the input layer"
def init_layers(batch_size, layer_sizes):
    return [np.zeros((batch_size, size)) for size in layer_sizes[1:]]

# %% exercise="init_weights" mistake="standard normal weights instead of uniform in [-1, 1]"
def init_weights(layer_sizes, rng=None):
    rng = np.random.default_rng() if rng is None else rng
    return [rng.standard_normal((n_in, n_out)) for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:])]

# %% exercise="init_weights" mistake="ignores rng: draws from NumPy's global generator"
def init_weights(layer_sizes, rng=None):
    return [np.random.uniform(-1.0, 1.0, size=(n_in, n_out)) for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:])]

# %% exercise="init_weights" mistake="uniform in [0, 1]"
def init_weights(layer_sizes, rng=None):
    rng = np.random.default_rng() if rng is None else rng
    return [rng.random((n_in, n_out)) for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:])]

# %% exercise="feed_forward" mistake="sigmoid on the output layer too, no softmax"
def feed_forward(batch, hidden_layers, weights):
    hidden_layers[0] = batch
    for l, W in enumerate(weights):
        hidden_layers[l + 1] = sigmoid(hidden_layers[l] @ W)
    return hidden_layers[-1], hidden_layers

# %% exercise="feed_forward" mistake="computes the output but does not store the hidden activations"
def feed_forward(batch, hidden_layers, weights):
    h = batch
    for l, W in enumerate(weights):
        h = softmax(h @ W) if l == len(weights) - 1 else sigmoid(h @ W)
    hidden_layers[-1] = h
    return h, hidden_layers

# %% exercise="feed_forward" mistake="softmax over the scores of every layer"
def feed_forward(batch, hidden_layers, weights):
    hidden_layers[0] = batch
    for l, W in enumerate(weights):
        hidden_layers[l + 1] = softmax(hidden_layers[l] @ W)
    return hidden_layers[-1], hidden_layers

# %% exercise="sigmoid_prime" mistake="treats its input as the pre-activation: sigmoid(s) (1 - sigmoid(s))"
def sigmoid_prime(sigmoid_out):
    return sigmoid(sigmoid_out) * (1.0 - sigmoid(sigmoid_out))

# %% exercise="back_prop" mistake="missing division by the batch size (gradient of the summed loss)"
def back_prop(output, batch_y, hidden_layers, weights, batch_size, lr):
    delta = output - batch_y
    grads = [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        grads[l] = hidden_layers[l].T @ delta
        if l > 0:
            delta = (delta @ weights[l].T) * sigmoid_prime(hidden_layers[l])
    return [W - lr * grad for W, grad in zip(weights, grads)]

# %% exercise="back_prop" mistake="weights updated with + instead of - (gradient ascent)"
def back_prop(output, batch_y, hidden_layers, weights, batch_size, lr):
    delta = (output - batch_y) / batch_size
    grads = [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        grads[l] = hidden_layers[l].T @ delta
        if l > 0:
            delta = (delta @ weights[l].T) * sigmoid_prime(hidden_layers[l])
    return [W + lr * grad for W, grad in zip(weights, grads)]

# %% exercise="back_prop" mistake="sigmoid applied twice: sigmoid_prime(sigmoid(h)) on activations that are already sigmoid outputs"
def back_prop(output, batch_y, hidden_layers, weights, batch_size, lr):
    delta = (output - batch_y) / batch_size
    grads = [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        grads[l] = hidden_layers[l].T @ delta
        if l > 0:
            delta = (delta @ weights[l].T) * sigmoid_prime(sigmoid(hidden_layers[l]))
    return [W - lr * grad for W, grad in zip(weights, grads)]

# %% exercise="back_prop" mistake="propagates the error through weights already updated in this step"
def back_prop(output, batch_y, hidden_layers, weights, batch_size, lr):
    delta = (output - batch_y) / batch_size
    for l in range(len(weights) - 1, -1, -1):
        weights[l] = weights[l] - lr * hidden_layers[l].T @ delta
        if l > 0:
            delta = (delta @ weights[l].T) * sigmoid_prime(hidden_layers[l])
    return weights

# %% exercise="back_prop" mistake="transposed weight gradient (delta.T @ h), reshaped to fit"
def back_prop(output, batch_y, hidden_layers, weights, batch_size, lr):
    delta = (output - batch_y) / batch_size
    grads = [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        grads[l] = (delta.T @ hidden_layers[l]).reshape(weights[l].shape)
        if l > 0:
            delta = (delta @ weights[l].T) * sigmoid_prime(hidden_layers[l])
    return [W - lr * grad for W, grad in zip(weights, grads)]

# %% exercise="back_prop" mistake="forgets the derivative of the sigmoid when going down a layer"
def back_prop(output, batch_y, hidden_layers, weights, batch_size, lr):
    delta = (output - batch_y) / batch_size
    grads = [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        grads[l] = hidden_layers[l].T @ delta
        if l > 0:
            delta = delta @ weights[l].T
    return [W - lr * grad for W, grad in zip(weights, grads)]

# %% exercise="back_prop" mistake="lets torch's autograd find the gradients (right values, but part 1 is NumPy only)"
def back_prop(output, batch_y, hidden_layers, weights, batch_size, lr):
    W = [torch.tensor(w, requires_grad=True) for w in weights]
    h = torch.from_numpy(hidden_layers[0])
    for l, w in enumerate(W):
        h = h @ w if l == len(W) - 1 else torch.sigmoid(h @ w)
    (-(torch.from_numpy(batch_y) * torch.log_softmax(h, dim=1)).sum() / batch_size).backward()
    return [(w - lr * w.grad).detach().numpy() for w in W]

# %% exercise="MLP" mistake="train discards the weights returned by back_prop (nothing is learned)"
class MLP:
    def __init__(self, layer_sizes, X_train, Y_train, X_val, Y_val, seed=0):
        self.layer_sizes = list(layer_sizes)
        self.X_train, self.Y_train, self.X_val, self.Y_val = X_train, Y_train, X_val, Y_val
        self.rng = np.random.default_rng(seed)
        self.weights = init_weights(self.layer_sizes, self.rng)
        self.history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}

    def predict(self, X):
        output, _ = feed_forward(X, init_layers(len(X), self.layer_sizes), self.weights)
        return np.argmax(output, axis=1)

    def evaluate(self, X, Y):
        output, _ = feed_forward(X, init_layers(len(X), self.layer_sizes), self.weights)
        return float(-np.mean(np.sum(Y * np.log(output), axis=1))), float(np.mean(np.argmax(output, 1) == np.argmax(Y, 1)))

    def train(self, batch_size, epochs, lr):
        n = len(self.X_train)
        for epoch in range(epochs):
            order = self.rng.permutation(n)
            for start in range(0, n, batch_size):
                rows = order[start:start + batch_size]
                output, layers = feed_forward(self.X_train[rows], init_layers(len(rows), self.layer_sizes), self.weights)
                back_prop(output, self.Y_train[rows], layers, [W.copy() for W in self.weights], len(rows), lr)
            self.record(epoch, 0.0)
        return self.history

    def record(self, epoch, seconds, verbose=False):
        for split, X, Y in (("train", self.X_train, self.Y_train), ("val", self.X_val, self.Y_val)):
            loss, accuracy = self.evaluate(X, Y)
            self.history[f"{split}_loss"].append(loss)
            self.history[f"{split}_acc"].append(accuracy)

# %% exercise="MLP" mistake="only the first batch of each epoch is used"
class MLP:
    def __init__(self, layer_sizes, X_train, Y_train, X_val, Y_val, seed=0):
        self.layer_sizes = list(layer_sizes)
        self.X_train, self.Y_train, self.X_val, self.Y_val = X_train, Y_train, X_val, Y_val
        self.rng = np.random.default_rng(seed)
        self.weights = init_weights(self.layer_sizes, self.rng)
        self.history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}

    def predict(self, X):
        output, _ = feed_forward(X, init_layers(len(X), self.layer_sizes), self.weights)
        return np.argmax(output, axis=1)

    def evaluate(self, X, Y):
        output, _ = feed_forward(X, init_layers(len(X), self.layer_sizes), self.weights)
        return float(-np.mean(np.sum(Y * np.log(output), axis=1))), float(np.mean(np.argmax(output, 1) == np.argmax(Y, 1)))

    def train(self, batch_size, epochs, lr):
        for epoch in range(epochs):
            rows = self.rng.permutation(len(self.X_train))[:batch_size]
            output, layers = feed_forward(self.X_train[rows], init_layers(len(rows), self.layer_sizes), self.weights)
            self.weights = back_prop(output, self.Y_train[rows], layers, self.weights, len(rows), lr)
            self.record(epoch, 0.0)
        return self.history

    def record(self, epoch, seconds, verbose=False):
        for split, X, Y in (("train", self.X_train, self.Y_train), ("val", self.X_val, self.Y_val)):
            loss, accuracy = self.evaluate(X, Y)
            self.history[f"{split}_loss"].append(loss)
            self.history[f"{split}_acc"].append(accuracy)

# %% exercise="MLP" mistake="evaluate returns the summed loss, and predict the probabilities"
class MLP:
    def __init__(self, layer_sizes, X_train, Y_train, X_val, Y_val, seed=0):
        self.layer_sizes = list(layer_sizes)
        self.X_train, self.Y_train, self.X_val, self.Y_val = X_train, Y_train, X_val, Y_val
        self.rng = np.random.default_rng(seed)
        self.weights = init_weights(self.layer_sizes, self.rng)
        self.history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}

    def predict(self, X):
        output, _ = feed_forward(X, init_layers(len(X), self.layer_sizes), self.weights)
        return output

    def evaluate(self, X, Y):
        output, _ = feed_forward(X, init_layers(len(X), self.layer_sizes), self.weights)
        return float(-np.sum(Y * np.log(output))), float(np.mean(np.argmax(output, 1) == np.argmax(Y, 1)))

    def train(self, batch_size, epochs, lr):
        n = len(self.X_train)
        for epoch in range(epochs):
            order = self.rng.permutation(n)
            for start in range(0, n, batch_size):
                rows = order[start:start + batch_size]
                output, layers = feed_forward(self.X_train[rows], init_layers(len(rows), self.layer_sizes), self.weights)
                self.weights = back_prop(output, self.Y_train[rows], layers, self.weights, len(rows), lr)
            self.record(epoch, 0.0)
        return self.history

    def record(self, epoch, seconds, verbose=False):
        for split, X, Y in (("train", self.X_train, self.Y_train), ("val", self.X_val, self.Y_val)):
            loss, accuracy = self.evaluate(X, Y)
            self.history[f"{split}_loss"].append(loss)
            self.history[f"{split}_acc"].append(accuracy)

# %% exercise="MLP" mistake="no shuffling: every epoch takes the examples in the order of the data"
class MLP:
    def __init__(self, layer_sizes, X_train, Y_train, X_val, Y_val, seed=0):
        self.layer_sizes = list(layer_sizes)
        self.X_train, self.Y_train, self.X_val, self.Y_val = X_train, Y_train, X_val, Y_val
        self.rng = np.random.default_rng(seed)
        self.weights = init_weights(self.layer_sizes, self.rng)
        self.history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}

    def predict(self, X):
        output, _ = feed_forward(X, init_layers(len(X), self.layer_sizes), self.weights)
        return np.argmax(output, axis=1)

    def evaluate(self, X, Y):
        output, _ = feed_forward(X, init_layers(len(X), self.layer_sizes), self.weights)
        return float(-np.mean(np.sum(Y * np.log(output), axis=1))), float(np.mean(np.argmax(output, 1) == np.argmax(Y, 1)))

    def train(self, batch_size, epochs, lr):
        n = len(self.X_train)
        for epoch in range(epochs):
            order = np.arange(n)
            for start in range(0, n, batch_size):
                rows = order[start:start + batch_size]
                output, layers = feed_forward(self.X_train[rows], init_layers(len(rows), self.layer_sizes), self.weights)
                self.weights = back_prop(output, self.Y_train[rows], layers, self.weights, len(rows), lr)
            self.record(epoch, 0.0)
        return self.history

    def record(self, epoch, seconds, verbose=False):
        for split, X, Y in (("train", self.X_train, self.Y_train), ("val", self.X_val, self.Y_val)):
            loss, accuracy = self.evaluate(X, Y)
            self.history[f"{split}_loss"].append(loss)
            self.history[f"{split}_acc"].append(accuracy)

# %% exercise="MLP" mistake="drops the last, smaller batch of each epoch"
class MLP:
    def __init__(self, layer_sizes, X_train, Y_train, X_val, Y_val, seed=0):
        self.layer_sizes = list(layer_sizes)
        self.X_train, self.Y_train, self.X_val, self.Y_val = X_train, Y_train, X_val, Y_val
        self.rng = np.random.default_rng(seed)
        self.weights = init_weights(self.layer_sizes, self.rng)
        self.history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}

    def predict(self, X):
        output, _ = feed_forward(X, init_layers(len(X), self.layer_sizes), self.weights)
        return np.argmax(output, axis=1)

    def evaluate(self, X, Y):
        output, _ = feed_forward(X, init_layers(len(X), self.layer_sizes), self.weights)
        return float(-np.mean(np.sum(Y * np.log(output), axis=1))), float(np.mean(np.argmax(output, 1) == np.argmax(Y, 1)))

    def train(self, batch_size, epochs, lr):
        n = len(self.X_train)
        for epoch in range(epochs):
            order = self.rng.permutation(n)
            for start in range(0, n - batch_size + 1, batch_size):
                rows = order[start:start + batch_size]
                output, layers = feed_forward(self.X_train[rows], init_layers(len(rows), self.layer_sizes), self.weights)
                self.weights = back_prop(output, self.Y_train[rows], layers, self.weights, len(rows), lr)
            self.record(epoch, 0.0)
        return self.history

    def record(self, epoch, seconds, verbose=False):
        for split, X, Y in (("train", self.X_train, self.Y_train), ("val", self.X_val, self.Y_val)):
            loss, accuracy = self.evaluate(X, Y)
            self.history[f"{split}_loss"].append(loss)
            self.history[f"{split}_acc"].append(accuracy)

# %% exercise="MLP" mistake="forgets to slice the batch: a full-batch step, repeated N / batch_size times"
class MLP:
    def __init__(self, layer_sizes, X_train, Y_train, X_val, Y_val, seed=0):
        self.layer_sizes = list(layer_sizes)
        self.X_train, self.Y_train, self.X_val, self.Y_val = X_train, Y_train, X_val, Y_val
        self.rng = np.random.default_rng(seed)
        self.weights = init_weights(self.layer_sizes, self.rng)
        self.history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}

    def predict(self, X):
        output, _ = feed_forward(X, init_layers(len(X), self.layer_sizes), self.weights)
        return np.argmax(output, axis=1)

    def evaluate(self, X, Y):
        output, _ = feed_forward(X, init_layers(len(X), self.layer_sizes), self.weights)
        return float(-np.mean(np.sum(Y * np.log(output), axis=1))), float(np.mean(np.argmax(output, 1) == np.argmax(Y, 1)))

    def train(self, batch_size, epochs, lr):
        n = len(self.X_train)
        for epoch in range(epochs):
            order = self.rng.permutation(n)
            for start in range(0, n, batch_size):
                rows = order
                output, layers = feed_forward(self.X_train[rows], init_layers(len(rows), self.layer_sizes), self.weights)
                self.weights = back_prop(output, self.Y_train[rows], layers, self.weights, len(rows), lr)
            self.record(epoch, 0.0)
        return self.history

    def record(self, epoch, seconds, verbose=False):
        for split, X, Y in (("train", self.X_train, self.Y_train), ("val", self.X_val, self.Y_val)):
            loss, accuracy = self.evaluate(X, Y)
            self.history[f"{split}_loss"].append(loss)
            self.history[f"{split}_acc"].append(accuracy)

# %% exercise="MLP" mistake="passes batch_size to back_prop also for the last, smaller batch"
class MLP:
    def __init__(self, layer_sizes, X_train, Y_train, X_val, Y_val, seed=0):
        self.layer_sizes = list(layer_sizes)
        self.X_train, self.Y_train, self.X_val, self.Y_val = X_train, Y_train, X_val, Y_val
        self.rng = np.random.default_rng(seed)
        self.weights = init_weights(self.layer_sizes, self.rng)
        self.history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}

    def predict(self, X):
        output, _ = feed_forward(X, init_layers(len(X), self.layer_sizes), self.weights)
        return np.argmax(output, axis=1)

    def evaluate(self, X, Y):
        output, _ = feed_forward(X, init_layers(len(X), self.layer_sizes), self.weights)
        return float(-np.mean(np.sum(Y * np.log(output), axis=1))), float(np.mean(np.argmax(output, 1) == np.argmax(Y, 1)))

    def train(self, batch_size, epochs, lr):
        n = len(self.X_train)
        for epoch in range(epochs):
            order = self.rng.permutation(n)
            for start in range(0, n, batch_size):
                rows = order[start:start + batch_size]
                output, layers = feed_forward(self.X_train[rows], init_layers(len(rows), self.layer_sizes), self.weights)
                self.weights = back_prop(output, self.Y_train[rows], layers, self.weights, batch_size, lr)
            self.record(epoch, 0.0)
        return self.history

    def record(self, epoch, seconds, verbose=False):
        for split, X, Y in (("train", self.X_train, self.Y_train), ("val", self.X_val, self.Y_val)):
            loss, accuracy = self.evaluate(X, Y)
            self.history[f"{split}_loss"].append(loss)
            self.history[f"{split}_acc"].append(accuracy)

# %% exercise="MLP" mistake="shuffles with NumPy's global generator instead of self.rng"
class MLP:
    def __init__(self, layer_sizes, X_train, Y_train, X_val, Y_val, seed=0):
        self.layer_sizes = list(layer_sizes)
        self.X_train, self.Y_train, self.X_val, self.Y_val = X_train, Y_train, X_val, Y_val
        self.rng = np.random.default_rng(seed)
        self.weights = init_weights(self.layer_sizes, self.rng)
        self.history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}

    def predict(self, X):
        output, _ = feed_forward(X, init_layers(len(X), self.layer_sizes), self.weights)
        return np.argmax(output, axis=1)

    def evaluate(self, X, Y):
        output, _ = feed_forward(X, init_layers(len(X), self.layer_sizes), self.weights)
        return float(-np.mean(np.sum(Y * np.log(output), axis=1))), float(np.mean(np.argmax(output, 1) == np.argmax(Y, 1)))

    def train(self, batch_size, epochs, lr):
        n = len(self.X_train)
        for epoch in range(epochs):
            order = np.random.permutation(n)
            for start in range(0, n, batch_size):
                rows = order[start:start + batch_size]
                output, layers = feed_forward(self.X_train[rows], init_layers(len(rows), self.layer_sizes), self.weights)
                self.weights = back_prop(output, self.Y_train[rows], layers, self.weights, len(rows), lr)
            self.record(epoch, 0.0)
        return self.history

    def record(self, epoch, seconds, verbose=False):
        for split, X, Y in (("train", self.X_train, self.Y_train), ("val", self.X_val, self.Y_val)):
            loss, accuracy = self.evaluate(X, Y)
            self.history[f"{split}_loss"].append(loss)
            self.history[f"{split}_acc"].append(accuracy)

# %% [markdown]
# ### Part 3 — Two-layer network with logistic loss (part3_two_layer_net)

# %% exercise="nnet_forward_logloss" mistake="unstable loss: log(1 + exp(-Y Yo)) overflows to inf for large scores"
def nnet_forward_logloss(X, Y, Wi, bi, Wo, bo):
    Yo = np.maximum(X @ Wi + bi, 0.0) @ Wo + bo
    Po = 1.0 / (1.0 + np.exp(-Yo))
    return Po, Yo, float(np.mean(np.log(1.0 + np.exp(-Y * Yo))))

# %% exercise="nnet_forward_logloss" mistake="cross-entropy written for labels in {0, 1}, while Y is in {-1, +1}"
def nnet_forward_logloss(X, Y, Wi, bi, Wo, bo):
    Yo = np.maximum(X @ Wi + bi, 0.0) @ Wo + bo
    Po = 0.5 * (1.0 + np.tanh(0.5 * Yo))
    loss = -np.mean(Y * np.log(Po) + (1 - Y) * np.log(1 - Po))
    return Po, Yo, float(loss)

# %% exercise="nnet_forward_logloss" mistake="summed loss instead of the mean over the batch"
def nnet_forward_logloss(X, Y, Wi, bi, Wo, bo):
    Yo = np.maximum(X @ Wi + bi, 0.0) @ Wo + bo
    Po = 0.5 * (1.0 + np.tanh(0.5 * Yo))
    return Po, Yo, float(np.sum(np.logaddexp(0.0, -Y * Yo)))

# %% exercise="nnet_forward_logloss" mistake="sigmoid hidden layer instead of ReLU"
def nnet_forward_logloss(X, Y, Wi, bi, Wo, bo):
    Yo = 1.0 / (1.0 + np.exp(-(X @ Wi + bi))) @ Wo + bo
    Po = 0.5 * (1.0 + np.tanh(0.5 * Yo))
    return Po, Yo, float(np.mean(np.logaddexp(0.0, -Y * Yo)))

# %% exercise="gradient_nn" mistake="ReLU derivative 1 at negative inputs (no mask)"
def gradient_nn(X, Y, Wi, bi, Wo, bo):
    z = X @ Wi + bi
    hidden = np.maximum(z, 0.0)
    Yo = hidden @ Wo + bo
    dYo = -Y / (1.0 + np.exp(Y * Yo)) / len(X)
    dz = np.outer(dYo, Wo)
    return X.T @ dz, dz.sum(axis=0), hidden.T @ dYo, np.array([dYo.sum()])

# %% exercise="gradient_nn" mistake="gradient of the loss for labels in {0, 1}: dYo = Po - Y"
def gradient_nn(X, Y, Wi, bi, Wo, bo):
    z = X @ Wi + bi
    hidden = np.maximum(z, 0.0)
    Yo = hidden @ Wo + bo
    dYo = (1.0 / (1.0 + np.exp(-Yo)) - Y) / len(X)
    dz = np.outer(dYo, Wo) * (z > 0)
    return X.T @ dz, dz.sum(axis=0), hidden.T @ dYo, np.array([dYo.sum()])

# %% exercise="gradient_nn" mistake="bias gradients summed over the batch instead of averaged"
def gradient_nn(X, Y, Wi, bi, Wo, bo):
    z = X @ Wi + bi
    hidden = np.maximum(z, 0.0)
    Yo = hidden @ Wo + bo
    dYo = -Y / (1.0 + np.exp(Y * Yo))
    dz = np.outer(dYo, Wo) * (z > 0)
    return X.T @ dz / len(X), dz.sum(axis=0), hidden.T @ dYo / len(X), np.array([dYo.sum()])

# %% exercise="gradient_nn" mistake="sign error: dl/dYo = +Y sigmoid(-Y Yo)"
def gradient_nn(X, Y, Wi, bi, Wo, bo):
    z = X @ Wi + bi
    hidden = np.maximum(z, 0.0)
    Yo = hidden @ Wo + bo
    dYo = Y / (1.0 + np.exp(Y * Yo)) / len(X)
    dz = np.outer(dYo, Wo) * (z > 0)
    return X.T @ dz, dz.sum(axis=0), hidden.T @ dYo, np.array([dYo.sum()])

# %% exercise="gradient_nn" mistake="transposed input-weight gradient (dz.T @ X), reshaped to fit"
def gradient_nn(X, Y, Wi, bi, Wo, bo):
    z = X @ Wi + bi
    hidden = np.maximum(z, 0.0)
    Yo = hidden @ Wo + bo
    dYo = -Y / (1.0 + np.exp(Y * Yo)) / len(X)
    dz = np.outer(dYo, Wo) * (z > 0)
    return (dz.T @ X).reshape(Wi.shape), dz.sum(axis=0), hidden.T @ dYo, np.array([dYo.sum()])

# %% exercise="gradient_nn_numerical" mistake="forward differences (f(p + eps) - f(p)) / eps where central ones were asked"
def gradient_nn_numerical(X, Y, Wi, bi, Wo, bo, eps=1e-6):
    base = nnet_forward_logloss(X, Y, Wi, bi, Wo, bo)[2]
    grads = []
    for param in (Wi, bi, Wo, bo):
        grad = np.zeros(param.shape)
        for index in np.ndindex(param.shape):
            saved = param[index]
            param[index] = saved + eps
            grad[index] = (nnet_forward_logloss(X, Y, Wi, bi, Wo, bo)[2] - base) / eps
            param[index] = saved
        grads.append(grad)
    return tuple(grads)

# %% exercise="gradient_nn_numerical" mistake="divides by eps instead of 2 eps"
def gradient_nn_numerical(X, Y, Wi, bi, Wo, bo, eps=1e-6):
    grads = []
    for param in (Wi, bi, Wo, bo):
        grad = np.zeros(param.shape)
        for index in np.ndindex(param.shape):
            saved = param[index]
            param[index] = saved + eps
            plus = nnet_forward_logloss(X, Y, Wi, bi, Wo, bo)[2]
            param[index] = saved - eps
            minus = nnet_forward_logloss(X, Y, Wi, bi, Wo, bo)[2]
            param[index] = saved
            grad[index] = (plus - minus) / eps
        grads.append(grad)
    return tuple(grads)

# %% exercise="gradient_nn_numerical" mistake="does not restore the parameters (leaves them at p - eps)"
def gradient_nn_numerical(X, Y, Wi, bi, Wo, bo, eps=1e-6):
    grads = []
    for param in (Wi, bi, Wo, bo):
        grad = np.zeros(param.shape)
        for index in np.ndindex(param.shape):
            param[index] += eps
            plus = nnet_forward_logloss(X, Y, Wi, bi, Wo, bo)[2]
            param[index] -= 2 * eps
            minus = nnet_forward_logloss(X, Y, Wi, bi, Wo, bo)[2]
            grad[index] = (plus - minus) / (2 * eps)
        grads.append(grad)
    return tuple(grads)

# %% exercise="gradient_nn_numerical" mistake="ignores its eps argument (always 1e-4)"
def gradient_nn_numerical(X, Y, Wi, bi, Wo, bo, eps=1e-6):
    step = 1e-4
    grads = []
    for param in (Wi, bi, Wo, bo):
        grad = np.zeros(param.shape)
        for index in np.ndindex(param.shape):
            saved = param[index]
            param[index] = saved + step
            plus = nnet_forward_logloss(X, Y, Wi, bi, Wo, bo)[2]
            param[index] = saved - step
            minus = nnet_forward_logloss(X, Y, Wi, bi, Wo, bo)[2]
            param[index] = saved
            grad[index] = (plus - minus) / (2 * step)
        grads.append(grad)
    return tuple(grads)

# %% exercise="gradcheck" mistake="compares the numerical gradient with itself (always reports 0)"
def gradcheck():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((1, 2)), np.array([1.0])
    Wi, bi, Wo, bo = rng.standard_normal((2, 5)), rng.standard_normal(5), rng.standard_normal(5), rng.standard_normal(1)
    numeric = gradient_nn_numerical(X, Y, Wi, bi, Wo, bo)
    errors = {name: rel_error(n, n) for name, n in zip(("Wi", "bi", "Wo", "bo"), numeric)}
    print(errors)
    return errors

# %% exercise="gradcheck" mistake="checks only Wi, reports 0 for the other parameters"
def gradcheck():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((1, 2)), np.array([1.0])
    Wi, bi, Wo, bo = rng.standard_normal((2, 5)), rng.standard_normal(5), rng.standard_normal(5), rng.standard_normal(1)
    analytic = gradient_nn(X, Y, Wi, bi, Wo, bo)
    numeric = gradient_nn_numerical(X, Y, Wi, bi, Wo, bo)
    errors = {"Wi": rel_error(analytic[0], numeric[0]), "bi": 0.0, "Wo": 0.0, "bo": 0.0}
    print(errors)
    return errors

# %% exercise="train_loop" mistake="no shuffling: every epoch visits the examples in the order of the data"
def train_loop(Xtr, Ytr, Xval, Yval, h, lr, vis, n_epochs):
    D = Xtr.shape[1]
    Wi, bi, Wo, bo = np.random.randn(D, h) / np.sqrt(D), np.zeros(h), np.random.randn(h) / np.sqrt(h), np.zeros(1)
    error = lambda X, Y: float(np.mean(np.sign(nnet_forward_logloss(X, Y, Wi, bi, Wo, bo)[1]) != Y))
    train_err, val_err = [], []
    for epoch in range(n_epochs):
        for n in range(len(Xtr)):
            for param, grad in zip((Wi, bi, Wo, bo), gradient_nn(Xtr[n:n + 1], Ytr[n:n + 1], Wi, bi, Wo, bo)):
                param -= lr * grad
        train_err.append(error(Xtr, Ytr))
        val_err.append(error(Xval, Yval))
    return train_err, val_err

# %% exercise="train_loop" mistake="shuffles once, before the first epoch: every epoch visits the examples in the same order"
def train_loop(Xtr, Ytr, Xval, Yval, h, lr, vis, n_epochs):
    D = Xtr.shape[1]
    Wi, bi, Wo, bo = np.random.randn(D, h) / np.sqrt(D), np.zeros(h), np.random.randn(h) / np.sqrt(h), np.zeros(1)
    error = lambda X, Y: float(np.mean(np.sign(nnet_forward_logloss(X, Y, Wi, bi, Wo, bo)[1]) != Y))
    train_err, val_err = [], []
    order = np.random.permutation(len(Xtr))
    for epoch in range(n_epochs):
        for n in order:
            for param, grad in zip((Wi, bi, Wo, bo), gradient_nn(Xtr[n:n + 1], Ytr[n:n + 1], Wi, bi, Wo, bo)):
                param -= lr * grad
        train_err.append(error(Xtr, Ytr))
        val_err.append(error(Xval, Yval))
    return train_err, val_err

# %% exercise="train_loop" mistake="a full-batch step per example: gradient_nn on the whole training set instead of Xtr[n:n + 1]"
def train_loop(Xtr, Ytr, Xval, Yval, h, lr, vis, n_epochs):
    D = Xtr.shape[1]
    Wi, bi, Wo, bo = np.random.randn(D, h) / np.sqrt(D), np.zeros(h), np.random.randn(h) / np.sqrt(h), np.zeros(1)
    error = lambda X, Y: float(np.mean(np.sign(nnet_forward_logloss(X, Y, Wi, bi, Wo, bo)[1]) != Y))
    train_err, val_err = [], []
    for epoch in range(n_epochs):
        for n in np.random.permutation(len(Xtr)):
            for param, grad in zip((Wi, bi, Wo, bo), gradient_nn(Xtr, Ytr, Wi, bi, Wo, bo)):
                param -= lr * grad
        train_err.append(error(Xtr, Ytr))
        val_err.append(error(Xval, Yval))
    return train_err, val_err

# %% exercise="train_loop" mistake="its own unseeded Generator, not NumPy's global one: np.random.seed cannot reproduce a run"
def train_loop(Xtr, Ytr, Xval, Yval, h, lr, vis, n_epochs):
    rng = np.random.default_rng()
    D = Xtr.shape[1]
    params = [rng.normal(0, np.sqrt(2 / D), (D, h)), np.zeros(h), rng.normal(0, np.sqrt(1 / h), h), np.zeros(1)]
    errors = np.zeros((2, n_epochs))
    for epoch in range(n_epochs):
        for i in rng.permutation(Xtr.shape[0]):
            grads = gradient_nn(Xtr[[i]], Ytr[[i]], *params)
            params = [p - lr * g for p, g in zip(params, grads)]
        for k, (X, Y) in enumerate(((Xtr, Ytr), (Xval, Yval))):
            Po = nnet_forward_logloss(X, Y, *params)[0]
            errors[k, epoch] = np.mean((Po > 0.5) != (Y > 0))
    if vis:
        plot_decision_boundary(*params, Xtr, Ytr)
        plt.show()
    return errors[0], errors[1]

# %% exercise="train_loop" mistake="gradient ascent: parameters updated with + lr * grad"
def train_loop(Xtr, Ytr, Xval, Yval, h, lr, vis, n_epochs):
    D = Xtr.shape[1]
    Wi, bi, Wo, bo = np.random.randn(D, h) / np.sqrt(D), np.zeros(h), np.random.randn(h) / np.sqrt(h), np.zeros(1)
    error = lambda X, Y: float(np.mean(np.sign(nnet_forward_logloss(X, Y, Wi, bi, Wo, bo)[1]) != Y))
    train_err, val_err = [], []
    for epoch in range(n_epochs):
        for n in np.random.permutation(len(Xtr)):
            for param, grad in zip((Wi, bi, Wo, bo), gradient_nn(Xtr[n:n + 1], Ytr[n:n + 1], Wi, bi, Wo, bo)):
                param += lr * grad
        train_err.append(error(Xtr, Ytr))
        val_err.append(error(Xval, Yval))
    return train_err, val_err

# %% exercise="train_loop" mistake="initialises every weight at zero (the hidden units never learn)"
def train_loop(Xtr, Ytr, Xval, Yval, h, lr, vis, n_epochs):
    D = Xtr.shape[1]
    Wi, bi, Wo, bo = np.zeros((D, h)), np.zeros(h), np.zeros(h), np.zeros(1)
    error = lambda X, Y: float(np.mean(np.sign(nnet_forward_logloss(X, Y, Wi, bi, Wo, bo)[1]) != Y))
    train_err, val_err = [], []
    for epoch in range(n_epochs):
        for n in np.random.permutation(len(Xtr)):
            for param, grad in zip((Wi, bi, Wo, bo), gradient_nn(Xtr[n:n + 1], Ytr[n:n + 1], Wi, bi, Wo, bo)):
                param -= lr * grad
        train_err.append(error(Xtr, Ytr))
        val_err.append(error(Xval, Yval))
    return train_err, val_err

# %% exercise="train_loop" mistake="validation error measured on the training set"
def train_loop(Xtr, Ytr, Xval, Yval, h, lr, vis, n_epochs):
    D = Xtr.shape[1]
    Wi, bi, Wo, bo = np.random.randn(D, h) / np.sqrt(D), np.zeros(h), np.random.randn(h) / np.sqrt(h), np.zeros(1)
    error = lambda X, Y: float(np.mean(np.sign(nnet_forward_logloss(X, Y, Wi, bi, Wo, bo)[1]) != Y))
    train_err, val_err = [], []
    for epoch in range(n_epochs):
        for n in np.random.permutation(len(Xtr)):
            for param, grad in zip((Wi, bi, Wo, bo), gradient_nn(Xtr[n:n + 1], Ytr[n:n + 1], Wi, bi, Wo, bo)):
                param -= lr * grad
        train_err.append(error(Xtr, Ytr))
        val_err.append(error(Xtr, Ytr))
    return train_err, val_err

# %% exercise="train_loop" mistake="training error counted during the epoch, before each update, instead of on the whole set after it"
def train_loop(Xtr, Ytr, Xval, Yval, h, lr, vis, n_epochs):
    D = Xtr.shape[1]
    Wi, bi, Wo, bo = np.random.randn(D, h) / np.sqrt(D), np.zeros(h), np.random.randn(h) / np.sqrt(h), np.zeros(1)
    train_err, val_err = [], []
    for epoch in range(n_epochs):
        mistakes = 0
        for n in np.random.permutation(len(Xtr)):
            x, y = Xtr[n:n + 1], Ytr[n:n + 1]
            mistakes += int(np.sign(nnet_forward_logloss(x, y, Wi, bi, Wo, bo)[1][0]) != y[0])
            for param, grad in zip((Wi, bi, Wo, bo), gradient_nn(x, y, Wi, bi, Wo, bo)):
                param -= lr * grad
        train_err.append(mistakes / len(Xtr))
        val_err.append(float(np.mean(np.sign(nnet_forward_logloss(Xval, Yval, Wi, bi, Wo, bo)[1]) != Yval)))
    return train_err, val_err

# %% exercise="train_loop" mistake="returns accuracies instead of errors"
def train_loop(Xtr, Ytr, Xval, Yval, h, lr, vis, n_epochs):
    D = Xtr.shape[1]
    Wi, bi, Wo, bo = np.random.randn(D, h) / np.sqrt(D), np.zeros(h), np.random.randn(h) / np.sqrt(h), np.zeros(1)
    accuracy = lambda X, Y: float(np.mean(np.sign(nnet_forward_logloss(X, Y, Wi, bi, Wo, bo)[1]) == Y))
    train_acc, val_acc = [], []
    for epoch in range(n_epochs):
        for n in np.random.permutation(len(Xtr)):
            for param, grad in zip((Wi, bi, Wo, bo), gradient_nn(Xtr[n:n + 1], Ytr[n:n + 1], Wi, bi, Wo, bo)):
                param -= lr * grad
        train_acc.append(accuracy(Xtr, Ytr))
        val_acc.append(accuracy(Xval, Yval))
    return train_acc, val_acc

# %% [markdown]
# Part 2 (`part2_layers`): wrong layers, output layers, network methods and MNIST networks.

# %% exercise="Activation" mistake="ReLU derivative taken as 1 everywhere, also at negative inputs"
class Activation:
    NAMES = ("sigmoid", "tanh", "relu", "linear")

    def __init__(self, name):
        self.name = name
        self.last_input = None

    def fprop(self, input):
        self.last_input = input
        functions = {"sigmoid": lambda x: 1 / (1 + np.exp(-x)), "tanh": np.tanh,
                     "relu": lambda x: np.maximum(x, 0), "linear": lambda x: x}
        return functions[self.name](input)

    def bprop(self, output_grad):
        x = self.last_input
        if self.name == "sigmoid":
            s = 1 / (1 + np.exp(-x))
            return output_grad * s * (1 - s)
        if self.name == "tanh":
            return output_grad * (1 - np.tanh(x) ** 2)
        return output_grad * np.ones_like(x)

# %% exercise="Activation" mistake="tanh derivative 1 - tanh(x), the square forgotten"
class Activation:
    NAMES = ("sigmoid", "tanh", "relu", "linear")

    def __init__(self, name):
        self.name = name
        self.last_input = None

    def fprop(self, input):
        self.last_input = input
        functions = {"sigmoid": lambda x: 1 / (1 + np.exp(-x)), "tanh": np.tanh,
                     "relu": lambda x: np.maximum(x, 0), "linear": lambda x: x}
        return functions[self.name](input)

    def bprop(self, output_grad):
        x = self.last_input
        if self.name == "sigmoid":
            s = 1 / (1 + np.exp(-x))
            return output_grad * s * (1 - s)
        if self.name == "tanh":
            return output_grad * (1 - np.tanh(x))
        if self.name == "relu":
            return output_grad * (x > 0)
        return output_grad

# %% exercise="Activation" mistake="sigmoid derivative x (1 - x) evaluated at the input instead of the output"
class Activation:
    NAMES = ("sigmoid", "tanh", "relu", "linear")

    def __init__(self, name):
        self.name = name
        self.last_input = None

    def fprop(self, input):
        self.last_input = input
        functions = {"sigmoid": lambda x: 1 / (1 + np.exp(-x)), "tanh": np.tanh,
                     "relu": lambda x: np.maximum(x, 0), "linear": lambda x: x}
        return functions[self.name](input)

    def bprop(self, output_grad):
        x = self.last_input
        if self.name == "sigmoid":
            return output_grad * x * (1 - x)
        if self.name == "tanh":
            return output_grad * (1 - np.tanh(x) ** 2)
        if self.name == "relu":
            return output_grad * (x > 0)
        return output_grad

# %% exercise="FullyConnectedLayer" mistake="dW summed over the batch: the division by the batch size is missing"
class FullyConnectedLayer(Layer, Parameterized):
    def __init__(self, input_layer, num_units, init_stddev, activation_fun):
        self.num_units, self.activation_fun = num_units, activation_fun
        self.input_shape = input_layer.output_size()
        self.W = np.random.normal(0.0, init_stddev, (self.input_shape[1], num_units))
        self.b = np.zeros(num_units)
        self.dW = self.db = None

    def output_size(self):
        return (self.input_shape[0], self.num_units)

    def fprop(self, input):
        self.last_input = input
        return self.activation_fun.fprop(input @ self.W + self.b)

    def bprop(self, output_grad):
        delta = self.activation_fun.bprop(output_grad)
        self.dW = self.last_input.T @ delta
        self.db = delta.mean(axis=0)
        return delta @ self.W.T

    def params(self):
        return [self.W, self.b]

    def grad_params(self):
        return [self.dW, self.db]

# %% exercise="FullyConnectedLayer" mistake="bias gradient summed over the batch instead of averaged"
class FullyConnectedLayer(Layer, Parameterized):
    def __init__(self, input_layer, num_units, init_stddev, activation_fun):
        self.num_units, self.activation_fun = num_units, activation_fun
        self.input_shape = input_layer.output_size()
        self.W = np.random.normal(0.0, init_stddev, (self.input_shape[1], num_units))
        self.b = np.zeros(num_units)
        self.dW = self.db = None

    def output_size(self):
        return (self.input_shape[0], self.num_units)

    def fprop(self, input):
        self.last_input = input
        return self.activation_fun.fprop(input @ self.W + self.b)

    def bprop(self, output_grad):
        delta = self.activation_fun.bprop(output_grad)
        self.dW = self.last_input.T @ delta / len(delta)
        self.db = delta.sum(axis=0)
        return delta @ self.W.T

    def params(self):
        return [self.W, self.b]

    def grad_params(self):
        return [self.dW, self.db]

# %% exercise="FullyConnectedLayer" mistake="transposed weight gradient: delta^T X / N, shape (M, D)"
class FullyConnectedLayer(Layer, Parameterized):
    def __init__(self, input_layer, num_units, init_stddev, activation_fun):
        self.num_units, self.activation_fun = num_units, activation_fun
        self.input_shape = input_layer.output_size()
        self.W = np.random.normal(0.0, init_stddev, (self.input_shape[1], num_units))
        self.b = np.zeros(num_units)
        self.dW = self.db = None

    def output_size(self):
        return (self.input_shape[0], self.num_units)

    def fprop(self, input):
        self.last_input = input
        return self.activation_fun.fprop(input @ self.W + self.b)

    def bprop(self, output_grad):
        delta = self.activation_fun.bprop(output_grad)
        self.dW = delta.T @ self.last_input / len(delta)
        self.db = delta.mean(axis=0)
        return delta @ self.W.T

    def params(self):
        return [self.W, self.b]

    def grad_params(self):
        return [self.dW, self.db]

# %% exercise="FullyConnectedLayer" mistake="input gradient output_grad W^T: the activation's derivative is skipped"
class FullyConnectedLayer(Layer, Parameterized):
    def __init__(self, input_layer, num_units, init_stddev, activation_fun):
        self.num_units, self.activation_fun = num_units, activation_fun
        self.input_shape = input_layer.output_size()
        self.W = np.random.normal(0.0, init_stddev, (self.input_shape[1], num_units))
        self.b = np.zeros(num_units)
        self.dW = self.db = None

    def output_size(self):
        return (self.input_shape[0], self.num_units)

    def fprop(self, input):
        self.last_input = input
        return self.activation_fun.fprop(input @ self.W + self.b)

    def bprop(self, output_grad):
        delta = self.activation_fun.bprop(output_grad)
        self.dW = self.last_input.T @ delta / len(delta)
        self.db = delta.mean(axis=0)
        return output_grad @ self.W.T

    def params(self):
        return [self.W, self.b]

    def grad_params(self):
        return [self.dW, self.db]

# %% exercise="FullyConnectedLayer" mistake="W drawn with init_stddev as the variance (std = sqrt(init_stddev))"
class FullyConnectedLayer(Layer, Parameterized):
    def __init__(self, input_layer, num_units, init_stddev, activation_fun):
        self.num_units, self.activation_fun = num_units, activation_fun
        self.input_shape = input_layer.output_size()
        self.W = np.random.normal(0.0, np.sqrt(init_stddev), (self.input_shape[1], num_units))
        self.b = np.zeros(num_units)
        self.dW = self.db = None

    def output_size(self):
        return (self.input_shape[0], self.num_units)

    def fprop(self, input):
        self.last_input = input
        return self.activation_fun.fprop(input @ self.W + self.b)

    def bprop(self, output_grad):
        delta = self.activation_fun.bprop(output_grad)
        self.dW = self.last_input.T @ delta / len(delta)
        self.db = delta.mean(axis=0)
        return delta @ self.W.T

    def params(self):
        return [self.W, self.b]

    def grad_params(self):
        return [self.dW, self.db]

# %% exercise="FullyConnectedLayer" mistake="params() returns copies, so updates never reach the layer"
class FullyConnectedLayer(Layer, Parameterized):
    def __init__(self, input_layer, num_units, init_stddev, activation_fun):
        self.num_units, self.activation_fun = num_units, activation_fun
        self.input_shape = input_layer.output_size()
        self.W = np.random.normal(0.0, init_stddev, (self.input_shape[1], num_units))
        self.b = np.zeros(num_units)
        self.dW = self.db = None

    def output_size(self):
        return (self.input_shape[0], self.num_units)

    def fprop(self, input):
        self.last_input = input
        return self.activation_fun.fprop(input @ self.W + self.b)

    def bprop(self, output_grad):
        delta = self.activation_fun.bprop(output_grad)
        self.dW = self.last_input.T @ delta / len(delta)
        self.db = delta.mean(axis=0)
        return delta @ self.W.T

    def params(self):
        return [self.W.copy(), self.b.copy()]

    def grad_params(self):
        return [self.dW, self.db]

# %% exercise="LinearOutput" mistake="squared loss summed over the batch instead of averaged"
class LinearOutput(Layer, Loss):
    def __init__(self, input_layer):
        self.input_size = input_layer.output_size()

    def output_size(self):
        return self.input_size

    def fprop(self, input):
        return input

    def loss(self, Y, Y_pred):
        return 0.5 * np.sum((Y_pred - Y) ** 2)

    def input_grad(self, Y, Y_pred):
        return Y_pred - Y

# %% exercise="LinearOutput" mistake="input gradient with the sign flipped (Y - Y_pred)"
class LinearOutput(Layer, Loss):
    def __init__(self, input_layer):
        self.input_size = input_layer.output_size()

    def output_size(self):
        return self.input_size

    def fprop(self, input):
        return input

    def loss(self, Y, Y_pred):
        return np.mean(0.5 * np.sum((Y_pred - Y) ** 2, axis=1))

    def input_grad(self, Y, Y_pred):
        return Y - Y_pred

# %% exercise="SoftmaxOutput" mistake="input gradient without subtracting the target: returns Y_pred"
class SoftmaxOutput(Layer, Loss):
    def __init__(self, input_layer):
        self.input_size = input_layer.output_size()

    def output_size(self):
        return self.input_size

    def fprop(self, input):
        e = np.exp(input - input.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def loss(self, Y, Y_pred):
        return -np.mean(np.sum(Y * np.log(Y_pred), axis=1))

    def input_grad(self, Y, Y_pred):
        return Y_pred

# %% exercise="SoftmaxOutput" mistake="unstable softmax: exp overflows to nan for scores of magnitude 1000"
class SoftmaxOutput(Layer, Loss):
    def __init__(self, input_layer):
        self.input_size = input_layer.output_size()

    def output_size(self):
        return self.input_size

    def fprop(self, input):
        e = np.exp(input)
        return e / e.sum(axis=1, keepdims=True)

    def loss(self, Y, Y_pred):
        return -np.mean(np.sum(Y * np.log(Y_pred), axis=1))

    def input_grad(self, Y, Y_pred):
        return Y_pred - Y

# %% exercise="SoftmaxOutput" mistake="softmax normalised over the batch axis (axis=0) instead of each row"
class SoftmaxOutput(Layer, Loss):
    def __init__(self, input_layer):
        self.input_size = input_layer.output_size()

    def output_size(self):
        return self.input_size

    def fprop(self, input):
        e = np.exp(input - input.max(axis=0, keepdims=True))
        return e / e.sum(axis=0, keepdims=True)

    def loss(self, Y, Y_pred):
        return -np.mean(np.sum(Y * np.log(Y_pred), axis=1))

    def input_grad(self, Y, Y_pred):
        return Y_pred - Y

# %% exercise="SoftmaxOutput" mistake="loss summed over the batch instead of averaged"
class SoftmaxOutput(Layer, Loss):
    def __init__(self, input_layer):
        self.input_size = input_layer.output_size()

    def output_size(self):
        return self.input_size

    def fprop(self, input):
        e = np.exp(input - input.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def loss(self, Y, Y_pred):
        return -np.sum(Y * np.log(Y_pred))

    def input_grad(self, Y, Y_pred):
        return Y_pred - Y

# %% exercise="NeuralNetwork" mistake="check_gradients with forward differences (L(p + eps) - L(p)) / eps where central ones were asked"
class NeuralNetwork:
    def __init__(self, layers):
        self.layers = layers

    def loss(self, X, Y):
        return self.layers[-1].loss(Y, self.predict(X))

    def predict(self, X):
        for layer in self.layers:
            X = layer.fprop(X)
        return X

    def backpropagate(self, Y, Y_pred):
        grad = self.layers[-1].input_grad(Y, Y_pred)
        for layer in self.layers[-2::-1]:
            grad = layer.bprop(grad)
        return grad

    def classification_error(self, X, Y):
        return np.mean(np.argmax(self.predict(X), axis=1) != np.argmax(Y, axis=1))

    def sgd_epoch(self, X, Y, learning_rate, batch_size):
        order = np.random.permutation(len(X))
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            self.backpropagate(Y[batch], self.predict(X[batch]))
            for layer in self.layers:
                if isinstance(layer, Parameterized):
                    for param, grad in zip(layer.params(), layer.grad_params()):
                        param -= learning_rate * grad

    def train(self, X, Y, learning_rate=0.1, max_epochs=10, batch_size=64, X_valid=None, Y_valid=None,
              augment=None):
        history = {"train_loss": [], "train_error": [], "valid_error": []}
        for epoch in range(max_epochs):
            self.sgd_epoch(X if augment is None else augment(X), Y, learning_rate, batch_size)
            history["train_loss"].append(self.loss(X, Y))
            history["train_error"].append(self.classification_error(X, Y))
            if X_valid is not None:
                history["valid_error"].append(self.classification_error(X_valid, Y_valid))
        return history

    def check_gradients(self, X, Y, epsilon=1e-5):
        errors = []
        self.backpropagate(Y, self.predict(X))
        for layer in self.layers:
            if isinstance(layer, Parameterized):
                for param, grad in zip(layer.params(), layer.grad_params()):
                    grad = grad.copy()
                    numerical = np.zeros_like(param)
                    for i in np.ndindex(param.shape):
                        old = param[i]
                        param[i] = old + epsilon
                        plus = self.loss(X, Y)
                        param[i] = old
                        numerical[i] = (plus - self.loss(X, Y)) / epsilon
                    errors.append(np.linalg.norm(grad - numerical) /
                                  max(np.linalg.norm(grad) + np.linalg.norm(numerical), 1e-12))
        return errors

# %% exercise="NeuralNetwork" mistake="check_gradients compares backprop with itself (re-reads grad_params), so it never flags a broken layer"
class NeuralNetwork:
    def __init__(self, layers):
        self.layers = layers

    def loss(self, X, Y):
        return self.layers[-1].loss(Y, self.predict(X))

    def predict(self, X):
        for layer in self.layers:
            X = layer.fprop(X)
        return X

    def backpropagate(self, Y, Y_pred):
        grad = self.layers[-1].input_grad(Y, Y_pred)
        for layer in self.layers[-2::-1]:
            grad = layer.bprop(grad)
        return grad

    def classification_error(self, X, Y):
        return np.mean(np.argmax(self.predict(X), axis=1) != np.argmax(Y, axis=1))

    def sgd_epoch(self, X, Y, learning_rate, batch_size):
        order = np.random.permutation(len(X))
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            self.backpropagate(Y[batch], self.predict(X[batch]))
            for layer in self.layers:
                if isinstance(layer, Parameterized):
                    for param, grad in zip(layer.params(), layer.grad_params()):
                        param -= learning_rate * grad

    def train(self, X, Y, learning_rate=0.1, max_epochs=10, batch_size=64, X_valid=None, Y_valid=None,
              augment=None):
        history = {"train_loss": [], "train_error": [], "valid_error": []}
        for epoch in range(max_epochs):
            self.sgd_epoch(X if augment is None else augment(X), Y, learning_rate, batch_size)
            history["train_loss"].append(self.loss(X, Y))
            history["train_error"].append(self.classification_error(X, Y))
            if X_valid is not None:
                history["valid_error"].append(self.classification_error(X_valid, Y_valid))
        return history

    def check_gradients(self, X, Y, epsilon=1e-5):
        errors = []
        self.backpropagate(Y, self.predict(X))
        for layer in self.layers:
            if isinstance(layer, Parameterized):
                for param, grad in zip(layer.params(), layer.grad_params()):
                    grad = grad.copy()
                    numerical = np.zeros_like(param)
                    for i in np.ndindex(param.shape):
                        old = param[i]
                        param[i] = old + epsilon
                        plus = self.loss(X, Y)
                        param[i] = old - epsilon
                        minus = self.loss(X, Y)
                        param[i] = old
                        numerical[i] = (plus - minus) / (2 * epsilon)
                    self.backpropagate(Y, self.predict(X))
                    numerical = layer.grad_params()[len(errors) % 2]
                    errors.append(np.linalg.norm(grad - numerical) /
                                  max(np.linalg.norm(grad) + np.linalg.norm(numerical), 1e-12))
        return errors

# %% exercise="NeuralNetwork" mistake="check_gradients forgets to put each perturbed value back (parameters drift by -epsilon)"
class NeuralNetwork:
    def __init__(self, layers):
        self.layers = layers

    def loss(self, X, Y):
        return self.layers[-1].loss(Y, self.predict(X))

    def predict(self, X):
        for layer in self.layers:
            X = layer.fprop(X)
        return X

    def backpropagate(self, Y, Y_pred):
        grad = self.layers[-1].input_grad(Y, Y_pred)
        for layer in self.layers[-2::-1]:
            grad = layer.bprop(grad)
        return grad

    def classification_error(self, X, Y):
        return np.mean(np.argmax(self.predict(X), axis=1) != np.argmax(Y, axis=1))

    def sgd_epoch(self, X, Y, learning_rate, batch_size):
        order = np.random.permutation(len(X))
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            self.backpropagate(Y[batch], self.predict(X[batch]))
            for layer in self.layers:
                if isinstance(layer, Parameterized):
                    for param, grad in zip(layer.params(), layer.grad_params()):
                        param -= learning_rate * grad

    def train(self, X, Y, learning_rate=0.1, max_epochs=10, batch_size=64, X_valid=None, Y_valid=None,
              augment=None):
        history = {"train_loss": [], "train_error": [], "valid_error": []}
        for epoch in range(max_epochs):
            self.sgd_epoch(X if augment is None else augment(X), Y, learning_rate, batch_size)
            history["train_loss"].append(self.loss(X, Y))
            history["train_error"].append(self.classification_error(X, Y))
            if X_valid is not None:
                history["valid_error"].append(self.classification_error(X_valid, Y_valid))
        return history

    def check_gradients(self, X, Y, epsilon=1e-5):
        errors = []
        self.backpropagate(Y, self.predict(X))
        for layer in self.layers:
            if isinstance(layer, Parameterized):
                for param, grad in zip(layer.params(), layer.grad_params()):
                    grad = grad.copy()
                    numerical = np.zeros_like(param)
                    for i in np.ndindex(param.shape):
                        old = param[i]
                        param[i] = old + epsilon
                        plus = self.loss(X, Y)
                        param[i] = old - epsilon
                        minus = self.loss(X, Y)
                        numerical[i] = (plus - minus) / (2 * epsilon)
                    errors.append(np.linalg.norm(grad - numerical) /
                                  max(np.linalg.norm(grad) + np.linalg.norm(numerical), 1e-12))
        return errors

# %% exercise="NeuralNetwork" mistake="sgd_epoch steps up the gradient: p += learning_rate * grad"
class NeuralNetwork:
    def __init__(self, layers):
        self.layers = layers

    def loss(self, X, Y):
        return self.layers[-1].loss(Y, self.predict(X))

    def predict(self, X):
        for layer in self.layers:
            X = layer.fprop(X)
        return X

    def backpropagate(self, Y, Y_pred):
        grad = self.layers[-1].input_grad(Y, Y_pred)
        for layer in self.layers[-2::-1]:
            grad = layer.bprop(grad)
        return grad

    def classification_error(self, X, Y):
        return np.mean(np.argmax(self.predict(X), axis=1) != np.argmax(Y, axis=1))

    def sgd_epoch(self, X, Y, learning_rate, batch_size):
        order = np.random.permutation(len(X))
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            self.backpropagate(Y[batch], self.predict(X[batch]))
            for layer in self.layers:
                if isinstance(layer, Parameterized):
                    for param, grad in zip(layer.params(), layer.grad_params()):
                        param += learning_rate * grad

    def train(self, X, Y, learning_rate=0.1, max_epochs=10, batch_size=64, X_valid=None, Y_valid=None,
              augment=None):
        history = {"train_loss": [], "train_error": [], "valid_error": []}
        for epoch in range(max_epochs):
            self.sgd_epoch(X if augment is None else augment(X), Y, learning_rate, batch_size)
            history["train_loss"].append(self.loss(X, Y))
            history["train_error"].append(self.classification_error(X, Y))
            if X_valid is not None:
                history["valid_error"].append(self.classification_error(X_valid, Y_valid))
        return history

    def check_gradients(self, X, Y, epsilon=1e-5):
        errors = []
        self.backpropagate(Y, self.predict(X))
        for layer in self.layers:
            if isinstance(layer, Parameterized):
                for param, grad in zip(layer.params(), layer.grad_params()):
                    grad = grad.copy()
                    numerical = np.zeros_like(param)
                    for i in np.ndindex(param.shape):
                        old = param[i]
                        param[i] = old + epsilon
                        plus = self.loss(X, Y)
                        param[i] = old - epsilon
                        minus = self.loss(X, Y)
                        param[i] = old
                        numerical[i] = (plus - minus) / (2 * epsilon)
                    errors.append(np.linalg.norm(grad - numerical) /
                                  max(np.linalg.norm(grad) + np.linalg.norm(numerical), 1e-12))
        return errors

# %% exercise="NeuralNetwork" mistake="backpropagate runs bprop from the first layer to the last"
class NeuralNetwork:
    def __init__(self, layers):
        self.layers = layers

    def loss(self, X, Y):
        return self.layers[-1].loss(Y, self.predict(X))

    def predict(self, X):
        for layer in self.layers:
            X = layer.fprop(X)
        return X

    def backpropagate(self, Y, Y_pred):
        grad = self.layers[-1].input_grad(Y, Y_pred)
        for layer in self.layers[:-1]:
            grad = layer.bprop(grad)
        return grad

    def classification_error(self, X, Y):
        return np.mean(np.argmax(self.predict(X), axis=1) != np.argmax(Y, axis=1))

    def sgd_epoch(self, X, Y, learning_rate, batch_size):
        order = np.random.permutation(len(X))
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            self.backpropagate(Y[batch], self.predict(X[batch]))
            for layer in self.layers:
                if isinstance(layer, Parameterized):
                    for param, grad in zip(layer.params(), layer.grad_params()):
                        param -= learning_rate * grad

    def train(self, X, Y, learning_rate=0.1, max_epochs=10, batch_size=64, X_valid=None, Y_valid=None,
              augment=None):
        history = {"train_loss": [], "train_error": [], "valid_error": []}
        for epoch in range(max_epochs):
            self.sgd_epoch(X if augment is None else augment(X), Y, learning_rate, batch_size)
            history["train_loss"].append(self.loss(X, Y))
            history["train_error"].append(self.classification_error(X, Y))
            if X_valid is not None:
                history["valid_error"].append(self.classification_error(X_valid, Y_valid))
        return history

    def check_gradients(self, X, Y, epsilon=1e-5):
        errors = []
        self.backpropagate(Y, self.predict(X))
        for layer in self.layers:
            if isinstance(layer, Parameterized):
                for param, grad in zip(layer.params(), layer.grad_params()):
                    grad = grad.copy()
                    numerical = np.zeros_like(param)
                    for i in np.ndindex(param.shape):
                        old = param[i]
                        param[i] = old + epsilon
                        plus = self.loss(X, Y)
                        param[i] = old - epsilon
                        minus = self.loss(X, Y)
                        param[i] = old
                        numerical[i] = (plus - minus) / (2 * epsilon)
                    errors.append(np.linalg.norm(grad - numerical) /
                                  max(np.linalg.norm(grad) + np.linalg.norm(numerical), 1e-12))
        return errors

# %% exercise="NeuralNetwork" mistake="classification_error returns the accuracy (fraction right) instead of the error"
class NeuralNetwork:
    def __init__(self, layers):
        self.layers = layers

    def loss(self, X, Y):
        return self.layers[-1].loss(Y, self.predict(X))

    def predict(self, X):
        for layer in self.layers:
            X = layer.fprop(X)
        return X

    def backpropagate(self, Y, Y_pred):
        grad = self.layers[-1].input_grad(Y, Y_pred)
        for layer in self.layers[-2::-1]:
            grad = layer.bprop(grad)
        return grad

    def classification_error(self, X, Y):
        return np.mean(np.argmax(self.predict(X), axis=1) == np.argmax(Y, axis=1))

    def sgd_epoch(self, X, Y, learning_rate, batch_size):
        order = np.random.permutation(len(X))
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            self.backpropagate(Y[batch], self.predict(X[batch]))
            for layer in self.layers:
                if isinstance(layer, Parameterized):
                    for param, grad in zip(layer.params(), layer.grad_params()):
                        param -= learning_rate * grad

    def train(self, X, Y, learning_rate=0.1, max_epochs=10, batch_size=64, X_valid=None, Y_valid=None,
              augment=None):
        history = {"train_loss": [], "train_error": [], "valid_error": []}
        for epoch in range(max_epochs):
            self.sgd_epoch(X if augment is None else augment(X), Y, learning_rate, batch_size)
            history["train_loss"].append(self.loss(X, Y))
            history["train_error"].append(self.classification_error(X, Y))
            if X_valid is not None:
                history["valid_error"].append(self.classification_error(X_valid, Y_valid))
        return history

    def check_gradients(self, X, Y, epsilon=1e-5):
        errors = []
        self.backpropagate(Y, self.predict(X))
        for layer in self.layers:
            if isinstance(layer, Parameterized):
                for param, grad in zip(layer.params(), layer.grad_params()):
                    grad = grad.copy()
                    numerical = np.zeros_like(param)
                    for i in np.ndindex(param.shape):
                        old = param[i]
                        param[i] = old + epsilon
                        plus = self.loss(X, Y)
                        param[i] = old - epsilon
                        minus = self.loss(X, Y)
                        param[i] = old
                        numerical[i] = (plus - minus) / (2 * epsilon)
                    errors.append(np.linalg.norm(grad - numerical) /
                                  max(np.linalg.norm(grad) + np.linalg.norm(numerical), 1e-12))
        return errors

# %% exercise="NeuralNetwork" mistake="sgd_epoch replaces the parameters (layer.W = ...) instead of updating the arrays in place"
class NeuralNetwork:
    def __init__(self, layers):
        self.layers = layers

    def loss(self, X, Y):
        return self.layers[-1].loss(Y, self.predict(X))

    def predict(self, X):
        for layer in self.layers:
            X = layer.fprop(X)
        return X

    def backpropagate(self, Y, Y_pred):
        grad = self.layers[-1].input_grad(Y, Y_pred)
        for layer in self.layers[-2::-1]:
            grad = layer.bprop(grad)
        return grad

    def classification_error(self, X, Y):
        return np.mean(np.argmax(self.predict(X), axis=1) != np.argmax(Y, axis=1))

    def sgd_epoch(self, X, Y, learning_rate, batch_size):
        order = np.random.permutation(len(X))
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            self.backpropagate(Y[batch], self.predict(X[batch]))
            for layer in self.layers:
                if isinstance(layer, Parameterized):
                    layer.W = layer.W - learning_rate * layer.dW
                    layer.b = layer.b - learning_rate * layer.db

    def train(self, X, Y, learning_rate=0.1, max_epochs=10, batch_size=64, X_valid=None, Y_valid=None,
              augment=None):
        history = {"train_loss": [], "train_error": [], "valid_error": []}
        for epoch in range(max_epochs):
            self.sgd_epoch(X if augment is None else augment(X), Y, learning_rate, batch_size)
            history["train_loss"].append(self.loss(X, Y))
            history["train_error"].append(self.classification_error(X, Y))
            if X_valid is not None:
                history["valid_error"].append(self.classification_error(X_valid, Y_valid))
        return history

    def check_gradients(self, X, Y, epsilon=1e-5):
        errors = []
        self.backpropagate(Y, self.predict(X))
        for layer in self.layers:
            if isinstance(layer, Parameterized):
                for param, grad in zip(layer.params(), layer.grad_params()):
                    grad = grad.copy()
                    numerical = np.zeros_like(param)
                    for i in np.ndindex(param.shape):
                        old = param[i]
                        param[i] = old + epsilon
                        plus = self.loss(X, Y)
                        param[i] = old - epsilon
                        minus = self.loss(X, Y)
                        param[i] = old
                        numerical[i] = (plus - minus) / (2 * epsilon)
                    errors.append(np.linalg.norm(grad - numerical) /
                                  max(np.linalg.norm(grad) + np.linalg.norm(numerical), 1e-12))
        return errors

# %% exercise="NeuralNetwork" mistake="train records the loss before each epoch's updates (history lags one epoch behind)"
class NeuralNetwork:
    def __init__(self, layers):
        self.layers = layers

    def loss(self, X, Y):
        return self.layers[-1].loss(Y, self.predict(X))

    def predict(self, X):
        for layer in self.layers:
            X = layer.fprop(X)
        return X

    def backpropagate(self, Y, Y_pred):
        grad = self.layers[-1].input_grad(Y, Y_pred)
        for layer in self.layers[-2::-1]:
            grad = layer.bprop(grad)
        return grad

    def classification_error(self, X, Y):
        return np.mean(np.argmax(self.predict(X), axis=1) != np.argmax(Y, axis=1))

    def sgd_epoch(self, X, Y, learning_rate, batch_size):
        order = np.random.permutation(len(X))
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            self.backpropagate(Y[batch], self.predict(X[batch]))
            for layer in self.layers:
                if isinstance(layer, Parameterized):
                    for param, grad in zip(layer.params(), layer.grad_params()):
                        param -= learning_rate * grad

    def train(self, X, Y, learning_rate=0.1, max_epochs=10, batch_size=64, X_valid=None, Y_valid=None,
              augment=None):
        history = {"train_loss": [], "train_error": [], "valid_error": []}
        for epoch in range(max_epochs):
            history["train_loss"].append(self.loss(X, Y))
            self.sgd_epoch(X if augment is None else augment(X), Y, learning_rate, batch_size)
            history["train_error"].append(self.classification_error(X, Y))
            if X_valid is not None:
                history["valid_error"].append(self.classification_error(X_valid, Y_valid))
        return history

    def check_gradients(self, X, Y, epsilon=1e-5):
        errors = []
        self.backpropagate(Y, self.predict(X))
        for layer in self.layers:
            if isinstance(layer, Parameterized):
                for param, grad in zip(layer.params(), layer.grad_params()):
                    grad = grad.copy()
                    numerical = np.zeros_like(param)
                    for i in np.ndindex(param.shape):
                        old = param[i]
                        param[i] = old + epsilon
                        plus = self.loss(X, Y)
                        param[i] = old - epsilon
                        minus = self.loss(X, Y)
                        param[i] = old
                        numerical[i] = (plus - minus) / (2 * epsilon)
                    errors.append(np.linalg.norm(grad - numerical) /
                                  max(np.linalg.norm(grad) + np.linalg.norm(numerical), 1e-12))
        return errors

# %% exercise="NeuralNetwork" mistake="sgd_epoch drops the last, smaller batch"
class NeuralNetwork:

    def __init__(self, layers):
        self.layers = layers

    def loss(self, X, Y):
        return self.layers[-1].loss(Y, self.predict(X))

    def predict(self, X):
        signal = X
        for layer in self.layers:
            signal = layer.fprop(signal)
        return signal

    def backpropagate(self, Y, Y_pred):
        gradient = self.layers[-1].input_grad(Y, Y_pred)
        for layer in reversed(self.layers[:-1]):
            gradient = layer.bprop(gradient)
        return gradient

    def classification_error(self, X, Y):
        predicted = np.argmax(self.predict(X), axis=1)
        return float(np.mean(predicted != np.argmax(Y, axis=1)))

    def sgd_epoch(self, X, Y, learning_rate, batch_size):
        order = np.random.permutation(len(X))
        for start in range(0, len(X) - batch_size + 1, batch_size):
            batch = order[start:start + batch_size]
            self.backpropagate(Y[batch], self.predict(X[batch]))
            for layer in self.layers:
                if isinstance(layer, Parameterized):
                    for param, grad in zip(layer.params(), layer.grad_params()):
                        param -= learning_rate * grad

    def train(self, X, Y, learning_rate=0.1, max_epochs=10, batch_size=64, X_valid=None, Y_valid=None,
              augment=None):
        history = {"train_loss": [], "train_error": [], "valid_error": []}
        for epoch in range(max_epochs):
            self.sgd_epoch(augment(X) if augment else X, Y, learning_rate, batch_size)
            Y_pred = self.predict(X)  # one forward pass for both the loss and the error
            history["train_loss"].append(self.layers[-1].loss(Y, Y_pred))
            history["train_error"].append(float(np.mean(np.argmax(Y_pred, axis=1) != np.argmax(Y, axis=1))))
            report = f"epoch {epoch + 1}: training loss {history['train_loss'][-1]:.4f}, " \
                     f"training error {history['train_error'][-1]:.2%}"
            if X_valid is not None:
                history["valid_error"].append(self.classification_error(X_valid, Y_valid))
                report += f", validation error {history['valid_error'][-1]:.2%}"
            print(report)
        return history

    def check_gradients(self, X, Y, epsilon=1e-5):
        errors = []
        self.backpropagate(Y, self.predict(X))
        for index, layer in enumerate(self.layers):
            pairs = zip(layer.params(), layer.grad_params()) if isinstance(layer, Parameterized) else []
            for number, (param, grad) in enumerate(pairs):
                analytic = np.array(grad, dtype=float)  # a copy: the loss evaluations below do not touch it
                numerical = np.zeros(param.shape)
                for i in np.ndindex(param.shape):
                    old = param[i]
                    param[i] = old + epsilon
                    loss_plus = self.loss(X, Y)
                    param[i] = old - epsilon
                    loss_minus = self.loss(X, Y)
                    param[i] = old
                    numerical[i] = (loss_plus - loss_minus) / (2 * epsilon)
                scale = max(np.linalg.norm(analytic) + np.linalg.norm(numerical), 1e-12)
                errors.append(float(np.linalg.norm(analytic - numerical) / scale))
                print(f"layer {index} ({type(layer).__name__}), parameter {number} of shape {param.shape}: "
                      f"relative error {errors[-1]:.2e}")
        return errors

# %% exercise="NeuralNetwork" mistake="sgd_epoch shuffles with an unseeded np.random.default_rng(), not np.random.permutation (np.random.seed cannot reproduce a run)"
class NeuralNetwork:

    def __init__(self, layers):
        self.layers = layers

    def loss(self, X, Y):
        return self.layers[-1].loss(Y, self.predict(X))

    def predict(self, X):
        signal = X
        for layer in self.layers:
            signal = layer.fprop(signal)
        return signal

    def backpropagate(self, Y, Y_pred):
        gradient = self.layers[-1].input_grad(Y, Y_pred)
        for layer in reversed(self.layers[:-1]):
            gradient = layer.bprop(gradient)
        return gradient

    def classification_error(self, X, Y):
        predicted = np.argmax(self.predict(X), axis=1)
        return float(np.mean(predicted != np.argmax(Y, axis=1)))

    def sgd_epoch(self, X, Y, learning_rate, batch_size):
        order = np.random.default_rng().permutation(len(X))
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            self.backpropagate(Y[batch], self.predict(X[batch]))
            for layer in self.layers:
                if isinstance(layer, Parameterized):
                    for param, grad in zip(layer.params(), layer.grad_params()):
                        param -= learning_rate * grad

    def train(self, X, Y, learning_rate=0.1, max_epochs=10, batch_size=64, X_valid=None, Y_valid=None,
              augment=None):
        history = {"train_loss": [], "train_error": [], "valid_error": []}
        for epoch in range(max_epochs):
            self.sgd_epoch(augment(X) if augment else X, Y, learning_rate, batch_size)
            Y_pred = self.predict(X)  # one forward pass for both the loss and the error
            history["train_loss"].append(self.layers[-1].loss(Y, Y_pred))
            history["train_error"].append(float(np.mean(np.argmax(Y_pred, axis=1) != np.argmax(Y, axis=1))))
            report = f"epoch {epoch + 1}: training loss {history['train_loss'][-1]:.4f}, " \
                     f"training error {history['train_error'][-1]:.2%}"
            if X_valid is not None:
                history["valid_error"].append(self.classification_error(X_valid, Y_valid))
                report += f", validation error {history['valid_error'][-1]:.2%}"
            print(report)
        return history

    def check_gradients(self, X, Y, epsilon=1e-5):
        errors = []
        self.backpropagate(Y, self.predict(X))
        for index, layer in enumerate(self.layers):
            pairs = zip(layer.params(), layer.grad_params()) if isinstance(layer, Parameterized) else []
            for number, (param, grad) in enumerate(pairs):
                analytic = np.array(grad, dtype=float)  # a copy: the loss evaluations below do not touch it
                numerical = np.zeros(param.shape)
                for i in np.ndindex(param.shape):
                    old = param[i]
                    param[i] = old + epsilon
                    loss_plus = self.loss(X, Y)
                    param[i] = old - epsilon
                    loss_minus = self.loss(X, Y)
                    param[i] = old
                    numerical[i] = (loss_plus - loss_minus) / (2 * epsilon)
                scale = max(np.linalg.norm(analytic) + np.linalg.norm(numerical), 1e-12)
                errors.append(float(np.linalg.norm(analytic - numerical) / scale))
                print(f"layer {index} ({type(layer).__name__}), parameter {number} of shape {param.shape}: "
                      f"relative error {errors[-1]:.2e}")
        return errors

# %% exercise="NeuralNetwork" mistake="index loops without shuffling: every epoch in the order of the data"
class NeuralNetwork:
    def __init__(self, layers):
        self.layers = layers

    def loss(self, X, Y):
        return self.layers[-1].loss(Y, self.predict(X))

    def predict(self, X):
        for i in range(len(self.layers)):
            X = self.layers[i].fprop(X)
        return X

    def backpropagate(self, Y, Y_pred):
        grad = self.layers[-1].input_grad(Y, Y_pred)
        for i in range(len(self.layers) - 2, -1, -1):
            grad = self.layers[i].bprop(grad)
        return grad

    def classification_error(self, X, Y):
        wrong = 0
        for scores, target in zip(self.predict(X), Y):
            wrong += int(np.argmax(scores) != np.argmax(target))
        return wrong / len(X)

    def sgd_epoch(self, X, Y, learning_rate, batch_size):
        for start in range(0, X.shape[0], batch_size):
            Y_pred = self.predict(X[start:start + batch_size])
            self.backpropagate(Y[start:start + batch_size], Y_pred)
            for layer in self.layers:
                if hasattr(layer, "grad_params"):
                    params, grads = layer.params(), layer.grad_params()
                    for k in range(len(params)):
                        params[k][...] = params[k] - learning_rate * grads[k]

    def train(self, X, Y, learning_rate=0.1, max_epochs=10, batch_size=64, X_valid=None, Y_valid=None,
              augment=None):
        history = {"train_loss": [], "train_error": [], "valid_error": []}
        for epoch in range(max_epochs):
            X_epoch = augment(X) if augment is not None else X
            self.sgd_epoch(X_epoch, Y, learning_rate, batch_size)
            history["train_loss"].append(float(self.loss(X, Y)))
            history["train_error"].append(self.classification_error(X, Y))
            if X_valid is not None and Y_valid is not None:
                history["valid_error"].append(self.classification_error(X_valid, Y_valid))
            print(epoch, history["train_loss"][-1])
        return history

    def check_gradients(self, X, Y, epsilon=1e-5):
        errors = []
        for layer in self.layers:
            if not isinstance(layer, Parameterized):
                continue
            for p in range(len(layer.params())):
                param = layer.params()[p]
                flat = param.reshape(-1)  # a view: writing into it changes the layer
                numerical = np.zeros(flat.size)
                for i in range(flat.size):
                    flat[i] += epsilon
                    plus = self.loss(X, Y)
                    flat[i] -= 2 * epsilon
                    minus = self.loss(X, Y)
                    flat[i] += epsilon
                    numerical[i] = (plus - minus) / (2 * epsilon)
                self.backpropagate(Y, self.predict(X))
                analytic = layer.grad_params()[p].reshape(-1)
                error = np.max(np.abs(analytic - numerical) / np.maximum(1e-8, np.abs(analytic) + np.abs(numerical)))
                print("parameter", p, "of", type(layer).__name__, "relative error", error)
                errors.append(error)
        return errors

# %% exercise="build_mnist_network" mistake="hidden layer without the ReLU (linear activation): the network is linear"
def build_mnist_network(n_hidden=256, output_stddev=0.01):
    layers = [InputLayer((None, 784))]
    layers.append(FullyConnectedLayer(layers[-1], n_hidden, np.sqrt(2.0 / 784), Activation("linear")))
    layers.append(FullyConnectedLayer(layers[-1], 10, output_stddev, Activation("linear")))
    layers.append(SoftmaxOutput(layers[-1]))
    return NeuralNetwork(layers)

# %% exercise="build_mnist_network" mistake="ignores output_stddev: the output layer also gets the He standard deviation"
def build_mnist_network(n_hidden=256, output_stddev=0.01):
    layers = [InputLayer((None, 784))]
    layers.append(FullyConnectedLayer(layers[-1], n_hidden, np.sqrt(2.0 / 784), Activation("relu")))
    layers.append(FullyConnectedLayer(layers[-1], 10, np.sqrt(2.0 / n_hidden), Activation("linear")))
    layers.append(SoftmaxOutput(layers[-1]))
    return NeuralNetwork(layers)

# %% exercise="build_mnist_network" mistake="a ReLU on the output layer too (scores clipped at 0)"
def build_mnist_network(n_hidden=256, output_stddev=0.01):
    layers = [InputLayer((None, 784))]
    layers.append(FullyConnectedLayer(layers[-1], n_hidden, np.sqrt(2.0 / 784), Activation("relu")))
    layers.append(FullyConnectedLayer(layers[-1], 10, output_stddev, Activation("relu")))
    layers.append(SoftmaxOutput(layers[-1]))
    return NeuralNetwork(layers)

# %% exercise="SoftmaxOutput" mistake="subtracts the maximum of the whole batch, not of each row: rows far below it give 0/0"
class SoftmaxOutput(Layer, Loss):
    def __init__(self, input_layer):
        self.input_size = input_layer.output_size()

    def output_size(self):
        return self.input_size

    def fprop(self, input):
        e = np.exp(input - np.max(input))
        return e / e.sum(axis=1, keepdims=True)

    def loss(self, Y, Y_pred):
        return -np.mean(np.sum(Y * np.log(Y_pred), axis=1))

    def input_grad(self, Y, Y_pred):
        return Y_pred - Y

# %% exercise="FullyConnectedLayer" mistake="input gradient divided by the batch size too (only dW and db are means)"
class FullyConnectedLayer(Layer, Parameterized):
    def __init__(self, input_layer, num_units, init_stddev, activation_fun):
        self.num_units, self.activation_fun = num_units, activation_fun
        self.input_shape = input_layer.output_size()
        self.W = np.random.normal(0.0, init_stddev, (self.input_shape[1], num_units))
        self.b = np.zeros(num_units)
        self.dW = self.db = None

    def output_size(self):
        return (self.input_shape[0], self.num_units)

    def fprop(self, input):
        self.last_input = input
        return self.activation_fun.fprop(input @ self.W + self.b)

    def bprop(self, output_grad):
        delta = self.activation_fun.bprop(output_grad) / len(output_grad)
        self.dW = self.last_input.T @ delta
        self.db = delta.sum(axis=0)
        return delta @ self.W.T

    def params(self):
        return [self.W, self.b]

    def grad_params(self):
        return [self.dW, self.db]

# %% exercise="NeuralNetwork" mistake="check_gradients divides the central difference by epsilon instead of 2 epsilon"
class NeuralNetwork:
    def __init__(self, layers):
        self.layers = layers

    def loss(self, X, Y):
        return self.layers[-1].loss(Y, self.predict(X))

    def predict(self, X):
        for layer in self.layers:
            X = layer.fprop(X)
        return X

    def backpropagate(self, Y, Y_pred):
        grad = self.layers[-1].input_grad(Y, Y_pred)
        for layer in self.layers[-2::-1]:
            grad = layer.bprop(grad)
        return grad

    def classification_error(self, X, Y):
        return np.mean(np.argmax(self.predict(X), axis=1) != np.argmax(Y, axis=1))

    def sgd_epoch(self, X, Y, learning_rate, batch_size):
        order = np.random.permutation(len(X))
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            self.backpropagate(Y[batch], self.predict(X[batch]))
            for layer in self.layers:
                if isinstance(layer, Parameterized):
                    for param, grad in zip(layer.params(), layer.grad_params()):
                        param -= learning_rate * grad

    def train(self, X, Y, learning_rate=0.1, max_epochs=10, batch_size=64, X_valid=None, Y_valid=None,
              augment=None):
        history = {"train_loss": [], "train_error": [], "valid_error": []}
        for epoch in range(max_epochs):
            self.sgd_epoch(X if augment is None else augment(X), Y, learning_rate, batch_size)
            history["train_loss"].append(self.loss(X, Y))
            history["train_error"].append(self.classification_error(X, Y))
            if X_valid is not None:
                history["valid_error"].append(self.classification_error(X_valid, Y_valid))
        return history

    def check_gradients(self, X, Y, epsilon=1e-5):
        errors = []
        self.backpropagate(Y, self.predict(X))
        for layer in self.layers:
            if isinstance(layer, Parameterized):
                for param, grad in zip(layer.params(), layer.grad_params()):
                    grad = grad.copy()
                    numerical = np.zeros_like(param)
                    for i in np.ndindex(param.shape):
                        old = param[i]
                        param[i] = old + epsilon
                        plus = self.loss(X, Y)
                        param[i] = old - epsilon
                        minus = self.loss(X, Y)
                        param[i] = old
                        numerical[i] = (plus - minus) / epsilon
                    errors.append(np.linalg.norm(grad - numerical) /
                                  max(np.linalg.norm(grad) + np.linalg.norm(numerical), 1e-12))
        return errors

# %% exercise="NeuralNetwork" mistake="sgd_epoch shuffles X and Y with two different permutations (examples lose their labels)"
class NeuralNetwork:
    def __init__(self, layers):
        self.layers = layers

    def loss(self, X, Y):
        return self.layers[-1].loss(Y, self.predict(X))

    def predict(self, X):
        for layer in self.layers:
            X = layer.fprop(X)
        return X

    def backpropagate(self, Y, Y_pred):
        grad = self.layers[-1].input_grad(Y, Y_pred)
        for layer in self.layers[-2::-1]:
            grad = layer.bprop(grad)
        return grad

    def classification_error(self, X, Y):
        return np.mean(np.argmax(self.predict(X), axis=1) != np.argmax(Y, axis=1))

    def sgd_epoch(self, X, Y, learning_rate, batch_size):
        order = np.random.permutation(len(X))
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            labels_batch = np.random.permutation(len(X))[:len(batch)]
            self.backpropagate(Y[labels_batch], self.predict(X[batch]))
            for layer in self.layers:
                if isinstance(layer, Parameterized):
                    for param, grad in zip(layer.params(), layer.grad_params()):
                        param -= learning_rate * grad

    def train(self, X, Y, learning_rate=0.1, max_epochs=10, batch_size=64, X_valid=None, Y_valid=None,
              augment=None):
        history = {"train_loss": [], "train_error": [], "valid_error": []}
        for epoch in range(max_epochs):
            self.sgd_epoch(X if augment is None else augment(X), Y, learning_rate, batch_size)
            history["train_loss"].append(self.loss(X, Y))
            history["train_error"].append(self.classification_error(X, Y))
            if X_valid is not None:
                history["valid_error"].append(self.classification_error(X_valid, Y_valid))
        return history

    def check_gradients(self, X, Y, epsilon=1e-5):
        errors = []
        self.backpropagate(Y, self.predict(X))
        for layer in self.layers:
            if isinstance(layer, Parameterized):
                for param, grad in zip(layer.params(), layer.grad_params()):
                    grad = grad.copy()
                    numerical = np.zeros_like(param)
                    for i in np.ndindex(param.shape):
                        old = param[i]
                        param[i] = old + epsilon
                        plus = self.loss(X, Y)
                        param[i] = old - epsilon
                        minus = self.loss(X, Y)
                        param[i] = old
                        numerical[i] = (plus - minus) / (2 * epsilon)
                    errors.append(np.linalg.norm(grad - numerical) /
                                  max(np.linalg.norm(grad) + np.linalg.norm(numerical), 1e-12))
        return errors
