#!/usr/bin/env python3
"""Listening ports for the processes a test harness starts, chosen outside the kernel's ephemeral
range.

The usual trick — bind port 0, read the number, close, hand the number to a child process — races
with every outbound connection on the machine: the kernel takes client source ports from
net.ipv4.ip_local_port_range (32768–60999 on Debian), and a client socket (a Kafka connection of
the very process about to listen, a mock broker) can take the number before the child binds it.
CI saw that once: the aggregator failed with "Address already in use" after its own Kafka clients
had connected. Ports below the range are never given to outbound connections, so only another
listener could take one; each candidate is test-bound first, and a process never hands out the
same number twice.

    from ports import free_port        # free_port(), free_port(socket.AF_INET6, "::1")
    python3 scripts/testlib/ports.py   # prints one port (for shell scripts)
"""
import os
import random
import socket
import time

_given = set()
_random = random.Random(os.getpid() ^ time.time_ns())


def _window():
    """The ports to choose from: below the ephemeral range (above 1024 and above the well-known
    development ports), or above it when the range starts too low to leave room."""
    low, high = 32768, 60999
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low, high = (int(x) for x in f.read().split()[:2])
    except (OSError, ValueError):
        pass
    if low - 1 - 20000 >= 2000:
        return 20000, low - 1
    if 65535 - (high + 1) >= 2000:
        return high + 1, 65535
    return None


def free_port(family=socket.AF_INET, host="127.0.0.1"):
    """A port nothing listens on at `host` now, outside the ephemeral range when there is room."""
    window = _window()
    if window is not None:
        for _ in range(500):
            port = _random.randint(*window)
            if port in _given:
                continue
            s = socket.socket(family)
            try:
                s.bind((host, port))
            except OSError:
                continue
            finally:
                s.close()
            _given.add(port)
            return port
    # No room outside the range (an unusual sysctl): fall back to the kernel's choice.
    with socket.socket(family) as s:
        s.bind((host, 0))
        port = s.getsockname()[1]
    _given.add(port)
    return port


if __name__ == "__main__":
    print(free_port())
