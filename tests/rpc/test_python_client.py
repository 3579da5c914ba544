"""Runs examples/python/goprod_client.py against a tiny fake goprod written in
Python (the real daemon + sim run is a separate CI test). Checks what the
client sends, what it prints and its exit codes.

Needs the package goprod on PYTHONPATH (meson sets it to build/python) and
GOPROD_CLIENT pointing at the client script."""

import os
import subprocess
import sys
import tempfile
import threading
from concurrent import futures

import grpc
import pytest

from goprod.v1 import goprod_pb2 as pb2
from goprod.v1 import goprod_pb2_grpc as pb2_grpc

CLIENT = os.environ.get("GOPROD_CLIENT") or os.path.join(
    os.path.dirname(__file__), "..", "..", "examples", "python", "goprod_client.py")


class FakeGoprod(pb2_grpc.GoprodServicer):
    """Answers the three things the example does; records what it was asked."""

    def __init__(self):
        self.calls = []
        self.reject_shutter = False
        self.events = []
        self.lock = threading.Lock()

    def record(self, text):
        with self.lock:
            self.calls.append(text)

    def ListCameras(self, request, context):
        self.record("ListCameras")
        return pb2.ListCamerasResponse(cameras=[
            pb2.Camera(identifier="0456", address="AA:BB:CC:00:04:56", model="HERO12 Black",
                       state=pb2.CAMERA_STATE_READY, battery_percent=81)])

    def LoadPresetGroup(self, request, context):
        self.record("LoadPresetGroup %s %d" % (",".join(request.target.cameras), request.group))
        return pb2.MultiResult(results=[pb2.CameraResult(identifier="0456")])

    def SetShutter(self, request, context):
        self.record("SetShutter %s %s" % (",".join(request.target.cameras), request.on))
        if request.target.cameras and request.target.cameras[0] == "9999":
            context.abort(grpc.StatusCode.NOT_FOUND, 'no camera "9999"')
        result = pb2.CameraResult(identifier="0456")
        if self.reject_shutter:
            result.code = grpc.StatusCode.FAILED_PRECONDITION.value[0]
            result.message = "the camera rejected Set Shutter on: camera status 1 (error)"
            result.camera_status = 1
        result.sent.FromNanoseconds(1_700_000_000_000_000_000)
        result.acknowledged.FromNanoseconds(1_700_000_000_025_000_000)
        return pb2.MultiResult(results=[result])

    def WatchEvents(self, request, context):
        self.record("WatchEvents")
        for event in self.events:
            yield event
        # Then nothing more: the client's own deadline ends the stream.
        done = threading.Event()
        context.add_callback(done.set)
        done.wait(30)


@pytest.fixture
def goprod():
    with tempfile.TemporaryDirectory(prefix="goprod-py-") as folder:
        socket = os.path.join(folder, "goprod.sock")
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        fake = FakeGoprod()
        pb2_grpc.add_GoprodServicer_to_server(fake, server)
        server.add_insecure_port("unix:" + socket)
        server.start()
        fake.socket = socket
        try:
            yield fake
        finally:
            server.stop(grace=None)


def run_client(*args, env_socket=None):
    env = dict(os.environ)
    env.pop("GOPROD_SOCKET", None)
    if env_socket:
        env["GOPROD_SOCKET"] = env_socket
    return subprocess.run([sys.executable, CLIENT, *args], capture_output=True, text=True, timeout=60, env=env)


def battery_event(percent):
    event = pb2.Event(kind=pb2.Event.KIND_STATUS, camera=pb2.Camera(identifier="0456"))
    event.values.add(id=70, name="Internal Battery Percentage", integer=percent, display=str(percent))
    event.time.FromSeconds(1_700_000_000)
    return event


def test_lists_takes_a_photo_and_streams_events(goprod):
    goprod.events = [battery_event(81), battery_event(80), battery_event(79)]
    result = run_client("--socket", "unix:" + goprod.socket, "--camera", "0456", "--events", "2", "--seconds", "20")
    assert result.returncode == 0, result.stderr
    assert goprod.calls[:3] == ["ListCameras", "LoadPresetGroup 0456 1001", "SetShutter 0456 True"]
    assert "0456    AA:BB:CC:00:04:56  HERO12 Black    ready         81%" in result.stdout
    assert "photo taken on camera 0456 (acknowledged after 25.0 ms)" in result.stdout
    assert "Internal Battery Percentage=81" in result.stdout
    assert "Internal Battery Percentage=79" not in result.stdout  # stopped after 2 events
    assert "2 events" in result.stdout


def test_the_watch_window_ends_after_the_given_seconds(goprod):
    goprod.events = [battery_event(81)]
    result = run_client("--socket", goprod.socket, "--no-photo", "--seconds", "0.5")  # a bare path works too
    assert result.returncode == 0, result.stderr
    assert "1 event" in result.stdout
    assert "LoadPresetGroup" not in " ".join(goprod.calls)


def test_the_socket_comes_from_GOPROD_SOCKET(goprod):
    result = run_client("--no-photo", "--events", "0", env_socket="unix:" + goprod.socket)
    assert result.returncode == 0, result.stderr
    assert goprod.calls == ["ListCameras"]


def test_a_camera_rejection_is_reported_with_its_message(goprod):
    goprod.reject_shutter = True
    result = run_client("--socket", "unix:" + goprod.socket, "--events", "0")
    assert result.returncode == 3
    assert ("shutter on failed on camera 0456: the camera rejected Set Shutter on: camera status 1 (error)"
            in result.stderr)


def test_an_rpc_error_is_reported_with_its_code(goprod):
    result = run_client("--socket", "unix:" + goprod.socket, "--camera", "9999", "--events", "0")
    assert result.returncode == 1
    assert 'SetShutter failed: NOT_FOUND: no camera "9999"' in result.stderr


def test_no_daemon_says_where_it_looked():
    with tempfile.TemporaryDirectory(prefix="goprod-py-") as folder:
        socket = os.path.join(folder, "absent.sock")
        result = run_client("--socket", "unix:" + socket, "--timeout", "2")
    assert result.returncode == 1
    assert "ListCameras failed: UNAVAILABLE" in result.stderr
    assert "is goprod running and serving unix:" + socket in result.stderr


def test_a_missing_package_is_a_usage_error():
    result = subprocess.run([sys.executable, CLIENT], capture_output=True, text=True, timeout=60,
                            env={"PATH": os.environ.get("PATH", "")})
    assert result.returncode == 2
    assert "cannot import the Python package goprod" in result.stderr
    assert "install python3-goprod" in result.stderr
