"""goprod.Rig (issue 17): the daemons of a rig file, the one goproctl --rig reads,
and one call made on all of them at once.

    rig = goprod.Rig("rig.toml")
    with rig:
        at = rig.instant(3)                      # one instant for every host
        for host, result in rig.run("shutter", True, all=True, start_at=at).items():
            print(host, result)                  # a list of CameraResult, or the exception raised

The rig file (TOML): an optional `clock_warning_ms`, then one `[[daemon]]` table per
daemon with `name`, `target` ("HOST:PORT", or a socket path) and, for mutual TLS,
`tls_ca`, `tls_cert`, `tls_key` (paths relative to the rig file) and `tls_server_name`.
"""

import os
import re
import threading
import time
import tomllib

from goprod.client import _SCHEMES, DEFAULT_TIMEOUT, Client

_DAEMON_KEYS = {"name", "target", "tls_ca", "tls_cert", "tls_key", "tls_server_name"}


def load_rig_file(path):
    """The rig file's daemons: a list of dicts (paths made relative to the file), and clock_warning_ms."""
    with open(path, "rb") as f:
        data = tomllib.load(f)
    base = os.path.dirname(os.path.abspath(path))
    unknown = set(data) - {"daemon", "clock_warning_ms"}
    if unknown:
        raise ValueError(f"{path}: unknown keys {sorted(unknown)} (a rig file has clock_warning_ms and [[daemon]])")
    daemons = []
    for entry in data.get("daemon", []):
        if set(entry) - _DAEMON_KEYS:
            raise ValueError(f"{path}: unknown daemon keys {sorted(set(entry) - _DAEMON_KEYS)}")
        if not entry.get("name") or not entry.get("target"):
            raise ValueError(f"{path}: every [[daemon]] needs a name and a target")
        if any(d["name"] == entry["name"] for d in daemons):
            raise ValueError(f"{path}: daemon {entry['name']!r} is listed twice")
        daemon = dict(entry)
        for key in ("tls_ca", "tls_cert", "tls_key"):
            if daemon.get(key):
                daemon[key] = os.path.join(base, daemon[key])
        target = daemon["target"]
        # As goproctl reads it: HOST:PORT is TCP, gRPC's schemes stay, anything else is a socket path.
        if not target.startswith(_SCHEMES) and not re.fullmatch(r"[^/]+:[0-9]+", target):
            daemon["target"] = os.path.join(base, target)
        daemons.append(daemon)
    if not daemons:
        raise ValueError(f"{path}: no [[daemon]] tables")
    return daemons, data.get("clock_warning_ms", 5)


class Rig:
    """One goprod.Client per daemon of a rig file (`path`), or of `daemons` (dicts as
    load_rig_file gives). `clients` maps each name to its Client."""

    def __init__(self, path=None, *, daemons=None, timeout=DEFAULT_TIMEOUT):
        if path is not None:
            daemons, self.clock_warning_ms = load_rig_file(path)
        else:
            self.clock_warning_ms = 5
        self.clients = {}
        for d in daemons:
            self.clients[d["name"]] = Client(d["target"], timeout, tls_ca=d.get("tls_ca"), tls_cert=d.get("tls_cert"),
                                             tls_key=d.get("tls_key"), tls_server_name=d.get("tls_server_name"))

    def close(self):
        for client in self.clients.values():
            client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @staticmethod
    def instant(seconds_from_now):
        """POSIX seconds `seconds_from_now` ahead (Client.shutter's start_at): compute it
        once and give the same to every host."""
        return time.time() + seconds_from_now

    def run(self, method, *args, **kwargs):
        """Calls Client.`method`(*args, **kwargs) on every daemon at once, each in a
        thread; returns {name: its result, or the exception it raised}. One host
        that is down or refuses this client fails alone."""
        return self.run_function(lambda client: getattr(client, method)(*args, **kwargs))

    def clock_offsets(self):
        """{name: (offset, round trip) in seconds, or the exception}: each daemon's clock
        minus this machine's at the middle of the call (the shorter of two calls)."""
        def measure(client):
            best = None
            for _ in range(2):
                before = time.time_ns()
                status = client.daemon_status()
                after = time.time_ns()
                clock = status.clock.seconds * 1_000_000_000 + status.clock.nanos
                sample = ((clock - (before + after) // 2) / 1e9, (after - before) / 1e9)
                if best is None or sample[1] < best[1]:
                    best = sample
            return best
        return self.run_function(measure)

    def run_function(self, function):
        """function(client) on every daemon at once: {name: result or exception}."""
        results = {}

        def one(name, client):
            try:
                results[name] = function(client)
            except Exception as error:  # noqa: BLE001
                results[name] = error
        threads = [threading.Thread(target=one, args=item) for item in self.clients.items()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return {name: results[name] for name in self.clients}
