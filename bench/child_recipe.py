"""Why the `fashion-cpu` child recipe: a grown child against an unchanged copy of its parent.

Trains a start network with the preset's start recipe, then fine-tunes (a) a child grown by three
widens and two deepens and (b) the unchanged start network, each with the given child recipes, and
prints their validation accuracy next to the start's. A recipe is useful for search when the grown
child gains over the start and over the unchanged copy (so rewards reflect the architecture, not only
the extra training), and useless when both lose accuracy.

    python bench/child_recipe.py [--start-epochs 1] [--augment]
"""

from __future__ import annotations

import argparse
from dataclasses import replace

import torch

from eas.build import build_model
from eas.data import load_dataset
from eas.evaluation import calibration_batch
from eas.search import preset
from eas.spec import DEFAULT_ARCH, Edit, NetSpec
from eas.train import fit
from eas.transforms import apply_edits

EDITS = [Edit.widen(0, 24), Edit.widen(2, 48), Edit.widen(4, 96), Edit.deepen(4, 3), Edit.deepen(7, None)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--start-epochs", type=int, default=None, help="default: the preset's")
    parser.add_argument("--augment", action="store_true", help="augment the start and child training")
    args = parser.parse_args()
    # The start the figures in docs/RESULTS.md were measured from (the preset starts from CPU_START since 6853747).
    config = preset("fashion-cpu", start=DEFAULT_ARCH)
    data = load_dataset("fashion-mnist")
    start_recipe = replace(config.start_training, augment=args.augment)
    if args.start_epochs is not None:
        start_recipe = replace(start_recipe, epochs=args.start_epochs)
    spec = NetSpec.parse(config.start, data.info.input_shape, data.info.num_classes)
    model = build_model(spec, seed=0)
    start = fit(model, data, start_recipe)
    state = model.state_dict()
    accuracy = 100 * (start.validation_accuracy or 0.0)
    print(f"start {spec.to_string()}: {start_recipe.epochs} epochs, validation {accuracy:.2f}%")
    child = replace(config.child_training, augment=args.augment)
    recipes = [
        ("preset child recipe", child),
        ("same, lr 0.005", replace(child, learning_rate=0.005)),
        ("same, 10k images", replace(child, train_subset=10000)),
    ]
    print(f"{'recipe':<24} {'grown child':>12} {'unchanged':>10} {'seconds (grown)':>16}")
    for name, recipe in recipes:
        scores = []
        for edits in (EDITS, []):
            generator = torch.Generator().manual_seed(0)
            child = apply_edits(spec, state, edits, generator=generator, calibration=calibration_batch(data, 256, 0))
            result = fit(build_model(child.spec, child.state), data, recipe)
            scores.append((result.validation_accuracy or 0.0, result.seconds))
        (grown, seconds), (same, _) = scores
        print(f"{name:<24} {100 * grown:>11.2f}% {100 * same:>9.2f}% {seconds:>16.1f}")


if __name__ == "__main__":
    main()
