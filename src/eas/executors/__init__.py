"""Executors run child tasks and hand back results; failures come back as results, never as crashes."""

from eas.executors.base import EventCallback, Executor
from eas.executors.local import LocalExecutor

__all__ = ["EventCallback", "Executor", "LocalExecutor"]
