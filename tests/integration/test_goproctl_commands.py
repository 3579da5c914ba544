"""issue 15 group A: the camera commands goproctl gained (hilight, power-down,
reboot, turbo, control) through the real goprod on goprod-sim: the exact bytes
that reach the camera, what the camera then reports, the answer, the exit codes,
and several cameras at once."""
import asyncio
import json

import pytest

from goprod.v1 import goprod_pb2 as pb
from harness import goproctl, run
from rig import Rig, left_and_back

ACTIVE_HILIGHTS, TURBO, CAMERA_CONTROL = 58, 113, 114


async def ctl(rig, *args):
    return await goproctl(rig.daemon, *args, timeout=60)


async def status(rig, cam, status_id):
    answer = await rig.stub.GetStatuses(pb.GetValuesRequest(target=pb.CameraRequest(cameras=[cam]), ids=[status_id]))
    (values,) = answer.cameras
    (value,) = values.values
    return value.integer


async def sent(rig, cam, characteristic):
    return [m for c, m in await rig.received(cam) if c == characteristic]


def test_hilight_tags_a_recording_on_every_camera_and_is_refused_when_not_recording():
    async def scenario():
        async with Rig(["--cameras", "2"]) as rig:
            cams = await rig.ready(2)
            for cam in cams:
                await rig.sim.control("ClearReceived", "s", cam)
            code, out, err = await ctl(rig, "-i", cams[0], "hilight")
            assert code == 4, (out, err)  # FAILED_PRECONDITION: not recording
            assert "Hilight Moment" in err and "camera status 1" in err, err
            assert await sent(rig, cams[0], "GP-0072") == [bytes.fromhex("18")]

            assert (await ctl(rig, "--all", "shutter", "on"))[0] == 0
            code, out, err = await ctl(rig, "--json", "--all", "hilight")
            assert code == 0, (out, err)
            results = json.loads(out)["results"]
            assert sorted(r["identifier"] for r in results) == sorted(cams)
            for cam in cams:
                assert (await sent(rig, cam, "GP-0072"))[-1] == bytes.fromhex("18")
                assert await status(rig, cam, ACTIVE_HILIGHTS) == 1
            code, out, err = await ctl(rig, "-i", cams[0], "-i", cams[1], "hilight")
            assert code == 0 and all(cam in out for cam in cams), (out, err)
            assert await status(rig, cams[1], ACTIVE_HILIGHTS) == 2
    run(scenario())


def test_turbo_transfer_on_and_off():
    async def scenario():
        async with Rig(["--cameras", "2"]) as rig:
            cams = await rig.ready(2)
            for cam in cams:
                await rig.sim.control("ClearReceived", "s", cam)
            code, out, err = await ctl(rig, "--all", "turbo", "on")
            assert code == 0 and all(cam in out for cam in cams), (out, err)
            for cam in cams:
                assert await sent(rig, cam, "GP-0072") == [bytes.fromhex("f1 6b 08 01")]
                assert await status(rig, cam, TURBO) == 1
            code, out, err = await ctl(rig, "-i", cams[0], "turbo", "off")
            assert code == 0, (out, err)
            assert (await sent(rig, cams[0], "GP-0072"))[-1] == bytes.fromhex("f1 6b 08 00")  # spec §9.3
            assert await status(rig, cams[0], TURBO) == 0
            assert await status(rig, cams[1], TURBO) == 1
    run(scenario())


def test_camera_control_external_idle_and_the_cameras_own_state_refused():
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.ready(1)
            await rig.sim.control("ClearReceived", "s", cam)
            code, out, err = await ctl(rig, "-i", cam, "control", "external")
            assert code == 0, (out, err)
            assert await sent(rig, cam, "GP-0072") == [bytes.fromhex("f1 69 08 02")]  # spec §7.1
            assert await status(rig, cam, CAMERA_CONTROL) == 2
            code, out, err = await ctl(rig, "--json", "-i", cam, "control", "idle")
            assert code == 0 and json.loads(out)["results"][0]["identifier"] == cam, (out, err)
            assert (await sent(rig, cam, "GP-0072"))[-1] == bytes.fromhex("f1 69 08 00")
            assert await status(rig, cam, CAMERA_CONTROL) == 0
            # CAMERA_CONTROL (1) is the camera's own state: it refuses it from a client.
            code, out, err = await ctl(rig, "-i", cam, "control", "control")
            assert code == 4, (out, err)
            assert "RESULT_ARGUMENT_INVALID" in err, err
            assert (await sent(rig, cam, "GP-0072"))[-1] == bytes.fromhex("f1 69 08 01")
            assert await status(rig, cam, CAMERA_CONTROL) == 0
    run(scenario())


def test_reboot_drops_the_link_and_the_cameras_come_back():
    async def scenario():
        async with Rig(["--cameras", "2"]) as rig:
            cams = await rig.ready(2)
            events = await rig.watch(cameras=cams, kinds=[pb.Event.KIND_STATE_CHANGED])
            for cam in cams:
                await rig.sim.control("ClearReceived", "s", cam)
            try:
                code, out, err = await ctl(rig, "--all", "reboot")
                assert code == 0 and all(cam in out for cam in cams), (out, err)
                for cam in cams:
                    assert (await sent(rig, cam, "GP-0072"))[0] == bytes.fromhex("11")

                # Each camera leaves READY, then is READY again (goprod reconnects it).
                await left_and_back(events, cams)
            finally:
                events.cancel()
    run(scenario())


def test_power_down_is_an_expected_disconnection():
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.ready(1)
            await rig.sim.control("ClearReceived", "s", cam)
            assert (await ctl(rig, "-i", cam, "shutter", "on"))[0] == 0
            code, out, err = await ctl(rig, "-i", cam, "power-down")
            assert code == 4 and "Power Down" in err, (out, err)  # not while recording
            assert (await ctl(rig, "-i", cam, "shutter", "off"))[0] == 0
            events = await rig.watch(cameras=[cam], kinds=[pb.Event.KIND_STATE_CHANGED])
            try:
                code, out, err = await ctl(rig, "-i", cam, "power-down")
                assert code == 0, (out, err)
                assert bytes.fromhex("04") in await sent(rig, cam, "GP-0072")

                # The first state after READY that says the link is gone (auto-connect may then wake it).
                async def gone():
                    async for event in events:
                        if event.camera.state != pb.CAMERA_STATE_READY:
                            return event.camera.state
                assert await asyncio.wait_for(gone(), 20) == pb.CAMERA_STATE_SLEEPING
            finally:
                events.cancel()
            assert "link lost" not in rig.daemon.output()
    run(scenario())


def test_usage_errors_exit_2_before_any_request():
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.ready(1)
            await rig.sim.control("ClearReceived", "s", cam)
            for args in (["control", "remote"], ["control"], ["turbo", "maybe"], ["turbo"], ["hilight", "now"]):
                code, out, err = await ctl(rig, "-i", cam, *args)
                assert code == 2, (args, out, err)
                assert err.strip(), args
            assert await rig.received(cam) == []
    run(scenario())


@pytest.mark.parametrize("command", ["hilight", "power-down", "reboot", "turbo", "control", "name"])
def test_help(command):
    async def scenario():
        async with Rig() as rig:
            code, out, _ = await ctl(rig, command, "--help")
            assert code == 0 and "Usage" in out and command in out
    run(scenario())


async def text_status(rig, cam, status_id):
    answer = await rig.stub.GetStatuses(pb.GetValuesRequest(target=pb.CameraRequest(cameras=[cam]), ids=[status_id]))
    (values,) = answer.cameras
    (value,) = values.values
    return value.text


STATION_SSID = 29


def test_wifi_release_leaves_the_network():
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.ready(1)
            code, out, err = await ctl(rig, "-i", cam, "wifi", "connect", "dabugdabug")
            assert code == 0, (out, err)
            assert await text_status(rig, cam, STATION_SSID) == "dabugdabug"
            await rig.sim.control("ClearReceived", "s", cam)
            code, out, err = await ctl(rig, "--json", "-i", cam, "wifi", "release")
            assert code == 0 and json.loads(out)["results"][0]["identifier"] == cam, (out, err)
            assert await sent(rig, cam, "GP-0072") == [bytes.fromhex("f1 78")]
            assert await text_status(rig, cam, STATION_SSID) == ""
    run(scenario())


def test_camera_name_where_the_model_has_it_and_where_it_does_not():
    async def scenario():
        async with Rig(["--model", "max2"]) as rig:
            (cam,) = await rig.ready(1)
            await rig.sim.control("ClearReceived", "s", cam)
            code, out, err = await ctl(rig, "-i", cam, "name", "Rig")
            assert code == 0, (out, err)
            assert await sent(rig, cam, "GP-0072") == [bytes.fromhex("f1 62 0a 03 52 69 67")]
            code, out, err = await ctl(rig, "-i", cam, "name", "x" * 33)
            assert code == 2, (out, err)
        async with Rig() as rig:  # a HERO12 lacks the operation: the 2-byte unsupported reply
            (cam,) = await rig.ready(1)
            code, out, err = await ctl(rig, "-i", cam, "name", "Rig")
            assert code == 4 and "does not support" in err, (out, err)
    run(scenario())
