#!/usr/bin/env python3
"""fuzz_seeds.py - write the seed programs of the device fuzz target (fuzz/fuzz_dev.c) into
fuzz/corpus/dev/: bring-ups with traffic on split and packed rings, indirect chains, EVENT_IDX,
mergeable receive buffers and register-level pokes, in the target's op encoding (one byte per op,
its operands little-endian, then one byte of cycles to run). Run from the repository root."""
import struct

def u8(v): return struct.pack('<B', v & 0xff)
def u16(v): return struct.pack('<H', v & 0xffff)
def u32(v): return struct.pack('<I', v & 0xffffffff)

def op(code, *parts, run=0): return u8(code) + b''.join(parts) + u8(run)
def status(v): return op(6, u8(v))
def setup(q, size_log2, vec): return op(10, u8(q), u8(size_log2), u8(0), u8(vec), run=20)
def engine(ctrl, param=0x11, coal=None):
    c = u8(1) + u8(coal[0]) + u16(coal[1]) if coal else u8(0)
    return op(11, u8(ctrl), u16(param), c, run=20)
def desc(off, length, fl, packed=False, nx=0):
    d = u8(4) + u32(off) + u8(0) + u16(length) + u16(fl)
    return d + (u16(nx) if packed else b'')
def chain(q, descs, packed=False, head=0):
    body = u8(q) + u8(len(descs) - 1) + (b'' if packed else u16(head)) + b''.join(descs)
    return op(8, body + (b'' if packed else u8(0)), run=10)
def kick(q, data=None): return op(7, u8(q), u8(1) + u16(data) if data is not None else u8(0), run=30)
def frame(n6, fill, k=0): return op(12, u8(0), u8(n6), u8(fill), u8(k), u8(0), run=30)
def big_frame(length, fill): return op(12, u8(0x80), u16(length), u8(fill), u8(0), u8(0), run=30)
def run(n): return op(14, u16(n))
def bring_up(): return status(1) + status(3) + status(0xb)

def traffic(packed, ctrl):
    p = bring_up() + setup(1, 3, 2) + setup(0, 3, 1) + status(0xf) + engine(ctrl)
    p += chain(1, [desc(0x100, 12, 0, packed, 7), desc(0x200, 60, 0, packed, 7)], packed)
    p += kick(1) + run(3000)
    p += chain(0, [desc(0x1000, 2048, 2, packed, 3)], packed) + kick(0) + frame(8, 0x11) + run(3000)
    return p

seeds = {
    'split_txrx': u8(2) + traffic(False, 0),
    'packed_txrx': u8(2) + traffic(True, 2),
    'split_event_idx_notif_data': u8(0) + bring_up() + setup(1, 4, 2) + status(0xf) + engine(0x28)
        + chain(1, [desc(0x300, 72, 0)]) + kick(1, 1) + run(2000) + chain(1, [desc(0x400, 72, 0)], head=1)
        + kick(1, 2) + run(2000),
    'indirect': u8(2) + bring_up() + setup(1, 3, 2) + status(0xf) + engine(0x04)
        + op(15, u32(0x8000), u8(1), u8(4) + u32(0x500) + u16(12) + u16(1) + u8(1)
             + u8(4) + u32(0x600) + u16(60) + u16(0) + u8(0), run=0)
        + chain(1, [desc(0x8000, 32, 4)]) + kick(1) + run(3000),
    'mrg_rxbuf_coalesce': u8(6) + bring_up() + setup(0, 4, 1) + status(0xf) + engine(0x10, 0x44, (4, 500))
        + chain(0, [desc(0x2000, 256, 2)]) + chain(0, [desc(0x2100, 256, 2)], head=1)
        + chain(0, [desc(0x2200, 256, 2)], head=2) + chain(0, [desc(0x2300, 256, 2)], head=3)
        + kick(0) + big_frame(700, 0x33) + run(4000),
    'registers': u8(0) + op(0, u16(0x0), u8(2)) + op(1, u16(0x4), u8(1), u32(0x406)) + op(2, u16(0x14), u8(0))
        + op(4, u16(0x16), u8(1), u32(1) + u32(0)) + op(4, u16(0x20), u8(2), u32(0x1234) + u32(0))
        + op(13, u16(0x40), u32(0xf)) + op(3, u16(0x6000), u8(2)) + op(17) + run(500) + op(18) + run(500),
}
for name, data in seeds.items():
    with open('fuzz/corpus/dev/' + name, 'wb') as f:
        f.write(data)
