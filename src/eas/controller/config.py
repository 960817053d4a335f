"""`ControllerConfig`: sizes and optimisation settings of the EAS meta-controller.

Defaults follow the paper and the official code (embedding 16, bidirectional LSTM 50 per direction,
deeper LSTM cell 100, Adam lr 2e-3, entropy bonus 1e-5, baseline decay 0.95).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class ControllerConfig:
    """Network sizes, REINFORCE settings and the seed of the controller."""

    embedding_size: int = 16
    encoder_hidden: int = 50
    deeper_hidden: int = 100
    max_blocks: int = 8
    max_positions: int = 8
    entropy_weight: float = 1e-5
    learning_rate: float = 2e-3
    baseline_decay: float = 0.95
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("embedding_size", "encoder_hidden", "deeper_hidden", "max_blocks", "max_positions"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"ControllerConfig.{name} must be a positive integer, got {value!r}")
        if self.deeper_hidden != 2 * self.encoder_hidden:
            # The deeper cell starts from the encoder's final state (both directions concatenated).
            raise ValueError(
                f"ControllerConfig.deeper_hidden ({self.deeper_hidden}) must be 2 * encoder_hidden "
                f"({2 * self.encoder_hidden})"
            )
        if self.entropy_weight < 0:
            raise ValueError(f"ControllerConfig.entropy_weight must be >= 0, got {self.entropy_weight}")
        if self.learning_rate <= 0:
            raise ValueError(f"ControllerConfig.learning_rate must be > 0, got {self.learning_rate}")
        if not 0.0 <= self.baseline_decay < 1.0:
            raise ValueError(f"ControllerConfig.baseline_decay must be in [0, 1), got {self.baseline_decay}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ControllerConfig:
        """Inverse of `to_dict`; unknown keys are a `ValueError` naming the allowed ones."""
        allowed = {field.name for field in fields(cls)}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise ValueError(f"ControllerConfig: unknown fields {unknown}; allowed: {sorted(allowed)}")
        return cls(**data)
