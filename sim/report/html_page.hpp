#pragma once
// index.html of `einsim report`: one self-contained page (Vega inlined, data inlined,
// nothing fetched) with the charts of a sweep and of each chosen design, the tables
// (each linked to its CSV and JSON files beside the page), the inputs that produced
// it, and what "utilization" means.

#include <optional>
#include <string>
#include <vector>

#include "sim/report/sweep_db.hpp"
#include "sim/report/tables.hpp"
#include "sim/report/vega_specs.hpp"

namespace einsim::report {

struct PageInput {
  std::string title;
  std::vector<std::string> sources;      // the files the report was made from
  std::optional<SweepPoints> sweep;      // a sweep database's points
  std::vector<Design> designs;           // the designs drawn one by one
  std::vector<Table> tables;             // every table written beside the page
};

// Number of charts the page draws (the test checks each one).
struct Page {
  std::string html;
  int charts = 0;
};

Page html_page(const PageInput& in);

// The metrics a sweep's Pareto chart offers, with the values as the charts read them
// (latency_s, energy_pj, area_mm2, edp, error), one object per ok point with its axes,
// key, status and a `tip` object (its configuration) for tooltips.
Json sweep_values(const SweepPoints& sweep, std::vector<Metric>& metrics);

}  // namespace einsim::report
