#pragma once
// Quantities with units as users write them in YAML: "16 MiB", "512KiB",
// "400 GB/s", "940 MHz", "0.94 GHz", "1024 bit". The unit is required: a bare
// number is an error (it is too easy to mean KiB or MHz and get bytes or hertz).

#include <cstdint>
#include <string>

#include "sim/core/yaml_source.hpp"

namespace einsim {

// Bytes. Accepts B, KB/MB/GB (powers of 1000), KiB/MiB/GiB (powers of 1024), bit/bits, Kib/Mib.
double parse_bytes(const std::string& text);
// Bytes per second. Accepts B/s, KB/s, MB/s, GB/s, TB/s, KiB/s, ..., and Gbit/s.
double parse_bandwidth(const std::string& text);
// Hertz. Accepts Hz, kHz, MHz, GHz.
double parse_frequency(const std::string& text);

// The same, reading a YAML scalar; errors point at the node.
double read_bytes(const SpecNode& node);
double read_bandwidth(const SpecNode& node);
double read_frequency(const SpecNode& node);

}  // namespace einsim
