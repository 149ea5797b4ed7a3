#!/usr/bin/env python3
# mkarchive.py: archives for t/archive/run.sh, made at run time (nothing
# binary is committed).
#   zip OUT NAME=FILE...   a zip, members deflated (so no member's bytes
#                          show in the archive as they are)
#   bomb KIND OUT GB       KIND zip: one member "zeros.bin" of GB GiB of zeros,
#                          sizes declared; zip-lie: the same declaring 1000
#                          bytes; gz: a gzip file of GB GiB of 'a' (zeros read
#                          as an empty tar), no size up front
#   nest OUT LEVELS FILE   FILE zipped, that zip zipped, LEVELS times:
#                          l1.zip holds FILE's name, lN.zip holds l(N-1).zip
#   phar OUT NAME=FILE...  a native phar (PHP's own format, members stored),
#                          made without php; %XX in NAME is that byte (so a
#                          name can hold a NUL)
#   wide OUT LEVELS COPIES a 42.zip: a zip of COPIES copies of a zip of
#                          COPIES copies ... of 1 MiB of zeros
# Bombs are made in about a second: deflate blocks of 1 MiB of one byte,
# full-flushed (so every block's bytes are the same), repeated.  Their CRCs
# are 0: a reader meets a CRC only at a member's end, which a scanner with
# limits never reaches.
import io, os, struct, sys, urllib.parse, zipfile, zlib


def make_zip(out, members):
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            z.writestr(name, data)


def bomb(kind, out, gib):
    total = int(float(gib) * (1 << 30))
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress((b'a' if kind == 'gz' else b'\0') * (1 << 20)) + c.flush(zlib.Z_FULL_FLUSH)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)
    data = block * (total >> 20) + tail
    with open(out, 'wb') as f:
        if kind == 'gz':
            f.write(b'\x1f\x8b\x08\x00' + b'\0' * 4 + b'\x00\x03' + data
                    + struct.pack('<II', 0, total & 0xffffffff))
            return
        name = b'zeros.bin'
        size = 1000 if kind == 'zip-lie' else min(total, 0xffffffff)
        lh = struct.pack('<IHHHHHIIIHH', 0x04034b50, 20, 0, 8, 0, 0, 0, len(data), size,
                         len(name), 0) + name
        cd = struct.pack('<IHHHHHHIIIHHHHHII', 0x02014b50, 20, 20, 0, 8, 0, 0, 0, len(data),
                         size, len(name), 0, 0, 0, 0, 0, 0) + name
        eocd = struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, 1, 1, len(cd), len(lh) + len(data), 0)
        f.write(lh + data + cd + eocd)


def phar_bytes(members):
    """PHP's native phar: stub, manifest (count, API, flags, alias, metadata,
    entries), the members' bytes stored; no signature."""
    entries, blobs = b'', b''
    for name, data in members:
        entries += struct.pack('<I', len(name)) + name + struct.pack(
            '<IIIIII', len(data), 0, len(data), zlib.crc32(data), 0x1b6, 0)
        blobs += data
    man = struct.pack('<IHII', len(members), 0x1100, 0x10000, 0) + struct.pack('<I', 0) + entries
    return b'<?php __HALT_COMPILER(); ?>\r\n' + struct.pack('<I', len(man)) + man + blobs


def zip_bytes(members):
    b = io.BytesIO()
    make_zip(b, members)
    return b.getvalue()


def main(argv):
    cmd = argv[1]
    if cmd == 'zip':
        make_zip(argv[2], [(a.split('=', 1)[0], open(a.split('=', 1)[1], 'rb').read())
                           for a in argv[3:]])
    elif cmd == 'bomb':
        bomb(argv[2], argv[3], argv[4])
    elif cmd == 'phar':
        open(argv[2], 'wb').write(phar_bytes(
            [(urllib.parse.unquote_to_bytes(a.split('=', 1)[0]), open(a.split('=', 1)[1], 'rb').read())
             for a in argv[3:]]))
    elif cmd == 'nest':
        name, data = os.path.basename(argv[4]), open(argv[4], 'rb').read()
        for level in range(1, int(argv[3]) + 1):
            data, name = zip_bytes([(name, data)]), 'l%d.zip' % level
        open(argv[2], 'wb').write(data)
    elif cmd == 'wide':
        data, name = b'\0' * (1 << 20), 'zeros.bin'
        for level in range(int(argv[3])):
            data = zip_bytes([('%d-%s' % (i, name), data) for i in range(int(argv[4]))])
            name = 'l%d.zip' % (level + 1)
        open(argv[2], 'wb').write(data)
    else:
        sys.exit('mkarchive.py: unknown command ' + cmd)


main(sys.argv)
