"""Training throughput of `eas.train` against minimal hand-written PyTorch loops, in one process.

All train the same architecture from the same initial weights on the same Fashion-MNIST images with
the same batch size (augmentation on for eas, which is part of its real cost; off with --no-augment).
Two bare loops: the plainest one (NCHW batches) and the best one we know (batches in channels_last,
which oneDNN's CPU convolutions prefer). Runs alternate within each round (bare, best bare, eas) for
many short rounds, so machine noise hits all three alike; printed: medians, the ratio eas / best bare
loop (goal >= 0.95) with its spread over rounds (min..max), and the best loop's GFLOP/s (training ~ 3x
forward FLOPs).

On a GPU (`--device cuda`) the bare loops keep the images on the device, the best they can do, and
every timing ends with a synchronisation.

    python bench/throughput.py [--arch "..."] [--images 3000] [--repeats 8] [--device cuda] [--mixed-precision]
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import replace

import torch
import torch.nn.functional as functional

from eas.build import build_model
from eas.data import Split, load_dataset, normalize
from eas.spec import parse_spec
from eas.train import TrainConfig, fit

ARCHES = (
    "conv-16-3 pool conv-32-3 pool conv-64-3 gap fc-64",
    "conv-32-3 conv-32-3 pool conv-64-3 conv-64-3 pool conv-128-3 conv-128-3 gap fc-128",
)


def bare_loop(
    model: torch.nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    batch: int,
    mean,
    std,
    memory_format: torch.memory_format = torch.contiguous_format,
    device: torch.device | None = None,
) -> float:
    """The shortest honest loop: shuffle, normalise, forward, backward, SGD step. Returns seconds."""
    device = device if device is not None else torch.device("cpu")
    model.to(device=device, memory_format=memory_format)
    images, labels = images.to(device), labels.to(device)
    _synchronize(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9, nesterov=True, weight_decay=1e-4)
    model.train()
    started = time.perf_counter()
    order = torch.randperm(len(labels), device=device)
    for start in range(0, len(labels), batch):
        index = order[start : start + batch]
        inputs = normalize(images[index], mean, std).contiguous(memory_format=memory_format)
        loss = functional.cross_entropy(model(inputs), labels[index])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    _synchronize(device)
    return time.perf_counter() - started


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--arch", action="append", default=None)
    parser.add_argument("--images", type=int, default=3000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=8)
    parser.add_argument("--no-augment", action="store_true")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument(
        "--mixed-precision", action="store_true", help="eas trains in bfloat16 autocast (the bare loops stay float32)"
    )
    parser.add_argument(
        "--data-root", default=None, help="folder of the Fashion-MNIST files (default: the usual places)"
    )
    args = parser.parse_args()
    device = torch.device(args.device)
    data = load_dataset("fashion-mnist", root=args.data_root)
    images, labels = data.train.images[: args.images], data.train.labels[: args.images]
    subset = replace(data, train=Split(images.contiguous(), labels))
    no_validation = Split(data.validation.images[:0], data.validation.labels[:0])  # time training only
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.images} images, batch {args.batch_size}, "
        f"device {torch.cuda.get_device_name(device) if device.type == 'cuda' else 'cpu'}"
    )
    print(f"{'architecture':<44} {'bare':>7} {'best bare':>9} {'eas':>7} {'eas/best':>8} {'spread':>11} {'GFLOP/s':>8}")
    for arch in args.arch or ARCHES:
        spec = parse_spec(arch)
        initial = build_model(spec, seed=0).state_dict()
        config = TrainConfig(
            epochs=1,
            batch_size=args.batch_size,
            augment=not args.no_augment,
            seed=0,
            device=args.device,
            mixed_precision=args.mixed_precision,
        )
        times: dict[str, list[float]] = {"bare": [], "best": [], "eas": []}
        for _ in range(args.repeats):
            for name, memory_format in (("bare", torch.contiguous_format), ("best", torch.channels_last)):
                model = build_model(spec, initial)
                times[name].append(
                    bare_loop(
                        model, images, labels, args.batch_size, data.info.mean, data.info.std, memory_format, device
                    )
                )
            result = fit(build_model(spec, initial), subset, config, validation=no_validation)
            _synchronize(device)
            times["eas"].append(result.seconds)
        median = {name: statistics.median(values) for name, values in times.items()}
        ratios = [best / eas for best, eas in zip(times["best"], times["eas"], strict=True)]
        gflops = 3 * spec.flops() * args.images / median["best"] / 1e9
        speeds = [args.images / median[name] for name in ("bare", "best", "eas")]
        spread = f"{min(ratios):.2f}..{max(ratios):.2f}"
        print(
            f"{arch[:44]:<44} {speeds[0]:>7.0f} {speeds[1]:>9.0f} {speeds[2]:>7.0f} "
            f"{median['best'] / median['eas']:>8.2f} {spread:>11} {gflops:>8.1f}"
        )


if __name__ == "__main__":
    main()
