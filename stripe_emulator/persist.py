"""`--state FILE`: the whole state as JSON, replaced atomically so a crash never corrupts it."""

import json
import os
import tempfile
import threading


class Persistence:
    def __init__(self, path):
        self.path = os.path.abspath(path)
        self._lock = threading.Lock()
        self._saved_version = -1

    def load(self, state):
        if os.path.exists(self.path):
            with open(self.path, encoding="utf-8") as f:
                state.load(json.load(f))
        self._saved_version = state.version

    def save(self, state):
        """Write if changed since the last save; called after every mutating request, so an
        answered request is on disk."""
        with state.lock:
            version = state.version
            if version == self._saved_version:
                return
            text = json.dumps(state.to_json(), separators=(",", ":"))
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
