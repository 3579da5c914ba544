"""goprod-sim as a rig (issue 16): several adapters, cameras seen by each, a
per-adapter connection limit, --visible rules, RSSI per adapter, and adapters
unplugged and plugged back, checked on the D-Bus surface with a real dbus-daemon
(as test_sim_bluez.py checks one adapter). Every wait is on a signal or a reply.
"""
import asyncio

import pytest

from harness import SIM, DBusError, Variant, run
from test_sim_bluez import (ADAPTER_IFACE, CHAR_IFACE, DEVICE_IFACE, OM_IFACE, SERVICE_IFACE, bluez_sim,
                            changed_value, is_props_changed)

FIRST_ADDRESS = "00:1A:7D:DA:71:13"
# What bluetoothd 5.66 answers when an LE connection does not come up, a full controller included
# (sim/bluez.cpp, VirtualCamera::connect, says why).
NO_ROOM = ("org.bluez.Error.Failed", "le-connection-abort-by-local")


def adapter_path(index):
    return f"/org/bluez/hci{index}"


def device_path(adapter, address):
    return f"{adapter_path(adapter)}/dev_{address.replace(':', '_')}"


async def addresses(sim):
    """{last 4 serial digits: address} of every camera, in camera order."""
    (cameras,) = await sim.control("ListCameras")
    return {name[-4:]: address for name, address, *_ in cameras}


async def discover(client, adapter, count, timeout=5):
    """Starts discovery on hciN; {path: Device1 properties} of the first `count` devices it announces."""
    devices = {}
    prefix = adapter_path(adapter) + "/"

    def added(msg):
        return msg.member == "InterfacesAdded" and msg.body[0].startswith(prefix) and DEVICE_IFACE in msg.body[1]

    await client.call(adapter_path(adapter), ADAPTER_IFACE, "StartDiscovery")
    while len(devices) < count:
        msg = await client.until(added, timeout)
        devices[msg.body[0]] = {k: v.value for k, v in msg.body[1][DEVICE_IFACE].items()}
    return devices


async def next_report(client, adapter):
    """Waits for the next advertising round on hciN (a cached device's RSSI update): every camera the
    adapter sees was announced in the round before."""
    prefix = adapter_path(adapter) + "/"
    await client.until(lambda m: m.member == "PropertiesChanged" and m.path.startswith(prefix)
                       and m.body[0] == DEVICE_IFACE and "RSSI" in m.body[1], timeout=5)


async def devices_on(client, adapter):
    prefix = adapter_path(adapter) + "/"
    return {path for path, ifaces in (await client.objects()).items()
            if path.startswith(prefix) and DEVICE_IFACE in ifaces}


async def connect_error(client, path):
    with pytest.raises(DBusError) as error:
        await client.call(path, DEVICE_IFACE, "Connect")
    return error.value.name, error.value.text


async def adapters(sim):
    (rows,) = await sim.control("Adapters")
    return {name: (address, present, powered, links, limit) for name, address, present, powered, links, limit in rows}


# ---------------------------------------------------------------- adapters and devices

def test_each_adapter_has_its_address_and_a_device_per_camera_with_its_own_rssi():
    async def body():
        async with bluez_sim("--adapters", "3", "--cameras", "4") as sim:
            client = await sim.client()
            objects = await client.objects()
            found = {path: ifaces[ADAPTER_IFACE]["Address"].value for path, ifaces in objects.items()
                     if ADAPTER_IFACE in ifaces}
            assert found == {"/org/bluez/hci0": "00:1A:7D:DA:71:13", "/org/bluez/hci1": "00:1A:7D:DA:71:14",
                             "/org/bluez/hci2": "00:1A:7D:DA:71:15"}
            for path in found:
                props = await client.props(path, ADAPTER_IFACE)
                assert props["Powered"] is True and props["Discovering"] is False
            cams = await addresses(sim)
            rssi = {}
            for adapter in range(3):
                devices = await discover(client, adapter, 4)
                assert set(devices) == {device_path(adapter, a) for a in cams.values()}
                for path, props in devices.items():
                    assert props["Adapter"] == adapter_path(adapter)
                    rssi[(adapter, props["Address"])] = props["RSSI"]
            # Deterministic (camera 0 on hci0 keeps the one-adapter sim's -55) and different on each adapter.
            assert rssi[(0, cams["0702"])] == -55
            for address in cams.values():
                assert len({rssi[(a, address)] for a in range(3)}) == 3, rssi
            assert await adapters(sim) == {"hci0": ("00:1A:7D:DA:71:13", True, True, 0, 0),
                                           "hci1": ("00:1A:7D:DA:71:14", True, True, 0, 0),
                                           "hci2": ("00:1A:7D:DA:71:15", True, True, 0, 0)}
    run(body())


def test_one_adapter_is_the_default():
    async def body():
        async with bluez_sim("--adapter-address", "00:11:22:33:44:55") as sim:
            client = await sim.client()
            paths = [p for p, ifaces in (await client.objects()).items() if ADAPTER_IFACE in ifaces]
            assert paths == ["/org/bluez/hci0"]
            assert (await client.props("/org/bluez/hci0", ADAPTER_IFACE))["Address"] == "00:11:22:33:44:55"
    run(body())


def test_256_cameras_on_8_adapters_are_distinct():
    async def body():
        async with bluez_sim("--adapters", "8", "--cameras", "256") as sim:
            (cameras,) = await sim.control("ListCameras")
            assert len(cameras) == 256
            assert len({name for name, *_ in cameras}) == 256
            assert len({address for _, address, *_ in cameras}) == 256
            client = await sim.client()
            devices = await discover(client, 7, 256, timeout=20)
            assert len(devices) == 256
    run(body())


@pytest.mark.parametrize("args", [("--cameras", "257"), ("--adapters", "0"), ("--adapters", "17"),
                                  ("--max-connections", "0"), ("--visible", "0-7"),
                                  ("--visible", "0:hci2"), ("--cameras", "2", "--visible", "2:hci0")])
def test_out_of_range_rig_options_are_usage_errors(args):
    async def body():
        proc = await asyncio.create_subprocess_exec(SIM, "--bus", "unix:path=/nonexistent", *args,
                                                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        out, _ = await asyncio.wait_for(proc.communicate(), 10)
        out = out.decode(errors="replace")
        # Refused before touching the bus, as a usage error.
        assert proc.returncode == 2, out
        assert args[-2] in out, out
    run(body())


# ---------------------------------------------------------------- one link per camera, connection limit

def test_a_camera_connected_through_one_adapter_cannot_connect_through_another():
    async def body():
        async with bluez_sim("--adapters", "2") as sim:
            client = await sim.client()
            address = (await addresses(sim))["0702"]
            await discover(client, 0, 1)
            await discover(client, 1, 1)
            await client.call(device_path(0, address), DEVICE_IFACE, "Connect")
            assert await connect_error(client, device_path(1, address)) == NO_ROOM
            assert (await client.props(device_path(1, address), DEVICE_IFACE))["Connected"] is False
            assert (await client.props(device_path(0, address), DEVICE_IFACE))["Connected"] is True
            (cameras,) = await sim.control("ListCameras")
            assert cameras[0][2] == device_path(0, address) and cameras[0][4] is True
            # Once the link through hci0 is gone, hci1 may have the camera.
            await client.call(device_path(0, address), DEVICE_IFACE, "Disconnect")
            await client.call(device_path(1, address), DEVICE_IFACE, "Connect")
            assert (await client.props(device_path(1, address), DEVICE_IFACE))["Connected"] is True
            (cameras,) = await sim.control("ListCameras")
            assert cameras[0][2] == device_path(1, address)
    run(body())


def test_an_adapter_holding_its_limit_refuses_another_connection_as_bluez_does():
    async def body():
        async with bluez_sim("--adapters", "2", "--cameras", "4", "--max-connections", "2") as sim:
            client = await sim.client()
            cams = list((await addresses(sim)).values())
            await discover(client, 0, 4)
            await discover(client, 1, 4)
            for address in cams[:2]:
                await client.call(device_path(0, address), DEVICE_IFACE, "Connect")
            client.drain()
            third = device_path(0, cams[2])
            assert await connect_error(client, third) == NO_ROOM
            assert (await client.props(third, DEVICE_IFACE))["Connected"] is False
            assert not any(is_props_changed(m, third, DEVICE_IFACE, "Connected") for m in client.log)
            (cameras,) = await sim.control("ListCameras")
            assert [connected for *_, connected in cameras] == [True, True, False, False]
            assert (await adapters(sim))["hci0"][3:] == (2, 2)
            # The limit is per adapter: hci1 has room.
            await client.call(device_path(1, cams[2]), DEVICE_IFACE, "Connect")
            assert (await adapters(sim))["hci1"][3] == 1
            # A link that ends makes room.
            await client.call(device_path(0, cams[0]), DEVICE_IFACE, "Disconnect")
            await client.call(device_path(0, cams[3]), DEVICE_IFACE, "Connect")
            assert (await adapters(sim))["hci0"][3] == 2
    run(body())


def test_set_max_connections_changes_one_adapters_limit_and_keeps_its_links():
    async def body():
        async with bluez_sim("--adapters", "2", "--cameras", "3") as sim:
            client = await sim.client()
            cams = list((await addresses(sim)).values())
            await discover(client, 0, 3)
            for address in cams[:2]:
                await client.call(device_path(0, address), DEVICE_IFACE, "Connect")
            await sim.control("SetMaxConnections", "su", "hci0", 1)
            assert (await adapters(sim))["hci0"][3:] == (2, 1)  # a controller keeps the links it has
            assert (await adapters(sim))["hci1"][4] == 0
            assert await connect_error(client, device_path(0, cams[2])) == NO_ROOM
            await sim.control("SetMaxConnections", "su", "hci0", 0)
            await client.call(device_path(0, cams[2]), DEVICE_IFACE, "Connect")
            assert (await adapters(sim))["hci0"][3:] == (3, 0)
            with pytest.raises(DBusError) as error:
                await sim.control("SetMaxConnections", "su", "hci5", 1)
            assert error.value.name == "io.goprod.Sim.Error.UnknownAdapter"
    run(body())


def test_without_a_limit_an_adapter_takes_every_camera():
    async def body():
        async with bluez_sim("--cameras", "9") as sim:
            client = await sim.client()
            devices = await discover(client, 0, 9)
            await asyncio.gather(*(client.call(path, DEVICE_IFACE, "Connect") for path in devices))
            assert (await adapters(sim))["hci0"][3] == 9
    run(body())


# ---------------------------------------------------------------- visibility and signal

def test_visible_rules_choose_which_adapters_see_which_cameras():
    async def body():
        async with bluez_sim("--adapters", "3", "--cameras", "4", "--visible", "0:hci0",
                             "--visible", "1,2:hci1-hci2", "--visible", "2:0") as sim:
            client = await sim.client()
            cams = list((await addresses(sim)).values())
            expected = {0: [cams[0], cams[2], cams[3]], 1: [cams[1], cams[2], cams[3]], 2: [cams[1], cams[2], cams[3]]}
            for adapter, seen in expected.items():
                await discover(client, adapter, len(seen))
                await next_report(client, adapter)
                assert await devices_on(client, adapter) == {device_path(adapter, a) for a in seen}
    run(body())


def test_set_rssi_changes_one_adapters_reading():
    async def body():
        async with bluez_sim("--adapters", "2") as sim:
            client = await sim.client()
            address = (await addresses(sim))["0702"]
            before = [(await discover(client, a, 1))[device_path(a, address)]["RSSI"] for a in range(2)]
            client.drain()
            await sim.control("SetRssi", "ssn", "0702", "hci1", -31)
            msg = await client.until(lambda m: is_props_changed(m, device_path(1, address), DEVICE_IFACE, "RSSI"))
            assert changed_value(msg, "RSSI") == -31
            assert (await client.props(device_path(1, address), DEVICE_IFACE))["RSSI"] == -31
            assert (await client.props(device_path(0, address), DEVICE_IFACE))["RSSI"] in (before[0], before[0] - 1)
            # By address too; later advertising reports vary by 1 dBm around the value set.
            await sim.control("SetRssi", "ssn", "0702", "00:1a:7d:da:71:14", -90)
            msg = await client.until(lambda m: is_props_changed(m, device_path(1, address), DEVICE_IFACE, "RSSI"))
            assert changed_value(msg, "RSSI") == -90
            msg = await client.until(lambda m: is_props_changed(m, device_path(1, address), DEVICE_IFACE, "RSSI"))
            assert changed_value(msg, "RSSI") in (-90, -91)
            for bad in ("hci2", "usb0"):
                with pytest.raises(DBusError) as error:
                    await sim.control("SetRssi", "ssn", "0702", bad, -40)
                assert error.value.name == "io.goprod.Sim.Error.UnknownAdapter"
    run(body())


# ---------------------------------------------------------------- unplug and plug back

def test_removed_adapter_vanishes_with_its_devices_and_links_and_comes_back_powered():
    async def body():
        async with bluez_sim("--adapters", "2", "--cameras", "2") as sim:
            client = await sim.client()
            cams = list((await addresses(sim)).values())
            await discover(client, 0, 2)
            await discover(client, 1, 2)
            linked = device_path(1, cams[0])
            await client.call(linked, DEVICE_IFACE, "Connect")
            gatt = [p for p, ifaces in (await client.objects()).items()
                    if p.startswith(linked + "/") and (SERVICE_IFACE in ifaces or CHAR_IFACE in ifaces)]
            assert gatt
            client.drain()
            start = len(client.log)
            await sim.control("RemoveAdapter", "s", "hci1")
            await client.until(lambda m: m.member == "InterfacesRemoved" and m.body[0] == adapter_path(1)
                               and ADAPTER_IFACE in m.body[1])
            signals = client.log[start:]
            removed = [m.body[0] for m in signals if m.member == "InterfacesRemoved"]
            # GATT objects, then the devices, then the adapter; as the kernel reports no disconnection for an
            # unplugged controller, no Connected=false comes first.
            assert set(removed) == set(gatt) | {device_path(1, c) for c in cams} | {adapter_path(1)}
            assert removed[-1] == adapter_path(1)
            assert max(removed.index(p) for p in gatt) < removed.index(linked)
            assert not any(m.member == "PropertiesChanged" and m.path.startswith(adapter_path(1)) for m in signals)
            assert not any(p.startswith(adapter_path(1)) for p in await client.objects())
            (cameras,) = await sim.control("ListCameras")
            assert [connected for *_, connected in cameras] == [False, False]
            assert (await adapters(sim))["hci1"] == ("00:1A:7D:DA:71:14", False, True, 0, 0)
            # hci0 and its devices stay; the camera can be had through it.
            assert await devices_on(client, 0) == {device_path(0, c) for c in cams}
            with pytest.raises(DBusError) as error:
                await client.call(adapter_path(1), ADAPTER_IFACE, "StartDiscovery")
            assert error.value.name == "org.freedesktop.DBus.Error.UnknownObject"

            await sim.control("AddAdapter", "s", "hci1")
            msg = await client.until(lambda m: m.member == "InterfacesAdded" and m.body[0] == adapter_path(1))
            assert msg.body[1][ADAPTER_IFACE]["Powered"].value is True
            assert msg.body[1][ADAPTER_IFACE]["Address"].value == "00:1A:7D:DA:71:14"
            assert await devices_on(client, 1) == set()  # unbonded cameras wait for discovery
            await discover(client, 1, 2)
            await client.call(linked, DEVICE_IFACE, "Connect")
            assert (await adapters(sim))["hci1"] == ("00:1A:7D:DA:71:14", True, True, 1, 0)
    run(body())


def test_bonded_cameras_come_back_with_their_adapter():
    async def body():
        async with bluez_sim("--adapters", "2", "--cameras", "2", "--paired") as sim:
            client = await sim.client()
            cams = list((await addresses(sim)).values())
            assert await devices_on(client, 1) == {device_path(1, c) for c in cams}
            # Powered off, then unplugged: plugged back, it is powered again (bluetoothd's AutoEnable).
            await client.call(adapter_path(1), "org.freedesktop.DBus.Properties", "Set", "ssv",
                              [ADAPTER_IFACE, "Powered", Variant("b", False)])
            await sim.control("RemoveAdapter", "s", "00:1A:7D:DA:71:14")
            await client.until(lambda m: m.member == "InterfacesRemoved" and m.body[0] == adapter_path(1))
            assert (await adapters(sim))["hci1"] == ("00:1A:7D:DA:71:14", False, False, 0, 0)
            await sim.control("AddAdapter", "s", "hci1")
            msg = await client.until(lambda m: m.member == "InterfacesAdded" and m.body[0] == adapter_path(1))
            assert msg.body[1][ADAPTER_IFACE]["Powered"].value is True
            assert await devices_on(client, 1) == {device_path(1, c) for c in cams}
            await client.call(device_path(1, cams[1]), DEVICE_IFACE, "Connect")
            assert (await client.props(device_path(1, cams[1]), DEVICE_IFACE))["Paired"] is True
    run(body())


def test_connect_in_flight_on_a_removed_adapter_fails():
    async def body():
        # The link would take 5 s to come up: the unplug comes first.
        async with bluez_sim("--adapters", "2", "--connect-delay-ms", "5000") as sim:
            client = await sim.client()
            address = (await addresses(sim))["0702"]
            await discover(client, 1, 1)
            pending = asyncio.ensure_future(client.call(device_path(1, address), DEVICE_IFACE, "Connect"))
            # org.bluez answers one connection in order: once this reply is in, Connect() is under way.
            await client.props(device_path(1, address), DEVICE_IFACE)
            await sim.control("RemoveAdapter", "s", "hci1")
            with pytest.raises(DBusError) as error:
                await pending
            assert error.value.name == "org.bluez.Error.Failed"
            (cameras,) = await sim.control("ListCameras")
            assert cameras[0][4] is False
    run(body())
