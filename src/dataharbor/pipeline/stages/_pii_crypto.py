"""Cryptocurrency wallet addresses, accepted only when their built-in checksum holds.

- Bitcoin legacy / P2SH (`1…`, `3…`): Base58Check, the last 4 bytes are a double-SHA-256 of the rest.
- Bitcoin segwit (`bc1…`): Bech32 (BIP-173) or Bech32m (BIP-350) BCH checksum.
- Ethereum (`0x` + 40 hex): mixed case carries an EIP-55 checksum (Keccak-256 of the lower-case hex);
  an all-lower or all-upper address carries none, so it scores lower.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

from dataharbor.pipeline.stages._pii_prescan import Prescan, prescan
from dataharbor.pipeline.stages._pii_types import CRYPTO, Entity

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58)}
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_CONSTS = (1, 0x2BC830A3)  # bech32, bech32m

_BASE58_ADDR = re.compile(r"(?<![\w])[13][1-9A-HJ-NP-Za-km-z]{25,34}(?![\w])")
_BECH32_ADDR = re.compile(r"(?<![\w])(?:bc|tb)1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{8,87}(?![\w])", re.IGNORECASE)
_ETH_ADDR = re.compile(r"(?<![\w])0x[0-9a-fA-F]{40}(?![\w])")

# Keccak-f[1600] round constants and rotation offsets (FIPS 202, which Keccak-256 shares)
_RC = (
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000, 0x000000000000808B,
    0x0000000080000001, 0x8000000080008081, 0x8000000000008009, 0x000000000000008A, 0x0000000000000088,
    0x0000000080008009, 0x000000008000000A, 0x000000008000808B, 0x800000000000008B, 0x8000000000008089,
    0x8000000000008003, 0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
)  # fmt: skip
_ROT = ((0, 36, 3, 41, 18), (1, 44, 10, 45, 2), (62, 6, 43, 15, 61), (28, 55, 25, 21, 56), (27, 20, 39, 8, 14))
_MASK = (1 << 64) - 1


def base58check_ok(value: str) -> bool:
    try:
        n = 0
        for c in value:
            n = n * 58 + _B58_INDEX[c]
    except KeyError:
        return False
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    raw = b"\0" * (len(value) - len(value.lstrip("1"))) + body
    if len(raw) != 25:
        return False
    return hashlib.sha256(hashlib.sha256(raw[:-4]).digest()).digest()[:4] == raw[-4:]


def bech32_ok(value: str) -> bool:
    if value.lower() != value and value.upper() != value:
        return False  # BIP-173 forbids mixed case
    value = value.lower()
    hrp, _, data = value.rpartition("1")
    if not hrp or len(data) < 6:
        return False
    values = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp] + [_BECH32.index(c) for c in data]
    chk = 1
    gen = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (top >> i) & 1 else 0
    return chk in _BECH32_CONSTS


def keccak256(data: bytes) -> bytes:
    """Keccak-256 as Ethereum uses it (original Keccak padding 0x01, not SHA3's 0x06)."""
    rate = 136
    msg = bytearray(data) + b"\x01" + b"\0" * ((-len(data) - 1) % rate)
    msg[-1] |= 0x80
    st = [[0] * 5 for _ in range(5)]
    for off in range(0, len(msg), rate):
        for i in range(rate // 8):
            st[i % 5][i // 5] ^= int.from_bytes(msg[off + 8 * i : off + 8 * i + 8], "little")
        for rc in _RC:
            c = [st[x][0] ^ st[x][1] ^ st[x][2] ^ st[x][3] ^ st[x][4] for x in range(5)]
            d = [c[(x - 1) % 5] ^ ((c[(x + 1) % 5] << 1 | c[(x + 1) % 5] >> 63) & _MASK) for x in range(5)]
            b = [[0] * 5 for _ in range(5)]
            for x in range(5):
                for y in range(5):
                    v, r = st[x][y] ^ d[x], _ROT[x][y]
                    b[y][(2 * x + 3 * y) % 5] = ((v << r) | (v >> (64 - r))) & _MASK if r else v
            st = [[b[x][y] ^ (~b[(x + 1) % 5][y] & b[(x + 2) % 5][y]) for y in range(5)] for x in range(5)]
            st[0][0] ^= rc
    return b"".join(st[i % 5][i // 5].to_bytes(8, "little") for i in range(4))


def eip55_ok(address: str) -> bool:
    """Whether a mixed-case 0x address has the right EIP-55 capitalisation."""
    hexpart = address[2:]
    digest = keccak256(hexpart.lower().encode()).hex()
    for c, h in zip(hexpart, digest[: len(hexpart)], strict=True):
        if c.isalpha() and c.isupper() != (int(h, 16) >= 8):
            return False
    return True


def find_crypto(text: str, scan: Prescan | None = None) -> Iterator[Entity]:
    scan = prescan(text, scan)
    if "1" in text or "3" in text:
        for m in scan.matches_at(_BASE58_ADDR, scan.run_starts):  # it opens with the digit 1 or 3
            if base58check_ok(m.group()):
                yield Entity(m.start(), m.end(), CRYPTO, 1.0, "btc_base58check")
    if "1" in text and scan.has_word(("bc1", "tb1")):
        for m in _BECH32_ADDR.finditer(text):
            if bech32_ok(m.group()):
                yield Entity(m.start(), m.end(), CRYPTO, 1.0, "btc_bech32")
    if "0x" not in text:
        return
    for m in _ETH_ADDR.finditer(text):
        hexpart = m.group()[2:]
        if hexpart.lower() == hexpart or hexpart.upper() == hexpart:
            # no checksum to verify; 40 hex digits behind 0x is still a distinctive layout
            yield Entity(m.start(), m.end(), CRYPTO, 0.75, "eth_address")
        elif eip55_ok(m.group()):
            yield Entity(m.start(), m.end(), CRYPTO, 1.0, "eth_eip55")
