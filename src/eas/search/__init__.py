"""The architecture search: strategies propose, executors run, the store remembers."""

from eas.search.budget import Budget
from eas.search.config import SearchConfig
from eas.search.episode import TooManyFailuresError
from eas.search.loop import SearchSummary, run_search
from eas.search.presets import PRESETS, preset
from eas.search.reward import reward
from eas.search.run import Network, SearchRun
from eas.search.store import RunLockedError, TrialStore
from eas.search.trial import Trial
from eas.search.write_errors import RunDirectoryWriteError

__all__ = [
    "PRESETS",
    "Budget",
    "Network",
    "RunDirectoryWriteError",
    "RunLockedError",
    "SearchConfig",
    "SearchRun",
    "SearchSummary",
    "TooManyFailuresError",
    "Trial",
    "TrialStore",
    "preset",
    "reward",
    "run_search",
]
