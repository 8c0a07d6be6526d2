#pragma once
// UTF-8 validation: einsim's inputs are UTF-8 text, and names taken from them
// end up in JSON, which must be valid UTF-8.

#include <cstddef>
#include <optional>
#include <string_view>

namespace einsim {

// The byte offset of the first byte that does not start a well-formed UTF-8
// sequence (overlong forms, surrogates and code points above U+10FFFF are
// ill-formed), or nullopt when the whole text is valid.
std::optional<std::size_t> find_invalid_utf8(std::string_view text);

// 1-based line and column (in bytes) of `offset` in `text`.
struct TextPosition {
  int line = 1;
  int column = 1;
};
TextPosition text_position(std::string_view text, std::size_t offset);

}  // namespace einsim
