"""Saving the known cameras, on the real goprod and goprod-sim: a slow save does
not hold up the cameras (issue 12 item 9), and calls that change what goprod
remembers answer once the state is on disk, or fail clearly (item 10). The
state file is made unwritable by putting a directory in its place, and a save
is held with a fanotify permission event: the tests run as root, for whom file
modes do not stop a write."""
import asyncio
import ctypes
import os
import re
import struct

import grpc

from goprod.v1 import goprod_pb2 as pb
from harness import run
from rig import Rig


class OpenGate:
    """Holds every open() of a file in `directory` until close(): fanotify
    permission events (root only), a save that waits as on slow storage."""

    FAN_CLOEXEC, FAN_NONBLOCK, FAN_CLASS_CONTENT = 0x01, 0x02, 0x04
    FAN_MARK_ADD = 0x01
    FAN_OPEN_PERM, FAN_EVENT_ON_CHILD = 0x00010000, 0x08000000
    FAN_ALLOW = 0x01
    AT_FDCWD = -100
    METADATA = struct.Struct("=IBBHQii")  # struct fanotify_event_metadata

    def __init__(self, directory):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.fanotify_mark.argtypes = [ctypes.c_int, ctypes.c_uint, ctypes.c_uint64, ctypes.c_int, ctypes.c_char_p]
        self.fd = libc.fanotify_init(self.FAN_CLASS_CONTENT | self.FAN_CLOEXEC | self.FAN_NONBLOCK, os.O_RDONLY)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "fanotify_init")
        if libc.fanotify_mark(self.fd, self.FAN_MARK_ADD, self.FAN_OPEN_PERM | self.FAN_EVENT_ON_CHILD,
                              self.AT_FDCWD, directory.encode()) < 0:
            os.close(self.fd)
            raise OSError(ctypes.get_errno(), "fanotify_mark " + directory)
        self.held = []

    async def next_open(self, timeout=10):
        """Waits until a file in the directory is being opened (and is held)."""
        loop = asyncio.get_running_loop()
        while True:
            try:
                data = os.read(self.fd, 4096)
                break
            except BlockingIOError:
                readable = loop.create_future()
                loop.add_reader(self.fd, lambda: readable.done() or readable.set_result(None))
                try:
                    await asyncio.wait_for(readable, timeout)
                finally:
                    loop.remove_reader(self.fd)
        offset = 0
        while offset < len(data):
            length, _, _, _, _, fd, _ = self.METADATA.unpack_from(data, offset)
            self.held.append(fd)
            offset += length

    def close(self):
        """Lets every held open() go on, and stops holding."""
        for fd in self.held:
            os.write(self.fd, struct.pack("=iI", fd, self.FAN_ALLOW))
            os.close(fd)
        self.held = []
        os.close(self.fd)


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


def test_a_slow_save_does_not_hold_up_the_cameras():
    async def scenario():
        async with Rig(["--cameras", "1"]) as rig:
            (cam,) = await rig.discover(1)
            await rig.connect(cam)
            gate = OpenGate(rig.daemon.state_dir)
            try:
                change = asyncio.ensure_future(
                    rig.stub.SetAutoConnect(pb.SetAutoConnectRequest(camera=cam, enabled=False), timeout=30))
                await gate.next_open()  # the save is under way, and held
                # The camera is served while the save waits: the core thread does not.
                values = await rig.stub.GetStatuses(
                    pb.GetValuesRequest(target=pb.CameraRequest(cameras=[cam]), ids=[70]), timeout=5)
                assert values.cameras[0].result.code == 0, values
                assert not change.done(), "SetAutoConnect answers only once the state is saved"
            finally:
                gate.close()
            camera = await change
            assert not camera.auto_connect
            assert remembered(rig) == {cam: False}
    run(scenario())


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
