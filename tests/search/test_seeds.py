"""Derived seeds: distinct over episodes and slots, the same on every call (a resume re-derives them)."""

from __future__ import annotations

import random

import torch

from eas.search.seeds import episode_seed, trial_seed

EPISODES = range(200)
SLOTS = range(64)


def test_trial_seeds_are_distinct_over_a_grid_of_episodes_slots_and_run_seeds() -> None:
    seeds = [trial_seed(seed, episode, slot) for seed in (0, 1, 7) for episode in EPISODES for slot in SLOTS]
    assert len(set(seeds)) == len(seeds)


def test_episode_seeds_are_distinct_over_episodes_and_run_seeds() -> None:
    seeds = [episode_seed(seed, episode) for seed in range(5) for episode in EPISODES]
    assert len(set(seeds)) == len(seeds)


def test_seeds_are_deterministic_and_pinned() -> None:
    # Pinned values: changing the formula would make a resumed run draw other children than the
    # interrupted one did, so it must be a deliberate change that updates these numbers.
    assert episode_seed(0, 0) == 0
    assert episode_seed(1, 2) == 1_000_005
    assert trial_seed(1, 2, 3) == 1_000_005 * 1009 + 3
    assert [trial_seed(4, 5, 6) for _ in range(3)] == [trial_seed(4, 5, 6)] * 3


def test_trial_seed_builds_on_episode_seed() -> None:
    # Slots of one episode are consecutive numbers above a base derived from the episode's seed, so
    # two episodes with different episode seeds never share a child seed.
    for seed, episode in ((0, 0), (3, 11), (42, 199)):
        base = trial_seed(seed, episode, 0)
        assert [trial_seed(seed, episode, slot) - base for slot in SLOTS] == list(SLOTS)
        assert base == episode_seed(seed, episode) * 1009  # the slot factor pinned above


def test_derived_seeds_fit_the_random_generators_that_use_them() -> None:
    # torch.Generator.manual_seed takes at most 64 bits; a large user seed must still be accepted.
    largest = trial_seed(2**31 - 1, 100_000, 1000)
    assert largest < 2**63
    torch.Generator().manual_seed(largest)
    torch.Generator().manual_seed(episode_seed(2**31 - 1, 100_000))
    # Different episodes draw different streams.
    assert random.Random(episode_seed(0, 0)).random() != random.Random(episode_seed(0, 1)).random()
