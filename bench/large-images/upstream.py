#!/usr/bin/env python3
"""A fixed Vertex Gemini upstream for the large-image run: every POST to :streamGenerateContent gets
one SSE chunk carrying a 4K-sized image (about 20 MB of base64 on one line) and the finish.
Each answer differs in its first bytes, so every image is stored on its own. Loopback only."""
import base64, http.server, itertools, os, sys, threading

PORT = int(sys.argv[1])
RAW_BYTES = int(sys.argv[2]) if len(sys.argv) > 2 else 15 * 1024 * 1024
payload = base64.b64encode(os.urandom(RAW_BYTES)).decode()
counter = itertools.count()
lock = threading.Lock()
USAGE = ('"usageMetadata":{"promptTokenCount":9,"candidatesTokenCount":2000,"totalTokenCount":2009,'
         '"candidatesTokensDetails":[{"modality":"IMAGE","tokenCount":2000}]}')

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        with lock:
            n = next(counter)
        unique = base64.b64encode(n.to_bytes(12, "big")).decode()   # 16 base64 characters
        body = ('data: {"candidates":[{"content":{"role":"model","parts":[{"inlineData":{"mimeType":"image/png","data":"'
                + unique + payload[16:] + '"}}]},"finishReason":"STOP","index":0}],' + USAGE
                + ',"modelVersion":"gemini-3-pro-image"}\r\n\r\n').encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
