# Shared by .ci/run and ./mtcp: selecting a JDK >= 21 and installing system packages.

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

# Debian packages the tests use: curl (a real client through the proxy), PGXS (to build and
# install the extension into Debian's PostgreSQL 15), chromium and chromedriver (browser tests).
# Only as root and only when something is missing.
mtcp_install_system_packages() {
  local missing=()
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  command -v pg_config >/dev/null 2>&1 && [ -d "$(pg_config --pgxs 2>/dev/null | xargs dirname 2>/dev/null)" ] \
    || missing+=(postgresql-server-dev-15)
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
  [ -n "${missing[*]}" ] || return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "warning: cannot install ${missing[*]} (not root or no apt-get); dependent tests are skipped" >&2
    return 0
  fi
  echo "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || true
  apt-get install -y -qq "${missing[@]}" >/dev/null || echo "warning: apt-get install ${missing[*]} failed" >&2
}
