#!/bin/sh
# run-all.sh - xs_bench against our xenstored and, in the same run, Xen
# 4.17's cxenstored and oxenstored (socket-only, through the xenfake.so
# shim of ../shared/bench). Client and server pinned to one CPU (CPU 1).
#   bench/run-all.sh BUILD_DIR [SECONDS] [xs_bench options...]
set -eu
build=$1; seconds=${2:-1}; shift; [ $# -gt 0 ] && shift
top=$(cd "$(dirname "$0")/.." && pwd)
shim_src=${XENFAKE_SRC:-$top/../../shared/bench/xenfake.c}
[ -f "$shim_src" ] || shim_src=/work/shared/bench/xenfake.c
# tmpfs, as /var/run is in production (and for Xen's daemons alike)
work=$(mktemp -d -p /dev/shm)
trap 'kill $(cat "$work"/*.pid 2>/dev/null) 2>/dev/null; rm -rf "$work"' EXIT
gcc -O2 -shared -fPIC -o "$work/xenfake.so" "$shim_src" -ldl
cpu=1

wait_socket() { for _ in $(seq 200); do [ -S "$1" ] && return 0; sleep 0.05; done; return 1; }

bench() {  # name socket pid [xs_bench options]
    echo "### $1"
    name=$1 sock=$2 pid=$3; shift 3
    taskset -c $cpu "$build/bench/xs_bench" --socket "$sock" --pid "$pid" --seconds "$seconds" "$@"
}

# ours
R=$work/ours; mkdir -p "$R/etc/security" "$R/etc/xvm"
cp "$top/privileges/priv_names" "$R/etc/security/"
cp "$top/privileges/priv_groups" "$top/privileges/priv_caps" "$top/privileges/daemon_caps" "$R/etc/xvm/"
XVM_ROOT=$R taskset -c $cpu "$build/daemons/xenstored/xenstored" -N --new-store 2>"$work/ours.log" &
echo $! > "$work/ours.pid"
wait_socket "$R/var/run/xenstored/socket"
bench ours "$R/var/run/xenstored/socket" "$(cat "$work/ours.pid")" "$@"

# cxenstored
D=$work/c; mkdir -p "$D"
XENSTORED_RUNDIR=$D XENSTORED_PATH=$D/socket XENFAKE_RUNDIR=$D LD_PRELOAD=$work/xenfake.so \
    taskset -c $cpu /usr/lib/xen-4.17/bin/xenstored -N -F "$D/pid" 2>"$work/c.log" &
echo $! > "$work/c.pid"
wait_socket "$D/socket"
bench cxenstored "$D/socket" "$(cat "$work/c.pid")" "$@"

# oxenstored
D=$work/o; mkdir -p "$D"
sed -e "s|^pid-file.*|pid-file = $D/pid|" /etc/xen/oxenstored.conf > "$D/oxenstored.conf"
printf 'xenstored-log-file = %s/log\naccess-log-file = %s/access\n' "$D" "$D" >> "$D/oxenstored.conf"
XENFAKE_RUNDIR=$D LD_PRELOAD=$work/xenfake.so taskset -c $cpu \
    /usr/lib/xen-4.17/bin/oxenstored --no-fork --no-access-log --config-file "$D/oxenstored.conf" \
    2>"$work/o.log" &
echo $! > "$work/o.pid"
wait_socket "$D/socket"
bench oxenstored "$D/socket" "$(cat "$work/o.pid")" "$@"
