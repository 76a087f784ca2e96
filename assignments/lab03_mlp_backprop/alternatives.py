# %% [markdown]
# Other correct answers to Lab 3: each replaces the solution cell named by `exercise` and must keep
# full marks (tests/test_labs.py).

# %% [markdown]
# ### Part 1 — NumPy MLP (part1_numpy_mlp)

# %% exercise="one_hot" approach="rows of the identity matrix"
def one_hot(labels, n_classes=10):
    return np.eye(n_classes)[np.asarray(labels, dtype=int)]

# %% exercise="one_hot" approach="a loop over the labels, integer array"
def one_hot(labels, n_classes=10):
    Y = np.zeros((len(labels), n_classes), dtype=int)
    for i, label in enumerate(labels):
        Y[i, label] = 1
    return Y

# %% exercise="sigmoid" approach="textbook formula: overflows for large negative x, with a warning but the right value"
def sigmoid(x):
    return 1 / (1 + np.exp(-x))

# %% exercise="sigmoid" approach="scipy.special.expit"
from scipy.special import expit

def sigmoid(x):
    return expit(x)

# %% exercise="softmax" approach="log-sum-exp with scipy, then exp"
from scipy.special import logsumexp

def softmax(x):
    return np.exp(x - logsumexp(x, axis=1, keepdims=True))

# %% exercise="softmax" approach="a loop over the rows"
def softmax(x):
    out = np.empty_like(x, dtype=float)
    for i, row in enumerate(x):
        e = np.exp(row - row.max())
        out[i] = e / e.sum()
    return out

# %% exercise="init_layers" approach="np.empty, built with a loop"
def init_layers(batch_size, layer_sizes):
    hidden_layers = []
    for size in layer_sizes:
        hidden_layers.append(np.empty((batch_size, size)))
    return hidden_layers

# %% exercise="init_weights" approach="2 * rng.random - 1, in a loop"
def init_weights(layer_sizes, rng=None):
    if rng is None:
        rng = np.random.default_rng()
    weights = []
    for i in range(len(layer_sizes) - 1):
        weights.append(2 * rng.random((layer_sizes[i], layer_sizes[i + 1])) - 1)
    return weights

# %% exercise="feed_forward" approach="float32 for speed, a new list of activations"
def feed_forward(batch, hidden_layers, weights):
    layers = [np.asarray(batch, dtype=np.float32)]
    for l, W in enumerate(weights):
        scores = layers[-1] @ W.astype(np.float32)
        layers.append(softmax(scores) if l == len(weights) - 1 else sigmoid(scores))
    return layers[-1], layers

# %% exercise="feed_forward" approach="np.dot, softmax after the loop over hidden layers"
def feed_forward(batch, hidden_layers, weights):
    hidden_layers[0] = batch
    for i in range(len(weights) - 1):
        hidden_layers[i + 1] = sigmoid(np.dot(hidden_layers[i], weights[i]))
    hidden_layers[-1] = softmax(np.dot(hidden_layers[-2], weights[-1]))
    return hidden_layers[-1], hidden_layers

# %% exercise="sigmoid_prime" approach="s - s ** 2"
def sigmoid_prime(sigmoid_out):
    return sigmoid_out - sigmoid_out ** 2

# %% exercise="back_prop" approach="in place, each layer updated right after the error goes through it"
def back_prop(output, batch_y, hidden_layers, weights, batch_size, lr):
    error = (output - batch_y) / batch_size
    for i in reversed(range(len(weights))):
        grad = np.dot(hidden_layers[i].T, error)
        if i > 0:
            error = np.dot(error, weights[i].T) * hidden_layers[i] * (1 - hidden_layers[i])
        weights[i] -= lr * grad
    return weights

# %% exercise="back_prop" approach="deltas per layer with einsum, then all updates"
def back_prop(output, batch_y, hidden_layers, weights, batch_size, lr):
    deltas = [None] * len(weights)
    deltas[-1] = (output - batch_y) / batch_size
    for l in range(len(weights) - 1, 0, -1):
        deltas[l - 1] = np.einsum("nj,ij->ni", deltas[l], weights[l]) * sigmoid_prime(hidden_layers[l])
    return [W - lr * np.einsum("ni,nj->ij", hidden_layers[l], deltas[l]) for l, W in enumerate(weights)]

# %% exercise="MLP" approach="np.array_split at multiples of batch_size, loss with a clipped log, predict through evaluate's forward pass"
class MLP:
    def __init__(self, layer_sizes, X_train, Y_train, X_val, Y_val, seed=0):
        self.layer_sizes = list(layer_sizes)
        self.X_train, self.Y_train, self.X_val, self.Y_val = X_train, Y_train, X_val, Y_val
        self.rng = np.random.default_rng(seed)
        self.weights = init_weights(self.layer_sizes, self.rng)
        self.history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}

    def forward(self, X):
        return feed_forward(X, init_layers(X.shape[0], self.layer_sizes), self.weights)[0]

    def predict(self, X):
        return self.forward(X).argmax(axis=1)

    def evaluate(self, X, Y):
        P = self.forward(X)
        loss = np.mean(-np.log(np.clip(P[Y == 1], 1e-12, 1.0)))
        return loss, np.mean(self.predict(X) == Y.argmax(axis=1))

    def train(self, batch_size, epochs, lr):
        n = len(self.X_train)
        for epoch in range(epochs):
            start_time = time.perf_counter()
            shuffled = self.rng.permutation(n)
            for rows in np.array_split(shuffled, range(batch_size, n, batch_size)):
                hidden_layers = init_layers(len(rows), self.layer_sizes)
                output, hidden_layers = feed_forward(self.X_train[rows], hidden_layers, self.weights)
                self.weights = back_prop(output, self.Y_train[rows], hidden_layers, self.weights, len(rows), lr)
            self.record(epoch, time.perf_counter() - start_time)
        return self.history

    def record(self, epoch, seconds, verbose=False):
        for split, X, Y in (("train", self.X_train, self.Y_train), ("val", self.X_val, self.Y_val)):
            loss, accuracy = self.evaluate(X, Y)
            self.history[f"{split}_loss"].append(loss)
            self.history[f"{split}_acc"].append(accuracy)

# %% [markdown]
# ### Part 3 — Two-layer network with logistic loss (part3_two_layer_net)

# %% exercise="nnet_forward_logloss" approach="stable by cases with np.where (overflow warnings, right values), scalar bias"
def nnet_forward_logloss(X, Y, Wi, bi, Wo, bo):
    H = np.maximum(0, np.dot(X, Wi) + bi)
    Yo = np.dot(H, Wo) + bo[0]
    Po = 1 / (1 + np.exp(-Yo))
    a = -Y * Yo
    losses = np.where(a > 0, a + np.log1p(np.exp(-a)), np.log1p(np.exp(a)))
    return Po, Yo, losses.mean()

# %% exercise="nnet_forward_logloss" approach="max(a, 0) + log1p(exp(-|a|)), loop over examples"
def nnet_forward_logloss(X, Y, Wi, bi, Wo, bo):
    Po, Yo, total = np.zeros(len(X)), np.zeros(len(X)), 0.0
    for n in range(len(X)):
        hidden = np.maximum(X[n] @ Wi + bi, 0)
        Yo[n] = hidden @ Wo + bo[0]
        Po[n] = np.exp(-np.logaddexp(0, -Yo[n]))
        a = -Y[n] * Yo[n]
        total += max(a, 0.0) + np.log1p(np.exp(-abs(a)))
    return Po, Yo, total / len(X)

# %% exercise="gradient_nn" approach="a loop over examples, p - (1 + y) / 2, dbo as a float"
def gradient_nn(X, Y, Wi, bi, Wo, bo):
    dWi, dbi, dWo, dbo = np.zeros_like(Wi), np.zeros_like(bi), np.zeros_like(Wo), 0.0
    for x, y in zip(X, Y):
        z = x @ Wi + bi
        h = np.maximum(z, 0)
        p = np.exp(-np.logaddexp(0, -(h @ Wo + bo[0])))
        g = p - (1 + y) / 2  # dl/dYo = -y sigmoid(-y Yo) = p - 1[y = 1]
        dWo += g * h
        dbo += g
        dz = g * Wo * (z > 0)
        dWi += np.outer(x, dz)
        dbi += dz
    n = len(X)
    return dWi / n, dbi / n, dWo / n, dbo / n

# %% exercise="gradient_nn" approach="batch matrices, mask from the hidden activations, expit"
from scipy.special import expit

def gradient_nn(X, Y, Wi, bi, Wo, bo):
    H = np.maximum(X @ Wi + bi, 0)
    G = -Y * expit(-Y * (H @ Wo + bo)) / X.shape[0]
    dZ = G[:, None] * Wo[None, :] * (H > 0)
    return X.T @ dZ, dZ.sum(0), H.T @ G, G.sum(keepdims=True)

# %% exercise="gradient_nn_numerical" approach="flat views of each parameter, default eps 1e-5"
def gradient_nn_numerical(X, Y, Wi, bi, Wo, bo, eps=1e-5):
    def loss():
        return nnet_forward_logloss(X, Y, Wi, bi, Wo, bo)[2]
    grads = []
    for param in (Wi, bi, Wo, bo):
        flat, grad = param.reshape(-1), np.zeros(param.size)
        for k in range(param.size):
            flat[k] += eps
            up = loss()
            flat[k] -= 2 * eps
            down = loss()
            flat[k] += eps
            grad[k] = (up - down) / (2 * eps)
        grads.append(grad.reshape(param.shape))
    return grads[0], grads[1], grads[2], grads[3]

# %% exercise="gradcheck" approach="norm-based relative error, averaged over a few random examples, numpy floats"
def gradcheck():
    np.random.seed(3)
    errors = {"Wi": 0.0, "bi": 0.0, "Wo": 0.0, "bo": 0.0}
    for trial in range(3):
        X, Y = np.random.randn(1, 2), np.array([np.random.choice([-1.0, 1.0])])
        Wi, bi, Wo, bo = np.random.randn(2, 4), np.random.randn(4), np.random.randn(4), np.random.randn(1)
        analytic = gradient_nn(X, Y, Wi, bi, Wo, bo)
        numeric = gradient_nn_numerical(X, Y, Wi, bi, Wo, bo)
        for name, a, n in zip(errors, analytic, numeric):
            errors[name] = max(errors[name], np.linalg.norm(a - n) / max(1e-8, np.linalg.norm(a) + np.linalg.norm(n)))
    print(errors)
    return errors

# %% exercise="train_loop" approach="He initialisation with np.random.normal, new arrays at each step, errors from Po > 0.5 as numpy arrays"
def train_loop(Xtr, Ytr, Xval, Yval, h, lr, vis, n_epochs):
    D = Xtr.shape[1]
    params = [np.random.normal(0, np.sqrt(2 / D), (D, h)), np.zeros(h), np.random.normal(0, np.sqrt(1 / h), h),
              np.zeros(1)]
    errors = np.zeros((2, n_epochs))
    for epoch in range(n_epochs):
        for i in np.random.permutation(Xtr.shape[0]):
            grads = gradient_nn(Xtr[[i]], Ytr[[i]], *params)
            params = [p - lr * g for p, g in zip(params, grads)]
        for k, (X, Y) in enumerate(((Xtr, Ytr), (Xval, Yval))):
            Po = nnet_forward_logloss(X, Y, *params)[0]
            errors[k, epoch] = np.mean((Po > 0.5) != (Y > 0))
    if vis:
        plot_decision_boundary(*params, Xtr, Ytr)
        plt.show()
    return errors[0], errors[1]

# %% [markdown]
# Part 2 (`part2_layers`): other correct layers, networks and gradient checks.

# %% exercise="Activation" approach="dictionaries of lambdas; naive sigmoid (overflow warning, right value); derivatives from the output"
class Activation:
    NAMES = ("sigmoid", "tanh", "relu", "linear")
    FUNCTIONS = {"sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)), "tanh": np.tanh,
                 "relu": lambda x: x * (x > 0), "linear": lambda x: x}
    SLOPES_FROM_OUTPUT = {"sigmoid": lambda y: y * (1 - y), "tanh": lambda y: 1 - y * y,
                          "relu": lambda y: np.where(y > 0, 1.0, 0.0), "linear": np.ones_like}

    def __init__(self, name):
        self.name = name
        self.last_input = None

    def fprop(self, input):
        self.last_input = input
        self.last_output = self.FUNCTIONS[self.name](input)
        return self.last_output

    def bprop(self, output_grad):
        return output_grad * self.SLOPES_FROM_OUTPUT[self.name](self.FUNCTIONS[self.name](self.last_input))

# %% exercise="FullyConnectedLayer" approach="einsum and explicit loops over the batch for the gradients, randn * stddev"
class FullyConnectedLayer(Layer, Parameterized):
    def __init__(self, input_layer, num_units, init_stddev, activation_fun):
        self.num_units = num_units
        self.activation_fun = activation_fun
        self.input_shape = input_layer.output_size()
        self.W = np.random.randn(self.input_shape[1], num_units) * init_stddev
        self.b = np.zeros((num_units,))
        self.dW = None
        self.db = None

    def output_size(self):
        return (self.input_shape[0], self.num_units)

    def fprop(self, input):
        self.X = np.array(input, dtype=float)
        return self.activation_fun.fprop(np.einsum("nd,dm->nm", self.X, self.W) + self.b[None, :])

    def bprop(self, output_grad):
        delta = self.activation_fun.bprop(output_grad)
        n = len(delta)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        for i in range(n):
            self.dW += np.outer(self.X[i], delta[i]) / n
            self.db += delta[i] / n
        return np.einsum("nm,dm->nd", delta, self.W)

    def params(self):
        return self.W, self.b

    def grad_params(self):
        return self.dW, self.db

# %% exercise="LinearOutput" approach="loss as a squared norm divided by twice the batch size"
class LinearOutput(Layer, Loss):
    def __init__(self, input_layer):
        self.input_size = input_layer.output_size()

    def output_size(self):
        return self.input_size

    def fprop(self, input):
        return input.copy()

    def loss(self, Y, Y_pred):
        return np.linalg.norm(Y_pred - Y) ** 2 / (2 * Y.shape[0])

    def input_grad(self, Y, Y_pred):
        return -(Y - Y_pred)

# %% exercise="SoftmaxOutput" approach="scipy.special.softmax, and the loss from the probabilities of the right classes"
class SoftmaxOutput(Layer, Loss):
    def __init__(self, input_layer):
        self.input_size = input_layer.output_size()

    def output_size(self):
        return self.input_size

    def fprop(self, input):
        import scipy.special
        return scipy.special.softmax(input, axis=1)

    def loss(self, Y, Y_pred):
        right = Y_pred[np.arange(len(Y)), np.argmax(Y, axis=1)]
        return -np.log(right).mean()

    def input_grad(self, Y, Y_pred):
        grad = Y_pred.copy()
        grad[np.arange(len(Y)), np.argmax(Y, axis=1)] -= 1
        return grad

# %% exercise="NeuralNetwork" approach="index loops over a permutation, CS231n elementwise max relative error with a flat view"
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
        order = np.random.permutation(X.shape[0])
        for start in range(0, X.shape[0], batch_size):
            rows = order[start:start + batch_size]
            Y_pred = self.predict(X[rows])
            self.backpropagate(Y[rows], Y_pred)
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

# %% exercise="build_mnist_network" approach="layers built one by one with named variables, randn-based He constant"
def build_mnist_network(n_hidden=256, output_stddev=0.01):
    inputs = InputLayer((None, 28 * 28))
    hidden = FullyConnectedLayer(inputs, n_hidden, (2 / (28 * 28)) ** 0.5, Activation("relu"))
    scores = FullyConnectedLayer(hidden, 10, output_stddev, Activation("linear"))
    return NeuralNetwork([inputs, hidden, scores, SoftmaxOutput(scores)])
