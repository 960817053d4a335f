"""Growth frontier: at equal CPU time, is there a plain network near the hand-designed one that a search
could gain with, and does growing it from a cheaper network (Net2Wider, the function-preserving widening
a search applies) beat training it alone?

Equal time is counted in epochs scaled by training speed on the 2-core machine: with the hand-designed
network given E epochs, a network that trains k times as fast gets k x E, and a grown job that spends a
fraction f of the time on the cheaper network gets f x k x E epochs of it, then (1 - f) x E of the
hand-designed network it is widened into. The phases share one cosine in proportion to their time, as a
search with one schedule does (the cheaper network stops without annealing; the widened one continues
the same cosine to zero). Every job trains on the 60,000 training + validation images with the final
recipe of `fashion-cpu` and reports test accuracy. No search cost is counted: a grown job is the most a
search that finds that growth at no cost could gain.

The speeds are measured on the machine the figure is about (`--measure-speeds`, the median of 3 one-epoch
runs per network on 6,400 images, as bench/equal_budget.py's probe), so the epochs can be trained
elsewhere, e.g. on a GPU, where the jobs run in parallel (`--workers`):

    python bench/growth_frontier.py --measure-speeds                 # on the 2-core machine
    python bench/growth_frontier.py --hand-epochs 15 --speeds 464 1455 709 --device cuda --workers 8

Each finished job is appended to bench/results/growth_frontier.csv at once; jobs already there are skipped.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch

from eas.build import build_model
from eas.data import Split, load_dataset
from eas.search.presets import FINAL_RECIPE
from eas.spec import NetSpec, parse_spec
from eas.spec.edits import Edit
from eas.train import evaluate, fit, full_training_data
from eas.transforms.apply import apply_edits
from equal_budget import HALF_WIDTH, HAND_DESIGNED, machine_speed  # bench/equal_budget.py, beside this script
from results_log import append_row, recorded, run_jobs

THREE_QUARTERS = "conv-24-3 conv-24-3 pool conv-48-3 conv-48-3 pool conv-96-3 conv-96-3 gap fc-128"
NETWORKS = {"hand": HAND_DESIGNED, "half": HALF_WIDTH, "three-quarters": THREE_QUARTERS}
# (name, network trained first, fraction of the time on it): fraction 1 means the network alone.
JOBS = (
    ("hand", "hand", 1.0),
    ("three-quarters", "three-quarters", 1.0),
    ("half", "half", 1.0),
    ("grow-half-0.25", "half", 0.25),
    ("grow-half-0.4", "half", 0.4),
    ("grow-half-0.6", "half", 0.6),
    ("grow-three-quarters-0.4", "three-quarters", 0.4),
)
CSV = Path(__file__).parent / "results" / "growth_frontier.csv"
FIELDS = ("job", "seed", "hand_epochs", "phases", "test_accuracy", "device", "speeds", "finished")


def measure_speeds(data_root: str | None) -> dict[str, float]:
    """Training images/s of each network with the final recipe on this machine (equal_budget's probe)."""
    return {name: machine_speed(arch=arch, data_root=data_root) for name, arch in NETWORKS.items()}


def phases_of(first: str, fraction: float, hand_epochs: int, speeds: dict[str, float]) -> list[tuple[str, int]]:
    """(network, epochs) per phase for the job's equal-time share: epochs scale with training speed."""
    if fraction >= 1.0:
        return [(first, max(1, round(hand_epochs * speeds[first] / speeds["hand"])))]
    first_epochs = max(1, round(fraction * hand_epochs * speeds[first] / speeds["hand"]))
    return [(first, first_epochs), ("hand", max(1, round((1 - fraction) * hand_epochs)))]


def widen_to(spec: NetSpec, target: NetSpec) -> list[Edit]:
    """The Net2Wider edits that give each layer of `spec` the width of the same layer in `target`; a
    `ValueError` when `target` is not `spec` at other widths (Net2Wider changes widths only)."""
    shape = [(layer.kind, layer.kernel_size) for layer in spec.layers]
    if shape != [(layer.kind, layer.kernel_size) for layer in target.layers]:
        raise ValueError(
            f"cannot widen {spec.to_string()!r} into {target.to_string()!r}: a grown job's networks must have the "
            "same layers and kernels, differing in widths only; pick NETWORKS entries of one shape"
        )
    narrower = [
        index
        for index, (layer, goal) in enumerate(zip(spec.layers, target.layers, strict=True))
        if goal.width < layer.width
    ]
    if narrower:
        raise ValueError(
            f"cannot widen {spec.to_string()!r} into the narrower {target.to_string()!r} (layers {narrower})"
        )
    return [
        Edit.widen(index, goal.width)
        for index, (layer, goal) in enumerate(zip(spec.layers, target.layers, strict=True))
        if goal.width > layer.width
    ]


def run_job(phases: list[tuple[str, int]], seed: int, speeds: dict[str, float], device: str, root: str | None) -> float:
    """Train the phases in order (each later one widened from the one before), return test accuracy."""
    data = load_dataset("fashion-mnist", root=root)
    training = full_training_data(data)
    seconds = [epochs / speeds[name] for name, epochs in phases]  # CPU time of each phase, in proportion
    spec = _plain(parse_spec(NETWORKS[phases[0][0]]))
    model = build_model(spec, seed=seed)
    done = 0.0
    for number, (name, epochs) in enumerate(phases):
        if number:
            target = _plain(parse_spec(NETWORKS[name]))
            state = {key: value.detach().cpu() for key, value in model.state_dict().items()}
            generator = torch.Generator().manual_seed(seed)
            edited = apply_edits(spec, state, widen_to(spec, target), generator=generator)
            spec, model = _plain(edited.spec), build_model(edited.spec, edited.state)
        window = (done / sum(seconds), min(1.0, (done + seconds[number]) / sum(seconds)))
        # The warm-up belongs to the start of the schedule, not to the widened network's continuation.
        config = replace(
            FINAL_RECIPE,
            epochs=epochs,
            schedule_window=window,
            seed=seed + 17 * number,
            warmup_steps=FINAL_RECIPE.warmup_steps if number == 0 else 0,
            device=device,
        )
        fit(model, training, config, validation=Split(data.validation.images[:0], data.validation.labels[:0]))
        done += seconds[number]
    return evaluate(model, data.test, data.info, device=device).accuracy


def _plain(spec: object) -> NetSpec:
    if not isinstance(spec, NetSpec):
        raise TypeError(f"a plain network was expected, got {type(spec).__name__}")
    return spec


def _worker(job: str, phases: list[tuple[str, int]], seed: int, arguments: argparse.Namespace) -> dict[str, object]:
    torch.set_num_threads(arguments.threads)
    speeds = dict(zip(NETWORKS, arguments.speeds, strict=True))
    accuracy = run_job(phases, seed, speeds, arguments.device, arguments.data_root)
    row = {
        "job": job,
        "seed": seed,
        "hand_epochs": arguments.hand_epochs,
        "phases": " then ".join(f"{name} {epochs}" for name, epochs in phases),
        "test_accuracy": round(accuracy, 4),
        "device": arguments.device,
        "speeds": " ".join(f"{speed:.0f}" for speed in arguments.speeds),
        "finished": time.strftime("%Y-%m-%d %H:%M"),
    }
    append_row(CSV, FIELDS, row)  # each worker appends its own finished row: an interrupted run keeps it
    print(f"{job:<26} seed {seed}: {accuracy:.2%}  ({row['phases']})", flush=True)
    return row


def summary(hand_epochs: int) -> None:
    """Mean and spread of test accuracy per job at this equal time."""
    rows = [row for row in recorded(CSV) if int(row["hand_epochs"]) == hand_epochs]
    print(f"\nhand-designed network at {hand_epochs} epochs, equal time for every job; test accuracy")
    for job, _, _ in JOBS:
        values = [float(row["test_accuracy"]) * 100 for row in rows if row["job"] == job]
        if values:
            spread = statistics.stdev(values) if len(values) > 1 else 0.0
            print(f"{job:<26}{len(values):>3} runs  mean {statistics.mean(values):6.2f}%  std {spread:4.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--measure-speeds", action="store_true", help="print this machine's speeds and stop")
    parser.add_argument("--hand-epochs", type=int, default=15, help="the hand-designed network's epochs")
    parser.add_argument("--speeds", type=float, nargs=3, metavar=("HAND", "HALF", "THREE_QUARTERS"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--jobs", nargs="+", default=[job for job, _, _ in JOBS], choices=[job for job, _, _ in JOBS])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--workers", type=int, default=1, help="jobs trained at once (for a GPU)")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads of each worker")
    parser.add_argument("--data-root", default=None)
    arguments = parser.parse_args()
    if arguments.measure_speeds:
        speeds = measure_speeds(arguments.data_root)
        print("--speeds " + " ".join(f"{speeds[name]:.0f}" for name in NETWORKS) + "  (images/s: hand, half, 3/4)")
        return
    if arguments.speeds is None:
        sys.exit("--speeds HAND HALF THREE_QUARTERS is needed (measure them with --measure-speeds on the machine)")
    speeds = dict(zip(NETWORKS, arguments.speeds, strict=True))
    done = {(row["job"], row["seed"], row["hand_epochs"]) for row in recorded(CSV)}
    todo = []
    for seed in arguments.seeds:
        for job, first, fraction in JOBS:
            if job in arguments.jobs and (job, str(seed), str(arguments.hand_epochs)) not in done:
                todo.append((job, phases_of(first, fraction, arguments.hand_epochs, speeds), seed, arguments))
    run_jobs(_worker, todo, arguments.workers)
    summary(arguments.hand_epochs)


if __name__ == "__main__":
    main()
