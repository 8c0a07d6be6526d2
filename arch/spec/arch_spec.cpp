#include "arch/spec/arch_spec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

#include "arch/spec/arch_keys.hpp"
#include "arch/tech/cost_table.hpp"
#include "arch/tech/technology_table.hpp"
#include "sim/core/units.hpp"

namespace einsim {
namespace {

constexpr double kMaxClockHz = 100e9;
constexpr double kMinClockHz = 1e3;  // below a kHz a cycle count is not a meaningful time base
constexpr int64_t kMaxDramBytes = int64_t{1} << 56;
constexpr int64_t kMaxSmallCount = 1 << 16;  // banks, ports
constexpr int64_t kMaxWidthBits = int64_t{1} << 20;
constexpr int64_t kMaxCycles = int64_t{1} << 30;
constexpr double kMinBandwidth = 1.0;   // bytes per second
constexpr double kMaxBandwidth = 1e15;  // 1 PB/s: beyond any memory interface
constexpr double kMaxEnergyPerBitPj = 1e4;

bool is_identifier(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  return true;
}

std::string read_name(const SpecNode& item) {
  SpecNode n = item.at("name");
  std::string name = n.as_string();
  if (!is_identifier(name)) {
    n.fail(
        fmt::format("'{}' is not a valid name (use letters, digits, '_' and '-', starting with a "
                    "letter; names are used in --set paths such as arrays.NAME.rows)",
                    name));
  }
  return name;
}

int64_t read_count(const SpecNode& n, int64_t min, int64_t max, const char* what) {
  int64_t v = n.as_int();
  if (v < min || v > max) {
    if (min == 1 && v < 1) n.fail(fmt::format("{} must be positive, got {}", what, v));
    n.fail(fmt::format("{} must be between {} and {}, got {}", what, min, max, v));
  }
  return v;
}

int64_t read_count_or(const SpecNode& parent, const char* key, int64_t fallback, int64_t min, int64_t max,
                      const char* what) {
  auto n = parent.find(key);
  if (!n || n->is_null()) return fallback;
  return read_count(*n, min, max, what);
}

int64_t read_capacity(const SpecNode& n, int64_t max) {
  double bytes = read_bytes(n);
  if (bytes <= 0) n.fail("a storage level needs a positive capacity, got 0");
  if (bytes != std::floor(bytes)) {
    n.fail(fmt::format("'{}' is not a whole number of bytes", n.as_string()));
  }
  if (bytes > static_cast<double>(max)) {
    n.fail(fmt::format("capacity '{}' exceeds the limit of {}", n.as_string(),
                       format_bytes(static_cast<double>(max))));
  }
  return static_cast<int64_t>(bytes);
}

double read_positive_bandwidth(const SpecNode& n) {
  double bw = read_bandwidth(n);
  if (!(bw >= kMinBandwidth && bw <= kMaxBandwidth)) {
    n.fail(fmt::format("a bandwidth of '{}' is outside the valid range 1 B/s .. 1 PB/s (1e15 B/s); "
                       "write 'unlimited' for a level whose transfers take no time",
                       n.as_string()));
  }
  return bw;
}

double read_clock(const SpecNode& n) {
  double hz = read_frequency(n);
  if (!(hz > 0)) n.fail("the clock must be positive");
  if (hz > kMaxClockHz || hz < kMinClockHz) {
    n.fail(fmt::format("a clock of '{}' is outside the valid range 1 kHz .. 100 GHz", n.as_string()));
  }
  return hz;
}

struct PendingArrayRef {
  size_t level;
  SpecNode node;
};

StorageLevel read_level(const SpecNode& item, std::vector<PendingArrayRef>& refs, size_t index) {
  if (!item.is_map()) item.fail("a storage level is a map with name:, kind: and its sizes");
  StorageLevel s;
  s.location = item.location();
  s.capacity_location = s.location;
  s.name = read_name(item);
  SpecNode kind_node = item.at("kind");
  auto kind = parse_storage_kind(kind_node.as_string());
  if (!kind) {
    kind_node.fail(
        fmt::format("unknown storage kind '{}' (expected dram, sram or regfile)", kind_node.as_string()));
  }
  s.kind = *kind;
  switch (s.kind) {
    case StorageKind::dram:
      item.check_keys(arch_keys::kDram);
      break;
    case StorageKind::sram:
      item.check_keys(arch_keys::kSram);
      break;
    case StorageKind::regfile:
      for (std::string_view key : arch_keys::kRegfileUnmodelled) {
        if (auto n = item.find(std::string(key))) {
          n->fail(fmt::format("register file '{}': {} is not modelled (a register file keeps up with its PE's "
                              "accesses and holds one copy of what the PE keeps); remove the key",
                              s.name, key));
        }
      }
      item.check_keys(arch_keys::kRegfile);
      break;
  }

  if (auto n = item.find("width_bits"); n && !n->is_null()) {
    s.width_bits = read_count(*n, 1, kMaxWidthBits, "width_bits");
  }
  if (auto n = item.find("bandwidth"); n && !n->is_null()) {
    if (n->is_scalar() && n->as_string() == "unlimited") {
      s.unlimited_bandwidth = true;  // transfers take no time (SCALE-Sim's stall-free mode)
    } else {
      s.bandwidth_bytes_per_s = read_positive_bandwidth(*n);
    }
  }
  s.banks = read_count_or(item, "banks", 1, 1, kMaxSmallCount, "banks");
  s.read_ports = read_count_or(item, "read_ports", 1, 1, kMaxSmallCount, "read_ports");
  s.write_ports = read_count_or(item, "write_ports", 1, 1, kMaxSmallCount, "write_ports");
  s.latency_cycles = read_count_or(item, "latency_cycles", 0, 0, kMaxCycles, "latency_cycles");
  s.double_buffered = item.as_bool_or("double_buffered", true);
  if (auto n = item.find("energy_per_bit_pj"); n && !n->is_null()) {
    double e = n->as_double();
    if (!(e >= 0 && e <= kMaxEnergyPerBitPj)) {
      n->fail(fmt::format("energy_per_bit_pj must be in the valid range 0 .. 10000 pJ per bit, got {}", n->as_string()));
    }
    s.energy_per_bit_pj = e;
  }

  const int64_t max_bytes = s.kind == StorageKind::dram ? kMaxDramBytes : kMaxOnChipBytes;
  if (auto n = item.find("capacity"); n && !n->is_null()) {
    s.capacity_bytes = read_capacity(*n, max_bytes);
    s.capacity_location = n->location();
  }

  if (auto parts = item.find("partitions"); parts && !parts->is_null()) {
    int64_t sum = 0;
    for (const auto& [key, node] : parts->entries()) {
      const bool listed = std::find(arch_keys::kPartitions.begin(), arch_keys::kPartitions.end(), key) !=
                          arch_keys::kPartitions.end();
      auto role = parse_operand_role(key);
      if (!listed || !role) {
        node.fail(fmt::format("unknown partition '{}' (expected weights, inputs or outputs)", key));
      }
      int64_t bytes = read_capacity(node, max_bytes);
      s.partitions.push_back({*role, bytes});
      sum += bytes;
    }
    if (s.partitions.empty()) parts->fail("partitions: needs at least one of weights, inputs, outputs");
    if (s.capacity_bytes && sum > *s.capacity_bytes) {
      parts->fail(fmt::format("the partitions add up to {}, more than the level's capacity of {}",
                              format_bytes(double(sum)), format_bytes(double(*s.capacity_bytes))));
    }
    if (!s.capacity_bytes) {
      if (sum > max_bytes) parts->fail("the partitions add up to more than the capacity limit");
      s.capacity_bytes = sum;
    }
  }

  switch (s.kind) {
    case StorageKind::dram:
      if (auto n = item.find("duplex"); n && !n->is_null()) {
        const std::string d = n->as_string();
        if (d == "full") {
          s.duplex = DramDuplex::full;
        } else if (d == "half") {
          s.duplex = DramDuplex::half;
        } else {
          n->fail(fmt::format(
              "duplex must be full (separate read and write channels, each of the stated bandwidth) or half "
              "(reads and writes share one channel), got '{}'",
              d));
        }
      }
      // A DRAM's rate is its bandwidth, else width_bits per cycle; its energy is per bit. With
      // both keys no model would read width_bits, so a sweep over it would change nothing.
      if (auto w = item.find("width_bits");
          w && !w->is_null() && (s.bandwidth_bytes_per_s > 0 || s.unlimited_bandwidth)) {
        w->fail(fmt::format("DRAM level '{}' has both bandwidth: and width_bits:; its rate comes from one of them "
                            "(width_bits: bits per cycle at the architecture clock), so width_bits would be "
                            "ignored; remove one",
                            s.name));
      }
      if (s.bandwidth_bytes_per_s == 0 && s.width_bits == 0 && !s.unlimited_bandwidth) {
        item.fail(
            fmt::format("DRAM level '{}' needs bandwidth: (e.g. 400 GB/s, or unlimited) or width_bits: "
                        "(bits per cycle at the architecture clock)",
                        s.name));
      }
      break;
    case StorageKind::sram:
      if (!s.capacity_bytes) item.fail(fmt::format("SRAM level '{}' needs capacity: or partitions:", s.name));
      break;
    case StorageKind::regfile:
      if (!s.capacity_bytes) item.fail(fmt::format("register file '{}' needs capacity:", s.name));
      s.per_pe = item.as_bool_or("per_pe", true);
      if (!s.per_pe) {
        item.at("per_pe").fail(
            fmt::format("register file '{}': per_pe: false is not supported; a register file sits in every PE "
                        "(omit per_pe or set it to true, and bind it to one array with array:)",
                        s.name));
      }
      if (auto n = item.find("array"); n && !n->is_null()) {
        s.array = n->as_string();
        refs.push_back({index, *n});
      }
      break;
  }
  return s;
}

ComputeArray read_array(const SpecNode& item) {
  if (!item.is_map()) item.fail("an array is a map with name:, its size and pe:");
  item.check_keys(arch_keys::kArray);
  ComputeArray a;
  a.location = item.location();
  a.name = read_name(item);

  const bool has_rows = item.has("rows"), has_cols = item.has("cols"), has_lanes = item.has("lanes");
  if (auto shape = item.find("shape")) {
    if (has_rows || has_cols || has_lanes) {
      shape->fail("give the size either as shape: or as rows:/cols: (or lanes:), not both");
    }
    auto dims = shape->items();
    if (dims.size() == 2) {
      a.dimensions = 2;
      a.rows = read_count(dims[0], 1, kMaxArrayDimension, "the row count");
      a.cols = read_count(dims[1], 1, kMaxArrayDimension, "the column count");
    } else if (dims.size() == 1) {
      a.dimensions = 1;
      a.rows = 1;
      a.cols = read_count(dims[0], 1, kMaxArrayDimension, "the lane count");
    } else {
      shape->fail(fmt::format("shape: has {} dimensions; an array is [rows, cols] or [lanes]", dims.size()));
    }
  } else if (has_lanes) {
    if (has_rows || has_cols) {
      item.at("lanes").fail("a 1D array has lanes: only; a 2D array has rows: and cols:");
    }
    a.dimensions = 1;
    a.rows = 1;
    a.cols = read_count(item.at("lanes"), 1, kMaxArrayDimension, "lanes");
  } else if (has_rows || has_cols) {
    if (!has_rows) item.fail(fmt::format("array '{}' has cols: but no rows:", a.name));
    if (!has_cols) item.fail(fmt::format("array '{}' has rows: but no cols:", a.name));
    a.dimensions = 2;
    a.rows = read_count(item.at("rows"), 1, kMaxArrayDimension, "rows");
    a.cols = read_count(item.at("cols"), 1, kMaxArrayDimension, "cols");
  } else {
    item.fail(fmt::format("array '{}' needs its size: rows: and cols: (2D) or lanes: (1D)", a.name));
  }
  if (a.rows * a.cols > kMaxArrayPes) {
    item.fail(fmt::format("array '{}' has {} PEs, more than the limit of {}", a.name, a.rows * a.cols,
                          kMaxArrayPes));
  }

  SpecNode pe_node = item.at("pe");
  auto pe = parse_pe_kind(pe_node.as_string());
  if (!pe) {
    std::string known;
    for (const auto& k : standard_pe_kind_names()) known += (known.empty() ? "" : ", ") + k;
    pe_node.fail(fmt::format("unknown PE kind '{}' (known kinds include: {})", pe_node.as_string(), known));
  }
  a.pe = *pe;
  if (a.pe.family == PeFamily::vector && a.dimensions == 2) {
    pe_node.fail(
        fmt::format("PE kind '{}' is a 1D vector lane: give array '{}' lanes: (or shape: [N]), "
                    "not two dimensions",
                    a.pe.name, a.name));
  }
  a.pipeline_depth = read_count_or(item, "pipeline_depth", 1, 1, 1024, "pipeline_depth");
  a.initiation_interval = read_count_or(item, "initiation_interval", 1, 1, 1024, "initiation_interval");
  if (auto x = item.find("exp_unit"); x && !x->is_null()) {
    const std::string v = x->as_string();
    if (v != "taylor" && v != "dedicated") x->fail(fmt::format("exp_unit must be taylor or dedicated, got '{}'", v));
    if (v == "dedicated" && a.pe.family != PeFamily::vector) {
      x->fail(fmt::format("exp_unit: dedicated needs a vector PE kind; {} computes exp as a Taylor series on its "
                          "multiply-accumulate",
                          a.pe.name));
    }
    a.dedicated_exp = v == "dedicated";
  }
  return a;
}

void check_unique(const std::string& name, const SpecNode& where, std::map<std::string, std::string>& seen,
                  const char* what) {
  auto [it, inserted] = seen.emplace(name, what);
  if (!inserted) {
    where.at("name").fail(fmt::format("the name '{}' is used twice (already a {})", name, it->second));
  }
}

// The technology tables must exist, be tables, and scale to the node: an
// architecture whose energy and area cannot be costed is an error here, at
// the key that names the table, not a silent report without energy later.
void check_technology(const ArchSpec& arch, const SpecNode& tech) {
  auto load = [&](const std::string& name, const SpecNode& at) {
    try {
      return load_technology_table_shared(find_technology_file(name, arch.file));
    } catch (const Error& e) {
      at.fail(fmt::format("cannot use technology table '{}': {}", name, e.what()));
    }
  };
  const std::shared_ptr<const TechnologyTable> table = load(arch.technology.table, tech.at("table"));
  if (!arch.technology.fallback.empty()) load(arch.technology.fallback, tech.at("fallback"));
  try {
    resolve_technology(arch.technology.table, arch.technology.node_nm, arch.file);
  } catch (const Error& e) {
    tech.at("node_nm").fail(fmt::format("{}; table '{}' is for {} nm", e.what(), table->name, table->node_nm));
  }
}

}  // namespace

// ------------------------------------------------------------------ names

std::string_view storage_kind_name(StorageKind k) {
  switch (k) {
    case StorageKind::dram:
      return "dram";
    case StorageKind::sram:
      return "sram";
    case StorageKind::regfile:
      return "regfile";
  }
  return "?";
}

std::optional<StorageKind> parse_storage_kind(std::string_view name) {
  if (name == "dram") return StorageKind::dram;
  if (name == "sram") return StorageKind::sram;
  if (name == "regfile") return StorageKind::regfile;
  return std::nullopt;
}

std::string_view dram_duplex_name(DramDuplex d) { return d == DramDuplex::half ? "half" : "full"; }

std::string_view operand_role_name(OperandRole r) {
  switch (r) {
    case OperandRole::weights:
      return "weights";
    case OperandRole::inputs:
      return "inputs";
    case OperandRole::outputs:
      return "outputs";
  }
  return "?";
}

std::optional<OperandRole> parse_operand_role(std::string_view name) {
  if (name == "weights") return OperandRole::weights;
  if (name == "inputs") return OperandRole::inputs;
  if (name == "outputs") return OperandRole::outputs;
  return std::nullopt;
}

// ------------------------------------------------------------- accessors

double StorageLevel::bytes_per_cycle(double clock_hz) const {
  if (unlimited_bandwidth) return 0.0;
  if (bandwidth_bytes_per_s > 0 && clock_hz > 0) return bandwidth_bytes_per_s / clock_hz;
  if (width_bits > 0) return static_cast<double>(banks) * static_cast<double>(width_bits) / 8.0;
  return 0.0;
}

std::optional<int64_t> StorageLevel::partition_bytes(OperandRole role) const {
  for (const auto& p : partitions)
    if (p.role == role) return p.capacity_bytes;
  return std::nullopt;
}

const ComputeArray* ArchSpec::find_array(std::string_view n) const {
  for (const auto& a : arrays)
    if (a.name == n) return &a;
  return nullptr;
}

const StorageLevel* ArchSpec::find_level(std::string_view n) const {
  for (const auto& s : storage)
    if (s.name == n) return &s;
  return nullptr;
}

const StorageLevel* ArchSpec::regfile_of(size_t array_index) const {
  if (array_index >= arrays.size()) return nullptr;
  for (const auto& s : storage) {
    if (s.kind == StorageKind::regfile && (s.array.empty() || s.array == arrays[array_index].name)) return &s;
  }
  return nullptr;
}

int64_t ArchSpec::instances(const StorageLevel& level) const {
  if (!level.per_pe) return 1;
  int64_t n = 0;
  for (const auto& a : arrays)
    if (level.array.empty() || level.array == a.name) n += a.num_pes();
  return n;
}

const ComputeArray& ArchSpec::array(std::string_view n) const {
  if (const auto* a = find_array(n)) return *a;
  std::string known;
  for (const auto& a : arrays) known += (known.empty() ? "" : ", ") + a.name;
  throw Error(fmt::format("architecture '{}' has no array '{}' (arrays: {})", name, n, known));
}

const StorageLevel& ArchSpec::level(std::string_view n) const {
  if (const auto* s = find_level(n)) return *s;
  std::string known;
  for (const auto& s : storage) known += (known.empty() ? "" : ", ") + s.name;
  throw Error(fmt::format("architecture '{}' has no storage level '{}' (levels: {})", name, n, known));
}

// ---------------------------------------------------------------- loading

ArchSpec load_architecture(const YamlDocument& doc) {
  if (doc.kind() != "architecture") {
    doc.root().fail(fmt::format("expected an architecture: file, found a {}: file", doc.kind()));
  }
  SpecNode body = doc.body();
  if (!body.is_map())
    body.fail("architecture: is a map with name:, technology:, clock:, storage: and arrays:");
  body.check_keys(arch_keys::kTop);

  ArchSpec arch;
  arch.file = doc.file();
  arch.name = read_name(body);
  arch.description = body.as_string_or("description", "");

  // Technology and clock.
  SpecNode tech = body.at("technology");
  tech.check_keys(arch_keys::kTechnology);
  SpecNode table = tech.at("table");
  arch.technology.table = table.as_string();
  if (arch.technology.table.empty()) table.fail("technology.table must name a cost table");
  if (auto f = tech.find("fallback"); f && !f->is_null()) {
    arch.technology.fallback = f->as_string();
    if (arch.technology.fallback.empty()) f->fail("technology.fallback must name a cost table");
    if (arch.technology.fallback == arch.technology.table) {
      f->fail("technology.fallback names the same table as technology.table");
    }
  }
  SpecNode node_nm = tech.at("node_nm");
  arch.technology.node_nm = node_nm.as_double();
  if (!(arch.technology.node_nm >= 1 && arch.technology.node_nm <= 1000)) {
    node_nm.fail(fmt::format("node_nm must be between 1 and 1000 nm, got {}", node_nm.as_string()));
  }
  check_technology(arch, tech);
  std::optional<double> tech_clock;
  if (auto c = tech.find("clock_ghz"); c && !c->is_null()) {
    double ghz = c->as_double();
    if (!(ghz * 1e9 >= kMinClockHz) || ghz * 1e9 > kMaxClockHz) {
      c->fail("clock_ghz must be in the valid range 1e-6 .. 100 (1 kHz .. 100 GHz)");
    }
    tech_clock = ghz * 1e9;
  }
  if (auto c = body.find("clock"); c && !c->is_null()) {
    arch.clock_hz = read_clock(*c);
    if (tech_clock && std::fabs(*tech_clock - arch.clock_hz) > 1e-9 * arch.clock_hz) {
      tech.at("clock_ghz")
          .fail(fmt::format("technology.clock_ghz ({} GHz) disagrees with clock: {}; "
                            "give the clock once",
                            *tech_clock / 1e9, c->as_string()));
    }
  } else if (tech_clock) {
    arch.clock_hz = *tech_clock;
  } else {
    body.fail("missing the clock: give clock: (e.g. 940 MHz) or technology.clock_ghz");
  }

  std::map<std::string, std::string> names;

  // Arrays first, so that per-PE storage can name them.
  SpecNode arrays = body.at("arrays");
  auto array_items = arrays.items();
  if (array_items.empty()) arrays.fail("an architecture needs at least one compute array");
  for (const auto& item : array_items) {
    arch.arrays.push_back(read_array(item));
    check_unique(arch.arrays.back().name, item, names, "compute array");
  }

  // Storage, outermost first.
  SpecNode storage = body.at("storage");
  auto level_items = storage.items();
  if (level_items.empty()) storage.fail("an architecture needs storage levels, DRAM first");
  std::vector<PendingArrayRef> refs;
  bool seen_regfile = false;
  for (size_t i = 0; i < level_items.size(); ++i) {
    const SpecNode& item = level_items[i];
    StorageLevel s = read_level(item, refs, i);
    check_unique(s.name, item, names, "storage level");
    if (i == 0 && s.kind != StorageKind::dram) {
      item.at("kind").fail("the first (outermost) storage level must be the DRAM (kind: dram)");
    }
    if (i > 0 && s.kind == StorageKind::dram) {
      item.at("kind").fail("only the first (outermost) storage level can be a DRAM");
    }
    if (s.kind == StorageKind::regfile) seen_regfile = true;
    if (s.kind == StorageKind::sram && seen_regfile) {
      item.at("kind").fail("an SRAM level cannot sit inside a register file: list levels outermost first");
    }
    arch.storage.push_back(std::move(s));
  }
  for (const auto& ref : refs) {
    const std::string& target = arch.storage[ref.level].array;
    if (!arch.find_array(target)) {
      std::string known;
      for (const auto& a : arch.arrays) known += (known.empty() ? "" : ", ") + a.name;
      ref.node.fail(fmt::format("no array named '{}' (arrays: {})", target, known));
    }
  }
  // One register-file level per PE: the access model charges each PE's registers to one level.
  for (size_t a = 0; a < arch.arrays.size(); ++a) {
    const StorageLevel* first = nullptr;
    for (size_t i = 0; i < arch.storage.size(); ++i) {
      const StorageLevel& s = arch.storage[i];
      if (s.kind != StorageKind::regfile || (!s.array.empty() && s.array != arch.arrays[a].name)) continue;
      if (first) {
        level_items[i].fail(
            fmt::format("register files '{}' and '{}' both sit in the PEs of array '{}'; einsim models one "
                        "register-file level per PE (bind each to a different array with array:)",
                        first->name, s.name, arch.arrays[a].name));
      }
      first = &s;
    }
  }

  if (auto noc = body.find("noc"); noc && !noc->is_null()) {
    noc->check_keys(arch_keys::kNoc);
    arch.noc.multicast = noc->as_bool_or("multicast", true);
    arch.noc.spatial_reduction = noc->as_bool_or("spatial_reduction", false);
  }
  return arch;
}

// ------------------------------------------------------------- describing

std::string format_bytes(double bytes) {
  struct Unit {
    const char* name;
    double scale;
  };
  static const Unit units[] = {
      {"TiB", 1099511627776.0}, {"GiB", 1073741824.0}, {"MiB", 1048576.0}, {"KiB", 1024.0}};
  for (const auto& u : units) {
    if (bytes >= u.scale) return fmt::format("{:g} {}", bytes / u.scale, u.name);
  }
  return fmt::format("{:g} B", bytes);
}

std::string describe_architecture(const ArchSpec& a) {
  std::string levels;
  for (const auto& s : a.storage) {
    std::string what;
    if (s.kind == StorageKind::dram) {
      double bpc = s.bytes_per_cycle(a.clock_hz);
      what = fmt::format("{:g} GB/s{}{}", bpc * a.clock_hz / 1e9, s.duplex == DramDuplex::half ? " half duplex" : "",
                         s.capacity_bytes ? " " + format_bytes(double(*s.capacity_bytes)) : "");
    } else {
      what = format_bytes(double(*s.capacity_bytes)) + (s.per_pe ? " per PE" : "");
    }
    levels += fmt::format("{}{} {}", levels.empty() ? "" : ", ", s.name, what);
  }
  std::string arrays;
  for (const auto& x : a.arrays) {
    std::string shape =
        x.dimensions == 2 ? fmt::format("{}x{}", x.rows, x.cols) : fmt::format("{} lanes", x.lanes());
    arrays += fmt::format("{}{} {} {}", arrays.empty() ? "" : ", ", x.name, shape, x.pe.name);
  }
  return fmt::format("architecture {}: {:g} MHz; arrays {}; storage {}", a.name, a.clock_hz / 1e6, arrays,
                     levels);
}

}  // namespace einsim
