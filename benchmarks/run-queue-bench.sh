#!/usr/bin/env bash
# The queue benchmark: flock /tmp/bench.lock benchmarks/run-queue-bench.sh [items] [rounds] [rttSamples] [rtt|throughput]
exec "$(dirname "$0")/run.sh" queue.QueueBenchmark "$@"
