"""`eas grow`: apply wider/deeper transformations to a trained checkpoint and check what changed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

# A --deepen without a kernel: the plain space's default kernel, or a DenseNet's copied miniblock.
_NO_KERNEL_GIVEN = -1


def _pair(text: str) -> tuple[int, int]:
    parts = text.split(":")
    if len(parts) != 2 or not all(part.isdigit() for part in parts):
        raise argparse.ArgumentTypeError(f"expected two integers as A:B (e.g. 2:64), got {text!r}")
    return int(parts[0]), int(parts[1])


def _after(text: str) -> tuple[int, int]:
    if text.isdigit():
        return int(text), _NO_KERNEL_GIVEN
    return _pair(text)


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
    parser.add_argument(
        "--deepen",
        type=_after,
        action=_OrderedAction,
        metavar="AFTER[:KERNEL]",
        help="repeatable; a DenseNet takes AFTER alone (a copy of that miniblock is inserted)",
    )
    parser.add_argument("--out", required=True, help="folder for the grown checkpoint")
    parser.add_argument(
        "--overwrite", action="store_true", help="replace a checkpoint that --out already holds (else refused)"
    )
    parser.add_argument("--noise", type=float, default=None, help="noise scale (default: each transform's own)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the noise and of the calibration batch")
    parser.add_argument(
        "--calibration-size", type=int, default=256, help="training images that set inserted layers' BatchNorm"
    )
    parser.add_argument("--dataset", default=None, help="dataset to score on (default: the checkpoint's)")
    parser.add_argument("--data-root", default=None)
    parser.set_defaults(run=run)


def parse_edits(actions: list[tuple[str, int, int]], dense: bool = False) -> list[Any]:
    """The `Edit`s of the command line's --widen/--deepen options, in their order."""
    from eas.spec import DEFAULT_KERNEL, Edit

    edits = []
    for kind, first, second in actions:
        if kind == "widen":
            edits.append(Edit.widen(first, second))
        elif dense:
            if second != _NO_KERNEL_GIVEN:
                raise ValueError(f"--deepen {first}:{second}: a DenseNet has no kernel choice; write --deepen {first}")
            edits.append(Edit.deepen(first, None))
        else:
            edits.append(Edit.deepen(first, DEFAULT_KERNEL if second == _NO_KERNEL_GIVEN else second))
    return edits


def run(args: argparse.Namespace) -> int:
    """Apply the edits in command-line order, save, print logit difference and accuracies."""
    import torch

    from eas.build import build_model
    from eas.checkpoint import DATASET_INFO_KEY, load_checkpoint, save_checkpoint
    from eas.cli.common import check_output_folder, refuse_existing_checkpoint
    from eas.data import load_dataset
    from eas.evaluation import calibration_batch
    from eas.spec import DenseNetSpec
    from eas.train import evaluate
    from eas.transforms import apply_edits, check_preserved

    actions = list(getattr(args, "actions", None) or [])
    if not actions:
        raise ValueError("nothing to do: give at least one --widen LAYER:WIDTH or --deepen AFTER:KERNEL")
    out = Path(args.out)
    if out.resolve() == Path(args.checkpoint).resolve():
        raise ValueError(
            f"--out {args.out} is the checkpoint being grown: saving there would replace the trained network; "
            "give another folder"
        )
    refuse_existing_checkpoint(out, args.overwrite)
    spec, state, metrics = load_checkpoint(args.checkpoint)
    edits = parse_edits(actions, dense=isinstance(spec, DenseNetSpec))
    # Before the data is read: a folder that cannot be written fails now, not after the evaluations.
    check_output_folder(out, spec.num_params())
    dataset = args.dataset or metrics.get("dataset", "fashion-mnist")
    data = load_dataset(
        dataset,
        root=args.data_root or metrics.get("data_root"),
        validation_size=metrics.get("validation_size"),
        seed=metrics.get("data_seed", 0),
    )
    # The same calibration batch and generator the search gives a child with this seed.
    calibration = calibration_batch(data, args.calibration_size, args.seed)
    noise = {} if args.noise is None else {"widen_noise": args.noise, "deepen_noise": args.noise}
    edited = apply_edits(
        spec, state, edits, generator=torch.Generator().manual_seed(args.seed), calibration=calibration, **noise
    )
    for edit in edits:
        print(edit.describe(), file=sys.stderr)
    check_output_folder(out, edited.spec.num_params())  # the grown network needs more room than its parent
    difference = check_preserved(spec, state, edited.spec, edited.state, calibration)
    before = evaluate(build_model(spec, state), data.validation, data.info).accuracy
    after = evaluate(build_model(edited.spec, edited.state), data.validation, data.info).accuracy
    # Only the data settings carry over; the parent's own results describe another network.
    data_keys = ("dataset", "data_root", "validation_size", "data_seed", DATASET_INFO_KEY)
    metrics = {
        **{key: metrics[key] for key in data_keys if key in metrics},
        "arch": edited.spec.to_string(),
        "parameters": edited.spec.num_params(),
        "flops": edited.spec.flops(),
        "grown_from": str(args.checkpoint),
        "grow_edits": [edit.to_json() for edit in edits],
        "parent": metrics,
    }
    metrics.update({"validation_accuracy_before": before, "validation_accuracy_after": after})
    save_checkpoint(out, edited.spec, edited.state, metrics)
    print(f"new architecture: {edited.spec.to_string()} ({edited.spec.num_params():,} parameters)")
    print(f"max |logit difference| on {len(calibration)} training images: {difference:.3g}")
    print(f"validation accuracy before: {100 * before:.2f}%  after: {100 * after:.2f}%")
    return 0
