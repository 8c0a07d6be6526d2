#pragma once
// Reading the user's files and writing einsim's outputs safely.
//
// read_input_file() refuses directories, devices, FIFOs and sockets before
// opening them (so `/dev/zero` or a named pipe can neither hang einsim nor
// exhaust its memory) and caps the number of bytes read.
//
// write_output_file() writes to a temporary name beside the target and
// renames it into place, so a failed run never leaves a partial file. A
// target that exists and is not a regular file (/dev/stdout, a pipe) is
// written directly.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>

namespace einsim {

// The largest input file einsim reads (YAML specs, tensor files): 16 MiB,
// far above any real specification (the bundled ones are a few KiB).
inline constexpr std::size_t kMaxInputFileBytes = std::size_t{16} << 20;

// The contents of `path`. `what` names the file's role in messages
// ("workload file", "tensor file"). Throws SpecError (file named, no line)
// when the path does not exist, is not a regular file, cannot be read, or
// is larger than `max_bytes`.
std::string read_input_file(const std::string& path, const std::string& what,
                            std::size_t max_bytes = kMaxInputFileBytes);

// Checks up front that `path` names an existing regular file no larger than
// `max_bytes`, with the same messages as read_input_file().
void check_input_file(const std::string& path, const std::string& what,
                      std::size_t max_bytes = kMaxInputFileBytes);

// Writes an output file atomically: `produce` writes the contents into the
// stream; only when it returns normally and the stream is good is the file
// renamed into place. Throws Error naming the file otherwise (the temporary
// file is removed).
void write_output_file(const std::string& path, const std::string& what,
                       const std::function<void(std::ostream&)>& produce);

}  // namespace einsim
