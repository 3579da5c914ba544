"""goprod.Client: the common calls of goprod's gRPC API, with deadlines and errors
worded for people. The API itself is described in goprod's api/README.md."""

import os
import time

import grpc

from goprod.errors import check, from_rpc_error
from goprod.events import EventStream
from goprod.v1 import goprod_pb2 as pb2
from goprod.v1 import goprod_pb2_grpc as pb2_grpc

DEFAULT_SOCKET = "unix:/run/goprod/goprod.sock"
DEFAULT_TIMEOUT = 10.0   # seconds, every call unless said otherwise
CONNECT_TIMEOUT = 60.0   # Connect waits for pairing and set-up (the daemon's own default)

# gRPC's address schemes; anything else with a "/" or without a ":" is a socket path.
_SCHEMES = ("unix:", "unix-abstract:", "dns:", "ipv4:", "ipv6:", "vsock:")

PRESET_GROUPS = {
    "video": pb2.PRESET_GROUP_VIDEO,
    "photo": pb2.PRESET_GROUP_PHOTO,
    "timelapse": pb2.PRESET_GROUP_TIMELAPSE,
}

# issue 15 group A
CAMERA_CONTROLS = {
    "idle": pb2.CAMERA_CONTROL_IDLE,
    "control": pb2.CAMERA_CONTROL_CAMERA,
    "external": pb2.CAMERA_CONTROL_EXTERNAL,
}

# issue 15 G
LIVE_STREAM_LENSES = {
    "wide": pb2.LIVE_STREAM_LENS_WIDE,
    "linear": pb2.LIVE_STREAM_LENS_LINEAR,
    "superview": pb2.LIVE_STREAM_LENS_SUPERVIEW,
}


def resolve_address(address=None):
    """The gRPC target for `address`: None means $GOPROD_SOCKET, else the default
    socket; a path (absolute or relative) becomes unix:PATH; unix:PATH, HOST:PORT
    and gRPC's other schemes are used as they are."""
    if not address:
        address = os.environ.get("GOPROD_SOCKET") or DEFAULT_SOCKET
    if address.startswith(_SCHEMES):
        return address
    if "/" in address or ":" not in address:
        return "unix:" + address
    return address


def _selection(cameras, all_cameras):
    """A CameraRequest: one identifier/address, a list of them, or none (the only connected camera)."""
    if isinstance(cameras, str):
        cameras = [cameras]
    return pb2.CameraRequest(cameras=list(cameras or []), all=all_cameras)


class Client:
    """A connection to goprod.

        with goprod.Client() as client:         # $GOPROD_SOCKET, else unix:/run/goprod/goprod.sock
            client.connect("0456")
            client.shutter(True)

    Every call has a deadline (`timeout` seconds, the client's by default).
    A failed RPC raises GoprodError; a request that some cameras failed raises
    CameraError, which names each failed camera with its message and holds
    every camera's result.

    A daemon on another host (issue 17) serves mutual TLS on TCP: give the CA
    that signed its certificate and this client's certificate and key (PEM
    file paths), and `tls_server_name` when its certificate names another host:

        goprod.Client("rig-north:50051", tls_ca="ca.pem", tls_cert="client.pem", tls_key="client.key")
    """

    def __init__(self, address=None, timeout=DEFAULT_TIMEOUT, *, tls_ca=None, tls_cert=None, tls_key=None,
                 tls_server_name=None):
        self.address = resolve_address(address)
        self.timeout = timeout
        if tls_ca:
            if self.address.startswith(("unix:", "unix-abstract:")):
                raise ValueError("TLS is for TCP addresses (HOST:PORT), not " + self.address)
            if bool(tls_cert) != bool(tls_key):
                raise ValueError("tls_cert and tls_key go together")

            def read(path):
                with open(path, "rb") as f:
                    return f.read()
            credentials = grpc.ssl_channel_credentials(
                root_certificates=read(tls_ca), private_key=read(tls_key) if tls_key else None,
                certificate_chain=read(tls_cert) if tls_cert else None)
            options = [("grpc.ssl_target_name_override", tls_server_name)] if tls_server_name else []
            self._channel = grpc.secure_channel(self.address, credentials, options=options)
        elif tls_cert or tls_key or tls_server_name:
            raise ValueError("tls_cert, tls_key and tls_server_name go with tls_ca")
        else:
            self._channel = grpc.insecure_channel(self.address)
        self.stub = pb2_grpc.GoprodStub(self._channel)  # every RPC, for what the methods do not cover

    def close(self):
        self._channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def call(self, rpc, request, timeout=None, what=None):
        """Any unary RPC by name (`client.call("SetSetting", pb2.SetSettingRequest(...))`),
        with the deadline and the errors of the methods below: raises GoprodError,
        or CameraError (worded "`what` failed on camera ...") if a camera failed."""
        timeout = self.timeout if timeout is None else timeout
        try:
            response = getattr(self.stub, rpc)(request, timeout=timeout)
        except grpc.RpcError as error:
            raise from_rpc_error(rpc, error, self.address, timeout) from error
        return check(what or rpc, rpc, response)

    # Cameras

    def list_cameras(self, timeout=None):
        """Every camera goprod knows or has seen: a list of pb2.Camera."""
        return list(self.call("ListCameras", pb2.ListCamerasRequest(), timeout).cameras)

    def get_camera(self, camera, timeout=None):
        return self.call("GetCamera", pb2.GetCameraRequest(camera=camera), timeout)

    def connect(self, camera, timeout=CONNECT_TIMEOUT, *, adapter=None, priority=None):
        """Connects (and pairs) a camera, found by identifier or address, and waits
        until it is ready; returns its pb2.Camera. `adapter` ("hci1" or an address;
        "" unpins) pins it to an adapter, `priority` (-100..100, higher first) says
        who goes first when adapters lack room; None keeps what the camera has."""
        request = pb2.ConnectRequest(camera=camera)
        if adapter is not None:
            request.adapter = adapter
        if priority is not None:
            request.priority = priority
        return self.call("Connect", request, timeout)

    def disconnect(self, camera, timeout=None):
        return self.call("Disconnect", pb2.DisconnectRequest(camera=camera), timeout)

    # Control: `cameras` is an identifier, an address or a list of them; none
    # means the only connected camera, all=True every ready camera. They return
    # the list of pb2.CameraResult (one per camera) when every camera succeeded.

    def shutter(self, on, cameras=None, *, all=False, timeout=None, start_at=None):
        """`start_at` (issue 17): a datetime (aware) or POSIX seconds at which goprod writes
        to every camera at once; each result then has `planned`, and `timeout` counts from it."""
        request = pb2.SetShutterRequest(target=_selection(cameras, all), on=on)
        if start_at is not None:
            seconds = start_at.timestamp() if hasattr(start_at, "timestamp") else float(start_at)
            request.start_at.FromNanoseconds(int(round(seconds * 1e9)))
            lead = max(0.0, seconds - time.time())
            timeout = (timeout if timeout is not None else self.timeout) + lead
        return list(self.call("SetShutter", request, timeout, "shutter " + ("on" if on else "off")).results)

    def load_preset_group(self, group, cameras=None, *, all=False, timeout=None):
        """`group`: "video", "photo", "timelapse" or a pb2.PresetGroup value."""
        if isinstance(group, str):
            if group not in PRESET_GROUPS:
                raise ValueError("unknown preset group %r (video, photo or timelapse)" % group)
            name, group = group, PRESET_GROUPS[group]
        else:
            name = {value: key for key, value in PRESET_GROUPS.items()}.get(group, str(group))
        request = pb2.LoadPresetGroupRequest(target=_selection(cameras, all), group=group)
        return list(self.call("LoadPresetGroup", request, timeout, "load preset group " + name).results)

    def statuses(self, ids=(), cameras=None, *, all=False, timeout=None):
        """Get Status Values (`ids`, empty = all): a list of pb2.CameraValues,
        each with `result.identifier` and `values`."""
        request = pb2.GetValuesRequest(target=_selection(cameras, all), ids=list(ids))
        return list(self.call("GetStatuses", request, timeout, "get statuses").cameras)

    def settings(self, ids=(), cameras=None, *, all=False, timeout=None):
        """Get Setting Values, as statuses()."""
        request = pb2.GetValuesRequest(target=_selection(cameras, all), ids=list(ids))
        return list(self.call("GetSettings", request, timeout, "get settings").cameras)

    def ap_info(self, camera=None, timeout=None):
        """The camera's WiFi access point: pb2.ApInfo with `ssid` and `password`
        (or `ssid_raw` / `password_raw` when not UTF-8)."""
        return self.call("GetApInfo", _selection(camera, False), timeout, "wifi ap info")

    # COHN, the camera on the home network (issue 15 D)

    def cohn_status(self, cameras=None, *, all=False, register=False, timeout=None):
        """Get COHN Status: a list of pb2.CameraCohnStatus (`result`, `status`:
        provisioned, state, enabled, username, password, ip_address, ssid). With
        `register`, the cameras push changes: events of kind KIND_COHN_STATUS."""
        request = pb2.GetCohnStatusRequest(target=_selection(cameras, all), register_updates=register)
        return list(self.call("GetCohnStatus", request, timeout, "cohn status").cameras)

    def cohn_cert(self, camera=None, timeout=None):
        """The camera's COHN root CA certificate, PEM text."""
        return self.call("GetCohnCert", _selection(camera, False), timeout, "cohn cert").cert

    def provision_cohn(self, ssid, password=None, camera=None, progress=None, timeout=180.0):
        """Puts one camera on the network `ssid` for HTTPS (tutorial 9: date and
        time, station-mode join, new certificate, wait until connected). `progress`,
        if given, is called with each pb2.ProvisionCohnProgress. Returns
        pb2.CohnCredentials: ip_address, username, password, cert (PEM), ssid."""
        request = pb2.ProvisionCohnRequest(camera=camera or "", ssid=ssid)
        if password is not None:
            request.password = password.encode() if isinstance(password, str) else password
        credentials = None
        try:
            for step in self.stub.ProvisionCohn(request, timeout=timeout):
                if progress is not None:
                    progress(step)
                if step.HasField("credentials"):
                    credentials = step.credentials
        except grpc.RpcError as error:
            raise from_rpc_error("ProvisionCohn", error, self.address, timeout) from error
        return credentials

    # group C: live streaming (start_live_stream is with the issue 15 G calls below)

    def live_stream_status(self, cameras=None, *, all=False, timeout=None):
        """Get Live Stream Status: a list of pb2.CameraLiveStreamStatus, each with
        `result.identifier` and `status` (state, error_name, bitrate_kbps...).
        It registers: later changes come as KIND_LIVE_STREAM events."""
        request = _selection(cameras, all)
        return list(self.call("GetLiveStreamStatus", request, timeout, "live stream status").cameras)

    def stop_live_stream(self, cameras=None, *, all=False, timeout=None):
        """Shutter off on each camera: the list of pb2.CameraResult."""
        return list(self.call("StopLiveStream", _selection(cameras, all), timeout, "stop live stream").results)

    # issue 15 group A: more camera commands, as shutter().

    def hilight(self, cameras=None, *, all=False, timeout=None):
        """Tag the moment in the video being recorded."""
        return list(self.call("Hilight", _selection(cameras, all), timeout, "hilight").results)

    def power_down(self, cameras=None, *, all=False, timeout=None):
        return list(self.call("PowerDown", _selection(cameras, all), timeout, "power down").results)

    def reboot(self, cameras=None, *, all=False, timeout=None):
        return list(self.call("Reboot", _selection(cameras, all), timeout, "reboot").results)

    def turbo(self, on, cameras=None, *, all=False, timeout=None):
        request = pb2.SetTurboTransferRequest(target=_selection(cameras, all), on=on)
        return list(self.call("SetTurboTransfer", request, timeout, "turbo " + ("on" if on else "off")).results)

    def camera_control(self, control, cameras=None, *, all=False, session=False, timeout=None):
        """`control`: "idle", "control", "external" or a pb2.CameraControl value.
        With `session` (issue 15 E), "external" claims control for as long as goprod
        holds the camera (given back on disconnect), "idle" releases it."""
        name = control
        if isinstance(control, str):
            if control not in CAMERA_CONTROLS:
                raise ValueError("unknown camera control %r (idle, control or external)" % control)
            control = CAMERA_CONTROLS[control]
        request = pb2.SetCameraControlRequest(target=_selection(cameras, all), control=control, session=session)
        return list(self.call("SetCameraControl", request, timeout, "control %s" % name).results)

    def release_network(self, cameras=None, *, all=False, timeout=None):
        """Leave station mode (back to the camera's access point)."""
        return list(self.call("ReleaseNetwork", _selection(cameras, all), timeout, "wifi release").results)

    # issue 15 B: presets and setting capabilities

    def presets(self, camera=None, *, include_hidden=False, register=False, timeout=None):
        """Get Preset Status: a list of pb2.PresetGroupInfo (id, name, presets with
        id, mode, custom_name, active, visible, settings) of one camera.
        `register` (issue 15 F): the camera then pushes its presets on every change
        (events of kind pb2.Event.KIND_PRESETS, with `preset_groups`); goprod keeps
        the registration across reconnections."""
        request = pb2.GetPresetsRequest(target=_selection(camera, False), include_hidden=include_hidden,
                                        register_updates=register)
        return list(self.call("GetPresets", request, timeout, "presets").cameras[0].groups)

    # issue 15 F: preset visibility and the custom preset update

    def preset_visibility(self, preset_id, visible, cameras=None, *, all=False, timeout=None):
        """Shows or hides a preset in the camera's lists (MAX 2)."""
        request = pb2.SetPresetVisibilityRequest(target=_selection(cameras, all), preset_id=preset_id, visible=visible)
        what = "preset-visibility %d %s" % (preset_id, "on" if visible else "off")
        return list(self.call("SetPresetVisibility", request, timeout, what).results)

    def update_custom_preset(self, preset_id, *, title=None, name=None, icon=None, camera=None, timeout=None):
        """Custom Preset Update of one camera's active preset, which must be
        `preset_id` and a custom one: title ID, name (1..16 bytes of UTF-8, title
        94) and icon ID; None leaves a part as it is."""
        request = pb2.UpdateCustomPresetRequest(target=_selection(camera, False), preset_id=preset_id,
                                                custom_name=name or "")
        if title is not None:
            request.title_id = title
        if icon is not None:
            request.icon_id = icon
        return list(self.call("UpdateCustomPreset", request, timeout, "preset-custom %d" % preset_id).results)

    def capabilities(self, ids=(), cameras=None, *, all=False, timeout=None):
        """Get Setting Capabilities (`ids`, empty = all): a list of
        pb2.CameraCapabilities, each with `settings` (id, name, allowed values)."""
        request = pb2.GetValuesRequest(target=_selection(cameras, all), ids=list(ids))
        return list(self.call("GetCapabilities", request, timeout, "capabilities").cameras)

    # issue 15 G: the rest of issue 15's calls

    def set_camera_name(self, name, camera=None, timeout=None):
        """Set Camera Name of one camera (1 to 32 bytes; its access point is named after it)."""
        request = pb2.SetCameraNameRequest(target=_selection(camera, False), name=name)
        return list(self.call("SetCameraName", request, timeout, "name %r" % name).results)

    def create_cohn_cert(self, cameras=None, *, all=False, override=False, timeout=None):
        """Create COHN Certificate; `override` replaces one the camera has."""
        request = pb2.CreateCohnCertRequest(target=_selection(cameras, all), override=override)
        return list(self.call("CreateCohnCert", request, timeout, "cohn create certificate").results)

    def clear_cohn_cert(self, cameras=None, *, all=False, timeout=None):
        return list(self.call("ClearCohnCert", _selection(cameras, all), timeout, "cohn clear").results)

    def set_cohn(self, enabled, cameras=None, *, all=False, timeout=None):
        """Set COHN Setting: whether the camera joins its COHN network by itself."""
        request = pb2.SetCohnRequest(target=_selection(cameras, all), enabled=enabled)
        return list(self.call("SetCohn", request, timeout, "cohn " + ("on" if enabled else "off")).results)

    def start_live_stream(self, url, camera=None, *, window=0, lens=None, min_kbps=0, max_kbps=0, start_kbps=0,
                          certificate=b"", encode=True, progress=None, timeout=60.0):
        """Starts streaming to `url` (rtmp:// or rtmps://) on one camera: sets the
        mode, waits for READY, then shutter on. `window`: 480, 720 or 1080 (0: the
        camera's); `lens`: "wide", "linear", "superview" or a pb2.LiveStreamLens;
        the bitrates in kbps (0: the camera's); `certificate`: the server's CA (PEM,
        str or bytes); `encode=False` does not record to the SD card. `progress`,
        if given, is called with each pb2.LiveStreamProgress. Returns the camera's
        pb2.LiveStreamStatus when it streams; raises GoprodError otherwise."""
        if isinstance(lens, str):
            if lens not in LIVE_STREAM_LENSES:
                raise ValueError("unknown lens %r (wide, linear or superview)" % lens)
            lens = LIVE_STREAM_LENSES[lens]
        if isinstance(certificate, str):
            certificate = certificate.encode()
        request = pb2.StartLiveStreamRequest(camera=camera or "", url=url, window=window, lens=lens or 0,
                                             minimum_kbps=min_kbps, maximum_kbps=max_kbps, starting_kbps=start_kbps,
                                             certificate=certificate, no_encode=not encode)
        status = None
        try:
            for step in self.stub.StartLiveStream(request, timeout=timeout):
                if progress is not None:
                    progress(step)
                if step.step == pb2.LiveStreamProgress.STEP_STREAMING:
                    status = step.status
        except grpc.RpcError as error:
            raise from_rpc_error("StartLiveStream", error, self.address, timeout) from error
        return status
    # issue 15 E: the camera's clock

    def date_time(self, cameras=None, *, all=False, timeout=None):
        """The camera clocks: a list of pb2.CameraDateTime (`result`, `time` as an
        instant, `local_time` as the camera shows it, and `utc_offset_minutes` and
        `dst` where the camera keeps them, HERO11 and later)."""
        return list(self.call("GetDateTime", _selection(cameras, all), timeout, "date-time get").cameras)

    def set_date_time(self, cameras=None, *, all=False, utc_offset_minutes=None, dst=False, timeout=None):
        """Sets the camera clocks to now: with `utc_offset_minutes` (and `dst`) as local
        time in that zone (Set Local Date Time), else this host's local time. goprod
        writes the next whole second at its start (0.1 to 1.1 s from now); each result's
        `sent` minus `planned` is how long after that second its write left."""
        request = pb2.SetDateTimeRequest(target=_selection(cameras, all))
        if utc_offset_minutes is not None:
            request.utc_offset_minutes = utc_offset_minutes
            request.dst = dst
        return list(self.call("SetDateTime", request, timeout, "date-time set").results)

    def last_media(self, cameras=None, *, all=False, timeout=None):
        """The file each camera's last capture made: a list of pb2.CameraLastMedia
        (`result`, `folder` and `file` under DCIM, e.g. "100GOPRO", "GX010001.MP4").
        A camera with no capture to name fails (CameraError)."""
        return list(self.call("GetLastMedia", _selection(cameras, all), timeout, "last-media").cameras)

    # The daemon

    def daemon_status(self, timeout=None):
        """goprod's own health (pb2.DaemonStatus): version, BlueZ, adapters, cameras, streams."""
        return self.call("GetDaemonStatus", pb2.GetDaemonStatusRequest(), timeout)

    def adapters(self, timeout=None):
        """The Bluetooth adapters (list of pb2.Adapter): name, address, powered, used,
        budget, connections, budget_lowered and the identifiers of their cameras."""
        return list(self.daemon_status(timeout).adapters)

    def captures(self, since=None, until=None, timeout=None):
        """issue 17: the capture journal (list of pb2.CaptureEntry, oldest first): every
        shutter with each camera's planned/sent/written/acknowledged times, encoding
        changes and the files captured. `since`/`until`: aware datetimes or POSIX
        seconds (None: the oldest entry kept / now). Reads every page."""
        request = pb2.ListCapturesRequest()
        for field, value in (("since", since), ("until", until)):
            if value is not None:
                seconds = value.timestamp() if hasattr(value, "timestamp") else float(value)
                getattr(request, field).FromNanoseconds(int(round(seconds * 1e9)))
        entries = []
        while True:
            page = self.call("ListCaptures", request, timeout, "journal")
            entries.extend(page.entries)
            if not page.more or not page.entries:
                return entries
            request.after_sequence = page.entries[-1].sequence

    def events(self, seconds=None, cameras=(), kinds=()):
        """An EventStream of pb2.Event for `seconds` (None: until cancel()),
        subscribed when this returns. `cameras`: selectors (empty = every
        camera); `kinds`: pb2.Event.Kind values (empty = every kind)."""
        request = pb2.WatchEventsRequest(cameras=[cameras] if isinstance(cameras, str) else list(cameras),
                                         kinds=list(kinds))
        stream = EventStream(self.stub.WatchEvents(request, timeout=seconds), self.address, seconds)
        stream.wait_subscribed()
        return stream
