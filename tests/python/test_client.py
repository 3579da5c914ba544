"""goprod.Client against a small fake goprod in this process: the address it
picks, the deadline on every call, what it sends, and how failures come out
(GoprodError with the status code, CameraError naming each failed camera, an
event stream that ends on its deadline). The real daemon is in
tests/integration/test_python_package.py."""

import grp
import os
import queue
import tempfile
import threading
from concurrent import futures

import grpc
import pytest

import goprod
from goprod import pb2
from goprod.v1 import goprod_pb2_grpc as pb2_grpc

FAILED_PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION.value[0]


def result(identifier, code=0, message=""):
    return pb2.CameraResult(identifier=identifier, code=code, message=message)


class FakeGoprod(pb2_grpc.GoprodServicer):
    """Records each call with its deadline; answers with what the test set."""

    def __init__(self):
        self.calls = []            # (rpc, request, seconds left, None without a deadline)
        self.results = [result("0456")]
        self.subscribers = []      # one queue per live WatchEvents
        self.subscribed = threading.Condition()
        self.stall = threading.Event()  # set: ListCameras answers only when cancelled

    def record(self, rpc, request, context):
        seconds = context.time_remaining()  # gRPC's "infinite" without a deadline
        self.calls.append((rpc, request, seconds if seconds < 1e6 else None))

    def ListCameras(self, request, context):
        self.record("ListCameras", request, context)
        if self.stall.is_set():
            done = threading.Event()
            context.add_callback(done.set)
            done.wait(30)
        return pb2.ListCamerasResponse(cameras=[pb2.Camera(identifier="0456", state=pb2.CAMERA_STATE_READY)])

    def Connect(self, request, context):
        self.record("Connect", request, context)
        if request.camera == "9999":
            context.abort(grpc.StatusCode.NOT_FOUND, "camera 9999 was not found within 60 s (is it on and in range?)")
        if request.camera == "bluez-gone":
            context.abort(grpc.StatusCode.UNAVAILABLE, "BlueZ is not running (org.bluez is not on the bus)")
        return pb2.Camera(identifier=request.camera, state=pb2.CAMERA_STATE_READY)

    def SetShutter(self, request, context):
        self.record("SetShutter", request, context)
        return pb2.MultiResult(results=self.results)

    def LoadPresetGroup(self, request, context):
        self.record("LoadPresetGroup", request, context)
        return pb2.MultiResult(results=self.results)

    def GetStatuses(self, request, context):
        self.record("GetStatuses", request, context)
        return pb2.ValuesResponse(cameras=[pb2.CameraValues(result=r) for r in self.results])

    def GetApInfo(self, request, context):
        self.record("GetApInfo", request, context)
        return pb2.ApInfo(result=self.results[0], ssid="GP24500456", password="abc-DEF-ghi")

    def GetDaemonStatus(self, request, context):
        self.record("GetDaemonStatus", request, context)
        return pb2.DaemonStatus(version="0.1.0", bluez_running=True, adapters=[
            pb2.Adapter(name="hci0", powered=True, used=True, budget=7, connections=1, cameras=["0456"])])

    # issue 15 group A
    def Hilight(self, request, context):
        self.record("Hilight", request, context)
        return pb2.MultiResult(results=self.results)

    def PowerDown(self, request, context):
        self.record("PowerDown", request, context)
        return pb2.MultiResult(results=self.results)

    def Reboot(self, request, context):
        self.record("Reboot", request, context)
        return pb2.MultiResult(results=self.results)

    def SetTurboTransfer(self, request, context):
        self.record("SetTurboTransfer", request, context)
        return pb2.MultiResult(results=self.results)

    def SetCameraControl(self, request, context):
        self.record("SetCameraControl", request, context)
        return pb2.MultiResult(results=self.results)

    def ReleaseNetwork(self, request, context):
        self.record("ReleaseNetwork", request, context)
        return pb2.MultiResult(results=self.results)

    # issue 15 E
    def GetDateTime(self, request, context):
        self.record("GetDateTime", request, context)
        return pb2.DateTimeResponse(cameras=[pb2.CameraDateTime(result=r, local_time="2026-12-07T09:15:00",
                                                                utc_offset_minutes=330, dst=True) for r in self.results])

    def SetDateTime(self, request, context):
        self.record("SetDateTime", request, context)
        return pb2.MultiResult(results=self.results)

    def GetLastMedia(self, request, context):
        self.record("GetLastMedia", request, context)
        return pb2.LastMediaResponse(cameras=[pb2.CameraLastMedia(result=r, folder="100GOPRO", file="GX010001.MP4")
                                              for r in self.results])

    def WatchEvents(self, request, context):
        """Like goprod: subscribes, then sends the headers; events published after that reach the client."""
        self.record("WatchEvents", request, context)
        events = queue.Queue()
        context.add_callback(lambda: events.put(None))
        with self.subscribed:
            self.subscribers.append(events)
            self.subscribed.notify_all()
        context.send_initial_metadata(())
        while (event := events.get()) is not None:
            if isinstance(event, grpc.StatusCode):
                context.abort(event, "the client reads too slowly: more than 256 messages waiting")
            yield event

    def publish(self, event):
        with self.subscribed:
            for subscriber in self.subscribers:
                subscriber.put(event)

    # issue 15 G: the other issue-15 calls
    def SetCameraName(self, request, context):
        self.record("SetCameraName", request, context)
        return pb2.MultiResult(results=self.results)

    def CreateCohnCert(self, request, context):
        self.record("CreateCohnCert", request, context)
        return pb2.MultiResult(results=self.results)

    def ClearCohnCert(self, request, context):
        self.record("ClearCohnCert", request, context)
        return pb2.MultiResult(results=self.results)

    def SetCohn(self, request, context):
        self.record("SetCohn", request, context)
        return pb2.MultiResult(results=self.results)

    def GetCohnStatus(self, request, context):
        self.record("GetCohnStatus", request, context)
        return pb2.CohnStatusResponse(cameras=[pb2.CameraCohnStatus(result=r) for r in self.results])

    def GetCohnCert(self, request, context):
        self.record("GetCohnCert", request, context)
        return pb2.CohnCert(result=self.results[0], cert="-----BEGIN CERTIFICATE-----\n")

    def GetLiveStreamStatus(self, request, context):
        self.record("GetLiveStreamStatus", request, context)
        return pb2.LiveStreamStatusResponse(cameras=[pb2.CameraLiveStreamStatus(result=r) for r in self.results])

    def StopLiveStream(self, request, context):
        self.record("StopLiveStream", request, context)
        return pb2.MultiResult(results=self.results)

    def GetPresets(self, request, context):
        self.record("GetPresets", request, context)
        groups = [pb2.PresetGroupInfo(id=1000, name="Video")]
        return pb2.PresetsResponse(cameras=[pb2.CameraPresets(result=self.results[0], groups=groups)])

    def GetCapabilities(self, request, context):
        self.record("GetCapabilities", request, context)
        return pb2.CapabilitiesResponse(cameras=[pb2.CameraCapabilities(result=r) for r in self.results])

    # Streams: the steps the test set (`stream_steps`), then `stream_error` (a status code) or the end.
    stream_steps = ()
    stream_error = None

    def stream(self, rpc, request, context):
        self.record(rpc, request, context)
        yield from self.stream_steps
        if self.stream_error is not None:
            context.abort(self.stream_error, "the camera rejected Set Live Stream Mode: EnumResultGeneric 2")

    def StartLiveStream(self, request, context):
        yield from self.stream("StartLiveStream", request, context)

    def ProvisionCohn(self, request, context):
        yield from self.stream("ProvisionCohn", request, context)


@pytest.fixture
def fake(monkeypatch):
    monkeypatch.delenv("GOPROD_SOCKET", raising=False)
    with tempfile.TemporaryDirectory(prefix="goprod-py-") as folder:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        fake = FakeGoprod()
        pb2_grpc.add_GoprodServicer_to_server(fake, server)
        fake.socket = os.path.join(folder, "goprod.sock")
        server.add_insecure_port("unix:" + fake.socket)
        server.start()
        try:
            yield fake
        finally:
            fake.publish(None)
            server.stop(grace=None)


def event(identifier, request="command 0x01"):
    return pb2.Event(kind=pb2.Event.KIND_REQUEST_DONE, camera=pb2.Camera(identifier=identifier), request=request)


# ---------------------------------------------------------------- the address

def test_the_address_is_GOPROD_SOCKET_else_the_default(monkeypatch):
    monkeypatch.delenv("GOPROD_SOCKET", raising=False)
    assert goprod.Client().address == "unix:/run/goprod/goprod.sock" == goprod.DEFAULT_SOCKET
    monkeypatch.setenv("GOPROD_SOCKET", "/tmp/goprod-demo/goprod.sock")
    assert goprod.Client().address == "unix:/tmp/goprod-demo/goprod.sock"
    assert goprod.Client("unix:/x/goprod.sock").address == "unix:/x/goprod.sock"  # an explicit one wins


@pytest.mark.parametrize("given, target", [
    ("unix:/run/goprod/goprod.sock", "unix:/run/goprod/goprod.sock"),
    ("/tmp/goprod.sock", "unix:/tmp/goprod.sock"),
    ("goprod.sock", "unix:goprod.sock"),          # a relative path, not a host name
    ("./run/goprod.sock", "unix:./run/goprod.sock"),
    ("localhost:50051", "localhost:50051"),
    ("dns:///camera-host:50051", "dns:///camera-host:50051"),
    ("unix-abstract:goprod", "unix-abstract:goprod"),
])
def test_addresses(given, target):
    assert goprod.resolve_address(given) == target


def test_the_client_reaches_goprod_through_GOPROD_SOCKET(fake, monkeypatch):
    monkeypatch.setenv("GOPROD_SOCKET", fake.socket)
    with goprod.Client() as client:
        assert [c.identifier for c in client.list_cameras()] == ["0456"]
    assert [rpc for rpc, _, _ in fake.calls] == ["ListCameras"]


# ---------------------------------------------------------------- requests and deadlines

def test_every_call_has_a_deadline(fake):
    with goprod.Client(fake.socket, timeout=7) as client:
        client.list_cameras()
        client.shutter(True)
        client.load_preset_group("photo")
        client.statuses()
        client.ap_info()
        client.daemon_status()
        client.connect("0456")                 # Connect waits for pairing: 60 s unless told
        client.list_cameras(timeout=2)
    left = {rpc: seconds for rpc, _, seconds in fake.calls}
    assert all(seconds is not None for seconds in left.values()), left
    # The deadline travels in whole units of gRPC's wire format: a few ms more may arrive.
    assert all(5 < left[rpc] < 7.5 for rpc in ("SetShutter", "LoadPresetGroup", "GetStatuses", "GetApInfo",
                                              "GetDaemonStatus")), left
    assert 50 < left["Connect"] < 60.5 and left["ListCameras"] < 2.5, left


def test_connect_pins_to_an_adapter_and_sets_a_priority_only_when_asked(fake):  # issue 16
    with goprod.Client(fake.socket) as client:
        client.connect("0456")
        client.connect("0456", adapter="hci1", priority=-5)
        client.connect("0456", adapter="")
        (adapter,) = client.adapters()
    sent = [request for rpc, request, _ in fake.calls if rpc == "Connect"]
    assert [(r.HasField("adapter"), r.HasField("priority")) for r in sent] == [(False, False), (True, True),
                                                                              (True, False)]
    assert (sent[1].adapter, sent[1].priority, sent[2].adapter) == ("hci1", -5, "")
    assert (adapter.name, adapter.budget, list(adapter.cameras)) == ("hci0", 7, ["0456"])


def test_a_planned_shutter_sends_start_at_and_waits_past_it(fake):  # issue 17
    import time
    with goprod.Client(fake.socket) as client:
        start = time.time() + 30
        client.shutter(True, all=True, start_at=start)
    rpc, request, left = fake.calls[-1]
    assert rpc == "SetShutter" and abs(request.start_at.ToNanoseconds() / 1e9 - start) < 1e-6
    assert 35 < left < 41, left  # the default 10 s, counted from the instant


def test_what_the_control_calls_send(fake):
    with goprod.Client(fake.socket) as client:
        (only,) = client.shutter(True)
        assert only.identifier == "0456"
        client.shutter(False, "0456")
        client.shutter(True, ["0456", "AA:BB:CC:00:04:57"])
        client.shutter(True, all=True)
        client.load_preset_group("timelapse", "0456")
        client.load_preset_group(pb2.PRESET_GROUP_VIDEO)
        client.statuses([8, 70], "0456")
        with pytest.raises(ValueError, match="unknown preset group 'burst'"):
            client.load_preset_group("burst")
    sent = [(rpc, request) for rpc, request, _ in fake.calls]
    assert sent == [
        ("SetShutter", pb2.SetShutterRequest(target=pb2.CameraRequest(), on=True)),
        ("SetShutter", pb2.SetShutterRequest(target=pb2.CameraRequest(cameras=["0456"]), on=False)),
        ("SetShutter", pb2.SetShutterRequest(target=pb2.CameraRequest(cameras=["0456", "AA:BB:CC:00:04:57"]), on=True)),
        ("SetShutter", pb2.SetShutterRequest(target=pb2.CameraRequest(all=True), on=True)),
        ("LoadPresetGroup", pb2.LoadPresetGroupRequest(target=pb2.CameraRequest(cameras=["0456"]),
                                                       group=pb2.PRESET_GROUP_TIMELAPSE)),
        ("LoadPresetGroup", pb2.LoadPresetGroupRequest(target=pb2.CameraRequest(), group=pb2.PRESET_GROUP_VIDEO)),
        ("GetStatuses", pb2.GetValuesRequest(target=pb2.CameraRequest(cameras=["0456"]), ids=[8, 70])),
    ]


# ---------------------------------------------------------------- failures

def test_a_camera_that_failed_is_named_with_its_message(fake):
    fake.results = [result("0456"),
                    result("0457", FAILED_PRECONDITION, "the camera rejected Set Shutter on: camera status 1 (error)")]
    with goprod.Client(fake.socket) as client:
        with pytest.raises(goprod.CameraError) as error:
            client.shutter(True, all=True)
    assert str(error.value) == ("shutter on failed on camera 0457: the camera rejected Set Shutter on: "
                                "camera status 1 (error)")
    assert error.value.code == grpc.StatusCode.FAILED_PRECONDITION and error.value.rpc == "SetShutter"
    assert [r.identifier for r in error.value.results] == ["0456", "0457"]
    assert [r.identifier for r in error.value.failures] == ["0457"]
    assert isinstance(error.value, goprod.GoprodError)


def test_every_failed_camera_is_named(fake):
    fake.results = [result("0456", 14, "camera 0456 is not connected (link lost)"),
                    result("0457", 4, "the camera did not answer in time")]
    with goprod.Client(fake.socket) as client:
        with pytest.raises(goprod.CameraError) as error:
            client.load_preset_group("photo", all=True)
        assert str(error.value) == ("load preset group photo failed on camera 0456: camera 0456 is not connected "
                                    "(link lost); camera 0457: the camera did not answer in time")
        assert error.value.code == grpc.StatusCode.UNAVAILABLE
        # Reads answer per camera too, and so does any RPC through call().
        with pytest.raises(goprod.CameraError, match="^get statuses failed on camera 0456: "):
            client.statuses()
        with pytest.raises(goprod.CameraError, match="^GetApInfo failed on camera 0456: "):
            client.call("GetApInfo", pb2.CameraRequest())


def test_an_rpc_error_keeps_its_code_and_the_daemons_message(fake):
    with goprod.Client(fake.socket) as client:
        with pytest.raises(goprod.GoprodError) as error:
            client.connect("9999")
    assert error.value.code == grpc.StatusCode.NOT_FOUND
    assert error.value.details == "camera 9999 was not found within 60 s (is it on and in range?)"
    assert str(error.value) == ("Connect failed: NOT_FOUND: camera 9999 was not found within 60 s "
                                "(is it on and in range?)")
    assert not isinstance(error.value, goprod.CameraError)


def test_no_daemon_says_where_the_client_looked():
    with tempfile.TemporaryDirectory(prefix="goprod-py-") as folder:
        socket = os.path.join(folder, "absent.sock")
        with goprod.Client(socket, timeout=5) as client:
            with pytest.raises(goprod.GoprodError) as error:
                client.list_cameras()
    assert error.value.code == grpc.StatusCode.UNAVAILABLE
    message = str(error.value)
    assert message.startswith("ListCameras failed: UNAVAILABLE: ")
    assert "No such file or directory" in message
    assert message.endswith("(is goprod running and serving unix:%s?)" % socket)


def test_a_user_outside_the_sockets_group_is_told_so():
    """gRPC's text for a socket the user may not open (not testable for real as root)."""
    class Refused(grpc.RpcError):
        def code(self):
            return grpc.StatusCode.UNAVAILABLE

        def details(self):
            return "failed to connect to all addresses; last error: UNKNOWN: unix:%s: Permission denied" % socket

    with tempfile.TemporaryDirectory(prefix="goprod-py-") as folder:
        socket = os.path.join(folder, "goprod.sock")
        open(socket, "w").close()
        error = goprod.errors.from_rpc_error("ListCameras", Refused(), "unix:" + socket)
        group = grp.getgrgid(os.stat(socket).st_gid).gr_name
    assert error.code == grpc.StatusCode.UNAVAILABLE
    assert str(error) == ('ListCameras failed: UNAVAILABLE: no permission to use goprod\'s socket unix:%s: the user '
                          'must be in the socket\'s group "%s" (add it with usermod -aG, then log in again)'
                          % (socket, group))


def test_an_unavailable_answer_from_goprod_is_not_taken_for_an_absent_daemon(fake):
    with goprod.Client(fake.socket) as client:
        with pytest.raises(goprod.GoprodError) as error:
            client.connect("bluez-gone")
    assert str(error.value) == "Connect failed: UNAVAILABLE: BlueZ is not running (org.bluez is not on the bus)"


def test_a_call_past_its_deadline_says_which_limit(fake):
    fake.stall.set()
    with goprod.Client(fake.socket, timeout=0.3) as client:
        with pytest.raises(goprod.GoprodError) as error:
            client.list_cameras()
    assert error.value.code == grpc.StatusCode.DEADLINE_EXCEEDED
    assert str(error.value) == "ListCameras failed: DEADLINE_EXCEEDED: no answer within 0.3 s"


# ---------------------------------------------------------------- events

def test_events_are_subscribed_when_events_returns_and_end_on_the_deadline(fake):
    with goprod.Client(fake.socket) as client:
        stream = client.events(seconds=1, cameras="0456", kinds=[pb2.Event.KIND_REQUEST_DONE])
        fake.publish(event("0456"))
        fake.publish(event("0456", "setting 0x02"))
        received = [e.request for e in stream]  # ends by itself when the second is over
    assert received == ["command 0x01", "setting 0x02"]
    (rpc, request, seconds) = fake.calls[0]
    assert request == pb2.WatchEventsRequest(cameras=["0456"], kinds=[pb2.Event.KIND_REQUEST_DONE])
    assert 0 < seconds < 1.5


def test_leaving_the_with_block_ends_the_stream(fake):
    with goprod.Client(fake.socket) as client:
        with client.events() as stream:   # no deadline: until cancelled
            fake.publish(event("0456"))
            assert next(stream).request == "command 0x01"
        assert list(stream) == []          # cancelled: the iteration is over, without an error
    assert fake.calls[0][2] is None


def test_a_stream_goprod_ends_raises(fake):
    with goprod.Client(fake.socket) as client:
        stream = client.events(seconds=10)
        fake.publish(event("0456"))
        fake.publish(grpc.StatusCode.RESOURCE_EXHAUSTED)
        assert next(stream).request == "command 0x01"
        with pytest.raises(goprod.GoprodError) as error:
            next(stream)
    assert error.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert str(error.value) == ("WatchEvents failed: RESOURCE_EXHAUSTED: the client reads too slowly: "
                                "more than 256 messages waiting")


def test_events_without_a_daemon_fail_at_once():
    with tempfile.TemporaryDirectory(prefix="goprod-py-") as folder:
        with goprod.Client(os.path.join(folder, "absent.sock")) as client:
            with pytest.raises(goprod.GoprodError) as error:
                client.events(seconds=30)
    assert error.value.code == grpc.StatusCode.UNAVAILABLE
    assert "is goprod running and serving" in str(error.value)


# issue 15 group A
def test_what_the_camera_command_calls_send(fake):
    with goprod.Client(fake.socket) as client:
        (only,) = client.hilight()
        assert only.identifier == "0456"
        client.power_down("0456")
        client.reboot(all=True)
        client.turbo(False, ["0456"])
        client.camera_control("external", "0456")
        client.camera_control(pb2.CAMERA_CONTROL_IDLE)
        client.release_network("0456")
        with pytest.raises(ValueError, match="unknown camera control 'remote'"):
            client.camera_control("remote")
    one = pb2.CameraRequest(cameras=["0456"])
    sent = [(rpc, request) for rpc, request, _ in fake.calls]
    assert sent == [
        ("Hilight", pb2.CameraRequest()),
        ("PowerDown", one),
        ("Reboot", pb2.CameraRequest(all=True)),
        ("SetTurboTransfer", pb2.SetTurboTransferRequest(target=one, on=False)),
        ("SetCameraControl", pb2.SetCameraControlRequest(target=one, control=pb2.CAMERA_CONTROL_EXTERNAL)),
        ("SetCameraControl", pb2.SetCameraControlRequest(target=pb2.CameraRequest(), control=pb2.CAMERA_CONTROL_IDLE)),
        ("ReleaseNetwork", one),
    ]


# issue 15 G
def test_what_the_other_issue_15_calls_send(fake):
    with goprod.Client(fake.socket, timeout=7) as client:
        assert [r.identifier for r in client.set_camera_name("Helmet", "0456")] == ["0456"]
        client.create_cohn_cert(override=True)
        client.clear_cohn_cert(all=True)
        client.set_cohn(True, ["0456"])
        client.set_cohn(False)
        (status,) = client.cohn_status("0456", register=True)
        assert status.result.identifier == "0456"
        assert client.cohn_cert("0456").startswith("-----BEGIN CERTIFICATE-----")
        (live,) = client.live_stream_status(all=True)
        assert live.result.identifier == "0456"
        client.stop_live_stream("0456")
        (group,) = client.presets("0456", include_hidden=True)
        assert group.id == 1000
        (capabilities,) = client.capabilities([2, 3], "0456")
        assert capabilities.result.identifier == "0456"
    one = pb2.CameraRequest(cameras=["0456"])
    every = pb2.CameraRequest(all=True)
    assert [(rpc, request) for rpc, request, _ in fake.calls] == [
        ("SetCameraName", pb2.SetCameraNameRequest(target=one, name="Helmet")),
        ("CreateCohnCert", pb2.CreateCohnCertRequest(target=pb2.CameraRequest(), override=True)),
        ("ClearCohnCert", every),
        ("SetCohn", pb2.SetCohnRequest(target=one, enabled=True)),
        ("SetCohn", pb2.SetCohnRequest(target=pb2.CameraRequest(), enabled=False)),
        ("GetCohnStatus", pb2.GetCohnStatusRequest(target=one, register_updates=True)),
        ("GetCohnCert", one),
        ("GetLiveStreamStatus", every),
        ("StopLiveStream", one),
        ("GetPresets", pb2.GetPresetsRequest(target=one, include_hidden=True)),
        ("GetCapabilities", pb2.GetValuesRequest(target=one, ids=[2, 3])),
    ]
    for rpc, _, seconds in fake.calls:  # the client's deadline on every call (a few ms more may arrive)
        assert seconds is not None and 5 < seconds < 7.5, (rpc, seconds)


def test_a_camera_that_failed_an_issue_15_call_is_named(fake):
    fake.results = [result("0456"), result("1234", FAILED_PRECONDITION, "the camera rejected Set Camera Name: "
                                                                        "EnumResultGeneric 5 (ill-formed)")]
    with goprod.Client(fake.socket) as client:
        with pytest.raises(goprod.CameraError) as error:
            client.set_camera_name("Helmet", "1234")
    assert str(error.value) == ("name 'Helmet' failed on camera 1234: the camera rejected Set Camera Name: "
                                "EnumResultGeneric 5 (ill-formed)")
    assert error.value.code == grpc.StatusCode.FAILED_PRECONDITION
    assert [r.identifier for r in error.value.results] == ["0456", "1234"]


def test_start_live_stream_sends_the_options_reports_each_step_and_returns_the_streaming_status(fake):
    Step = pb2.LiveStreamProgress
    streaming = pb2.LiveStreamStatus(state=pb2.LIVE_STREAM_STATE_STREAMING, bitrate_kbps=2000)
    fake.stream_steps = [Step(step=Step.STEP_CONFIGURING), Step(step=Step.STEP_READY),
                         Step(step=Step.STEP_STARTING), Step(step=Step.STEP_STREAMING, status=streaming)]
    steps = []
    with goprod.Client(fake.socket) as client:
        status = client.start_live_stream("rtmp://example.com/live", "0456", window=720, lens="linear",
                                          min_kbps=1000, max_kbps=4000, start_kbps=2000,
                                          certificate="-----BEGIN CERTIFICATE-----\n", encode=False,
                                          progress=steps.append, timeout=30)
        assert status == streaming
        assert [s.step for s in steps] == [Step.STEP_CONFIGURING, Step.STEP_READY, Step.STEP_STARTING,
                                           Step.STEP_STREAMING]
        client.start_live_stream("rtmps://example.com/live", lens=pb2.LIVE_STREAM_LENS_WIDE)
        with pytest.raises(ValueError, match="unknown lens 'fisheye'"):
            client.start_live_stream("rtmp://example.com/live", lens="fisheye")
    (_, first, seconds), (_, second, default_seconds) = fake.calls
    assert first == pb2.StartLiveStreamRequest(camera="0456", url="rtmp://example.com/live", window=720,
                                               lens=pb2.LIVE_STREAM_LENS_LINEAR, minimum_kbps=1000,
                                               maximum_kbps=4000, starting_kbps=2000,
                                               certificate=b"-----BEGIN CERTIFICATE-----\n", no_encode=True)
    assert second == pb2.StartLiveStreamRequest(url="rtmps://example.com/live", lens=pb2.LIVE_STREAM_LENS_WIDE)
    assert 25 < seconds < 31 and 50 < default_seconds < 61.5  # gRPC rounds long deadlines up


def test_a_live_stream_that_fails_raises_after_its_progress(fake):
    Step = pb2.LiveStreamProgress
    fake.stream_steps = [Step(step=Step.STEP_CONFIGURING)]
    fake.stream_error = grpc.StatusCode.FAILED_PRECONDITION
    steps = []
    with goprod.Client(fake.socket) as client:
        with pytest.raises(goprod.GoprodError) as error:
            client.start_live_stream("rtmp://example.com/live", progress=steps.append)
    assert [s.step for s in steps] == [Step.STEP_CONFIGURING]
    assert error.value.code == grpc.StatusCode.FAILED_PRECONDITION and error.value.rpc == "StartLiveStream"
    assert str(error.value) == ("StartLiveStream failed: FAILED_PRECONDITION: the camera rejected Set Live Stream "
                                "Mode: EnumResultGeneric 2")


def test_provision_cohn_sends_the_password_and_returns_the_credentials(fake):
    Step = pb2.ProvisionCohnProgress
    credentials = pb2.CohnCredentials(ip_address="192.168.50.100", username="gopro", password="pw", ssid="home")
    fake.stream_steps = [Step(step=Step.STEP_DATE_TIME), Step(step=Step.STEP_NETWORK),
                         Step(step=Step.STEP_PROVISIONED, credentials=credentials)]
    steps = []
    with goprod.Client(fake.socket) as client:
        assert client.provision_cohn("home", "secret12", camera="0456", progress=steps.append) == credentials
        fake.stream_steps, fake.stream_error = [], grpc.StatusCode.DEADLINE_EXCEEDED
        with pytest.raises(goprod.GoprodError) as error:
            client.provision_cohn("home")
    assert [s.step for s in steps] == [Step.STEP_DATE_TIME, Step.STEP_NETWORK, Step.STEP_PROVISIONED]
    assert error.value.code == grpc.StatusCode.DEADLINE_EXCEEDED
    assert [request for _, request, _ in fake.calls] == [
        pb2.ProvisionCohnRequest(camera="0456", ssid="home", password=b"secret12"),
        pb2.ProvisionCohnRequest(ssid="home")]
# issue 15 E
def test_what_the_clock_media_and_session_control_calls_send(fake):
    with goprod.Client(fake.socket) as client:
        (clock,) = client.date_time(all=True)
        assert (clock.local_time, clock.utc_offset_minutes, clock.dst) == ("2026-12-07T09:15:00", 330, True)
        client.set_date_time("0456", utc_offset_minutes=-60)
        client.set_date_time()
        (media,) = client.last_media("0456")
        assert (media.result.identifier, media.folder, media.file) == ("0456", "100GOPRO", "GX010001.MP4")
        client.camera_control("external", "0456", session=True)
    one = pb2.CameraRequest(cameras=["0456"])
    with_offset = pb2.SetDateTimeRequest(target=one, utc_offset_minutes=-60)
    sent = [(rpc, request) for rpc, request, _ in fake.calls]
    assert sent == [
        ("GetDateTime", pb2.CameraRequest(all=True)),
        ("SetDateTime", with_offset),
        ("SetDateTime", pb2.SetDateTimeRequest(target=pb2.CameraRequest())),
        ("GetLastMedia", one),
        ("SetCameraControl", pb2.SetCameraControlRequest(target=one, control=pb2.CAMERA_CONTROL_EXTERNAL, session=True)),
    ]
    assert not sent[2][1].HasField("utc_offset_minutes")


# issue 17: the rig file goprod.Rig reads (goproctl --rig's), and its fan-out.
def test_a_rig_file_names_each_daemon_with_paths_from_its_folder(tmp_path):
    (tmp_path / "rig.toml").write_text('clock_warning_ms = 2\n'
                                       '[[daemon]]\nname = "north"\ntarget = "rig-north:50051"\n'
                                       'tls_ca = "tls/ca.pem"\ntls_cert = "tls/c.pem"\ntls_key = "/k.pem"\n'
                                       '[[daemon]]\nname = "south"\ntarget = "sock/goprod.sock"\n')
    daemons, warning = goprod.load_rig_file(str(tmp_path / "rig.toml"))
    assert warning == 2
    assert daemons[0] == {"name": "north", "target": "rig-north:50051", "tls_ca": f"{tmp_path}/tls/ca.pem",
                          "tls_cert": f"{tmp_path}/tls/c.pem", "tls_key": "/k.pem"}
    assert daemons[1]["target"] == f"{tmp_path}/sock/goprod.sock"
    for text, message in (('[[daemon]]\nname = "a"\n', "needs a name and a target"),
                          ('[[daemon]]\nname = "a"\ntarget = "a:1"\n[[daemon]]\nname = "a"\ntarget = "b:1"\n',
                           "listed twice"),
                          ('[[daemon]]\nname = "a"\ntarget = "a:1"\ntls_crt = "x"\n', "unknown daemon keys"),
                          ('clock_warning_ms = 5\n', "no [[daemon]]")):
        (tmp_path / "bad.toml").write_text(text)
        with pytest.raises(ValueError, match=message.replace("[", r"\[")):
            goprod.load_rig_file(str(tmp_path / "bad.toml"))
    with pytest.raises(ValueError, match="go with tls_ca"):
        goprod.Client("rig-north:50051", tls_cert="c.pem", tls_key="k.pem")
    with pytest.raises(ValueError, match="TLS is for TCP addresses"):
        goprod.Client("/run/goprod/goprod.sock", tls_ca="ca.pem")


def test_a_rig_runs_a_call_on_every_daemon_and_hands_back_each_failure(fake, tmp_path):
    rig = goprod.Rig(daemons=[{"name": "here", "target": fake.socket},
                              {"name": "gone", "target": str(tmp_path / "nobody.sock")}], timeout=2)
    with rig:
        results = rig.run("shutter", True, all=True)
    assert list(results) == ["here", "gone"]
    assert [r.identifier for r in results["here"]] == ["0456"]
    assert isinstance(results["gone"], goprod.GoprodError)
    assert results["gone"].code == grpc.StatusCode.UNAVAILABLE
