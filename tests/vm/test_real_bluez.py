"""goprod through the real bluetoothd and the real Linux Bluetooth stack.

Runs inside the VM that tests/vm/vm.sh boots (./run vm): bluetoothd 5.66 on the
VM's system bus with two btvirt LE controllers linked to each other. goprod-sim
plays the camera as a real BLE peripheral on hci1 (--peripheral: GATT
application and LE advertisement registered with bluetoothd); the real goprod
owns hci0 and the real goproctl drives it. Every byte between them crosses the
kernel's HCI, L2CAP, ATT and SMP layers, encrypted after pairing.

The scenarios reuse the checks of tests/integration (the same seeds, the same
bytes), so the simulated BlueZ and the real one are held to one standard. They
run in file order; bluetoothd's state (the bond) carries from one to the next
within a VM run, as on a real machine. Every wait is on an event.
"""
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from goprod.v1 import goprod_pb2 as pb  # noqa: E402
import grpc  # noqa: E402
from harness import BLUEZ, Sim, call, connect, goproctl, run, wait_for_name, wait_for_name_released  # noqa: E402
from rig import Rig  # noqa: E402
from test_goproctl import check_seed_commands, check_station_mode  # noqa: E402
from test_goproctl_cohn import check_cohn_provision  # noqa: E402
from test_livestream import check_start_status_and_stop  # noqa: E402
import test_sim_bleak as bleak_seeds  # noqa: E402

# bleak scans from the central's adapter: left to itself it picks either
# controller (see test_sim_bleak.ADAPTER), and hci1 cannot see its own advertising.
bleak_seeds.ADAPTER = "hci0"
bleak_seeds.CONNECT_ATTEMPTS = 3

SYSTEM_BUS = "unix:path=/run/dbus/system_bus_socket"
CAMERA = "0702"  # the sim's first camera (sim/camera_config.cpp)
AP_SSID, AP_PASSWORD = "GP-VM-0702", "goprod-vm-secret"
PERIPHERAL = ["--peripheral", "hci1", "-v", "--ap-ssid", AP_SSID, "--ap-password", AP_PASSWORD]
RESULTS = os.environ.get("GOPROD_VM_RESULTS", tempfile.gettempdir())
TIMEOUT = 60  # generous: the VM's CPU is emulated
ROUND_TRIPS = 50


class SystemBus:
    """The VM's system bus, where the real bluetoothd runs; it outlives every test."""
    address = SYSTEM_BUS

    async def stop(self):
        pass


class VmRig(Rig):
    """goprod-sim as a peripheral on hci1 and goprod on hci0, on the VM's system bus.

    Now and then a connection attempt fails in this VM for reasons inside the real
    stack (the link does not come up before the attempt deadline; bluetoothd refuses
    StartNotify with "Failed to register notify session"). The Connect RPC reports
    that attempt's failure, as it should; goprod's auto-connect then tries again by
    itself, and the scenarios wait for that recovery, as a user's program would. The
    attempt deadline is shortened to 15 s so that it comes within TIMEOUT."""

    connect_timeout = TIMEOUT

    async def connect(self, identifier):
        try:
            return await super().connect(identifier)
        except grpc.aio.AioRpcError as error:
            if error.code() != grpc.StatusCode.UNAVAILABLE:
                raise
            print(f"first attempt failed ({error.details()}): waiting for goprod's next one")
            return await self.wait_state(identifier, pb.CAMERA_STATE_READY, timeout=TIMEOUT)

    def __init__(self, config=""):
        super().__init__(sim_args=PERIPHERAL)
        self.config = config

    async def start_bus(self):
        with open(os.path.join(self.tmp.name, "goprod.conf"), "w") as f:
            f.write('[bluetooth]\nadapter = "hci0"\nconnect_timeout_ms = 15000\n' + self.config)
        return SystemBus()

    async def restart_sim(self):
        """The camera process goes away (its registrations with it) and comes back."""
        assert await self.sim.stop() == 0
        self.sim.close()
        self.sim = await Sim(SYSTEM_BUS, *PERIPHERAL).start()


async def managed_objects(bus):
    return (await call(bus, BLUEZ, "/", "org.freedesktop.DBus.ObjectManager", "GetManagedObjects"))[0]


def camera_device(objects):
    """The camera's Device1 path as hci0's side of bluetoothd knows it."""
    paths = [path for path, ifaces in objects.items() if path.startswith("/org/bluez/hci0/dev_")
             and "org.bluez.Device1" in ifaces and ifaces["org.bluez.Device1"].get("Name")
             and ifaces["org.bluez.Device1"]["Name"].value == "GoPro " + CAMERA]
    assert len(paths) == 1, sorted(objects)
    return paths[0]


async def reconnects_after(rig, cam, fault):
    """Runs fault() and waits until goprod saw the link go and brought the camera back to ready by itself."""
    events = await rig.watch(cameras=[cam], kinds=[pb.Event.KIND_STATE_CHANGED])
    try:
        await fault()

        async def down_then_ready():
            went_down = False
            async for event in events:
                state = event.camera.state
                went_down = went_down or state != pb.CAMERA_STATE_READY
                if went_down and state == pb.CAMERA_STATE_READY:
                    return
        await asyncio.wait_for(down_then_ready(), TIMEOUT)
    finally:
        events.cancel()
    code, out, err = await goproctl(rig.daemon, "-i", cam, "analytics")
    assert code == 0, (out, err)


def bluetoothd_pid():
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/comm") as f:
                if f.read().strip() == "bluetoothd":
                    return int(pid)
        except OSError:
            continue
    raise AssertionError("bluetoothd is not running")


def process_exit(pid):
    """A future that completes when process `pid` exits (its pidfd turns readable): an event, not a poll."""
    loop = asyncio.get_running_loop()
    exited = loop.create_future()
    fd = os.pidfd_open(pid)

    def on_exit():
        if not exited.done():
            exited.set_result(None)

    def release(_):
        loop.remove_reader(fd)
        os.close(fd)
    loop.add_reader(fd, on_exit)
    exited.add_done_callback(release)  # also when cancelled
    return exited


class Launched:
    """A subprocess.Popen process, awaitable as wait_for_name expects. Not an asyncio subprocess:
    the restarted bluetoothd must outlive the test's event loop, which kills those when it closes."""

    def __init__(self, popen):
        self.popen = popen

    @property
    def returncode(self):
        return self.popen.returncode

    async def wait(self):
        await process_exit(self.popen.pid)
        return self.popen.wait()


async def restart_bluetoothd():
    """bluetoothd stops (SIGTERM, as systemctl restart does) and starts again with the same command line.

    The new one starts only once the bus has released org.bluez, and the old process has exited:
    bluetoothd asks for its name without queueing, and exits ("Name already in use") if the bus
    has not yet noticed that the old owner is gone."""
    pid = bluetoothd_pid()
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        argv = [a.decode() for a in f.read().split(b"\0") if a]
    bus = await connect(SYSTEM_BUS)
    try:
        exited = process_exit(pid)
        os.kill(pid, signal.SIGTERM)
        await wait_for_name_released(bus, BLUEZ, timeout=TIMEOUT)
        await asyncio.wait_for(exited, TIMEOUT)
        log_path = os.path.join(RESULTS, "bluetoothd-restarted.log")
        with open(log_path, "ab") as log:
            restarted = subprocess.Popen(argv, stdout=log, stderr=log, start_new_session=True)
        try:
            await wait_for_name(bus, BLUEZ, Launched(restarted), timeout=TIMEOUT)
        except RuntimeError as error:
            with open(log_path) as f:
                raise AssertionError(f"{error}; the restarted bluetoothd's log:\n{f.read()}") from None
    finally:
        bus.disconnect()


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


# --------------------------------------------------------------------- 1. discovery, pairing, ready

def test_discovery_pairing_by_goprods_agent_notifications_ready():
    async def scenario():
        bus = await connect(SYSTEM_BUS)
        try:
            async with VmRig() as rig:
                assert await rig.discover(1, seconds=30) == [CAMERA]
                await rig.connect(CAMERA)
                objects = await managed_objects(bus)
                device = camera_device(objects)
                props = objects[device]["org.bluez.Device1"]
                for name in ("Connected", "Paired", "ServicesResolved"):
                    assert props[name].value, (name, props)
                # bluetoothd, not goprod, tells which characteristics notify: StartNotify went to the camera.
                notifying = {bleak_seeds.short_name(ifaces["org.bluez.GattCharacteristic1"]["UUID"].value)
                             for path, ifaces in objects.items() if path.startswith(device + "/")
                             and "org.bluez.GattCharacteristic1" in ifaces
                             and ifaces["org.bluez.GattCharacteristic1"].get("Notifying")
                             and ifaces["org.bluez.GattCharacteristic1"]["Notifying"].value}
                assert {"GP-0073", "GP-0075", "GP-0077", "GP-0092"} <= notifying, notifying
                # Nobody but goprod registered an agent in this VM: its own agent paired.
                assert "pairing agent" in rig.daemon.output()
                # The peripheral's side of the kernel sees a paired central too.
                (cameras,) = await rig.sim.control("ListCameras")
                assert cameras[0][3] and cameras[0][4], cameras
        finally:
            bus.disconnect()
    run(scenario())


# --------------------------------------------------------------------- 2. the commands seed, AP

def test_seed_commands_settings_and_ap_through_the_real_stack():
    async def scenario():
        async with VmRig() as rig:
            (cam,) = await rig.ready(1)
            # The seeds end with Sleep: the link drops and goprod wakes the camera again.
            await reconnects_after(rig, cam, lambda: check_seed_commands(rig, cam))
            # SSID and password come from the encrypted GP-0002 / GP-0003 reads.
            code, out, err = await goproctl(rig.daemon, "-i", cam, "wifi", "ap", "info")
            assert code == 0 and AP_SSID in out and AP_PASSWORD in out, (out, err)
            await rig.sim.control("ClearReceived", "s", cam)
            code, out, err = await goproctl(rig.daemon, "-i", cam, "wifi", "ap", "on", timeout=TIMEOUT)
            assert code == 0, (out, err)
            assert ("GP-0072", bytes.fromhex("17 01 01")) in await rig.received(cam)
    run(scenario())


# --------------------------------------------------------------------- 3. station mode, live stream, COHN

def test_wifi_station_mode_then_a_live_stream_and_cohn_through_the_real_stack():
    """The WiFi seed's station-mode flow; then what station mode is for, on the same link (one rig, to
    keep the VM run short): a live stream on the network just joined (started with its progress to
    streaming, its status, stopped), and tutorial 9's COHN provisioning on another network, new to the
    camera (date and time, the station-mode join, certificate cleared and created, NetworkConnected; the
    credentials and the root CA PEM checked)."""
    async def scenario():
        async with VmRig() as rig:
            (cam,) = await rig.ready(1)
            await rig.sim.control("ClearReceived", "s", cam)
            await check_station_mode(rig, cam)
            # Connect (New) crossed the air as several 20-byte writes.
            sent = [m for c, m in await rig.received(cam) if c == "GP-0091" and m[:2] == bytes.fromhex("02 05")]
            assert sent and len(sent[0]) > 19
            await rig.sim.control("ClearReceived", "s", cam)
            await check_start_status_and_stop(rig, cam)
            await rig.sim.control("ClearReceived", "s", cam)
            await check_cohn_provision(rig, cam, "ATTb7JgAwa", "att-b7jg-pass")
    run(scenario())


# --------------------------------------------------------------------- 4. link loss and restarts

def test_goprod_recovers_from_link_loss_peripheral_restart_and_bluetoothd_restart():
    async def scenario():
        async with VmRig() as rig:
            (cam,) = await rig.ready(1)
            await reconnects_after(rig, cam, lambda: rig.sim.control("DropLink", "s", cam))
            await reconnects_after(rig, cam, rig.restart_sim)
            await reconnects_after(rig, cam, restart_bluetoothd)
    run(scenario())


# --------------------------------------------------------------------- 5. bleak, the seeds' library

async def forget_devices():
    """Both adapters forget each other (bonds and GATT caches), as a fresh pair of machines: bleak
    finds a device by its advertisements showing up as a new Device1 object, and pairs itself."""
    bus = await connect(SYSTEM_BUS)
    try:
        for path, ifaces in (await managed_objects(bus)).items():
            if "org.bluez.Device1" in ifaces:
                adapter = ifaces["org.bluez.Device1"]["Adapter"].value
                await call(bus, BLUEZ, adapter, "org.bluez.Adapter1", "RemoveDevice", "o", [path], timeout=TIMEOUT)
    finally:
        bus.disconnect()


def with_peripheral(check):
    """A fresh peripheral-mode sim for a bleak check (no goprod: a camera serves one central)."""
    async def scenario():
        await forget_devices()
        sim = await Sim(SYSTEM_BUS, *PERIPHERAL).start()
        try:
            await check(sim)
        finally:
            code = await sim.stop()
            output = sim.output()
            print("goprod-sim:\n" + output)  # pytest shows it when the test fails
            sim.close()
            assert code == 0, output
    run(scenario())


def test_bleak_drives_the_peripheral_with_the_commands_seed():
    with_peripheral(bleak_seeds.commands_seed)


def test_bleak_drives_the_peripheral_with_the_wifi_seed():
    with_peripheral(bleak_seeds.wifi_seed)


# --------------------------------------------------------------------- 6. latency side by side

def test_latency_goprod_and_bleak_side_by_side():
    """The same write → notification round trip (Get Open GoPro Version, 01 51) ROUND_TRIPS times through
    each path, in this VM run. Prints figures; asserts only that every request was answered."""
    request = bytes.fromhex("51")
    rows = []

    async def through_goprod():
        async with VmRig(config="keep_alive_interval_ms = 0\n") as rig:
            (cam,) = await rig.ready(1)
            inside, rpc, cli = [], [], []
            for i in range(ROUND_TRIPS + 5):  # the first 5 warm up
                start = time.perf_counter()
                reply = await rig.stub.SendRaw(pb.SendRawRequest(camera=cam, characteristic=pb.CHARACTERISTIC_COMMAND,
                                                                 message=request), timeout=TIMEOUT)
                elapsed = (time.perf_counter() - start) * 1000
                assert reply.result.code == 0, reply
                if i >= 5:
                    rpc.append(elapsed)
                    inside.append((reply.result.acknowledged.ToNanoseconds() - reply.result.sent.ToNanoseconds()) / 1e6)
            for i in range(ROUND_TRIPS):
                start = time.perf_counter()
                code, out, err = await goproctl(rig.daemon, "-i", cam, "raw", "command", "51")
                cli.append((time.perf_counter() - start) * 1000)
                assert code == 0, (out, err)
            rows.append(("goproctl raw command 51 (a process per request)", cli))
            rows.append(("gRPC client (Python) → goprod → camera", rpc))
            rows.append(("goprod's own view of the BLE round trip", inside))

    async def through_bleak(sim):
        gopro = await bleak_seeds.GoPro().connect()
        try:
            times = []
            for i in range(ROUND_TRIPS + 5):
                start = time.perf_counter()
                message, _ = await gopro.request(bleak_seeds.COMMAND_REQ_UUID, bytes.fromhex("01 51"), "GP-0073")
                elapsed = (time.perf_counter() - start) * 1000
                assert message[:2] == bytes.fromhex("51 00"), message.hex(" ")
                if i >= 5:
                    times.append(elapsed)
            rows.append(("bleak (the seeds' stack), write → notification", times))
        finally:
            await gopro.disconnect()

    run(through_goprod())
    with_peripheral(through_bleak)

    lines = [f"Latency through the real bluetoothd in the VM: {ROUND_TRIPS} round trips of Get Open GoPro Version",
             "(software-emulated CPU: compare the rows with each other, not with a real machine)",
             "", "| Path | median | p90 |", "|---|---|---|"]
    for name, values in rows:
        assert len(values) == ROUND_TRIPS
        lines.append(f"| {name} | {statistics.median(values):.1f} ms | {pct(values, 90):.1f} ms |")
    table = "\n".join(lines)
    print("\n" + table)
    with open(os.path.join(RESULTS, "latency.md"), "w") as f:
        f.write(table + "\n")
