//! `update(&mut State, AppEvent) -> Vec<Command>`: where the live semantics live. Synchronous
//! and free of I/O, so every rule here is a unit test away.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEventKind};

use super::state::{Item, Overlay, State};
use super::{AppEvent, Command};
use crate::api::timeline::{CatchUp, History, Since};
use crate::filter::Verdict;
use crate::keys::Action;
use crate::live::{self, Admit, CaughtUp, Need, Origin};
use crate::stream::{ConnectionState, StreamEvent, StreamId, StreamMessage};

pub fn update(state: &mut State, event: AppEvent) -> Vec<Command> {
    // Pages put posts anywhere in a timeline: what is unread is counted again after one.
    let paged = matches!(
        event,
        AppEvent::HistoryFetched { .. } | AppEvent::ArchiveLoaded { .. }
    );
    let mut commands = take(state, event);
    if paged {
        state.tabs.iter_mut().for_each(|t| t.count_unread());
    }
    super::read::after(state, &mut commands);
    commands
}

fn take(state: &mut State, event: AppEvent) -> Vec<Command> {
    if matches!(
        event,
        AppEvent::Key(_) | AppEvent::Mouse(_) | AppEvent::TabClicked(_)
    ) {
        state.last_input = state.now;
    }
    match event {
        AppEvent::Stream(StreamMessage::Event { stream, event, raw }) => {
            // The payload comes along only for a hook (`setup::connect_live`).
            let payload = raw.and_then(|r| r.payload);
            on_stream_event(state, stream.0, event, payload.as_deref(), Origin::Stream)
        }
        AppEvent::Stream(StreamMessage::State { stream, state: new }) => {
            on_connection(state, stream.0, new)
        }
        AppEvent::Key(key) => on_key(state, key),
        AppEvent::Mouse(mouse) => {
            let by = match mouse.kind {
                MouseEventKind::ScrollDown => 1,
                MouseEventKind::ScrollUp => -1,
                _ => return Vec::new(),
            };
            if state.overlay == Overlay::None {
                step(state, by);
            } else {
                scroll_overlay(state, overlay_at(state).saturating_add_signed(by));
            }
            state.dirty = true;
            Vec::new()
        }
        AppEvent::TabClicked(i) => {
            select_tab(state, i);
            Vec::new()
        }
        AppEvent::Resized => {
            state.dirty = true;
            Vec::new()
        }
        AppEvent::Tick(now) => {
            state.now = now;
            if let Some(monitor) = &state.monitor {
                // The footer counts seconds; and a stream silent or down too long is news.
                state.dirty = true;
                let mut commands = Vec::new();
                for s in state.tabs.iter_mut().flat_map(|t| t.streams.iter_mut()) {
                    if !s.alerted && s.is_stale(now, monitor.stale_after) {
                        s.alerted = true;
                        if monitor.bell {
                            commands.push(Command::Bell);
                        }
                    }
                }
                commands.dedup();
                return commands;
            }
            // Relative times on screen may have changed (an empty screen has none), and a
            // reconnect counts down.
            state.dirty |= state.active_tab().is_some_and(|t| !t.entries.is_empty())
                || !state.notifications.entries.is_empty()
                || state.counting_down();
            Vec::new()
        }
        AppEvent::FiltersFetched {
            account,
            result: Ok(filters),
        } => {
            if account < state.accounts.len() {
                state.core.set_filters(account, filters);
                state.refilter(account);
                state.dirty = true;
            }
            Vec::new()
        }
        AppEvent::FiltersFetched {
            account,
            result: Err(e),
        } => {
            tracing::warn!("fetching filters failed: {e}");
            state.core.filters_failed(account);
            // Offline, the streams' states say what is wrong, and the footer keeps them.
            let online = state
                .tabs
                .iter()
                .filter(|t| t.account == account)
                .flat_map(|t| &t.streams)
                .any(|s| {
                    matches!(
                        s.state,
                        ConnectionState::Live { .. } | ConnectionState::Polling { .. }
                    )
                });
            if online {
                state.flash = Some(format!("could not fetch filters: {e}"));
                state.dirty = true;
            }
            Vec::new()
        }
        AppEvent::HistoryFetched {
            stream,
            since,
            result,
        } => {
            if since.is_none() {
                // The latest page at start: where catching up will begin.
                match &result {
                    Ok(found) => state.core.opened(stream, Some(&found.items)),
                    Err(e) => state.core.open_failed(stream, e),
                }
            } else {
                // Shown (with a gap marker for the rest, if it was cut short) or failed: a
                // failed one is asked again at the next poll or reconnect.
                let outcome = match &result {
                    Ok(_) => CaughtUp::Done,
                    Err(e) => CaughtUp::after(e),
                };
                if let Ok(found) = &result {
                    state.core.judge_spells(stream, &found.items, state.now);
                }
                state.core.caught_up(stream, outcome);
                // Posts that came by REST end a silence as posts from the stream do: those
                // that belong on it (a server that cannot narrow a timeline sends others).
                let now = state.now;
                let brought = result.as_ref().is_ok_and(|found| match &found.items {
                    History::Statuses(v) => v.iter().any(|s| state.core.admits_rest(stream, s)),
                    items => !items.is_empty(),
                });
                if brought && let Some(slot) = state.stream_slot_mut(stream) {
                    slot.last_event = Some(now);
                    slot.alerted = false;
                }
            }
            let mut commands = Vec::new();
            match result {
                Ok(found) => {
                    commands.extend(super::archive::record_page(state, stream, &found));
                    match since {
                        Some(since) => {
                            commands.extend(merge_missed(state, stream, Some(&since), found))
                        }
                        None => state.merge_history(stream, None, found),
                    }
                }
                Err(e) => {
                    tracing::warn!("loading history failed: {e}");
                    state.flash = Some(format!("could not load posts: {e}"));
                }
            }
            state.dirty = true;
            commands.extend(core_work(state));
            commands
        }
        AppEvent::NotificationsFetched {
            account,
            since,
            result,
        } => {
            if since.is_none() {
                let newest = result.as_ref().ok().map(|c| c.items.newest_id());
                state.core.opened_notifications(account, newest);
            } else {
                let outcome = match &result {
                    Ok(_) => CaughtUp::Done,
                    Err(_) => CaughtUp::Failed,
                };
                state.core.notifications_caught_up(account, outcome);
            }
            let mut commands = Vec::new();
            match result {
                Ok(found) => {
                    commands.extend(super::archive::record_notifications(state, account, &found));
                    if let History::Notifications(v) = found.items {
                        for n in &v {
                            state.core.note_notification(account, &n.id);
                        }
                        state.merge_notifications(account, since.as_ref(), v)
                    }
                }
                Err(e) => {
                    tracing::warn!("loading notifications failed: {e}");
                    state.flash = Some(format!("could not load notifications: {e}"));
                }
            }
            state.dirty = true;
            commands
        }
        AppEvent::Verified { stream, result } => match result {
            Ok(page) => on_verified(state, stream, page),
            Err(e) => {
                tracing::warn!("verifying {stream:?} failed: {e}");
                Vec::new()
            }
        },
        AppEvent::PollDue => {
            state.core.poll_due();
            core_work(state)
        }
        AppEvent::VerifyDue => {
            state.core.verify_due();
            core_work(state)
        }
        AppEvent::Terminate => {
            state.quit = true;
            vec![Command::Quit]
        }
        AppEvent::RecordingEnded => {
            state.recording_ended = Some(true);
            state.dirty = true;
            Vec::new()
        }
        AppEvent::PicturesOnScreen(urls) => super::pictures::on_screen(state, urls),
        AppEvent::ImageFetched { url, result } => super::pictures::fetched(state, url, result),
        AppEvent::ArchiveLoaded { target, kept } => {
            super::archive::show_kept(state, &target, kept);
            state.dirty = true;
            Vec::new()
        }
        AppEvent::ArchiveSearched { tab, query, result } => {
            super::search::found(state, tab, query, result);
            Vec::new()
        }
        AppEvent::ArchiveNotice(notice) => {
            state.flash = Some(notice);
            state.dirty = true;
            Vec::new()
        }
        AppEvent::MarkersFetched { account, result } => {
            super::markers::fetched(state, account, result);
            Vec::new()
        }
        AppEvent::MarkersSaved {
            account,
            posted,
            result,
        } => {
            super::markers::saved(state, account, posted, result);
            Vec::new()
        }
    }
}

/// `payload`: the event as the server sent it, if kept (for the hook: the timeline holds the
/// model alone).
fn on_stream_event(
    state: &mut State,
    stream: usize,
    event: StreamEvent,
    payload: Option<&str>,
    origin: Origin,
) -> Vec<Command> {
    let Some(&tab) = state.stream_tab.get(stream) else {
        return Vec::new();
    };
    let via = state.tabs[tab]
        .streams
        .iter()
        .position(|s| s.id.0 == stream)
        .unwrap_or(0);
    let now = state.now;
    let account = state.tabs[tab].account;
    // Posts end a silence; deletes do not (a feed switched off sends nothing else).
    let post = matches!(
        event,
        StreamEvent::Update(_)
            | StreamEvent::StatusUpdate(_)
            | StreamEvent::Notification(_)
            | StreamEvent::Conversation(_)
    );
    if origin.streamed() && post {
        let slot = &mut state.tabs[tab].streams[via];
        slot.last_event = Some(now);
        // A post ends the silence: the next one is news again.
        slot.alerted = false;
    }
    // The core sees every event, also what the tab's hashtag rule leaves out: the stream
    // delivered it (verification counts on that).
    let admit = state.core.admit(StreamId(stream), &event, origin, now);
    let mut commands = core_work(state);
    if let StreamEvent::Update(status) = &event
        && !state.tabs[tab].tag_rule.admits(status)
    {
        return commands;
    }
    commands.extend(super::archive::record(
        state,
        StreamId(stream),
        &event,
        &admit,
    ));
    let verdict = match admit {
        Admit::Deleted | Admit::Outside => return commands,
        Admit::Duplicate => {
            if let StreamEvent::Update(status) = &event {
                state.tabs[tab].add_via(&status.id, via);
            }
            return commands;
        }
        Admit::New(verdict) => verdict,
    };
    match event {
        StreamEvent::Update(status) => {
            let limit = state.settings.timeline_len;
            let active = tab == state.active;
            let news = post_news(state, &status, payload, &verdict);
            let t = &mut state.tabs[tab];
            let new = t.push_newest(Item::Status(status), verdict, via, limit);
            if new && active && t.is_following() {
                t.unread = 0;
            }
            if new {
                commands.extend(news);
            }
        }
        StreamEvent::StatusUpdate(status) => {
            let conversations = state.tabs[tab]
                .streams
                .get(via)
                .is_some_and(|s| s.spec == crate::stream::StreamSpec::Direct);
            let held = state.edit_status(account, &status).contains(&tab);
            if !held && !conversations && state.tabs[tab].tag_rule.admits(&status) {
                // Its post never came (the edit overtook it): news as that post would be.
                let news = post_news(state, &status, payload, &verdict);
                let limit = state.settings.timeline_len;
                if state.tabs[tab].insert_edited(Item::Status(status), verdict, via, limit) {
                    commands.extend(news);
                }
            }
        }
        StreamEvent::Delete(id) => state.delete_status(account, &id),
        StreamEvent::Notification(n) => {
            if state.add_notification(account, n) && state.settings.bell_on_mention {
                commands.push(Command::Bell);
            }
        }
        StreamEvent::Conversation(c) => state.upsert_conversation(tab, via, c),
        // The core asked for the filters.
        StreamEvent::FiltersChanged => return commands,
        StreamEvent::Announcement(a) => {
            state.announcements.retain(|x| x.id != a.id);
            state.announcements.insert(0, *a);
        }
        StreamEvent::AnnouncementDelete(id) => state.announcements.retain(|a| a.id != id),
        StreamEvent::AnnouncementReaction(_)
        | StreamEvent::NotificationsMerged
        | StreamEvent::Unknown { .. } => return commands,
    }
    state.dirty = true;
    commands
}

fn on_connection(state: &mut State, stream: usize, new: ConnectionState) -> Vec<Command> {
    if state.stream_tab.get(stream).is_none() {
        return Vec::new();
    }
    let shown = state.core.on_state(StreamId(stream), &new, state.now);
    state.show_state(StreamId(stream), shown);
    state.dirty = true;
    core_work(state)
}

/// What the core queued, as commands; and the states it changed, on screen.
fn core_work(state: &mut State) -> Vec<Command> {
    for (stream, shown) in state.core.take_notices() {
        state.show_state(stream, shown);
        state.dirty = true;
    }
    let mut commands: Vec<Command> = Vec::new();
    for need in state.core.take_needs() {
        let command = match need {
            Need::Filters { account } => Command::FetchFilters { account },
            Need::CatchUp {
                stream,
                spec,
                since,
            } => Command::FetchHistory {
                account: state.core.account_of(stream),
                stream,
                spec,
                since: Some(since),
            },
            Need::CatchUpNotifications { stream, since } => Command::FetchNotifications {
                account: state.core.account_of(stream),
                since: Some(since),
            },
            Need::Verify { stream, spec } => Command::VerifyStream {
                account: state.core.account_of(stream),
                stream,
                spec,
            },
        };
        // Several streams of one account coming back at once need its filters once.
        if !commands.contains(&command) {
            commands.push(command);
        }
    }
    commands
}

/// What a new post on screen sets off, if it is visible: the monitor's bell for a highlighted
/// one, the `--exec` hook (with the post as the server sent it, `payload`, where that was
/// kept).
fn post_news(
    state: &State,
    status: &crate::model::Status,
    payload: Option<&str>,
    verdict: &Verdict,
) -> Vec<Command> {
    let mut news = Vec::new();
    if *verdict == Verdict::Hide {
        return news;
    }
    if state.highlights.matches_status(status) && state.monitor.as_ref().is_some_and(|m| m.bell) {
        news.push(Command::Bell);
    }
    if state.has_hook && live::wants_hook(&state.highlights, status, verdict) {
        let json = match payload {
            Some(json) => Some(json.to_string()),
            None => serde_json::to_string(status).ok(),
        };
        news.extend(json.map(Command::RunHook));
    }
    news
}

/// Merges posts REST brought that the stream should have (a catch-up, a poll, a gap loaded,
/// a verification's finds): those new to the tab and posted since the view opened are news
/// as streamed ones are (the hook, with the post as the server sent it; the monitor's bell,
/// once), oldest first. What was posted while the view was closed is not: the first catch-up
/// from the archive's place would set off a hook for each post of the night.
fn merge_missed(
    state: &mut State,
    stream: StreamId,
    since: Option<&Since>,
    mut found: CatchUp,
) -> Vec<Command> {
    let Some(&tab) = state.stream_tab.get(stream.0) else {
        return Vec::new();
    };
    let mut fresh = Vec::new();
    if let History::Statuses(v) = &mut found.items {
        for s in v.iter_mut() {
            let since_opened = s
                .created_at
                .parse::<jiff::Timestamp>()
                .is_ok_and(|t| t >= state.opened_at);
            if since_opened && state.tabs[tab].position_of(&s.id).is_none() {
                // The server's JSON is for the hook alone: the timeline holds the model.
                fresh.push((s.id.clone(), std::mem::take(&mut s.server_json)));
            }
        }
    }
    state.merge_history(stream, since, found);
    let t = &state.tabs[tab];
    let mut news: Vec<Command> = fresh
        .iter()
        .rev()
        .filter_map(|(id, json)| {
            let entry = &t.entries[t.position_of(id)?];
            let Item::Status(status) = &entry.item else {
                return None;
            };
            Some(post_news(state, status, json.get(), &entry.verdict))
        })
        .flatten()
        .collect();
    // One bell for the lot.
    let mut rung = false;
    news.retain(|c| *c != Command::Bell || !std::mem::replace(&mut rung, true));
    news
}

/// A verification answered: what the stream never sent goes on screen as a catch-up would.
fn on_verified(state: &mut State, stream: StreamId, page: History) -> Vec<Command> {
    let missed = state.core.verified(stream, &page, state.now);
    let mut commands = Vec::new();
    if !missed.is_empty() {
        let account = state.core.account_of(stream);
        match missed {
            History::Notifications(v) => state.merge_notifications(account, None, v),
            items => {
                let found = CatchUp {
                    items,
                    complete: true,
                    resume_from: String::new(),
                };
                commands.extend(super::archive::record_page(state, stream, &found));
                commands.extend(merge_missed(state, stream, None, found));
            }
        }
        state.dirty = true;
    }
    commands.extend(core_work(state));
    commands
}

/// The line the open overlay shows at its top, as last drawn.
fn overlay_at(state: &State) -> usize {
    state.overlay_scroll.min(state.overlay_scroll_max)
}

/// The open overlay scrolled to line `to`, as far as it went when last drawn; `usize::MAX`
/// stays at the end however far that moves (a picture that arrives makes a post taller).
fn scroll_overlay(state: &mut State, to: usize) {
    let was = state.overlay_scroll;
    state.overlay_scroll = match to {
        usize::MAX => usize::MAX,
        to => to.min(state.overlay_scroll_max),
    };
    state.dirty |= state.overlay_scroll != was;
}

fn select_tab(state: &mut State, i: usize) {
    if i < state.tabs.len() {
        state.found = None;
        state.active = i;
        // The line stays where the reader's place was when they came, while they read on.
        let tab = &mut state.tabs[i];
        tab.divider_id = tab
            .read_id
            .clone()
            .or_else(|| tab.first_read_below_unread());
        state.overlay = Overlay::None;
        state.dirty = true;
    }
}

/// Moves the selection over what the reader sees: visible entries that match the search.
fn step(state: &mut State, steps: isize) {
    let Some(tab) = state.active_tab() else {
        return;
    };
    let candidates: Vec<usize> = tab
        .visible()
        .filter(|(_, e)| state.matches_search(e))
        .map(|(i, _)| i)
        .collect();
    if let Some(tab) = state.active_tab_mut() {
        tab.move_within(&candidates, steps);
    }
}

fn selected_status_url(state: &State) -> Option<String> {
    let tab = state.active_tab()?;
    let entry = tab.selected_entry()?;
    let status = entry.item.status()?;
    let url = status
        .url
        .as_deref()
        .filter(|u| !u.is_empty())
        .unwrap_or(&status.uri);
    let url = crate::sanitize::sanitize_line(url).into_owned();
    (url.starts_with("https://") || url.starts_with("http://")).then_some(url)
}

fn on_key(state: &mut State, key: KeyEvent) -> Vec<Command> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(key.code, KeyCode::Char('c')) {
        state.quit = true;
        return vec![Command::Quit];
    }
    let action = state.settings.keys.action(&key);
    // The monitor is a kiosk: it follows the newest post and needs no key but quit.
    if state.monitor.is_some() {
        if action == Some(Action::Quit) {
            state.quit = true;
            return vec![Command::Quit];
        }
        return Vec::new();
    }
    if state.search.editing {
        let mut commands = Vec::new();
        match key.code {
            KeyCode::Esc => state.search = Default::default(),
            KeyCode::Enter => {
                state.search.editing = false;
                state.found = None;
                commands.extend(super::search::submit(state));
            }
            KeyCode::Backspace => {
                state.search.query.pop();
            }
            KeyCode::Char(c) if !ctrl => state.search.query.push(c),
            _ => return Vec::new(),
        }
        // Keep the selection on a match as the query narrows.
        step(state, 0);
        state.dirty = true;
        return commands;
    }
    let had_flash = state.flash.take().is_some();
    state.dirty |= had_flash;
    let mut commands = Vec::new();
    let Some(action) = action else {
        return commands;
    };
    // An overlay covers the timeline: the moving keys scroll it, and never move what it hides.
    if state.overlay != Overlay::None {
        let (at, page) = (overlay_at(state), state.overlay_page.max(1));
        let to = match action {
            Action::Down => Some(at.saturating_add(1)),
            Action::Up => Some(at.saturating_sub(1)),
            Action::PageDown => Some(at.saturating_add(page)),
            Action::PageUp => Some(at.saturating_sub(page)),
            Action::Top => Some(0),
            Action::Bottom => Some(usize::MAX),
            _ => None,
        };
        if let Some(to) = to {
            scroll_overlay(state, to);
            return commands;
        }
    }
    match action {
        Action::Quit => {
            state.quit = true;
            commands.push(Command::Quit);
        }
        Action::Help => {
            state.overlay = if state.overlay == Overlay::Help {
                Overlay::None
            } else {
                Overlay::Help
            };
            state.overlay_scroll = 0;
        }
        Action::Back => {
            if state.overlay != Overlay::None {
                state.overlay = Overlay::None;
            } else if !state.search.query.is_empty() || state.found.is_some() {
                state.search = Default::default();
                state.found = None;
            } else if !had_flash {
                return commands;
            }
        }
        Action::Tab(i) => select_tab(state, i as usize),
        Action::NextTab if !state.tabs.is_empty() => {
            select_tab(state, (state.active + 1) % state.tabs.len())
        }
        Action::PrevTab if !state.tabs.is_empty() => select_tab(
            state,
            (state.active + state.tabs.len() - 1) % state.tabs.len(),
        ),
        Action::Down => step(state, 1),
        Action::Up => step(state, -1),
        Action::PageDown => step(state, state.page_len.max(1) as isize),
        Action::PageUp => step(state, -(state.page_len.max(1) as isize)),
        Action::Top => step(state, isize::MIN / 2),
        Action::Bottom => step(state, isize::MAX / 2),
        Action::OpenDetail => {
            let selected = state
                .active_tab()
                .and_then(|t| t.selected_entry())
                .map(|e| e.item.clone());
            if let Some(Item::Gap {
                stream,
                resume_from,
                ..
            }) = &selected
            {
                let spec = state.tabs[state.active]
                    .streams
                    .iter()
                    .find(|s| s.id == *stream)
                    .map(|s| s.spec.clone());
                if let Some(spec) = spec {
                    state.flash = Some("loading the missed posts…".into());
                    commands.push(Command::FetchHistory {
                        account: state.tabs[state.active].account,
                        stream: *stream,
                        spec,
                        since: Some(Since::Id(resume_from.clone())),
                    });
                }
            } else if let Some(id) = selected.map(|i| i.id().to_string()) {
                state.overlay = Overlay::Detail {
                    tab: state.active,
                    id,
                };
                state.overlay_scroll = 0;
            }
        }
        Action::Reveal => {
            let target = state
                .active_tab()
                .and_then(|t| t.selected_entry())
                .and_then(|e| {
                    let id = e.item.status()?.id.clone();
                    // Sensitive media and media under a `blur` filter are fetched only then.
                    let hides_something = matches!(e.verdict, Verdict::Warn { .. } | Verdict::Blur)
                        || e.item.status().is_some_and(|s| {
                            !s.spoiler_text.trim().is_empty()
                                || (s.sensitive && !s.media_attachments.is_empty())
                        });
                    hides_something.then_some(id)
                });
            match target {
                Some(id) if !state.revealed.remove(&id) => {
                    state.revealed.insert(id);
                }
                Some(_) => {}
                None => return commands,
            }
        }
        Action::OpenLink => match selected_status_url(state) {
            Some(url) if state.settings.open_locally => commands.push(Command::OpenUrl(url)),
            Some(url) => {
                state.flash = Some("link copied to your clipboard (no local browser)".into());
                commands.push(Command::CopyToClipboard(url));
            }
            None => return commands,
        },
        Action::CopyLink => match selected_status_url(state) {
            Some(url) => {
                state.flash = Some(format!("copied {url}"));
                commands.push(Command::CopyToClipboard(url));
            }
            None => return commands,
        },
        Action::ToggleNotifications => {
            state.show_notifications = !state.show_notifications;
            if state.show_notifications {
                state.notifications.unread_of.clear();
            }
        }
        Action::Search => {
            state.search.editing = true;
            state.search.query.clear();
        }
        Action::DismissAnnouncement => {
            if state.announcements.is_empty() {
                return commands;
            }
            state.announcements.remove(0);
        }
        Action::NextTab | Action::PrevTab => return commands,
    }
    state.dirty = true;
    commands
}

#[cfg(test)]
#[path = "reducer_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "reducer_accounts_tests.rs"]
mod accounts_tests;

#[cfg(test)]
#[path = "reducer_history_tests.rs"]
mod history_tests;

#[cfg(test)]
#[path = "reducer_read_tests.rs"]
mod read_tests;

#[cfg(test)]
#[path = "reducer_markers_tests.rs"]
mod markers_tests;

#[cfg(test)]
#[path = "reducer_monitor_tests.rs"]
mod monitor_tests;
