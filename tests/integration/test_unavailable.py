"""What goproctl and goprod say when no camera can be reached: BlueZ not on the
bus (every request answers UNAVAILABLE at once, naming BlueZ), and cameras
discovered but none connected (a command without -i means only a connected
camera). The real goproctl → the real goprod → goprod-sim on a private bus."""
import asyncio

from goprod.v1 import goprod_pb2 as pb

from harness import goproctl, run
from rig import Rig

BLUEZ_GONE = "BlueZ is not running (org.bluez is not on the bus)"
EXIT_UNAVAILABLE = 5


async def ctl(rig, *args, timeout=60):
    return await goproctl(rig.daemon, *args, timeout=timeout)


async def wait_for_log(daemon, text, timeout=10):
    """Until goprod's log has a line containing `text`."""
    async def scan():
        while text not in daemon.output():
            await asyncio.sleep(0.02)
    await asyncio.wait_for(scan(), timeout)


async def without_bluez(rig):
    """goprod started while org.bluez is not on the bus, once it knows."""
    await rig.sim.control("StopBluez")
    await rig.stop_daemon()
    await rig.start_daemon()
    await wait_for_log(rig.daemon, "BlueZ is not running: requests that need it fail")


def test_discover_without_bluez_says_so_and_exits_5():
    async def scenario():
        async with Rig() as rig:
            await without_bluez(rig)
            # A scan of 120 s that waited would outlive goproctl's 30 s here.
            code, out, err = await ctl(rig, "discover", "--duration", "120", timeout=30)
            assert code == EXIT_UNAVAILABLE, (code, out, err)
            assert BLUEZ_GONE in err, err
            assert "no cameras found" not in out, out
            code, out, err = await ctl(rig, "--json", "discover", "--duration", "120", timeout=30)
            assert code == EXIT_UNAVAILABLE, (code, out, err)
            assert BLUEZ_GONE in err, err
    run(scenario())


def test_every_request_while_bluez_is_gone_is_unavailable_at_once():
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.ready(1)  # known, auto-connect on: goprod would wait for it to come back
            await rig.sim.control("StopBluez")
            await rig.wait_state(cam, pb.CAMERA_STATE_LINK_LOST)
            # --timeout 60: an answer that waited for the camera would be DEADLINE_EXCEEDED (exit 6)
            # after goprod's own 5 s request deadline; it must be UNAVAILABLE, naming BlueZ.
            for args in (["-i", cam, "shutter", "on"], ["shutter", "on"], ["connect", "-i", cam],
                         ["-i", cam, "get", "status", "70"], ["wifi", "scan", "-i", cam],
                         ["discover", "--duration", "120"]):
                code, out, err = await ctl(rig, "--timeout", "60", *args, timeout=30)
                assert code == EXIT_UNAVAILABLE, (args, code, out, err)
                assert BLUEZ_GONE in out + err, (args, out, err)
            # The API itself: the control RPC answers per camera, the rest as the RPC's status.
            result = await rig.stub.SetShutter(pb.SetShutterRequest(target=pb.CameraRequest(cameras=[cam]), on=True))
            assert result.results[0].code == 14 and result.results[0].message == BLUEZ_GONE, result
            await rig.sim.control("StartBluez")
            await rig.wait_state(cam, pb.CAMERA_STATE_READY, timeout=30)
            code, out, err = await ctl(rig, "shutter", "off")
            assert code == 0, (out, err)
    run(scenario())


def test_without_a_connected_camera_a_command_without_i_is_unavailable():
    async def scenario():
        async with Rig(sim_args=["--cameras", "2"]) as rig:
            ids = await rig.discover(2)
            code, out, err = await ctl(rig, "shutter", "on")
            assert code == EXIT_UNAVAILABLE, (code, out, err)
            assert "no camera is connected" in err, err
            assert "several cameras" not in err, err
            await rig.connect(ids[1])
            await rig.sim.control("ClearReceived", "s", ids[0])
            await rig.sim.control("ClearReceived", "s", ids[1])
            code, out, err = await ctl(rig, "shutter", "on")  # the one connected camera
            assert code == 0 and ids[1] in out, (out, err)
            assert await rig.received(ids[0]) == []
            assert (await rig.received(ids[1]))[0] == ("GP-0072", bytes.fromhex("01 01 01"))
    run(scenario())


def test_one_discovered_camera_is_not_the_default_either():
    async def scenario():
        async with Rig() as rig:
            await rig.discover(1)
            code, out, err = await ctl(rig, "shutter", "on")
            assert code == EXIT_UNAVAILABLE, (code, out, err)
            assert "no camera is connected" in err, err
    run(scenario())
