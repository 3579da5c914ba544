"""A disconnection as users see it: `disconnect` prints the state it leads to,
`watch` shows an error only on the event the failure caused, and only real
failures (a link lost, a failed attempt) become a camera's LAST ERROR, never a
disconnection a user asked for. The real goproctl → the real goprod →
goprod-sim (which, like bluetoothd, answers Disconnect() before it signals
Connected=false) on a private bus."""
import asyncio
import json
import signal

from goprod.v1 import goprod_pb2 as pb

from harness import goproctl, run
from rig import Rig, read_until, start_watch


async def ctl(rig, *args, timeout=60):
    return await goproctl(rig.daemon, *args, timeout=timeout)


async def camera_json(rig, cam):
    code, out, err = await ctl(rig, "--json", "-i", cam, "list")
    assert code == 0, (out, err)
    (camera,) = json.loads(out)["cameras"]
    return camera


def test_disconnect_prints_the_resulting_state_and_is_no_error():
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.ready(1)
            code, out, err = await ctl(rig, "-i", cam, "disconnect")
            assert code == 0, (out, err)
            header, row = out.splitlines()
            assert "disconnected" in row and "ready" not in row, out
            assert "the camera disconnected" not in out, "no LAST ERROR: " + out
            camera = await camera_json(rig, cam)
            assert camera["state"] == "CAMERA_STATE_DISCONNECTED" and camera["lastError"] == "", camera

            await rig.connect(cam)
            code, out, err = await ctl(rig, "--json", "-i", cam, "disconnect")
            assert code == 0, (out, err)
            camera = json.loads(out)
            assert camera["state"] == "CAMERA_STATE_DISCONNECTED" and camera["lastError"] == "", camera
    run(scenario())


def test_a_real_failure_stays_the_last_error_after_a_disconnect():
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.discover(1)
            await rig.sim.control("RefusePairing", "sb", cam, True)
            # Connect retries until its deadline (issue 12 item 2): a short one will do.
            code, out, err = await ctl(rig, "-i", cam, "--timeout", "3", "connect")
            assert code == 4 and "pairing failed" in err, (code, out, err)
            failure = (await camera_json(rig, cam))["lastError"]
            assert failure.startswith("pairing failed"), failure
            code, out, err = await ctl(rig, "--json", "-i", cam, "disconnect")  # goprod was retrying
            assert code == 0, (out, err)
            camera = json.loads(out)
            assert camera["state"] == "CAMERA_STATE_DISCONNECTED" and camera["lastError"] == failure, camera
            code, out, err = await ctl(rig, "-i", cam, "list")
            assert out.splitlines()[1].rstrip().endswith(failure), out
    run(scenario())


def test_watch_shows_an_error_only_on_the_event_it_belongs_to():
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.ready(1)  # auto-connect on: goprod reconnects after the loss
            proc, lines = await start_watch(rig, cam)
            try:
                start = len(lines)
                await rig.sim.control("DropLink", "s", cam)
                lost = await read_until(proc, lines, lambda line: "link lost" in line)
                await read_until(proc, lines, lambda line: line.rstrip().endswith("ready"))
            finally:
                proc.send_signal(signal.SIGINT)
                await proc.wait()
            assert lost.rstrip().endswith("link lost: the camera disconnected"), lost
            states = [line for line in lines[start:] if "state-changed" in line]
            after = states[states.index(lost) + 1:]
            assert len(after) >= 2, lines  # connecting ... ready
            for line in after:
                assert "disconnected" not in line, "an old error repeated:\n" + "".join(lines[start:])
    run(scenario())


def test_events_carry_the_error_of_their_own_change_only():
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.ready(1)
            events = await rig.watch(cameras=[cam], kinds=[pb.Event.KIND_STATE_CHANGED])
            await rig.sim.control("DropLink", "s", cam)
            seen = []

            async def until_ready():
                async for event in events:
                    seen.append(event)
                    if event.camera.state == pb.CAMERA_STATE_READY:
                        return
            await asyncio.wait_for(until_ready(), 30)
            events.cancel()
            assert seen[0].camera.state == pb.CAMERA_STATE_LINK_LOST, seen
            assert seen[0].error == "the camera disconnected" and seen[0].code == 14, seen[0]
            for event in seen[1:]:
                assert event.error == "" and event.code == 0, event
    run(scenario())
