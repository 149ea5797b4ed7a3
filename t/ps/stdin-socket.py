"""Runs a command with a TCP connection on 127.0.0.1 as one of its files.

    stdin-socket.py [--fd N] PIDFILE COMMAND [ARG...]

Listens on 127.0.0.1 (a free port), connects to itself and hands the accepted
end to COMMAND as its stdin and stdout (a reverse shell's files), or with
--fd N as file N only (stdin is then /dev/null).  Writes COMMAND's pid to
PIDFILE, keeps the other end open and waits; SIGTERM stops COMMAND too.
Nothing leaves the loopback interface.  Used by t/ps/run.sh.
"""
import os
import signal
import socket
import subprocess
import sys


def main():
    args = sys.argv[1:]
    fd = None
    if args[:1] == ["--fd"]:
        fd = int(args[1])
        args = args[2:]
    pidfile, command = args[0], args[1:]
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    ours = socket.create_connection(server.getsockname())
    theirs, _ = server.accept()
    server.close()
    if fd is None:
        child = subprocess.Popen(command, stdin=theirs, stdout=theirs)
    else:
        if ours.fileno() == fd:
            moved = ours.dup()
            ours.close()
            ours = moved
        if theirs.fileno() == fd:
            os.set_inheritable(fd, True)
        else:
            os.dup2(theirs.fileno(), fd)   # inheritable by default
        child = subprocess.Popen(command, stdin=subprocess.DEVNULL, pass_fds=(fd,))
        if theirs.fileno() != fd:
            os.close(fd)
    theirs.close()
    signal.signal(signal.SIGTERM, lambda *_: child.terminate())
    with open(pidfile, "w") as f:
        f.write("%d\n" % child.pid)
    child.wait()
    ours.close()


main()
