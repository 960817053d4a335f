"""Evaluating one child network: apply its edits, calibrate, fine-tune, measure.

The unit of work every executor runs. It sits below the search, so executors import it without
importing `eas.search`; the trial statuses it reports live here too.
"""

from eas.evaluation.child import ChildResult, ChildTask, calibration_batch, evaluate_child, failed_result
from eas.evaluation.messages import parent_key, result_from_message, result_message, task_from_message, task_message
from eas.evaluation.status import CUT, DIVERGED, FAILED, FINISHED_STATUSES, OK, PENDING, STATUSES

__all__ = [
    "CUT",
    "DIVERGED",
    "FAILED",
    "FINISHED_STATUSES",
    "OK",
    "PENDING",
    "STATUSES",
    "ChildResult",
    "ChildTask",
    "calibration_batch",
    "evaluate_child",
    "failed_result",
    "parent_key",
    "result_from_message",
    "result_message",
    "task_from_message",
    "task_message",
]
