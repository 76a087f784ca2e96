# %% [markdown]
# Other correct answers to Lab 7: each replaces the solution cell named by `exercise` and must keep
# full marks (tests/test_labs.py).

# %% exercise="imread" approach="os.listdir, sorted, Image.open without a with-block, OSError caught"
def imread(img_dir):
    import os

    images = []
    for file_name in sorted(os.listdir(img_dir)):
        path = os.path.join(img_dir, file_name)
        if os.path.isdir(path):
            continue
        try:
            image = Image.open(path)
            image.load()
        except OSError as error:  # UnidentifiedImageError is an OSError
            print(f"warning: {file_name} is not an image ({error})")
            continue
        images.append(image if image.mode == "RGB" else image.convert("RGB"))
    return images

# %% exercise="vis_img_label" approach="plt.figure and plt.subplot(rows, 4, i + 1) for the images only, then plt.show()"
def vis_img_label(image_list, label_list=None):
    rows = (len(image_list) + 3) // 4
    plt.figure(figsize=(12, 3 * rows))
    for i, image in enumerate(image_list):
        plt.subplot(rows, 4, i + 1)
        plt.imshow(image)
        plt.title(label_list[i] if label_list else f"{i}")
        plt.axis("off")
    plt.show()

# %% exercise="imagenet_transform" approach="ToTensor before Resize (the tensor is resized, not the PIL image)"
def imagenet_transform():
    return transforms.Compose([transforms.ToTensor(), transforms.Resize((224, 224)),
                               transforms.Normalize(mean=IMAGENET_MEAN, std=IMAGENET_STD)])

# %% exercise="imagenet_transform" approach="torchvision.transforms.v2: ToImage and ToDtype(scale=True)"
def imagenet_transform():
    from torchvision.transforms import v2

    return v2.Compose([v2.Resize((224, 224)), v2.ToImage(), v2.ToDtype(torch.float32, scale=True),
                       v2.Normalize(mean=IMAGENET_MEAN, std=IMAGENET_STD)])

# %% exercise="MyDataset" approach="a plain class (no Dataset base class), the transform checked with callable()"
class MyDataset:
    def __init__(self, img_list, data_transform=None):
        self.images = img_list
        self.transform = data_transform

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        if callable(self.transform):
            return self.transform(self.images[index])
        return self.images[index]

# %% exercise="photo_loader" approach="shuffle left at its default (False), batch size by keyword"
photo_loader = DataLoader(dataset=photo_dataset, batch_size=4)

# %% exercise="count_parameters" approach="np.prod(p.shape) instead of p.numel(), an explicit loop"
def count_parameters(model, trainable_only=False):
    total = 0
    for p in model.parameters():
        if trainable_only and not p.requires_grad:
            continue
        total += int(np.prod(p.shape))
    return total

# %% exercise="predict" approach="collects the logits of every batch, then one softmax and one argmax; inference_mode"
def predict(model, dataloader, device=None):
    if device is None:
        device = autograder.device()
    model = model.to(device)
    model.eval()
    with torch.inference_mode():
        logits = torch.cat([model(batch.to(device)) for batch in dataloader])
    return torch.softmax(logits, dim=-1).argmax(dim=-1).cpu().numpy()

# %% exercise="predict" approach="a torch tensor of classes instead of a NumPy array, filled batch by batch"
def predict(model, dataloader, device=None):
    device = device if device is not None else autograder.device()
    model.eval()
    model.to(device)
    classes = torch.empty(len(dataloader.dataset), dtype=torch.long)
    start = 0
    with torch.no_grad():
        for batch in dataloader:
            probabilities = torch.nn.functional.softmax(model(batch.to(device)), dim=1)
            classes[start:start + len(batch)] = probabilities.argmax(dim=1).cpu()
            start += len(batch)
    return classes

# %% exercise="predict_topk" approach="np.argsort of the negated probabilities instead of torch.topk"
def predict_topk(model, dataloader, k=5):
    device = autograder.device()
    model.eval().to(device)
    with torch.no_grad():
        probabilities = np.concatenate([F.softmax(model(batch.to(device)), dim=1).cpu().numpy()
                                        for batch in dataloader])
    classes = np.argsort(-probabilities, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(probabilities, classes, axis=1), classes

# %% exercise="saliency_map" approach="score.backward() with the parameters' requires_grad switched off and put back"
def saliency_map(model, image_tensor, target_class):
    model.eval()
    flags = [p.requires_grad for p in model.parameters()]
    for p in model.parameters():
        p.requires_grad_(False)  # no gradient reaches the parameters
    try:
        x = image_tensor.clone().detach().unsqueeze(0)
        x.requires_grad = True
        scores = model(x)
        scores[0, target_class].backward()
        saliency, _ = torch.max(x.grad.data.abs(), dim=1)
    finally:
        for p, flag in zip(model.parameters(), flags):
            p.requires_grad_(flag)
    return saliency[0]

# %% exercise="saliency_map" approach="score.backward(), then copies of the parameters' .grad put back"
def saliency_map(model, image_tensor, target_class):
    model.eval()
    saved = [None if p.grad is None else p.grad.clone() for p in model.parameters()]  # backward adds in place
    x = image_tensor.detach().clone().requires_grad_(True)
    model(x.unsqueeze(0))[0, target_class].backward()
    for p, grad in zip(model.parameters(), saved):
        p.grad = grad
    return x.grad.abs().max(dim=0).values.numpy()

# %% exercise="feature_extractor" approach="model.fc replaced by Identity in place; the model itself frozen and returned"
def feature_extractor(model):
    model.fc = torch.nn.Identity()
    model.requires_grad_(False)
    model.eval()
    return model

# %% exercise="fit_linear_head" approach="nn.CrossEntropyLoss and a hand-written SGD step under torch.no_grad()"
def fit_linear_head(features, labels, num_classes, epochs, lr):
    head = torch.nn.Linear(features.size(1), num_classes)
    criterion = torch.nn.CrossEntropyLoss()
    for epoch in range(epochs):
        loss = criterion(head(features), labels)
        head.zero_grad()
        loss.backward()
        with torch.no_grad():
            for p in head.parameters():
                p -= lr * p.grad
    return head
