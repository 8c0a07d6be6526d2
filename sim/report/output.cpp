#include "sim/report/output.hpp"

#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "sim/core/error.hpp"

namespace einsim::report {

void write_output(const std::string& target, const std::string& text) {
  if (target == "-") {
    std::cout << text;
    std::cout.flush();
    return;
  }
  std::ofstream out(target, std::ios::binary);
  if (!out) throw Error(fmt::format("cannot write {}", target));
  out << text;
  out.close();
  if (!out) throw Error(fmt::format("cannot write {}", target));
}

void write_json(const std::string& target, const nlohmann::ordered_json& j) { write_output(target, j.dump(2) + "\n"); }

}  // namespace einsim::report
