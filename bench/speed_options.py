"""What buys training speed on this CPU: torch.compile, bfloat16 autocast, batch size and threads.

Each option trains the same network from the same weights for one epoch on the same images with
`eas.train.fit`; options alternate within each round so machine noise hits all alike. Printed:
median images/s, the ratio to the default (fp32, eager, batch 128, all threads), and the spread of
that ratio over rounds. A compiled or bf16 step must also reach the same loss: the final training
loss of each option is printed next to its speed.

    python bench/speed_options.py [--arch "..."] [--images 3840] [--repeats 3] [--only OPTION ...]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import replace

import torch

from eas.build import build_model
from eas.data import Split, load_dataset
from eas.spec import NetSpec
from eas.train import TrainConfig, fit

HAND_DESIGNED = "conv-32-3 conv-32-3 pool conv-64-3 conv-64-3 pool conv-128-3 conv-128-3 gap fc-128"


def options(threads: int) -> dict[str, Callable[[torch.nn.Module, TrainConfig], tuple]]:
    """name -> (model, config, context) for one timed run."""

    def default(model, config):
        return model, config, nullcontext()

    def compiled(model, config):
        return torch.compile(model), config, nullcontext()

    def bfloat16(model, config):
        # The trainer's own mixed precision: autocast around the forward pass only. An earlier version of
        # this benchmark wrapped all of `fit` in autocast instead, which the trainer's own
        # `autocast(enabled=mixed_precision)` switches off again inside each step, so that row timed fp32
        # (docs/RESULTS.md); it is gone.
        return model, replace(config, mixed_precision=True), nullcontext()

    def batch(size: int):
        return lambda model, config: (model, replace(config, batch_size=size), nullcontext())

    def one_thread(model, config):
        return model, config, _threads(1, threads)

    return {
        "default": default,
        "torch.compile": compiled,
        "bf16 autocast": bfloat16,
        "batch 64": batch(64),
        "batch 256": batch(256),
        "1 thread": one_thread,
    }


class _threads:
    """Run with `count` intra-op threads, then restore `previous` (a benchmark owns its process)."""

    def __init__(self, count: int, previous: int) -> None:
        self.count, self.previous = count, previous

    def __enter__(self) -> None:
        torch.set_num_threads(self.count)

    def __exit__(self, *exc: object) -> None:
        torch.set_num_threads(self.previous)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--arch", default=HAND_DESIGNED)
    parser.add_argument("--images", type=int, default=3840)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", nargs="+", metavar="OPTION", help="time these options only (default first)")
    args = parser.parse_args()
    threads = torch.get_num_threads()
    available = options(threads)
    unknown = sorted(set(args.only or []) - set(available))
    if unknown:
        parser.error(f"unknown option(s) {unknown}; choose from {sorted(available)}")
    names = ["default", *[name for name in args.only if name != "default"]] if args.only else list(available)
    data = load_dataset("fashion-mnist")
    subset = replace(data, train=Split(data.train.images[: args.images], data.train.labels[: args.images]))
    no_validation = Split(data.validation.images[:0], data.validation.labels[:0])
    spec = NetSpec.parse(args.arch)
    initial = build_model(spec, seed=0).state_dict()
    base = TrainConfig(epochs=1, batch_size=128, learning_rate=0.05, schedule="step", seed=0)
    print(f"torch {torch.__version__}, {threads} threads, {args.images} images, {spec.to_string()}")
    speeds: dict[str, list[float]] = {}
    losses: dict[str, float] = {}
    for round_index in range(args.repeats + 1):
        for name in names:
            model, config, context = available[name](build_model(spec, initial), base)
            started = time.perf_counter()
            with context:
                result = fit(model, subset, config, validation=no_validation)
            seconds = time.perf_counter() - started
            if round_index == 0:
                continue  # the first round pays for compilation and allocation; it is not timed
            speeds.setdefault(name, []).append(args.images / seconds)
            losses[name] = result.train_loss[-1] if result.train_loss else float("nan")
    default = speeds["default"]
    print(f"{'option':<16}{'images/s':>10}{'x default':>11}{'spread':>13}{'final loss':>12}")
    for name, values in speeds.items():
        ratios = [value / reference for value, reference in zip(values, default, strict=True)]
        spread = f"{min(ratios):.2f}..{max(ratios):.2f}"
        print(
            f"{name:<16}{statistics.median(values):>10.0f}{statistics.median(ratios):>11.2f}{spread:>13}"
            f"{losses[name]:>12.3f}"
        )


if __name__ == "__main__":
    main()
