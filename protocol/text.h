// Text helpers shared by every layer. Pure: any thread.
#pragma once

#include <string>
#include <string_view>

namespace goprod::protocol {

// `text` with A-Z made a-z and every other byte as it is (whatever the C
// locale): for addresses, UUIDs and names compared without case.
std::string asciiLower(std::string_view text);
// a == b ignoring the case of A-Z, without copies (selection runs per request).
bool sameIgnoringCase(std::string_view a, std::string_view b);

}  // namespace goprod::protocol
