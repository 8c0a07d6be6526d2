#include "arch/tech/cost_table.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>

#include <fmt/format.h>

#include "arch/pe/pe_traits.hpp"
#include "arch/tech/node_scaling.hpp"
#include "sim/core/error.hpp"

namespace einsim {
namespace {

double linear(double r) { return r; }
double quadratic(double r) { return r * r; }

// Barrel shifter: bits * log2(bits) multiplexers (a 1-bit shifter counts as one level).
double shifter_size(double bits) { return bits * std::max(1.0, std::log2(bits)); }

int significand_bits(NumberFormat f) { return format_info(f).mantissa_bits + 1; }
int exponent_bits(NumberFormat f) { return format_info(f).exponent_bits; }

// Guard, round and sticky bits kept by an aligner.
constexpr int kGuardBits = 3;

std::optional<double> add_opt(std::optional<double> a, std::optional<double> b) {
  if (!a || !b) return std::nullopt;
  return *a + *b;
}

}  // namespace

UnitCost& UnitCost::operator+=(const UnitCost& o) {
  energy_pj += o.energy_pj;
  area_um2 = add_opt(area_um2, o.area_um2);
  derived = derived || o.derived;
  return *this;
}

UnitCost UnitCost::operator*(double k) const {
  UnitCost r = *this;
  r.energy_pj *= k;
  if (r.area_um2) *r.area_um2 *= k;
  return r;
}

UnitCost operator+(UnitCost a, const UnitCost& b) { return a += b; }

bool PeCost::any_derived() const {
  if (area_derived) return true;
  for (const auto& [a, d] : energy_derived)
    if (d) return true;
  return false;
}

CostTable::CostTable(TechnologyTable table, double node_nm)
    : table_(std::move(table)),
      node_nm_(node_nm),
      energy_factor_(energy_scale(table_.node_nm, node_nm)),
      area_factor_(area_scale(table_.node_nm, node_nm)) {}

UnitCost CostTable::at_node(double energy_pj, std::optional<double> area_um2, bool derived) const {
  UnitCost u;
  u.energy_pj = energy_pj * energy_factor_;
  u.area_um2 = area_um2 ? std::optional<double>(*area_um2 * area_factor_) : std::nullopt;
  u.derived = derived;
  return u;
}

// The row of `cls` nearest in width (log distance; ties go to the wider row),
// chosen separately for energy and area, scaled by law(bits / row bits).
UnitCost CostTable::scaled_primitive(ComponentClass cls, int bits, double (*law)(double)) const {
  auto rows = table_.of_class(cls);
  auto nearest = [&](bool want_energy) -> const TechComponent* {
    const TechComponent* best = nullptr;
    double best_d = 0;
    for (const auto* r : rows) {
      if (want_energy ? !r->energy_pj : !r->area_um2) continue;
      double d = std::abs(std::log(static_cast<double>(bits) / r->bits));
      if (!best || d < best_d - 1e-12 || (std::abs(d - best_d) <= 1e-12 && r->bits > best->bits)) {
        best = r;
        best_d = d;
      }
    }
    return best;
  };
  const TechComponent* e = nearest(true);
  if (!e)
    throw Error(
        fmt::format("technology table '{}' has no `{}` energy to derive from", table_.name, component_class_name(cls)));
  const TechComponent* a = nearest(false);
  double er = law(static_cast<double>(bits)) / law(static_cast<double>(e->bits));
  bool derived = e->derived || e->bits != bits;
  std::optional<double> area;
  if (a) {
    area = *a->area_um2 * law(static_cast<double>(bits)) / law(static_cast<double>(a->bits));
    derived = derived || a->derived || a->bits != bits;
  }
  return at_node(*e->energy_pj * er, area, derived);
}

const TechComponent* CostTable::exact(ComponentClass cls, NumberFormat f) const {
  for (const auto* r : table_.of_class(cls))
    if (r->format == f) return r;
  return nullptr;
}

UnitCost CostTable::int_adder(int bits) const { return scaled_primitive(ComponentClass::int_adder, bits, linear); }

UnitCost CostTable::int_multiplier(int bits) const {
  return scaled_primitive(ComponentClass::int_multiplier, bits, quadratic);
}

UnitCost CostTable::register_bits(int bits) const {
  // A table without registers costs none: its units are published without pipeline registers.
  if (table_.of_class(ComponentClass::register_bits).empty()) return UnitCost{};
  return scaled_primitive(ComponentClass::register_bits, bits, linear);
}

UnitCost CostTable::shifter(int bits) const {
  if (!table_.of_class(ComponentClass::shifter).empty())
    return scaled_primitive(ComponentClass::shifter, bits, shifter_size);
  // No shifter in the table: bits * log2(bits) 2:1 multiplexers, each counted
  // as half a full-adder bit of the table's integer adder.
  UnitCost u = int_adder(bits) * (std::max(1.0, std::log2(static_cast<double>(bits))) / 2.0);
  u.derived = true;
  return u;
}

UnitCost CostTable::comparator(int bits) const {
  if (!table_.of_class(ComponentClass::comparator).empty())
    return scaled_primitive(ComponentClass::comparator, bits, linear);
  UnitCost u = int_adder(bits);  // a comparison is a subtraction
  u.derived = true;
  return u;
}

UnitCost CostTable::fp_multiplier_core(NumberFormat a, NumberFormat b) const {
  int p = std::max(significand_bits(a), significand_bits(b));
  int e = std::max(exponent_bits(a), exponent_bits(b));
  UnitCost u = int_multiplier(p) + int_adder(e + 1);
  u.derived = true;
  return u;
}

UnitCost CostTable::fp_accumulator_adder(NumberFormat acc) const {
  int p = significand_bits(acc);
  int e = exponent_bits(acc);
  int w = p + kGuardBits;
  UnitCost u = int_adder(e)     // exponent difference
               + shifter(w)     // aligner
               + int_adder(w)   // significand adder
               + shifter(w)     // normalizer
               + int_adder(p);  // rounding incrementer
  u.derived = true;
  return u;
}

UnitCost CostTable::fp_adder(NumberFormat f) const {
  if (const auto* r = exact(ComponentClass::fp_adder, f); r && r->energy_pj)
    return at_node(*r->energy_pj, r->area_um2, r->derived);
  return fp_accumulator_adder(f);
}

UnitCost CostTable::fp_multiplier(NumberFormat f) const {
  if (const auto* r = exact(ComponentClass::fp_multiplier, f); r && r->energy_pj)
    return at_node(*r->energy_pj, r->area_um2, r->derived);
  UnitCost u = fp_multiplier_core(f, f) + int_adder(significand_bits(f));  // + rounding
  u.derived = true;
  return u;
}

UnitCost CostTable::divider(NumberFormat f) const {
  if (const auto* r = exact(ComponentClass::divider, f); r && r->energy_pj)
    return at_node(*r->energy_pj, r->area_um2, r->derived);
  // A divider given by width only: array dividers grow like multipliers, ~ bits^2.
  bool by_bits = false;
  for (const auto* r : table_.of_class(ComponentClass::divider))
    if (!r->format && r->energy_pj) by_bits = true;
  if (by_bits) {
    UnitCost u = scaled_primitive(ComponentClass::divider, format_bits(f), quadratic);
    return u;
  }
  // Radix-2 digit recurrence: (p + 2) subtract-and-shift steps of a (p + 2)-bit
  // adder, with partial-remainder and quotient registers, plus an exponent subtractor.
  int p = significand_bits(f), w = p + 2;
  UnitCost step = int_adder(w);
  UnitCost u;
  u.energy_pj = step.energy_pj * w + int_adder(exponent_bits(f)).energy_pj + register_bits(2 * w).energy_pj * w;
  u.area_um2 = add_opt(add_opt(step.area_um2, register_bits(2 * w).area_um2), int_adder(exponent_bits(f)).area_um2);
  u.derived = true;
  // A table that publishes this format's multiplier prices whole float units above its
  // integer primitives (Horowitz: fp16 multiply 1.1 pJ): the recurrence, built from the
  // same primitives as a derived multiplier, is scaled by published / derived multiplier,
  // so a divide does not come out cheaper than the same table's multiply.
  if (const auto* r = exact(ComponentClass::fp_multiplier, f); r && r->energy_pj) {
    const double derived_mul = (fp_multiplier_core(f, f) + int_adder(p)).energy_pj;
    const double published_mul = fp_multiplier(f).energy_pj;
    if (derived_mul > 0 && published_mul > derived_mul) u.energy_pj *= published_mul / derived_mul;
  }
  return u;
}

UnitCost CostTable::exp_unit(NumberFormat f) const {
  if (const auto* r = exact(ComponentClass::exp_unit, f); r && r->energy_pj)
    return at_node(*r->energy_pj, r->area_um2, r->derived);
  // FuseMax's exponential: the Taylor series of the PE traits (arch/pe/pe_traits.hpp),
  // kExpTaylorSteps fused multiply-adds in the lane's format, as one pipelined unit.
  UnitCost fma = fp_multiplier_core(f, f) + fp_accumulator_adder(f) + register_bits(format_bits(f));
  UnitCost u = fma * static_cast<double>(kExpTaylorSteps);
  u.derived = true;
  return u;
}

UnitCost CostTable::dequant_unit() const {
  // Scale multiply and zero-point add on the group's partial sum, in fp32.
  UnitCost u = fp_multiplier(NumberFormat::fp32) + fp_adder(NumberFormat::fp32);
  return u;
}

PeCost CostTable::composite_cost(const PeKind& k) const {
  PeCost c;
  c.kind = k.name;
  UnitCost area_sum;  // the PE's hardware
  std::map<PeAction, UnitCost> per_action;
  switch (k.family) {
    case PeFamily::mac: {
      UnitCost mac;
      if (format_info(k.a).is_float) {
        // A table that publishes the operand format's multiplier (Horowitz's fp16) prices the
        // MAC's multiply and accumulate with its published units: a MAC derived from the
        // integer primitives alone came out cheaper than the same table's multiply.
        const auto* published = k.a == k.b ? exact(ComponentClass::fp_multiplier, k.a) : nullptr;
        if (published && published->energy_pj) {
          mac = fp_multiplier(k.a) + fp_adder(k.acc) + register_bits(format_bits(k.acc));
        } else {
          mac = fp_multiplier_core(k.a, k.b) + fp_accumulator_adder(k.acc) + register_bits(format_bits(k.acc));
        }
      } else {
        mac = int_multiplier(std::max(format_bits(k.a), format_bits(k.b))) + int_adder(format_bits(k.acc)) +
              register_bits(format_bits(k.acc));
      }
      mac.derived = true;
      per_action[PeAction::mac] = mac;
      area_sum = mac;
      break;
    }
    case PeFamily::lmul: {
      UnitCost mac = int_adder(exponent_bits(k.a) + k.lmul_mantissa_bits) + fp_accumulator_adder(k.acc) +
                     register_bits(format_bits(k.acc));
      mac.derived = true;
      per_action[PeAction::mac] = mac;
      area_sum = mac;
      break;
    }
    case PeFamily::mixpe: {
      const int w = format_bits(k.b);
      const bool float_act = format_info(k.a).is_float;
      const int act_bits = float_act ? significand_bits(k.a) : format_bits(k.a);
      UnitCost plane = int_adder(act_bits + w);  // the shifted significand added into the tree
      UnitCost per_product = float_act ? int_adder(exponent_bits(k.a)) : UnitCost{};  // exponent handling
      per_product += float_act ? fp_accumulator_adder(k.acc) : int_adder(format_bits(k.acc));
      per_product += register_bits(format_bits(k.acc));
      UnitCost shift_add = plane + per_product * (1.0 / w);
      shift_add.derived = true;
      UnitCost dq = dequant_unit();
      dq.derived = true;
      per_action[PeAction::shift_add] = shift_add;
      per_action[PeAction::dequant] = dq;
      // The dequantization unit is shared by a row or column of PEs (one use per
      // group), so it belongs to the array, not to the PE's area: see dequant_unit().
      area_sum = plane * w + per_product;
      break;
    }
    case PeFamily::vector: {
      UnitCost add = fp_adder(k.a), mul = fp_multiplier(k.a), div = divider(k.a);
      UnitCost mx = comparator(format_bits(k.a)), ex = exp_unit(k.a);
      per_action[PeAction::add] = add;
      per_action[PeAction::sub] = add;
      per_action[PeAction::mul] = mul;
      per_action[PeAction::div] = div;
      per_action[PeAction::max] = mx;
      per_action[PeAction::exp] = ex;
      area_sum = add + mul + div + mx + ex;  // sub shares the adder
      break;
    }
  }
  for (PeAction a : k.actions) {
    c.energy_pj[a] = per_action.at(a).energy_pj;
    c.energy_derived[a] = per_action.at(a).derived;
  }
  c.area_um2 = area_sum.area_um2;
  c.area_derived = area_sum.derived;
  return c;
}

PeCost CostTable::pe_cost(const PeKind& k) const {
  const TechComponent* direct = table_.pe_entry(k.name);
  if (!direct) return composite_cost(k);
  PeCost c;
  c.kind = k.name;
  bool need_composite = false;
  for (PeAction a : k.actions)
    if (!direct->action_energy_pj.count(a)) need_composite = true;
  if (!direct->area_um2) need_composite = true;
  std::optional<PeCost> comp;
  std::string why;
  if (need_composite) {
    try {
      comp = composite_cost(k);
    } catch (const Error& e) {
      why = e.what();
    }
  }
  for (PeAction a : k.actions) {
    if (auto it = direct->action_energy_pj.find(a); it != direct->action_energy_pj.end()) {
      c.energy_pj[a] = it->second * energy_factor_;
      c.energy_derived[a] = direct->action_derived.at(a);
    } else if (comp) {
      c.energy_pj[a] = comp->energy_pj.at(a);
      c.energy_derived[a] = true;
    } else {
      throw Error(fmt::format("technology table '{}' gives no energy for action '{}' of '{}' and cannot derive it: {}",
                              table_.name, action_name(a), k.name, why));
    }
  }
  if (direct->area_um2) {
    c.area_um2 = *direct->area_um2 * area_factor_;
    c.area_derived = direct->derived;
  } else if (comp && comp->area_um2) {
    c.area_um2 = comp->area_um2;
    c.area_derived = true;
  }
  return c;
}

PeCost CostTable::pe_cost(const std::string& kind_name) const {
  auto k = parse_pe_kind(kind_name);
  if (!k) throw Error(fmt::format("unknown PE kind '{}'", kind_name));
  return pe_cost(*k);
}

double CostTable::energy_per_mac(const PeKind& k, int group_size) const {
  PeCost c = pe_cost(k);
  switch (k.family) {
    case PeFamily::mac:
    case PeFamily::lmul:
      return c.energy_pj.at(PeAction::mac);
    case PeFamily::mixpe:
      return c.energy_pj.at(PeAction::shift_add) * format_bits(k.b) +
             c.energy_pj.at(PeAction::dequant) / std::max(1, group_size);
    case PeFamily::vector:
      return c.energy_pj.at(PeAction::mul) + c.energy_pj.at(PeAction::add);
  }
  return 0;
}

StorageCost CostTable::storage_cost(double capacity_bytes, int width_bits, int banks) const {
  if (!(capacity_bytes >= 1) || capacity_bytes > 1e12) throw Error("storage capacity must lie between 1 B and 1 TB");
  if (width_bits < 1 || width_bits > 1 << 16) throw Error("storage width must lie between 1 and 65536 bits");
  if (banks < 1 || banks > 1 << 16) throw Error("storage banks must lie between 1 and 65536");
  struct Point {
    double bank_bytes, read_per_bit, write_per_bit;
    bool write_derived;
  };
  std::vector<Point> pts;
  for (const auto* r : table_.of_class(ComponentClass::sram)) {
    double rd = *r->read_pj / r->width_bits;
    pts.push_back(
        {r->capacity_bytes / r->banks, rd, (r->write_pj ? *r->write_pj : *r->read_pj) / r->width_bits, !r->write_pj});
  }
  if (pts.empty()) throw Error(fmt::format("technology table '{}' has no `sram` entries", table_.name));
  std::sort(pts.begin(), pts.end(), [](const Point& a, const Point& b) { return a.bank_bytes < b.bank_bytes; });
  const double bank = capacity_bytes / banks;
  StorageCost s;
  // Energy per bit accessed: piecewise power law in the bank's capacity through
  // the table's points, sqrt(capacity) beyond them (bitline and wordline length).
  auto per_bit = [&](auto field) {
    if (bank <= pts.front().bank_bytes) return field(pts.front()) * std::sqrt(bank / pts.front().bank_bytes);
    if (bank >= pts.back().bank_bytes) return field(pts.back()) * std::sqrt(bank / pts.back().bank_bytes);
    for (size_t i = 0; i + 1 < pts.size(); ++i) {
      const Point &lo = pts[i], &hi = pts[i + 1];
      if (bank >= lo.bank_bytes && bank <= hi.bank_bytes) {
        double t = std::log(bank / lo.bank_bytes) / std::log(hi.bank_bytes / lo.bank_bytes);
        return std::exp(std::log(field(lo)) + t * (std::log(field(hi)) - std::log(field(lo))));
      }
    }
    return field(pts.back());
  };
  s.read_pj = per_bit([](const Point& p) { return p.read_per_bit; }) * width_bits * energy_factor_;
  s.write_pj = per_bit([](const Point& p) { return p.write_per_bit; }) * width_bits * energy_factor_;
  bool exact_point = false;
  for (const auto* r : table_.of_class(ComponentClass::sram))
    if (r->capacity_bytes == capacity_bytes && r->width_bits == width_bits && r->banks == banks && !r->derived &&
        r->write_pj)
      exact_point = true;
  s.derived = !exact_point;
  // Area: proportional to capacity, from the nearest SRAM point that gives an area.
  const TechComponent* best = nullptr;
  for (const auto* r : table_.of_class(ComponentClass::sram)) {
    if (!r->area_um2) continue;
    if (!best || std::abs(std::log(capacity_bytes / r->capacity_bytes)) <
                     std::abs(std::log(capacity_bytes / best->capacity_bytes)))
      best = r;
  }
  if (best) s.area_um2 = *best->area_um2 * (capacity_bytes / best->capacity_bytes) * area_factor_;
  return s;
}

StorageCost CostTable::regfile_cost(double capacity_bytes, int width_bits) const {
  if (!(capacity_bytes >= 1) || capacity_bytes > 1e12)
    throw Error("register file capacity must lie between 1 B and 1 TB");
  if (width_bits < 1 || width_bits > 1 << 16) throw Error("register file width must lie between 1 and 65536 bits");
  const auto rows = table_.of_class(ComponentClass::regfile);
  if (!rows.empty()) {
    // The row nearest in capacity (log distance; ties to the larger); per bit accessed its
    // energy grows as sqrt(capacity) away from it (word and bit lines, as in the SRAM fit),
    // and an access costs its width in bits; area is proportional to capacity.
    auto distance = [&](const TechComponent* r) { return std::abs(std::log(capacity_bytes / r->capacity_bytes)); };
    const TechComponent* best = nullptr;
    for (const auto* r : rows) {
      if (!best || distance(r) < distance(best) - 1e-12 ||
          (distance(r) <= distance(best) + 1e-12 && r->capacity_bytes > best->capacity_bytes))
        best = r;
    }
    const double size = std::sqrt(capacity_bytes / best->capacity_bytes);
    const double width = static_cast<double>(width_bits) / best->width_bits;
    StorageCost s;
    s.read_pj = *best->read_pj * size * width * energy_factor_;
    s.write_pj = (best->write_pj ? *best->write_pj : *best->read_pj) * size * width * energy_factor_;
    if (best->area_um2) s.area_um2 = *best->area_um2 * (capacity_bytes / best->capacity_bytes) * area_factor_;
    s.derived =
        best->derived || !best->write_pj || best->capacity_bytes != capacity_bytes || best->width_bits != width_bits;
    return s;
  }
  if (!table_.of_class(ComponentClass::register_bits).empty()) {
    // Flip-flops: reading or writing w bits touches w registers (the read multiplexer is
    // taken to cost as much as the latch); the file holds capacity x 8 of them.
    const UnitCost access = register_bits(width_bits);
    const UnitCost bit = register_bits(1);
    StorageCost s;
    s.read_pj = access.energy_pj;
    s.write_pj = access.energy_pj;
    if (bit.area_um2) s.area_um2 = *bit.area_um2 * capacity_bytes * 8.0;
    s.derived = true;
    return s;
  }
  if (!table_.of_class(ComponentClass::sram).empty()) {
    StorageCost s = storage_cost(capacity_bytes, width_bits, 1);  // the SRAM fit, extrapolated down
    s.derived = true;
    return s;
  }
  throw Error(
      fmt::format("technology table '{}' has no `regfile`, `register` or `sram` entries to cost a "
                  "register file from",
                  table_.name));
}

double CostTable::dram_energy_per_bit() const {
  auto rows = table_.of_class(ComponentClass::dram);
  if (rows.empty()) throw Error(fmt::format("technology table '{}' has no `dram` entry", table_.name));
  return *rows.front()->energy_pj / rows.front()->width_bits;
}

StorageCost storage_cost(const TechnologyTable& table, double capacity_bytes, int width_bits, int banks,
                         double node_nm) {
  return CostTable(table, node_nm).storage_cost(capacity_bytes, width_bits, banks);
}

CostTable resolve_technology(const std::string& table_name_or_path, double node_nm, const std::string& referring_file) {
  return *resolve_technology_shared(table_name_or_path, node_nm, referring_file);
}

std::shared_ptr<const CostTable> resolve_technology_shared(const std::string& table_name_or_path, double node_nm,
                                                           const std::string& referring_file) {
  // Costed once per (table file, node) and process while the file is unchanged:
  // evaluations of one architecture (sweeps, mapping search, many threads) share it.
  static std::mutex mutex;
  static std::map<std::pair<std::string, double>,
                  std::pair<std::shared_ptr<const TechnologyTable>, std::shared_ptr<const CostTable>>>
      cache;
  const std::string file = find_technology_file(table_name_or_path, referring_file);
  std::shared_ptr<const TechnologyTable> table = load_technology_table_shared(file);
  const auto key = std::make_pair(file, node_nm);
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = cache.find(key);
    if (it != cache.end() && it->second.first == table) return it->second.second;
  }
  auto costed = std::make_shared<const CostTable>(*table, node_nm);
  std::lock_guard<std::mutex> lock(mutex);
  cache[key] = std::make_pair(std::move(table), costed);
  return costed;
}

}  // namespace einsim
