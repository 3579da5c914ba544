#include "protocol/bytes.h"

#include <cctype>
#include <limits>

namespace goprod::protocol {

std::string toHex(ByteView bytes, char sep) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 3);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i != 0 && sep != '\0') out.push_back(sep);
        out.push_back(kDigits[bytes[i] >> 4]);
        out.push_back(kDigits[bytes[i] & 0x0F]);
    }
    return out;
}

namespace {
int nibble(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
bool isSeparator(char c) { return c == ' ' || c == ':' || c == ',' || c == '-' || c == '\t' || c == '\n'; }
}  // namespace

Result<Bytes> fromHex(std::string_view text) {
    Bytes out;
    std::size_t i = 0;
    while (i < text.size()) {
        if (isSeparator(text[i])) {
            ++i;
            continue;
        }
        if (text[i] == '0' && i + 1 < text.size() && (text[i + 1] == 'x' || text[i + 1] == 'X')) i += 2;
        // One token: a run of hex digits; an odd-length token like "0x3" is one byte.
        std::size_t end = i;
        while (end < text.size() && nibble(text[end]) >= 0) ++end;
        if (end == i) {
            // A "0x" prefix may end the text: there is no character to name then.
            if (i == text.size()) return fail(Errc::InvalidArgument, "'0x' is not followed by hex digits");
            return fail(Errc::InvalidArgument, "'" + std::string(1, text[i]) + "' is not a hex digit");
        }
        std::size_t pos = i;
        if ((end - i) % 2 == 1) {
            out.push_back(static_cast<std::uint8_t>(nibble(text[pos])));
            ++pos;
        }
        for (; pos < end; pos += 2) {
            out.push_back(static_cast<std::uint8_t>(nibble(text[pos]) << 4 | nibble(text[pos + 1])));
        }
        i = end;
    }
    return out;
}

std::uint64_t readBigEndian(ByteView bytes) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < bytes.size() && i < 8; ++i) value = value << 8 | bytes[i];
    return value;
}

void appendBigEndian(Bytes& out, std::uint64_t value, std::size_t width) {
    for (std::size_t i = width; i > 0; --i) out.push_back(static_cast<std::uint8_t>(value >> (8 * (i - 1))));
}

std::uint64_t largestValue(std::size_t width) {
    return width >= 8 ? std::numeric_limits<std::uint64_t>::max() : (std::uint64_t{1} << (8 * width)) - 1;
}

}  // namespace goprod::protocol
