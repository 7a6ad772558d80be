//! Bytes → pixels, with limits: only PNG, JPEG, GIF (its first frame) and WebP; dimensions,
//! total pixels and the decoder's allocations are checked before the pixels are allocated, so
//! a decompression bomb is refused, not decoded. The result is shrunk at once to what a
//! terminal can show of it, and only that is kept.

use std::io::Cursor;

use image::{ImageFormat, ImageReader, Limits};

/// Widest and tallest picture decoded, in pixels.
const MAX_SIDE: u32 = 8192;
/// Most pixels decoded (a 6000×4000 photo has 24 M).
const MAX_PIXELS: u64 = 40_000_000;
/// Most bytes the decoder may allocate for one picture.
const MAX_ALLOC: u64 = 192 * 1024 * 1024;
/// Kept pictures fit in this: half blocks at 12 rows need 24 pixels of height and at most 4
/// times that of width; twice as many pixels each way leave room to shrink smoothly.
pub(crate) const KEEP_W: u32 = 192;
pub(crate) const KEEP_H: u32 = 48;
/// Kept pictures fit in this when the terminal draws real pixels: a detail view's picture of
/// 12 rows is about 240 pixels high, a wide one up to twice as wide as this.
pub const PIXELS_KEEP_W: u32 = 640;
pub const PIXELS_KEEP_H: u32 = 400;

/// Decoded pixels, shrunk to fit what is kept ([`KEEP_W`] × [`KEEP_H`] for half blocks):
/// RGBA, row by row.
#[derive(Clone, PartialEq, Eq)]
pub struct Picture {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

impl std::fmt::Debug for Picture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Picture({}×{})", self.width, self.height)
    }
}

impl Picture {
    /// Bytes held, for the cache's bound.
    pub fn bytes(&self) -> usize {
        self.rgba.len() + std::mem::size_of::<Picture>()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("not a PNG, JPEG, GIF or WebP picture")]
    Format,
    #[error("{0}×{1} pixels is more than tootwatch decodes")]
    TooLarge(u32, u32),
    #[error("the picture does not decode: {0}")]
    Broken(String),
}

/// Decodes for half blocks: kept at most [`KEEP_W`] × [`KEEP_H`].
#[cfg(test)]
pub(crate) fn decode(bytes: &[u8]) -> Result<Picture, DecodeError> {
    decode_to(bytes, (KEEP_W, KEEP_H))
}

/// Decodes and shrinks the picture to fit in `keep` (width, height) pixels.
pub fn decode_to(bytes: &[u8], keep: (u32, u32)) -> Result<Picture, DecodeError> {
    let (keep_w, keep_h) = (keep.0.max(1), keep.1.max(1));
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| DecodeError::Broken(e.to_string()))?;
    // By the bytes, not by what the server says the file is.
    match reader.format() {
        Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif | ImageFormat::WebP) => {}
        _ => return Err(DecodeError::Format),
    }
    let (w, h) = reader
        .into_dimensions()
        .map_err(|e| DecodeError::Broken(e.to_string()))?;
    if w == 0 || h == 0 || w > MAX_SIDE || h > MAX_SIDE || u64::from(w) * u64::from(h) > MAX_PIXELS
    {
        return Err(DecodeError::TooLarge(w, h));
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| DecodeError::Broken(e.to_string()))?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    // A GIF decodes to its first frame here.
    let image = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => DecodeError::TooLarge(w, h),
        e => DecodeError::Broken(e.to_string()),
    })?;
    // Shrunk, never enlarged: the view scales it to its cells.
    let small = if image.width() > keep_w || image.height() > keep_h {
        image.thumbnail(keep_w, keep_h)
    } else {
        image
    }
    .into_rgba8();
    Ok(Picture {
        width: small.width(),
        height: small.height(),
        rgba: small.into_raw(),
    })
}
