"""The API's SSIDs are strings (readable in --json) with a bytes field only for
the rare SSID that is not UTF-8, and its integers print as JSON numbers
(issue 12, item 11). goprod-sim offers a network and an AP SSID that are not UTF-8."""
import asyncio
import base64
import json
import os

from harness import GOPROCTL, run
from rig import Rig

LATIN1 = "caf\udce9"  # the bytes 63 61 66 e9 as a command-line argument: Latin-1 "café", not UTF-8
LATIN1_BYTES = b"caf\xe9"
SIM = ["--network", "dabugdabug:dabug-pass-1:configured", "--network", "ATTTp4r6Fi:att-p4r6-pass",
       "--network", LATIN1 + ":cafe-pass-1", "--ap-ssid", "GP\udcff-AP"]


async def ctl(rig, *args):
    proc = await asyncio.create_subprocess_exec(
        GOPROCTL, "--socket", rig.daemon.target, *args, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 90)
    return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")


async def ready_camera(rig):
    (cam,) = await rig.ready(1)
    await rig.sim.control("ClearReceived", "s", cam)
    return cam


def test_scan_json_gives_names_and_bytes_only_for_a_non_utf8_ssid():
    async def scenario():
        async with Rig(sim_args=SIM) as rig:
            cam = await ready_camera(rig)
            code, out, err = await ctl(rig, "--json", "-i", cam, "wifi", "scan")
            assert code == 0, (out, err)
            networks = json.loads(out)["networks"]
            names = [n["ssid"] for n in networks if n["ssid"]]
            assert names == ["dabugdabug", "ATTTp4r6Fi"], networks
            assert all(n["ssidRaw"] == "" for n in networks if n["ssid"])
            (odd,) = [n for n in networks if not n["ssid"]]
            assert base64.b64decode(odd["ssidRaw"]) == LATIN1_BYTES
            # Numbers, not strings.
            assert all(isinstance(n["signalStrengthBars"], int) for n in networks)

            code, out, err = await ctl(rig, "-i", cam, "wifi", "scan")
            assert code == 0 and "caf\\xe9" in out, (out, err)

            # The bytes go back as they came: connecting to that network works.
            code, out, err = await ctl(rig, "-i", cam, "wifi", "connect", LATIN1, "cafe-pass-1")
            assert code == 0, (out, err)
            sent = [m for c, m in await rig.received(cam) if c == "GP-0091" and m[:2] == bytes.fromhex("02 05")]
            assert sent and LATIN1_BYTES in sent[0]
    run(scenario())


def test_ap_info_hardware_info_and_status_with_a_non_utf8_ap_ssid():
    async def scenario():
        async with Rig(sim_args=SIM) as rig:
            cam = await ready_camera(rig)
            code, out, err = await ctl(rig, "--json", "-i", cam, "wifi", "ap", "info")
            assert code == 0, (out, err)
            ap = json.loads(out)
            assert ap["ssid"] == "" and base64.b64decode(ap["ssidRaw"]) == b"GP\xff-AP"
            assert ap["password"] and ap["passwordRaw"] == ""  # a readable password is a string
            code, out, err = await ctl(rig, "--json", "-i", cam, "info")
            assert code == 0, (out, err)
            info = json.loads(out)["cameras"][0]["info"]
            assert base64.b64decode(info["apSsidRaw"]) == b"GP\xff-AP"
            code, out, err = await ctl(rig, "--json", "-i", cam, "get", "status", "30")
            assert code == 0, (out, err)
            (value,) = json.loads(out)["cameras"][0]["values"]
            assert "text" not in value and base64.b64decode(value["raw"]) == b"GP\xff-AP"
    run(scenario())


def test_camera_text_that_is_not_utf8_is_shown_escaped_not_a_broken_answer():
    # The firmware version the camera reports goes into string fields (list, info) and
    # cameras.toml: a camera whose text is not UTF-8 must not break them.
    async def scenario():
        async with Rig(sim_args=["--firmware", "H23.01\udcff"]) as rig:
            cam = await ready_camera(rig)
            code, out, err = await ctl(rig, "--json", "-i", cam, "list")
            assert code == 0, (out, err)
            assert json.loads(out)["cameras"][0]["firmware"] == "H23.01\\xff"
            code, out, err = await ctl(rig, "--json", "-i", cam, "info")
            assert code == 0, (out, err)
            assert json.loads(out)["cameras"][0]["info"]["firmwareVersion"] == "H23.01\\xff"
            with open(os.path.join(rig.daemon.state_dir, "cameras.toml"), encoding="utf-8") as state:
                assert "H23.01\\xff" in state.read()
    run(scenario())


def test_readable_ap_ssid_and_integers_are_json_strings_and_numbers():
    async def scenario():
        async with Rig() as rig:
            cam = await ready_camera(rig)
            code, out, err = await ctl(rig, "--json", "-i", cam, "wifi", "ap", "info")
            assert code == 0, (out, err)
            ap = json.loads(out)
            assert ap["ssid"].startswith("GP") and len(ap["password"]) >= 8 and ap["ssidRaw"] == ""
            code, out, err = await ctl(rig, "--json", "-i", cam, "get", "status", "70")
            assert code == 0, (out, err)
            (value,) = json.loads(out)["cameras"][0]["values"]
            assert isinstance(value["integer"], int), value  # "integer": 87, not "87"
            code, out, err = await ctl(rig, "--json", "-i", cam, "get", "settings", "2")
            assert code == 0, (out, err)
            (value,) = json.loads(out)["cameras"][0]["values"]
            assert isinstance(value["integer"], int), value
    run(scenario())
