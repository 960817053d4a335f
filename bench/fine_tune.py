"""Does inherited accuracy survive a short fine-tune? Parent vs child before and after one epoch.

A trained parent (a checkpoint folder from `eas train`) is grown by two wider and two deeper actions;
the child is fine-tuned for one epoch on a subset of the training images with several recipes, and the
validation accuracy of the parent, of the child before training and of the child after it is printed.
Goal for the search's recipe (the `fashion-cpu` preset's child recipe with BatchNorm calibration):
child after >= parent - 0.5 point.

    python bench/fine_tune.py --parent runs/train-six-conv [--images 20000]
"""

from __future__ import annotations

import argparse
from dataclasses import replace

import torch

from eas.build import build_model
from eas.checkpoint import load_checkpoint
from eas.data import load_dataset
from eas.evaluation import calibration_batch
from eas.search import preset
from eas.spec import ActionSpace, Edit
from eas.train import TrainConfig, evaluate, fit
from eas.transforms import apply_edits


def grow_edits(spec, space: ActionSpace) -> list[Edit]:
    """Widen the first and the last conv one rung, deepen after the first conv and after the last weighted layer."""
    convs = [i for i, layer in enumerate(spec.layers) if layer.kind == "conv"]
    edits = []
    for index in (convs[0], convs[-1]):
        width = space.next_width(spec.layers[index]) or spec.layers[index].width * 2
        edits.append(Edit.widen(index, width))
    edits.append(Edit.deepen(convs[0], 3))
    last = max(i for i, layer in enumerate(spec.layers) if layer.is_weighted) + 1  # shifted by the first deepen
    edits.append(Edit.deepen(last, 3 if spec.layers[last - 1].kind == "conv" else None))
    return edits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parent", required=True, help="checkpoint folder written by `eas train`")
    parser.add_argument("--images", type=int, default=20000, help="training images in the one fine-tune epoch")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    spec, state, metrics = load_checkpoint(args.parent)
    data = load_dataset(
        metrics.get("dataset", "fashion-mnist"),
        validation_size=metrics.get("validation_size"),
        seed=metrics.get("data_seed", 0),
    )
    parent_accuracy = evaluate(build_model(spec, state), data.validation, data.info).accuracy
    space = preset("fashion-cpu").action_space
    edits = grow_edits(spec, space)
    search_recipe = replace(preset("fashion-cpu").child_training, train_subset=args.images, seed=args.seed)
    naive = TrainConfig(epochs=1, learning_rate=0.02, train_subset=args.images, seed=args.seed)
    recipes = [
        ("naive: lr 0.02 constant, no calibration", naive, False),
        ("naive: lr 0.005 constant, no calibration", replace(naive, learning_rate=0.005), False),
        ("lr 0.02 constant + calibration", naive, True),
        (f"search recipe ({_describe(search_recipe)}) + calibration", search_recipe, True),
    ]
    print(f"parent {spec.to_string()}: validation {100 * parent_accuracy:.2f}%")
    print(f"edits: {[edit.describe() for edit in edits]}; fine-tune: 1 epoch on {args.images} images")
    print(f"{'recipe':<78} {'before':>7} {'after':>7} {'after - parent':>15}")
    for name, config, calibrated in recipes:
        generator = torch.Generator().manual_seed(args.seed)
        calibration = calibration_batch(data, 256, args.seed) if calibrated else None
        child = apply_edits(spec, state, edits, generator=generator, calibration=calibration)
        model = build_model(child.spec, child.state)
        before = evaluate(model, data.validation, data.info).accuracy
        after = fit(model, data, config).validation_accuracy or 0.0
        print(f"{name:<78} {100 * before:>7.2f} {100 * after:>7.2f} {100 * (after - parent_accuracy):>+15.2f}")


def _describe(config: TrainConfig) -> str:
    return f"lr {config.learning_rate}, {config.schedule} cosine, warm-up {config.warmup_steps} steps"


if __name__ == "__main__":
    main()
