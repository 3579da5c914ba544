"""issue 15 B: presets and setting capabilities through the real goproctl →
goprod → goprod-sim on a private bus: the bytes that reach the camera, and
what goproctl makes of the camera's answer."""
import json

from harness import goproctl, run
from rig import Rig


async def ctl(rig, *args, timeout=60):
    return await goproctl(rig.daemon, *args, timeout=timeout)


async def ready_camera(rig):
    (cam,) = await rig.ready(1)
    await rig.sim.control("ClearReceived", "s", cam)
    return cam


async def sent(rig, cam, *args):
    """Runs goproctl; its output, and what the camera received meanwhile."""
    await rig.sim.control("ClearReceived", "s", cam)
    code, out, err = await ctl(rig, "-i", cam, *args)
    return code, out, err, await rig.received(cam)


def video_group(presets_json):
    (camera,) = presets_json["cameras"]
    (group,) = [g for g in camera["groups"] if g["id"] == 1000]
    return group


def test_presets_table_and_json_follow_the_camera():
    async def scenario():
        async with Rig() as rig:
            cam = await ready_camera(rig)
            assert (await ctl(rig, "-i", cam, "set", "resolution", "1080"))[0] == 0
            assert (await ctl(rig, "-i", cam, "preset", "1"))[0] == 0

            # RequestGetPresetStatus with no fields: F5 72 on GP-0076.
            code, out, err, received = await sent(rig, cam, "presets")
            assert code == 0, (out, err)
            assert received == [("GP-0076", bytes.fromhex("f5 72"))], received
            lines = out.splitlines()
            assert lines[0].split() == ["GROUP", "ID", "ACTIVE", "MODE", "NAME", "TITLE", "VISIBLE", "SETTINGS"]
            (activity,) = [line for line in lines if "Activity" in line]
            assert activity.split()[:4] == ["video", "1", "*", "video"], activity
            assert "Video Resolution 9 (1080)" in activity, activity
            assert any("Night Lapse" in line and "night_lapse_video" in line for line in lines), out

            # --all asks for the hidden presets too: include_hidden (field 4) = true.
            code, out, err, received = await sent(rig, cam, "--json", "presets", "--all")
            assert code == 0, (out, err)
            assert received == [("GP-0076", bytes.fromhex("f5 72 20 01"))], received
            group = video_group(json.loads(out))
            assert group["activePresetId"] == 1
            by_name = {p["customName"]: p for p in group["presets"]}
            assert set(by_name) == {"Standard", "Activity", "Cinematic", "Slo-Mo"}
            assert by_name["Activity"]["active"] is True and by_name["Standard"]["active"] is False
            assert by_name["Slo-Mo"]["modeName"] == "slomo" and by_name["Slo-Mo"]["mode"] == 27
            resolution = [s for s in by_name["Activity"]["settings"] if s["id"] == 2]
            assert resolution and resolution[0]["value"] == 9 and resolution[0]["display"] == "9 (1080)"

            # A setting change shows in the presets the camera reports next.
            assert (await ctl(rig, "-i", cam, "set", "resolution", "2.7K"))[0] == 0
            code, out, _ = await ctl(rig, "-i", cam, "--json", "presets")
            assert code == 0
            group = video_group(json.loads(out))
            values = {s["id"]: s["value"] for p in group["presets"] for s in p["settings"] if p["id"] == 1}
            assert values[2] == 4, group
    run(scenario())


def test_presets_is_for_one_camera():
    async def scenario():
        async with Rig() as rig:
            cam = await ready_camera(rig)
            code, _, err = await ctl(rig, "-i", cam, "-i", cam, "presets")
            assert code == 2 and "one camera" in err, err
            assert await rig.received(cam) == []
    run(scenario())


def test_capabilities_follow_the_current_resolution():
    async def scenario():
        async with Rig() as rig:
            cam = await ready_camera(rig)
            assert (await ctl(rig, "-i", cam, "set", "resolution", "1080"))[0] == 0
            # Get Setting Capabilities (0x32) for setting 3.
            code, out, err, received = await sent(rig, cam, "--json", "capabilities", "fps")
            assert code == 0, (out, err)
            assert received == [("GP-0076", bytes.fromhex("32 03"))], received
            (camera,) = json.loads(out)["cameras"]
            (fps,) = camera["settings"]
            assert fps["id"] == 3 and fps["name"] == "Frames Per Second"
            allowed = {v.get("integer", 0) for v in fps["allowed"]}
            assert 0 in allowed and 1 in allowed  # 240 and 120 fps at 1080 on a HERO12

            # At 4K a HERO12 records at most 120 fps: 240 is no longer offered.
            assert (await ctl(rig, "-i", cam, "set", "fps", "60"))[0] == 0
            assert (await ctl(rig, "-i", cam, "set", "resolution", "4K"))[0] == 0
            code, out, err = await ctl(rig, "-i", cam, "capabilities", "3", "2")
            assert code == 0, (out, err)
            rows = {line.split()[0]: line for line in out.splitlines()[1:]}
            assert "120" in rows["3"] and "240" not in rows["3"], out
            assert "4K" in rows["2"] and "Video Resolution" in rows["2"], out
    run(scenario())


def test_rejected_setting_names_the_allowed_values():
    async def scenario():
        async with Rig() as rig:
            cam = await ready_camera(rig)
            assert (await ctl(rig, "-i", cam, "set", "resolution", "1080"))[0] == 0
            assert (await ctl(rig, "-i", cam, "set", "fps", "240"))[0] == 0
            # 5.3K at 240 fps: the camera refuses, goproctl asks what it accepts.
            code, out, err, received = await sent(rig, cam, "set", "resolution", "5.3K")
            assert code == 4, (out, err)
            assert "rejected" in err
            assert received == [("GP-0074", bytes.fromhex("02 01 64")), ("GP-0076", bytes.fromhex("32 02"))], received
            (hint,) = [line for line in err.splitlines() if "accepts now" in line]
            assert hint.startswith("goproctl: %s: Video Resolution accepts now: " % cam), hint
            assert "(1080)" in hint and "(2.7K)" in hint and "5.3K" not in hint, hint

            # An accepted value asks nothing more.
            code, _, err, received = await sent(rig, cam, "set", "resolution", "2.7K")
            assert code == 0 and "accepts now" not in err
            assert received == [("GP-0074", bytes.fromhex("02 01 04"))], received
    run(scenario())


def test_python_client_presets_and_capabilities():
    import goprod  # the package built in build/python (PYTHONPATH)

    async def scenario():
        async with Rig() as rig:
            cam = await ready_camera(rig)
            with goprod.Client(rig.daemon.target) as client:
                groups = client.presets(cam, include_hidden=True)
                assert [g.id for g in groups] == [1000, 1001, 1002]
                assert "Burst" in [p.custom_name for p in groups[1].presets]
                (camera,) = client.capabilities([2], cam)
                assert camera.result.identifier == cam and [s.id for s in camera.settings] == [2]
                assert camera.settings[0].allowed
            received = await rig.received(cam)
            assert received == [("GP-0076", bytes.fromhex("f5 72 20 01")), ("GP-0076", bytes.fromhex("32 02"))]
    run(scenario())
