#pragma once
// Modules loaded on first use. The parts of einsim that need heavy shared libraries
// (SystemC for the Cycle and Detailed fidelities, OpenMPI for `sweep --mpi`, protobuf for
// `import onnx`) are also built as modules that the einsim executable loads with dlopen
// only when a command needs them, from the directory that holds the executable. Each
// module exports one C function returning its table of typed function pointers; the
// table's first member is its ABI number, checked here.

#include <string>

namespace einsim {

// The directory of the running executable (from /proc/self/exe), without a trailing '/'.
// Throws Error if it cannot be read.
std::string executable_dir();

// Loads `file` from executable_dir() (a second call returns the loaded module again),
// resolving all its symbols now, calls its entry function `entry` (C linkage, taking no
// argument and returning a pointer to the table) and checks that the table's ABI number,
// its first `int`, is `abi`. `needed_for` names what the module is for, in the message of
// the Error thrown when the module is missing, does not load or is from another build.
// `global`: the module's symbols and its libraries' serve later loads (OpenMPI loads
// plug-ins of its own that need them).
const void* load_module_table(const std::string& file, const char* entry, int abi, const std::string& needed_for,
                              bool global = false);

}  // namespace einsim
