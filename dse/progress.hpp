#pragma once
// Progress of a sweep on stderr: on a terminal a bar redrawn in place (points done,
// failures, rate, ETA); otherwise one plain line every few seconds.

#include <chrono>
#include <cstddef>

namespace einsim::dse {

class Progress {
 public:
  Progress(size_t total, bool terminal);
  void done(bool failed);
  void tick();    // redraws when due
  void finish();  // the last line

 private:
  void draw(bool final);
  size_t total_, done_ = 0, failed_ = 0;
  bool terminal_;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace einsim::dse
