"""Extract one face of a TrueType/OpenType collection (.ttc) into a standalone .otf/.ttf."""
import struct, sys

src, index, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3]
data = open(src, 'rb').read()
assert data[:4] == b'ttcf'
num_fonts = struct.unpack('>I', data[8:12])[0]
offset = struct.unpack('>I', data[12 + 4 * index:16 + 4 * index])[0]
sfnt_version, num_tables = struct.unpack('>IH', data[offset:offset + 6])
records = []
for i in range(num_tables):
    tag, checksum, toff, length = struct.unpack('>4sIII', data[offset + 12 + 16 * i:offset + 28 + 16 * i])
    records.append((tag, checksum, toff, length))
records.sort()
entry_selector = max(k for k in range(16) if 2 ** k <= num_tables)
search_range = 16 * 2 ** entry_selector
header = struct.pack('>IHHHH', sfnt_version, num_tables, search_range, entry_selector, num_tables * 16 - search_range)
pos = 12 + 16 * num_tables
body = b''
directory = b''
head_pos = None
for tag, checksum, toff, length in records:
    table = data[toff:toff + length]
    if tag == b'head':
        table = table[:8] + b'\0\0\0\0' + table[12:]
        head_pos = pos + len(body)
    directory += struct.pack('>4sIII', tag, checksum, pos + len(body), length)
    body += table + b'\0' * ((4 - length % 4) % 4)
out = bytearray(header + directory + body)

def sum32(b):
    b = bytes(b) + b'\0' * ((4 - len(b) % 4) % 4)
    return sum(struct.unpack('>%dI' % (len(b) // 4), b)) & 0xFFFFFFFF

adjust = (0xB1B0AFBA - sum32(out)) & 0xFFFFFFFF
out[head_pos + 8:head_pos + 12] = struct.pack('>I', adjust)
open(dst, 'wb').write(out)
print(num_fonts, num_tables, [r[0].decode() for r in records], len(out))
