"""issue 15 G: the goproctl contract of the issue-15 commands through the real
goproctl → goprod → goprod-sim: fields goprod refuses before the camera sees
them (exit 2), and several cameras at once for the commands that take them."""
import asyncio
import json
import os
import tempfile

from goprod.v1 import goprod_pb2 as pb
from harness import GOPROCTL, run
from rig import Rig, left_and_back
from test_livestream import URL, ctl, on_network


def test_livestream_start_refuses_what_the_camera_cannot_use_before_sending_it():
    async def scenario():
        async with Rig() as rig:
            cam = await on_network(rig)
            with tempfile.TemporaryDirectory() as folder:
                not_pem = os.path.join(folder, "ca.txt")
                with open(not_pem, "w") as file:
                    file.write("not a certificate\n")
                huge = os.path.join(folder, "huge.pem")
                with open(huge, "w") as file:
                    file.write("-----BEGIN CERTIFICATE-----\n" + "A" * 9000 + "\n-----END CERTIFICATE-----\n")
                for args, message in (
                        (["http://stream.example/live"], "the stream URL must start with rtmp:// or rtmps://"),
                        (["stream.example/live"], "the stream URL must start with rtmp:// or rtmps://"),
                        ([URL, "--cert", not_pem], "the certificate is not PEM"),
                        ([URL, "--cert", huge], "at most 8191 fit in one message")):
                    code, out, err = await ctl(rig, "-i", cam, "livestream", "start", *args)
                    assert code == 2, (args, out, err)
                    assert message in err, (args, err)
            assert await rig.received(cam) == []
    run(scenario())


def test_the_six_multi_camera_commands_on_two_cameras_with_repeated_i_and_json():
    async def scenario():
        async with Rig(["--cameras", "2"]) as rig:
            cams = await rig.ready(2)
            both = ["-i", cams[0], "-i", cams[1]]

            async def each(*command):
                """The command on both cameras with --json: one result per camera, each ok; the bytes each got."""
                for cam in cams:
                    await rig.sim.control("ClearReceived", "s", cam)
                code, out, err = await ctl(rig, "--json", *both, *command)
                assert code == 0, (command, out, err)
                results = json.loads(out)["results"]
                assert sorted(r["identifier"] for r in results) == cams, (command, results)
                assert all(r.get("code", 0) == 0 for r in results), (command, results)
                return [[m for c, m in await rig.received(cam) if c == "GP-0072"] for cam in cams]

            assert (await ctl(rig, *both, "shutter", "on"))[0] == 0
            assert await each("hilight") == [[bytes.fromhex("18")]] * 2
            assert await each("livestream", "stop") == [[bytes.fromhex("01 01 00")]] * 2  # shutter off
            assert await each("control", "external") == [[bytes.fromhex("f1 69 08 02")]] * 2
            assert await each("turbo", "on") == [[bytes.fromhex("f1 6b 08 01")]] * 2
            assert await each("turbo", "off") == [[bytes.fromhex("f1 6b 08 00")]] * 2
            assert await each("control", "idle") == [[bytes.fromhex("f1 69 08 00")]] * 2

            # Reboot: each camera leaves READY and comes back (goprod reconnects it).
            events = await rig.watch(cameras=cams, kinds=[pb.Event.KIND_STATE_CHANGED])
            try:
                assert [m[:1] for m in await each("reboot")] == [[bytes.fromhex("11")]] * 2

                await left_and_back(events, cams)
            finally:
                events.cancel()

            # Power down: both go to sleep, as asked for (no "link lost", which the reboot was).
            before = len(rig.daemon.output())
            events = await rig.watch(cameras=cams, kinds=[pb.Event.KIND_STATE_CHANGED])
            try:
                assert [m[:1] for m in await each("power-down")] == [[bytes.fromhex("04")]] * 2

                async def asleep():
                    states = {}
                    async for event in events:
                        if event.camera.state != pb.CAMERA_STATE_READY:
                            states.setdefault(event.camera.identifier, event.camera.state)
                        if len(states) == 2:
                            return states
                states = await asyncio.wait_for(asleep(), 20)
                assert set(states.values()) == {pb.CAMERA_STATE_SLEEPING}, states
            finally:
                events.cancel()
            assert "link lost" not in rig.daemon.output()[before:]
    run(scenario())


def test_name_is_for_one_camera():
    async def scenario():
        async with Rig(["--cameras", "2", "--model", "max2"]) as rig:
            cams = await rig.ready(2)
            for cam in cams:
                await rig.sim.control("ClearReceived", "s", cam)
            for selection in (["-i", cams[0], "-i", cams[1]], ["--all"]):
                code, out, err = await ctl(rig, *selection, "name", "Rig")
                assert code == 2 and "name works on one camera" in err, (selection, out, err)
            for cam in cams:
                assert await rig.received(cam) == []
            code, out, err = await ctl(rig, "-i", cams[1], "name", "Rig")
            assert code == 0 and cams[1] in out, (out, err)
            assert await rig.received(cams[0]) == []
            assert await rig.received(cams[1]) == [("GP-0072", bytes.fromhex("f1 62 0a 03 52 69 67"))]
    run(scenario())


async def ctl_stdin(rig, *args, stdin):
    proc = await asyncio.create_subprocess_exec(
        GOPROCTL, "--socket", rig.daemon.target, *args, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(stdin), 60)
    return proc.returncode, out.decode(), err.decode()


def test_cohn_provision_exit_codes_as_documented():
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.ready(1)
            # 3: a network the camera does not see.
            code, out, err = await ctl_stdin(rig, "-i", cam, "cohn", "provision", "NoSuchNetwork",
                                             "--password-stdin", stdin=b"password1\n")
            assert code == 3 and 'does not see a network named "NoSuchNetwork"' in err, (out, err)
            # 4: the network refuses the password.
            code, out, err = await ctl_stdin(rig, "-i", cam, "cohn", "provision", "ATTTp4r6Fi",
                                             "--password-stdin", stdin=b"wrong-password\n")
            assert code == 4 and "the network refused the password" in err, (out, err)
            assert out == ""
    run(scenario())
