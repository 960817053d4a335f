"""Tests of `SpecEncoder`: output and final-state shapes, and that both directions see every layer."""

import torch

from eas.controller import SpecEncoder


def test_shapes_of_outputs_and_final_state() -> None:
    encoder = SpecEncoder(vocabulary_size=10, embedding_size=16, hidden_size=50)
    encoded = encoder(torch.tensor([1, 2, 3, 4]))
    assert encoder.output_size == 100
    assert encoded.outputs.shape == (4, 100)
    assert encoded.hidden.shape == (1, 100)
    assert encoded.cell.shape == (1, 100)


def test_final_hidden_is_both_directions_ends() -> None:
    encoder = SpecEncoder(vocabulary_size=10, embedding_size=16, hidden_size=50)
    encoded = encoder(torch.tensor([5, 1, 7]))
    # Forward direction ends at the last position, backward direction at the first.
    torch.testing.assert_close(encoded.hidden[0, :50], encoded.outputs[-1, :50])
    torch.testing.assert_close(encoded.hidden[0, 50:], encoded.outputs[0, 50:])


def test_changing_the_last_token_changes_the_first_output() -> None:
    encoder = SpecEncoder(vocabulary_size=10, embedding_size=16, hidden_size=50)
    first = encoder(torch.tensor([1, 2, 3])).outputs[0]
    second = encoder(torch.tensor([1, 2, 9])).outputs[0]
    assert not torch.allclose(first, second)
