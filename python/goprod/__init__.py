"""goprod's Python client: talk to the goprod daemon (GoPro cameras over BLE)
through its gRPC API.

    import goprod

    with goprod.Client() as client:    # $GOPROD_SOCKET, else unix:/run/goprod/goprod.sock
        for camera in client.list_cameras():
            print(camera.identifier, goprod.state_name(camera.state))

goprod.Client wraps the common calls; client.call() and client.stub reach every
RPC, with the messages of goprod.pb2 (goprod.v1.goprod_pb2, generated from
/usr/share/goprod/proto/goprod/v1/goprod.proto).
"""

from goprod.client import (CONNECT_TIMEOUT, DEFAULT_SOCKET, DEFAULT_TIMEOUT, PRESET_GROUPS, Client,
                           resolve_address)
from goprod.errors import CameraError, GoprodError, camera_results, status_code
from goprod.events import EventStream
from goprod.rig import Rig, load_rig_file
from goprod.v1 import goprod_pb2 as pb2


def state_name(state):
    """A CameraState for people: CAMERA_STATE_LINK_LOST -> "link lost"."""
    return pb2.CameraState.Name(state).replace("CAMERA_STATE_", "").lower().replace("_", " ")


__all__ = ["Client", "Rig", "load_rig_file", "EventStream", "GoprodError", "CameraError", "pb2", "resolve_address", "state_name",
           "camera_results", "status_code", "DEFAULT_SOCKET", "DEFAULT_TIMEOUT", "CONNECT_TIMEOUT", "PRESET_GROUPS"]
