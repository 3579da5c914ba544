// Benchmarks of the protocol library's hot paths: framing both ways, the
// query-response parser, the protobuf router and classify(). Figures only;
// nothing here asserts on time. Single-threaded.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include "protocol/bytes.h"
#include "protocol/framing.h"
#include "protocol/gatt.h"
#include "protocol/matching.h"
#include "protocol/protobuf.h"
#include "protocol/queries.h"

namespace {

namespace gp = goprod::protocol;
using gp::Bytes;

// The vectors are spec data (docs/opengopro-ble.md §9): a parse failure is a
// bug in the library, not a slow run, so stop with a message instead of timing it.
Bytes hex(std::string_view text) {
    auto bytes = gp::fromHex(text);
    if (!bytes) {
        std::fprintf(stderr, "protocol_bench: bad vector: %s\n", gp::describe(bytes.error()).c_str());
        std::abort();
    }
    return std::move(*bytes);
}

void require(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "protocol_bench: %s\n", what);
        std::abort();
    }
}

// §9.1: Get Hardware Info (HERO12), six notifications on GP-0073, 98-byte message.
const std::vector<Bytes>& hardwareInfoPackets() {
    static const std::vector<Bytes> kPackets{
        hex("20 62 3c 00 04 00 00 00 3e 0c 48 45 52 4f 31 32 20 42 6c 61"),
        hex("80 63 6b 04 30 78 30 35 0f 48 32 33 2e 30 31 2e 30 31 2e 39"),
        hex("81 39 2e 35 36 0e 43 33 35 30 31 33 32 34 35 30 30 37 30 32"),
        hex("82 11 48 45 52 4f 31 32 20 42 6c 61 63 6b 64 65 62 75 67 0c"),
        hex("83 32 36 37 34 66 37 66 36 36 31 30 34 01 00 01 01 01 00 02"),
        hex("84 5b 5d 01 01"),
    };
    return kPackets;
}

// §9.2: issue #157 multi-status response, 41 bytes unframed.
const Bytes& query157() {
    static const Bytes kMessage =
        hex("13 00 08 01 00 0b 01 00 13 01 00 23 04 00 00 0c a7 44"
            "01 00 45 01 01 46 01 3a 56 01 00 60 04 00 00 03 e8 61 04"
            "00 00 00 01");
    return kMessage;
}

// §9.3: Get AP Entries response (tutorial 6), 118 bytes unframed.
const Bytes& apEntries() {
    static const Bytes kMessage =
        hex("02 83 08 01 10 01 1a 13 0a 0a 64 61 62 75 67 64 61 62"
            "75 67 10 03 20 e4 28 28 2f 1a 13 0a 0a 41 54 54 54 70 34"
            "72 36 46 69 10 02 20 f1 2c 28 01 1a 13 0a 0a 41 54 54 62"
            "37 4a 67 41 77 61 10 02 20 99 2d 28 01 1a 16 0a 0d 52 69"
            "6e 67 20 53 65 74 75 70 20 65 37 10 01 20 ec 12 28 00 1a"
            "17 0a 0e 48 6f 6d 65 79 6e 65 74 5f 32 47 45 58 54 10 01"
            "20 85 13 28 01");
    return kMessage;
}

// fragment() of an N-byte message; arg 1: 0 client (0x80 continuations), 1 camera (counting).
void fragmentMessage(benchmark::State& state) {
    const auto size = static_cast<std::size_t>(state.range(0));
    const auto sender = state.range(1) == 0 ? gp::Sender::Client : gp::Sender::Camera;
    Bytes message(size);
    for (std::size_t i = 0; i < size; ++i) {
        message[i] = static_cast<std::uint8_t>(i * 7);
    }
    std::size_t packets = 0;
    for (auto _ : state) {
        auto out = gp::fragment(message, sender);
        packets = out->size();
        benchmark::DoNotOptimize(out);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
    state.counters["packets"] = static_cast<double>(packets);
}
BENCHMARK(fragmentMessage)->Name("fragment")->ArgNames({"bytes", "camera"})->ArgsProduct({{20, 100, 1000}, {0, 1}});

// One Reassembler fed the six hardware-info packets per iteration.
void reassembleHardwareInfo(benchmark::State& state) {
    const auto& packets = hardwareInfoPackets();
    gp::Reassembler reassembler;
    std::size_t length = 0;
    for (auto _ : state) {
        for (const Bytes& packet : packets) {
            auto out = reassembler.feed(packet);
            if (out.message) {
                length = out.message->size();
            }
            benchmark::DoNotOptimize(out);
        }
    }
    require(length == 98, "hardware info did not reassemble to 98 bytes");
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * length));
}
BENCHMARK(reassembleHardwareInfo)->Name("reassemble/hardware_info_6_packets");

void parseQuery157(benchmark::State& state) {
    const Bytes& message = query157();
    require(gp::parseQueryResponse(message).has_value(), "issue #157 response does not parse");
    for (auto _ : state) {
        auto parsed = gp::parseQueryResponse(message);
        benchmark::DoNotOptimize(parsed);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * message.size()));
}
BENCHMARK(parseQuery157)->Name("parseQueryResponse/issue157_10_statuses");

void decodeApEntries(benchmark::State& state) {
    const Bytes& message = apEntries();
    require(gp::decodeProtobuf(message).has_value(), "AP entries response does not decode");
    for (auto _ : state) {
        auto decoded = gp::decodeProtobuf(message);
        benchmark::DoNotOptimize(decoded);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * message.size()));
}
BENCHMARK(decodeApEntries)->Name("decodeProtobuf/get_ap_entries_118_bytes");

// classify() of the kinds of message a daemon sees, each on its own characteristic.
void classifyMessage(benchmark::State& state) {
    struct Case {
        const char* label;
        gp::Characteristic from;
        Bytes message;
    };
    static const std::vector<Case> kCases{
        {"command_response", gp::Characteristic::CommandResponse, hex("01 00")},
        {"setting_response", gp::Characteristic::SettingResponse, hex("5B 00")},
        {"status_push", gp::Characteristic::QueryResponse, hex("93 00 0A 01 01")},
        {"query_response", gp::Characteristic::QueryResponse, query157()},
        {"protobuf_response", gp::Characteristic::NetworkManagementResponse, apEntries()},
        {"protobuf_notification", gp::Characteristic::NetworkManagementResponse, hex("02 0B 08 05 10 01 18 05 20 01")},
        {"unsupported_reply", gp::Characteristic::QueryResponse, hex("F5 02")},
    };
    const Case& c = kCases.at(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state) {
        auto classified = gp::classify(c.from, c.message);
        benchmark::DoNotOptimize(classified);
    }
    state.SetLabel(std::string(c.label) + " -> " + std::string(gp::incomingName(gp::classify(c.from, c.message).kind)));
}
BENCHMARK(classifyMessage)->Name("classify")->DenseRange(0, 6);

}  // namespace

BENCHMARK_MAIN();
