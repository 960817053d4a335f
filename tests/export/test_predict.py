"""Reading images for a network and predicting their classes; checked on real Fashion-MNIST images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from eas.build import build_model
from eas.checkpoint import DATASET_INFO_KEY, save_checkpoint
from eas.data import DatasetInfo, load_dataset, normalize
from eas.export import load_trained, predict, read_images
from eas.spec import parse_spec
from eas.train import TrainConfig
from eas.train.fit import fit
from tests.data.formats import REAL_FASHION_MNIST
from tests.export.conftest import ARCH, write_checkpoint

FASHION_NAMES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip


def _write_png(path: Path, pixels: np.ndarray) -> Path:
    Image.fromarray(pixels).save(path)
    return path


def test_grayscale_png_of_the_right_size_is_read_exactly(tmp_path: Path) -> None:
    pixels = np.arange(64, dtype=np.uint8).reshape(8, 8) * 3
    names, images = read_images([_write_png(tmp_path / "a.png", pixels)], (1, 8, 8))
    assert names == [str(tmp_path / "a.png")] and images.dtype == torch.uint8
    assert torch.equal(images, torch.from_numpy(pixels)[None, None])


def test_colour_images_of_another_size_are_made_grayscale_and_resized(tmp_path: Path) -> None:
    red = np.zeros((16, 16, 3), dtype=np.uint8)
    red[..., 0] = 200
    _, images = read_images([_write_png(tmp_path / "red.png", red)], (1, 8, 8))
    assert images.shape == (1, 1, 8, 8)
    # Pillow's luma of pure red 200 is 200 * 299 / 1000.
    assert int(images.min()) == int(images.max()) == round(200 * 0.299)
    _, rgb = read_images([tmp_path / "red.png"], (3, 4, 4))
    assert rgb.shape == (1, 3, 4, 4) and int(rgb[0, 0].min()) == 200 and int(rgb[0, 1:].max()) == 0


def test_an_npz_images_array_in_any_layout(tmp_path: Path) -> None:
    pixels = np.random.default_rng(0).integers(0, 256, size=(3, 8, 8), dtype=np.uint8)
    np.savez(tmp_path / "hw.npz", images=pixels)
    np.savez(tmp_path / "nhwc.npz", images=pixels[..., None])
    for name in ("hw.npz", "nhwc.npz"):
        names, images = read_images([tmp_path / name], (1, 8, 8))
        assert names == [f"{tmp_path / name}[{index}]" for index in range(3)]
        assert torch.equal(images[:, 0], torch.from_numpy(pixels))


def test_impossible_inputs_are_refused_with_the_reason(tmp_path: Path) -> None:
    png = _write_png(tmp_path / "a.png", np.zeros((8, 8), dtype=np.uint8))
    with pytest.raises(ValueError, match=r"cannot be converted to the network's input \(2, 8, 8\)"):
        read_images([png], (2, 8, 8))
    with pytest.raises(FileNotFoundError, match="no such image file"):
        read_images([tmp_path / "missing.png"], (1, 8, 8))
    (tmp_path / "notes.png").write_text("not an image")
    with pytest.raises(ValueError, match="not an image Pillow can read"):
        read_images([tmp_path / "notes.png"], (1, 8, 8))
    np.savez(tmp_path / "floats.npz", images=np.zeros((2, 8, 8), dtype=np.float32))
    with pytest.raises(ValueError, match="must be uint8"):
        read_images([tmp_path / "floats.npz"], (1, 8, 8))
    np.savez(tmp_path / "other.npz", x=np.zeros((2, 8, 8), dtype=np.uint8))
    with pytest.raises(ValueError, match="no array named 'images'"):
        read_images([tmp_path / "other.npz"], (1, 8, 8))
    with pytest.raises(ValueError, match="not both"):
        read_images([tmp_path / "other.npz", png], (1, 8, 8))
    with pytest.raises(ValueError, match="no images given"):
        read_images([], (1, 8, 8))


def test_predictions_are_the_argmax_of_the_softmax(toy_checkpoint) -> None:
    trained = load_trained(toy_checkpoint[0])
    images = torch.randint(0, 256, (5, 1, 8, 8), dtype=torch.uint8, generator=torch.Generator().manual_seed(2))
    predictions = predict(trained, images, [f"image{index}" for index in range(5)])
    network = build_model(trained.spec, trained.state).eval()
    with torch.no_grad():
        probabilities = torch.softmax(network(normalize(images, trained.info.mean, trained.info.std)), dim=1)
    assert [p.class_index for p in predictions] == probabilities.argmax(dim=1).tolist()
    assert [p.probability for p in predictions] == pytest.approx(probabilities.max(dim=1).values.tolist())
    assert all(p.class_name is None for p in predictions)  # the toy dataset has no class names


def test_flip_averaging_predicts_from_the_mean_of_each_image_and_its_mirror(tmp_path: Path) -> None:
    info = DatasetInfo("mirrored", (1, 8, 8), 4, (0.4,), (0.2,), 0, True)
    folder = write_checkpoint(tmp_path / "flips", ARCH, (1, 8, 8), {DATASET_INFO_KEY: info.to_dict()})
    trained = load_trained(folder)
    images = torch.randint(0, 256, (6, 1, 8, 8), dtype=torch.uint8, generator=torch.Generator().manual_seed(3))
    predictions = predict(trained, images, [str(index) for index in range(6)], flip_average=True)
    network = build_model(trained.spec, trained.state).eval()
    with torch.no_grad():
        both = [
            torch.softmax(network(normalize(view, info.mean, info.std)), dim=1) for view in (images, images.flip(3))
        ]
    probabilities = (both[0] + both[1]) / 2
    assert [p.class_index for p in predictions] == probabilities.argmax(dim=1).tolist()
    assert [p.probability for p in predictions] == pytest.approx(probabilities.max(dim=1).values.tolist())
    assert not torch.allclose(probabilities, both[0]), (
        "mirroring must change what the network says, or this shows nothing"
    )


def test_flip_averaging_is_refused_for_a_network_whose_dataset_never_flips(toy_checkpoint) -> None:
    images = torch.zeros((1, 1, 8, 8), dtype=torch.uint8)
    with pytest.raises(ValueError, match=r"--flip-average mirrors images.*leave --flip-average off"):
        predict(load_trained(toy_checkpoint[0]), images, ["zero"], flip_average=True)


@pytest.mark.skipif(
    not (REAL_FASHION_MNIST / "t10k-images-idx3-ubyte.gz").is_file(),
    reason=f"Fashion-MNIST is not installed in {REAL_FASHION_MNIST} (apt-get install dataset-fashion-mnist)",
)
def test_real_fashion_mnist_pngs_get_the_models_own_classes(tmp_path: Path) -> None:
    data = load_dataset("fashion-mnist", root=REAL_FASHION_MNIST, validation_size=5000, seed=0)
    spec = parse_spec("conv-8-3 pool conv-16-3 gap", (1, 28, 28), 10)
    model = build_model(spec, seed=0)
    # A short training, so that predictions vary from image to image and the comparison means something.
    fit(model, data, TrainConfig(epochs=1, train_subset=2000, batch_size=64, augment=False))
    metrics = {"dataset": "fashion-mnist", "data_root": str(REAL_FASHION_MNIST), "validation_size": 5000}
    folder = save_checkpoint(tmp_path / "fashion", spec, model.state_dict(), metrics)
    # The first test images of the IDX files, as the reader returns them, written as PNG files.
    pixels = data.test.images[:40, 0].numpy()
    labels = data.test.labels[:40]
    files = [_write_png(tmp_path / f"test-{index}.png", image) for index, image in enumerate(pixels)]

    trained = load_trained(folder)
    names, images = read_images(files, spec.input_shape)
    predictions = predict(trained, images, names)

    model.eval()
    with torch.no_grad():
        logits = model(normalize(torch.from_numpy(pixels)[:, None], data.info.mean, data.info.std))
    expected = logits.argmax(dim=1).tolist()
    assert [p.class_index for p in predictions] == expected
    assert [p.class_name for p in predictions] == [FASHION_NAMES[index] for index in expected]
    assert len(set(expected)) > 2, "the trained network should not answer one class for everything"
    assert sum(index == label for index, label in zip(expected, labels.tolist(), strict=True)) > 4  # chance: 4
