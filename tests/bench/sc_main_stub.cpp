// For benchmark binaries that link SystemC: libsystemc's main() calls sc_main,
// which forwards to the benchmark's own entry point.
int bench_main(int argc, char** argv);
extern "C" int sc_main(int argc, char** argv) { return bench_main(argc, argv); }
