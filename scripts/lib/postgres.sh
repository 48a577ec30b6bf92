# Sourced by scripts/test.sh: makes a PostgreSQL server reachable for the tests and exports
# PERISAI_TEST_POSTGRES_URL. Uses the URL if it is already set; otherwise installs Debian's
# `postgresql` when missing, starts a local cluster and creates the test role and database.
ensure_postgres() {
  if [ -n "${PERISAI_TEST_POSTGRES_URL:-}" ]; then
    echo "PostgreSQL: using PERISAI_TEST_POSTGRES_URL"
    return 0
  fi
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "PostgreSQL: installing Debian's postgresql package"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    else
      echo "PostgreSQL is needed: install it (Debian/Ubuntu: sudo apt-get install postgresql)," >&2
      echo "or set PERISAI_TEST_POSTGRES_URL=postgres://user:pass@host:port/db" >&2
      return 1
    fi
  fi
  local version
  version=$(ls /usr/lib/postgresql | sort -n | tail -1)
  if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -q "^$version main$"; then
    pg_createcluster "$version" main >/dev/null
  fi
  if ! pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $4}' | grep -q online; then
    # Without the test run's marker: PostgreSQL is a service kept for later runs, not a process
    # the run leaves behind (scripts/lib/survivors.sh).
    env -u PERISAI_TEST_RUN pg_ctlcluster "$version" main start
  fi
  local port
  port=$(pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $3}')
  su postgres -c "psql -q -p $port -tc \"SELECT 1 FROM pg_roles WHERE rolname='perisai'\"" | grep -q 1 ||
    su postgres -c "psql -q -p $port -c \"CREATE ROLE perisai LOGIN SUPERUSER PASSWORD 'perisai'\""
  su postgres -c "psql -q -p $port -tc \"SELECT 1 FROM pg_database WHERE datname='perisai_test'\"" | grep -q 1 ||
    su postgres -c "psql -q -p $port -c \"CREATE DATABASE perisai_test OWNER perisai\""
  export PERISAI_TEST_POSTGRES_URL="postgres://perisai:perisai@127.0.0.1:$port/perisai_test"
  echo "PostgreSQL $version: $PERISAI_TEST_POSTGRES_URL"
}
