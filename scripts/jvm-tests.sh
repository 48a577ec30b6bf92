#!/usr/bin/env bash
# JVM tests of the Kotlin bindings and of the Android app's plain-Kotlin logic, against the real
# host library (bindings/jvm/pom.xml says what is compiled). What CI runs for Kotlin.
#
#   scripts/jvm-tests.sh
#
# 1. bindings/generate.sh: builds libperisai_ffi.so (unstripped) and generates the Kotlin.
# 2. builds perisai-server: the sync test starts a real one.
# 3. mvn test: compiles the generated Kotlin, android/app/src/main/java/id/perisai/field/logic and
#    bindings/jvm/src/test/kotlin, and runs the tests with jna.library.path=target/debug.
# Maven takes kotlin-maven-plugin, JUnit 5, JNA and kotlinx-serialization from Maven Central on
# the first run; later runs are offline when everything is already in ~/.m2.
set -euo pipefail
cd "$(dirname "$0")/.."

need() {
  echo "scripts/jvm-tests.sh: $1 not found. Install Java 17 and Maven: apt-get install -y openjdk-17-jdk maven" >&2
  exit 1
}
command -v java >/dev/null || need java
command -v javac >/dev/null || need "javac (a JDK, not only a JRE)"
command -v mvn >/dev/null || need mvn
java_major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
if [ "${java_major%%.*}" -lt 17 ] 2>/dev/null; then
  echo "scripts/jvm-tests.sh: Java $java_major found, 17 or newer needed: apt-get install -y openjdk-17-jdk" >&2
  exit 1
fi

echo "==> Generating the bindings (bindings/generate.sh)"
bindings/generate.sh

echo "==> Building perisai-server (the sync test runs a real one)"
cargo build -q -p perisai-server --bin perisai-server

# The sync test (bindings/jvm/src/sync-test) needs the facade's activate and sync.
kotlin_bindings=target/bindings/kotlin/id/perisai/ffi/perisai_ffi.kt
sync_flag=()
if grep -q 'fun `activate`(' "$kotlin_bindings" && grep -q 'fun `sync`(' "$kotlin_bindings"; then
  sync_flag=(-Dperisai.sync)
else
  echo "NOTE: the facade has no activate/sync yet: the sync test against a real server is not compiled"
fi

pom=bindings/jvm/pom.xml
reports=bindings/jvm/target/surefire-reports
stamp=target/jvm-tests/maven-online-ok
mkdir -p target/jvm-tests
rm -rf "$reports"

run_maven() { mvn -B -q "$@" "${sync_flag[@]}" -f "$pom" test 2>&1 | tee target/jvm-tests/maven.log; return "${PIPESTATUS[0]}"; }

status=0
if [ -f "$stamp" ] && [ -d "$HOME/.m2/repository/org/jetbrains/kotlin/kotlin-maven-plugin" ]; then
  echo "==> mvn test (offline: dependencies already in ~/.m2)"
  run_maven -o || status=$?
  # Something missing from ~/.m2 (cleared, or a version bump): once more, online.
  if [ "$status" -ne 0 ] && grep -q "offline mode\|has not been downloaded from it before" target/jvm-tests/maven.log; then
    echo "==> mvn test (online: ~/.m2 is missing something)"
    status=0
    run_maven || status=$?
  fi
else
  echo "==> mvn test (online: the first run downloads from Maven Central)"
  run_maven || status=$?
fi

# The closing line CI reads: counts from Surefire's reports.
python3 scripts/lib/surefire_count.py JVM "$reports" || true

if [ "$status" -eq 0 ]; then
  touch "$stamp"
else
  echo "scripts/jvm-tests.sh: the JVM tests failed (reports in $reports)" >&2
fi
exit "$status"
