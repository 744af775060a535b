"""A TCP proxy on loopback that puts network faults between the product and a simulator.

    with VCenterSimulator() as vc, FaultProxy(vc.host, vc.port) as proxy:
        # point the product at 127.0.0.1:proxy.port instead of the simulator
        proxy.latency(200)        # every chunk waits 200 ms, in each direction
        proxy.cut_after(0)        # the next answer from upstream closes the connection
        proxy.stall()             # read what the client sends, never answer
        proxy.reset()             # RST every connection, active and new
        proxy.normal()            # plain pass-through again

It is plain TCP, so TLS passes through untouched: the product still sees the
simulator's own certificate (pinning and hostname checks behave as they would
against the real server). Modes switch at any time from any thread; a mode is
applied when a chunk is about to be forwarded, so a chunk delayed by `latency`
meets the mode in force when its delay ends.

Each connection is served by one thread that owns both of its sockets (so a
reset can close them with SO_LINGER 0 without racing a reader).
"""

from __future__ import annotations

import collections
import dataclasses
import select
import socket
import struct
import threading
import time
from dataclasses import dataclass

_CHUNK = 65536
_POLL_S = 0.02

NORMAL = "normal"
CUT = "cut"
STALL = "stall"
RESET = "reset"

UP = "up"  # client -> upstream
DOWN = "down"  # upstream -> client


@dataclass(frozen=True)
class _Mode:
    kind: str = NORMAL
    cut_bytes: int = 0
    skip_answers: int = 0
    # How many more connections the fault applies to before the proxy turns normal again (None: all).
    remaining: int | None = None
    generation: int = 0


def _rst_close(sock: socket.socket) -> None:
    """Close so that the peer gets a TCP RST instead of a FIN."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


def _fin_close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


class _Connection:
    def __init__(self, proxy: FaultProxy, client: socket.socket, number: int) -> None:
        self.proxy = proxy
        self.client = client
        self.number = number
        self.upstream: socket.socket | None = None
        self.abort = threading.Event()
        self.queues: dict[str, collections.deque[tuple[float, bytes]]] = {
            UP: collections.deque(),
            DOWN: collections.deque(),
        }
        self.eof = {UP: False, DOWN: False}  # the reading side of that direction ended
        self.shut = {UP: False, DOWN: False}  # we passed that end on (half-close)
        self.cut_generation = -1
        self.cut_sent = 0
        self.cut_applies: bool | None = None
        self.answers = 0  # answers from upstream begun since the cut was armed
        self.last_sent = ""  # the direction of the last chunk forwarded

    # --- the connection's thread ----------------------------------------------------

    def run(self) -> None:
        try:
            mode = self.proxy.mode
            if mode.kind == RESET:
                self.proxy._count("resets")
                _rst_close(self.client)
                return
            try:
                self.upstream = socket.create_connection(self.proxy.target, timeout=10)
            except OSError:
                self.proxy._count("upstream_failures")
                _rst_close(self.client)
                return
            for sock in (self.client, self.upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sock.setblocking(True)
            self._loop()
        finally:
            self.proxy._forget(self)

    def _loop(self) -> None:
        assert self.upstream is not None
        source = {UP: self.client, DOWN: self.upstream}
        while True:
            if self.abort.is_set() or self.proxy._stopping.is_set():
                self._close(rst=True)
                return
            if not self._flush():
                return
            if self.eof[UP] and self.eof[DOWN] and not self.queues[UP] and not self.queues[DOWN]:
                self._close(rst=False)
                return
            readers = [source[d] for d in (UP, DOWN) if not self.eof[d]]
            timeout = _POLL_S
            due = [q[0][0] for q in self.queues.values() if q]
            if due:
                timeout = max(0.0, min(timeout, min(due) - time.monotonic()))
            try:
                readable, _, _ = select.select(readers, [], [], timeout)
            except (OSError, ValueError):
                self._close(rst=True)
                return
            for direction in (UP, DOWN):
                sock = source[direction]
                if sock not in readable:
                    continue
                try:
                    data = sock.recv(_CHUNK)
                except OSError:
                    data = b""
                    if direction == UP:  # the client went away hard: tell upstream the same way
                        self._close(rst=True)
                        return
                due_at = time.monotonic() + self.proxy.delay_s
                if data:
                    self.queues[direction].append((due_at, data))
                else:
                    self.eof[direction] = True
                    self.queues[direction].append((due_at, b""))
                    if direction == UP and self.proxy.mode.kind == STALL:
                        self._close(rst=False)  # nobody is left to stall
                        return

    def _flush(self) -> bool:
        """Send what is due. Returns False when the connection was closed."""
        for direction in (UP, DOWN):
            queue = self.queues[direction]
            while queue and queue[0][0] <= time.monotonic():
                _, data = queue.popleft()
                if not self._forward(direction, data):
                    return False
        return True

    def _forward(self, direction: str, data: bytes) -> bool:
        assert self.upstream is not None
        mode = self.proxy.mode
        target = self.upstream if direction == UP else self.client
        if mode.kind == RESET:
            self._close(rst=True)
            return False
        if mode.kind == STALL:
            return True  # swallowed; the connection stays open and silent
        if not data:  # the other side finished sending: pass the half-close on
            if not self.shut[direction]:
                self.shut[direction] = True
                try:
                    target.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
            return True
        if mode.kind == CUT and direction == DOWN:
            if self.cut_generation != mode.generation:
                self.cut_generation, self.cut_sent, self.answers, self.cut_applies = mode.generation, 0, 0, None
            if self.last_sent != DOWN:
                self.answers += 1
            if self.answers <= mode.skip_answers:
                return self._send(target, direction, data)
            if self.cut_applies is None:
                self.cut_applies = self.proxy._take_fault(mode)
            if not self.cut_applies:
                return self._send(target, direction, data)
            allowed = max(0, mode.cut_bytes - self.cut_sent)
            if allowed:
                part = data[:allowed]
                self.cut_sent += len(part)
                if not self._send(target, direction, part):
                    return False
                self.last_sent = DOWN
            if len(data) >= allowed:
                self.proxy._count("cuts")
                self._close(rst=False)
                return False
            return True
        return self._send(target, direction, data)

    def _send(self, target: socket.socket, direction: str, data: bytes) -> bool:
        try:
            target.sendall(data)
        except OSError:
            self._close(rst=True)
            return False
        self.proxy._count("bytes_up" if direction == UP else "bytes_down", len(data))
        self.last_sent = direction
        return True

    def _close(self, rst: bool) -> None:
        closer = _rst_close if rst else _fin_close
        for sock in (self.client, self.upstream):
            if sock is not None:
                try:
                    closer(sock)
                except OSError:
                    pass


class FaultProxy:
    """`FaultProxy(target_host, target_port)`: listens on 127.0.0.1:`.port` and forwards to the target."""

    def __init__(self, target_host: str, target_port: int, listen_host: str = "127.0.0.1") -> None:
        self.target = (target_host, int(target_port))
        self.host = listen_host
        self.port = 0
        self._lock = threading.Lock()
        self._mode = _Mode()
        self._delay_s = 0.0
        self._counters: dict[str, int] = collections.defaultdict(int)
        self._active: set[_Connection] = set()
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # --- lifecycle --------------------------------------------------------------------

    def start(self) -> FaultProxy:
        if self._listener is not None:
            return self
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, 0))
        listener.listen(128)
        self._listener = listener
        self.port = listener.getsockname()[1]
        self._stopping.clear()
        self._thread = threading.Thread(target=self._accept_loop, name=f"faultproxy:{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        listener, self._listener = self._listener, None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if listener is not None:
            listener.close()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with self._lock:
                if not self._active:
                    break
            time.sleep(_POLL_S)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _accept_loop(self) -> None:
        assert self._listener is not None
        listener = self._listener
        while not self._stopping.is_set():
            try:
                readable, _, _ = select.select([listener], [], [], 0.1)
            except (OSError, ValueError):
                return
            if not readable:
                continue
            try:
                client, _ = listener.accept()
            except OSError:
                continue
            with self._lock:
                self._counters["connections"] += 1
                conn = _Connection(self, client, self._counters["connections"])
                self._active.add(conn)
            threading.Thread(target=conn.run, name=f"faultproxy:{self.port}#{conn.number}", daemon=True).start()

    # --- modes --------------------------------------------------------------------------

    @property
    def mode(self) -> _Mode:
        with self._lock:
            return self._mode

    @property
    def delay_s(self) -> float:
        with self._lock:
            return self._delay_s

    def _set(self, kind: str, cut_bytes: int = 0, connections: int | None = None, skip_answers: int = 0) -> None:
        with self._lock:
            self._mode = _Mode(kind, cut_bytes, skip_answers, connections, self._mode.generation + 1)

    def latency(self, ms: float) -> None:
        """Delay every chunk by `ms` in each direction. Kept when the fault mode changes; `normal()` clears it."""
        with self._lock:
            self._delay_s = max(0.0, ms / 1000.0)

    def cut_after(self, nbytes: int, connections: int | None = None, skip_answers: int = 0) -> None:
        """Close a connection (FIN) once `nbytes` more bytes have come from upstream on it.

        Requests still reach upstream, so the server may act on one whose answer is cut.
        With `connections=N` only the next N connections that receive data are cut;
        then the proxy turns normal again (latency stays). `skip_answers=K` lets the next K
        answers on each connection through whole first (an answer is what upstream sends
        between two requests: one HTTP response on a kept-alive connection).
        """
        self._set(CUT, max(0, int(nbytes)), connections, max(0, int(skip_answers)))

    def stall(self) -> None:
        """Keep every connection open, swallow what either side sends, never answer."""
        self._set(STALL)

    def reset(self) -> None:
        """RST every active connection now, and every new one as soon as it is accepted."""
        self._set(RESET)
        with self._lock:
            active = list(self._active)
        for conn in active:
            conn.abort.set()

    def normal(self) -> None:
        """Plain pass-through: no fault, no latency."""
        with self._lock:
            self._mode = _Mode(NORMAL, generation=self._mode.generation + 1)
            self._delay_s = 0.0

    def _take_fault(self, mode: _Mode) -> bool:
        """Whether the current fault applies to one more connection (and use up one if limited)."""
        with self._lock:
            if self._mode.generation != mode.generation:
                return self._mode.kind == mode.kind
            if self._mode.remaining is None:
                return True
            if self._mode.remaining <= 0:
                return False
            remaining = self._mode.remaining - 1
            if remaining == 0:
                self._mode = _Mode(NORMAL, generation=self._mode.generation + 1)
            else:
                self._mode = dataclasses.replace(self._mode, remaining=remaining)
            return True

    # --- counters -----------------------------------------------------------------------

    def _count(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self._counters[name] += amount

    def _forget(self, conn: _Connection) -> None:
        with self._lock:
            self._active.discard(conn)

    @property
    def connections(self) -> int:
        """Connections accepted so far."""
        return self.stats()["connections"]

    @property
    def bytes_up(self) -> int:
        return self.stats()["bytes_up"]

    @property
    def bytes_down(self) -> int:
        return self.stats()["bytes_down"]

    @property
    def active(self) -> int:
        with self._lock:
            return len(self._active)

    def stats(self) -> dict[str, int]:
        """connections, active, bytes_up (client to upstream), bytes_down, cuts, resets, upstream_failures."""
        with self._lock:
            found = {k: 0 for k in ("connections", "bytes_up", "bytes_down", "cuts", "resets", "upstream_failures")}
            found.update(self._counters)
            found["active"] = len(self._active)
            return found

    def wait_for(self, counter: str, at_least: int, timeout: float = 10.0) -> bool:
        """Wait until a counter reaches `at_least` (tests use it to sequence faults)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.stats()[counter] >= at_least:
                return True
            time.sleep(_POLL_S)
        return False
