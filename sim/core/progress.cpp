#include "sim/core/progress.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace einsim {

ProgressFigures progress_figures(double done, double total, double elapsed_seconds) {
  ProgressFigures f;
  f.fraction = total > 0 ? std::clamp(done / total, 0.0, 1.0) : 1.0;
  f.rate = elapsed_seconds > 0 ? done / elapsed_seconds : 0;
  if (f.rate > 0 && done < total) f.eta_seconds = (total - done) / f.rate;
  return f;
}

std::string format_duration(double seconds) {
  if (!(seconds >= 0) || !std::isfinite(seconds)) return "-";
  const auto s = static_cast<int64_t>(std::llround(seconds));
  if (s < 60) return fmt::format("{} s", s);
  if (s < 3600) return fmt::format("{} min {:02} s", s / 60, s % 60);
  return fmt::format("{} h {:02} min", s / 3600, (s % 3600) / 60);
}

std::string format_count(double n) {
  if (!std::isfinite(n)) return "-";
  const double a = std::fabs(n);
  if (a < 1e4) return fmt::format("{:.0f}", n);
  if (a < 1e6) return fmt::format("{:.3g}k", n / 1e3);
  if (a < 1e9) return fmt::format("{:.3g}M", n / 1e6);
  if (a < 1e12) return fmt::format("{:.3g}G", n / 1e9);
  return fmt::format("{:.3g}T", n / 1e12);
}

std::string format_progress(double done, double total, double elapsed_seconds, const std::string& unit) {
  const ProgressFigures f = progress_figures(done, total, elapsed_seconds);
  return fmt::format("{}/{} {} ({:.1f}%), {} {}/s, ETA {}", format_count(done), format_count(total), unit,
                     100 * f.fraction, format_count(f.rate), unit, format_duration(f.eta_seconds));
}

ProgressMeter::ProgressMeter(uint64_t total, ProgressStyle style, std::FILE* out)
    : total_(total), style_(std::move(style)), out_(out), start_(Clock::now()), last_(start_) {}

ProgressMeter::~ProgressMeter() {
  if (style_.terminal && drawn_ && !finished_) {
    std::fputc('\n', out_);
    std::fflush(out_);
  }
}

void ProgressMeter::update(uint64_t done) {
  done_ = std::max(done_, done);
  const Clock::time_point now = Clock::now();
  if (std::chrono::duration<double>(now - start_).count() < style_.quiet_seconds) return;
  const double every = style_.terminal ? style_.bar_every : style_.line_every;
  if (!drawn_ && style_.terminal) return draw(false);  // the bar appears at the quiet threshold
  if (std::chrono::duration<double>(now - last_).count() >= every) draw(false);
}

void ProgressMeter::finish() {
  if (finished_) return;
  finished_ = true;
  if (drawn_ || std::chrono::duration<double>(Clock::now() - start_).count() >= style_.quiet_seconds) draw(true);
}

void ProgressMeter::draw(bool final) {
  last_ = Clock::now();
  drawn_ = true;
  const double s = std::chrono::duration<double>(last_ - start_).count();
  std::string text = format_progress(static_cast<double>(done_), static_cast<double>(total_), s, style_.unit);
  if (failed_) text += fmt::format(", {} failed", failed_);
  if (final) text += fmt::format(", {} elapsed", format_duration(s));
  if (style_.terminal) {
    constexpr int kWidth = 30;
    const double fraction = progress_figures(static_cast<double>(done_), static_cast<double>(total_), s).fraction;
    const int filled = static_cast<int>(kWidth * fraction);
    std::fprintf(out_, "\r[%s%s] %s\033[K%s", std::string(static_cast<size_t>(filled), '#').c_str(),
                 std::string(static_cast<size_t>(kWidth - filled), '.').c_str(), text.c_str(), final ? "\n" : "");
  } else {
    std::fprintf(out_, "%s: %s\n", style_.label.c_str(), text.c_str());
  }
  std::fflush(out_);
}

}  // namespace einsim
