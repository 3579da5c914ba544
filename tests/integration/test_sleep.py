"""Sleep through goproctl on goprod-sim, whose camera answers Sleep and drops the
link in the same instant (as a real camera): goprod must take that disconnect
for the sleep it asked for, whichever of the answer and the link-down it handles
first, and with auto-connect off must not wake the camera again."""
import asyncio

from goprod.v1 import goprod_pb2 as pb
from harness import goproctl, run
from rig import Rig

ROUNDS = 25


async def ctl(rig, *args):
    code, out, err = await goproctl(rig.daemon, *args, timeout=60)
    assert code == 0, (args, out, err)
    return out


def test_sleep_with_auto_connect_off_ends_asleep_every_time():
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.discover(1)
            events = await rig.watch(cameras=[cam], kinds=[pb.Event.KIND_STATE_CHANGED])
            states = asyncio.Queue()

            async def collect():
                async for event in events:
                    states.put_nowait(event.camera.state)
            collector = asyncio.ensure_future(collect())

            async def next_state(wanted):
                while True:
                    state = await asyncio.wait_for(states.get(), 20)
                    if state in wanted:
                        return state
            try:
                for round in range(ROUNDS):
                    await ctl(rig, "-i", cam, "auto-connect", "off")
                    await ctl(rig, "-i", cam, "connect")
                    assert await next_state({pb.CAMERA_STATE_READY}) == pb.CAMERA_STATE_READY
                    await ctl(rig, "-i", cam, "sleep")
                    # The first state after ready that says the link is gone.
                    after = await next_state({pb.CAMERA_STATE_SLEEPING, pb.CAMERA_STATE_LINK_LOST,
                                              pb.CAMERA_STATE_DISCONNECTED, pb.CAMERA_STATE_CONNECTING})
                    assert after == pb.CAMERA_STATE_SLEEPING, f"round {round}: {pb.CameraState.Name(after)}"
                    listed = await ctl(rig, "-i", cam, "list")
                    row = next(line.split() for line in listed.splitlines() if line.startswith(cam))
                    assert row[3] == "sleeping", f"round {round}:\n{listed}"
                    (cameras,) = await rig.sim.control("ListCameras")
                    assert not cameras[0][4], f"round {round}: the sleeping camera was reconnected"
            finally:
                events.cancel()
                collector.cancel()
            output = rig.daemon.output()
            # One connection per `connect`: nothing woke the camera between them.
            assert output.count(f"connecting camera {cam} on") == ROUNDS, output
            assert "link lost" not in output, output
    run(scenario())


def test_a_sleep_sent_as_raw_bytes_is_a_sleep_too():
    """goprod recognises its own Sleep and one a client writes by hand alike:
    the camera's disconnect that follows is no link loss."""
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.discover(1)
            await ctl(rig, "-i", cam, "auto-connect", "off")
            await rig.connect(cam)
            events = await rig.watch(cameras=[cam], kinds=[pb.Event.KIND_STATE_CHANGED])
            try:
                raw = await rig.stub.SendRaw(pb.SendRawRequest(camera=cam, characteristic=pb.CHARACTERISTIC_COMMAND,
                                                               message=bytes.fromhex("05")))
                assert raw.response == bytes.fromhex("05 00"), raw

                async def first_state_after_ready():
                    async for event in events:
                        if event.camera.state != pb.CAMERA_STATE_READY:
                            return event.camera.state
                after = await asyncio.wait_for(first_state_after_ready(), 20)
            finally:
                events.cancel()
            assert after == pb.CAMERA_STATE_SLEEPING, pb.CameraState.Name(after)
            (cameras,) = await rig.sim.control("ListCameras")
            assert not cameras[0][4], "the sleeping camera was reconnected"
            assert "link lost" not in rig.daemon.output()
    run(scenario())
