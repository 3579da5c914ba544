"""A private bus, goprod-sim, the real goprod and a gRPC stub on its socket:
the rig of the daemon's and goproctl's integration tests."""
import asyncio
import os
import tempfile

from goprod.v1 import goprod_pb2 as pb
from goprod.v1 import goprod_pb2_grpc as pb_grpc
import grpc
from harness import GOPROCTL, Daemon, PrivateBus, Sim

KEEP_ALIVE = ("GP-0074", bytes.fromhex("5b 01 42"))


class Rig:
    """A private bus, goprod-sim, goprod and a gRPC stub on its socket."""

    connect_timeout = 30  # seconds a Connect RPC may take

    def __init__(self, sim_args=(), daemon_args=()):
        self.sim_args = list(sim_args)
        self.daemon_args = list(daemon_args)

    async def __aenter__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="goprod-test-")
        self.bus = await self.start_bus()
        self.sim = await Sim(self.bus.address, *self.sim_args).start()
        await self.start_daemon()
        return self

    async def start_bus(self):
        """The bus BlueZ (here goprod-sim) lives on; tests/vm uses the VM's system bus."""
        return await PrivateBus().start()

    async def start_daemon(self):
        self.daemon = await Daemon(self.bus.address, self.tmp.name, *self.daemon_args).start()
        self.channel = grpc.aio.insecure_channel(self.daemon.target)
        self.stub = pb_grpc.GoprodStub(self.channel)

    async def stop_daemon(self):
        await self.channel.close()
        code = await self.daemon.stop()
        output = self.daemon.output()
        print(output)  # pytest shows it when the test fails
        self.daemon.close()
        assert code == 0, f"goprod exited with {code}:\n{output}"
        return output

    async def __aexit__(self, *exc):
        try:
            await self.stop_daemon()
        finally:
            sim_code = await self.sim.stop()
            print("goprod-sim:\n" + self.sim.output())  # pytest shows it when the test fails
            await self.bus.stop()
            self.sim.close()
            self.tmp.cleanup()
        assert sim_code == 0

    async def sim_cameras(self):
        (cameras,) = await self.sim.control("ListCameras")
        return [c[0].split()[-1] for c in cameras]  # identifiers

    async def discover(self, count, seconds=10):
        """Discovers until `count` cameras were reported; returns their identifiers."""
        found = set()
        call = self.stub.Discover(pb.DiscoverRequest(duration={"seconds": seconds}))
        async for camera in call:
            assert camera.name == "GoPro " + camera.identifier
            found.add(camera.identifier)
            if len(found) >= count:
                call.cancel()
                break
        return sorted(found)

    async def connect(self, identifier):
        camera = await self.stub.Connect(pb.ConnectRequest(camera=identifier), timeout=self.connect_timeout)
        assert camera.state == pb.CAMERA_STATE_READY
        return camera

    async def ready(self, count=1):
        ids = await self.discover(count)
        for identifier in ids:
            await self.connect(identifier)
        return ids

    async def watch(self, **fields):
        """An event stream that is subscribed when this returns (goprod sends the
        initial metadata once the subscription is in place)."""
        call = self.stub.WatchEvents(pb.WatchEventsRequest(**fields))
        await call.initial_metadata()
        return call

    async def last_media_read(self, identifier, timeout=10):
        """Waits until goprod's capture journal has read the camera's last media after each
        stop (issue 17: one Get Last Captured Media, F5 6D, on its link after its encoding
        stops), so that a test reading what the camera receives next does not meet it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            entries = (await self.stub.ListCaptures(pb.ListCapturesRequest(), timeout=10)).entries
            stops = sum(e.HasField("encoding") and e.encoding.camera == identifier and not e.encoding.encoding
                        for e in entries)
            media = sum(e.HasField("media") and e.media.camera == identifier for e in entries)
            if media >= stops:
                return
            assert loop.time() < deadline, f"no last media read after {identifier}'s stop: {entries}"
            await asyncio.sleep(0.02)  # polling the journal for the entry, with a deadline

    async def received(self, identifier):
        """What the camera received, without goprod's keep-alives (they come every 3 s, any time)."""
        return [m for m in await self.sim.received(identifier) if m != KEEP_ALIVE]

    async def wait_state(self, identifier, state, timeout=20):
        """Waits, on the event stream, until the camera reaches `state`."""
        events = await self.watch(cameras=[identifier], kinds=[pb.Event.KIND_STATE_CHANGED])
        try:
            camera = await self.stub.GetCamera(pb.GetCameraRequest(camera=identifier))
            if camera.state == state:
                return camera

            async def until():
                async for event in events:
                    if event.camera.state == state:
                        return event.camera
            return await asyncio.wait_for(until(), timeout)
        finally:
            events.cancel()



class BudgetRig(Rig):
    """A rig whose goprod holds at most `max_connections` links per adapter (issue 16),
    and tracks at most `max_cameras` cameras when given."""

    def __init__(self, max_connections, *args, max_cameras=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_connections, self.max_cameras = max_connections, max_cameras

    async def start_daemon(self):
        limits = f"[limits]\nmax_cameras = {self.max_cameras}\n" if self.max_cameras else ""
        with open(os.path.join(self.tmp.name, "goprod.conf"), "w") as f:
            f.write(f"[bluetooth]\nmax_connections = {self.max_connections}\n{limits}")
        await super().start_daemon()

async def start_watch(rig, cam, *kinds):
    """`goproctl watch` on `cam` (every kind, or `kinds`), once its
    subscription is live: until a request it did not see before shows up in
    its output (request-done events are watched for that)."""
    args = [a for kind in kinds + ("request",) for a in ("--kind", kind)] if kinds else []
    proc = await asyncio.create_subprocess_exec(
        GOPROCTL, "--socket", rig.daemon.target, "-i", cam, "watch", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    lines = []
    for _ in range(50):
        await rig.stub.GetStatuses(pb.GetValuesRequest(target=pb.CameraRequest(cameras=[cam]), ids=[70]))
        try:
            while True:
                line = (await asyncio.wait_for(proc.stdout.readline(), 1)).decode()
                lines.append(line)
                if "request-done" in line:
                    return proc, lines
        except asyncio.TimeoutError:
            continue
    raise AssertionError("goproctl watch never showed a request:\n" + "".join(lines))


async def read_until(proc, lines, predicate, timeout=30):
    """The next line of a start_watch() process that `predicate` accepts (all read go to `lines`)."""
    async def scan():
        while True:
            line = (await proc.stdout.readline()).decode()
            assert line, "goproctl watch ended:\n" + "".join(lines)
            lines.append(line)
            if predicate(line):
                return line
    return await asyncio.wait_for(scan(), timeout)


async def left_and_back(events, cams, timeout=30):
    """Until each of `cams` has left READY and is READY again, from a rig.watch()
    of KIND_STATE_CHANGED events (a reboot, a dropped link: goprod reconnects)."""
    async def back():
        left, returned = set(), set()
        async for event in events:
            cam, state = event.camera.identifier, event.camera.state
            if state != pb.CAMERA_STATE_READY:
                left.add(cam)
            elif cam in left:
                returned.add(cam)
            if returned == set(cams):
                return
    await asyncio.wait_for(back(), timeout)
