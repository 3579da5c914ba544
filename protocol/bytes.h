// Byte buffers and hex helpers shared by the whole protocol library.
// Pure functions: any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/error.h"

namespace goprod::protocol {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// "03 01 01 01" (sep ' '), "03:01:01:01" (sep ':'), "03010101" (sep '\0').
std::string toHex(ByteView bytes, char sep = ' ');

// Accepts the spellings people paste from logs and docs: "03 01 01 01",
// "03:01:01:01", "0x03 0x01 0x01 0x01", "03010101", "03,01".
Result<Bytes> fromHex(std::string_view text);

// Big-endian integers, as every multi-byte field of the protocol is.
std::uint64_t readBigEndian(ByteView bytes);  // at most 8 bytes
void appendBigEndian(Bytes& out, std::uint64_t value, std::size_t width);
// The largest value `width` bytes hold (width 1..8).
std::uint64_t largestValue(std::size_t width);

}  // namespace goprod::protocol
