"""Choosing an executor by name, with its settings in one dataclass (what `eas search` reads from its
command line and records in the run directory)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from eas.executors.local import LocalExecutor
from eas.executors.pool import PoolExecutor
from eas.executors.ray_executor import RayExecutor
from eas.executors.retry import DEFAULT_RETRIES

EXECUTORS = ("local", "pool", "ray")


@dataclass(frozen=True)
class ExecutorConfig:
    """`kind` is local, pool or ray. `workers`: pool processes (default: GPUs, else cores) or Ray tasks
    at once (default: the cluster's CPUs / `cpus_per_child`); `threads` per child (local and pool);
    `ray_address` None (a local Ray instance), "auto" or host:port; `retries` of a child whose worker
    died or timed out; `child_timeout` in seconds."""

    kind: str = "local"
    workers: int | None = None
    threads: int | None = None
    ray_address: str | None = None
    cpus_per_child: int = 1
    gpus_per_child: float = 0.0
    retries: int = DEFAULT_RETRIES
    child_timeout: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in EXECUTORS:
            raise ValueError(f"unknown executor {self.kind!r}; choose one of {EXECUTORS}")
        if self.workers is not None and self.workers < 1:
            raise ValueError(f"workers must be a positive number, got {self.workers}")
        if self.threads is not None and self.threads < 1:
            raise ValueError(f"threads must be a positive number, got {self.threads}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)


def make_executor(config: ExecutorConfig) -> LocalExecutor | PoolExecutor | RayExecutor:
    """The executor `config` describes (pool and Ray ones hold workers: close them when done)."""
    if config.kind == "local":
        return LocalExecutor(threads=config.threads)
    if config.kind == "pool":
        return PoolExecutor(config.workers, config.threads, retries=config.retries, child_timeout=config.child_timeout)
    return RayExecutor(
        config.ray_address,
        cpus_per_child=config.cpus_per_child,
        gpus_per_child=config.gpus_per_child,
        max_in_flight=config.workers,
        retries=config.retries,
        child_timeout=config.child_timeout,
    )
