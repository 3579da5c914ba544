"""issue 15 group E through the real goprod on goprod-sim, driven by goproctl:
the camera clock read back (date-time get), the last captured media
(last-media), external control claimed for the session (config and
control --session) and given back on disconnect; the bytes that reach the
camera, the answer, the exit codes."""
import asyncio
import datetime
import json
import os

from goprod.v1 import goprod_pb2 as pb
from harness import goproctl, run
from rig import Rig


async def ctl(rig, *args):
    return await goproctl(rig.daemon, *args, timeout=60)


async def sent(rig, cam, characteristic):
    return [m for c, m in await rig.received(cam) if c == characteristic]


def instant(text):
    """protobuf's JSON Timestamp ("2026-12-07T03:45:00Z") as an aware datetime."""
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def now():
    return datetime.datetime.now(datetime.timezone.utc)


# --- date-time get / set ------------------------------------------------------------


def test_date_time_get_reads_the_local_clock_with_offset_and_dst_on_every_camera():
    async def scenario():
        async with Rig(["--cameras", "2"]) as rig:
            cams = await rig.ready(2)
            for cam in cams:
                await rig.sim.control("ClearReceived", "s", cam)
            code, out, err = await ctl(rig, "--all", "date-time", "set", "--utc-offset", "330", "--dst")
            assert code == 0 and all(cam in out for cam in cams), (out, err)
            for cam in cams:
                (message,) = await sent(rig, cam, "GP-0072")
                assert message[:2] == bytes.fromhex("0f 0a") and message[-3:] == bytes.fromhex("01 4a 01"), message

            before = now()
            code, out, err = await ctl(rig, "--json", "--all", "date-time", "get")
            assert code == 0, (out, err)
            answers = json.loads(out)["cameras"]
            assert sorted(a["result"]["identifier"] for a in answers) == sorted(cams)
            for answer in answers:
                assert answer["utcOffsetMinutes"] == 330 and answer["dst"] is True, answer
                # The camera's wall clock is UTC + 5:30; the instant is now.
                clock = instant(answer["time"])
                assert abs((clock - before).total_seconds()) < 30, (answer, before)
                wall = datetime.datetime.fromisoformat(answer["localTime"]).replace(tzinfo=datetime.timezone.utc)
                assert wall - clock == datetime.timedelta(minutes=330), answer
            for cam in cams:
                assert (await sent(rig, cam, "GP-0072"))[-1] == bytes.fromhex("10")  # Get Local Date Time, spec §4

            code, out, err = await ctl(rig, "-i", cams[0], "date-time", "get")
            assert code == 0 and cams[0] in out and "+05:30" in out and "yes" in out, (out, err)

            # The old form still sets: bare `date-time` with its options.
            code, out, err = await ctl(rig, "-i", cams[1], "date-time", "--utc-offset", "-60")
            assert code == 0, (out, err)
            assert (await sent(rig, cams[1], "GP-0072"))[-1][-3:] == bytes.fromhex("ff c4 00")
            code, out, err = await ctl(rig, "--json", "-i", cams[1], "date-time", "get")
            (answer,) = json.loads(out)["cameras"]
            assert answer["utcOffsetMinutes"] == -60 and answer["dst"] is False, answer

            code, out, err = await ctl(rig, "-i", cams[0], "date-time", "get", "--utc-offset", "60")
            assert code == 2 and "date-time set" in err, (out, err)
    run(scenario())


def test_date_time_get_falls_back_to_get_date_time_before_hero11():
    async def scenario():
        async with Rig(["--model", "hero10"]) as rig:
            (cam,) = await rig.ready(1)
            # Set Date Time without an offset: this host's local time.
            code, out, err = await ctl(rig, "-i", cam, "date-time", "set")
            assert code == 0, (out, err)
            await rig.sim.control("ClearReceived", "s", cam)
            before = now()
            code, out, err = await ctl(rig, "--json", "-i", cam, "date-time", "get")
            assert code == 0, (out, err)
            (answer,) = json.loads(out)["cameras"]
            assert "utcOffsetMinutes" not in answer, answer
            assert abs((instant(answer["time"]) - before).total_seconds()) < 30, (answer, before)
            # Get Local Date Time is refused (HERO10 lacks it), then Get Date Time.
            assert await sent(rig, cam, "GP-0072") == [bytes.fromhex("10"), bytes.fromhex("0e")]
            code, out, err = await ctl(rig, "-i", cam, "date-time", "get")
            assert code == 0 and answer["localTime"] in out, (out, err)
    run(scenario())


# --- last-media -----------------------------------------------------------------------

LAST_MEDIA = bytes.fromhex("f5 6d")  # Get Last Captured Media, spec §8.1


def test_last_media_names_the_last_capture_and_is_refused_before_any():
    async def scenario():
        async with Rig(["--cameras", "2"]) as rig:
            cams = await rig.ready(2)
            for cam in cams:
                await rig.sim.control("ClearReceived", "s", cam)
            code, out, err = await ctl(rig, "-i", cams[0], "last-media")
            assert code == 4, (out, err)  # FAILED_PRECONDITION: nothing captured yet
            assert "RESULT_RESOURCE_NOT_AVAILABLE" in err, err
            assert await sent(rig, cams[0], "GP-0076") == [LAST_MEDIA]

            assert (await ctl(rig, "--all", "shutter", "on"))[0] == 0
            assert (await ctl(rig, "--all", "shutter", "off"))[0] == 0
            code, out, err = await ctl(rig, "--json", "--all", "last-media")
            assert code == 0, (out, err)
            answers = json.loads(out)["cameras"]
            assert sorted(a["result"]["identifier"] for a in answers) == sorted(cams)
            for answer in answers:
                assert (answer["folder"], answer["file"]) == ("100GOPRO", "GX010001.MP4"), answer
            for cam in cams:
                assert (await sent(rig, cam, "GP-0076"))[-1] == LAST_MEDIA

            # A photo: the file once the camera has taken it (encoding back to 0).
            cam = cams[1]
            assert (await ctl(rig, "-i", cam, "preset-group", "photo"))[0] == 0
            pushes = await rig.watch(cameras=[cam], kinds=[pb.Event.KIND_STATUS])
            try:
                assert (await ctl(rig, "-i", cam, "shutter", "on"))[0] == 0

                async def until_taken():
                    async for event in pushes:
                        if any(v.id == 10 and v.raw == b"\x00" for v in event.values):
                            return
                await asyncio.wait_for(until_taken(), 10)
            finally:
                pushes.cancel()
            code, out, err = await ctl(rig, "-i", cam, "last-media")
            assert code == 0 and cam in out and "100GOPRO/GOPR0002.JPG" in out, (out, err)
            code, out, err = await ctl(rig, "-i", cams[0], "last-media")
            assert code == 0 and "100GOPRO/GX010001.MP4" in out, (out, err)
    run(scenario())


def test_last_media_on_a_camera_without_it():
    async def scenario():
        async with Rig(["--model", "hero11"]) as rig:
            (cam,) = await rig.ready(1)
            code, out, err = await ctl(rig, "--json", "-i", cam, "last-media")
            assert code == 4, (out, err)
            assert "does not support it" in err, err
            (answer,) = json.loads(out)["cameras"]
            assert answer["result"]["code"] == 9 and answer.get("file", "") == "", answer
    run(scenario())


# --- external control for the session ------------------------------------------------

CLAIM, RELEASE = bytes.fromhex("f1 69 08 02"), bytes.fromhex("f1 69 08 00")  # spec §7.1


class ClaimingRig(Rig):
    """goprod with [bluetooth] claim_control = true."""

    async def start_daemon(self):
        with open(os.path.join(self.tmp.name, "goprod.conf"), "w") as f:
            f.write("[bluetooth]\nclaim_control = true\n")
        await super().start_daemon()


async def held(rig, cam):
    """The control status the simulated camera holds: 0 idle, 2 external."""
    (status,) = await rig.sim.control("CameraControl", "s", cam)
    return status


async def claimed(rig, cam):
    code, out, err = await ctl(rig, "--json", "list")
    assert code == 0, (out, err)
    (camera,) = [c for c in json.loads(out)["cameras"] if c["identifier"] == cam]
    return camera["controlClaimed"]


def test_claim_control_in_every_session_and_release_on_disconnect():
    async def scenario():
        async with ClaimingRig() as rig:
            (cam,) = await rig.ready(1)
            assert CLAIM in await sent(rig, cam, "GP-0072")  # a session step
            assert await held(rig, cam) == 2 and await claimed(rig, cam) is True
            code, out, err = await ctl(rig, "list")
            assert code == 0 and "ready, external control" in out, (out, err)

            # Claimed already: not sent again.
            await rig.sim.control("ClearReceived", "s", cam)
            code, out, err = await ctl(rig, "-i", cam, "control", "external", "--session")
            assert code == 0 and cam in out, (out, err)
            assert await sent(rig, cam, "GP-0072") == []

            # Disconnect gives control back first, through the queue.
            code, out, err = await ctl(rig, "-i", cam, "disconnect")
            assert code == 0, (out, err)
            assert await sent(rig, cam, "GP-0072") == [RELEASE]
            assert await held(rig, cam) == 0

            code, out, err = await ctl(rig, "-i", cam, "connect")
            assert code == 0, (out, err)
            assert await held(rig, cam) == 2 and await claimed(rig, cam) is True
    run(scenario())


def test_a_camera_that_does_not_answer_the_release_is_still_disconnected():
    async def scenario():
        async with ClaimingRig() as rig:
            (cam,) = await rig.ready(1)
            await rig.sim.control("ClearReceived", "s", cam)
            await rig.sim.control("NeverAnswerNext", "s", cam)
            code, out, err = await ctl(rig, "--json", "-i", cam, "disconnect")
            assert code == 0, (out, err)
            assert json.loads(out)["state"] == "CAMERA_STATE_DISCONNECTED", out
            assert await sent(rig, cam, "GP-0072") == [RELEASE]  # swallowed by the camera
            assert await held(rig, cam) == 2
    run(scenario())


def test_control_session_claims_and_releases_per_camera():
    async def scenario():
        async with Rig(["--cameras", "2"]) as rig:
            cams = await rig.ready(2)
            for cam in cams:
                assert await held(rig, cam) == 0 and await claimed(rig, cam) is False  # off by default
                assert CLAIM not in await sent(rig, cam, "GP-0072")
                await rig.sim.control("ClearReceived", "s", cam)
            code, out, err = await ctl(rig, "--all", "control", "external", "--session")
            assert code == 0 and all(cam in out for cam in cams), (out, err)
            for cam in cams:
                assert await sent(rig, cam, "GP-0072") == [CLAIM]
                assert await held(rig, cam) == 2 and await claimed(rig, cam) is True

            # Released: idle now, nothing more on disconnect.
            code, out, err = await ctl(rig, "-i", cams[0], "control", "idle", "--session")
            assert code == 0, (out, err)
            assert await sent(rig, cams[0], "GP-0072") == [CLAIM, RELEASE]
            assert await held(rig, cams[0]) == 0 and await claimed(rig, cams[0]) is False
            assert (await ctl(rig, "-i", cams[0], "disconnect"))[0] == 0
            assert await sent(rig, cams[0], "GP-0072") == [CLAIM, RELEASE]

            # Still claimed: given back on disconnect.
            assert (await ctl(rig, "-i", cams[1], "disconnect"))[0] == 0
            assert await sent(rig, cams[1], "GP-0072") == [CLAIM, RELEASE]
            assert await held(rig, cams[1]) == 0

            code, out, err = await ctl(rig, "-i", cams[1], "control", "control", "--session")
            assert code == 2, (out, err)
    run(scenario())
