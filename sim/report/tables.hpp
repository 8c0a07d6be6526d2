#pragma once
// The tables of a report page, built from `simulate --json` reports (one per
// design): energy by component and action, area by component, utilization per
// array, traffic per storage level, the timeline of groups on units, a summary
// and the inputs. Each table is written as CSV and as JSON with the same rows.
// Exact numbers: energy in pJ, area in um^2, bytes and cycles as integers.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace einsim::report {

using Json = nlohmann::ordered_json;

struct Table {
  std::string name;   // file stem: energy, area, utilization, traffic, timeline, summary, inputs, points
  std::string title;  // heading on the page
  std::vector<std::string> columns;
  std::vector<std::vector<Json>> rows;  // numbers, strings, booleans or null
};

// A simulation report and the name it has on the page.
struct Design {
  std::string name;
  Json report;  // as `einsim simulate --json` writes it
};

std::vector<Table> design_tables(const std::vector<Design>& designs);
// One row per group of a `simulate --json` report (a layer of a whole network), in the
// order they ran: `simulate --csv`.
Table groups_table(const Json& report);

// RFC 4180: fields with a comma, quote or newline are quoted; numbers exactly (17 significant
// digits for doubles, integers as integers); null is empty.
std::string to_csv(const Table& t);
// An array of objects, one per row, keyed by column.
Json to_json(const Table& t);
// The table's column `name`, or throws InternalError.
size_t column(const Table& t, const std::string& name);

}  // namespace einsim::report
