"""`eas predict`: classify image files (PNG/JPEG, or one .npz) with the best network of a run or a checkpoint."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(subparsers: Any) -> None:
    """Register `eas predict`."""
    parser = subparsers.add_parser("predict", help="classify PNG/JPEG images (or one .npz) with a trained network")
    parser.add_argument("source", metavar="RUN|CKPT", help="search run directory or checkpoint folder")
    parser.add_argument(
        "images",
        metavar="IMAGES",
        nargs="+",
        help="PNG/JPEG files (resized and converted to the network's input), or one .npz with an `images` array",
    )
    parser.add_argument(
        "--flip-average",
        action="store_true",
        help="average the probabilities for each image and its mirror image (twice the cost; datasets whose "
        "training flips images, e.g. Fashion-MNIST and CIFAR-10)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print one line per image: its name, the predicted class and its probability."""
    from eas.export import load_trained, predict, read_images

    trained = load_trained(args.source)
    names, images = read_images(args.images, trained.spec.input_shape)
    for prediction in predict(trained, images, names, flip_average=args.flip_average):
        label = str(prediction.class_index)
        if prediction.class_name is not None:
            label += f" {prediction.class_name}"
        print(f"{prediction.source}\t{label}\t{100 * prediction.probability:.1f}%")
    return 0
