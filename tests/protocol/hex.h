// Shared helpers for the protocol unit tests: hex literals, an independent
// hex dump for readable failure messages, framing a Request the way the daemon
// sends it, and feeding packets through a Reassembler. Test code only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <initializer_list>
#include <ostream>
#include <utility>

#include <gtest/gtest.h>

#include "protocol/bytes.h"
#include "protocol/error.h"
#include "protocol/framing.h"
#include "protocol/matching.h"
#include "protocol/queries.h"

namespace goprod::protocol {

// Readable gtest output for the library's enums and keys (found by ADL).
inline void PrintTo(Errc code, std::ostream* os) { *os << errcName(code); }
inline void PrintTo(Incoming kind, std::ostream* os) { *os << incomingName(kind); }
inline void PrintTo(const ResponseKey& key, std::ostream* os) { *os << describe(key); }
inline void PrintTo(Characteristic c, std::ostream* os) { *os << info(c).shortName; }
inline void PrintTo(const QueryEntry& e, std::ostream* os) {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    *os << "{id " << int{e.id} << ", value [";
    for (std::size_t i = 0; i < e.value.size(); ++i) {
        *os << (i ? " " : "") << kDigits[e.value[i] >> 4] << kDigits[e.value[i] & 0x0F];
    }
    *os << "]}";
}

}  // namespace goprod::protocol

namespace goprod::protocol::test {

// hex("03 01 01 01") -> {0x03, 0x01, 0x01, 0x01}, through the library's fromHex.
inline Bytes hex(std::string_view text) {
    auto bytes = fromHex(text);
    if (!bytes) {
        ADD_FAILURE() << "fromHex(\"" << text << "\") failed: " << describe(bytes.error());
        return {};
    }
    return std::move(bytes).value();
}

// An upper-case, space-separated dump that does not depend on the library
// (so a broken toHex cannot hide a broken comparison).
inline std::string dump(ByteView bytes) {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    std::string out;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i != 0) out += ' ';
        out += kDigits[bytes[i] >> 4];
        out += kDigits[bytes[i] & 0x0F];
    }
    return out;
}

inline std::vector<std::string> dumpAll(const std::vector<Bytes>& packets) {
    std::vector<std::string> out;
    out.reserve(packets.size());
    for (const auto& p : packets) out.push_back(dump(p));
    return out;
}

// Bytes from a string's characters ("GoPro" -> 47 6F 50 72 6F).
inline Bytes ascii(std::string_view text) { return Bytes(text.begin(), text.end()); }

// n bytes of a pattern whose 19-byte chunks never repeat (so no two
// consecutive continuation packets of a message are identical).
inline Bytes pattern(std::size_t n, std::uint8_t seed = 7) {
    Bytes out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(i * 31 + seed);
    return out;
}

// The request message framed as the daemon writes it: fragment(..., Sender::Client).
inline std::vector<Bytes> framed(const Request& request) {
    auto packets = fragment(request.message, Sender::Client);
    if (!packets) {
        ADD_FAILURE() << "fragment() failed: " << describe(packets.error());
        return {};
    }
    return std::move(packets).value();
}

inline std::vector<Bytes> framed(ByteView message, Sender sender) {
    auto packets = fragment(message, sender);
    if (!packets) {
        ADD_FAILURE() << "fragment() failed: " << describe(packets.error());
        return {};
    }
    return std::move(packets).value();
}

// Feeds packets through one Reassembler, expecting no error and exactly one
// message, completed by the last packet.
inline std::optional<Bytes> reassemble(Reassembler& reassembler, const std::vector<Bytes>& packets) {
    std::optional<Bytes> message;
    for (std::size_t i = 0; i < packets.size(); ++i) {
        auto out = reassembler.feed(packets[i]);
        if (out.error) {
            ADD_FAILURE() << "packet " << i << " (" << dump(packets[i]) << ") reported " << describe(*out.error);
        }
        if (out.message) {
            if (i + 1 != packets.size()) {
                ADD_FAILURE() << "packet " << i << " of " << packets.size() << " completed a message early: "
                              << dump(*out.message);
            }
            message = std::move(out.message);
        }
    }
    if (!message) ADD_FAILURE() << "no message completed after " << packets.size() << " packets";
    return message;
}

inline std::optional<Bytes> reassemble(const std::vector<Bytes>& packets) {
    Reassembler reassembler;
    return reassemble(reassembler, packets);
}

inline std::vector<Bytes> hexPackets(std::initializer_list<std::string_view> lines) {
    std::vector<Bytes> out;
    for (auto line : lines) out.push_back(hex(line));
    return out;
}

// EXPECT_TRUE(failsWith(parseX(...), Errc::Truncated))
template <class T>
::testing::AssertionResult failsWith(const Result<T>& result, Errc code) {
    if (result) return ::testing::AssertionFailure() << "succeeded, expected " << errcName(code);
    if (result.error().code != code) {
        return ::testing::AssertionFailure() << "failed with " << describe(result.error()) << ", expected "
                                             << errcName(code);
    }
    return ::testing::AssertionSuccess();
}

// For the few places where the headers leave the exact code open.
template <class T>
::testing::AssertionResult failsWithOneOf(const Result<T>& result, std::initializer_list<Errc> codes) {
    if (result) return ::testing::AssertionFailure() << "succeeded, expected an error";
    for (auto code : codes) {
        if (result.error().code == code) return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << "failed with unexpected " << describe(result.error());
}

template <class T>
::testing::AssertionResult succeeds(const Result<T>& result) {
    if (result) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "failed: " << describe(result.error());
}

}  // namespace goprod::protocol::test
