#pragma once
// Writes a Mapping as a `mapping:` YAML document that load_mapping reads back to the same
// mapping (docs/mapping_yaml.md): what `einsim map -o` saves and `einsim simulate -m` replays.

#include <string>

#include "arch/spec/arch_spec.hpp"
#include "mappings/mapping.hpp"
#include "workloads/einsum_cascade.hpp"

namespace einsim {

// `header` lines become comments at the top (without the leading "# ").
std::string mapping_yaml(const Mapping& mapping, const EinsumCascade& cascade, const ArchSpec& arch,
                         const std::vector<std::string>& header = {});

}  // namespace einsim
