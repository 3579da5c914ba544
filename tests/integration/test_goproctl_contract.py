"""issue 15 G: the goproctl contract of the issue-15 commands through the real
goproctl → goprod → goprod-sim: fields goprod refuses before the camera sees
them (exit 2), and several cameras at once for the commands that take them."""
import os
import tempfile

from harness import goproctl, run
from rig import Rig

URL = "rtmp://stream.example/live"


async def ctl(rig, *args, timeout=60):
    return await goproctl(rig.daemon, *args, timeout=timeout)


async def on_network(rig):
    """A ready camera in station mode (a stream needs a network), its received messages cleared."""
    (cam,) = await rig.ready(1)
    code, out, err = await ctl(rig, "-i", cam, "wifi", "connect", "dabugdabug")
    assert code == 0, (out, err)
    await rig.sim.control("ClearReceived", "s", cam)
    return cam


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
