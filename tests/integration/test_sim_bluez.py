"""BlueZ fidelity of goprod-sim, checked with clients this project did not write.

`busctl` and `gdbus` (subprocesses) look at the object tree, properties and error
names; dbus-fast checks what only a long-lived connection can see: the order of
signals and replies on one connection, notification sessions, and an exported
org.bluez.Agent1. Every test runs its own dbus-daemon and goprod-sim and waits on
signals and replies (with timeouts), never on fixed sleeps.

Byte vectors are the Open GoPro BLE specification's (framing, commands, queries,
protobuf operations).
"""
import asyncio
import contextlib
import json
import os
import re

import pytest
from dbus_fast import Message, MessageType, Variant
from dbus_fast.errors import DBusError as ServiceError
from dbus_fast.service import ServiceInterface, method

from harness import BLUEZ, SIM, DBusError, call, connect, next_matching, run, sim_on_private_bus

ADAPTER = "/org/bluez/hci0"
ADAPTER_ADDRESS = "00:1A:7D:DA:71:13"
DEVICE_IFACE = "org.bluez.Device1"
ADAPTER_IFACE = "org.bluez.Adapter1"
SERVICE_IFACE = "org.bluez.GattService1"
CHAR_IFACE = "org.bluez.GattCharacteristic1"
PROPS_IFACE = "org.freedesktop.DBus.Properties"
OM_IFACE = "org.freedesktop.DBus.ObjectManager"
FEA6 = "0000fea6-0000-1000-8000-00805f9b34fb"

# The default camera (index 0): the HERO12 of the seeds.
CAM = "0702"
CAM_PATH = "/org/bluez/hci0/dev_D4_D9_19_50_07_02"
CAM_AP_SSID = b"GP24500702"
CAM_AP_PASSWORD = b"p@d-NNc-2ts"
UNKNOWN_PATH = "/org/bluez/hci0/dev_00_11_22_33_44_55"


def gp(short):
    """GP-XXXX → its 128-bit UUID (§1.4)."""
    return f"b5f9{short}-aa8d-11e3-9046-0002a5d5c51b"


# §9.1, Get Hardware Info of the HERO12 in tutorial 3 (AP SSID "HERO12 Blackdebug"): six packets.
HARDWARE_INFO_PACKETS = [bytes.fromhex(line) for line in (
    "20 62 3c 00 04 00 00 00 3e 0c 48 45 52 4f 31 32 20 42 6c 61",
    "80 63 6b 04 30 78 30 35 0f 48 32 33 2e 30 31 2e 30 31 2e 39",
    "81 39 2e 35 36 0e 43 33 35 30 31 33 32 34 35 30 30 37 30 32",
    "82 11 48 45 52 4f 31 32 20 42 6c 61 63 6b 64 65 62 75 67 0c",
    "83 32 36 37 34 66 37 66 36 36 31 30 34 01 00 01 01 01 00 02",
    "84 5b 5d 01 01",
)]
GET_HARDWARE_INFO = bytes.fromhex("01 3c")
GET_VERSION = bytes.fromhex("01 51")
VERSION_ANSWER = bytes.fromhex("06 51 00 01 02 01 00")  # Open GoPro 2.0
SHUTTER_ON = bytes.fromhex("03 01 01 01")
SHUTTER_OFF = bytes.fromhex("03 01 01 00")
SHUTTER_ANSWER = bytes.fromhex("02 01 00")


# ---------------------------------------------------------------- tools this project did not write

async def tool(*argv, timeout=10):
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    return proc.returncode, out.decode(), err.decode()


async def busctl(address, *args):
    rc, out, err = await tool("busctl", f"--address={address}", *args)
    assert rc == 0, f"busctl {' '.join(args)} failed: {err}"
    return out


async def busctl_json(address, *args):
    return json.loads(await busctl(address, "--json=short", *args))


async def gdbus_call(address, path, method_name, *args):
    """(rc, stdout, stderr) of `gdbus call`; errors are printed with their D-Bus names."""
    return await tool("gdbus", "call", "--address", address, "--dest", BLUEZ, "--object-path", path,
                      "--method", method_name, *args)


async def gdbus_error(address, path, method_name, *args):
    rc, out, err = await gdbus_call(address, path, method_name, *args)
    assert rc != 0, f"{method_name} unexpectedly succeeded: {out}"
    match = re.search(r"GDBus\.Error:([\w.]+): (.*)", err)
    assert match, err
    return match.group(1), match.group(2).strip()


async def managed_objects_json(address):
    """GetManagedObjects through busctl's JSON output (which cannot show a{qv}, so only before devices exist)."""
    (objects,) = (await busctl_json(address, "call", BLUEZ, "/", OM_IFACE, "GetManagedObjects"))["data"]
    return objects


# ---------------------------------------------------------------- a dbus-fast BlueZ client

async def disconnect(bus):
    """Closes a dbus-fast connection and collects its end (else asyncio warns of an unretrieved EOFError)."""
    bus.disconnect()
    try:
        await asyncio.wait_for(bus.wait_for_disconnect(), 5)
    except (EOFError, OSError):
        pass


class Client:
    """One client connection: records, in arrival order, every signal org.bluez sends
    and every reply to this connection, so tests can assert orderings."""

    def __init__(self, address):
        self.address = address

    async def open(self, extra_rules=()):
        self.bus = await connect(self.address)
        self.closed = False
        self.log = []
        self.queue = asyncio.Queue()
        self.bus.add_message_handler(self._on)
        for rule in (f"type='signal',sender='{BLUEZ}'", *extra_rules):
            await call(self.bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                       "AddMatch", "s", [rule])
        return self

    async def close(self):
        if not self.closed:
            self.closed = True
            await disconnect(self.bus)

    def _on(self, msg):
        if msg.message_type == MessageType.SIGNAL:
            self.log.append(msg)
            self.queue.put_nowait(msg)
        elif msg.message_type in (MessageType.METHOD_RETURN, MessageType.ERROR):
            self.log.append(msg)

    async def call(self, path, iface, member, signature="", body=None, timeout=10):
        return await call(self.bus, BLUEZ, path, iface, member, signature, body, timeout)

    async def call_logged(self, path, iface, member, signature="", body=None, timeout=10):
        """Calls and returns (reply body, index of the reply in self.log, log length before the call)."""
        start = len(self.log)
        msg = Message(destination=BLUEZ, path=path, interface=iface, member=member, signature=signature,
                      body=body or [])
        reply = await asyncio.wait_for(self.bus.call(msg), timeout)
        if reply.message_type == MessageType.ERROR:
            raise DBusError(reply.error_name, reply.body[0] if reply.body else "")
        index = next(i for i, m in enumerate(self.log)
                     if m.message_type == MessageType.METHOD_RETURN and m.reply_serial == msg.serial)
        return reply.body, index, start

    async def until(self, predicate, timeout=5):
        """The next signal (from the queue) for which predicate holds; earlier ones are dropped."""
        return await next_matching(self.queue, predicate, timeout)

    def drain(self):
        while not self.queue.empty():
            self.queue.get_nowait()

    async def props(self, path, iface):
        (props,) = await self.call(path, PROPS_IFACE, "GetAll", "s", [iface])
        return {k: v.value for k, v in props.items()}

    async def objects(self):
        (objects,) = await self.call("/", OM_IFACE, "GetManagedObjects")
        return objects

    # Device and GATT operations
    async def discover(self, count=1, timeout=5):
        """Starts discovery, returns {path: Device1 properties} of the first `count` devices announced."""
        devices = {}

        def is_device(msg):
            return msg.member == "InterfacesAdded" and DEVICE_IFACE in msg.body[1]

        await self.call(ADAPTER, ADAPTER_IFACE, "StartDiscovery")
        while len(devices) < count:
            msg = await self.until(is_device, timeout)
            devices[msg.body[0]] = {k: v.value for k, v in msg.body[1][DEVICE_IFACE].items()}
        return devices

    async def connect_device(self, path):
        await self.call(path, DEVICE_IFACE, "Connect", timeout=10)
        return await self.gatt(path)

    async def gatt(self, device_path):
        """{"GP-0072": characteristic path, ...} of a connected device."""
        chars = {}
        for path, ifaces in (await self.objects()).items():
            if path.startswith(device_path + "/") and CHAR_IFACE in ifaces:
                uuid = ifaces[CHAR_IFACE]["UUID"].value
                chars["GP-" + uuid[4:8]] = path
        return chars

    async def write(self, char_path, data):
        await self.call(char_path, CHAR_IFACE, "WriteValue", "aya{sv}", [bytes(data), {"type": Variant("s", "request")}])

    async def read(self, char_path):
        (value,) = await self.call(char_path, CHAR_IFACE, "ReadValue", "a{sv}", [{}])
        return bytes(value)

    async def start_notify(self, char_path):
        await self.call(char_path, CHAR_IFACE, "StartNotify")

    async def packet(self, char_path, timeout=5):
        """The next notification packet (PropertiesChanged of Value) on char_path."""
        msg = await self.until(lambda m: is_value_change(m, char_path), timeout)
        return bytes(msg.body[1]["Value"].value)

    async def message(self, char_path, timeout=5):
        """Packets of the next complete message on char_path (§2 reassembly)."""
        packets = [await self.packet(char_path, timeout)]
        length, payload = start_header(packets[0])
        while len(payload) < length:
            packet = await self.packet(char_path, timeout)
            assert packet[0] & 0x80, f"expected a continuation packet, got {packet.hex(' ')}"
            packets.append(packet)
            payload += packet[1:]
        assert len(payload) == length
        return packets, payload


def is_props_changed(msg, path, iface, key):
    return (msg.member == "PropertiesChanged" and msg.path == path and msg.body[0] == iface
            and key in msg.body[1])


def changed_value(msg, key):
    return msg.body[1][key].value


def is_value_change(msg, char_path):
    return is_props_changed(msg, char_path, CHAR_IFACE, "Value")


def start_header(packet):
    """(message length, payload bytes in this packet) of a start packet (§2)."""
    kind = (packet[0] >> 5) & 0x3
    assert not packet[0] & 0x80, f"expected a start packet, got {packet.hex(' ')}"
    if kind == 0:
        return packet[0] & 0x1F, packet[1:]
    if kind == 1:
        return ((packet[0] & 0x1F) << 8) | packet[1], packet[2:]
    if kind == 2:
        return (packet[1] << 8) | packet[2], packet[3:]
    raise AssertionError(f"reserved header {packet.hex(' ')}")


@contextlib.asynccontextmanager
async def bluez_sim(*args):
    """goprod-sim on a private bus; `await sim.client(*match_rules)` opens a Client that is closed
    with the sim, whatever the test's outcome."""
    async with sim_on_private_bus(*args) as sim:
        clients = []

        async def new_client(*rules):
            client = await Client(sim.address).open(rules)
            clients.append(client)
            return client

        sim.client = new_client
        try:
            yield sim
        finally:
            for client in clients:
                await client.close()


async def paired_connected_camera(client, path=CAM_PATH, notify=("GP-0073",)):
    """Connects a bonded camera (sim started with --paired) and subscribes to `notify`."""
    chars = await client.connect_device(path)
    for short in notify:
        await client.start_notify(chars[short])
    return chars


# ---------------------------------------------------------------- an Agent1 of our own

class Agent(ServiceInterface):
    """org.bluez.Agent1 as a pairing UI implements it; records every call."""

    def __init__(self, reject=False):
        super().__init__("org.bluez.Agent1")
        self.reject = reject
        self.calls = []

    @method()
    def Release(self):
        self.calls.append(("Release",))

    @method()
    def RequestPinCode(self, device: "o") -> "s":
        self.calls.append(("RequestPinCode", device))
        return "0000"

    @method()
    def DisplayPinCode(self, device: "o", pincode: "s"):
        self.calls.append(("DisplayPinCode", device, pincode))

    @method()
    def RequestPasskey(self, device: "o") -> "u":
        self.calls.append(("RequestPasskey", device))
        return 0

    @method()
    def DisplayPasskey(self, device: "o", passkey: "u", entered: "q"):
        self.calls.append(("DisplayPasskey", device, passkey, entered))

    @method()
    def RequestConfirmation(self, device: "o", passkey: "u"):
        self.calls.append(("RequestConfirmation", device, passkey))
        if self.reject:
            raise ServiceError("org.bluez.Error.Rejected", "Rejected by the test agent")

    @method()
    def RequestAuthorization(self, device: "o"):
        self.calls.append(("RequestAuthorization", device))
        if self.reject:
            raise ServiceError("org.bluez.Error.Rejected", "Rejected by the test agent")

    @method()
    def AuthorizeService(self, device: "o", uuid: "s"):
        self.calls.append(("AuthorizeService", device, uuid))

    @method()
    def Cancel(self):
        self.calls.append(("Cancel",))


async def register_agent(client, agent, path="/test/agent", capability="KeyboardDisplay"):
    client.bus.export(path, agent)
    await client.call("/org/bluez", "org.bluez.AgentManager1", "RegisterAgent", "os", [path, capability])
    await client.call("/org/bluez", "org.bluez.AgentManager1", "RequestDefaultAgent", "o", [path])


# ================================================================ 1. object tree and adapter

def test_object_manager_agent_manager_and_adapter():
    async def body():
        async with bluez_sim() as sim:
            address = sim.address
            # gdbus, GVariant text
            rc, out, err = await gdbus_call(address, "/", f"{OM_IFACE}.GetManagedObjects")
            assert rc == 0, err
            assert "'/org/bluez': {" in out and "'org.bluez.AgentManager1': {}" in out
            assert "'/org/bluez/hci0': {" in out and "'org.bluez.Adapter1': {" in out
            assert f"'Address': <'{ADAPTER_ADDRESS}'>" in out
            assert "'Powered': <true>" in out and "'Discovering': <false>" in out

            # busctl, structured
            objects = await managed_objects_json(address)
            assert "org.bluez.AgentManager1" in objects["/org/bluez"]
            adapter = {k: v["data"] for k, v in objects[ADAPTER][ADAPTER_IFACE].items()}
            assert adapter["Address"] == ADAPTER_ADDRESS
            assert adapter["AddressType"] == "public"
            assert adapter["Name"] and adapter["Alias"]
            assert adapter["Powered"] is True
            assert adapter["Discoverable"] is False
            assert adapter["Discovering"] is False
            assert isinstance(adapter["UUIDs"], list)
            assert objects[ADAPTER][ADAPTER_IFACE]["UUIDs"]["type"] == "as"
            assert objects[ADAPTER][ADAPTER_IFACE]["Powered"]["type"] == "b"
            assert not [p for p in objects if p.startswith(ADAPTER + "/")], "no device before discovery"

            assert (await busctl(address, "get-property", BLUEZ, ADAPTER, ADAPTER_IFACE, "Powered")).strip() == "b true"
            assert (await busctl(address, "get-property", BLUEZ, ADAPTER, ADAPTER_IFACE, "Address")).strip() \
                == f's "{ADAPTER_ADDRESS}"'

            # Introspection shows the documented API.
            rc, out, err = await tool("gdbus", "introspect", "--address", address, "--dest", BLUEZ,
                                      "--object-path", ADAPTER)
            assert rc == 0, err
            for member in ("StartDiscovery()", "StopDiscovery()", "SetDiscoveryFilter(", "GetDiscoveryFilters(",
                           "RemoveDevice(", "readonly s Address", "readonly b Discovering"):
                assert member in out, f"{member} missing from:\n{out}"
            out = await busctl(address, "introspect", BLUEZ, "/org/bluez", "org.bluez.AgentManager1")
            for member in (".RegisterAgent", ".UnregisterAgent", ".RequestDefaultAgent"):
                assert member in out

            # Discovery filters, as bluetoothd 5.66 lists them.
            (filters,) = (await busctl_json(address, "call", BLUEZ, ADAPTER, ADAPTER_IFACE,
                                            "GetDiscoveryFilters"))["data"]
            assert set(filters) == {"UUIDs", "RSSI", "Pathloss", "Transport", "DuplicateData", "Discoverable",
                                    "Pattern"}
            for bad in ("{'Colour': <'red'>}", "{'RSSI': <'loud'>}", "{'Transport': <'carrier-pigeon'>}",
                        "{'UUIDs': <uint32 5>}"):
                name, _ = await gdbus_error(address, ADAPTER, f"{ADAPTER_IFACE}.SetDiscoveryFilter", bad)
                assert name == "org.bluez.Error.InvalidArguments", bad
            rc, out, err = await gdbus_call(address, ADAPTER, f"{ADAPTER_IFACE}.SetDiscoveryFilter",
                                            f"{{'UUIDs': <['{FEA6}']>, 'Transport': <'le'>, 'RSSI': <int16 -90>}}")
            assert rc == 0 and out.strip() == "()", err
            # busctl reports the failure too (without the error name).
            rc, _, err = await tool("busctl", f"--address={address}", "call", BLUEZ, ADAPTER, ADAPTER_IFACE,
                                    "SetDiscoveryFilter", "a{sv}", "1", "Colour", "s", "red")
            assert rc != 0 and "Invalid arguments" in err
    run(body())


# ================================================================ 2. org.bluez already owned

def test_second_simulator_on_the_same_bus_refuses_to_start():
    async def body():
        async with bluez_sim() as sim:
            bus = await connect(sim.address)
            (owner,) = await call(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                  "GetNameOwner", "s", [BLUEZ])
            env = {k: v for k, v in os.environ.items() if k != "DBUS_SYSTEM_BUS_ADDRESS"}
            second = await asyncio.create_subprocess_exec(SIM, "--bus", sim.address, env=env,
                                                          stdout=asyncio.subprocess.PIPE,
                                                          stderr=asyncio.subprocess.STDOUT)
            out, _ = await asyncio.wait_for(second.communicate(), 10)
            out = out.decode(errors="replace")
            assert second.returncode != 0, out
            assert "org.bluez" in out and re.search(r"cannot own|already owned|taken", out), out
            (still,) = await call(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                  "GetNameOwner", "s", [BLUEZ])
            assert still == owner
            await disconnect(bus)
    run(body())


# ================================================================ 3. discovery

def test_discovery_announces_every_camera_and_caches_them():
    async def body():
        async with bluez_sim("--cameras", "3") as sim:
            client = await sim.client()
            devices = await client.discover(3)
            discovering = [m for m in client.log
                           if is_props_changed(m, ADAPTER, ADAPTER_IFACE, "Discovering")]
            assert discovering and changed_value(discovering[0], "Discovering") is True

            names = set()
            for path, props in devices.items():
                assert re.fullmatch(r"GoPro \d{4}", props["Name"]), props["Name"]
                assert props["Alias"] == props["Name"]
                names.add(props["Name"])
                assert path == ADAPTER + "/dev_" + props["Address"].replace(":", "_")
                assert re.fullmatch(r"([0-9A-F]{2}:){5}[0-9A-F]{2}", props["Address"])
                assert props["AddressType"] in ("public", "random")
                assert FEA6 in props["UUIDs"]
                assert props["Paired"] is False and props["Connected"] is False
                assert props["Adapter"] == ADAPTER
                assert isinstance(props["RSSI"], int) and -127 <= props["RSSI"] < 0
                # §1.2 manufacturer data: company 0x02F2, schema 2, status, model ID, capabilities,
                # 7 reserved bytes, media offload status.
                assert set(props["ManufacturerData"]) == {0x02F2}
                mdata = bytes(props["ManufacturerData"][0x02F2].value)
                assert len(mdata) == 12, mdata.hex(" ")
                assert mdata[0] == 2  # schema
                assert mdata[1] & 0x01  # processor awake
                assert mdata[2] == 62  # model ID: HERO12 Black
                assert mdata[3] & 0x01  # command & control capability
                # §1.2 scan response service data: AP MAC (4 bytes) + last 4 serial digits.
                assert set(props["ServiceData"]) == {FEA6}
                sdata = bytes(props["ServiceData"][FEA6].value)
                assert len(sdata) == 8 and sdata[4:].decode() == props["Name"][-4:]
            assert len(names) == 3
            assert len({p["Address"] for p in devices.values()}) == 3
            assert bytes(devices[CAM_PATH]["ServiceData"][FEA6].value) == bytes.fromhex("26 74 f7 f6") + b"0702"

            # The same client cannot start a second session.
            with pytest.raises(DBusError) as error:
                await client.call(ADAPTER, ADAPTER_IFACE, "StartDiscovery")
            assert error.value.name == "org.bluez.Error.InProgress"

            await client.call(ADAPTER, ADAPTER_IFACE, "StopDiscovery")
            msg = await client.until(lambda m: is_props_changed(m, ADAPTER, ADAPTER_IFACE, "Discovering"))
            assert changed_value(msg, "Discovering") is False
            # Cached after discovery stopped, as in BlueZ.
            objects = await client.objects()
            assert set(devices) <= set(objects)
            assert objects[ADAPTER][ADAPTER_IFACE]["Discovering"].value is False
            tree = await busctl(sim.address, "tree", BLUEZ)
            assert all(path in tree for path in devices)
            # busctl decodes the advertising data (company 0x02F2 = 754, 12 bytes, schema 2, model 62).
            out = await busctl(sim.address, "get-property", BLUEZ, CAM_PATH, DEVICE_IFACE, "ManufacturerData")
            assert out.startswith("a{qv} 1 754 ay 12 2 "), out
            assert out.split()[7] == "62", out
            out = await busctl(sim.address, "get-property", BLUEZ, CAM_PATH, DEVICE_IFACE, "Name")
            assert out.strip() == 's "GoPro 0702"'

            # No session any more: Failed, for this client and for one that never started one.
            with pytest.raises(DBusError) as error:
                await client.call(ADAPTER, ADAPTER_IFACE, "StopDiscovery")
            assert error.value.name == "org.bluez.Error.Failed"
            name, _ = await gdbus_error(sim.address, ADAPTER, f"{ADAPTER_IFACE}.StopDiscovery")
            assert name == "org.bluez.Error.Failed"

            # RemoveDevice
            removed = sorted(devices)[1]
            await client.call(ADAPTER, ADAPTER_IFACE, "RemoveDevice", "o", [removed])
            msg = await client.until(lambda m: m.member == "InterfacesRemoved" and m.body[0] == removed)
            assert DEVICE_IFACE in msg.body[1]
            objects = await client.objects()
            assert removed not in objects and len(set(devices) & set(objects)) == 2
            name, _ = await gdbus_error(sim.address, ADAPTER, f"{ADAPTER_IFACE}.RemoveDevice", UNKNOWN_PATH)
            assert name == "org.bluez.Error.DoesNotExist"
            name, _ = await gdbus_error(sim.address, ADAPTER, f"{ADAPTER_IFACE}.RemoveDevice", removed)
            assert name == "org.bluez.Error.DoesNotExist"

            # A new discovery announces the removed camera again.
            client.drain()
            await client.call(ADAPTER, ADAPTER_IFACE, "StartDiscovery")
            msg = await client.until(lambda m: m.member == "InterfacesAdded" and m.body[0] == removed)
            assert DEVICE_IFACE in msg.body[1]
            await client.call(ADAPTER, ADAPTER_IFACE, "StopDiscovery")
    run(body())



def test_first_camera_starts_the_set_further_on():
    """--first-camera I plays the set's cameras from I on: another goprod-sim (a second peripheral on
    another adapter, as in the VM rig) then plays different cameras, with their own names and addresses."""
    async def body():
        async with bluez_sim("--first-camera", "1", "--cameras", "2") as sim:
            client = await sim.client()
            devices = await client.discover(2)
            assert sorted(p["Name"] for p in devices.values()) == ["GoPro 0703", "GoPro 0704"]
            assert sorted(p["Address"] for p in devices.values()) == ["D4:D9:19:50:07:03", "D4:D9:19:50:07:04"]
            await client.call(ADAPTER, ADAPTER_IFACE, "StopDiscovery")
    run(body())

def test_discovery_filter_that_excludes_gopro_announces_nothing_new():
    async def body():
        async with bluez_sim() as sim:
            client = await sim.client()
            await client.call(ADAPTER, ADAPTER_IFACE, "SetDiscoveryFilter", "a{sv}",
                              [{"UUIDs": Variant("as", ["0000180d-0000-1000-8000-00805f9b34fb"])}])
            await client.call(ADAPTER, ADAPTER_IFACE, "StartDiscovery")
            await client.until(lambda m: is_props_changed(m, ADAPTER, ADAPTER_IFACE, "Discovering"))
            await client.call(ADAPTER, ADAPTER_IFACE, "StopDiscovery")
            await client.until(lambda m: is_props_changed(m, ADAPTER, ADAPTER_IFACE, "Discovering"))
            assert not [m for m in client.log if m.member == "InterfacesAdded"]
            # An empty filter admits the camera again.
            await client.call(ADAPTER, ADAPTER_IFACE, "SetDiscoveryFilter", "a{sv}", [{}])
            assert CAM_PATH in await client.discover(1)
    run(body())


# ================================================================ 4. connect / disconnect

def test_connect_publishes_gatt_before_services_resolved_and_reply():
    async def body():
        async with bluez_sim() as sim:
            client = await sim.client()
            await client.discover(1)
            await client.call(ADAPTER, ADAPTER_IFACE, "StopDiscovery")

            _, reply_index, start = await client.call_logged(CAM_PATH, DEVICE_IFACE, "Connect")
            log = client.log[start:reply_index + 1]
            reply_at = len(log) - 1

            def index(predicate):
                found = [i for i, m in enumerate(log) if predicate(m)]
                assert found, "signal missing"
                return found

            connected_at = index(lambda m: is_props_changed(m, CAM_PATH, DEVICE_IFACE, "Connected")
                                 and changed_value(m, "Connected") is True)[0]
            resolved_at = index(lambda m: is_props_changed(m, CAM_PATH, DEVICE_IFACE, "ServicesResolved")
                                and changed_value(m, "ServicesResolved") is True)[0]
            added = [(i, m.body[0], m.body[1]) for i, m in enumerate(log)
                     if m.member == "InterfacesAdded" and m.body[0].startswith(CAM_PATH + "/")]
            assert added
            assert connected_at < min(i for i, _, _ in added)
            assert max(i for i, _, _ in added) < resolved_at < reply_at

            services = {path: ifaces[SERVICE_IFACE] for _, path, ifaces in added if SERVICE_IFACE in ifaces}
            chars = {path: ifaces[CHAR_IFACE] for _, path, ifaces in added if CHAR_IFACE in ifaces}
            service_uuids = {props["UUID"].value for props in services.values()}
            assert {gp("0001"), FEA6, gp("0090")} <= service_uuids
            for props in services.values():
                assert props["Primary"].value is True
                assert props["Device"].value == CAM_PATH
            added_order = [path for _, path, _ in added]
            by_uuid = {}
            for path, props in chars.items():
                service = props["Service"].value
                assert service in services and path.startswith(service + "/char")
                assert added_order.index(service) < added_order.index(path), "a service precedes its characteristics"
                by_uuid[props["UUID"].value] = props
            expected_flags = {
                "0072": ["write"], "0073": ["notify"], "0074": ["write"], "0075": ["notify"],
                "0076": ["write"], "0077": ["notify"], "0091": ["write"], "0092": ["notify"],
            }
            for short, flags in expected_flags.items():
                assert by_uuid[gp(short)]["Flags"].value == flags, short
                service = services[by_uuid[gp(short)]["Service"].value]["UUID"].value
                assert service == (gp("0090") if short.startswith("009") else FEA6), short
            for short in ("0002", "0003"):
                assert "read" in by_uuid[gp(short)]["Flags"].value
                assert services[by_uuid[gp(short)]["Service"].value]["UUID"].value == gp("0001")
            assert "read" in by_uuid[gp("0005")]["Flags"].value
            assert {"notify", "indicate"} & set(by_uuid[gp("0005")]["Flags"].value)
            for uuid, props in by_uuid.items():
                if {"notify", "indicate"} & set(props["Flags"].value):
                    assert props["Notifying"].value is False, uuid
                assert "Value" in props

            device = await client.props(CAM_PATH, DEVICE_IFACE)
            assert device["Connected"] is True and device["ServicesResolved"] is True
            assert {gp("0001"), FEA6, gp("0090")} <= set(device["UUIDs"])
            assert (await busctl(sim.address, "get-property", BLUEZ, CAM_PATH, DEVICE_IFACE,
                                 "Connected")).strip() == "b true"
            # busctl and gdbus see the GATT objects too.
            tree = await busctl(sim.address, "tree", BLUEZ)
            for path in chars:
                assert path in tree
            char73 = next(p for p, props in chars.items() if props["UUID"].value == gp("0073"))
            rc, out, err = await tool("gdbus", "introspect", "--address", sim.address, "--dest", BLUEZ,
                                      "--object-path", char73)
            assert rc == 0 and "interface org.bluez.GattCharacteristic1" in out, err
            for member in ("ReadValue(", "WriteValue(", "StartNotify()", "StopNotify()", "readonly as Flags"):
                assert member in out, member

            name, _ = await gdbus_error(sim.address, CAM_PATH, f"{DEVICE_IFACE}.Connect")
            assert name == "org.bluez.Error.AlreadyConnected"

            # Disconnect, in the order of bluetoothd's device_remove_connection(): ServicesResolved=false,
            # the reply, then (GATT objects removed) Connected=false.
            client.drain()
            _, reply_index, start = await client.call_logged(CAM_PATH, DEVICE_IFACE, "Disconnect")
            await client.until(lambda m: is_props_changed(m, CAM_PATH, DEVICE_IFACE, "Connected")
                               and changed_value(m, "Connected") is False)
            log = client.log[start:]
            reply_at = reply_index - start
            unresolved_at = [i for i, m in enumerate(log)
                             if is_props_changed(m, CAM_PATH, DEVICE_IFACE, "ServicesResolved")
                             and changed_value(m, "ServicesResolved") is False]
            disconnected_at = [i for i, m in enumerate(log)
                               if is_props_changed(m, CAM_PATH, DEVICE_IFACE, "Connected")
                               and changed_value(m, "Connected") is False]
            removed = {m.body[0]: (i, m.body[1]) for i, m in enumerate(log) if m.member == "InterfacesRemoved"}
            assert unresolved_at and disconnected_at
            assert unresolved_at[0] < reply_at < disconnected_at[0]
            assert set(removed) == set(services) | set(chars)
            for path, (i, ifaces) in removed.items():
                assert reply_at < i < disconnected_at[0]
                assert ifaces == [SERVICE_IFACE if path in services else CHAR_IFACE]
            objects = await client.objects()
            assert not [p for p in objects if p.startswith(CAM_PATH + "/")]
            assert objects[CAM_PATH][DEVICE_IFACE]["Connected"].value is False

            name, _ = await gdbus_error(sim.address, CAM_PATH, f"{DEVICE_IFACE}.Disconnect")
            assert name == "org.bluez.Error.NotConnected"
    run(body())


# ================================================================ 5. pairing

def test_protected_characteristics_need_pairing_and_agent_authorizes():
    async def body():
        async with bluez_sim() as sim:
            client = await sim.client()
            await client.discover(1)
            await client.call(ADAPTER, ADAPTER_IFACE, "StopDiscovery")
            chars = await client.connect_device(CAM_PATH)

            for attempt in (client.read(chars["GP-0002"]), client.write(chars["GP-0072"], SHUTTER_ON),
                            client.start_notify(chars["GP-0073"])):
                with pytest.raises(DBusError) as error:
                    await attempt
                assert (error.value.name, error.value.text) == ("org.bluez.Error.NotPermitted", "Not paired")
            name, text = await gdbus_error(sim.address, chars["GP-0002"], f"{CHAR_IFACE}.ReadValue", "{}")
            assert (name, text) == ("org.bluez.Error.NotPermitted", "Not paired")
            assert await sim.received(CAM) == [], "nothing reached the camera"

            agent = Agent()
            await register_agent(client, agent)
            _, reply_index, start = await client.call_logged(CAM_PATH, DEVICE_IFACE, "Pair")
            assert agent.calls == [("RequestAuthorization", CAM_PATH)]
            log = client.log[start:reply_index]
            for key in ("Paired", "Bonded"):
                assert [m for m in log if is_props_changed(m, CAM_PATH, DEVICE_IFACE, key)
                        and changed_value(m, key) is True], f"{key}=true before the Pair reply"
            device = await client.props(CAM_PATH, DEVICE_IFACE)
            assert device["Paired"] is True and device["Bonded"] is True and device["Connected"] is True
            assert (await busctl(sim.address, "get-property", BLUEZ, CAM_PATH, DEVICE_IFACE,
                                 "Paired")).strip() == "b true"

            assert await client.read(chars["GP-0002"]) == CAM_AP_SSID
            assert await client.read(chars["GP-0003"]) == CAM_AP_PASSWORD
            # gdbus reads it too: the raw bytes, no framing header.
            rc, out, err = await gdbus_call(sim.address, chars["GP-0002"], f"{CHAR_IFACE}.ReadValue", "{}")
            assert rc == 0, err
            assert bytes(int(b, 16) for b in re.findall(r"0x([0-9a-f]{2})", out)) == CAM_AP_SSID

            with pytest.raises(DBusError) as error:
                await client.call(CAM_PATH, DEVICE_IFACE, "Pair")
            assert error.value.name == "org.bluez.Error.AlreadyExists"
            assert len(agent.calls) == 1
    run(body())


def test_rejecting_agent_fails_pairing():
    async def body():
        async with bluez_sim() as sim:
            client = await sim.client()
            await client.discover(1)
            await client.call(ADAPTER, ADAPTER_IFACE, "StopDiscovery")
            agent = Agent(reject=True)
            await register_agent(client, agent)
            with pytest.raises(DBusError) as error:
                await client.call(CAM_PATH, DEVICE_IFACE, "Pair")
            assert error.value.name == "org.bluez.Error.AuthenticationRejected"
            assert agent.calls == [("RequestAuthorization", CAM_PATH)]
            device = await client.props(CAM_PATH, DEVICE_IFACE)
            assert device["Paired"] is False and device["Bonded"] is False
            chars = await client.gatt(CAM_PATH)
            with pytest.raises(DBusError) as error:
                await client.read(chars["GP-0002"])
            assert error.value.name == "org.bluez.Error.NotPermitted"

            # The same agent accepting: pairing now works (the rejection was the agent's doing).
            agent.reject = False
            await client.call(CAM_PATH, DEVICE_IFACE, "Pair")
            assert (await client.props(CAM_PATH, DEVICE_IFACE))["Paired"] is True
    run(body())


def test_refuse_pairing_fault_fails_authentication():
    async def body():
        async with bluez_sim() as sim:
            client = await sim.client()
            await client.discover(1)
            await client.call(ADAPTER, ADAPTER_IFACE, "StopDiscovery")
            await sim.control("RefusePairing", "sb", CAM, True)
            # Pair() without a link connects first.
            with pytest.raises(DBusError) as error:
                await client.call(CAM_PATH, DEVICE_IFACE, "Pair")
            assert error.value.name == "org.bluez.Error.AuthenticationFailed"
            device = await client.props(CAM_PATH, DEVICE_IFACE)
            assert device["Paired"] is False
            (cameras,) = await sim.control("ListCameras")
            assert [c for c in cameras if c[2] == CAM_PATH][0][3] is False

            await sim.control("RefusePairing", "sb", CAM, False)
            await client.call(CAM_PATH, DEVICE_IFACE, "Pair")
            assert (await client.props(CAM_PATH, DEVICE_IFACE))["Paired"] is True
    run(body())


# ================================================================ 6. notifications

def test_notifications_one_signal_per_packet_with_counting_continuations():
    async def body():
        async with bluez_sim("--paired") as sim:
            client = await sim.client()
            chars = await client.connect_device(CAM_PATH)
            c73 = chars["GP-0073"]

            await client.start_notify(c73)
            msg = await client.until(lambda m: is_props_changed(m, c73, CHAR_IFACE, "Notifying"))
            assert changed_value(msg, "Notifying") is True
            assert (await client.props(c73, CHAR_IFACE))["Notifying"] is True
            assert (await busctl(sim.address, "get-property", BLUEZ, c73, CHAR_IFACE, "Notifying")).strip() \
                == "b true"

            # The AP SSID of tutorial 3's camera (Set WiFi Config V2 write), so that the answer is §9.1's vector.
            await client.write(chars["GP-0002"], b"HERO12 Blackdebug")
            await client.write(chars["GP-0072"], GET_HARDWARE_INFO)
            packets, payload = await client.message(c73)
            assert len(packets) == 6
            assert all(len(p) <= 20 for p in packets)
            assert [p[0] for p in packets[1:]] == [0x80, 0x81, 0x82, 0x83, 0x84]
            assert packets == HARDWARE_INFO_PACKETS
            assert len(payload) == 98 and payload[:2] == bytes.fromhex("3c 00")
            assert b"C3501324500702" in payload and b"HERO12 Black" in payload

            # The next message is the next request's answer: no stray packet in between.
            await client.write(chars["GP-0072"], GET_VERSION)
            assert await client.packet(c73) == VERSION_ANSWER

            with pytest.raises(DBusError) as error:
                await client.start_notify(c73)
            assert error.value.name == "org.bluez.Error.InProgress"

            # Another client has no session to stop.
            name, text = await gdbus_error(sim.address, c73, f"{CHAR_IFACE}.StopNotify")
            assert name == "org.bluez.Error.Failed"
            await client.call(c73, CHAR_IFACE, "StopNotify")
            msg = await client.until(lambda m: is_props_changed(m, c73, CHAR_IFACE, "Notifying"))
            assert changed_value(msg, "Notifying") is False
            with pytest.raises(DBusError) as error:
                await client.call(c73, CHAR_IFACE, "StopNotify")
            assert error.value.name == "org.bluez.Error.Failed"

            # StartNotify on a characteristic that cannot notify.
            with pytest.raises(DBusError) as error:
                await client.start_notify(chars["GP-0072"])
            assert error.value.name == "org.bluez.Error.NotSupported"
    run(body())


def test_default_hardware_info_is_the_kotlin_logs_91_bytes():
    """The unmodified default camera (AP SSID GP24500702) answers the 91-byte message of the Kotlin log (§9.1)."""
    async def body():
        async with bluez_sim("--paired") as sim:
            client = await sim.client()
            chars = await paired_connected_camera(client)
            await client.write(chars["GP-0072"], GET_HARDWARE_INFO)
            packets, payload = await client.message(chars["GP-0073"])
            expected = (bytes.fromhex("3c 00 04 00 00 00 3e 0c") + b"HERO12 Black" + b"\x04" + b"0x05"
                        + b"\x0f" + b"H23.01.01.99.56" + b"\x0e" + b"C3501324500702" + b"\x0a" + CAM_AP_SSID
                        + b"\x0c" + b"2674f7f66104" + bytes.fromhex("01 00 01 01 01 00 02 5b 5d 01 01"))
            assert payload == expected and len(payload) == 91
            assert packets[0][:4] == bytes.fromhex("20 5b 3c 00")
            assert [p[0] for p in packets[1:]] == [0x80, 0x81, 0x82, 0x83]
            assert all(len(p) <= 20 for p in packets)
    run(body())


# ================================================================ 7. fault controls

def test_drop_link():
    async def body():
        async with bluez_sim("--paired") as sim:
            client = await sim.client()
            chars = await paired_connected_camera(client)
            gatt_paths = set(chars.values())
            client.drain()
            start = len(client.log)
            await sim.control("DropLink", "s", CAM)
            await client.until(lambda m: is_props_changed(m, CAM_PATH, DEVICE_IFACE, "Connected")
                               and changed_value(m, "Connected") is False)
            removed = {m.body[0] for m in client.log[start:] if m.member == "InterfacesRemoved"}
            assert gatt_paths <= removed
            objects = await client.objects()
            assert not [p for p in objects if p.startswith(CAM_PATH + "/")]
            assert objects[CAM_PATH][DEVICE_IFACE]["ServicesResolved"].value is False
            with pytest.raises(DBusError):
                await client.write(chars["GP-0072"], GET_VERSION)

            # A new Connect works and the next request is answered.
            chars = await paired_connected_camera(client)
            await client.write(chars["GP-0072"], GET_VERSION)
            assert await client.packet(chars["GP-0073"]) == VERSION_ANSWER
    run(body())


def test_drop_link_during_next_response():
    async def body():
        async with bluez_sim("--paired") as sim:
            client = await sim.client()
            chars = await paired_connected_camera(client)
            c73 = chars["GP-0073"]
            # A one-packet response is not affected.
            await sim.control("DropLinkDuringNextResponse", "s", CAM)
            await client.write(chars["GP-0072"], GET_VERSION)
            assert await client.packet(c73) == VERSION_ANSWER
            assert (await client.props(CAM_PATH, DEVICE_IFACE))["Connected"] is True

            await client.write(chars["GP-0072"], GET_HARDWARE_INFO)

            def value_or_disconnect(m):
                return is_value_change(m, c73) or (is_props_changed(m, CAM_PATH, DEVICE_IFACE, "Connected")
                                                   and changed_value(m, "Connected") is False)
            first = await client.until(value_or_disconnect)
            assert is_value_change(first, c73)
            assert bytes(changed_value(first, "Value"))[:4] == bytes.fromhex("20 5b 3c 00")
            after = await client.until(value_or_disconnect)
            assert not is_value_change(after, c73), "only the first packet went out"
            objects = await client.objects()
            assert not [p for p in objects if p.startswith(CAM_PATH + "/")]

            # One-shot: after reconnecting the full response comes.
            chars = await paired_connected_camera(client)
            await client.write(chars["GP-0072"], GET_HARDWARE_INFO)
            packets, payload = await client.message(chars["GP-0073"])
            assert len(packets) == 5 and len(payload) == 91
    run(body())


def test_set_response_delay():
    async def body():
        async with bluez_sim("--paired") as sim:
            client = await sim.client()
            chars = await paired_connected_camera(client)
            loop = asyncio.get_running_loop()
            await sim.control("SetResponseDelay", "su", CAM, 300)
            started = loop.time()
            await client.write(chars["GP-0072"], GET_VERSION)
            assert await client.packet(chars["GP-0073"]) == VERSION_ANSWER
            assert loop.time() - started >= 0.3
            await sim.control("SetResponseDelay", "su", CAM, 0)
            await client.write(chars["GP-0072"], SHUTTER_ON)
            assert await client.packet(chars["GP-0073"]) == SHUTTER_ANSWER
    run(body())


def test_never_answer_next():
    async def body():
        async with bluez_sim("--paired") as sim:
            client = await sim.client()
            chars = await paired_connected_camera(client)
            await sim.control("NeverAnswerNext", "s", CAM)
            await client.write(chars["GP-0072"], GET_VERSION)
            await client.write(chars["GP-0072"], SHUTTER_ON)
            assert await client.packet(chars["GP-0073"]) == SHUTTER_ANSWER
            await client.write(chars["GP-0072"], SHUTTER_OFF)
            assert await client.packet(chars["GP-0073"]) == SHUTTER_ANSWER
            # The camera received the swallowed request but never answered it.
            received = await sim.received(CAM)
            assert received[:3] == [("GP-0072", GET_VERSION[1:]), ("GP-0072", SHUTTER_ON[1:]),
                                    ("GP-0072", SHUTTER_OFF[1:])]
    run(body())


@pytest.mark.parametrize("fault, altered", [
    # camera.h: every byte after the header inverted / the last byte cut off / the packet sent twice.
    ("CorruptNextPacket", [bytes([0x06]) + bytes(~b & 0xFF for b in VERSION_ANSWER[1:])]),
    ("TruncateNextPacket", [VERSION_ANSWER[:-1]]),
    ("DuplicateNextPacket", [VERSION_ANSWER, VERSION_ANSWER]),
])
def test_packet_faults(fault, altered):
    async def body():
        async with bluez_sim("--paired") as sim:
            client = await sim.client()
            chars = await paired_connected_camera(client)
            c73 = chars["GP-0073"]
            await sim.control(fault, "s", CAM)
            await client.write(chars["GP-0072"], GET_VERSION)
            for expected in altered:
                assert await client.packet(c73) == expected
            # One-shot: the next packet is normal (and no further copy came in between).
            await client.write(chars["GP-0072"], SHUTTER_ON)
            assert await client.packet(c73) == SHUTTER_ANSWER
            await client.write(chars["GP-0072"], GET_VERSION)
            assert await client.packet(c73) == VERSION_ANSWER
    run(body())


def test_packet_fault_hits_the_first_packet_of_a_multi_packet_response():
    async def body():
        async with bluez_sim("--paired") as sim:
            client = await sim.client()
            chars = await paired_connected_camera(client)
            c73 = chars["GP-0073"]
            await sim.control("CorruptNextPacket", "s", CAM)
            await client.write(chars["GP-0072"], GET_HARDWARE_INFO)
            first = await client.packet(c73)
            assert first[:2] == bytes.fromhex("20 5b")  # 13-bit header intact
            assert first[2:4] == bytes([~0x3C & 0xFF, 0xFF])  # 3C 00 inverted
            rest = [await client.packet(c73) for _ in range(4)]
            assert [p[0] for p in rest] == [0x80, 0x81, 0x82, 0x83]
            assert rest[0][1:3] == b"ck"  # the continuation is untouched ("HERO12 Bla|ck")
    run(body())


def test_set_busy():
    async def body():
        async with bluez_sim("--paired") as sim:
            client = await sim.client()
            chars = await paired_connected_camera(client, notify=("GP-0073", "GP-0077"))
            load_photo_group = bytes.fromhex("04 3e 02 03 e9")
            await sim.control("SetBusy", "sb", CAM, True)
            await client.write(chars["GP-0072"], load_photo_group)
            assert await client.packet(chars["GP-0073"]) == bytes.fromhex("02 3e 01")
            await client.write(chars["GP-0076"], bytes.fromhex("02 13 08"))
            assert await client.packet(chars["GP-0077"]) == bytes.fromhex("05 13 00 08 01 01")
            await client.write(chars["GP-0072"], SHUTTER_OFF)
            assert await client.packet(chars["GP-0073"]) == SHUTTER_ANSWER

            await sim.control("SetBusy", "sb", CAM, False)
            await client.write(chars["GP-0076"], bytes.fromhex("02 13 08"))
            assert await client.packet(chars["GP-0077"]) == bytes.fromhex("05 13 00 08 01 00")
            await client.write(chars["GP-0072"], load_photo_group)
            assert await client.packet(chars["GP-0073"]) == bytes.fromhex("02 3e 00")
    run(body())


def owner_changes(msg):
    return msg.member == "NameOwnerChanged" and msg.body[0] == BLUEZ


NAME_OWNER_RULE = f"type='signal',sender='org.freedesktop.DBus',member='NameOwnerChanged',arg0='{BLUEZ}'"


def test_restart_bluez():
    async def body():
        async with bluez_sim() as sim:
            client = await sim.client(NAME_OWNER_RULE)
            await client.discover(1)
            await client.call(ADAPTER, ADAPTER_IFACE, "StopDiscovery")
            await client.call(CAM_PATH, DEVICE_IFACE, "Pair")  # no agent: just works
            chars = await client.gatt(CAM_PATH)
            assert chars and (await client.props(CAM_PATH, DEVICE_IFACE))["Connected"] is True

            await sim.control("RestartBluez", "u", 200)
            lost = await client.until(owner_changes)
            assert lost.body[1] and lost.body[2] == ""
            back = await client.until(owner_changes)
            assert back.body[1] == "" and back.body[2]

            objects = await client.objects()
            assert not [p for p in objects if p.startswith(CAM_PATH + "/")], "the GATT objects are gone"
            device = {k: v.value for k, v in objects[CAM_PATH][DEVICE_IFACE].items()}
            assert device["Paired"] is True and device["Bonded"] is True
            assert device["Connected"] is False and device["ServicesResolved"] is False
            assert objects[ADAPTER][ADAPTER_IFACE]["Discovering"].value is False
            assert "org.bluez.AgentManager1" in objects["/org/bluez"]

            # The bond survived: connect and talk without pairing again.
            chars = await paired_connected_camera(client)
            await client.write(chars["GP-0072"], GET_VERSION)
            assert await client.packet(chars["GP-0073"]) == VERSION_ANSWER
    run(body())


def test_stop_and_start_bluez():
    async def body():
        async with bluez_sim("--paired") as sim:
            client = await sim.client(NAME_OWNER_RULE)
            await sim.control("StopBluez")
            lost = await client.until(owner_changes)
            assert lost.body[2] == ""
            (has,) = await call(client.bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                "NameHasOwner", "s", [BLUEZ])
            assert has is False
            name, _ = await gdbus_error(sim.address, "/", f"{OM_IFACE}.GetManagedObjects")
            assert name == "org.freedesktop.DBus.Error.ServiceUnknown"
            # The control interface stays reachable while bluetoothd is "down".
            (cameras,) = await sim.control("ListCameras")
            assert len(cameras) == 1

            await sim.control("StartBluez")
            back = await client.until(owner_changes)
            assert back.body[2]
            objects = await client.objects()
            assert objects[CAM_PATH][DEVICE_IFACE]["Paired"].value is True
            assert ADAPTER in objects
            out = await busctl(sim.address, "get-property", BLUEZ, CAM_PATH, DEVICE_IFACE, "Paired")
            assert out.strip() == "b true"
    run(body())


# ================================================================ 8. what the camera received

def test_received_returns_the_reassembled_requests():
    async def body():
        async with bluez_sim("--paired") as sim:
            client = await sim.client()
            chars = await paired_connected_camera(client, notify=("GP-0073", "GP-0075"))
            await client.write(chars["GP-0072"], SHUTTER_ON)
            assert await client.packet(chars["GP-0073"]) == SHUTTER_ANSWER
            assert ("GP-0072", bytes.fromhex("01 01 01")) in await sim.received(CAM)

            await sim.control("ClearReceived", "s", CAM)
            assert await sim.received(CAM) == []
            # A fragmented write (13-bit header, continuation 0x80 as the SDK sends it) is reassembled.
            await client.write(chars["GP-0074"], bytes.fromhex("20 03 5b 01"))
            await client.write(chars["GP-0074"], bytes.fromhex("80 42"))
            assert await client.packet(chars["GP-0075"]) == bytes.fromhex("02 5b 00")
            assert await sim.received(CAM) == [("GP-0074", bytes.fromhex("5b 01 42"))]

            # Identified by name and address too; an unknown camera is an error.
            assert await sim.received("GoPro 0702") == await sim.received("D4:D9:19:50:07:02")
            with pytest.raises(DBusError) as error:
                await sim.received("9999")
            assert error.value.name == "io.goprod.Sim.Error.UnknownCamera"
    run(body())


# ================================================================ more of bluetoothd's behaviour

def test_restart_bluez_announces_objects_going_and_coming_back():
    """A restarting bluetoothd (systemctl restart) unregisters its objects before it leaves the bus
    (InterfacesRemoved, gdbus/object.c flushes them on unregister), and registers them after it owns
    org.bluez again (InterfacesAdded): clients that follow the ObjectManager signals see both."""
    async def body():
        async with bluez_sim("--paired") as sim:
            client = await sim.client(NAME_OWNER_RULE)
            chars = await client.connect_device(CAM_PATH)
            start = len(client.log)
            await sim.control("RestartBluez", "u", 100)
            await client.until(owner_changes)  # lost
            down = client.log[start:]
            removed = {m.body[0] for m in down if m.member == "InterfacesRemoved"}
            assert set(chars.values()) | {CAM_PATH, ADAPTER} <= removed
            assert [m for m in down if is_props_changed(m, CAM_PATH, DEVICE_IFACE, "Connected")
                    and changed_value(m, "Connected") is False]

            await client.until(owner_changes)  # back
            added = {}
            while not {ADAPTER, CAM_PATH} <= set(added):
                msg = await client.until(lambda m: m.member == "InterfacesAdded")
                added[msg.body[0]] = msg.body[1]
            assert ADAPTER_IFACE in added[ADAPTER]
            device = {k: v.value for k, v in added[CAM_PATH][DEVICE_IFACE].items()}
            assert device["Paired"] is True and device["Connected"] is False
    run(body())


def test_client_leaving_the_bus_ends_its_sessions_and_agent():
    """bluetoothd watches its clients: when one leaves the bus, its discovery session and notify
    sessions end (Discovering / Notifying go false when it was the last) and its agent is unregistered."""
    async def body():
        async with bluez_sim() as sim:
            watcher = await sim.client()
            leaver = await sim.client()
            await leaver.call(ADAPTER, ADAPTER_IFACE, "StartDiscovery")
            await watcher.until(lambda m: m.member == "InterfacesAdded" and m.body[0] == CAM_PATH)
            await register_agent(leaver, Agent(reject=True))
            chars = await leaver.connect_device(CAM_PATH)
            await leaver.start_notify(chars["GP-0081"])  # not protected: no pairing needed
            await watcher.until(lambda m: is_props_changed(m, chars["GP-0081"], CHAR_IFACE, "Notifying"))

            await leaver.close()
            msg = await watcher.until(lambda m: is_props_changed(m, ADAPTER, ADAPTER_IFACE, "Discovering"))
            assert changed_value(msg, "Discovering") is False
            msg = await watcher.until(lambda m: is_props_changed(m, chars["GP-0081"], CHAR_IFACE, "Notifying"))
            assert changed_value(msg, "Notifying") is False
            # The rejecting agent left with its client: the watcher (no agent of its own) pairs just-works.
            await watcher.call(CAM_PATH, DEVICE_IFACE, "Pair")
            assert (await watcher.props(CAM_PATH, DEVICE_IFACE))["Paired"] is True
            # The link itself outlives the client that made it, as in BlueZ.
            assert (await watcher.props(CAM_PATH, DEVICE_IFACE))["Connected"] is True
    run(body())


def test_managed_objects_are_only_bluez_objects():
    # The control interface lives on a connection of its own: org.bluez lists only BlueZ's objects.
    async def body():
        async with bluez_sim() as sim:
            client = await sim.client()
            objects = await client.objects()
            assert all(path == "/org/bluez" or path.startswith("/org/bluez/") for path in objects), sorted(objects)
    run(body())


# ================================================================ review follow-ups

def test_discovery_filters_are_per_client():
    async def body():
        async with bluez_sim() as sim:
            excluding = await sim.client()
            await excluding.call(ADAPTER, ADAPTER_IFACE, "SetDiscoveryFilter", "a{sv}",
                                 [{"Transport": Variant("s", "bredr")}])
            await excluding.call(ADAPTER, ADAPTER_IFACE, "StartDiscovery")
            # Another client's unfiltered discovery still finds the camera.
            other = await sim.client()
            assert CAM_PATH in await other.discover(1)
    run(body())


def test_remove_device_while_connecting_fails_the_connect():
    async def body():
        async with bluez_sim("--connect-delay-ms", "300") as sim:
            client = await sim.client()
            await client.discover(1)
            # Connect() is in flight (the link takes 300 ms) when the device is removed.
            connect = asyncio.ensure_future(client.call(CAM_PATH, DEVICE_IFACE, "Connect"))
            await asyncio.sleep(0)  # a yield, not a wait: lets the task send Connect() before RemoveDevice()
            await client.call(ADAPTER, ADAPTER_IFACE, "RemoveDevice", "o", [CAM_PATH])
            with pytest.raises(DBusError) as failed:
                await connect
            assert failed.value.name == "org.bluez.Error.Failed"
            (cameras,) = await sim.control("ListCameras")
            assert [connected for _, _, _, _, connected in cameras] == [False]
            objects = await client.objects()
            assert not [p for p in objects if p.startswith(CAM_PATH)]
    run(body())


def test_ap_credentials_come_from_the_flags():
    async def body():
        async with bluez_sim("--paired", "--ap-ssid", "RigCam", "--ap-password", "rig-pass-123") as sim:
            client = await sim.client()
            chars = await client.connect_device(CAM_PATH)
            assert await client.read(chars["GP-0002"]) == b"RigCam"
            assert await client.read(chars["GP-0003"]) == b"rig-pass-123"
    run(body())
