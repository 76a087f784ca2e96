# %% [markdown]
# Other correct answers to Lab 6: each replaces the solution cell named by `exercise` and must keep
# full marks (tests/test_labs.py).

# %% exercise="RecurrentNeuralNetwork" approach="weights split into input, recurrent and bias blocks; state replaced by new lists"
class RecurrentNeuralNetwork:
    def __init__(self, struct):
        self.sizes = [int(n) for n in struct]
        self.weights = []
        for l in range(1, len(self.sizes)):
            recurrent = self.sizes[l] if l < len(self.sizes) - 1 else 0
            self.weights.append(2 * np.random.rand(self.sizes[l], self.sizes[l - 1] + recurrent + 1) - 1)
        self.state = [np.zeros(n) for n in self.sizes[1:-1]]

    def reset(self):
        self.state = [np.zeros_like(h) for h in self.state]

    def act_net(self, inp):
        if len(inp) != self.sizes[0]:
            raise ValueError(f"the network has {self.sizes[0]} inputs, got {len(inp)} values")
        a = np.array(inp, dtype=float)
        new_state = []
        for l, W in enumerate(self.weights):
            n_in = a.shape[0]
            z = W[:, :n_in] @ a + W[:, -1]
            if l < len(self.state):
                z = z + W[:, n_in:-1] @ self.state[l]
            a = 1 / (1 + np.exp(-z))
            if l < len(self.state):
                new_state.append(a)
        self.state = new_state
        return a

# %% exercise="rnn_step_forward" approach="tanh from an explicit formula, 1 - 2 / (exp(2a) + 1)"
def rnn_step_forward(x, h_prev, Wx, Wh, b):
    a = np.dot(x, Wx) + np.dot(h_prev, Wh) + b
    with np.errstate(over="ignore"):
        h_next = 1 - 2 / (np.exp(2 * a) + 1)
    cache = (x, h_prev, Wx, Wh, b, h_next)
    return h_next, cache

# %% exercise="rnn_forward" approach="vectorised: all input products x Wx at once, only the recurrence in a loop"
def rnn_forward(x, h0, Wx, Wh, b):
    xw = x @ Wx + b  # (N, T, H)
    states = [h0]
    for t in range(x.shape[1]):
        states.append(np.tanh(xw[:, t] + states[-1] @ Wh))
    h = np.stack(states[1:], axis=1)
    cache = [(x[:, t], states[t], Wx, Wh, b, states[t + 1]) for t in range(x.shape[1])]
    return h, cache

# %% exercise="weights_from_torch" approach="from the state_dict, returned as torch tensors"
def weights_from_torch(rnn):
    params = {name: p.detach() for name, p in rnn.state_dict().items()}
    return params["weight_ih_l0"].t(), params["weight_hh_l0"].t(), params["bias_ih_l0"] + params["bias_hh_l0"]

# %% exercise="rnn_step_backward" approach="tanh derivative recomputed from the pre-activation, 1 - tanh(a)**2; einsum"
def rnn_step_backward(dh_next, cache):
    x, h_prev, Wx, Wh, b, _ = cache
    a = x @ Wx + h_prev @ Wh + b
    da = dh_next * (1 - np.tanh(a) ** 2)
    dx = np.einsum("nh,dh->nd", da, Wx)
    dh_prev = np.einsum("nh,kh->nk", da, Wh)
    dWx = np.einsum("nd,nh->dh", x, da)
    dWh = np.einsum("nk,nh->kh", h_prev, da)
    db = np.einsum("nh->h", da)
    return dx, dh_prev, dWx, dWh, db

# %% exercise="rnn_backward" approach="one loop with the step's backward written inline"
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    dx = []
    dWx = dWh = db = 0
    dh_prev = np.zeros((N, H))
    for x, h_prev, Wx, Wh, b, h_next in reversed(cache):
        da = (dh[:, len(cache) - 1 - len(dx)] + dh_prev) * (1 - h_next ** 2)
        dx.append(da @ Wx.T)
        dh_prev = da @ Wh.T
        dWx = dWx + x.T @ da
        dWh = dWh + h_prev.T @ da
        db = db + da.sum(axis=0)
    return np.stack(dx[::-1], axis=1), dh_prev, dWx, dWh, db

# %% exercise="gradient_norms" approach="np.linalg.norm of each step's slice in a loop"
def gradient_norms(dh_last, cache):
    T = len(cache)
    dh = np.zeros((dh_last.shape[0], T, dh_last.shape[1]))
    dh[:, T - 1, :] = dh_last
    dx, *_ = rnn_backward(dh, cache)
    return np.array([np.linalg.norm(dx[:, t]) for t in range(T)])

# %% exercise="clip_gradients" approach="torch.nn.utils.clip_grad_norm_ itself, on tensors holding the gradients"
def clip_gradients(grads, max_norm):
    params = [torch.zeros(np.shape(g), dtype=torch.float64) for g in grads]
    for p, g in zip(params, grads):
        p.grad = torch.tensor(np.asarray(g, dtype=np.float64))
    torch.nn.utils.clip_grad_norm_(params, max_norm)
    return [p.grad.numpy() for p in params]

# %% exercise="SequenceClassifier" approach="nn.Sequential of the recurrent layer, a module picking the last step, and the head"
class LastStep(nn.Module):
    """Keeps the output of the last time step of a recurrent layer's (outputs, state) pair."""

    def forward(self, pair):
        return pair[0][:, -1]


class SequenceClassifier(nn.Module):
    def __init__(self, cell, input_size, hidden_size, num_classes):
        super().__init__()
        layer = getattr(nn, cell.upper())(input_size, hidden_size, batch_first=True)
        self.net = nn.Sequential(layer, LastStep(), nn.Linear(hidden_size, num_classes))

    def forward(self, x):
        return self.net(x)

# %% exercise="SequenceClassifier" approach="the head on the final hidden state h_n (equal to the last step's output for one layer)"
class SequenceClassifier(nn.Module):
    def __init__(self, cell, input_size, hidden_size, num_classes):
        super().__init__()
        self.cell = cell.lower()
        if self.cell == "lstm":
            self.layer = nn.LSTM(input_size, hidden_size, batch_first=True)
        elif self.cell == "gru":
            self.layer = nn.GRU(input_size, hidden_size, batch_first=True)
        else:
            self.layer = nn.RNN(input_size, hidden_size, nonlinearity="tanh", batch_first=True)
        self.fc = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        _, state = self.layer(x)
        h_n = state[0] if self.cell == "lstm" else state
        return self.fc(h_n[-1])

# %% exercise="rnn_parameter_count" approach="weights and biases counted separately, gates from a chain of ifs"
def rnn_parameter_count(cell, input_size, hidden_size):
    cell = cell.upper()
    if cell == "LSTM":
        gates = 4
    elif cell == "GRU":
        gates = 3
    else:
        gates = 1
    weights = gates * hidden_size * (input_size + hidden_size)
    biases = 2 * gates * hidden_size
    return weights + biases

# %% exercise="train_sequence_model" approach="model.zero_grad(set_to_none=True) after each step, tqdm over the batches, accuracy from tensors"
def train_sequence_model(model, loader, epochs, lr, clip=1.0):
    device = next(model.parameters()).device
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.zero_grad(set_to_none=True)
    history = {"loss": [], "accuracy": []}
    for epoch in range(epochs):
        model.train()
        loss_sum = torch.zeros(())
        hits = torch.zeros(())
        count = 0
        for x, y in tqdm(loader, desc=f"epoch {epoch + 1}/{epochs}"):
            x, y = x.to(device), y.to(device)
            logits = model(x)
            loss = nn.CrossEntropyLoss(reduction="sum")(logits, y) / len(y)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), max_norm=clip)
            optimizer.step()
            model.zero_grad(set_to_none=True)
            loss_sum += loss.detach().cpu() * len(y)
            hits += (logits.argmax(dim=1) == y).sum().cpu()
            count += len(y)
        history["loss"].append((loss_sum / count).item())
        history["accuracy"].append((hits / count).item())
    return history
