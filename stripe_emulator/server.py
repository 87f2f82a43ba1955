"""A small threaded HTTP/1.1 server with keep-alive, and an in-process runner for tests.

stdlib `http.server` and werkzeug's dev server spend more time parsing than the emulator
spends answering; this one reads the request line, headers and a Content-Length (or chunked)
body straight off the socket, one thread per connection.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from http import HTTPStatus

from . import hooks
from .app import DISCONNECT, Emulator

log = logging.getLogger("stripe_emulator")
_MAX_HEAD = 64 * 1024
_REASONS = {s.value: s.phrase for s in HTTPStatus}


class Server:
    def __init__(self, emulator, host="127.0.0.1", port=0):
        self.emulator = emulator
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(512)
        self.host, self.port = self.sock.getsockname()[:2]
        self._conns = set()
        self._conns_lock = threading.Lock()
        self._stopping = threading.Event()

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    def serve_forever(self):
        for fn in hooks.START_HOOKS:
            fn(self.emulator)
        threading.Thread(target=self._ticker, name="emulator-ticker", daemon=True).start()
        while not self._stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                if self._stopping.is_set():
                    break
                continue
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._conns_lock:
                self._conns.add(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def shutdown(self):
        self._stopping.set()
        for sock in [self.sock, *self._conns]:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        for fn in hooks.STOP_HOOKS:
            fn(self.emulator)
        self.emulator.close()

    def _ticker(self):
        """Lets tick hooks fire as real time passes, even with no requests coming in."""
        while not self._stopping.wait(1.0):
            try:
                self.emulator.state.tick()
            except Exception:  # noqa: BLE001 - keep ticking; the hook's owner sees the log
                log.exception("tick hook failed")

    def _serve(self, conn):
        try:
            self._loop(conn)
        except (OSError, ValueError):
            pass
        finally:
            with self._conns_lock:
                self._conns.discard(conn)
            conn.close()

    def _loop(self, conn):
        recv, handle = conn.recv, self.emulator.handle
        state = self.emulator.state
        buf = b""
        while True:
            end = buf.find(b"\r\n\r\n")
            while end < 0:
                chunk = recv(65536)
                if not chunk:
                    return
                buf += chunk
                if len(buf) > _MAX_HEAD:
                    conn.sendall(b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
                                 b"Content-Length: 0\r\nConnection: close\r\n\r\n")
                    return
                end = buf.find(b"\r\n\r\n")
            lines = buf[:end].decode("latin-1").split("\r\n")
            buf = buf[end + 4:]
            method, target, version = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            if headers.get("expect", "").lower() == "100-continue":
                conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            if "chunked" in headers.get("transfer-encoding", "").lower():
                body, buf = _read_chunked(recv, buf)
            else:
                length = int(headers.get("content-length") or 0)
                while len(buf) < length:
                    chunk = recv(max(65536, length - len(buf)))
                    if not chunk:
                        return
                    buf += chunk
                body, buf = buf[:length], buf[length:]
            result = handle(method, target, headers, body)
            if result is DISCONNECT:
                return
            connection = headers.get("connection", "").lower()
            keep = connection != "close" if version == "HTTP/1.1" else connection == "keep-alive"
            conn.sendall(_response(result, keep))
            if state.pending:
                state.settle()  # work deferred until its response was sent
            if not keep:
                return


def _response(result, keep):
    status, headers, body = result
    head = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}"]
    head.extend(f"{k}: {v}" for k, v in headers)
    head.append(f"Content-Length: {len(body)}")
    head.append("Connection: keep-alive" if keep else "Connection: close")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def _read_chunked(recv, buf):
    body = bytearray()
    while True:
        while b"\r\n" not in buf:
            buf += _need(recv)
        size_line, buf = buf.split(b"\r\n", 1)
        size = int(size_line.split(b";")[0], 16)
        while len(buf) < size + 2:
            buf += _need(recv)
        body += buf[:size]
        buf = buf[size + 2:]
        if size == 0:
            return bytes(body), buf


def _need(recv):
    chunk = recv(65536)
    if not chunk:
        raise OSError("connection closed mid-body")
    return chunk


class RunningEmulator:
    """An emulator served from a background thread: `.url`, `.state`, `.reset()`, `.stop()`."""

    def __init__(self, emulator, server, thread):
        self.emulator = emulator
        self.server = server
        self.thread = thread

    @property
    def url(self):
        return self.server.url

    @property
    def state(self):
        """The live state, with any deferred work (v2 stream batches) already applied."""
        self.emulator.state.settle()
        return self.emulator.state

    @property
    def faults(self):
        return self.emulator.faults

    def now(self):
        return self.emulator.state.clock.now()

    def set_time(self, now, frozen=None):
        return self.emulator.state.set_time(now=now, frozen=frozen)

    def advance(self, seconds):
        return self.emulator.state.set_time(advance=seconds)

    def freeze(self, frozen=True):
        return self.emulator.state.set_time(frozen=frozen)

    def reset(self):
        self.emulator.reset()

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=5)


def run_in_thread(host="127.0.0.1", port=0, **options):
    """Start an emulator (options as `Emulator`) on an ephemeral port; returns a handle."""
    emulator = Emulator(**options)
    server = Server(emulator, host, port)
    thread = threading.Thread(target=server.serve_forever, name="stripe-emulator", daemon=True)
    thread.start()
    return RunningEmulator(emulator, server, thread)
