"""issue 16: a rig through the real bluetoothd, in the VM that tests/vm/vm.sh boots with four btvirt
controllers (`vm.sh run --controllers 4`, as ./run vm does).

goprod owns hci0 and hci1 (`[bluetooth] adapters`); two goprod-sim processes in peripheral mode play two
cameras, each on its own controller: GoPro 0702 on hci2 and GoPro 0703 on hci3 (`--first-camera`). A
peripheral advertises with its controller's address, so the cameras have distinct addresses as well as
distinct names. Each of goprod's adapters has a budget of one link (`max_connections = 1`), because a
btvirt controller carries only one LE link that works (see BUDGET). The cameras spread, one per adapter.
Then the adapter of one camera is taken away as a USB unplug does: that camera waits for room, visibly,
and moves to the other adapter as soon as its link there ends; the adapter comes back and the camera
goes home.
"""
import asyncio
import ctypes
import fcntl
import json
import os
import signal
import socket
import sys
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from harness import BLUEZ, SIM, call, connect, goproctl, run  # noqa: E402
from test_real_bluez import SYSTEM_BUS, TIMEOUT, SystemBus, VmRig, managed_objects  # noqa: E402

pytestmark = pytest.mark.skipif(int(os.environ.get("GOPROD_VM_CONTROLLERS", "2")) < 4,
                                reason="needs four controllers: tests/vm/vm.sh run --controllers 4")

GOPROD_ADAPTERS = ("hci0", "hci1")
CAMERAS = {"0702": "hci2", "0703": "hci3"}  # the camera each controller plays (goprod-sim --first-camera 0, 1)
# [bluetooth] max_connections, set to what a btvirt controller holds: one LE link that carries data. btvirt
# numbers the links of each controller on its own (the first 0x002a, the next 0x002b...) and forwards ACL
# data under the sender's number (emulator/btdev.c send_acl): a controller's second link gets 0x002b while
# its peer, a camera with no other link, calls it 0x002a, so the camera's ATT traffic lands on the
# controller's first link and GATT discovery on the second never ends.
BUDGET = 1
NO_ROOM = "no adapter has room"


class Peripheral:
    """goprod-sim --peripheral: one camera on its own controller. Only the first process on the bus may own
    the control interface's name, so this waits for nothing: goprod discovering the camera is the sign."""

    def __init__(self, index, adapter):
        self.args = ["--peripheral", adapter, "--first-camera", str(index), "-v"]

    async def start(self):
        self.log = tempfile.TemporaryFile()
        self.proc = await asyncio.create_subprocess_exec(SIM, *self.args, stdout=self.log, stderr=self.log)
        return self

    async def stop(self):
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(self.proc.wait(), TIMEOUT)
        self.log.seek(0)
        print(f"goprod-sim {' '.join(self.args)} exited {code}:\n" + self.log.read().decode(errors="replace"))
        self.log.close()
        return code


class TwoAdapterRig(VmRig):
    """goprod on hci0 and hci1 with a budget of BUDGET links each, and the two cameras of CAMERAS."""

    async def __aenter__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="goprod-test-")
        with open(os.path.join(self.tmp.name, "goprod.conf"), "w") as f:
            f.write('[bluetooth]\nadapters = ["hci0", "hci1"]\nconnect_timeout_ms = 15000\n'
                    f"max_connections = {BUDGET}\n")
        self.bus = SystemBus()
        self.cameras = []
        for index, adapter in enumerate(CAMERAS.values()):
            self.cameras.append(await Peripheral(index, adapter).start())
        await self.start_daemon()
        return self

    async def __aexit__(self, *exc):
        try:
            await self.stop_daemon()
        finally:
            codes = [await camera.stop() for camera in self.cameras]
            self.tmp.cleanup()
        assert codes == [0] * len(codes), codes

    async def ctl_json(self, *args):
        """goproctl --json ARGS: one object per line."""
        code, out, err = await goproctl(self.daemon, "--json", *args, timeout=TIMEOUT)
        assert code == 0, (args, code, out, err)
        return [json.loads(line) for line in out.splitlines()]

    async def adapters(self, used_only=True):
        """`goproctl adapters` by name: those goprod may use (hci2 and hci3 are listed too, unused)."""
        return {a["name"]: a for a in await self.ctl_json("adapters") if a["used"] or not used_only}

    async def cameras_listed(self):
        (listing,) = await self.ctl_json("list")
        return {c["identifier"]: c for c in listing["cameras"]}

    async def until(self, what, check):
        """Polls goproctl until check() returns something true (goprod's view has no event for every
        field); fails with the last view after TIMEOUT."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            result = await check()
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: not within {TIMEOUT} s; adapters {await self.adapters()}, "
                                     f"cameras {await self.cameras_listed()}")
            await asyncio.sleep(0.2)


def hci_index(adapter):
    return int(adapter.removeprefix("hci"))


class Unplugged:
    """Controller `adapter` taken away as a USB unplug looks to the host: the kernel closes the device
    (HCIDEVDOWN: its links end without a word to the peer) and sends bluetoothd Index Removed, which
    drops the Adapter1 object and its devices. The kernel's way to send it for a virtual controller that
    stays is an HCI user channel: binding one takes the device away from the management interface
    (mgmt_index_removed); closing it gives it back (Index Added, and bluetoothd powers it: AutoEnable)."""

    HCIDEVDOWN = 0x400448CA  # _IOW('H', 202, int)
    HCI_CHANNEL_USER = 1

    class SockaddrHci(ctypes.Structure):
        _fields_ = [("family", ctypes.c_ushort), ("dev", ctypes.c_ushort), ("channel", ctypes.c_ushort)]

    def __init__(self, adapter):
        self.index = hci_index(adapter)

    def __enter__(self):
        with socket.socket(socket.AF_BLUETOOTH, socket.SOCK_RAW | socket.SOCK_CLOEXEC, socket.BTPROTO_HCI) as raw:
            fcntl.ioctl(raw.fileno(), self.HCIDEVDOWN, self.index)
        # Python's socket.bind knows no HCI channel: bind through libc.
        self.channel = socket.socket(socket.AF_BLUETOOTH, socket.SOCK_RAW | socket.SOCK_CLOEXEC, socket.BTPROTO_HCI)
        address = self.SockaddrHci(socket.AF_BLUETOOTH, self.index, self.HCI_CHANNEL_USER)
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.bind(self.channel.fileno(), ctypes.byref(address), ctypes.sizeof(address)) != 0:
            error = ctypes.get_errno()
            self.channel.close()
            raise OSError(error, f"HCI user channel on hci{self.index}: {os.strerror(error)}")
        return self

    def plug_back(self):
        self.channel.close()

    def __exit__(self, *exc):
        self.channel.close()


async def controller_addresses(bus):
    return {path.rsplit("/", 1)[-1]: ifaces["org.bluez.Adapter1"]["Address"].value
            for path, ifaces in (await managed_objects(bus)).items() if "org.bluez.Adapter1" in ifaces}


async def end_the_peripherals_link(bus, camera_adapter, central_address):
    """What the supervision timeout does to the camera after its central vanished: btvirt has none, and its
    HCI Reset forgets the link without telling the peer, so the camera's side would keep it (and stay
    silent, not advertising) for ever. The camera's bluetoothd ends it."""
    device = f"/org/bluez/{camera_adapter}/dev_" + central_address.replace(":", "_")
    await call(bus, BLUEZ, device, "org.bluez.Device1", "Disconnect", timeout=TIMEOUT)


async def listed(rig, adapter, powered):
    """Whether `goproctl adapters` lists `adapter` powered (powered=True) or not at all (False)."""
    adapters = await rig.adapters(used_only=False)
    return adapter in adapters and adapters[adapter]["powered"] if powered else adapter not in adapters


async def waiting(rig, cam):
    camera = (await rig.cameras_listed())[cam]
    return camera["state"] != "CAMERA_STATE_READY" and camera["waiting"] == NO_ROOM


async def ready_on(rig, cam, adapter):
    camera = (await rig.cameras_listed())[cam]
    return camera["state"] == "CAMERA_STATE_READY" and camera["adapter"] == adapter


def stamp_ns(text):  # an RFC 3339 time of protobuf's JSON mapping, in ns since the epoch
    from google.protobuf.timestamp_pb2 import Timestamp
    stamp = Timestamp()
    stamp.FromJsonString(text)
    return stamp.ToNanoseconds()


async def planned_start(rig):
    """Shutter on at one instant on both cameras, then off: every write at or after the instant."""
    selection = [a for cam in sorted(CAMERAS) for a in ("-i", cam)]
    code, out, err = await goproctl(rig.daemon, "--json", *selection, "shutter", "on", "--at", "+1s",
                                    timeout=TIMEOUT)
    assert code == 0, (code, out, err)
    result = json.loads(out)
    late = []
    for camera in result["results"]:
        assert camera["code"] == 0, camera
        late.append(stamp_ns(camera["sent"]) - stamp_ns(camera["planned"]))
        assert late[-1] >= 0, camera
    print(f"planned start on {len(late)} cameras through bluetoothd: spread {result.get('spread', '0s')}, "
          f"writes {min(late) / 1e3:.0f} to {max(late) / 1e3:.0f} µs after the instant")
    code, out, err = await goproctl(rig.daemon, *selection, "shutter", "off", timeout=TIMEOUT)
    assert code == 0, (code, out, err)


def test_two_cameras_one_per_adapter_and_one_moves_when_its_adapter_is_unplugged():
    async def scenario():
        bus = await connect(SYSTEM_BUS)
        try:
            async with TwoAdapterRig() as rig:
                addresses = await controller_addresses(bus)
                assert await rig.discover(2, seconds=30) == sorted(CAMERAS)
                for cam in sorted(CAMERAS):
                    await rig.connect(cam)

                # Each camera is its own controller: its name and its controller's address.
                cameras = await rig.cameras_listed()
                for cam, controller in CAMERAS.items():
                    assert cameras[cam]["address"] == addresses[controller], (cam, cameras[cam], addresses)
                # One camera on each of goprod's adapters.
                placed = {cam: cameras[cam]["adapter"] for cam in CAMERAS}
                assert sorted(placed.values()) == sorted(GOPROD_ADAPTERS), placed
                adapters = await rig.adapters()
                assert sorted(adapters) == sorted(GOPROD_ADAPTERS), adapters
                for name in GOPROD_ADAPTERS:
                    assert adapters[name]["connections"] == 1 and adapters[name]["budget"] == BUDGET, adapters
                    assert adapters[name]["cameras"] == [c for c, a in placed.items() if a == name], adapters

                # issue 17: a planned start through the real stack, each camera on its own controller.
                await planned_start(rig)

                moving = sorted(CAMERAS)[0]
                staying = next(c for c in CAMERAS if c != moving)
                gone, stays = placed[moving], placed[staying]
                with Unplugged(gone) as unplugged:
                    # goprod follows bluetoothd: the adapter leaves `goproctl adapters`.
                    await rig.until(f"{gone} gone from goproctl adapters", lambda: listed(rig, gone, False))
                    await end_the_peripherals_link(bus, CAMERAS[moving], addresses[gone])
                    # The adapter left holds its budget: the camera waits for room there, and says so.
                    await rig.until(f"camera {moving} waiting for room", lambda: waiting(rig, moving))
                    adapters = await rig.adapters()
                    assert list(adapters) == [stays] and adapters[stays]["cameras"] == [staying], adapters
                    # Nothing hangs: a request to the waiting camera waits for a link until its deadline.
                    code, out, err = await goproctl(rig.daemon, "--timeout", "3", "-i", moving, "info")
                    assert code != 0 and "not connected" in err, (code, out, err)
                    code, out, err = await goproctl(rig.daemon, "-i", staying, "info", timeout=TIMEOUT)
                    assert code == 0 and "HERO12 Black" in out, (staying, code, out, err)

                    # Room frees on the adapter left: the waiting camera takes it without being asked again.
                    code, out, err = await goproctl(rig.daemon, "-i", staying, "disconnect", timeout=TIMEOUT)
                    assert code == 0, (code, out, err)
                    started = time.monotonic()
                    await rig.until(f"camera {moving} ready on {stays}", lambda: ready_on(rig, moving, stays))
                    print(f"camera {moving} ready on {stays} {time.monotonic() - started:.1f} s after room freed")
                    adapters = await rig.adapters()
                    assert list(adapters) == [stays], adapters
                    assert adapters[stays]["connections"] == 1 and adapters[stays]["cameras"] == [moving], adapters
                    code, out, err = await goproctl(rig.daemon, "-i", moving, "info", timeout=TIMEOUT)
                    assert code == 0 and "HERO12 Black" in out, (moving, code, out, err)

                    # Plugged back: bluetoothd powers it, goprod lists it, and the camera goes home to it.
                    unplugged.plug_back()
                    started = time.monotonic()
                    await rig.until(f"{gone} back in goproctl adapters", lambda: listed(rig, gone, True))
                    await rig.until(f"camera {moving} home on {gone}", lambda: ready_on(rig, moving, gone))
                    print(f"camera {moving} home on {gone} {time.monotonic() - started:.1f} s after it was plugged back")

                # And the other camera comes back to the adapter left free.
                code, out, err = await goproctl(rig.daemon, "-i", staying, "connect", timeout=TIMEOUT)
                assert code == 0, (code, out, err)
                cameras = await rig.cameras_listed()
                assert {c: cameras[c]["adapter"] for c in CAMERAS} == placed, cameras
                for cam in CAMERAS:
                    code, out, err = await goproctl(rig.daemon, "-i", cam, "info", timeout=TIMEOUT)
                    assert code == 0 and "HERO12 Black" in out, (cam, code, out, err)
        finally:
            bus.disconnect()
    run(scenario())
