// Open GoPro packet framing: 20-byte packets with a general (5-bit),
// extended 13-bit or extended 16-bit start header and 1-byte continuation
// headers. fragment() splits a message, Reassembler joins packets again.
// Pure; a Reassembler belongs to one response characteristic and one thread.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "protocol/bytes.h"
#include "protocol/error.h"

namespace goprod::protocol {

inline constexpr std::size_t kMaxPacketSize = 20;
inline constexpr std::size_t kMaxGeneralLength = kMaxPacketSize - 1;  // fits one packet
inline constexpr std::size_t kMax13BitLength = 8191;
inline constexpr std::size_t kMax16BitLength = 65535;

// Who sends. Clients (the daemon, the seed tutorials, the official SDK) send
// every continuation header as 0x80 and at most 8191 bytes. Cameras count
// continuations up (0x80, 0x81, ... 0x8F, 0x80) and may use the 16-bit header.
enum class Sender : std::uint8_t { Client, Camera };

// Packets of at most 20 bytes. The general header when the message fits one
// packet, else the 13-bit header (16-bit for camera messages over 8191 bytes).
Result<std::vector<Bytes>> fragment(ByteView message, Sender sender);

// Joins packets from one characteristic into messages. Accepts general, 13-bit
// and 16-bit start headers and continuation counters that increment (cameras)
// or stay at 0 (clients); the second continuation tells which, and a message
// must keep to it. Malformed input is reported and discarded; the next valid start packet is
// decoded normally, so the reassembler never wedges.
class Reassembler {
public:
    // `sender`, when known, fixes the continuation style instead of inferring
    // it from the second continuation: a client reading a camera passes
    // Sender::Camera, which also catches a repeated first continuation.
    explicit Reassembler(std::size_t maxMessageLength = kMax16BitLength, std::optional<Sender> sender = std::nullopt)
        : maxLength_(maxMessageLength), sender_(sender) {
        reset();
    }

    struct Output {
        std::optional<Error> error;    // what was discarded, if anything
        std::optional<Bytes> message;  // a message completed by this packet
    };
    Output feed(ByteView packet);

    bool inProgress() const { return inProgress_; }
    void reset();

private:
    Output start(ByteView packet);

    std::size_t maxLength_;
    std::optional<Sender> sender_;
    bool inProgress_ = false;
    std::size_t expected_ = 0;
    Bytes buffer_;
    int continuations_ = 0;     // continuation packets accepted so far
    int lastCounter_ = -1;      // counter of the last accepted continuation
    bool counting_ = false;     // the sender counts continuations (cameras); else all 0 (clients)
    Bytes lastContinuation_;    // for duplicate detection
};

}  // namespace goprod::protocol
