"""Whole callback answers kept per data version, already serialised and gzipped.

A callback's answer depends only on the request body and the clean data it was computed from
(the pages' callbacks read no cookies or headers), so an identical body under the same data
version gets the identical bytes: the second visitor to a view costs a dictionary lookup, not a
Dash dispatch, a JSON encoding and a gzip. Entries carry the data version they were computed
from; a newly published version drops them all, so an answer never mixes versions.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass

# What one worker keeps: the gzipped bytes of answers (a view's answer packs to 5-60 KB).
# TRADEBOARD_ANSWER_CACHE_MB=0 keeps none (benchmarks that measure building the answers).
MAX_BYTES = 32 << 20


def max_bytes_from_env() -> int:
    mb = os.environ.get("TRADEBOARD_ANSWER_CACHE_MB", "").strip()
    return int(mb) << 20 if mb.isdigit() else MAX_BYTES


MIN_GZIP_BYTES = 1024  # smaller answers are sent as they are (as app._gzip does)
GZIP_LEVEL = 6  # compressed once per distinct answer, so a little more effort than per request


@dataclass(frozen=True)
class Answer:
    """One answer as sent: the body (gzipped when `packed`) and its Content-Type."""

    body: bytes
    packed: bool
    content_type: str

    def plain(self) -> bytes:
        """The body for a client that does not accept gzip."""
        return gzip.decompress(self.body) if self.packed else self.body

    @classmethod
    def of(cls, body: bytes, content_type: str) -> Answer:
        if len(body) < MIN_GZIP_BYTES:
            return cls(body, False, content_type)
        return cls(gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0), True, content_type)


def request_key(version: str, path: str, body: bytes) -> tuple[str, str, bytes]:
    """(data version, path with query, digest of the body): the body itself can be large."""
    return version, path, hashlib.blake2b(body, digest_size=20).digest()


class AnswerCache:
    """Answers by request key, least recently used dropped first beyond `max_bytes`."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self.version = ""
        self.items: OrderedDict[tuple[str, str, bytes], Answer] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[str, str, bytes]) -> Answer | None:
        with self.lock:
            hit = self.items.get(key)
            if hit is not None:
                self.items.move_to_end(key)
            return hit

    def put(self, key: tuple[str, str, bytes], answer: Answer) -> None:
        if len(answer.body) > self.max_bytes // 8:
            return  # one huge answer (a .docx) would push out hundreds of views
        with self.lock:
            if key[0] != self.version:  # a new data version: every older answer is stale
                self.items.clear()
                self.bytes = 0
                self.version = key[0]
            previous = self.items.pop(key, None)
            if previous is not None:
                self.bytes -= len(previous.body)
            self.items[key] = answer
            self.bytes += len(answer.body)
            while self.bytes > self.max_bytes and self.items:
                _, dropped = self.items.popitem(last=False)
                self.bytes -= len(dropped.body)

    def __len__(self) -> int:
        return len(self.items)
