# Shared by the scripts in scripts/: source it, do not run it.

# need COMMAND PACKAGE: COMMAND is there, or is installed with apt-get when run as root, or the
# script stops (exit 3) naming the install step.
need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing $2 (apt-get install -y $2)" >&2
        apt-get install -y "$2" >/dev/null
    else
        echo "error: $1 not found; install it: sudo apt-get install -y $2" >&2
        exit 3
    fi
}
