# Sourced by scripts/test.sh: finds processes the test run started that are still running.
#
# `mark_test_run` exports PERISAI_TEST_RUN=<a fresh id>. Every process the run starts inherits
# it (servers, devices, browsers, JVMs, fuzzers), also one that was orphaned or put into a
# process group or session of its own, so a survivor is found by reading /proc/PID/environ, not
# by PIDs or process groups the run would have to track. The environment of a process is what
# it started with: a process cannot lose the marker by changing its own environment later.
#
# Services the run starts on purpose for later runs are started without the marker
# (scripts/lib/postgres.sh starts PostgreSQL with `env -u PERISAI_TEST_RUN`) and are not counted.
mark_test_run() {
  PERISAI_TEST_RUN="$(date +%s)-$$-$RANDOM"
  export PERISAI_TEST_RUN
}

# Prints "PID COMMAND LINE" for every process carrying this run's marker, except this shell and
# its ancestors (the test command itself, and whoever called it). A step with a marker of its own
# passes it: `test_run_survivors NAME=VALUE` (scripts/swift-tests.sh).
test_run_survivors() {
  python3 - "${1:-PERISAI_TEST_RUN=$PERISAI_TEST_RUN}" "$$" <<'PY'
import os, sys
marker = sys.argv[1].encode()
keep = set()
pid = int(sys.argv[2])
while pid > 1:  # this shell and its ancestors
    keep.add(pid)
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            pid = int(f.read().rsplit(b")", 1)[1].split()[1])
    except OSError:
        break
me = os.getpid()
for entry in os.listdir("/proc"):
    if not entry.isdigit():
        continue
    pid = int(entry)
    if pid in keep or pid == me:
        continue
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            env = f.read().split(b"\0")
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        with open(f"/proc/{pid}/stat", "rb") as f:
            state = f.read().rsplit(b")", 1)[1].split()[0]
    except OSError:
        continue  # gone meanwhile, or not ours to read
    if marker in env and state != b"Z":
        print(pid, cmd or "[" + entry + "]")
PY
}
