"""Benchmark and check: how exactly do random widen/deepen sequences (noise 0) preserve a network's function?

Generates random plain CNNs with random weights and BatchNorm statistics (the distribution of the
property tests in tests/transforms/), applies 1-6 random widen/deepen edits to each and prints the
worst and median eval-mode max |logit difference| relative to max(1, max |logit|), and the worst
train-mode difference after calibrating the inserted layers. Exit status 1 if a bound is broken.

    python bench/properties.py [--networks 1500] [--seed 0]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from dataclasses import dataclass

import torch

from eas.build import build_model
from eas.spec import NetSpec
from eas.spec.layers import AVG_POOL, CONV, FC, GLOBAL_POOL, KERNEL_SIZES, MAX_POOL, LayerSpec
from eas.transforms import calibrate, check_preserved, deepen, widen
from eas.transforms.state import StateDict, expected_shapes

# The bounds of tests/transforms/test_properties.py, so that this script doubles as a check.
EVAL_TOLERANCE = 1e-5
TRAIN_TOLERANCE = 1e-3
# The input shapes of the property tests: grey and colour, square and not, all small enough that
# 1,500 networks take minutes on one thread.
INPUT_SHAPES = ((1, 8, 8), (3, 12, 12), (2, 9, 7))
MAX_WIDTH = 24
EVAL_BATCH_SIZES = (1, 5)
CALIBRATION_BATCH_SIZE = 5


@dataclass(frozen=True)
class CaseResult:
    """One generated network: its architecture before and after the edits, and the measured figures."""

    case: int
    before: str
    after: str
    input_shape: tuple[int, int, int]
    edits: tuple[str, ...]
    widen_count: int
    deepen_count: int
    eval_relative: float
    calibrated_eval_relative: float
    calibrated_train_relative: float
    uncalibrated_train_relative: float


def random_spec(rng: random.Random) -> NetSpec:
    """1-4 blocks of 1-3 convs (widths 1..24, kernels 1/3/5), 2x2 pools between blocks while the map
    is at least 2x2, a global pool, 0-2 fc layers (1..24 units) and 2..10 classes."""
    input_shape = rng.choice(INPUT_SHAPES)
    height, width = input_shape[1:]
    layers: list[LayerSpec] = []
    block_count = rng.randint(1, 4)
    for block in range(block_count):
        for _ in range(rng.randint(1, 3)):
            layers.append(LayerSpec(CONV, rng.randint(1, MAX_WIDTH), rng.choice(KERNEL_SIZES), len(layers)))
        if block < block_count - 1 and min(height, width) >= 2:
            layers.append(LayerSpec(rng.choice((MAX_POOL, AVG_POOL)), layer_id=len(layers)))
            height, width = height // 2, width // 2
    layers.append(LayerSpec(GLOBAL_POOL, layer_id=len(layers)))
    for _ in range(rng.randint(0, 2)):
        layers.append(LayerSpec(FC, rng.randint(1, MAX_WIDTH), 0, len(layers)))
    return NetSpec(tuple(layers), input_shape, rng.randint(2, 10))


def random_state(spec: NetSpec, generator: torch.Generator) -> StateDict:
    """Random weights scaled by fan-in (activations stay of order 1) and random BN parameters and
    running statistics: a transform that only works for a freshly initialised BN cannot pass."""
    state: StateDict = {}
    for key, shape in expected_shapes(spec).items():
        if key.endswith("num_batches_tracked"):
            state[key] = torch.randint(0, 100, (), generator=generator)
        elif key.endswith("bn.weight"):
            state[key] = torch.empty(shape).uniform_(0.5, 1.5, generator=generator)
        elif key.endswith("bn.running_var"):
            state[key] = torch.empty(shape).uniform_(0.5, 2.0, generator=generator)
        elif key.endswith(("bn.bias", "bn.running_mean", "classifier.bias")):
            state[key] = 0.3 * torch.randn(shape, generator=generator)
        else:
            fan_in = 1
            for size in shape[1:]:
                fan_in *= size
            state[key] = torch.randn(shape, generator=generator) * (2.0 / fan_in) ** 0.5
    return state


def apply_random_edits(
    rng: random.Random, spec: NetSpec, state: StateDict, generator: torch.Generator
) -> tuple[NetSpec, StateDict, list[int], list[str]]:
    """1-6 widen (1-8 extra units) or deepen (kernel 1/3/5) edits, noise 0, on random conv and fc
    layers; returns the new network, the ids of the inserted layers and a description of each edit."""
    inserted: list[int] = []
    descriptions: list[str] = []
    for _ in range(rng.randint(1, 6)):
        weighted = [index for index, layer in enumerate(spec.layers) if layer.is_weighted]
        index = rng.choice(weighted)
        token = spec.layers[index].token()
        if rng.random() < 0.5:
            width = spec.layers[index].width + rng.randint(1, 8)
            descriptions.append(f"widen {index} ({token}) to {width}")
            spec, state = widen(spec, state, index, width, noise=0.0, generator=generator)
        else:
            kernel_size = rng.choice(KERNEL_SIZES)
            # An fc layer ignores the kernel; it is drawn anyway so that every edit uses the same draws.
            shape = f", kernel {kernel_size}" if spec.layers[index].kind == CONV else ""
            descriptions.append(f"deepen after {index} ({token}){shape}")
            spec, state = deepen(spec, state, index, kernel_size=kernel_size, noise=0.0, generator=generator)
            inserted.append(spec.layers[index + 1].layer_id)
    return spec, state, inserted, descriptions


def logits(spec: NetSpec, state: StateDict, inputs: torch.Tensor, train: bool) -> torch.Tensor:
    """The network's output; `build_model` copies the state, so a train-mode pass (which updates
    BN running statistics) leaves `state` as it was."""
    model = build_model(spec, state).train(train)
    with torch.no_grad():
        return model(inputs)


def relative_to(reference: torch.Tensor, difference: float) -> float:
    """`difference` over max(1, max |reference logit|): absolute for small logits, relative for large."""
    return difference / max(1.0, float(reference.abs().max()))


def measure_case(case: int, case_seed: int) -> CaseResult:
    """Generate, edit and measure one network; everything random comes from `case_seed`."""
    rng = random.Random(case_seed)
    generator = torch.Generator().manual_seed(case_seed)
    spec = random_spec(rng)
    state = random_state(spec, generator)
    eval_inputs = torch.randn(rng.choice(EVAL_BATCH_SIZES), *spec.input_shape, generator=generator)
    # A non-zero mean, as images have, makes an uncalibrated BN far from an identity in train mode.
    calibration_inputs = 1.0 + torch.randn(CALIBRATION_BATCH_SIZE, *spec.input_shape, generator=generator)
    new_spec, new_state, inserted, edits = apply_random_edits(rng, spec, state, generator)

    eval_difference = check_preserved(spec, state, new_spec, new_state, eval_inputs)
    eval_relative = relative_to(logits(spec, state, eval_inputs, train=False), eval_difference)

    calibrated_state = calibrate(new_spec, new_state, inserted, calibration_inputs)
    calibrated_eval_difference = check_preserved(spec, state, new_spec, calibrated_state, calibration_inputs)
    calibrated_eval_relative = relative_to(
        logits(spec, state, calibration_inputs, train=False), calibrated_eval_difference
    )
    train_before = logits(spec, state, calibration_inputs, train=True)
    calibrated_train = logits(new_spec, calibrated_state, calibration_inputs, train=True)
    uncalibrated_train = logits(new_spec, new_state, calibration_inputs, train=True)
    return CaseResult(
        case=case,
        before=spec.to_string(),
        after=new_spec.to_string(),
        input_shape=spec.input_shape,
        edits=tuple(edits),
        widen_count=len(edits) - len(inserted),
        deepen_count=len(inserted),
        eval_relative=eval_relative,
        calibrated_eval_relative=calibrated_eval_relative,
        calibrated_train_relative=relative_to(train_before, float((train_before - calibrated_train).abs().max())),
        uncalibrated_train_relative=relative_to(train_before, float((train_before - uncalibrated_train).abs().max())),
    )


def describe(result: CaseResult) -> str:
    """Where a figure came from: the network, its input shape and its edits."""
    shape = "x".join(str(size) for size in result.input_shape)
    return (
        f"    network {result.case} ({shape} input): {result.before}\n"
        f"    edits: {'; '.join(result.edits)}\n"
        f"    after: {result.after}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", type=int, default=1500, help="generated networks (default 1500)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the whole run (default 0)")
    arguments = parser.parse_args(argv)
    if arguments.networks < 1:
        parser.error("--networks must be at least 1")
    # A benchmark owns its process; one thread makes the timing comparable across machines.
    torch.set_num_threads(1)

    # One seed per network, so that a network's draw does not depend on how many the ones before it used.
    run_rng = random.Random(arguments.seed)
    case_seeds = [run_rng.randrange(2**31) for _ in range(arguments.networks)]
    start = time.perf_counter()
    results = [measure_case(case, case_seed) for case, case_seed in enumerate(case_seeds)]
    seconds = time.perf_counter() - start

    widen_count = sum(result.widen_count for result in results)
    deepen_count = sum(result.deepen_count for result in results)
    worst_eval = max(results, key=lambda result: result.eval_relative)
    worst_calibrated_eval = max(results, key=lambda result: result.calibrated_eval_relative)
    worst_train = max(results, key=lambda result: result.calibrated_train_relative)
    # Without a deepen nothing was inserted, so calibration changes nothing: leave those out of the contrast.
    uncalibrated = [result.uncalibrated_train_relative for result in results if result.deepen_count]

    print(
        f"networks: {len(results)} (seed {arguments.seed}); edits applied: {widen_count + deepen_count} "
        f"({widen_count} widen, {deepen_count} deepen), noise 0; torch threads: {torch.get_num_threads()}"
    )
    print("max |logit difference| / max(1, max |logit|), eval mode:")
    print(f"  worst  {worst_eval.eval_relative:.2e} (bound {EVAL_TOLERANCE:.0e})")
    print(describe(worst_eval))
    print(f"  median {statistics.median(result.eval_relative for result in results):.2e}")
    print(f"after calibrating the inserted layers on a {CALIBRATION_BATCH_SIZE}-image batch (1 + randn):")
    print(f"  eval mode worst  {worst_calibrated_eval.calibrated_eval_relative:.2e} (bound {EVAL_TOLERANCE:.0e})")
    print(f"  train mode worst {worst_train.calibrated_train_relative:.2e} (bound {TRAIN_TOLERANCE:.0e})")
    print(describe(worst_train))
    if uncalibrated:
        print(
            f"  train mode without calibration ({len(uncalibrated)} networks with a deepen): "
            f"median {statistics.median(uncalibrated):.2e}, worst {max(uncalibrated):.2e}"
        )
    print(f"seconds: {seconds:.1f}")

    failures = []
    if worst_eval.eval_relative > EVAL_TOLERANCE:
        failures.append(f"eval mode {worst_eval.eval_relative:.2e} > {EVAL_TOLERANCE:.0e}")
    if worst_calibrated_eval.calibrated_eval_relative > EVAL_TOLERANCE:
        failures.append(
            f"calibrated eval mode {worst_calibrated_eval.calibrated_eval_relative:.2e} > {EVAL_TOLERANCE:.0e}"
        )
    if worst_train.calibrated_train_relative > TRAIN_TOLERANCE:
        failures.append(f"calibrated train mode {worst_train.calibrated_train_relative:.2e} > {TRAIN_TOLERANCE:.0e}")
    if failures:
        print("FAILED: " + "; ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
