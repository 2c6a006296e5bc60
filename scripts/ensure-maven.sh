# Sourced: makes sure Maven is on PATH, installing Debian's package when it is missing (needs root and apt).
if ! command -v mvn >/dev/null 2>&1; then
  echo "Maven not found: installing it with apt-get" >&2
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven >/dev/null
  else
    echo "grow4j needs Apache Maven 3.8+ on PATH (apt-get install maven)" >&2
    exit 2
  fi
fi
