"""SIGHUP reloads goprod's configuration file: the live keys (log level,
keep-alive, limits...) take effect at once, the others are logged as needing a
restart, and a file with a mistake keeps the running configuration. goprod
tells systemd RELOADING=1, then READY=1 once the new settings are in force."""
import asyncio
import os
import signal

import grpc
from goprod.v1 import goprod_pb2 as pb
from goprod.v1 import goprod_pb2_grpc as pb_grpc
from harness import Daemon, Signals, run
from rig import Rig

KEEP_ALIVE_ANSWER = bytes.fromhex("02 5b 00")  # the camera's answer to the keep-alive setting
VALUE_CHANGES = ("type='signal',sender='org.bluez',interface='org.freedesktop.DBus.Properties',"
                 "member='PropertiesChanged'")

BEFORE = """
[logging]
level = "info"
[bluetooth]
keep_alive_interval_ms = 0
[limits]
max_subscribers = 1
"""

AFTER = """
[logging]
level = "debug"
[bluetooth]
keep_alive_interval_ms = 500
adapter = "hci9"
[limits]
max_subscribers = 2
"""


class ConfiguredRig(Rig):
    """The rig with a configuration file of the test's and no --log-level flag (the file says)."""

    def __init__(self, config):
        super().__init__()
        self.config_text = config

    async def start_daemon(self):
        self.daemon = Daemon(self.bus.address, self.tmp.name, log_level=None)
        self.write_config(self.config_text)
        await self.daemon.start()
        self.channel = grpc.aio.insecure_channel(self.daemon.target)
        self.stub = pb_grpc.GoprodStub(self.channel)

    def write_config(self, text):
        with open(self.daemon.config, "w") as f:
            f.write(text)

    async def reload(self, text):
        """Rewrites the file and sends SIGHUP; returns once goprod said READY=1 again."""
        self.write_config(text)
        self.daemon.notifications.clear()
        os.kill(self.daemon.proc.pid, signal.SIGHUP)
        await self.daemon.wait_notification("READY=1")
        reloading = [i for i, n in enumerate(self.daemon.notifications) if "RELOADING=1" in n]
        ready = [i for i, n in enumerate(self.daemon.notifications) if "READY=1" in n.split("\n")]
        assert reloading and reloading[0] < ready[0], self.daemon.notifications
        assert "MONOTONIC_USEC=" in self.daemon.notifications[reloading[0]]


async def stream_refused(rig):
    """Whether one more API stream is refused (RESOURCE_EXHAUSTED): a Discover
    of a second, which, when let in, ends by itself."""
    call = rig.stub.Discover(pb.DiscoverRequest(duration={"seconds": 1}))
    try:
        async for _ in call:
            pass
    except grpc.aio.AioRpcError as error:
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, error
        return True
    return False


def test_sighup_applies_the_live_keys_and_names_the_others():
    async def scenario():
        async with ConfiguredRig(BEFORE) as rig:
            (cam,) = await rig.ready(1)
            assert "[debug]" not in rig.daemon.output()
            states = await rig.watch(cameras=[cam], kinds=[pb.Event.KIND_STATE_CHANGED])
            assert await stream_refused(rig), "max_subscribers = 1 let a second stream open"

            async with Signals(rig.sim.bus, VALUE_CHANGES) as changes:
                await rig.reload(AFTER)
                # Keep-alive was off: it starts now, every 500 ms.
                await changes.until(lambda m: "Value" in m.body[1]
                                    and bytes(m.body[1]["Value"].value) == KEEP_ALIVE_ANSWER)
            assert not await stream_refused(rig), "max_subscribers = 2 did not let a second stream open"

            output = rig.daemon.output()
            assert ("reload: applied logging.level, bluetooth.keep_alive_interval_ms, "
                    "limits.max_subscribers") in output, output
            assert "reload: bluetooth.adapter changed: restart goprod to apply" in output, output

            # The log level is debug now: the camera's state changes are logged at that level.
            await rig.sim.control("DropLink", "s", cam)
            async for event in states:
                if event.camera.state != pb.CAMERA_STATE_READY:
                    break
            assert f"[debug] camera {cam}: ready" in rig.daemon.output()
            # The adapter waits for a restart: the camera (on hci0) comes back.
            async for event in states:
                if event.camera.state == pb.CAMERA_STATE_READY:
                    break
            states.cancel()
    run(scenario())


def test_an_invalid_file_keeps_the_running_configuration():
    async def scenario():
        async with ConfiguredRig(BEFORE) as rig:
            first = await rig.watch()
            await rig.reload(AFTER.replace("max_subscribers = 2", "max_subscribers = 0"))
            output = rig.daemon.output()
            assert "limits.max_subscribers: 0 is out of range" in output, output
            assert "reload: keeping the running configuration" in output, output
            assert "reload: applied" not in output
            assert await stream_refused(rig), "the invalid file's other keys were applied"
            # The file mended, the reload applies it.
            await rig.reload(AFTER)
            assert "reload: applied" in rig.daemon.output()
            assert not await stream_refused(rig)
            first.cancel()
    run(scenario())
