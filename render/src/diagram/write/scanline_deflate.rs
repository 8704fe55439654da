//! The zlib stream of a PNG page's filtered scanlines, compressed for what diagram pages
//! are: long runs of one colour and stretches that repeat the row above, with text in
//! between.
//!
//! zlib's fastest level spent most of its time on those runs (hashing, sliding the
//! window every 32 KB). Here each position first tries the two matches a diagram
//! nearly always has — the same bytes one row up, or a run of the byte before — with a
//! four-byte test, scanning on only after a hit; then a one-entry hash of earlier bytes
//! (repeated glyphs). One block with the fixed Huffman codes, as zlib level 1 uses.

/// Deflate's window: how far back a match may reach.
const WINDOW: usize = 32 * 1024;
/// Longest match one length code can carry.
const MAX_MATCH: usize = 258;
/// Shortest match worth a length and distance code over literals.
const MIN_MATCH: usize = 4;
/// 16 KB of hash heads stay in the L1 cache; more buckets found few more matches.
const HASH_BITS: u32 = 12;

/// Streams rows of a fixed length (filter byte included) into a zlib stream. Rows are
/// written into [`ScanlineDeflate::row`] and then committed with [`ScanlineDeflate::push_row`].
pub struct ScanlineDeflate {
    row_len: usize,
    /// Bytes per pixel: matches start on pixel boundaries.
    bpp: usize,
    /// The stream's recent bytes, `buf[..end]` being positions `base..base + end`; the
    /// next row is written at `end`. Slid to the front when full, keeping the window.
    buf: Vec<u8>,
    base: usize,
    end: usize,
    /// Stream position + 1 of the last 4-byte sequence with each hash (0: none).
    head: Vec<u32>,
    adler: simd_adler32::Adler32,
    bits: Bits,
    /// The codes of the two distances nearly every match uses: one row up, one byte back.
    up_code: (u32, u32),
    repeat_code: (u32, u32),
}

impl ScanlineDeflate {
    /// Rows of `row_len` bytes (filter byte included) of pixels of `bpp` bytes.
    pub fn new(row_len: usize, bpp: usize) -> ScanlineDeflate {
        let row_len = row_len.max(1);
        let mut bits = Bits { out: Vec::new(), acc: 0, count: 0 };
        // zlib header: deflate, 32 KB window, "fastest" level, no dictionary.
        bits.out.extend_from_slice(&[0x78, 0x01]);
        // BFINAL = 1, BTYPE = 01 (fixed Huffman codes): the whole stream is one block.
        bits.put(0b011, 3);
        ScanlineDeflate {
            row_len,
            bpp: bpp.max(1),
            buf: reused_buffer(8 * (WINDOW + row_len)),
            base: 0,
            end: 0,
            head: vec![0; 1 << HASH_BITS],
            adler: simd_adler32::Adler32::new(),
            bits,
            up_code: distance_code(row_len.min(WINDOW)),
            repeat_code: distance_code(1),
        }
    }

    /// The buffer the next row is written into.
    pub fn row(&mut self) -> &mut [u8] {
        let n = self.row_len;
        if self.end + n > self.buf.len() {
            // Keep the window and the row above; a copy of 32 KB per ~250 KB of stream.
            let keep = WINDOW.max(n).min(self.end);
            self.buf.copy_within(self.end - keep..self.end, 0);
            self.base += self.end - keep;
            self.end = keep;
        }
        &mut self.buf[self.end..self.end + n]
    }

    /// Compresses the row last written into [`ScanlineDeflate::row`].
    pub fn push_row(&mut self) {
        let n = self.row_len;
        let end = self.end;
        self.adler.write(&self.buf[end..end + n]);
        // The bit writer and the hash heads as locals: held in `self`, every code written
        // to the output (bytes, which may alias anything) reloaded them from memory.
        let mut bits = std::mem::replace(&mut self.bits, Bits { out: Vec::new(), acc: 0, count: 0 });
        // Room for the row's worst case (9-bit literals), so writes never grow the buffer.
        bits.out.reserve(2 * n + 16);
        let head: &mut [u32; 1 << HASH_BITS] =
            (&mut self.head[..]).try_into().expect("the hash table has 1 << HASH_BITS heads");
        let row = Row {
            buf: &self.buf[..end + n],
            end,
            base: self.base,
            bpp: self.bpp,
            up_code: self.up_code,
            repeat_code: self.repeat_code,
        };
        row.encode(&mut bits, head);
        self.bits = bits;
        self.end += n;
    }

    /// Commits a row equal to the last one pushed (a filtered row is a function of its
    /// pixels alone, so equal pixel rows filter alike): copied and coded as matches
    /// with the row above, without filtering or comparing it — a fifth of a diagram's
    /// rows repeat the one above. False (nothing done) when there is no row above, it
    /// is out of the window's reach or shorter than a match: then write and push the
    /// row as usual.
    pub fn repeat_row(&mut self) -> bool {
        let n = self.row_len;
        if self.base + self.end == 0 || !(MIN_MATCH..=WINDOW).contains(&n) {
            return false;
        }
        // `row` may slide the window; the row above stays the last n bytes kept.
        self.row();
        let (above, end) = (self.end - n, self.end);
        self.buf.copy_within(above..end, end);
        self.adler.write(&self.buf[end..end + n]);
        self.bits.matches(n, self.up_code);
        self.end += n;
        true
    }

    /// Ends the block and appends the checksum: the complete zlib stream.
    pub fn finish(mut self) -> Vec<u8> {
        self.bits.put(0, 7); // end of block
        self.bits.flush();
        SPARE_BUFFER.with(|b| *b.borrow_mut() = std::mem::take(&mut self.buf));
        let mut out = self.bits.out;
        out.extend_from_slice(&self.adler.finish().to_be_bytes());
        out
    }
}

/// One row's compression, with everything it reads in locals.
struct Row<'a> {
    /// The stream's bytes up to the row's end; the row is `buf[end..]`.
    buf: &'a [u8],
    end: usize,
    /// Stream position of `buf[0]`.
    base: usize,
    bpp: usize,
    up_code: (u32, u32),
    repeat_code: (u32, u32),
}

impl Row<'_> {
    fn encode(&self, bits: &mut Bits, head: &mut [u32; 1 << HASH_BITS]) {
        let (buf, end) = (self.buf, self.end);
        let cur = &buf[end..];
        let n = cur.len();
        // Rows wider than the window cannot refer to the row above.
        let above = (self.base + end > 0 && n <= WINDOW).then(|| &buf[end - n..end]);
        let row_pos = self.base + end;
        let mut i = 0;
        let load = |b: &[u8], at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap_or([0; 4]));
        // Shorter than a match: the row's last bytes go as literals.
        while i + MIN_MATCH <= n {
            // Four-byte checks first; only a hit pays for a scan. Either run costs the same
            // per 258 bytes, so the first that fits is taken.
            let key = load(cur, i);
            if let Some(a) = above.filter(|a| load(a, i) == key) {
                let up = MIN_MATCH + common_prefix(&cur[i + MIN_MATCH..], &a[i + MIN_MATCH..]);
                bits.matches(up, self.up_code);
                i += up;
                continue;
            }
            if i > 0 && key == u32::from_ne_bytes([cur[i - 1]; 4]) {
                let repeat = MIN_MATCH + run_of(&cur[i + MIN_MATCH..], cur[i - 1]);
                bits.matches(repeat, self.repeat_code);
                i += repeat;
                continue;
            }
            let pos = row_pos + i;
            let h = (key.wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)) as usize;
            let candidate = head[h] as usize;
            head[h] = (pos + 1) as u32;
            // Positions are u32 (pages are capped at 40 Mpx, 120 MB of rows); wrapping keeps a
            // stale candidate out of the window rather than panicking.
            if candidate > 0 && pos.wrapping_sub(candidate - 1) <= WINDOW {
                let c = candidate - 1 - self.base;
                // The earlier bytes may run on into this row: deflate copies overlapping.
                if load(buf, c) == key {
                    let len = MIN_MATCH + common_prefix(&cur[i + MIN_MATCH..], &buf[c + MIN_MATCH..]);
                    bits.matches(len, distance_code(pos - (c + self.base)));
                    i += len;
                    continue;
                }
            }
            // Matches start on pixel boundaries: the rest of this pixel goes as literals.
            // (Palette pages, one byte per pixel, skip the division and the loop.)
            if i == 0 || self.bpp == 1 {
                bits.literal(cur[i]);
                i += 1;
                continue;
            }
            let next = (i + self.bpp - (i - 1) % self.bpp).min(n);
            bits.literals(&cur[i..next]);
            i = next;
        }
        for chunk in cur[i..].chunks(3) {
            bits.literals(chunk);
        }
    }
}

thread_local! {
    /// The history buffer outlives a page: a fresh ~300 KB one per page cost page faults.
    static SPARE_BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A buffer of `len` bytes, the thread's spare one if there is one (its old bytes are
/// never read: only positions already written are).
fn reused_buffer(len: usize) -> Vec<u8> {
    let mut buf = SPARE_BUFFER.with(|b| std::mem::take(&mut *b.borrow_mut()));
    buf.resize(len, 0);
    buf
}

/// How many leading bytes `a` and `b` share: 16 at a time with SSE2 (x86-64's
/// baseline), 8 at a time elsewhere. Slice equality of 32-byte blocks called `memcmp`
/// for each block, a sixteenth of the package's CPU once pages were one byte per pixel.
#[inline]
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    #[allow(unused_mut)]
    let mut i = 0;
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{__m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8};
        while i + 16 <= n {
            // SAFETY: `i + 16 <= n` bytes are readable in both (unaligned loads are allowed);
            // SSE2 is part of every x86-64 CPU.
            let same = unsafe {
                let x = _mm_loadu_si128(a.as_ptr().add(i).cast::<__m128i>());
                let y = _mm_loadu_si128(b.as_ptr().add(i).cast::<__m128i>());
                _mm_movemask_epi8(_mm_cmpeq_epi8(x, y)) as u32
            };
            if same != 0xFFFF {
                return i + (!same).trailing_zeros() as usize;
            }
            i += 16;
        }
    }
    while i + 8 <= n {
        let x = u64::from_le_bytes(a[i..i + 8].try_into().unwrap_or([0; 8]));
        let y = u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or([0; 8]));
        let diff = x ^ y;
        if diff != 0 {
            return i + (diff.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

/// How many leading bytes of `a` equal `byte`.
#[inline]
fn run_of(a: &[u8], byte: u8) -> usize {
    #[allow(unused_mut)]
    let mut i = 0;
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{__m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8};
        // SAFETY: SSE2 is part of every x86-64 CPU.
        let splat = unsafe { _mm_set1_epi8(byte as i8) };
        while i + 16 <= a.len() {
            // SAFETY: `i + 16` bytes are readable (unaligned loads are allowed).
            let same = unsafe {
                let x = _mm_loadu_si128(a.as_ptr().add(i).cast::<__m128i>());
                _mm_movemask_epi8(_mm_cmpeq_epi8(x, splat)) as u32
            };
            if same != 0xFFFF {
                return i + (!same).trailing_zeros() as usize;
            }
            i += 16;
        }
    }
    while i < a.len() && a[i] == byte {
        i += 1;
    }
    i
}

/// Deflate's bit order: values LSB first, Huffman codes MSB first (so stored reversed).
struct Bits {
    out: Vec<u8>,
    acc: u64,
    count: u32,
}

impl Bits {
    #[inline]
    fn put(&mut self, value: u64, len: u32) {
        self.acc |= value << self.count;
        self.count += len;
        if self.count >= 32 {
            self.out.extend_from_slice(&(self.acc as u32).to_le_bytes());
            self.acc >>= 32;
            self.count -= 32;
        }
    }

    fn flush(&mut self) {
        while self.count > 0 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.count = self.count.saturating_sub(8);
        }
    }

    #[inline]
    fn literal(&mut self, byte: u8) {
        let (code, code_len) = CODES.literal[byte as usize];
        self.put(code as u64, code_len as u32);
    }

    /// Up to three literals in one write (at most 27 bits).
    #[inline]
    fn literals(&mut self, bytes: &[u8]) {
        let (mut value, mut len) = (0u64, 0u32);
        for &b in bytes {
            let (code, code_len) = CODES.literal[b as usize];
            value |= (code as u64) << len;
            len += code_len as u32;
        }
        self.put(value, len);
    }

    /// A match of any length ≥ 3, as codes of at most 258 bytes each; each length code
    /// and its distance go in one write (at most 13 + 18 bits).
    #[inline]
    fn matches(&mut self, mut len: usize, (dist_code, dist_len): (u32, u32)) {
        while len > 0 {
            // Never leave a remainder shorter than the shortest match.
            let take = if len <= MAX_MATCH {
                len
            } else if len - MAX_MATCH >= 3 {
                MAX_MATCH
            } else {
                len - 3
            };
            let (code, code_len) = CODES.length[take];
            self.put(code as u64 | (dist_code as u64) << code_len, code_len as u32 + dist_len);
            len -= take;
        }
    }
}

/// Fixed Huffman codes, bit-reversed and with the length's extra bits already appended.
struct Codes {
    literal: [(u16, u8); 256],
    length: [(u32, u8); MAX_MATCH + 1],
}

static CODES: Codes = Codes::fixed();

const LENGTH_BASE: [u16; 29] =
    [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA: [u8; 29] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE: [u32; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
    8193, 12289, 16385, 24577,
];

const fn reverse(code: u32, len: u32) -> u32 {
    code.reverse_bits() >> (32 - len)
}

/// The fixed code of a literal/length symbol (RFC 1951 3.2.6), not yet reversed.
const fn fixed_code(symbol: u32) -> (u32, u32) {
    match symbol {
        0..=143 => (0x30 + symbol, 8),
        144..=255 => (0x190 + symbol - 144, 9),
        256..=279 => (symbol - 256, 7),
        _ => (0xC0 + symbol - 280, 8),
    }
}

impl Codes {
    const fn fixed() -> Codes {
        let mut literal = [(0u16, 0u8); 256];
        let mut s = 0;
        while s < 256 {
            let (code, len) = fixed_code(s as u32);
            literal[s] = (reverse(code, len) as u16, len as u8);
            s += 1;
        }
        let mut length = [(0u32, 0u8); MAX_MATCH + 1];
        let mut code_index = 0;
        let mut len = 3;
        while len <= MAX_MATCH {
            while code_index + 1 < 29 && LENGTH_BASE[code_index + 1] as usize <= len {
                code_index += 1;
            }
            let (code, code_len) = fixed_code(257 + code_index as u32);
            let extra = (len - LENGTH_BASE[code_index] as usize) as u32;
            length[len] =
                (reverse(code, code_len) | extra << code_len, (code_len + LENGTH_EXTRA[code_index] as u32) as u8);
            len += 1;
        }
        Codes { literal, length }
    }
}

/// A distance's 5-bit fixed code (reversed) with its extra bits appended, and their length.
fn distance_code(dist: usize) -> (u32, u32) {
    // zlib's lookup: codes of distances up to 256 directly, beyond that by 128s.
    let d = dist as u32 - 1;
    let index = if d < 256 { DIST_INDEX[d as usize] } else { DIST_INDEX[256 + (d >> 7) as usize] } as usize;
    let extra_len = if index < 4 { 0 } else { (index as u32 - 2) / 2 };
    (reverse(index as u32, 5) | (dist as u32 - DIST_BASE[index]) << 5, 5 + extra_len)
}

/// The distance code of `d + 1` for d < 256 and of `(d >> 7) * 128 + 1` at 256 + (d >> 7).
static DIST_INDEX: [u8; 512] = {
    let mut t = [0u8; 512];
    let mut i = 0;
    while i < 512 {
        let d = if i < 256 { i as u32 } else { ((i - 256) as u32) << 7 };
        let mut code = 0;
        while code + 1 < 30 && DIST_BASE[code + 1] <= d + 1 {
            code += 1;
        }
        t[i] = code as u8;
        i += 1;
    }
    t
};

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// Rows equal to the one before go through `repeat_row` (as the PNG writer does).
    fn compress(rows: &[Vec<u8>], bpp: usize) -> Vec<u8> {
        let mut z = ScanlineDeflate::new(rows[0].len(), bpp);
        for (i, r) in rows.iter().enumerate() {
            if i > 0 && rows[i - 1] == *r && z.repeat_row() {
                continue;
            }
            z.row().copy_from_slice(r);
            z.push_row();
        }
        z.finish()
    }

    #[test]
    fn prefix_and_run_lengths_match_a_byte_by_byte_count() {
        let base: Vec<u8> = (0..100).map(|i| if i < 70 { 9 } else { i as u8 }).collect();
        for len in 0..base.len() {
            for differ in 0..=len {
                let a = &base[..len];
                let mut b = a.to_vec();
                if differ < len {
                    b[differ] ^= 1;
                }
                assert_eq!(common_prefix(a, &b), differ, "length {len}, first difference at {differ}");
                let run = a.iter().take_while(|&&x| x == 9).count();
                assert_eq!(run_of(a, 9), run, "run in {len} bytes");
                assert_eq!(run_of(&b, 9), b.iter().take_while(|&&x| x == 9).count());
            }
        }
    }

    #[test]
    fn repeated_rows_cost_a_few_codes_and_need_a_row_above() {
        let row: Vec<u8> = (0..3001).map(|i| (i * 7 % 251) as u8).collect();
        let rows = vec![row.clone(); 200];
        let stream = compress(&rows, 3);
        assert_eq!(inflate(&stream), rows.concat());
        assert!(stream.len() < 3001 + 200 * 40, "{} bytes", stream.len());
        assert!(!ScanlineDeflate::new(10, 3).repeat_row(), "the first row is never a repeat");
        assert!(!ScanlineDeflate::new(WINDOW + 1, 1).repeat_row(), "beyond the window");
        let mut z = ScanlineDeflate::new(2, 1);
        z.row().copy_from_slice(&[1, 2]);
        z.push_row();
        assert!(!z.repeat_row(), "shorter than a match");
    }

    fn inflate(stream: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(stream).read_to_end(&mut out).expect("a valid zlib stream");
        out
    }

    #[test]
    fn round_trips_runs_repeats_and_noise() {
        let mut seed = 7u32;
        let mut noise = move || {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (seed >> 16) as u8
        };
        for width in [1usize, 2, 3, 5, 9, 100, 259, 260, 261, 517, 4000, 40_000] {
            let mut rows: Vec<Vec<u8>> = Vec::new();
            for y in 0..40 {
                let row: Vec<u8> = match y % 5 {
                    0 => (0..width).map(|_| noise()).collect(),
                    1 => rows[y - 1].clone(),
                    2 => (0..width).map(|x| if x % 97 < 90 { 0 } else { noise() }).collect(),
                    3 => {
                        let mut r = rows[y - 1].clone();
                        if width > 2 {
                            r[width / 2] ^= 0x55;
                        }
                        r
                    }
                    _ => rows[y - 4].iter().map(|b| b ^ 1).collect(),
                };
                rows.push(row);
            }
            let expected: Vec<u8> = rows.concat();
            for bpp in [1, 3] {
                assert_eq!(inflate(&compress(&rows, bpp)), expected, "width {width}, {bpp} bytes per pixel");
            }
        }
    }

    #[test]
    fn every_match_length_and_distance_code_decodes() {
        // A run of each length 1..=600 after a marker byte, then copies from far back.
        let mut data = Vec::new();
        for len in 1..=600usize {
            data.push((len % 251) as u8 + 1);
            data.extend(std::iter::repeat_n(0u8, len));
        }
        let width = 1000;
        data.resize(data.len().div_ceil(width) * width, 9);
        let rows: Vec<Vec<u8>> = data.chunks(width).map(<[u8]>::to_vec).collect();
        assert_eq!(inflate(&compress(&rows, 3)), data);
        for dist in 1..=WINDOW {
            let (code, len) = distance_code(dist);
            let index = reverse(code & 31, 5) as usize;
            let next = DIST_BASE.get(index + 1).map_or(WINDOW + 1, |&b| b as usize);
            assert!(DIST_BASE[index] as usize <= dist && dist < next, "{dist}");
            assert_eq!((code >> 5) as usize, dist - DIST_BASE[index] as usize, "{dist}");
            assert!((code >> 5) < 1 << (len - 5), "{dist}: extra bits fit");
        }
    }

    #[test]
    fn diagram_like_rows_compress_well() {
        let width = 3 * 1200 + 1;
        let mut rows = Vec::new();
        for y in 0..200 {
            let mut r = vec![0u8; width];
            r[0] = 1;
            r[300] = 0x20;
            r[303] = 0xe0;
            if y % 20 < 10 {
                for (x, b) in r[600..700].iter_mut().enumerate() {
                    *b = ((x * 7 + y) % 13) as u8;
                }
            }
            rows.push(r);
        }
        let z = compress(&rows, 3);
        assert_eq!(inflate(&z), rows.concat());
        assert!(z.len() * 50 < width * 200, "{} bytes for {} raw", z.len(), width * 200);
    }
}
