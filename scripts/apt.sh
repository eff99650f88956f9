# Shared by the scripts that bring Debian packages for the tests (sourced, not run).
# apt_update_once: refresh the package lists once per machine boot when they are missing,
# so that a fresh machine (whose image ships without lists) can install and download.
# apt_install PKG...: install packages as root, refreshing the lists once on failure.

apt_lists_present() {
    ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1
}

apt_update_once() {
    if ! apt_lists_present || [ "${1:-}" = "--force" ]; then
        echo "apt: refreshing the package lists (apt-get update)" >&2
        apt-get update -qq >&2
    fi
}

apt_install() {
    if [ "$(id -u)" != 0 ]; then
        echo "apt: installing $* needs root (sudo apt-get install $*)" >&2
        return 1
    fi
    apt_update_once || return 1
    local log
    log=$(mktemp)
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >"$log" 2>&1; then
        apt_update_once --force || { rm -f "$log"; return 1; }
        if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >"$log" 2>&1; then
            tail -20 "$log" >&2
            echo "apt: could not install $*" >&2
            rm -f "$log"
            return 1
        fi
    fi
    grep -E '^(Setting up|E:)' "$log" >&2 || true
    rm -f "$log"
}
