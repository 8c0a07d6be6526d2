#pragma once
// Accelergy energy and area reference tables (ERT, ART) -> an einsim `technology:` table.
//
// ERT: `ERT: {tables: [{name: system.PE[0..255].mac, actions: [{name: mac_random, energy: 2.2}, ...]}]}`;
// ART: `ART: {tables: [{name: ..., area: 1545}]}` (Accelergy v0.3/v0.4). A component is
// known by the last part of its name (`mac` in `system.PE[0..255].mac`) and classed by it:
//   *dram*                               -> dram   (energy of `read` per access of width_bits)
//   *mac*                                -> pe     (its `kind`; energy of mac_random, compute or mac)
//   *reg*, rf, *regfile*                 -> regfile (capacity, width_bits; read / write energies)
//   *buffer*, *glb*, gb, *sram*, *spad*  -> sram   (capacity, width_bits, banks)
//   *add*, *mul*, *div*, *exp*, *max*, *compar* -> fp_adder / fp_multiplier / divider / exp / comparator
// Accelergy's tables do not carry the attributes einsim's rows need (a buffer's
// capacity, a PE's kind): they are given as `attributes["mac"]["kind"] = "mac_fp16"`
// (from the command line, `--attr mac.kind=mac_fp16`). Components that fit no class are
// skipped with a note.

#include <map>
#include <optional>
#include <string>

#include "sim/core/yaml_source.hpp"
#include "sim/import/imported_files.hpp"

namespace einsim::import {

using ComponentAttributes = std::map<std::string, std::map<std::string, std::string>>;

ImportResult import_accelergy(const YamlDocument& ert, const std::optional<YamlDocument>& art,
                              const ComponentAttributes& attributes, const std::string& name, double node_nm);

}  // namespace einsim::import
