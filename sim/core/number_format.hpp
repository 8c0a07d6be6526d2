#pragma once
// Names and bit layouts of the number formats einsim knows. The arithmetic
// (encode, decode, rounding) lives in arch/formats; this header is only the
// vocabulary that every layer shares (a workload names a tensor's format, an
// architecture names a PE's formats).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace einsim {

enum class NumberFormat : uint8_t {
  fp64,
  fp32,
  fp16,
  bf16,
  fp8_e4m3,
  fp8_e5m2,
  int32,
  int16,
  int8,
  int4,
  uint8,
  uint4,
};

struct FormatInfo {
  NumberFormat format;
  std::string_view name;
  int bits;             // storage width
  bool is_float;
  bool is_signed;
  int exponent_bits;    // 0 for integers
  int mantissa_bits;    // stored fraction bits; for integers the magnitude bits
  int exponent_bias;    // 0 for integers
};

const FormatInfo& format_info(NumberFormat f);
std::string_view format_name(NumberFormat f);
// nullopt for an unknown name; names are those of the enum ("fp8_e4m3", "int4", ...).
std::optional<NumberFormat> parse_format(std::string_view name);
// All formats, in enum order (for listings and error messages).
const std::vector<NumberFormat>& all_formats();
// "fp64, fp32, ..." for error messages.
std::string format_names_list();
inline int format_bits(NumberFormat f) { return format_info(f).bits; }

}  // namespace einsim
