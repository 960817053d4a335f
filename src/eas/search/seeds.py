"""Seeds of a search derived from its one `seed`, so a proposal or a child never depends on earlier draws.

One formula, used by the strategies (an episode's own choices) and by the episode runner (each
child's edits and training); a resumed run derives exactly the seeds the interrupted one used.
"""

from __future__ import annotations

# Primes larger than any realistic episode count or batch size keep derived seeds distinct.
_EPISODE_FACTOR = 1_000_003
_SLOT_FACTOR = 1009


def episode_seed(seed: int, episode: int) -> int:
    """Seed of an episode's own random choices."""
    return seed * _EPISODE_FACTOR + episode


def trial_seed(seed: int, episode: int, slot: int) -> int:
    """Seed of one child's edits and training."""
    return episode_seed(seed, episode) * _SLOT_FACTOR + slot
