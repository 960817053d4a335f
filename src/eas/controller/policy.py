"""`Controller`: the EAS meta-controller (encoder, wider actor, deeper actor) as one `nn.Module`.

It samples decisions on a network, applies them through `eas.spec.edits` (re-encoding after every
action), and re-scores recorded decisions with grad so that REINFORCE can train on replayed episodes.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from eas.controller.config import ControllerConfig
from eas.controller.decisions import Decision, DeeperDecision, Episode, WiderDecision, apply_decision
from eas.controller.deeper_actor import DeeperActor
from eas.controller.encoder import EncodedSpec, SpecEncoder
from eas.controller.tokens import TokenVocabulary
from eas.controller.wider_actor import WiderActor
from eas.spec import ActionSpace, Spec, edited_spec


class Controller(nn.Module):
    """Policy over network transformations; `generator` is its default source of randomness.

    Its tensors are tiny (one network at a time), so on a busy CPU intra-op threads only cost time:
    measured here, `torch.set_num_threads(1)` made an episode about 60x faster under load.
    """

    def __init__(self, config: ControllerConfig | None = None, action_space: ActionSpace | None = None) -> None:
        super().__init__()
        self.config = config if config is not None else ControllerConfig()
        self.action_space = action_space if action_space is not None else ActionSpace.paper()
        if self.action_space.max_layers_per_block - 1 > self.config.max_positions:
            raise ValueError(
                f"ActionSpace.max_layers_per_block={self.action_space.max_layers_per_block} allows insert positions "
                f"up to {self.action_space.max_layers_per_block - 2}, but ControllerConfig.max_positions is "
                f"{self.config.max_positions}"
            )
        self.vocabulary = TokenVocabulary(self.action_space)
        # Seeded initialisation without disturbing the caller's global random state.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.config.seed)
            self.encoder = SpecEncoder(len(self.vocabulary), self.config.embedding_size, self.config.encoder_hidden)
            self.wider_actor = WiderActor(self.encoder.output_size)
            self.deeper_actor = DeeperActor(
                self.config.embedding_size, self.config.deeper_hidden, self.config.max_blocks, self.config.max_positions
            )
        self.generator = torch.Generator().manual_seed(self.config.seed)

    @property
    def device(self) -> torch.device:
        """Device of the controller's parameters."""
        return self.wider_actor.linear.weight.device

    def encode(self, spec: Spec) -> EncodedSpec:
        """Run the bidirectional encoder over the spec's layer tokens."""
        return self.encoder(self.vocabulary.encode(spec, self.device))

    # ----- sampling ------------------------------------------------------------------------------
    def sample_wider(self, spec: Spec, generator: torch.Generator | None = None) -> WiderDecision:
        """Sample which layers to widen (log_prob and entropy carry grad)."""
        layers, log_prob, entropy = self.wider_actor.decide(
            self.encode(spec).outputs, self.action_space.widen_mask(spec), self._generator(generator)
        )
        return WiderDecision(layers, log_prob=log_prob, entropy=entropy)

    def sample_deeper(self, spec: Spec, generator: torch.Generator | None = None) -> DeeperDecision:
        """Sample where to insert a layer and its kernel (a no-op with log_prob 0 when nowhere is possible)."""
        return self.deeper_actor.decide(
            self.encode(spec), self.action_space.deepen_targets(spec), self._generator(generator)
        )

    def sample_episode(
        self, spec: Spec, num_wider: int = 4, num_deeper: int = 5, generator: torch.Generator | None = None
    ) -> Episode:
        """`num_wider` wider then `num_deeper` deeper decisions, each on the network the previous ones made."""
        generator = self._generator(generator)
        decisions: list[Decision] = []
        current = spec
        for step in range(num_wider + num_deeper):
            decision: Decision
            if step < num_wider:
                decision = self.sample_wider(current, generator)
            else:
                decision = self.sample_deeper(current, generator)
            decisions.append(decision)
            current = apply_decision(current, decision, self.action_space)
        # The child also gets the space's closing edits (a DenseNet's transitions), as decisions_to_edits does.
        current = edited_spec(current, self.action_space.closing_edits(current))
        log_prob, entropy = _sums(decisions, self._zero())
        return Episode(spec, tuple(decisions), current, log_prob=log_prob, entropy=entropy)

    # ----- re-scoring ----------------------------------------------------------------------------
    def score_decision(self, spec: Spec, decision: Decision) -> Decision:
        """The same decision with the log_prob and entropy the current policy gives it on `spec`."""
        if isinstance(decision, WiderDecision):
            layers, log_prob, entropy = self.wider_actor.decide(
                self.encode(spec).outputs, self.action_space.widen_mask(spec), self.generator, decision.layers
            )
            return WiderDecision(layers, log_prob=log_prob, entropy=entropy)
        targets = self.action_space.deepen_targets(spec)
        scored = self.deeper_actor.decide(self.encode(spec), targets, self.generator, forced=decision)
        if scored.after != decision.after:
            raise ValueError(f"recorded deeper decision {decision.to_dict()} disagrees with the network's targets")
        return scored

    def score_episode(self, start_spec: Spec, decisions: Sequence[Decision]) -> tuple[torch.Tensor, torch.Tensor]:
        """Replay `decisions` from `start_spec`: (sum of log-probabilities, sum of entropies), with grad."""
        scored: list[Decision] = []
        current = start_spec
        for decision in decisions:
            scored.append(self.score_decision(current, decision))
            current = apply_decision(current, decision, self.action_space)
        return _sums(scored, self._zero())

    # ----- inspection ----------------------------------------------------------------------------
    def wider_probabilities(self, spec: Spec) -> torch.Tensor:
        """P(widen) of every layer, 0 where the action space forbids it (no grad)."""
        with torch.no_grad():
            probabilities = torch.sigmoid(self.wider_actor(self.encode(spec).outputs))
            mask = torch.tensor(self.action_space.widen_mask(spec), dtype=torch.bool, device=probabilities.device)
            return probabilities.masked_fill(~mask, 0.0)

    def block_probabilities(self, spec: Spec) -> torch.Tensor:
        """Probabilities of the deeper actor's block choice, shape (max_blocks,) (no grad)."""
        with torch.no_grad():
            targets = self.action_space.deepen_targets(spec)
            if not targets:
                return torch.zeros(self.config.max_blocks, device=self.device)
            return self.deeper_actor.block_log_probs(self.encode(spec), targets).exp()

    def _generator(self, generator: torch.Generator | None) -> torch.Generator:
        return self.generator if generator is None else generator

    def _zero(self) -> torch.Tensor:
        return torch.zeros((), device=self.device)


def _sums(decisions: Sequence[Decision], zero: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    log_prob, entropy = zero, zero
    for decision in decisions:
        assert decision.log_prob is not None and decision.entropy is not None
        log_prob = log_prob + decision.log_prob
        entropy = entropy + decision.entropy
    return log_prob, entropy
