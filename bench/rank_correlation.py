"""Do cheap fine-tunes rank children as longer training does? The question behind scoring children on
a subset or for fewer steps.

The `fashion-cpu` start network is trained as the preset trains it; `--children` children are drawn
from it with random edits of the preset's action space (as random search draws them). Each child is
fine-tuned from its inherited weights with the preset's child recipe on 10,000 images (a cheaper
proxy), on the preset's 30,000, both again with the images and their order common to all children
(`common_child_data`: common random numbers), and, as the reference, for `--reference-epochs` epochs on every
training image. Printed: Spearman's rho and Kendall's tau of each proxy's validation accuracies
against the reference's, and the seconds each costs. Every finished fine-tune is appended to a CSV at
once and skipped on a re-run, so an interrupted measurement continues where it stopped.

    python bench/rank_correlation.py [--children 8] [--reference-epochs 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
from dataclasses import replace
from pathlib import Path

from scipy import stats

from eas.build import build_model
from eas.data import load_dataset
from eas.evaluation import ChildTask, evaluate_child
from eas.search import preset
from eas.search.sampling import sample_uniform_edits
from eas.spec import DEFAULT_ARCH, parse_spec
from eas.train import TrainConfig, fit
from results_log import append_row, recorded  # bench/results_log.py, beside this script

FIELDS = ("child", "recipe", "validation_accuracy", "seconds", "arch")
PROXY_IMAGES = 10_000


def recipes(reference_epochs: int) -> dict[str, tuple[TrainConfig, bool]]:
    """The proxies and the reference, each the preset's child recipe with another amount of training,
    and whether the children share their fine-tune's images and order (`common_child_data`)."""
    child = preset("fashion-cpu").child_training
    assert child.train_subset is not None
    return {
        f"{PROXY_IMAGES // 1000}k images": (replace(child, train_subset=PROXY_IMAGES), False),
        f"{child.train_subset // 1000}k images (preset)": (child, False),
        f"{PROXY_IMAGES // 1000}k images, common draws": (replace(child, train_subset=PROXY_IMAGES), True),
        f"{child.train_subset // 1000}k images, common draws": (child, True),
        # Last: the reference the proxies are ranked against.
        f"{reference_epochs} epochs, all images": (replace(child, train_subset=None, epochs=reference_epochs), False),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--children", type=int, default=8)
    parser.add_argument("--reference-epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--csv", type=Path, default=Path("bench/results/rank_correlation.csv"))
    args = parser.parse_args()
    # The parent of the CSV's children (the preset starts from CPU_START since 6853747): a rerun must add
    # children of the same parent, or the resumed table would mix two parents.
    config = preset("fashion-cpu", start=DEFAULT_ARCH)
    data = load_dataset(config.dataset, validation_size=config.validation_size, seed=config.data_seed)
    spec = parse_spec(config.start, data.info.input_shape, data.info.num_classes)
    parent = build_model(spec, seed=args.seed)
    fit(parent, data, replace(config.start_training, seed=args.seed))
    state = parent.state_dict()
    rng = random.Random(args.seed)
    edits = [
        tuple(sample_uniform_edits(spec, config.action_space, config.wider_actions, config.deeper_actions, rng))
        for _ in range(args.children)
    ]
    for child, child_edits in enumerate(edits):
        for name, (recipe, common) in recipes(args.reference_epochs).items():
            done = recorded(args.csv)
            if any(int(row["child"]) == child and row["recipe"] == name for row in done):
                continue
            train_seed = args.seed if common else None
            task = ChildTask(child, spec, state, child_edits, recipe, seed=args.seed + child, train_seed=train_seed)
            result = evaluate_child(task, data)
            row = {
                "child": child,
                "recipe": name,
                "validation_accuracy": result.validation_accuracy,
                "seconds": round(result.train_seconds, 1),
                "arch": result.spec.to_string(),
            }
            append_row(args.csv, FIELDS, row)
            print(f"child {child} {name}: {100 * (result.validation_accuracy or 0):.2f}% in {row['seconds']} s")
    summary(recorded(args.csv), list(recipes(args.reference_epochs)))


def summary(rows: list[dict[str, str]], names: list[str]) -> None:
    """Rank correlations of each proxy against the reference (the last recipe), and their costs."""
    reference = names[-1]
    by_recipe = {
        name: {int(r["child"]): float(r["validation_accuracy"]) for r in rows if r["recipe"] == name} for name in names
    }
    children = sorted(set.intersection(*(set(values) for values in by_recipe.values())))
    print(f"\n{len(children)} children measured with every recipe; reference: {reference}")
    print(f"{'recipe':<28}{'mean %':>8}{'spread':>8}{'rho':>7}{'tau':>7}{'s / child':>11}")
    for name in names:
        values = [by_recipe[name][child] for child in children]
        truth = [by_recipe[reference][child] for child in children]
        seconds = statistics.mean(float(r["seconds"]) for r in rows if r["recipe"] == name)
        rho = stats.spearmanr(values, truth).statistic if len(children) > 2 else float("nan")
        tau = stats.kendalltau(values, truth).statistic if len(children) > 2 else float("nan")
        spread = statistics.stdev(values) * 100 if len(values) > 1 else float("nan")
        print(f"{name:<28}{100 * statistics.mean(values):>8.2f}{spread:>8.2f}{rho:>7.2f}{tau:>7.2f}{seconds:>11.1f}")


if __name__ == "__main__":
    main()
