"""Calls that change what goprod remembers answer once the state is on disk, or
fail clearly (issue 12 item 10), on the real goprod and goprod-sim. The state
file is made unwritable by putting a directory in its place: the tests run as
root, for whom file modes do not stop a write."""
import os
import re

import grpc

import goprod_pb2 as pb
from harness import run
from rig import Rig


def cameras_file(rig):
    return os.path.join(rig.daemon.state_dir, "cameras.toml")


def remembered(rig):
    """identifier → auto_connect, as cameras.toml says now."""
    import tomllib
    with open(cameras_file(rig), "rb") as f:
        return {c["identifier"]: c["auto_connect"] for c in tomllib.load(f).get("camera", [])}


async def fails_to_save(rig, call):
    try:
        await call
    except grpc.aio.AioRpcError as error:
        assert error.code() == grpc.StatusCode.UNAVAILABLE, error
        prefix = f"could not save the known cameras to {rig.daemon.state_dir}: "
        assert error.details().startswith(prefix) and len(error.details()) > len(prefix), error.details()
        return error.details()
    raise AssertionError("the call succeeded without saving")


def test_remembering_calls_answer_after_the_save():
    async def scenario():
        async with Rig(["--cameras", "2"]) as rig:
            first, second = await rig.discover(2)
            await rig.connect(first)
            assert remembered(rig) == {first: True}, "on disk when Connect answers"
            camera = await rig.stub.SetAutoConnect(pb.SetAutoConnectRequest(camera=first, enabled=False))
            assert not camera.auto_connect
            assert remembered(rig) == {first: False}, "on disk when SetAutoConnect answers"
            await rig.connect(second)
            assert remembered(rig) == {first: False, second: True}
            await rig.stub.Forget(pb.ForgetRequest(camera=first))
            assert remembered(rig) == {second: True}, "on disk when Forget answers"
    run(scenario())


def test_remembering_calls_fail_clearly_when_the_state_cannot_be_saved():
    async def scenario():
        async with Rig(["--cameras", "3"]) as rig:
            first, second, third = await rig.discover(3)
            await rig.connect(first)
            os.remove(cameras_file(rig))
            os.mkdir(cameras_file(rig))

            message = await fails_to_save(rig, rig.stub.Connect(pb.ConnectRequest(camera=second), timeout=30))
            assert re.search(r"[Ii]s a directory", message), message
            await fails_to_save(rig, rig.stub.SetAutoConnect(pb.SetAutoConnectRequest(camera=first, enabled=False)))
            await fails_to_save(rig, rig.stub.Forget(pb.ForgetRequest(camera=first)))

            # The daemon keeps running, and saves again once it can.
            listed = await rig.stub.ListCameras(pb.ListCamerasRequest())
            assert {c.identifier for c in listed.cameras} == {second, third}
            os.rmdir(cameras_file(rig))
            await rig.connect(third)
            assert remembered(rig) == {second: True, third: True}
            assert "could not save the known cameras to" in rig.daemon.output()
    run(scenario())
