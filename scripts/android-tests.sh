#!/usr/bin/env bash
# The Android app (android/app), compiled and UI-tested on this machine without Gradle or the
# Android SDK. What CI runs for android/app:
#
#   scripts/android-tests.sh
#
# 1. bindings/generate.sh: the host libperisai_ffi.so and the Kotlin bindings; perisai-server.
# 2. android/ci/androidci.py prepare: reads android/gradle/libs.versions.toml and the
#    dependencies of android/app/build.gradle.kts, resolves them as Gradle does (highest version
#    wins), unpacks the AARs, links app/src/main/res and the libraries' res with aapt2 against the
#    compileSdk's framework (Robolectric's android-all jar), generates the R classes, and writes
#    the build pom (target/android-ci/build/pom.xml).
# 3. mvn test on that pom: every Kotlin file under android/app/src/main (with the Compose
#    compiler plugin) and the uniffi bindings, then android/app/src/test, run on Robolectric under
#    JaCoCo against the real library (JNA) and a real perisai-server; the tests write the
#    screenshots to docs/screenshots/android/.
# 4. The JaCoCo line coverage of the hand-written android/app Kotlin, and the closing count.
#
# Maven downloads everything on the first run (about 1 GB: AndroidX, Robolectric's Android 15
# framework jar, aapt2, Kotlin); later runs use ~/.m2. Nothing is left running: the Kotlin
# compiler runs inside Maven (no daemon), the tests stop every server they start.
set -euo pipefail
cd "$(dirname "$0")/.."

need() {
  echo "scripts/android-tests.sh: $1 not found. Install it: $2" >&2
  exit 1
}
command -v java >/dev/null || need java "apt-get install -y openjdk-17-jdk"
command -v javac >/dev/null || need "javac (a JDK, not only a JRE)" "apt-get install -y openjdk-17-jdk"
command -v mvn >/dev/null || need mvn "apt-get install -y maven"
command -v python3 >/dev/null || need python3 "apt-get install -y python3"
python3 -c 'import tomllib' 2>/dev/null || need "Python 3.11+ (tomllib)" "apt-get install -y python3"
java_major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
if [ "${java_major%%.*}" -lt 17 ] 2>/dev/null; then
  need "Java 17 or newer (found $java_major)" "apt-get install -y openjdk-17-jdk"
fi

target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
export PERISAI_TARGET="${target_dir:-$PWD/target}"

echo "==> Generating the bindings (bindings/generate.sh) and building perisai-server"
bindings/generate.sh >/dev/null
cargo build -q -p perisai-server --bin perisai-server

echo "==> Resolving the catalog's AndroidX, linking the resources, generating R (android/ci/androidci.py)"
pom=$(python3 android/ci/androidci.py prepare | tail -n 1)

reports="$PERISAI_TARGET/android-ci/build/target/surefire-reports"
rm -rf "$reports"
log="$PERISAI_TARGET/android-ci/maven.log"
echo "==> Compiling android/app (main and test) and running its tests on Robolectric (log: $log)"
# Maven's own chatter goes to the log; compile errors, test results and failures are shown.
set +e +o pipefail
mvn -B -Dkotlin.compiler.daemon=false -Dstyle.color=never -f "$pom" test 2>&1 | tee "$log" \
  | grep -E '^\[ERROR\]|Tests run:|FAIL|BUILD'
status=${PIPESTATUS[0]}
set -e -o pipefail

if [ "$status" -eq 0 ]; then
  python3 android/ci/androidci.py coverage
fi

# The closing line CI reads: counts from Surefire's reports.
python3 - "$reports" <<'PY' || true
import glob, sys, xml.etree.ElementTree as ET
t = f = e = s = 0
for path in glob.glob(sys.argv[1] + "/TEST-*.xml"):
    r = ET.parse(path).getroot()
    t += int(r.get("tests", 0)); f += int(r.get("failures", 0))
    e += int(r.get("errors", 0)); s += int(r.get("skipped", 0))
print(f"Android: {t - f - e - s} passed, {f + e} failed, {s} skipped")
PY

if [ "$status" -ne 0 ]; then
  echo "scripts/android-tests.sh: the Android build or its tests failed (log: $log, reports: $reports)" >&2
fi
exit "$status"
