"""goprod's figures against goprod-sim on a private bus, side by side with a direct
D-Bus client on the same simulated cameras (prints, never asserts):

- throughput of Get Open GoPro Version (GP-0072 "51") at 1, 8 and 64 cameras:
  * bench/direct_client: the baseline, straight through D-Bus (sdbus-c++), plain
    and registered for the same status pushes as goprod (the fair baseline);
  * bench/grpc_load: gRPC SendRaw through goprod (two calls in flight per camera);
  with goprod's CPU and context switches per request;
- latency of the same request, N in a row: direct, through goprod, and goprod's own
  view of the camera round trip (acknowledged - sent), whose difference from the
  RPC time is what goprod and gRPC add;
- memory: goprod's RSS with 0, 8 and 64 ready cameras, and after the load;
- idle: goprod's CPU and wake-ups over 5 s with 8 ready cameras and keep-alive on;
- start-up: exec to READY=1, and to the first answered RPC;
- the start skew of one shutter-on at 8 and 64 cameras.

Usage: bench/daemon_bench.py BUILD_DIR [--seconds S] [--runs R] [--requests N] [--json]
       [--smoke]   (a short run that checks the benchmark works: 1 run of 0.5 s, 8 cameras)
"""
import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time

parser = argparse.ArgumentParser(description="goprod's daemon figures")
parser.add_argument("build", nargs="?", default="build")
parser.add_argument("--seconds", type=float, default=10.0, help="length of one throughput point")
parser.add_argument("--runs", type=int, default=3, help="runs of each throughput point (the median is shown)")
parser.add_argument("--requests", type=int, default=2000, help="sequential requests for the latency figures")
parser.add_argument("--json", action="store_true", help="print one JSON object instead of the tables")
parser.add_argument("--smoke", action="store_true", help="a short run that only checks that the benchmark works")
ARGS = parser.parse_args()
if ARGS.smoke:
    ARGS.seconds, ARGS.runs, ARGS.requests = 0.5, 1, 200

BUILD = os.path.abspath(ARGS.build)
CAMERA_COUNTS = (1, 8) if ARGS.smoke else (1, 8, 64)
START_UPS = 2 if ARGS.smoke else 7
SIM_CAMERAS = max(CAMERA_COUNTS)
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
sys.path.insert(0, os.path.join(BUILD, "python"))
os.environ.setdefault("GOPROD_SIM", os.path.join(BUILD, "sim", "goprod-sim"))
os.environ.setdefault("GOPROD", os.path.join(BUILD, "daemon", "goprod"))
DIRECT_CLIENT = os.path.join(BUILD, "bench", "direct_client")
GRPC_LOAD = os.path.join(BUILD, "bench", "grpc_load")

import grpc  # noqa: E402

from goprod.v1 import goprod_pb2 as pb  # noqa: E402
from goprod.v1 import goprod_pb2_grpc as pb_grpc  # noqa: E402
from harness import Daemon, PrivateBus, Sim  # noqa: E402
from machine import machine  # noqa: E402  (bench/machine.py)

FIGURES = {"machine": {}, "throughput": [], "latency_us": {}, "memory_mib": {}, "idle": {}, "start_up_ms": {},
           "shutter_skew_ms": {}}


def say(text=""):
    if not ARGS.json:
        print(text, flush=True)


async def run_json(*command, env=None):
    proc = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE, env=env)
    out, err = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"{os.path.basename(command[0])} failed ({proc.returncode}): {err.decode().strip()}")
    return json.loads(out)


def proc_stat(pid):
    """CPU seconds and context switches of every thread of `pid`."""
    groups = thread_stats(pid)
    return sum(g[0] for g in groups.values()), sum(g[1] for g in groups.values())


def thread_stats(pid):
    """CPU seconds and context switches of `pid`'s threads by kind: goprod's own
    threads (the core thread does the work; main, the state writer wait) and gRPC's."""
    ticks = os.sysconf("SC_CLK_TCK")
    groups = {}
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/stat") as f:
                comm, rest = f.read().split(" (", 1)[1].rsplit(")", 1)
            fields = rest.split()
            cpu = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
            switches = 0
            with open(f"/proc/{pid}/task/{task}/status") as f:
                for row in f:
                    if "ctxt_switches" in row:
                        switches += int(row.split()[1])
        except FileNotFoundError:  # the thread ended meanwhile
            continue
        kind = "goprod" if comm == "goprod" else "grpc"
        cpu0, switches0 = groups.get(kind, (0.0, 0))
        groups[kind] = (cpu0 + cpu, switches0 + switches)
    return groups


def rss_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for row in f:
            if row.startswith(field + ":"):
                return int(row.split()[1])
    return 0


def median_of(runs, key):
    return statistics.median(run[key] for run in runs)


async def direct_throughput(bus_address, paths):
    """The baseline at each camera count, plain and registered, before goprod touches the cameras."""
    env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=bus_address)
    results = {}
    for count in CAMERA_COUNTS:
        for registered in (False, True):
            runs = []
            for _ in range(ARGS.runs):
                flags = ["--registered"] if registered else []
                runs.append(await run_json(DIRECT_CLIENT, *flags, "--seconds", str(ARGS.seconds),
                                           *paths[:count], env=env))
            results[(count, registered)] = {"requests_per_second": median_of(runs, "requests_per_second"),
                                            "client_cpu_ms_per_1000": median_of(runs, "client_cpu_ms_per_1000")}
    latency = await run_json(DIRECT_CLIENT, "--sequential", str(ARGS.requests), paths[0], env=env)
    return results, latency


async def goprod_throughput(daemon, ids):
    runs = []
    for _ in range(ARGS.runs):
        before = thread_stats(daemon.proc.pid)
        run = await run_json(GRPC_LOAD, "--socket", daemon.target, "--seconds", str(ARGS.seconds), *ids)
        after = thread_stats(daemon.proc.pid)
        requests = max(run["requests"], 1)
        for kind in ("goprod", "grpc"):
            cpu0, switches0 = before.get(kind, (0.0, 0))
            cpu1, switches1 = after.get(kind, (0.0, 0))
            run[f"{kind}_threads_cpu_us_per_request"] = (cpu1 - cpu0) * 1e6 / requests
            run[f"{kind}_threads_switches_per_request"] = (switches1 - switches0) / requests
        run["goprod_cpu_us_per_request"] = run["goprod_threads_cpu_us_per_request"] + run["grpc_threads_cpu_us_per_request"]
        run["goprod_switches_per_request"] = (run["goprod_threads_switches_per_request"] +
                                              run["grpc_threads_switches_per_request"])
        runs.append(run)
    return {key: median_of(runs, key) for key in (
        "requests_per_second", "client_cpu_ms_per_1000", "goprod_cpu_us_per_request", "goprod_switches_per_request",
        "goprod_threads_cpu_us_per_request", "goprod_threads_switches_per_request",
        "grpc_threads_cpu_us_per_request", "grpc_threads_switches_per_request")}


async def connect_all(stub, ids):
    await asyncio.gather(*(stub.Connect(pb.ConnectRequest(camera=i), timeout=120) for i in ids))
    cameras = (await stub.ListCameras(pb.ListCamerasRequest())).cameras
    ready = {c.identifier for c in cameras if c.state == pb.CAMERA_STATE_READY}
    missing = set(ids) - ready
    if missing:
        raise RuntimeError(f"cameras not ready: {sorted(missing)}")


async def shutter_skew_ms(stub, ids):
    reply = await stub.SetShutter(pb.SetShutterRequest(target=pb.CameraRequest(cameras=ids), on=True), timeout=30)
    sent = [r.sent.ToNanoseconds() for r in reply.results if r.code == 0]
    await stub.SetShutter(pb.SetShutterRequest(target=pb.CameraRequest(cameras=ids), on=False), timeout=30)
    if len(sent) != len(ids):
        raise RuntimeError(f"shutter on failed: {reply}")
    return (max(sent) - min(sent)) / 1e6


async def main():
    FIGURES["machine"] = machine()
    m = FIGURES["machine"]
    say(f"goprod daemon figures on {m['cpu']} ({m['cpus']} CPUs, Linux {m['kernel']}); "
        f"{ARGS.runs} run(s) of {ARGS.seconds:g} s per throughput point, medians")
    with tempfile.TemporaryDirectory() as tmp:
        bus = await PrivateBus().start()
        sim = await Sim(bus.address, "--cameras", str(SIM_CAMERAS), "--paired").start()
        try:
            (cameras,) = await sim.control("ListCameras")
            cameras = sorted(cameras, key=lambda c: c[0])
            ids = [c[0].split()[-1] for c in cameras]
            paths = [c[2] for c in cameras]

            direct, direct_latency = await direct_throughput(bus.address, paths)

            # Every camera on the sim's one adapter (it has no link limit): this measures
            # the request path, not the per-adapter budget (default 7).
            with open(os.path.join(tmp, "goprod.conf"), "w") as f:
                f.write("[bluetooth]\nkeep_alive_interval_ms = 0\nmax_connections = 64\n[limits]\nmax_cameras = 128\n")
            # Start-up varies by milliseconds from one start to the next: the median of a few.
            ready_ms, first_rpc_ms = [], []
            for attempt in range(START_UPS):
                daemon = Daemon(bus.address, tmp, log_level="info")  # as installed: debug logs every packet
                started = time.perf_counter()
                await daemon.start()
                ready_ms.append((time.perf_counter() - started) * 1000)
                channel = grpc.aio.insecure_channel(daemon.target)
                stub = pb_grpc.GoprodStub(channel)
                await stub.ListCameras(pb.ListCamerasRequest())
                first_rpc_ms.append((time.perf_counter() - started) * 1000)
                if attempt + 1 < START_UPS:
                    await channel.close()
                    await daemon.stop()
                    daemon.close()
            FIGURES["start_up_ms"] = {"ready": statistics.median(ready_ms), "first_rpc": statistics.median(first_rpc_ms),
                                      "starts": START_UPS}
            FIGURES["memory_mib"]["no_camera"] = rss_kib(daemon.proc.pid) / 1024

            found = set()
            async for camera in stub.Discover(pb.DiscoverRequest(duration={"seconds": 30})):
                found.add(camera.identifier)
                if found >= set(ids):
                    break

            say("\nthroughput of Get Open GoPro Version, requests/s")
            say(f"  {'cameras':>7}  {'direct':>8}  {'direct, registered':>18}  {'goprod':>8}  {'ratio':>13}  "
                f"{'goprod CPU/req':>14}  {'switches/req':>12}")
            connected = 0
            for count in CAMERA_COUNTS:
                await connect_all(stub, ids[connected:count])
                connected = count
                if count == 8:
                    FIGURES["memory_mib"]["8_cameras"] = rss_kib(daemon.proc.pid) / 1024
                if count == 64:
                    FIGURES["memory_mib"]["64_cameras"] = rss_kib(daemon.proc.pid) / 1024
                    FIGURES["memory_mib"]["64_cameras_private"] = rss_kib(daemon.proc.pid, "RssAnon") / 1024
                through = await goprod_throughput(daemon, ids[:count])
                plain, registered = direct[(count, False)], direct[(count, True)]
                row = {"cameras": count, "direct": plain["requests_per_second"],
                       "direct_registered": registered["requests_per_second"],
                       "goprod": through["requests_per_second"],
                       "ratio_to_registered": through["requests_per_second"] / registered["requests_per_second"],
                       "ratio_to_plain": through["requests_per_second"] / plain["requests_per_second"],
                       "goprod_cpu_us_per_request": through["goprod_cpu_us_per_request"],
                       "goprod_switches_per_request": through["goprod_switches_per_request"],
                       "core_thread_cpu_us_per_request": through["goprod_threads_cpu_us_per_request"],
                       "core_thread_switches_per_request": through["goprod_threads_switches_per_request"],
                       "grpc_threads_cpu_us_per_request": through["grpc_threads_cpu_us_per_request"],
                       "grpc_threads_switches_per_request": through["grpc_threads_switches_per_request"],
                       "grpc_client_cpu_ms_per_1000": through["client_cpu_ms_per_1000"],
                       "direct_client_cpu_ms_per_1000": plain["client_cpu_ms_per_1000"]}
                FIGURES["throughput"].append(row)
                say(f"  {count:>7}  {row['direct']:>8.0f}  {row['direct_registered']:>18.0f}  {row['goprod']:>8.0f}  "
                    f"{row['ratio_to_registered']:>5.2f} / {row['ratio_to_plain']:>5.2f}  "
                    f"{row['goprod_cpu_us_per_request']:>11.1f} µs  {row['goprod_switches_per_request']:>12.2f}")
            say("  (ratio: goprod / direct registered, goprod / direct plain)")
            say("  goprod's CPU and context switches per request, by thread: goprod's (core) | gRPC's")
            for row in FIGURES["throughput"]:
                say(f"  {row['cameras']:>7}  {row['core_thread_cpu_us_per_request']:>6.1f} µs "
                    f"{row['core_thread_switches_per_request']:>5.2f}  | "
                    f"{row['grpc_threads_cpu_us_per_request']:>6.1f} µs {row['grpc_threads_switches_per_request']:>5.2f}")
            if 64 not in CAMERA_COUNTS:
                await connect_all(stub, ids[connected:])

            latency = await run_json(GRPC_LOAD, "--socket", daemon.target, "--sequential", str(ARGS.requests), ids[0])
            FIGURES["latency_us"] = {
                "direct": {p: direct_latency[f"{p}_us"] for p in ("p50", "p90", "p99")},
                "rpc": {p: latency[f"rpc_{p}_us"] for p in ("p50", "p90", "p99")},
                "camera_round_trip_p50": latency["camera_p50_us"],
                "added": {p: latency[f"added_{p}_us"] for p in ("p50", "p90", "p99")},
            }
            lat = FIGURES["latency_us"]
            say(f"\nlatency of {ARGS.requests} sequential requests, µs (p50 / p90 / p99)")
            say("  direct D-Bus client (write → notification)   {p50:7.0f} {p90:7.0f} {p99:7.0f}".format(**lat["direct"]))
            say("  gRPC client → goprod → camera → client        {p50:7.0f} {p90:7.0f} {p99:7.0f}".format(**lat["rpc"]))
            say(f"  goprod's view of the camera round trip        {lat['camera_round_trip_p50']:7.0f}")
            say("  added by goprod + gRPC (RPC − round trip)     {p50:7.0f} {p90:7.0f} {p99:7.0f}".format(**lat["added"]))

            for count in (8, SIM_CAMERAS):
                FIGURES["shutter_skew_ms"][str(count)] = await shutter_skew_ms(stub, ids[:count])
            FIGURES["memory_mib"]["after_load"] = rss_kib(daemon.proc.pid) / 1024
            FIGURES["memory_mib"]["after_load_private"] = rss_kib(daemon.proc.pid, "RssAnon") / 1024
            # goprod gives malloc's free pages back within its check period (10 s): wait for that, bounded.
            loaded_kib = FIGURES["memory_mib"]["64_cameras"] * 1024 if "64_cameras" in FIGURES["memory_mib"] else None
            settle_start = time.perf_counter()
            while (loaded_kib is not None and rss_kib(daemon.proc.pid) > loaded_kib + 1024
                   and time.perf_counter() - settle_start < 25):
                await asyncio.sleep(0.5)  # polling the RSS the daemon reports; nothing signals it
            FIGURES["memory_mib"]["settled"] = rss_kib(daemon.proc.pid) / 1024
            FIGURES["memory_mib"]["settled_private"] = rss_kib(daemon.proc.pid, "RssAnon") / 1024
            FIGURES["memory_mib"]["settled_after_s"] = time.perf_counter() - settle_start

            # Idle with 8 ready cameras and keep-alive on (the other cameras disconnected).
            await asyncio.gather(*(stub.Disconnect(pb.DisconnectRequest(camera=i), timeout=30) for i in ids[8:]))
            await stub.SetKeepAlive(pb.SetKeepAliveRequest(target=pb.CameraRequest(cameras=ids[:8]),
                                                           interval={"seconds": 3}))
            cpu0, switches0 = proc_stat(daemon.proc.pid)
            await asyncio.sleep(5)  # measuring idleness is the one place a fixed wait is the point
            cpu1, switches1 = proc_stat(daemon.proc.pid)
            FIGURES["idle"] = {"cameras": 8, "cpu_percent": (cpu1 - cpu0) / 5 * 100,
                               "context_switches_per_second": (switches1 - switches0) / 5}

            mem = FIGURES["memory_mib"]
            say("\nmemory (RSS), MiB")
            counts = "; ".join(f"{label.replace('_', ' ')} {mem[key]:.1f}" for key, label in
                               (("no_camera", "no camera"), ("8_cameras", "8_ready"), ("64_cameras", "64_ready"))
                               if key in mem)
            say(f"  {counts}; after the load {mem['after_load']:.1f} (private {mem['after_load_private']:.1f}), "
        f"{mem['settled_after_s']:.1f} s later {mem['settled']:.1f} (private {mem['settled_private']:.1f})")
            say("idle, 8 ready cameras, keep-alive every 3 s")
            say(f"  CPU {FIGURES['idle']['cpu_percent']:.3f} % of a core, "
                f"{FIGURES['idle']['context_switches_per_second']:.1f} context switches/s")
            say("start-up")
            up = FIGURES["start_up_ms"]
            say(f"  exec → READY=1 {up['ready']:.1f} ms; exec → first answered RPC {up['first_rpc']:.1f} ms "
                f"(medians of {up['starts']} starts)")
            say("shutter on, start skew (last sent − first sent)")
            say("  " + "; ".join(f"{n} cameras {v:.2f} ms" for n, v in FIGURES["shutter_skew_ms"].items()))
            await channel.close()
            await daemon.stop()
            daemon.close()
        finally:
            await sim.stop()
            sim.close()
            await bus.stop()
    if ARGS.json:
        print(json.dumps(FIGURES, indent=2))


asyncio.run(main())
