#include "mappings/dataflow.hpp"

namespace einsim {

std::optional<Dataflow> parse_dataflow(std::string_view name) {
  if (name == "os" || name == "output_stationary") return Dataflow::output_stationary;
  if (name == "ws" || name == "weight_stationary") return Dataflow::weight_stationary;
  if (name == "is" || name == "input_stationary") return Dataflow::input_stationary;
  return std::nullopt;
}

std::string_view dataflow_name(Dataflow d) {
  switch (d) {
    case Dataflow::output_stationary: return "os";
    case Dataflow::weight_stationary: return "ws";
    case Dataflow::input_stationary: return "is";
  }
  return "?";
}

}  // namespace einsim
