// Multi-packet captures from opengopro-ble.md §9 and the connect-WiFi seed,
// exactly as the camera notified them (framing headers included).
#pragma once

#include <vector>

#include "protocol/bytes.h"
#include "tests/protocol/hex.h"

namespace goprod::protocol::test {

// §9.1 Get Hardware Info, HERO12 (tutorial 3), six notifications on GP-0073.
inline std::vector<Bytes> hardwareInfoPackets() {
    return hexPackets({
        "20 62 3c 00 04 00 00 00 3e 0c 48 45 52 4f 31 32 20 42 6c 61",
        "80 63 6b 04 30 78 30 35 0f 48 32 33 2e 30 31 2e 30 31 2e 39",
        "81 39 2e 35 36 0e 43 33 35 30 31 33 32 34 35 30 30 37 30 32",
        "82 11 48 45 52 4f 31 32 20 42 6c 61 63 6b 64 65 62 75 67 0c",
        "83 32 36 37 34 66 37 66 36 36 31 30 34 01 00 01 01 01 00 02",
        "84 5b 5d 01 01",
    });
}

// §9.2 multi-status response (GitHub issue #157), three notifications on GP-0077.
inline std::vector<Bytes> issue157Packets() {
    return hexPackets({
        "20 29 13 00 08 01 00 0b 01 00 13 01 00 23 04 00 00 0c a7 44",
        "80 01 00 45 01 01 46 01 3a 56 01 00 60 04 00 00 03 e8 61 04",
        "81 00 00 00 01",
    });
}

// Connect-WiFi seed (tutorial 6) and §9.3: Get AP Entries response, seven
// notifications on GP-0092, exactly as the seed logs them.
inline std::vector<Bytes> apEntriesPackets() {
    return hexPackets({
        "20:76:02:83:08:01:10:01:1a:13:0a:0a:64:61:62:75:67:64:61:62",
        "80:75:67:10:03:20:e4:28:28:2f:1a:13:0a:0a:41:54:54:54:70:34",
        "81:72:36:46:69:10:02:20:f1:2c:28:01:1a:13:0a:0a:41:54:54:62",
        "82:37:4a:67:41:77:61:10:02:20:99:2d:28:01:1a:16:0a:0d:52:69",
        "83:6e:67:20:53:65:74:75:70:20:65:37:10:01:20:ec:12:28:00:1a",
        "84:17:0a:0e:48:6f:6d:65:79:6e:65:74:5f:32:47:45:58:54:10:01",
        "85:20:85:13:28:01",
    });
}

// §9.3 COHN status response (tutorial 9), four notifications on GP-0077.
inline std::vector<Bytes> cohnStatusPackets() {
    return hexPackets({
        "20 47 f5 ef 08 01 10 1b 1a 05 67 6f 70 72 6f 22 0c 47 7a 74",
        "80 32 6d 36 59 4d 76 4c 41 6f 2a 0e 31 39 32 2e 31 36 38 2e",
        "81 35 30 2e 31 30 33 30 01 3a 0a 64 61 62 75 67 64 61 62 75",
        "82 67 42 0c 32 34 37 34 66 37 66 36 36 31 30 34",
    });
}

// The 98-byte hardware-info message those packets carry: 3C 00 + payload.
inline Bytes hardwareInfoMessage() {
    Bytes out;
    auto packets = hardwareInfoPackets();
    out.insert(out.end(), packets[0].begin() + 2, packets[0].end());
    for (std::size_t i = 1; i < packets.size(); ++i) out.insert(out.end(), packets[i].begin() + 1, packets[i].end());
    return out;
}

}  // namespace goprod::protocol::test
