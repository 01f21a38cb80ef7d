"""Reading ahead: the next batches are fetched in a thread while the caller writes the current one.

PostgreSQL transforms and sends rows in its own process, and psycopg2 waits on the socket without
the GIL, so reading and writing overlap; the queue holds at most `depth` batches, so memory stays
bounded. The cursor is used and closed by the reading thread alone.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")
_END = object()


@dataclass(frozen=True)
class _Failure:
    error: BaseException


def prefetched(items: Generator[T, None, None], depth: int = 2) -> Iterator[T]:
    """The items of `items`, produced by a thread up to `depth` ahead of the consumer."""
    waiting: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: object) -> bool:
        while not stop.is_set():
            try:
                waiting.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not offer(item):
                    return
            offer(_END)
        except BaseException as error:  # handed to the consumer, which raises it
            offer(_Failure(error))
        finally:
            items.close()

    reader = threading.Thread(target=produce, name="export-reader", daemon=True)
    reader.start()
    try:
        while (item := waiting.get()) is not _END:
            if isinstance(item, _Failure):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        reader.join()
