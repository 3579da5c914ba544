"""The Python package goprod (python3-goprod) against the real goprod and
goprod-sim on a private bus: it finds the socket through GOPROD_SOCKET, drives
a camera (the camera receives the seed's bytes), names the camera that failed,
ends an event stream on its deadline, and says when goprod is not running; the
example examples/python/goprod_client.py takes a photo through it.
Uses harness.py directly: goprod.Client, not rig.py's raw stub, talks to goprod."""
import asyncio
import contextlib
import os
import sys
import tempfile

import grpc
import pytest

import goprod
from goprod import pb2
from harness import Daemon, PrivateBus, Sim, run

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "python", "goprod_client.py")


@contextlib.asynccontextmanager
async def goprod_and_sim(cameras=1):
    """A private bus, goprod-sim with `cameras` cameras and goprod; yields (sim, daemon, identifiers)."""
    with tempfile.TemporaryDirectory(prefix="goprod-py-") as folder:
        bus = await PrivateBus().start()
        sim = await Sim(bus.address, "--cameras", str(cameras)).start()
        daemon = await Daemon(bus.address, folder).start()
        try:
            (listed,) = await sim.control("ListCameras")
            yield sim, daemon, sorted(camera[0].split()[-1] for camera in listed)
        finally:
            code = await daemon.stop()
            print(daemon.output())  # pytest shows it when the test fails
            daemon.close()
            sim_code = await sim.stop()
            sim.close()
            await bus.stop()
            assert (code, sim_code) == (0, 0)


def discover(client, identifiers):
    """Discovers until every camera was seen (through the raw stub: a stream). goprod
    answers Connect of a camera it has not seen with NOT_FOUND until it has BlueZ's
    objects, shortly after READY=1; Discover waits for them."""
    seen = set()
    call = client.stub.Discover(pb2.DiscoverRequest(duration={"seconds": 10}), timeout=15)
    for camera in call:
        seen.add(camera.identifier)
        if seen >= set(identifiers):
            call.cancel()
            return
    raise AssertionError("discovered %s, not %s" % (sorted(seen), identifiers))


@pytest.fixture
def goprod_socket(monkeypatch):
    """Sets GOPROD_SOCKET for the test; returns the setter."""
    return lambda daemon: monkeypatch.setenv("GOPROD_SOCKET", daemon.target)


def test_the_client_finds_goprod_through_GOPROD_SOCKET_and_drives_a_camera(goprod_socket):
    async def scenario():
        async with goprod_and_sim() as (sim, daemon, (cam,)):
            goprod_socket(daemon)
            with goprod.Client() as client:
                assert client.address == daemon.target
                discover(client, [cam])
                camera = client.connect(cam)
                assert camera.state == pb2.CAMERA_STATE_READY and camera.identifier == cam
                assert [c.identifier for c in client.list_cameras()] == [cam]
                await sim.control("ClearReceived", "s", cam)

                (result,) = client.load_preset_group("photo")  # the only connected camera
                assert result.identifier == cam and result.code == 0
                client.shutter(True, cam)
                client.shutter(False, [cam])
                received = [m for m in await sim.received(cam) if m[0] == "GP-0072"]
                assert received == [("GP-0072", bytes.fromhex("3e 02 03 e9")), ("GP-0072", bytes.fromhex("01 01 01")),
                                    ("GP-0072", bytes.fromhex("01 01 00"))]

                ap = client.ap_info(cam)
                assert ap.ssid.startswith("GP") and len(ap.password) >= 8
                (values,) = client.statuses([70], cam)
                assert values.result.identifier == cam and [v.id for v in values.values] == [70]
                status = client.daemon_status()
                assert status.bluez_running and status.cameras_ready == 1

                assert client.disconnect(cam).state == pb2.CAMERA_STATE_DISCONNECTED
    run(scenario())


def test_a_camera_that_refuses_is_named_with_its_message():
    async def scenario():
        async with goprod_and_sim(cameras=2) as (sim, daemon, (refusing, accepting)):
            with goprod.Client(daemon.target) as client:
                discover(client, [refusing, accepting])
                for cam in (refusing, accepting):
                    client.connect(cam)
                # 240 fps on one, 30 fps on the other: 5.3K allows at most 60.
                set_setting = lambda cam, **setting: client.call(  # noqa: E731
                    "SetSetting", pb2.SetSettingRequest(target=pb2.CameraRequest(cameras=[cam]), **setting))
                set_setting(refusing, resolution=pb2.VIDEO_RESOLUTION_1080)
                set_setting(refusing, fps=pb2.FRAMES_PER_SECOND_240)
                set_setting(accepting, resolution=pb2.VIDEO_RESOLUTION_1080)
                set_setting(accepting, fps=pb2.FRAMES_PER_SECOND_30)

                request = pb2.SetSettingRequest(target=pb2.CameraRequest(cameras=[refusing, accepting]),
                                                resolution=pb2.VIDEO_RESOLUTION_5_3K)
                with pytest.raises(goprod.CameraError) as error:
                    client.call("SetSetting", request, what="set resolution 5.3K")
                (failure,) = error.value.failures
                assert failure.identifier == refusing and failure.camera_status != 0
                assert error.value.code == grpc.StatusCode.FAILED_PRECONDITION
                assert str(error.value) == "set resolution 5.3K failed on camera %s: %s" % (refusing, failure.message)
                assert "rejected" in failure.message, failure.message
                assert [(r.identifier, r.code) for r in error.value.results] == [(refusing, failure.code),
                                                                                 (accepting, 0)]
    run(scenario())


def test_events_arrive_and_the_stream_ends_on_its_deadline():
    async def scenario():
        async with goprod_and_sim() as (sim, daemon, (cam,)):
            with goprod.Client(daemon.target) as client:
                discover(client, [cam])
                client.connect(cam)
                events = client.events(seconds=3, cameras=cam, kinds=[pb2.Event.KIND_REQUEST_DONE])
                client.shutter(True)  # subscribed when events() returned: its outcome is seen
                seen = [(e.camera.identifier, e.request, e.code) for e in events]  # ends by itself, no error
                assert seen == [(cam, "command 0x01", 0)], seen
    run(scenario())


def test_an_unknown_camera_is_a_goprod_error_with_its_code():
    async def scenario():
        async with goprod_and_sim() as (sim, daemon, _):
            with goprod.Client(daemon.target) as client:
                with pytest.raises(goprod.GoprodError) as error:
                    client.get_camera("9999")
                assert error.value.code == grpc.StatusCode.NOT_FOUND
                assert str(error.value).startswith("GetCamera failed: NOT_FOUND: ")
                assert not isinstance(error.value, goprod.CameraError)
    run(scenario())


def test_goprod_not_running_says_where_the_client_looked(goprod_socket):
    async def scenario():
        async with goprod_and_sim() as (sim, daemon, _):
            goprod_socket(daemon)
            await daemon.stop()
            with goprod.Client(timeout=5) as client:
                with pytest.raises(goprod.GoprodError) as error:
                    client.list_cameras()
                assert error.value.code == grpc.StatusCode.UNAVAILABLE
                assert str(error.value).startswith("ListCameras failed: UNAVAILABLE: ")
                assert str(error.value).endswith("(is goprod running and serving %s?)" % daemon.target)
                with pytest.raises(goprod.GoprodError) as error:
                    client.events(seconds=5)
                assert error.value.code == grpc.StatusCode.UNAVAILABLE
    run(scenario())


def test_the_python_example_takes_a_photo():
    async def scenario():
        async with goprod_and_sim() as (sim, daemon, (cam,)):
            with goprod.Client(daemon.target) as client:
                discover(client, [cam])
                client.connect(cam)
            await sim.control("ClearReceived", "s", cam)
            proc = await asyncio.create_subprocess_exec(
                sys.executable, EXAMPLE, "--socket", daemon.target, "--camera", cam, "--events", "3",
                "--seconds", "5", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            out, err = await asyncio.wait_for(proc.communicate(), 30)
            assert proc.returncode == 0, (out.decode(), err.decode())
            assert "photo taken on camera %s" % cam in out.decode()
            # Photo preset group, then shutter on: the bytes of the commands seed.
            received = [m for m in await sim.received(cam) if m[0] == "GP-0072"]
            assert received == [("GP-0072", bytes.fromhex("3e 02 03 e9")), ("GP-0072", bytes.fromhex("01 01 01"))]
    run(scenario())


# issue 15 G: the wrappers of the issue-15 calls against the real goprod on goprod-sim
# (presets/capabilities: test_presets.py; provision_cohn: test_goproctl_cohn.py).
from harness import goproctl  # noqa: E402
from rig import Rig  # noqa: E402

STREAM_URL = "rtmp://stream.example/live"


async def sent_to(rig, cam, characteristic="GP-0072"):
    return [m for c, m in await rig.received(cam) if c == characteristic]


def test_the_camera_commands_act_on_every_camera_given():
    async def scenario():
        async with Rig(["--cameras", "2"]) as rig:
            cams = await rig.ready(2)
            client = goprod.Client(rig.daemon.target)
            call = lambda fn, *args, **kwargs: asyncio.to_thread(fn, *args, **kwargs)  # noqa: E731
            try:
                await call(client.shutter, True, all=True)
                for cam in cams:
                    await rig.sim.control("ClearReceived", "s", cam)
                results = await call(client.hilight, all=True)
                assert sorted(r.identifier for r in results) == cams
                results = await call(client.turbo, True, cams)
                assert [r.identifier for r in results] == cams
                await call(client.camera_control, "external", cams)
                for cam in cams:
                    assert await sent_to(rig, cam) == [bytes.fromhex("18"), bytes.fromhex("f1 6b 08 01"),
                                                       bytes.fromhex("f1 69 08 02")]
                # The camera's own state is refused by both: one CameraError naming each.
                with pytest.raises(goprod.CameraError) as error:
                    await call(client.camera_control, "control", all=True)
                assert sorted(f.identifier for f in error.value.failures) == cams
                assert error.value.code == grpc.StatusCode.FAILED_PRECONDITION
                assert "RESULT_ARGUMENT_INVALID" in str(error.value)

                await call(client.shutter, False, all=True)
                for cam in cams:
                    await rig.sim.control("ClearReceived", "s", cam)
                (down,) = await call(client.power_down, cams[0])
                (rebooted,) = await call(client.reboot, [cams[1]])
                assert (down.identifier, rebooted.identifier) == tuple(cams)
                assert await sent_to(rig, cams[0]) == [bytes.fromhex("04")]
                assert await sent_to(rig, cams[1]) == [bytes.fromhex("11")]
            finally:
                client.close()
    run(scenario())


def test_camera_name_and_its_length():
    async def scenario():
        async with Rig(["--model", "max2"]) as rig:
            (cam,) = await rig.ready(1)
            await rig.sim.control("ClearReceived", "s", cam)
            with goprod.Client(rig.daemon.target) as client:
                (result,) = await asyncio.to_thread(client.set_camera_name, "Rig", cam)
                assert result.identifier == cam
                with pytest.raises(goprod.GoprodError) as error:
                    await asyncio.to_thread(client.set_camera_name, "x" * 33, cam)
                assert error.value.code == grpc.StatusCode.INVALID_ARGUMENT
                assert "1 to 32" in error.value.details
            assert await sent_to(rig, cam) == [bytes.fromhex("f1 62 0a 03 52 69 67")]
    run(scenario())


def test_cohn_certificate_and_setting():
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.ready(1)
            await rig.sim.control("ClearReceived", "s", cam)

            def steps():
                with goprod.Client(rig.daemon.target) as client:
                    with pytest.raises(goprod.GoprodError) as refused:
                        client.cohn_cert(cam)  # none yet
                    client.create_cohn_cert(cam)
                    client.create_cohn_cert(cam, override=True)
                    (status,) = client.cohn_status(cam)
                    cert = client.cohn_cert(cam)
                    client.set_cohn(False, cam)
                    (disabled,) = client.cohn_status(cam)
                    client.set_cohn(True, [cam])
                    client.clear_cohn_cert(cam)
                    (cleared,) = client.cohn_status(cam)
                    return refused.value, status.status, cert, disabled.status, cleared.status
            refused, status, cert, disabled, cleared = await asyncio.to_thread(steps)
            assert refused.code == grpc.StatusCode.FAILED_PRECONDITION
            assert "RESULT_RESOURCE_NOT_AVAILABLE" in refused.details
            assert status.provisioned and status.username == "gopro" and len(status.password) == 12
            assert cert.startswith("-----BEGIN CERTIFICATE-----\n")
            assert not disabled.enabled and disabled.provisioned
            assert not cleared.provisioned and cleared.enabled
            assert await sent_to(rig, cam) == [bytes.fromhex("f1 67"), bytes.fromhex("f1 67 08 01"),
                                               bytes.fromhex("f1 65 08 00"), bytes.fromhex("f1 65 08 01"),
                                               bytes.fromhex("f1 66")]
    run(scenario())


def test_live_stream_start_status_stop_and_release_network():
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.ready(1)
            client = goprod.Client(rig.daemon.target)
            try:
                # No network yet: the camera refuses the mode, and the shutter is never pressed.
                with pytest.raises(goprod.GoprodError) as refused:
                    await asyncio.to_thread(client.start_live_stream, STREAM_URL, cam)
                assert refused.value.code == grpc.StatusCode.FAILED_PRECONDITION
                assert refused.value.rpc == "StartLiveStream"
                assert "RESULT_RESOURCE_NOT_AVAILABLE" in str(refused.value)
                assert bytes.fromhex("01 01 01") not in await sent_to(rig, cam)

                code, out, err = await goproctl(rig.daemon, "-i", cam, "wifi", "connect", "dabugdabug", timeout=60)
                assert code == 0, (out, err)
                await rig.sim.control("ClearReceived", "s", cam)
                steps = []
                status = await asyncio.to_thread(
                    client.start_live_stream, STREAM_URL, cam, window=720, lens="linear", min_kbps=800,
                    max_kbps=8000, start_kbps=1000, progress=steps.append)
                Step = pb2.LiveStreamProgress
                assert [s.step for s in steps] == [Step.STEP_CONFIGURING, Step.STEP_READY, Step.STEP_STARTING,
                                                   Step.STEP_STREAMING]
                assert status.state == pb2.LIVE_STREAM_STATE_STREAMING and status.bitrate_kbps == 1000
                assert status.encode
                # Set Live Stream Mode: url, encode, window 7, min 800, max 8000, start 1000, lens 4 (linear).
                mode = (bytes.fromhex("f1 79 0a 1a") + STREAM_URL.encode() +
                        bytes.fromhex("10 01 18 07 38 a0 06 40 c0 3e 48 e8 07 50 04"))
                assert mode in await sent_to(rig, cam)

                (live,) = await asyncio.to_thread(client.live_stream_status, cam)
                assert live.status.state == pb2.LIVE_STREAM_STATE_STREAMING
                (stopped,) = await asyncio.to_thread(client.stop_live_stream, cam)
                assert stopped.identifier == cam
                (live,) = await asyncio.to_thread(client.live_stream_status, cam)
                assert live.status.state == pb2.LIVE_STREAM_STATE_COMPLETE_STAY_ON

                await rig.sim.control("ClearReceived", "s", cam)
                (released,) = await asyncio.to_thread(client.release_network, cam)
                assert released.identifier == cam
                assert await sent_to(rig, cam) == [bytes.fromhex("f1 78")]
            finally:
                client.close()
    run(scenario())
