#!/bin/sh
# Times `einsim map` (Analytical-fidelity evaluator) on the two mapping benchmarks of BENCHMARKS.md.
# Run from the source directory after building: sh tests/bench/bench_map.sh [build-dir]
B=${1:-build}
set -e
echo "BERT layer on fusemax_cloud, budget 100:"
/usr/bin/time -f "%e s wall" "$B/einsim" map -w workloads/library/bert_base.yaml -a arch/library/fusemax_cloud.yaml \
  --budget 100 --json /tmp/bench_map_bert.json | sed -n 4,5p
echo "4096^3 GEMM on a 128x128 array, budget 100:"
/usr/bin/time -f "%e s wall" "$B/einsim" map -w workloads/library/gemm.yaml -a arch/library/systolic.yaml \
  --set workload.ranks.M=4096 --set workload.ranks.N=4096 --set workload.ranks.K=4096 \
  --set arch.arrays.0.rows=128 --set arch.arrays.0.cols=128 --budget 100 --json /tmp/bench_map_gemm.json | sed -n 4,5p
rm -f /tmp/bench_map_bert.json /tmp/bench_map_gemm.json
