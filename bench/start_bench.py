"""goprod's start figures (issue 17) against goprod-sim on a private bus (prints, never asserts):

- the spread of a shutter start (first to last write of shutter on, as each camera's
  `sent` says: goprod issued its WriteValue) on 8 and 64 ready cameras, planned
  (SetShutter.start_at 1 s ahead) and immediate (no start_at), several runs each;
- for a planned start, how late the first and the last write left after the instant.

No direct-client baseline yet: the figure is goprod's own (the sim answers in the
same process for every camera, so its spread is goprod's).

Measured on a 2-CPU AMD EPYC VM, Linux 6.18 (README.md, "Performance", "Starts"): spread
181 µs planned, 79 µs immediate at 8 cameras, 783 / 618 µs at 64; planned writes leave
0.35 ms after the instant (medians of 10).

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


async def starts(count):
    """`RUNS` planned and immediate starts (each followed by a stop) on `count` ready cameras."""
    adapters = max(1, count // 8)
    with tempfile.TemporaryDirectory(prefix="goprod-start-bench-") as tmp:
        bus = await PrivateBus().start()
        sim = await Sim(bus.address, "--cameras", str(count), "--adapters", str(adapters), "--paired").start()
        with open(os.path.join(tmp, "goprod.conf"), "w") as f:
            f.write("[bluetooth]\nmax_connections = 8\n")
        daemon = await Daemon(bus.address, tmp, log_level="info").start()
        channel = grpc.aio.insecure_channel(daemon.target)
        stub = pb_grpc.GoprodStub(channel)
        try:
            (cameras,) = await sim.control("ListCameras")
            ids = [c[0].split()[-1] for c in cameras]
            await asyncio.gather(*(stub.Connect(pb.ConnectRequest(camera=i), timeout=120) for i in ids))
            out = {"cameras": count, "planned_spread_us": [], "immediate_spread_us": [],
                   "first_after_plan_us": [], "last_after_plan_us": []}
            everyone = pb.CameraRequest(all=True)
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
                await stub.SetShutter(pb.SetShutterRequest(target=everyone, on=False), timeout=30)
                result = await stub.SetShutter(pb.SetShutterRequest(target=everyone, on=True), timeout=30)
                out["immediate_spread_us"].append(result.spread.ToNanoseconds() / 1e3)
                await stub.SetShutter(pb.SetShutterRequest(target=everyone, on=False), timeout=30)
            return out
        finally:
            await channel.close()
            await daemon.stop()
            daemon.close()
            await sim.stop()
            sim.close()
            await bus.stop()


async def main():
    figures = {"machine": machine(), "runs": RUNS, "starts": []}
    m = figures["machine"]
    say(f"goprod start figures on {m['cpu']} ({m['cpus']} CPUs, Linux {m['kernel']})")
    say(f"shutter on: spread, first to last write, over {RUNS} runs, µs (median / max)")
    say(f"  {'cameras':>7}  {'planned':>17}  {'immediate':>17}  {'planned: first / last write after the instant':>46}")
    for count in COUNTS:
        row = await starts(count)
        figures["starts"].append(row)

        def cell(key):
            return f"{statistics.median(row[key]):7.0f} / {max(row[key]):7.0f}"

        say(f"  {count:>7}  {cell('planned_spread_us'):>17}  {cell('immediate_spread_us'):>17}  "
            f"{statistics.median(row['first_after_plan_us']):>20.0f} / "
            f"{statistics.median(row['last_after_plan_us']):.0f} (medians)")
    if ARGS.json:
        print(json.dumps(figures))


asyncio.run(main())
