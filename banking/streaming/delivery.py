"""Delivery bookkeeping of ``EntityProducer``: acknowledgements counted on kafka-python's
sender thread, and the bounded flush/close/abort that turns a failure into one error.

Every wait is bounded: ``flush`` stops at the first failed batch or once the broker has
acknowledged nothing for the producer's ``timeout_s``, and ``abort`` drops what is unsent
instead of waiting for it. ``DeliveryTracker`` is a mixin of ``EntityProducer``
(banking.streaming.producer), which sets the attributes it declares."""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass
from typing import Any

from banking.errors import ServiceUnavailable

RETRY_ADVICE = (
    "check the broker (banking services status) and run the same command again "
    "(events sent twice are harmless: the consumer's upserts are idempotent)"
)


def describe(exc: BaseException | None) -> str:
    """``Type: message`` once (kafka-python's messages often start with their type already)."""
    text = str(exc)
    name = type(exc).__name__
    if text.startswith(name):
        text = text[len(name) :].lstrip(": ")
    return f"{name}: {text}" if text and text != "None" else name


class KafkaUnavailable(ServiceUnavailable):
    """The broker did not answer, or did not acknowledge events, within the time allowed."""


class DeliveryFailed(KafkaUnavailable):
    """Some events were not acknowledged by the broker; the message has the first reason."""


@dataclass(frozen=True)
class ProducerStats:
    """Counters of one producer. ``bytes`` counts keys and values handed to Kafka;
    ``wire_bytes`` the record batches ``send_batch`` built, after compression, as the broker
    stored them (what crossed the network, less request framing)."""

    queued: int
    sent: int
    failed: int
    bytes: int
    wire_bytes: int


class DeliveryTracker:
    """Counters and completion of an ``EntityProducer``."""

    bootstrap: str
    timeout_s: float
    _producer: Any
    _lock: threading.Lock
    _queued: int
    _sent: int
    _failed: int
    _bytes: int
    _wire_bytes: int
    _first_error: BaseException | None
    _progress_at: float
    _flush_timeout_s: float

    # --- delivery bookkeeping (runs on kafka-python's sender thread) ---------------------
    def _note_queued(self) -> None:
        """(Under the lock.) Events queued when none were waiting start the stall clock."""
        if self._queued == self._sent + self._failed:
            self._progress_at = time.monotonic()

    def _on_record_sent(self, _metadata: Any) -> None:
        with self._lock:
            self._sent += 1
            self._progress_at = time.monotonic()

    def _on_record_failed(self, exc: BaseException) -> None:
        with self._lock:
            self._failed += 1
            self._first_error = self._first_error or exc

    def _on_batch_done(self, count: int, exc: BaseException | None, wire_bytes: int) -> None:
        with self._lock:
            if exc is None:
                self._sent += count
                self._wire_bytes += wire_bytes
                self._progress_at = time.monotonic()
            else:
                self._failed += count
                self._first_error = self._first_error or exc

    # --- completion ---------------------------------------------------------------------
    def flush(self, timeout_s: float | None = None) -> ProducerStats:
        """Wait until every queued event is acknowledged; raise if any was not.

        Waits at most ``timeout_s`` (default: the delivery timeout plus 5 s, by when every
        batch has been acknowledged or has failed), and gives up sooner when the broker has
        acknowledged nothing for the producer's ``timeout_s`` (so a broker that died mid-run is
        reported about that long after its death, however late the flush began) or when a
        batch has failed: the run has failed, and waiting for the rest only delays saying so.
        """
        from kafka.errors import KafkaError, KafkaTimeoutError

        timeout = self._flush_timeout_s if timeout_s is None else timeout_s
        deadline = time.monotonic() + timeout
        while self._first_error is None:
            step = min(max(deadline - time.monotonic(), 0.0), 0.5)
            try:
                self._producer.flush(timeout=step)
                break
            except KafkaTimeoutError:
                now = time.monotonic()
                stalled = now - self._progress_at >= self.timeout_s
                if now >= deadline or stalled:
                    stats = self.stats
                    waited = self.timeout_s if stalled and now < deadline else timeout
                    raise KafkaUnavailable(
                        f"Kafka at {self.bootstrap} acknowledged nothing for {waited:.0f}s "
                        f"({stats.queued - stats.sent:,} of {stats.queued:,} events not "
                        f"acknowledged); {RETRY_ADVICE}"
                    ) from None
            except KafkaError as exc:
                raise KafkaUnavailable(
                    f"Kafka at {self.bootstrap} failed while sending events "
                    f"({describe(exc)}); {RETRY_ADVICE}"
                ) from None
        if self._first_error is not None:
            raise self._delivery_failed()
        return self.stats

    def _delivery_failed(self) -> DeliveryFailed:
        stats = self.stats
        error = self._first_error
        return DeliveryFailed(
            f"Kafka at {self.bootstrap} did not acknowledge events "
            f"({describe(error)}); {stats.sent:,} of {stats.queued:,} events "
            f"were acknowledged; {RETRY_ADVICE}"
        )

    @property
    def stats(self) -> ProducerStats:
        with self._lock:
            return ProducerStats(
                self._queued, self._sent, self._failed, self._bytes, self._wire_bytes
            )

    @property
    def sent(self) -> int:
        return self.stats.sent

    @property
    def failed(self) -> int:
        return self.stats.failed

    @property
    def bytes(self) -> int:
        return self.stats.bytes

    def close(self, timeout_s: float | None = None) -> None:
        """Flush, then close the client; when flushing fails, the client is closed without
        waiting and the flush error is the one raised."""
        try:
            self.flush(timeout_s)
        except BaseException:
            self.abort()
            raise
        try:
            self._producer.close(timeout=5)
        except Exception:  # everything was acknowledged: nothing to lose
            self.abort()

    def abort(self) -> None:
        """Close the client at once, dropping what is unsent; never raises (it runs while
        another error is on its way out, which must stay the one reported)."""
        try:
            self._producer.close(timeout=0)
        except Exception:  # kafka-python's close flushes first, and that may time out
            sender = getattr(self._producer, "_sender", None)
            if sender is not None:
                with contextlib.suppress(Exception):
                    sender.force_close()
