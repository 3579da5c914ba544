// UTF-8 validation. Pure: any thread.
#pragma once

#include <string>
#include <string_view>

namespace goprod::protocol {

// Well-formed UTF-8 as protobuf requires of `string` fields (no overlong
// forms, no surrogates, nothing above U+10FFFF). SSIDs are bytes that need
// not be: the API puts those that are in `string` fields.
bool isUtf8(std::string_view text);

// `text` with every byte that is not part of a well-formed sequence written
// as \xNN: for messages and details that quote an SSID into a string field.
std::string validUtf8(std::string_view text);

}  // namespace goprod::protocol
