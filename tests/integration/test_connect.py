"""Connect as a user meets it (issue 12 item 2), on the real goprod, goproctl and
goprod-sim: failed attempts are retried within the caller's deadline and the
answer says how many it took (or how many failed, and why); a camera named by
identifier or address that was not discovered yet is looked for."""
import re

import grpc

from goprod.v1 import goprod_pb2 as pb
from harness import goproctl, run
from rig import Rig

SIM_CONNECT_ERROR = "le-connection-abort-by-local"  # goprod-sim's FailConnections


def failed_attempts(rig, identifier):
    return rig.daemon.output().count(f"camera {identifier}: connection attempt failed")


def test_connect_waits_for_the_retries_and_says_how_many_attempts_it_took():
    async def scenario():
        async with Rig(["--cameras", "1"]) as rig:
            (cam,) = await rig.discover(1)
            await rig.sim.control("FailConnections", "su", cam, 2)
            camera = await rig.stub.Connect(pb.ConnectRequest(camera=cam), timeout=30)
            assert camera.state == pb.CAMERA_STATE_READY
            assert camera.connect_attempts == 3
            assert failed_attempts(rig, cam) == 2
            # Already ready: nothing to attempt.
            again = await rig.stub.Connect(pb.ConnectRequest(camera=cam), timeout=30)
            assert again.state == pb.CAMERA_STATE_READY and again.connect_attempts == 0

            # goproctl says so too.
            await rig.stub.Disconnect(pb.DisconnectRequest(camera=cam), timeout=30)
            await rig.sim.control("FailConnections", "su", cam, 1)
            code, out, err = await goproctl(rig.daemon, "-i", cam, "connect")
            assert code == 0, (code, out, err)
            assert "connected after 2 attempts" in out, out
    run(scenario())


def test_connect_to_a_camera_that_always_fails_names_the_attempts_and_the_last_error():
    async def scenario():
        async with Rig(["--cameras", "1"]) as rig:
            (cam,) = await rig.discover(1)
            await rig.sim.control("FailConnections", "su", cam, 1000)
            try:
                await rig.stub.Connect(pb.ConnectRequest(camera=cam), timeout=4)
                raise AssertionError("Connect succeeded")
            except grpc.aio.AioRpcError as error:
                assert error.code() == grpc.StatusCode.UNAVAILABLE, error
                message = error.details()
            match = re.fullmatch(rf"could not connect to camera {cam} after (\d+) attempts?: .*{SIM_CONNECT_ERROR}.*",
                                 message)
            assert match, message
            assert 1 <= int(match.group(1)) <= failed_attempts(rig, cam)

            # The same through goproctl: the message and the "unavailable" exit code.
            code, out, err = await goproctl(rig.daemon, "-i", cam, "--timeout", "3", "connect")
            assert code == 5, (code, out, err)
            assert re.search(rf"could not connect to camera {cam} after \d+ attempts?: .*{SIM_CONNECT_ERROR}", err), err
    run(scenario())


def test_connect_looks_for_a_camera_that_was_not_discovered_yet():
    async def scenario():
        async with Rig(["--cameras", "2"]) as rig:
            (sim_cameras,) = await rig.sim.control("ListCameras")
            addresses = {c[0].split()[-1]: c[1] for c in sim_cameras}
            first, second = sorted(addresses)
            listed = await rig.stub.ListCameras(pb.ListCamerasRequest())
            assert list(listed.cameras) == [], "nothing discovered yet"

            code, out, err = await goproctl(rig.daemon, "-i", second, "connect")
            assert code == 0, (code, out, err)
            assert second in out and "ready" in out, out
            assert f"looking for camera {second}" in rig.daemon.output()
            listed = await rig.stub.ListCameras(pb.ListCamerasRequest())
            assert [c.identifier for c in listed.cameras] == [second], "discovery was filtered to the camera named"

            # By address, in another case than BlueZ's.
            camera = await rig.stub.Connect(pb.ConnectRequest(camera=addresses[first].lower()), timeout=30)
            assert camera.identifier == first and camera.state == pb.CAMERA_STATE_READY
    run(scenario())


def test_connect_to_a_camera_that_does_not_appear_is_not_found_within_the_deadline():
    async def scenario():
        async with Rig(["--cameras", "1"]) as rig:
            code, out, err = await goproctl(rig.daemon, "-i", "0000", "--timeout", "3", "connect")
            assert code == 3, (code, out, err)
            assert "camera 0000 was not found within 3 s (is it on and in range?)" in err, err
            assert "looking for camera 0000" in rig.daemon.output()
            # A selector that cannot name one camera is not looked for.
            code, out, err = await goproctl(rig.daemon, "-i", "cam", "connect")
            assert code == 3 and "no camera" in err, (code, out, err)
    run(scenario())
