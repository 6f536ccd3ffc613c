"""Run one function over many items in forked worker processes, keeping the items' order.

The variant generator and the set writer are loops whose iterations do not depend on
one another (one variant's draws, one variant's documents). :func:`forked` runs such a
loop on every core: the workers are forked after the shared state is built, so they
inherit it instead of receiving it pickled, and results come back in the items' order,
so the output is the same bytes whatever the number of workers. Where ``fork`` is not
the platform's way (Windows, macOS) or one worker is asked for, it runs in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator, Sequence

_STATE: list[Any] = []  # (function, shared state) of the current pool, inherited by its forked workers


def _call(item: Any) -> Any:
    fn, state = _STATE[0]
    return fn(state, item)


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return len(os.sched_getaffinity(0))  # type: ignore[attr-defined,unused-ignore]
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextmanager
def forked_each(fn: Callable[[Any, Any], Any], state: Any, workers: int | None = None
                ) -> Iterator[Callable[[Sequence[Any]], Iterable[Any]]]:
    """``fn(state, item)`` over items in up to ``workers`` forked processes, each result as it is ready.

    The results keep the items' order.

    For a progress bar: the workers take the next item as soon as they are free, and the
    caller sees each result as soon as it and every earlier one are done.
    """
    n = default_workers() if workers is None else workers
    if n <= 1 or not sys.platform.startswith("linux"):
        yield lambda items: (fn(state, item) for item in items)
        return
    _STATE[:] = [(fn, state)]
    try:
        with multiprocessing.get_context("fork").Pool(n) as pool:
            yield lambda items: pool.imap(_call, items, chunksize=1)
    finally:
        _STATE.clear()


@contextmanager
def forked(fn: Callable[[Any, Any], Any], state: Any, workers: int | None = None
           ) -> Iterator[Callable[[Sequence[Any]], list[Any]]]:
    """A ``map`` of ``fn(state, item)`` over items, in up to ``workers`` forked processes."""
    with forked_each(fn, state, workers) as each:
        yield lambda items: list(each(items))
