"""goproctl's exit codes and messages where they used to disagree with the
documentation or mislead (issue 12, item 12), on the real goproctl, goprod and
goprod-sim."""
import asyncio
import os

from goprod.v1 import goprod_pb2 as pb
import grpc
import pytest

from harness import GOPROCTL, run
from rig import Rig


async def ctl(rig, *args, socket=None, user=None, cwd=None):
    prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if user == "nobody" else []
    proc = await asyncio.create_subprocess_exec(
        *prefix, os.path.abspath(GOPROCTL), "--socket", socket or rig.daemon.target, *args,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=cwd)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode, out.decode(), err.decode()


async def ready_camera(rig):
    (cam,) = await rig.ready(1)
    await rig.sim.control("ClearReceived", "s", cam)
    return cam


def test_list_of_an_unknown_camera_exits_3():
    async def scenario():
        async with Rig() as rig:
            cam = await ready_camera(rig)
            code, out, err = await ctl(rig, "-i", "9999", "list")
            assert code == 3 and "no such camera" in err and "9999" in err, (out, err)
            # The cameras that exist are still listed; the missing one decides the exit code.
            code, out, err = await ctl(rig, "-i", cam, "-i", "9999", "list")
            assert code == 3 and cam in out and "9999" in err, (out, err)
            code, out, err = await ctl(rig, "-i", cam.lower(), "list")
            assert code == 0 and cam in out, (out, err)
    run(scenario())


def test_a_network_the_camera_does_not_see_is_not_found_and_says_so():
    async def scenario():
        async with Rig() as rig:
            cam = await ready_camera(rig)
            code, out, err = await ctl(rig, "-i", cam, "wifi", "connect", "NoSuchNet", "x")
            assert code == 3, (out, err)
            assert 'does not see a network named "NoSuchNet"' in err and "wifi scan" in err, err
    run(scenario())


def test_a_refused_password_is_said_by_its_meaning():
    async def scenario():
        async with Rig() as rig:
            cam = await ready_camera(rig)
            code, out, err = await ctl(rig, "-i", cam, "wifi", "connect", "Homeynet_2GEXT", "wrong-password")
            assert code == 4, (out, err)
            assert "the network refused the password" in err, err
            assert "camera status" not in err and "reserved" not in err, err
    run(scenario())


def test_permission_denied_names_the_socket_group():
    async def scenario():
        async with Rig() as rig:
            if os.geteuid() == 0:
                # root passes every permission check: ask as nobody, who may reach the socket but not use it.
                os.chmod(rig.tmp.name, 0o755)
                code, _, err = await ctl(rig, "list", user="nobody")
            else:
                os.chmod(rig.daemon.socket_path, 0)
                code, _, err = await ctl(rig, "list")
            assert code == 5, err
            group = __import__("grp").getgrgid(os.stat(rig.daemon.socket_path).st_gid).gr_name
            assert "must be in the socket's group" in err and f'"{group}"' in err, err
            assert "is the daemon running" not in err, err
    run(scenario())


def test_a_non_utf8_identifier_is_a_usage_error_and_the_server_refuses_unparsable_requests():
    async def scenario():
        async with Rig() as rig:
            cam = await ready_camera(rig)
            code, _, err = await ctl(rig, "-i", "09\udcff9", "shutter", "on")  # the byte 0xff
            assert code == 2 and "not valid UTF-8" in err, err
            assert "libprotobuf" not in err, err
            assert await rig.received(cam) == []
            # A request goprod cannot parse (a string field that is not UTF-8), sent as raw bytes.
            call = rig.channel.unary_unary("/goprod.v1.Goprod/SetShutter",
                                           request_serializer=lambda b: b, response_deserializer=lambda b: b)
            bad_selector = b"\x0a\x06\x0a\x04\x30\x34\xff\x36"  # target { cameras: "04\xff6" }
            with pytest.raises(grpc.aio.AioRpcError) as error:
                await call(bad_selector + b"\x10\x01")
            assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT, error.value
            assert "goprod.v1.SetShutterRequest" in error.value.details()
            # A server stream (WatchEvents{cameras: "04\xff6"}) and a truncated message.
            watch = rig.channel.unary_stream("/goprod.v1.Goprod/WatchEvents",
                                             request_serializer=lambda b: b, response_deserializer=lambda b: b)
            with pytest.raises(grpc.aio.AioRpcError) as error:
                async for _ in watch(b"\x0a\x04\x30\x34\xff\x36"):
                    pass
            assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT, error.value
            with pytest.raises(grpc.aio.AioRpcError) as error:
                await call(b"\x0a\x10\x0a")
            assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT, error.value
            assert await rig.received(cam) == []
            # Requests that parse still reach the camera.
            code, _, err = await ctl(rig, "-i", cam, "shutter", "on")
            assert code == 0, err
    run(scenario())


def test_timeout_has_one_clear_range():
    async def scenario():
        async with Rig() as rig:
            for value in ("0", "nan", "inf", "1e100", "-1", "86400.5", "0.0009"):
                code, _, err = await ctl(rig, "--timeout", value, "list")
                assert code == 2 and "0.001 to 86400" in err, (value, err)
            for value in ("86400", "2.5"):
                code, _, err = await ctl(rig, "--timeout", value, "list")
                assert code == 0, (value, err)
            # The lower end is accepted too; a millisecond may well pass before the answer.
            code, _, err = await ctl(rig, "--timeout", "0.001", "list")
            assert code in (0, 6) and "0.001 to 86400" not in err, err
    run(scenario())


def test_a_socket_path_without_a_scheme_is_a_file():
    async def scenario():
        async with Rig() as rig:
            # gRPC would take "goprod.sock" for a host name.
            directory, name = os.path.split(rig.daemon.socket_path)
            code, out, err = await ctl(rig, "list", socket=name, cwd=directory)
            assert code == 0, (out, err)
            code, out, err = await ctl(rig, "list", socket=os.path.join(os.path.basename(directory), name),
                                       cwd=os.path.dirname(directory))
            assert code == 0, (out, err)
            code, out, err = await ctl(rig, "list", socket=rig.daemon.socket_path)
            assert code == 0, (out, err)
    run(scenario())


def test_several_cameras_on_a_single_camera_command_is_a_usage_error():
    async def scenario():
        async with Rig(sim_args=["-n", "2"]) as rig:
            first, second = await rig.ready(2)
            for cam in (first, second):
                await rig.sim.control("ClearReceived", "s", cam)
            for args in (["connect"], ["disconnect"], ["wifi", "scan"], ["wifi", "ap", "info"],
                         ["wifi", "connect", "dabugdabug"], ["raw", "command", "51"]):
                code, _, err = await ctl(rig, "-i", first, "-i", second, *args)
                assert code == 2 and "works on one camera" in err, (args, err)
            assert await rig.received(first) == [] and await rig.received(second) == []
            states = {c.identifier: c.state for c in (await rig.stub.ListCameras(pb.ListCamerasRequest())).cameras}
            assert states == {first: pb.CAMERA_STATE_READY, second: pb.CAMERA_STATE_READY}
    run(scenario())
