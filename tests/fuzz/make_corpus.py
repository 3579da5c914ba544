#!/usr/bin/env python3
"""Writes the fuzz seeds in tests/fuzz/corpus/ from the spec vectors of
docs/opengopro-ble.md section 9. The first byte of each seed selects the
mode of fuzz_protocol.cpp: 0 message, 1 length-prefixed packets, 2 packets of
a fixed size (next byte + 1), 3 header-boundary lengths; bits 2-3 the
reassembler's maximum (0: 65535, 3: 100)."""
import pathlib

def h(text):
    return bytes.fromhex(text)

HW_INFO = [  # Get Hardware Info, HERO12, six notifications on GP-0073
    h("20 62 3c 00 04 00 00 00 3e 0c 48 45 52 4f 31 32 20 42 6c 61"),
    h("80 63 6b 04 30 78 30 35 0f 48 32 33 2e 30 31 2e 30 31 2e 39"),
    h("81 39 2e 35 36 0e 43 33 35 30 31 33 32 34 35 30 30 37 30 32"),
    h("82 11 48 45 52 4f 31 32 20 42 6c 61 63 6b 64 65 62 75 67 0c"),
    h("83 32 36 37 34 66 37 66 36 36 31 30 34 01 00 01 01 01 00 02"),
    h("84 5b 5d 01 01"),
]
QUERY_157 = [  # multi-status response, issue #157
    h("20 29 13 00 08 01 00 0b 01 00 13 01 00 23 04 00 00 0c a7 44"),
    h("80 01 00 45 01 01 46 01 3a 56 01 00 60 04 00 00 03 e8 61 04"),
    h("81 00 00 00 01"),
]
AP_ENTRIES = [  # Get AP Entries response, tutorial 6
    h("20 76 02 83 08 01 10 01 1a 13 0a 0a 64 61 62 75 67 64 61 62"),
    h("80 75 67 10 03 20 e4 28 28 2f 1a 13 0a 0a 41 54 54 54 70 34"),
    h("81 72 36 46 69 10 02 20 f1 2c 28 01 1a 13 0a 0a 41 54 54 62"),
    h("82 37 4a 67 41 77 61 10 02 20 99 2d 28 01 1a 16 0a 0d 52 69"),
    h("83 6e 67 20 53 65 74 75 70 20 65 37 10 01 20 ec 12 28 00 1a"),
    h("84 17 0a 0e 48 6f 6d 65 79 6e 65 74 5f 32 47 45 58 54 10 01"),
    h("85 20 85 13 28 01"),
]
COHN = [  # COHN status response, tutorial 9
    h("20 47 f5 ef 08 01 10 1b 1a 05 67 6f 70 72 6f 22 0c 47 7a 74"),
    h("80 32 6d 36 59 4d 76 4c 41 6f 2a 0e 31 39 32 2e 31 36 38 2e"),
    h("81 35 30 2e 31 30 33 30 01 3a 0a 64 61 62 75 67 64 61 62 75"),
    h("82 67 42 0c 32 34 37 34 66 37 66 36 36 31 30 34"),
]

def unframe(packets):
    first = packets[0]
    return first[2:] + b"".join(p[1:] for p in packets[1:])

def message(body):
    return b"\x00" + body

def records(packets, mode=0x01):
    return bytes([mode]) + b"".join(bytes([len(p)]) + p for p in packets)

def split(packets, size, mode=0x02):
    return bytes([mode, size - 1]) + b"".join(packets)

SEEDS = {
    "msg_command_response": message(h("01 00")),
    "msg_hardware_info": message(unframe(HW_INFO)),
    "msg_ogp_version": message(h("51 00 01 02 01 00")),
    "msg_date_time": message(h("0E 00 08 07 E6 01 02 03 04 05 06")),
    "msg_local_date_time": message(h("10 00 0A 07 E6 01 02 03 04 05 FE 20 01")),
    "msg_set_local_date_time": message(h("0F 0A 07 E7 01 1F 03 04 05 FF 88 01")),
    "msg_setting_request": message(h("5B 01 42")),
    "msg_query_request": message(h("13 46 44 23 56 45 61 60 0B 08 13")),
    "msg_query_157": message(unframe(QUERY_157)),
    "msg_query_capability_push": message(h("A2 00 02 00 03 00 79 00")),
    "msg_scan_notification": message(h("02 0B 08 05 10 01 18 05 20 01")),
    "msg_ap_entries": message(unframe(AP_ENTRIES)),
    "msg_cohn_status": message(unframe(COHN)),
    "msg_unsupported": message(h("F5 02")),
    # A duplicated continuation (issue #157/#270 camera bug), then a push as the valid message.
    "records_157_duplicate": records([QUERY_157[0], QUERY_157[1], QUERY_157[1], QUERY_157[2],
                                      h("05 93 00 0A 01 01")]),
    # A stray continuation, a message interrupted by a new start, then a short one.
    "records_interrupted": records([h("81 00"), HW_INFO[0], HW_INFO[1], h("02 01 00"), h("06 51 00 01 02 01 00")]),
    "split20_hardware_info": split(HW_INFO, 20),
    "split20_query_157": split(QUERY_157, 20),
    "split20_ap_entries": split(AP_ENTRIES, 20),
    # Misaligned packets and a 100-byte maximum.
    "split7_cohn_status_max100": split(COHN, 7, mode=0x02 | 0x0C),
    "boundary_8192": bytes([0x03, 3]) + h("F5 EF 08 01"),
}

out = pathlib.Path(__file__).resolve().parent / "corpus"
out.mkdir(exist_ok=True)
for name, data in SEEDS.items():
    (out / name).write_bytes(data)
    print(f"{name}: {len(data)} bytes")
