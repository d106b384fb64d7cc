//! The domain layer over the namespaces: typed identifiers and topics, and each interaction as a
//! handle with its own state, events and actions, the way a CRM connector thinks of a call.
//!
//! The namespaces ([`Session::voice`], [`Session::interaction`], ...) stay for full control; this
//! layer is built on them, never beside them, and the wire objects stay reachable
//! ([`InteractionHandle::snapshot`]).
//!
//! ```no_run
//! use cxwire_ws::{connect, InteractionUpdate};
//! use cxwire_ws::model::scapi::types::InteractionState;
//!
//! # async fn run() -> Result<(), cxwire_ws::Error> {
//! let session = connect("ws://127.0.0.1:9300/ws").await?;
//! let mut interactions = session.interactions().await?;
//! while let Some(call) = interactions.next().await {
//!     let session = session.clone();
//!     tokio::spawn(async move {
//!         let mut call = call;
//!         if call.state() == InteractionState::Ringing {
//!             call.answer().await?;
//!         }
//!         call.set_user_data([("Source".to_owned(), "crm".into())].into()).await?;
//!         while let Some(update) = call.next().await {
//!             if let InteractionUpdate::Event(kind) = update {
//!                 println!("{} {kind}", call.id());
//!             }
//!         }
//!         // The stream ends once the interaction is marked done and removed.
//!         let _ = session;
//!         Ok::<_, cxwire_ws::Error>(())
//!     });
//! }
//! # Ok(())
//! # }
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use cxwire_model::scapi::types::{Interaction, InteractionState, StateType, TargetQuery, UserData};
use cxwire_model::scapi::{AgentEventType, Event, EventFrame, InteractionEventType};
use std::pin::Pin;

use futures_util::stream::Peekable;
use futures_util::{FutureExt as _, Stream, StreamExt as _};
use tokio::sync::{mpsc, watch};

use crate::{Caller, Error, Session, SubscriptionItem};

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// An id from its wire text.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The wire text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl From<&$name> for String {
            fn from(id: &$name) -> String {
                id.0.clone()
            }
        }
    };
}

id_type! {
    /// An interaction's id (`interactionId`): what `voice.answer`, `interaction.setUserData`
    /// and the others take. Passes where the namespaces take `impl Into<String>`.
    InteractionId
}
id_type! {
    /// A case's id (`caseId`).
    CaseId
}
id_type! {
    /// A custom toast's id (`wweCustomToast0`), as `system.popupToast` answers it.
    ToastId
}
id_type! {
    /// A dialog's id (`wweCustomDialog1`), as `system.openDialog` answers it.
    DialogId
}
id_type! {
    /// A Workspace subscription's id (`subscriptionId`).
    SubscriptionId
}

/// A topic of events, as `subscribe` takes it: the known ones typed, so that a misspelt topic
/// does not compile; [`Topic::Other`] for one a future Workspace adds.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Topic {
    /// `agent`: agent state changes.
    Agent,
    /// `interaction`: interactions, cases, outbound records.
    Interaction,
    /// `media`: media states.
    Media,
    /// `outbound`: campaigns.
    Outbound,
    /// `system`: toasts, real-time connection, frame states.
    System,
    /// `markdone`: delayed mark done.
    Markdone,
    /// `messenger:<channel>`: broadcasts of web applications on a channel.
    Messenger(String),
    /// Any other topic, by its wire name (kept as given).
    Other(String),
}

impl Topic {
    /// The messenger topic of `channel`.
    pub fn messenger(channel: impl Into<String>) -> Self {
        Self::Messenger(channel.into())
    }

    /// The wire name (`interaction`, `messenger:crm`, ...).
    pub fn wire_name(&self) -> String {
        match self {
            Self::Agent => "agent".to_owned(),
            Self::Interaction => "interaction".to_owned(),
            Self::Media => "media".to_owned(),
            Self::Outbound => "outbound".to_owned(),
            Self::System => "system".to_owned(),
            Self::Markdone => "markdone".to_owned(),
            Self::Messenger(channel) => format!("messenger:{channel}"),
            Self::Other(name) => name.clone(),
        }
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.wire_name())
    }
}

/// A topic name that is none of the known ones ([`Topic::from_str`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown topic `{0}` (known: agent, interaction, media, outbound, system, markdone, messenger:<channel>)")]
pub struct UnknownTopic(pub String);

impl FromStr for Topic {
    type Err = UnknownTopic;

    /// A known topic by its wire name; an unknown name is an error (use [`Topic::Other`] to
    /// subscribe to it anyway).
    fn from_str(name: &str) -> Result<Self, UnknownTopic> {
        Ok(match name {
            "agent" => Self::Agent,
            "interaction" => Self::Interaction,
            "media" => Self::Media,
            "outbound" => Self::Outbound,
            "system" => Self::System,
            "markdone" => Self::Markdone,
            _ => match name.strip_prefix("messenger:") {
                Some(channel) if !channel.is_empty() => Self::Messenger(channel.to_owned()),
                _ => return Err(UnknownTopic(name.to_owned())),
            },
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Agent states.

/// An agent state change (`agent` `STATE_CHANGED`) with the state the seed guarantees it
/// carries, not an `Option`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct AgentStateChange {
    /// The new state (`mediaState`).
    pub state: StateType,
    /// The reason, e.g. `Break`.
    pub reason: Option<String>,
    /// The reason code, e.g. `1511`.
    pub reason_code: Option<String>,
    /// The event as received.
    pub raw: Arc<EventFrame>,
}

impl AgentStateChange {
    /// The state change an event frame is, if it is one (the decoder refuses a
    /// `STATE_CHANGED` without its state, so a decoded one always has it).
    pub fn from_frame(frame: &Arc<EventFrame>) -> Option<Self> {
        let Event::Agent(e) = &frame.event else { return None };
        if e.event_type != Some(AgentEventType::StateChanged) {
            return None;
        }
        Some(Self {
            state: e.media_state.clone()?,
            reason: e.reason.clone(),
            reason_code: e.reason_code.clone(),
            raw: Arc::clone(frame),
        })
    }
}

/// The agent's state changes ([`Session::agent_states`], or [`AgentStates::new`] over any
/// [`Caller`] and its events).
pub struct AgentStates<C: Caller = Session> {
    session: C,
    events: EventStream,
}

impl<C: Caller + fmt::Debug> fmt::Debug for AgentStates<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AgentStates").field("session", &self.session).finish_non_exhaustive()
    }
}

impl<C: Caller> AgentStates<C> {
    /// The state changes of the desktop `caller` reaches, from its `agent` events (a
    /// [`Subscription`](crate::Subscription), or any stream of [`SubscriptionItem`]s).
    pub fn new(caller: C, events: impl Stream<Item = SubscriptionItem> + Send + 'static) -> Self {
        Self { session: caller, events: Box::pin(events) }
    }

    /// The next change. After a lag, the current state is read (`agent.getState`) and reported
    /// as a change without a raw event of its own (`raw` is then a synthesized frame). `None`
    /// once the session has ended.
    pub async fn next(&mut self) -> Option<AgentStateChange> {
        loop {
            match self.events.next().await? {
                SubscriptionItem::Event(frame) => {
                    if let Some(change) = AgentStateChange::from_frame(&frame) {
                        return Some(change);
                    }
                }
                SubscriptionItem::Lagged(_) => {
                    let Ok(current) = crate::Agent::new(&self.session).get_state().await else { continue };
                    let Some(state) = current.state_type.clone() else { continue };
                    let event = cxwire_model::scapi::AgentEvent {
                        event_type: Some(AgentEventType::StateChanged),
                        media_state: Some(state.clone()),
                        ..Default::default()
                    };
                    let raw = Arc::new(EventFrame {
                        event: Event::Agent(event),
                        envelope: cxwire_model::scapi::Envelope::default(),
                    });
                    return Some(AgentStateChange { state, reason: None, reason_code: None, raw });
                }
            }
        }
    }
}

impl Session {
    /// The agent's state changes, each with its state (no `Option`); a lag is repaired by
    /// reading the current state.
    ///
    /// # Errors
    /// The `subscribe` to `agent` failed.
    pub async fn agent_states(&self) -> Result<AgentStates, Error> {
        Ok(AgentStates::new(self.clone(), self.subscribe([Topic::Agent]).await?))
    }
}

// ---------------------------------------------------------------------------------------------
// Interactions as handles.

/// What happened to an interaction, as its handle reports it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum InteractionUpdate {
    /// An event of the interaction; [`InteractionHandle::snapshot`] already shows its effect.
    Event(InteractionEventType),
    /// Events were missed; the snapshot was read again with `interaction.getByInteractionId`.
    Resynced,
}

/// How many updates a handle holds before it is told it missed some.
const HANDLE_BUFFER: usize = 64;
/// How many times a lag is repaired in a row while events keep arriving.
const RESYNC_ROUNDS: usize = 3;
/// How many new interactions wait for [`Interactions::next`].
const NEW_BUFFER: usize = 64;

/// One interaction: its id, its latest state, its own updates, and its actions.
///
/// Its updates end (`next` answers `None`) once the interaction is removed (after it is marked
/// done, or when the Workspace drops it); events the handle's owner did not read in time are
/// reported as [`InteractionUpdate::Resynced`], never as an end.
#[derive(Debug)]
pub struct InteractionHandle<C = Session> {
    id: InteractionId,
    session: C,
    snapshot: watch::Receiver<Arc<Interaction>>,
    updates: mpsc::Receiver<InteractionUpdate>,
}

impl<C: Caller> InteractionHandle<C> {
    /// The interaction's id.
    pub fn id(&self) -> &InteractionId {
        &self.id
    }

    /// Its latest state (`UNKNOWN` when the Workspace did not say).
    pub fn state(&self) -> InteractionState {
        self.snapshot.borrow().state.clone().unwrap_or(InteractionState::Unknown)
    }

    /// Its case, if it has one.
    pub fn case_id(&self) -> Option<CaseId> {
        self.snapshot.borrow().case_id.clone().map(CaseId)
    }

    /// Its media (`voice`, `chat`, `email`, ...).
    pub fn media(&self) -> Option<String> {
        self.snapshot.borrow().media.clone()
    }

    /// The latest wire object, as the last event or resynchronisation carried it.
    pub fn snapshot(&self) -> Arc<Interaction> {
        Arc::clone(&self.snapshot.borrow())
    }

    /// The next update; `None` once the interaction is removed.
    pub async fn next(&mut self) -> Option<InteractionUpdate> {
        self.updates.recv().await
    }

    /// `voice.answer`.
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn answer(&self) -> Result<(), C::Error> {
        crate::Voice::new(&self.session).answer(&self.id).await
    }

    /// `voice.hangUp`.
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn hang_up(&self) -> Result<(), C::Error> {
        crate::Voice::new(&self.session).hang_up(&self.id).await
    }

    /// `voice.hold`.
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn hold(&self) -> Result<(), C::Error> {
        crate::Voice::new(&self.session).hold(&self.id).await
    }

    /// `voice.resume`.
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn resume(&self) -> Result<(), C::Error> {
        crate::Voice::new(&self.session).resume(&self.id).await
    }

    /// `interaction.accept` (a chat, an email, a pushed preview record).
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn accept(&self) -> Result<(), C::Error> {
        crate::Interaction::new(&self.session).accept(&self.id).await
    }

    /// `interaction.reject`.
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn reject(&self) -> Result<(), C::Error> {
        crate::Interaction::new(&self.session).reject(&self.id).await
    }

    /// `interaction.setUserData`.
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn set_user_data(&self, key_values: UserData) -> Result<(), C::Error> {
        crate::Interaction::new(&self.session).set_user_data(&self.id, key_values).await
    }

    /// `interaction.deleteUserData`.
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn delete_user_data(&self, key: impl Into<String>) -> Result<(), C::Error> {
        crate::Interaction::new(&self.session).delete_user_data(&self.id, key).await
    }

    /// `interaction.singleStepTransfer` to `target`.
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn transfer(&self, target: TargetQuery) -> Result<(), C::Error> {
        crate::Interaction::new(&self.session).single_step_transfer(&self.id, target, None, None).await
    }

    /// `interaction.consult` with `target`.
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn consult(&self, target: TargetQuery) -> Result<(), C::Error> {
        crate::Interaction::new(&self.session).consult(&self.id, target, None, None).await
    }

    /// `interaction.markdone`: afterwards the interaction is removed and the updates end.
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn mark_done(&self) -> Result<(), C::Error> {
        crate::Interaction::new(&self.session).markdone(&self.id).await
    }
}

/// The interactions of a desktop as they come ([`Session::interactions`]): those already there,
/// then each new one, as an [`InteractionHandle`]. The handles handed out keep their updates
/// after this stream is dropped; the tracking stops once the stream and every handle are gone
/// (or the session ends).
#[derive(Debug)]
pub struct Interactions<C = Session> {
    new: mpsc::Receiver<InteractionHandle<C>>,
}

impl<C> Interactions<C> {
    /// The next interaction; `None` once the session has ended.
    pub async fn next(&mut self) -> Option<InteractionHandle<C>> {
        self.new.recv().await
    }
}

/// The events a domain stream reads.
type EventStream = Pin<Box<dyn Stream<Item = SubscriptionItem> + Send>>;

impl<C> Interactions<C>
where
    C: Caller + Clone + Send + 'static,
{
    /// Every interaction of the desktop `caller` reaches, from its `interaction` events (a
    /// [`Subscription`](crate::Subscription), or any stream of [`SubscriptionItem`]s, where
    /// [`SubscriptionItem::Lagged`] means events were lost): as [`Session::interactions`].
    ///
    /// # Errors
    /// The first `interaction.getInteractions` failed.
    pub async fn new(
        caller: C,
        events: impl Stream<Item = SubscriptionItem> + Send + 'static,
    ) -> Result<Self, C::Error> {
        let events: EventStream = Box::pin(events);
        let mut events = events.peekable();
        let (new, new_rx) = mpsc::channel(NEW_BUFFER);
        let existing = crate::Interaction::new(&caller).get_interactions().await?;
        let mut tracker = Tracker { session: caller, tracked: BTreeMap::new(), new };
        for interaction in existing {
            tracker.observe(None, Arc::new(interaction)).await;
        }
        tokio::spawn(async move {
            while let Some(item) = events.next().await {
                match item {
                    SubscriptionItem::Event(frame) => tracker.event(&frame).await,
                    SubscriptionItem::Lagged(_) => {
                        // The events still queued are older than a listing made now: apply them
                        // first, then read the interactions again; again while events keep
                        // arriving during the reading (a few rounds at most).
                        for _ in 0..RESYNC_ROUNDS {
                            tracker.drain(&mut events).await;
                            tracker.resync().await;
                            if Pin::new(&mut events).peek().now_or_never().is_none() {
                                break;
                            }
                        }
                    }
                }
                // Nobody left to tell: no stream, no live handle.
                tracker.tracked.retain(|_, t| !t.updates.is_closed());
                if tracker.new.is_closed() && tracker.tracked.is_empty() {
                    break;
                }
            }
        });
        Ok(Interactions { new: new_rx })
    }
}

/// What the tracker keeps of each interaction.
struct Tracked {
    snapshot: watch::Sender<Arc<Interaction>>,
    updates: mpsc::Sender<InteractionUpdate>,
    /// Updates the handle missed; reported as one `Resynced` when it has room again.
    missed: bool,
}

struct Tracker<C> {
    session: C,
    tracked: BTreeMap<String, Tracked>,
    new: mpsc::Sender<InteractionHandle<C>>,
}

impl Session {
    /// Every interaction of the desktop as a handle with its state, its own updates and its
    /// actions: first those already there (`interaction.getInteractions`), then each new one.
    /// A lag in the session's events is repaired by reading the interactions again, never by
    /// ending the stream.
    ///
    /// # Errors
    /// The `subscribe` to `interaction` or the first `interaction.getInteractions` failed.
    pub async fn interactions(&self) -> Result<Interactions, Error> {
        let events = self.subscribe([Topic::Interaction]).await?;
        Interactions::new(self.clone(), events).await
    }
}

impl<C: Caller + Clone> Tracker<C> {
    async fn event(&mut self, frame: &EventFrame) {
        let Event::Interaction(e) = &frame.event else { return };
        let (Some(kind), Some(interaction)) = (&e.event_type, &e.interaction) else { return };
        let interaction = Arc::new((**interaction).clone());
        let id = interaction.interaction_id.clone().unwrap_or_default();
        if id.is_empty() {
            return;
        }
        self.observe(Some(kind.clone()), interaction).await;
        if *kind == InteractionEventType::Removed {
            // Removed: the handle's updates end (its sender is dropped).
            self.tracked.remove(&id);
        }
    }

    /// An interaction as an event or a listing shows it: a new one becomes a handle, a known
    /// one gets its snapshot and the update.
    async fn observe(&mut self, kind: Option<InteractionEventType>, interaction: Arc<Interaction>) {
        let Some(id) = interaction.interaction_id.clone() else { return };
        let update = kind.map_or(InteractionUpdate::Resynced, InteractionUpdate::Event);
        if let Some(tracked) = self.tracked.get_mut(&id) {
            tracked.snapshot.send_replace(interaction);
            deliver(tracked, update);
            return;
        }
        if matches!(&update, InteractionUpdate::Event(InteractionEventType::Removed)) {
            return; // the end of an interaction this tracker never saw
        }
        let (snapshot, snapshot_rx) = watch::channel(interaction);
        let (updates, updates_rx) = mpsc::channel(HANDLE_BUFFER);
        let mut tracked = Tracked { snapshot, updates, missed: false };
        if let InteractionUpdate::Event(_) = &update {
            deliver(&mut tracked, update);
        }
        let handle = InteractionHandle {
            id: InteractionId(id.clone()),
            session: self.session.clone(),
            snapshot: snapshot_rx,
            updates: updates_rx,
        };
        self.tracked.insert(id, tracked);
        // Nobody takes new interactions any more: keep tracking the handed-out ones.
        let _ = self.new.send(handle).await;
    }

    /// Applies the events already queued, without waiting.
    async fn drain(&mut self, events: &mut Peekable<EventStream>) {
        while let Some(Some(item)) = events.next().now_or_never() {
            if let SubscriptionItem::Event(frame) = item {
                self.event(&frame).await;
            }
        }
    }

    /// Events were missed: read every interaction again. Known ones are refreshed, new ones
    /// handed out, and those gone end.
    async fn resync(&mut self) {
        let Ok(current) = crate::Interaction::new(&self.session).get_interactions().await else { return };
        let present: Vec<String> = current.iter().filter_map(|i| i.interaction_id.clone()).collect();
        self.tracked.retain(|id, _| present.contains(id));
        for interaction in current {
            self.observe(None, Arc::new(interaction)).await;
        }
    }
}

/// Hands an update to a handle; when it is full, remembers that it missed some and tells it
/// with one `Resynced` once it has room (its snapshot is always current).
fn deliver(tracked: &mut Tracked, update: InteractionUpdate) {
    if tracked.missed {
        match tracked.updates.try_send(InteractionUpdate::Resynced) {
            Ok(()) => tracked.missed = false,
            Err(_) => return,
        }
    }
    if tracked.updates.try_send(update).is_err() {
        tracked.missed = true;
    }
}
