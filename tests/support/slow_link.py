"""A slow uplink in front of a live server: a loopback TCP proxy that carries at most `pace`
bytes a second towards the server (any amount back), as a 4G or VPN connection does.

Chromium's own throttling (DevTools' network conditions) paces an upload's progress
events, not its bytes: the server had a whole file while the page showed a third of it. A
page opened through this proxy's address sends at the pace it shows."""

import contextlib
import socket
import threading
import time
from urllib.parse import urlsplit

PIECE = 16 * 1024
BURST_SECONDS = 0.1


class SlowLink:
    def __init__(self, base: str, pace: int) -> None:
        target = urlsplit(base)
        assert target.hostname is not None and target.port is not None
        self.target = (target.hostname, target.port)
        self.pace = pace
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.base = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                near, _ = self._listener.accept()
            except OSError:
                return
            far = socket.create_connection(self.target)
            self._open += [near, far]
            threading.Thread(target=self._carry, args=(near, far, self.pace), daemon=True).start()
            threading.Thread(target=self._carry, args=(far, near, 0), daemon=True).start()

    @staticmethod
    def _carry(source: socket.socket, sink: socket.socket, pace: int) -> None:
        """Bytes from `source` to `sink`, `pace` bytes a second at most (0: as they come);
        when either side closes, both do."""
        due = time.monotonic()  # when the link is free again
        try:
            while data := source.recv(PIECE):
                sink.sendall(data)
                if pace:
                    # An idle link saves up a tenth of a second at most, as a real one.
                    now = time.monotonic()
                    due = max(due, now - BURST_SECONDS) + len(data) / pace
                    if due > now:
                        time.sleep(due - now)  # the link's pace itself, not a wait for an event
        except OSError:
            pass
        finally:
            for side in (source, sink):
                with contextlib.suppress(OSError):
                    side.shutdown(socket.SHUT_RDWR)
                side.close()

    def close(self) -> None:
        self._listener.close()
        for side in self._open:
            with contextlib.suppress(OSError):
                side.close()
