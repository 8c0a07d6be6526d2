#pragma once
// Per-kind validation used by `einsim check`. Each returns a one-line summary
// of a valid document and throws einsim::Error for an invalid one. Each is
// defined beside the subcommand that owns the kind.

#include <string>

#include "sim/core/yaml_source.hpp"

namespace einsim::app {

// architecture: files (sim/app/cmd_arch_check.cpp).
std::string check_architecture(const YamlDocument& doc);
// workload: files (defined in cmd_workload.cpp).
std::string check_workload_document(const YamlDocument& doc);
// `technology:` tables (defined in cmd_pe.cpp).
std::string check_technology(const YamlDocument& doc);
// sweep: files (cmd_sweep.cpp).
std::string check_sweep_document(const YamlDocument& doc);

}  // namespace einsim::app
