"""issue 15 D: COHN (camera on the home network) through the real goproctl →
goprod → goprod-sim: status, certificate operations, enable/disable, and the
provisioning flow of tutorial 9 end to end, with the bytes the camera received,
the root CA as a real X.509 PEM (Python's ssl loads it), COHN status pushes as
events, and the COHN password kept out of goprod's log."""
import asyncio
import json
import os
import re
import ssl
import tempfile

from goprod.v1 import goprod_pb2 as pb
from harness import GOPROCTL, run
from rig import Rig

SSID, PASSWORD = "ATTTp4r6Fi", "att-p4r6-pass"  # a network of the sim, new to the camera


async def ctl(rig, *args, stdin=b"", timeout=60):
    proc = await asyncio.create_subprocess_exec(
        GOPROCTL, "--socket", rig.daemon.target, *args, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(stdin), timeout)
    return proc.returncode, out.decode(), err.decode()


async def ready_camera(rig):
    (cam,) = await rig.ready(1)
    await rig.sim.control("ClearReceived", "s", cam)
    return cam


async def status(rig, cam):
    code, out, err = await ctl(rig, "--json", "-i", cam, "cohn", "status")
    assert code == 0, (out, err)
    (camera,) = json.loads(out)["cameras"]
    return camera.get("status", {})


def load_ca(path):
    """The PEM as an X.509 root CA, through Python's ssl (OpenSSL): raises if it does not parse."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cafile=path)
    (ca,) = context.get_ca_certs()  # only certificates with CA:TRUE are listed
    return ca


def test_cohn_status_certificate_and_setting_through_goproctl():
    async def scenario():
        async with Rig() as rig:
            cam = await ready_camera(rig)
            first = await status(rig, cam)
            assert first.get("provisioned", False) is False and first["state"] == "COHN_STATE_IDLE"
            assert first["enabled"] is True
            assert ("GP-0076", bytes.fromhex("F5 6F 08 00")) in await rig.received(cam)

            # No certificate yet: the camera refuses, goproctl says so with "camera rejected".
            code, _, err = await ctl(rig, "-i", cam, "cohn", "cert")
            assert code == 4 and "RESULT_RESOURCE_NOT_AVAILABLE" in err, err

            # The API's Create COHN Certificate (provision runs it; goproctl has no command of its own for it).
            created = await rig.stub.CreateCohnCert(pb.CreateCohnCertRequest(target=pb.CameraRequest(cameras=[cam])))
            assert created.results[0].code == 0
            assert ("GP-0072", bytes.fromhex("F1 67")) in await rig.received(cam)
            after = await status(rig, cam)
            assert after["provisioned"] is True and after["state"] == "COHN_STATE_NETWORK_DISCONNECTED"
            assert after["username"] == "gopro" and len(after["password"]) == 12

            with tempfile.TemporaryDirectory() as folder:
                path = os.path.join(folder, "cohn.pem")
                await rig.sim.control("ClearReceived", "s", cam)
                code, out, err = await ctl(rig, "-i", cam, "cohn", "cert", "--out", path)
                assert code == 0 and out == "", (out, err)
                assert await rig.received(cam) == [("GP-0076", bytes.fromhex("F5 6E"))]
                ca = load_ca(path)
                assert ("commonName", "GoPro C3501324500702") in [field for rdn in ca["subject"] for field in rdn]
                code, printed, _ = await ctl(rig, "-i", cam, "cohn", "cert")
                assert code == 0 and printed == open(path).read()
                assert printed.startswith("-----BEGIN CERTIFICATE-----\n")

            await rig.sim.control("ClearReceived", "s", cam)
            code, out, err = await ctl(rig, "-i", cam, "cohn", "off")
            assert code == 0 and cam in out, (out, err)
            assert await rig.received(cam) == [("GP-0072", bytes.fromhex("F1 65 08 00"))]
            assert (await status(rig, cam)).get("enabled", False) is False
            await rig.sim.control("ClearReceived", "s", cam)
            code, out, err = await ctl(rig, "--json", "-i", cam, "cohn", "on")
            assert code == 0 and json.loads(out)["results"][0]["identifier"] == cam, (out, err)
            assert await rig.received(cam) == [("GP-0072", bytes.fromhex("F1 65 08 01"))]
            assert (await status(rig, cam))["enabled"] is True

            await rig.sim.control("ClearReceived", "s", cam)
            code, out, err = await ctl(rig, "-i", cam, "cohn", "clear")
            assert code == 0, (out, err)
            assert await rig.received(cam) == [("GP-0072", bytes.fromhex("F1 66"))]
            assert (await status(rig, cam)).get("provisioned", False) is False
    run(scenario())


async def check_cohn_provision(rig, cam, ssid=SSID, password=PASSWORD):
    """`goproctl cohn provision` end to end on a ready camera new to the network `ssid` (nothing received yet):
    tutorial 9's steps in order, the credentials, the root CA, the NetworkConnected push as an event, and
    no password in goprod's log. Also run through the real bluetoothd by tests/vm."""
    events = await rig.watch(cameras=[cam], kinds=[pb.Event.KIND_COHN_STATUS])
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "ca.pem")
        code, out, err = await ctl(rig, "-i", cam, "cohn", "provision", ssid, "--password-stdin",
                                   "--cert-out", path, stdin=(password + "\n").encode())
        assert code == 0, (out, err)
        # The progress, on stderr a line per step (not a terminal), each step in the flow's order.
        steps = re.findall(r"^\[ *[\d.]+ s\] ([a-z ]+): ", err, re.M)
        assert list(dict.fromkeys(steps)) == ["date time", "network", "certificate", "waiting", "provisioned"], err
        fields = dict(line.split(None, 1) for line in out.strip().splitlines())
        assert fields["SSID"] == ssid and fields["USERNAME"] == "gopro"
        assert fields["ADDRESS"] == "192.168.50.100"
        load_ca(path)
        code, cert, _ = await ctl(rig, "-i", cam, "cohn", "cert")
        assert cert == open(path).read()

    # Tutorial 9's order, each step's bytes as the camera received them.
    received = [(c, m) for c, m in await rig.received(cam)]
    firsts = [(c, m[:2] if c != "GP-0072" or m[0] != 0x0F else m[:1]) for c, m in received]
    want = [("GP-0072", bytes([0x0F])),            # Set Local Date Time
            ("GP-0091", bytes.fromhex("02 02")),   # scan
            ("GP-0091", bytes.fromhex("02 05")),   # Connect New
            ("GP-0072", bytes.fromhex("F1 66")),   # Clear COHN Certificate
            ("GP-0072", bytes.fromhex("F1 67")),   # Create COHN Certificate
            ("GP-0076", bytes.fromhex("F5 6F")),   # Get COHN Status, registering
            ("GP-0076", bytes.fromhex("F5 6E"))]   # Get COHN Certificate
    positions = [firsts.index(step) for step in want]
    assert positions == sorted(positions), received
    assert ("GP-0076", bytes.fromhex("F5 6F 08 01")) in received
    set_time = next(m for c, m in received if c == "GP-0072" and m[0] == 0x0F)
    assert len(set_time) == 12 and set_time[1] == 10  # Set Local Date Time's 10 bytes

    # The push that said NetworkConnected reached WatchEvents as a COHN status event.
    async def connected():
        async for event in events:
            if event.cohn_status.state == pb.COHN_STATE_NETWORK_CONNECTED:
                return event
    event = await asyncio.wait_for(connected(), 10)
    events.cancel()
    assert event.cohn_status.ip_address == "192.168.50.100" and event.camera.identifier == cam

    assert fields["PASSWORD"] == (await status(rig, cam))["password"]
    assert fields["PASSWORD"] not in rig.daemon.output()
    assert password not in rig.daemon.output()


def test_cohn_provision_end_to_end_through_goproctl():
    async def scenario():
        async with Rig() as rig:
            await check_cohn_provision(rig, await ready_camera(rig))
    run(scenario())


def test_cohn_that_never_connects_times_out_naming_its_state():
    async def scenario():
        async with Rig() as rig:
            cam = await ready_camera(rig)
            await rig.sim.control("CohnNeverConnects", "sb", cam, True)
            code, out, err = await ctl(rig, "-i", cam, "--timeout", "5", "cohn", "provision", SSID,
                                       "--password-stdin", stdin=(PASSWORD + "\n").encode())
            assert code == 6, (out, err)
            assert "COHN_STATE_ConnectingToNetwork" in err, err
    run(scenario())


def test_cohn_help_and_usage_errors():
    async def scenario():
        async with Rig() as rig:
            for args in (["cohn", "--help"], ["cohn", "provision", "--help"], ["cohn", "cert", "--help"]):
                code, out, _ = await ctl(rig, *args)
                assert code == 0 and "Usage" in out, args
            code, _, err = await ctl(rig, "cohn", "provision", "x" * 33)
            assert code == 2, err
            code, _, err = await ctl(rig, "--all", "cohn", "cert")
            assert code == 2 and "one camera" in err, err
    run(scenario())


def test_python_package_provisions_cohn():
    import goprod

    async def scenario():
        async with Rig() as rig:
            cam = await ready_camera(rig)

            def provision():
                steps = []
                with goprod.Client(rig.daemon.target) as client:
                    before = client.cohn_status(cam)
                    credentials = client.provision_cohn(SSID, PASSWORD, camera=cam, progress=steps.append)
                    return before, credentials, steps, client.cohn_cert(cam)
            before, credentials, steps, cert = await asyncio.to_thread(provision)
            assert before[0].status.state == pb.COHN_STATE_IDLE
            assert credentials.ip_address == "192.168.50.100" and credentials.username == "gopro"
            assert credentials.cert == cert and cert.startswith("-----BEGIN CERTIFICATE-----")
            assert steps[0].step == pb.ProvisionCohnProgress.STEP_DATE_TIME
            assert steps[-1].step == pb.ProvisionCohnProgress.STEP_PROVISIONED
    run(scenario())
