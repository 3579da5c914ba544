"""The real goprod against goprod-sim on a private dbus-daemon, through its real
gRPC socket: discovery, pairing through goprod's own agent, every seed command
(checked byte for byte in what the simulated camera received), the AP and
station-mode flows, several cameras at once, each of the sim's fault controls
(the daemon recovers and the next request succeeds), BlueZ restarts, persisted
state, and bad input. Every wait is on an event (READY=1, a stream message, a
state change), never a fixed sleep.
"""
import asyncio
import os

import grpc
import pytest

from goprod.v1 import goprod_pb2 as pb
from harness import Daemon, run
from rig import Rig

OK = grpc.StatusCode.OK.value[0]
FAILED_PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION.value[0]
DEADLINE_EXCEEDED = grpc.StatusCode.DEADLINE_EXCEEDED.value[0]
UNAVAILABLE = grpc.StatusCode.UNAVAILABLE.value[0]


def only(result):
    assert len(result.results) == 1, result
    return result.results[0]


def target(identifier):
    return pb.CameraRequest(cameras=[identifier])


# ---------------------------------------------------------------- start, discovery, pairing

def test_daemon_is_ready_without_cameras_and_lists_none():
    async def scenario():
        async with Rig() as rig:
            assert "READY=1" in "".join(rig.daemon.notifications)
            cameras = await rig.stub.ListCameras(pb.ListCamerasRequest())
            assert list(cameras.cameras) == []
    run(scenario())


def test_discover_connect_and_pair_through_the_agent():
    async def scenario():
        async with Rig(["--cameras", "2"]) as rig:
            ids = await rig.discover(2)
            assert ids == sorted(await rig.sim_cameras())
            camera = await rig.connect(ids[0])
            assert camera.paired and camera.known and camera.auto_connect
            assert camera.model and camera.firmware and camera.serial.endswith(ids[0])
            assert camera.open_gopro_version
            (sim_cameras,) = await rig.sim.control("ListCameras")
            paired = {c[0].split()[-1]: (c[3], c[4]) for c in sim_cameras}
            assert paired[ids[0]] == (True, True)
            assert paired[ids[1]] == (False, False)
            # The session set-up, in order: third-party client, version, hardware info, registrations.
            sent = [m for _, m in await rig.received(ids[0])]
            assert sent.index(bytes.fromhex("50")) < sent.index(bytes.fromhex("51")) < sent.index(bytes.fromhex("3c"))
            assert any(m[0] == 0x53 and {8, 10, 69, 70} <= set(m[1:]) for m in sent)
    run(scenario())


def test_a_camera_that_refuses_pairing_gives_a_clear_error():
    async def scenario():
        async with Rig() as rig:
            (identifier,) = await rig.discover(1)
            await rig.sim.control("RefusePairing", "sb", identifier, True)
            with pytest.raises(grpc.aio.AioRpcError) as error:
                await rig.stub.Connect(pb.ConnectRequest(camera=identifier), timeout=5)  # retried until then
            assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION
            assert "pairing" in error.value.details().lower()
            assert "attempt" in error.value.details()
            await rig.sim.control("RefusePairing", "sb", identifier, False)
            await rig.connect(identifier)
    run(scenario())


def test_a_connection_bluetoothd_never_signals_still_becomes_ready():
    """The real bluetoothd sometimes answers Connect() without ever signalling Connected=true."""
    async def scenario():
        async with Rig() as rig:
            (identifier,) = await rig.discover(1)
            await rig.sim.control("HideNextConnected", "s", identifier)
            camera = await rig.stub.Connect(pb.ConnectRequest(camera=identifier), timeout=10)
            assert camera.state == pb.CAMERA_STATE_READY, camera
    run(scenario())


# ---------------------------------------------------------------- the commands seed, byte for byte

def test_every_seed_command_reaches_the_camera_with_the_seed_bytes():
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.ready(1)
            await rig.sim.control("ClearReceived", "s", cam)
            t = target(cam)
            # Calls start when made: make each only when the previous one is done.
            steps = [
                (lambda: rig.stub.SetShutter(pb.SetShutterRequest(target=t, on=True)), ("GP-0072", "01 01 01")),
                (lambda: rig.stub.SetShutter(pb.SetShutterRequest(target=t, on=False)), ("GP-0072", "01 01 00")),
                (lambda: rig.stub.LoadPresetGroup(pb.LoadPresetGroupRequest(target=t, group=pb.PRESET_GROUP_VIDEO)),
                 ("GP-0072", "3e 02 03 e8")),
                (lambda: rig.stub.EnableAnalytics(t), ("GP-0072", "50")),
                (lambda: rig.stub.SetSetting(pb.SetSettingRequest(target=t, resolution=pb.VIDEO_RESOLUTION_1080)),
                 ("GP-0074", "02 01 09")),
                (lambda: rig.stub.SetSetting(pb.SetSettingRequest(target=t, fps=pb.FRAMES_PER_SECOND_240)),
                 ("GP-0074", "03 01 00")),
            ]
            for call, expected in steps:
                result = only(await call())
                assert result.code == OK, result
                received = await rig.received(cam)
                assert (expected[0], bytes.fromhex(expected[1])) == received[0]
                await rig.last_media_read(cam)  # after the stop: the journal's read, not the next step's
                await rig.sim.control("ClearReceived", "s", cam)
    run(scenario())


def test_a_rejected_setting_reports_the_camera_status():
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.ready(1)
            t = target(cam)
            assert only(await rig.stub.SetSetting(pb.SetSettingRequest(target=t, resolution=pb.VIDEO_RESOLUTION_1080))).code == OK
            assert only(await rig.stub.SetSetting(pb.SetSettingRequest(target=t, fps=pb.FRAMES_PER_SECOND_240))).code == OK
            result = only(await rig.stub.SetSetting(pb.SetSettingRequest(target=t, resolution=pb.VIDEO_RESOLUTION_5_3K)))
            assert result.code == FAILED_PRECONDITION
            assert result.camera_status != 0
    run(scenario())


def test_hardware_info_statuses_and_settings():
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.ready(1)
            info = (await rig.stub.GetHardwareInfo(target(cam))).cameras[0]
            assert info.result.code == OK and info.info.serial_number.endswith(cam)
            statuses = (await rig.stub.GetStatuses(pb.GetValuesRequest(target=target(cam), ids=[8, 70]))).cameras[0]
            assert statuses.result.code == OK
            assert {v.id for v in statuses.values} == {8, 70}
            settings = (await rig.stub.GetSettings(pb.GetValuesRequest(target=target(cam)))).cameras[0]
            assert any(v.id == 2 for v in settings.values)
    run(scenario())


# ---------------------------------------------------------------- the WiFi seed

def test_ap_credentials_and_ap_on():
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.ready(1)
            ap = await rig.stub.GetApInfo(target(cam))
            assert ap.result.code == OK
            assert ap.ssid.startswith("GP") and len(ap.password) >= 8 and not ap.ssid_raw
            result = only(await rig.stub.SetAp(pb.SetApRequest(target=target(cam), on=True), timeout=30))
            assert result.code == OK, result
            assert ("GP-0072", bytes.fromhex("17 01 01")) in await rig.received(cam)
    run(scenario())


def test_station_mode_scan_connect_new_and_connect():
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.ready(1)
            scan = await rig.stub.ScanNetworks(target(cam), timeout=30)
            assert scan.result.code == OK
            names = {n.ssid for n in scan.networks}
            assert {"dabugdabug", "ATTTp4r6Fi", "Ring Setup e7"} <= names
            assert next(n for n in scan.networks if n.ssid == "dabugdabug").configured

            await rig.sim.control("ClearReceived", "s", cam)
            steps = []
            async for progress in rig.stub.ConnectNetwork(
                    pb.ConnectNetworkRequest(camera=cam, ssid="ATTTp4r6Fi", password=b"att-p4r6-pass"), timeout=60):
                steps.append(progress.step)
            assert steps[0] == pb.ConnectNetworkProgress.STEP_SCANNING
            assert pb.ConnectNetworkProgress.STEP_CONNECTING in steps
            assert steps[-1] == pb.ConnectNetworkProgress.STEP_CONNECTED
            connect_new = [m for c, m in await rig.received(cam) if c == "GP-0091" and m[1] == 0x05]
            assert connect_new and b"ATTTp4r6Fi" in connect_new[0] and b"att-p4r6-pass" in connect_new[0]
            assert "att-p4r6-pass" not in rig.daemon.output(), "a WiFi password reached the log (debug level)"

            # A configured network needs no password: Connect (0x04), not Connect New.
            await rig.sim.control("ClearReceived", "s", cam)
            async for progress in rig.stub.ConnectNetwork(pb.ConnectNetworkRequest(camera=cam, ssid="dabugdabug"),
                                                          timeout=60):
                last = progress.step
            assert last == pb.ConnectNetworkProgress.STEP_CONNECTED
            assert any(c == "GP-0091" and m[1] == 0x04 for c, m in await rig.received(cam))

            with pytest.raises(grpc.aio.AioRpcError) as error:
                async for _ in rig.stub.ConnectNetwork(
                        pb.ConnectNetworkRequest(camera=cam, ssid="Homeynet_2GEXT", password=b"wrong-password"),
                        timeout=60):
                    pass
            assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    run(scenario())


# ---------------------------------------------------------------- several cameras

def test_three_cameras_start_together_and_report_their_skew():
    async def scenario():
        async with Rig(["--cameras", "3"]) as rig:
            ids = await rig.ready(3)
            result = await rig.stub.SetShutter(pb.SetShutterRequest(target=pb.CameraRequest(all=True), on=True))
            assert sorted(r.identifier for r in result.results) == ids
            for r in result.results:
                assert r.code == OK
                assert r.sent.ToNanoseconds() > 0 and r.acknowledged.ToNanoseconds() >= r.sent.ToNanoseconds()
            for cam in ids:
                assert ("GP-0072", bytes.fromhex("01 01 01")) in await rig.received(cam)
    run(scenario())


# ---------------------------------------------------------------- faults: the daemon recovers

async def wait_for_bluez(rig, timeout=10):
    """Until goprod reports BlueZ running (its objects loaded)."""
    async def until():
        while not (await rig.stub.GetDaemonStatus(pb.GetDaemonStatusRequest())).bluez_running:
            await asyncio.sleep(0.02)
    await asyncio.wait_for(until(), timeout)


async def shutter_ok(rig, cam, timeout=None):
    result = only(await rig.stub.SetShutter(pb.SetShutterRequest(target=target(cam), on=True), timeout=timeout))
    return result


def test_dropped_link_reconnects_by_itself():
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.ready(1)
            events = await rig.watch(cameras=[cam], kinds=[pb.Event.KIND_STATE_CHANGED])
            await rig.sim.control("DropLink", "s", cam)
            states = []
            async for event in events:
                states.append(event.camera.state)
                if event.camera.state == pb.CAMERA_STATE_READY:
                    break
            events.cancel()
            assert pb.CAMERA_STATE_LINK_LOST in states
            assert (await shutter_ok(rig, cam)).code == OK
    run(scenario())


def test_link_dropped_during_a_response_fails_that_request_only():
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.ready(1)
            await rig.sim.control("DropLinkDuringNextResponse", "s", cam)
            hw = (await rig.stub.GetHardwareInfo(target(cam), timeout=30)).cameras[0]
            assert hw.result.code == UNAVAILABLE, hw
            await rig.wait_state(cam, pb.CAMERA_STATE_READY)
            assert (await shutter_ok(rig, cam)).code == OK
    run(scenario())


def test_a_camera_that_never_answers_times_out_and_the_next_request_works():
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.ready(1)
            await rig.sim.control("NeverAnswerNext", "s", cam)
            first = await shutter_ok(rig, cam, timeout=1.5)
            assert first.code == DEADLINE_EXCEEDED, first
            assert (await shutter_ok(rig, cam)).code == OK
    run(scenario())


def test_a_late_answer_never_completes_a_newer_request():
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.ready(1)
            await rig.sim.control("SetResponseDelay", "su", cam, 1500)
            first = await shutter_ok(rig, cam, timeout=0.5)
            assert first.code == DEADLINE_EXCEEDED
            await rig.sim.control("SetResponseDelay", "su", cam, 0)
            version = (await rig.stub.GetOpenGoProVersion(target(cam), timeout=10)).cameras[0]
            assert version.result.code == OK and version.major >= 1, version
    run(scenario())


@pytest.mark.parametrize("fault", ["CorruptNextPacket", "TruncateNextPacket", "DuplicateNextPacket"])
def test_a_malformed_response_is_discarded_and_the_next_request_works(fault):
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.ready(1)
            await rig.sim.control(fault, "s", cam)
            hw = (await rig.stub.GetHardwareInfo(target(cam), timeout=2)).cameras[0]
            # A duplicated packet is recognised and dropped: the answer still arrives.
            assert hw.result.code in ((OK,) if fault == "DuplicateNextPacket" else (OK, DEADLINE_EXCEEDED)), hw
            assert (await shutter_ok(rig, cam)).code == OK
    run(scenario())


async def make_busy(rig, cam):
    """The camera reports busy (status 8), and goprod has seen its push."""
    pushes = await rig.watch(cameras=[cam], kinds=[pb.Event.KIND_STATUS])
    await rig.sim.control("SetBusy", "sb", cam, True)

    async def until_busy():
        async for event in pushes:
            if any(v.id == 8 and v.raw == b"\x01" for v in event.values):
                return
    await asyncio.wait_for(until_busy(), 10)
    pushes.cancel()


def test_a_busy_camera_holds_commands_but_not_queries():
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.ready(1)
            await make_busy(rig, cam)
            shutter = asyncio.ensure_future(shutter_ok(rig, cam, timeout=10))
            statuses = (await rig.stub.GetStatuses(pb.GetValuesRequest(target=target(cam), ids=[8]))).cameras[0]
            assert statuses.result.code == OK
            assert not shutter.done()
            await rig.sim.control("SetBusy", "sb", cam, False)
            assert (await shutter).code == OK
    run(scenario())


def test_a_shutter_off_sent_as_raw_bytes_overtakes_commands_waiting_for_a_busy_camera():
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.ready(1)
            await make_busy(rig, cam)
            shutter = asyncio.ensure_future(shutter_ok(rig, cam, timeout=10))
            off = await rig.stub.SendRaw(pb.SendRawRequest(camera=cam, characteristic=pb.CHARACTERISTIC_COMMAND,
                                                           message=bytes.fromhex("01 01 00")), timeout=5)
            assert off.result.code == OK and off.response == bytes.fromhex("01 00"), off
            assert not shutter.done()
            await rig.sim.control("SetBusy", "sb", cam, False)
            assert (await shutter).code == OK
    run(scenario())


def test_registrations_sent_as_raw_bytes_are_restored_on_reconnection():
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.ready(1)
            for message in ("53 02 0D", "52 02 03", "72 03"):
                raw = await rig.stub.SendRaw(pb.SendRawRequest(camera=cam, characteristic=pb.CHARACTERISTIC_QUERY,
                                                               message=bytes.fromhex(message)))
                assert raw.result.code == OK and raw.response[:2] == bytes.fromhex(message)[:1] + b"\x00", raw
            await rig.sim.control("ClearReceived", "s", cam)
            events = await rig.watch(cameras=[cam], kinds=[pb.Event.KIND_STATE_CHANGED])
            await rig.sim.control("DropLink", "s", cam)
            states = []
            async for event in events:
                states.append(event.camera.state)
                if event.camera.state == pb.CAMERA_STATE_READY:
                    break
            events.cancel()
            assert pb.CAMERA_STATE_LINK_LOST in states
            queries = [m for c, m in await rig.received(cam) if c == "GP-0076"]
            # The daemon's own statuses (busy, encoding, AP mode, battery), then the client's.
            assert bytes.fromhex("53 08 0A 45 46 02 0D") in queries, queries
            assert bytes.fromhex("52 02") in queries, queries
    run(scenario())


def test_bluez_restart_is_survived():
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.ready(1)
            events = await rig.watch(cameras=[cam], kinds=[pb.Event.KIND_STATE_CHANGED])
            await rig.sim.control("RestartBluez", "u", 200)
            states = []

            async def until_ready_again():
                async for event in events:
                    states.append(event.camera.state)
                    if event.camera.state == pb.CAMERA_STATE_READY:
                        return
            await asyncio.wait_for(until_ready_again(), 30)
            events.cancel()
            assert states[0] != pb.CAMERA_STATE_READY
            assert (await shutter_ok(rig, cam)).code == OK
    run(scenario())


def test_bluez_started_after_the_daemon():
    async def scenario():
        async with Rig() as rig:
            await rig.sim.control("StopBluez")
            await rig.stop_daemon()
            await rig.start_daemon()  # no org.bluez now: goprod must still be ready
            assert list((await rig.stub.ListCameras(pb.ListCamerasRequest())).cameras) == []
            await rig.sim.control("StartBluez")
            await wait_for_bluez(rig)  # until then, requests that need BlueZ fail at once
            (cam,) = await rig.ready(1)
            assert (await shutter_ok(rig, cam)).code == OK
    run(scenario())


# ---------------------------------------------------------------- state

def test_known_cameras_persist_and_reconnect_after_a_restart():
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.ready(1)
            await rig.stop_daemon()
            with open(os.path.join(rig.daemon.state_dir, "cameras.toml")) as f:
                assert cam in f.read()
            await rig.start_daemon()
            camera = await rig.wait_state(cam, pb.CAMERA_STATE_READY, timeout=30)
            assert camera.known
            await rig.stub.Forget(pb.ForgetRequest(camera=cam))
            await rig.stop_daemon()
            with open(os.path.join(rig.daemon.state_dir, "cameras.toml")) as f:
                assert cam not in f.read()
            await rig.start_daemon()
    run(scenario())


def test_a_second_daemon_on_the_same_socket_refuses_to_start():
    async def scenario():
        async with Rig() as rig:
            second = Daemon(rig.bus.address, rig.tmp.name)
            with pytest.raises(RuntimeError) as error:
                await second.start()
            assert "another goprod" in str(error.value)
            second.close()
    run(scenario())


# ---------------------------------------------------------------- bad input

def test_bad_input_gets_clear_errors():
    async def scenario():
        async with Rig() as rig:
            (cam,) = await rig.ready(1)
            cases = [
                (rig.stub.Connect(pb.ConnectRequest(camera="9999"), timeout=3), grpc.StatusCode.NOT_FOUND),
                (rig.stub.SendRaw(pb.SendRawRequest(camera=cam, characteristic=pb.CHARACTERISTIC_COMMAND)),
                 grpc.StatusCode.INVALID_ARGUMENT),
                (rig.stub.SetSetting(pb.SetSettingRequest(target=target(cam), resolution=3)),
                 grpc.StatusCode.INVALID_ARGUMENT),
            ]
            for call, code in cases:
                with pytest.raises(grpc.aio.AioRpcError) as error:
                    await call
                assert error.value.code() == code
            with pytest.raises(grpc.aio.AioRpcError) as error:
                async for _ in rig.stub.ConnectNetwork(pb.ConnectNetworkRequest(camera=cam, ssid="x" * 33)):
                    pass
            assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            raw = await rig.stub.SendRaw(pb.SendRawRequest(camera=cam, characteristic=pb.CHARACTERISTIC_COMMAND,
                                                           message=bytes.fromhex("51")))
            assert raw.result.code == OK and raw.response[:2] == bytes.fromhex("51 00")
    run(scenario())
