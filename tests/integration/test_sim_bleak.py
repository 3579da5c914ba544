"""goprod-sim driven by bleak, the library of the Open GoPro seed tutorials.

bleak (python3-bleak, Debian) talks to BlueZ over D-Bus; pointing
DBUS_SYSTEM_BUS_ADDRESS at a private dbus-daemon where goprod-sim owns
org.bluez makes it talk to the simulator, unchanged. Each scenario is written
the way the seeds write it: scan for a "GoPro NNNN" name, connect, pair, start
notifications on every characteristic with the notify property, write with
response=True, and reassemble notifications per characteristic with tutorial
3's accumulation algorithm. Requests and expected responses are the seeds'
bytes (ble-send-commands-tutorial.md, connect-wifi-tutorial.md,
opengopro-ble.md §9). Every wait is on an event or a queue, never a sleep.

The simulator models a HERO12 Black that also accepts the seed's 5K resolution
(a HERO9 value), so that every seed byte sequence works.
"""
import asyncio
import enum
import os
import re
import sys
from collections import defaultdict

from bleak import BleakClient, BleakScanner  # python3-bleak, as ./run installs it
from bleak.exc import BleakError

sys.path.insert(0, os.path.dirname(__file__))
from harness import run, sim_on_private_bus  # noqa: E402

CAMERA = "0702"  # last 4 serial digits of the sim's first camera (sim/camera_config.h)
TIMEOUT = 10
# The adapter bleak scans on. None: bleak's default, "the first powered adapter",
# which bleak 0.20 takes from a set, so on a machine with two adapters it is
# either one, a different one per process (tests/vm sets "hci0").
ADAPTER = None
# Connection attempts a GoPro.connect() may take. The real bluetoothd now and then
# never signals Connected=true for a link it made (tests/vm/README.md); bleak 0.20
# then takes the link for lost and fails. The simulated BlueZ needs one.
CONNECT_ATTEMPTS = 1

# --------------------------------------------------------------------- the seeds' client code

GOPRO_BASE_UUID = "b5f9{}-aa8d-11e3-9046-0002a5d5c51b"
COMMAND_REQ_UUID = GOPRO_BASE_UUID.format("0072")
SETTINGS_REQ_UUID = GOPRO_BASE_UUID.format("0074")
QUERY_REQ_UUID = GOPRO_BASE_UUID.format("0076")
NETWORK_MANAGEMENT_REQ_UUID = GOPRO_BASE_UUID.format("0091")
WIFI_AP_SSID_UUID = GOPRO_BASE_UUID.format("0002")
WIFI_AP_PASSWORD_UUID = GOPRO_BASE_UUID.format("0003")


class Response:
    """Tutorial 3's accumulation of one response characteristic's packets."""

    def __init__(self):
        self.bytes = bytearray()
        self.bytes_remaining = 0

    @property
    def is_received(self):
        return len(self.bytes) > 0 and self.bytes_remaining == 0

    def accumulate(self, data):
        CONT_MASK = 0b10000000
        HDR_MASK = 0b01100000
        GEN_LEN_MASK = 0b00011111
        EXT_13_BYTE0_MASK = 0b00011111

        class Header(enum.Enum):
            GENERAL = 0b00
            EXT_13 = 0b01
            EXT_16 = 0b10
            RESERVED = 0b11

        buf = bytearray(data)
        if buf[0] & CONT_MASK:
            buf.pop(0)
        else:
            # This is a new packet so start with an empty byte array
            self.bytes = bytearray()
            hdr = Header((buf[0] & HDR_MASK) >> 5)
            if hdr is Header.GENERAL:
                self.bytes_remaining = buf[0] & GEN_LEN_MASK
                buf = buf[1:]
            elif hdr is Header.EXT_13:
                self.bytes_remaining = ((buf[0] & EXT_13_BYTE0_MASK) << 8) + buf[1]
                buf = buf[2:]
            elif hdr is Header.EXT_16:
                self.bytes_remaining = (buf[1] << 8) + buf[2]
                buf = buf[3:]
        # Append payload to buffer and update remaining / complete
        self.bytes.extend(buf)
        self.bytes_remaining -= len(buf)


def yield_fragmented_packets(payload):
    """Tutorial 6's fragmentation of a request into GATT writes."""
    length = len(payload)
    CONTINUATION_HEADER = bytearray([0x80])
    MAX_PACKET_SIZE = 20
    is_first_packet = True

    # Build initial length header
    if length < (2**5 - 1):
        header = bytearray([length])
    elif length < (2**13 - 1):
        header = bytearray((length | 0x2000).to_bytes(2, "big", signed=False))
    elif length < (2**16 - 1):
        header = bytearray((length | 0x6400).to_bytes(2, "big", signed=False))
    else:
        raise ValueError(f"Data length {length} is too big for this protocol.")

    byte_index = 0
    while bytes_remaining := length - byte_index:
        # If this is the first packet, use the appropriate header. Else use the continuation header
        if is_first_packet:
            packet = bytearray(header)
            is_first_packet = False
        else:
            packet = bytearray(CONTINUATION_HEADER)
        # Build the current packet
        packet_size = min(MAX_PACKET_SIZE - len(packet), bytes_remaining)
        packet.extend(bytearray(payload[byte_index : byte_index + packet_size]))
        yield bytes(packet)
        # Increment byte_index for continued processing
        byte_index += packet_size


def proto_string(field, text):
    """A proto2 string field as SerializePartialToString writes it (the seed builds its requests with
    protobuf; field 1 ssid is tag 0x0A, field 2 password 0x12). All our strings are under 128 bytes."""
    data = text.encode()
    assert len(data) < 0x80
    return bytes([field << 3 | 2, len(data)]) + data


def proto_fields(data):
    """Decodes a protobuf message into {field number: [values]} (varints and length-delimited only)."""
    fields = defaultdict(list)
    i = 0

    def varint():
        nonlocal i
        value = shift = 0
        while True:
            byte = data[i]
            i += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value

    while i < len(data):
        key = varint()
        if key & 7 == 0:
            fields[key >> 3].append(varint())
        elif key & 7 == 2:
            size = varint()
            fields[key >> 3].append(bytes(data[i:i + size]))
            i += size
        else:
            raise AssertionError(f"unexpected wire type in {data.hex(' ')}")
    return fields


def short_name(uuid):
    """b5f90073-aa8d-… → "GP-0073", the names goprod-sim's Received() uses."""
    match = re.fullmatch(r"b5f9([0-9a-f]{4})-aa8d-11e3-9046-0002a5d5c51b", str(uuid).lower())
    return f"GP-{match.group(1).upper()}" if match else str(uuid)


def deframed(packets):
    """The message the camera reassembles from our writes (the same tutorial 3 algorithm)."""
    response = Response()
    for packet in packets:
        response.accumulate(packet)
    assert response.is_received, [p.hex(" ") for p in packets]
    return bytes(response.bytes)


def h(text):
    return bytes.fromhex(text)


# --------------------------------------------------------------------- a connected camera


class GoPro:
    """One bleak connection, set up as tutorial 1 does: scan, connect, pair, enable notifications."""

    def __init__(self):
        self.packets = defaultdict(list)  # characteristic short name → every notified packet
        self.messages = defaultdict(asyncio.Queue)  # characteristic short name → reassembled messages
        self.accumulating = defaultdict(Response)
        self.sent = []  # (characteristic short name, reassembled message) of every request, in order
        self.disconnected = asyncio.Event()
        self.client = None

    @staticmethod
    async def scan(identifier=CAMERA):
        token = re.compile(r"GoPro [A-Z0-9]{4}" if identifier is None else f"GoPro {identifier}")
        options = {"adapter": ADAPTER} if ADAPTER else {}
        device = await BleakScanner.find_device_by_filter(
            lambda device, _: bool(device.name and token.match(device.name)), timeout=TIMEOUT, **options)
        assert device is not None, f"no GoPro {identifier} advertising"
        return device

    async def connect(self, identifier=CAMERA):
        device = await self.scan(identifier)
        for attempt in range(1, CONNECT_ATTEMPTS + 1):
            self.disconnected.clear()
            self.client = BleakClient(device, disconnected_callback=lambda _: self.disconnected.set())
            try:
                await self.client.connect(timeout=TIMEOUT)
                break
            except BleakError as error:
                if attempt == CONNECT_ATTEMPTS:
                    raise
                print(f"bleak: connection attempt {attempt} failed ({error}), trying again")
        assert self.client.is_connected
        try:
            await self.client.pair()
        except NotImplementedError:
            pass  # the seeds tolerate backends without pairing; BlueZ has it
        self.notifying = []
        for service in self.client.services:
            for char in service.characteristics:
                if "notify" in char.properties:
                    await self.client.start_notify(char, self.notification_handler)
                    self.notifying.append(short_name(char.uuid))
        return self

    def notification_handler(self, characteristic, data):
        name = short_name(characteristic.uuid)
        self.packets[name].append(bytes(data))
        response = self.accumulating[name]
        response.accumulate(data)
        if response.is_received:
            self.messages[name].put_nowait(bytes(response.bytes))
            del self.accumulating[name]

    async def write(self, uuid, packets):
        for packet in packets:
            await self.client.write_gatt_char(uuid, bytearray(packet), response=True)
        self.sent.append((short_name(uuid), deframed(packets)))

    async def next_message(self, characteristic):
        return await asyncio.wait_for(self.messages[characteristic].get(), TIMEOUT)

    async def request(self, uuid, request, response_characteristic):
        """Writes one single-packet request (the seeds' bytes, header included) and returns the next
        response message on `response_characteristic`, with the packets it came in."""
        first = len(self.packets[response_characteristic])
        await self.write(uuid, [request])
        message = await self.next_message(response_characteristic)
        return message, self.packets[response_characteristic][first:]

    async def protobuf(self, payload):
        """Sends a network-management request fragmented as tutorial 6 does."""
        packets = list(yield_fragmented_packets(payload))
        await self.write(NETWORK_MANAGEMENT_REQ_UUID, packets)
        return packets

    async def disconnect(self):
        if self.client is not None and self.client.is_connected:
            await self.client.disconnect()


async def command_on(gopro, request, expected):
    """A seed command: one write to Command Request, one packet back on Command Response."""
    _, packets = await gopro.request(COMMAND_REQ_UUID, request, "GP-0073")
    assert packets == [expected], f"{request.hex(' ')} → {[p.hex(' ') for p in packets]}"


async def setting_on(gopro, request, expected):
    """A seed setting: one write to Settings, one packet back on Settings Response."""
    _, packets = await gopro.request(SETTINGS_REQ_UUID, request, "GP-0075")
    assert packets == [expected], f"{request.hex(' ')} → {[p.hex(' ') for p in packets]}"


async def assert_received(sim, gopro):
    """goprod-sim reassembled exactly the messages the bleak client wrote, in order."""
    assert await sim.received(CAMERA) == gopro.sent


# --------------------------------------------------------------------- scenario 1: the commands seed

SHUTTER_ON, SHUTTER_OFF, SLEEP = h("03 01 01 01"), h("03 01 01 00"), h("01 05")
LOAD_GROUP = {"video": h("04 3E 02 03 E8"), "photo": h("04 3E 02 03 E9"), "timelapse": h("04 3E 02 03 EA")}
LOAD_PRESET = {"activity": h("06 40 04 00 00 00 01"), "cinematic": h("06 40 04 00 00 00 02"),
               "burst": h("06 40 04 00 01 00 02"), "night": h("06 40 04 00 01 00 03")}
ENABLE_ANALYTICS = h("01 50")
RESOLUTION = {"1080": h("03 02 01 09"), "2.7K": h("03 02 01 04"), "5K": h("03 02 01 18")}
FPS = {24: h("03 03 01 0A"), 60: h("03 03 01 05"), 240: h("03 03 01 00")}
# Not in the seed: HERO12 resolutions that cap the frame rate below 240 (4K: 120, 5.3K: 60).
RESOLUTION_4K, RESOLUTION_5_3K = h("03 02 01 01"), h("03 02 01 64")


async def commands_seed(sim):
    """The commands seed through bleak against `sim`: goprod-sim on a private bus here, the
    peripheral-mode sim behind a real bluetoothd in tests/vm."""
    gopro = await GoPro().connect()
    try:
        # Tutorial 1: every characteristic with the notify property takes notifications.
        for name in ("GP-0073", "GP-0075", "GP-0077", "GP-0092"):
            assert name in gopro.notifying

        def command(request, expected):
            return command_on(gopro, request, expected)

        def setting(request, expected):
            return setting_on(gopro, request, expected)

        # Set Shutter on, then off: "02:01:00" on the Command Response characteristic.
        await command(SHUTTER_ON, h("02 01 00"))
        await command(SHUTTER_OFF, h("02 01 00"))

        # Load Preset Group: video, photo, timelapse → "02:3e:00".
        for group in ("video", "photo", "timelapse"):
            await command(LOAD_GROUP[group], h("02 3E 00"))

        # Load Preset: activity, cinematic, burst photo, night photo → "02:40:00".
        for preset in ("activity", "cinematic", "burst", "night"):
            await command(LOAD_PRESET[preset], h("02 40 00"))

        # Enable Analytics → "02:50:00".
        await command(ENABLE_ANALYTICS, h("02 50 00"))

        # "the Video Preset Group must be active": the night photo preset is not, so no success.
        message, _ = await gopro.request(SETTINGS_REQ_UUID, RESOLUTION["1080"], "GP-0075")
        assert message[0] == 0x02 and message[1] != 0x00, message.hex(" ")  # [setting id][status]
        await command(LOAD_GROUP["video"], h("02 3E 00"))

        # Set Video Resolution to 1080, then Set FPS to 240 "assumed that the resolution has been set
        # to 1080" → "02:02:00", "02:03:00" on the Setting Response characteristic.
        await setting(RESOLUTION["1080"], h("02 02 00"))
        await setting(FPS[240], h("02 03 00"))
        await setting(RESOLUTION["2.7K"], h("02 02 00"))  # 2.7K also records at 240
        await setting(FPS[60], h("02 03 00"))
        await setting(FPS[24], h("02 03 00"))

        # "If the video resolution was higher, for example 5K, this would fail." The seed's 5K (0x18)
        # is accepted at 24 fps, and so are 5.3K and 4K; at each, 240 fps is rejected with status 2
        # and the frame rate stays at 24.
        for resolution in (RESOLUTION["5K"], RESOLUTION_5_3K, RESOLUTION_4K):
            await setting(resolution, h("02 02 00"))
            await setting(FPS[240], h("02 03 02"))
        values, _ = await gopro.request(QUERY_REQ_UUID, h("02 12 03"), "GP-0077")  # Get Setting Values
        assert values == h("12 00 03 01 0A")
        await setting(FPS[60], h("02 03 00"))  # 4K records at 60

        assert not gopro.disconnected.is_set()
        await assert_received(sim, gopro)

        # Sleep last: "02:05:00", then the camera drops the link.
        await command(SLEEP, h("02 05 00"))
        await asyncio.wait_for(gopro.disconnected.wait(), TIMEOUT)
        assert not gopro.client.is_connected
        sent_before_sleep = list(gopro.sent)

        # "it must be reconnected to via BLE": it still advertises, a new connect wakes it.
        awake = await GoPro().connect()
        try:
            await command_on(awake, ENABLE_ANALYTICS, h("02 50 00"))
            info, packets = await awake.request(COMMAND_REQ_UUID, h("01 3C"), "GP-0073")
            assert info[:2] == h("3C 00") and len(packets) > 1
            assert await sim.received(CAMERA) == sent_before_sleep + awake.sent
        finally:
            await awake.disconnect()
    finally:
        await gopro.disconnect()


def test_seed_commands_and_sleep(monkeypatch):
    async def scenario():
        async with sim_on_private_bus() as sim:
            monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", sim.address)
            await commands_seed(sim)
    run(scenario())


# --------------------------------------------------------------------- scenario 2: the WiFi seed

RESULT_SUCCESS = 1
SCANNING_SUCCESS = 5
PROVISIONING_STARTED, PROVISIONING_SUCCESS_NEW_AP, PROVISIONING_ERROR_PASSWORD_AUTH = 2, 5, 8
SCAN_FLAG_CONFIGURED = 0x02

# §9.3: the Get AP Entries response of tutorial 6, packet by packet.
SEED_AP_ENTRIES_PACKETS = [h(p) for p in (
    "20 76 02 83 08 01 10 01 1a 13 0a 0a 64 61 62 75 67 64 61 62",
    "80 75 67 10 03 20 e4 28 28 2f 1a 13 0a 0a 41 54 54 54 70 34",
    "81 72 36 46 69 10 02 20 f1 2c 28 01 1a 13 0a 0a 41 54 54 62",
    "82 37 4a 67 41 77 61 10 02 20 99 2d 28 01 1a 16 0a 0d 52 69",
    "83 6e 67 20 53 65 74 75 70 20 65 37 10 01 20 ec 12 28 00 1a",
    "84 17 0a 0e 48 6f 6d 65 79 6e 65 74 5f 32 47 45 58 54 10 01",
    "85 20 85 13 28 01",
)]
SEED_NETWORKS = [  # ssid, signal_strength_bars, signal_frequency_mhz, scan_entry_flags
    ("dabugdabug", 3, 5220, 47),
    ("ATTTp4r6Fi", 2, 5745, 1),
    ("ATTb7JgAwa", 2, 5785, 1),
    ("Ring Setup e7", 1, 2412, 0),
    ("Homeynet_2GEXT", 1, 2437, 1),
]
# The seed shows no WiFi passwords; these are goprod-sim's for two of its networks (sim/camera_config.cpp,
# seedNetworks()).
NETWORK_PASSWORDS = {"ATTTp4r6Fi": "att-p4r6-pass", "Homeynet_2GEXT": "homeynet-2g-pass"}


def proto_varint(field, value):
    out = bytearray([field << 3])
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def hardware_info(message):
    """Get Hardware Info (§4.2): [3C][status] then length-prefixed model number, model name, deprecated,
    firmware, serial, AP SSID, AP MAC."""
    assert message[:2] == h("3C 00"), message.hex(" ")
    fields, i = [], 2
    for _ in range(7):
        size = message[i]
        fields.append(bytes(message[i + 1:i + 1 + size]))
        i += 1 + size
    return dict(zip(("model_number", "model_name", "deprecated", "firmware", "serial", "ap_ssid", "ap_mac"),
                    fields))


def query_entries(message):
    """A query response or push: [query id][status]{[id][len][value]}* → (query id, status, {id: value})."""
    entries, i = {}, 2
    while i < len(message):
        size = message[i + 1]
        entries[message[i]] = bytes(message[i + 2:i + 2 + size])
        i += 2 + size
    return message[0], message[1], entries


async def provision(gopro, request, response_action):
    """Tutorial 6: fragment and write Connect / Connect New, then read provisioning notifications until a
    final state. Returns the packets written and every provisioning state notified."""
    packets = await gopro.protobuf(request)
    response = await gopro.next_message("GP-0092")
    assert response[:2] == bytes([0x02, response_action]), response.hex(" ")
    body = proto_fields(response[2:])
    assert body[1] == [RESULT_SUCCESS] and body[2] == [PROVISIONING_STARTED] and body[3][0] > 0, body
    states = []
    while not states or states[-1] == PROVISIONING_STARTED:
        notification = await gopro.next_message("GP-0092")
        assert notification[:2] == h("02 0C"), notification.hex(" ")  # NotifProvisioningState
        states.append(proto_fields(notification[2:])[1][0])
    return packets, states


def assert_seed_fragments(packets, request):
    """yield_fragmented_packets' output: 13-bit header len|0x2000 when the message has 31 bytes or more,
    else the 5-bit one, then 0x80 on every continuation packet; 20 bytes at most."""
    if len(request) >= 31:
        assert packets[0][:2] == (len(request) | 0x2000).to_bytes(2, "big")
    else:
        assert packets[0][0] == len(request)
    assert all(packet[0] == 0x80 for packet in packets[1:])
    assert all(len(packet) <= 20 for packet in packets)


async def wifi_seed(sim):
    """The WiFi seed through bleak against `sim`: goprod-sim on a private bus here, the
    peripheral-mode sim behind a real bluetoothd in tests/vm."""
    gopro = await GoPro().connect()
    try:
        # --- Access point mode: read the AP SSID and password after pairing, then enable the AP.
        ssid = (await gopro.client.read_gatt_char(WIFI_AP_SSID_UUID)).decode()
        password = (await gopro.client.read_gatt_char(WIFI_AP_PASSWORD_UUID)).decode()
        assert ssid and password
        info, packets = await gopro.request(COMMAND_REQ_UUID, h("01 3C"), "GP-0073")
        assert len(packets) > 1  # a multi-packet response, reassembled
        assert hardware_info(info)["ap_ssid"].decode() == ssid

        # Not in the seed: register for status 69 (AP mode) to see the AP come up after the response.
        registered, _ = await gopro.request(QUERY_REQ_UUID, h("02 53 45"), "GP-0077")
        assert query_entries(registered) == (0x53, 0x00, {69: b"\x00"})

        request = bytes([0x03, 0x17, 0x01, 0x01])
        await command_on(gopro, request, h("02 17 00"))
        push = await gopro.next_message("GP-0077")
        assert query_entries(push) == (0x93, 0x00, {69: b"\x01"})

        # --- Station mode: scan, exactly as the seed builds and sends it.
        start_scan_request = bytearray([0x02, 0x02])  # Feature ID, Action ID; RequestStartScan is empty
        start_scan_request.insert(0, len(start_scan_request))
        assert start_scan_request == h("02 02 02")
        first = len(gopro.packets["GP-0092"])
        await gopro.write(NETWORK_MANAGEMENT_REQ_UUID, [start_scan_request])
        while response := await gopro.next_message("GP-0092"):
            if response[1] == 0x82:  # ResponseStartScanning
                assert proto_fields(response[2:])[1] == [RESULT_SUCCESS]
            elif response[1] == 0x0B:  # NotifStartScanning
                scan_notification = proto_fields(response[2:])
                if scan_notification[1] == [SCANNING_SUCCESS]:
                    scan_id = scan_notification[2][0]
                    break
        assert gopro.packets["GP-0092"][first:] == [h("06 02 82 08 01 10 02"),
                                                   h("0A 02 0B 08 05 10 01 18 05 20 01")]

        # Get AP Entries (start 0, max 100, the scan's id): the seed's seven packets, five networks.
        results_request = bytearray([0x02, 0x03, *proto_varint(1, 0), *proto_varint(2, 100),
                                     *proto_varint(3, scan_id)])
        results_request.insert(0, len(results_request))
        assert results_request == h("08 02 03 08 00 10 64 18 01")
        first = len(gopro.packets["GP-0092"])
        await gopro.write(NETWORK_MANAGEMENT_REQ_UUID, [results_request])
        entries_response = await gopro.next_message("GP-0092")
        assert gopro.packets["GP-0092"][first:] == SEED_AP_ENTRIES_PACKETS
        assert entries_response[:2] == h("02 83") and len(entries_response) == 0x76
        body = proto_fields(entries_response[2:])
        assert body[1] == [RESULT_SUCCESS] and body[2] == [scan_id]
        entries = [proto_fields(entry) for entry in body[3]]
        networks = [(e[1][0].decode(), e[2][0], e[4][0], e[5][0]) for e in entries]
        assert networks == SEED_NETWORKS

        # Connect New to networks that are not configured; the wrong password first. The 41-byte
        # message takes the seed's 13-bit header and three packets.
        def connect_new(entry_ssid, entry_password):
            return bytes([0x02, 0x05]) + proto_string(1, entry_ssid) + proto_string(2, entry_password)

        assert not networks[1][3] & SCAN_FLAG_CONFIGURED
        request = connect_new("ATTTp4r6Fi", "not-the-att-p4r6-password")
        packets, states = await provision(gopro, request, 0x85)
        assert len(request) == 41 and len(packets) == 3
        assert_seed_fragments(packets, request)
        assert states == [PROVISIONING_STARTED, PROVISIONING_ERROR_PASSWORD_AUTH]
        assert (await sim.received(CAMERA))[-1] == ("GP-0091", request)

        # 36 bytes: 13-bit header, two packets.
        assert not networks[4][3] & SCAN_FLAG_CONFIGURED
        request = connect_new("Homeynet_2GEXT", NETWORK_PASSWORDS["Homeynet_2GEXT"])
        packets, states = await provision(gopro, request, 0x85)
        assert len(request) == 36 and len(packets) == 2
        assert_seed_fragments(packets, request)
        assert states == [PROVISIONING_STARTED, PROVISIONING_SUCCESS_NEW_AP]
        assert (await sim.received(CAMERA))[-1] == ("GP-0091", request)

        # 29 bytes: the seed's algorithm uses the 5-bit header here, then one continuation packet.
        request = connect_new("ATTTp4r6Fi", NETWORK_PASSWORDS["ATTTp4r6Fi"])
        packets, states = await provision(gopro, request, 0x85)
        assert len(request) == 29 and len(packets) == 2
        assert_seed_fragments(packets, request)
        assert states == [PROVISIONING_STARTED, PROVISIONING_SUCCESS_NEW_AP]
        assert (await sim.received(CAMERA))[-1] == ("GP-0091", request)

        # Connect to the network the scan flagged SCAN_FLAG_CONFIGURED: the final state is
        # "always PROVISIONING_SUCCESS_NEW_AP in both the Connect and Connect New use cases".
        assert networks[0][3] & SCAN_FLAG_CONFIGURED
        request = bytes([0x02, 0x04]) + proto_string(1, "dabugdabug")
        packets, states = await provision(gopro, request, 0x84)
        assert packets == [bytes([len(request)]) + request]
        assert states == [PROVISIONING_STARTED, PROVISIONING_SUCCESS_NEW_AP]

        await assert_received(sim, gopro)
        assert gopro.messages["GP-0092"].empty()
        assert gopro.messages["GP-0073"].empty() and gopro.messages["GP-0075"].empty()
    finally:
        await gopro.disconnect()


def test_seed_wifi_ap_and_station(monkeypatch):
    async def scenario():
        async with sim_on_private_bus() as sim:
            monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", sim.address)
            await wifi_seed(sim)
    run(scenario())
