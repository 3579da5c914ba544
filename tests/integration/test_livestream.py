"""group C, issue 15: live streaming through the real goproctl → goprod →
goprod-sim: `livestream start/status/stop`, the bytes the camera received,
the refusal without a network, the unreachable server, the sim's fault, and
the camera's pushes as KIND_LIVE_STREAM events."""
import asyncio
import json
import re

from goprod.v1 import goprod_pb2 as pb
from harness import goproctl, run
from rig import Rig

URL = "rtmp://stream.example/live"


async def ctl(rig, *args, timeout=60):
    return await goproctl(rig.daemon, *args, timeout=timeout)


async def on_network(rig):
    """A ready camera in station mode (the stream needs a network)."""
    (cam,) = await rig.ready(1)
    code, out, err = await ctl(rig, "-i", cam, "wifi", "connect", "dabugdabug")
    assert code == 0, (out, err)
    await rig.sim.control("ClearReceived", "s", cam)
    return cam


async def check_start_status_and_stop(rig, cam):
    """A stream started with its progress to streaming, its status, stopped: through goproctl on a camera
    in station mode, with the bytes the camera received. Also run through the real bluetoothd by tests/vm."""
    code, out, err = await ctl(rig, "-i", cam, "livestream", "start", URL, "--window", "720", "--lens",
                               "linear", "--min-kbps", "800", "--max-kbps", "8000", "--start-kbps", "1000")
    assert code == 0, (out, err)
    assert "streaming to " + URL in out
    # The progress, on stderr a line per step (not a terminal), in the flow's order.
    assert re.findall(r"^([a-z]+): ", err, re.M) == ["configuring", "ready", "starting", "streaming"], err
    sent = [m for c, m in await rig.received(cam) if c in ("GP-0072", "GP-0076")]
    # Set Live Stream Mode: url, encode, window 7, min 800, max 8000, start 1000, lens 4 (linear).
    mode = bytes.fromhex("f1 79 0a 1a") + URL.encode() + bytes.fromhex("10 01 18 07 38 a0 06 40 c0 3e 48 e8 07 50 04")
    register = bytes.fromhex("f5 74 08 01 08 02 08 03 08 04")
    shutter_on = bytes.fromhex("01 01 01")
    assert mode in sent and register in sent and shutter_on in sent, sent
    assert sent.index(mode) < sent.index(register) < sent.index(shutter_on), sent

    code, out, err = await ctl(rig, "-i", cam, "livestream", "status")
    assert code == 0, err
    assert cam in out and "streaming" in out and "1000 kbps" in out, out
    code, out, err = await ctl(rig, "--json", "-i", cam, "livestream", "status")
    status = json.loads(out)["cameras"][0]["status"]
    assert status["state"] == "LIVE_STREAM_STATE_STREAMING" and status["bitrateKbps"] == 1000, status
    assert status["windowSizes"] == [480, 720, 1080]

    await rig.sim.control("ClearReceived", "s", cam)
    code, out, err = await ctl(rig, "-i", cam, "livestream", "stop")
    assert code == 0 and cam in out and "ok" in out, (out, err)
    assert ("GP-0072", bytes.fromhex("01 01 00")) in await rig.received(cam)
    code, out, _ = await ctl(rig, "-i", cam, "livestream", "status")
    assert "complete-stay-on" in out, out


def test_start_status_and_stop_through_goproctl():
    async def scenario():
        async with Rig() as rig:
            await check_start_status_and_stop(rig, await on_network(rig))
    run(scenario())


def test_start_progress_as_json_lines():
    async def scenario():
        async with Rig() as rig:
            cam = await on_network(rig)
            code, out, err = await ctl(rig, "--json", "-i", cam, "livestream", "start", URL, "--no-encode")
            assert code == 0, err
            steps = [json.loads(line) for line in out.splitlines()]
            assert [s["step"] for s in steps] == ["STEP_CONFIGURING", "STEP_READY", "STEP_STARTING",
                                                  "STEP_STREAMING"], steps
            assert steps[1]["status"]["state"] == "LIVE_STREAM_STATE_READY"
            assert steps[-1]["status"]["state"] == "LIVE_STREAM_STATE_STREAMING"
            assert steps[-1]["status"]["encode"] is False  # --no-encode reached the camera
    run(scenario())


def test_refused_without_a_network():
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.ready(1)
            code, out, err = await ctl(rig, "-i", cam, "livestream", "start", URL)
            assert code == 4, (out, err)
            assert "RESULT_RESOURCE_NOT_AVAILABLE" in err and "wifi connect" in err, err
            assert ("GP-0072", bytes.fromhex("01 01 01")) not in await rig.received(cam)
    run(scenario())


def test_unreachable_server_fails_before_the_shutter():
    async def scenario():
        async with Rig() as rig:
            cam = await on_network(rig)
            code, out, err = await ctl(rig, "-i", cam, "livestream", "start", "rtmp://nowhere.invalid/live")
            assert code == 4, (out, err)
            assert "FAILED_STAY_ON" in err and "LIVE_STREAM_ERROR_CREATESTREAM" in err, err
            assert ("GP-0072", bytes.fromhex("01 01 01")) not in await rig.received(cam)
    run(scenario())


def test_bad_arguments_are_usage_errors_before_any_request():
    async def scenario():
        async with Rig() as rig:
            cam = await on_network(rig)
            for args in (["--window", "600"], ["--lens", "fisheye"], ["--max-kbps", "9000"],
                         ["--min-kbps", "2000", "--max-kbps", "1000"]):
                code, out, err = await ctl(rig, "-i", cam, "livestream", "start", URL, *args)
                assert code in (2, 4), (args, out, err)
                if code == 4:  # checked by goprod: INVALID_ARGUMENT is exit 2 too, never a camera rejection
                    raise AssertionError((args, err))
            assert await rig.received(cam) == []
    run(scenario())


def test_pushes_become_live_stream_events_and_the_fault_fails_the_stream():
    async def scenario():
        async with Rig() as rig:
            cam = await on_network(rig)
            code, _, err = await ctl(rig, "-i", cam, "livestream", "start", URL)
            assert code == 0, err
            events = await rig.watch(cameras=[cam], kinds=[pb.Event.KIND_LIVE_STREAM])
            await rig.sim.control("FailLiveStream", "s", cam)

            async def until_failed():
                async for event in events:
                    assert event.kind == pb.Event.KIND_LIVE_STREAM
                    if event.live_stream.state == pb.LIVE_STREAM_STATE_FAILED_STAY_ON:
                        return event
            event = await asyncio.wait_for(until_failed(), 10)
            events.cancel()
            assert event.live_stream.error_name == "LIVE_STREAM_ERROR_NETWORK"
            assert event.message[:2] == bytes.fromhex("f5 f5")
            code, out, _ = await ctl(rig, "-i", cam, "livestream", "status")
            assert "failed-stay-on" in out and "LIVE_STREAM_ERROR_NETWORK" in out, out
    run(scenario())


def test_stop_on_several_cameras():
    async def scenario():
        async with Rig(["--cameras", "2"]) as rig:
            await rig.ready(2)
            code, out, err = await ctl(rig, "--all", "livestream", "stop")
            assert code == 0, err
            assert out.count("ok") >= 2, out
    run(scenario())


def test_python_package_reads_the_status_and_stops():
    async def scenario():
        async with Rig() as rig:
            import goprod
            cam = await on_network(rig)
            code, _, err = await ctl(rig, "-i", cam, "livestream", "start", URL, "--start-kbps", "2000")
            assert code == 0, err
            with goprod.Client(rig.daemon.target) as client:
                (status,) = await asyncio.to_thread(client.live_stream_status, cam)
                assert status.result.identifier == cam
                assert status.status.state == pb.LIVE_STREAM_STATE_STREAMING and status.status.bitrate_kbps == 2000
                (result,) = await asyncio.to_thread(client.stop_live_stream, cam)
                assert result.identifier == cam
            assert ("GP-0072", bytes.fromhex("01 01 00")) in await rig.received(cam)
    run(scenario())
