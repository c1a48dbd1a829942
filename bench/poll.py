# poll.py PORT MS_LIMIT PID...: milliseconds until a new connection is answered by a pid not in the
# list (a replacement), or "timeout". The app answers with "pid=<n>" in its body (hello-netty, the
# Spring Boot example). Used by bench/compare.sh and bench/warm.sh.
import re, socket, sys, time
port, limit, old = int(sys.argv[1]), int(sys.argv[2]) / 1000, set(sys.argv[3:])
start = time.monotonic()
while time.monotonic() - start < limit:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=limit) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := s.recv(4096):
                data += chunk
        m = re.search(rb"pid=(\d+)", data)
        if m and m.group(1).decode() not in old:
            print(round((time.monotonic() - start) * 1000)); sys.exit(0)
    except OSError:
        time.sleep(0.002)
print("timeout")
