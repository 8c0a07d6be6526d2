// `einsim check` for architecture: files.

#include "arch/spec/arch_spec.hpp"
#include "sim/app/document_checks.hpp"

namespace einsim::app {

std::string check_architecture(const YamlDocument& doc) {
  return describe_architecture(load_architecture(doc));
}

}  // namespace einsim::app
