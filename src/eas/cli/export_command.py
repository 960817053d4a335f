"""`eas export`: write the best network of a run (or a checkpoint) as ONNX, TorchScript or safetensors."""

from __future__ import annotations

import argparse
import sys
from typing import Any

FORMAT_CHOICES = ("onnx", "torchscript", "safetensors")  # eas.export.FORMATS, without importing torch here


def add_parser(subparsers: Any) -> None:
    """Register `eas export`."""
    parser = subparsers.add_parser(
        "export",
        help="write a trained network with its input normalisation as ONNX, TorchScript or safetensors",
        description="The exported network takes float32 N x C x H x W images on the 0..1 scale (pixel / 255), "
        "any batch size, and returns logits.",
    )
    parser.add_argument("source", metavar="RUN|CKPT", help="search run directory or checkpoint folder")
    parser.add_argument("--format", required=True, choices=FORMAT_CHOICES, help="file format")
    parser.add_argument("--out", required=True, help="file to write")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Export, then print the largest difference between the file's outputs and PyTorch's."""
    from eas.export import export_network, load_trained

    trained = load_trained(args.source)
    print(f"exporting the {trained.origin}: {trained.spec.to_string()}", file=sys.stderr)
    result = export_network(trained, args.format, args.out)
    checker = "onnxruntime" if result.format == "onnx" else "the file read back"
    print(f"wrote {result.path} ({result.format})")
    print(f"input: float32 N x {' x '.join(map(str, trained.spec.input_shape))} images on the 0..1 scale")
    print(
        f"max abs difference to PyTorch ({checker}, batch of {result.checked_batch_size}): "
        f"{result.max_abs_difference:.3g}"
    )
    return 0
