"""goprod's exceptions: a failed RPC, and a request that failed on some cameras."""

import grp
import os

import grpc

# gRPC's own text when it could make no connection at all (no daemon on the
# socket, no permission): nothing came from goprod.
_NO_CONNECTION = "failed to connect to all addresses"

_CODES = {code.value[0]: code for code in grpc.StatusCode}


def status_code(number):
    """The grpc.StatusCode of a google.rpc.Code number (CameraResult.code, Event.code)."""
    return _CODES.get(number, grpc.StatusCode.UNKNOWN)


class GoprodError(Exception):
    """An RPC failed. `rpc` is its name, `code` a grpc.StatusCode, `details` the
    daemon's message (or gRPC's when goprod could not be reached)."""

    def __init__(self, rpc, code, details, message=None):
        self.rpc = rpc
        self.code = code
        self.details = details
        super().__init__(message or "%s failed: %s: %s" % (rpc, code.name, details))


class CameraError(GoprodError):
    """The RPC was answered, but the request failed on one or more cameras.

    `results` holds every camera's CameraResult (those that succeeded too),
    `failures` the failed ones; `code` is the first failure's grpc.StatusCode."""

    def __init__(self, what, rpc, results):
        self.results = list(results)
        self.failures = [result for result in self.results if result.code != 0]
        first = self.failures[0]
        super().__init__(rpc, status_code(first.code), first.message,
                         "%s failed on %s" % (what, "; ".join("camera %s: %s" % (r.identifier, r.message)
                                                             for r in self.failures)))


def from_rpc_error(rpc, error, address, timeout=None):
    """A GoprodError for a grpc.RpcError, worded for the user."""
    code, details = error.code(), error.details() or ""
    message = None
    if code == grpc.StatusCode.UNAVAILABLE and details.startswith(_NO_CONNECTION):
        if details.endswith("Permission denied"):
            # The socket is there (0660), but only its group may use it.
            message = ("%s failed: UNAVAILABLE: no permission to use goprod's socket %s: the user must be in the "
                       "socket's group%s (add it with usermod -aG, then log in again)"
                       % (rpc, address, _socket_group(address)))
        else:
            message = "%s failed: UNAVAILABLE: %s (is goprod running and serving %s?)" % (rpc, details, address)
    elif code == grpc.StatusCode.DEADLINE_EXCEEDED and timeout is not None and details == "Deadline Exceeded":
        # gRPC's own text does not say which limit.
        message = "%s failed: DEADLINE_EXCEEDED: no answer within %g s" % (rpc, timeout)
    return GoprodError(rpc, code, details, message)


def _socket_group(address):
    """' "goprod"': the group of a unix: socket, for the message; '' when unknown."""
    if not address.startswith("unix:"):
        return ""
    try:
        gid = os.stat(address[len("unix:"):]).st_gid
    except OSError:
        return ""
    try:
        return ' "%s"' % grp.getgrgid(gid).gr_name
    except KeyError:
        return ' "%d"' % gid


def camera_results(response):
    """The per-camera outcomes in an answer: MultiResult.results, the `result` of
    each entry of `cameras` (ValuesResponse, HardwareInfoResponse, ...), or the
    answer's own `result` (ApInfo, ScanNetworksResponse, SendRawResponse)."""
    fields = response.DESCRIPTOR.fields_by_name
    if "results" in fields:
        return list(response.results)
    if "result" in fields:
        return [response.result] if response.HasField("result") else []
    cameras = fields.get("cameras")
    if cameras is not None and cameras.message_type is not None and "result" in cameras.message_type.fields_by_name:
        return [camera.result for camera in response.cameras]
    return []


def check(what, rpc, response):
    """Returns `response`, or raises CameraError when any camera failed."""
    results = camera_results(response)
    if any(result.code != 0 for result in results):
        raise CameraError(what, rpc, results)
    return response
