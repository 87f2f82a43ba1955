"""`--state FILE`: the whole state as JSON, replaced atomically so a crash never corrupts it.

Writes are debounced: a background thread rewrites the file at most every `interval`
seconds while the state changes (any change: requests, tick hooks, control endpoints), and
`close()` writes once more on shutdown. Every write goes to a temp file in the same
directory, is fsynced, renamed over FILE and the directory fsynced, so FILE always holds a
complete state: the previous one or the new one. With `interval=0` each mutating request is
written before it is answered (the old behaviour; a failed write answers 500).
"""

import json
import logging
import os
import tempfile
import threading

log = logging.getLogger("stripe_emulator")
DEFAULT_INTERVAL = 0.2


class Persistence:
    def __init__(self, path, interval=DEFAULT_INTERVAL):
        self.path = os.path.abspath(path)
        self.interval = interval
        self._lock = threading.Lock()
        self._saved_version = -1
        self._stop = threading.Event()
        self._thread = None

    @property
    def synchronous(self):
        return not self.interval

    def load(self, state):
        if os.path.exists(self.path):
            with open(self.path, encoding="utf-8") as f:
                state.load(json.load(f))
        self._saved_version = state.version

    def start(self, state):
        """Start the background writer (no-op in synchronous mode or when running)."""
        if self.synchronous or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._writer, args=(state,),
                                        name="stripe-emulator-persist", daemon=True)
        self._thread.start()

    def close(self, state):
        """Stop the writer and write any unsaved change (shutdown)."""
        thread, self._thread = self._thread, None
        self._stop.set()
        if thread is not None:
            thread.join(timeout=30)
        self.save(state)

    def _writer(self, state):
        while not self._stop.wait(self.interval):
            if state.version == self._saved_version:
                continue
            try:
                self.save(state)
            except Exception:  # noqa: BLE001 - keep the previous file; retry next interval
                log.exception("could not write the state file %s", self.path)

    def save(self, state):
        """Write if changed since the last save (atomic: temp file, fsync, rename)."""
        with state.lock:
            version = state.version
            if version == self._saved_version:
                return
            text = json.dumps(state.to_json(), separators=(",", ":"))
            version = state.version  # to_json settles deferred work first
        with self._lock:
            if version <= self._saved_version:
                return
            directory = os.path.dirname(self.path)
            fd, tmp = tempfile.mkstemp(prefix=".stripe-emulator-", dir=directory)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    f.write(text)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise
            _fsync_dir(directory)
            self._saved_version = version


def _fsync_dir(directory):
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
