"""Cold start of `tootwatch demo` to its first frame (not part of CI): starts the release
binary on a pseudo-terminal of 120x40, times from the spawn to the first frame's text on the
terminal, quits with `q`; prints every run and the median.

    cargo build --release && python3 benches/cold_start.py [RUNS] [TEXT]

TEXT is a string of the demo's first frame to wait for (default: the title of its first tab).
"""

import fcntl
import os
import pty
import select
import statistics
import struct
import sys
import termios
import time

runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
needle = (sys.argv[2] if len(sys.argv) > 2 else "Home").encode()
binary = os.environ.get("BIN", "target/release") + "/tootwatch"


def once():
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        os.environ["TOOTWATCH_CONFIG"] = "/dev/null"
        os.environ["TERM"] = "xterm-256color"
        os.execv(binary, [binary, "demo"])
    seen = b""
    first = None
    while first is None:
        ready, _, _ = select.select([fd], [], [], 5)
        if not ready:
            raise SystemExit(f"no frame within 5 s; got {seen[-300:]!r}")
        chunk = os.read(fd, 65536)
        seen += chunk
        if needle in seen:
            first = time.perf_counter() - start
    os.write(fd, b"q")
    deadline = time.time() + 5
    while time.time() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                os.read(fd, 65536)
            except OSError:
                break
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
    os.close(fd)
    return first * 1000


times = [once() for _ in range(runs)]
print("runs (ms):", ", ".join(f"{t:.1f}" for t in times))
print(f"median {statistics.median(times):.1f} ms, min {min(times):.1f} ms")
