#pragma once
// Which operand a systolic array keeps in its PEs (SCALE-Sim's dataflows).

#include <optional>
#include <string_view>

namespace einsim {

enum class Dataflow { output_stationary, weight_stationary, input_stationary };

// "os", "ws", "is" (also the long names "output_stationary", ...); nullopt otherwise.
std::optional<Dataflow> parse_dataflow(std::string_view name);
// "os", "ws" or "is".
std::string_view dataflow_name(Dataflow d);

}  // namespace einsim
