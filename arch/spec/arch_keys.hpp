#pragma once
// Every key the architecture loader (arch_spec.cpp) accepts, per section of an
// `architecture:` document. The loader checks each map against exactly these
// lists, so a key is accepted if and only if it is listed here; the key audit
// (tests/arch/spec/arch_key_audit_test.cpp) shows that each one changes what a
// user sees, or names it as structural. docs/architecture_yaml.md documents them.

#include <array>
#include <span>
#include <string_view>

namespace einsim::arch_keys {

// `architecture:` itself.
inline constexpr std::array<std::string_view, 7> kTop = {"name",    "description", "technology", "clock",
                                                         "storage", "arrays",      "noc"};
// `technology:`.
inline constexpr std::array<std::string_view, 4> kTechnology = {"table", "node_nm", "clock_ghz", "fallback"};
// A storage level of each kind.
inline constexpr std::array<std::string_view, 8> kDram = {
    "name", "kind", "capacity", "bandwidth", "width_bits", "latency_cycles", "duplex", "energy_per_bit_pj"};
inline constexpr std::array<std::string_view, 12> kSram = {
    "name",       "kind",        "capacity",       "bandwidth",       "width_bits", "banks",
    "read_ports", "write_ports", "latency_cycles", "double_buffered", "partitions", "energy_per_bit_pj"};
inline constexpr std::array<std::string_view, 7> kRegfile = {"name",  "kind",       "capacity",         "per_pe",
                                                             "array", "width_bits", "energy_per_bit_pj"};
// An SRAM's `partitions:` map: one buffer per operand role.
inline constexpr std::array<std::string_view, 3> kPartitions = {"weights", "inputs", "outputs"};
// One entry of `arrays:`.
inline constexpr std::array<std::string_view, 9> kArray = {
    "name", "rows", "cols", "lanes", "shape", "pe", "pipeline_depth", "initiation_interval", "exp_unit"};
// `noc:`.
inline constexpr std::array<std::string_view, 2> kNoc = {"multicast", "spatial_reduction"};

// Keys a register file once accepted and no model reads (a register file keeps up with its
// PE and holds one copy of what the PE keeps): an error naming the key, before the check above.
inline constexpr std::array<std::string_view, 3> kRegfileUnmodelled = {"read_ports", "write_ports", "double_buffered"};

// A section and its accepted keys, for tools and tests that walk all of them.
struct KeySection {
  std::string_view name;  // "architecture", "technology", "storage.dram", ...
  std::span<const std::string_view> keys;
};

inline constexpr std::array<KeySection, 8> kSections = {{
    {"architecture", kTop},
    {"technology", kTechnology},
    {"storage.dram", kDram},
    {"storage.sram", kSram},
    {"storage.regfile", kRegfile},
    {"storage.sram.partitions", kPartitions},
    {"arrays", kArray},
    {"noc", kNoc},
}};

}  // namespace einsim::arch_keys
