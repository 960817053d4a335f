"""The controller's serial part of an episode: sampling its networks (`propose`) and one REINFORCE
update (`observe`), which no executor can run in parallel. docs/CLUSTER.md's scaling estimate uses it.

For the plain CPU space and for the paper's DenseNet space (DenseNet-BC L = 40, k = 12), with the
paper's episode (10 networks, 4 wider + 5 deeper actions), on one thread; children are not trained:
each gets a made-up reward, since only the controller's time is measured.

    python bench/controller_serial.py [--episodes 4]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from eas.build import build_model
from eas.controller import ControllerConfig
from eas.search import SearchConfig
from eas.search.run import Network
from eas.search.strategies import make_strategy
from eas.search.strategies.base import SearchContext
from eas.search.trial import Trial
from eas.spec import ActionSpace, parse_spec

SPACES = (
    ("conv-16-3 pool conv-32-3 pool conv-64-3 gap fc-64", ActionSpace.cpu(), (1, 28, 28)),
    ("densenet-bc depth=40 growth=12 blocks=3", ActionSpace.densenet_paper(), (3, 32, 32)),
)


def time_episodes(
    arch: str, space: ActionSpace, shape: tuple[int, int, int], episodes: int
) -> tuple[list[float], list[float]]:
    """Seconds of `propose` and of `observe` per episode for the rl strategy on `arch`."""
    controller = ControllerConfig(max_positions=max(8, space.max_layers_per_block))
    config = SearchConfig(
        start=arch,
        action_space=space,
        controller=controller,
        networks_per_episode=10,
        wider_actions=4,
        deeper_actions=5,
    )
    spec = parse_spec(arch, shape, 10)
    network = Network(spec, build_model(spec, seed=0).state_dict(), None, 0.9)
    strategy = make_strategy(config)
    context = SearchContext(config, network, lambda: network)
    proposing, observing = [], []
    for episode in range(episodes):
        began = time.perf_counter()
        proposals = strategy.propose(episode, context)
        proposing.append(time.perf_counter() - began)
        trials = [
            Trial(episode, slot, arch, spec.to_json(), decisions=proposal.decisions)
            for slot, proposal in enumerate(proposals)
        ]
        rewards: list[float | None] = [0.9 + 0.001 * slot for slot in range(len(trials))]
        began = time.perf_counter()
        strategy.observe(episode, trials, rewards)
        observing.append(time.perf_counter() - began)
    return proposing, observing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--episodes", type=int, default=4)
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"{'start network':<52}{'propose s':>12}{'observe s':>12}  (median over {args.episodes} episodes)")
    for arch, space, shape in SPACES:
        proposing, observing = time_episodes(arch, space, shape, args.episodes)
        print(f"{arch:<52}{statistics.median(proposing):>12.3f}{statistics.median(observing):>12.3f}")


if __name__ == "__main__":
    main()
