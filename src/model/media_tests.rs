use crate::model::fixtures::*;
use crate::model::*;
use serde_json::json;

#[test]
fn gotosocial_media_with_null_urls() {
    let m: MediaAttachment = decode(json!({
        "id": "01HXYZ",
        "type": "unknown",
        "url": null,
        "text_url": null,
        "preview_url": null,
        "remote_url": "https://remote.example/file.bin",
        "description": null,
        "blurhash": null,
        "meta": null
    }));
    assert_eq!(m.kind, MediaType::Unknown);
    assert_eq!(m.url, None);
    assert_eq!(
        m.remote_url.as_deref(),
        Some("https://remote.example/file.bin")
    );
    assert_eq!(m.description, None);
    assert_eq!(m.meta, None);
}

#[test]
fn media_types() {
    for (text, kind) in [
        ("image", MediaType::Image),
        ("video", MediaType::Video),
        ("gifv", MediaType::Gifv),
        ("audio", MediaType::Audio),
        ("unknown", MediaType::Unknown),
        ("3d-model", MediaType::Other("3d-model".into())),
    ] {
        let m: MediaAttachment = decode(json!({"id": "1", "type": text}));
        assert_eq!(m.kind, kind);
    }
    let m: MediaAttachment = decode(json!({"id": "1"}));
    assert_eq!(m.kind, MediaType::Unknown);
}
