#include "sim/core/file_io.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "sim/core/error.hpp"

namespace einsim {
namespace {

[[noreturn]] void fail_file(const std::string& path, const std::string& message) {
  SourceLocation loc;
  loc.file = path;
  throw SpecError(loc, message);
}

const char* file_type_name(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a named pipe";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

std::string mib(std::size_t bytes) {
  return bytes % (std::size_t{1} << 20) == 0 ? fmt::format("{} MiB", bytes >> 20) : fmt::format("{} bytes", bytes);
}

}  // namespace

void check_input_file(const std::string& path, const std::string& what, std::size_t max_bytes) {
  if (path.empty()) fail_file("<empty name>", fmt::format("no {} given (the file name is empty)", what));
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    fail_file(path, fmt::format("cannot open file: {} (the {})", std::strerror(errno), what));
  }
  if (!S_ISREG(st.st_mode)) {
    fail_file(path, fmt::format("the {} is {}; give a regular YAML file", what, file_type_name(st.st_mode)));
  }
  if (static_cast<uintmax_t>(st.st_size) > max_bytes) {
    fail_file(path, fmt::format("the {} is {} bytes, more than the {} einsim reads; is it the right file?", what,
                                static_cast<uintmax_t>(st.st_size), mib(max_bytes)));
  }
}

std::string read_input_file(const std::string& path, const std::string& what, std::size_t max_bytes) {
  check_input_file(path, what, max_bytes);
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) fail_file(path, fmt::format("cannot open file: {} (the {})", std::strerror(errno), what));
  std::string text;
  char buf[1 << 16];
  std::size_t n = 0;
  bool too_large = false;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    if (text.size() + n > max_bytes) {  // the file grew after the check
      too_large = true;
      break;
    }
    text.append(buf, n);
  }
  const bool error = std::ferror(f) != 0;
  std::fclose(f);
  if (too_large) fail_file(path, fmt::format("the {} is larger than the {} einsim reads", what, mib(max_bytes)));
  if (error) fail_file(path, fmt::format("cannot read {}", what));
  return text;
}

void write_output_file(const std::string& path, const std::string& what,
                       const std::function<void(std::ostream&)>& produce) {
  if (path.empty()) throw Error(fmt::format("no name given for the {}", what));
  struct stat st {};
  const bool exists = ::stat(path.c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode)) {
    throw Error(fmt::format("{}: cannot write the {}: it is a directory", path, what));
  }
  if (exists && !S_ISREG(st.st_mode)) {
    // A device or a pipe (/dev/stdout, /dev/null): nothing to replace atomically.
    std::ofstream out(path, std::ios::binary);
    if (!out) throw Error(fmt::format("{}: cannot write the {}: {}", path, what, std::strerror(errno)));
    produce(out);
    out.flush();
    if (!out) throw Error(fmt::format("{}: cannot write the {}", path, what));
    return;
  }
  std::string tmpl = path + ".tmp.XXXXXX";
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) throw Error(fmt::format("{}: cannot write the {}: {}", path, what, std::strerror(errno)));
  ::close(fd);
  const std::string tmp = tmpl;
  try {
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      if (!out) throw Error(fmt::format("{}: cannot write the {}: {}", path, what, std::strerror(errno)));
      produce(out);
      out.flush();
      if (!out) throw Error(fmt::format("{}: cannot write the {} (disk full?)", path, what));
    }
    // mkstemp creates the file 0600; give it the usual permissions.
    mode_t mask = ::umask(0);
    ::umask(mask);
    ::chmod(tmp.c_str(), exists ? (st.st_mode & 07777) : (0666 & ~mask));
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
      throw Error(fmt::format("{}: cannot write the {}: {}", path, what, std::strerror(errno)));
    }
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
}

}  // namespace einsim
