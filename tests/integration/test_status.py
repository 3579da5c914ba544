"""goproctl status (GetDaemonStatus): goprod's version and uptime, BlueZ, the
adapters, the cameras and the streams against their limits, and what to do
when something is wrong; a health check that exits 5 when BlueZ is not
running. The real goproctl → the real goprod → goprod-sim on a private bus."""
import json
import subprocess

from goprod.v1 import goprod_pb2 as pb

from harness import GOPROD, Variant, call, goproctl, run
from rig import Rig

EXIT_UNAVAILABLE = 5


async def ctl(rig, *args, timeout=60):
    return await goproctl(rig.daemon, *args, timeout=timeout)


async def status_json(rig, expect_code=0):
    code, out, err = await ctl(rig, "--json", "status")
    assert code == expect_code, (code, out, err)
    return json.loads(out), err


def goprod_version():
    out = subprocess.run([GOPROD, "--version"], check=True, capture_output=True, text=True).stdout
    return out.split()[-1]


def test_status_of_a_healthy_daemon():
    async def scenario():
        async with Rig(sim_args=["--cameras", "2", "--adapter-address", "00:1A:7D:DA:71:13"]) as rig:
            await rig.stop_daemon()
            with open(rig.daemon.config, "w") as f:
                f.write("[limits]\nmax_subscribers = 5\n")
            await rig.start_daemon()
            ids = await rig.discover(2)
            await rig.connect(ids[0])
            events = await rig.watch()  # one stream, one event subscriber

            status, err = await status_json(rig)
            assert err == ""
            assert status["version"] == goprod_version()
            assert status["uptime"].endswith("s")
            assert status["bluezRunning"] is True
            (adapter,) = status["adapters"]
            assert adapter == {"name": "hci0", "path": "/org/bluez/hci0", "address": "00:1A:7D:DA:71:13",
                               "powered": True, "discovering": adapter["discovering"], "used": True,
                               "budget": 7, "connections": 1, "budgetLowered": False, "cameras": [ids[0]]}, \
                adapter  # issue 16: one camera connected of 7
            assert (status["camerasKnown"], status["camerasConnected"], status["camerasReady"]) == (1, 1, 1)
            assert status["cameras"] == {"count": 2, "limit": 64}
            assert status["streams"] == {"count": 1, "limit": 5}
            assert status["eventSubscribers"] == {"count": 1, "limit": 5}

            code, out, err = await ctl(rig, "status")
            assert code == 0, (out, err)
            assert "goprod" in out and goprod_version() in out
            assert "running" in out and "not running" not in out
            assert "1 known, 1 connected, 1 ready (2 of 64 tracked)" in out, out
            assert "1 of 5 open (1 of 5 event subscribers" in out, out
            assert "hci0" in out and "00:1A:7D:DA:71:13" in out
            assert "to do" not in out, out
            events.cancel()
    run(scenario())


def test_status_says_bluez_is_not_running_and_exits_5():
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.ready(1)
            await rig.sim.control("StopBluez")
            await rig.wait_state(cam, pb.CAMERA_STATE_LINK_LOST)
            code, out, err = await ctl(rig, "status")
            assert code == EXIT_UNAVAILABLE, (code, out, err)
            assert "not running" in out, out
            assert "BlueZ is not running: systemctl start bluetooth" in out, out
            assert "1 known, 0 connected, 0 ready" in out, out

            status, err = await status_json(rig, EXIT_UNAVAILABLE)
            assert status["bluezRunning"] is False and status["adapters"] == [], status
            assert "BlueZ is not running: systemctl start bluetooth" in err, err

            await rig.sim.control("StartBluez")
            await rig.wait_state(cam, pb.CAMERA_STATE_READY, timeout=30)
            status, err = await status_json(rig)
            assert status["bluezRunning"] is True and status["camerasReady"] == 1, status
    run(scenario())


def test_status_when_goprod_started_without_bluez():
    async def scenario():
        async with Rig() as rig:
            await rig.sim.control("StopBluez")
            await rig.stop_daemon()
            await rig.start_daemon()
            code, out, err = await ctl(rig, "status")
            assert code == EXIT_UNAVAILABLE, (code, out, err)
            assert "BlueZ is not running: systemctl start bluetooth" in out, out
    run(scenario())


async def power(rig, on):
    """bluetoothctl power on/off: Adapter1.Powered written on the (simulated) BlueZ."""
    await call(rig.sim.bus, "org.bluez", "/org/bluez/hci0", "org.freedesktop.DBus.Properties", "Set", "ssv",
               ["org.bluez.Adapter1", "Powered", Variant("b", on)])


def test_status_says_to_power_on_a_powered_off_adapter_and_exits_5():
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.ready(1)
            await power(rig, False)  # says so first, then the link drops
            await rig.wait_state(cam, pb.CAMERA_STATE_LINK_LOST)
            code, out, err = await ctl(rig, "status")
            assert code == EXIT_UNAVAILABLE, (code, out, err)
            assert "adapter hci0 is powered off: bluetoothctl power on" in out, out
            status, err = await status_json(rig, EXIT_UNAVAILABLE)
            assert status["bluezRunning"] is True and status["adapters"][0]["powered"] is False, status
            assert "adapter hci0 is powered off" in err, err

            await power(rig, True)
            await rig.wait_state(cam, pb.CAMERA_STATE_READY, timeout=30)
            code, out, err = await ctl(rig, "status")
            assert code == 0 and "to do" not in out, (code, out, err)
    run(scenario())
