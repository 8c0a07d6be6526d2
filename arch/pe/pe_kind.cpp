#include "arch/pe/pe_kind.hpp"

#include <charconv>

namespace einsim {
namespace {

struct ActionName {
  PeAction action;
  std::string_view name;
};
constexpr ActionName kActions[] = {
    {PeAction::mac, "mac"}, {PeAction::shift_add, "shift_add"}, {PeAction::dequant, "dequant"},
    {PeAction::add, "add"}, {PeAction::sub, "sub"},             {PeAction::mul, "mul"},
    {PeAction::div, "div"}, {PeAction::max, "max"},             {PeAction::exp, "exp"},
};

bool consume(std::string_view& s, std::string_view prefix) {
  if (s.substr(0, prefix.size()) != prefix) return false;
  s.remove_prefix(prefix.size());
  return true;
}

std::optional<int> parse_small_int(std::string_view s) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v <= 0 || v > 64) return std::nullopt;
  return v;
}

}  // namespace

std::string_view action_name(PeAction a) {
  for (const auto& e : kActions)
    if (e.action == a) return e.name;
  return "?";
}

std::optional<PeAction> parse_action(std::string_view name) {
  for (const auto& e : kActions)
    if (e.name == name) return e.action;
  return std::nullopt;
}

std::string_view family_name(PeFamily f) {
  switch (f) {
    case PeFamily::mac: return "mac";
    case PeFamily::mixpe: return "mixpe";
    case PeFamily::lmul: return "lmul";
    case PeFamily::vector: return "vector";
  }
  return "?";
}

std::optional<PeKind> parse_pe_kind(std::string_view name) {
  std::string_view s = name;
  PeKind k;
  k.name = std::string(name);
  if (consume(s, "mac_")) {
    k.family = PeFamily::mac;
    std::string_view fmt = s;
    std::optional<int> acc_bits;
    if (auto pos = s.find("_acc"); pos != std::string_view::npos) {
      fmt = s.substr(0, pos);
      acc_bits = parse_small_int(s.substr(pos + 4));
      if (!acc_bits) return std::nullopt;
    }
    auto f = parse_format(fmt);
    if (!f) return std::nullopt;
    k.a = k.b = *f;
    switch (*f) {
      case NumberFormat::int8: k.acc = NumberFormat::int32; break;
      case NumberFormat::fp8_e4m3:
      case NumberFormat::fp8_e5m2:
      case NumberFormat::fp16:
      case NumberFormat::bf16:
      case NumberFormat::fp32: k.acc = NumberFormat::fp32; break;
      default: return std::nullopt;
    }
    if (acc_bits) {
      const bool is_float = format_info(*f).is_float;
      if (*acc_bits == 16) k.acc = is_float ? NumberFormat::fp16 : NumberFormat::int16;
      else if (*acc_bits == 32) k.acc = is_float ? NumberFormat::fp32 : NumberFormat::int32;
      else return std::nullopt;
      if (format_bits(k.acc) < format_bits(k.a)) return std::nullopt;
    }
    k.actions = {PeAction::mac};
    return k;
  }
  if (consume(s, "mixpe_")) {
    k.family = PeFamily::mixpe;
    bool unsigned_w = consume(s, "u");
    if (!consume(s, "w")) return std::nullopt;
    if (consume(s, "4")) k.b = unsigned_w ? NumberFormat::uint4 : NumberFormat::int4;
    else if (consume(s, "8")) k.b = unsigned_w ? NumberFormat::uint8 : NumberFormat::int8;
    else return std::nullopt;
    if (s == "a16") {
      k.a = NumberFormat::fp16;
      k.acc = NumberFormat::fp32;
    } else if (s == "a8") {
      k.a = NumberFormat::int8;
      k.acc = NumberFormat::int32;
    } else {
      return std::nullopt;
    }
    k.actions = {PeAction::shift_add, PeAction::dequant};
    return k;
  }
  if (consume(s, "lmul_m")) {
    auto m = parse_small_int(s);
    if (!m || *m > 23) return std::nullopt;
    k.family = PeFamily::lmul;
    k.lmul_mantissa_bits = *m;
    k.a = k.b = *m <= 3 ? NumberFormat::fp8_e4m3 : *m <= 7 ? NumberFormat::bf16 : *m <= 10 ? NumberFormat::fp16 : NumberFormat::fp32;
    k.acc = NumberFormat::fp32;
    k.actions = {PeAction::mac};
    return k;
  }
  if (consume(s, "vector_")) {
    auto f = parse_format(s);
    if (!f || !format_info(*f).is_float || *f == NumberFormat::fp64) return std::nullopt;
    k.family = PeFamily::vector;
    k.a = k.b = k.acc = *f;
    k.actions = {PeAction::add, PeAction::sub, PeAction::mul, PeAction::div, PeAction::max, PeAction::exp};
    return k;
  }
  return std::nullopt;
}

const std::vector<std::string>& standard_pe_kind_names() {
  static const std::vector<std::string> names = {
      "mac_int8",     "mac_fp8_e4m3", "mac_fp8_e5m2", "mac_fp8_e4m3_acc16", "mac_fp16",
      "mac_bf16",     "mac_fp32",     "mixpe_w4a16",  "mixpe_uw4a16",       "mixpe_w8a16",
      "mixpe_w4a8",   "mixpe_w8a8",   "lmul_m3",      "lmul_m7",            "lmul_m10",
      "vector_fp16",  "vector_fp32",
  };
  return names;
}

}  // namespace einsim
