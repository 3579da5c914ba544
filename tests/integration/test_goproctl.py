"""The real goproctl → the real goprod → goprod-sim, on a private bus: every
seed scenario through the CLI, checking its human and JSON output, its exit
codes, and the exact bytes the simulated camera received."""
import json

import pytest

from harness import goproctl, run
from rig import Rig


async def ctl(rig, *args, timeout=60):
    return await goproctl(rig.daemon, *args, timeout=timeout)


async def ready_camera(rig):
    (cam,) = await rig.ready(1)
    await rig.sim.control("ClearReceived", "s", cam)
    return cam


# (goproctl arguments, characteristic, the seed's bytes without the packet header)
SEED_COMMANDS = [
    (["shutter", "on"], "GP-0072", "01 01 01"),
    (["shutter", "off"], "GP-0072", "01 01 00"),
    (["preset-group", "photo"], "GP-0072", "3e 02 03 e9"),
    (["preset-group", "timelapse"], "GP-0072", "3e 02 03 ea"),
    (["preset-group", "video"], "GP-0072", "3e 02 03 e8"),  # video settings need the video group
    (["analytics"], "GP-0072", "50"),
    (["preset", "2"], "GP-0072", "40 04 00 00 00 02"),
    (["preset-group", "video"], "GP-0072", "3e 02 03 e8"),
    (["set", "resolution", "1080"], "GP-0074", "02 01 09"),
    (["set", "fps", "240"], "GP-0074", "03 01 00"),
    (["set", "fps", "120"], "GP-0074", "03 01 01"),
    (["set", "fps", "60"], "GP-0074", "03 01 05"),  # 2.7K and 4K run at 60 fps, not at 240
    (["set", "resolution", "2.7K"], "GP-0074", "02 01 04"),
    (["set", "resolution", "4K"], "GP-0074", "02 01 01"),
    (["wifi", "ap", "on"], "GP-0072", "17 01 01"),
    (["wifi", "ap", "off"], "GP-0072", "17 01 00"),
    (["sleep"], "GP-0072", "05"),  # last: the camera then sleeps
]


async def check_seed_commands(rig, cam):
    """Every seed command through goproctl, with the seed's bytes arriving at the camera.
    Also run through the real bluetoothd by tests/vm."""
    for args, characteristic, payload in SEED_COMMANDS:
        await rig.sim.control("ClearReceived", "s", cam)
        code, out, err = await ctl(rig, "-i", cam, *args)
        assert code == 0, (args, out, err)
        assert cam in out and "ok" in out, out
        # The first message after the step's start (after Sleep, a reconnection's set-up follows).
        received = await rig.received(cam)
        assert received and received[0] == (characteristic, bytes.fromhex(payload)), (args, received)
        if args != ["sleep"]:
            await rig.last_media_read(cam)  # after a stop: the journal's read comes before the next step


def test_every_seed_command_through_goproctl():
    async def scenario():
        async with Rig() as rig:
            await check_seed_commands(rig, await ready_camera(rig))
    run(scenario())


def test_json_output_is_the_protobuf_mapping():
    async def scenario():
        async with Rig() as rig:
            cam = await ready_camera(rig)
            code, out, _ = await ctl(rig, "--json", "list")
            assert code == 0
            listed = json.loads(out)
            assert listed["cameras"][0]["identifier"] == cam
            assert listed["cameras"][0]["state"] == "CAMERA_STATE_READY"
            code, out, _ = await ctl(rig, "--json", "-i", cam, "shutter", "on")
            assert code == 0
            result = json.loads(out)["results"][0]
            assert result["identifier"] == cam and "sent" in result and "acknowledged" in result
            code, out, _ = await ctl(rig, "--json", "-i", cam, "wifi", "ap", "info")
            ap = json.loads(out)
            assert ap["ssid"].startswith("GP") and ap["password"]  # strings: readable in the JSON mapping
    run(scenario())


def test_rejected_setting_exit_code_and_message():
    async def scenario():
        async with Rig() as rig:
            cam = await ready_camera(rig)
            assert (await ctl(rig, "-i", cam, "set", "resolution", "1080"))[0] == 0
            assert (await ctl(rig, "-i", cam, "set", "fps", "240"))[0] == 0
            code, out, err = await ctl(rig, "-i", cam, "set", "resolution", "5.3K")
            assert code == 4, (out, err)
            assert "rejected" in err and "invalid parameter" in err
    run(scenario())


def test_usage_errors_exit_2_before_any_request():
    async def scenario():
        async with Rig() as rig:
            cam = await ready_camera(rig)
            for args in (["set", "resolution", "12K"], ["set", "fps", "7"], ["preset-group", "movie"],
                         ["shutter", "maybe"], ["raw", "command", "zz"], ["frobnicate"]):
                code, out, err = await ctl(rig, "-i", cam, *args)
                assert code == 2, (args, out, err)
                assert err.strip(), args
            assert await rig.received(cam) == []
    run(scenario())


def test_unknown_camera_and_unreachable_daemon_exit_codes():
    async def scenario():
        async with Rig() as rig:
            await ready_camera(rig)
            code, _, err = await ctl(rig, "-i", "9999", "shutter", "on")
            assert code == 3 and "9999" in err
            await rig.stop_daemon()
            code, _, err = await ctl(rig, "list")
            assert code == 5 and "cannot reach goprod" in err
            await rig.start_daemon()
    run(scenario())


def test_info_settings_and_statuses():
    async def scenario():
        async with Rig() as rig:
            cam = await ready_camera(rig)
            code, out, _ = await ctl(rig, "-i", cam, "info")
            assert code == 0 and "HERO12" in out and cam in out
            code, out, _ = await ctl(rig, "-i", cam, "get", "status", "8", "70")
            assert code == 0 and "Busy" in out
            code, out, _ = await ctl(rig, "-i", cam, "get", "settings", "2")
            assert code == 0 and "Video Resolution" in out
    run(scenario())


async def check_station_mode(rig, cam):
    """The WiFi seed's station-mode flow through goproctl: scan, entries, connect (new)
    with provisioning. Also run through the real bluetoothd by tests/vm."""
    code, out, _ = await ctl(rig, "-i", cam, "wifi", "scan")
    assert code == 0
    for ssid in ("dabugdabug", "ATTTp4r6Fi", "Ring Setup e7"):
        assert ssid in out
    code, out, err = await ctl(rig, "-i", cam, "wifi", "connect", "ATTTp4r6Fi", "att-p4r6-pass")
    assert code == 0, (out, err)
    sent = [m for c, m in await rig.received(cam) if c == "GP-0091"]
    connect_new = [m for m in sent if m[:2] == bytes.fromhex("02 05")]
    assert connect_new and b"att-p4r6-pass" in connect_new[0]
    code, out, err = await ctl(rig, "-i", cam, "wifi", "connect", "dabugdabug")
    assert code == 0, (out, err)
    assert any(m[:2] == bytes.fromhex("02 04") for c, m in await rig.received(cam) if c == "GP-0091")
    code, out, err = await ctl(rig, "-i", cam, "wifi", "connect", "x" * 33, "password")
    assert code == 2


def test_wifi_scan_and_connect_through_goproctl():
    async def scenario():
        async with Rig() as rig:
            await check_station_mode(rig, await ready_camera(rig))
    run(scenario())


def test_raw_request_returns_the_reassembled_response():
    async def scenario():
        async with Rig() as rig:
            cam = await ready_camera(rig)
            code, out, err = await ctl(rig, "-i", cam, "raw", "command", "3c")
            assert code == 0, err
            assert "3c 00" in out.lower().replace("3c00", "3c 00") or "3c00" in out.lower()
            assert ("GP-0072", bytes.fromhex("3c")) in await rig.received(cam)
    run(scenario())


def test_all_cameras_report_their_start_skew():
    async def scenario():
        async with Rig(["--cameras", "3"]) as rig:
            await rig.ready(3)
            code, out, err = await ctl(rig, "--all", "shutter", "on")
            assert code == 0, err
            assert "start skew" in out
    run(scenario())


@pytest.mark.parametrize("args", [["--help"], ["shutter", "--help"], ["wifi", "connect", "--help"]])
def test_help_everywhere(args):
    async def scenario():
        async with Rig() as rig:
            code, out, _ = await ctl(rig, *args)
            assert code == 0 and "Usage" in out
    run(scenario())
