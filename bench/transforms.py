"""Benchmark: cost of the network transformations against one SGD training step of the same network.

Builds a paper-scale plain CNN (20 convs in 5 blocks, 32..512 filters, 3x32x32 input, fc-512) and
prints the median time of widen (conv, fc) and deepen (each kernel, with and without a calibration
batch of 64) next to one training step at batch 64, as a ratio (goal: below 1). Then the same for
the paper's DenseNet start (DenseNet-BC, L = 40, k = 12, on 3x32x32): a miniblock's growth widened,
a miniblock copied, a transition widened. Prints only.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch
import torch.nn.functional as functional

from eas.build import build_model
from eas.spec import DenseNetSpec, NetSpec, Spec
from eas.spec.dense import MINIBLOCK, TRANSITION
from eas.transforms import deepen, widen

BATCH_SIZE = 64


def paper_scale_spec(quick: bool) -> NetSpec:
    """20 convs (5 blocks of 4, 32..512 filters) and fc-512; `quick`: 9 convs up to 128 filters."""
    widths = (16, 32, 64) if quick else (32, 64, 128, 256, 512)
    convs_per_block = 3 if quick else 4
    blocks = [" ".join([f"conv-{width}-3"] * convs_per_block) for width in widths]
    units = 128 if quick else 512
    return NetSpec.parse(" pool ".join(blocks) + f" gap fc-{units}", (3, 32, 32), 10)


def median_seconds(action: Callable[[], object], repetitions: int) -> float:
    """Median wall time of `action` over `repetitions` runs, after one warm-up run."""
    action()
    times = []
    for _ in range(repetitions):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def training_step_seconds(spec: Spec, repetitions: int) -> float:
    """One SGD step (forward, backward, update) at batch 64, Nesterov momentum as in EAS."""
    model = build_model(spec).train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9, nesterov=True, weight_decay=1e-4)
    images = torch.randn(BATCH_SIZE, *spec.input_shape)
    labels = torch.randint(0, spec.num_classes, (BATCH_SIZE,))

    def step() -> None:
        loss = functional.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return median_seconds(step, repetitions)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller network and fewer repetitions")
    parser.add_argument("--repetitions", type=int, default=None, help="timed runs per row (default 3, quick 2)")
    arguments = parser.parse_args(argv)
    repetitions = arguments.repetitions or (2 if arguments.quick else 3)

    torch.manual_seed(0)
    spec = paper_scale_spec(arguments.quick)
    state = {key: value.detach().clone() for key, value in build_model(spec).state_dict().items()}
    calibration = torch.randn(BATCH_SIZE, *spec.input_shape)
    convs = [index for index, layer in enumerate(spec.layers) if layer.kind == "conv"]
    widest_conv = convs[-1]
    middle_conv = convs[len(convs) // 2]
    fc = len(spec.layers) - 1
    generator = torch.Generator().manual_seed(0)

    rows: list[tuple[str, Callable[[], object]]] = [
        (
            f"widen {spec.layers[index].token()} -> x1.25",
            lambda index=index: widen(spec, state, index, spec.layers[index].width * 5 // 4, generator=generator),
        )
        for index in (middle_conv, widest_conv, fc)
    ]
    for kernel_size in (1, 3, 5):
        for calibrated in (False, True):
            label = f"deepen after {spec.layers[widest_conv].token()}, k{kernel_size}" + (
                " +calib64" if calibrated else ""
            )
            rows.append(
                (
                    label,
                    lambda kernel_size=kernel_size, calibrated=calibrated: deepen(
                        spec,
                        state,
                        widest_conv,
                        kernel_size=kernel_size,
                        calibration=calibration if calibrated else None,
                        generator=generator,
                    ),
                )
            )
    rows.append(("deepen after fc, +calib64", lambda: deepen(spec, state, fc, calibration=calibration)))

    print_table(spec, rows, repetitions)
    dense = DenseNetSpec.parse(
        "densenet-bc depth=22 growth=8" if arguments.quick else "densenet-bc depth=40 growth=12", (3, 32, 32), 10
    )
    print()
    print_table(dense, dense_rows(dense, generator), repetitions)
    return 0


def dense_rows(spec: DenseNetSpec, generator: torch.Generator) -> list[tuple[str, Callable[[], object]]]:
    """Widen the first and the last miniblock's growth by half, copy a middle miniblock, widen a transition."""
    state = {key: value.detach().clone() for key, value in build_model(spec).state_dict().items()}
    miniblocks = [index for index, unit in enumerate(spec.layers) if unit.kind == MINIBLOCK]
    transition = next(index for index, unit in enumerate(spec.layers) if unit.kind == TRANSITION)
    rows: list[tuple[str, Callable[[], object]]] = []
    for index in (miniblocks[0], miniblocks[-1]):
        growth = spec.layers[index].width * 3 // 2
        label = f"widen miniblock {index} {spec.layers[index].token()} -> g{growth}"
        rows.append((label, lambda index=index, growth=growth: widen(spec, state, index, growth, generator=generator)))
    middle = miniblocks[len(miniblocks) // 2]
    rows.append((f"deepen: copy miniblock {middle}", lambda: deepen(spec, state, middle, generator=generator)))
    width = spec.layers[transition].width * 5 // 4
    label = f"widen transition {transition} {spec.layers[transition].token()} -> t{width}"
    rows.append((label, lambda: widen(spec, state, transition, width, generator=generator)))
    return rows


def print_table(spec: Spec, rows: list[tuple[str, Callable[[], object]]], repetitions: int) -> None:
    """The network, one training step's time, then each transform's median time and its ratio to the step."""
    print(f"network: {spec.to_string()}")
    print(f"parameters: {spec.num_params():,}; torch threads: {torch.get_num_threads()}; repetitions: {repetitions}")
    step = training_step_seconds(spec, repetitions)
    print(f"one SGD training step (batch {BATCH_SIZE}): {step * 1000:.1f} ms\n")
    print(f"{'transform':<44} {'median ms':>10} {'/ step':>8}")
    for label, action in rows:
        seconds = median_seconds(action, repetitions)
        print(f"{label:<44} {seconds * 1000:>10.1f} {seconds / step:>8.3f}")


if __name__ == "__main__":
    raise SystemExit(main())
