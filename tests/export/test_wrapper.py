"""The shipped module: 0..1 images in, the same logits as the network on normalised uint8 images."""

from __future__ import annotations

import torch

from eas.build import build_model
from eas.data import normalize
from eas.export import inference_model, load_trained


def test_the_wrapper_normalises_like_training_and_is_in_eval_mode(toy_checkpoint) -> None:
    trained = load_trained(toy_checkpoint[0])
    model = inference_model(trained)
    images = torch.randint(0, 256, (6, 1, 8, 8), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    network = build_model(trained.spec, trained.state).eval()
    with torch.no_grad():
        expected = network(normalize(images, trained.info.mean, trained.info.std))
        actual = model(images.float() / 255.0)
    assert not model.training and not model.network.training
    torch.testing.assert_close(actual, expected, rtol=0, atol=1e-6)
    # The normalisation is really applied: feeding the raw 0..1 scale to the bare network differs.
    with torch.no_grad():
        assert not torch.allclose(network(images.float() / 255.0), expected, atol=1e-3)
