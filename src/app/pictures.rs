//! Which pictures the live view holds, fetches and waits for: part of the state, changed by
//! the reducer only. The view reports what it shows (`AppEvent::PicturesOnScreen`); pictures
//! on or near the screen that are neither held nor failed are fetched, a few at a time, and
//! arrive as `AppEvent::ImageFetched`. Held pictures are bounded by bytes; the least recently
//! shown go first, never one on screen.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::Command;
use super::state::State;
use crate::media::Picture;

/// Downloads at once: the rest wait in screen order.
pub const MAX_FETCHES: usize = 3;
/// Decoded pictures held, in bytes (each is at most 192×48 RGBA, about 37 KB).
pub const CACHE_BYTES: usize = 16 * 1024 * 1024;
/// Failed URLs remembered (not retried); past this the memory is forgotten.
const MAX_FAILED: usize = 4096;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Pictures {
    held: HashMap<String, Held>,
    bytes: usize,
    pending: HashSet<String>,
    failed: HashSet<String>,
    /// Wanted, in screen order, not held, pending or failed.
    queue: Vec<String>,
    /// What the last frame showed or came near.
    on_screen: HashSet<String>,
    clock: u64,
}

#[derive(Debug, Clone, PartialEq)]
struct Held {
    picture: Arc<Picture>,
    used: u64,
}

impl Pictures {
    pub fn get(&self, url: &str) -> Option<&Arc<Picture>> {
        self.held.get(url).map(|h| &h.picture)
    }

    /// Bytes of the pictures held (at most [`CACHE_BYTES`]).
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Downloads running.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    fn start_fetches(&mut self) -> Vec<String> {
        let mut started = Vec::new();
        while self.pending.len() < MAX_FETCHES && !self.queue.is_empty() {
            let url = self.queue.remove(0);
            self.pending.insert(url.clone());
            started.push(url);
        }
        started
    }

    fn evict_for(&mut self, incoming: usize) -> bool {
        while self.bytes + incoming > CACHE_BYTES {
            let oldest = self
                .held
                .iter()
                .filter(|(url, _)| !self.on_screen.contains(*url))
                .min_by_key(|(_, h)| h.used)
                .map(|(url, _)| url.clone());
            let Some(url) = oldest else {
                return false;
            };
            if let Some(h) = self.held.remove(&url) {
                self.bytes -= h.picture.bytes();
            }
        }
        true
    }
}

fn commands(state: &State, urls: Vec<String>) -> Vec<Command> {
    use crate::media::decode::{KEEP_H, KEEP_W, PIXELS_KEEP_H, PIXELS_KEEP_W};
    // Real pixels need more of the picture than half blocks do.
    let keep = if state.settings.images.is_pixels() {
        (PIXELS_KEEP_W, PIXELS_KEEP_H)
    } else {
        (KEEP_W, KEEP_H)
    };
    urls.into_iter()
        .map(|url| Command::FetchImage {
            url,
            max_bytes: state.settings.max_image_bytes,
            keep,
        })
        .collect()
}

/// The view showed (or came near) these pictures: the missing ones are fetched, and what
/// scrolled away is no longer waited for.
pub fn on_screen(state: &mut State, urls: Vec<String>) -> Vec<Command> {
    let p = &mut state.pictures;
    p.clock += 1;
    let clock = p.clock;
    p.queue.clear();
    p.on_screen.clear();
    for url in urls {
        if !p.on_screen.insert(url.clone()) {
            continue;
        }
        if let Some(h) = p.held.get_mut(&url) {
            h.used = clock;
        } else if !p.pending.contains(&url) && !p.failed.contains(&url) {
            p.queue.push(url);
        }
    }
    let started = p.start_fetches();
    commands(state, started)
}

/// A download ended: the picture is held (the view redraws) or its URL is not tried again.
pub fn fetched(
    state: &mut State,
    url: String,
    result: Result<Arc<Picture>, String>,
) -> Vec<Command> {
    let p = &mut state.pictures;
    if p.pending.remove(&url) {
        match result {
            Ok(picture) => {
                let size = picture.bytes();
                if p.evict_for(size) {
                    p.bytes += size;
                    let used = p.clock;
                    p.held.insert(url, Held { picture, used });
                    state.dirty = true;
                } else {
                    tracing::debug!("no room for another picture on screen: {url}");
                    p.failed.insert(url);
                }
            }
            Err(e) => {
                tracing::debug!("picture {url}: {e}");
                if p.failed.len() >= MAX_FAILED {
                    p.failed.clear();
                }
                p.failed.insert(url);
            }
        }
    }
    let p = &mut state.pictures;
    let started = p.start_fetches();
    commands(state, started)
}

#[cfg(test)]
#[path = "pictures_tests.rs"]
mod tests;
