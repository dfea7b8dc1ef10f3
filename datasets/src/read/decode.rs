//! Encoding sniffing (UTF-8, GB18030 or invalid UTF-8) and a streaming GB18030 → UTF-8 converter.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use encoding_rs::{CoderResult, DecoderResult, GB18030};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
const CHUNK: usize = 64 * 1024;

/// How a file's bytes are turned into text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// Valid UTF-8 (a leading BOM, if any, is skipped).
    Utf8 { bom: bool },
    /// Not UTF-8 but decodes cleanly as GB18030; converted while reading.
    Gb18030,
    /// Neither: read as UTF-8, and rows holding invalid bytes are rejected. `first_error` is a file offset.
    InvalidUtf8 { first_error: u64 },
}

/// What a first pass over a file found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sniff {
    pub encoding: TextEncoding,
    /// Nothing but a BOM and whitespace.
    pub empty: bool,
}

/// Reads the whole file once (streaming) to decide its encoding.
///
/// A file that is not valid UTF-8 is taken as GB18030 when it decodes without a single malformed sequence *and*
/// has fewer valid multi-byte UTF-8 characters than invalid sequences: a mostly-UTF-8 file with one bad byte
/// stays UTF-8, so its one bad row is rejected instead of the whole file being turned into mojibake.
pub(crate) fn sniff(path: &Path) -> io::Result<Sniff> {
    let mut file = File::open(path)?;
    let mut buf = vec![0u8; CHUNK];
    let mut carry: Vec<u8> = Vec::new();
    let mut offset: u64 = 0; // file offset of data[0]
    let (mut invalid, mut multibyte) = (0u64, 0u64);
    let mut first_error: Option<u64> = None;
    let mut bom = false;
    let mut has_content = false;
    let mut first = true;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        let mut data = std::mem::take(&mut carry);
        data.extend_from_slice(&buf[..n]);
        let mut start = 0;
        if first && data.len() >= 3 {
            first = false;
            if data.starts_with(UTF8_BOM) {
                bom = true;
                start = 3;
            }
        }
        has_content |= data[start..].iter().any(|b| !b.is_ascii_whitespace());
        let mut pos = start;
        loop {
            match std::str::from_utf8(&data[pos..]) {
                Ok(s) => {
                    multibyte += lead_bytes(s.as_bytes());
                    break;
                }
                Err(e) => {
                    let valid = e.valid_up_to();
                    multibyte += lead_bytes(&data[pos..pos + valid]);
                    match e.error_len() {
                        Some(len) => {
                            invalid += 1;
                            first_error.get_or_insert(offset + (pos + valid) as u64);
                            pos += valid + len;
                        }
                        None => {
                            carry = data[pos + valid..].to_vec();
                            break;
                        }
                    }
                }
            }
        }
        offset += (data.len() - carry.len()) as u64;
    }
    if !carry.is_empty() {
        invalid += 1;
        first_error.get_or_insert(offset);
    }
    let encoding = match first_error {
        None => TextEncoding::Utf8 { bom },
        Some(_) if !bom && multibyte < invalid && decodes_as_gb18030(path)? => TextEncoding::Gb18030,
        Some(at) => TextEncoding::InvalidUtf8 { first_error: at },
    };
    Ok(Sniff { encoding, empty: !has_content })
}

fn lead_bytes(b: &[u8]) -> u64 {
    b.iter().filter(|&&c| c >= 0xC0).count() as u64
}

fn decodes_as_gb18030(path: &Path) -> io::Result<bool> {
    let mut file = File::open(path)?;
    let mut decoder = GB18030.new_decoder_without_bom_handling();
    let mut input = vec![0u8; CHUNK];
    let mut out = vec![0u8; CHUNK * 2];
    loop {
        let n = file.read(&mut input)?;
        let last = n == 0;
        let mut src = &input[..n];
        loop {
            let (result, read, _) = decoder.decode_to_utf8_without_replacement(src, &mut out, last);
            src = &src[read..];
            match result {
                DecoderResult::InputEmpty => break,
                DecoderResult::OutputFull => continue,
                DecoderResult::Malformed(..) => return Ok(false),
            }
        }
        if last {
            return Ok(true);
        }
    }
}

/// Converts a GB18030 byte stream to UTF-8 on the fly.
pub(crate) struct Gb18030Reader<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    input: Vec<u8>,
    in_range: (usize, usize),
    output: Vec<u8>,
    out_range: (usize, usize),
    eof: bool,
    done: bool,
}

impl<R: Read> Gb18030Reader<R> {
    pub(crate) fn new(inner: R) -> Self {
        Gb18030Reader {
            inner,
            decoder: GB18030.new_decoder_without_bom_handling(),
            input: vec![0; CHUNK],
            in_range: (0, 0),
            output: vec![0; CHUNK * 2],
            out_range: (0, 0),
            eof: false,
            done: false,
        }
    }
}

impl<R: Read> Read for Gb18030Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let (os, oe) = self.out_range;
            if os < oe {
                let n = buf.len().min(oe - os);
                buf[..n].copy_from_slice(&self.output[os..os + n]);
                self.out_range.0 += n;
                return Ok(n);
            }
            if self.done {
                return Ok(0);
            }
            if self.in_range.0 == self.in_range.1 && !self.eof {
                let n = self.inner.read(&mut self.input)?;
                self.in_range = (0, n);
                self.eof = n == 0;
            }
            let (is, ie) = self.in_range;
            let (result, read, written, _) =
                self.decoder.decode_to_utf8(&self.input[is..ie], &mut self.output, self.eof);
            self.in_range.0 += read;
            self.out_range = (0, written);
            if self.eof && result == CoderResult::InputEmpty {
                self.done = true;
            }
        }
    }
}

/// Turns every `\r\n` into `\n` on the fly, so CSV record positions count physical lines correctly (the csv
/// crate reports a CRLF file's record as starting on the previous line otherwise).
pub(crate) struct CrlfToLf<R> {
    inner: R,
    /// A `\r` read at the end of the previous chunk, not yet known to precede a `\n`.
    held_cr: bool,
}

impl<R: Read> CrlfToLf<R> {
    pub(crate) fn new(inner: R) -> Self {
        CrlfToLf { inner, held_cr: false }
    }
}

impl<R: Read> Read for CrlfToLf<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.len() < 2 {
            return self.inner.read(buf);
        }
        let start = usize::from(self.held_cr);
        if self.held_cr {
            buf[0] = b'\r';
        }
        let n = self.inner.read(&mut buf[start..])?;
        if n == 0 {
            self.held_cr = false;
            return Ok(start);
        }
        let end = start + n;
        if !buf[..end].contains(&b'\r') {
            // The common case (LF files): nothing to rewrite. `contains` on bytes is a memchr.
            self.held_cr = false;
            return Ok(end);
        }
        let (mut r, mut w) = (0, 0);
        while r < end {
            let b = buf[r];
            if b == b'\r' && r + 1 < end && buf[r + 1] == b'\n' {
                r += 1;
                continue;
            }
            buf[w] = b;
            w += 1;
            r += 1;
        }
        self.held_cr = w > 0 && buf[w - 1] == b'\r';
        if self.held_cr {
            w -= 1;
            if w == 0 {
                // Only a lone `\r` so far: read on to learn what follows it.
                return self.read(buf);
            }
        }
        Ok(w)
    }
}
