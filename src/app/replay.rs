//! Playing a `--record` file (or the bundled demo) into the inbox as if it were live: the
//! same decoder, the same events, the original gaps between them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use tokio::sync::mpsc;

use super::AppEvent;
use crate::model::Filter;
use crate::stream::decode::decode_event;
use crate::stream::{ConnectionState, StreamId, StreamMessage, StreamSpec, Transport};

/// One line of a record file, as `tail --record` writes it.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct RecordLine {
    pub at_ms: u64,
    pub stream: String,
    pub event: String,
    #[serde(default)]
    pub payload: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Replay {
    pub lines: Vec<(StreamSpec, RecordLine)>,
    pub speed: f64,
    /// What a filter fetch answers during the replay (the demo ships its filters) once the
    /// recording's `filters_changed` has played; before that there are none, so the viewer
    /// sees the change happen.
    pub filters: Option<Vec<Filter>>,
    filters_changed: Arc<AtomicBool>,
    /// Recording time minus wall time at the start, so relative times read as they did.
    offset: SignedDuration,
}

impl Replay {
    /// Parses a record file; lines that are not records are errors naming the line.
    pub fn parse(text: &str, speed: f64) -> Result<Replay, String> {
        let mut lines = Vec::new();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let record: RecordLine = serde_json::from_str(line)
                .map_err(|e| format!("line {} is not a tootwatch record: {e}", n + 1))?;
            let spec: StreamSpec = record
                .stream
                .parse()
                .map_err(|e| format!("line {}: {e}", n + 1))?;
            lines.push((spec, record));
        }
        if lines.is_empty() {
            return Err("it holds no events".into());
        }
        lines.sort_by_key(|(_, r)| r.at_ms);
        let first = lines[0].1.at_ms;
        let start = Timestamp::from_millisecond(first as i64).unwrap_or(Timestamp::UNIX_EPOCH);
        Ok(Replay {
            lines,
            speed: if speed.is_finite() && speed > 0.0 {
                speed
            } else {
                1.0
            },
            filters: None,
            filters_changed: Arc::new(AtomicBool::new(false)),
            offset: start.duration_since(Timestamp::now()),
        })
    }

    /// The filters as the recorded server would have answered a fetch at this point.
    pub fn current_filters(&self) -> Option<Vec<Filter>> {
        let filters = self.filters.as_ref()?;
        Some(if self.filters_changed.load(Ordering::Relaxed) {
            filters.clone()
        } else {
            Vec::new()
        })
    }

    pub fn clock_offset(&self) -> SignedDuration {
        self.offset
    }

    /// The recorded streams, one tab each, in order of first appearance.
    pub fn groups(&self) -> Vec<(String, Vec<StreamSpec>)> {
        let mut specs: Vec<StreamSpec> = Vec::new();
        for (spec, _) in &self.lines {
            if !specs.contains(spec) {
                specs.push(spec.clone());
            }
        }
        specs
            .into_iter()
            .map(|s| {
                (
                    super::tab_title(std::slice::from_ref(&s), &Default::default()),
                    vec![s],
                )
            })
            .collect()
    }

    pub fn spawn(&self, subscriptions: &[(StreamId, StreamSpec)], tx: mpsc::Sender<AppEvent>) {
        let lines = self.lines.clone();
        let speed = self.speed;
        let ids: Vec<(StreamId, StreamSpec)> = subscriptions.to_vec();
        let filters_changed = self.filters_changed.clone();
        tokio::spawn(async move {
            for (id, _) in &ids {
                let live = StreamMessage::State {
                    stream: *id,
                    state: ConnectionState::Live {
                        transport: Transport::Sse,
                    },
                };
                if tx.send(live.into()).await.is_err() {
                    return;
                }
            }
            let started = tokio::time::Instant::now();
            let first = lines.first().map_or(0, |(_, r)| r.at_ms);
            for (spec, record) in lines {
                let Some((id, _)) = ids.iter().find(|(_, s)| *s == spec) else {
                    continue;
                };
                let due = Duration::from_millis(record.at_ms - first).div_f64(speed);
                tokio::time::sleep_until(started + due).await;
                let event = match decode_event(&record.event, record.payload.as_deref()) {
                    Ok(e) => e,
                    Err(e) => {
                        tracing::warn!("replay: skipped a `{}` event: {e}", record.event);
                        continue;
                    }
                };
                if matches!(event, crate::stream::StreamEvent::FiltersChanged) {
                    filters_changed.store(true, Ordering::Relaxed);
                }
                let message = StreamMessage::Event {
                    stream: *id,
                    event,
                    raw: None,
                };
                if tx.send(message.into()).await.is_err() {
                    return;
                }
            }
            let _ = tx.send(AppEvent::RecordingEnded).await;
        });
    }
}

/// The bundled demo: a recording written for the purpose, and the filters it fetches.
pub fn demo(speed: f64) -> Replay {
    let mut replay = Replay::parse(include_str!("../../assets/demo.jsonl"), speed)
        .expect("the bundled demo recording parses (a test checks it)");
    replay.filters = serde_json::from_str(include_str!("../../assets/demo-filters.json")).ok();
    replay
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_demo_parses_and_every_event_decodes() {
        let d = demo(1.0);
        assert!(d.lines.len() > 100);
        assert!(d.filters.as_ref().is_some_and(|f| !f.is_empty()));
        assert_eq!(
            d.current_filters(),
            Some(vec![]),
            "no filters before the recorded change"
        );
        let titles: Vec<String> = d.groups().into_iter().map(|(t, _)| t).collect();
        assert_eq!(titles, ["Home", "Local", "#rust", "Direct"]);
        for (_, r) in &d.lines {
            decode_event(&r.event, r.payload.as_deref())
                .unwrap_or_else(|e| panic!("{}: {e}", r.event));
        }
    }

    #[test]
    fn bad_record_files_name_the_line() {
        let e = Replay::parse(
            "{\"at_ms\":1,\"stream\":\"user\",\"event\":\"delete\",\"payload\":\"1\"}\nnope\n",
            1.0,
        )
        .unwrap_err();
        assert!(e.starts_with("line 2 is not a tootwatch record"), "{e}");
        let e = Replay::parse("{\"at_ms\":1,\"stream\":\"usr\",\"event\":\"delete\"}", 1.0)
            .unwrap_err();
        assert!(e.contains("`usr` is not a STREAM"), "{e}");
        assert!(Replay::parse("", 1.0).is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn events_come_in_order_with_their_gaps() {
        let text = [
            r#"{"at_ms":1000,"stream":"public","event":"delete","payload":"1"}"#,
            r#"{"at_ms":3000,"stream":"public","event":"delete","payload":"2"}"#,
        ]
        .join("\n");
        let replay = Replay::parse(&text, 2.0).unwrap();
        let (tx, mut rx) = mpsc::channel(16);
        let subs = vec![(
            StreamId(0),
            StreamSpec::Public {
                scope: crate::stream::spec::Scope::All,
                media: false,
            },
        )];
        let start = tokio::time::Instant::now();
        replay.spawn(&subs, tx);
        assert!(matches!(
            rx.recv().await,
            Some(AppEvent::Stream(StreamMessage::State { .. }))
        ));
        assert!(
            matches!(rx.recv().await, Some(AppEvent::Stream(StreamMessage::Event { event: crate::stream::StreamEvent::Delete(id), .. })) if id == "1")
        );
        assert!(
            matches!(rx.recv().await, Some(AppEvent::Stream(StreamMessage::Event { event: crate::stream::StreamEvent::Delete(id), .. })) if id == "2")
        );
        assert_eq!(
            start.elapsed(),
            Duration::from_secs(1),
            "2 s of recording at double speed"
        );
    }
}
