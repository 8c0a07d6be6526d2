#pragma once
// Vega for an offline page, from Debian's libjs-vega: Debian ships Vega as its
// separate modules (vega-util, vega-scale, ..., vega-view), not as one bundle, so
// the page defines a small module registry, inlines the modules in dependency
// order, and assembles the `vega` object (View, parse and the transforms) the way
// Vega's own bundle does.

#include <string>

namespace einsim::report {

// The directory holding the modules: $EINSIM_VEGA_DIR, else /usr/share/javascript/vega.
std::string vega_dir();
// <script> elements that define `vega` in the page. Throws Error naming the missing file
// (and the package to install) when a module cannot be read.
std::string vega_scripts();

}  // namespace einsim::report
