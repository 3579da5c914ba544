"""issue 15 B: presets and setting capabilities through the real goproctl →
goprod → goprod-sim on a private bus: the bytes that reach the camera, and
what goproctl makes of the camera's answer. issue 15 F: preset pushes as
events (kept across reconnections), preset visibility, the custom preset update."""
import asyncio
import json
import signal

from goprod.v1 import goprod_pb2 as pb
import grpc
from harness import goproctl, run
from rig import Rig, left_and_back, read_until, start_watch


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


# --- issue 15 F: preset pushes as events, visibility, the custom preset update ---

REGISTER = ("GP-0076", bytes.fromhex("f5 72 08 01 08 02"))  # register_preset_status PRESET, PRESET_GROUP_ARRAY
ACTIVE_PRESET_QUERY = ("GP-0076", bytes.fromhex("13 61"))  # Get Status Values: 97 (preset)
CUSTOM = 0x00010004  # goprod-sim's custom preset (photo group)


async def next_presets_event(events, predicate=lambda event: True, timeout=20):
    async def scan():
        async for event in events:
            if event.kind == pb.Event.KIND_PRESETS and predicate(event):
                return event
        raise AssertionError("the event stream ended")
    return await asyncio.wait_for(scan(), timeout)


def active_preset(event, group_id=1000):
    (group,) = [g for g in event.preset_groups if g.id == group_id]
    (preset,) = [p for p in group.presets if p.id == group.active_preset_id]
    return preset


def test_registered_preset_changes_become_events_across_a_reconnection():
    async def scenario():
        async with Rig() as rig:
            cam = await ready_camera(rig)
            events = rig.stub.WatchEvents(pb.WatchEventsRequest(cameras=[cam], kinds=[pb.Event.KIND_PRESETS]))
            await events.initial_metadata()
            # Not registered: a change is not pushed, and no event follows it.
            assert (await ctl(rig, "-i", cam, "set", "resolution", "2.7K"))[0] == 0
            code, out, err, received = await sent(rig, cam, "presets", "--register")
            assert code == 0, (out, err)
            assert received == [REGISTER], received

            proc, lines = await start_watch(rig, cam, "presets")
            try:
                # A setting change modifies the active preset: the camera pushes, goprod decodes.
                assert (await ctl(rig, "-i", cam, "set", "resolution", "1080"))[0] == 0
                line = await read_until(proc, lines, lambda line: "presets" in line)
                assert "video 0 Standard (modified)" in line and "photo 65536 Photo" in line, line
                event = await next_presets_event(events)
                standard = active_preset(event)
                assert standard.custom_name == "Standard" and standard.modified
                assert {s.id: s.value for s in standard.settings}[2] == 9
                assert event.message[:2] == bytes.fromhex("f5 f3")

                # Loading a preset changes the group's active preset.
                assert (await ctl(rig, "-i", cam, "preset", "2"))[0] == 0
                event = await next_presets_event(events, lambda e: active_preset(e).id == 2)
                assert active_preset(event).custom_name == "Cinematic"
                await read_until(proc, lines, lambda line: "video 2 Cinematic" in line)

                # goprod registers again on the new link, by itself.
                await rig.sim.control("ClearReceived", "s", cam)
                states = await rig.watch(cameras=[cam], kinds=[pb.Event.KIND_STATE_CHANGED])

                try:
                    await rig.sim.control("DropLink", "s", cam)
                    await left_and_back(states, [cam])
                finally:
                    states.cancel()
                assert REGISTER in await rig.received(cam)
                assert (await ctl(rig, "-i", cam, "set", "resolution", "4K"))[0] == 0
                event = await next_presets_event(events, lambda e: {s.id: s.value for s in active_preset(e).settings}[2] == 1)
                assert active_preset(event).modified
            finally:
                proc.send_signal(signal.SIGINT)
                await proc.wait()
                events.cancel()
    run(scenario())


def test_preset_visibility_on_a_max2():
    async def scenario():
        async with Rig(["--model", "max2"]) as rig:
            cam = await ready_camera(rig)
            # RequestPresetSetVisibility {1 id 65538, 2 visible false}: F1 63 on GP-0072.
            code, out, err, received = await sent(rig, cam, "--json", "preset-visibility", "0x00010002", "off")
            assert code == 0, (out, err)
            assert received == [("GP-0072", bytes.fromhex("f1 63 08 82 80 04 10 00"))], received
            assert [r["identifier"] for r in json.loads(out)["results"]] == [cam]

            code, out, _ = await ctl(rig, "-i", cam, "--json", "presets")
            (camera,) = json.loads(out)["cameras"]
            names = [p["customName"] for g in camera["groups"] for p in g["presets"]]
            assert "Burst" not in names and "Live Burst" in names, names
            code, out, _ = await ctl(rig, "-i", cam, "presets", "--all")
            (burst,) = [line for line in out.splitlines() if line.split()[1] == "65538"]
            assert burst.split()[3:] == ["Burst", "0", "no"], burst  # not active: no asterisk column

            code, out, err, received = await sent(rig, cam, "preset-visibility", "65538", "on")
            assert code == 0, (out, err)
            assert received == [("GP-0072", bytes.fromhex("f1 63 08 82 80 04 10 01"))], received
            # A preset the camera does not have: RESULT_ARGUMENT_INVALID.
            code, out, err = await ctl(rig, "-i", cam, "preset-visibility", "77", "off")
            assert code == 4 and "RESULT_ARGUMENT_INVALID" in err, (code, out, err)
            # Usage errors send nothing.
            await rig.sim.control("ClearReceived", "s", cam)
            for args in (["preset-visibility", "x", "on"], ["preset-visibility", "1", "maybe"],
                         ["preset-visibility", "1"]):
                code, out, err = await ctl(rig, "-i", cam, *args)
                assert code == 2, (args, code, out, err)
            assert await rig.received(cam) == []
    run(scenario())


def test_preset_visibility_is_refused_by_a_hero12():
    async def scenario():
        async with Rig() as rig:
            cam = await ready_camera(rig)
            code, out, err, received = await sent(rig, cam, "preset-visibility", "1", "off")
            assert code == 4 and "does not support" in err, (code, out, err)
            assert received == [("GP-0072", bytes.fromhex("f1 63 08 01 10 00"))], received
    run(scenario())


def test_custom_preset_update_names_the_active_custom_preset():
    async def scenario():
        async with Rig(["--model", "hero13"]) as rig:
            cam = await ready_camera(rig)
            assert (await ctl(rig, "-i", cam, "preset", str(CUSTOM)))[0] == 0
            # goprod reads the active preset (status 97), then sends RequestCustomPresetUpdate
            # {1 title_id 94, 2 custom_name "Dive", 3 icon_id 12}.
            code, out, err, received = await sent(rig, cam, "preset-custom", "0x00010004", "--name", "Dive",
                                                  "--icon", "12")
            assert code == 0, (out, err)
            assert received == [ACTIVE_PRESET_QUERY,
                                ("GP-0072", bytes.fromhex("f1 64 08 5e 12 04 44 69 76 65 18 0c"))], received
            code, out, _ = await ctl(rig, "-i", cam, "--json", "presets")
            (camera,) = json.loads(out)["cameras"]
            (custom,) = [p for g in camera["groups"] for p in g["presets"] if p["id"] == CUSTOM]
            assert custom["customName"] == "Dive" and custom["icon"] == 12 and custom["titleId"] == 94, custom
            assert custom["userDefined"] is True and custom["active"] is True

            # Another title replaces the name.
            code, out, err, received = await sent(rig, cam, "preset-custom", str(CUSTOM), "--title", "5")
            assert code == 0, (out, err)
            assert received[-1] == ("GP-0072", bytes.fromhex("f1 64 08 05")), received
            code, out, _ = await ctl(rig, "-i", cam, "presets")
            (row,) = [line for line in out.splitlines() if line.split()[1] == str(CUSTOM)]
            assert "Dive" not in row and row.split()[4] == "5", row

            # A preset that is not the active one: refused before anything is sent to update it.
            code, out, err, received = await sent(rig, cam, "preset-custom", "2", "--name", "Dive")
            assert code == 4 and "not the active preset" in err and "load it first" in err, (code, out, err)
            assert received == [ACTIVE_PRESET_QUERY], received
            # The active preset is not a custom one: the camera refuses.
            assert (await ctl(rig, "-i", cam, "preset", "2"))[0] == 0
            code, out, err = await ctl(rig, "-i", cam, "preset-custom", "2", "--name", "Dive")
            assert code == 4 and "RESULT_RESOURCE_NOT_AVAILABLE" in err, (code, out, err)
    run(scenario())


def test_custom_preset_arguments_are_checked_before_anything_is_sent():
    async def scenario():
        async with Rig(["--model", "hero13"]) as rig:
            cam = await ready_camera(rig)
            for args, message in (
                    (["preset-custom", "1"], "nothing to update"),
                    (["preset-custom", "1", "--name", "seventeen chars!!"], "1 to 16 bytes"),
                    (["preset-custom", "1", "--name", ""], "1 to 16 bytes"),
                    (["preset-custom", "1", "--name", b"Dive\xff"], "not valid UTF-8"),
                    (["preset-custom", "1", "--name", "Dive", "--title", "5"], "title 94"),
                    (["preset-custom", "1", "--icon", "-3"], "icon"),
                    (["-i", cam, "preset-custom", "1", "--icon", "3"], "one camera")):
                code, out, err = await ctl(rig, "-i", cam, *args)
                assert code == 2 and message in err, (args, code, out, err)
            assert await rig.received(cam) == []
            # Sixteen bytes of UTF-8 (eight two-byte characters) are a valid name.
            assert (await ctl(rig, "-i", cam, "preset", str(CUSTOM)))[0] == 0
            code, out, err = await ctl(rig, "-i", cam, "preset-custom", str(CUSTOM), "--name", "ÉÉÉÉÉÉÉÉ")
            assert code == 0, (out, err)
            # The RPC checks the name too, for clients other than goproctl.
            try:
                await rig.stub.UpdateCustomPreset(pb.UpdateCustomPresetRequest(
                    target=pb.CameraRequest(cameras=[cam]), preset_id=CUSTOM, custom_name="x" * 17))
                raise AssertionError("a 17-byte name was accepted")
            except grpc.aio.AioRpcError as e:
                assert e.code() == grpc.StatusCode.INVALID_ARGUMENT and "1 to 16" in e.details(), e
    run(scenario())


def test_custom_preset_update_is_refused_by_a_hero12_before_v2():
    async def scenario():
        async with Rig() as rig:  # HERO12 on H23.01.01: v1.x
            cam = await ready_camera(rig)
            assert (await ctl(rig, "-i", cam, "preset", str(CUSTOM)))[0] == 0
            code, out, err = await ctl(rig, "-i", cam, "preset-custom", str(CUSTOM), "--name", "Dive")
            assert code == 4 and "does not support" in err, (code, out, err)
    run(scenario())


def test_python_client_preset_visibility_and_custom_update():
    import goprod

    async def scenario():
        async with Rig(["--model", "max2"]) as rig:
            cam = await ready_camera(rig)
            assert (await ctl(rig, "-i", cam, "preset", str(CUSTOM)))[0] == 0
            with goprod.Client(rig.daemon.target) as client:
                (result,) = client.preset_visibility(0x00010001, False, cam)
                assert result.identifier == cam
                (result,) = client.update_custom_preset(CUSTOM, name="Reef", icon=4, camera=cam)
                assert result.identifier == cam
                groups = client.presets(cam, include_hidden=True)
                photo = {p.id: p for p in groups[1].presets}
                assert not photo[0x00010001].visible and photo[CUSTOM].custom_name == "Reef"
                assert photo[CUSTOM].icon == 4
                try:
                    client.update_custom_preset(1, name="Reef", camera=cam)
                    raise AssertionError("preset 1 is not the active preset")
                except goprod.GoprodError as e:
                    assert "not the active preset" in str(e), e
    run(scenario())
