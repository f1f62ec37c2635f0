#!/usr/bin/env bash
# Runs the queue benchmark on JDK 25 with the project's JVM options. Build first:
#   mvn -o -q -B -pl benchmarks -am package -DskipTests
# then: flock /tmp/bench.lock benchmarks/run-queue-bench.sh [items] [rounds] [rttSamples]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
java="${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}"
cp_file="$root/benchmarks/target/classpath.txt"
(cd "$root" && mvn -o -q -B -pl benchmarks dependency:build-classpath -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=runtime >/dev/null)
modules=""
for m in ipc-api ipc-pipe ipc-shm ipc-socket worker-launcher benchmarks; do
  modules="$modules:$root/$m/target/classes"
done
# reactor modules come from their target/classes, not from ~/.m2
deps="$(tr ':' '\n' < "$cp_file" | grep -v '/dev/multiproc/' | paste -sd: -)"
opens="$(sed -n 's:.*<multiproc.jvm.opens>\(.*\)</multiproc.jvm.opens>.*:\1:p' "$root/pom.xml")"
# shellcheck disable=SC2086
exec "$java" $opens -Xmx1g -cp "${modules#:}:$deps" dev.multiproc.benchmarks.queue.QueueBenchmark "$@"
