"""A minimal HTTPS token endpoint on loopback for the TLS tests: it answers every POST with a token.

usage: tls_server.py CERT KEY PORT_FILE
Writes https://127.0.0.1:PORT/token to PORT_FILE once listening; runs until killed.
"""
import http.server
import json
import os
import ssl
import sys
import itertools

counter = itertools.count(1)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        body = json.dumps({"access_token": f"tls-{next(counter)}", "token_type": "Bearer", "expires_in": 60}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    cert, key, port_file = sys.argv[1:4]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"https://127.0.0.1:{server.server_address[1]}/token")
    os.rename(tmp, port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
