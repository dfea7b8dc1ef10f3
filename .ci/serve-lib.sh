# Shared by the CI scripts that drive a running `fanzha serve` (.ci/notebooks.sh, .ci/console.sh); sourced, not run.

# fanzha_bin SCRIPT ARG…: the absolute path of the built `fanzha` given as the script's one argument, or a usage
# error.
fanzha_bin() {
  local script="$1"
  shift
  if [ $# -ne 1 ] || [ ! -x "$1" ]; then
    echo "usage: bash $script PATH/TO/fanzha (a built binary)" >&2
    exit 2
  fi
  echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
}

# start_fanzha_serve FANZHA DATA WORK PORT [CONFIG_LINES]: `fanzha serve` over DATA on 127.0.0.1:PORT (schedule
# off, plus CONFIG_LINES of TOML; its config and log in WORK), waited for until /healthz answers; sets serve_pid.
# The caller's EXIT trap stops it.
start_fanzha_serve() {
  local fanzha="$1" data="$2" work="$3" port="$4" extra="${5:-}"
  printf 'bind = "127.0.0.1:%s"\nschedule = "off"\n%s\n' "$port" "$extra" > "$work/serve.toml"
  "$fanzha" --quiet --data-dir "$data" serve --config "$work/serve.toml" 2> "$work/serve.log" &
  serve_pid=$!
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && return 0
    kill -0 "$serve_pid" 2>/dev/null || { cat "$work/serve.log" >&2; echo "fanzha serve did not start" >&2; exit 1; }
    sleep 0.2
  done
  echo "fanzha serve did not answer /healthz within 20 s" >&2
  exit 1
}
