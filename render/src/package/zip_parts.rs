//! A zip archive of deflated parts, built in memory: what an XLSX file is.
//!
//! Written here rather than with the `zip` crate because small and mid-sized parts are
//! compressed whole by libdeflate (`crate::deflate`), which the crate cannot take as an
//! entry's data; parts too big to hold twice (the worksheets) are streamed through zlib-rs.
//! Only what a workbook needs: deflate, names under 64 KB, an archive under 4 GB (an
//! error otherwise, no zip64), and fixed timestamps (1980-01-01) so that the same
//! parts give the same bytes.
use std::io;

/// Local file header, central directory header, end of central directory.
const LOCAL: u32 = 0x0403_4b50;
const CENTRAL: u32 = 0x0201_4b50;
const END: u32 = 0x0605_4b50;
/// Version 2.0: deflate.
const VERSION: u16 = 20;
const DEFLATED: u16 = 8;
/// DOS date of 1980-01-01 (time 00:00:00).
const DATE: u16 = (1 << 5) | 1;

/// zlib-rs level of streamed parts: level 2 kept the 100k workbook under the 20 MB
/// evidence-upload limit at 3.5 % less package CPU than level 3; level 1 made it 25.9 MB.
const STREAM_LEVEL: u32 = 2;

struct Entry {
    name: String,
    crc: u32,
    compressed: u32,
    size: u32,
    offset: u32,
}

#[derive(Default)]
pub struct ZipParts {
    out: Vec<u8>,
    entries: Vec<Entry>,
}

fn too_big(what: &str) -> io::Error {
    io::Error::other(format!("{what} exceeds the 4 GB a zip without zip64 can hold"))
}

fn u32_of(n: usize, what: &str) -> io::Result<u32> {
    u32::try_from(n).map_err(|_| too_big(what))
}

/// A part being streamed: [`ZipParts::begin`], [`Streamed::write`]s, [`Streamed::end`].
pub struct Streamed {
    /// Its place in `ZipParts::entries`.
    entry: usize,
    compress: flate2::Compress,
    crc: crc32fast::Hasher,
}

impl ZipParts {
    /// Adds `name` holding `data`, deflated whole.
    pub fn add(&mut self, name: &str, data: &[u8]) -> io::Result<()> {
        let packed = crate::deflate::raw(data);
        let entry = self.header(name)?;
        self.out.extend_from_slice(&packed);
        self.close(entry, crc32fast::hash(data), data.len(), packed.len())
    }

    /// Starts a part whose data comes in pieces.
    pub fn begin(&mut self, name: &str) -> io::Result<Streamed> {
        let entry = self.header(name)?;
        let compress = flate2::Compress::new(flate2::Compression::new(STREAM_LEVEL), false);
        Ok(Streamed { entry, compress, crc: crc32fast::Hasher::new() })
    }

    /// The local header of a new entry, its checksum and sizes left for `close`; the
    /// entry's place.
    fn header(&mut self, name: &str) -> io::Result<usize> {
        let name_len =
            u16::try_from(name.len()).map_err(|_| io::Error::other(format!("zip entry name too long: {name}")))?;
        let offset = u32_of(self.out.len(), "the workbook")?;
        self.entries.push(Entry { name: name.to_string(), crc: 0, compressed: 0, size: 0, offset });
        let o = &mut self.out;
        put32(o, LOCAL);
        put16(o, VERSION);
        put16(o, 0); // flags
        put16(o, DEFLATED);
        put16(o, 0); // time
        put16(o, DATE);
        o.extend_from_slice(&[0; 12]); // CRC-32, compressed and uncompressed size
        put16(o, name_len);
        put16(o, 0); // extra field length
        o.extend_from_slice(name.as_bytes());
        Ok(self.entries.len() - 1)
    }

    /// Fills in an entry's checksum and sizes, in its local header too.
    fn close(&mut self, entry: usize, crc: u32, size: usize, compressed: usize) -> io::Result<()> {
        let Some(e) = self.entries.get_mut(entry) else { return Err(io::Error::other("no such zip entry")) };
        e.crc = crc;
        e.size = u32_of(size, &e.name)?;
        e.compressed = u32_of(compressed, &e.name)?;
        let at = e.offset as usize + 14;
        let mut fields = [0u8; 12];
        fields[..4].copy_from_slice(&e.crc.to_le_bytes());
        fields[4..8].copy_from_slice(&e.compressed.to_le_bytes());
        fields[8..].copy_from_slice(&e.size.to_le_bytes());
        self.out[at..at + 12].copy_from_slice(&fields);
        Ok(())
    }

    /// The archive: the parts, then the central directory.
    pub fn finish(mut self) -> io::Result<Vec<u8>> {
        let directory_at = u32_of(self.out.len(), "the workbook")?;
        let o = &mut self.out;
        for e in &self.entries {
            put32(o, CENTRAL);
            put16(o, VERSION); // made by: MS-DOS attributes, version 2.0
            put16(o, VERSION);
            put16(o, 0);
            put16(o, DEFLATED);
            put16(o, 0);
            put16(o, DATE);
            put32(o, e.crc);
            put32(o, e.compressed);
            put32(o, e.size);
            put16(o, e.name.len() as u16); // checked in `header`
            put16(o, 0); // extra field
            put16(o, 0); // comment
            put16(o, 0); // disk
            put16(o, 0); // internal attributes
            put32(o, 0); // external attributes
            put32(o, e.offset);
            o.extend_from_slice(e.name.as_bytes());
        }
        let directory_len = u32_of(o.len(), "the workbook")? - directory_at;
        let count = u16::try_from(self.entries.len()).map_err(|_| io::Error::other("over 65 535 zip entries"))?;
        put32(o, END);
        put16(o, 0); // this disk
        put16(o, 0); // the directory's disk
        put16(o, count);
        put16(o, count);
        put32(o, directory_len);
        put32(o, directory_at);
        put16(o, 0); // comment
        Ok(self.out)
    }
}

impl Streamed {
    /// Deflates the next piece of the part into `zip` (the entry `begin` opened).
    pub fn write(&mut self, zip: &mut ZipParts, piece: &[u8]) -> io::Result<()> {
        self.crc.update(piece);
        self.run(zip, piece, flate2::FlushCompress::None)
    }

    /// Ends the part: the rest of its deflate data and its header's checksum and sizes.
    pub fn end(mut self, zip: &mut ZipParts) -> io::Result<()> {
        self.run(zip, &[], flate2::FlushCompress::Finish)?;
        let (size, compressed) = (self.compress.total_in() as usize, self.compress.total_out() as usize);
        zip.close(self.entry, self.crc.finalize(), size, compressed)
    }

    fn run(&mut self, zip: &mut ZipParts, piece: &[u8], flush: flate2::FlushCompress) -> io::Result<()> {
        let start = self.compress.total_in();
        loop {
            let done = (self.compress.total_in() - start) as usize;
            zip.out.reserve(64 * 1024);
            let status = self.compress.compress_vec(&piece[done..], &mut zip.out, flush).map_err(io::Error::other)?;
            let consumed = (self.compress.total_in() - start) as usize == piece.len();
            match (status, flush) {
                (flate2::Status::StreamEnd, _) => return Ok(()),
                (_, flate2::FlushCompress::None) if consumed => return Ok(()),
                _ => {}
            }
        }
    }
}

fn put16(o: &mut Vec<u8>, v: u16) {
    o.extend_from_slice(&v.to_le_bytes());
}

fn put32(o: &mut Vec<u8>, v: u32) {
    o.extend_from_slice(&v.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Read};

    #[test]
    fn the_zip_crate_reads_back_every_part_with_its_checksum() {
        let big: String = (0..50_000).map(|i| format!("<c r=\"A{i}\"><v>{}</v></c>", i * 7)).collect();
        let parts = [
            ("[Content_Types].xml", "<Types/>".to_string()),
            ("xl/worksheets/sheet1.xml", big.clone()),
            ("empty", String::new()),
            ("streamed.xml", big),
        ];
        let mut zip = ZipParts::default();
        for (name, text) in &parts[..3] {
            zip.add(name, text.as_bytes()).unwrap();
        }
        let (name, text) = &parts[3];
        let mut part = zip.begin(name).unwrap();
        for piece in text.as_bytes().chunks(10_000) {
            part.write(&mut zip, piece).unwrap();
        }
        part.end(&mut zip).unwrap();
        let bytes = zip.finish().unwrap();
        let mut archive = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
        assert_eq!(archive.len(), parts.len());
        for (i, (name, text)) in parts.iter().enumerate() {
            // By index: the order written is the order listed.
            let mut file = archive.by_index(i).unwrap();
            assert_eq!(file.name().unwrap(), *name);
            assert_eq!(file.last_modified().map(|t| (t.year(), t.month(), t.day())), Some((1980, 1, 1)));
            let mut back = String::new();
            // Reading to the end checks the CRC-32.
            file.read_to_string(&mut back).unwrap();
            assert_eq!(&back, text);
        }
    }
}
