//! Media files, as a Mastodon server (or its object store) serves them: real PNG and JPEG
//! bytes, plus the files a client must survive.
//!
//! | path | body |
//! | --- | --- |
//! | `/media/red-blue.png` | 64×36 PNG: the upper half pure red, the lower half pure blue |
//! | `/media/photo.jpg` | 64×48 JPEG, a gradient |
//! | `/media/green.png` | 48×48 PNG, pure green |
//! | `/media/huge.png` | a PNG signature, then zeros without end, no length announced |
//! | `/media/declared-huge.png` | announces 60 MB, sends a few bytes, then nothing |
//! | `/media/slow.png` | the PNG, one byte every 200 ms |
//! | `/media/redirect.png` | a redirect to `/media/red-blue.png` |
//! | `/media/bomb.png` | a 100 KB PNG that claims 100,000×100,000 pixels (40 GB decoded) |

use std::io::Cursor;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;

/// The upper half red, the lower half blue: easy to find in a terminal's colours.
pub fn red_blue_png() -> Vec<u8> {
    let image = image::RgbImage::from_fn(64, 36, |_, y| {
        if y < 18 {
            image::Rgb([255, 0, 0])
        } else {
            image::Rgb([0, 0, 255])
        }
    });
    encode(image, image::ImageFormat::Png)
}

pub fn green_png() -> Vec<u8> {
    encode(
        image::RgbImage::from_pixel(48, 48, image::Rgb([0, 255, 0])),
        image::ImageFormat::Png,
    )
}

pub fn photo_jpg() -> Vec<u8> {
    let image = image::RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 5) as u8, 128])
    });
    encode(image, image::ImageFormat::Jpeg)
}

fn encode(image: image::RgbImage, format: image::ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image
        .write_to(&mut out, format)
        .expect("encoding to memory works");
    out.into_inner()
}

pub(crate) fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/media/red-blue.png", get(|| async { png(red_blue_png()) }))
        .route("/media/green.png", get(|| async { png(green_png()) }))
        .route(
            "/media/photo.jpg",
            get(|| async { ([(header::CONTENT_TYPE, "image/jpeg")], photo_jpg()) }),
        )
        .route("/media/huge.png", get(huge))
        .route(
            "/media/60mb.png",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "image/png")],
                    sixty_mb_png().clone(),
                )
                    .into_response()
            }),
        )
        .route("/media/declared-huge.png", get(declared_huge))
        .route("/media/slow.png", get(slow))
        .route("/media/bomb.png", get(|| async { png(bomb_png()) }))
        .route(
            "/media/redirect.png",
            get(|| async {
                (
                    StatusCode::FOUND,
                    [(header::LOCATION, "/media/red-blue.png")],
                )
            }),
        )
}

/// A decompression bomb: a valid PNG header claiming 100,000×100,000 RGBA pixels, followed by
/// 100 KB of compressed zeros (what a real one starts with).
pub fn bomb_png() -> Vec<u8> {
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
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc(&body).to_be_bytes());
        out
    };
    let mut ihdr = 100_000u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    // A zlib stream of stored blocks of zeros: valid as far as it goes.
    let mut idat = vec![0x78, 0x01];
    for _ in 0..(100_000 / 65_535 + 1) {
        idat.push(0);
        idat.extend_from_slice(&65_535u16.to_le_bytes());
        idat.extend_from_slice(&(!65_535u16).to_le_bytes());
        idat.extend(std::iter::repeat_n(0u8, 65_535));
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(chunk(b"IHDR", &ihdr));
    out.extend(chunk(b"IDAT", &idat));
    out.extend(chunk(b"IEND", &[]));
    out
}

fn png(bytes: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "image/png")], bytes).into_response()
}

/// A real PNG of 60 MB: 4000×3750 pixels of noise, RGBA, stored without compression (so it
/// is as large on the wire as decoded). Made once per process.
pub fn sixty_mb_png() -> &'static Bytes {
    static PNG: std::sync::OnceLock<Bytes> = std::sync::OnceLock::new();
    PNG.get_or_init(|| {
        let (w, h) = (4000u32, 3750u32);
        let row = 1 + w as usize * 4;
        let mut raw = vec![0u8; row * h as usize];
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for (i, b) in raw.iter_mut().enumerate() {
            if i % row == 0 {
                continue; // filter type 0
            }
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
        // zlib with stored blocks: no compression to undo, 60 MB either way.
        let mut z = vec![0x78, 0x01];
        let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
        for (i, block) in blocks.iter().enumerate() {
            z.push(u8::from(i + 1 == blocks.len()));
            let len = block.len() as u16;
            z.extend_from_slice(&len.to_le_bytes());
            z.extend_from_slice(&(!len).to_le_bytes());
            z.extend_from_slice(block);
        }
        let (mut a, mut b) = (1u32, 0u32);
        for chunk in raw.chunks(5552) {
            for &byte in chunk {
                a += u32::from(byte);
                b += a;
            }
            a %= 65_521;
            b %= 65_521;
        }
        z.extend_from_slice(&((b << 16) | a).to_be_bytes());
        let table: Vec<u32> = (0..256u32)
            .map(|n| {
                (0..8).fold(n, |c, _| {
                    if c & 1 != 0 {
                        0xedb8_8320 ^ (c >> 1)
                    } else {
                        c >> 1
                    }
                })
            })
            .collect();
        let crc = |parts: &[&[u8]]| {
            let mut c = 0xffff_ffffu32;
            for part in parts {
                for &byte in *part {
                    c = table[((c ^ u32::from(byte)) & 0xff) as usize] ^ (c >> 8);
                }
            }
            !c
        };
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut chunk = |kind: &[u8], data: &[u8]| {
            png.extend_from_slice(&(data.len() as u32).to_be_bytes());
            png.extend_from_slice(kind);
            png.extend_from_slice(data);
            png.extend_from_slice(&crc(&[kind, data]).to_be_bytes());
        };
        let mut ihdr = w.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&h.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
        chunk(b"IHDR", &ihdr);
        for part in z.chunks(1 << 20) {
            chunk(b"IDAT", part);
        }
        chunk(b"IEND", &[]);
        Bytes::from(png)
    })
}

async fn huge() -> Response {
    let signature = futures_util::stream::once(async {
        Ok::<_, std::io::Error>(Bytes::from_static(b"\x89PNG\r\n\x1a\n"))
    });
    let zeros = futures_util::stream::repeat_with(|| Ok(Bytes::from(vec![0u8; 64 * 1024])));
    let body = Body::from_stream(futures_util::StreamExt::chain(signature, zeros));
    ([(header::CONTENT_TYPE, "image/png")], body).into_response()
}

async fn declared_huge() -> Response {
    // The rest never comes: the connection stays open, as a slow server's would.
    let body = Body::from_stream(futures_util::StreamExt::chain(
        futures_util::stream::once(async {
            Ok::<_, std::io::Error>(Bytes::from_static(b"\x89PNG\r\n\x1a\n"))
        }),
        futures_util::stream::pending(),
    ));
    let mut response = ([(header::CONTENT_TYPE, "image/png")], body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, (60u64 << 20).into());
    response
}

async fn slow() -> Response {
    let bytes = red_blue_png();
    let body = Body::from_stream(futures_util::stream::unfold(0, move |i| {
        let bytes = bytes.clone();
        async move {
            if i >= bytes.len() {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
            Some((
                Ok::<_, std::io::Error>(Bytes::copy_from_slice(&bytes[i..=i])),
                i + 1,
            ))
        }
    }));
    ([(header::CONTENT_TYPE, "image/png")], body).into_response()
}
