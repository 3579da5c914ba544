// The protocol library's error vocabulary: one code per way a packet or a
// message can be wrong, plus a human-readable detail. Pure values: any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/expected.h"

namespace goprod::protocol {

enum class Errc : std::uint8_t {
    // Framing (Reassembler, fragment).
    EmptyPacket,             // a zero-length packet
    ReservedHeader,          // start header of the reserved type 0b011
    TruncatedHeader,         // an extended header cut short
    UnexpectedContinuation,  // continuation with no message in progress
    Interrupted,             // a new start packet while a message was in progress
    SequenceGap,             // a continuation counter skipped: a packet was lost
    DuplicatePacket,         // the same continuation packet twice (known camera bug)
    Overlength,              // more bytes than the header announced
    MessageTooLong,          // longer than this direction of the protocol allows
    // Message parsing.
    Truncated,        // a message shorter than its layout requires
    Malformed,        // lengths or fields that do not add up
    UnknownId,        // an ID the library does not know
    InvalidArgument,  // a caller-supplied value out of range
};

std::string_view errcName(Errc code);

struct Error {
    Errc code{};
    std::string detail;
};

// "over-length message: 25 bytes for a 20-byte message"
std::string describe(const Error& error);

template <class T>
using Result = Expected<T, Error>;

inline Unexpected<Error> fail(Errc code, std::string detail) { return Unexpected{Error{code, std::move(detail)}}; }

}  // namespace goprod::protocol
