// Malformed input: a corpus of bad packets, each with the error it must be
// reported as and proof that the Reassembler recovers (never wedges); then
// malformed messages handed to the message parsers.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "protocol/bytes.h"
#include "protocol/commands.h"
#include "protocol/error.h"
#include "protocol/framing.h"
#include "protocol/protobuf.h"
#include "protocol/queries.h"
#include "protocol/settings.h"
#include "tests/protocol/hex.h"
#include "tests/protocol/vectors.h"

namespace goprod::protocol {
namespace {

using test::dump;
using test::failsWith;
using test::failsWithOneOf;
using test::hex;

// After any error, a single-packet message and a multi-packet camera message
// must both come out exactly.
void expectRecovers(Reassembler& reassembler) {
    SCOPED_TRACE("recovery");
    auto single = reassembler.feed(hex("02 01 00"));
    EXPECT_FALSE(single.error) << describe(*single.error);
    ASSERT_TRUE(single.message);
    EXPECT_EQ(dump(*single.message), "01 00");
    auto multi = test::reassemble(reassembler, test::hardwareInfoPackets());
    ASSERT_TRUE(multi);
    EXPECT_EQ(*multi, test::hardwareInfoMessage());
    EXPECT_FALSE(reassembler.inProgress());
}

Errc errorOf(const Reassembler::Output& out) {
    EXPECT_TRUE(out.error);
    return out.error ? out.error->code : Errc::InvalidArgument;
}

// 20 bytes in progress: 20 14 | 01..12, still waiting for 2 bytes.
void startTwentyByteMessage(Reassembler& reassembler) {
    auto out = reassembler.feed(hex("20 14 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 12"));
    ASSERT_FALSE(out.error);
    ASSERT_FALSE(out.message);
    ASSERT_TRUE(reassembler.inProgress());
}

// ---- packet corpus --------------------------------------------------------

TEST(MalformedPacket, EmptyPacketIsReportedAndIgnored) {
    Reassembler reassembler;
    auto out = reassembler.feed(Bytes{});
    EXPECT_EQ(errorOf(out), Errc::EmptyPacket);
    EXPECT_FALSE(out.message);
    expectRecovers(reassembler);
}

TEST(MalformedPacket, ReservedStartHeader0b011IsReportedAndDiscarded) {
    for (const char* packet : {"60 01 02", "7F", "65 01 00 00"}) {
        SCOPED_TRACE(packet);
        Reassembler reassembler;
        auto out = reassembler.feed(hex(packet));
        EXPECT_EQ(errorOf(out), Errc::ReservedHeader);
        EXPECT_FALSE(out.message);
        EXPECT_FALSE(reassembler.inProgress());
        expectRecovers(reassembler);
    }
}

TEST(MalformedPacket, ThirteenBitHeaderWithOnlyOneByteIsATruncatedHeader) {
    Reassembler reassembler;
    auto out = reassembler.feed(hex("20"));
    EXPECT_EQ(errorOf(out), Errc::TruncatedHeader);
    EXPECT_FALSE(out.message);
    expectRecovers(reassembler);
}

TEST(MalformedPacket, SixteenBitHeaderWithFewerThanThreeBytesIsATruncatedHeader) {
    for (const char* packet : {"40", "40 23"}) {
        SCOPED_TRACE(packet);
        Reassembler reassembler;
        auto out = reassembler.feed(hex(packet));
        EXPECT_EQ(errorOf(out), Errc::TruncatedHeader);
        EXPECT_FALSE(out.message);
        expectRecovers(reassembler);
    }
}

TEST(MalformedPacket, ContinuationWithNoMessageInProgressIsUnexpected) {
    for (const char* packet : {"80 01 02 03", "85 00", "8F"}) {
        SCOPED_TRACE(packet);
        Reassembler reassembler;
        auto out = reassembler.feed(hex(packet));
        EXPECT_EQ(errorOf(out), Errc::UnexpectedContinuation);
        EXPECT_FALSE(out.message);
        EXPECT_FALSE(reassembler.inProgress());
        expectRecovers(reassembler);
    }
}

TEST(MalformedPacket, NewStartPacketInterruptsAndIsDecodedInTheSameFeed) {
    Reassembler reassembler;
    startTwentyByteMessage(reassembler);
    auto out = reassembler.feed(hex("02 01 00"));
    EXPECT_EQ(errorOf(out), Errc::Interrupted);
    ASSERT_TRUE(out.message) << "the interrupting start packet must be decoded normally";
    EXPECT_EQ(dump(*out.message), "01 00");
    EXPECT_FALSE(reassembler.inProgress());
    expectRecovers(reassembler);
}

TEST(MalformedPacket, InterruptingMultiPacketStartBeginsTheNewMessage) {
    Reassembler reassembler;
    startTwentyByteMessage(reassembler);
    auto packets = test::hardwareInfoPackets();
    auto first = reassembler.feed(packets[0]);
    EXPECT_EQ(errorOf(first), Errc::Interrupted);
    EXPECT_FALSE(first.message);
    EXPECT_TRUE(reassembler.inProgress());
    std::optional<Bytes> message;
    for (std::size_t i = 1; i < packets.size(); ++i) {
        auto out = reassembler.feed(packets[i]);
        EXPECT_FALSE(out.error) << "packet " << i << ": " << describe(*out.error);
        if (out.message) message = out.message;
    }
    ASSERT_TRUE(message);
    EXPECT_EQ(*message, test::hardwareInfoMessage());
    expectRecovers(reassembler);
}

TEST(MalformedPacket, ContinuationCarryingMoreBytesThanAnnouncedIsOverlength) {
    Reassembler reassembler;
    startTwentyByteMessage(reassembler);
    auto out = reassembler.feed(hex("80 13 14 15 16 17"));  // 3 bytes too many
    EXPECT_EQ(errorOf(out), Errc::Overlength);
    EXPECT_FALSE(out.message);
    EXPECT_FALSE(reassembler.inProgress());
    expectRecovers(reassembler);
}

TEST(MalformedPacket, CameraCounterJumpingFrom0x80To0x82IsASequenceGap) {
    auto packets = test::hardwareInfoPackets();  // 20 62, 80, 81, 82, 83, 84
    Reassembler reassembler;
    EXPECT_FALSE(reassembler.feed(packets[0]).error);
    EXPECT_FALSE(reassembler.feed(packets[1]).error);
    auto gap = reassembler.feed(packets[3]);  // 0x82 after 0x80: 0x81 was lost
    EXPECT_EQ(errorOf(gap), Errc::SequenceGap);
    EXPECT_FALSE(gap.message);
    // The rest of the broken message must not produce a message either.
    for (std::size_t i = 4; i < packets.size(); ++i) {
        auto out = reassembler.feed(packets[i]);
        EXPECT_FALSE(out.message) << "packet " << i;
    }
    expectRecovers(reassembler);
}

TEST(MalformedPacket, FirstCameraContinuationMustCountFromZero) {
    // §2: the counter starts at 0 on the first continuation packet; a first
    // continuation 0x81 means 0x80 was lost.
    auto packets = test::hardwareInfoPackets();
    Reassembler reassembler;
    EXPECT_FALSE(reassembler.feed(packets[0]).error);
    auto gap = reassembler.feed(packets[2]);
    EXPECT_EQ(errorOf(gap), Errc::SequenceGap);
    EXPECT_FALSE(gap.message);
    for (std::size_t i = 3; i < packets.size(); ++i) EXPECT_FALSE(reassembler.feed(packets[i]).message);
    expectRecovers(reassembler);
}

TEST(MalformedPacket, CameraCounterFallingBackTo0x80MidMessageIsASequenceGap) {
    // framing.h: counters "increment or stay at 0". After 0x80..0x83 the next
    // continuation is 0x84; a stray 0x80 there (a replayed or stray packet,
    // issues #157/#270) must not be appended, or a corrupted message completes.
    auto packets = test::hardwareInfoPackets();  // 20 62, 80, 81, 82, 83, 84 (4 bytes)
    Reassembler reassembler;
    for (std::size_t i = 0; i < 5; ++i) ASSERT_FALSE(reassembler.feed(packets[i]).error) << "packet " << i;
    auto stray = reassembler.feed(hex("80 AA BB CC DD"));  // exactly the 4 bytes still missing
    EXPECT_FALSE(stray.message) << "a message completed with stray data: " << dump(*stray.message);
    ASSERT_TRUE(stray.error);
    EXPECT_EQ(stray.error->code, Errc::SequenceGap);
    expectRecovers(reassembler);
}

TEST(MalformedPacket, RepeatedIdenticalContinuationIsADroppedDuplicate) {
    // Known camera bug (#157, #270): the same continuation packet twice.
    auto packets = test::hardwareInfoPackets();
    Reassembler reassembler;
    std::optional<Bytes> message;
    for (std::size_t i = 0; i < packets.size(); ++i) {
        auto out = reassembler.feed(packets[i]);
        EXPECT_FALSE(out.error) << "packet " << i << ": " << describe(*out.error);
        if (out.message) message = out.message;
        if (i == 2) {  // 0x81 again
            auto dup = reassembler.feed(packets[i]);
            EXPECT_EQ(errorOf(dup), Errc::DuplicatePacket);
            EXPECT_FALSE(dup.message);
            EXPECT_TRUE(reassembler.inProgress()) << "a duplicate must not discard the message";
        }
    }
    ASSERT_TRUE(message);
    EXPECT_EQ(*message, test::hardwareInfoMessage());
    expectRecovers(reassembler);
}

TEST(MalformedPacket, ARepeatedFirstContinuationFromACameraIsADroppedDuplicate) {
    // With the sender known to be a camera, even the first continuation (0x80) can be
    // told apart from a client's fixed 0x80: the repeat is dropped, the message intact.
    auto packets = test::hardwareInfoPackets();
    Reassembler reassembler(kMax16BitLength, Sender::Camera);
    std::optional<Bytes> message;
    for (std::size_t i = 0; i < packets.size(); ++i) {
        auto out = reassembler.feed(packets[i]);
        EXPECT_FALSE(out.error) << "packet " << i << ": " << describe(*out.error);
        if (out.message) message = out.message;
        if (i == 1) {  // 0x80 again
            auto dup = reassembler.feed(packets[i]);
            EXPECT_EQ(errorOf(dup), Errc::DuplicatePacket);
            EXPECT_TRUE(reassembler.inProgress());
        }
    }
    ASSERT_TRUE(message);
    EXPECT_EQ(*message, test::hardwareInfoMessage());
    expectRecovers(reassembler);
}

TEST(MalformedPacket, AClientsCountingContinuationIsAGapWhenClientsAreExpected) {
    auto message = test::pattern(64);
    auto packets = *fragment(message, Sender::Camera);  // 0x80, 0x81, 0x82
    Reassembler reassembler(kMax16BitLength, Sender::Client);
    EXPECT_FALSE(reassembler.feed(packets[0]).error);
    EXPECT_FALSE(reassembler.feed(packets[1]).error);
    EXPECT_EQ(errorOf(reassembler.feed(packets[2])), Errc::SequenceGap);
    std::optional<Bytes> next;
    const auto clientPackets = fragment(message, Sender::Client);
    for (const auto& packet : *clientPackets) {
        auto out = reassembler.feed(packet);
        EXPECT_FALSE(out.error);
        if (out.message) next = out.message;
    }
    EXPECT_EQ(next, message) << "the next client message decodes normally";
}

TEST(MalformedPacket, ClientStyleRepeatedZeroCountersAreAccepted) {
    // The SDK and the seed send every continuation as 0x80 (64 bytes here).
    auto message = test::pattern(64);
    std::vector<Bytes> packets{hex("20 40")};
    packets[0].insert(packets[0].end(), message.begin(), message.begin() + 18);
    for (std::size_t at = 18; at < message.size(); at += 19) {
        Bytes p{0x80};
        p.insert(p.end(), message.begin() + static_cast<std::ptrdiff_t>(at),
                 message.begin() + static_cast<std::ptrdiff_t>(std::min(at + 19, message.size())));
        packets.push_back(p);
    }
    ASSERT_EQ(packets.size(), 4u);
    Reassembler reassembler;
    auto got = test::reassemble(reassembler, packets);
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, message);
    expectRecovers(reassembler);
}

TEST(MalformedPacket, StrayContinuationAfterACompletedMessageProducesNothing) {
    auto packets = test::hardwareInfoPackets();
    Reassembler reassembler;
    ASSERT_TRUE(test::reassemble(reassembler, packets));
    auto stray = reassembler.feed(packets.back());
    ASSERT_TRUE(stray.error);
    EXPECT_TRUE(stray.error->code == Errc::UnexpectedContinuation || stray.error->code == Errc::DuplicatePacket)
        << describe(*stray.error);
    EXPECT_FALSE(stray.message);
    expectRecovers(reassembler);
}

TEST(MalformedPacket, AnnouncedLengthAboveTheReassemblerLimitIsRejected) {
    Reassembler reassembler(100);
    auto out = reassembler.feed(hex("20 C8 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 12"));  // 200 bytes
    ASSERT_TRUE(out.error);
    // framing.h leaves the code open; MessageTooLong is the natural reading.
    EXPECT_TRUE(out.error->code == Errc::MessageTooLong || out.error->code == Errc::Overlength)
        << describe(*out.error);
    EXPECT_FALSE(out.message);
    EXPECT_FALSE(reassembler.inProgress());
    // Continuations of the rejected message produce nothing.
    EXPECT_FALSE(reassembler.feed(hex("80 13 14")).message);
    auto single = reassembler.feed(hex("02 01 00"));
    ASSERT_TRUE(single.message);
    EXPECT_EQ(dump(*single.message), "01 00");
    // 100 bytes is still fine.
    auto packets = test::framed(test::pattern(100), Sender::Camera);
    auto got = test::reassemble(reassembler, packets);
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, test::pattern(100));
}

TEST(MalformedPacket, EveryErrorOfACorpusLeavesTheReassemblerUsable) {
    // One reassembler, one bad packet after another, a good message after each.
    const std::vector<std::pair<const char*, Errc>> corpus = {
        {"", Errc::EmptyPacket},
        {"60 00", Errc::ReservedHeader},
        {"20", Errc::TruncatedHeader},
        {"80 00", Errc::UnexpectedContinuation},
        {"83 01 02", Errc::UnexpectedContinuation},
    };
    Reassembler reassembler;
    for (const auto& [packet, code] : corpus) {
        SCOPED_TRACE(packet);
        auto out = reassembler.feed(hex(packet));
        EXPECT_EQ(errorOf(out), code);
        EXPECT_FALSE(out.message);
        expectRecovers(reassembler);
    }
}

TEST(MalformedPacket, ErrorsCarryAReadableDescription) {
    // Every code has its own non-empty name.
    std::vector<std::string> names;
    for (int c = static_cast<int>(Errc::EmptyPacket); c <= static_cast<int>(Errc::InvalidArgument); ++c) {
        const std::string name(errcName(static_cast<Errc>(c)));
        EXPECT_FALSE(name.empty()) << c;
        for (const auto& other : names) EXPECT_NE(name, other) << c;
        names.push_back(name);
    }
    // error.h: describe() reads "over-length message: 25 bytes for a 20-byte message".
    EXPECT_EQ(describe(Error{Errc::Overlength, "25 bytes for a 20-byte message"}),
              "over-length message: 25 bytes for a 20-byte message");
    Reassembler reassembler;
    auto out = reassembler.feed(hex("80 00"));
    ASSERT_TRUE(out.error);
    EXPECT_FALSE(describe(*out.error).empty());
}

// ---- malformed messages ---------------------------------------------------

TEST(MalformedMessage, CommandResponseOfOneByteIsTruncated) {
    EXPECT_TRUE(failsWith(parseCommandResponse(hex("01")), Errc::Truncated));
    EXPECT_TRUE(failsWith(parseCommandResponse(Bytes{}), Errc::Truncated));
}

TEST(MalformedMessage, SettingResponseOfOneByteIsTruncated) {
    EXPECT_TRUE(failsWith(parseSettingResponse(hex("02")), Errc::Truncated));
    EXPECT_TRUE(failsWith(parseSettingResponse(Bytes{}), Errc::Truncated));
}

TEST(MalformedMessage, QueryResponseWhoseEntryLengthOverrunsIsMalformed) {
    EXPECT_TRUE(failsWith(parseQueryResponse(hex("12 00 02 05 09")), Errc::Malformed));
    EXPECT_TRUE(failsWith(parseQueryResponse(hex("13 00 08 01 00 23 04 00 00 0C")), Errc::Malformed));
}

TEST(MalformedMessage, QueryResponseShorterThanIdAndStatusIsTruncated) {
    EXPECT_TRUE(failsWith(parseQueryResponse(hex("12")), Errc::Truncated));
    EXPECT_TRUE(failsWith(parseQueryResponse(Bytes{}), Errc::Truncated));
}

TEST(MalformedMessage, QueryResponseEntryWithoutALengthByteIsRejected) {
    EXPECT_TRUE(failsWithOneOf(parseQueryResponse(hex("12 00 02")), {Errc::Malformed, Errc::Truncated}));
}

TEST(MalformedMessage, HardwareInfoCutShortIsRejected) {
    const Bytes message = test::hardwareInfoMessage();
    const Bytes payload(message.begin() + 2, message.end());
    for (std::size_t cut : {std::size_t{0}, std::size_t{1}, std::size_t{3}, std::size_t{10}, std::size_t{30},
                            std::size_t{84}}) {
        SCOPED_TRACE(cut);
        EXPECT_TRUE(failsWithOneOf(parseHardwareInfo(ByteView(payload).first(cut)),
                                   {Errc::Truncated, Errc::Malformed}));
    }
}

TEST(MalformedMessage, ProtobufWithAnUnknownFeatureOrActionIsUnknownId) {
    EXPECT_TRUE(failsWith(decodeProtobuf(hex("77 01 08 01")), Errc::UnknownId));
    EXPECT_TRUE(failsWith(decodeProtobuf(hex("02 7E 08 01")), Errc::UnknownId));
    EXPECT_TRUE(failsWith(decodeProtobuf(hex("F5 01 08 01")), Errc::UnknownId));
}

TEST(MalformedMessage, ProtobufWithAGarbageBodyIsMalformed) {
    EXPECT_TRUE(failsWith(decodeProtobuf(hex("F1 EB FF FF FF")), Errc::Malformed));
    EXPECT_TRUE(failsWith(decodeProtobuf(hex("02 83 1A 40 0A")), Errc::Malformed));  // entry length overruns
}

TEST(MalformedMessage, ProtobufMissingARequiredFieldIsMalformed) {
    // ResponseStartScanning requires result and scanning_state.
    EXPECT_TRUE(failsWith(decodeProtobuf(hex("02 82 08 01")), Errc::Malformed));
    // ResponseGeneric requires result.
    EXPECT_TRUE(failsWith(decodeProtobuf(hex("F1 EB")), Errc::Malformed));
}

TEST(MalformedMessage, ProtobufShorterThanFeatureAndActionIsRejected) {
    EXPECT_TRUE(failsWithOneOf(decodeProtobuf(hex("02")), {Errc::Truncated, Errc::Malformed}));
    EXPECT_TRUE(failsWithOneOf(decodeProtobuf(Bytes{}), {Errc::Truncated, Errc::Malformed}));
}

TEST(MalformedMessage, CommandRequestWhoseParameterLengthOverrunsIsRejected) {
    EXPECT_TRUE(failsWithOneOf(parseCommandRequest(hex("40 04 00 00")), {Errc::Malformed, Errc::Truncated}));
    EXPECT_TRUE(failsWithOneOf(parseCommandRequest(hex("01 01")), {Errc::Malformed, Errc::Truncated}));
    EXPECT_TRUE(failsWith(parseCommandRequest(Bytes{}), Errc::Truncated));
}

TEST(MalformedMessage, SettingRequestWithValueLengthZeroOrNineIsRejected) {
    EXPECT_FALSE(parseSettingRequest(hex("02 00")));
    EXPECT_FALSE(parseSettingRequest(hex("20 09 01 02 03 04 05 06 07 08 09")));
}

TEST(MalformedMessage, SettingRequestWhoseValueLengthOverrunsIsRejected) {
    EXPECT_TRUE(failsWithOneOf(parseSettingRequest(hex("02 03 01")), {Errc::Malformed, Errc::Truncated}));
    EXPECT_TRUE(failsWithOneOf(parseSettingRequest(hex("02")), {Errc::Malformed, Errc::Truncated}));
}

TEST(MalformedMessage, VersionAndDateTimePayloadsOfTheWrongSizeAreRejected) {
    EXPECT_FALSE(parseOpenGoProVersion(hex("01 02 01")));
    EXPECT_FALSE(parseOpenGoProVersion(Bytes{}));
    EXPECT_FALSE(parseDateTimeParams(hex("07 E7 01 1F 03 04")));
    EXPECT_FALSE(parseLocalDateTimeParams(hex("07 E7 01 1F 03 04 05 FF 88")));
    EXPECT_FALSE(parseDateTimeResponse(hex("08 07 E6 01 02")));
    EXPECT_FALSE(parseLocalDateTimeResponse(hex("0A 07 E6 01 02 03 04 05 FE")));
}

TEST(MalformedMessage, EmptyQueryRequestIsTruncated) {
    EXPECT_TRUE(failsWith(parseQueryRequest(Bytes{}), Errc::Truncated));
}

}  // namespace
}  // namespace goprod::protocol
