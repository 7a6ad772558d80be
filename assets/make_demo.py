#!/usr/bin/env python3
"""Builds the bundled demo of `tootwatch demo`: assets/demo.jsonl and assets/demo-filters.json.

demo.jsonl is a `tootwatch tail --record` file written by hand: one raw streaming event per
line, `{"at_ms":…,"stream":"…","event":"…","payload":"<JSON text>"|"<id>"|null}`, about three
minutes of a fictional instance (social.example) seen by the fictional account @demo. Every
account, post, link and image is made up and lives on reserved example domains.

Payloads are built as Python objects and serialised the way Mastodon's streaming server does
(JSON.stringify: compact, UTF-8, C0 controls escaped); bidi and other format/control characters
are additionally written as \\u escapes so that the file itself is safe to `cat`.

Standard library only. Run from anywhere: `python3 assets/make_demo.py [OUT_DIR]` (OUT_DIR: this
directory by default). The script validates
what it wrote and exits non-zero when a check fails.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import html
import json
import math
import random
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
# An output directory other than this one: `tests/demo_asset.rs` regenerates into a temporary
# directory and compares with the committed files.
OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
OUT_EVENTS = OUT / "demo.jsonl"
OUT_FILTERS = OUT / "demo-filters.json"

START_MS = 1764331200000  # 2025-11-28T12:00:00Z
LOCAL = "social.example"
FILES = f"https://files.{LOCAL}"
ALLOWED_DOMAINS = ("example.com", "example.org", "example.net", "social.example",
                   "rust.example", "spam.example")
STREAMS = ("user", "public:local", "hashtag:rust", "direct")
EVENTS = ("update", "status.update", "delete", "notification", "conversation",
          "filters_changed", "announcement", "announcement.delete")

ESC, BEL = "\x1b", "\x07"

rng = random.Random(20251128)


# --------------------------------------------------------------------------------------------
# small helpers


def iso(ms: int) -> str:
    t = _dt.datetime.fromtimestamp(ms / 1000, tz=_dt.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def hexname(*parts: object, n: int = 16) -> str:
    return hashlib.sha1("/".join(map(str, parts)).encode()).hexdigest()[:n]


def partition(id_: str) -> str:
    """Paperclip's id_partition, as Mastodon's file paths use it."""
    s = id_.rjust(9, "0")
    return "/".join(s[i:i + 3] for i in range(0, len(s), 3))


_issued: set = set()


def snowflake(ms: int) -> str:
    """A Mastodon-style id: milliseconds << 16 plus a sequence in the low bits; unique, and
    increasing with the time it encodes."""
    v = (ms << 16) + (int(hexname("seq", ms, n=4), 16) & 0x3FFF)
    while v in _issued:
        v += 1
    _issued.add(v)
    return str(v)


CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def ulid(ms: int, salt: str) -> str:
    """A ULID, as GoToSocial (our pretend software on rust.example) uses for ids."""
    t = "".join(CROCKFORD[(ms >> (5 * i)) & 31] for i in reversed(range(10)))
    r = int(hexname("ulid", ms, salt, n=20), 16)
    return t + "".join(CROCKFORD[(r >> (5 * i)) & 31] for i in reversed(range(16)))


# --------------------------------------------------------------------------------------------
# blurhash (the reference algorithm), over tiny synthetic pictures, so previews are real


B83 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"


def _b83(value: int, length: int) -> str:
    return "".join(B83[(value // 83 ** (length - 1 - i)) % 83] for i in range(length))


def _to_linear(v: float) -> float:
    v /= 255
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def _to_srgb(v: float) -> int:
    v = max(0.0, min(1.0, v))
    return int(v * 12.92 * 255 + 0.5) if v <= 0.0031308 else int((1.055 * v ** (1 / 2.4) - 0.055) * 255 + 0.5)


def blurhash(scene, cx: int = 4, cy: int = 3, w: int = 32, h: int = 24) -> str:
    px = [[tuple(_to_linear(c) for c in scene((x + 0.5) / w, (y + 0.5) / h)) for x in range(w)]
          for y in range(h)]
    factors = []
    for j in range(cy):
        for i in range(cx):
            norm = 1 if i == 0 and j == 0 else 2
            acc = [0.0, 0.0, 0.0]
            for y in range(h):
                cyb = math.cos(math.pi * j * y / h)
                for x in range(w):
                    b = norm * math.cos(math.pi * i * x / w) * cyb
                    p = px[y][x]
                    acc[0] += b * p[0]
                    acc[1] += b * p[1]
                    acc[2] += b * p[2]
            factors.append([a / (w * h) for a in acc])
    dc, ac = factors[0], factors[1:]
    out = _b83((cx - 1) + (cy - 1) * 9, 1)
    actual = max(abs(v) for f in ac for v in f)
    qmax = max(0, min(82, int(math.floor(actual * 166 - 0.5))))
    maxv = (qmax + 1) / 166
    out += _b83(qmax, 1)
    out += _b83((_to_srgb(dc[0]) << 16) + (_to_srgb(dc[1]) << 8) + _to_srgb(dc[2]), 4)

    def q(v: float) -> int:
        s = math.copysign(abs(v / maxv) ** 0.5, v)
        return max(0, min(18, int(math.floor(s * 9 + 9.5))))

    for f in ac:
        out += _b83(q(f[0]) * 361 + q(f[1]) * 19 + q(f[2]), 2)
    return out


def mix(a, b, t):
    t = max(0.0, min(1.0, t))
    return tuple(a[i] + (b[i] - a[i]) * t for i in range(3))


def blob(u, v, cu, cv, r):
    return max(0.0, 1 - ((u - cu) ** 2 + (v - cv) ** 2) / (r * r))


SCENES = {
    "sunrise": lambda u, v: (
        mix(mix((52, 36, 108), (244, 146, 64), v / 0.55), (255, 236, 170), blob(u, v, 0.62, 0.55, 0.12))
        if v < 0.58 else mix((226, 128, 70), (34, 38, 70), (v - 0.58) / 0.42)),
    "cat": lambda u, v: mix(mix((70, 70, 78), (28, 28, 32), v), (214, 140, 66), blob(u, v, 0.5, 0.45, 0.33)),
    "keyboard": lambda u, v: mix((160, 112, 70), (238, 236, 230),
                                 1.0 if 0.25 < v < 0.7 and (0.1 < u < 0.45 or 0.55 < u < 0.9) else 0.0),
    "autumn": lambda u, v: mix((196, 62, 32), (236, 150, 40), u) if v < 0.6 else mix((120, 116, 110), (60, 58, 56), v),
    "hall": lambda u, v: mix((96, 60, 36), (240, 240, 250), 1.0 if 0.3 < u < 0.7 and v < 0.35 else 0.0),
    "terminal": lambda u, v: mix((24, 26, 36), (120, 220, 140), 0.5 if int(v * 12) % 2 and u < 0.6 else 0.0),
    "filepicker": lambda u, v: mix((22, 24, 32), (110, 160, 230), 0.6 if u > 0.4 and 0.15 < v < 0.85 else 0.0),
    "meme": lambda u, v: mix((248, 248, 244), (30, 30, 30), 0.8 if 0.4 < v < 0.55 else 0.0),
    "ramen": lambda u, v: mix((42, 30, 26), (232, 196, 130), blob(u, v, 0.5, 0.5, 0.42)),
    "ridge": lambda u, v: mix((120, 170, 230), (50, 110, 60), 1.0 if v > 0.45 + 0.12 * math.sin(u * 6) else 0.0),
    "lake": lambda u, v: mix((170, 200, 230), (40, 90, 130), v) if v > 0.4 else mix((60, 110, 60), (150, 190, 220), v / 0.4),
    "card_purple": lambda u, v: mix((60, 30, 110), (150, 90, 220), u),
    "card_orange": lambda u, v: mix((230, 120, 40), (250, 200, 90), v),
    "card_teal": lambda u, v: mix((20, 90, 100), (90, 200, 190), u * v),
    "static": lambda u, v: ((u * 997 + v * 613) % 1 * 255,) * 3,
}


def esc(text: str) -> str:
    """HTML-escape the way Mastodon's text formatter does (apostrophes as &#39;)."""
    return html.escape(text, quote=True).replace("&#x27;", "&#39;")


# --------------------------------------------------------------------------------------------
# accounts and custom emoji


EMOJI_IDS = {"ferris": 1, "blobcat": 2, "terminal": 3, "blobheart": 4}


def emoji(code: str, domain: str) -> dict:
    n = EMOJI_IDS[code]
    if domain == LOCAL:
        base = f"{FILES}/custom_emojis/images/000/000/{n:03d}"
        return {"shortcode": code, "url": f"{base}/original/{hexname(code)}.png",
                "static_url": f"{base}/static/{hexname(code)}.png", "visible_in_picker": True}
    k = 100 + n * 7 + len(domain)
    base = f"{FILES}/cache/custom_emojis/images/000/000/{k:03d}"
    return {"shortcode": code, "url": f"{base}/original/{hexname(code, domain)}.png",
            "static_url": f"{base}/static/{hexname(code, domain)}.png", "visible_in_picker": True}


def emojis_in(text: str, domain: str) -> list:
    seen = []
    for code in re.findall(r":([A-Za-z0-9_]+):", text):
        if code in EMOJI_IDS and code not in seen:
            seen.append(code)
    return [emoji(c, domain) for c in seen]


class Acct:
    def __init__(self, key, id_, username, domain, display_name, note, *, software="mastodon",
                 followers=0, following=0, statuses=0, since="2023-01-01", avatar=True,
                 fields=()):
        self.key, self.id, self.username, self.domain = key, id_, username, domain or LOCAL
        self.local = domain is None
        self.display_name, self.note, self.software = display_name, note, software
        self.followers, self.following, self.statuses = followers, following, statuses
        self.since, self.has_avatar, self.fields = since, avatar, fields

    @property
    def acct(self):
        return self.username if self.local else f"{self.username}@{self.domain}"

    @property
    def url(self):
        return f"https://{self.domain}/@{self.username}"

    @property
    def uri(self):
        return f"https://{self.domain}/users/{self.username}"

    def obj(self) -> dict:
        if self.has_avatar:
            kind = "accounts/avatars" if self.local else "cache/accounts/avatars"
            avatar = f"{FILES}/{kind}/{partition(self.id)}/original/{hexname('avatar', self.key)}.png"
        else:
            avatar = f"https://{LOCAL}/avatars/original/missing.png"
        header = f"https://{LOCAL}/headers/original/missing.png"
        o = {
            "id": self.id, "username": self.username, "acct": self.acct,
            "display_name": self.display_name, "locked": False, "bot": False,
            "discoverable": True, "indexable": True, "group": False,
            "created_at": f"{self.since}T00:00:00.000Z",
            "note": "".join(f"<p>{esc(p)}</p>" for p in self.note.split("\n\n")),
            "url": self.url, "uri": self.uri,
            "avatar": avatar, "avatar_static": avatar, "header": header, "header_static": header,
            "followers_count": self.followers, "following_count": self.following,
            "statuses_count": self.statuses, "last_status_at": "2025-11-28",
            "hide_collections": False,
        }
        if self.local:
            o["noindex"] = False
        o["emojis"] = emojis_in(self.display_name, self.domain)
        o["roles"] = []
        o["fields"] = [{"name": n, "value": link_html(v) if v.startswith("https://") else esc(v),
                        "verified_at": None} for n, v in self.fields]
        return o


A = {}


def account(*args, **kw):
    a = Acct(*args, **kw)
    A[a.key] = a
    return a


account("demo", "109876543210000001", "demo", None, "Demo User",
        "This is you, in the tootwatch demo. Nothing here is real.",
        followers=42, following=12, statuses=3, since="2025-11-20")
account("ana", "109302814445672190", "ana", None, "Ana Ferreira :ferris:",
        "Maintainer of tinyterm. Rust, terminals, and too many houseplants.",
        followers=2140, following=388, statuses=5712, since="2022-11-07",
        fields=(("Code", "https://code.example.com/ana"), ("Pronouns", "she/her")))
account("tomasz", "109318820112093341", "tomasz", "example.org", "Tomasz 🦀 Nowicki",
        "Embedded dev by day, keyboard builder by night. Soldering iron enthusiast.",
        followers=631, following=402, statuses=2210, since="2022-11-10")
account("yuki", "109355107268394023", "yuki", "example.net", "佐藤ゆき",
        "ターミナルとRustが好き。TUIツールを作っています。\n\nEnglish / 日本語",
        followers=1208, following=220, statuses=3301, since="2022-11-18")
account("lena", "109401923005112987", "lena", "example.com", "Lena Hoffmann",
        "Softwareentwicklerin aus Leipzig. Spricht gern über Fehlerbehandlung. she/her",
        followers=389, following=290, statuses=1450, since="2022-11-25")
account("diego", "110012345678901234", "diego", None, "Diego Ramírez",
        "Homelab, Rust y café. Aprendiendo algo nuevo cada semana.",
        followers=174, following=260, statuses=812, since="2023-03-14")
account("termcraft", "110187300420011552", "termcraft", "rust.example", "Termcraft :terminal:",
        "A toolkit for building terminal user interfaces. Project account, run by the maintainers.",
        software="gotosocial", followers=5320, following=12, statuses=288, since="2023-04-21",
        fields=(("Docs", "https://termcraft.rust.example/docs"),))
account("priya", "109512006731440018", "priya", None, "Priya Raman",
        "Sysadmin, early riser (sometimes), photographer (always). Alt text on every photo.",
        followers=902, following=515, statuses=4120, since="2022-12-15")
account("sam", "109334551092003877", "sam", "example.org", "Sam Okafor",
        "I write code and bad jokes. Not always in that order.",
        followers=1750, following=610, statuses=8890, since="2022-11-12")
account("oskar", "110544203987001223", "oskar", "rust.example", "Oskar :blobcat:",
        "Types, tea and dotfiles. Opinions are my cat's.",
        software="gotosocial", followers=455, following=301, statuses=1602, since="2023-06-02")
account("june", "111203554091887302", "june", None, "june",
        "lowercase person. cat. compiler errors. in that order.",
        followers=288, following=199, statuses=2033, since="2023-10-09", avatar=False)
account("moss", "109288031774620556", "moss", "example.net", "Moss Whitfield",
        "Watches too much science fiction. Posts about it, behind content warnings.",
        followers=512, following=480, statuses=6001, since="2022-11-04")
account("crates", "110301299810023554", "crates", "rust.example", "This Week in Crates",
        "A weekly newsletter about small, useful crates. Suggestions welcome.",
        software="gotosocial", followers=8810, following=3, statuses=150, since="2023-05-01")
account("mallory", "113400012998822311", "mallory", None, f"{ESC}[31mEvil{ESC}[0m Mallory",
        "Security showcase account: my posts try to attack your terminal.",
        followers=3, following=1, statuses=2, since="2025-10-30")
account("moonbag", "113488002255661100", "moonbag", None, "MoonBag Airdrops 🚀",
        "Not financial advice.", followers=1, following=900, statuses=77, since="2025-11-26")
account("alex", "115627009931776512", "alex", None, "Alex Kim",
        "Embedded Rust, tiny computers, bad soldering.", followers=0, following=4, statuses=1,
        since="2025-11-28")
account("fox", "112004983221009877", "quietfox", "example.com", "Fox 🦊",
        "Quiet reader. Likes terminals.", followers=23, following=140, statuses=61, since="2024-02-19")


# --------------------------------------------------------------------------------------------
# content: a tiny markup → Mastodon HTML
#
# Paragraphs are separated by blank lines, line breaks are "\n"; @user or @user@domain become
# mentions, #tag hashtags, https://… links; :shortcode: stays text with an `emojis` entry.


def link_html(url: str) -> str:
    rest = url[len("https://"):]
    if len(rest) > 30:
        shown = f'<span class="ellipsis">{html.escape(rest[:30])}</span><span class="invisible">{html.escape(rest[30:])}</span>'
    else:
        shown = f'<span class="">{html.escape(rest)}</span><span class="invisible"></span>'
    return (f'<a href="{html.escape(url)}" target="_blank" rel="nofollow noopener noreferrer">'
            f'<span class="invisible">https://</span>{shown}</a>')


TOKEN = re.compile(
    r"(?P<url>https://[^\s<>\"]+[^\s<>\".,!?:;)])"
    r"|(?<![\w/@])@(?P<user>[A-Za-z0-9_]+)(?:@(?P<dom>[A-Za-z0-9.-]+[A-Za-z0-9]))?"
    r"|(?<![\w&/#])#(?P<tag>\w+)")


def render(text: str, author: Acct):
    mentions, tags = [], []
    br = "<br />" if author.software == "mastodon" and author.local else "<br>"

    def inline(s: str) -> str:
        out, pos = [], 0
        for m in TOKEN.finditer(s):
            out.append(esc(s[pos:m.start()]))
            pos = m.end()
            if m.group("url"):
                out.append(link_html(m.group("url")))
            elif m.group("user"):
                dom = m.group("dom") or author.domain
                # "@demo" written by a remote author means the demo's own instance, as they'd
                # have typed "@demo@social.example"; the HTML shows the short form either way.
                who = (next((a for a in A.values() if a.username == m.group("user") and a.domain == dom), None)
                       or next(a for a in A.values() if a.username == m.group("user") and a.local))
                if who.id not in [x["id"] for x in mentions]:
                    mentions.append({"id": who.id, "username": who.username, "url": who.url, "acct": who.acct})
                out.append(f'<span class="h-card" translate="no"><a href="{who.url}" class="u-url mention">'
                           f'@<span>{who.username}</span></a></span>')
            else:
                tag = m.group("tag")
                name = tag.lower()
                if name not in [t["name"] for t in tags]:
                    tags.append({"name": name, "url": f"https://{LOCAL}/tags/{name}"})
                out.append(f'<a href="https://{author.domain}/tags/{name}" class="mention hashtag" rel="tag">'
                           f'#<span>{html.escape(tag)}</span></a>')
        out.append(esc(s[pos:]))
        return "".join(out)

    paras = [br.join(inline(line) for line in p.split("\n")) for p in text.strip().split("\n\n")]
    content = "".join(f"<p>{p}</p>" for p in paras)
    return content, mentions, tags, emojis_in(text, author.domain)


# --------------------------------------------------------------------------------------------
# entities


def media(kind, author: Acct, ms: int, scene: str, description, w=1600, h=1200, **extra) -> dict:
    mid = snowflake(ms - 45_000)
    ext = "mp4" if kind == "video" else "jpg"
    name = hexname("media", mid)
    if author.local:
        base = f"{FILES}/media_attachments/files/{partition(mid)}"
        remote = None
    else:
        base = f"{FILES}/cache/media_attachments/files/{partition(mid)}"
        remote = (f"https://{author.domain}/fileserver/{ulid(ms, name)}/attachment/original/{ulid(ms, 'f' + name)}.{ext}"
                  if author.software == "gotosocial" else f"https://files.{author.domain}/media/{name}.{ext}")
    sw = 400 if w >= h else round(400 * w / h)
    sh = round(sw * h / w)
    if kind == "video":
        meta = {"length": "0:00:14.03", "duration": 14.03, "fps": 30, "size": f"{w}x{h}", "width": w,
                "height": h, "aspect": w / h, "audio_encode": "aac (LC) (mp4a / 0x6134706D)",
                "audio_bitrate": "44100 Hz", "audio_channels": "stereo",
                "original": {"width": w, "height": h, "frame_rate": "30/1", "duration": 14.033333,
                             "bitrate": 1016784},
                "small": {"width": sw, "height": sh, "size": f"{sw}x{sh}", "aspect": w / h}}
    else:
        meta = {"original": {"width": w, "height": h, "size": f"{w}x{h}", "aspect": w / h},
                "small": {"width": sw, "height": sh, "size": f"{sw}x{sh}", "aspect": w / h}}
        if "focus" in extra:
            meta["focus"] = extra["focus"]
    return {"id": mid, "type": kind, "url": f"{base}/original/{name}.{ext}",
            "preview_url": f"{base}/small/{name}.jpg", "remote_url": remote, "preview_remote_url": None,
            "text_url": None, "meta": meta, "description": description, "blurhash": blurhash(SCENES[scene])}


def card(url, title, description, provider, image_scene=None, w=1200, h=630) -> dict:
    image = (f"{FILES}/cache/preview_cards/images/{partition(str(int(hexname('card', url, n=8), 16)))}/"
             f"original/{hexname('cardimg', url)}.jpg") if image_scene else None
    return {"url": url, "title": title, "description": description, "language": None, "type": "link",
            "author_name": "", "author_url": "", "provider_name": provider, "provider_url": "",
            "html": "", "width": w if image else 0, "height": h if image else 0, "image": image,
            "image_description": "", "embed_url": "",
            "blurhash": blurhash(SCENES[image_scene]) if image_scene else None,
            "published_at": None, "authors": []}


def poll(ms, options, *, hours=24, expired=False, multiple=False, viewer=None) -> dict:
    total = sum(v for _, v in options)
    p = {"id": str(int(hexname("poll", ms, n=6), 16) % 90000 + 10000),
         "expires_at": iso(ms + hours * 3_600_000), "expired": expired, "multiple": multiple,
         "votes_count": total, "voters_count": total if not multiple else round(total * 0.8)}
    if viewer is not None:  # rendered for a user (notifications, conversations)
        p["voted"] = viewer is not False
        p["own_votes"] = [] if viewer is False else viewer
    p["options"] = [{"title": t, "votes_count": v} for t, v in options]
    p["emojis"] = []
    return p


def counts() -> tuple:
    r = rng.random()
    if r < 0.35:
        return (0, 0, 0)
    return (rng.choice([0, 0, 0, 1, 2]), rng.choice([0, 1, 2, 3, 5, 8]), rng.choice([1, 2, 4, 7, 12, 19, 31]))


STATUSES: dict[str, dict] = {}


def make_status(key, author_key, text, ms, *, spoiler="", sensitive=None, visibility="public",
                language="en", reply_to=None, attachments=(), poll_=None, card_=None,
                counts_=None, for_user=False, quote=None) -> dict:
    author = A[author_key]
    content, mentions, tags, emojis = render(text, author)
    emojis = emojis + [e for e in emojis_in(spoiler, author.domain) if e not in emojis]
    sid = snowflake(ms)
    if author.software == "gotosocial":
        rid = ulid(ms, key)
        uri, url = f"{author.uri}/statuses/{rid}", f"{author.url}/statuses/{rid}"
    elif author.local:
        uri, url = f"{author.uri}/statuses/{sid}", f"{author.url}/{sid}"
    else:
        rid = str(int(sid) - 1_234_567_891_011)
        uri, url = f"{author.uri}/statuses/{rid}", f"{author.url}/{rid}"
    parent = STATUSES[reply_to] if reply_to else None
    r, b, f = counts_ if counts_ is not None else counts()
    s = {
        "id": sid, "created_at": iso(ms),
        "in_reply_to_id": parent["id"] if parent else None,
        "in_reply_to_account_id": parent["account"]["id"] if parent else None,
        "sensitive": bool(spoiler) if sensitive is None else sensitive,
        "spoiler_text": spoiler, "visibility": visibility, "language": language,
        "uri": uri, "url": url, "replies_count": r, "reblogs_count": b, "favourites_count": f,
        "edited_at": None,
    }
    if for_user:
        s.update({"favourited": False, "reblogged": False, "muted": False, "bookmarked": False})
        if author_key == "demo":
            s["pinned"] = False
    s["content"] = content
    s["filtered"] = []
    s["reblog"] = None
    if author.local and author_key in ("demo", "ana", "priya"):
        s["application"] = {"name": "Web", "website": None}
    s["account"] = author.obj()
    s["media_attachments"] = [media(author=author, ms=ms, **m) for m in attachments]
    s["mentions"], s["tags"], s["emojis"] = mentions, tags, emojis
    s["card"] = card_
    s["poll"] = poll_
    if quote is not None:
        s["quote"] = {"state": "accepted", "quoted_status": quote}
    STATUSES[key] = s
    return s


def make_boost(key, booster_key, original: dict, ms) -> dict:
    booster = A[booster_key]
    sid = snowflake(ms)
    if booster.local:
        uri = f"{booster.uri}/statuses/{sid}/activity"
    elif booster.software == "gotosocial":
        uri = f"{booster.uri}/statuses/{ulid(ms, key)}/activity"
    else:
        uri = f"{booster.uri}/statuses/{int(sid) - 1_234_567_891_011}/activity"
    s = {"id": sid, "created_at": iso(ms), "in_reply_to_id": None, "in_reply_to_account_id": None,
         "sensitive": False, "spoiler_text": "", "visibility": "public", "language": None,
         "uri": uri, "url": uri, "replies_count": 0, "reblogs_count": 0, "favourites_count": 0,
         "edited_at": None, "content": "", "filtered": [], "reblog": original,
         "account": booster.obj(), "media_attachments": [], "mentions": [], "tags": [], "emojis": [],
         "card": None, "poll": None}
    STATUSES[key] = s
    return s


# --------------------------------------------------------------------------------------------
# filters (demo-filters.json) and the server's filter results after `filters_changed`

FILTERS = [
    {"id": "1", "title": "Spoilers", "context": ["home", "public"], "expires_at": None,
     "filter_action": "warn", "keywords": [{"id": "1", "keyword": "finale", "whole_word": True}],
     "statuses": []},
    {"id": "2", "title": "Crypto", "context": ["home", "public", "notifications"], "expires_at": None,
     "filter_action": "hide", "keywords": [{"id": "2", "keyword": "crypto", "whole_word": False}],
     "statuses": []},
]


def searchable(s: dict) -> str:
    """Roughly what Mastodon (and tootwatch's filter.rs) match keywords against."""
    parts = [s.get("spoiler_text") or "", s.get("content") or ""]
    if s.get("poll"):
        parts += [o["title"] for o in s["poll"]["options"]]
    parts += [m.get("description") or "" for m in s.get("media_attachments") or []]
    text = "\n".join(parts).replace("</p><p>", "\n").replace("<br>", "\n").replace("<br />", "\n")
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def filter_matches(s: dict) -> list:
    """[(filter, matched text)] the way the streaming server computes `filtered`."""
    text = searchable(s)
    out = []
    for f in FILTERS:
        for k in f["keywords"]:
            kw = re.escape(k["keyword"])
            pat = rf"(?<!\w){kw}(?!\w)" if k["whole_word"] else kw
            m = re.search(pat, text, re.IGNORECASE)
            if m:
                out.append((f, m.group(0)))
                break
    return out


def server_filter_results(s: dict) -> list:
    return [{"filter": {k: f[k] for k in ("id", "title", "context", "expires_at", "filter_action")},
             "keyword_matches": [word], "status_matches": None} for f, word in filter_matches(s)]


# --------------------------------------------------------------------------------------------
# the script: slots in order; a slot is one moment and emits one or more lines.
#
# Times: slots marked with a time are pinned there (seconds from the start); the others share
# out the time between their pinned neighbours, a little unevenly, like a real timeline.

SLOTS: list = []


def slot(at=None):
    def deco(fn):
        SLOTS.append((at, fn))
        return fn
    return deco


class Ctx:
    filters_active = False  # set by the filters_changed slot


def payload(obj) -> str:
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    # Control, format (bidi!) and separator characters become \u escapes.
    out = []
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") and ch not in "\n\t" and ord(ch) >= 0x7F:
            cp = ord(ch)
            if cp > 0xFFFF:
                cp -= 0x10000
                out.append(f"\\u{0xD800 + (cp >> 10):04x}\\u{0xDC00 + (cp & 0x3FF):04x}")
            else:
                out.append(f"\\u{cp:04x}")
        else:
            out.append(ch)
    return "".join(out)


def upd(status: dict, *streams, event="update"):
    """Lines for a status on streams; after the filters change, with the server's results."""
    st = dict(status)
    if Ctx.filters_active:
        st["filtered"] = server_filter_results(st)
    text = payload(st)
    return [(stream, event, text) for stream in streams]


def post(key, author, text, *streams, **kw):
    def fn(ms):
        return upd(make_status(key, author, text, ms, **kw), *streams)
    return fn


def add(at, fn):
    SLOTS.append((at, fn))


def boost(key, booster, original_key, *streams):
    def fn(ms):
        return upd(make_boost(key, booster, STATUSES[original_key], ms), *streams)
    return fn


def edit(key, new_text, stream, **kw):
    def fn(ms):
        old = STATUSES[key]
        author = next(a for a in A.values() if a.id == old["account"]["id"])
        content, mentions, tags, emojis = render(new_text, author)
        s = dict(old)
        s.update({"content": content, "mentions": mentions, "tags": tags, "emojis": emojis,
                  "edited_at": iso(ms)})
        s.update(kw)
        STATUSES[key] = s
        return upd(s, stream, event="status.update")
    return fn


def delete(key, stream):
    return lambda ms: [(stream, "delete", STATUSES[key]["id"])]


NOTIF_ID = [2841007]

FOR_VIEWER = {"favourited": False, "reblogged": False, "muted": False, "bookmarked": False}


def notification(kind, account_key, status=None, **extra):
    """`status`: a key of STATUSES, or a function of the time making the status just before."""
    def fn(ms):
        NOTIF_ID[0] += rng.randint(3, 40)
        nid = str(NOTIF_ID[0])
        n = {"id": nid, "type": kind, "created_at": iso(ms), "group_key": f"ungrouped-{nid}",
             "account": A[account_key].obj()}
        if status is not None:
            s = status(ms) if callable(status) else STATUSES[status]
            n["status"] = {**s, **{k: s.get(k, v) for k, v in FOR_VIEWER.items()}}
        for k, v in extra.items():
            n[k] = v(ms) if callable(v) else v
        return [("user", "notification", payload(n))]
    return fn


def conversation(cid, others, key, author, text, *, unread=True, **kw):
    def fn(ms):
        s = make_status(key, author, text, ms, visibility="direct", for_user=True, **kw)
        c = {"id": cid, "unread": unread, "accounts": [A[o].obj() for o in others], "last_status": s}
        return [("direct", "conversation", payload(c))]
    return fn


def older(key, author, text, minutes_ago, **kw):
    """A status from before the recording (boosted, or carried by a notification)."""
    make_status(key, author, text, START_MS - minutes_ago * 60_000, **kw)


# ---- statuses from before the recording ------------------------------------------------------

older("oskar_json", "oskar",
      "Unpopular opinion: every CLI tool should have a --json flag. I will not be taking questions.",
      190, counts_=(14, 36, 121))
older("moss_maples", "moss", "The maples on my street have decided it's time. 🍁", 300,
      attachments=[dict(kind="image", scene="autumn", w=1600, h=1067,
                        description="A quiet residential street lined with maple trees in full autumn "
                                    "colour. Red and orange leaves cover the pavement, and a blue "
                                    "bicycle leans against a lamppost.")],
      counts_=(3, 22, 97))
older("sam_friday_poll", "sam", "Best way to spend a Friday afternoon?", 60 * 24,
      poll_=poll(START_MS - 60 * 24 * 60_000, [("Refactoring", 12), ("Reading docs", 8),
                                                ("Touching grass", 41), ("Closing issues", 19)],
                 hours=24, expired=True, viewer=[2]),
      counts_=(6, 3, 15), for_user=True)

# ---- the burst: the screen fills at once ----------------------------------------------------

add(0.0, post("ana_morning", "ana",
              "Good morning ☕\n\nToday's plan: finish the scrolling rewrite in tinyterm, and not get "
              "nerd-sniped by anything. Place your bets :ferris:", "user", visibility="unlisted"))
add(None, post("june_typo", "june", "teh compiler is right again. i am wrong again. a tale as old as time",
               "public:local", counts_=(0, 0, 0)))
add(None, post("tomasz_tree", "tomasz",
               "TIL `cargo tree -e features -i serde` shows exactly which crate turned on which "
               "feature. Would have saved me an hour yesterday. #rust", "user", "hashtag:rust"))
add(None, post("priya_sunrise", "priya",
               "Sunrise over the harbour this morning. Worth getting up at six for, just this once. 🌅",
               "user", "public:local", counts_=(1, 4, 18),
               attachments=[dict(kind="image", scene="sunrise", w=2048, h=1365, focus={"x": 0.2, "y": 0.1},
                                 description="A harbour at sunrise. The sky fades from deep violet at the "
                                             "top to bright orange at the horizon, where the sun is just "
                                             "coming up behind a row of cranes. Small fishing boats sit on "
                                             "still water that mirrors the colours.")]))
add(None, post("demo_hello", "demo",
               "Hello, fediverse! 👋 Trying out a terminal client today. So far: fast, quiet, and it "
               "fits right next to my editor.", "user", "public:local", counts_=(0, 0, 0)))
add(None, post("yuki_ja", "yuki",
               "今日は朝からずっとターミナルで作業中。新しいフォント、日本語の表示もきれいで最高です ✨\n\n"
               "#rust で小さなTUIツールを書いています。", "user", "hashtag:rust", language="ja"))
add(None, post("diego_es", "diego",
               "¡Por fin migré mi pequeño servidor casero a Rust! 🎉 Usa la mitad de memoria y "
               "arranca al instante.\n\nGracias a todas las personas que respondieron mis preguntas "
               "esta semana 💛 #rust", "public:local", "hashtag:rust", language="es"))
add(None, post("sam_joke", "sam",
               "My code doesn't have bugs. It has surprise features with undocumented behavour.", "user",
               counts_=(3, 9, 40)))
add(None, post("termcraft_24", "termcraft",
               "Termcraft 2.4 is out! :terminal:\n\n• Mouse support in list widgets\n• 30% faster "
               "redraws on large tables\n• A new Gauge widget with half-block precision\n\n"
               "Changelog: https://termcraft.rust.example/blog/2-4\n\nThanks to the 23 contributors "
               "who made this release 💜 #rust #tui", "user", "hashtag:rust", counts_=(5, 38, 112),
               card_=card("https://termcraft.rust.example/blog/2-4", "Termcraft 2.4: mice, speed and gauges",
                          "Mouse support in lists, faster tables, and a new half-block Gauge widget.",
                          "Termcraft", "card_purple")))
add(None, conversation("4201", ["diego"], "dm_diego_1", "diego",
                       "@demo hey! are you coming to the meetup on Thursday? I can save you a seat 🙂",
                       counts_=(0, 0, 0)))
add(None, post("june_cat", "june",
               "the cat has discovered that sitting on my laptop makes the fans spin, which makes the "
               "laptop warm. she is a genius and i am a heated cushion", "user", "public:local",
               counts_=(2, 6, 33),
               attachments=[dict(kind="image", scene="cat", w=1200, h=1600,
                                 description="An orange tabby cat curled up on an open laptop keyboard, "
                                             "eyes half closed, one paw resting on the trackpad. A code "
                                             "editor is visible on the screen behind her.")]))
add(None, post("oskar_option", "oskar",
               "Friendly reminder that Option<Option<T>> is a perfectly valid type and also a cry for "
               "help :blobcat:", "user", counts_=(1, 7, 25)))
add(None, post("lena_talk", "lena",
               "Guten Morgen! ☕ Heute halte ich meinen ersten Vortrag über Fehlerbehandlung in Rust – "
               "ich bin ziemlich aufgeregt.\n\nFolien: https://lena.example.com/talks/fehler-in-rust "
               "#Rust", "user", "hashtag:rust", language="de", counts_=(4, 5, 27),
               card_=card("https://lena.example.com/talks/fehler-in-rust", "Fehler sind auch nur Werte",
                          "Folien zum Vortrag über Fehlerbehandlung in Rust.", "lena.example.com")))
add(None, post("ana_meetup", "ana",
               "Reminder: our Rust meetup is this Thursday at the library, 18:30. Newcomers very "
               "welcome, no experience needed. There will be tea and a suspicious number of stickers 💛",
               "user", "public:local", counts_=(2, 8, 21)))
add(None, post("crates_issue", "crates",
               "This Week in Crates #148 is out! 📰\n\nA pure-Rust font rasterizer, a tiny crate for "
               "human-friendly durations, and a very good blog post about error types.\n\n"
               "https://crates.rust.example/issues/148 #rust", "user", "hashtag:rust",
               card_=card("https://crates.rust.example/issues/148", "This Week in Crates #148",
                          "Font rasterizing, friendly durations, and thoughtful error types.",
                          "This Week in Crates", "card_orange"), counts_=(0, 3, 9)))
add(1.9, post("tomasz_keyboard", "tomasz",
              "Finished my first split keyboard build 🎉 Only one switch is soldered in backwards, and "
              "I've decided that's a feature.", "user", counts_=(6, 11, 64),
              attachments=[dict(kind="image", scene="keyboard", w=1600, h=1200,
                                description="A small split mechanical keyboard on a wooden desk: two "
                                            "halves with white keycaps joined by a coiled purple cable. "
                                            "One key in the top row sits visibly crooked.")]))

# ---- then a steady trickle --------------------------------------------------------------------

add(None, boost("b_ana_termcraft", "ana", "termcraft_24", "user"))
add(5.0, lambda ms: [("user", "announcement", payload({
    "id": "1",
    "content": "<p>Welcome to the tootwatch demo! Everything here is fictional. Press ? for keys.</p>",
    "starts_at": None, "ends_at": None, "all_day": False, "published_at": iso(ms), "updated_at": iso(ms),
    "read": False, "mentions": [], "statuses": [], "tags": [], "emojis": [], "reactions": []}))])
add(None, post("priya_bakery", "priya",
               "Small thing that made my day: a stranger at the bank held the door, then the next "
               "person held it, and for about a minute there was a whole chain of door-holding. "
               "People are fine, actually.", "public:local", counts_=(1, 3, 17)))
add(None, notification("mention", "tomasz", lambda ms: make_status(
    "n_tomasz_mention", "tomasz", "@demo welcome aboard! If you want Rust people to follow, #rust is a "
    "friendly tag to start with :ferris:", ms - 1400, counts_=(0, 0, 0), for_user=True)))
add(None, delete("june_typo", "public:local"))
add(None, post("june_fixed", "june", "the compiler is right again. i am wrong again. a tale as old as time 🦀",
               "public:local", counts_=(0, 2, 9)))
add(None, post("sam_option", "sam",
               "@oskar@rust.example Option<Option<Option<T>>> for when you need to say \"I don't know "
               "if I know\"", "user", reply_to="oskar_option", counts_=(0, 2, 14)))
add(None, notification("follow", "sam"))
add(None, post("moss_finale", "moss",
               "Starfall Station's finale. Eight seasons of setup, and Captain Ires choosing the station "
               "over the ship landed perfectly. I cried. Twice. 🚀😭", "user",
               spoiler="Spoilers: the finale", counts_=(7, 2, 30)))
add(None, post("oskar_impl", "oskar",
               "Hot take: impl Trait in argument position is fine, actually, and I'm tired of pretending "
               "it isn't. #rust", "hashtag:rust", counts_=(9, 4, 22)))
add(None, boost("b_priya_maples", "priya", "moss_maples", "user"))
add(None, post("moonbag_1", "moonbag",
               "🚀🚀 Huge crypto airdrop happening NOW! Claim your free tokens before midnight, limited "
               "slots!! 💰", "public:local", counts_=(0, 0, 0)))
add(None, post("sam_colours", "sam", "Which terminal colour scheme are you running right now?", "user",
               counts_=(12, 6, 18),
               poll_=poll(START_MS + 20_000, [("Dark, obviously", 412), ("Light (fight me)", 97),
                                              ("Something Solarized", 143), ("Whatever the default was", 188)])))
add(None, notification("favourite", "ana", lambda ms: {**STATUSES["demo_hello"], "favourites_count": 3}))
add(None, post("ana_tree_reply", "ana",
               "@tomasz@example.org and cargo tree -d for duplicate versions! I forget it exists every "
               "single time.", "user", reply_to="tomasz_tree", visibility="unlisted", counts_=(0, 0, 3)))
add(None, notification("mention", "moonbag", lambda ms: make_status(
    "n_moonbag_mention", "moonbag", "@demo 🎁 you have been selected for an exclusive crypto giveaway! "
    "Reply to claim your tokens", ms - 900, counts_=(0, 0, 0), for_user=True)))
add(None, boost("b_june_sunrise", "june", "priya_sunrise", "user"))
add(None, conversation("4202", ["yuki"], "dm_yuki_1", "yuki",
                       "@demo こんにちは! Here is the page about the display width of CJK characters that I "
                       "mentioned: https://docs.example.net/unicode/east-asian-width",
                       counts_=(0, 0, 0)))
add(None, notification("reblog", "yuki", lambda ms: {**STATUSES["demo_hello"], "favourites_count": 5, "reblogs_count": 1}))
add(None, delete("moonbag_1", "public:local"))  # the moderators were quick
add(None, post("yuki_picker", "yuki",
               "Made a little file picker with a preview pane. Works over SSH, and the preview "
               "understands images in terminals that support them. #rust", "hashtag:rust",
               counts_=(3, 14, 52),
               attachments=[dict(kind="video", scene="filepicker", w=1280, h=720,
                                 description="Screen recording of a terminal file picker: a list of files "
                                             "on the left, a preview of the selected file on the right. "
                                             "The cursor moves down through a Rust source file, a photo "
                                             "and a README, and the preview updates for each.")]))
add(None, notification("status", "termcraft", lambda ms: make_status(
    "n_termcraft_office", "termcraft", "Office hours this Friday at 16:00 UTC: bring your layout bugs, "
    "your weird terminals and your questions. All skill levels welcome :terminal:", ms - 1100,
    counts_=(0, 1, 4), for_user=True)))
add(None, post("sam_uncle", "sam",
               "My uncle asked me about crypto at dinner again. I explained hash functions for forty "
               "minutes. He has not asked again.", "user", counts_=(4, 19, 77)))
add(None, post("june_reply", "june", "@priya this is gorgeous. six am though. SIX.", "public:local",
               reply_to="priya_sunrise", counts_=(1, 0, 5)))
add(40.0, post("mallory_1", "mallory",
               f"Totally normal post, nothing to see here.{ESC}]0;pwned{BEL}{ESC}]52;c;aGVsbG8={BEL}\n\n"
               "This sentence is perfectly ordinary: \u202e!lanimret ruoy morf olleh",
               "public:local", counts_=(0, 0, 0)))
add(None, post("tomasz_finale", "tomasz",
               "Did anyone else stay up for the Starfall Station finale? No spoilers, I just need to "
               "talk to someone about it.", "user", counts_=(8, 0, 12)))
add(None, boost("b_lena_picker", "lena", "yuki_picker", "user"))
add(None, notification("follow_request", "fox"))
add(None, post("mallory_2", "mallory",
               f"Released a new crate, the docs are here: invoice_\u202efdp.exe\u202c\n\n"
               f"{ESC}[8mthis text hides on a careless terminal{ESC}[28m, and this is a C1 CSI: "
               f"\u009b7minverted?\u009b0m #rust", "hashtag:rust",
               spoiler=f"{ESC}[2J{ESC}[Hdefinitely not a screen clear", counts_=(0, 0, 0),
               attachments=[dict(kind="image", scene="static", w=800, h=600,
                                 description=f"Alt text with a {ESC}[5mblinking{ESC}[25m word and a "
                                             f"{ESC}]8;;https://example.net/{BEL}hidden link{ESC}]8;;{BEL}")]))
add(None, edit("sam_joke", "My code doesn't have bugs. It has surprise features with undocumented "
               "behaviour.\n\n(edit: fixed a typo. that one was a bug.)", "user", favourites_count=58,
               reblogs_count=14, replies_count=5))
add(None, post("ana_scroll", "ana",
               "New scrollback in tinyterm: smooth scrolling by half-lines, even over SSH. Screenshot "
               "because I'm proud :ferris:", "user", "public:local", counts_=(4, 12, 48),
               attachments=[dict(kind="image", scene="terminal", w=1920, h=1080,
                                 description="Screenshot of a dark terminal window running tinyterm: a "
                                             "long log scrolled halfway, with a thin scrollbar on the "
                                             "right and a status line reading 'line 1,204 of 3,880'.")]))
add(None, notification("admin.sign_up", "alex"))
add(None, post("moonbag_2", "moonbag",
               "Why is everyone sleeping on crypto?? 📈 Only 48h left on the presale. Not financial "
               "advice 😉", "public:local", counts_=(0, 0, 0)))
add(None, post("diego_tmux", "diego",
               "Question for the terminal people: how do you keep track of which tmux window is which? "
               "I have 14 open and they are all called bash.", "user", "public:local", counts_=(3, 1, 6)))
add(None, conversation("4201", ["diego"], "dm_demo_1", "demo", "@diego yes! I'll bring the stickers 🦀",
                       reply_to="dm_diego_1", unread=False, counts_=(0, 0, 0)))


@slot(60.0)
def _filters_changed(ms):
    Ctx.filters_active = True
    return [("user", "filters_changed", None)]


add(None, post("priya_hike", "priya",
               "Weekend hike, finally. The ridge trail was muddy, the lake was cold, and both were "
               "worth it.", "public:local", counts_=(2, 6, 41),
               attachments=[dict(kind="image", scene="ridge", w=2048, h=1365,
                                 description="A grassy mountain ridge under a clear blue sky, with a "
                                             "narrow dirt trail winding along the crest."),
                            dict(kind="image", scene="lake", w=2048, h=1365,
                                 description="A small alpine lake, perfectly still, reflecting the pine "
                                             "trees and the grey rock face behind it.")]))
add(None, post("ana_char", "ana", "Settle this for me: how do you pronounce char? #rust", "user",
               "hashtag:rust", counts_=(21, 9, 30),
               poll_=poll(START_MS + 64_000, [("char, like charcoal", 231), ("car", 154), ("care", 89),
                                              ("I say \"character\" to avoid conflict", 176)], hours=72)))
add(None, post("oskar_enum", "oskar",
               "Spent the afternoon replacing a hand-rolled state machine with an enum and a match. "
               "Deleted 300 lines. The compiler now tells me when I forget a state. I love this "
               "language. #rust", "hashtag:rust", counts_=(2, 15, 66)))
add(None, boost("b_diego_crates", "diego", "crates_issue", "user"))
add(None, notification("admin.report", "june", report=lambda ms: {
    "id": "812", "action_taken": False, "action_taken_at": None, "category": "spam",
    "comment": "Posting airdrop links and replying to everyone with giveaways.", "forwarded": False,
    "created_at": iso(ms), "status_ids": [STATUSES["moonbag_1"]["id"], STATUSES["moonbag_2"]["id"]],
    "rule_ids": [], "target_account": A["moonbag"].obj()}))
add(None, post("ana_release", "ana",
               "tinyterm 0.9 is out! 🎉\n\nSmooth scrollback, configurable key bindings, and a "
               "much smaller binary. Release notes: https://blog.social.example/ana/tinyterm-0-9\n\n"
               "Thank you to everyone who tested the betas :ferris: #rust", "user", "public:local",
               "hashtag:rust", counts_=(6, 27, 95),
               card_=card("https://blog.social.example/ana/tinyterm-0-9", "tinyterm 0.9: scrolling, "
                          "key bindings, and a diet", "Smooth scrollback, configurable key bindings and "
                          "a binary half the size.", "Ana's notes", "card_teal")))
add(None, boost("b_tomasz_oskar", "tomasz", "oskar_json", "user"))
add(None, post("crates_cotw_twice", "crates",
               "Crate of the week: tidyfmt, a formatter for log lines that keeps your columns aligned "
               "even when the timestamps disagree. Nominate next week's crate by replying! #rust",
               "hashtag:rust", counts_=(0, 0, 0)))
add(None, post("crates_cotw", "crates",
               "Crate of the week: tidyfmt, a formatter for log lines that keeps your columns aligned "
               "even when the timestamps disagree. Nominate next week's crate by replying! #rust",
               "hashtag:rust", counts_=(4, 22, 58)))
add(None, delete("crates_cotw_twice", "hashtag:rust"))  # scheduled twice, oops
add(None, post("demo_lena", "demo", "@lena@example.com good luck with the talk, you'll be great! 🎤",
               "user", reply_to="lena_talk", counts_=(0, 0, 0)))
add(None, delete("oskar_json", "user"))  # the boosted original goes; the boost must go with it
add(None, post("june_lifetimes", "june",
               "lifetimes finally clicked for me today. it's just the compiler asking \"and how long "
               "will this be around?\" like a worried parent #rust", "public:local", "hashtag:rust",
               counts_=(5, 18, 83)))
add(None, post("lena_hall", "lena",
               "Angekommen! Der Saal ist schon halb voll und ich bin in 20 Minuten dran 😳",
               "user", language="de", counts_=(2, 1, 24),
               attachments=[dict(kind="image", scene="hall", w=1600, h=1200,
                                 description="A lecture hall seen from the stage: rows of wooden seats, "
                                             "about half of them taken, and a projector screen showing a "
                                             "title slide that reads 'Fehler sind auch nur Werte'.")]))
add(None, notification("severed_relationships", "demo", relationship_severance_event=lambda ms: {
    "id": "3", "type": "domain_block", "purged": False, "target_name": "spam.example",
    "followers_count": 2, "following_count": 1, "created_at": iso(ms - 4000)}))
add(None, post("moss_calm", "moss",
               "Okay. I've calmed down about the finale. Mostly. Going to rewatch the pilot and feel "
               "things 🥲", "user", counts_=(2, 0, 19)))
add(None, post("sam_clippy", "sam",
               "Whoever decided cargo clippy --fix should exist: thank you, I owe you a coffee. #rust",
               "hashtag:rust", counts_=(1, 7, 45)))
add(None, post("ana_tmux_reply", "ana",
               "@diego I rename them with prefix + comma like a civilised person. (Mine are also all "
               "called bash.)", "public:local", reply_to="diego_tmux", counts_=(1, 0, 7)))
add(None, conversation("4201", ["diego"], "dm_diego_2", "diego",
                       "@demo perfect, see you there! Doors open at 18:30, I'll be the one with the "
                       "orange scarf.", reply_to="dm_demo_1", counts_=(0, 0, 0)))
add(None, post("diego_food", "diego",
               "Homemade ramen night. The broth took six hours and I regret nothing 🍜", "user",
               "public:local", spoiler="food", counts_=(3, 2, 29),
               attachments=[dict(kind="image", scene="ramen", w=1600, h=1600,
                                 description="A bowl of ramen on a dark wooden table: noodles in a "
                                             "golden broth, a halved soft-boiled egg, spring onions and "
                                             "two slices of pork, with chopsticks resting on the rim.")]))
add(None, notification("favourite", "lena", lambda ms: {**STATUSES["demo_lena"], "favourites_count": 1}))
add(None, post("priya_burnout", "priya",
               "Last spring I stopped enjoying the work I used to love. Tickets felt endless, every "
               "alert felt personal, and I kept telling myself it was just a busy month.\n\n"
               "What helped, slowly: saying no to one thing a week. Turning off notifications after "
               "six. Telling my team plainly that I was running on empty, and being surprised at how "
               "kind they were about it.\n\n"
               "I'm mostly back now. I take photos again, I get up early because I want to, not "
               "because a pager told me to. If you're in the middle of it: it's not a personal "
               "failing, and it does get better. 💚", "user", spoiler="long post about burnout",
               counts_=(11, 24, 140)))
add(None, post("diego_oops", "diego", "ok but who left the oven on in the", "public:local",
               counts_=(0, 0, 0)))
add(None, notification("poll", "sam", "sam_friday_poll"))
add(None, post("tomasz_errors", "tomasz",
               "Error messages in #rust keep getting better. Today the compiler suggested the exact "
               "lifetime annotation I needed and explained why. I feel seen.", "user", "hashtag:rust",
               counts_=(2, 10, 54)))
add(None, delete("diego_oops", "public:local"))
add(None, boost("b_yuki_lena", "yuki", "lena_talk", "user"))
add(None, post("moonbag_3", "moonbag",
               "Last chance!!! Our crypto presale closes tonight 🌕🚀 Link in bio", "public:local",
               counts_=(0, 0, 0)))
add(None, edit("yuki_picker", "Made a little file picker with a preview pane. Works over SSH, and the "
               "preview understands images in terminals that support them. #rust\n\n(edit: the code "
               "is public now! https://code.example.net/yuki/peek)", "hashtag:rust",
               replies_count=6, reblogs_count=31, favourites_count=104))
add(None, notification("update", "yuki", lambda ms: {**STATUSES["yuki_picker"], "favourited": True}))
add(None, post("termcraft_a11y", "termcraft",
               "We'd love more eyes on the new accessibility guide, screen reader users especially. "
               "What's missing? What's wrong? https://termcraft.rust.example/docs/accessibility #rust",
               "hashtag:rust", counts_=(7, 19, 40)))
add(None, conversation("4202", ["yuki"], "dm_demo_2", "demo",
                       "@yuki@example.net ありがとう! This is exactly what I needed.", reply_to="dm_yuki_1",
                       unread=False, counts_=(0, 0, 0)))
add(None, post("oskar_dotfiles", "oskar",
               "Cleaned up my dotfiles today. Found three different prompt configs, two of which I don't "
               "remember writing. The archaeology continues.", "user", counts_=(1, 2, 23)))
add(None, edit("priya_bakery", "Small thing that made my day: a stranger at the bakery held the door, "
               "then the next person held it, and for about a minute there was a whole chain of "
               "door-holding. People are fine, actually.\n\n(edit: bakery, not bank. it was early.)",
               "public:local", replies_count=2, reblogs_count=9, favourites_count=46))
add(None, notification("moderation_warning", "demo", moderation_warning=lambda ms: {
    "id": "57", "action": "none",
    "text": "Hi! A friendly reminder from the moderators: please add image descriptions (alt text) "
            "when you post pictures. Nothing else to do, and thanks for being here 💐",
    "status_ids": [], "target_account": A["demo"].obj(), "appeal": None, "created_at": iso(ms - 2000)}))
add(None, post("sam_meme", "sam", "me explaining to my team why the \"quick fix\" needed 400 lines",
               "user", counts_=(2, 16, 71),
               attachments=[dict(kind="image", scene="meme", w=1080, h=1080, description=None)]))
add(None, post("alex_hello", "alex",
               "Hi everyone! New here 👋 I write Rust for tiny computers and I'm looking for people who "
               "like microcontrollers, blinking LEDs and quiet hobbies. #introduction #rust",
               "public:local", "hashtag:rust", counts_=(4, 3, 26)))
add(None, edit("oskar_impl", "Hot take: impl Trait in argument position is fine, actually, and I'm "
               "tired of pretending it isn't. #rust\n\n(edit: yes, I know about the turbofish. I "
               "stand by it.)", "hashtag:rust", replies_count=17, reblogs_count=6, favourites_count=39))
add(None, post("diego_norule", "diego",
               "Our local meetup has exactly one rule: no crypto talk. Best rule. Attendance has "
               "never been better.", "public:local", counts_=(2, 5, 37)))
add(None, post("sam_test", "sam", "test post please ignore", "user", counts_=(0, 0, 0)))
add(None, boost("b_tomasz_hike", "tomasz", "priya_hike", "user"))
add(None, delete("sam_test", "user"))
add(None, post("diego_pr", "diego",
               "First time contributing to an open source #rust project, and the maintainer's review "
               "was so kind I might cry. Small PR, big feelings.", "public:local", "hashtag:rust",
               counts_=(3, 8, 61)))
add(None, post("june_water", "june",
               "gentle reminder to drink some water and stretch your shoulders. yes, you. the one "
               "hunched over the terminal :blobcat:", "user", "public:local", counts_=(0, 11, 52)))
add(None, conversation("4203", ["lena", "ana"], "dm_lena_1", "lena",
                       "@demo @ana@social.example quick question before Saturday: does anyone have a "
                       "spare USB-C to HDMI adapter I could borrow for the talk? 🙏", counts_=(0, 0, 0)))
def _quote(ms):
    q = STATUSES["demo_hello"]
    s = make_status("n_oskar_quote", "oskar", "This is the energy I want on my timeline 😄", ms - 800,
                    counts_=(0, 0, 2), for_user=True, quote=q)
    # Mastodon 4.5 adds a fallback link for clients that do not show quotes.
    s["content"] += f'<p class="quote-inline">RE: {link_html(q["url"])}</p>'
    return s


add(None, notification("quote", "oskar", _quote))
add(None, post("lena_thanks", "lena",
               "Danke an alle fürs Zuhören! 🙏 Die Aufzeichnung kommt nächste Woche, die Folien sind "
               "schon online.", "user", language="de", counts_=(3, 4, 38)))
add(None, post("oskar_mustuse", "oskar",
               "Small tip: put #[must_use] on your builder methods. Future you, who forgot to use the "
               "return value, says thanks. #rust", "hashtag:rust", counts_=(2, 12, 49)))
add(None, post("priya_reply", "priya", "@june the bakery opened at 6:30. I had priorities 🥐",
               "public:local", reply_to="june_reply", counts_=(0, 0, 8)))
add(179.5, post("ana_evening", "ana",
                "Scrolling rewrite: merged ✅ Nerd-sniped: only twice. Calling that a win. See you all "
                "tomorrow :ferris:", "user", "public:local", counts_=(2, 4, 31)))


# --------------------------------------------------------------------------------------------
# scheduling and writing


def schedule() -> list:
    """Times (ms offsets) for every slot."""
    pins = [(i, at) for i, (at, _) in enumerate(SLOTS) if at is not None]
    assert pins[0] == (0, 0.0) and pins[-1][0] == len(SLOTS) - 1, "first and last slots are pinned"
    times = [0.0] * len(SLOTS)
    for (i, ti), (j, tj) in zip(pins, pins[1:]):
        weights = [rng.uniform(0.6, 1.4) for _ in range(j - i)]
        total = sum(weights)
        t = ti
        for k, w in enumerate(weights, start=i + 1):
            t += (tj - ti) * w / total
            times[k] = t
        times[j] = tj
    return [round(t * 1000) for t in times]


def build() -> list:
    lines = []
    for (_, fn), off in zip(SLOTS, schedule()):
        ms = START_MS + off
        produced = fn(ms)
        for n, (stream, event, pl) in enumerate(produced):
            lines.append({"at_ms": ms + 3 * n, "stream": stream, "event": event, "payload": pl})
    return lines


# --------------------------------------------------------------------------------------------
# validation


STATUS_FIELDS = ("id", "created_at", "uri", "url", "account", "content", "spoiler_text", "sensitive",
                 "visibility", "language", "in_reply_to_id", "reblog", "media_attachments", "mentions",
                 "tags", "emojis", "poll", "card", "replies_count", "reblogs_count",
                 "favourites_count", "edited_at", "filtered")
ACCOUNT_FIELDS = ("id", "username", "acct", "display_name", "url", "avatar", "note", "emojis", "bot",
                  "locked", "followers_count", "following_count", "statuses_count", "created_at")


def check(cond, msg):
    if not cond:
        raise SystemExit(f"make_demo.py: check failed: {msg}")


def check_account(a, where):
    for f in ACCOUNT_FIELDS:
        check(f in a, f"{where}: account lacks {f}")
    if "@" in a["acct"]:
        check(a["acct"].split("@")[1] in ALLOWED_DOMAINS, f"{where}: remote domain {a['acct']}")
    for code in re.findall(r":(\w+):", a["display_name"]):
        check(code in [e["shortcode"] for e in a["emojis"]], f"{where}: :{code}: without its emoji")


URI_OF: dict = {}
MEDIA_URL_OF: dict = {}


def check_status(s, where, seen_ids):
    for f in STATUS_FIELDS:
        check(f in s, f"{where}: status lacks {f}")
    check(URI_OF.setdefault(s["id"], s["uri"]) == s["uri"], f"{where}: id {s['id']} used twice")
    check_account(s["account"], where)
    check(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", s["created_at"]), f"{where}: created_at")
    for code in re.findall(r":(\w+):", s["content"] + s["spoiler_text"]):
        if code in EMOJI_IDS:
            check(code in [e["shortcode"] for e in s["emojis"]], f"{where}: :{code}: without its emoji")
    for m in s["media_attachments"]:
        for f in ("id", "type", "url", "preview_url", "description", "blurhash", "meta"):
            check(f in m, f"{where}: media lacks {f}")
        check(MEDIA_URL_OF.setdefault(m["id"], m["url"]) == m["url"], f"{where}: media id {m['id']} used twice")
    if s["reblog"]:
        check(s["content"] == "", f"{where}: a boost has content")
        check_status(s["reblog"], where + " (reblog)", seen_ids)
        seen_ids.add(s["reblog"]["id"])
    seen_ids.add(s["id"])


def validate(lines_text: str) -> dict:
    seen_ids: set = set()
    last = 0
    stats = Counter()
    by_stream = Counter()
    order = []
    rows = lines_text.splitlines()
    matched_before, matched_after = [], []
    fc_at = None
    notif_types = set()
    last_notification = 0
    last_new_id = 0
    for n, line in enumerate(rows, 1):
        where = f"line {n}"
        r = json.loads(line)
        check(list(r) == ["at_ms", "stream", "event", "payload"], f"{where}: keys {list(r)}")
        check(r["stream"] in STREAMS, f"{where}: stream {r['stream']}")
        check(r["event"] in EVENTS, f"{where}: event {r['event']}")
        check(r["at_ms"] >= last, f"{where}: at_ms goes back")
        last = r["at_ms"]
        stats[r["event"]] += 1
        by_stream[(r["stream"], r["event"])] += 1
        if r["stream"] not in order:
            order.append(r["stream"])
        ev, p = r["event"], r["payload"]
        if ev in ("delete", "announcement.delete"):
            check(isinstance(p, str) and p.isdigit(), f"{where}: delete payload")
            if ev == "delete":
                check(p in seen_ids, f"{where}: delete of unknown id {p}")
            continue
        if ev == "filters_changed":
            check(p is None, f"{where}: filters_changed payload")
            fc_at = r["at_ms"]
            continue
        check(isinstance(p, str), f"{where}: payload is not a string")
        check(not re.search(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]", p),
              f"{where}: a raw control or bidi character in the payload")
        o = json.loads(p)
        if ev in ("update", "status.update"):
            if ev == "status.update":
                check(o["id"] in seen_ids, f"{where}: edit of unknown id {o['id']}")
                check(o["edited_at"], f"{where}: edit without edited_at")
            else:
                check(abs(_ms(o["created_at"]) - r["at_ms"]) <= 10, f"{where}: created_at ≠ event time")
                if o["id"] not in URI_OF:
                    check(int(o["id"]) > last_new_id, f"{where}: new status ids must increase")
                    last_new_id = int(o["id"])
            check_status(o, where, seen_ids)
            st = o["reblog"] or o
            (matched_after if fc_at else matched_before).extend(
                (f["title"], st["id"], r["stream"]) for f, _ in filter_matches(st))
            if fc_at and filter_matches(st) and not o["reblog"]:
                check(o["filtered"], f"{where}: a matching status after filters_changed lacks `filtered`")
        elif ev == "notification":
            for f in ("id", "type", "created_at", "account", "group_key"):
                check(f in o, f"{where}: notification lacks {f}")
            check(int(o["id"]) > last_notification, f"{where}: notification ids must increase")
            last_notification = int(o["id"])
            check(o["group_key"] == f"ungrouped-{o['id']}", f"{where}: group_key")
            check_account(o["account"], where)
            notif_types.add(o["type"])
            if "status" in o:
                check_status(o["status"], where, seen_ids)
                if not fc_at:
                    matched_before.extend((f["title"], o["status"]["id"], "notification")
                                          for f, _ in filter_matches(o["status"]))
        elif ev == "conversation":
            for f in ("id", "unread", "accounts", "last_status"):
                check(f in o, f"{where}: conversation lacks {f}")
            check(o["last_status"]["visibility"] == "direct", f"{where}: conversation not direct")
            check_status(o["last_status"], where, seen_ids)
        elif ev == "announcement":
            for f in ("id", "content", "starts_at", "ends_at", "all_day", "published_at", "updated_at",
                      "read", "mentions", "statuses", "tags", "emojis", "reactions"):
                check(f in o, f"{where}: announcement lacks {f}")
    for host in re.findall(r"https?://([A-Za-z0-9.-]+)", lines_text):
        check(host.endswith(ALLOWED_DOMAINS), f"a non-example host: {host}")
    check(order == list(STREAMS), f"tab order {order}")
    rel = [json.loads(x)["at_ms"] - START_MS for x in rows]
    check(rel[0] == 0 and sum(t < 2000 for t in rel) >= 25, "the first 25 events within 2 s")
    gaps = [b - a for a, b in zip(rel, rel[1:]) if a >= 2000]
    check(max(gaps) <= 5000, f"a gap of {max(gaps)} ms")
    check(170_000 <= rel[-1] <= 190_000, f"duration {rel[-1]} ms")
    check(fc_at and 55_000 <= fc_at - START_MS <= 65_000, "filters_changed about 60 s in")
    need = {"mention", "status", "reblog", "follow", "follow_request", "favourite", "poll", "update",
            "admin.sign_up", "admin.report", "severed_relationships", "moderation_warning", "quote"}
    check(need <= notif_types, f"notification types missing: {need - notif_types}")
    check({t for t, *_ in matched_before} == {"Spoilers", "Crypto"}, f"before: {matched_before}")
    check({t for t, *_ in matched_after} == {"Spoilers", "Crypto"}, f"after: {matched_after}")
    check(len(lines_text.encode()) < 400_000, "size")
    return {"events": stats, "by_stream": by_stream, "before": matched_before, "after": matched_after,
            "gaps": (min(gaps), max(gaps)), "burst": sum(t < 2000 for t in rel)}


def _ms(t: str) -> int:
    d = _dt.datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=_dt.timezone.utc)
    return round(d.timestamp() * 1000)


def main():
    lines = build()
    text = "".join(json.dumps(l, ensure_ascii=False, separators=(",", ":")) + "\n" for l in lines)
    OUT_EVENTS.write_text(text, encoding="utf-8")
    OUT_FILTERS.write_text(json.dumps(FILTERS, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for f in json.loads(OUT_FILTERS.read_text()):
        for k in ("id", "title", "context", "expires_at", "filter_action", "keywords", "statuses"):
            check(k in f, f"filter lacks {k}")
    v = validate(text)
    print(f"{OUT_EVENTS.name}: {len(lines)} lines, {len(text.encode())} bytes; "
          f"{OUT_FILTERS.name}: {OUT_FILTERS.stat().st_size} bytes")
    for (stream, event), c in sorted(v["by_stream"].items()):
        print(f"  {stream:13} {event:14} {c}")
    print("  first 2 s:", v["burst"], "events; gaps after:", v["gaps"], "ms")
    print("  filter matches before filters_changed:", v["before"])
    print("  after:", v["after"])


if __name__ == "__main__":
    main()
