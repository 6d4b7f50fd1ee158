#!/usr/bin/env python3
"""xend_rpc.py - call xend's XML-RPC methods with Python's own
xmlrpc.client over a unix-socket transport, as a real client would.

    xend_rpc.py SOCKET METHOD [JSON-ARGS]      one call
    xend_rpc.py SOCKET -                       calls from stdin, one
                                               [method, [args]] JSON per line

Each answer is one JSON line: {"ok": value}, {"fault": [code, text]} or
{"error": "..."} (a transport or protocol failure); exit status 0 when
every call was answered (a fault is an answer)."""
import http.client
import json
import socket
import sys
import xmlrpc.client


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.unix_path)
        self.sock = s


class UnixTransport(xmlrpc.client.Transport):
    def __init__(self, path):
        super().__init__()
        self.unix_path = path

    def make_connection(self, host):
        return UnixConnection(self.unix_path)


def call(path, method, args):
    proxy = xmlrpc.client.ServerProxy("http://localhost/RPC2", transport=UnixTransport(path), allow_none=True)
    try:
        return {"ok": getattr(proxy, method)(*args)}
    except xmlrpc.client.Fault as f:
        return {"fault": [f.faultCode, f.faultString]}
    except Exception as e:  # a transport or protocol failure: say what
        return {"error": "%s: %s" % (type(e).__name__, e)}


def main():
    path, method = sys.argv[1], sys.argv[2]
    if method != "-":
        args = json.loads(sys.argv[3]) if len(sys.argv) > 3 else []
        answer = call(path, method, args)
        print(json.dumps(answer))
        return 1 if "error" in answer else 0
    status = 0
    for line in sys.stdin:
        m, args = json.loads(line)
        answer = call(path, m, args)
        print(json.dumps(answer), flush=True)
        status |= 1 if "error" in answer else 0
    return status


if __name__ == "__main__":
    sys.exit(main())
