"""Networks evaluated per minute by each executor, on the same children of the `fashion-cpu` preset.

Samples children of the preset's start network with the preset's action space and child recipe
(random edits, as random search does), then trains the same list with: `local` (one process, all
cores' threads), `pool` (one worker per core, one thread each) and `ray` (a local Ray instance, one CPU
per child). Prints networks per minute and the ratios pool / local (goal >= 1.1 on two cores) and
ray / pool (goal >= 0.9). Worker start-up (spawning, imports, copying the dataset) is inside the
timings, once per executor.

Beside pool / local it prints what the cores allow, measured in the same run: two bare one-epoch fits
(a plain PyTorch loop, no eas code) of a small and of a large child, run side by side in two
one-thread processes against one after another with all threads. A pool cannot beat that ceiling.

    python bench/executors.py [--children 8] [--train-subset 30000] [--executors local pool ray]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import time
from dataclasses import replace
from typing import Any

import torch
import torch.nn.functional as functional

from eas.build import build_model
from eas.data import load_dataset, normalize
from eas.evaluation import ChildResult, ChildTask
from eas.executors import LocalExecutor, PoolExecutor, RayExecutor
from eas.search import preset
from eas.search.sampling import sample_uniform_edits
from eas.spec import DEFAULT_ARCH, parse_spec


def children(count: int, train_subset: int | None, seed: int) -> tuple[list[ChildTask], object]:
    """`count` children of the preset's start network (random weights: a child's cost does not depend on them)."""
    # The start the figures in docs/RESULTS.md were measured from (the preset starts from CPU_START since 6853747).
    config = preset("fashion-cpu", start=DEFAULT_ARCH)
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


# The two children the ceiling is measured on: the preset's kind of small child, and a large one (1.1M parameters).
CEILING_CHILDREN = (
    "conv-24-3 pool conv-48-3 pool conv-128-3 conv-128-3 gap fc-256 fc-256",
    "conv-64-3 conv-64-3 pool conv-128-3 conv-128-3 pool conv-256-3 conv-256-3 gap fc-256",
)


def bare_fit(arch: str, images: int, threads: int, barrier: Any = None) -> tuple[float, float]:
    """One epoch of plain SGD over `images` Fashion-MNIST images with `threads` torch threads; returns
    the (start, end) `time.time()` of the timed part (after loading, and after `barrier` when given)."""
    torch.set_num_threads(threads)
    data = load_dataset("fashion-mnist")
    model = build_model(parse_spec(arch, data.info.input_shape, data.info.num_classes), seed=0)
    model = model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9)
    train_images = normalize(data.train.images[:images], data.info.mean, data.info.std)
    labels = data.train.labels[:images]
    if barrier is not None:
        barrier.wait()
    began = time.time()
    for start in range(0, images, 128):
        batch = train_images[start : start + 128].contiguous(memory_format=torch.channels_last)
        loss = functional.cross_entropy(model(batch), labels[start : start + 128])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return began, time.time()


def _side_by_side_worker(arch: str, images: int, barrier: Any, results: Any) -> None:
    results.put(bare_fit(arch, images, 1, barrier))


def ceiling(arch: str, images: int, cores: int) -> float:
    """Speed-up of `cores` one-thread fits side by side over the same fits one after another with all threads."""
    one_after_another = 0.0
    for _ in range(cores):
        began, ended = bare_fit(arch, images, cores)
        one_after_another += ended - began
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(cores), context.Queue()
    arguments = (arch, images, barrier, results)
    workers = [context.Process(target=_side_by_side_worker, args=arguments) for _ in range(cores)]
    for worker in workers:
        worker.start()
    spans = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    side_by_side = max(end for _, end in spans) - min(start for start, _ in spans)
    return one_after_another / side_by_side


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--children", type=int, default=8)
    parser.add_argument("--train-subset", type=int, default=None, help="images per child (default: the preset's)")
    parser.add_argument("--executors", nargs="+", default=["local", "pool", "ray"], choices=["local", "pool", "ray"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ceiling-images", type=int, default=15000, help="images of each bare fit (0: skip)")
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
    ceilings = []
    if args.ceiling_images > 0 and cores > 1:
        for arch in CEILING_CHILDREN:
            ceilings.append(ceiling(arch, args.ceiling_images, cores))
            print(f"ceiling, {cores} bare fits side by side / one after another: {ceilings[-1]:.2f} for {arch}")
    if "pool" in rates and "local" in rates:
        allowed = f"; the cores allow {min(ceilings):.2f}..{max(ceilings):.2f}" if ceilings else ""
        print(f"pool / local: {rates['pool'] / rates['local']:.2f} (goal >= 1.1 on two cores{allowed})")
    if "ray" in rates and "pool" in rates:
        print(f"ray / pool: {rates['ray'] / rates['pool']:.2f} (goal >= 0.9)")
    names = list(accuracies)
    for name in names[1:]:
        same = accuracies[name] == accuracies[names[0]]
        print(f"{name} accuracies equal to {names[0]}'s: {same} (threads differ, so tiny differences are possible)")


if __name__ == "__main__":
    main()
