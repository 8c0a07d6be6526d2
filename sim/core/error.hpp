#pragma once
// Errors that einsim reports to its user. Library code throws them; only the
// command line catches them, prints what() and exits with status 2.

#include <stdexcept>
#include <string>

namespace einsim {

// Where in the user's input a problem sits. Lines and columns are 1-based;
// 0 means unknown (for example a value that came from a --set override).
struct SourceLocation {
  std::string file;       // the YAML file as the user named it
  int line = 0;
  int column = 0;
  std::string yaml_path;  // e.g. "workload.einsums[2]" ; empty when not inside a document
  std::string origin;     // e.g. "--set ranks.M=7" when the value came from the command line

  // "file:line:col" (or "file" when the line is unknown).
  std::string position() const;
};

// Any error caused by the user's input or request: exit status 2 at the command line.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// An error at a known place in a YAML document.
// what() reads: "file:line:col: at yaml.path: message" (plus the --set origin if any).
class SpecError : public Error {
 public:
  SpecError(SourceLocation location, const std::string& message);
  const SourceLocation& location() const { return location_; }
  const std::string& message() const { return message_; }

 private:
  SourceLocation location_;
  std::string message_;
};

// The user stopped a run (Ctrl-C): exit status 130 at the command line, no output files.
class Interrupted : public std::runtime_error {
 public:
  explicit Interrupted(const std::string& message) : std::runtime_error(message) {}
};

// A broken internal invariant: a bug in einsim, never the user's fault.
class InternalError : public std::logic_error {
 public:
  explicit InternalError(const std::string& message) : std::logic_error(message) {}
};

}  // namespace einsim
