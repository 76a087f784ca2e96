# %% [markdown]
# Other correct answers to Lab 5: each replaces the solution cell named by `exercise` and must keep
# every point of that exercise (tests/test_labs.py).

# %% [markdown]
# ### Part 1 — digits (part1_digits)

# %% exercise="Digits" approach="keeps the NumPy arrays and converts one example at a time; the label as a Python int"
class Digits(Dataset):
    def __init__(self, images, labels):
        self.images = images
        self.labels = labels

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        image = torch.from_numpy(np.array(self.images[index], dtype=np.float32)).view(1, 8, 8)
        return image, int(self.labels[index])

# %% exercise="MySimpleCNN" approach="an nn.Sequential inside the module, nn.ReLU and nn.Flatten layers"
class MySimpleCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2, 2),
            nn.Flatten(),
            nn.Linear(512, 10),
        )

    def forward(self, x):
        return self.layers(x)

# %% exercise="MySimpleCNN" approach="the linear layer defined first, x.view to flatten, F.max_pool2d"
class MySimpleCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.out = nn.Linear(32 * 4 * 4, 10)
        self.c1 = nn.Conv2d(1, 16, (3, 3), padding=(1, 1))
        self.c2 = nn.Conv2d(16, 32, (3, 3), padding="same")

    def forward(self, x):
        x = F.max_pool2d(torch.relu(self.c2(torch.relu(self.c1(x)))), kernel_size=2)
        return self.out(x.view(x.size(0), -1))

# %% exercise="train_epoch" approach="sums the loss as a tensor (loss * batch size), divides by len(loader.dataset); set_to_none"
def train_epoch(net, loader, loss_fn, optimizer, device=None):
    device = device or autograder.device()
    net.train().to(device)
    total = torch.zeros(())
    for inputs, targets in loader:
        inputs, targets = inputs.to(device), targets.to(device)
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(net(inputs), targets)
        loss.backward()
        optimizer.step()
        total += loss.detach().cpu() * inputs.shape[0]
    return float(total / len(loader.dataset))

# %% exercise="evaluate" approach="torch.inference_mode and a concatenation of all the predictions"
def evaluate(net, loader, device=None):
    device = torch.device("cpu") if device is None and not torch.cuda.is_available() else (device or "cuda")
    net = net.to(device).eval()
    hits = []
    with torch.inference_mode():
        for x, y in loader:
            hits.append(net(x.to(device)).argmax(1).cpu() == y)
    return torch.cat(hits).float().mean().item()

# %% [markdown]
# ### Part 2 — MNIST (part2_mnist)

# %% exercise="mnist_tensors" approach="torch.from_numpy on a float32 copy, reshape, labels with .long()"
def mnist_tensors(images, labels):
    images = np.asarray(images, dtype=np.float32) / 255
    x = torch.from_numpy(images).reshape(len(images), 1, 28, 28)
    return x, torch.from_numpy(np.array(labels)).long()

# %% exercise="plot_first_nine" approach="plt.figure and plt.subplot(3, 3, k), the label alone as title"
def plot_first_nine(images, labels):
    plt.figure(figsize=(6, 6))
    for k in range(9):
        plt.subplot(3, 3, k + 1)
        plt.imshow(images[k], cmap="gray")
        plt.title(str(labels[k]))
        plt.axis("off")

# %% exercise="count_parameters" approach="a loop over named_parameters"
def count_parameters(model, trainable_only=True):
    total = 0
    for name, parameter in model.named_parameters():
        if trainable_only and not parameter.requires_grad:
            continue
        total += parameter.numel()
    return total

# %% exercise="mnist_convnet" approach="a module class with F.relu, F.max_pool2d and x.view instead of layers"
def mnist_convnet():
    class SimpleConvNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3)
            self.conv2 = nn.Conv2d(32, 64, 3)
            self.dropout = nn.Dropout(p=0.5)
            self.fc = nn.Linear(64 * 5 * 5, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), 2)
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            return self.fc(self.dropout(x.view(x.shape[0], -1)))

    return SimpleConvNet()

# %% exercise="bn_convnet" approach="padding='same', the batch norms registered after all the convolutions"
def bn_convnet():
    class BNConvNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.convs = nn.ModuleList([nn.Conv2d(1, 32, 3, padding="same"), nn.Conv2d(32, 32, 3, padding="same"),
                                        nn.Conv2d(32, 32, 3, padding="same")])
            self.norms = nn.ModuleList([nn.BatchNorm2d(32) for _ in range(3)])
            self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.5), nn.Linear(1568, 10))

        def forward(self, x):
            for k, (conv, norm) in enumerate(zip(self.convs, self.norms)):
                x = F.relu(norm(conv(x)))
                if k < 2:
                    x = F.max_pool2d(x, 2)
            return self.head(x)

    return BNConvNet()

# %% exercise="fit" approach="two inner helpers, validation on all the scores at once under inference_mode, steps 1, 2, ..."
def fit(model, train_loader, val_loader, epochs, optimizer, loss_fn, device=None, log_dir=None):
    device = autograder.device() if device is None else device
    model = model.to(device)

    def train_one_epoch(bar):
        model.train()
        loss_sum, hits, seen = torch.zeros(()), 0, 0
        for inputs, targets in bar:
            inputs, targets = inputs.to(device), targets.to(device)
            optimizer.zero_grad()
            outputs = model(inputs)
            loss = loss_fn(outputs, targets)
            loss.backward()
            optimizer.step()
            loss_sum += loss.detach().cpu() * targets.shape[0]
            hits += int((outputs.argmax(1) == targets).sum())
            seen += targets.shape[0]
            bar.set_postfix(loss=float(loss_sum / seen))
        return float(loss_sum / seen), hits / seen

    def validate():
        model.eval()
        with torch.inference_mode():
            outputs, targets = [], []
            for inputs, labels in val_loader:
                outputs.append(model(inputs.to(device)))
                targets.append(labels.to(device))
            outputs, targets = torch.cat(outputs), torch.cat(targets)  # one loss over all the examples
            return float(loss_fn(outputs, targets)), float((outputs.argmax(1) == targets).float().mean())

    history = {key: [] for key in ("loss", "accuracy", "val_loss", "val_accuracy")}
    writer = SummaryWriter(log_dir=log_dir) if log_dir else None
    try:
        for epoch in range(epochs):
            values = train_one_epoch(tqdm(train_loader, desc=f"Epoch {epoch + 1}", leave=False)) + validate()
            for key, value in zip(history, values):
                history[key].append(value)
                if writer:
                    writer.add_scalar(key, value, global_step=epoch + 1)
    finally:
        if writer:
            writer.close()
    return history

# %% exercise="sgd_momentum_step" approach="velocity as a step (v = mu v - lr g, p += v) through .data: the same parameters"
def sgd_momentum_step(params, grads, velocities, lr, momentum):
    for p, g, v in zip(params, grads, velocities):
        v.data = momentum * v.data - lr * g
        p.data += v.data

# %% exercise="adam_step" approach="addcmul_ and addcdiv_, as torch.optim.Adam's own code"
def adam_step(params, grads, state, lr, betas, eps, t):
    b1, b2 = betas
    with torch.no_grad():
        for p, g, m, v in zip(params, grads, state["m"], state["v"]):
            m.mul_(b1).add_(g, alpha=1 - b1)
            v.mul_(b2).addcmul_(g, g, value=1 - b2)
            denom = (v.sqrt() / math.sqrt(1 - b2 ** t)).add_(eps)
            p.addcdiv_(m, denom, value=-lr / (1 - b1 ** t))

# %% [markdown]
# ### Part 3 — CIFAR-10 (part3_cifar10)

# %% exercise="Net" approach="nn.Sequential(nn.Flatten(), nn.Linear) inside the module"
class Net(nn.Module):
    def __init__(self, num_inputs, num_outputs):
        super().__init__()
        self.layers = nn.Sequential(nn.Flatten(), nn.Linear(num_inputs, num_outputs))

    def forward(self, x):
        return self.layers(x)

# %% exercise="ConvNet" approach="nn.Sequential feature extractor and classifier, nn.Tanh layers, x.view"
class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 16, 5), nn.Tanh(), nn.MaxPool2d(2, 2),
                                      nn.Conv2d(16, 128, 5), nn.Tanh(), nn.MaxPool2d(2, 2))
        self.classifier = nn.Sequential(nn.Linear(3200, 64), nn.Tanh(), nn.Linear(64, 10))

    def forward(self, x):
        x = self.features(x)
        return self.classifier(x.view(-1, 128 * 5 * 5))

# %% exercise="train" approach="summed cross-entropy per batch (reduction='sum') backpropagated divided by the batch size"
def train(epoch, network, optimizer, loader, device=None):
    device = device if device is not None else autograder.device()
    network.train().to(device)
    loss_sum, hits, seen = 0.0, 0, 0
    for images, targets in loader:
        images, targets = images.to(device), targets.to(device)
        optimizer.zero_grad()
        output = network(images)
        summed = F.cross_entropy(output, targets, reduction="sum")
        (summed / len(targets)).backward()
        optimizer.step()
        loss_sum += summed.item()
        hits += output.argmax(1).eq(targets).sum().item()
        seen += len(targets)
    print("Train epoch {}: loss {:.4f}, accuracy {:.2%}".format(epoch, loss_sum / seen, hits / seen))
    return loss_sum / seen, hits / seen

# %% exercise="test" approach="summed cross-entropy (reduction='sum') and pred.eq(target), as in PyTorch's MNIST example"
def test(network, loader, device=None):
    device = device if device is not None else autograder.device()
    network.to(device)
    network.eval()
    test_loss, correct = 0.0, 0
    with torch.no_grad():
        for data, target in loader:
            data, target = data.to(device), target.to(device)
            output = network(data)
            test_loss += F.cross_entropy(output, target, reduction="sum").item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    return test_loss / len(loader.dataset), correct / len(loader.dataset)

# %% exercise="param_counts" approach="named_modules with parameters(recurse=False)"
def param_counts(network):
    result = {}
    for name, module in network.named_modules():
        own = sum(p.numel() for p in module.parameters(recurse=False))
        if own:
            result[name] = own
    return result
