// libFuzzer target over the Open GoPro protocol library: the Reassembler fed
// packet streams, fragment(), every TLV parser, classify() on every
// characteristic and the protobuf router. Checks the contracts stated in the
// protocol/*.h comments and aborts on any broken one. Single-threaded.
//
// Input layout. Byte 0 selects the mode (bits 0-1) and the Reassembler's
// maximum message length (bits 2-3); the rest depends on the mode:
//   0 message      the rest is one unframed message: parsed by everything
//   1 records      {[len & 0x3F][len bytes of packet]}* fed as packets; the
//                  last record is then sent as a valid camera message
//   2 fixed split  byte 1 picks the packet size (byte1 % 20 + 1), the rest is
//                  cut into packets of that size (a captured notification
//                  stream is a seed as it is); then the rest is sent again as
//                  a valid camera message
//   3 boundaries   byte 1 picks a length around a header boundary (19, 20,
//                  8191, 8192, 65535, 65536); the rest is tiled to it and
//                  fragmented and reassembled for both senders
// Every message the Reassembler completes goes through the mode-0 checks too.
//
// Run: ninja -C build-fuzz fuzz-protocol (see tests/fuzz/run_fuzz.sh).

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/stubs/logging.h>

#include "protocol/bytes.h"
#include "protocol/commands.h"
#include "protocol/error.h"
#include "protocol/framing.h"
#include "protocol/gatt.h"
#include "protocol/matching.h"
#include "protocol/protobuf.h"
#include "protocol/queries.h"
#include "protocol/result_codes.h"
#include "protocol/settings.h"

// Not assert(): the fuzz build may define NDEBUG, and a message beats a bare trap.
#define FUZZ_CHECK(cond)                                                                                      \
    do {                                                                                                      \
        if (!(cond)) {                                                                                        \
            std::fprintf(stderr, "fuzz_protocol: invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
            std::abort();                                                                                     \
        }                                                                                                     \
    } while (false)

namespace {

namespace gp = goprod::protocol;
using gp::Bytes;
using gp::ByteView;

// ---------------------------------------------------------------------------
// Framing headers, decoded independently of the library (docs §2).

struct StartHeader {
    std::size_t length = 0;      // the message length the header announces
    std::size_t headerSize = 0;  // 1, 2 or 3
};

enum class PacketKind : std::uint8_t { Empty, Continuation, Start };

PacketKind kindOf(ByteView packet) {
    if (packet.empty()) {
        return PacketKind::Empty;
    }
    return (packet[0] & 0x80) != 0 ? PacketKind::Continuation : PacketKind::Start;
}

// nullopt for a reserved type or an extended header cut short.
std::optional<StartHeader> decodeStart(ByteView packet) {
    if (packet.empty() || (packet[0] & 0x80) != 0) {
        return std::nullopt;
    }
    const std::uint8_t b0 = packet[0];
    switch ((b0 >> 5) & 0x03) {
        case 0:
            return StartHeader{static_cast<std::size_t>(b0 & 0x1F), 1};
        case 1:
            if (packet.size() < 2) {
                return std::nullopt;
            }
            return StartHeader{(static_cast<std::size_t>(b0 & 0x1F) << 8) | packet[1], 2};
        case 2:
            if (packet.size() < 3) {
                return std::nullopt;
            }
            return StartHeader{(static_cast<std::size_t>(packet[1]) << 8) | packet[2], 3};
        default:
            return std::nullopt;
    }
}

bool startsWith(ByteView whole, ByteView prefix) {
    return prefix.size() <= whole.size() && std::equal(prefix.begin(), prefix.end(), whole.begin());
}

bool equalBytes(ByteView a, ByteView b) { return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin()); }

// ---------------------------------------------------------------------------
// Characteristics.

const std::set<gp::Characteristic>& responseCharacteristics() {
    static const std::set<gp::Characteristic> kSet = [] {
        std::set<gp::Characteristic> out;
        for (const auto& c : gp::characteristics()) {
            if (auto r = gp::responseCharacteristic(c.id)) {
                out.insert(*r);
            }
        }
        return out;
    }();
    return kSet;
}

// ---------------------------------------------------------------------------
// One complete message through every parser.

void checkClassify(ByteView msg) {
    for (const auto& c : gp::characteristics()) {
        const gp::Classified got = gp::classify(c.id, msg);
        (void)gp::incomingName(got.kind);
        (void)gp::describe(got.key);
        if (msg.empty() || responseCharacteristics().count(c.id) == 0) {
            // matching.h: Unknown when "not from a response characteristic, or empty".
            FUZZ_CHECK(got.kind == gp::Incoming::Unknown);
            continue;
        }
        if (got.kind == gp::Incoming::Response) {
            FUZZ_CHECK(got.key.id == msg[0]);
            if (got.key.kind == gp::ResponseKey::Kind::Protobuf) {
                FUZZ_CHECK(msg.size() >= 2 && got.key.action == msg[1]);
            } else {
                FUZZ_CHECK(got.key.action == 0);
            }
            FUZZ_CHECK(gp::completes(got.key, got));  // "a response matches its key exactly"
        } else if (got.kind == gp::Incoming::UnsupportedReply) {
            FUZZ_CHECK(got.key.kind == gp::ResponseKey::Kind::Protobuf && got.key.id == msg[0]);
            // "an unsupported reply matches by feature alone"
            const gp::ResponseKey pending{gp::ResponseKey::Kind::Protobuf, msg[0], 0xEF};
            FUZZ_CHECK(gp::completes(pending, got));
        }
        if (c.id == gp::Characteristic::QueryResponse && msg.size() >= 2) {
            if (msg[0] == 0x92) {
                FUZZ_CHECK(got.kind == gp::Incoming::SettingPush);
            } else if (msg[0] == 0x93) {
                FUZZ_CHECK(got.kind == gp::Incoming::StatusPush);
            } else if (msg[0] == 0xA2) {
                FUZZ_CHECK(got.kind == gp::Incoming::CapabilityPush);
            }
        }
    }
}

void checkCommandParsers(ByteView msg) {
    if (auto r = gp::parseCommandResponse(msg)) {
        FUZZ_CHECK(msg.size() >= 2 && r->id == msg[0] && r->status == msg[1]);
        FUZZ_CHECK(equalBytes(r->payload, msg.subspan(2)));
        FUZZ_CHECK(equalBytes(gp::encodeCommandResponse(r->id, r->status, r->payload), msg));
        (void)gp::commandName(r->id);
        (void)gp::cameraStatusName(r->status);
    }
    if (auto r = gp::parseCommandRequest(msg)) {
        FUZZ_CHECK(!msg.empty() && r->id == msg[0]);
        std::size_t used = 1;
        for (const Bytes& p : r->params) {
            used += 1 + p.size();
        }
        FUZZ_CHECK(used <= msg.size());
    }

    // The payload parsers, on the whole message and on what follows [id][status].
    const std::array<ByteView, 2> payloads{msg, msg.subspan(std::min<std::size_t>(2, msg.size()))};
    for (ByteView payload : payloads) {
        if (auto r = gp::parseHardwareInfo(payload)) {
            auto again = gp::parseHardwareInfo(gp::encodeHardwareInfo(*r));
            FUZZ_CHECK(again && *again == *r);
        }
        if (auto r = gp::parseOpenGoProVersion(payload)) {
            auto again = gp::parseOpenGoProVersion(gp::encodeOpenGoProVersion(*r));
            FUZZ_CHECK(again && *again == *r);
        }
        if (auto r = gp::parseDateTimeResponse(payload)) {
            auto again = gp::parseDateTimeResponse(gp::encodeDateTimeResponse(*r));
            FUZZ_CHECK(again && *again == *r);
        }
        if (auto r = gp::parseLocalDateTimeResponse(payload)) {
            auto again = gp::parseLocalDateTimeResponse(gp::encodeLocalDateTimeResponse(*r));
            FUZZ_CHECK(again && *again == *r);
        }
        if (auto r = gp::parseDateTimeParams(payload)) {
            // A request the builder accepts must parse back to the same time.
            if (auto req = gp::command::setDateTime(*r)) {
                auto parsed = gp::parseCommandRequest(req->message);
                FUZZ_CHECK(parsed && parsed->params.size() == 1);
                auto again = gp::parseDateTimeParams(parsed->params[0]);
                FUZZ_CHECK(again && *again == *r);
            }
        }
        if (auto r = gp::parseLocalDateTimeParams(payload)) {
            if (auto req = gp::command::setLocalDateTime(*r)) {
                auto parsed = gp::parseCommandRequest(req->message);
                FUZZ_CHECK(parsed && parsed->params.size() == 1);
                auto again = gp::parseLocalDateTimeParams(parsed->params[0]);
                FUZZ_CHECK(again && *again == *r);
            }
        }
    }
}

void checkSettingParsers(ByteView msg) {
    if (auto r = gp::parseSettingResponse(msg)) {
        FUZZ_CHECK(msg.size() >= 2 && r->id == msg[0] && r->status == msg[1]);
        auto again = gp::parseSettingResponse(gp::encodeSettingResponse(r->id, r->status));
        FUZZ_CHECK(again && again->id == r->id && again->status == r->status);
    }
    if (auto r = gp::parseSettingRequest(msg)) {
        FUZZ_CHECK(!msg.empty() && r->id == msg[0] && r->value.size() < msg.size());
        (void)gp::findSetting(r->id);
        (void)gp::formatSettingValue(r->id, r->value);
        if (r->value.size() <= 8) {
            (void)gp::settingValueName(r->id, gp::readBigEndian(r->value));
        }
        // What set() builds from a parsed request must parse back to it.
        if (auto req = gp::setting::set(r->id, r->value)) {
            auto again = gp::parseSettingRequest(req->message);
            FUZZ_CHECK(again && again->id == r->id && again->value == r->value);
        }
    }
}

void checkQueryParsers(ByteView msg) {
    if (auto r = gp::parseQueryRequest(msg)) {
        FUZZ_CHECK(!msg.empty() && r->id == msg[0] && equalBytes(r->ids, msg.subspan(1)));
        (void)gp::queryName(r->id);
    }
    if (auto r = gp::parseQueryResponse(msg)) {
        FUZZ_CHECK(msg.size() >= 2 && r->queryId == msg[0] && r->status == msg[1]);
        std::size_t used = 2;
        for (const gp::QueryEntry& e : r->entries) {
            used += 2 + e.value.size();
            FUZZ_CHECK(e.value.size() <= 255);
            (void)gp::findStatus(e.id);
            (void)gp::decodeStatusValue(e.id, e.value);
            (void)gp::formatStatusValue(e.id, e.value);
            (void)gp::formatSettingValue(e.id, e.value);
        }
        FUZZ_CHECK(used <= msg.size());
        auto encoded = gp::encodeQueryResponse(*r);
        FUZZ_CHECK(encoded.has_value());
        auto again = gp::parseQueryResponse(*encoded);
        FUZZ_CHECK(again && again->queryId == r->queryId && again->status == r->status && again->entries == r->entries);
    }
}

void checkProtobuf(ByteView msg) {
    auto r = gp::decodeProtobuf(msg);
    if (!r) {
        (void)gp::describe(r.error());
        return;
    }
    FUZZ_CHECK(msg.size() >= 2 && r->feature == msg[0] && r->action == msg[1] && r->body != nullptr);
    const auto typeName = gp::protobufTypeName(r->feature, r->action);
    FUZZ_CHECK(typeName.has_value() && *typeName == r->body->GetTypeName());
    (void)gp::operationName(r->feature, r->action);
    (void)gp::shortText(*r->body);
    // Re-encoding what was decoded decodes again (required fields present, unknown ones kept).
    auto again = gp::decodeProtobuf(gp::encodeProtobuf(r->feature, r->action, *r->body));
    FUZZ_CHECK(again && again->feature == r->feature && again->action == r->action);
}

void checkTextHelpers(ByteView msg) {
    if (!msg.empty()) {
        for (char sep : {' ', ':', '\0'}) {
            auto back = gp::fromHex(gp::toHex(msg, sep));
            FUZZ_CHECK(back && equalBytes(*back, msg));
        }
    }
    const std::string_view text(reinterpret_cast<const char*>(msg.data()), msg.size());
    if (auto bytes = gp::fromHex(text)) {
        auto again = gp::fromHex(gp::toHex(*bytes));
        FUZZ_CHECK(again && *again == *bytes);
    }
    (void)gp::findCharacteristic(text);
    if (!msg.empty()) {
        (void)gp::settingValue(msg[0], text.substr(1));
    }
    if (msg.size() <= 8) {
        Bytes out;
        gp::appendBigEndian(out, gp::readBigEndian(msg), msg.size());
        FUZZ_CHECK(equalBytes(out, msg));
    }
    // Builders with caller-supplied text. Out of the documented limits (SSID
    // 1..32 bytes, password 0..63) they must refuse; within, they may still
    // refuse text they consider invalid.
    const std::string_view ssid = text.substr(0, text.size() / 2);
    const std::string_view password = text.substr(text.size() / 2);
    const bool ssidOk = !ssid.empty() && ssid.size() <= 32;
    const auto connect = gp::operation::connect(ssid);
    FUZZ_CHECK(ssidOk || !connect.has_value());
    const auto connectNew = gp::operation::connectNew(ssid, password);
    FUZZ_CHECK((ssidOk && password.size() <= 63) || !connectNew.has_value());
    if (connectNew) {
        checkProtobuf(connectNew->message);
    }
    (void)gp::operation::pairingFinish(text).has_value();
}

void checkMessage(ByteView msg) {
    checkClassify(msg);
    checkCommandParsers(msg);
    checkSettingParsers(msg);
    checkQueryParsers(msg);
    checkProtobuf(msg);
}

// ---------------------------------------------------------------------------
// fragment(): header, counters, sizes and payload (docs §2, framing.h).

bool hasRepeatedContinuation(const std::vector<Bytes>& packets) {
    for (std::size_t i = 2; i < packets.size(); ++i) {
        if (packets[i] == packets[i - 1]) {
            return true;
        }
    }
    return false;
}

void checkFragments(ByteView msg, gp::Sender sender, const std::vector<Bytes>& packets) {
    FUZZ_CHECK(!packets.empty());
    for (const Bytes& p : packets) {
        FUZZ_CHECK(!p.empty() && p.size() <= gp::kMaxPacketSize);
    }
    const auto header = decodeStart(packets[0]);
    FUZZ_CHECK(header.has_value() && header->length == msg.size());
    if (msg.size() <= gp::kMaxGeneralLength) {
        FUZZ_CHECK(header->headerSize == 1 && packets.size() == 1);
    } else if (msg.size() <= gp::kMax13BitLength) {
        FUZZ_CHECK(header->headerSize == 2);
    } else {
        FUZZ_CHECK(header->headerSize == 3 && sender == gp::Sender::Camera);
    }
    Bytes joined(packets[0].begin() + static_cast<std::ptrdiff_t>(header->headerSize), packets[0].end());
    for (std::size_t i = 1; i < packets.size(); ++i) {
        const std::uint8_t expected =
            sender == gp::Sender::Client ? 0x80 : static_cast<std::uint8_t>(0x80 | ((i - 1) & 0x0F));
        FUZZ_CHECK(packets[i][0] == expected);
        joined.insert(joined.end(), packets[i].begin() + 1, packets[i].end());
    }
    FUZZ_CHECK(equalBytes(joined, msg));
}

// Feeds one valid fragmented message; it must come out exactly, on the last
// packet, with no error except Interrupted on the first packet when a message
// was in progress. This holds whatever came before as long as a start packet
// resets all per-message state (counter, duplicate memory, buffer), which is
// what "the next valid start packet is decoded normally" promises.
void feedValid(gp::Reassembler& r, ByteView msg, const std::vector<Bytes>& packets) {
    for (std::size_t i = 0; i < packets.size(); ++i) {
        const bool wasInProgress = r.inProgress();
        const auto out = r.feed(packets[i]);
        if (i == 0 && wasInProgress) {
            FUZZ_CHECK(out.error.has_value() && out.error->code == gp::Errc::Interrupted);
        } else {
            FUZZ_CHECK(!out.error.has_value());
        }
        const bool last = i + 1 == packets.size();
        FUZZ_CHECK(out.message.has_value() == last);
        if (last) {
            FUZZ_CHECK(equalBytes(*out.message, msg));
        }
    }
    FUZZ_CHECK(!r.inProgress());
}

void checkRoundTrip(ByteView msg) {
    for (gp::Sender sender : {gp::Sender::Client, gp::Sender::Camera}) {
        const std::size_t limit = sender == gp::Sender::Client ? gp::kMax13BitLength : gp::kMax16BitLength;
        auto packets = gp::fragment(msg, sender);
        FUZZ_CHECK(packets.has_value() == (msg.size() <= limit));
        if (!packets) {
            continue;
        }
        checkFragments(msg, sender, *packets);
        // Client continuations all read 0x80, so two equal ones in a row are
        // indistinguishable from the camera's duplicate-packet bug and may be dropped.
        if (msg.empty() || (sender == gp::Sender::Client && hasRepeatedContinuation(*packets))) {
            continue;
        }
        gp::Reassembler r;
        feedValid(r, msg, *packets);
        // One byte over the maximum: refused at the start packet, nothing buffered, nothing out.
        gp::Reassembler small(msg.size() - 1);
        for (const Bytes& packet : *packets) {
            const auto out = small.feed(packet);
            FUZZ_CHECK(out.error.has_value() && !out.message.has_value() && !small.inProgress());
        }
    }
}

// ---------------------------------------------------------------------------
// Reassembler over an arbitrary packet stream.

class StreamChecker {
public:
    explicit StreamChecker(std::size_t maxLength) : maxLength_(maxLength), r_(maxLength) {}

    void feed(ByteView packet) {
        const bool wasInProgress = r_.inProgress();
        const PacketKind kind = kindOf(packet);
        const auto header = decodeStart(packet);
        const auto out = r_.feed(packet);

        if (out.error) {
            (void)gp::describe(*out.error);
            (void)gp::errcName(out.error->code);
        }
        if (out.message) {
            FUZZ_CHECK(!r_.inProgress());
            FUZZ_CHECK(out.message->size() <= maxLength_);
            if (kind == PacketKind::Start) {
                // A start packet completes only the message it starts.
                FUZZ_CHECK(header.has_value() && out.message->size() == header->length);
                const ByteView payload = packet.subspan(header->headerSize);
                FUZZ_CHECK(startsWith(*out.message, payload.first(std::min(header->length, payload.size()))));
            } else {
                FUZZ_CHECK(kind == PacketKind::Continuation && wasInProgress);
                if (known_) {
                    FUZZ_CHECK(out.message->size() == announced_);
                    FUZZ_CHECK(startsWith(*out.message, startPayload_));
                }
            }
            checkMessage(*out.message);
        }

        switch (kind) {
            case PacketKind::Empty:
                FUZZ_CHECK(out.error.has_value() && !out.message.has_value());
                break;
            case PacketKind::Continuation:
                if (!wasInProgress) {
                    FUZZ_CHECK(out.error.has_value() && !out.message.has_value() && !r_.inProgress());
                }
                break;
            case PacketKind::Start:
                if (!header) {  // reserved type or truncated extended header
                    FUZZ_CHECK(out.error.has_value() && !out.message.has_value());
                } else if (header->length > maxLength_) {
                    // The observable side of "never grows beyond its max".
                    FUZZ_CHECK(out.error.has_value() && !out.message.has_value() && !r_.inProgress());
                } else if (r_.inProgress()) {
                    const std::size_t payload = packet.size() - header->headerSize;
                    if (payload <= header->length) {
                        known_ = true;
                        announced_ = header->length;
                        startPayload_.assign(packet.begin() + static_cast<std::ptrdiff_t>(header->headerSize),
                                             packet.end());
                    } else {
                        known_ = false;  // overlength start: which message survives is not specified
                    }
                }
                break;
        }
        if (!r_.inProgress()) {
            known_ = false;
        }
        // While a message is in progress, its announced length is within the maximum.
        if (r_.inProgress() && known_) {
            FUZZ_CHECK(announced_ <= maxLength_);
        }
    }

    // After arbitrary garbage, with no reset(), a valid camera message still comes out exactly.
    void feedValidCameraMessage(ByteView msg) {
        if (msg.empty() || msg.size() > maxLength_) {
            return;
        }
        auto packets = gp::fragment(msg, gp::Sender::Camera);
        FUZZ_CHECK(packets.has_value());
        feedValid(r_, msg, *packets);
        known_ = false;
    }

private:
    std::size_t maxLength_;
    gp::Reassembler r_;
    bool known_ = false;  // whether announced_/startPayload_ describe the message in progress
    std::size_t announced_ = 0;
    Bytes startPayload_;
};

std::size_t maxLengthFor(std::uint8_t mode) {
    switch ((mode >> 2) & 0x03) {
        case 1:
            return gp::kMax13BitLength;
        case 2:
            return gp::kMaxGeneralLength;
        case 3:
            return 100;
        default:
            return gp::kMax16BitLength;
    }
}

void fuzzRecords(std::size_t maxLength, ByteView data) {
    StreamChecker checker(maxLength);
    ByteView last;
    while (!data.empty()) {
        const std::size_t len = std::min<std::size_t>(data[0] & 0x3F, data.size() - 1);
        last = data.subspan(1, len);
        data = data.subspan(1 + len);
        checker.feed(last);
    }
    checker.feedValidCameraMessage(last);
}

void fuzzFixedSplit(std::size_t maxLength, ByteView data) {
    if (data.empty()) {
        return;
    }
    const std::size_t size = data[0] % gp::kMaxPacketSize + 1;
    const ByteView stream = data.subspan(1);
    StreamChecker checker(maxLength);
    for (std::size_t at = 0; at < stream.size(); at += size) {
        checker.feed(stream.subspan(at, std::min(size, stream.size() - at)));
    }
    checker.feedValidCameraMessage(stream.first(std::min(stream.size(), maxLength)));
}

void fuzzBoundaries(ByteView data) {
    static constexpr std::array<std::size_t, 6> kLengths{19, 20, 8191, 8192, 65535, 65536};
    if (data.empty()) {
        return;
    }
    const std::size_t length = kLengths[data[0] % kLengths.size()];
    const ByteView fill = data.subspan(1);
    Bytes msg(length);
    for (std::size_t i = 0; i < length; ++i) {
        msg[i] = fill.empty() ? static_cast<std::uint8_t>(i) : fill[i % fill.size()];
    }
    checkRoundTrip(msg);
}

}  // namespace

// UB in the library is a finding, not a log line: stop at the first report
// however the fuzzer is started (UBSAN_OPTIONS still overrides).
extern "C" const char* __ubsan_default_options() { return "halt_on_error=1:print_stacktrace=1"; }

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
    // libprotobuf logs an ERROR for every proto2 string field holding invalid
    // UTF-8 (SSIDs and names built from fuzz input); a null handler discards them.
    google::protobuf::SetLogHandler(nullptr);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::uint8_t mode = data[0];
    const ByteView rest(data + 1, size - 1);
    switch (mode & 0x03) {
        case 0:
            checkMessage(rest);
            checkTextHelpers(rest);
            checkRoundTrip(rest);
            break;
        case 1:
            fuzzRecords(maxLengthFor(mode), rest);
            break;
        case 2:
            fuzzFixedSplit(maxLengthFor(mode), rest);
            break;
        default:
            fuzzBoundaries(rest);
            break;
    }
    return 0;
}
