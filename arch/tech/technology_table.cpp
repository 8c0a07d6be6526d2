#include "arch/tech/technology_table.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <mutex>
#include <system_error>
#include <tuple>

#include <fmt/format.h>

#include "sim/core/error.hpp"
#include "sim/core/units.hpp"

#ifndef EINSIM_TECH_TABLE_DIR
#error "EINSIM_TECH_TABLE_DIR must name the directory of the bundled technology tables"
#endif

namespace einsim {
namespace {

struct ClassName {
  ComponentClass cls;
  std::string_view name;
};
constexpr ClassName kClasses[] = {
    {ComponentClass::int_adder, "int_adder"},
    {ComponentClass::int_multiplier, "int_multiplier"},
    {ComponentClass::register_bits, "register"},
    {ComponentClass::shifter, "shifter"},
    {ComponentClass::comparator, "comparator"},
    {ComponentClass::fp_adder, "fp_adder"},
    {ComponentClass::fp_multiplier, "fp_multiplier"},
    {ComponentClass::divider, "divider"},
    {ComponentClass::exp_unit, "exp"},
    {ComponentClass::pe, "pe"},
    {ComponentClass::sram, "sram"},
    {ComponentClass::regfile, "regfile"},
    {ComponentClass::dram, "dram"},
};

std::string class_list() {
  std::string s;
  for (const auto& c : kClasses) s += (s.empty() ? "" : ", ") + std::string(c.name);
  return s;
}

// Largest sizes a table may declare: guards against typos such as `bits: 64000`.
constexpr int kMaxBits = 1024;
constexpr double kMaxCapacityBytes = 1e12;
constexpr int kMaxBanks = 1 << 16;
// Rows per table: far more than any publication lists; bounds the duplicate check.
constexpr size_t kMaxComponents = 4096;

// Valid ranges of a table's numbers (docs/units_and_ranges.md): wide enough for any published
// figure, narrow enough that a typo such as 1e308 is an error here, not an infinite energy later.
constexpr double kMaxEnergyPj = 1e9;    // per action: 1 mJ
constexpr double kMaxAreaUm2 = 1e12;    // per component: 1 m^2
constexpr double kMaxPowerUw = 1e9;     // 1 kW
constexpr double kMinClockMhz = 1e-3;   // 1 kHz, as an architecture's clock
constexpr double kMaxClockMhz = 1e5;    // 100 GHz
constexpr double kMinNodeNm = 1, kMaxNodeNm = 1000;

double read_in_range(const SpecNode& n, double lo, double hi, const char* unit) {
  double v = n.as_double();
  if (!(v >= lo && v <= hi)) {
    n.fail(fmt::format("'{}' is outside the valid range {:g} .. {:g} {}", n.as_string(), lo, hi, unit));
  }
  return v;
}

double read_energy(const SpecNode& n) { return read_in_range(n, 0, kMaxEnergyPj, "pJ"); }
double read_area(const SpecNode& n) { return read_in_range(n, 0, kMaxAreaUm2, "um^2"); }

int read_bits(const SpecNode& n) {
  int64_t v = n.as_int();
  if (v < 1 || v > kMaxBits) n.fail(fmt::format("expected a width between 1 and {} bits, found {}", kMaxBits, v));
  return static_cast<int>(v);
}

NumberFormat read_format(const SpecNode& n) {
  auto f = parse_format(n.as_string());
  if (!f) n.fail(fmt::format("unknown number format '{}' (known: {})", n.as_string(), format_names_list()));
  return *f;
}

// Reads an `action: pJ` map for a PE kind; every action must be one the kind performs.
void read_action_map(const SpecNode& node, const PeKind& kind, bool derived, TechComponent& c) {
  for (const auto& [key, value] : node.entries()) {
    auto action = parse_action(key);
    if (!action) value.fail(fmt::format("unknown PE action '{}'", key));
    if (std::find(kind.actions.begin(), kind.actions.end(), *action) == kind.actions.end())
      value.fail(fmt::format("PE kind '{}' does not perform the action '{}'", kind.name, key));
    if (c.action_energy_pj.count(*action)) value.fail(fmt::format("energy of action '{}' is given twice", key));
    c.action_energy_pj[*action] = read_energy(value);
    c.action_derived[*action] = derived;
  }
}

TechComponent parse_component(const SpecNode& n) {
  if (!n.is_map()) n.fail("expected a map with a `class:` key");
  const std::string cls_name = n.at("class").as_string();
  auto it =
      std::find_if(std::begin(kClasses), std::end(kClasses), [&](const ClassName& c) { return c.name == cls_name; });
  if (it == std::end(kClasses))
    n.at("class").fail(fmt::format("unknown component class '{}' (known: {})", cls_name, class_list()));
  TechComponent c;
  c.cls = it->cls;
  c.yaml_path = n.path();
  c.derived = n.as_bool_or("derived", false);
  auto read_cost = [&] {
    if (auto e = n.find("energy_pj")) c.energy_pj = read_energy(*e);
    if (auto a = n.find("area_um2")) c.area_um2 = read_area(*a);
    if (!c.energy_pj && !c.area_um2) n.fail("a component needs `energy_pj`, `area_um2` or both");
  };
  switch (c.cls) {
    case ComponentClass::int_adder:
    case ComponentClass::int_multiplier:
    case ComponentClass::register_bits:
    case ComponentClass::shifter:
    case ComponentClass::comparator:
      n.check_keys({"class", "bits", "energy_pj", "area_um2", "derived"});
      c.bits = read_bits(n.at("bits"));
      read_cost();
      break;
    case ComponentClass::fp_adder:
    case ComponentClass::fp_multiplier:
    case ComponentClass::exp_unit:
      n.check_keys({"class", "format", "energy_pj", "area_um2", "derived"});
      c.format = read_format(n.at("format"));
      if (!format_info(*c.format).is_float) n.at("format").fail("expected a floating-point format");
      c.bits = format_bits(*c.format);
      read_cost();
      break;
    case ComponentClass::divider:
      n.check_keys({"class", "format", "bits", "energy_pj", "area_um2", "derived"});
      if (n.has("format")) {
        c.format = read_format(n.at("format"));
        c.bits = format_bits(*c.format);
      } else {
        c.bits = read_bits(n.at("bits"));
      }
      read_cost();
      break;
    case ComponentClass::pe: {
      n.check_keys({"class", "kind", "energy_pj", "derived_energy_pj", "power_uw", "clock_mhz", "area_um2", "derived"});
      c.kind = n.at("kind").as_string();
      auto kind = parse_pe_kind(c.kind);
      if (!kind) n.at("kind").fail(fmt::format("unknown PE kind '{}'", c.kind));
      if (n.has("energy_pj") && n.has("power_uw"))
        n.fail("give either `energy_pj` or `power_uw` + `clock_mhz`, not both");
      if (auto e = n.find("energy_pj")) {
        read_action_map(*e, *kind, c.derived, c);
      } else if (auto p = n.find("power_uw")) {
        // Power at a clock -> energy per cycle; one product per cycle.
        // uW / MHz = 1e-6 W / 1e6 Hz = 1e-12 J = 1 pJ.
        double uw = read_in_range(*p, 0, kMaxPowerUw, "uW");
        double mhz = read_in_range(n.at("clock_mhz"), kMinClockMhz, kMaxClockMhz, "MHz");
        double per_product = uw / mhz;
        if (kind->family == PeFamily::mac || kind->family == PeFamily::lmul) {
          c.action_energy_pj[PeAction::mac] = per_product;
        } else if (kind->family == PeFamily::mixpe) {
          // The PE forms one product per cycle with one shift-and-add per weight bit-plane.
          c.action_energy_pj[PeAction::shift_add] = per_product / format_bits(kind->b);
        } else {
          p->fail("`power_uw` is only understood for MAC, L-Mul and MixPE kinds; give `energy_pj` per action");
        }
        for (auto& [a, v] : c.action_energy_pj) c.action_derived[a] = c.derived;
      } else if (n.has("clock_mhz")) {
        n.at("clock_mhz").fail("`clock_mhz` needs `power_uw`");
      }
      if (auto d = n.find("derived_energy_pj")) read_action_map(*d, *kind, true, c);
      if (auto a = n.find("area_um2")) c.area_um2 = read_area(*a);
      if (c.action_energy_pj.empty() && !c.area_um2) n.fail("a `pe` entry needs an energy or an area");
      break;
    }
    case ComponentClass::sram:
    case ComponentClass::regfile: {
      n.check_keys({"class", "capacity", "width_bits", "banks", "read_pj", "write_pj", "area_um2", "derived"});
      c.capacity_bytes = read_bytes(n.at("capacity"));
      if (!(c.capacity_bytes >= 1) || c.capacity_bytes > kMaxCapacityBytes)
        n.at("capacity").fail("expected a capacity between 1 B and 1 TB");
      c.width_bits = read_bits(n.at("width_bits"));
      int64_t banks = n.as_int_or("banks", 1);
      if (banks < 1 || banks > kMaxBanks) n.at("banks").fail(fmt::format("expected 1 to {} banks", kMaxBanks));
      c.banks = static_cast<int>(banks);
      c.read_pj = read_energy(n.at("read_pj"));
      if (auto w = n.find("write_pj")) c.write_pj = read_energy(*w);
      if (auto a = n.find("area_um2")) c.area_um2 = read_area(*a);
      break;
    }
    case ComponentClass::dram:
      n.check_keys({"class", "width_bits", "energy_pj", "derived"});
      c.width_bits = read_bits(n.at("width_bits"));
      c.energy_pj = read_energy(n.at("energy_pj"));
      break;
  }
  return c;
}

// Two rows that would answer the same question make the table ambiguous.
bool same_key(const TechComponent& a, const TechComponent& b) {
  if (a.cls != b.cls) return false;
  switch (a.cls) {
    case ComponentClass::pe:
      return a.kind == b.kind;
    case ComponentClass::sram:
    case ComponentClass::regfile:
      return a.capacity_bytes == b.capacity_bytes && a.width_bits == b.width_bits && a.banks == b.banks;
    case ComponentClass::dram:
      return true;
    case ComponentClass::fp_adder:
    case ComponentClass::fp_multiplier:
    case ComponentClass::exp_unit:
      return a.format == b.format;
    case ComponentClass::divider:
      return a.format == b.format && a.bits == b.bits;
    default:
      return a.bits == b.bits;
  }
}

}  // namespace

std::string_view component_class_name(ComponentClass c) {
  for (const auto& e : kClasses)
    if (e.cls == c) return e.name;
  return "?";
}

std::vector<const TechComponent*> TechnologyTable::of_class(ComponentClass c) const {
  std::vector<const TechComponent*> out;
  for (const auto& comp : components)
    if (comp.cls == c) out.push_back(&comp);
  return out;
}

const TechComponent* TechnologyTable::pe_entry(const std::string& kind) const {
  for (const auto& comp : components)
    if (comp.cls == ComponentClass::pe && comp.kind == kind) return &comp;
  return nullptr;
}

TechnologyTable parse_technology_table(const SpecNode& body) {
  body.check_keys({"name", "node_nm", "source", "components", "notes"});
  TechnologyTable t;
  t.file = body.location().file;
  t.name = body.at("name").as_string();
  if (t.name.empty()) body.at("name").fail("the table needs a name");
  t.node_nm = read_in_range(body.at("node_nm"), kMinNodeNm, kMaxNodeNm, "nm");
  t.source = body.at("source").as_string();
  auto comps = body.at("components");
  auto items = comps.items();
  if (items.size() > kMaxComponents)
    comps.fail(
        fmt::format("a technology table may list at most {} components, found {}", kMaxComponents, items.size()));
  for (const auto& item : items) {
    TechComponent c = parse_component(item);
    for (const auto& other : t.components)
      if (same_key(other, c))
        item.fail(
            fmt::format("duplicate {} entry (the same one is at {})", component_class_name(c.cls), other.yaml_path));
    t.components.push_back(std::move(c));
  }
  if (t.components.empty()) comps.fail("a technology table needs at least one component");
  return t;
}

TechnologyTable load_technology_table(const std::string& file) {
  YamlDocument doc = YamlDocument::load_file(file);
  if (doc.kind() != "technology")
    doc.root().fail(fmt::format("expected a `technology:` file, found a `{}:` file", doc.kind()));
  return parse_technology_table(doc.body());
}

std::shared_ptr<const TechnologyTable> load_technology_table_shared(const std::string& file) {
  namespace fs = std::filesystem;
  struct Entry {
    std::uintmax_t size;
    fs::file_time_type mtime;
    std::shared_ptr<const TechnologyTable> table;
  };
  static std::mutex mutex;
  static std::map<std::string, Entry> cache;
  std::error_code ec;
  const std::string key = fs::absolute(file, ec).lexically_normal().string();
  const std::uintmax_t size = fs::file_size(file, ec);
  const bool stat_ok = !ec;
  const fs::file_time_type mtime = fs::last_write_time(file, ec);
  if (stat_ok && !ec) {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = cache.find(key);
    if (it != cache.end() && it->second.size == size && it->second.mtime == mtime) return it->second.table;
  }
  auto table = std::make_shared<const TechnologyTable>(load_technology_table(file));
  if (stat_ok && !ec) {
    std::lock_guard<std::mutex> lock(mutex);
    cache[key] = Entry{size, mtime, table};
  }
  return table;
}

std::string bundled_table_dir() { return EINSIM_TECH_TABLE_DIR; }

std::vector<std::string> bundled_table_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(bundled_table_dir(), ec)) {
    if (entry.path().extension() == ".yaml") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string find_technology_file(const std::string& table, const std::string& referring_file) {
  namespace fs = std::filesystem;
  const bool looks_like_path =
      table.find('/') != std::string::npos || (table.size() > 5 && table.compare(table.size() - 5, 5, ".yaml") == 0);
  if (!looks_like_path) {
    fs::path p = fs::path(bundled_table_dir()) / (table + ".yaml");
    if (!table.empty() && fs::is_regular_file(p)) return p.string();
  } else {
    if (!referring_file.empty() && fs::path(table).is_relative()) {
      fs::path p = fs::path(referring_file).parent_path() / table;
      if (fs::is_regular_file(p)) return p.string();
    }
    if (fs::is_regular_file(table)) return table;
  }
  std::string names;
  for (const auto& n : bundled_table_names()) names += (names.empty() ? "" : ", ") + n;
  throw Error(fmt::format("unknown technology table '{}' (bundled tables: {}; or give a path to a .yaml file)", table,
                          names.empty() ? "none found" : names));
}

}  // namespace einsim
