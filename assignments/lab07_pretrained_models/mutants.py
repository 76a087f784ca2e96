# %% [markdown]
# Known-wrong answers to Lab 7: each replaces the solution cell named by `exercise`, exactly as a
# student's cell would, and must lose points on that exercise (tests/test_labs.py).

# %% exercise="imread" mistake="keeps each image in its own mode: greyscale and RGBA images are not converted to RGB"
def imread(img_dir):
    images = []
    for path in sorted(Path(img_dir).iterdir()):
        try:
            images.append(Image.open(path))
        except (UnidentifiedImageError, IsADirectoryError):
            print(f"skipped {path.name}")
    return images

# %% exercise="imread" mistake="crashes on a file that is not an image (no try/except around Image.open)"
def imread(img_dir):
    return [Image.open(path).convert("RGB") for path in sorted(Path(img_dir).iterdir()) if path.is_file()]

# %% exercise="imread" mistake="reads only the .jpg files of the folder (glob('*.jpg')): PNG, GIF, BMP photos are missed"
def imread(img_dir):
    return [Image.open(path).convert("RGB") for path in sorted(Path(img_dir).glob("*.jpg"))]

# %% exercise="vis_img_label" mistake="a grid of 3 columns instead of 4"
def vis_img_label(image_list, label_list=None):
    rows = math.ceil(len(image_list) / 3)
    fig, axes = plt.subplots(rows, 3, figsize=(12, 4 * rows), squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.axis("off")
        if index < len(image_list):
            ax.imshow(image_list[index])
            ax.set_title(label_list[index] if label_list is not None else str(index))
    plt.show()

# %% exercise="vis_img_label" mistake="ignores label_list: every image is titled with its number"
def vis_img_label(image_list, label_list=None):
    rows = math.ceil(len(image_list) / 4)
    fig, axes = plt.subplots(rows, 4, figsize=(16, 4 * rows), squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.axis("off")
        if index < len(image_list):
            ax.imshow(image_list[index])
            ax.set_title(str(index))
    plt.show()

# %% exercise="vis_img_label" mistake="crashes without labels: label_list[index] when label_list is None"
def vis_img_label(image_list, label_list=None):
    rows = math.ceil(len(image_list) / 4)
    fig, axes = plt.subplots(rows, 4, figsize=(16, 4 * rows), squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.axis("off")
        if index < len(image_list):
            ax.imshow(image_list[index])
            ax.set_title(label_list[index])
    plt.show()

# %% exercise="imagenet_transform" mistake="Normalize with the mean and the standard deviation swapped"
def imagenet_transform():
    return transforms.Compose([transforms.Resize((224, 224)), transforms.ToTensor(),
                               transforms.Normalize(IMAGENET_STD, IMAGENET_MEAN)])

# %% exercise="imagenet_transform" mistake="no Normalize: values stay in [0, 1]"
def imagenet_transform():
    return transforms.Compose([transforms.Resize((224, 224)), transforms.ToTensor()])

# %% exercise="imagenet_transform" mistake="Resize(224) resizes the short side only: the tensor is not 224 x 224"
def imagenet_transform():
    return transforms.Compose([transforms.Resize(224), transforms.ToTensor(),
                               transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD)])

# %% exercise="MyDataset" mistake="__len__ off by one (len(img_list) - 1, as if indices ended at N - 1)"
class MyDataset(Dataset):
    def __init__(self, img_list, data_transform=None):
        self.img_list = img_list
        self.data_transform = data_transform

    def __len__(self):
        return len(self.img_list) - 1

    def __getitem__(self, index):
        image = self.img_list[index]
        return self.data_transform(image) if self.data_transform else image

# %% exercise="MyDataset" mistake="__getitem__ returns the PIL image: the transform is never applied"
class MyDataset(Dataset):
    def __init__(self, img_list, data_transform=None):
        self.img_list = img_list
        self.data_transform = data_transform

    def __len__(self):
        return len(self.img_list)

    def __getitem__(self, index):
        return self.img_list[index]

# %% exercise="MyDataset" mistake="the transform is applied in __init__ only when given, and __getitem__ crashes without one"
class MyDataset(Dataset):
    def __init__(self, img_list, data_transform=None):
        self.items = [data_transform(image) for image in img_list]

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        return self.items[index]

# %% exercise="photo_loader" mistake="shuffles: the predictions no longer line up with the photos"
photo_loader = DataLoader(photo_dataset, batch_size=4, shuffle=True)

# %% exercise="photo_loader" mistake="drop_last=True loses the last, smaller batch"
photo_loader = DataLoader(photo_dataset, batch_size=4, drop_last=True)

# %% exercise="photo_loader" mistake="the default batch size (1)"
photo_loader = DataLoader(photo_dataset)

# %% exercise="count_parameters" mistake="counts the weights without the biases"
def count_parameters(model, trainable_only=False):
    return sum(p.numel() for name, p in model.named_parameters()
               if "bias" not in name and (p.requires_grad or not trainable_only))

# %% exercise="count_parameters" mistake="counts only trainable parameters, even when all were asked"
def count_parameters(model, trainable_only=False):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)

# %% exercise="count_parameters" mistake="counts the state_dict: batch normalisation's buffers too"
def count_parameters(model, trainable_only=False):
    if trainable_only:
        return sum(p.numel() for p in model.parameters() if p.requires_grad)
    return sum(t.numel() for t in model.state_dict().values())

# %% exercise="count_parameters" mistake="counts parameter tensors (len(list(model.parameters()))), not numbers"
def count_parameters(model, trainable_only=False):
    return len([p for p in model.parameters() if p.requires_grad or not trainable_only])

# %% exercise="predict" mistake="no model.eval(): dropout stays on"
def predict(model, dataloader, device=None):
    device = device or autograder.device()
    model.to(device)
    classes = []
    with torch.no_grad():
        for batch in dataloader:
            classes.append(F.softmax(model(batch.to(device)), dim=1).argmax(dim=1).cpu())
    return torch.cat(classes).numpy()

# %% exercise="predict" mistake="softmax over the batch axis (dim=0)"
def predict(model, dataloader, device=None):
    device = device or autograder.device()
    model.eval().to(device)
    classes = []
    with torch.no_grad():
        for batch in dataloader:
            classes.append(F.softmax(model(batch.to(device)), dim=0).argmax(dim=1).cpu())
    return torch.cat(classes).numpy()

# %% exercise="predict" mistake="returns the predictions of the last batch only (the list is overwritten)"
def predict(model, dataloader, device=None):
    device = device or autograder.device()
    model.eval().to(device)
    with torch.no_grad():
        for batch in dataloader:
            classes = F.softmax(model(batch.to(device)), dim=1).argmax(dim=1).cpu()
    return classes.numpy()

# %% exercise="predict" mistake="no torch.no_grad(): builds the autograd graph of every batch"
def predict(model, dataloader, device=None):
    device = device or autograder.device()
    model.eval().to(device)
    classes = []
    for batch in dataloader:
        classes.append(F.softmax(model(batch.to(device)), dim=1).argmax(dim=1).detach().cpu())
    return torch.cat(classes).numpy()

# %% exercise="predict_topk" mistake="top-k unsorted: argsort's last k columns, least probable first"
def predict_topk(model, dataloader, k=5):
    model.eval()
    probabilities = []
    with torch.no_grad():
        for batch in dataloader:
            probabilities.append(F.softmax(model(batch), dim=1).numpy())
    probabilities = np.concatenate(probabilities)
    classes = np.argsort(probabilities, axis=1)[:, -k:]
    return np.take_along_axis(probabilities, classes, axis=1), classes

# %% exercise="predict_topk" mistake="takes the k smallest probabilities (largest=False)"
def predict_topk(model, dataloader, k=5):
    model.eval()
    probabilities, classes = [], []
    with torch.no_grad():
        for batch in dataloader:
            top = F.softmax(model(batch), dim=1).topk(k, dim=1, largest=False)
            probabilities.append(top.values)
            classes.append(top.indices)
    return torch.cat(probabilities).numpy(), torch.cat(classes).numpy()

# %% exercise="predict_topk" mistake="returns the top-k scores (logits), not probabilities"
def predict_topk(model, dataloader, k=5):
    model.eval()
    probabilities, classes = [], []
    with torch.no_grad():
        for batch in dataloader:
            top = model(batch).topk(k, dim=1)
            probabilities.append(top.values)
            classes.append(top.indices)
    return torch.cat(probabilities).numpy(), torch.cat(classes).numpy()

# %% exercise="predict_topk" mistake="no model.eval(): dropout stays on"
def predict_topk(model, dataloader, k=5):
    probabilities, classes = [], []
    with torch.no_grad():
        for batch in dataloader:
            top = F.softmax(model(batch), dim=1).topk(k, dim=1)
            probabilities.append(top.values)
            classes.append(top.indices)
    return torch.cat(probabilities).numpy(), torch.cat(classes).numpy()

# %% exercise="saliency_map" mistake="no abs: the maximum over channels of the signed gradient"
def saliency_map(model, image_tensor, target_class):
    model.eval()
    x = image_tensor.detach().clone()[None].requires_grad_(True)
    (gradient,) = torch.autograd.grad(model(x)[0, target_class], x)
    return gradient[0].amax(dim=0).numpy()

# %% exercise="saliency_map" mistake="reduces over the batch axis of the (1, 3, H, W) gradient instead of the colour channels"
def saliency_map(model, image_tensor, target_class):
    model.eval()
    x = image_tensor.detach().clone()[None].requires_grad_(True)
    (gradient,) = torch.autograd.grad(model(x)[0, target_class], x)
    return gradient.abs().sum(dim=0).numpy()

# %% exercise="saliency_map" mistake="the model stays in training mode (no model.eval()): batch statistics and dropout"
def saliency_map(model, image_tensor, target_class):
    x = image_tensor.detach().clone()[None].requires_grad_(True)
    (gradient,) = torch.autograd.grad(model(x)[0, target_class], x)
    return gradient[0].abs().amax(dim=0).numpy()

# %% exercise="saliency_map" mistake="sums over the colour channels instead of taking their maximum"
def saliency_map(model, image_tensor, target_class):
    model.eval()
    x = image_tensor.detach().clone()[None].requires_grad_(True)
    (gradient,) = torch.autograd.grad(model(x)[0, target_class], x)
    return gradient[0].abs().sum(dim=0).numpy()

# %% exercise="saliency_map" mistake="the gradient of the softmax probability, not of the score"
def saliency_map(model, image_tensor, target_class):
    model.eval()
    x = image_tensor.detach().clone()[None].requires_grad_(True)
    (gradient,) = torch.autograd.grad(F.softmax(model(x), dim=1)[0, target_class], x)
    return gradient[0].abs().amax(dim=0).numpy()

# %% exercise="saliency_map" mistake="the gradient of the sum of all class scores, not of the target class's"
def saliency_map(model, image_tensor, target_class):
    model.eval()
    x = image_tensor.detach().clone()[None].requires_grad_(True)
    (gradient,) = torch.autograd.grad(model(x).sum(), x)
    return gradient[0].abs().amax(dim=0).numpy()

# %% exercise="saliency_map" mistake="score.backward() leaves gradients in the parameters' .grad"
def saliency_map(model, image_tensor, target_class):
    model.eval()
    x = image_tensor.detach().clone()[None].requires_grad_(True)
    model(x)[0, target_class].backward()
    return x.grad[0].abs().amax(dim=0).numpy()

# %% exercise="saliency_map" mistake="score.backward() then model.zero_grad(): the gradients the parameters had are gone"
def saliency_map(model, image_tensor, target_class):
    model.eval()
    x = image_tensor.detach().clone()[None].requires_grad_(True)
    model(x)[0, target_class].backward()
    model.zero_grad()
    return x.grad[0].abs().amax(dim=0).numpy()

# %% exercise="saliency_map" mistake="freezes every parameter (requires_grad=False) and never unfreezes them"
def saliency_map(model, image_tensor, target_class):
    model.eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    x = image_tensor.detach().clone()[None].requires_grad_(True)
    model(x)[0, target_class].backward()
    return x.grad[0].abs().amax(dim=0).numpy()

# %% exercise="feature_extractor" mistake="not frozen: the parameters keep requires_grad=True"
def feature_extractor(model):
    return torch.nn.Sequential(*list(model.children())[:-1], torch.nn.Flatten()).eval()

# %% exercise="feature_extractor" mistake="keeps the classifier fc: outputs class scores, not features"
def feature_extractor(model):
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    return model.eval()

# %% exercise="feature_extractor" mistake="drops the average pooling too (children()[:-2]): feature maps, not vectors"
def feature_extractor(model):
    extractor = torch.nn.Sequential(*list(model.children())[:-2], torch.nn.Flatten())
    for parameter in extractor.parameters():
        parameter.requires_grad_(False)
    return extractor.eval()

# %% exercise="feature_extractor" mistake="left in training mode: batch normalisation uses each batch's statistics"
def feature_extractor(model):
    extractor = torch.nn.Sequential(*list(model.children())[:-1], torch.nn.Flatten())
    for parameter in extractor.parameters():
        parameter.requires_grad_(False)
    return extractor

# %% exercise="fit_linear_head" mistake="trains on the labels in sorted order: labels no longer match their features"
def fit_linear_head(features, labels, num_classes, epochs, lr):
    labels = torch.sort(labels).values
    head = torch.nn.Linear(features.shape[1], num_classes)
    optimizer = torch.optim.SGD(head.parameters(), lr=lr)
    for _ in range(epochs):
        optimizer.zero_grad()
        F.cross_entropy(head(features), labels).backward()
        optimizer.step()
    return head

# %% exercise="fit_linear_head" mistake="no optimizer.step(): the head never changes"
def fit_linear_head(features, labels, num_classes, epochs, lr):
    head = torch.nn.Linear(features.shape[1], num_classes)
    optimizer = torch.optim.SGD(head.parameters(), lr=lr)
    for _ in range(epochs):
        optimizer.zero_grad()
        F.cross_entropy(head(features), labels).backward()
    return head

# %% exercise="fit_linear_head" mistake="trains for one step only (the loop is missing)"
def fit_linear_head(features, labels, num_classes, epochs, lr):
    head = torch.nn.Linear(features.shape[1], num_classes)
    optimizer = torch.optim.SGD(head.parameters(), lr=lr)
    optimizer.zero_grad()
    F.cross_entropy(head(features), labels).backward()
    optimizer.step()
    return head

# %% exercise="fit_linear_head" mistake="mean squared error on the class index instead of cross-entropy, one output"
def fit_linear_head(features, labels, num_classes, epochs, lr):
    head = torch.nn.Linear(features.shape[1], 1)
    optimizer = torch.optim.SGD(head.parameters(), lr=lr)
    for _ in range(epochs):
        optimizer.zero_grad()
        F.mse_loss(head(features)[:, 0], labels.float()).backward()
        optimizer.step()
    return head
