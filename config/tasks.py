"""The one place that knows which task engine runs.

Apps use ``huey.contrib.djhuey`` decorators only; swapping the engine is a
settings change. Correctness never depends on the queue: the database is the
truth and periodic sweeps catch up on anything a lost task would have done.
"""

from __future__ import annotations

from pathlib import Path

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey


def make_huey(spec: str, var_dir: Path, name: str = "somevahti") -> Huey:
    if spec in ("", "embedded"):
        return SqliteHuey(name=name, filename=str(var_dir / "tasks.sqlite3"), utc=True)
    if spec.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(name=name, url=spec, utc=True)
    if spec == "immediate":
        # Tests: tasks run inline in the calling thread, against an in-memory store.
        return MemoryHuey(name=name, immediate=True, utc=True)
    raise ValueError(f"SOMEVAHTI_TASKS: unknown task engine {spec!r}")


def check_tasks(huey: Huey) -> None:
    """Raise if the task engine's storage cannot be reached."""
    huey.storage.queue_size()
