"""A TCP proxy between an agent and the broker that a test can cut, black-hole or slow down.

- `cut()`: every open connection is closed (both sides see a reset/EOF) and new ones are accepted and closed
  at once, like a broker that is unreachable.
- `blackhole()`: connections stay open but nothing is forwarded; bytes wait in the kernel's buffers, as in a
  network partition where no RST arrives. The agent only notices through its MQTT keepalive.
- `throttle(seconds)`: each chunk from the client is forwarded after a pause (a congested uplink), so a
  backlog drains slowly enough for a test to act in the middle of it.
- `restore()`: back to forwarding at full speed.

One selector thread does all the work; the control methods only set flags and wait until the thread applied
them, so the state is never changed from two threads.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
import time


class TcpProxy:
    def __init__(self, target_port: int, host: str = "127.0.0.1") -> None:
        self.target = (host, target_port)
        self._listener = socket.create_server((host, 0))
        self.port: int = self._listener.getsockname()[1]
        self._listener.setblocking(False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ)
        self._peers: dict[socket.socket, socket.socket] = {}
        self._mode = "forward"  # forward | cut | blackhole
        self._throttle_s = 0.0
        self._applied = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"tcp-proxy-{self.port}", daemon=True)
        self.connections = 0  # accepted and forwarded, for tests that check the agent reconnected

    def start(self) -> TcpProxy:
        self._thread.start()
        return self

    # ------------------------------------------------------------------------------------------ control

    def _set(self, mode: str, throttle_s: float = 0.0) -> None:
        self._applied.clear()
        self._mode, self._throttle_s = mode, throttle_s
        if not self._applied.wait(5):
            raise RuntimeError("proxy thread did not apply the change")

    def cut(self) -> None:
        self._set("cut")

    def blackhole(self) -> None:
        self._set("blackhole")

    def throttle(self, seconds_per_chunk: float) -> None:
        self._set("forward", seconds_per_chunk)

    def restore(self) -> None:
        self._set("forward")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        for sock in [*self._peers, self._listener]:
            sock.close()
        self._selector.close()

    # ------------------------------------------------------------------------------------------- thread

    def _run(self) -> None:
        while not self._stop.is_set():
            if self._mode == "cut" and self._peers:
                for sock in list(self._peers):
                    self._close(sock)
            for key, _ in self._selector.select(timeout=0.02):
                sock = key.fileobj
                if sock is self._listener:
                    self._accept()
                elif self._mode == "forward" and sock in self._peers:
                    self._forward(sock, key.data == "client")  # type: ignore[arg-type]
            if self._mode == "blackhole":
                time.sleep(0.02)  # readable sockets stay readable: do not spin on them
            self._applied.set()

    def _accept(self) -> None:
        try:
            client, _ = self._listener.accept()
        except BlockingIOError:
            return
        if self._mode == "cut":
            client.close()
            return
        try:
            upstream = socket.create_connection(self.target, timeout=2)
        except OSError:
            client.close()
            return
        for sock in (client, upstream):
            sock.setblocking(True)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._peers[client], self._peers[upstream] = upstream, client
        self._selector.register(client, selectors.EVENT_READ, "client")
        self._selector.register(upstream, selectors.EVENT_READ, "upstream")
        self.connections += 1

    def _forward(self, sock: socket.socket, from_client: bool) -> None:
        try:
            data = sock.recv(65536)
            if data:
                if from_client and self._throttle_s:
                    time.sleep(self._throttle_s)
                self._peers[sock].sendall(data)
                return
        except OSError:
            pass
        self._close(sock)

    def _close(self, sock: socket.socket) -> None:
        other = self._peers.pop(sock, None)
        for each in (sock, other):
            if each is None:
                continue
            self._peers.pop(each, None)
            with contextlib.suppress(KeyError, ValueError):
                self._selector.unregister(each)
            with contextlib.suppress(OSError):
                each.shutdown(socket.SHUT_RDWR)
            each.close()
