// The progress meter's arithmetic and text (rate, percentage, ETA), and when it draws.
#include "sim/core/progress.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

using namespace einsim;

namespace {

// What a meter wrote to a temporary file.
std::string read_all(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string s;
  for (int c; (c = std::fgetc(f)) != EOF;) s += static_cast<char>(c);
  return s;
}

}  // namespace

TEST_CASE("progress figures: fraction, rate and ETA by hand") {
  // 250 of 1000 in 5 s: 25%, 50 per second, 750 left at 50/s = 15 s.
  ProgressFigures f = progress_figures(250, 1000, 5);
  CHECK(f.fraction == Approx(0.25));
  CHECK(f.rate == Approx(50));
  CHECK(f.eta_seconds == Approx(15));
  // 3 of 8 in 0.5 s: 6 per second, 5 left = 5/6 s.
  f = progress_figures(3, 8, 0.5);
  CHECK(f.fraction == Approx(0.375));
  CHECK(f.rate == Approx(6));
  CHECK(f.eta_seconds == Approx(5.0 / 6.0));
  // No time yet or nothing done: no rate, no ETA.
  CHECK(progress_figures(0, 100, 0).eta_seconds < 0);
  CHECK(progress_figures(0, 100, 3).eta_seconds < 0);
  CHECK(progress_figures(10, 100, 0).rate == 0);
  // Done: no ETA; a total of 0 is complete; done past the total is clamped.
  CHECK(progress_figures(100, 100, 4).eta_seconds < 0);
  CHECK(progress_figures(0, 0, 1).fraction == 1);
  CHECK(progress_figures(120, 100, 1).fraction == 1);
}

TEST_CASE("progress durations and counts") {
  CHECK(format_duration(0) == "0 s");
  CHECK(format_duration(42.4) == "42 s");
  CHECK(format_duration(59.6) == "1 min 00 s");
  CHECK(format_duration(65) == "1 min 05 s");
  CHECK(format_duration(3599) == "59 min 59 s");
  CHECK(format_duration(7620) == "2 h 07 min");
  CHECK(format_duration(-1) == "-");
  CHECK(format_count(950) == "950");
  CHECK(format_count(9999) == "9999");
  CHECK(format_count(12345) == "12.3k");
  CHECK(format_count(4.56e6) == "4.56M");
  CHECK(format_count(7.891e9) == "7.89G");
}

TEST_CASE("progress text: done/total, percentage, rate and ETA") {
  // 250 of 1000 steps in 5 s: 50 steps/s, 750 left = 15 s.
  CHECK(format_progress(250, 1000, 5, "steps") == "250/1000 steps (25.0%), 50 steps/s, ETA 15 s");
  // 1.5M of 6M cycles in 30 s: 50k cycles/s, 4.5M left = 90 s.
  CHECK(format_progress(1.5e6, 6e6, 30, "cycles") == "1.5M/6M cycles (25.0%), 50k cycles/s, ETA 1 min 30 s");
  CHECK(format_progress(0, 40, 0, "points") == "0/40 points (0.0%), 0 points/s, ETA -");
  CHECK(format_progress(40, 40, 8, "points") == "40/40 points (100.0%), 5 points/s, ETA -");
}

TEST_CASE("progress meter: plain lines, a bar, and silence under the quiet threshold") {
  ProgressStyle style;
  style.label = "test";
  style.unit = "steps";
  SECTION("plain lines") {
    std::FILE* f = std::tmpfile();
    REQUIRE(f);
    style.line_every = 0;  // a line at every update
    {
      ProgressMeter m(4, style, f);
      m.update(1);
      m.update(0);  // never goes back
      m.finish();
    }
    const std::string text = read_all(f);
    std::fclose(f);
    INFO(text);
    CHECK(text.find("test: 1/4 steps (25.0%)") == 0);
    CHECK(text.find("test: 1/4 steps (25.0%)", 1) != std::string::npos);
    CHECK(text.find("elapsed\n") != std::string::npos);
    CHECK(text.find('\r') == std::string::npos);
  }
  SECTION("a bar on a terminal, its line ended when left unfinished") {
    std::FILE* f = std::tmpfile();
    REQUIRE(f);
    style.terminal = true;
    {
      ProgressMeter m(10, style, f);
      m.update(5);  // the first draw is at once (no quiet threshold)
    }
    const std::string text = read_all(f);
    std::fclose(f);
    INFO(text);
    CHECK(text.rfind("\r[###############...............] 5/10 steps (50.0%)", 0) == 0);
    CHECK(text.back() == '\n');
  }
  SECTION("nothing before the quiet threshold") {
    std::FILE* f = std::tmpfile();
    REQUIRE(f);
    style.quiet_seconds = 3600;
    style.line_every = 0;
    for (bool terminal : {false, true}) {
      style.terminal = terminal;
      ProgressMeter m(10, style, f);
      m.update(5);
      m.finish();
      CHECK(!m.drawn());
    }
    CHECK(read_all(f).empty());
    std::fclose(f);
  }
}
