"""A password given for a network the camera already knows is not used (goprod
sends Connect, which carries none): goprod says so in the progress stream and
the result, and goproctl prints it. goprod-sim's default networks include
"dabugdabug", configured on the camera."""
import json

from harness import goproctl, run
from rig import Rig


async def ctl(rig, *args):
    code, out, err = await goproctl(rig.daemon, *args, timeout=60)
    assert code == 0, (args, out, err)
    return out


async def sent_connects(rig, cam):
    """The Connect (02 04) and Connect New (02 05) messages the camera received."""
    return [m[:2] for c, m in await rig.received(cam) if c == "GP-0091" and m[:2] in (b"\x02\x04", b"\x02\x05")]


def test_a_password_for_a_known_network_is_reported_unused():
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.ready(1)
            await rig.sim.control("ClearReceived", "s", cam)
            out = await ctl(rig, "-i", cam, "wifi", "connect", "dabugdabug", "a-new-password")
            assert await sent_connects(rig, cam) == [b"\x02\x04"], "Connect, without the password"
            assert "the camera uses its saved password (the password given was not used)" in out, out

            lines = [json.loads(line) for line in
                     (await ctl(rig, "--json", "-i", cam, "wifi", "connect", "dabugdabug", "x-password")).splitlines()]
            connecting = next(line for line in lines if line["step"] == "STEP_CONNECTING")
            assert connecting["savedPassword"] is True, connecting
            assert "saved password" in connecting["detail"], connecting
            assert lines[-1]["step"] == "STEP_CONNECTED" and lines[-1]["savedPassword"] is True, lines[-1]

            out = await ctl(rig, "-i", cam, "wifi", "connect", "dabugdabug")
            assert "the camera uses its saved password\n" in out, out
    run(scenario())


def test_a_new_network_uses_the_password_given():
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.ready(1)
            await rig.sim.control("ClearReceived", "s", cam)
            out = await ctl(rig, "-i", cam, "wifi", "connect", "ATTTp4r6Fi", "att-p4r6-pass")
            assert await sent_connects(rig, cam) == [b"\x02\x05"], "Connect New"
            assert "saved password" not in out, out
            lines = [json.loads(line) for line in
                     (await ctl(rig, "--json", "-i", cam, "wifi", "connect", "Homeynet_2GEXT",
                                "homeynet-2g-pass")).splitlines()]
            assert not any(line.get("savedPassword") for line in lines), lines
    run(scenario())
