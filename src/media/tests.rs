//! Decoding limits and URL rules; downloads against the fake server are in tests/pictures.rs.

use super::decode::{DecodeError, KEEP_H, KEEP_W, decode};
use super::picture_url;

fn encode(image: image::RgbaImage, format: image::ImageFormat) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// A PNG whose header claims `w` × `h` pixels, with almost no data: what a decompression
/// bomb looks like to a decoder before it allocates.
fn claimed_png(w: u32, h: u32) -> Vec<u8> {
    fn crc(bytes: &[u8]) -> u32 {
        let mut c = 0xffff_ffffu32;
        for &b in bytes {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }
    let chunk = |kind: &[u8], data: &[u8]| {
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc(&body).to_be_bytes());
        out
    };
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &ihdr));
    png.extend(chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    png.extend(chunk(b"IEND", &[]));
    png
}

#[test]
fn pictures_decode_and_shrink_to_what_a_terminal_shows() {
    let big = image::RgbaImage::from_fn(800, 600, |x, _| image::Rgba([(x % 256) as u8, 0, 0, 255]));
    for format in [
        image::ImageFormat::Png,
        image::ImageFormat::Jpeg,
        image::ImageFormat::Gif,
        image::ImageFormat::WebP,
    ] {
        let image = if format == image::ImageFormat::Jpeg {
            image::DynamicImage::ImageRgba8(big.clone())
                .to_rgb8()
                .into()
        } else {
            image::DynamicImage::ImageRgba8(big.clone())
        };
        let mut out = std::io::Cursor::new(Vec::new());
        image.write_to(&mut out, format).unwrap();
        let p = decode(out.get_ref()).unwrap_or_else(|e| panic!("{format:?}: {e}"));
        assert!(p.width <= KEEP_W && p.height <= KEEP_H, "{format:?}: {p:?}");
        assert_eq!((p.width, p.height), (64, 48), "{format:?} keeps its shape");
        assert_eq!(p.rgba.len(), 64 * 48 * 4);
    }
}

#[test]
fn bombs_and_strangers_are_refused_before_they_are_decoded() {
    assert!(matches!(
        decode(&claimed_png(100_000, 100_000)),
        Err(DecodeError::TooLarge(100_000, 100_000))
    ));
    // Under each side's limit, over the pixel count.
    assert!(matches!(
        decode(&claimed_png(8000, 8000)),
        Err(DecodeError::TooLarge(..))
    ));
    assert!(decode(&claimed_png(0, 10)).is_err());
    // Formats tootwatch does not decode, whatever the server calls them.
    let bmp = encode(image::RgbaImage::new(4, 4), image::ImageFormat::Png);
    assert!(decode(&bmp).is_ok());
    assert_eq!(decode(b"BM\x00\x00garbage"), Err(DecodeError::Format));
    assert_eq!(decode(b"<svg xmlns=..."), Err(DecodeError::Format));
    assert_eq!(decode(b""), Err(DecodeError::Format));
    // A truncated picture is an error, not a panic.
    let png = encode(image::RgbaImage::new(40, 40), image::ImageFormat::Png);
    assert!(decode(&png[..png.len() / 2]).is_err());
}

#[test]
fn the_preview_is_asked_for_first() {
    let m = |v: serde_json::Value| -> crate::model::MediaAttachment {
        serde_json::from_value(v).unwrap()
    };
    let both = m(
        serde_json::json!({"id": "1", "type": "image", "url": "https://h/o.png", "preview_url": "https://h/s.png"}),
    );
    assert_eq!(picture_url(&both), Some("https://h/s.png"));
    let original = m(serde_json::json!({"id": "1", "type": "image", "url": "https://h/o.png"}));
    assert_eq!(picture_url(&original), Some("https://h/o.png"));
    // A video's original is no picture; its preview is.
    let video = m(serde_json::json!({"id": "1", "type": "video", "url": "https://h/v.mp4"}));
    assert_eq!(picture_url(&video), None);
    let empty = m(serde_json::json!({"id": "1", "type": "image", "url": "", "preview_url": ""}));
    assert_eq!(picture_url(&empty), None);
}
