// libFuzzer target: arbitrary bytes as a technology table. Every input must
// either parse (then cost every PE kind it lists and the standard ones, an
// SRAM, a register file and DRAM, at its own node and scaled to another) or
// fail with einsim::Error; anything else is a bug.

#include <cstddef>
#include <cstdint>
#include <string>

#include "arch/pe/pe_kind.hpp"
#include "arch/tech/cost_table.hpp"
#include "arch/tech/technology_table.hpp"
#include "sim/core/error.hpp"
#include "sim/core/yaml_source.hpp"

namespace {

// Each cost on its own: a table may cost some things and not others.
template <typename F>
void attempt(F&& f) {
  try {
    f();
  } catch (const einsim::Error&) {
  }
}

void exercise(const einsim::CostTable& costs) {
  for (const auto* e : costs.table().of_class(einsim::ComponentClass::pe)) attempt([&] { costs.pe_cost(e->kind); });
  for (const auto& k : einsim::standard_pe_kind_names()) attempt([&] { costs.energy_per_mac(*einsim::parse_pe_kind(k)); });
  attempt([&] { costs.storage_cost(64 * 1024, 64, 4); });
  attempt([&] { costs.storage_cost(1, 8, 1); });
  attempt([&] { costs.regfile_cost(64, 16); });
  attempt([&] { costs.dram_energy_per_bit(); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    einsim::YamlDocument doc = einsim::YamlDocument::load_string(text, "fuzz.yaml");
    if (doc.kind() != "technology") return 0;
    einsim::TechnologyTable table = einsim::parse_technology_table(doc.body());
    const double node = table.node_nm;
    exercise(einsim::CostTable(table, node));
    attempt([&] { exercise(einsim::CostTable(table, 16)); });
  } catch (const einsim::Error&) {
  }
  return 0;
}
