// libFuzzer: bytes -> the CSV and INI readers -> the SCALE-Sim importer. Errors are fine; crashes are not.
#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/core/error.hpp"
#include "sim/import/scalesim_import.hpp"
#include "sim/import/text_tables.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    auto layers = einsim::import::read_scalesim_topology(einsim::import::parse_csv(text, "fuzz.csv"));
    if (layers.size() < 64) einsim::import::import_scalesim(layers, {}, "fuzz");
  } catch (const einsim::Error&) {
  }
  try {
    einsim::import::read_scalesim_config(einsim::import::IniFile::parse(text, "fuzz.cfg"));
  } catch (const einsim::Error&) {
  }
  return 0;
}
