"""`eas info`: layers, blocks, parameters and FLOPs of an architecture."""

from __future__ import annotations

import argparse
from typing import Any

from eas.cli.common import DEFAULT_ARCH, parse_shape


def add_parser(subparsers: Any) -> None:
    """Register `eas info`."""
    parser = subparsers.add_parser("info", help="describe an architecture")
    parser.add_argument(
        "--arch",
        default=DEFAULT_ARCH,
        help="token string, plain or 'densenet-bc ...' (e.g. 'densenet-bc depth=40 growth=12'; default: %(default)s)",
    )
    parser.add_argument("--input-shape", type=parse_shape, default=(1, 28, 28), help="C,H,W (default 1,28,28)")
    parser.add_argument("--classes", type=int, default=10)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the architecture's table."""
    from eas.spec import DenseNetSpec, parse_spec

    spec = parse_spec(args.arch, args.input_shape, args.classes)
    if isinstance(spec, DenseNetSpec):
        _print_dense(spec)
    else:
        _print_plain(spec)
    print(f"parameters: {spec.num_params():,}")
    print(f"FLOPs per image (multiply-add = 2): {spec.flops():,}")
    return 0


def _print_plain(spec: Any) -> None:
    block_of = {index: block.index for block in spec.blocks() for index in block.layer_indices}
    print(f"architecture: {spec.to_string()}")
    print(f"input {spec.input_shape}, {spec.num_classes} classes")
    print(f"{'#':>3}  {'layer':<12} {'block':>5}  output")
    for index, (layer, shape) in enumerate(zip(spec.layers, spec.feature_shapes(), strict=True)):
        block = block_of.get(index, "")
        print(f"{index:>3}  {layer.token():<12} {block!s:>5}  {'x'.join(str(size) for size in shape)}")
    print(f"  -  classifier          {spec.num_classes}")
    print(f"blocks: {len(spec.blocks())}")


def _print_dense(spec: Any) -> None:
    from eas.spec.dense import BOTTLENECK_FACTOR, MINIBLOCK, STEM

    block_of = {index: block.index for block in spec.blocks() for index in block.miniblocks}
    print(f"architecture: {spec.to_string()}")
    print(f"input {spec.input_shape}, {spec.num_classes} classes")
    print(f"{'#':>3}  {'unit':<8} {'block':>5}  {'reads':>6}  {'writes':>6}  map    what")
    sizes = spec.spatial_sizes()
    for index, (unit, channels) in enumerate(zip(spec.layers, spec.input_channels(), strict=True)):
        height, width = sizes[index]
        if unit.kind == STEM:
            what, writes = "3x3 conv", unit.width
        elif unit.kind == MINIBLOCK:
            what, writes = (
                f"1x1 conv to {BOTTLENECK_FACTOR * unit.width}, 3x3 conv to {unit.width}",
                channels + unit.width,
            )
        else:
            what, writes = "1x1 conv, 2x2 avg pool", unit.width
        block = block_of.get(index, "")
        print(f"{index:>3}  {unit.token():<8} {block!s:>5}  {channels:>6}  {writes:>6}  {height}x{width:<4} {what}")
    print(f"  -  final BN-ReLU, global pool, classifier {spec.output_channels()} -> {spec.num_classes}")
    print(f"dense blocks: {len(spec.blocks())}")
