"""Equal budget: a search against a hand-designed network, the same total wall time T for each method.

Methods (each a real command line, timed from start to end, on this machine):
  a  `eas search --time-budget T --train-final` from the preset's start network (the preset of commit
     701de52: children priced by FLOPs);
  a0 the same with the preset's split of commit 9bd7b60 (one-epoch start, final share 0.3, the phases on
     schedules of their own), which is what the CSV's first (a) run measured;
  b  the same, starting from the hand-designed network (its training is part of T);
  c  the hand-designed network trained alone for T (`eas train --time-budget T`, the final recipe);
  d  the preset's start network of then (`conv-16-3 pool conv-32-3 pool conv-64-3 gap fc-64`, DEFAULT_ARCH)
     trained alone for T;
  e  b, with the final training continuing the found network at a fifth of the peak learning rate and
     no cost penalty (a trained network needs a fine-tune, not a second full schedule);
  f  b with one learning-rate schedule over the whole job (`--one-schedule`): the hand-designed network
     trains for the first quarter without annealing, the search grows it for a short share, and the
     chosen child continues the same cosine for the last 60% (no phase restarts or re-anneals it).
  g  f with the hand-designed network's share at 60%, the search at 10% and the final training at 30%,
     and every added FLOP paid for (reward x (FLOPs / start FLOPs)^-0.2; -0.2 is the exchange rate
     the (c) runs imply: 2.67x the time gave +1.2 points, so 10% fewer epochs costs about 0.12 point,
     which is 1.7% of the tan reward at 93%): the hand-designed network still gains from more epochs
     at 40 minutes, so growth has to earn its epochs back.
  h  for T = 2 hours: b with one schedule (start 30%, search 20%, final 50%), common child data, widths up
     to 256 (the CPU space stops at 128, which the hand-designed network already has in its last block)
     and a cost target of 30 final epochs (w = -0.1): at 2 hours the final share can afford a network
     about twice the hand-designed one's FLOPs for 30 epochs, so growth need not pay for itself
     in epochs lost, only against that target.
  i  a with the paper's second stage at this scale: at each stage restart (every 2 episodes) the best
     network so far first trains 2 epochs on every training image with the children's recipe, within
     the search's share (`--set stage_training=...`); does training it longer before the next stage pay?
  j  a with each child priced by the training seconds per image its fine-tune measured instead of its
     FLOPs (`--cost-measure time`, the preset's since commit a800415; the other search methods pin
     `--cost-measure flops`, which they were measured with): (a)'s seed-0 network was within the FLOPs
     target but trained at 0.77x the hand-designed network's images/s with 0.96x its FLOPs, and got 14
     final epochs of the 20 aimed at.
  k  the network the search chose most often at 40 minutes (methods i and j, seed 0, found it both times)
     trained alone for T as c trains the hand-designed one: is the searched architecture worse than the
     hand-designed one at equal time, or does it only get fewer epochs inside a search?
  l  b with one schedule and the final network's epochs kept near (c)'s (start 15%, search 10%, final
     75%; children priced by measured time, the preset's w = -0.1, against a target of 90% of the epochs
     the hand-designed network gets in the final share at 800 images/s: 65 at 2 hours, 22 at 40 minutes;
     widths up to 256): (c) at 2 hours (91 epochs, 95.00%) and (h) (a network 2.6x the hand-designed
     one's FLOPs with half the budget, 94.47%) say the final epochs decide, so the search may only grow
     the network where it costs few of them.
  m  l with the cost priced three times as steeply (w = -0.3) and the epoch target taken from this run's
     machine speed probe instead of a fixed 800 images/s.
  n  j (`make search` at T = 15 min, as the preset was then) from the hand-designed network at half its widths
     (`conv-16-3 conv-16-3 pool conv-32-3 conv-32-3 pool conv-64-3 conv-64-3 gap fc-64`, 3.1-3.7x its
     training speed on a 2-core AMD EPYC) instead of the preset's 28K-parameter start: a start the search can grow
     into the hand-designed network (two wider actions take a layer two rungs up, 16 -> 32) but whose
     start share trains three times as many epochs. The preset has started from it since (CPU_START); the
     methods measured with the old start (a, a0, i, j; d trains it alone) pass it explicitly.
  o  the network (n) chose at T = 40 minutes trained alone for T as c trains the hand-designed one, seed s
     training the network of (n) seed s (thin first layers, 42-49% of the hand-designed network's
     parameters, 1.7-2.5x its speed on the slow AMD EPYC): is what the search found better per CPU-second
     than the hand-designed network, and so lost only the time the search spent finding it?
  p  n with the time moved from the search to the final training (start 15%, search 15%, final 70%, against
     the preset's 20/30/50) and the same cost target in images/s (final_epochs_target 28 = 20 x 0.7 / 0.5):
     (o) found (n)'s network better per CPU-second than the hand-designed one alone, so (n) lost
     the time its search took; does a shorter search that leaves the network it finds more epochs pay?
  q  p with smaller steps and a steeper price: one wider and one deeper action per child (the preset: 2 + 2),
     the cost priced three times as steeply (w = -0.3) against a target of 40 final epochs (0.75 ms per
     image in the children's measure), and the split start 10%, search 15%, final 75%. The children of (n)
     and (p) differ by 0.1-0.3 validation points, within the noise of 5,000 validation images (0.36 points
     at 93%), while their speeds differ by up to 3x; the first episode's children (the controller not yet
     trained) all cost 2-6x the start's FLOPs, so (p) kept one of 740 final images/s where (o) says (n)'s
     1,099 images/s network does best in 40 minutes. Does a search of small, cheap steps keep its speed?
  r  the half-width start of n, p and q trained alone for T as c trains the hand-designed network: the
     control for (o) and (q), whose networks are this start grown a little. Is what the search adds to it
     worth more than the epochs it costs?
  s  q with the start network's twin (`--set parent_twin=true`: the start, unchanged, fine-tuned as its
     children are, so that it competes with them on equal terms and the final training keeps it when no
     child earns its cost) and a third less search (start 10%, search 10%, final 80%; the same 0.75 ms per
     image target, 43 final epochs). (r) beat every search run: at 40 minutes its growth has not paid for
     the time it took, so the search must be cheaper and may keep its start.
  t  s with cost priced as the preset prices it (w = -0.1 instead of -0.3). (s) seed 0 kept its start's twin
     although its best child had scored 0.48 validation points more after the same fine-tune: the steep
     price outweighed that. With the same seed, (t) proposes the same first-episode children (common
     draws) and was meant to differ from (s) only in the network it keeps: did the twin's verdict, growth
     gained 0.48 points, hold in the test accuracy? The pairing is not exact: the start's time-budgeted
     training plans its epochs from its measured speed (at seed 0, 7 epochs against (s)'s 6), so the
     children grow from another start.
  u  t with the growth late: the start network trains for the first 70% of the one schedule, the search
     takes 10% (the twin and about five children), the final training the last 20% (the same cost
     target per image, 11 epochs in 20%). In (s) and (t) the start trained 6-7 epochs, and the phases
     around it cost 0.38-0.55 points against (r), which trains it 57 epochs: a start that has had most of
     (r)'s epochs before the search loses at most the search's share, and a child grown then pays its
     cost only for the last fifth (Net2Net: a trained network grown without losing what it learned).
  v  u from the hand-designed network, for T = 2 hours: it trains for the first 70% of the one schedule
     (the epochs its measured speed allows there), the search takes 10% (its twin and one wider and one
     deeper action per child, widths up to 256), the final training the last 20%, against a cost target
     taken from the run's probe as m takes it (90% of the hand-designed network's epochs in the final
     share). At 2 hours (l) and (m) grew it after 15% and lost epochs to it (45 and 64 final epochs,
     94.89% and 94.82% against (c)'s 95.00%): grown late, a child pays for its growth only in the last fifth.
  w  l with the final training's weight decay at 5e-4 (the CIFAR recipe's; the preset's is 1e-4), for T = 2
     hours: the half-width network scored +0.35 validation points with it at 30 epochs (three seeds,
     bench/final_recipe.py; validation, not the test set, chose it), and fitting the training images
     better has stopped paying at 2 hours: (c) reached 97.4% training accuracy (augmented) with 112 epochs
     and 94.94% test, 96.9% with 91 and 95.00%; l's final networks ended at 96.0-96.6%. Does stronger
     regularisation lift l's 94.83% towards 95%?
  x  c with the final training's weight decay at 5e-4: w's control, the hand-designed network alone.
  y  w with small steps, for T = 2 hours: one wider and one deeper action per child (the preset: 2 + 2).
     The children of l, m and w cost 1.4-6.3x the hand-designed network's FLOPs, and l's four seeds kept
     ones that trained 29-47 of the 65 final epochs aimed at; v's children, one step from the same start,
     cost 1.26-3.1x. Children that near the target (set at 90% of the start's epochs) should let the price
     choose by accuracy among networks the final share can train (expected, not measured in l's split).
     Does growth pay at 2 hours when it costs few final epochs?
Every finished run is appended to a CSV at once, and runs already in it are skipped, so an interrupted
comparison continues where it stopped; what each run's command printed is kept in OUT/<run>.out.
Before each run a probe of a few seconds measures the machine's training speed (the hand-designed
network, final recipe), recorded beside the run: runs of different days are compared here, and the
machine's speed has differed between them. Prints test accuracy (mean and spread over seeds),
parameters, wall time and the probe's speeds per method.

    python bench/equal_budget.py --minutes 40 --seeds 0 1 --methods c a b d
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

from eas.build import build_model
from eas.data import Split, load_dataset
from eas.search import preset
from eas.spec import DEFAULT_ARCH, parse_spec
from eas.train import TrainConfig, fit
from results_log import append_row, recorded, run_keeping_output, welch_line  # bench/results_log.py, beside this script

HAND_DESIGNED = "conv-32-3 conv-32-3 pool conv-64-3 conv-64-3 pool conv-128-3 conv-128-3 gap fc-128"
HALF_WIDTH = "conv-16-3 conv-16-3 pool conv-32-3 conv-32-3 pool conv-64-3 conv-64-3 gap fc-64"
# The final network of methods i and j, seed 0 (runs/equal-budget/{i,j}-seed0-40min/final/metrics.json).
SEARCHED = "conv-32-3 conv-24-3 conv-24-3 pool conv-96-3 pool conv-96-3 conv-96-5 conv-128-3 gap fc-256"
# The final networks of method n at 40 minutes, seeds 0 and 1 (runs/equal-budget/n-seed{0,1}-40min/final).
SEARCHED_BY_N = {
    0: "conv-16-3 conv-16-3 pool conv-48-3 conv-32-3 conv-32-1 pool conv-64-3 conv-96-3 gap fc-128 fc-128",
    1: "conv-16-3 conv-16-3 conv-16-3 pool conv-48-3 conv-48-1 conv-64-3 pool conv-64-3 conv-96-3 gap fc-128",
}
PRESET = "fashion-cpu"
FIELDS: tuple[str, ...] = ("method", "seed", "minutes", "test_accuracy", "parameters", "wall_seconds", "arch")
FIELDS += ("command", "finished", "probe_images_per_second")
# The final network's test accuracy with flip averaging (empty for runs recorded before final trainings
# measured it); `test_accuracy`, the plain figure, is what every comparison here uses.
FIELDS += ("flip_average_test_accuracy",)
PROBE_IMAGES = 6400  # one probe: 50 steps of 128 images, about 8 s at the speeds measured so far
EAS = str(Path(sys.executable).with_name("eas"))
METHODS: tuple[str, ...] = ("a", "a0", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o")
METHODS += ("p", "q", "r", "s", "t", "u", "v", "w", "x", "y")
# The CIFAR recipe's weight decay, which methods w, x and y give the final training (the preset's: 1e-4).
CIFAR_WEIGHT_DECAY = 5e-4
# Search methods whose children are priced by FLOPs (the preset's measure before commit a800415); every
# later search method prices them by measured time, as the preset does.
PRICED_BY_FLOPS = ("a", "a0", "b", "e", "f", "g", "h", "i")
ALONE = {
    "c": HAND_DESIGNED,
    "k": SEARCHED,
    "r": HALF_WIDTH,
    "x": HAND_DESIGNED,
}  # trained alone; d's network is the preset's start of then
# The hand-designed network's final training speed, a round figure within what the (c) runs measured
# (845, 886 and 963 images/s at 40 minutes, 765 at 2 hours), and the images it trains on.
HAND_DESIGNED_IMAGES_PER_SECOND = 800
TRAINING_IMAGES = 60_000
# A whole final training runs slower than the probe's short runs (epoch ends, evaluation, a warm cache in
# the probe): the (c) seed-2 run at 40 minutes trained at 845 images/s, its probe read 1,057.
RUN_OVER_PROBE = 0.8
WIDE_FILTERS = "[16,24,32,48,64,96,128,192,256]"
# The summary's t-tests compare a method with the (c) runs of days whose speed probe lies within this factor
# of the method's: the slow days probed 394..497 images/s, the normal ones 809..1057.
SAME_SPEED = 1.25


def recipe_flags(recipe: TrainConfig) -> list[str]:
    """`eas train` flags for a TrainConfig (the preset's final recipe, so c and d train as a and b do)."""
    flags = ["--lr", str(recipe.learning_rate), "--batch-size", str(recipe.batch_size), "--schedule", recipe.schedule]
    flags += ["--weight-decay", str(recipe.weight_decay), "--warmup-steps", str(recipe.warmup_steps)]
    flags += ["--random-erasing", str(recipe.random_erasing), "--label-smoothing", str(recipe.label_smoothing)]
    return flags if recipe.augment else [*flags, "--no-augment"]


def command(method: str, seed: int, seconds: float, out: Path, probe: float) -> tuple[list[str], Path]:
    """The command line of one run and the folder whose metrics.json holds its result (`probe`: the
    machine speed probe's images/s, just measured)."""
    config = preset(PRESET)
    if method in (*ALONE, "d", "o"):
        arch = SEARCHED_BY_N[seed] if method == "o" else ALONE.get(method, DEFAULT_ARCH)
        line = [EAS, "train", "--arch", arch, "--full-train", "--time-budget", str(seconds), "--seed", str(seed)]
        recipe = config.final_training
        if method == "x":
            recipe = replace(recipe, weight_decay=CIFAR_WEIGHT_DECAY)
        return [*line, *recipe_flags(recipe), "--out", str(out)], out
    line = [EAS, "search", "--preset", PRESET, "--time-budget", str(seconds), "--train-final", "--seed", str(seed)]
    if method in ("a", "a0", "i", "j"):
        # Measured before the preset started from CPU_START (the hand-designed network at half its widths):
        # pinned to the start they had, so that these commands keep measuring what the CSV records.
        line += ["--start", DEFAULT_ARCH]
    if method in ("a0", "b", "e"):
        # The preset's split as these methods were measured (commit 9bd7b60), before the preset itself
        # took a start share, one schedule and a final share of 0.5.
        line += ["--final-share", "0.3", "--set", "one_schedule=false"]
    if method == "a0":
        line += ["--set", "start_share=null"]
    # Pinned (PRICED_BY_FLOPS), so that the commands keep measuring what the CSV records.
    line += ["--cost-measure", "flops" if method in PRICED_BY_FLOPS else "time"]
    if method in ("a0", "b", "e", "f", "g"):
        # Measured before the preset took common child draws (commit 701de52): pinned, so that these
        # commands keep measuring what the CSV records for them.
        line += ["--set", "common_child_data=false"]
    if method in ("b", "e"):
        line += ["--start", HAND_DESIGNED, "--start-share", "0.5"]
    if method == "f":
        line += ["--start", HAND_DESIGNED, "--start-share", "0.25", "--final-share", "0.6", "--one-schedule"]
    if method == "g":
        line += ["--start", HAND_DESIGNED, "--start-share", "0.6", "--final-share", "0.3", "--one-schedule"]
        line += ["--cost-exponent", "-0.2", "--set", "final_epochs_target=null"]
    if method == "h":
        line += ["--start", HAND_DESIGNED, "--start-share", "0.3", "--final-share", "0.5", "--one-schedule"]
        line += ["--cost-exponent", "-0.1", "--set", "final_epochs_target=30", "--set", "common_child_data=true"]
        line += ["--set", f"action_space.filter_widths={WIDE_FILTERS}"]
    if method in ("l", "m", "v", "w", "y"):
        start_share, final_share = (0.7, 0.2) if method == "v" else (0.15, 0.75)
        line += ["--start", HAND_DESIGNED, "--start-share", str(start_share), "--final-share", str(final_share)]
        line += ["--one-schedule"]
        # m and v take the hand-designed network's speed from this run's probe, not a figure of other days:
        # the machine's speed has differed between days by more than 2x.
        speed = HAND_DESIGNED_IMAGES_PER_SECOND if method in ("l", "w", "y") else RUN_OVER_PROBE * probe
        epochs = round(0.9 * final_share * seconds * speed / TRAINING_IMAGES)
        # m prices cost three times as steeply: at -0.1, l chose a child of 2.1x the target cost for
        # 0.4 validation points it had over cheaper ones, and its final training got 45 of 65 epochs.
        exponent = "-0.3" if method == "m" else "-0.1"
        line += ["--cost-exponent", exponent, "--set", f"final_epochs_target={epochs}"]
        line += ["--set", f"action_space.filter_widths={WIDE_FILTERS}"]
    if method in ("w", "y"):
        line += ["--set", f"final_training.weight_decay={CIFAR_WEIGHT_DECAY}"]
    if method == "y":
        line += ["--set", "wider_actions=1", "--set", "deeper_actions=1"]
    if method == "v":
        # u's small steps and the twin: late in the schedule the start is nearly trained, and a child must
        # beat it fine-tuned as the children are.
        line += ["--set", "wider_actions=1", "--set", "deeper_actions=1", "--set", "parent_twin=true"]
    if method in ("n", "p", "q", "s", "t", "u"):
        line += ["--start", HALF_WIDTH]
    if method == "p":
        # Pinned, not derived from the preset: n's cost target (20 epochs in a final share of 0.5) in images/s.
        line += ["--start-share", "0.15", "--final-share", "0.7", "--set", "final_epochs_target=28"]
    if method == "q":
        line += ["--start-share", "0.1", "--final-share", "0.75", "--cost-exponent", "-0.3"]
        line += ["--set", "final_epochs_target=40", "--set", "wider_actions=1", "--set", "deeper_actions=1"]
    if method in ("s", "t", "u"):
        # q's steps and price (43 final epochs in 80% is q's 0.75 ms per image), a third less search, and the
        # start's twin competing for the final training; t prices cost as the preset does (w = -0.1); u
        # grows late, at the same price per image (11 epochs in 20%, to the nearest epoch).
        exponent = "-0.3" if method == "s" else "-0.1"
        shares, target = (("0.7", "0.2"), "11") if method == "u" else (("0.1", "0.8"), "43")
        line += ["--start-share", shares[0], "--final-share", shares[1], "--cost-exponent", exponent]
        line += ["--set", f"final_epochs_target={target}", "--set", "wider_actions=1", "--set", "deeper_actions=1"]
        line += ["--set", "parent_twin=true"]
    if method == "i":
        # The children's fine-tune recipe (presets.py), longer and on every training image.
        child = replace(config.child_training, epochs=2, train_subset=None)
        line += ["--set", f"stage_training={json.dumps(child.to_dict())}"]
    if method == "e":
        line += ["--final-lr", str(config.final_training.learning_rate / 5), "--cost-exponent", "0"]
    return [*line, "--run-dir", str(out)], out / "final"


def machine_speed(repeats: int = 3, arch: str = HAND_DESIGNED, data_root: str | None = None) -> float:
    """Training images/s of the hand-designed network with the final recipe, the median of `repeats`
    short runs in this process, just before a timed run. The same command has trained at 845..963
    images/s at 40 minutes on different days (765 at 2 hours), and runs of different days are compared
    here: the probe says whether a run had a slow machine. `arch` names another network to time the same way
    (bench/growth_frontier.py)."""
    data = load_dataset(preset(PRESET).dataset, root=data_root)
    subset = replace(data, train=Split(data.train.images[:PROBE_IMAGES].contiguous(), data.train.labels[:PROBE_IMAGES]))
    no_validation = Split(data.validation.images[:0], data.validation.labels[:0])  # time training only
    recipe = replace(preset(PRESET).final_training, epochs=1, warmup_steps=0, seed=0)
    spec = parse_spec(arch)
    speeds = [
        fit(build_model(spec, seed=0), subset, recipe, validation=no_validation).images_per_second
        for _ in range(repeats)
    ]
    return statistics.median(speeds)


def run_one(method: str, seed: int, minutes: float, out_root: Path) -> dict[str, object]:
    """Run one method from a clean folder; returns its CSV row."""
    out = out_root / f"{method}-seed{seed}-{minutes:g}min"
    shutil.rmtree(out, ignore_errors=True)
    probe = machine_speed()
    print(f"[{time.strftime('%H:%M:%S')}] machine speed probe: {probe:.0f} images/s", flush=True)
    line, result_dir = command(method, seed, minutes * 60, out, probe)
    print(f"[{time.strftime('%H:%M:%S')}] {method} seed {seed}: {' '.join(line)}", flush=True)
    began = time.perf_counter()
    run_keeping_output(line, out_root / f"{out.name}.out")
    wall = time.perf_counter() - began
    metrics = json.loads((result_dir / "metrics.json").read_text())
    return {
        "method": method,
        "seed": seed,
        "minutes": minutes,
        "test_accuracy": metrics["test_accuracy"],
        "parameters": metrics["parameters"],
        "wall_seconds": round(wall, 1),
        "arch": metrics["arch"],
        "command": " ".join(line[1:]),
        "finished": time.strftime("%Y-%m-%d %H:%M"),
        "probe_images_per_second": round(probe, 1),
        "flip_average_test_accuracy": metrics.get("flip_average_test_accuracy"),
    }


def summary(rows: list[dict[str, str]], minutes: float) -> None:
    """Print mean and spread of test accuracy per method, with parameters and wall time, and each
    method's t-test against (c) on days of its speed (`tests_against_hand`)."""
    print(f"\nT = {minutes:g} min on this machine; test accuracy over seeds")
    header = f"{'method':<8}{'runs':>5}{'mean %':>9}{'spread':>9}{'min..max %':>16}{'parameters':>12}{'wall s':>9}"
    print(f"{header}{'probe images/s':>16}")
    probed: dict[str, list[tuple[float, float]]] = {}  # each method's (probe, test accuracy), for the t-tests
    for method in METHODS:
        mine = [row for row in rows if row["method"] == method and float(row["minutes"]) == minutes]
        if not mine:
            continue
        accuracies = [100 * float(row["test_accuracy"]) for row in mine]
        spread = statistics.stdev(accuracies) if len(accuracies) > 1 else float("nan")
        parameters = statistics.mean(int(row["parameters"]) for row in mine)
        wall = max(float(row["wall_seconds"]) for row in mine)
        span = f"{min(accuracies):.2f}..{max(accuracies):.2f}"
        # Runs recorded before the probe existed have none.
        probed[method] = [
            (float(row["probe_images_per_second"]), accuracy)
            for row, accuracy in zip(mine, accuracies, strict=True)
            if row.get("probe_images_per_second")
        ]
        probes = [speed for speed, _ in probed[method]]
        probe = f"{min(probes):.0f}..{max(probes):.0f}" if probes else "-"
        print(
            f"{method:<8}{len(mine):>5}{statistics.mean(accuracies):>9.2f}{spread:>9.2f}{span:>16}"
            f"{parameters:>12,.0f}{wall:>9.0f}{probe:>16}"
        )
    for line in tests_against_hand(probed):
        print(line)


def tests_against_hand(probed: dict[str, list[tuple[float, float]]]) -> list[str]:
    """A Welch t-test of each method's test accuracy against (c), the hand-designed network alone, from
    `probed`: each method's runs as (speed probe in images/s, test accuracy in %). Only runs with a probe
    count, and a method is compared with the (c) runs whose probe is within SAME_SPEED of its runs' median
    probe: the machine's speed has differed between days by more than 2x, and on a slow day every method
    gets fewer epochs, so pooling days would compare days, not methods. Each side needs two runs or more."""
    hand = probed.get("c", [])
    lines = []
    for method, runs in probed.items():
        if method == "c" or len(runs) < 2:
            continue
        centre = statistics.median(speed for speed, _ in runs)
        peers = [accuracy for speed, accuracy in hand if centre / SAME_SPEED <= speed <= centre * SAME_SPEED]
        if len(peers) > 1:
            label = f"{method} - c ({len(peers)} runs of c at {method}'s speed), test"
            lines.append(welch_line(label, [accuracy for _, accuracy in runs], peers))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=40.0, help="total wall time T of every run (2 h: 120)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--methods", nargs="+", default=["c", "a", "b", "d"], choices=METHODS)
    parser.add_argument("--csv", type=Path, default=Path("bench/results/equal_budget.csv"))
    parser.add_argument("--out", type=Path, default=Path("runs/equal-budget"))
    args = parser.parse_args()
    if "o" in args.methods and set(args.seeds) - set(SEARCHED_BY_N):
        parser.error(f"method o trains the network of (n) seed s; (n) has networks for seeds {sorted(SEARCHED_BY_N)}")
    for seed in args.seeds:
        for method in args.methods:
            done = recorded(args.csv)
            if any(
                r["method"] == method and int(r["seed"]) == seed and float(r["minutes"]) == args.minutes for r in done
            ):
                continue
            row = run_one(method, seed, args.minutes, args.out)
            append_row(args.csv, FIELDS, row)
            print(f"  test {100 * float(str(row['test_accuracy'])):.2f}% in {row['wall_seconds']} s", flush=True)
    summary(recorded(args.csv), args.minutes)


if __name__ == "__main__":
    main()
