"""`eas info`: layers, blocks, parameters and FLOPs of an architecture."""

from __future__ import annotations

import argparse
from typing import Any

from eas.cli.common import DEFAULT_ARCH, parse_shape


def add_parser(subparsers: Any) -> None:
    """Register `eas info`."""
    parser = subparsers.add_parser("info", help="describe an architecture")
    parser.add_argument("--arch", default=DEFAULT_ARCH, help="token string (default: %(default)s)")
    parser.add_argument("--input-shape", type=parse_shape, default=(1, 28, 28), help="C,H,W (default 1,28,28)")
    parser.add_argument("--classes", type=int, default=10)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the architecture's table."""
    from eas.spec import NetSpec

    spec = NetSpec.parse(args.arch, args.input_shape, args.classes)
    block_of = {index: block.index for block in spec.blocks() for index in block.layer_indices}
    print(f"architecture: {spec.to_string()}")
    print(f"input {spec.input_shape}, {spec.num_classes} classes")
    print(f"{'#':>3}  {'layer':<12} {'block':>5}  output")
    for index, (layer, shape) in enumerate(zip(spec.layers, spec.feature_shapes(), strict=True)):
        block = block_of.get(index, "")
        print(f"{index:>3}  {layer.token():<12} {block!s:>5}  {'x'.join(str(size) for size in shape)}")
    print(f"  -  classifier          {spec.num_classes}")
    print(f"blocks: {len(spec.blocks())}")
    print(f"parameters: {spec.num_params():,}")
    print(f"FLOPs per image (multiply-add = 2): {spec.flops():,}")
    return 0
