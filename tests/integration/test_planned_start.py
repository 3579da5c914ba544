"""issue 17: a planned start (SetShutter.start_at, goproctl shutter on --at) on the real
goprod and goprod-sim: every camera's write leaves at or after the instant, requests
near it wait, bad instants are refused, and a start cancelled before its instant
sends nothing. How tight the start is (the spread) is a figure of bench/, not asserted."""
import asyncio
import json
import time

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from goprod.v1 import goprod_pb2 as pb
from harness import goproctl
from rig import BudgetRig, Rig

SHUTTER_ON = ("GP-0072", bytes.fromhex("01 01 01"))


def at(seconds_from_now):
    stamp = Timestamp()
    stamp.FromNanoseconds(time.time_ns() + int(seconds_from_now * 1e9))
    return stamp


def nanos(stamp):
    return stamp.seconds * 1_000_000_000 + stamp.nanos


async def planned_start(rig, count, lead=1.0):
    """Shutter on for every camera at `lead` s from now; the MultiResult."""
    request = pb.SetShutterRequest(target=pb.CameraRequest(all=True), on=True, start_at=at(lead))
    result = await rig.stub.SetShutter(request, timeout=lead + 20)
    assert len(result.results) == count, result
    planned = nanos(request.start_at)
    sent = []
    for camera in result.results:
        assert camera.code == 0, camera
        assert nanos(camera.planned) == planned, camera
        assert nanos(camera.sent) >= planned, f"{camera.identifier} written before the instant"
        assert nanos(camera.acknowledged) >= nanos(camera.sent), camera
        sent.append(nanos(camera.sent))
    assert result.spread.ToNanoseconds() == max(sent) - min(sent), result.spread
    for camera in result.results:
        assert SHUTTER_ON in await rig.received(camera.identifier)
    return result


def test_a_planned_start_on_8_cameras_writes_every_camera_after_the_instant():
    async def scenario():
        async with Rig(["--cameras", "8", "--adapters", "2"]) as rig:
            await rig.ready(8)
            await planned_start(rig, 8)
            # goproctl: the same, with its table.
            code, out, err = await goproctl(rig.daemon, "--all", "shutter", "off", "--at", "+0.5s")
            assert code == 0, (code, out, err)
            assert out.splitlines()[0].split()[-2:] == ["AFTER", "PLAN"], out
            assert "planned start: " in out and "start skew: " in out, out
    asyncio.run(scenario())


def test_a_planned_start_on_64_cameras_on_8_adapters():
    async def scenario():
        async with BudgetRig(16, ["--cameras", "64", "--adapters", "8", "--paired"]) as rig:
            await rig.ready(64)
            await planned_start(rig, 64, lead=2.0)
    asyncio.run(scenario())


def test_a_request_near_the_instant_waits_until_the_planned_write_is_answered():
    async def scenario():
        async with Rig(["--cameras", "1"]) as rig:
            (cam,) = await rig.ready(1)
            request = pb.SetShutterRequest(target=pb.CameraRequest(cameras=[cam]), on=True, start_at=at(1.5))
            shutter = asyncio.ensure_future(rig.stub.SetShutter(request, timeout=20))
            # 0.5 s before the instant: within the second the link is kept free.
            await asyncio.sleep(max(0, (nanos(request.start_at) - time.time_ns()) / 1e9 - 0.5))
            query = await rig.stub.GetStatuses(
                pb.GetValuesRequest(target=pb.CameraRequest(cameras=[cam]), ids=[70]), timeout=10)
            result = (await shutter).results[0]
            assert nanos(query.cameras[0].result.sent) >= nanos(result.acknowledged), \
                "the query was written before the planned shutter was answered"
            received = [m for m in await rig.received(cam) if m[0] == "GP-0076"]
            assert received, "the query reached the camera"
    asyncio.run(scenario())


def test_a_start_in_the_past_too_soon_or_too_far_ahead_is_refused():
    async def scenario():
        async with Rig(["--cameras", "1"]) as rig:
            (cam,) = await rig.ready(1)
            for lead, message in ((-5, "must be at least 100 ms ahead"), (0.01, "must be at least 100 ms ahead"),
                                  (700, "at most 10 minutes")):
                try:
                    await rig.stub.SetShutter(pb.SetShutterRequest(
                        target=pb.CameraRequest(cameras=[cam]), on=True, start_at=at(lead)), timeout=5)
                    raise AssertionError(f"a start {lead} s ahead was accepted")
                except grpc.aio.AioRpcError as error:
                    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error
                    assert message in error.details(), error.details()
            code, out, err = await goproctl(rig.daemon, "-i", cam, "shutter", "on", "--at", "2020-01-01T00:00:00Z")
            assert code == 2 and "must be at least 100 ms ahead" in err, (code, out, err)
            assert SHUTTER_ON not in await rig.received(cam)
    asyncio.run(scenario())


def test_a_start_cancelled_before_its_instant_sends_nothing():
    async def scenario():
        async with Rig(["--cameras", "1"]) as rig:
            (cam,) = await rig.ready(1)
            request = pb.SetShutterRequest(target=pb.CameraRequest(cameras=[cam]), on=True, start_at=at(1.0))
            call = rig.stub.SetShutter(request, timeout=20)
            # Planned: the camera's queue holds it.
            deadline = time.monotonic() + 10
            while (await rig.stub.GetCamera(pb.GetCameraRequest(camera=cam))).queue_depth != 1:
                assert time.monotonic() < deadline, "the planned request never reached the camera's queue"
            call.cancel()
            try:
                await call
                raise AssertionError("the cancelled start answered")
            except asyncio.CancelledError:
                pass
            # Past the instant, a request goes through: the queue is past it, and never wrote the shutter.
            await asyncio.sleep(max(0, (nanos(request.start_at) - time.time_ns()) / 1e9))
            await rig.stub.GetStatuses(pb.GetValuesRequest(target=pb.CameraRequest(cameras=[cam]), ids=[70]),
                                       timeout=10)
            assert SHUTTER_ON not in await rig.received(cam)
            assert (await rig.stub.GetCamera(pb.GetCameraRequest(camera=cam))).queue_depth == 0
    asyncio.run(scenario())


def test_date_time_is_written_at_the_start_of_the_second_it_carries():
    async def scenario():
        async with Rig(["--cameras", "4"]) as rig:
            await rig.ready(4)
            code, out, err = await goproctl(rig.daemon, "--all", "--json", "date-time", "--utc-offset", "0")
            assert code == 0, (code, out, err)
            result = json.loads(out)
            planned = {r["planned"] for r in result["results"]}
            assert len(planned) == 1, planned  # one second for every camera
            for camera in result["results"]:
                stamp = Timestamp()
                stamp.FromJsonString(camera["planned"])
                assert stamp.nanos == 0, camera
                sent = Timestamp()
                sent.FromJsonString(camera["sent"])
                assert nanos(sent) >= nanos(stamp), camera
                # Set Local Date Time (0F 0A yyyy mm dd hh mi ss, offset, dst) carries that second.
                *_, message = [m for c, m in await rig.received(camera["identifier"]) if m[:1] == b"\x0f"]
                utc = time.gmtime(stamp.seconds)
                assert tuple(message[6:9]) == (utc.tm_hour, utc.tm_min, utc.tm_sec), message.hex()
    asyncio.run(scenario())


def test_status_gives_the_daemons_clock_and_its_offset_from_here():
    async def scenario():
        async with Rig(["--cameras", "1"]) as rig:
            code, out, err = await goproctl(rig.daemon, "--json", "status")
            status = json.loads(out)
            stamp = Timestamp()
            stamp.FromJsonString(status["clock"])
            assert abs(nanos(stamp) - time.time_ns()) < 5e9, status["clock"]
            assert "known" in status["clockSync"], status
            code, out, err = await goproctl(rig.daemon, "status")
            (row,) = [line for line in out.splitlines() if line.startswith("clock")]
            assert "offset from this machine" in row, out
    asyncio.run(scenario())
