"""One thread drives every MQTT client (paho's external-event-loop API) and every timer.

Why not paho's `loop_start()`: it starts one network thread per client, and `i5g agent simulate` runs up to
thousands of gateways in one process. Here a `selectors` loop calls `loop_read`/`loop_write`/`loop_misc`
for all clients, and timers (sample ticks, reconnect backoff) run on the same thread, so the spool and the
clients are only ever touched from it.

The one blocking paho call, `reconnect()` (TCP connect + TLS handshake, up to connect_timeout), runs on a
small pool of connector threads so an unreachable broker never delays a sample tick. Whatever paho calls
back from there (socket opened/closed, write wanted) is posted to the reactor thread.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import queue
import selectors
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

MISC_INTERVAL_S = 1.0  # how often loop_misc (keepalive pings, ping timeouts) runs per client


class Reactor:
    def __init__(self, connector_threads: int = 1) -> None:
        self._selector = selectors.DefaultSelector()
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._counter = itertools.count()
        self._posted: deque[Callable[[], None]] = deque()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._thread_id: int | None = None
        self._stopping = False
        self._clients: set[Any] = set()
        self._write_soon: set[Any] = set()  # clients with queued packets, written at the end of the iteration
        self._writing: set[Any] = set()  # sockets registered for EVENT_WRITE (their buffer was full)
        self._connect_queue: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self._connectors = [
            threading.Thread(target=self._connector, name=f"i5g-connect-{i}", daemon=True)
            for i in range(connector_threads)
        ]
        for thread in self._connectors:
            thread.start()
        self.call_later(MISC_INTERVAL_S, self._misc)

    # ------------------------------------------------------------------------------------------ scheduling

    def call_at(self, when: float, fn: Callable[[], None]) -> None:
        """Run fn on the reactor thread at monotonic time `when` (reactor thread only)."""
        heapq.heappush(self._timers, (when, next(self._counter), fn))

    def call_later(self, delay: float, fn: Callable[[], None]) -> None:
        self.call_at(time.monotonic() + delay, fn)

    def cancel_timers(self) -> None:
        """Drop every scheduled call (shutdown)."""
        self._timers.clear()

    def post(self, fn: Callable[[], None]) -> None:
        """Run fn on the reactor thread soon; safe from any thread."""
        if threading.get_ident() == self._thread_id:
            fn()
            return
        self._posted.append(fn)
        # BlockingIOError: the wake-up pipe is full, so a wake-up is pending anyway.
        with contextlib.suppress(BlockingIOError):
            self._wake_w.send(b"\0")

    def post_from_signal(self, fn: Callable[[], None]) -> None:
        """Queue fn for the loop from a signal handler: post() would run it at once on this thread, in the
        middle of whatever the handler interrupted."""
        self._posted.append(fn)
        with contextlib.suppress(BlockingIOError):
            self._wake_w.send(b"\0")

    def run_in_connector(self, fn: Callable[[], None]) -> None:
        self._connect_queue.put(fn)

    def _connector(self) -> None:
        while True:
            job = self._connect_queue.get()
            if job is None:
                return
            try:
                job()
            except Exception:  # the job reports its own failures; this only keeps the thread alive
                log.exception("connector job failed")

    # --------------------------------------------------------------------------------- paho client wiring

    def add_client(self, client: Any) -> None:
        """Wire a paho client's socket callbacks to this loop."""
        self._clients.add(client)
        client.on_socket_open = lambda c, _u, sock: self.post(lambda: self._register(c, sock))
        client.on_socket_close = lambda _c, _u, sock: self.post(lambda: self._unregister(sock))
        # A client with something to send is written at the end of this loop iteration (one write for
        # everything queued meanwhile); only if the socket buffer is full does it wait for EVENT_WRITE.
        client.on_socket_register_write = lambda c, _u, _sock: self.post(lambda: self._write_soon.add(c))
        client.on_socket_unregister_write = lambda c, _u, sock: self.post(lambda: self._write_interest(c, sock, False))

    def _register(self, client: Any, sock: Any) -> None:
        if sock.fileno() < 0:
            return  # closed again before we got here
        try:
            self._selector.register(sock, selectors.EVENT_READ, client)
        except KeyError:
            self._selector.modify(sock, selectors.EVENT_READ, client)

    def _unregister(self, sock: Any) -> None:
        self._writing.discard(sock)
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(sock)

    def _write_interest(self, client: Any, sock: Any, wanted: bool) -> None:
        if wanted == (sock in self._writing) or sock.fileno() < 0:
            return
        events = selectors.EVENT_READ | (selectors.EVENT_WRITE if wanted else 0)
        try:
            self._selector.modify(sock, events, client)
        except KeyError:
            self._selector.register(sock, events, client)
        if wanted:
            self._writing.add(sock)
        else:
            self._writing.discard(sock)

    def _flush_writes(self) -> None:
        while self._write_soon:
            client = self._write_soon.pop()
            if client.socket() is None:
                continue
            client.loop_write()
            sock = client.socket()
            if sock is not None and client.want_write():
                self._write_interest(client, sock, True)

    def _misc(self) -> None:
        for client in list(self._clients):
            if client.is_connected():  # not while a connector thread is inside reconnect() for it
                client.loop_misc()
        self.call_later(MISC_INTERVAL_S, self._misc)

    # ---------------------------------------------------------------------------------------------- loop

    def stop(self) -> None:
        self._stopping = True
        self.post(lambda: None)

    def run(self, until: float | None = None) -> None:
        """Run until stop() or monotonic time `until`."""
        self._thread_id = threading.get_ident()
        self._stopping = False
        while not self._stopping:
            now = time.monotonic()
            if until is not None and now >= until:
                break
            while self._timers and self._timers[0][0] <= now:
                _, _, fn = heapq.heappop(self._timers)
                fn()
            self._flush_writes()
            timeout = 1.0
            if self._timers:
                timeout = min(timeout, max(0.0, self._timers[0][0] - time.monotonic()))
            if until is not None:
                timeout = min(timeout, max(0.0, until - time.monotonic()))
            for key, events in self._selector.select(timeout):
                if key.fileobj is self._wake_r:
                    self._drain_wakeups()
                    continue
                client = key.data
                if events & selectors.EVENT_READ:
                    client.loop_read()
                    self._read_tls_pending(client)
                if events & selectors.EVENT_WRITE and client.socket() is not None:
                    client.loop_write()
            self._drain_wakeups()
            self._flush_writes()

    def _drain_wakeups(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except BlockingIOError:
            pass
        while self._posted:
            self._posted.popleft()()

    @staticmethod
    def _read_tls_pending(client: Any) -> None:
        # An SSL socket may hold decrypted bytes that select() cannot see: read them now.
        sock = client.socket()
        pending = getattr(sock, "pending", None)
        while sock is not None and pending is not None and pending() > 0:
            client.loop_read()
            sock = client.socket()
            pending = getattr(sock, "pending", None)

    def close(self) -> None:
        for _ in self._connectors:
            self._connect_queue.put(None)
        self._selector.close()
        self._wake_r.close()
        self._wake_w.close()
