"""A seconds-long search config for the search tests (the toy dataset fixture is suite-wide)."""

from __future__ import annotations

from eas.search import SearchConfig, preset


def toy_config(dataset: str, **overrides: object) -> SearchConfig:
    """The `smoke` preset on the toy dataset: tiny networks trained in well under a second each."""
    return preset("smoke", dataset=dataset, **overrides)
