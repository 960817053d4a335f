"""`eas grow`: apply wider/deeper transformations to a trained checkpoint and check what changed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def _pair(text: str) -> tuple[int, int]:
    parts = text.split(":")
    if len(parts) != 2 or not all(part.isdigit() for part in parts):
        raise argparse.ArgumentTypeError(f"expected two integers as A:B (e.g. 2:64), got {text!r}")
    return int(parts[0]), int(parts[1])


class _OrderedAction(argparse.Action):
    """Appends (flag, first, second) to one shared list, so --widen and --deepen keep their order."""

    def __call__(self, parser: Any, namespace: argparse.Namespace, values: Any, option_string: Any = None) -> None:
        actions = list(getattr(namespace, "actions", None) or [])
        actions.append((self.dest, *values))
        namespace.actions = actions


def add_parser(subparsers: Any) -> None:
    """Register `eas grow`."""
    parser = subparsers.add_parser("grow", help="widen/deepen a trained checkpoint without changing its function")
    parser.add_argument("checkpoint", help="checkpoint folder written by `eas train`")
    parser.add_argument("--widen", type=_pair, action=_OrderedAction, metavar="LAYER:WIDTH", help="repeatable")
    parser.add_argument("--deepen", type=_pair, action=_OrderedAction, metavar="AFTER:KERNEL", help="repeatable")
    parser.add_argument("--out", required=True, help="folder for the grown checkpoint")
    parser.add_argument("--noise", type=float, default=None, help="noise scale (default: each transform's own)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dataset", default=None, help="dataset to score on (default: the checkpoint's)")
    parser.add_argument("--data-root", default=None)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Apply the actions in command-line order, save, print logit difference and accuracies."""
    import torch

    from eas.build import build_model
    from eas.checkpoint import load_checkpoint, save_checkpoint
    from eas.data import load_dataset, normalize
    from eas.train import evaluate
    from eas.transforms import calibrate, check_preserved, deepen, widen

    actions = list(getattr(args, "actions", None) or [])
    if not actions:
        raise ValueError("nothing to do: give at least one --widen LAYER:WIDTH or --deepen AFTER:KERNEL")
    spec, state, metrics = load_checkpoint(args.checkpoint)
    dataset = args.dataset or metrics.get("dataset", "fashion-mnist")
    data = load_dataset(
        dataset,
        root=args.data_root or metrics.get("data_root"),
        validation_size=metrics.get("validation_size"),
        seed=metrics.get("data_seed", 0),
    )
    generator = torch.Generator().manual_seed(args.seed)
    calibration = normalize(data.train.images[:256], data.info.mean, data.info.std)
    noise = {} if args.noise is None else {"noise": args.noise}
    new_spec, new_state = spec, state
    inserted: list[int] = []
    for kind, first, second in actions:
        if kind == "widen":
            new_spec, new_state = widen(new_spec, new_state, first, second, generator=generator, **noise)
        else:
            new_spec, new_state = deepen(new_spec, new_state, first, kernel_size=second, generator=generator, **noise)
            inserted.append(new_spec.layers[first + 1].layer_id)
        print(f"{kind} {first}:{second} -> {new_spec.to_string()}", file=sys.stderr)
    if inserted:
        new_state = calibrate(new_spec, new_state, inserted, calibration)
    difference = check_preserved(spec, state, new_spec, new_state, calibration)
    before = evaluate(build_model(spec, state), data.validation, data.info).accuracy
    after = evaluate(build_model(new_spec, new_state), data.validation, data.info).accuracy
    # Only the data settings carry over; the parent's own results describe another network.
    data_keys = ("dataset", "data_root", "validation_size", "data_seed")
    metrics = {
        **{key: metrics[key] for key in data_keys if key in metrics},
        "arch": new_spec.to_string(),
        "parameters": new_spec.num_params(),
        "flops": new_spec.flops(),
        "grown_from": str(args.checkpoint),
        "grow_actions": [list(action) for action in actions],
        "parent": metrics,
    }
    metrics.update({"validation_accuracy_before": before, "validation_accuracy_after": after})
    save_checkpoint(Path(args.out), new_spec, new_state, metrics)
    print(f"new architecture: {new_spec.to_string()} ({new_spec.num_params():,} parameters)")
    print(f"max |logit difference| on {len(calibration)} training images: {difference:.3g}")
    print(f"validation accuracy before: {100 * before:.2f}%  after: {100 * after:.2f}%")
    return 0
