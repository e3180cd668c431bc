/**
 * A stand-in for `buildctl dial-stdio` inside a container: no buildkitd image is available offline, so
 * a small Python relay connects its stdio to the engine's BuildKit (`POST /grpc` upgraded to h2c on the
 * mounted docker.sock). The driver's side (dockerode exec, stdio demux, bridge) is exactly what talks
 * to a real buildkitd container, such as a buildx docker-container builder's.
 */
export const FAKE_BUILDCTL = `#!/usr/bin/env python3
import os, socket, sys, threading
if sys.argv[1:] != ['dial-stdio']:
    sys.exit('fake buildctl only supports dial-stdio')
s = socket.socket(socket.AF_UNIX)
s.connect('/var/run/docker.sock')
s.sendall(b'POST /grpc HTTP/1.1\\r\\nHost: docker\\r\\nConnection: Upgrade\\r\\nUpgrade: h2c\\r\\n\\r\\n')
buf = b''
while b'\\r\\n\\r\\n' not in buf:
    chunk = s.recv(4096)
    if not chunk:
        sys.exit('engine closed the connection')
    buf += chunk
head, rest = buf.split(b'\\r\\n\\r\\n', 1)
if b' 101 ' not in head.split(b'\\r\\n')[0]:
    sys.exit(head.decode())
if rest:
    os.write(1, rest)
def upstream():
    while True:
        d = os.read(0, 65536)
        if not d:
            s.shutdown(socket.SHUT_WR)
            return
        s.sendall(d)
threading.Thread(target=upstream, daemon=True).start()
while True:
    d = s.recv(65536)
    if not d:
        break
    os.write(1, d)
`;

/** `docker run` arguments for a container named NAME holding the stand-in at /usr/local/bin/buildctl. */
export function fakeBuildkitdRunArgs(name: string, buildctlPath: string, image: string): string[] {
  return [
    "run",
    "-d",
    "--rm",
    "--name",
    name,
    "--network",
    "none",
    "-v",
    "/var/run/docker.sock:/var/run/docker.sock",
    "-v",
    `${buildctlPath}:/usr/local/bin/buildctl:ro`,
    image,
    "sleep",
    "600",
  ];
}
