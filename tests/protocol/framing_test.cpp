// Packet framing (opengopro-ble.md §2): fragment() and Reassembler on valid
// input, plus the hex and big-endian helpers of bytes.h.
#include "protocol/framing.h"

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "protocol/bytes.h"
#include "tests/protocol/hex.h"

namespace goprod::protocol {
namespace {

using test::dump;
using test::dumpAll;
using test::failsWith;
using test::hex;
using test::pattern;

// 01 02 .. n
Bytes counting(std::size_t n) {
    Bytes out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(i + 1);
    return out;
}

std::size_t expectedPacketCount(std::size_t length) {
    if (length <= kMaxGeneralLength) return 1;
    std::size_t firstPayload = length > kMax13BitLength ? 17 : 18;
    return 1 + (length - firstPayload + 18) / 19;
}

// Checks the framing rules of §2 for one message and that a Reassembler
// gives the message back exactly.
::testing::AssertionResult roundTrips(const Bytes& message, Sender sender, Reassembler& reassembler) {
    const std::size_t length = message.size();
    auto fragmented = fragment(message, sender);
    if (!fragmented) return ::testing::AssertionFailure() << "fragment failed: " << describe(fragmented.error());
    const auto& packets = *fragmented;
    if (packets.size() != expectedPacketCount(length)) {
        return ::testing::AssertionFailure() << packets.size() << " packets, expected " << expectedPacketCount(length);
    }
    for (std::size_t i = 0; i < packets.size(); ++i) {
        if (packets[i].empty() || packets[i].size() > kMaxPacketSize) {
            return ::testing::AssertionFailure() << "packet " << i << " has " << packets[i].size() << " bytes";
        }
        if (i + 1 < packets.size() && packets[i].size() != kMaxPacketSize) {
            return ::testing::AssertionFailure() << "packet " << i << " is not full: " << dump(packets[i]);
        }
    }
    const Bytes& first = packets.front();
    if (length <= kMaxGeneralLength) {
        if (first[0] != length || first.size() != length + 1) {
            return ::testing::AssertionFailure() << "expected a general header: " << dump(first);
        }
    } else if (length <= kMax13BitLength) {
        if (first[0] != (0x20 | (length >> 8)) || first[1] != (length & 0xFF)) {
            return ::testing::AssertionFailure() << "expected a 13-bit header: " << dump(first);
        }
    } else {
        if ((first[0] & 0xE0) != 0x40 || first[1] != (length >> 8) || first[2] != (length & 0xFF)) {
            return ::testing::AssertionFailure() << "expected a 16-bit header: " << dump(first);
        }
    }
    for (std::size_t i = 1; i < packets.size(); ++i) {
        const std::uint8_t want =
            sender == Sender::Client ? 0x80 : static_cast<std::uint8_t>(0x80 | ((i - 1) & 0x0F));
        if (packets[i][0] != want) {
            return ::testing::AssertionFailure() << "continuation " << i << " has header " << dump({&packets[i][0], 1})
                                                 << ", expected " << dump({&want, 1});
        }
    }
    for (std::size_t i = 0; i < packets.size(); ++i) {
        auto out = reassembler.feed(packets[i]);
        if (out.error) return ::testing::AssertionFailure() << "packet " << i << ": " << describe(*out.error);
        const bool last = i + 1 == packets.size();
        if (out.message.has_value() != last) {
            return ::testing::AssertionFailure() << "packet " << i << (last ? " did not complete" : " completed early");
        }
        if (last && *out.message != message) {
            return ::testing::AssertionFailure() << "reassembled " << out.message->size() << " bytes, differ";
        }
    }
    if (reassembler.inProgress()) return ::testing::AssertionFailure() << "still in progress after completing";
    return ::testing::AssertionSuccess();
}

// The seed tutorial's yield_fragmented_packets (connect-wifi-tutorial.md),
// re-implemented line by line, for lengths below 65535.
std::vector<Bytes> seedFragment(const Bytes& payload) {
    const std::size_t length = payload.size();
    Bytes header;
    if (length < (1u << 5) - 1) {
        header = {static_cast<std::uint8_t>(length)};
    } else if (length < (1u << 13) - 1) {
        const std::size_t h = length | 0x2000;
        header = {static_cast<std::uint8_t>(h >> 8), static_cast<std::uint8_t>(h & 0xFF)};
    } else {
        const std::size_t h = length | 0x6400;
        header = {static_cast<std::uint8_t>(h >> 8), static_cast<std::uint8_t>(h & 0xFF)};
    }
    std::vector<Bytes> packets;
    bool isFirstPacket = true;
    std::size_t byteIndex = 0;
    while (std::size_t bytesRemaining = length - byteIndex) {
        Bytes packet;
        if (isFirstPacket) {
            packet = header;
            isFirstPacket = false;
        } else {
            packet = {0x80};
        }
        const std::size_t packetSize = std::min(20 - packet.size(), bytesRemaining);
        packet.insert(packet.end(), payload.begin() + static_cast<std::ptrdiff_t>(byteIndex),
                      payload.begin() + static_cast<std::ptrdiff_t>(byteIndex + packetSize));
        packets.push_back(packet);
        byteIndex += packetSize;
    }
    return packets;
}

TEST(Framing, SeventeenByteMessageFitsOnePacketWithTheGeneralHeader) {
    auto packets = test::framed(counting(17), Sender::Client);
    EXPECT_EQ(dumpAll(packets),
              (std::vector<std::string>{"11 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11"}));
}

TEST(Framing, FiftyByteMessageUsesThe13BitHeaderAndCountingContinuations) {
    // 2.0 spec worked example: 20 32 | 01..12, 80 | 13..25, 81 | 26..32.
    auto packets = test::framed(counting(50), Sender::Camera);
    EXPECT_EQ(dumpAll(packets),
              (std::vector<std::string>{
                  "20 32 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 12",
                  "80 13 14 15 16 17 18 19 1A 1B 1C 1D 1E 1F 20 21 22 23 24 25",
                  "81 26 27 28 29 2A 2B 2C 2D 2E 2F 30 31 32",
              }));
    auto message = test::reassemble(packets);
    ASSERT_TRUE(message);
    EXPECT_EQ(*message, counting(50));
}

TEST(Framing, FiftyByteClientMessageSendsEveryContinuationAs0x80) {
    auto packets = test::framed(counting(50), Sender::Client);
    ASSERT_EQ(packets.size(), 3u);
    EXPECT_EQ(dump(packets[0]), "20 32 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 12");
    EXPECT_EQ(dump(packets[1]), "80 13 14 15 16 17 18 19 1A 1B 1C 1D 1E 1F 20 21 22 23 24 25");
    EXPECT_EQ(dump(packets[2]), "80 26 27 28 29 2A 2B 2C 2D 2E 2F 30 31 32");
}

TEST(Framing, EightySevenByteCameraMessageCountsContinuationsUpTo0x83) {
    // 2.0 spec: receiving 87 bytes: 20 57 …, 80 …, 81 …, 82 …, 83 4C…57.
    auto packets = test::framed(counting(87), Sender::Camera);
    ASSERT_EQ(packets.size(), 5u);
    EXPECT_EQ(dump({packets[0].data(), 2}), "20 57");
    EXPECT_EQ(packets[1][0], 0x80);
    EXPECT_EQ(packets[2][0], 0x81);
    EXPECT_EQ(packets[3][0], 0x82);
    EXPECT_EQ(dump(packets[4]), "83 4C 4D 4E 4F 50 51 52 53 54 55 56 57");
    auto message = test::reassemble(packets);
    ASSERT_TRUE(message);
    EXPECT_EQ(*message, counting(87));
}

TEST(Framing, EmptyMessageIsOneGeneralHeaderPacketThatReassemblesToNothing) {
    auto packets = test::framed(Bytes{}, Sender::Client);
    EXPECT_EQ(dumpAll(packets), (std::vector<std::string>{"00"}));
    Reassembler reassembler;
    auto out = reassembler.feed(hex("00"));
    EXPECT_FALSE(out.error);
    ASSERT_TRUE(out.message);
    EXPECT_TRUE(out.message->empty());
}

TEST(Framing, NineteenBytesIsTheLongestGeneralHeaderMessageAndTwentyTheShortest13BitOne) {
    auto nineteen = test::framed(pattern(19), Sender::Client);
    ASSERT_EQ(nineteen.size(), 1u);
    EXPECT_EQ(nineteen[0].size(), 20u);
    EXPECT_EQ(nineteen[0][0], 0x13);
    auto twenty = test::framed(pattern(20), Sender::Client);
    ASSERT_EQ(twenty.size(), 2u);
    EXPECT_EQ(dump({twenty[0].data(), 2}), "20 14");
    EXPECT_EQ(twenty[0].size(), 20u);
    EXPECT_EQ(twenty[1].size(), 3u);
}

TEST(Framing, EveryClientMessageUpTo2000BytesRoundTrips) {
    Reassembler reassembler;
    for (std::size_t length = 0; length <= 2000; ++length) {
        ASSERT_TRUE(roundTrips(pattern(length, static_cast<std::uint8_t>(length)), Sender::Client, reassembler))
            << "length " << length;
    }
}

TEST(Framing, EveryCameraMessageUpTo2000BytesRoundTripsWithWrappingCounters) {
    Reassembler reassembler;
    for (std::size_t length = 0; length <= 2000; ++length) {
        ASSERT_TRUE(roundTrips(pattern(length, static_cast<std::uint8_t>(length)), Sender::Camera, reassembler))
            << "length " << length;
    }
}

TEST(Framing, CameraContinuationCountersWrapFrom0x8FBackTo0x80) {
    // 18 + 17 * 19 bytes: 17 continuations, 80..8F then 80 again.
    auto packets = test::framed(pattern(18 + 17 * 19), Sender::Camera);
    ASSERT_EQ(packets.size(), 18u);
    EXPECT_EQ(packets[16][0], 0x8F);
    EXPECT_EQ(packets[17][0], 0x80);
    auto message = test::reassemble(packets);
    ASSERT_TRUE(message);
    EXPECT_EQ(*message, pattern(18 + 17 * 19));
}

TEST(Framing, CameraMessageOf8191BytesStillUsesThe13BitHeader) {
    Reassembler reassembler;
    EXPECT_TRUE(roundTrips(pattern(8191), Sender::Camera, reassembler));
    auto packets = test::framed(pattern(8191), Sender::Camera);
    ASSERT_FALSE(packets.empty());
    EXPECT_EQ(dump({packets[0].data(), 2}), "3F FF");
}

TEST(Framing, CameraMessageOf9000BytesUsesThe16BitHeader) {
    auto packets = test::framed(pattern(9000), Sender::Camera);
    ASSERT_FALSE(packets.empty());
    EXPECT_EQ(packets[0][0] & 0xE0, 0x40);
    EXPECT_EQ(dump({packets[0].data() + 1, 2}), "23 28");
    EXPECT_EQ(packets[0].size(), 20u);  // 3 header bytes + 17 payload bytes
    Reassembler reassembler;
    EXPECT_TRUE(roundTrips(pattern(9000), Sender::Camera, reassembler));
}

TEST(Framing, CameraMessagesFrom8192To65535BytesUseThe16BitHeader) {
    Reassembler reassembler;
    EXPECT_TRUE(roundTrips(pattern(8192), Sender::Camera, reassembler));
    EXPECT_TRUE(roundTrips(pattern(65535), Sender::Camera, reassembler));
    auto packets = test::framed(pattern(65535), Sender::Camera);
    ASSERT_FALSE(packets.empty());
    EXPECT_EQ(dump({packets[0].data() + 1, 2}), "FF FF");
}

TEST(Framing, ClientMessageOf8191BytesIsTheLongestAllowed) {
    Reassembler reassembler;
    EXPECT_TRUE(roundTrips(pattern(8191), Sender::Client, reassembler));
}

TEST(Framing, ClientMessagesLongerThan8191BytesAreMessageTooLong) {
    EXPECT_TRUE(failsWith(fragment(pattern(8192), Sender::Client), Errc::MessageTooLong));
    EXPECT_TRUE(failsWith(fragment(pattern(9000), Sender::Client), Errc::MessageTooLong));
    EXPECT_TRUE(failsWith(fragment(pattern(65536), Sender::Client), Errc::MessageTooLong));
}

TEST(Framing, CameraMessagesLongerThan65535BytesAreMessageTooLong) {
    EXPECT_TRUE(failsWith(fragment(pattern(65536), Sender::Camera), Errc::MessageTooLong));
    EXPECT_TRUE(failsWith(fragment(pattern(70000), Sender::Camera), Errc::MessageTooLong));
}

TEST(Framing, ClientFramingEqualsTheSeedTutorialAlgorithmFor31To8190Bytes) {
    // The seed's yield_fragmented_packets uses the 13-bit header from 31 bytes on.
    for (std::size_t length = 31; length < 8191; ++length) {
        const Bytes message = pattern(length, static_cast<std::uint8_t>(length));
        auto packets = fragment(message, Sender::Client);
        ASSERT_TRUE(packets) << "length " << length;
        const auto want = seedFragment(message);
        if (*packets != want) {
            ASSERT_EQ(dumpAll(*packets), dumpAll(want)) << "length " << length;
        }
    }
}

TEST(Framing, ReassemblerAcceptsEveryMessageFramedByTheSeedTutorialAlgorithm) {
    // Includes 20..30 bytes, which the seed sends with a general header plus
    // 0x80 continuations (§2: the general header field holds up to 31).
    Reassembler reassembler;
    for (std::size_t length = 1; length < 8191; ++length) {
        const Bytes message = pattern(length, static_cast<std::uint8_t>(length));
        auto packets = seedFragment(message);
        auto got = test::reassemble(reassembler, packets);
        ASSERT_TRUE(got) << "length " << length;
        ASSERT_EQ(*got, message) << "length " << length;
    }
}

TEST(Framing, ReassemblerAcceptsAGeneralHeaderFollowedByAContinuation) {
    // 25 bytes with the 5-bit header, as the seed algorithm frames it.
    Reassembler reassembler;
    auto first = reassembler.feed(hex("19 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 12 13"));
    EXPECT_FALSE(first.error);
    EXPECT_FALSE(first.message);
    EXPECT_TRUE(reassembler.inProgress());
    auto second = reassembler.feed(hex("80 14 15 16 17 18 19"));
    EXPECT_FALSE(second.error);
    ASSERT_TRUE(second.message);
    EXPECT_EQ(*second.message, counting(25));
}

TEST(Framing, ReassemblerKeepsNoStateBetweenSinglePacketMessages) {
    Reassembler reassembler;
    for (int i = 0; i < 3; ++i) {
        auto out = reassembler.feed(hex("02 01 00"));
        EXPECT_FALSE(out.error);
        ASSERT_TRUE(out.message);
        EXPECT_EQ(dump(*out.message), "01 00");
        EXPECT_FALSE(reassembler.inProgress());
    }
}

TEST(Framing, ReassemblerReportsAMessageInProgressUntilItsLastPacket) {
    auto packets = test::framed(counting(50), Sender::Camera);
    Reassembler reassembler;
    EXPECT_FALSE(reassembler.inProgress());
    reassembler.feed(packets[0]);
    EXPECT_TRUE(reassembler.inProgress());
    reassembler.feed(packets[1]);
    EXPECT_TRUE(reassembler.inProgress());
    auto out = reassembler.feed(packets[2]);
    EXPECT_TRUE(out.message);
    EXPECT_FALSE(reassembler.inProgress());
}

TEST(Framing, ResetDropsTheMessageInProgress) {
    auto packets = test::framed(counting(50), Sender::Camera);
    Reassembler reassembler;
    reassembler.feed(packets[0]);
    reassembler.reset();
    EXPECT_FALSE(reassembler.inProgress());
    auto stray = reassembler.feed(packets[1]);
    ASSERT_TRUE(stray.error);
    EXPECT_EQ(stray.error->code, Errc::UnexpectedContinuation);
    EXPECT_FALSE(stray.message);
    auto again = test::reassemble(reassembler, packets);
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, counting(50));
}

TEST(Framing, ContinuationHeaderReservedBitsAreIgnored) {
    // §2: bits 6..4 of a continuation header are reserved/ignored.
    Reassembler reassembler;
    EXPECT_FALSE(reassembler.feed(hex("20 14 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 12")).error);
    auto out = reassembler.feed(hex("F0 13 14"));
    EXPECT_FALSE(out.error);
    ASSERT_TRUE(out.message);
    EXPECT_EQ(*out.message, counting(20));
}

// ---- bytes.h -------------------------------------------------------------

TEST(Bytes, FromHexAcceptsEverySpellingPeoplePaste) {
    const Bytes want{0x03, 0x01, 0x01, 0x01};
    for (const char* text : {"03 01 01 01", "03:01:01:01", "0x03 0x01 0x01 0x01", "03010101", "03,01,01,01"}) {
        auto got = fromHex(text);
        ASSERT_TRUE(got) << text;
        EXPECT_EQ(*got, want) << text;
    }
    auto pair = fromHex("03,01");
    ASSERT_TRUE(pair);
    EXPECT_EQ(*pair, (Bytes{0x03, 0x01}));
}

TEST(Bytes, FromHexIgnoresLetterCase) {
    auto lower = fromHex("0a:ff:5b");
    auto upper = fromHex("0A:FF:5B");
    auto prefixed = fromHex("0XAB 0xcd");
    ASSERT_TRUE(lower);
    ASSERT_TRUE(upper);
    ASSERT_TRUE(prefixed);
    EXPECT_EQ(*lower, (Bytes{0x0A, 0xFF, 0x5B}));
    EXPECT_EQ(*upper, (Bytes{0x0A, 0xFF, 0x5B}));
    EXPECT_EQ(*prefixed, (Bytes{0xAB, 0xCD}));
}

TEST(Bytes, FromHexOfAnEmptyStringIsNoBytes) {
    auto got = fromHex("");
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->empty());
}

TEST(Bytes, FromHexRejectsNonHexCharacters) {
    // (Odd digit counts are left open by bytes.h; the library reads "0x3" as one byte.)
    EXPECT_FALSE(fromHex("zz"));
    EXPECT_FALSE(fromHex("03 01 zz"));
    EXPECT_FALSE(fromHex("03 0g"));
}

// A "0x" with nothing after it is refused, and no character past the end is read
// (the fuzzer found the out-of-bounds read; ASan catches it here too).
TEST(Bytes, FromHexRejectsAPrefixWithoutDigits) {
    const std::string prefixAtTheEnd = "01 0x";  // a heap string of its own size, for ASan
    const auto got = fromHex(std::string_view(prefixAtTheEnd));
    ASSERT_FALSE(got);
    EXPECT_NE(got.error().detail.find("'0x' is not followed by hex digits"), std::string::npos) << got.error().detail;
    EXPECT_FALSE(fromHex("0x"));
    EXPECT_FALSE(fromHex("0x zz"));
}

TEST(Bytes, ToHexWritesTwoDigitsPerByteWithTheChosenSeparator) {
    const Bytes bytes{0x03, 0x01, 0x01, 0x01};
    EXPECT_EQ(toHex(bytes), "03 01 01 01");
    EXPECT_EQ(toHex(bytes, ':'), "03:01:01:01");
    EXPECT_EQ(toHex(bytes, '\0'), "03010101");
    EXPECT_EQ(toHex(Bytes{}), "");
}

TEST(Bytes, ToHexOfLettersRoundTripsThroughFromHex) {
    const Bytes bytes{0xAB, 0x0C, 0xF5, 0xFF, 0x00};
    std::string text = toHex(bytes);
    ASSERT_EQ(text.size(), 14u);
    for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(text, "AB 0C F5 FF 00");
    auto back = fromHex(toHex(bytes, ':'));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, bytes);
}

TEST(Bytes, BigEndianHelpersReadAndWriteMostSignificantByteFirst) {
    EXPECT_EQ(readBigEndian(hex("00 00 03 E8")), 1000u);
    EXPECT_EQ(readBigEndian(hex("0C A7")), 0x0CA7u);
    EXPECT_EQ(readBigEndian(hex("01 02 03 04 05 06 07 08")), 0x0102030405060708u);
    EXPECT_EQ(readBigEndian(Bytes{}), 0u);
    Bytes out{0xAA};
    appendBigEndian(out, 0x1234ABCD, 4);
    appendBigEndian(out, 1000, 2);
    appendBigEndian(out, 0x0E11, 8);
    EXPECT_EQ(dump(out), "AA 12 34 AB CD 03 E8 00 00 00 00 00 00 0E 11");
}

}  // namespace
}  // namespace goprod::protocol
