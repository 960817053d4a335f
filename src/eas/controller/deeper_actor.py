"""`DeeperActor`: an LSTM cell, started from the encoder's final state, that picks block, position
and kernel in turn; each choice is a masked softmax whose value is embedded and fed to the next step.

Masks come from `ActionSpace.deepen_targets`, so only blocks the network really has (and that have
room) can be chosen; fc blocks make no kernel choice.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from eas.controller.decisions import DeeperDecision, find_target
from eas.controller.distributions import categorical_entropy, masked_log_softmax, sample_categorical
from eas.controller.encoder import EncodedSpec
from eas.spec import KERNEL_SIZES, DeepenTarget


class DeeperActor(nn.Module):
    """Three sequential masked choices: block (of `max_blocks`), position (of `max_positions`), kernel."""

    def __init__(self, embedding_size: int, hidden_size: int, max_blocks: int, max_positions: int) -> None:
        super().__init__()
        self.max_blocks = max_blocks
        self.max_positions = max_positions
        self.cell = nn.LSTMCell(embedding_size, hidden_size)
        # The first step has no previous choice to feed back, so it reads a learned start vector.
        self.start_input = nn.Parameter(torch.zeros(1, embedding_size))
        self.block_embedding = nn.Embedding(max_blocks, embedding_size)
        self.position_embedding = nn.Embedding(max_positions, embedding_size)
        self.block_head = nn.Linear(hidden_size, max_blocks)
        self.position_head = nn.Linear(hidden_size, max_positions)
        self.kernel_head = nn.Linear(hidden_size, len(KERNEL_SIZES))

    def block_log_probs(self, encoded: EncodedSpec, targets: Sequence[DeepenTarget]) -> torch.Tensor:
        """Log-probabilities of the first choice (the block), -inf for blocks with no target."""
        hidden, _ = self.cell(self.start_input, (encoded.hidden, encoded.cell))
        return masked_log_softmax(self.block_head(hidden)[0], self._block_mask(targets, hidden.device))

    def decide(
        self,
        encoded: EncodedSpec,
        targets: Sequence[DeepenTarget],
        generator: torch.Generator,
        forced: DeeperDecision | None = None,
    ) -> DeeperDecision:
        """Sample a deeper decision (or score `forced`), with its log_prob and entropy (summed over steps)."""
        zero = encoded.hidden.sum() * 0.0  # keeps no-op results on the graph and on the right device
        if not targets:
            if forced is not None and not forced.is_noop:
                raise ValueError("recorded deeper decision inserts a layer, but the network has no deepen target")
            return DeeperDecision(None, None, None, None, log_prob=zero, entropy=zero)
        if forced is not None and forced.is_noop:
            raise ValueError("recorded deeper no-op, but the network has deepen targets")
        state = self.cell(self.start_input, (encoded.hidden, encoded.cell))
        device = state[0].device
        block_mask = self._block_mask(targets, device)
        forced_block = None if forced is None else forced.block
        block, log_prob, entropy = _masked_step(self.block_head(state[0])[0], block_mask, generator, forced_block)

        state = self.cell(self.block_embedding(torch.tensor([block], device=device)), state)
        position_mask = torch.zeros(self.max_positions, dtype=torch.bool, device=device)
        for candidate in targets:
            if candidate.block == block:
                position_mask[self._checked_position(candidate)] = True
        forced_position = None if forced is None else forced.position
        position, step_log_prob, step_entropy = _masked_step(
            self.position_head(state[0])[0], position_mask, generator, forced_position
        )
        log_prob, entropy = log_prob + step_log_prob, entropy + step_entropy

        target = find_target(targets, block, position)
        assert target is not None  # the position mask only allows the block's targets
        if not target.kernels:  # fc block: no kernel to choose, nothing added to the log-probability
            if forced is not None and forced.kernel_size is not None:
                raise ValueError("recorded deeper decision has a kernel for an fc block")
            return DeeperDecision(block, position, target.after, None, log_prob=log_prob, entropy=entropy)
        state = self.cell(self.position_embedding(torch.tensor([position], device=device)), state)
        kernel_mask = torch.tensor([k in target.kernels for k in KERNEL_SIZES], dtype=torch.bool, device=device)
        forced_kernel = None
        if forced is not None:
            if forced.kernel_size not in KERNEL_SIZES:
                raise ValueError(f"recorded kernel {forced.kernel_size} is not one of {KERNEL_SIZES}")
            forced_kernel = KERNEL_SIZES.index(forced.kernel_size)
        kernel_index, step_log_prob, step_entropy = _masked_step(
            self.kernel_head(state[0])[0], kernel_mask, generator, forced_kernel
        )
        return DeeperDecision(
            block,
            position,
            target.after,
            KERNEL_SIZES[kernel_index],
            log_prob=log_prob + step_log_prob,
            entropy=entropy + step_entropy,
        )

    def _block_mask(self, targets: Sequence[DeepenTarget], device: torch.device) -> torch.Tensor:
        mask = torch.zeros(self.max_blocks, dtype=torch.bool, device=device)
        for target in targets:
            if target.block >= self.max_blocks:
                raise ValueError(
                    f"the network has a deepen target in block {target.block}, but ControllerConfig.max_blocks "
                    f"is {self.max_blocks}; raise max_blocks"
                )
            mask[target.block] = True
        return mask

    def _checked_position(self, target: DeepenTarget) -> int:
        if target.position >= self.max_positions:
            raise ValueError(
                f"deepen target at position {target.position} of block {target.block}, but "
                f"ControllerConfig.max_positions is {self.max_positions}; raise max_positions"
            )
        return target.position


def _masked_step(
    logits: torch.Tensor, mask: torch.Tensor, generator: torch.Generator, forced: int | None
) -> tuple[int, torch.Tensor, torch.Tensor]:
    """One masked softmax choice: (index sampled or `forced`, its log-probability, the step's entropy)."""
    log_probs = masked_log_softmax(logits, mask)
    if forced is None:
        index = sample_categorical(log_probs, generator)
    elif 0 <= forced < mask.numel() and bool(mask[forced]):
        index = forced
    else:
        raise ValueError(f"recorded choice {forced} is masked out here (allowed: {mask.nonzero().flatten().tolist()})")
    return index, log_probs[index], categorical_entropy(log_probs, mask)
