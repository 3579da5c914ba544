"""goprod's figures against goprod-sim on a private bus (prints, never asserts):

- start-up: from exec to READY=1, and to the first answered RPC;
- latency: the same request (Get Open GoPro Version, 01 51) N times
  * straight through D-Bus (dbus-fast: WriteValue, then the notification),
  * through goprod (gRPC SendRaw over its Unix socket), and goprod's own view of the
    camera round trip (acknowledged - sent), so that goprod's added latency is the
    RPC time minus that round trip;
- memory: goprod's RSS with 64 connected cameras;
- idle: context switches of every goprod thread over 5 s with keep-alive off.

Usage: bench/daemon_bench.py BUILD_DIR [N]
"""
import asyncio
import os
import statistics
import sys
import tempfile
import time

BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
N = int(sys.argv[2]) if len(sys.argv) > 2 else 300
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
sys.path.insert(0, os.path.join(BUILD, "proto", "goprod", "v1"))
os.environ.setdefault("GOPROD_SIM", os.path.join(BUILD, "sim", "goprod-sim"))
os.environ.setdefault("GOPROD", os.path.join(BUILD, "daemon", "goprod"))

import grpc  # noqa: E402
from dbus_fast import Message, MessageType, Variant  # noqa: E402

import goprod_pb2 as pb  # noqa: E402
import goprod_pb2_grpc as pb_grpc  # noqa: E402
from harness import BLUEZ, Daemon, PrivateBus, Sim, call, connect  # noqa: E402

CHAR_0072 = "b5f90072-aa8d-11e3-9046-0002a5d5c51b"
CHAR_0073 = "b5f90073-aa8d-11e3-9046-0002a5d5c51b"


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def line(name, values_ms):
    print(f"  {name:<44} p50 {pct(values_ms, 50):7.3f} ms   p90 {pct(values_ms, 90):7.3f} ms   "
          f"p99 {pct(values_ms, 99):7.3f} ms")


async def direct_round_trips(address, device_path):
    """Connect a (bonded) camera ourselves and time WriteValue → notification."""
    bus = await connect(address)
    objects = (await call(bus, BLUEZ, "/", "org.freedesktop.DBus.ObjectManager", "GetManagedObjects"))[0]
    await call(bus, BLUEZ, device_path, "org.bluez.Device1", "Connect", timeout=30)
    objects = (await call(bus, BLUEZ, "/", "org.freedesktop.DBus.ObjectManager", "GetManagedObjects"))[0]
    chars = {ifaces["org.bluez.GattCharacteristic1"]["UUID"].value: path for path, ifaces in objects.items()
             if path.startswith(device_path) and "org.bluez.GattCharacteristic1" in ifaces}
    notified = asyncio.Queue()

    def on_message(msg):
        if msg.message_type == MessageType.SIGNAL and msg.path == chars[CHAR_0073] and msg.member == "PropertiesChanged":
            if "Value" in msg.body[1]:
                notified.put_nowait(time.perf_counter())
    bus.add_message_handler(on_message)
    await call(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "AddMatch", "s",
               [f"type='signal',sender='{BLUEZ}',path='{chars[CHAR_0073]}'"])
    await call(bus, BLUEZ, chars[CHAR_0073], "org.bluez.GattCharacteristic1", "StartNotify")
    times = []
    for i in range(N + 20):
        start = time.perf_counter()
        await call(bus, BLUEZ, chars[CHAR_0072], "org.bluez.GattCharacteristic1", "WriteValue", "aya{sv}",
                   [bytes.fromhex("0151"), {"type": Variant("s", "request")}])
        done = await asyncio.wait_for(notified.get(), 5)
        if i >= 20:  # warm-up
            times.append((done - start) * 1000)
    bus.disconnect()
    return times


def rss_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for row in f:
            if row.startswith(field + ":"):
                return int(row.split()[1])
    return 0


def context_switches(pid):
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/status") as f:
            for row in f:
                if "ctxt_switches" in row:
                    total += int(row.split()[1])
    return total


async def main():
    print(f"goprod daemon figures (N={N} requests; {os.cpu_count()} CPUs)")
    with tempfile.TemporaryDirectory() as tmp:
        bus = await PrivateBus().start()
        sim = await Sim(bus.address, "--cameras", "64", "--paired").start()
        try:
            with open(os.path.join(tmp, "goprod.conf"), "w") as f:
                f.write("[bluetooth]\nkeep_alive_interval_ms = 0\n")
            daemon = Daemon(bus.address, tmp)
            started = time.perf_counter()
            await daemon.start()
            ready_ms = (time.perf_counter() - started) * 1000
            channel = grpc.aio.insecure_channel(daemon.target)
            stub = pb_grpc.GoprodStub(channel)
            await stub.ListCameras(pb.ListCamerasRequest())
            first_rpc_ms = (time.perf_counter() - started) * 1000
            idle_rss = rss_kib(daemon.proc.pid)
            idle_anon = rss_kib(daemon.proc.pid, "RssAnon")
            print("start-up")
            print(f"  exec → READY=1                               {ready_ms:7.1f} ms")
            print(f"  exec → first answered RPC                    {first_rpc_ms:7.1f} ms")

            (cameras,) = await sim.control("ListCameras")
            ids = sorted(c[0].split()[-1] for c in cameras)
            paths = {c[0].split()[-1]: c[2] for c in cameras}
            found = set()
            async for camera in stub.Discover(pb.DiscoverRequest(duration={"seconds": 20})):
                found.add(camera.identifier)
                if len(found) == len(ids):
                    break
            direct_id, goprod_ids = ids[0], ids[1:]

            # Latency, one camera each way.
            cam = goprod_ids[0]
            await stub.Connect(pb.ConnectRequest(camera=cam), timeout=60)
            rpc, inside = [], []
            for i in range(N + 20):
                start = time.perf_counter()
                reply = await stub.SendRaw(pb.SendRawRequest(camera=cam, characteristic=pb.CHARACTERISTIC_COMMAND,
                                                             message=bytes.fromhex("51")))
                elapsed = (time.perf_counter() - start) * 1000
                assert reply.result.code == 0, reply
                if i >= 20:
                    rpc.append(elapsed)
                    inside.append((reply.result.acknowledged.ToNanoseconds() - reply.result.sent.ToNanoseconds()) / 1e6)
            direct = await direct_round_trips(bus.address, paths[direct_id])
            print("latency of Get Open GoPro Version (write → notification)")
            line("direct D-Bus client (dbus-fast)", direct)
            line("goprod's view of the camera round trip", inside)
            line("gRPC client → goprod → camera → client", rpc)
            added = [r - i for r, i in zip(rpc, inside)]
            line("added by goprod + gRPC (per request)", added)

            # Memory with 64 connected cameras (one connected directly above: 63 + 1 here).
            for other in goprod_ids[1:]:
                await stub.Connect(pb.ConnectRequest(camera=other), timeout=60)
            ready = [c for c in (await stub.ListCameras(pb.ListCamerasRequest())).cameras
                     if c.state == pb.CAMERA_STATE_READY]
            print("memory")
            print(f"  goprod RSS with no camera                    {idle_rss / 1024:7.1f} MiB")
            print(f"  goprod RSS with {len(ready)} ready cameras            {rss_kib(daemon.proc.pid) / 1024:7.1f} MiB")
            print(f"  of which private (RssAnon): {idle_anon / 1024:.1f} MiB with no camera, "
                  f"{rss_kib(daemon.proc.pid, 'RssAnon') / 1024:.1f} MiB with {len(ready)}; the rest is shared libraries")

            before = context_switches(daemon.proc.pid)
            await asyncio.sleep(5)  # measuring idleness is the one place a fixed wait is the point
            after = context_switches(daemon.proc.pid)
            print("idle (keep-alive off, 5 s)")
            print(f"  context switches, all threads                {after - before:7d}")
            await channel.close()
            await daemon.stop()
            daemon.close()
        finally:
            await sim.stop()
            sim.close()
            await bus.stop()


asyncio.run(main())
