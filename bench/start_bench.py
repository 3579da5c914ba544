"""goprod's start figures (issue 17) against goprod-sim on a private bus, side by side with
a direct D-Bus client on the same simulated cameras in the same run (prints, never asserts):

- the spread of a shutter start (first to last write of shutter on, as each camera's
  `sent` says: goprod issued its WriteValue) on 8 and 64 ready cameras, planned
  (SetShutter.start_at 1 s ahead) and immediate (no start_at), several runs each;
- for a planned start, how late the first and the last write left after the instant;
- the baseline, before goprod connects the same cameras: bench/direct_client --start,
  which connects them itself (registered for goprod's status pushes), dealt over the
  adapters as goprod places them, and writes shutter on to every camera back to back,
  at once or at a wall-clock instant 1 s ahead (clock_nanosleep), each write stamped
  right before its WriteValue call as goprod stamps `sent`;
- the clock alignment of SetDateTime without a time on 8 cameras (goprod writes the
  next whole second at its start): each camera's sent - planned.

Each start is followed by a stop; goprod's capture journal then reads every camera's
last media (a request on each link), and the bench waits for that before the next
start, so that goprod's starts find idle links as the direct client's do.

Measured on a 2-CPU AMD EPYC VM, Linux 6.18 (README.md, "Performance", "Starts"), medians
of 10, goprod / direct client: spread 191 / 156 µs planned, 218 / 51 µs immediate at 8
cameras, 1124 / 648 and 997 / 412 µs at 64; planned first writes 0.17 / 0.18 ms after the
instant; date-time: each camera's write 320 µs after the whole second (median, max 580).

Usage: bench/start_bench.py BUILD_DIR [--json] [--smoke]
"""
import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time

parser = argparse.ArgumentParser(description="goprod's start figures")
parser.add_argument("build", nargs="?", default="build")
parser.add_argument("--json", action="store_true", help="print one JSON object instead of the tables")
parser.add_argument("--smoke", action="store_true", help="a short run that only checks that the benchmark works")
ARGS, _ = parser.parse_known_args()  # ./run bench passes daemon_bench.py's options too

BUILD = os.path.abspath(ARGS.build)
COUNTS = (2, 4) if ARGS.smoke else (8, 64)
RUNS = 2 if ARGS.smoke else 10
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
sys.path.insert(0, os.path.join(BUILD, "python"))
os.environ.setdefault("GOPROD_SIM", os.path.join(BUILD, "sim", "goprod-sim"))
os.environ.setdefault("GOPROD", os.path.join(BUILD, "daemon", "goprod"))
DIRECT_CLIENT = os.path.join(BUILD, "bench", "direct_client")

import grpc  # noqa: E402
from google.protobuf.timestamp_pb2 import Timestamp  # noqa: E402

from goprod.v1 import goprod_pb2 as pb  # noqa: E402
from goprod.v1 import goprod_pb2_grpc as pb_grpc  # noqa: E402
from harness import Daemon, PrivateBus, Sim  # noqa: E402
from machine import machine  # noqa: E402  (bench/machine.py)


def say(text=""):
    if not ARGS.json:
        print(text, flush=True)


def nanos(stamp):
    return stamp.seconds * 1_000_000_000 + stamp.nanos


def spreads(runs):
    """A run's lists by key, from the direct client's JSON lines (goprod's keys)."""
    return {"planned_spread_us": [r["spread_us"] for r in runs["planned"]],
            "immediate_spread_us": [r["spread_us"] for r in runs["immediate"]],
            "first_after_plan_us": [r["first_after_instant_us"] for r in runs["planned"]],
            "last_after_plan_us": [r["last_after_instant_us"] for r in runs["planned"]]}


async def direct_starts(bus, sim, paths):
    """The baseline: bench/direct_client connects the cameras itself and writes shutter on to
    all at once, `RUNS` planned (1 s ahead) then `RUNS` immediate, each followed by a stop."""
    runs = {}
    for kind, flags in (("planned", ["--at-offset-ms", "1000"]), ("immediate", [])):
        proc = await asyncio.create_subprocess_exec(
            DIRECT_CLIENT, "--registered", "--start", str(RUNS), *flags, *paths, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=bus.address))
        out, err = await proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"direct_client failed ({proc.returncode}): {err.decode().strip()}")
        runs[kind] = [json.loads(line) for line in out.decode().splitlines()]
        assert len(runs[kind]) == RUNS and all(r["cameras"] == len(paths) for r in runs[kind]), out
    # It disconnected before it left: goprod starts on cameras with no link.
    (adapters,) = await sim.control("Adapters")
    if any(a[4] for a in adapters):
        raise RuntimeError(f"the direct client's links are still up: {adapters}")
    return spreads(runs)


class Journal:
    """goprod's capture journal, read from the last entry seen on."""

    def __init__(self, stub):
        self.stub, self.sequence = stub, 0

    async def media_read(self, ids):
        """Until the journal has the last media of every camera in `ids` (goprod reads it from
        each camera once its encoding stops: a request on its link) or an error after 10 s."""
        left, deadline = set(ids), time.monotonic() + 10
        while left:
            page = await self.stub.ListCaptures(pb.ListCapturesRequest(after_sequence=self.sequence), timeout=10)
            for entry in page.entries:
                self.sequence = entry.sequence
                if entry.HasField("media"):
                    left.discard(entry.media.camera)
            if left and not page.more:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"no last media in goprod's journal from {sorted(left)}")
                await asyncio.sleep(0.01)  # polling the journal: no event says the read was recorded


async def date_time(stub, count):
    """`RUNS` SetDateTime without a time: sent - planned of each camera (goprod writes the next whole second)."""
    residue = []
    for _ in range(RUNS):
        result = await stub.SetDateTime(pb.SetDateTimeRequest(target=pb.CameraRequest(all=True)), timeout=30)
        ok = [r for r in result.results if r.code == 0]
        assert len(ok) == count and all(r.HasField("planned") for r in ok), result
        residue += [(nanos(r.sent) - nanos(r.planned)) / 1e3 for r in ok]
    return {"cameras": count, "runs": RUNS, "residue_us": residue}


async def starts(count, with_date_time):
    """`RUNS` planned and immediate starts (each followed by a stop) on `count` ready cameras,
    by the direct client first, then by goprod on the same simulated cameras."""
    adapters = max(1, count // 8)
    with tempfile.TemporaryDirectory(prefix="goprod-start-bench-") as tmp:
        bus = await PrivateBus().start()
        sim = await Sim(bus.address, "--cameras", str(count), "--adapters", str(adapters), "--paired").start()
        with open(os.path.join(tmp, "goprod.conf"), "w") as f:
            f.write("[bluetooth]\nmax_connections = 8\n")
        daemon = channel = None
        try:
            (cameras,) = await sim.control("ListCameras")
            cameras = sorted(cameras, key=lambda c: c[0])
            ids = [c[0].split()[-1] for c in cameras]
            # Dealt over the adapters as goprod (8 links each) places them; the sim's paths are on hci0.
            paths = [c[2].replace("/org/bluez/hci0/", f"/org/bluez/hci{i % adapters}/")
                     for i, c in enumerate(cameras)]
            direct = await direct_starts(bus, sim, paths)

            daemon = await Daemon(bus.address, tmp, log_level="info").start()
            channel = grpc.aio.insecure_channel(daemon.target)
            stub = pb_grpc.GoprodStub(channel)
            await asyncio.gather(*(stub.Connect(pb.ConnectRequest(camera=i), timeout=120) for i in ids))
            out = {"cameras": count, "planned_spread_us": [], "immediate_spread_us": [],
                   "first_after_plan_us": [], "last_after_plan_us": [], "direct": direct}
            everyone = pb.CameraRequest(all=True)
            journal = Journal(stub)
            await journal.media_read([])  # from the entries so far

            async def stop():
                """Shutter off, then until goprod's journal read each camera's last media, so that
                the next start finds links as idle as the direct client's."""
                await stub.SetShutter(pb.SetShutterRequest(target=everyone, on=False), timeout=30)
                await journal.media_read(ids)

            for _ in range(RUNS):
                start_at = Timestamp()
                start_at.FromNanoseconds(time.time_ns() + 1_000_000_000)
                result = await stub.SetShutter(pb.SetShutterRequest(target=everyone, on=True, start_at=start_at),
                                               timeout=30)
                sent = [nanos(r.sent) for r in result.results if r.code == 0]
                assert len(sent) == count, result
                out["planned_spread_us"].append(result.spread.ToNanoseconds() / 1e3)
                out["first_after_plan_us"].append((min(sent) - nanos(start_at)) / 1e3)
                out["last_after_plan_us"].append((max(sent) - nanos(start_at)) / 1e3)
                await stop()
                result = await stub.SetShutter(pb.SetShutterRequest(target=everyone, on=True), timeout=30)
                assert sum(r.code == 0 for r in result.results) == count, result
                out["immediate_spread_us"].append(result.spread.ToNanoseconds() / 1e3)
                await stop()
            return out, (await date_time(stub, count) if with_date_time else None)
        finally:
            if channel is not None:
                await channel.close()
            if daemon is not None:
                await daemon.stop()
                daemon.close()
            await sim.stop()
            sim.close()
            await bus.stop()


async def main():
    figures = {"machine": machine(), "runs": RUNS, "starts": []}
    m = figures["machine"]
    say(f"goprod start figures on {m['cpu']} ({m['cpus']} CPUs, Linux {m['kernel']})")
    say(f"shutter on: spread, first to last write, over {RUNS} runs, µs (median / max); "
        "direct: bench/direct_client on the same cameras")
    say(f"  {'cameras':>7}  {'client':<6}  {'planned':>17}  {'immediate':>17}  "
        "planned: first / last write after the instant (medians)")
    for count in COUNTS:
        row, dates = await starts(count, with_date_time=count == COUNTS[0])
        figures["starts"].append(row)
        if dates:
            figures["date_time"] = dates
        for client, figs in (("goprod", row), ("direct", row["direct"])):
            def cell(key):
                return f"{statistics.median(figs[key]):7.0f} / {max(figs[key]):7.0f}"

            say(f"  {count:>7}  {client:<6}  {cell('planned_spread_us'):>17}  {cell('immediate_spread_us'):>17}  "
                f"{statistics.median(figs['first_after_plan_us']):>20.0f} / "
                f"{statistics.median(figs['last_after_plan_us']):.0f}")
    dates = figures["date_time"]
    say(f"date-time without a time (written at the next whole second), {dates['cameras']} cameras, "
        f"{dates['runs']} runs: sent - planned {statistics.median(dates['residue_us']):.0f} / "
        f"{max(dates['residue_us']):.0f} µs (median / max)")
    if ARGS.json:
        print(json.dumps(figures))


asyncio.run(main())
