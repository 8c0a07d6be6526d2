#include "dse/progress.hpp"

#include <cstdio>
#include <string>

#include <fmt/format.h>

namespace einsim::dse {

using Clock = std::chrono::steady_clock;

Progress::Progress(size_t total, bool terminal)
    : total_(total), terminal_(terminal), start_(Clock::now()), last_(Clock::now()) {}

void Progress::done(bool failed) {
  ++done_;
  if (failed) ++failed_;
  if (terminal_) draw(false);
}

void Progress::tick() {
  const auto every = terminal_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(5000);
  if (Clock::now() - last_ >= every) draw(false);
}

void Progress::finish() { draw(true); }

void Progress::draw(bool final) {
  last_ = Clock::now();
  const double s = std::chrono::duration<double>(last_ - start_).count();
  const double rate = s > 0 ? static_cast<double>(done_) / s : 0;
  const std::string eta = rate > 0 && done_ < total_ ? fmt::format("{:.0f} s", static_cast<double>(total_ - done_) / rate) : "-";
  const std::string text = fmt::format("{}/{} points, {} failed, {:.2f} points/s, ETA {}", done_, total_, failed_,
                                       rate, eta);
  if (terminal_) {
    constexpr int kWidth = 30;
    const int filled = total_ ? static_cast<int>(kWidth * done_ / total_) : kWidth;
    std::fprintf(stderr, "\r[%s%s] %s\033[K%s", std::string(filled, '#').c_str(),
                 std::string(kWidth - filled, '.').c_str(), text.c_str(), final ? "\n" : "");
  } else {
    std::fprintf(stderr, "sweep: %s\n", text.c_str());
  }
  std::fflush(stderr);
}

}  // namespace einsim::dse
