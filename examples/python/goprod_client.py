#!/usr/bin/python3
"""A small goprod client: list the cameras, take a photo, stream events.

Shows how a local program uses goprod through the Python package goprod
(python3-goprod, or PYTHONPATH=BUILD/python from a build tree): goprod.Client
wraps goprod's gRPC API (api/README.md).

    PYTHONPATH=build/python ./goprod_client.py
    ./goprod_client.py --socket unix:/tmp/goprod.sock --camera 0456 --events 10 --seconds 5

Exit codes: 0 success, 1 a gRPC call failed (goprod not running, unknown
camera, ...), 2 usage error, 3 the camera refused to take the photo.
"""

import argparse
import sys

EXIT_OK = 0
EXIT_RPC_FAILED = 1
EXIT_USAGE = 2
EXIT_PHOTO_FAILED = 3

try:
    import goprod
except ImportError as error:
    goprod = None
    IMPORT_ERROR = error


def parse_args(argv):
    default_socket = "$GOPROD_SOCKET or unix:/run/goprod/goprod.sock"
    parser = argparse.ArgumentParser(description="List goprod's cameras, take a photo and stream events.")
    parser.add_argument("--socket", default=None,
                        help="goprod's address: unix:PATH, a PATH or HOST:PORT (default: %s)" % default_socket)
    parser.add_argument("--camera", default="",
                        help="camera identifier (last 4 serial digits) or address; default: the only connected one")
    parser.add_argument("--timeout", type=float, default=10.0, help="deadline of each call in seconds (default 10)")
    parser.add_argument("--events", type=int, default=20, help="stop watching after this many events (default 20)")
    parser.add_argument("--seconds", type=float, default=5.0, help="stop watching after this long (default 5)")
    parser.add_argument("--no-photo", action="store_true", help="only list the cameras and watch events")
    args = parser.parse_args(argv)
    if args.timeout <= 0 or args.seconds < 0 or args.events < 0:
        parser.error("--timeout must be positive, --seconds and --events not negative")
    return args


def list_cameras(client):
    cameras = client.list_cameras()
    if not cameras:
        print("no cameras known yet (goproctl discover / connect)")
        return
    print("%-6s  %-17s  %-14s  %-12s  %s" % ("ID", "ADDRESS", "MODEL", "STATE", "BATTERY"))
    for camera in cameras:
        battery = "%d%%" % camera.battery_percent if camera.HasField("battery_percent") else "-"
        print("%-6s  %-17s  %-14s  %-12s  %s" % (camera.identifier, camera.address, camera.model or "-",
                                                 goprod.state_name(camera.state), battery))


def take_photo(client, camera):
    # Both answer per camera; a camera that refuses raises goprod.CameraError.
    client.load_preset_group("photo", camera or None)
    for result in client.shutter(True, camera or None):
        # The camera's acknowledgement time minus the send time: how long it took to answer.
        sent = result.sent.ToNanoseconds()
        acknowledged = result.acknowledged.ToNanoseconds()
        delay = " (acknowledged after %.1f ms)" % ((acknowledged - sent) / 1e6) if sent and acknowledged else ""
        print("photo taken on camera %s%s" % (result.identifier, delay))


def describe_event(event):
    pb2 = goprod.pb2
    kind = pb2.Event.Kind.Name(event.kind).replace("KIND_", "").lower()
    when = event.time.ToDatetime().strftime("%H:%M:%S.%f")[:-3]
    if event.kind == pb2.Event.KIND_STATE_CHANGED:
        detail = goprod.state_name(event.camera.state)
    elif event.kind in (pb2.Event.KIND_STATUS, pb2.Event.KIND_SETTING):
        detail = ", ".join("%s=%s" % (v.name or v.id, v.display) for v in event.values)
    elif event.kind == pb2.Event.KIND_REQUEST_DONE:
        detail = event.request + (": " + event.error if event.code else ": ok")
    else:
        detail = event.message.hex(" ")
    return "%s  %-6s  %-13s  %s" % (when, event.camera.identifier, kind, detail)


def watch_events(client, count, seconds):
    if count == 0 or seconds == 0:
        return 0
    print("events (up to %d, for %g s):" % (count, seconds))
    received = 0
    # The stream ends by itself after `seconds`; leaving the with block ends it early.
    with client.events(seconds) as events:
        for event in events:
            print("  " + describe_event(event))
            received += 1
            if received >= count:
                break
    print("%d event%s" % (received, "" if received == 1 else "s"))
    return received


def main(argv):
    args = parse_args(argv)
    if goprod is None:
        print("goprod_client: cannot import the Python package goprod (%s): install python3-goprod, or set "
              "PYTHONPATH=BUILD/python in a build tree" % IMPORT_ERROR, file=sys.stderr)
        return EXIT_USAGE
    try:
        with goprod.Client(args.socket, timeout=args.timeout) as client:
            list_cameras(client)
            if not args.no_photo:
                take_photo(client, args.camera)
            watch_events(client, args.events, args.seconds)
    except goprod.CameraError as error:
        print("goprod_client: %s" % error, file=sys.stderr)
        return EXIT_PHOTO_FAILED
    except goprod.GoprodError as error:
        print("goprod_client: %s" % error, file=sys.stderr)
        return EXIT_RPC_FAILED
    except KeyboardInterrupt:
        return 130
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
