"""Training throughput of `eas.train` against a minimal hand-written PyTorch loop, in one process.

Both train the same architecture from the same initial weights on the same Fashion-MNIST images with
the same batch size (augmentation on for eas, which is part of its real cost; off with --no-augment).
Runs alternate (bare, eas, bare, eas, ...) so machine noise hits both; the ratio of medians is
printed, goal >= 0.95, with the bare loop's achieved GFLOP/s (training ~ 3x forward FLOPs).

    python bench/throughput.py [--arch "..."] [--images 6000] [--repeats 3]
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
from eas.spec import NetSpec
from eas.train import TrainConfig, fit

ARCHES = (
    "conv-16-3 pool conv-32-3 pool conv-64-3 gap fc-64",
    "conv-32-3 conv-32-3 pool conv-64-3 conv-64-3 pool conv-128-3 conv-128-3 gap fc-128",
)


def bare_loop(model: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor, batch: int, mean, std) -> float:
    """The shortest honest loop: shuffle, normalise, forward, backward, SGD step. Returns seconds."""
    optimizer = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9, nesterov=True, weight_decay=1e-4)
    model.train()
    started = time.perf_counter()
    order = torch.randperm(len(labels))
    for start in range(0, len(labels), batch):
        index = order[start : start + batch]
        loss = functional.cross_entropy(model(normalize(images[index], mean, std)), labels[index])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--arch", action="append", default=None)
    parser.add_argument("--images", type=int, default=6000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-augment", action="store_true")
    args = parser.parse_args()
    data = load_dataset("fashion-mnist")
    images, labels = data.train.images[: args.images], data.train.labels[: args.images]
    subset = replace(data, train=Split(images.contiguous(), labels))
    no_validation = Split(data.validation.images[:0], data.validation.labels[:0])  # time training only
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.images} images, batch {args.batch_size}"
    )
    print(f"{'architecture':<60} {'bare img/s':>10} {'eas img/s':>10} {'ratio':>6} {'GFLOP/s':>8}")
    for arch in args.arch or ARCHES:
        spec = NetSpec.parse(arch)
        torch.manual_seed(0)
        initial = build_model(spec).state_dict()
        config = TrainConfig(epochs=1, batch_size=args.batch_size, augment=not args.no_augment, seed=0)
        bare_times, eas_times = [], []
        for _ in range(args.repeats):
            bare_times.append(
                bare_loop(build_model(spec, initial), images, labels, args.batch_size, data.info.mean, data.info.std)
            )
            model = build_model(spec, initial)
            result = fit(model, subset, config, validation=no_validation)
            eas_times.append(result.seconds)
        bare, eas = statistics.median(bare_times), statistics.median(eas_times)
        gflops = 3 * spec.flops() * args.images / bare / 1e9
        print(
            f"{arch[:60]:<60} {args.images / bare:>10.0f} {args.images / eas:>10.0f} {bare / eas:>6.2f} {gflops:>8.2f}"
        )


if __name__ == "__main__":
    main()
