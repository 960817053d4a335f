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
from eas.search import preset
from eas.search.actions import DEEPEN, WIDEN, Action, apply_to_weights
from eas.search.child import calibration_batch
from eas.spec import ActionSpace
from eas.train import TrainConfig, evaluate, fit
from eas.transforms import calibrate


def grow_actions(spec, space: ActionSpace) -> list[Action]:
    """Widen the first and the last conv one rung, deepen after the first conv and after the last weighted layer."""
    convs = [i for i, layer in enumerate(spec.layers) if layer.kind == "conv"]
    actions = []
    for index in (convs[0], convs[-1]):
        width = space.next_width(spec.layers[index]) or spec.layers[index].width * 2
        actions.append(Action(WIDEN, index, width))
    actions.append(Action(DEEPEN, convs[0], 3))
    last = max(i for i, layer in enumerate(spec.layers) if layer.is_weighted) + 1  # shifted by the first deepen
    actions.append(Action(DEEPEN, last, 3 if spec.layers[last - 1].kind == "conv" else 0))
    return actions


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
    actions = grow_actions(spec, space)
    search_recipe = replace(preset("fashion-cpu").child_training, train_subset=args.images, seed=args.seed)
    naive = TrainConfig(epochs=1, learning_rate=0.02, train_subset=args.images, seed=args.seed)
    recipes = [
        ("naive: lr 0.02 constant, no calibration", naive, False),
        ("naive: lr 0.005 constant, no calibration", replace(naive, learning_rate=0.005), False),
        ("lr 0.02 constant + calibration", naive, True),
        (f"search recipe ({_describe(search_recipe)}) + calibration", search_recipe, True),
    ]
    print(f"parent {spec.to_string()}: validation {100 * parent_accuracy:.2f}%")
    print(f"actions: {[a.to_json() for a in actions]}; fine-tune: 1 epoch on {args.images} images")
    print(f"{'recipe':<78} {'before':>7} {'after':>7} {'after - parent':>15}")
    for name, config, calibrated in recipes:
        generator = torch.Generator().manual_seed(args.seed)
        child_spec, child_state, inserted = apply_to_weights(
            spec, state, actions, widen_noise=0.01, deepen_noise=0.001, generator=generator
        )
        if calibrated:
            child_state = calibrate(child_spec, child_state, inserted, calibration_batch(data, 256, args.seed))
        model = build_model(child_spec, child_state)
        before = evaluate(model, data.validation, data.info).accuracy
        after = fit(model, data, config).validation_accuracy or 0.0
        print(f"{name:<78} {100 * before:>7.2f} {100 * after:>7.2f} {100 * (after - parent_accuracy):>+15.2f}")


def _describe(config: TrainConfig) -> str:
    return f"lr {config.learning_rate}, {config.schedule} cosine, warm-up {config.warmup_steps} steps"


if __name__ == "__main__":
    main()
