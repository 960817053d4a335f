"""The EAS meta-controller: token encoding, bidirectional encoder, wider and deeper actors, REINFORCE.

Imports only `eas.spec` and torch; the search applies its decisions to weights elsewhere.
"""

from eas.controller.config import ControllerConfig
from eas.controller.decisions import (
    Decision,
    DeeperDecision,
    Episode,
    WiderDecision,
    apply_decision,
    decision_edits,
    decision_from_dict,
    decisions_to_edits,
    replay_decisions,
)
from eas.controller.encoder import EncodedSpec, SpecEncoder
from eas.controller.policy import Controller
from eas.controller.reinforce import MovingAverageBaseline, ReinforceTrainer, UpdateStats
from eas.controller.tokens import TokenVocabulary

__all__ = [
    "Controller",
    "ControllerConfig",
    "Decision",
    "DeeperDecision",
    "EncodedSpec",
    "Episode",
    "MovingAverageBaseline",
    "ReinforceTrainer",
    "SpecEncoder",
    "TokenVocabulary",
    "UpdateStats",
    "WiderDecision",
    "apply_decision",
    "decision_edits",
    "decision_from_dict",
    "decisions_to_edits",
    "replay_decisions",
]
