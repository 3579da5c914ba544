"""goprod's rig figures (issue 16) against goprod-sim on a private bus (prints, never asserts):

- connect time: 64 cameras on 1, 4 and 8 adapters, each connection taking the same
  simulated time (link set-up, then service discovery: --connect-delay-ms each); goprod
  is asked for all 64 at once (64 concurrent Connect RPCs, each answered at READY) and
  places them itself ([bluetooth] max_connections = 64, so the budget never decides).
  Beside it, on the same simulated cameras in the same run, bench/direct_client
  --connect: a D-Bus client that connects them itself, one at a time per adapter, the
  adapters in parallel, the cameras dealt evenly over the adapters, and enables the
  notifications goprod enables (no session set-up: goprod's READY also needs five
  requests answered). goprod places a camera on the adapter that hears it best, the
  least loaded among those within 6 dB; the sim's signals (-55 to -84 dBm, fixed per
  camera and adapter) leave some adapters more cameras than others, so each point runs
  twice: with the sim's signals, and with every camera heard at -60 dBm on every
  adapter (SetRssi), where only the load decides;
- memory and idle CPU of goprod with 0, 8, 64 and 256 ready cameras (8 adapters, 256
  cameras bonded on each), keep-alive at its default: VmRSS, and CPU over a quiet
  window; and the peak RSS (VmHWM) of loading BlueZ's 2048 device objects at start;
- ListCameras (gRPC, from Python) and `goproctl list` wall time with 256 cameras, back
  to back, and `goproctl list` after a quiet gap.

Measured (README.md, "Performance", "Rigs", has the tables and what they show) on a
2-CPU AMD EPYC VM, Linux 6.18: 64 cameras connect in 6.61 / 2.41 / 0.96 s through goprod
on 1 / 4 / 8 adapters (1.71 / 0.87 s on 4 / 8 with equal signals), 6.59 / 1.69 / 0.85 s
through the direct client; RSS 26.2 / 26.4 / 27.2 / 32.2 MiB and idle CPU 0.1 / 0.0 /
0.2 / 0.8 % with 0 / 8 / 64 / 256 ready cameras; ListCameras of 256 1.3 ms median,
`goproctl list` 21.5 ms.

Usage: bench/rig_bench.py BUILD_DIR [--json] [--smoke]
       (--smoke: small counts and short windows, to check that the benchmark works)
"""
import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time

parser = argparse.ArgumentParser(description="goprod's rig figures")
parser.add_argument("build", nargs="?", default="build")
parser.add_argument("--json", action="store_true", help="print one JSON object instead of the tables")
parser.add_argument("--smoke", action="store_true", help="a short run that only checks that the benchmark works")
# ./run bench passes daemon_bench.py's options to both benchmarks: ignore the others.
ARGS, _ = parser.parse_known_args()

BUILD = os.path.abspath(ARGS.build)
CONNECT_CAMERAS = 8 if ARGS.smoke else 64
CONNECT_ADAPTERS = (1, 2) if ARGS.smoke else (1, 4, 8)
CONNECT_DELAY_MS = 10 if ARGS.smoke else 50  # each of link set-up and service discovery: 100 ms a connection
MEMORY_COUNTS = (4, 8) if ARGS.smoke else (8, 64, 256)
MEMORY_ADAPTERS = 2 if ARGS.smoke else 8
IDLE_SECONDS = 1 if ARGS.smoke else 10
LIST_CALLS = 5 if ARGS.smoke else 50
QUIET_LIST_CALLS = 3 if ARGS.smoke else 40
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
sys.path.insert(0, os.path.join(BUILD, "python"))
os.environ.setdefault("GOPROD_SIM", os.path.join(BUILD, "sim", "goprod-sim"))
os.environ.setdefault("GOPROD", os.path.join(BUILD, "daemon", "goprod"))
os.environ.setdefault("GOPROCTL", os.path.join(BUILD, "client", "goproctl"))
DIRECT_CLIENT = os.path.join(BUILD, "bench", "direct_client")

import grpc  # noqa: E402

from goprod.v1 import goprod_pb2 as pb  # noqa: E402
from goprod.v1 import goprod_pb2_grpc as pb_grpc  # noqa: E402
from harness import GOPROCTL, Daemon, PrivateBus, Sim  # noqa: E402
from machine import machine  # noqa: E402  (bench/machine.py)

FIGURES = {"machine": {}, "connect": [], "memory": [], "list": {}}


def say(text=""):
    if not ARGS.json:
        print(text, flush=True)


def rss_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for row in f:
            if row.startswith(field + ":"):
                return int(row.split()[1])
    raise RuntimeError(f"no {field} for {pid}")


def cpu_seconds(pid):
    """utime + stime of the whole process (every thread)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values, p):  # nearest rank, as bench/measure.h
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * (len(values) - 1) + 0.5))]


class Rig:
    """A private bus, goprod-sim with `cameras` paired on `adapters`, and goprod
    (started by start_daemon()) allowed 64 links per adapter."""

    def __init__(self, cameras, adapters, *sim_args):
        self.cameras, self.adapters, self.sim_args = cameras, adapters, sim_args

    async def __aenter__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="goprod-rig-bench-")
        self.bus = await PrivateBus().start()
        self.sim = await Sim(self.bus.address, "--cameras", str(self.cameras), "--adapters", str(self.adapters),
                             "--paired", *self.sim_args).start()
        (cameras,) = await self.sim.control("ListCameras")
        cameras = sorted(cameras, key=lambda c: c[0])
        self.ids = [c[0].split()[-1] for c in cameras]
        self.paths = [c[2] for c in cameras]  # on hci0
        self.daemon = None
        return self

    async def start_daemon(self):
        with open(os.path.join(self.tmp.name, "goprod.conf"), "w") as f:
            f.write("[bluetooth]\nmax_connections = 64\n[limits]\nmax_cameras = 1024\n")
        self.daemon = await Daemon(self.bus.address, self.tmp.name, log_level="info").start()
        self.channel = grpc.aio.insecure_channel(self.daemon.target)
        self.stub = pb_grpc.GoprodStub(self.channel)

    async def discover(self):
        """Until goprod has seen every camera (on any adapter); then discovery stops."""
        found = set()
        call = self.stub.Discover(pb.DiscoverRequest(duration={"seconds": 60}))
        async for camera in call:
            found.add(camera.identifier)
            if found >= set(self.ids):
                break
        call.cancel()
        if found < set(self.ids):
            raise RuntimeError(f"goprod did not discover {sorted(set(self.ids) - found)}")
        deadline = time.perf_counter() + 10
        while True:  # polling goprod's status: no event says that every adapter stopped scanning
            status = await self.stub.GetDaemonStatus(pb.GetDaemonStatusRequest())
            if status.discoveries == 0 and not any(a.discovering for a in status.adapters):
                return
            if time.perf_counter() > deadline:
                raise RuntimeError(f"discovery did not stop: {status}")
            await asyncio.sleep(0.05)

    async def connect(self, ids):
        """Asks for every camera at once; returns once each Connect answered READY."""
        cameras = await asyncio.gather(*(self.stub.Connect(pb.ConnectRequest(camera=i), timeout=300) for i in ids))
        not_ready = [c.identifier for c in cameras if c.state != pb.CAMERA_STATE_READY]
        if not_ready:
            raise RuntimeError(f"cameras not ready: {not_ready}")

    async def __aexit__(self, *exc):
        try:
            if self.daemon is not None:
                await self.channel.close()
                code = await self.daemon.stop()
                if code != 0:
                    raise RuntimeError(f"goprod exited with {code}:\n{self.daemon.output()}")
                self.daemon.close()
        finally:
            await self.sim.stop()
            self.sim.close()
            await self.bus.stop()
            self.tmp.cleanup()


async def direct_connect(rig):
    """The baseline: bench/direct_client connects the cameras, dealt round-robin over the adapters."""
    paths = [path.replace("/org/bluez/hci0/", f"/org/bluez/hci{i % rig.adapters}/")
             for i, path in enumerate(rig.paths)]
    proc = await asyncio.create_subprocess_exec(DIRECT_CLIENT, "--connect", *paths, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE,
                                                env=dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=rig.bus.address))
    out, err = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"direct_client failed ({proc.returncode}): {err.decode().strip()}")
    return json.loads(out)


async def sim_links(rig):
    """Links per adapter as the sim counts them (Adapters: name, address, present, powered, links, limit)."""
    (adapters,) = await rig.sim.control("Adapters")
    return {a[0]: a[4] for a in adapters}


async def connect_time(adapters, equal_signal):
    """goprod's time to connect every camera (and the direct client's, unless `equal_signal`)."""
    async with Rig(CONNECT_CAMERAS, adapters, "--connect-delay-ms", str(CONNECT_DELAY_MS)) as rig:
        direct = None
        if equal_signal:
            for camera in rig.ids:
                for adapter in range(adapters):
                    await rig.sim.control("SetRssi", "ssn", camera, f"hci{adapter}", -60)
        else:
            direct = await direct_connect(rig)
            # The direct client disconnected before it left: goprod starts on a rig with no link.
            if any((await sim_links(rig)).values()):
                raise RuntimeError("the direct client's links are still up")
        await rig.start_daemon()
        await rig.discover()
        started = time.perf_counter()
        await rig.connect(rig.ids)
        seconds = time.perf_counter() - started
        cameras = (await rig.stub.ListCameras(pb.ListCamerasRequest())).cameras
        spread = {}
        for camera in cameras:
            spread[camera.adapter] = spread.get(camera.adapter, 0) + 1
        return {"goprod_seconds": seconds, "direct_seconds": direct and direct["seconds"],
                "goprod_cameras_per_adapter": dict(sorted(spread.items()))}


async def idle_cpu_percent(pid):
    before = cpu_seconds(pid)
    await asyncio.sleep(IDLE_SECONDS)  # measuring idleness is the one place a fixed wait is the point
    return (cpu_seconds(pid) - before) / IDLE_SECONDS * 100


async def memory_and_list():
    async with Rig(max(MEMORY_COUNTS), MEMORY_ADAPTERS) as rig:
        await rig.start_daemon()
        pid = rig.daemon.proc.pid
        await rig.discover()
        # Loading BlueZ's objects (a Device1 per camera per adapter, bonded) peaks
        # goprod's RSS once; its malloc trim (every 10 s) gives that back while idle.
        FIGURES["memory_peak_after_start_kib"] = rss_kib(pid, "VmHWM")
        idle = await idle_cpu_percent(pid)
        FIGURES["memory_no_ready_camera"] = {"rss_kib": rss_kib(pid), "idle_cpu_percent": idle}
        connected = 0
        for count in MEMORY_COUNTS:
            await rig.connect(rig.ids[connected:count])
            connected = count
            ready_rss = rss_kib(pid)
            idle = await idle_cpu_percent(pid)
            rss = rss_kib(pid)  # after the idle window, as the one before
            FIGURES["memory"].append({
                "cameras": count, "rss_at_ready_kib": ready_rss, "rss_kib": rss,
                "kib_per_camera": (rss - FIGURES["memory_no_ready_camera"]["rss_kib"]) / count,
                "idle_cpu_percent": idle})

        # Back to back first; the first call is not timed, as it ends the quiet window
        # above: calls after a quiet moment are measured on their own below.
        await rig.stub.ListCameras(pb.ListCamerasRequest())
        rpc_ms = []
        for _ in range(LIST_CALLS):
            started = time.perf_counter()
            reply = await rig.stub.ListCameras(pb.ListCamerasRequest())
            rpc_ms.append((time.perf_counter() - started) * 1000)
            if len(reply.cameras) != connected:
                raise RuntimeError(f"ListCameras gave {len(reply.cameras)} cameras, not {connected}")
        cli_ms = [await goproctl_list_ms(rig, connected) for _ in range(LIST_CALLS)]
        # After a quiet gap, as a person types the command: gRPC 1.51's callback server
        # threads stop polling for 100 ms after each second without a call
        # (CallbackAlternativeCQ in src/cpp/common/completion_queue_cc.cc), so the
        # gaps are spread evenly over that 1.1 s cycle.
        quiet_ms = []
        for i in range(QUIET_LIST_CALLS):
            await asyncio.sleep(0.5 + 1.1 * (i + 0.5) / QUIET_LIST_CALLS)  # the quiet gap is the point
            quiet_ms.append(await goproctl_list_ms(rig, connected))
        FIGURES["list"] = {"cameras": connected, "calls": LIST_CALLS,
                           "rpc_ms": {"p50": statistics.median(rpc_ms), "p99": percentile(rpc_ms, 99)},
                           "goproctl_ms": {"p50": statistics.median(cli_ms), "p99": percentile(cli_ms, 99)},
                           "goproctl_after_quiet_ms": {"calls": QUIET_LIST_CALLS, "p50": statistics.median(quiet_ms),
                                                       "max": max(quiet_ms),
                                                       "over_50_ms": sum(ms > 50 for ms in quiet_ms)}}


async def goproctl_list_ms(rig, cameras):
    """Wall time of one `goproctl list`, process start to exit."""
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(GOPROCTL, "--socket", rig.daemon.target, "list",
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    ms = (time.perf_counter() - started) * 1000
    if proc.returncode != 0 or len(out.decode().splitlines()) != cameras + 1:  # a header, a row each
        raise RuntimeError(f"goproctl list failed ({proc.returncode}): {err.decode()}\n{out.decode()}")
    return ms


async def main():
    FIGURES["machine"] = machine()
    m = FIGURES["machine"]
    say(f"goprod rig figures on {m['cpu']} ({m['cpus']} CPUs, Linux {m['kernel']})")

    say(f"\nconnect {CONNECT_CAMERAS} cameras, {2 * CONNECT_DELAY_MS} ms a connection, seconds (speed-up: "
        "against 1 adapter; direct: one Connect at a time per adapter, cameras dealt evenly)")
    say(f"  {'adapters':>8}  {'direct':>14}  {'goprod':>14}  {'goprod, equal signal':>20}  "
        "goprod's cameras per adapter (sim's signals | equal)")
    for adapters in CONNECT_ADAPTERS:
        placed = await connect_time(adapters, equal_signal=False)
        equal = await connect_time(adapters, equal_signal=True)
        row = {"adapters": adapters, "direct_seconds": placed["direct_seconds"],
               "goprod_seconds": placed["goprod_seconds"], "goprod_equal_signal_seconds": equal["goprod_seconds"],
               "goprod_cameras_per_adapter": placed["goprod_cameras_per_adapter"],
               "goprod_equal_signal_cameras_per_adapter": equal["goprod_cameras_per_adapter"]}
        FIGURES["connect"].append(row)
        first = FIGURES["connect"][0]

        def cell(key):
            return f"{row[key]:5.2f} ({first[key] / row[key]:4.2f}x)"

        say(f"  {adapters:>8}  {cell('direct_seconds'):>14}  {cell('goprod_seconds'):>14}  "
            f"{cell('goprod_equal_signal_seconds'):>20}  "
            f"{' '.join(str(n) for n in placed['goprod_cameras_per_adapter'].values())} | "
            f"{' '.join(str(n) for n in equal['goprod_cameras_per_adapter'].values())}")

    await memory_and_list()
    say(f"\ngoprod with ready cameras on {MEMORY_ADAPTERS} adapters, keep-alive every 3 s (the default)")
    none = FIGURES["memory_no_ready_camera"]
    say(f"  peak while loading BlueZ's {max(MEMORY_COUNTS) * MEMORY_ADAPTERS} device objects at start "
        f"{FIGURES['memory_peak_after_start_kib'] / 1024:.1f} MiB")
    say(f"  {'cameras':>7}  {'RSS MiB at ready':>16}  {'RSS MiB after idle':>18}  {'KiB/camera':>10}  "
        f"{f'idle CPU over {IDLE_SECONDS} s':>18}")
    say(f"  {0:>7}  {'':>16}  {none['rss_kib'] / 1024:>18.1f}  {'':>10}  {none['idle_cpu_percent']:>16.2f} %")
    for row in FIGURES["memory"]:
        say(f"  {row['cameras']:>7}  {row['rss_at_ready_kib'] / 1024:>16.1f}  {row['rss_kib'] / 1024:>18.1f}  "
            f"{row['kib_per_camera']:>10.0f}  {row['idle_cpu_percent']:>16.2f} %")
    say("  (after idle: at the end of the idle window, after goprod's malloc trim; KiB/camera: that RSS above\n"
        "   the one with no ready camera, divided by the cameras; CPU counted in 10 ms ticks)")
    lst = FIGURES["list"]
    say(f"\nlisting {lst['cameras']} cameras, {lst['calls']} calls, ms (median / p99)")
    say(f"  ListCameras RPC (Python gRPC client)   {lst['rpc_ms']['p50']:6.1f} / {lst['rpc_ms']['p99']:6.1f}")
    say(f"  goproctl list (process wall time)      {lst['goproctl_ms']['p50']:6.1f} / {lst['goproctl_ms']['p99']:6.1f}")
    quiet = lst["goproctl_after_quiet_ms"]
    say(f"  goproctl list after 0.5-1.6 s quiet    {quiet['p50']:6.1f} / {quiet['max']:6.1f} (max); "
        f"{quiet['over_50_ms']} of {quiet['calls']} over 50 ms")
    if ARGS.json:
        print(json.dumps(FIGURES, indent=2))


asyncio.run(main())
