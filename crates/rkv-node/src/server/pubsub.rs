//! Pub/sub: PUBLISH, (P)SUBSCRIBE, (P)UNSUBSCRIBE and PUBSUB, with Redis's replies.
//!
//! The [`Registry`] (in the shared state, so it changes under the one lock) maps each channel
//! and pattern to the ids of its subscribers, and each subscribing client to a bounded queue.
//! PUBLISH, under the lock, puts a ready-made message frame on every matching subscriber's
//! queue and never waits: the connection task of each subscriber takes messages off its queue
//! (its select loop has a message arm) and writes them. A subscriber that falls too far behind
//! (its queue is full, or the bytes it has not yet taken pass [`OUTPUT_LIMIT_BYTES`], Redis's
//! default pubsub hard limit) is cut off, as Redis closes a client past its pubsub output
//! buffer limit.
//!
//! Ordering: a connection drains its queue under the lock before each of its own commands, so
//! a message published before a client's UNSUBSCRIBE reaches it before the UNSUBSCRIBE's
//! confirmation, as in Redis where both go to one output buffer.

use crate::resp::{Frame, Protocol};
use crate::server::client::{Call, Client, Outcome};
use crate::server::state::{ClientKind, State};
use crate::store::glob::glob_match;
use bytes::{Bytes, BytesMut};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::{Notify, mpsc};

/// Messages a subscriber may have waiting before it is disconnected.
pub const QUEUE_MESSAGES: usize = 65_536;
/// Bytes a subscriber may have waiting before it is disconnected (Redis's default
/// `client-output-buffer-limit pubsub` hard limit, 32 MB).
pub const OUTPUT_LIMIT_BYTES: usize = 32 * 1024 * 1024;
/// Messages written per wake-up, so one busy subscriber's writes stay bounded.
const DRAIN_MAX: usize = 4096;

/// A message on its way to one subscriber.
#[derive(Debug)]
pub struct Message {
    frame: Frame,
    size: usize,
}

/// One subscribing client as the registry sees it.
struct Subscriber {
    tx: mpsc::Sender<Message>,
    pending: Arc<AtomicUsize>,
    kill: Arc<Notify>,
    channels: BTreeSet<Bytes>,
    patterns: BTreeSet<Bytes>,
}

impl Subscriber {
    fn count(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }

    /// Queue a message; false when the subscriber is too far behind.
    fn deliver(&self, frame: Frame, size: usize) -> bool {
        let before = self.pending.fetch_add(size, Ordering::Relaxed);
        if before.saturating_add(size) > OUTPUT_LIMIT_BYTES {
            return false;
        }
        self.tx.try_send(Message { frame, size }).is_ok()
    }
}

/// Every subscription on the server.
#[derive(Default)]
pub struct Registry {
    channels: HashMap<Bytes, BTreeSet<u64>>,
    patterns: HashMap<Bytes, BTreeSet<u64>>,
    subscribers: HashMap<u64, Subscriber>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("channels", &self.channels.len())
            .field("patterns", &self.patterns.len())
            .field("subscribers", &self.subscribers.len())
            .finish()
    }
}

/// The connection's end of its subscription queue.
#[derive(Debug, Default)]
pub struct ClientPubSub {
    rx: Option<mpsc::Receiver<Message>>,
    pending: Arc<AtomicUsize>,
}

impl ClientPubSub {
    /// The next message; never resolves for a client that never subscribed. `None` means the
    /// registry dropped this client (it fell too far behind): the connection must close.
    pub async fn recv(&mut self) -> Option<Frame> {
        match self.rx.as_mut() {
            Some(rx) => {
                let m = rx.recv().await?;
                self.pending.fetch_sub(m.size, Ordering::Relaxed);
                Some(m.frame)
            }
            None => std::future::pending().await,
        }
    }

    /// Encode the messages already queued (at most a bounded number) into `out`.
    pub fn drain(&mut self, proto: Protocol, out: &mut BytesMut) {
        let Some(rx) = self.rx.as_mut() else { return };
        for _ in 0..DRAIN_MAX {
            match rx.try_recv() {
                Ok(m) => {
                    self.pending.fetch_sub(m.size, Ordering::Relaxed);
                    crate::resp::encode(&m.frame, proto, out);
                }
                Err(_) => return,
            }
        }
    }
}

fn bulk(s: &'static str) -> Frame {
    Frame::Bulk(Bytes::from_static(s.as_bytes()))
}

fn count_frame(n: usize) -> Frame {
    Frame::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

impl Registry {
    /// Subscriptions (channels, patterns) of one client, for CLIENT LIST.
    pub fn counts(&self, id: u64) -> (usize, usize) {
        self.subscribers
            .get(&id)
            .map_or((0, 0), |s| (s.channels.len(), s.patterns.len()))
    }

    /// Channels with at least one subscriber.
    pub fn num_channels(&self) -> usize {
        self.channels.len()
    }

    /// Distinct patterns with at least one subscriber.
    pub fn num_patterns(&self) -> usize {
        self.patterns.len()
    }

    /// Deliver `msg` on `channel` to its subscribers and the matching pattern subscribers;
    /// returns how many received it. Subscribers that are too far behind are cut off.
    pub fn publish(&mut self, channel: &Bytes, msg: &Bytes) -> usize {
        let mut receivers = 0usize;
        let mut behind = Vec::new();
        let base = channel.len() + msg.len() + 48;
        if let Some(ids) = self.channels.get(channel) {
            for id in ids {
                let Some(s) = self.subscribers.get(id) else {
                    continue;
                };
                let frame = Frame::Push(vec![
                    bulk("message"),
                    Frame::Bulk(channel.clone()),
                    Frame::Bulk(msg.clone()),
                ]);
                receivers += 1;
                if !s.deliver(frame, base) {
                    behind.push(*id);
                }
            }
        }
        for (pat, ids) in &self.patterns {
            if !glob_match(pat, channel) {
                continue;
            }
            for id in ids {
                let Some(s) = self.subscribers.get(id) else {
                    continue;
                };
                let frame = Frame::Push(vec![
                    bulk("pmessage"),
                    Frame::Bulk(pat.clone()),
                    Frame::Bulk(channel.clone()),
                    Frame::Bulk(msg.clone()),
                ]);
                receivers += 1;
                if !s.deliver(frame, base + pat.len()) {
                    behind.push(*id);
                }
            }
        }
        for id in behind {
            if let Some(s) = self.subscribers.get(&id) {
                tracing::warn!(
                    "client id={id} closed for overcoming of output buffer limits (pubsub)"
                );
                s.kill.notify_one();
            }
            self.forget(id);
        }
        receivers
    }

    /// Drop every subscription of a client (disconnect, RESET, cut off).
    pub fn forget(&mut self, id: u64) {
        let Some(s) = self.subscribers.remove(&id) else {
            return;
        };
        for ch in &s.channels {
            remove_id(&mut self.channels, ch, id);
        }
        for p in &s.patterns {
            remove_id(&mut self.patterns, p, id);
        }
    }

    fn subscriber(
        &mut self,
        id: u64,
        client: &mut ClientPubSub,
        kill: Arc<Notify>,
    ) -> &mut Subscriber {
        self.subscribers.entry(id).or_insert_with(|| {
            let (tx, rx) = mpsc::channel(QUEUE_MESSAGES);
            client.rx = Some(rx);
            client.pending = Arc::new(AtomicUsize::new(0));
            Subscriber {
                tx,
                pending: Arc::clone(&client.pending),
                kill,
                channels: BTreeSet::new(),
                patterns: BTreeSet::new(),
            }
        })
    }
}

fn remove_id(map: &mut HashMap<Bytes, BTreeSet<u64>>, key: &Bytes, id: u64) {
    if let Some(ids) = map.get_mut(key) {
        ids.remove(&id);
        if ids.is_empty() {
            map.remove(key);
        }
    }
}

/// The error for a command a RESP2 client in subscribed mode may not run; `None` when allowed.
pub fn restricted(client: &Client, name: &str) -> Option<String> {
    if client.kind != ClientKind::PubSub || client.proto != Protocol::Resp2 {
        return None;
    }
    match name {
        "ping" | "subscribe" | "ssubscribe" | "unsubscribe" | "sunsubscribe" | "psubscribe"
        | "punsubscribe" | "quit" | "reset" => None,
        other => Some(format!(
            "ERR Can't execute '{other}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
        )),
    }
}

/// PING's reply in RESP2 subscribed mode (`["pong", msg]`), else `None`.
pub fn subscribed_ping(client: &Client, argv: &[Bytes]) -> Option<Frame> {
    if client.kind != ClientKind::PubSub || client.proto != Protocol::Resp2 {
        return None;
    }
    let msg = argv.get(1).cloned().unwrap_or_default();
    Some(Frame::Array(vec![bulk("pong"), Frame::Bulk(msg)]))
}

/// Leave subscribed mode (RESET, disconnect).
pub fn reset(state: &mut State, client: &mut Client) {
    state.pubsub.forget(client.id);
    client.pubsub = ClientPubSub::default();
    set_kind(state, client, false);
}

fn set_kind(state: &mut State, client: &mut Client, subscribed: bool) {
    if !matches!(client.kind, ClientKind::Normal | ClientKind::PubSub) {
        return;
    }
    let kind = if subscribed {
        ClientKind::PubSub
    } else {
        ClientKind::Normal
    };
    client.kind = kind;
    if let Some(e) = state.clients.get_mut(&client.id) {
        e.kind = kind;
    }
}

/// PUBLISH from our master's stream: deliver to our own subscribers (the bytes go on to our
/// replicas verbatim with the rest of the stream).
pub fn publish_from_master(
    state: &mut State,
    argv: &[Bytes],
) -> Result<(), crate::server::exec::ApplyError> {
    match argv {
        [_, ch, msg] => {
            state.pubsub.publish(ch, msg);
            Ok(())
        }
        _ => Err(crate::server::exec::ApplyError::Arity(
            "wrong number of arguments for 'publish'".into(),
        )),
    }
}

/// PUBLISH channel message.
pub fn publish(c: Call<'_>) -> Outcome {
    let (state, argv) = (c.state, &c.argv);
    let n = state.pubsub.publish(&argv[1], &argv[2]);
    // As Redis: PUBLISH goes to the replicas (so their subscribers get it too), never
    // to the AOF; a replica passes on only its master's stream.
    if !state.repl.is_replica() {
        state.repl.feed_commands(&[argv.to_vec()]);
        if !state.repl.replicas.is_empty() {
            state.repl_feed.notify_waiters();
        }
    }
    Outcome::Reply(count_frame(n))
}

/// SUBSCRIBE channel [channel …].
pub fn subscribe_command(c: Call<'_>) -> Outcome {
    subscribe(c.state, c.client, &c.argv, false)
}

/// PSUBSCRIBE pattern [pattern …].
pub fn psubscribe_command(c: Call<'_>) -> Outcome {
    subscribe(c.state, c.client, &c.argv, true)
}

/// UNSUBSCRIBE [channel …].
pub fn unsubscribe_command(c: Call<'_>) -> Outcome {
    unsubscribe(c.state, c.client, &c.argv, false)
}

/// PUNSUBSCRIBE [pattern …].
pub fn punsubscribe_command(c: Call<'_>) -> Outcome {
    unsubscribe(c.state, c.client, &c.argv, true)
}

/// PUBSUB CHANNELS | NUMSUB | NUMPAT | SHARDCHANNELS | SHARDNUMSUB.
pub fn pubsub(c: Call<'_>) -> Outcome {
    pubsub_command(c.state, &c.argv)
}

fn subscribe(state: &mut State, client: &mut Client, argv: &[Bytes], pattern: bool) -> Outcome {
    let kill = state
        .clients
        .get(&client.id)
        .map_or_else(|| Arc::new(Notify::new()), |e| Arc::clone(&e.kill));
    let sub = state.pubsub.subscriber(client.id, &mut client.pubsub, kill);
    let mut added = Vec::new();
    let mut replies = Vec::with_capacity(argv.len() - 1);
    for ch in &argv[1..] {
        let set = if pattern {
            &mut sub.patterns
        } else {
            &mut sub.channels
        };
        if set.insert(ch.clone()) {
            added.push(ch.clone());
        }
        replies.push(Frame::Push(vec![
            if pattern {
                bulk("psubscribe")
            } else {
                bulk("subscribe")
            },
            Frame::Bulk(ch.clone()),
            count_frame(sub.count()),
        ]));
    }
    let map = if pattern {
        &mut state.pubsub.patterns
    } else {
        &mut state.pubsub.channels
    };
    for ch in added {
        map.entry(ch).or_default().insert(client.id);
    }
    set_kind(state, client, true);
    Outcome::Replies(replies)
}

fn unsubscribe(state: &mut State, client: &mut Client, argv: &[Bytes], pattern: bool) -> Outcome {
    let kind = if pattern {
        bulk("punsubscribe")
    } else {
        bulk("unsubscribe")
    };
    let registry = &mut state.pubsub;
    let mut replies = Vec::new();
    let targets: Vec<Bytes> = if argv.len() > 1 {
        argv[1..].to_vec()
    } else {
        registry
            .subscribers
            .get(&client.id)
            .map(|s| {
                if pattern {
                    s.patterns.iter().cloned().collect()
                } else {
                    s.channels.iter().cloned().collect()
                }
            })
            .unwrap_or_default()
    };
    let mut remaining = registry.counts(client.id);
    for ch in &targets {
        let removed = registry.subscribers.get_mut(&client.id).is_some_and(|s| {
            let set = if pattern {
                &mut s.patterns
            } else {
                &mut s.channels
            };
            set.remove(ch)
        });
        if removed {
            let map = if pattern {
                &mut registry.patterns
            } else {
                &mut registry.channels
            };
            remove_id(map, ch, client.id);
        }
        remaining = registry.counts(client.id);
        replies.push(Frame::Push(vec![
            kind.clone(),
            Frame::Bulk(ch.clone()),
            count_frame(remaining.0 + remaining.1),
        ]));
    }
    if targets.is_empty() {
        replies.push(Frame::Push(vec![
            kind,
            Frame::Null,
            count_frame(remaining.0 + remaining.1),
        ]));
    }
    // The queue stays for the connection's lifetime: messages already queued are still
    // delivered, in order, before later replies.
    set_kind(state, client, remaining.0 + remaining.1 > 0);
    Outcome::Replies(replies)
}

fn pubsub_command(state: &State, argv: &[Bytes]) -> Outcome {
    let sub = String::from_utf8_lossy(&argv[1]).to_ascii_lowercase();
    let n = argv.len();
    let reg = &state.pubsub;
    let reply = match sub.as_str() {
        "channels" if n <= 3 => {
            let mut names: Vec<&Bytes> = reg
                .channels
                .keys()
                .filter(|c| argv.get(2).is_none_or(|p| glob_match(p, c)))
                .collect();
            names.sort();
            Frame::Array(names.into_iter().map(|c| Frame::Bulk(c.clone())).collect())
        }
        "numsub" => {
            let mut out = Vec::with_capacity((n - 2) * 2);
            for ch in &argv[2..] {
                out.push(Frame::Bulk(ch.clone()));
                out.push(count_frame(reg.channels.get(ch).map_or(0, BTreeSet::len)));
            }
            Frame::Array(out)
        }
        "numpat" if n == 2 => count_frame(reg.num_patterns()),
        "shardchannels" if n <= 3 => Frame::Array(Vec::new()),
        "shardnumsub" => {
            let mut out = Vec::with_capacity((n - 2) * 2);
            for ch in &argv[2..] {
                out.push(Frame::Bulk(ch.clone()));
                out.push(Frame::Integer(0));
            }
            Frame::Array(out)
        }
        "help" if n == 2 => Frame::Array(
            [
                "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "CHANNELS [<pattern>]",
                "    Return the currently active channels matching a <pattern> (default: '*').",
                "NUMPAT",
                "    Return number of subscriptions to patterns.",
                "NUMSUB [<channel> ...]",
                "    Return the number of subscribers for the specified channels, excluding",
                "    pattern subscriptions(default: no channels).",
                "SHARDCHANNELS [<pattern>]",
                "    Return the currently active shard level channels matching a <pattern> (default: '*').",
                "SHARDNUMSUB [<shardchannel> ...]",
                "    Return the number of subscribers for the specified shard level channel(s)",
                "HELP",
                "    Prints this help.",
            ]
            .iter()
            .map(|s| Frame::Simple(std::borrow::Cow::Borrowed(*s)))
            .collect(),
        ),
        "channels" | "numpat" | "shardchannels" | "help" => {
            // Redis 7.0 checks a known subcommand's argument count in pubsubCommand itself.
            Frame::Error(format!(
                "ERR unknown subcommand or wrong number of arguments for '{}'. Try PUBSUB HELP.",
                String::from_utf8_lossy(&argv[1])
            ))
        }
        _ => Frame::Error(format!(
            "ERR unknown subcommand '{}'. Try PUBSUB HELP.",
            String::from_utf8_lossy(&argv[1])
        )),
    };
    Outcome::Reply(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    fn client(reg: &mut Registry, id: u64) -> ClientPubSub {
        let mut c = ClientPubSub::default();
        reg.subscriber(id, &mut c, Arc::new(Notify::new()));
        c
    }

    fn sub(reg: &mut Registry, id: u64, ch: &str, pattern: bool) {
        let s = reg.subscribers.get_mut(&id).unwrap();
        if pattern {
            s.patterns.insert(b(ch));
            reg.patterns.entry(b(ch)).or_default().insert(id);
        } else {
            s.channels.insert(b(ch));
            reg.channels.entry(b(ch)).or_default().insert(id);
        }
    }

    #[test]
    fn publish_reaches_channel_and_pattern_subscribers() {
        let mut reg = Registry::default();
        let mut c1 = client(&mut reg, 1);
        let mut c2 = client(&mut reg, 2);
        sub(&mut reg, 1, "news", false);
        sub(&mut reg, 2, "n*", true);
        sub(&mut reg, 2, "x*", true);
        assert_eq!(reg.publish(&b("news"), &b("hi")), 2);
        assert_eq!(reg.publish(&b("other"), &b("hi")), 0);
        let mut out = BytesMut::new();
        c1.drain(Protocol::Resp2, &mut out);
        assert_eq!(
            &out[..],
            b"*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n"
        );
        out.clear();
        c2.drain(Protocol::Resp3, &mut out);
        assert_eq!(
            &out[..],
            b">4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n"
        );
        assert_eq!(c1.pending.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_subscriber_too_far_behind_is_cut_off() {
        let mut reg = Registry::default();
        let kill = Arc::new(Notify::new());
        let mut c = ClientPubSub::default();
        reg.subscriber(7, &mut c, Arc::clone(&kill));
        sub(&mut reg, 7, "big", false);
        let payload = Bytes::from(vec![b'x'; 1024 * 1024]);
        for _ in 0..31 {
            assert_eq!(reg.publish(&b("big"), &payload), 1);
        }
        assert_eq!(reg.counts(7), (1, 0));
        // The 32nd MB passes the limit: the subscriber is dropped and its connection woken.
        reg.publish(&b("big"), &payload);
        assert_eq!(reg.counts(7), (0, 0));
        assert_eq!(reg.num_channels(), 0);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            tokio::time::timeout(std::time::Duration::from_secs(1), kill.notified())
                .await
                .expect("kill notified");
        });
    }

    #[test]
    fn forget_cleans_every_index() {
        let mut reg = Registry::default();
        let _c = client(&mut reg, 1);
        sub(&mut reg, 1, "a", false);
        sub(&mut reg, 1, "b*", true);
        assert_eq!((reg.num_channels(), reg.num_patterns()), (1, 1));
        reg.forget(1);
        assert_eq!((reg.num_channels(), reg.num_patterns()), (0, 0));
        assert_eq!(reg.publish(&b("a"), &b("x")), 0);
    }
}
