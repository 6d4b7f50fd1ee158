# lib.sh - phases for the dom0 scenarios of tests/xen-vm (sourced).
#   phase NAME LIMIT FUNCTION [ARGS...]
# runs FUNCTION in its own process group between "@@xvm begin NAME LIMIT"
# and "@@xvm end NAME ok|fail REASON" markers (the host times and bounds
# them too); past LIMIT seconds the whole group is killed and the phase
# fails. After a failed phase the scenario stops: later phases would only
# fail for the same reason. On failure the logs that explain it are printed.
XVM_FAILED=0
export PATH=/usr/sbin:/usr/bin:/usr/lib/xen-4.17/bin

say() { echo "xvm-vm: $*"; }
die() { echo "xvm-vm: FAIL: $*"; exit 1; }

# wait_for LIMIT DESCRIPTION COMMAND... : polls COMMAND every 0.2 s.
wait_for() {
    limit=$1 what=$2
    shift 2
    end=$(( $(date +%s) + limit ))
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -lt "$end" ] || die "$what: not after $limit s"
        sleep 0.2
    done
}

phase() {
    name=$1 limit=$2
    shift 2
    [ "$XVM_FAILED" = 0 ] || return 1
    echo "@@xvm begin $name $limit"
    # setsid: a process-group leader, so the watchdog can kill everything
    # the phase started (a hung xl, a console client).
    setsid "$XVM_SCENARIO" run-step "$@" &
    pid=$!
    (
        trap 'kill "$nap" 2>/dev/null; exit 0' TERM
        sleep "$limit" & nap=$!
        wait "$nap"
        echo "xvm-vm: phase $name: killed after $limit s"
        kill -KILL -"$pid"
    ) &
    watchdog=$!
    wait "$pid"
    rc=$?
    kill "$watchdog" 2>/dev/null
    wait "$watchdog" 2>/dev/null
    if [ "$rc" = 0 ]; then
        echo "@@xvm end $name ok"
        return 0
    fi
    XVM_FAILED=1
    show_logs
    echo "@@xvm end $name fail exit-$rc"
    return 1
}

show_logs() {
    echo "---- xvm-vm: logs after the failure ----"
    for f in /var/svc/log/*.log /var/log/xen/*.log /tmp/*.out; do
        [ -f "$f" ] || continue
        echo "== $f (last 40 lines)"
        tail -n 40 "$f"
    done
    echo "== svcs -xv"; timeout 20 svcs -xv 2>&1 | tail -n 30
    echo "== ps"; ps -o pid,user,args 2>/dev/null | tail -n 40
    echo "== dmesg (last 30)"; dmesg | tail -n 30
    echo "---- end of logs ----"
}
