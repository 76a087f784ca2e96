# %% [markdown]
# Known-wrong answers to Lab 6: each replaces the solution cell named by `exercise`, exactly as a
# student's cell would, and must lose points on that exercise (tests/test_labs.py).

# %% exercise="RecurrentNeuralNetwork" mistake="recurrent state not carried between calls: h_prev is zeros at every call"
class RecurrentNeuralNetwork:
    def __init__(self, struct):
        self.struct = list(struct)
        L = len(struct) - 1
        self.weights = [np.random.uniform(-1, 1, (struct[l], struct[l - 1] + (struct[l] if l < L else 0) + 1))
                        for l in range(1, L + 1)]
        self.reset()

    def reset(self):
        self.state = [np.zeros(n) for n in self.struct[1:-1]]

    def act_net(self, inp):
        a = np.asarray(inp, dtype=float)
        if a.shape != (self.struct[0],):
            raise ValueError(f"expected an input of length {self.struct[0]}")
        for l, W in enumerate(self.weights):
            if l < len(self.weights) - 1:
                a = sigmoid(W @ np.concatenate([a, np.zeros(W.shape[0]), [1.0]]))
                self.state[l] = a
            else:
                a = sigmoid(W @ np.concatenate([a, [1.0]]))
        return a

# %% exercise="RecurrentNeuralNetwork" mistake="state never reset: reset() does nothing"
class RecurrentNeuralNetwork:
    def __init__(self, struct):
        self.struct = list(struct)
        L = len(struct) - 1
        self.weights = [np.random.uniform(-1, 1, (struct[l], struct[l - 1] + (struct[l] if l < L else 0) + 1))
                        for l in range(1, L + 1)]
        self.state = [np.zeros(n) for n in self.struct[1:-1]]

    def reset(self):
        pass

    def act_net(self, inp):
        a = np.asarray(inp, dtype=float)
        if a.shape != (self.struct[0],):
            raise ValueError(f"expected an input of length {self.struct[0]}")
        for l, W in enumerate(self.weights):
            if l < len(self.weights) - 1:
                a = sigmoid(W @ np.concatenate([a, self.state[l], [1.0]]))
                self.state[l] = a
            else:
                a = sigmoid(W @ np.concatenate([a, [1.0]]))
        return a

# %% exercise="RecurrentNeuralNetwork" mistake="state initialised with np.empty instead of zeros"
class RecurrentNeuralNetwork:
    def __init__(self, struct):
        self.struct = list(struct)
        L = len(struct) - 1
        self.weights = [np.random.uniform(-1, 1, (struct[l], struct[l - 1] + (struct[l] if l < L else 0) + 1))
                        for l in range(1, L + 1)]
        self.reset()

    def reset(self):
        self.state = [np.empty(n) for n in self.struct[1:-1]]

    def act_net(self, inp):
        a = np.asarray(inp, dtype=float)
        if a.shape != (self.struct[0],):
            raise ValueError(f"expected an input of length {self.struct[0]}")
        for l, W in enumerate(self.weights):
            if l < len(self.weights) - 1:
                a = sigmoid(W @ np.concatenate([a, self.state[l], [1.0]]))
                self.state[l] = a
            else:
                a = sigmoid(W @ np.concatenate([a, [1.0]]))
        return a

# %% exercise="RecurrentNeuralNetwork" mistake="recurrence added to the output layer too"
class RecurrentNeuralNetwork:
    def __init__(self, struct):
        self.struct = list(struct)
        self.weights = [np.random.uniform(-1, 1, (struct[l], struct[l - 1] + struct[l] + 1))
                        for l in range(1, len(struct))]
        self.reset()

    def reset(self):
        self.state = [np.zeros(n) for n in self.struct[1:]]

    def act_net(self, inp):
        a = np.asarray(inp, dtype=float)
        if a.shape != (self.struct[0],):
            raise ValueError(f"expected an input of length {self.struct[0]}")
        for l, W in enumerate(self.weights):
            a = sigmoid(W @ np.concatenate([a, self.state[l], [1.0]]))
            self.state[l] = a
        return a

# %% exercise="RecurrentNeuralNetwork" mistake="bias column placed first: [1, input, recurrent]"
class RecurrentNeuralNetwork:
    def __init__(self, struct):
        self.struct = list(struct)
        L = len(struct) - 1
        self.weights = [np.random.uniform(-1, 1, (struct[l], struct[l - 1] + (struct[l] if l < L else 0) + 1))
                        for l in range(1, L + 1)]
        self.reset()

    def reset(self):
        self.state = [np.zeros(n) for n in self.struct[1:-1]]

    def act_net(self, inp):
        a = np.asarray(inp, dtype=float)
        if a.shape != (self.struct[0],):
            raise ValueError(f"expected an input of length {self.struct[0]}")
        for l, W in enumerate(self.weights):
            if l < len(self.weights) - 1:
                a = sigmoid(W @ np.concatenate([[1.0], a, self.state[l]]))
                self.state[l] = a
            else:
                a = sigmoid(W @ np.concatenate([[1.0], a]))
        return a

# %% exercise="RecurrentNeuralNetwork" mistake="bias column missing"
class RecurrentNeuralNetwork:
    def __init__(self, struct):
        self.struct = list(struct)
        L = len(struct) - 1
        self.weights = [np.random.uniform(-1, 1, (struct[l], struct[l - 1] + (struct[l] if l < L else 0)))
                        for l in range(1, L + 1)]
        self.reset()

    def reset(self):
        self.state = [np.zeros(n) for n in self.struct[1:-1]]

    def act_net(self, inp):
        a = np.asarray(inp, dtype=float)
        if a.shape != (self.struct[0],):
            raise ValueError(f"expected an input of length {self.struct[0]}")
        for l, W in enumerate(self.weights):
            if l < len(self.weights) - 1:
                a = sigmoid(W @ np.concatenate([a, self.state[l]]))
                self.state[l] = a
            else:
                a = sigmoid(W @ a)
        return a

# %% exercise="RecurrentNeuralNetwork" mistake="state updated before the output is computed: the hidden layers read this call's state"
class RecurrentNeuralNetwork:
    def __init__(self, struct):
        self.struct = list(struct)
        L = len(struct) - 1
        self.weights = [np.random.uniform(-1, 1, (struct[l], struct[l - 1] + (struct[l] if l < L else 0) + 1))
                        for l in range(1, L + 1)]
        self.reset()

    def reset(self):
        self.state = [np.zeros(n) for n in self.struct[1:-1]]

    def _forward(self, a, update):
        for l, W in enumerate(self.weights):
            if l < len(self.weights) - 1:
                a = sigmoid(W @ np.concatenate([a, self.state[l], [1.0]]))
                if update:
                    self.state[l] = a
            else:
                a = sigmoid(W @ np.concatenate([a, [1.0]]))
        return a

    def act_net(self, inp):
        a = np.asarray(inp, dtype=float)
        if a.shape != (self.struct[0],):
            raise ValueError(f"expected an input of length {self.struct[0]}")
        self._forward(a, update=True)  # first the new state...
        return self._forward(a, update=False)  # ...then the output, computed from it

# %% exercise="RecurrentNeuralNetwork" mistake="wrong input length not checked: numpy's own error names no expected length"
class RecurrentNeuralNetwork:
    def __init__(self, struct):
        self.struct = list(struct)
        L = len(struct) - 1
        self.weights = [np.random.uniform(-1, 1, (struct[l], struct[l - 1] + (struct[l] if l < L else 0) + 1))
                        for l in range(1, L + 1)]
        self.reset()

    def reset(self):
        self.state = [np.zeros(n) for n in self.struct[1:-1]]

    def act_net(self, inp):
        a = np.asarray(inp, dtype=float)
        for l, W in enumerate(self.weights):
            if l < len(self.weights) - 1:
                a = sigmoid(W @ np.concatenate([a, self.state[l], [1.0]]))
                self.state[l] = a
            else:
                a = sigmoid(W @ np.concatenate([a, [1.0]]))
        return a

# %% exercise="rnn_step_forward" mistake="recurrent weights transposed (torch's h W_hh^T written with our Wh)"
def rnn_step_forward(x, h_prev, Wx, Wh, b):
    h_next = np.tanh(x @ Wx + h_prev @ Wh.T + b)
    return h_next, (x, h_prev, Wx, Wh, b, h_next)

# %% exercise="rnn_step_forward" mistake="cache keeps the pre-activation instead of h_next"
def rnn_step_forward(x, h_prev, Wx, Wh, b):
    a = x @ Wx + h_prev @ Wh + b
    return np.tanh(a), (x, h_prev, Wx, Wh, b, a)

# %% exercise="rnn_step_forward" mistake="sigmoid instead of tanh"
def rnn_step_forward(x, h_prev, Wx, Wh, b):
    h_next = sigmoid(x @ Wx + h_prev @ Wh + b)
    return h_next, (x, h_prev, Wx, Wh, b, h_next)

# %% exercise="rnn_forward" mistake="time and batch axes swapped: x[t] instead of x[:, t]"
def rnn_forward(x, h0, Wx, Wh, b):
    T, N, _ = x.shape  # read as (T, N, D), the layout of torch's default batch_first=False
    h = np.zeros((N, T, h0.shape[1]))
    cache, h_prev = [], h0
    for t in range(T):
        h_prev, step = rnn_step_forward(x[t], h_prev, Wx, Wh, b)
        h[:, t] = h_prev
        cache.append(step)
    return h, cache

# %% exercise="rnn_forward" mistake="state not carried: every step starts again from h0"
def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]))
    cache = []
    for t in range(T):
        h[:, t], step = rnn_step_forward(x[:, t], h0, Wx, Wh, b)
        cache.append(step)
    return h, cache

# %% exercise="rnn_forward" mistake="off by one: stores the state before the step (h0, ..., h_{T-2})"
def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]))
    cache, h_prev = [], h0
    for t in range(T):
        h[:, t] = h_prev
        h_prev, step = rnn_step_forward(x[:, t], h_prev, Wx, Wh, b)
        cache.append(step)
    return h, cache

# %% exercise="weights_from_torch" mistake="one torch bias only: bias_hh_l0 forgotten"
def weights_from_torch(rnn):
    with torch.no_grad():
        return rnn.weight_ih_l0.T.numpy().copy(), rnn.weight_hh_l0.T.numpy().copy(), rnn.bias_ih_l0.numpy().copy()

# %% exercise="weights_from_torch" mistake="torch's matrices not transposed"
def weights_from_torch(rnn):
    with torch.no_grad():
        return (rnn.weight_ih_l0.numpy().copy(), rnn.weight_hh_l0.numpy().copy(),
                (rnn.bias_ih_l0 + rnn.bias_hh_l0).numpy())

# %% exercise="rnn_step_backward" mistake="tanh derivative from the pre-activation: 1 - a**2 with a = x Wx + h_prev Wh + b"
def rnn_step_backward(dh_next, cache):
    x, h_prev, Wx, Wh, b, h_next = cache
    a = x @ Wx + h_prev @ Wh + b
    da = dh_next * (1 - a ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)

# %% exercise="rnn_step_backward" mistake="dh_prev through Wh instead of its transpose"
def rnn_step_backward(dh_next, cache):
    x, h_prev, Wx, Wh, b, h_next = cache
    da = dh_next * (1 - h_next ** 2)
    return da @ Wx.T, da @ Wh, x.T @ da, h_prev.T @ da, da.sum(axis=0)

# %% exercise="rnn_step_backward" mistake="db averaged over the batch instead of summed"
def rnn_step_backward(dh_next, cache):
    x, h_prev, Wx, Wh, b, h_next = cache
    da = dh_next * (1 - h_next ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.mean(axis=0)

# %% exercise="rnn_backward" mistake="dWh not accumulated over time steps (overwritten: only step 0 counts)"
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx, dWh, db = np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)
    dh_prev = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dh_prev, dWx_t, dWh, db_t = rnn_step_backward(dh[:, t] + dh_prev, cache[t])
        dWx += dWx_t
        db += db_t
    return dx, dh_prev, dWx, dWh, db

# %% exercise="rnn_backward" mistake="dh of a step not added to the gradient flowing back from the next step"
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx, dWh, db = np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)
    dh_prev = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dh_prev, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t], cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_prev, dWx, dWh, db

# %% exercise="rnn_backward" mistake="walks forward in time (from the first step to the last)"
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx, dWh, db = np.zeros((D, H)), np.zeros((H, H)), np.zeros(H)
    dh_prev = np.zeros((N, H))
    for t in range(T):
        dx[:, t], dh_prev, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dh_prev, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dh_prev, dWx, dWh, db

# %% exercise="gradient_norms" mistake="dh_last put on the first step instead of the last"
def gradient_norms(dh_last, cache):
    N, H = dh_last.shape
    dh = np.zeros((N, len(cache), H))
    dh[:, 0] = dh_last
    dx = rnn_backward(dh, cache)[0]
    return np.sqrt((dx ** 2).sum(axis=(0, 2)))

# %% exercise="gradient_norms" mistake="mean over the batch of each sequence's norm instead of the norm of dx[:, t]"
def gradient_norms(dh_last, cache):
    N, H = dh_last.shape
    dh = np.zeros((N, len(cache), H))
    dh[:, -1] = dh_last
    dx = rnn_backward(dh, cache)[0]
    return np.linalg.norm(dx, axis=2).mean(axis=0)

# %% exercise="clip_gradients" mistake="clipping per tensor instead of by the global norm"
def clip_gradients(grads, max_norm):
    out = []
    for g in grads:
        norm = np.sqrt(np.sum(g ** 2))
        out.append(g * max_norm / norm if norm > max_norm else g)
    return out

# %% exercise="clip_gradients" mistake="always rescales to max_norm, also gradients that were smaller"
def clip_gradients(grads, max_norm):
    total = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    return [g * max_norm / total for g in grads]

# %% exercise="SequenceClassifier" mistake="LSTM head on the first time step's output instead of the last"
class SequenceClassifier(nn.Module):
    def __init__(self, cell, input_size, hidden_size, num_classes):
        super().__init__()
        self.recurrent = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell.lower()](input_size, hidden_size,
                                                                                        batch_first=True)
        self.head = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        outputs, _ = self.recurrent(x)
        return self.head(outputs[:, 0])

# %% exercise="SequenceClassifier" mistake="batch_first forgotten: the batch read as (T, N, D)"
class SequenceClassifier(nn.Module):
    def __init__(self, cell, input_size, hidden_size, num_classes):
        super().__init__()
        self.recurrent = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell.lower()](input_size, hidden_size)
        self.head = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        outputs, _ = self.recurrent(x)
        return self.head(outputs[:, -1])

# %% exercise="SequenceClassifier" mistake="always an LSTM, whatever the cell asked"
class SequenceClassifier(nn.Module):
    def __init__(self, cell, input_size, hidden_size, num_classes):
        super().__init__()
        self.recurrent = nn.LSTM(input_size, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        outputs, _ = self.recurrent(x)
        return self.head(outputs[:, -1])

# %% exercise="rnn_parameter_count" mistake="parameter count with one bias per gate"
def rnn_parameter_count(cell, input_size, hidden_size):
    gates = {"rnn": 1, "gru": 3, "lstm": 4}[cell.lower()]
    return gates * (hidden_size * input_size + hidden_size * hidden_size + hidden_size)

# %% exercise="rnn_parameter_count" mistake="gates of the LSTM and the GRU swapped (3 for the LSTM, 4 for the GRU)"
def rnn_parameter_count(cell, input_size, hidden_size):
    gates = {"rnn": 1, "gru": 4, "lstm": 3}[cell.lower()]
    return gates * (hidden_size * input_size + hidden_size * hidden_size + 2 * hidden_size)

# %% exercise="train_sequence_model" mistake="missing optimizer.zero_grad(): gradients accumulate over the steps"
def train_sequence_model(model, loader, epochs, lr, clip=1.0):
    device = next(model.parameters()).device
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = {"loss": [], "accuracy": []}
    for _ in tqdm(range(epochs)):
        total_loss, correct, seen = 0.0, 0, 0
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            optimizer.step()
            total_loss += loss.item() * len(y)
            correct += (logits.argmax(dim=1) == y).sum().item()
            seen += len(y)
        history["loss"].append(total_loss / seen)
        history["accuracy"].append(correct / seen)
    return history

# %% exercise="train_sequence_model" mistake="no gradient clipping"
def train_sequence_model(model, loader, epochs, lr, clip=1.0):
    device = next(model.parameters()).device
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = {"loss": [], "accuracy": []}
    for _ in tqdm(range(epochs)):
        total_loss, correct, seen = 0.0, 0, 0
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad()
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(y)
            correct += (logits.argmax(dim=1) == y).sum().item()
            seen += len(y)
        history["loss"].append(total_loss / seen)
        history["accuracy"].append(correct / seen)
    return history

# %% exercise="train_sequence_model" mistake="clipping before backward(): it clips the zeroed gradients, not the new ones"
def train_sequence_model(model, loader, epochs, lr, clip=1.0):
    device = next(model.parameters()).device
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = {"loss": [], "accuracy": []}
    for _ in tqdm(range(epochs)):
        total_loss, correct, seen = 0.0, 0, 0
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad()
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(y)
            correct += (logits.argmax(dim=1) == y).sum().item()
            seen += len(y)
        history["loss"].append(total_loss / seen)
        history["accuracy"].append(correct / seen)
    return history

# %% exercise="train_sequence_model" mistake="history averages the batch losses without weighting the smaller last batch"
def train_sequence_model(model, loader, epochs, lr, clip=1.0):
    device = next(model.parameters()).device
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = {"loss": [], "accuracy": []}
    for _ in tqdm(range(epochs)):
        losses, accuracies = [], []
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad()
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            optimizer.step()
            losses.append(loss.item())
            accuracies.append((logits.argmax(dim=1) == y).float().mean().item())
        history["loss"].append(float(np.mean(losses)))
        history["accuracy"].append(float(np.mean(accuracies)))
    return history
