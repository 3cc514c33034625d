# bench/deps.sh — sourced by the benchmark scripts. `need PKG…` makes sure
# the Debian packages the side-by-side peers come from are installed: the
# missing ones are installed with apt-get (as root; the package lists are
# refreshed first), or the script stops naming them when it cannot.
need() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "this benchmark needs the Debian packages: ${missing[*]} (install them as root)" >&2
    exit 1
  fi
  echo "installing ${missing[*]} …" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q "${missing[@]}" >/dev/null
}
