#!/usr/bin/env bash
# Runs one benchmark main class on JDK 25 with the project's JVM options.
#   flock /tmp/bench.lock benchmarks/run.sh pipe.PipeBenchmark [args...]
# The class name is relative to dev.multiproc.benchmarks. Benchmarks print Markdown tables.
# JAVA25 may point at a JDK 25 java; otherwise the first JDK 25 under /usr/lib/jvm is used.
# BENCH_OPTS adds JVM options (e.g. BENCH_OPTS=-Dbench.placement=split); BENCH_WRAP prefixes the
# command (e.g. BENCH_WRAP="perf stat -e context-switches").
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: $0 <area.BenchmarkClass> [args...]   e.g. $0 queue.QueueBenchmark" >&2
  exit 2
fi
main="dev.multiproc.benchmarks.$1"; shift
root="$(cd "$(dirname "$0")/.." && pwd)"
java="${JAVA25:-}"
if [ -z "$java" ]; then
  for home in /usr/lib/jvm/*25*; do
    if [ -x "$home/bin/java" ]; then java="$home/bin/java"; break; fi
  done
fi
if [ -z "$java" ]; then
  echo "no JDK 25 found under /usr/lib/jvm; set JAVA25=/path/to/jdk-25/bin/java" >&2
  exit 2
fi
cp_file="$root/benchmarks/target/classpath.txt"
# builds the benchmarks and what they depend on, and writes their class path (the reactor's
# modules resolve to their target/ folders, so nothing needs to be installed in ~/.m2)
(cd "$root" && mvn -q -B -pl benchmarks -am package -DskipTests dependency:build-classpath \
  -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=runtime >/dev/null)
# reactor modules come from the jars just packaged, not from ~/.m2: jars as a user's program has
# them, and the JDK's AOT cache (which children use, and ProcessStartBenchmark trains) takes
# only jars
modules=""
for m in ipc-api ipc-pipe ipc-shm ipc-socket worker-launcher benchmarks; do
  jar="$(ls "$root/$m/target/$m"-*.jar 2>/dev/null | grep -v -e '-sources' -e '-javadoc' | head -1 || true)"
  if [ -n "$jar" ]; then # a module without classes packages no jar
    modules="$modules:$jar"
  fi
done
deps="$(tr ':' '\n' < "$cp_file" | grep -v '/dev/multiproc/' | paste -sd: -)"
opens="$(sed -n 's:.*<multiproc.jvm.opens>\(.*\)</multiproc.jvm.opens>.*:\1:p' "$root/pom.xml")"
# shellcheck disable=SC2086
exec ${BENCH_WRAP:-} "$java" $opens ${BENCH_OPTS:-} -Xmx1g -cp "${modules#:}:$deps" "$main" "$@"
