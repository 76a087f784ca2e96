# %% [markdown]
# # Lab 7 — Pretrained models: AlexNet, VGG16 and ResNet18 on your own photos
#
# Training a large image classifier takes days on many GPUs; using one takes a few lines. In this lab
# you run three classic ImageNet networks of torchvision on your own photos, compare them, look at
# which pixels drive a prediction, and reuse a pretrained network as a feature extractor for a new task.
#
# 1. Your images (3 points)
# 2. A Dataset and a DataLoader (4 points)
# 3. The models (not graded: read the code)
# 4. Counting parameters (4 points)
# 5. Predictions (5 points)
# 6. Comparing the three networks (4 points, graded by hand)
# 7. What the network looks at (4 points)
# 8. A new head: transfer learning (6 points)
#
# **How this notebook works.** Write your code where it says `YOUR CODE HERE` (delete the
# `raise NotImplementedError()` line) and your answers where it says `YOUR ANSWER HERE`. The cells
# that start with a docstring are tests: run them to check your work. They run your functions on small
# networks and images they build themselves, and show one worked example; when grading, more tests run
# on other inputs. Run the cells in order, from the top. Total: 30 points.
#
# **Weights and network.** The networks' pretrained weights are downloaded from PyTorch's servers the
# first time (in Colab: 45 MB for ResNet18, 233 MB for AlexNet, 528 MB for VGG16). Without a network
# connection the notebook still runs, with the same networks holding *random* weights: every cell that
# shows predictions then says so, and the predictions mean nothing. A GPU helps (in Colab: *Runtime →
# Change runtime type → GPU*) but is not needed.

# %% tags=["readonly"] id="imports"
import copy
import gc
import http.client
import math
import socket
import tempfile
import time
import urllib.error
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
import torchvision
from IPython.display import display
from PIL import Image, UnidentifiedImageError
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms

import autograder
from autograder.checks import (assert_close, assert_equal, assert_shape, assert_true, assert_type, call,
                               close_figures, figure_summary, note_hidden_tests, substitute)
from autograder.data import load_small_labelled_set, save_sample_photos

torch.set_printoptions(precision=4)
IMAGENET_MEAN = [0.485, 0.456, 0.406]  # per-channel mean and standard deviation of ImageNet's photos
IMAGENET_STD = [0.229, 0.224, 0.225]
# While grading, only the smallest network runs (the tests build their own small networks), on one
# thread: grading runs several notebooks side by side, and threads that wait for each other on a busy
# machine make small operations many times slower.
MODEL_NAMES = ("resnet18",) if autograder.grading() else ("alexnet", "vgg16", "resnet18")
if autograder.grading():
    torch.set_num_threads(1)

# %% [markdown]
# ## 1. Your images (3 points)
#
# Take **at least 12 photos** of things an ImageNet classifier knows: animals (118 dog breeds!), vehicles,
# food, furniture, tools, instruments, buildings... Include one or two that should be hard: an unusual
# angle, a cluttered scene, an object ImageNet has no class for.
#
# * **In Colab**, the next cell opens a file chooser: pick your photos (Ctrl/Cmd-click to pick several).
#   Colab forgets them when the runtime restarts; the cell then asks again.
# * **Elsewhere** (JupyterLab), put your photos in the folder `my_images/` next to this notebook.
#
# Where `my_images/` holds no photo at all, the cell fills it with photos that ship with scikit-learn
# (and scikit-image, when it is installed), so that the notebook runs anyway.

# %%
# While grading, the folder holds no photos of yours (only the notebook is handed in): the sample
# photos then go to a scratch folder, not next to the notebook.
IMAGE_DIR = Path(tempfile.mkdtemp(prefix="my_images_")) if autograder.grading() else Path("my_images")
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff")


def photo_names(folder):
    """File names in a folder that look like photos, sorted."""
    return sorted(p.name for p in Path(folder).iterdir() if p.is_file() and p.suffix.lower() in PHOTO_SUFFIXES)


IMAGE_DIR.mkdir(exist_ok=True)
try:
    from google.colab import files as colab_files  # exists only in Google Colab
except ImportError:
    colab_files = None
if colab_files is not None and not autograder.grading() and len(photo_names(IMAGE_DIR)) < 12:
    print("Choose at least 12 photos to upload.")
    for file_name, content in colab_files.upload().items():
        (IMAGE_DIR / file_name).write_bytes(content)

sample_labels = {}
if not photo_names(IMAGE_DIR):
    sample_labels = save_sample_photos(IMAGE_DIR)
    print(f"{IMAGE_DIR}/ held no photos: filled it with {len(sample_labels)} photos that ship with installed packages.")
print(f"{len(photo_names(IMAGE_DIR))} photos in {IMAGE_DIR}/:", ", ".join(photo_names(IMAGE_DIR)))

# %% [markdown]
# ### 1a. Reading a folder (2 points)
#
# Write `imread(img_dir)`: it returns the folder's images as a list of `PIL.Image` objects, **sorted by
# file name**, each converted to **RGB** (`image.convert("RGB")`: photos can be greyscale, `"L"`, or
# have a transparency channel, `"RGBA"`, and the networks want 3 channels). A folder may also hold
# other files (notes, a `.DS_Store`...): skip every file that is not an image with a one-line warning
# (`print` it) instead of crashing; `PIL.Image.open` raises `PIL.UnidentifiedImageError` for those.
# Ignore sub-folders.

# %% tags=["solution"] id="imread"
def imread(img_dir):
    """Read every image of a folder as an RGB PIL image, in file-name order.

    Inputs:
    - img_dir: the folder, a str or a pathlib.Path

    Returns:
    - images: a list of N PIL.Image.Image in mode "RGB", one per image file of the folder, sorted by
      file name; files that are not images are skipped with a one-line warning, sub-folders ignored
    """
    ### BEGIN SOLUTION
    images = []
    for path in sorted(Path(img_dir).iterdir()):
        if not path.is_file():
            continue
        try:
            with Image.open(path) as image:
                images.append(image.convert("RGB"))
        except OSError:  # UnidentifiedImageError (not an image) is an OSError, like a truncated file
            print(f"imread: skipped {path.name}: not an image")
    return images
    ### END SOLUTION

# %% tags=["tests"] id="test_imread_folder" points=1
"""imread reads a folder of 3 images and a text file: 3 RGB images in file-name order."""
with tempfile.TemporaryDirectory() as _folder:
    _rng = np.random.default_rng(0)
    _rgba = _rng.integers(0, 256, (10, 14, 4), dtype=np.uint8)
    _rgba[..., 3] = 255  # opaque, so that any way of dropping the alpha channel gives the same pixels
    Image.fromarray(_rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)).save(Path(_folder, "b_colour.png"))
    Image.fromarray(_rng.integers(0, 256, (16, 12), dtype=np.uint8)).save(Path(_folder, "a_grey.png"))
    Image.fromarray(_rgba, "RGBA").save(Path(_folder, "c_transparent.png"))
    Path(_folder, "notes.txt").write_text("not a photo")
    _images = call(imread, _folder)
    assert_type(_images, (list, tuple), name="imread(folder)")
    assert_equal(len(_images), 3, name="len(imread(folder)) for a_grey.png, b_colour.png, c_transparent.png, notes.txt")
    for _image, _name in zip(_images, ("a_grey.png", "b_colour.png", "c_transparent.png")):
        assert_type(_image, Image.Image, name=f"imread(folder): the image read from {_name}")
        assert_equal(_image.mode, "RGB", name=f"mode of the image read from {_name}")
        assert_close(np.asarray(_image), np.asarray(Image.open(Path(_folder, _name)).convert("RGB")),
                     name=f"pixels of the image read from {_name} (images in file-name order?)")

# %% tags=["tests"] id="test_imread_formats" points=1
"""imread reads JPEG, GIF and BMP files whatever their extension's case, skips sub-folders and non-images."""
note_hidden_tests()
### BEGIN HIDDEN TESTS
with tempfile.TemporaryDirectory() as _folder:
    _rng = np.random.default_rng(1)
    _pixels = {"2_photo.JPG": _rng.integers(0, 256, (24, 18, 3), dtype=np.uint8),
               "4_palette.gif": _rng.integers(0, 256, (9, 11, 3), dtype=np.uint8),
               "1_bitmap.bmp": _rng.integers(0, 256, (7, 5, 3), dtype=np.uint8),
               "6_grey.jpeg": _rng.integers(0, 256, (13, 17), dtype=np.uint8)}
    for _name, _array in _pixels.items():
        _image = Image.fromarray(_array)
        (_image.convert("P") if _name.endswith(".gif") else _image).save(Path(_folder, _name))
    Path(_folder, "3_empty.jpg").write_bytes(b"")  # an image's name, no image inside
    Path(_folder, "5_sub_folder").mkdir()
    Image.fromarray(_pixels["1_bitmap.bmp"]).save(Path(_folder, "5_sub_folder", "inside.png"))
    Path(_folder, ".DS_Store").write_bytes(bytes(range(256)))
    _images = call(imread, Path(_folder))
    _names = sorted(_pixels)
    assert_type(_images, (list, tuple), name="imread(folder)")
    assert_equal(len(_images), len(_names),
                 name=f"len(imread(folder)) for a folder with {', '.join(_names)}, an empty 3_empty.jpg, "
                      "a sub-folder and .DS_Store")
    for _image, _name in zip(_images, _names):
        assert_type(_image, Image.Image, name=f"imread(folder): the image read from {_name}")
        assert_equal(_image.mode, "RGB", name=f"mode of the image read from {_name}")
        assert_close(np.asarray(_image), np.asarray(Image.open(Path(_folder, _name)).convert("RGB")),
                     name=f"pixels of the image read from {_name}")
with tempfile.TemporaryDirectory() as _folder:
    assert_equal(len(call(imread, _folder)), 0, name="len(imread(folder)) for an empty folder")
### END HIDDEN TESTS

# %% [markdown]
# ### 1b. Showing them (1 point)
#
# Write `vis_img_label(image_list, label_list=None)`: it draws the images on **one figure, in a grid of
# 4 columns** (as many rows as needed: `plt.subplots(rows, 4)`), each image in its own axes with the
# axis lines turned off (`ax.axis("off")`) and a title: its label when `label_list` is given, else its
# number in the list. Turn off the unused axes of the last row too. (Calling `plt.show()` at the end is
# up to you.)

# %% tags=["solution"] id="vis_img_label"
def vis_img_label(image_list, label_list=None):
    """Draw images in a grid of 4 columns, each titled with its label.

    Inputs:
    - image_list: list of N images (PIL images, or arrays of shape (H, W, 3))
    - label_list: optional list of N strings, the images' titles; without it, image i is titled str(i)

    Draws one figure of ceil(N / 4) rows of 4 axes; image i is in row i // 4, column i % 4.
    """
    ### BEGIN SOLUTION
    rows = max(1, math.ceil(len(image_list) / 4))
    fig, axes = plt.subplots(rows, 4, figsize=(14, 3.3 * rows), squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.axis("off")
        if index < len(image_list):
            ax.imshow(image_list[index])
            ax.set_title(str(label_list[index]) if label_list is not None else str(index))
    fig.tight_layout()
    ### END SOLUTION

# %% tags=["tests"] id="test_vis_img_label_grid" points=1
"""vis_img_label draws 6 images in 2 rows of 4 columns, titled with their labels; without labels too."""
_rng = np.random.default_rng(0)
_pictures = [Image.fromarray(_rng.integers(0, 256, (12 + i, 16, 3), dtype=np.uint8)) for i in range(6)]
_labels = ["cat", "dog", "car", "cup", "owl", "bus"]
close_figures()
with substitute({"plt.show": lambda *args, **kwargs: None}):  # keep the figure open to inspect it
    call(vis_img_label, _pictures, _labels)
_drawn = [ax for ax in figure_summary()["axes"] if ax["images"] > 0]
close_figures()
assert_equal(len(_drawn), 6, name="number of axes showing an image, for 6 images")
_drawn.sort(key=lambda ax: (-ax["position"][1], ax["position"][0]))  # reading order: rows from the top
assert_equal([ax["title"] for ax in _drawn], _labels, name="titles of the 6 images, row by row")
assert_equal(len({ax["position"][0] for ax in _drawn}), 4,
             name="number of columns (different left edges) in the grid of 6 images")
assert_equal(len({ax["position"][1] for ax in _drawn}), 2, name="number of rows in the grid of 6 images")
with substitute({"plt.show": lambda *args, **kwargs: None}):
    call(vis_img_label, _pictures[:3])
_drawn = [ax for ax in figure_summary()["axes"] if ax["images"] > 0]
close_figures()
assert_equal(len(_drawn), 3, name="number of axes showing an image, for 3 images without labels")
### BEGIN HIDDEN TESTS
for _count in (1, 4, 9):
    _arrays = [np.asarray(_pictures[i % 6]) for i in range(_count)]  # arrays (H, W, 3) instead of PIL images
    with substitute({"plt.show": lambda *args, **kwargs: None}):
        call(vis_img_label, _arrays, [f"photo {i}" for i in range(_count)])
    _drawn = sorted((ax for ax in figure_summary()["axes"] if ax["images"] > 0),
                    key=lambda ax: (-ax["position"][1], ax["position"][0]))
    close_figures()
    assert_equal(len(_drawn), _count, name=f"number of axes showing an image, for {_count} images")
    assert_equal([ax["title"] for ax in _drawn], [f"photo {i}" for i in range(_count)],
                 name=f"titles of {_count} images, row by row")
    assert_equal(len({ax["position"][1] for ax in _drawn}), math.ceil(_count / 4),
                 name=f"number of rows in the grid of {_count} images")
    assert_equal(len({ax["position"][0] for ax in _drawn}), min(_count, 4),
                 name=f"number of columns in the grid of {_count} images")
### END HIDDEN TESTS

# %% [markdown]
# Your photos, with their file names:

# %%
photos = imread(IMAGE_DIR)
image_names = photo_names(IMAGE_DIR)
if len(image_names) != len(photos):  # imread skipped a file that had a photo's name
    image_names = [f"image {i}" for i in range(len(photos))]
vis_img_label(photos, image_names)
plt.show()

# %% [markdown]
# ## 2. A Dataset and a DataLoader (4 points)
#
# The networks were trained on ImageNet photos that were resized to 224 × 224 pixels, turned into
# tensors with values in [0, 1], and **normalised**: from each colour channel, ImageNet's mean value of
# that channel was subtracted and the result divided by its standard deviation (`IMAGENET_MEAN` and
# `IMAGENET_STD` in the imports above). A network sees your photos as it saw its training photos only
# if you do the same.
#
# ### 2a. The preprocessing (1 point)
#
# Write `imagenet_transform()`, which returns the composition (`transforms.Compose`) of
# `transforms.Resize((224, 224))`, `transforms.ToTensor()` and `transforms.Normalize(...)` with the
# ImageNet mean and standard deviation. (Torchvision's own recipe, `weights.transforms()`, resizes the
# short side to 256 and crops the 224 × 224 centre; squeezing the whole photo keeps its edges.)

# %% tags=["solution"] id="imagenet_transform"
def imagenet_transform():
    """The preprocessing of the ImageNet networks.

    Returns:
    - transform: a callable mapping an RGB PIL image of any size to a float tensor of shape
      (3, 224, 224): resized to 224 x 224, scaled to [0, 1], then normalised per channel c as
      (x - IMAGENET_MEAN[c]) / IMAGENET_STD[c]
    """
    ### BEGIN SOLUTION
    return transforms.Compose([transforms.Resize((224, 224)), transforms.ToTensor(),
                               transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD)])
    ### END SOLUTION

# %% tags=["tests"] id="test_imagenet_transform_values" points=1
"""imagenet_transform() maps a 60 x 90 photo to a (3, 224, 224) tensor, resized, scaled and normalised."""
import torchvision.transforms.functional as _TF


def _smooth_photo(height, width, seed):
    """A smooth RGB picture (resizing it leaves no room for differences between libraries)."""
    _y, _x = np.mgrid[0:height, 0:width]
    _phase = np.random.default_rng(seed).uniform(0, 6, 3)
    return Image.fromarray(np.stack([127.5 + 120 * np.sin(_x / 9 + p) * np.cos(_y / 7 - p) for p in _phase],
                                    axis=-1).astype(np.uint8))


def _reference_transform(image):
    return _TF.normalize(_TF.to_tensor(_TF.resize(image, [224, 224])), IMAGENET_MEAN, IMAGENET_STD)


_transform = call(imagenet_transform)
_photo = _smooth_photo(60, 90, seed=0)
_tensor = call(_transform, _photo, name="imagenet_transform()")
assert_type(_tensor, torch.Tensor, name="imagenet_transform()(photo)")
assert_shape(_tensor, (3, 224, 224), name="imagenet_transform()(photo) for a 60 x 90 photo")
# ToTensor before Resize is fine too: PIL rounds its resized pixels to whole values, a difference < 0.02
assert_close(_tensor, _reference_transform(_photo), rtol=0, atol=0.03,
             name="imagenet_transform()(photo) for a 60 x 90 photo")
### BEGIN HIDDEN TESTS
for _shape, _seed in (((300, 500), 1), ((224, 224), 2), ((500, 250), 3)):
    _photo = _smooth_photo(*_shape, seed=_seed)
    _tensor = call(_transform, _photo, name="imagenet_transform()")
    assert_shape(_tensor, (3, 224, 224), name=f"imagenet_transform()(photo) for a {_shape[0]} x {_shape[1]} photo")
    assert_close(_tensor, _reference_transform(_photo), rtol=0, atol=0.03,
                 name=f"imagenet_transform()(photo) for a {_shape[0]} x {_shape[1]} photo")
### END HIDDEN TESTS

# %% [markdown]
# ### 2b. A Dataset (2 points)
#
# A `torch.utils.data.Dataset` is anything with a length and an item for each index: `len(dataset)`
# calls `__len__`, `dataset[i]` calls `__getitem__(i)`. Write `MyDataset`, which serves a list of images,
# each passed through `data_transform` when one is given (and unchanged otherwise).

# %% tags=["solution"] id="MyDataset"
class MyDataset(Dataset):
    """A list of images as a torch Dataset.

    MyDataset(img_list, data_transform=None):
    - img_list: list of N images (PIL images)
    - data_transform: optional callable applied to an image, e.g. imagenet_transform()

    len(dataset) is N; dataset[i] is data_transform(img_list[i]) (for imagenet_transform(), a float
    tensor of shape (3, 224, 224)), or img_list[i] itself when data_transform is None.
    """

    def __init__(self, img_list, data_transform=None):
        ### BEGIN SOLUTION
        self.img_list = list(img_list)
        self.data_transform = data_transform
        ### END SOLUTION

    def __len__(self):
        ### BEGIN SOLUTION
        return len(self.img_list)
        ### END SOLUTION

    def __getitem__(self, index):
        ### BEGIN SOLUTION
        image = self.img_list[index]
        return image if self.data_transform is None else self.data_transform(image)
        ### END SOLUTION

# %% tags=["tests"] id="test_MyDataset_length" points=1
"""len(MyDataset(images, transform)) is the number of images (5 here)."""
_rng = np.random.default_rng(0)
_pictures = [Image.fromarray(_rng.integers(0, 256, (8, 6 + i, 3), dtype=np.uint8)) for i in range(5)]
_dataset = call(MyDataset, _pictures, lambda image: torch.tensor(np.asarray(image)))
assert_equal(call(_dataset.__len__, name="len(MyDataset(...))"), 5, name="len(MyDataset(images)) for 5 images")
### BEGIN HIDDEN TESTS
for _count in (1, 2, 12):
    _dataset = call(MyDataset, _pictures[:1] * _count)
    assert_equal(call(_dataset.__len__, name="len(MyDataset(...))"), _count,
                 name=f"len(MyDataset(images)) for {_count} images, no transform")
### END HIDDEN TESTS

# %% tags=["tests"] id="test_MyDataset_items" points=1
"""MyDataset(images, transform)[i] is transform(images[i]); without a transform, images[i] itself."""
_rng = np.random.default_rng(1)
_pictures = [Image.fromarray(_rng.integers(0, 256, (8, 6 + i, 3), dtype=np.uint8)) for i in range(5)]


def _to_tensor(image):
    return torch.tensor(np.asarray(image), dtype=torch.float32).permute(2, 0, 1) / 255


_dataset = call(MyDataset, _pictures, _to_tensor)
for _i in range(5):
    _item = call(_dataset.__getitem__, _i, name="MyDataset(...)[i]")
    assert_type(_item, torch.Tensor, name=f"MyDataset(images, transform)[{_i}] (the transform's output)")
    assert_close(_item, _to_tensor(_pictures[_i]), name=f"MyDataset(images, transform)[{_i}]")
_item = call(call(MyDataset, _pictures).__getitem__, 2, name="MyDataset(...)[i]")
assert_type(_item, Image.Image, name="MyDataset(images)[2] without a transform")
assert_close(np.asarray(_item), np.asarray(_pictures[2]), name="MyDataset(images)[2] without a transform")
### BEGIN HIDDEN TESTS
# Through a DataLoader, as the notebook uses it: batches in order, the last one smaller.
_batches = list(DataLoader(call(MyDataset, _pictures[:1] * 5, _to_tensor), batch_size=2))
assert_equal([tuple(b.shape) for b in _batches], [(2, 3, 8, 6)] * 2 + [(1, 3, 8, 6)],
             name="shapes of the batches of DataLoader(MyDataset(5 images of 8 x 6, transform), batch_size=2)")
### END HIDDEN TESTS

# %% [markdown]
# ### 2c. A DataLoader (1 point)
#
# A `DataLoader` cuts a dataset into batches. Create `photo_loader`, which serves `photo_dataset` (your
# photos, preprocessed) in batches of **4**, in the order of the dataset (**no shuffling**: the
# predictions must stay aligned with the photos), keeping the last, smaller batch.

# %%
photo_dataset = MyDataset(photos, imagenet_transform())

# %% tags=["solution"] id="photo_loader"
### BEGIN SOLUTION
photo_loader = DataLoader(photo_dataset, batch_size=4, shuffle=False)
### END SOLUTION

# %% tags=["tests"] id="test_photo_loader_settings" points=1
"""photo_loader serves batches of 4, in order (no shuffling), keeping the last partial batch."""
assert_equal(photo_loader.batch_size, 4, name="photo_loader.batch_size")
assert_equal(type(photo_loader.sampler).__name__, "SequentialSampler",
             name="photo_loader's sampler (a DataLoader that shuffles has a RandomSampler)")
assert_equal(photo_loader.drop_last, False, name="photo_loader.drop_last (the last, smaller batch is needed too)")

# %%
for batch_index, batch in enumerate(photo_loader):
    print(f"batch {batch_index}: {type(batch).__name__} of shape {tuple(batch.shape)}, "
          f"values from {batch.min():.2f} to {batch.max():.2f}")

# %% [markdown]
# ## 3. The models (not graded: read the code)
#
# torchvision describes each set of pretrained weights with an *enum*: `ResNet18_Weights.IMAGENET1K_V1`
# and so on, `.DEFAULT` being the best ones. The weights object knows where to download the weights
# (`weights.url`), how to preprocess images (`weights.transforms()`) and, in `weights.meta`, the 1000
# class names (`weights.meta["categories"]`) and the accuracy measured on ImageNet's validation set:
# all of it without downloading anything. `torchvision.models.resnet18(weights=weights)` builds the
# network and loads the weights (downloaded once, then read from a cache); `weights=None` gives random
# weights. (Old code writes `pretrained=True`: that API is deprecated.)
#
# `load_model` below does this and falls back to random weights, with a one-line notice, only when the
# download fails. It puts the model in **eval mode**: dropout off, batch normalisation with its stored
# statistics.

# %% tags=["readonly"] id="load_model"
ARCHITECTURES = {
    "alexnet": (torchvision.models.alexnet, torchvision.models.AlexNet_Weights),
    "vgg16": (torchvision.models.vgg16, torchvision.models.VGG16_Weights),
    "resnet18": (torchvision.models.resnet18, torchvision.models.ResNet18_Weights),
}
# What a failed download raises: no network, no name server, a proxy's refusal, a timeout. Any other
# error (a corrupt file, a full disk) is a real problem and is raised as usual.
DOWNLOAD_ERRORS = (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError)
random_weights = set()  # names of the models that had to fall back to random weights


def load_model(name):
    """An ImageNet classifier of torchvision with its pretrained weights, in eval mode, on the CPU.

    Inputs:
    - name: "alexnet", "vgg16" or "resnet18"

    Returns:
    - model: the torch.nn.Module, in eval mode
    - weights: its weights enum entry (e.g. ResNet18_Weights.IMAGENET1K_V1): weights.meta["categories"]
      lists the 1000 class names, weights.meta["_metrics"] the published ImageNet accuracy

    Where the weights cannot be downloaded, the same network with seeded random weights.
    """
    builder, weights_enum = ARCHITECTURES[name]
    weights = weights_enum.DEFAULT
    old_timeout = socket.getdefaulttimeout()
    socket.setdefaulttimeout(30)  # a blocked connection fails after 30 s instead of hanging
    try:
        model, failure = builder(weights=weights), None
    except DOWNLOAD_ERRORS as error:
        model, failure = None, type(error).__name__
    finally:
        socket.setdefaulttimeout(old_timeout)
    if failure is None:
        random_weights.discard(name)
    else:  # built here, once the failed attempt's network is freed (VGG16: 528 MB)
        torch.manual_seed(0)
        model = builder(weights=None)
        random_weights.add(name)
        print(f"{name}: could not download its weights ({failure}); using random weights: "
              "its predictions are meaningless")
    return model.eval(), weights


def free_memory():
    """Give back the memory of the models deleted with `del` (and the GPU's cache)."""
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def say_if_random(names):
    """The line every prediction cell prints when some of its models have random weights."""
    offline = [name for name in names if name in random_weights]
    if offline:
        print(f"{', '.join(offline)}: random weights (no download), so these predictions are meaningless.")

# %%
resnet, resnet_weights = load_model("resnet18")
categories = resnet_weights.meta["categories"]
print(f"{resnet_weights}: {len(categories)} classes, e.g. {categories[:3]} ... {categories[-2:]}")
print("published ImageNet accuracy:", resnet_weights.meta["_metrics"]["ImageNet-1K"])
print("torchvision's own preprocessing:", resnet_weights.transforms())

# %% [markdown]
# ## 4. Counting parameters (4 points)
#
# `model.parameters()` yields every weight and bias tensor of a network (those of its sub-modules
# included); `p.numel()` is the number of numbers in a tensor, and `p.requires_grad` says whether an
# optimiser would train it. Write `count_parameters(model, trainable_only=False)`: the number of
# parameters, or only of those with `requires_grad=True` when `trainable_only` is true.
# (Batch normalisation's running statistics are *buffers*, not parameters: they are not counted.)

# %% tags=["solution"] id="count_parameters"
def count_parameters(model, trainable_only=False):
    """Number of parameters (weights and biases) of a network.

    Inputs:
    - model: a torch.nn.Module
    - trainable_only: if True, count only the parameters with requires_grad=True

    Returns:
    - the number of scalar parameters, an int
    """
    ### BEGIN SOLUTION
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)
    ### END SOLUTION

# %% tags=["tests"] id="test_count_parameters_models" points=1
"""count_parameters gives ResNet18's 11,689,512 parameters, and those of a small network."""
torch.manual_seed(0)
_model = torchvision.models.resnet18()
assert_equal(call(count_parameters, _model), 11_689_512, name="count_parameters(resnet18)")
torch.manual_seed(0)
_model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 5), torch.nn.BatchNorm2d(8), torch.nn.Flatten(),
                             torch.nn.Linear(8 * 4 * 4, 10))
assert_equal(call(count_parameters, _model), 3 * 8 * 25 + 8 + 2 * 8 + 128 * 10 + 10,
             name="count_parameters(Conv2d(3, 8, 5), BatchNorm2d(8), Linear(128, 10))")
### BEGIN HIDDEN TESTS
for _name in ("squeezenet1_1", "mobilenet_v3_small"):  # small ImageNet networks, for their published counts
    _model = getattr(torchvision.models, _name)()
    assert_equal(call(count_parameters, _model), torchvision.models.get_model_weights(_name).DEFAULT.meta["num_params"],
                 name=f"count_parameters({_name})")
_model = torch.nn.Sequential(torch.nn.Linear(7, 5, bias=False), torch.nn.GRU(5, 3), torch.nn.Embedding(11, 2))
assert_equal(call(count_parameters, _model), sum(p.numel() for p in _model.parameters()),
             name="count_parameters(Linear(7, 5, bias=False), GRU(5, 3), Embedding(11, 2))")
### END HIDDEN TESTS

# %% tags=["tests"] id="test_count_parameters_trainable" points=1
"""count_parameters(model, trainable_only=True) counts only the parameters with requires_grad=True."""
torch.manual_seed(0)
_model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(36, 2))
_model[0].weight.requires_grad_(False)  # a frozen layer: 108 of its 112 parameters
assert_equal(call(count_parameters, _model, trainable_only=True), 4 + 36 * 2 + 2,
             name="count_parameters(model, trainable_only=True), conv weight frozen")
assert_equal(call(count_parameters, _model), 108 + 4 + 72 + 2,
             name="count_parameters(model) (all parameters), conv weight frozen")
### BEGIN HIDDEN TESTS
torch.manual_seed(1)
_model = torchvision.models.resnet18()
for _p in _model.parameters():
    _p.requires_grad_(False)
_model.fc = torch.nn.Linear(512, 10)
assert_equal(call(count_parameters, _model, True), 5130, name="count_parameters(frozen resnet18 + new fc, True)")
assert_equal(call(count_parameters, _model, False), 11_689_512 - 513_000 + 5130,
             name="count_parameters(frozen resnet18 + new fc, False)")
for _p in _model.parameters():
    _p.requires_grad_(False)
assert_equal(call(count_parameters, _model, trainable_only=True), 0,
             name="count_parameters(fully frozen resnet18, trainable_only=True)")
### END HIDDEN TESTS

# %% [markdown]
# The three networks, built on the *meta* device (their tensors have shapes but no values: no memory,
# no time; `p.numel()` works, `p.numpy()` does not), against the count torchvision publishes, and
# AlexNet's layers:

# %%
for name in ("alexnet", "vgg16", "resnet18"):
    builder, weights_enum = ARCHITECTURES[name]
    with torch.device("meta"):
        shapes_only = builder()
    print(f"{name:>8}: {count_parameters(shapes_only):>11,} parameters "
          f"(torchvision says {weights_enum.DEFAULT.meta['num_params']:,})")
with torch.device("meta"):
    print(torchvision.models.alexnet())

# %% [markdown]
# **Question (2 points).** Compare torchvision's AlexNet, printed above, with the network of the 2012
# paper (Krizhevsky, Sutskever and Hinton, *ImageNet Classification with Deep Convolutional Neural
# Networks*, Figure 2 and Section 3). Name at least three differences.

# %% [markdown] tags=["manual"] id="alexnet_vs_paper" points=2
# torchvision's AlexNet is the one-GPU variant of Krizhevsky's later paper "One weird trick for
# parallelizing convolutional neural networks" (2014), not the 2012 network:
# - filters per convolution layer: 64-192-384-256-256 instead of 96-256-384-384-256;
# - one tower on one GPU: the 2012 network was split over two GPUs, half of the kernels on each, and
#   conv2, conv4 and conv5 saw only the feature maps of their own GPU (grouped connections);
# - no local response normalisation (the paper has it after conv1 and conv2);
# - an AdaptiveAvgPool2d((6, 6)) before the classifier, so other input sizes work; conv1 has padding 2
#   for 224 × 224 inputs (the paper's sizes only add up for 227 × 227).
# The same: 11×11 stride-4 first layer, 5×5 then 3×3 kernels, ReLUs, overlapping 3×3 stride-2 max
# pooling, two dropout fully connected layers of 4096 and a 1000-way output; about 61 million
# parameters either way (61.1 M here, "60 million" in the paper).

# %% [markdown]
# ## 5. Predictions (5 points)
#
# A classifier outputs one score (*logit*) per class; `torch.nn.functional.softmax` over the **class
# axis** turns a batch of scores `(B, C)` into probabilities that sum to 1 for each image. Write:
#
# * `predict(model, dataloader, device=None)`: the most probable class of every image, in order, as a
#   NumPy array of ints;
# * `predict_topk(model, dataloader, k=5)`: the `k` most probable classes of every image and their
#   probabilities, most probable first.
#
# For both: put the model in **eval mode** (a model may arrive in training mode, and dropout would then
# switch off random neurons at every call), run it under `torch.no_grad()` (no graph to build: faster,
# less memory), on the device `device`, or `autograder.device()` (the GPU when there is one) when it is
# `None`, and collect the results of **every** batch (the last one may be smaller).

# %% tags=["solution"] id="predict"
def predict(model, dataloader, device=None):
    """Most probable class of every image of a data loader.

    Inputs:
    - model: a classifier mapping a batch of images (B, 3, H, W) to class scores (B, C)
    - dataloader: yields batches of images, tensors of shape (B, 3, H, W), N images in all
    - device: torch device to compute on; None for autograder.device()

    Returns:
    - classes: NumPy array of shape (N,) of ints, the class of highest softmax probability of each
      image, in the order of the data loader, computed in eval mode under torch.no_grad()
    """
    ### BEGIN SOLUTION
    device = autograder.device() if device is None else device
    model.eval().to(device)
    classes = []
    with torch.no_grad():
        for batch in dataloader:
            probabilities = F.softmax(model(batch.to(device)), dim=1)
            classes.append(probabilities.argmax(dim=1).cpu())
    return torch.cat(classes).numpy()
    ### END SOLUTION

# %% tags=["tests"] id="test_predict_example" points=2
"""predict gives the classes of a small network with dropout for 10 images in batches of 4, in eval mode."""
torch.manual_seed(0)
_model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 8 * 8, 32), torch.nn.ReLU(),
                             torch.nn.Dropout(0.5), torch.nn.Linear(32, 7))
_images = torch.randn(10, 3, 8, 8)
with torch.no_grad():
    _expected = copy.deepcopy(_model).eval()(_images).argmax(dim=1).numpy()
_model.train()  # it arrives in training mode: predict must switch dropout off
_classes = call(predict, _model, DataLoader(_images, batch_size=4), torch.device("cpu"))
assert_type(_classes, (np.ndarray, torch.Tensor), name="predict(model, loader)")
assert_shape(_classes, (10,), name="predict(model, loader) for 10 images in batches of 4, 4, 2")
assert_equal(_classes, _expected, name="predict(model, loader) for 10 images in batches of 4")
### BEGIN HIDDEN TESTS
for _n, _batch_size, _classes_count in ((1, 4, 3), (3, 4, 1000), (9, 2, 5), (8, 4, 12), (13, 5, 2)):
    torch.manual_seed(_n)
    _model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(), torch.nn.Dropout(0.3),
                                 torch.nn.Flatten(), torch.nn.Linear(4 * 4 * 6, _classes_count))
    _images = torch.randn(_n, 3, 6, 8) * 3
    with torch.no_grad():
        _expected = copy.deepcopy(_model).eval()(_images).argmax(dim=1).numpy()
    _classes = call(predict, _model, DataLoader(_images, batch_size=_batch_size))
    _label = f"predict(model, loader) for {_n} images in batches of {_batch_size}, {_classes_count} classes"
    assert_type(_classes, (np.ndarray, torch.Tensor), name=_label)
    assert_shape(_classes, (_n,), name=_label)
    assert_true(np.issubdtype(np.asarray(_classes).dtype, np.integer),
                f"{_label}: expected an array of ints, got dtype {np.asarray(_classes).dtype}")
    assert_equal(_classes, _expected, name=_label)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_predict_no_grad" points=1
"""predict runs the network in eval mode with gradients off (torch.no_grad())."""


class _Recorder(torch.nn.Module):
    """A linear classifier that records, at each call, whether it was in training mode and gradients were on."""

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(12, 4)
        self.calls = []

    def forward(self, x):
        self.calls.append((self.training, torch.is_grad_enabled()))
        return self.linear(x.flatten(1))


torch.manual_seed(0)
_recorder = _Recorder()
call(predict, _recorder, DataLoader(torch.randn(5, 3, 2, 2), batch_size=2), torch.device("cpu"))
assert_equal(len(_recorder.calls), 3, name="number of calls of the network for 5 images in batches of 2")
assert_true(not any(training for training, _ in _recorder.calls),
            "predict ran the network in training mode: call model.eval() first")
assert_true(not any(grad for _, grad in _recorder.calls),
            "predict ran the network with gradients enabled: put the loop in `with torch.no_grad():`")

# %% tags=["solution"] id="predict_topk"
def predict_topk(model, dataloader, k=5):
    """The k most probable classes of every image, most probable first.

    Inputs:
    - model: a classifier mapping a batch of images (B, 3, H, W) to class scores (B, C)
    - dataloader: yields batches of images, tensors of shape (B, 3, H, W), N images in all
    - k: number of classes to keep, 1 <= k <= C

    Returns a tuple (probabilities, classes), computed on autograder.device() in eval mode under
    torch.no_grad():
    - probabilities: float array (N, k), the k largest softmax probabilities of each image, decreasing
    - classes: int array (N, k), their classes
    (NumPy arrays or CPU tensors.)
    """
    ### BEGIN SOLUTION
    device = autograder.device()  # the GPU when there is one
    model.eval().to(device)
    probabilities, classes = [], []
    with torch.no_grad():
        for batch in dataloader:
            top = F.softmax(model(batch.to(device)), dim=1).topk(k, dim=1)
            probabilities.append(top.values.cpu())
            classes.append(top.indices.cpu())
    return torch.cat(probabilities).numpy(), torch.cat(classes).numpy()
    ### END SOLUTION

# %% tags=["tests"] id="test_predict_topk_example" points=1
"""predict_topk gives the 3 most probable classes and their probabilities, decreasing, for 10 images."""
torch.manual_seed(1)
_model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 8 * 8, 32), torch.nn.ReLU(),
                             torch.nn.Dropout(0.5), torch.nn.Linear(32, 7))
_images = torch.randn(10, 3, 8, 8)
with torch.no_grad():
    _expected = torch.topk(F.softmax(copy.deepcopy(_model).eval()(_images), dim=1), 3, dim=1)
_model.train()
_result = call(predict_topk, _model, DataLoader(_images, batch_size=4), 3)
assert_type(_result, tuple, name="predict_topk(model, loader, 3)")
assert_equal(len(_result), 2, name="len(predict_topk(model, loader, 3)) (probabilities, classes)")
assert_shape(_result[0], (10, 3), name="probabilities of predict_topk(model, loader, 3) for 10 images")
assert_shape(_result[1], (10, 3), name="classes of predict_topk(model, loader, 3) for 10 images")
assert_close(_result[0], _expected.values, rtol=1e-4, atol=1e-6,
             name="probabilities of predict_topk(model, loader, 3), most probable first")
assert_equal(_result[1], _expected.indices, name="classes of predict_topk(model, loader, 3), most probable first")

# %% tags=["tests"] id="test_predict_topk_cases" points=1
"""predict_topk for other networks, k = 1 and k = C, and a last batch of one image."""
note_hidden_tests()
### BEGIN HIDDEN TESTS
for _n, _batch_size, _classes_count, _k in ((9, 4, 10, 5), (5, 2, 6, 6), (3, 3, 4, 1), (7, 3, 1000, 5)):
    torch.manual_seed(10 + _n)
    _model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(), torch.nn.Dropout(0.3),
                                 torch.nn.Flatten(), torch.nn.Linear(4 * 4 * 6, _classes_count))
    _images = torch.randn(_n, 3, 6, 8) * 3
    with torch.no_grad():
        _expected = torch.topk(F.softmax(copy.deepcopy(_model).eval()(_images), dim=1), _k, dim=1)
    _label = f"predict_topk(model, loader, {_k}) for {_n} images in batches of {_batch_size}, {_classes_count} classes"
    _result = call(predict_topk, _model, DataLoader(_images, batch_size=_batch_size), k=_k)
    assert_type(_result, tuple, name=_label)
    assert_shape(_result[0], (_n, _k), name=f"probabilities of {_label}")
    assert_shape(_result[1], (_n, _k), name=f"classes of {_label}")
    assert_close(_result[0], _expected.values, rtol=1e-4, atol=1e-6, name=f"probabilities of {_label}")
    assert_equal(_result[1], _expected.indices, name=f"classes of {_label}")
    if _k == _classes_count:
        assert_close(np.asarray(_result[0]).sum(axis=1), np.ones(_n), rtol=1e-5,
                     name=f"row sums of the probabilities of {_label} (all classes: 1)")
### END HIDDEN TESTS

# %% [markdown]
# ResNet18's five most probable classes for each of your photos:

# %%
compute_device = autograder.device()
try:
    top_probabilities, top_classes = predict_topk(resnet, photo_loader, k=5)
except NotImplementedError:
    print("predict_topk is not written yet: come back here after exercise 5.")
else:
    for photo, probabilities, classes in zip(image_names, top_probabilities, top_classes):
        print(f"{photo}: " + ", ".join(f"{categories[c]} {p:.1%}" for p, c in zip(probabilities, classes)))
    say_if_random(["resnet18"])
del resnet
free_memory()

# %% [markdown]
# ## 6. Comparing the three networks (4 points, graded by hand)
#
# Write what each photo shows in `my_labels` (file name → your label) and run the cell: it loads the
# networks **one at a time** (VGG16 alone holds 528 MB of weights), predicts, and frees each before
# loading the next. The first table gives each network's top-1 class and probability per photo, the
# second the networks' sizes and their published top-1 accuracy on ImageNet's validation set.

# %%
my_labels = {
    # "IMG_0042.jpg": "tabby cat",
}
photo_labels = {**sample_labels, **my_labels}
per_photo = pd.DataFrame({"photo": image_names, "your label": [photo_labels.get(n, "?") for n in image_names]})
per_network = []
for name in MODEL_NAMES:
    model, weights = load_model(name)
    try:
        probabilities, classes = predict_topk(model, photo_loader, k=1)
    except NotImplementedError:
        print("predict_topk is not written yet: come back here after exercise 5.")
        break
    names = weights.meta["categories"]
    per_photo[name] = [f"{names[int(c[0])]} ({float(p[0]):.0%})" for p, c in zip(probabilities, classes)]
    per_network.append({"network": name, "parameters": f"{count_parameters(model):,}",
                        "ImageNet top-1 accuracy (%)": weights.meta["_metrics"]["ImageNet-1K"]["acc@1"],
                        "weights here": "random (offline)" if name in random_weights else "pretrained"})
    del model  # free it before loading the next one
    free_memory()
display(per_photo)
display(pd.DataFrame(per_network))
say_if_random(MODEL_NAMES)

# %% [markdown]
# **Questions.** Answer from your tables (with the pretrained weights: run this in Colab if your
# machine has no network).
#
# **6a. (1 point)** Which predictions match your labels? Count them for each network.

# %% [markdown] tags=["manual"] id="compare_matches" points=1
# A good answer counts, for each of the three networks, the photos whose top-1 class matches the label
# (the same object, or a synonym or close subclass: "tabby" for a cat), e.g. "ResNet18 9/12, VGG16 8/12,
# AlexNet 6/12", and names the photos all three got right: typically a single, centred, well-lit object
# of a class ImageNet has (a dog breed, a car, a cup).

# %% [markdown]
# **6b. (2 points)** Pick two wrong predictions that you can explain, and explain them. (What is in the
# photo? What does ImageNet have or lack as classes? What else is in the picture?)

# %% [markdown] tags=["manual"] id="compare_explainable" points=2
# Two wrong predictions, each with a reason that fits the photo. Typical reasons: the object has no
# ImageNet class, so the network picks the closest one it has (ImageNet has "daisy" but no dahlia, and
# "palace", "monastery" and "stupa" but no pagoda); the network names something else in the picture,
# often the larger or more typical object (the "lakeside" around a boat); the photo looks like another class at 224 × 224 (a fluffy toy as "Persian cat", a
# close-up as a texture); squeezing the photo to a square distorts its shapes; an unusual viewpoint,
# lighting or clutter that ImageNet's photos rarely show. A low top-1 probability shows the network's
# own uncertainty.

# %% [markdown]
# **6c. (1 point)** Does a bigger network always do better? Compare parameters and accuracy.

# %% [markdown] tags=["manual"] id="compare_bigger" points=1
# No. VGG16 has 138 M parameters and 71.6 % top-1 accuracy, ResNet18 has 12× fewer (11.7 M) and nearly
# the same accuracy (69.8 %), AlexNet has 61 M and only 56.5 %. Accuracy comes from the architecture
# more than from the number of parameters: most of AlexNet's and VGG's parameters sit in the fully
# connected layers, while depth, small 3 × 3 filters, batch normalisation and residual connections make
# ResNet18 accurate with few parameters. On a dozen photos the ranking can differ from ImageNet's.

# %% [markdown]
# ## 7. What the network looks at (4 points)
#
# Which pixels matter for a prediction? Simonyan, Vedaldi and Zisserman (2014, *Deep Inside
# Convolutional Networks*) take the gradient of the class's **score** (the model's output for that class,
# before softmax) with respect to the input image: a pixel whose change would change the score most is
# important. The **saliency map** is, at each pixel, the largest absolute value of that gradient over the
# three colour channels:
#
# $$M_{ij} = \max_{c} \left| \frac{\partial S_{\text{target}}}{\partial x_{c,i,j}} \right|$$
#
# Write `saliency_map(model, image_tensor, target_class)`. Use autograd: make a copy of the image that
# requires gradients, add the batch axis, and get the gradient of the score with
# `torch.autograd.grad(score, x)` (or `score.backward()` and `x.grad`). Put the model in **eval mode**.
# Leave the model's **parameters as you found them**: gradients flow into them too when you call
# `.backward()`, so either use `torch.autograd.grad`, or put back their `.grad` (and `requires_grad`)
# afterwards; a later training step would otherwise use these stray gradients.

# %% tags=["solution"] id="saliency_map"
def saliency_map(model, image_tensor, target_class):
    """Saliency map (Simonyan et al., 2014) of one image for one class.

    Inputs:
    - model: a classifier mapping a batch of images (1, 3, H, W) to class scores (1, C)
    - image_tensor: one preprocessed image, float tensor of shape (3, H, W)
    - target_class: int, the class whose score S to explain, 0 <= target_class < C

    Returns:
    - saliency: array of shape (H, W) (NumPy or tensor): at each pixel, the maximum over the 3 colour
      channels of |dS / dpixel|, with S the model's score (output before softmax) for target_class,
      computed with autograd in eval mode; the parameters' requires_grad and .grad are left unchanged
    """
    ### BEGIN SOLUTION
    model.eval()
    parameter = next(model.parameters(), None)
    x = image_tensor.detach().to(parameter.device if parameter is not None else "cpu")
    x = x.unsqueeze(0).requires_grad_(True)
    score = model(x)[0, target_class]
    (gradient,) = torch.autograd.grad(score, x)
    return gradient[0].abs().amax(dim=0).cpu().numpy()
    ### END SOLUTION

# %% tags=["tests"] id="test_saliency_map_gradient" points=2
"""saliency_map matches the max over channels of |d score / d pixel| from autograd, for a small network in eval mode."""


def _small_network(seed, classes=5):
    """A seeded small CNN with batch normalisation (statistics set by a few batches) and dropout."""
    torch.manual_seed(seed)
    network = torch.nn.Sequential(
        torch.nn.Conv2d(3, 6, 3, padding=1), torch.nn.BatchNorm2d(6), torch.nn.ReLU(),
        torch.nn.Conv2d(6, 8, 3, stride=2), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(2),
        torch.nn.Flatten(), torch.nn.Dropout(0.3), torch.nn.Linear(32, classes))
    with torch.no_grad():
        for _ in range(3):
            network(torch.randn(8, 3, 12, 12) * 2 + 0.5)  # training mode: updates the running statistics
    return network


def _reference_saliency(network, image, target):
    """The same computation in float64 on a copy of the network, in eval mode."""
    reference = copy.deepcopy(network).double().eval()
    x = image.detach().double()[None].requires_grad_(True)
    (gradient,) = torch.autograd.grad(reference(x)[0, target], x)
    return gradient[0].abs().amax(dim=0)


_network = _small_network(0)
_image = torch.randn(3, 20, 24)
_expected = _reference_saliency(_network, _image, 3)
_saliency = call(saliency_map, _network, _image.clone(), 3)  # the network arrives in training mode
assert_type(_saliency, (np.ndarray, torch.Tensor), name="saliency_map(network, image, 3)")
assert_shape(_saliency, (20, 24), name="saliency_map(network, image, 3) for an image of shape (3, 20, 24)")
assert_close(_saliency, _expected, rtol=1e-3, atol=1e-5 * float(_expected.max()),
             name="saliency_map(network, image, 3) for an image of shape (3, 20, 24)")
### BEGIN HIDDEN TESTS
for _seed, _shape, _target, _classes_count in ((1, (3, 16, 16), 0, 5), (2, (3, 33, 21), 9, 10), (3, (3, 12, 40), 1, 2)):
    _network = _small_network(_seed, _classes_count)
    _image = torch.randn(_shape, generator=torch.Generator().manual_seed(_seed)) * 2
    _expected = _reference_saliency(_network, _image, _target)
    if _seed == 2:
        _network.eval()
    _label = f"saliency_map(network, image, {_target}) for an image of shape {_shape}, {_classes_count} classes"
    _saliency = call(saliency_map, _network, _image.clone(), _target)
    assert_type(_saliency, (np.ndarray, torch.Tensor), name=_label)
    assert_shape(_saliency, _shape[1:], name=_label)
    assert_close(_saliency, _expected, rtol=1e-3, atol=1e-5 * float(_expected.max()), name=_label)
### END HIDDEN TESTS

# %% tags=["tests"] id="test_saliency_map_state" points=1
"""saliency_map leaves the network's parameters' requires_grad and .grad as it found them."""
torch.manual_seed(0)
_network = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(),
                               torch.nn.Linear(4 * 6 * 6, 3))
_network[0].weight.requires_grad_(False)  # a frozen layer
_network[3].weight.grad = torch.ones_like(_network[3].weight)  # a gradient left by a training step
_before = [(name, p.requires_grad, None if p.grad is None else p.grad.clone()) for name, p in _network.named_parameters()]
_saliency = call(saliency_map, _network, torch.randn(3, 8, 8), 2)
assert_shape(_saliency, (8, 8), name="saliency_map(network, image, 2) for an image of shape (3, 8, 8)")
for (_name, _requires_grad, _grad), _p in zip(_before, _network.parameters()):
    assert_equal(_p.requires_grad, _requires_grad, name=f"{_name}.requires_grad after saliency_map")
    if _grad is None:
        assert_true(_p.grad is None, f"saliency_map left a gradient in {_name}.grad, which had none: "
                                     "use torch.autograd.grad(score, x), or put the .grad back")
    else:
        assert_true(_p.grad is not None, f"saliency_map removed the gradient {_name}.grad (zero_grad?)")
        assert_close(_p.grad, _grad, name=f"{_name}.grad after saliency_map (it must not change)")

# %% [markdown]
# The saliency of each network's top-1 class for your photos (brighter: more important). The networks
# are loaded one at a time again.

# %%
shown = list(range(min(len(photos), 1 if autograder.grading() else 6)))  # which photos: pick yours
display_size = transforms.Compose([transforms.Resize((224, 224)), transforms.ToTensor()])
maps, titles = {}, {}
try:
    for name in MODEL_NAMES:
        model, weights = load_model(name)
        for i in shown:
            image_tensor = photo_dataset[i]
            with torch.no_grad():
                top1 = int(model(image_tensor[None]).argmax())
            maps[name, i] = np.asarray(saliency_map(model, image_tensor, top1))
            titles[name, i] = f"{name}: {weights.meta['categories'][top1]}"
        del model
        free_memory()
except NotImplementedError:
    print("saliency_map is not written yet: come back here after exercise 7.")
else:
    fig, axes = plt.subplots(len(shown), 1 + len(MODEL_NAMES), figsize=(3.2 * (1 + len(MODEL_NAMES)), 3.2 * len(shown)),
                             squeeze=False)
    for row, i in enumerate(shown):
        axes[row, 0].imshow(display_size(photos[i]).permute(1, 2, 0).numpy())
        axes[row, 0].set_title(image_names[i])
        for column, name in enumerate(MODEL_NAMES, start=1):
            axes[row, column].imshow(maps[name, i], cmap="hot", vmax=np.percentile(maps[name, i], 99))
            axes[row, column].set_title(titles[name, i])
    for ax in axes.flat:
        ax.axis("off")
    fig.suptitle("Photos and the saliency of each network's top-1 class")
    fig.tight_layout()
    plt.show()
    say_if_random(MODEL_NAMES)

# %% [markdown]
# **Question (1 point).** Where is the saliency concentrated on your photos? Does it fall on the
# object the network named, and does it help explain a wrong prediction?

# %% [markdown] tags=["manual"] id="saliency_reading" points=1
# With pretrained weights the saliency is strongest on the object of the predicted class (its outline,
# eyes, wheels, texture), as a speckled, noisy pattern, and weak on a plain background. When a
# prediction is wrong, the map often shows why: the network looked at another object, at the
# background or context (water for "lakeside"), or at a texture. The three networks look at similar
# regions with different sharpness (VGG's maps are finer than AlexNet's). With random weights the maps
# are spread over the whole photo and mean nothing.

# %% [markdown]
# ## 8. A new head: transfer learning (6 points)
#
# The layers of a network trained on ImageNet compute general features: edges, textures, parts of
# objects. For a new task with little data, keep those layers **frozen** and train only a new last
# layer (a *linear probe*) on their output: feature extraction.
#
# ### 8a. A feature extractor (2 points)
#
# A torchvision ResNet ends with average pooling, a flattening and one linear layer, `model.fc`, whose
# input is the *penultimate features* (512 numbers per image for ResNet18). Write
# `feature_extractor(model)`: a module that maps a batch of images to these features, in eval mode
# (batch normalisation with its stored statistics: features must not depend on the rest of the batch),
# with **every parameter frozen** (`requires_grad=False`). Either
# `torch.nn.Sequential(*list(model.children())[:-1], torch.nn.Flatten())` or replacing `model.fc` by
# `torch.nn.Identity()` will do.

# %% tags=["solution"] id="feature_extractor"
def feature_extractor(model):
    """A frozen extractor of a ResNet's penultimate features.

    Inputs:
    - model: a torchvision ResNet, whose last layer model.fc maps the features (N, D) to classes

    Returns:
    - extractor: a torch.nn.Module mapping images (N, 3, H, W) to the features (N, D) that model.fc
      receives (D = 512 for ResNet18), computed in eval mode; all its parameters have requires_grad=False
    """
    ### BEGIN SOLUTION
    extractor = torch.nn.Sequential(*list(model.children())[:-1], torch.nn.Flatten())
    for parameter in extractor.parameters():
        parameter.requires_grad_(False)
    return extractor.eval()
    ### END SOLUTION

# %% tags=["tests"] id="test_feature_extractor_features" points=1
"""feature_extractor(resnet) maps 3 images to the (3, 512) features that resnet.fc receives, in eval mode."""


def _small_resnet(seed, classes=6):
    """A seeded ResNet of one block per stage (4.9 M parameters), batch-norm statistics set, training mode."""
    torch.manual_seed(seed)
    network = torchvision.models.resnet.ResNet(torchvision.models.resnet.BasicBlock, [1, 1, 1, 1],
                                               num_classes=classes)
    with torch.no_grad():
        network(torch.randn(4, 3, 32, 32) + 0.5)
    return network


def _reference_features(network, images):
    reference = copy.deepcopy(network).eval()
    reference.fc = torch.nn.Identity()
    with torch.no_grad():
        return reference(images)


_network = _small_resnet(0)
_images = torch.randn(3, 3, 32, 40)
_expected = _reference_features(_network, _images)
_extractor = call(feature_extractor, _network)
assert_type(_extractor, torch.nn.Module, name="feature_extractor(resnet)")
_features = call(_extractor, _images, name="feature_extractor(resnet)")
assert_type(_features, torch.Tensor, name="feature_extractor(resnet)(images)")
assert_shape(_features, (3, 512), name="feature_extractor(resnet)(images) for 3 images of 32 x 40")
assert_close(_features, _expected, rtol=1e-4, atol=1e-5,
             name="feature_extractor(resnet)(images) (the input of resnet.fc, in eval mode)")
### BEGIN HIDDEN TESTS
_network = _small_resnet(1, classes=3).eval()
for _shape in ((1, 3, 64, 64), (5, 3, 24, 36)):
    _images = torch.randn(_shape, generator=torch.Generator().manual_seed(_shape[0]))
    _expected = _reference_features(_network, _images)
    _features = call(call(feature_extractor, copy.deepcopy(_network)), _images, name="feature_extractor(resnet)")
    assert_shape(_features, (_shape[0], 512), name=f"feature_extractor(resnet)(images) for images {_shape}")
    assert_close(_features, _expected, rtol=1e-4, atol=1e-5, name=f"feature_extractor(resnet)(images) for images {_shape}")
### END HIDDEN TESTS

# %% tags=["tests"] id="test_feature_extractor_frozen" points=1
"""feature_extractor(resnet) holds the network's parameters but fc's, all frozen (requires_grad=False)."""
torch.manual_seed(0)
_network = torchvision.models.resnet.ResNet(torchvision.models.resnet.BasicBlock, [1, 1, 1, 1], num_classes=4)
_count = sum(p.numel() for p in _network.parameters()) - (512 * 4 + 4)  # all but fc's
_extractor = call(feature_extractor, _network)
assert_type(_extractor, torch.nn.Module, name="feature_extractor(resnet)")
_parameters = list(_extractor.parameters())
assert_equal(sum(p.numel() for p in _parameters), _count,
             name="number of parameters of feature_extractor(resnet) (all of resnet's but fc's)")
_trainable = sum(p.numel() for p in _parameters if p.requires_grad)
assert_true(_trainable == 0, f"feature_extractor(resnet) has {_trainable:,} trainable parameters: freeze them all "
                             "with p.requires_grad_(False)")

# %% [markdown]
# ### 8b. A linear head (3 points)
#
# Write `fit_linear_head(features, labels, num_classes, epochs, lr)`: a new `torch.nn.Linear(D, C)`
# trained on precomputed features with the cross-entropy loss (`F.cross_entropy`) and
# `torch.optim.SGD` with learning rate `lr`, one step on the whole set per epoch (zero the gradients,
# compute the loss, backpropagate, step).

# %% tags=["solution"] id="fit_linear_head"
def fit_linear_head(features, labels, num_classes, epochs, lr):
    """Train a linear classifier on precomputed features.

    Inputs:
    - features: float tensor (N, D), one feature vector per image
    - labels: int64 tensor (N,), the class of each image, in 0 .. num_classes - 1
    - num_classes: int, C
    - epochs: int, the number of full-batch gradient steps
    - lr: float, the learning rate of SGD

    Returns:
    - head: a torch.nn.Linear(D, C) (on the features' device) trained with cross-entropy and SGD
    """
    ### BEGIN SOLUTION
    head = torch.nn.Linear(features.shape[1], num_classes).to(features.device)
    optimizer = torch.optim.SGD(head.parameters(), lr=lr)
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = F.cross_entropy(head(features), labels)
        loss.backward()
        optimizer.step()
    return head
    ### END SOLUTION

# %% tags=["tests"] id="test_fit_linear_head_learns" points=3
"""fit_linear_head learns separable classes of features (here 3 classes, 5 features, 100 epochs) like SGD does."""


def _blobs(n, dimensions, classes, seed):
    """n feature vectors around `classes` well separated centres, labels in random order."""
    generator = torch.Generator().manual_seed(seed)
    centres = 3 * torch.randn(classes, dimensions, generator=generator)
    labels = torch.randint(0, classes, (n,), generator=generator)
    return centres[labels] + 0.5 * torch.randn(n, dimensions, generator=generator), labels


def _sgd_loss(features, labels, classes, epochs, lr):
    """The loss that full-batch SGD reaches from a random head (the statement's recipe)."""
    torch.manual_seed(123)
    head = torch.nn.Linear(features.shape[1], classes)
    optimizer = torch.optim.SGD(head.parameters(), lr=lr)
    for _ in range(epochs):
        optimizer.zero_grad()
        F.cross_entropy(head(features), labels).backward()
        optimizer.step()
    with torch.no_grad():
        return float(F.cross_entropy(head(features), labels))


def _check_head(head, features, labels, classes, epochs, lr, label):
    """The head's shape, and a loss and an accuracy on its training features like SGD's."""
    assert_type(head, torch.nn.Linear, name=label)
    assert_shape(head.weight, (classes, features.shape[1]), name=f"{label}.weight")
    assert_true(head.bias is not None, f"{label} has no bias: use torch.nn.Linear(D, C), which has one")
    with torch.no_grad():
        scores = head(features)
    loss = float(F.cross_entropy(scores, labels))
    accuracy = float((scores.argmax(dim=1) == labels).float().mean())
    reached = _sgd_loss(features, labels, classes, epochs, lr)
    assert_true(loss <= 2 * reached + 0.02,
                f"{label}: the head's loss on its training features is {loss:.3f}, from about ln {classes} = "
                f"{math.log(classes):.3f} untrained; {epochs} steps of SGD reach {reached:.3f} (is every epoch a step?)")
    assert_true(accuracy >= 0.95, f"{label}: the head classifies {accuracy:.0%} of its training features "
                                  "correctly; expected at least 95 % (are the labels kept in the features' order?)")


_features, _labels = _blobs(60, 5, 3, seed=0)
torch.manual_seed(0)
_head = call(fit_linear_head, _features.clone(), _labels.clone(), 3, 100, 0.05)
_check_head(_head, _features, _labels, 3, 100, 0.05, "fit_linear_head(features (60, 5), labels, 3, 100, 0.05)")
### BEGIN HIDDEN TESTS
for _n, _dimensions, _classes_count, _epochs, _lr in ((90, 12, 6, 150, 0.05), (40, 7, 2, 60, 0.1)):
    _features, _labels = _blobs(_n, _dimensions, _classes_count, seed=_n)
    torch.manual_seed(1)
    _head = call(fit_linear_head, _features.clone(), _labels.clone(), _classes_count, _epochs, _lr)
    _check_head(_head, _features, _labels, _classes_count, _epochs, _lr,
                f"fit_linear_head(features ({_n}, {_dimensions}), labels, {_classes_count}, {_epochs}, {_lr})")
_features, _labels = _blobs(50, 4, 3, seed=7)
_copy = _features.clone()
torch.manual_seed(2)
_head = call(fit_linear_head, _features, _labels, 3, 20, 0.1)
assert_close(_features, _copy, name="the features after fit_linear_head (it must not change them)")
_head = call(fit_linear_head, _features, _labels, 3, 0, 0.1)
assert_type(_head, torch.nn.Linear, name="fit_linear_head(features (50, 4), labels, 3, 0, 0.1) (0 epochs)")
assert_shape(_head.weight, (3, 4), name="fit_linear_head(features (50, 4), labels, 3, 0, 0.1).weight")
### END HIDDEN TESTS

# %% [markdown]
# Now the whole recipe on a small labelled set: CIFAR-10 (10 classes of 32 × 32 photos) where it can be
# downloaded, else scikit-learn's 8 × 8 handwritten digits; 10 labelled images per class to train on and
# 10 per class to test, upsampled to 224 × 224 and normalised like ImageNet's photos. The features come
# from ResNet18, frozen. For comparison, a small convolutional network is trained **from scratch** on
# the same images, for as long as the probe took (features and head).

# %%
per_class = 1 if autograder.grading() else 10
side = 56 if autograder.grading() else 224  # while grading, smaller images keep it fast
small_set = load_small_labelled_set(per_class)


def as_imagenet_batch(pictures):
    """uint8 pictures (N, h, w, 3) -> float tensor (N, 3, side, side), normalised like ImageNet's photos."""
    x = torch.tensor(pictures, dtype=torch.float32).permute(0, 3, 1, 2) / 255
    x = F.interpolate(x, size=(side, side), mode="bilinear", align_corners=False)
    return (x - torch.tensor(IMAGENET_MEAN)[:, None, None]) / torch.tensor(IMAGENET_STD)[:, None, None]


x_train, x_test = as_imagenet_batch(small_set.x_train), as_imagenet_batch(small_set.x_test)
y_train, y_test = torch.tensor(small_set.y_train), torch.tensor(small_set.y_test)
print(f"{small_set.source}: {len(x_train)} training and {len(x_test)} test images of {small_set.classes}")

# %%
def features_of(extractor, x, batch_size=25):
    """The extractor's features of images x (N, 3, H, W), computed batch by batch, on the CPU."""
    with torch.no_grad():
        return torch.cat([extractor(x[i:i + batch_size].to(compute_device)).cpu() for i in range(0, len(x), batch_size)])


def accuracy_of(scores, y):
    """The fraction of rows of scores (N, C) whose largest entry is at the class y (N,)."""
    return float((scores.argmax(dim=1) == y).float().mean())


start = time.perf_counter()
resnet, _ = load_model("resnet18")
frozen_resnet = feature_extractor(resnet).to(compute_device)
train_features, test_features = features_of(frozen_resnet, x_train), features_of(frozen_resnet, x_test)
# Standardise each feature with the training set's statistics: SGD then needs no tuning of lr.
mean, std = train_features.mean(dim=0), train_features.std(dim=0) + 1e-6
probe = fit_linear_head((train_features - mean) / std, y_train, 10, epochs=300, lr=0.1)
probe_seconds = time.perf_counter() - start
with torch.no_grad():
    probe_accuracy = accuracy_of(probe((test_features - mean) / std), y_test)
print(f"linear probe on ResNet18's features: {probe_accuracy:.0%} test accuracy in {probe_seconds:.1f} s "
      f"({count_parameters(probe, trainable_only=True):,} trained parameters)")
say_if_random(["resnet18"])
del resnet, frozen_resnet
free_memory()

# %%
torch.manual_seed(0)
scratch = torch.nn.Sequential(
    torch.nn.AvgPool2d(side // 28),  # down to 28 x 28 first: a small network for a small data set
    torch.nn.Conv2d(3, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Flatten(), torch.nn.Linear(32 * 7 * 7, 10)).to(compute_device)
adam = torch.optim.Adam(scratch.parameters(), lr=1e-3)
start, scratch_epochs = time.perf_counter(), 0
while time.perf_counter() - start < probe_seconds:  # the same time as the probe
    for i in torch.randperm(len(x_train)).split(20):
        adam.zero_grad()
        F.cross_entropy(scratch(x_train[i].to(compute_device)), y_train[i].to(compute_device)).backward()
        adam.step()
    scratch_epochs += 1
with torch.no_grad():
    scratch_accuracy = accuracy_of(scratch.eval()(x_test.to(compute_device)).cpu(), y_test)
print(f"small CNN from scratch: {scratch_accuracy:.0%} test accuracy after {scratch_epochs} epochs in "
      f"{time.perf_counter() - start:.1f} s ({count_parameters(scratch):,} trained parameters)")
print(f"linear probe: {probe_accuracy:.0%}")
if "resnet18" in random_weights:
    print("Offline, ResNet18's weights are random: its features are random projections of the pixels, not "
          "ImageNet's features, so the probe has no head start over a network trained for the task.")

# %% [markdown]
# **Question (1 point).** Compare the two accuracies. Why does a linear probe on pretrained features
# need so little data and time, and why does it lose its advantage when the weights are random (as
# offline)?

# %% [markdown] tags=["manual"] id="probe_vs_scratch" points=1
# With ImageNet weights the probe wins by a wide margin: the frozen layers already compute general
# features (edges, textures, object parts) learned from 1.2 million photos, so only a linear layer of
# 512 × 10 + 10 = 5,130 parameters is fitted, which 100 examples suffice for (and it trains in
# seconds: the features are computed once). The network from scratch must learn all its features
# from 100 images, so it overfits and stays well below. With random weights the "features" are random
# (if rich) projections of the pixels: the probe learns nothing from ImageNet and is just a linear
# model on a fixed random transform, so it does not beat a network trained for the task, and whatever
# wins offline says nothing about transfer learning.
