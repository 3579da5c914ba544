#include "protocol/error.h"

namespace goprod::protocol {

std::string_view errcName(Errc code) {
    switch (code) {
        case Errc::EmptyPacket: return "empty packet";
        case Errc::ReservedHeader: return "reserved header";
        case Errc::TruncatedHeader: return "truncated header";
        case Errc::UnexpectedContinuation: return "unexpected continuation";
        case Errc::Interrupted: return "interrupted message";
        case Errc::SequenceGap: return "sequence gap";
        case Errc::DuplicatePacket: return "duplicate packet";
        case Errc::Overlength: return "over-length message";
        case Errc::MessageTooLong: return "message too long";
        case Errc::Truncated: return "truncated message";
        case Errc::Malformed: return "malformed message";
        case Errc::UnknownId: return "unknown id";
        case Errc::InvalidArgument: return "invalid argument";
    }
    return "unknown error";
}

std::string describe(const Error& error) {
    std::string text(errcName(error.code));
    if (!error.detail.empty()) {
        text += ": ";
        text += error.detail;
    }
    return text;
}

}  // namespace goprod::protocol
