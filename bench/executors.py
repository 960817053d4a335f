"""Networks evaluated per minute by each executor, on the same children of the `fashion-cpu` preset.

Samples children of the preset's start network with the preset's action space and child recipe
(random edits, as random search does), then trains the same list with: `local` (one process, all
cores' threads), `pool` (one worker per core, one thread each) and `ray` (a local Ray instance, one CPU
per child). Prints networks per minute and the ratios pool / local (goal >= 1.1 on two cores, whose
ceiling measured with two bare fits side by side was 1.08-1.21) and ray / pool (goal >= 0.9). Worker
start-up (spawning, imports, copying the dataset) is inside the timings, once per executor.

    python bench/executors.py [--children 8] [--train-subset 30000] [--executors local pool ray]
"""

from __future__ import annotations

import argparse
import os
import random
import time
from dataclasses import replace

import torch

from eas.build import build_model
from eas.data import load_dataset
from eas.evaluation import ChildResult, ChildTask
from eas.executors import LocalExecutor, PoolExecutor, RayExecutor
from eas.search import preset
from eas.search.sampling import sample_uniform_edits
from eas.spec import parse_spec


def children(count: int, train_subset: int | None, seed: int) -> tuple[list[ChildTask], object]:
    """`count` children of the preset's start network (random weights: a child's cost does not depend on them)."""
    config = preset("fashion-cpu")
    data = load_dataset(config.dataset, validation_size=config.validation_size)
    spec = parse_spec(config.start, data.info.input_shape, data.info.num_classes)
    state = build_model(spec, seed=seed).state_dict()
    recipe = replace(config.child_training, train_subset=train_subset or config.child_training.train_subset)
    rng = random.Random(seed)
    tasks = []
    for trial in range(count):
        edits = sample_uniform_edits(spec, config.action_space, config.wider_actions, config.deeper_actions, rng)
        tasks.append(ChildTask(trial, spec, state, tuple(edits), recipe, seed=seed + trial, keep_weights=True))
    return tasks, data


def timed(executor: object, tasks: list[ChildTask], data: object) -> tuple[float, list[ChildResult]]:
    """Seconds to train every task, and the results."""
    results: list[ChildResult] = []
    started = time.perf_counter()
    executor.run(  # type: ignore[attr-defined]
        tasks, data, on_result=results.append, should_stop=lambda: False, emit=lambda kind, payload: None
    )
    seconds = time.perf_counter() - started
    if hasattr(executor, "close"):
        executor.close()
    return seconds, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--children", type=int, default=8)
    parser.add_argument("--train-subset", type=int, default=None, help="images per child (default: the preset's)")
    parser.add_argument("--executors", nargs="+", default=["local", "pool", "ray"], choices=["local", "pool", "ray"])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    tasks, data = children(args.children, args.train_subset, args.seed)
    print(f"{len(tasks)} children of fashion-cpu, {cores} cores, torch {torch.__version__}")
    makers = {
        "local": lambda: LocalExecutor(threads=cores),
        "pool": lambda: PoolExecutor(workers=cores, threads_per_worker=1, gpus=0),
        "ray": lambda: RayExecutor(num_cpus=cores, cpus_per_child=1),
    }
    rates: dict[str, float] = {}
    accuracies: dict[str, list[float | None]] = {}
    print(f"{'executor':<10}{'seconds':>9}{'networks/min':>14}  statuses")
    for name in args.executors:
        seconds, results = timed(makers[name](), tasks, data)
        rates[name] = 60 * len(results) / seconds
        ordered = sorted(results, key=lambda result: result.trial_id)
        accuracies[name] = [result.validation_accuracy for result in ordered]
        statuses = ", ".join(sorted({result.status for result in results}))
        print(f"{name:<10}{seconds:>9.1f}{rates[name]:>14.2f}  {statuses}")
    if "pool" in rates and "local" in rates:
        print(f"pool / local: {rates['pool'] / rates['local']:.2f} (goal >= 1.1 on two cores)")
    if "ray" in rates and "pool" in rates:
        print(f"ray / pool: {rates['ray'] / rates['pool']:.2f} (goal >= 0.9)")
    names = list(accuracies)
    for name in names[1:]:
        same = accuracies[name] == accuracies[names[0]]
        print(f"{name} accuracies equal to {names[0]}'s: {same} (threads differ, so tiny differences are possible)")


if __name__ == "__main__":
    main()
