# %% [markdown]
# Known-wrong answers to Lab 5: each replaces the solution cell named by `exercise`, exactly as a
# student's cell would, and must lose points on that exercise (tests/test_labs.py).

# %% [markdown]
# ### Part 1 — digits (part1_digits)

# %% exercise="Digits" mistake="__getitem__ returns an (8, 8) image without the channel axis"
class Digits(Dataset):
    def __init__(self, images, labels):
        self.images = torch.as_tensor(np.asarray(images), dtype=torch.float32)
        self.labels = torch.as_tensor(np.asarray(labels), dtype=torch.long)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        return self.images[index], self.labels[index]

# %% exercise="Digits" mistake="float labels (cross-entropy needs int64 class indices)"
class Digits(Dataset):
    def __init__(self, images, labels):
        self.images = torch.tensor(np.asarray(images), dtype=torch.float32).unsqueeze(1)
        self.labels = torch.tensor(np.asarray(labels), dtype=torch.float32)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        return self.images[index], self.labels[index]

# %% exercise="Digits" mistake="uint8 images (torch.from_numpy of an image converted to bytes)"
class Digits(Dataset):
    def __init__(self, images, labels):
        self.images = np.asarray(images).astype(np.uint8)
        self.labels = np.asarray(labels)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        return torch.from_numpy(self.images[index]).unsqueeze(0), torch.tensor(self.labels[index])

# %% exercise="Digits" mistake="len is the number of pixels per image instead of the number of images"
class Digits(Dataset):
    def __init__(self, images, labels):
        self.images = torch.as_tensor(np.asarray(images), dtype=torch.float32).unsqueeze(1)
        self.labels = torch.as_tensor(np.asarray(labels), dtype=torch.long)

    def __len__(self):
        return self.images[0].numel()

    def __getitem__(self, index):
        return self.images[index], self.labels[index]

# %% exercise="loaders" mistake="the test loader shuffles and the training loader does not"
train_loader = DataLoader(Digits(X_train, y_train), batch_size=100)
test_loader = DataLoader(Digits(X_test, y_test), batch_size=1, shuffle=True)

# %% exercise="loaders" mistake="test batches of 100 like the training batches"
train_loader = DataLoader(Digits(X_train, y_train), batch_size=100, shuffle=True)
test_loader = DataLoader(Digits(X_test, y_test), batch_size=100)

# %% exercise="MySimpleCNN" mistake="the linear layer sized 16 instead of 32 * 4 * 4"
class MySimpleCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = self.pool(F.relu(self.conv2(x)))
        return self.fc(torch.flatten(x, 1))

# %% exercise="MySimpleCNN" mistake="pools after the first convolution instead of the second (same shapes)"
class MySimpleCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(32 * 4 * 4, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = F.relu(self.conv2(x))
        return self.fc(torch.flatten(x, 1))

# %% exercise="MySimpleCNN" mistake="no ReLU after the second convolution"
class MySimpleCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(32 * 4 * 4, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = self.pool(self.conv2(x))
        return self.fc(torch.flatten(x, 1))

# %% exercise="MySimpleCNN" mistake="flattens channels last (H, W, C order, as Keras does) instead of PyTorch's (C, H, W)"
class MySimpleCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(32 * 4 * 4, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = self.pool(F.relu(self.conv2(x)))
        return self.fc(x.permute(0, 2, 3, 1).reshape(-1, 512))

# %% exercise="train_epoch" mistake="no optimizer.zero_grad(): the gradients of all batches add up"
def train_epoch(net, loader, loss_fn, optimizer, device=None):
    if device is None:
        device = autograder.device()
    net.to(device)
    net.train()
    total, count = 0.0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        loss = loss_fn(net(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(x)
        count += len(x)
    return total / count

# %% exercise="train_epoch" mistake="loss.backward() without optimizer.step(): nothing is learned"
def train_epoch(net, loader, loss_fn, optimizer, device=None):
    if device is None:
        device = autograder.device()
    net.to(device)
    net.train()
    total, count = 0.0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        total += loss.item() * len(x)
        count += len(x)
    return total / count

# %% exercise="train_epoch" mistake="the epoch loss is the mean of the batch means (the smaller last batch weighs as much)"
def train_epoch(net, loader, loss_fn, optimizer, device=None):
    if device is None:
        device = autograder.device()
    net.to(device)
    net.train()
    losses = []
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return sum(losses) / len(losses)

# %% exercise="train_epoch" mistake="returns the loss of the last batch only"
def train_epoch(net, loader, loss_fn, optimizer, device=None):
    if device is None:
        device = autograder.device()
    net.to(device)
    net.train()
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        optimizer.step()
    return loss.item()

# %% exercise="train_epoch" mistake="never switches the network to training mode"
def train_epoch(net, loader, loss_fn, optimizer, device=None):
    if device is None:
        device = autograder.device()
    net.to(device)
    total, count = 0.0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(x)
        count += len(x)
    return total / count

# %% exercise="evaluate" mistake="evaluation without model.eval(): dropout stays on"
def evaluate(net, loader, device=None):
    if device is None:
        device = autograder.device()
    net.to(device)
    correct, count = 0, 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            correct += (net(x).argmax(dim=1) == y).sum().item()
            count += len(y)
    return correct / count

# %% exercise="evaluate" mistake="evaluation without torch.no_grad(): every operation is recorded for a backward pass"
def evaluate(net, loader, device=None):
    if device is None:
        device = autograder.device()
    net.to(device)
    net.eval()
    correct, count = 0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        correct += (net(x).argmax(dim=1) == y).sum().item()
        count += len(y)
    return correct / count

# %% exercise="evaluate" mistake="the accuracy of the last batch only"
def evaluate(net, loader, device=None):
    if device is None:
        device = autograder.device()
    net.to(device)
    net.eval()
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            accuracy = (net(x).argmax(dim=1) == y).float().mean().item()
    return accuracy

# %% exercise="evaluate" mistake="the mean of the per-batch accuracies (the smaller last batch weighs as much)"
def evaluate(net, loader, device=None):
    if device is None:
        device = autograder.device()
    net.to(device)
    net.eval()
    accuracies = []
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            accuracies.append((net(x).argmax(dim=1) == y).float().mean().item())
    return sum(accuracies) / len(accuracies)

# %% [markdown]
# ### Part 2 — MNIST (part2_mnist)

# %% exercise="mnist_tensors" mistake="pixels not scaled to [0, 1] (0..255 as floats)"
def mnist_tensors(images, labels):
    x = torch.tensor(np.asarray(images), dtype=torch.float32).unsqueeze(1)
    return x, torch.tensor(np.asarray(labels), dtype=torch.int64)

# %% exercise="mnist_tensors" mistake="channels last: (N, 28, 28, 1) as in Keras"
def mnist_tensors(images, labels):
    x = torch.tensor(np.asarray(images), dtype=torch.float32).div(255.0).unsqueeze(-1)
    return x, torch.tensor(np.asarray(labels), dtype=torch.int64)

# %% exercise="mnist_tensors" mistake="integer division by 255: every pixel becomes 0 or 1"
def mnist_tensors(images, labels):
    x = (torch.tensor(np.asarray(images)) // 255).float().unsqueeze(1)
    return x, torch.tensor(np.asarray(labels), dtype=torch.int64)

# %% exercise="plot_first_nine" mistake="off by one: images 1 to 9 instead of 0 to 8"
def plot_first_nine(images, labels):
    fig, axes = plt.subplots(3, 3)
    for index, ax in enumerate(axes.flat, start=1):
        ax.imshow(images[index], cmap="gray_r")
        ax.set_title(f"label {labels[index]}")

# %% exercise="plot_first_nine" mistake="titles the subplots with the image's index, not its label"
def plot_first_nine(images, labels):
    fig, axes = plt.subplots(3, 3)
    for index, ax in enumerate(axes.flat):
        ax.imshow(images[index], cmap="gray_r")
        ax.set_title(f"image {index}")

# %% exercise="plot_first_nine" mistake="calls plt.show() inside the function (the figure is shown and closed)"
def plot_first_nine(images, labels):
    fig, axes = plt.subplots(3, 3)
    for index, ax in enumerate(axes.flat):
        ax.imshow(images[index], cmap="gray_r")
        ax.set_title(str(labels[index]))
    plt.show()

# %% exercise="count_parameters" mistake="counts the buffers too (sums over the state_dict)"
def count_parameters(model, trainable_only=True):
    return sum(t.numel() for t in model.state_dict().values())

# %% exercise="count_parameters" mistake="counts frozen parameters as trainable"
def count_parameters(model, trainable_only=True):
    return sum(p.numel() for p in model.parameters())

# %% exercise="count_parameters" mistake="trainable_only inverted: counts the frozen parameters"
def count_parameters(model, trainable_only=True):
    return sum(p.numel() for p in model.parameters() if not p.requires_grad or not trainable_only)

# %% exercise="mnist_convnet" mistake="no dropout before the last layer"
def mnist_convnet():
    return nn.Sequential(
        nn.Conv2d(1, 32, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1600, 10),
    )

# %% exercise="mnist_convnet" mistake="padding 1 in the convolutions, with the linear layer resized to 64 * 7 * 7"
def mnist_convnet():
    return nn.Sequential(
        nn.Conv2d(1, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(64 * 7 * 7, 10),
    )

# %% exercise="mnist_convnet" mistake="a softmax at the end, as in Keras (CrossEntropyLoss applies it again)"
def mnist_convnet():
    return nn.Sequential(
        nn.Conv2d(1, 32, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10), nn.Softmax(dim=1),
    )

# %% exercise="mnist_convnet" mistake="dropout 0.25 instead of 0.5"
def mnist_convnet():
    return nn.Sequential(
        nn.Conv2d(1, 32, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.25), nn.Linear(1600, 10),
    )

# %% exercise="bn_convnet" mistake="BatchNorm1d where BatchNorm2d is meant"
def bn_convnet():
    def block(c_in):
        return [nn.Conv2d(c_in, 32, kernel_size=3, padding=1), nn.BatchNorm1d(32), nn.ReLU()]

    return nn.Sequential(*block(1), nn.MaxPool2d(2), *block(32), nn.MaxPool2d(2), *block(32),
                         nn.Flatten(), nn.Dropout(0.5), nn.Linear(32 * 7 * 7, 10))

# %% exercise="bn_convnet" mistake="batch norm after the ReLU instead of before it"
def bn_convnet():
    def block(c_in):
        return [nn.Conv2d(c_in, 32, kernel_size=3, padding=1), nn.ReLU(), nn.BatchNorm2d(32)]

    return nn.Sequential(*block(1), nn.MaxPool2d(2), *block(32), nn.MaxPool2d(2), *block(32),
                         nn.Flatten(), nn.Dropout(0.5), nn.Linear(32 * 7 * 7, 10))

# %% exercise="bn_convnet" mistake="pools after the third block too, with the linear layer resized to 32 * 3 * 3"
def bn_convnet():
    def block(c_in):
        return [nn.Conv2d(c_in, 32, kernel_size=3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2)]

    return nn.Sequential(*block(1), *block(32), *block(32),
                         nn.Flatten(), nn.Dropout(0.5), nn.Linear(32 * 3 * 3, 10))

# %% exercise="bn_convnet" mistake="no padding: the maps shrink to 3 x 3, linear layer resized to 32 * 3 * 3"
def bn_convnet():
    def block(c_in):
        return [nn.Conv2d(c_in, 32, kernel_size=3), nn.BatchNorm2d(32), nn.ReLU()]

    return nn.Sequential(*block(1), nn.MaxPool2d(2), *block(32), nn.MaxPool2d(2), *block(32),
                         nn.Flatten(), nn.Dropout(0.5), nn.Linear(32 * 3 * 3, 10))

# %% exercise="fit" mistake="no optimizer.zero_grad(): the gradients of all batches add up"
def fit(model, train_loader, val_loader, epochs, optimizer, loss_fn, device=None, log_dir=None):
    device = device or autograder.device()
    model.to(device)
    writer = SummaryWriter(log_dir) if log_dir is not None else None
    history = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}
    for epoch in range(epochs):
        model.train()
        total_loss, correct, count = 0.0, 0, 0
        for x, y in tqdm(train_loader, leave=False):
            x, y = x.to(device), y.to(device)
            scores = model(x)
            loss = loss_fn(scores, y)
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(x)
            correct += (scores.argmax(dim=1) == y).sum().item()
            count += len(x)
        history["loss"].append(total_loss / count)
        history["accuracy"].append(correct / count)
        model.eval()
        total_loss, correct, count = 0.0, 0, 0
        with torch.no_grad():
            for x, y in val_loader:
                x, y = x.to(device), y.to(device)
                scores = model(x)
                total_loss += loss_fn(scores, y).item() * len(x)
                correct += (scores.argmax(dim=1) == y).sum().item()
                count += len(x)
        history["val_loss"].append(total_loss / count)
        history["val_accuracy"].append(correct / count)
        if writer is not None:
            for key, values in history.items():
                writer.add_scalar(key, values[-1], epoch)
    if writer is not None:
        writer.close()
    return history

# %% exercise="fit" mistake="validation without model.eval(): dropout stays on"
def fit(model, train_loader, val_loader, epochs, optimizer, loss_fn, device=None, log_dir=None):
    device = device or autograder.device()
    model.to(device)
    writer = SummaryWriter(log_dir) if log_dir is not None else None
    history = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}
    for epoch in range(epochs):
        model.train()
        total_loss, correct, count = 0.0, 0, 0
        for x, y in tqdm(train_loader, leave=False):
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad()
            scores = model(x)
            loss = loss_fn(scores, y)
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(x)
            correct += (scores.argmax(dim=1) == y).sum().item()
            count += len(x)
        history["loss"].append(total_loss / count)
        history["accuracy"].append(correct / count)
        total_loss, correct, count = 0.0, 0, 0
        with torch.no_grad():
            for x, y in val_loader:
                x, y = x.to(device), y.to(device)
                scores = model(x)
                total_loss += loss_fn(scores, y).item() * len(x)
                correct += (scores.argmax(dim=1) == y).sum().item()
                count += len(x)
        history["val_loss"].append(total_loss / count)
        history["val_accuracy"].append(correct / count)
        if writer is not None:
            for key, values in history.items():
                writer.add_scalar(key, values[-1], epoch)
    if writer is not None:
        writer.close()
    return history

# %% exercise="fit" mistake="validation without torch.no_grad()"
def fit(model, train_loader, val_loader, epochs, optimizer, loss_fn, device=None, log_dir=None):
    device = device or autograder.device()
    model.to(device)
    writer = SummaryWriter(log_dir) if log_dir is not None else None
    history = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}
    for epoch in range(epochs):
        model.train()
        total_loss, correct, count = 0.0, 0, 0
        for x, y in tqdm(train_loader, leave=False):
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad()
            scores = model(x)
            loss = loss_fn(scores, y)
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(x)
            correct += (scores.argmax(dim=1) == y).sum().item()
            count += len(x)
        history["loss"].append(total_loss / count)
        history["accuracy"].append(correct / count)
        model.eval()
        total_loss, correct, count = 0.0, 0, 0
        for x, y in val_loader:
            x, y = x.to(device), y.to(device)
            scores = model(x)
            total_loss += loss_fn(scores, y).item() * len(x)
            correct += (scores.argmax(dim=1) == y).sum().item()
            count += len(x)
        history["val_loss"].append(total_loss / count)
        history["val_accuracy"].append(correct / count)
        if writer is not None:
            for key, values in history.items():
                writer.add_scalar(key, values[-1], epoch)
    if writer is not None:
        writer.close()
    return history

# %% exercise="fit" mistake="TensorBoard scalars logged under one step (0) for all epochs"
def fit(model, train_loader, val_loader, epochs, optimizer, loss_fn, device=None, log_dir=None):
    device = device or autograder.device()
    model.to(device)
    writer = SummaryWriter(log_dir) if log_dir is not None else None
    history = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}
    for epoch in range(epochs):
        model.train()
        total_loss, correct, count = 0.0, 0, 0
        for x, y in tqdm(train_loader, leave=False):
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad()
            scores = model(x)
            loss = loss_fn(scores, y)
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(x)
            correct += (scores.argmax(dim=1) == y).sum().item()
            count += len(x)
        history["loss"].append(total_loss / count)
        history["accuracy"].append(correct / count)
        model.eval()
        total_loss, correct, count = 0.0, 0, 0
        with torch.no_grad():
            for x, y in val_loader:
                x, y = x.to(device), y.to(device)
                scores = model(x)
                total_loss += loss_fn(scores, y).item() * len(x)
                correct += (scores.argmax(dim=1) == y).sum().item()
                count += len(x)
        history["val_loss"].append(total_loss / count)
        history["val_accuracy"].append(correct / count)
        if writer is not None:
            for key, values in history.items():
                writer.add_scalar(key, values[-1])
    if writer is not None:
        writer.close()
    return history

# %% exercise="fit" mistake="the epoch's loss and accuracy are the means of the per-batch values (the smaller last batch weighs as much)"
def fit(model, train_loader, val_loader, epochs, optimizer, loss_fn, device=None, log_dir=None):
    device = device or autograder.device()
    model.to(device)
    writer = SummaryWriter(log_dir) if log_dir is not None else None
    history = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}
    for epoch in range(epochs):
        model.train()
        losses, accuracies = [], []
        for x, y in tqdm(train_loader, leave=False):
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad()
            scores = model(x)
            loss = loss_fn(scores, y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            accuracies.append((scores.argmax(dim=1) == y).float().mean().item())
        history["loss"].append(float(np.mean(losses)))
        history["accuracy"].append(float(np.mean(accuracies)))
        model.eval()
        losses, accuracies = [], []
        with torch.no_grad():
            for x, y in val_loader:
                x, y = x.to(device), y.to(device)
                scores = model(x)
                losses.append(loss_fn(scores, y).item())
                accuracies.append((scores.argmax(dim=1) == y).float().mean().item())
        history["val_loss"].append(float(np.mean(losses)))
        history["val_accuracy"].append(float(np.mean(accuracies)))
        if writer is not None:
            for key, values in history.items():
                writer.add_scalar(key, values[-1], epoch)
    if writer is not None:
        writer.close()
    return history

# %% exercise="fit" mistake="training accuracy measured after the epoch on the whole training set, in evaluation mode"
def fit(model, train_loader, val_loader, epochs, optimizer, loss_fn, device=None, log_dir=None):
    device = device or autograder.device()
    model.to(device)
    writer = SummaryWriter(log_dir) if log_dir is not None else None
    history = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}

    def measure(loader):
        model.eval()
        total_loss, correct, count = 0.0, 0, 0
        with torch.no_grad():
            for x, y in loader:
                x, y = x.to(device), y.to(device)
                scores = model(x)
                total_loss += loss_fn(scores, y).item() * len(x)
                correct += (scores.argmax(dim=1) == y).sum().item()
                count += len(x)
        return total_loss / count, correct / count

    for epoch in range(epochs):
        model.train()
        for x, y in tqdm(train_loader, leave=False):
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
        for prefix, loader in (("", train_loader), ("val_", val_loader)):
            loss, accuracy = measure(loader)
            history[prefix + "loss"].append(loss)
            history[prefix + "accuracy"].append(accuracy)
        if writer is not None:
            for key, values in history.items():
                writer.add_scalar(key, values[-1], epoch)
    if writer is not None:
        writer.close()
    return history

# %% exercise="sgd_momentum_step" mistake="momentum step without the velocity update (velocities stay zero)"
def sgd_momentum_step(params, grads, velocities, lr, momentum):
    with torch.no_grad():
        for p, g, v in zip(params, grads, velocities):
            p.sub_(lr * (momentum * v + g))

# %% exercise="sgd_momentum_step" mistake="rebinds the velocity (v = momentum * v + g) instead of updating it in place"
def sgd_momentum_step(params, grads, velocities, lr, momentum):
    with torch.no_grad():
        for p, g, v in zip(params, grads, velocities):
            v = momentum * v + g
            p -= lr * v

# %% exercise="sgd_momentum_step" mistake="dampened velocity: v = momentum * v + (1 - momentum) * g"
def sgd_momentum_step(params, grads, velocities, lr, momentum):
    with torch.no_grad():
        for p, g, v in zip(params, grads, velocities):
            v.mul_(momentum).add_((1 - momentum) * g)
            p.sub_(lr * v)

# %% exercise="sgd_momentum_step" mistake="rebinds the parameter (p = p - lr * v): the tensors in params never change"
def sgd_momentum_step(params, grads, velocities, lr, momentum):
    with torch.no_grad():
        for p, g, v in zip(params, grads, velocities):
            v.mul_(momentum).add_(g)
            p = p - lr * v

# %% exercise="adam_step" mistake="Adam without bias correction"
def adam_step(params, grads, state, lr, betas, eps, t):
    beta1, beta2 = betas
    with torch.no_grad():
        for p, g, m, v in zip(params, grads, state["m"], state["v"]):
            m.mul_(beta1).add_((1 - beta1) * g)
            v.mul_(beta2).add_((1 - beta2) * g * g)
            p.sub_(lr * m / (v.sqrt() + eps))

# %% exercise="adam_step" mistake="bias correction with t starting at 0 (1 - beta ** (t - 1) is 0 on the first step)"
def adam_step(params, grads, state, lr, betas, eps, t):
    beta1, beta2 = betas
    with torch.no_grad():
        for p, g, m, v in zip(params, grads, state["m"], state["v"]):
            m.mul_(beta1).add_((1 - beta1) * g)
            v.mul_(beta2).add_((1 - beta2) * g * g)
            m_hat = m / (1 - beta1 ** (t - 1))
            v_hat = v / (1 - beta2 ** (t - 1))
            p.sub_(lr * m_hat / (v_hat.sqrt() + eps))

# %% exercise="adam_step" mistake="eps inside the square root: sqrt(v_hat + eps)"
def adam_step(params, grads, state, lr, betas, eps, t):
    beta1, beta2 = betas
    with torch.no_grad():
        for p, g, m, v in zip(params, grads, state["m"], state["v"]):
            m.mul_(beta1).add_((1 - beta1) * g)
            v.mul_(beta2).add_((1 - beta2) * g * g)
            m_hat = m / (1 - beta1 ** t)
            v_hat = v / (1 - beta2 ** t)
            p.sub_(lr * m_hat / (v_hat + eps).sqrt())

# %% exercise="adam_step" mistake="the running mean of |g| instead of g squared in v"
def adam_step(params, grads, state, lr, betas, eps, t):
    beta1, beta2 = betas
    with torch.no_grad():
        for p, g, m, v in zip(params, grads, state["m"], state["v"]):
            m.mul_(beta1).add_((1 - beta1) * g)
            v.mul_(beta2).add_((1 - beta2) * g.abs())
            m_hat = m / (1 - beta1 ** t)
            v_hat = v / (1 - beta2 ** t)
            p.sub_(lr * m_hat / (v_hat.sqrt() + eps))

# %% exercise="adam_step" mistake="rebinds m and v (m = beta1 * m + ...): the state never changes"
def adam_step(params, grads, state, lr, betas, eps, t):
    beta1, beta2 = betas
    with torch.no_grad():
        for p, g, m, v in zip(params, grads, state["m"], state["v"]):
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g ** 2
            p -= lr * (m / (1 - beta1 ** t)) / ((v / (1 - beta2 ** t)).sqrt() + eps)

# %% [markdown]
# ### Part 3 — CIFAR-10 (part3_cifar10)

# %% exercise="Net" mistake="no flatten: the linear layer is applied to the last axis of (N, C, H, W)"
class Net(nn.Module):
    def __init__(self, num_inputs, num_outputs):
        super().__init__()
        self.linear = nn.Linear(num_inputs, num_outputs)

    def forward(self, x):
        return self.linear(x)

# %% exercise="Net" mistake="torch.flatten(x) without start_dim=1 flattens the batch axis too"
class Net(nn.Module):
    def __init__(self, num_inputs, num_outputs):
        super().__init__()
        self.linear = nn.Linear(num_inputs, num_outputs)

    def forward(self, x):
        return self.linear(torch.flatten(x))

# %% exercise="Net" mistake="two linear layers with a ReLU between them (not a linear classifier)"
class Net(nn.Module):
    def __init__(self, num_inputs, num_outputs):
        super().__init__()
        self.hidden = nn.Linear(num_inputs, num_outputs)
        self.out = nn.Linear(num_outputs, num_outputs)

    def forward(self, x):
        return self.out(F.relu(self.hidden(torch.flatten(x, 1))))

# %% exercise="ConvNet" mistake="padding 2 in the convolutions changes the flattened size (linear layer resized to 128 * 8 * 8)"
class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=5, padding=2)
        self.conv2 = nn.Conv2d(16, 128, kernel_size=5, padding=2)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(128 * 8 * 8, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = self.pool(torch.tanh(self.conv1(x)))
        x = self.pool(torch.tanh(self.conv2(x)))
        return self.fc2(torch.tanh(self.fc1(torch.flatten(x, 1))))

# %% exercise="ConvNet" mistake="ReLU instead of tanh"
class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=5)
        self.conv2 = nn.Conv2d(16, 128, kernel_size=5)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(128 * 5 * 5, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))

# %% exercise="ConvNet" mistake="no tanh after the first linear layer"
class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=5)
        self.conv2 = nn.Conv2d(16, 128, kernel_size=5)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(128 * 5 * 5, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = self.pool(torch.tanh(self.conv1(x)))
        x = self.pool(torch.tanh(self.conv2(x)))
        return self.fc2(self.fc1(torch.flatten(x, 1)))

# %% exercise="ConvNet" mistake="a 3 x 3 second convolution, with the linear layer resized to 128 * 6 * 6"
class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=5)
        self.conv2 = nn.Conv2d(16, 128, kernel_size=3)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(128 * 6 * 6, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = self.pool(torch.tanh(self.conv1(x)))
        x = self.pool(torch.tanh(self.conv2(x)))
        return self.fc2(torch.tanh(self.fc1(torch.flatten(x, 1))))

# %% exercise="train" mistake="no optimizer.zero_grad(): the gradients of all batches add up"
def train(epoch, network, optimizer, loader, device=None):
    device = device or autograder.device()
    network.to(device)
    network.train()
    total_loss, correct, count = 0.0, 0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        scores = network(x)
        loss = F.cross_entropy(scores, y)
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * len(x)
        correct += (scores.argmax(dim=1) == y).sum().item()
        count += len(x)
    return total_loss / count, correct / count

# %% exercise="train" mistake="loss.backward() without optimizer.step()"
def train(epoch, network, optimizer, loader, device=None):
    device = device or autograder.device()
    network.to(device)
    network.train()
    total_loss, correct, count = 0.0, 0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        scores = network(x)
        loss = F.cross_entropy(scores, y)
        loss.backward()
        total_loss += loss.item() * len(x)
        correct += (scores.argmax(dim=1) == y).sum().item()
        count += len(x)
    return total_loss / count, correct / count

# %% exercise="train" mistake="the accuracy of the last batch only"
def train(epoch, network, optimizer, loader, device=None):
    device = device or autograder.device()
    network.to(device)
    network.train()
    total_loss, count = 0.0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        scores = network(x)
        loss = F.cross_entropy(scores, y)
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * len(x)
        count += len(x)
        accuracy = (scores.argmax(dim=1) == y).float().mean().item()
    return total_loss / count, accuracy

# %% exercise="train" mistake="the average loss divides the summed batch means by the number of examples"
def train(epoch, network, optimizer, loader, device=None):
    device = device or autograder.device()
    network.to(device)
    network.train()
    total_loss, correct, count = 0.0, 0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        scores = network(x)
        loss = F.cross_entropy(scores, y)
        loss.backward()
        optimizer.step()
        total_loss += loss.item()
        correct += (scores.argmax(dim=1) == y).sum().item()
        count += len(x)
    return total_loss / count, correct / count

# %% exercise="train" mistake="never switches the network to training mode"
def train(epoch, network, optimizer, loader, device=None):
    device = device or autograder.device()
    network.to(device)
    total_loss, correct, count = 0.0, 0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        scores = network(x)
        loss = F.cross_entropy(scores, y)
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * len(x)
        correct += (scores.argmax(dim=1) == y).sum().item()
        count += len(x)
    return total_loss / count, correct / count

# %% exercise="test" mistake="evaluation without network.eval(): dropout stays on"
def test(network, loader, device=None):
    device = device or autograder.device()
    network.to(device)
    total_loss, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            scores = network(x)
            total_loss += F.cross_entropy(scores, y).item() * len(x)
            correct += (scores.argmax(dim=1) == y).sum().item()
            count += len(x)
    return total_loss / count, correct / count

# %% exercise="test" mistake="evaluation without torch.no_grad()"
def test(network, loader, device=None):
    device = device or autograder.device()
    network.to(device)
    network.eval()
    total_loss, correct, count = 0.0, 0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        scores = network(x)
        total_loss += F.cross_entropy(scores, y).item() * len(x)
        correct += (scores.argmax(dim=1) == y).sum().item()
        count += len(x)
    return total_loss / count, correct / count

# %% exercise="test" mistake="the loss is the mean of the batch means (the smaller last batch weighs as much)"
def test(network, loader, device=None):
    device = device or autograder.device()
    network.to(device)
    network.eval()
    losses, correct, count = [], 0, 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            scores = network(x)
            losses.append(F.cross_entropy(scores, y).item())
            correct += (scores.argmax(dim=1) == y).sum().item()
            count += len(x)
    return sum(losses) / len(losses), correct / count

# %% exercise="test" mistake="returns the number of correct predictions instead of the accuracy"
def test(network, loader, device=None):
    device = device or autograder.device()
    network.to(device)
    network.eval()
    total_loss, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            scores = network(x)
            total_loss += F.cross_entropy(scores, y).item() * len(x)
            correct += (scores.argmax(dim=1) == y).sum().item()
            count += len(x)
    return total_loss / count, correct

# %% exercise="param_counts" mistake="counts the weights only, not the biases"
def param_counts(network):
    counts = {}
    for name, parameter in network.named_parameters():
        if name.endswith("weight"):
            counts[name.rsplit(".", 1)[0]] = parameter.numel()
    return counts

# %% exercise="param_counts" mistake="sums every named module's parameters: containers and the whole network counted too"
def param_counts(network):
    return {name: sum(p.numel() for p in module.parameters()) for name, module in network.named_modules()
            if sum(p.numel() for p in module.parameters())}

# %% exercise="param_counts" mistake="keys are the parameter names (one entry per weight and per bias)"
def param_counts(network):
    return {name: parameter.numel() for name, parameter in network.named_parameters()}
