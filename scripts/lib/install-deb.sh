# Sourced by the install-*.sh scripts: installs one Debian package that a test needs, once.
#
#   install_deb PACKAGE ENV_VAR BINARY...
#
# Does nothing when $ENV_VAR names an executable, or when one of the BINARY names (a command on
# PATH, or an absolute path) is already there; otherwise installs PACKAGE with apt-get (as root,
# or through sudo), refreshing the package lists only when the first try fails. Fails with a
# reason when it cannot: the tests that need the program never skip it.

find_binary() {
  local candidate
  for candidate in "$@"; do
    if [ "${candidate#/}" != "$candidate" ]; then
      [ -x "$candidate" ] && { echo "$candidate"; return 0; }
    elif command -v "$candidate" >/dev/null 2>&1; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

install_deb() {
  local package=$1 variable=$2
  shift 2
  local override=${!variable:-}
  if [ -n "$override" ]; then
    if [ -x "$override" ]; then
      echo "$package: $variable=$override"
      return 0
    fi
    echo "$variable=$override is not an executable file" >&2
    return 1
  fi
  local found
  if found=$(find_binary "$@"); then
    echo "$package: $found"
    return 0
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "cannot install $package here (no apt-get): install it, or set $variable to its binary" >&2
    return 1
  fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo="sudo"
    else
      echo "installing $package needs root (or sudo): run 'apt-get install $package' as root, or set $variable" >&2
      return 1
    fi
  fi
  echo "installing Debian's $package package (once)..."
  export DEBIAN_FRONTEND=noninteractive
  local log=/tmp/cxwire-$package-install.log
  if ! $sudo apt-get install -y -q "$package" >"$log" 2>&1; then
    $sudo apt-get update -q >>"$log" 2>&1
    if ! $sudo apt-get install -y -q "$package" >>"$log" 2>&1; then
      tail -n 20 "$log" >&2
      echo "apt-get could not install $package (log: $log)" >&2
      return 1
    fi
  fi
  if found=$(find_binary "$@"); then
    echo "$package: $found"
    return 0
  fi
  echo "$package is still not there after installing it" >&2
  return 1
}
