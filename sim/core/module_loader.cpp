#include "sim/core/module_loader.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <vector>

#include <fmt/format.h>

#include "sim/core/error.hpp"

namespace einsim {

std::string executable_dir() {
  std::vector<char> buf(4096);
  for (;;) {
    const ssize_t n = readlink("/proc/self/exe", buf.data(), buf.size());
    if (n < 0) throw Error(fmt::format("cannot find the einsim executable: /proc/self/exe: {}", std::strerror(errno)));
    if (static_cast<size_t>(n) < buf.size()) {
      std::string path(buf.data(), static_cast<size_t>(n));
      const size_t slash = path.rfind('/');
      return slash == std::string::npos ? std::string(".") : slash == 0 ? std::string("/") : path.substr(0, slash);
    }
    buf.resize(buf.size() * 2);
  }
}

const void* load_module_table(const std::string& file, const char* entry, int abi, const std::string& needed_for,
                              bool global) {
  // dlerror() is per thread, but two threads loading at once would still race on it.
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  const std::string dir = executable_dir();
  const std::string path = (dir == "/" ? dir : dir + "/") + file;
  void* handle = dlopen(path.c_str(), RTLD_NOW | (global ? RTLD_GLOBAL : RTLD_LOCAL));
  if (!handle) {
    const char* why = dlerror();
    throw Error(fmt::format("{} needs the module {} next to the einsim executable, and it could not be loaded: {} "
                            "(rebuild einsim, or keep the module next to the executable)",
                            needed_for, file, why ? why : "unknown reason"));
  }
  // The handle is kept: a module stays loaded until the process ends.
  void* sym = dlsym(handle, entry);
  if (!sym) throw Error(fmt::format("{}: the module {} has no entry point {}", needed_for, path, entry));
  using Entry = const void* (*)();
  const void* table = reinterpret_cast<Entry>(sym)();
  int got = 0;
  if (table) std::memcpy(&got, table, sizeof got);
  if (!table || got != abi) {
    throw Error(fmt::format("{}: the module {} is from another build of einsim (interface {}, expected {}); rebuild "
                            "einsim",
                            needed_for, path, got, abi));
  }
  return table;
}

}  // namespace einsim
