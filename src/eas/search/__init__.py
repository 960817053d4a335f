"""The architecture search: strategies propose, executors run, the store remembers."""

from eas.search.config import SearchConfig
from eas.search.loop import SearchSummary, run_search
from eas.search.presets import PRESETS, preset
from eas.search.store import RunLockedError, Trial, TrialStore

__all__ = ["PRESETS", "RunLockedError", "SearchConfig", "SearchSummary", "Trial", "TrialStore", "preset", "run_search"]
