#include "protocol/framing.h"

#include <algorithm>
#include <string>

namespace goprod::protocol {

namespace {

constexpr std::uint8_t kContinuationBit = 0x80;
constexpr std::uint8_t kHeaderTypeGeneral = 0;
constexpr std::uint8_t kHeaderType13Bit = 1;
constexpr std::uint8_t kHeaderType16Bit = 2;

Bytes startHeader(std::size_t length) {
    if (length <= kMaxGeneralLength) return {static_cast<std::uint8_t>(length)};
    if (length <= kMax13BitLength) {
        return {static_cast<std::uint8_t>(kHeaderType13Bit << 5 | length >> 8), static_cast<std::uint8_t>(length)};
    }
    return {static_cast<std::uint8_t>(kHeaderType16Bit << 5), static_cast<std::uint8_t>(length >> 8),
            static_cast<std::uint8_t>(length)};
}

}  // namespace

Result<std::vector<Bytes>> fragment(ByteView message, Sender sender) {
    const std::size_t limit = sender == Sender::Client ? kMax13BitLength : kMax16BitLength;
    if (message.size() > limit) {
        return fail(Errc::MessageTooLong, std::to_string(message.size()) + " bytes, at most " +
                                              std::to_string(limit) + " can be sent");
    }
    std::vector<Bytes> packets;
    packets.reserve(1 + message.size() / (kMaxPacketSize - 1));
    Bytes packet = startHeader(message.size());
    std::size_t offset = 0;
    std::uint8_t counter = 0;
    for (;;) {
        const std::size_t take = std::min(kMaxPacketSize - packet.size(), message.size() - offset);
        packet.insert(packet.end(), message.begin() + static_cast<std::ptrdiff_t>(offset),
                      message.begin() + static_cast<std::ptrdiff_t>(offset + take));
        offset += take;
        packets.push_back(std::move(packet));
        if (offset == message.size()) break;
        // Clients send 0x80 every time, as the SDK and the tutorials do; cameras count.
        packet = {static_cast<std::uint8_t>(kContinuationBit | (sender == Sender::Camera ? counter : 0))};
        counter = (counter + 1) & 0x0F;
    }
    return packets;
}

void Reassembler::reset() {
    inProgress_ = false;
    expected_ = 0;
    buffer_.clear();
    continuations_ = 0;
    lastCounter_ = -1;
    counting_ = sender_ == Sender::Camera;
    lastContinuation_.clear();
}

Reassembler::Output Reassembler::feed(ByteView packet) {
    if (packet.empty()) return {Error{Errc::EmptyPacket, "zero-length packet ignored"}, std::nullopt};

    if ((packet[0] & kContinuationBit) == 0) {
        const bool interrupted = inProgress_;
        const std::size_t had = buffer_.size();
        const std::size_t wanted = expected_;
        reset();
        Output out = start(packet);
        if (interrupted) {
            std::string detail = "new message started after " + std::to_string(had) + " of " +
                                 std::to_string(wanted) + " bytes; partial message dropped";
            if (out.error) {
                out.error->detail += " (" + detail + ")";
            } else {
                out.error = Error{Errc::Interrupted, std::move(detail)};
            }
        }
        return out;
    }

    if (!inProgress_) {
        return {Error{Errc::UnexpectedContinuation, "continuation packet with no message in progress"},
                std::nullopt};
    }
    const int counter = packet[0] & 0x0F;
    if (counting_ && counter == lastCounter_ && std::equal(packet.begin(), packet.end(),
                                                                   lastContinuation_.begin(),
                                                                   lastContinuation_.end())) {
        return {Error{Errc::DuplicatePacket, "continuation " + std::to_string(counter) + " repeated; dropped"},
                std::nullopt};
    }
    // Cameras count 0, 1, 2 ...; clients send 0 every time. The second
    // continuation shows which; anything off that sequence lost a packet.
    if (continuations_ == 1 && !sender_) counting_ = counter == 1;
    const int due = counting_ ? (continuations_ & 0x0F) : 0;
    if (counter != due) {
        const std::string detail = "continuation " + std::to_string(counter) + " where " + std::to_string(due) +
                                   " was due; message dropped";
        reset();
        return {Error{Errc::SequenceGap, detail}, std::nullopt};
    }
    const std::size_t payload = packet.size() - 1;
    if (buffer_.size() + payload > expected_) {
        const std::string detail = std::to_string(buffer_.size() + payload) + " bytes for a " +
                                   std::to_string(expected_) + "-byte message; message dropped";
        reset();
        return {Error{Errc::Overlength, detail}, std::nullopt};
    }
    buffer_.insert(buffer_.end(), packet.begin() + 1, packet.end());
    ++continuations_;
    lastCounter_ = counter;
    lastContinuation_.assign(packet.begin(), packet.end());
    if (buffer_.size() < expected_) return {};
    Output out{std::nullopt, std::move(buffer_)};
    reset();
    return out;
}

Reassembler::Output Reassembler::start(ByteView packet) {
    const std::uint8_t type = (packet[0] >> 5) & 0x03;
    std::size_t headerLength = 1;
    std::size_t length = 0;
    switch (type) {
        case kHeaderTypeGeneral:
            length = packet[0] & 0x1F;
            break;
        case kHeaderType13Bit:
            if (packet.size() < 2) return {Error{Errc::TruncatedHeader, "13-bit header needs 2 bytes"}, std::nullopt};
            headerLength = 2;
            length = static_cast<std::size_t>(packet[0] & 0x1F) << 8 | packet[1];
            break;
        case kHeaderType16Bit:
            if (packet.size() < 3) return {Error{Errc::TruncatedHeader, "16-bit header needs 3 bytes"}, std::nullopt};
            headerLength = 3;
            length = static_cast<std::size_t>(packet[1]) << 8 | packet[2];
            break;
        default:
            return {Error{Errc::ReservedHeader, "start header type 0b11 is reserved"}, std::nullopt};
    }
    if (length > maxLength_) {
        return {Error{Errc::MessageTooLong, std::to_string(length) + "-byte message, at most " +
                                                std::to_string(maxLength_) + " accepted"},
                std::nullopt};
    }
    const std::size_t payload = packet.size() - headerLength;
    if (payload > length) {
        return {Error{Errc::Overlength, std::to_string(payload) + " bytes for a " + std::to_string(length) +
                                            "-byte message"},
                std::nullopt};
    }
    Bytes body(packet.begin() + static_cast<std::ptrdiff_t>(headerLength), packet.end());
    if (payload == length) return {std::nullopt, std::move(body)};
    inProgress_ = true;
    expected_ = length;
    buffer_ = std::move(body);
    buffer_.reserve(length);
    return {};
}

}  // namespace goprod::protocol
