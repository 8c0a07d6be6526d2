#include "sim/core/number_format.hpp"

#include <cstddef>
#include <iterator>

#include "sim/core/error.hpp"

namespace einsim {
namespace {

// name, bits, float, signed, exponent bits, mantissa bits, bias; in enum order (checked below), so
// format_info is one indexed load (the PE arithmetic asks for it on every operation).
constexpr FormatInfo kFormats[] = {
    {NumberFormat::fp64, "fp64", 64, true, true, 11, 52, 1023},
    {NumberFormat::fp32, "fp32", 32, true, true, 8, 23, 127},
    {NumberFormat::fp16, "fp16", 16, true, true, 5, 10, 15},
    {NumberFormat::bf16, "bf16", 16, true, true, 8, 7, 127},
    {NumberFormat::fp8_e4m3, "fp8_e4m3", 8, true, true, 4, 3, 7},
    {NumberFormat::fp8_e5m2, "fp8_e5m2", 8, true, true, 5, 2, 15},
    {NumberFormat::int32, "int32", 32, false, true, 0, 31, 0},
    {NumberFormat::int16, "int16", 16, false, true, 0, 15, 0},
    {NumberFormat::int8, "int8", 8, false, true, 0, 7, 0},
    {NumberFormat::int4, "int4", 4, false, true, 0, 3, 0},
    {NumberFormat::uint8, "uint8", 8, false, false, 0, 8, 0},
    {NumberFormat::uint4, "uint4", 4, false, false, 0, 4, 0},
};

constexpr bool in_enum_order() {
  for (size_t i = 0; i < std::size(kFormats); ++i)
    if (static_cast<size_t>(kFormats[i].format) != i) return false;
  return true;
}
static_assert(in_enum_order(), "kFormats must list the formats in NumberFormat order");

}  // namespace

const FormatInfo& format_info(NumberFormat f) {
  const auto i = static_cast<size_t>(f);
  if (i >= std::size(kFormats)) throw InternalError("format_info: unknown NumberFormat");
  return kFormats[i];
}

std::string_view format_name(NumberFormat f) { return format_info(f).name; }

std::optional<NumberFormat> parse_format(std::string_view name) {
  for (const auto& info : kFormats)
    if (info.name == name) return info.format;
  return std::nullopt;
}

const std::vector<NumberFormat>& all_formats() {
  static const std::vector<NumberFormat> all = [] {
    std::vector<NumberFormat> v;
    for (const auto& info : kFormats) v.push_back(info.format);
    return v;
  }();
  return all;
}

std::string format_names_list() {
  std::string out;
  for (const auto& info : kFormats) {
    if (!out.empty()) out += ", ";
    out += info.name;
  }
  return out;
}

}  // namespace einsim
