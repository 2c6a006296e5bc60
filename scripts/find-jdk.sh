# Sourced by ./grow4j and ./run-tests: exports JAVA_HOME pointing at a JDK 25 or newer, or exits with a clear message.
# JAVA_HOME wins when it is new enough; otherwise the newest JDK 25+ under /usr/lib/jvm (or GROW4J_JVM_DIRS) is used.
grow4j_java_major() {
  "$1/bin/java" -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit}'
}
grow4j_find_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ] && [ "$(grow4j_java_major "$JAVA_HOME")" -ge 25 ] 2>/dev/null; then
    return 0
  fi
  local best="" best_major=0 d major
  for d in ${GROW4J_JVM_DIRS:-/usr/lib/jvm/* /opt/java/* /opt/jdk*}; do
    [ -x "$d/bin/javac" ] || continue
    major=$(grow4j_java_major "$d") || continue
    if [ -n "$major" ] && [ "$major" -ge 25 ] && [ "$major" -gt "$best_major" ]; then best=$d; best_major=$major; fi
  done
  if [ -z "$best" ]; then
    echo "grow4j needs a JDK 25 or newer (Vector API, FFM): none found in JAVA_HOME or /usr/lib/jvm." >&2
    echo "Install one (e.g. Temurin 25) or set JAVA_HOME to it." >&2
    exit 2
  fi
  export JAVA_HOME=$best
}
grow4j_find_jdk
export PATH="$JAVA_HOME/bin:$PATH"
