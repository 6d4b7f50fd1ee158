#!/usr/bin/env python3
"""fake_xend - a recorded xend for xm's golden tests (tests/e2e/xm_e2e_test.cpp).

Python's own XML-RPC server (xmlrpc.server) on a unix socket, answering the
legacy methods with the shapes of XEND.md 1.3 and 2 for a fixed set of
domains: Domain-0, web01 (running) and managed (a halted managed domain).
It is an independent XML-RPC peer for xm's client, not a model of xend:
just enough state that create, shutdown -w and friends can be followed.

Every call is appended to LOG as one JSON line {"method", "params"} before
it is answered, so a test can check what xm sent, with its types.

Usage: fake_xend.py SOCKET LOG [MODE]
  MODE normal  - the domains above (default)
       refuse  - every request gets HTTP 403 with a one-line reason
       deny    - every request gets xend's refusal: fault 2 "permission denied: ..."
       garbage - every request gets HTTP 200 with a body that is not XML
       close   - every connection is closed without an answer
Prints "ready" on stdout once it listens; exits when its stdin closes (the
test that started it has gone), so a killed test leaves no server behind.
"""
import json
import os
import socketserver
import sys
import threading
import time
import xmlrpc.client
import xmlrpc.server
from xmlrpc.client import Fault

SOCKET, LOG = sys.argv[1], sys.argv[2]
MODE = sys.argv[3] if len(sys.argv) > 3 else "normal"
NOW = time.time()

# XendClient.py's fault codes.
ERROR_GENERIC, ERROR_INVALID_DOMAIN = 2, 3


def domain(domid, name, memory, vcpus, state, cpu_time, start=None, maxmem=None):
    return {"domid": domid, "name": name, "memory": memory, "maxmem": maxmem or memory,
            "vcpus": vcpus, "online_vcpus": vcpus, "state": state, "cpu_time": cpu_time,
            "start_time": start, "uuid": "00000000-0000-0000-0000-%012d" % (domid or 99),
            "restart_count": 0, "cpumap": [0, 1, 2, 3]}


DOMAINS = {
    "Domain-0": domain(0, "Domain-0", 3152, 2, "r-----", 1843.2449),
    "web01": domain(3, "web01", 384, 2, "-b----", 42.318007121, NOW - 3661.0, 512),
    "managed": domain(None, "managed", 256, 1, None, 0.0),
}


def status(d):
    """XEND.md 2.1: 0 halted, 1 paused, 2 running."""
    if d["domid"] is None:
        return 0
    return 1 if "p" in d["state"] else 2


def sxpr(d, full=False):
    out = ["domain"]
    if d["domid"] is not None:
        out.append(["domid", d["domid"]])
    out += [["on_crash", "restart"], ["uuid", d["uuid"]], ["bootloader_args", ""],
            ["vcpus", d["vcpus"]], ["name", d["name"]], ["on_poweroff", "destroy"],
            ["on_reboot", "restart"], ["bootloader", ""], ["maxmem", d["maxmem"]],
            ["memory", d["memory"]], ["shadow_memory", 0], ["features", ""],
            ["on_xend_start", "ignore"], ["on_xend_stop", "ignore"]]
    if d["start_time"] is not None:
        out.append(["start_time", d["start_time"]])
    out += [["cpu_time", d["cpu_time"]], ["online_vcpus", d["online_vcpus"]],
            ["image", ["linux", ["kernel", "/usr/lib/xvm/xvm-guest"],
                       ["args", "root=/dev/xvda1 ro console=hvc0"]]],
            ["status", status(d)]]
    if d["state"] is not None:
        out.append(["state", d["state"]])
    if full:
        out.append(["device", ["vbd", ["uname", "file:/srv/%s.img" % d["name"]],
                               ["dev", "xvda"], ["mode", "w"]]])
    return out


def lookup(key):
    """domain_lookup_nr: names, then domids, then UUIDs; else fault 3 with the key."""
    text = str(key)
    if text in DOMAINS:
        return DOMAINS[text]
    for d in DOMAINS.values():
        if d["domid"] is not None and text == str(d["domid"]):
            return d
        if text == d["uuid"]:
            return d
    raise Fault(ERROR_INVALID_DOMAIN, text)


def by_name(state):
    doms = sorted(DOMAINS.values(), key=lambda d: d["name"])
    if state == "all":
        return doms
    if state == "running":
        return [d for d in doms if status(d) == 2]
    if state == "halted":
        return [d for d in doms if status(d) == 0]
    return []


def repr_result(s):
    """xmlrpclib2.py: a string result travels as repr() minus the quotes."""
    return repr(s)[1:-1]


def fvalue(config, key, default=None):
    for item in config[1:]:
        if isinstance(item, list) and item and item[0] == key:
            return item[1]
    return default


class Methods:
    def domain(self, dom, full=0):
        return sxpr(lookup(dom), bool(full))

    def domains(self, detail=True, full=False):
        doms = by_name("running")
        return [sxpr(d, full) for d in doms] if detail else [d["name"] for d in doms]

    def domains_with_state(self, detail, state, full):
        doms = by_name(state)
        return [sxpr(d, full) for d in doms] if detail else [d["name"] for d in doms]

    def create(self, config):
        name = fvalue(config, "name")
        if name in DOMAINS:
            raise Fault(ERROR_GENERIC, "VM name '%s' already exists as domain %s"
                        % (name, DOMAINS[name]["domid"]))
        domid = max(d["domid"] or 0 for d in DOMAINS.values()) + 1
        d = domain(domid, name, fvalue(config, "memory", 128), fvalue(config, "vcpus", 1),
                   "--p---", 0.0, time.time())
        DOMAINS[name] = d
        return sxpr(d)

    def new(self, config):
        name = fvalue(config, "name")
        DOMAINS[name] = domain(None, name, fvalue(config, "memory", 128), 1, None, 0.0)

    def start(self, dom, paused=False):
        d = lookup(dom)
        if d["domid"] is not None:
            raise Fault(ERROR_GENERIC, "Domain is already running")
        d["domid"] = max(x["domid"] or 0 for x in DOMAINS.values()) + 1
        d["state"] = "--p---" if paused else "-b----"

    def delete(self, dom):
        d = lookup(dom)
        if d["domid"] is not None:
            raise Fault(ERROR_GENERIC, "Domain is not halted.")
        del DOMAINS[d["name"]]

    def waitForDevices(self, dom):
        if lookup(dom)["name"] == "baddev":
            raise Fault(ERROR_GENERIC, "Device 51712 (vbd) could not be connected. "
                                       "/srv/missing.img does not exist.")

    def pause(self, dom, state=False):
        d = lookup(dom)
        if d["domid"] == 0:
            raise Fault(ERROR_GENERIC, "Cannot pause privileged domain %s" % dom)
        prior = status(d)
        d["state"] = "--p---"
        return prior if state else None

    def unpause(self, dom):
        lookup(dom)["state"] = "-b----"

    def destroy(self, dom):
        d = lookup(dom)
        if d["domid"] == 0:
            raise Fault(ERROR_GENERIC, "Cannot destroy privileged domain %s" % dom)
        del DOMAINS[d["name"]]

    def shutdown(self, dom, reason):
        d = lookup(dom)
        if reason not in ("poweroff", "reboot", "suspend", "crash", "halt"):
            raise Fault(ERROR_GENERIC, "Invalid reason: %s" % reason)
        if reason == "reboot":
            d["restart_count"] += 1
            d["domid"] += 10
        else:
            del DOMAINS[d["name"]]  # the guest obeys at once

    def getRestartCount(self, dom):
        return repr_result(str(lookup(dom)["restart_count"]))

    def setMemoryTarget(self, dom, mib):
        lookup(dom)["memory"] = mib

    def maxmem_set(self, dom, mib):
        lookup(dom)["maxmem"] = mib
        return 0

    def setVCpuCount(self, dom, n):
        if n <= 0:
            raise Fault(ERROR_GENERIC, "Invalid VCPUs")
        lookup(dom)["online_vcpus"] = n

    def pincpu(self, dom, vcpu, cpumap):
        lookup(dom)["cpumap"] = cpumap
        return 0

    def getVCPUInfo(self, dom):
        d = lookup(dom)
        out = ["domain", ["domid", d["domid"] if d["domid"] is not None else -1],
               ["name", d["name"]], ["vcpu_count", d["vcpus"]]]
        for i in range(d["vcpus"]):
            online = 1 if d["domid"] is not None and i < d["online_vcpus"] else 0
            out.append(["vcpu", ["number", i], ["online", online], ["blocked", 1 if i else 0],
                        ["running", 0 if i else 1], ["cpu_time", 10.25 * (i + 1)],
                        ["cpu", i if d["domid"] is not None else -1], ["cpumap", d["cpumap"]]])
        return out

    def dump(self, dom, filename, live, crash):
        lookup(dom)

    def node_info(self):
        return [["system", "Linux"], ["host", "dom0"], ["release", "6.1.0-xvm"],
                ["version", "#1 SMP"], ["machine", "x86_64"], ["nr_cpus", 4], ["nr_nodes", 1],
                ["cores_per_socket", 4], ["threads_per_core", 1], ["cpu_mhz", 2394],
                ["hw_caps", "0febfbff:20000800"], ["virt_caps", ""], ["total_memory", 8191],
                ["free_memory", 4000], ["xen_major", 3], ["xen_minor", 3], ["xen_extra", ".0"],
                ["xen_caps", "xen-3.0-x86_64 xen-3.0-x86_32p"], ["xen_scheduler", "credit"],
                ["xen_pagesize", 4096], ["platform_params", "virt_start=0xffff800000000000"],
                ["xen_changeset", "unavailable"], ["cc_compiler", "gcc"], ["cc_compile_by", "xvm"],
                ["cc_compile_domain", ""], ["cc_compile_date", ""], ["xend_config_format", 4]]


def dispatch_table():
    m = Methods()
    table = {"xend.domain": m.domain, "xend.domains": m.domains,
             "xend.domains_with_state": m.domains_with_state, "xend.node.info": m.node_info}
    for name in ("create", "new", "start", "delete", "waitForDevices", "pause", "unpause", "destroy",
                 "shutdown", "getRestartCount", "setMemoryTarget", "maxmem_set", "setVCpuCount",
                 "pincpu", "getVCPUInfo", "dump"):
        table["xend.domain." + name] = getattr(m, name)
    return table


class Handler(xmlrpc.server.SimpleXMLRPCRequestHandler):
    rpc_paths = ("/RPC2",)
    disable_nagle_algorithm = False  # TCP_NODELAY does not apply to a unix socket

    def do_POST(self):
        if MODE == "refuse":
            body = b"permission denied: uid 1000 holds neither xvm_control nor virt_manage\n"
            self.send_response(403)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif MODE == "garbage":
            body = b"hello, this is not XML"
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif MODE == "deny":
            body = xmlrpc.client.dumps(Fault(ERROR_GENERIC, "permission denied: xend's XML-RPC socket serves "
                                             "only users holding xvm_control or virt_manage; uid 1000 holds "
                                             "neither"), methodresponse=True).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif MODE == "close":
            self.close_connection = True
        else:
            super().do_POST()

    def log_message(self, *args):
        pass


class Server(socketserver.UnixStreamServer, xmlrpc.server.SimpleXMLRPCDispatcher):
    def __init__(self, path):
        xmlrpc.server.SimpleXMLRPCDispatcher.__init__(self, allow_none=True)
        socketserver.UnixStreamServer.__init__(self, path, Handler)
        self.logRequests = False
        self.table = dispatch_table()
        self.log = open(LOG, "a")

    def _dispatch(self, method, params):
        self.log.write(json.dumps({"method": method, "params": list(params)}) + "\n")
        self.log.flush()
        if method not in self.table:
            raise Exception('method "%s" is not supported' % method)
        return self.table[method](*params)


def exit_with_parent():
    sys.stdin.read()
    os._exit(0)


def main():
    server = Server(SOCKET)
    threading.Thread(target=exit_with_parent, daemon=True).start()
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
