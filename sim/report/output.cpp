#include "sim/report/output.hpp"

#include <iostream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sim/core/error.hpp"
#include "sim/core/file_io.hpp"

namespace einsim::report {

void write_output(const std::string& target, const std::string& text) {
  if (target == "-") {
    std::cout << text;
    std::cout.flush();
    return;
  }
  // A temporary name renamed into place: a failed run never leaves a partial file.
  write_output_file(target, "output", [&text](std::ostream& out) { out << text; });
}

void check_one_standard_output(const std::vector<std::pair<std::string, std::string>>& targets) {
  std::vector<std::string> dash;
  for (const auto& [option, target] : targets)
    if (target == "-") dash.push_back(option + " -");
  if (dash.size() > 1)
    throw Error(fmt::format("{}: only one output can go to standard output; write the others to files",
                            fmt::join(dash, " and ")));
}

bool any_standard_output(const std::vector<std::string>& targets) {
  for (const auto& t : targets)
    if (t == "-") return true;
  return false;
}

// Invalid UTF-8 cannot reach here (the readers refuse it); `replace` keeps a stray byte from
// turning into an exception after the work is done.
void write_json(const std::string& target, const nlohmann::ordered_json& j) {
  write_output(target, j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n");
}

}  // namespace einsim::report
