#pragma once
// Progress of a long run on stderr, shared by `einsim sweep` (points) and `einsim simulate`
// (simulated steps or cycles): on a terminal a bar redrawn in place (done/total, percentage,
// rate, ETA) a few times per second; otherwise one plain line every few seconds. A meter
// with a quiet threshold draws nothing until the run has lasted that long, so short runs
// stay silent. The figures and the text are plain functions (progress_figures,
// format_progress) so that their arithmetic can be tested without a clock.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace einsim {

// What a progress line shows, from the work done, the total and the seconds elapsed.
struct ProgressFigures {
  double fraction = 0;      // done / total, in [0, 1] (1 for a total of 0)
  double rate = 0;          // done per second (0 before any time has passed)
  double eta_seconds = -1;  // (total - done) / rate; -1 when unknown (no rate yet) or done
};

ProgressFigures progress_figures(double done, double total, double elapsed_seconds);

// A duration for an ETA: "42 s", "3 min 05 s", "2 h 07 min".
std::string format_duration(double seconds);

// A count with an SI suffix above 10^4: 950, 12.3k, 4.56M, 7.89G.
std::string format_count(double n);

// "1.23M/4.56M cycles (27.0%), 412k cycles/s, ETA 9 s".
std::string format_progress(double done, double total, double elapsed_seconds, const std::string& unit);

struct ProgressStyle {
  std::string label;           // the plain line's prefix: "simulate" gives "simulate: ..."
  std::string unit;            // what is counted: "cycles", "steps", "points"
  bool terminal = false;       // a bar redrawn in place, else plain lines
  double quiet_seconds = 0;    // nothing at all is drawn before this (and no last line after a shorter run)
  double bar_every = 0.2;      // seconds between redraws of the bar
  double line_every = 5;       // seconds between plain lines
};

// Draws on `out` (the caller passes stderr; standard output may carry --json -).
class ProgressMeter {
 public:
  using Clock = std::chrono::steady_clock;
  ProgressMeter(uint64_t total, ProgressStyle style, std::FILE* out);
  ~ProgressMeter();  // a bar left unfinished (an error, Ctrl-C) ends its line
  ProgressMeter(const ProgressMeter&) = delete;
  ProgressMeter& operator=(const ProgressMeter&) = delete;
  void set_total(uint64_t total) { total_ = total; }
  void update(uint64_t done);  // redraws when due; `done` never goes back
  void add_failed() { ++failed_; }  // counted in the text when any failed (sweeps)
  void finish();               // the last line (when anything was drawn, or the run lasted past the quiet threshold)
  bool drawn() const { return drawn_; }

 private:
  void draw(bool final);
  uint64_t total_, done_ = 0, failed_ = 0;
  ProgressStyle style_;
  std::FILE* out_;
  bool drawn_ = false, finished_ = false;
  Clock::time_point start_, last_;
};

}  // namespace einsim
