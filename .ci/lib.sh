# Shared by ./mvnw, .ci/run and ./mtcp: selecting a JDK >= 21 and setting up what the tests need.

# Exports JAVA_HOME pointing at a JDK >= 21: the current one if it is recent enough, else the
# newest under /usr/lib/jvm.
mtcp_select_jdk() {
  local major
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
    major=$("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 \
      | sed -n 's/^ *java.specification.version = //p')
    if [ "${major%%.*}" -ge 21 ] 2>/dev/null; then export JAVA_HOME; return 0; fi
  fi
  local best="" best_major=0 dir
  for dir in /usr/lib/jvm/*/; do
    dir=${dir%/}
    [ -x "$dir/bin/javac" ] || continue
    major=$("$dir/bin/java" -XshowSettings:properties -version 2>&1 \
      | sed -n 's/^ *java.specification.version = //p')
    major=${major%%.*}
    if [ "${major:-0}" -ge 21 ] 2>/dev/null && [ "$major" -gt "$best_major" ]; then
      best=$dir best_major=$major
    fi
  done
  if [ -z "$best" ]; then
    echo "error: no JDK >= 21 found (set JAVA_HOME, or install one under /usr/lib/jvm)" >&2
    return 1
  fi
  export JAVA_HOME=$best
  export PATH="$JAVA_HOME/bin:$PATH"
}

# --- What the tests need from the system -------------------------------------------------------
# ./mvnw calls mtcp_prepare_tests before Maven whenever the goals run tests; .ci/run and ./mtcp
# share this file. Debian package names, because that is where they come from.

# Debian's PostgreSQL 15: the second major version the database modules are tested on (profile
# postgresql-15 of the parent POM, active when its server binary exists and -DskipPg15 is absent).
MTCP_PG15_BIN=/usr/lib/postgresql/15/bin

# Succeeds when Maven, given these arguments, runs tests: a phase from test on (test,
# integration-test, verify, install, deploy; package too, which runs them) without -DskipTests or
# -Dmaven.test.skip.
mtcp_runs_tests() {
  local arg phase=false
  for arg in "$@"; do
    case "$arg" in
      -DskipTests|-DskipTests=true|-Dmaven.test.skip|-Dmaven.test.skip=true) return 1 ;;
      test|package|*integration-test|verify|install|deploy) phase=true ;;
    esac
  done
  $phase
}

# Succeeds when these Maven arguments turn the PostgreSQL 15 run off (-DskipPg15).
mtcp_skips_pg15() {
  local arg
  for arg in "$@"; do
    case "$arg" in -DskipPg15|-DskipPg15=true) return 0 ;; esac
  done
  return 1
}

# Prints the Debian packages the tests need that are missing, space-separated (nothing when all
# are there). Arguments: Maven's, for -DskipPg15.
mtcp_missing_test_packages() {
  local missing=()
  command -v curl >/dev/null 2>&1 || missing+=(curl)                   # a real client through the proxy
  [ -x /usr/bin/chromium ] || missing+=(chromium)                      # webapp's browser tests
  [ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
  if ! mtcp_skips_pg15 "$@"; then
    [ -x "$MTCP_PG15_BIN/postgres" ] || missing+=(postgresql-15)       # the second-version run
    local pgxs
    pgxs=$("$MTCP_PG15_BIN/pg_config" --pgxs 2>/dev/null) || pgxs=""
    [ -n "$pgxs" ] && [ -f "$pgxs" ] || missing+=(postgresql-server-dev-15)  # PGXS: make install
    command -v make >/dev/null 2>&1 || missing+=(make)
  fi
  echo "${missing[*]}"
}

# Makes sure the tests' system tools are there before Maven starts: installs the missing Debian
# packages with apt-get as root (one line saying what), else fails at once with one line naming
# them (return 2). Arguments: Maven's.
mtcp_prepare_tests() {
  local missing
  missing=$(mtcp_missing_test_packages "$@")
  if [ -n "$missing" ]; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
      echo "mvnw: the tests need $missing; install them (apt-get install $missing) or run as root" >&2
      return 2
    fi
    echo "mvnw: installing $missing (apt-get, for the tests)" >&2
    export DEBIAN_FRONTEND=noninteractive
    local log
    log=$(mktemp)
    # shellcheck disable=SC2086 # $missing is a list of package names
    if ! { apt-get update -qq && apt-get install -y -qq $missing; } >"$log" 2>&1; then
      echo "mvnw: apt-get install $missing failed (log: $log)" >&2
      return 2
    fi
    rm -f "$log"
  fi
  # pg-backend-ext installs the extension into PostgreSQL 15 with PGXS before its tests, the way
  # a DBA does: that needs write access to the server's extension directory.
  if ! mtcp_skips_pg15 "$@" && [ "$(id -u)" != 0 ]; then
    local extdir
    extdir="$("$MTCP_PG15_BIN/pg_config" --sharedir)/extension"
    if [ ! -w "$extdir" ]; then
      echo "mvnw: the PostgreSQL 15 tests install the extension into $extdir, which is not writable; run as root, or pass -DskipPg15" >&2
      return 2
    fi
  fi
}
