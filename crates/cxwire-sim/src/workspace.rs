//! The simulated Agent Workspace: the agent, its states and media, interactions and their
//! state machines, toasts, dialogs, menu views, frames and their leadership. Synchronous and
//! deterministic: every request gives an answer and the events it causes, in order.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use cxwire_model::scapi::types::{
    Agent, ApplicationMenuView, Contact, Direction, Interaction, InteractionState, Media, Party, RecordingState, State,
    StateType, TargetQuery, ToastParameters, UserData,
};
use cxwire_model::scapi::{
    AgentEvent, AgentEventType, Event, FrameState, InteractionEvent, InteractionEventType, RealtimeConnectionState,
    Request, SystemEvent, SystemEventType,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use cxwire_model::scapi::types::CallType;

/// A connection (a frame, in the Workspace's words).
pub type ConnId = u64;

/// What the Workspace answers: `data` on success, `errorMessage` on failure.
pub type Answer = Result<Option<Value>, String>;

/// The message for an unknown interaction, as the seed words it.
pub const INTERACTION_NOT_FOUND: &str = "Error: Interaction not found.";

/// The agent and desktop the simulator plays.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DesktopConfig {
    /// The agent.
    pub agent: Agent,
    /// The agent states offered by `agent.getStateList` (and settable by operation name).
    pub states: Vec<State>,
    /// The media of the agent.
    pub media: Vec<String>,
    /// The agent's initial state (operation name).
    pub initial_state: String,
    /// Who answers a consultation to a number that is not another simulated agent: the
    /// simulator at once (`auto`, the default) or the control API (`manual`: `consultAnswer` /
    /// `consultRefuse`).
    pub consult_answer: ConsultAnswer,
}

/// Who answers a consultation to a number that is not a simulated agent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ConsultAnswer {
    /// The simulator answers at once.
    #[default]
    Auto,
    /// The control API answers or refuses.
    Manual,
}

fn state(t: StateType, display: &str, op: &str) -> State {
    State {
        state_type: Some(t),
        display_name: Some(display.into()),
        operation_name: Some(op.into()),
        ..State::default()
    }
}

impl Default for DesktopConfig {
    fn default() -> Self {
        Self {
            agent: Agent {
                employee_id: Some("emp1001".into()),
                firstname: Some("Kate".into()),
                lastname: Some("Lindgren".into()),
                username: Some("klindgren".into()),
                roles: Some(vec![cxwire_model::scapi::types::AgentRole::Agent]),
                ..Agent::default()
            },
            states: vec![
                state(StateType::Ready, "Ready", "Ready"),
                state(StateType::NotReady, "Not Ready", "NotReady"),
                state(StateType::NotReadyActionCode, "Not Ready - Break", "NotReadyBreak"),
                state(StateType::NotReadyAfterCallwork, "After Call Work", "AfterCallWork"),
                state(StateType::DndOn, "Do Not Disturb", "DndOn"),
                state(StateType::Logout, "Logout", "Logout"),
            ],
            media: vec!["voice".into(), "chat".into(), "email".into()],
            initial_state: "NotReady".into(),
            consult_answer: ConsultAnswer::Auto,
        }
    }
}

/// An interaction and what the simulator tracks about it besides its wire form.
#[derive(Clone, Debug)]
struct Tracked {
    wire: Interaction,
    markdone_warning: Option<String>,
}

/// The desktop's state.
#[derive(Debug)]
pub struct Workspace {
    config: DesktopConfig,
    agent_state: State,
    media: BTreeMap<String, State>,
    interactions: BTreeMap<String, Tracked>,
    /// The interaction id counter, shared by every desk of a simulator.
    next_interaction: Arc<AtomicU64>,
    /// The names of the other simulated agents: consults to them ring there.
    other_agents: Vec<String>,
    toasts: BTreeMap<String, OpenToast>,
    /// Toasts open at once, and the largest parameters (bytes of JSON).
    toast_limits: (usize, usize),
    /// The simulator's clock: time since it started.
    now: Duration,
    dialogs: BTreeSet<String>,
    views: BTreeMap<String, ApplicationMenuView>,
    next_id: u64,
    microphone_muted: bool,
    speaker_muted: bool,
    /// Frames in order of arrival: the first is the leader.
    /// Browser tabs in order of arrival, each with its frames: the first tab leads. Leadership
    /// and activity are properties of the tab (the seed), shared by all its web contents.
    tabs: Vec<(TabKey, Vec<ConnId>)>,
    last_active: Option<TabKey>,
    selected_case: Option<String>,
}

/// A browser tab of the Workspace: named by the page (the relay's `tab` query parameter), or a
/// connection's own.
#[derive(Clone, Debug, PartialEq, Eq)]
enum TabKey {
    Named(String),
    Own(ConnId),
}

impl TabKey {
    fn of(conn: ConnId, tab: Option<&str>) -> Self {
        tab.map_or(Self::Own(conn), |t| Self::Named(t.to_owned()))
    }
}

/// A toast on screen: its parameters, the frame that opened it, and when it closes by itself.
#[derive(Debug)]
struct OpenToast {
    parameters: ToastParameters,
    owner: ConnId,
    closes_at: Option<Duration>,
}

/// The output of a step: the answer and the events (topic, payload) to publish, in order.
#[derive(Debug, Default)]
pub struct Step {
    /// Events to publish.
    pub events: Vec<Event>,
    /// System events addressed to one frame only (frame states).
    pub frame_events: Vec<(ConnId, Event)>,
    /// Events for every frame but one (a messenger broadcast goes "to other web applications").
    pub to_others: Vec<(ConnId, Event)>,
    /// What this step asks of another simulated agent's desktop.
    pub outgoing: Vec<Outgoing>,
}

/// A call that goes on at another simulated agent's desktop.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Outgoing {
    /// A consultation to another agent: it rings there; when that agent answers, the
    /// consultation is established.
    Consult {
        /// The consultation's interaction id on this desktop.
        consult_id: String,
        /// The agent consulted (employee id or user name).
        destination: String,
        /// Who calls: this desktop's agent.
        from: String,
        /// The user data the consultation carries.
        user_data: UserData,
    },
    /// A single-step transfer to another agent: the call rings there.
    Transfer {
        /// The agent (employee id or user name).
        destination: String,
        /// The caller.
        ani: String,
        /// The call's user data.
        user_data: UserData,
    },
    /// The consultation `consult_id` was completed as a transfer: the consulted agent keeps
    /// the call, with the customer's parties.
    TransferCompleted {
        /// The consultation's interaction id on this desktop.
        consult_id: String,
        /// The parties of the transferred call.
        parties: Vec<Party>,
    },
}

impl Workspace {
    /// A desktop from its configuration.
    pub fn new(config: DesktopConfig) -> Self {
        let initial = config
            .states
            .iter()
            .find(|s| s.operation_name.as_deref() == Some(config.initial_state.as_str()))
            .cloned()
            .unwrap_or_else(|| state(StateType::NotReady, "Not Ready", "NotReady"));
        let media = config.media.iter().map(|m| (m.clone(), initial.clone())).collect();
        Self {
            config,
            agent_state: initial,
            media,
            interactions: BTreeMap::new(),
            next_interaction: Arc::new(AtomicU64::new(1)),
            other_agents: Vec::new(),
            toasts: BTreeMap::new(),
            toast_limits: (usize::MAX, usize::MAX),
            now: Duration::ZERO,
            dialogs: BTreeSet::new(),
            views: BTreeMap::new(),
            // One counter for toasts and dialogs, from 0: the vendor's sample page expects its first
            // toast to be `wweCustomToast0` and its dialog, opened next, `wweCustomDialog1` (the
            // seed's example id).
            next_id: 0,
            microphone_muted: false,
            speaker_muted: false,
            tabs: Vec::new(),
            last_active: None,
            selected_case: None,
        }
    }

    /// The agent's current state.
    pub fn agent_state(&self) -> &State {
        &self.agent_state
    }

    /// An interaction by id, as the wire shows it.
    pub fn interaction(&self, id: &str) -> Option<&Interaction> {
        self.interactions.get(id).map(|t| &t.wire)
    }

    /// The interactions, in creation order of their ids.
    pub fn interactions(&self) -> Vec<&Interaction> {
        self.interactions.values().map(|t| &t.wire).collect()
    }

    // ------------------------------------------------------------------------------------------
    // Frames and their leadership.

    /// A frame connected, in browser tab `tab` (`None`: a tab of its own, as a direct WebSocket
    /// connection is). The frames of the first tab lead, the others follow.
    pub fn frame_connected(&mut self, conn: ConnId, tab: Option<&str>, step: &mut Step) {
        let key = TabKey::of(conn, tab);
        match self.tabs.iter_mut().find(|(k, _)| *k == key) {
            Some((_, frames)) => frames.push(conn),
            None => self.tabs.push((key.clone(), vec![conn])),
        }
        // A frame that loads is where the agent is working.
        self.last_active = Some(key);
        let state = if self.is_leader(conn) { FrameState::Leading } else { FrameState::Following };
        step.frame_events.push((conn, frame_event(state)));
    }

    /// A frame left: when it was the last frame of the leading tab, an election runs
    /// (NEGOTIATING for all, then the frames of the oldest remaining tab lead).
    pub fn frame_disconnected(&mut self, conn: ConnId, step: &mut Step) {
        let was_leader = self.is_leader(conn);
        for (_, frames) in &mut self.tabs {
            frames.retain(|c| *c != conn);
        }
        let before = self.tabs.len();
        self.tabs.retain(|(_, frames)| !frames.is_empty());
        let tab_gone = self.tabs.len() < before;
        // Its toasts go with it: nobody is left to receive their button clicks.
        self.toasts.retain(|_, t| t.owner != conn);
        if let Some(active) = &self.last_active
            && !self.tabs.iter().any(|(k, _)| k == active)
        {
            self.last_active = None;
        }
        if was_leader && tab_gone && !self.tabs.is_empty() {
            let all: Vec<ConnId> = self.tabs.iter().flat_map(|(_, f)| f.iter().copied()).collect();
            for frame in &all {
                step.frame_events.push((*frame, frame_event(FrameState::Negotiating)));
            }
            for frame in all {
                let state = if self.is_leader(frame) { FrameState::Leading } else { FrameState::Following };
                step.frame_events.push((frame, frame_event(state)));
            }
        }
    }

    /// Marks a frame's tab as the last active one: the agent worked in it
    /// (`system.triggerActivity`). Queries are not activity.
    pub fn touch(&mut self, conn: ConnId) {
        self.last_active = self.tab_of(conn).cloned();
    }

    fn tab_of(&self, conn: ConnId) -> Option<&TabKey> {
        self.tabs.iter().find(|(_, frames)| frames.contains(&conn)).map(|(k, _)| k)
    }

    fn is_leader(&self, conn: ConnId) -> bool {
        self.tabs.first().is_some_and(|(_, frames)| frames.contains(&conn))
    }

    // ------------------------------------------------------------------------------------------
    // Injected activity (the control API).

    fn new_interaction(&mut self, media: &str, direction: Direction, call_type: Option<CallType>) -> String {
        let number = self.next_interaction.fetch_add(1, Ordering::Relaxed);
        let id = number.to_string();
        let case = format!("case-{id}");
        let wire = Interaction {
            interaction_id: Some(id.clone()),
            case_id: Some(case),
            user_data: Some(UserData::new()),
            state: Some(InteractionState::Unknown),
            previous_state: Some(InteractionState::Unknown),
            parties: Some(Vec::new()),
            is_consultation: Some(false),
            is_main_case_interaction: Some(true),
            direction: Some(direction),
            call_type,
            media: Some(media.to_owned()),
            is_case_selected: Some(false),
            is_case_expanded: Some(false),
            interaction_uuid: Some(format!("{:032X}", 0x51_u128 << 100 | u128::from(number + 1))),
            ..Interaction::default()
        };
        self.interactions.insert(id.clone(), Tracked { wire, markdone_warning: None });
        id
    }

    /// An inbound voice call starts ringing; returns its interaction id.
    pub fn inject_inbound_call(&mut self, ani: &str, dnis: &str, user_data: UserData, step: &mut Step) -> String {
        let id = self.new_interaction("voice", Direction::In, Some(CallType::Inbound));
        if let Some(t) = self.interactions.get_mut(&id) {
            let w = &mut t.wire;
            w.ani = Some(ani.to_owned());
            w.dnis = Some(dnis.to_owned());
            w.call_uuid = Some(format!("SIMCALL{id:0>25}"));
            w.conn_id = Some(format!("{:016x}", 0x006a_0000_0000_0000_u64 + id.parse::<u64>().unwrap_or(0)));
            w.parties = Some(vec![Party { name: Some(ani.to_owned()), ..Party::default() }]);
            w.recording_state = Some(RecordingState::Stopped);
            w.user_data = Some(user_data);
            w.contact = Some(Contact { display_name: Some(ani.to_owned()), ..Contact::default() });
        }
        self.transition(
            &id,
            InteractionState::Ringing,
            &[InteractionEventType::Added, InteractionEventType::Ringing],
            step,
        );
        id
    }

    /// An inbound chat or email invitation (open media); returns its interaction id.
    pub fn inject_open_media(&mut self, media: &str, from: &str, user_data: UserData, step: &mut Step) -> String {
        let id = self.new_interaction(media, Direction::In, None);
        if let Some(t) = self.interactions.get_mut(&id) {
            t.wire.parties = Some(vec![Party { name: Some(from.to_owned()), ..Party::default() }]);
            t.wire.user_data = Some(user_data);
            t.wire.contact = Some(Contact { display_name: Some(from.to_owned()), ..Contact::default() });
        }
        self.transition(
            &id,
            InteractionState::Invited,
            &[InteractionEventType::Added, InteractionEventType::Invited],
            step,
        );
        id
    }

    /// Takes interaction ids from a counter shared with other desks, so that ids are unique
    /// across the simulator's agents.
    #[must_use]
    pub fn with_interaction_ids(mut self, ids: Arc<AtomicU64>) -> Self {
        self.next_interaction = ids;
        self
    }

    /// The names (employee ids, user names) of the other simulated agents: a consult to one of
    /// them rings at that agent's desktop and is established when it answers.
    #[must_use]
    pub fn with_other_agents(mut self, names: Vec<String>) -> Self {
        self.other_agents = names;
        self
    }

    /// Whether `destination` names another simulated agent.
    pub fn is_other_agent(&self, destination: &str) -> bool {
        self.other_agents.iter().any(|n| n == destination)
    }

    /// This desktop's agent as other desktops see it: its employee id (or user name).
    pub fn agent_name(&self) -> String {
        self.config.agent.employee_id.clone().or_else(|| self.config.agent.username.clone()).unwrap_or_default()
    }

    // ------------------------------------------------------------------------------------------
    // The remote party (the control API, and other simulated agents).

    /// A consultation from another agent rings here; returns its interaction id.
    pub fn ring_consult(&mut self, from: &str, user_data: UserData, step: &mut Step) -> String {
        let id = self.new_interaction("voice", Direction::In, Some(CallType::Consult));
        if let Some(t) = self.interactions.get_mut(&id) {
            let w = &mut t.wire;
            w.ani = Some(from.to_owned());
            w.is_consultation = Some(true);
            w.call_uuid = Some(format!("SIMCALL{id:0>25}"));
            w.parties = Some(vec![Party { name: Some(from.to_owned()), ..Party::default() }]);
            w.recording_state = Some(RecordingState::Stopped);
            w.user_data = Some(user_data);
        }
        self.transition(
            &id,
            InteractionState::Ringing,
            &[InteractionEventType::Added, InteractionEventType::Ringing],
            step,
        );
        id
    }

    /// The consulted party answers: the dialing consultation `id` is established.
    ///
    /// # Errors
    /// No such interaction, or it is not dialing.
    pub fn consult_answered(&mut self, id: &str, step: &mut Step) -> Answer {
        self.change(
            id,
            &[InteractionState::Dialing],
            InteractionState::Talking,
            &[InteractionEventType::Established],
            step,
        )
    }

    /// The consulted party refuses (or does not answer): the consultation `id` ends; its
    /// parent stays held for the agent to retrieve.
    ///
    /// # Errors
    /// No such interaction, or it is not dialing.
    pub fn consult_refused(&mut self, id: &str, step: &mut Step) -> Answer {
        self.change(
            id,
            &[InteractionState::Dialing],
            InteractionState::Idle,
            &[InteractionEventType::Released, InteractionEventType::Removed],
            step,
        )?;
        self.interactions.remove(id);
        Ok(None)
    }

    /// The far end hangs up: a call is released (`RELEASED`); a chat ends (`ENDED`).
    ///
    /// # Errors
    /// No such interaction, or it is not live.
    pub fn remote_hang_up(&mut self, id: &str, step: &mut Step) -> Answer {
        let t = self.interactions.get(id).ok_or_else(|| INTERACTION_NOT_FOUND.to_owned())?;
        match t.wire.media.as_deref() {
            Some("voice") => self.release_call(id, step),
            Some("chat") => {
                step.events.push(interaction_event(InteractionEventType::Ended, t.wire.media.clone(), &t.wire));
                Ok(None)
            }
            other => {
                Err(format!("Error: the far end of a {} interaction cannot hang up.", other.unwrap_or("(no media)")))
            }
        }
    }

    /// The far end puts the call on hold (`held`) or takes it back: `PARTY_CHANGED`, the
    /// party marked `"held": true` or `false` (the seed has no event of its own for it).
    ///
    /// # Errors
    /// No such interaction, or it is not a call in progress.
    pub fn remote_hold(&mut self, id: &str, held: bool, step: &mut Step) -> Answer {
        let t = self.interactions.get_mut(id).ok_or_else(|| INTERACTION_NOT_FOUND.to_owned())?;
        if t.wire.media.as_deref() != Some("voice")
            || !matches!(t.wire.state, Some(InteractionState::Talking | InteractionState::Held))
        {
            return Err("Error: only a call in progress can be held by the far end.".to_owned());
        }
        if let Some(party) = t.wire.parties.as_mut().and_then(|p| p.first_mut()) {
            party.extra.insert("held".to_owned(), Value::Bool(held));
        }
        step.events.push(interaction_event(InteractionEventType::PartyChanged, t.wire.media.clone(), &t.wire));
        Ok(None)
    }

    /// A chat message from the customer arrives: `NEW_MESSAGE`, the message in the event's
    /// `message` (`{"text", "from"}`).
    ///
    /// # Errors
    /// No such interaction, or it is not a chat.
    pub fn chat_message(&mut self, id: &str, text: &str, step: &mut Step) -> Answer {
        let t = self.interactions.get(id).ok_or_else(|| INTERACTION_NOT_FOUND.to_owned())?;
        if t.wire.media.as_deref() != Some("chat") {
            return Err("Error: the interaction is not a chat.".to_owned());
        }
        let from = party_name(&t.wire).unwrap_or_default();
        let Event::Interaction(mut event) =
            interaction_event(InteractionEventType::NewMessage, t.wire.media.clone(), &t.wire)
        else {
            return Ok(None);
        };
        event.extra.insert("message".to_owned(), json!({"text": text, "from": from}));
        step.events.push(Event::Interaction(event));
        Ok(None)
    }

    /// The consultation this desktop answered was completed as a transfer by the consulting
    /// agent: the call is now this agent's, with the customer.
    pub fn transfer_completed(&mut self, id: &str, parties: Vec<Party>, step: &mut Step) {
        if let Some(t) = self.interactions.get_mut(id) {
            t.wire.is_consultation = Some(false);
            t.wire.call_type = Some(CallType::Inbound);
            t.wire.parties = Some(parties);
            step.events.push(interaction_event(InteractionEventType::PartyChanged, t.wire.media.clone(), &t.wire));
        }
    }

    /// Limits the toasts: `count` open at once, each at most `bytes` of JSON parameters; past
    /// either, `system.popupToast` is answered with an `errorMessage`.
    #[must_use]
    pub fn with_toast_limits(mut self, count: usize, bytes: usize) -> Self {
        self.toast_limits = (count, bytes);
        self
    }

    /// Sets the clock (time since the simulator started) and closes the toasts whose
    /// `autoCloseTimeout` has passed.
    pub fn set_clock(&mut self, now: Duration) {
        self.now = now;
        self.toasts.retain(|_, t| t.closes_at.is_none_or(|at| at > now));
    }

    /// The real-time connection changed (system event).
    pub fn realtime_connection(&mut self, state: RealtimeConnectionState, step: &mut Step) {
        step.events.push(Event::System(SystemEvent {
            event_type: Some(SystemEventType::RealtimeConnection),
            state: Some(state),
            ..SystemEvent::default()
        }));
    }

    /// The agent dismissed a toast: it closes.
    ///
    /// # Errors
    /// No such toast.
    pub fn dismiss_toast(&mut self, toast: &str) -> Result<(), String> {
        self.toasts.remove(toast).map(drop).ok_or_else(|| format!("Error: toast '{toast}' not found."))
    }

    /// The agent clicked a button of a custom toast.
    ///
    /// # Errors
    /// No such toast, or no such button.
    pub fn click_toast_button(&mut self, toast: &str, button: u32, step: &mut Step) -> Result<(), String> {
        let params = &self.toasts.get(toast).ok_or_else(|| format!("Error: toast '{toast}' not found."))?.parameters;
        let buttons = params.buttons.as_ref().map_or(0, Vec::len);
        if usize::try_from(button).map_or(true, |b| b >= buttons) {
            return Err(format!("Error: toast '{toast}' has {buttons} button(s); no button {button}."));
        }
        step.events.push(Event::System(SystemEvent {
            event_type: Some(SystemEventType::CustomToastButtonClick),
            custom_toast_id: Some(toast.to_owned()),
            button_index: Some(button),
            ..SystemEvent::default()
        }));
        Ok(())
    }

    // ------------------------------------------------------------------------------------------
    // Requests.

    /// Handles a request from frame `conn`. Returns `None` for the requests another component
    /// answers (configuration, outbound, auth, messenger, getAllowedServices).
    pub fn handle(&mut self, conn: ConnId, request: &Request, step: &mut Step) -> Option<Answer> {
        Some(match request {
            Request::AgentGet(_) => ok(&self.config.agent),
            Request::AgentGetState(_) => ok(&self.agent_state),
            Request::AgentGetStateList(_) => ok(&self.config.states),
            Request::AgentSetState(r) => self.set_agent_state(&r.state_operation_name, None, step),
            Request::MediaGetMediaList(_) => ok(&self.media_list()),
            Request::MediaGetMediaByName(r) => match self.media.get(&r.name) {
                Some(s) => ok(&Media { name: Some(r.name.clone()), state: Some(s.clone()), ..Media::default() }),
                None => Err(format!("Error: media '{}' not found.", r.name)),
            },
            Request::MediaSetState(r) => self.set_agent_state(&r.state_operation_name, Some(&r.name), step),

            Request::VoiceDial(r) => self.dial(&r.destination, r.user_data.clone(), step),
            Request::VoiceDialEx(r) => self.dial(&r.destination, r.user_data.clone(), step),
            Request::VoiceAnswer(r) => self.change(
                &r.interaction_id,
                &[InteractionState::Ringing],
                InteractionState::Talking,
                &[InteractionEventType::Established],
                step,
            ),
            Request::VoiceHold(r) => self.change(
                &r.interaction_id,
                &[InteractionState::Talking],
                InteractionState::Held,
                &[InteractionEventType::Held],
                step,
            ),
            Request::VoiceResume(r) => self.change(
                &r.interaction_id,
                &[InteractionState::Held],
                InteractionState::Talking,
                &[InteractionEventType::Established],
                step,
            ),
            Request::VoiceHangUp(r) => self.release_call(&r.interaction_id, step),
            Request::VoiceStartCallRecording(r) => {
                self.recording(&r.interaction_id, None, RecordingState::Recording, step)
            }
            Request::VoicePauseCallRecording(r) => {
                self.recording(&r.interaction_id, Some(RecordingState::Recording), RecordingState::Paused, step)
            }
            Request::VoiceResumeCallRecording(r) => {
                self.recording(&r.interaction_id, Some(RecordingState::Paused), RecordingState::Recording, step)
            }
            Request::VoiceStopCallRecording(r) => {
                self.recording(&r.interaction_id, None, RecordingState::Stopped, step)
            }
            Request::SipEndpointIsMicrophoneMute(_) => ok(&self.microphone_muted),
            Request::SipEndpointMuteMicrophone(_) => self.mute(true, None),
            Request::SipEndpointUnmuteMicrophone(_) => self.mute(false, None),
            Request::SipEndpointIsSpeakerMute(_) => ok(&self.speaker_muted),
            Request::SipEndpointMuteSpeaker(_) => self.mute(self.microphone_muted, Some(true)),
            Request::SipEndpointUnmuteSpeaker(_) => self.mute(self.microphone_muted, Some(false)),

            Request::InteractionAccept(r) => self.accept(&r.interaction_id, step),
            Request::InteractionReject(r) => self.reject(&r.interaction_id, step),
            // An unknown id answers `data: null` (the seed: "Interaction | null"), not no data.
            Request::InteractionGetByInteractionId(r) => {
                Ok(Some(self.interactions.get(&r.interaction_id).map_or(Value::Null, |t| to_value(&t.wire))))
            }
            Request::InteractionGetInteractions(_) => ok(&self.interactions()),
            Request::InteractionSetUserData(r) => self.set_user_data(&r.interaction_id, &r.key_values, step),
            Request::InteractionDeleteUserData(r) => self.delete_user_data(&r.interaction_id, &r.key, step),
            Request::InteractionSelectCaseByCaseId(r) => self.select_case(&r.case_id, step),
            Request::InteractionMarkdone(r) => self.markdone(&r.interaction_id, step),
            Request::InteractionBlockMarkdone(r) => self.with(&r.interaction_id, |t| {
                t.markdone_warning = Some(r.warning_message.clone());
            }),
            Request::InteractionUnblockMarkdone(r) => self.with(&r.interaction_id, |t| {
                t.markdone_warning = None;
            }),
            Request::InteractionConsult(r) => {
                self.consult(&r.interaction_id, &r.target_query, r.user_data.clone(), step)
            }
            Request::InteractionCompleteTransfer(r) => self.complete(&r.consult_interaction_id, true, step),
            Request::InteractionCompleteConference(r) => self.complete(&r.consult_interaction_id, false, step),
            Request::InteractionSingleStepTransfer(r) => {
                let answer = self.change(
                    &r.interaction_id,
                    &[InteractionState::Talking, InteractionState::Held, InteractionState::Accepted],
                    InteractionState::Idle,
                    &[InteractionEventType::Released],
                    step,
                );
                let destination = destination(&r.target_query);
                if answer.is_ok()
                    && self.is_other_agent(&destination)
                    && let Some(t) = self.interactions.get(&r.interaction_id)
                {
                    let ani = t.wire.ani.clone().or_else(|| party_name(&t.wire)).unwrap_or_default();
                    let user_data = t.wire.user_data.clone().unwrap_or_default();
                    step.outgoing.push(Outgoing::Transfer { destination, ani, user_data });
                }
                answer
            }
            Request::InteractionSingleStepConference(r) => self.add_party(&r.interaction_id, &r.target_query, step),
            Request::EmailCreate(r) => {
                let id = self.new_interaction("email", Direction::Out, None);
                if let Some(t) = self.interactions.get_mut(&id) {
                    t.wire.parties = Some(vec![Party { name: Some(r.destination.clone()), ..Party::default() }]);
                    t.wire.user_data = Some(r.user_data.clone().unwrap_or_default());
                }
                self.transition(
                    &id,
                    InteractionState::Created,
                    &[InteractionEventType::Added, InteractionEventType::Created],
                    step,
                );
                Ok(None)
            }

            Request::SystemAmIVisible(_) => ok(&true),
            Request::SystemIsFrameLeading(_) => ok(&self.is_leader(conn)),
            Request::SystemIsFrameFollowing(_) => ok(&(!self.is_leader(conn))),
            Request::SystemIsFrameNegotiating(_) => ok(&false),
            Request::SystemIsFrameLeadingOrNegotiating(_) => ok(&self.is_leader(conn)),
            Request::SystemIsLastActiveFrame(_) => {
                ok(&(self.last_active.is_some() && self.last_active.as_ref() == self.tab_of(conn)))
            }
            Request::SystemTriggerActivity(_) => {
                self.touch(conn);
                Ok(None)
            }
            Request::SystemPopupToast(r) => {
                if let Err(message) = self.check_toast(&r.parameters) {
                    return Some(Err(message));
                }
                let (count, _) = self.toast_limits;
                if self.toasts.len() >= count {
                    return Some(Err(format!("Error: {count} toasts are open, the most allowed; close one first.")));
                }
                let id = format!("wweCustomToast{}", self.take_id());
                let toast = OpenToast {
                    parameters: r.parameters.clone(),
                    owner: conn,
                    closes_at: self.closes_at(&r.parameters),
                };
                self.toasts.insert(id.clone(), toast);
                ok(&id)
            }
            Request::SystemUpdateToast(r) => {
                if let Err(message) = self.check_toast(&r.parameters) {
                    return Some(Err(message));
                }
                let closes_at = self.closes_at(&r.parameters);
                ok(&match self.toasts.get_mut(&r.id) {
                    Some(t) => {
                        t.parameters = r.parameters.clone();
                        t.closes_at = closes_at;
                        true
                    }
                    None => false,
                })
            }
            Request::SystemCloseToast(r) => ok(&self.toasts.remove(&r.id).is_some()),
            Request::SystemOpenDialog(r) => {
                if r.url.is_empty() {
                    Ok(Some(Value::Null))
                } else {
                    let id = format!("wweCustomDialog{}", self.take_id());
                    self.dialogs.insert(id.clone());
                    ok(&id)
                }
            }
            Request::SystemCloseDialog(r) => ok(&self.dialogs.remove(&r.dialog_id)),
            Request::SystemUpdateViewInApplicationMenuBar(r) => {
                if !r.parameters.is_valid() {
                    Err("Error: a view needs an iconUrl or a label.".to_owned())
                } else {
                    self.views.insert(r.parameters.name.clone(), r.parameters.clone());
                    ok(&r.parameters.name)
                }
            }
            Request::SystemCloseViewInApplicationMenuBar(r) => ok(&self.views.remove(&r.name).is_some()),
            _ => return None,
        })
    }

    /// A new interaction id, from the same sequence as the desktop's own interactions (for the
    /// outbound records and calls the outbound desk keeps).
    pub fn allocate_interaction_id(&mut self) -> String {
        self.next_interaction.fetch_add(1, Ordering::Relaxed).to_string()
    }

    /// Refuses toast parameters over the size limit.
    fn check_toast(&self, parameters: &ToastParameters) -> Result<(), String> {
        let (_, limit) = self.toast_limits;
        let size = serde_json::to_vec(parameters).map_or(usize::MAX, |v| v.len());
        if size > limit {
            return Err(format!("Error: the toast parameters are {size} bytes; at most {limit} are allowed."));
        }
        Ok(())
    }

    /// When a toast with these parameters closes by itself.
    fn closes_at(&self, parameters: &ToastParameters) -> Option<Duration> {
        parameters.auto_close_timeout.filter(|ms| *ms > 0).map(|ms| self.now.saturating_add(Duration::from_millis(ms)))
    }

    fn take_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn media_list(&self) -> Vec<Media> {
        self.media
            .iter()
            .map(|(name, s)| Media { name: Some(name.clone()), state: Some(s.clone()), ..Media::default() })
            .collect()
    }

    fn set_agent_state(&mut self, operation: &str, media: Option<&str>, step: &mut Step) -> Answer {
        let Some(new) = self.config.states.iter().find(|s| s.operation_name.as_deref() == Some(operation)).cloned()
        else {
            return Err(format!("Error: unknown state operation name '{operation}'."));
        };
        if !new.state_type.as_ref().is_some_and(StateType::is_settable) {
            return Err(format!("Error: the state '{operation}' is reported by events only and cannot be set."));
        }
        match media {
            Some(name) => {
                let Some(slot) = self.media.get_mut(name) else {
                    return Err(format!("Error: media '{name}' not found."));
                };
                *slot = new.clone();
                step.events.push(Event::Media(Some(
                    json!({"eventType": "STATE_CHANGED", "media": name, "mediaState": new.state_type}),
                )));
            }
            None => {
                self.agent_state = new.clone();
                for slot in self.media.values_mut() {
                    *slot = new.clone();
                }
            }
        }
        let reason =
            matches!(new.state_type, Some(StateType::NotReadyActionCode | StateType::NotReadyAfterCallworkActionCode))
                .then(|| new.display_name.clone().unwrap_or_default());
        step.events.push(Event::Agent(AgentEvent {
            event_type: Some(AgentEventType::StateChanged),
            media_state: new.state_type.clone(),
            reason_code: reason.as_ref().map(|_| operation.to_owned()),
            reason,
            ..AgentEvent::default()
        }));
        Ok(None)
    }

    /// Moves an interaction to `to` and emits `events` for it (each with the new state).
    fn transition(&mut self, id: &str, to: InteractionState, events: &[InteractionEventType], step: &mut Step) {
        let Some(t) = self.interactions.get_mut(id) else { return };
        t.wire.previous_state = t.wire.state.replace(to);
        let media = t.wire.media.clone();
        for event_type in events {
            step.events.push(interaction_event(event_type.clone(), media.clone(), &t.wire));
        }
    }

    fn change(
        &mut self,
        id: &str,
        from: &[InteractionState],
        to: InteractionState,
        events: &[InteractionEventType],
        step: &mut Step,
    ) -> Answer {
        let t = self.interactions.get(id).ok_or_else(|| INTERACTION_NOT_FOUND.to_owned())?;
        let current = t.wire.state.clone().unwrap_or(InteractionState::Unknown);
        if !from.contains(&current) {
            return Err(format!("Error: not possible while the interaction is {current}."));
        }
        self.transition(id, to, events, step);
        Ok(None)
    }

    /// Releases a call in progress (either end hangs up): `RELEASED`, state `IDLE`.
    fn release_call(&mut self, id: &str, step: &mut Step) -> Answer {
        self.change(
            id,
            &[InteractionState::Talking, InteractionState::Held, InteractionState::Dialing, InteractionState::Ringing],
            InteractionState::Idle,
            &[InteractionEventType::Released],
            step,
        )
    }

    /// Accepts a ringing call (it is then talking) or an open media invitation (accepted).
    fn accept(&mut self, id: &str, step: &mut Step) -> Answer {
        let voice = self.interactions.get(id).is_some_and(|t| t.wire.media.as_deref() == Some("voice"));
        let from = [InteractionState::Ringing, InteractionState::Invited];
        if voice {
            self.change(id, &from, InteractionState::Talking, &[InteractionEventType::Established], step)
        } else {
            self.change(id, &from, InteractionState::Accepted, &[InteractionEventType::Accepted], step)
        }
    }

    fn reject(&mut self, id: &str, step: &mut Step) -> Answer {
        self.change(
            id,
            &[InteractionState::Ringing, InteractionState::Invited],
            InteractionState::Rejected,
            &[InteractionEventType::Removed],
            step,
        )?;
        self.interactions.remove(id);
        Ok(None)
    }

    fn dial(&mut self, destination: &str, user_data: Option<UserData>, step: &mut Step) -> Answer {
        if destination.trim().is_empty() {
            return Err("Error: a destination is required.".to_owned());
        }
        let id = self.new_interaction("voice", Direction::Out, Some(CallType::Outbound));
        if let Some(t) = self.interactions.get_mut(&id) {
            t.wire.dnis = Some(destination.to_owned());
            t.wire.call_uuid = Some(format!("SIMCALL{id:0>25}"));
            t.wire.parties = Some(vec![Party { name: Some(destination.to_owned()), ..Party::default() }]);
            t.wire.recording_state = Some(RecordingState::Stopped);
            t.wire.user_data = Some(user_data.unwrap_or_default());
        }
        self.transition(
            &id,
            InteractionState::Dialing,
            &[InteractionEventType::Added, InteractionEventType::Dialing],
            step,
        );
        // The simulated party answers at once.
        self.transition(&id, InteractionState::Talking, &[InteractionEventType::Established], step);
        Ok(None)
    }

    fn recording(&mut self, id: &str, from: Option<RecordingState>, to: RecordingState, step: &mut Step) -> Answer {
        let t = self.interactions.get_mut(id).ok_or_else(|| INTERACTION_NOT_FOUND.to_owned())?;
        if t.wire.media.as_deref() != Some("voice")
            || !matches!(t.wire.state, Some(InteractionState::Talking | InteractionState::Held))
        {
            return Err("Error: call recording needs an established voice call.".to_owned());
        }
        let current = t.wire.recording_state.clone().unwrap_or(RecordingState::Stopped);
        if from.as_ref().is_some_and(|f| *f != current) || current == to {
            return Err(format!("Error: the call recording is {current}."));
        }
        t.wire.recording_state = Some(to);
        step.events.push(interaction_event(
            InteractionEventType::CallRecordingStateChanged,
            t.wire.media.clone(),
            &t.wire,
        ));
        Ok(None)
    }

    fn mute(&mut self, microphone: bool, speaker: Option<bool>) -> Answer {
        self.microphone_muted = microphone;
        if let Some(s) = speaker {
            self.speaker_muted = s;
        }
        Ok(None)
    }

    fn with(&mut self, id: &str, f: impl FnOnce(&mut Tracked)) -> Answer {
        let t = self.interactions.get_mut(id).ok_or_else(|| INTERACTION_NOT_FOUND.to_owned())?;
        f(t);
        Ok(None)
    }

    fn live(&self, id: &str) -> Result<(), String> {
        let t = self.interactions.get(id).ok_or_else(|| INTERACTION_NOT_FOUND.to_owned())?;
        match t.wire.state {
            Some(InteractionState::Idle | InteractionState::Completed | InteractionState::Rejected) => {
                Err("Error: the interaction is no longer live.".to_owned())
            }
            _ => Ok(()),
        }
    }

    fn set_user_data(&mut self, id: &str, values: &UserData, step: &mut Step) -> Answer {
        self.live(id)?;
        if let Some(t) = self.interactions.get_mut(id) {
            let data = t.wire.user_data.get_or_insert_with(UserData::new);
            data.extend(values.iter().map(|(k, v)| (k.clone(), v.clone())));
            step.events.push(interaction_event(
                InteractionEventType::AttachedDataChanged,
                t.wire.media.clone(),
                &t.wire,
            ));
        }
        Ok(None)
    }

    fn delete_user_data(&mut self, id: &str, key: &str, step: &mut Step) -> Answer {
        self.live(id)?;
        if let Some(t) = self.interactions.get_mut(id) {
            let removed = t.wire.user_data.as_mut().and_then(|d| d.remove(key)).is_some();
            if removed {
                step.events.push(interaction_event(
                    InteractionEventType::AttachedDataChanged,
                    t.wire.media.clone(),
                    &t.wire,
                ));
            }
        }
        Ok(None)
    }

    fn select_case(&mut self, case: &str, step: &mut Step) -> Answer {
        if !self.interactions.values().any(|t| t.wire.case_id.as_deref() == Some(case)) {
            return Err(format!("Error: case '{case}' not found."));
        }
        let case_event = |t: InteractionEventType, id: &str| {
            Event::Interaction(InteractionEvent {
                event_type: Some(t),
                selected_case_id: Some(id.to_owned()),
                ..InteractionEvent::default()
            })
        };
        if let Some(previous) = self.selected_case.replace(case.to_owned())
            && previous != case
        {
            step.events.push(case_event(InteractionEventType::CaseCollapsed, &previous));
        }
        for t in self.interactions.values_mut() {
            let this = t.wire.case_id.as_deref() == Some(case);
            t.wire.is_case_selected = Some(this);
            t.wire.is_case_expanded = Some(this);
        }
        step.events.push(case_event(InteractionEventType::CaseSelected, case));
        step.events.push(case_event(InteractionEventType::CaseExpanded, case));
        Ok(None)
    }

    fn markdone(&mut self, id: &str, step: &mut Step) -> Answer {
        let t = self.interactions.get(id).ok_or_else(|| INTERACTION_NOT_FOUND.to_owned())?;
        if let Some(warning) = &t.markdone_warning {
            step.events
                .push(Event::Markdone(Some(json!({"interactionId": id, "blocked": true, "warningMessage": warning}))));
            return Err(warning.clone());
        }
        let voice_live = t.wire.media.as_deref() == Some("voice")
            && matches!(
                t.wire.state,
                Some(
                    InteractionState::Talking
                        | InteractionState::Held
                        | InteractionState::Dialing
                        | InteractionState::Ringing
                )
            );
        if voice_live {
            return Err("Error: release the call before marking it done.".to_owned());
        }
        if t.wire.media.as_deref() != Some("voice") {
            self.transition(id, InteractionState::Completed, &[InteractionEventType::Completed], step);
        }
        self.transition(id, InteractionState::Idle, &[InteractionEventType::Removed], step);
        step.events.push(Event::Markdone(Some(json!({"interactionId": id}))));
        self.interactions.remove(id);
        Ok(None)
    }

    fn consult(&mut self, id: &str, target: &TargetQuery, user_data: Option<UserData>, step: &mut Step) -> Answer {
        self.live(id)?;
        let (destination, media) = match target {
            TargetQuery::PhoneNumber(n) => (n.clone(), None),
            TargetQuery::Target(t) => (t.destination.clone(), t.media.clone()),
        };
        let parent_media =
            self.interactions.get(id).and_then(|t| t.wire.media.clone()).unwrap_or_else(|| "voice".into());
        let media = media.unwrap_or(parent_media);
        let parent_case = self.interactions.get(id).and_then(|t| t.wire.case_id.clone());
        if media == "voice"
            && self.interactions.get(id).and_then(|t| t.wire.state.clone()) == Some(InteractionState::Talking)
        {
            self.transition(id, InteractionState::Held, &[InteractionEventType::Held], step);
        }
        let consult = self.new_interaction(&media, Direction::Out, Some(CallType::Consult));
        if let Some(t) = self.interactions.get_mut(&consult) {
            t.wire.is_consultation = Some(true);
            t.wire.is_main_case_interaction = Some(false);
            t.wire.parent_interaction_id = Some(id.to_owned());
            t.wire.case_id = parent_case;
            t.wire.parties = Some(vec![Party { name: Some(destination.clone()), ..Party::default() }]);
            t.wire.user_data = Some(user_data.unwrap_or_default());
        }
        self.transition(
            &consult,
            InteractionState::Dialing,
            &[InteractionEventType::Added, InteractionEventType::Dialing],
            step,
        );
        if self.is_other_agent(&destination) {
            // It rings at that agent's desktop; established when the agent answers.
            // The consulted agent sees the call's user data, with the consultation's own on top.
            let mut user_data = self.interactions.get(id).and_then(|t| t.wire.user_data.clone()).unwrap_or_default();
            user_data
                .extend(self.interactions.get(&consult).and_then(|t| t.wire.user_data.clone()).unwrap_or_default());
            let from = self.agent_name();
            step.outgoing.push(Outgoing::Consult { consult_id: consult, destination, from, user_data });
        } else if self.config.consult_answer == ConsultAnswer::Auto {
            // Another number answers at once, unless the control API is to answer for it.
            self.transition(&consult, InteractionState::Talking, &[InteractionEventType::Established], step);
        }
        Ok(None)
    }

    fn complete(&mut self, consult: &str, transfer: bool, step: &mut Step) -> Answer {
        let c = self.interactions.get(consult).ok_or_else(|| INTERACTION_NOT_FOUND.to_owned())?;
        let Some(parent) = c.wire.parent_interaction_id.clone().filter(|_| c.wire.is_consultation == Some(true)) else {
            return Err("Error: not a consultation interaction.".to_owned());
        };
        if !self.interactions.contains_key(&parent) {
            return Err(INTERACTION_NOT_FOUND.to_owned());
        }
        let party = c.wire.parties.clone().unwrap_or_default();
        if transfer {
            let parties = self.interactions.get(&parent).and_then(|p| p.wire.parties.clone()).unwrap_or_default();
            step.outgoing.push(Outgoing::TransferCompleted { consult_id: consult.to_owned(), parties });
            self.transition(&parent, InteractionState::Idle, &[InteractionEventType::Released], step);
        } else {
            if let Some(p) = self.interactions.get_mut(&parent) {
                p.wire.parties.get_or_insert_with(Vec::new).extend(party);
            }
            self.transition(&parent, InteractionState::Talking, &[InteractionEventType::PartyChanged], step);
        }
        self.transition(
            consult,
            InteractionState::Idle,
            &[InteractionEventType::Released, InteractionEventType::Removed],
            step,
        );
        self.interactions.remove(consult);
        Ok(None)
    }

    fn add_party(&mut self, id: &str, target: &TargetQuery, step: &mut Step) -> Answer {
        self.live(id)?;
        let name = destination(target);
        if let Some(t) = self.interactions.get_mut(id) {
            t.wire.parties.get_or_insert_with(Vec::new).push(Party { name: Some(name), ..Party::default() });
            step.events.push(interaction_event(InteractionEventType::PartyChanged, t.wire.media.clone(), &t.wire));
        }
        Ok(None)
    }
}

/// Whom a target query names: its phone number, or its target's destination.
fn destination(target: &TargetQuery) -> String {
    match target {
        TargetQuery::PhoneNumber(n) => n.clone(),
        TargetQuery::Target(t) => t.destination.clone(),
    }
}

/// The first party's name.
fn party_name(wire: &Interaction) -> Option<String> {
    wire.parties.as_ref().and_then(|p| p.first()).and_then(|p| p.name.clone())
}

fn frame_event(state: FrameState) -> Event {
    Event::System(SystemEvent { frame_state: Some(state), ..SystemEvent::default() })
}

fn interaction_event(event_type: InteractionEventType, media: Option<String>, wire: &Interaction) -> Event {
    Event::Interaction(InteractionEvent {
        event_type: Some(event_type),
        media,
        interaction: Some(Box::new(wire.clone())),
        ..InteractionEvent::default()
    })
}

fn to_value<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn ok<T: Serialize>(value: &T) -> Answer {
    Ok(Some(to_value(value)))
}
