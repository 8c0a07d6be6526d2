#include "sim/report/output.hpp"

#include <iostream>

#include <fmt/format.h>

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

// Invalid UTF-8 cannot reach here (the readers refuse it); `replace` keeps a stray byte from
// turning into an exception after the work is done.
void write_json(const std::string& target, const nlohmann::ordered_json& j) {
  write_output(target, j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n");
}

}  // namespace einsim::report
