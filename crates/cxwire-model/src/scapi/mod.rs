//! The Agent Workspace Service Client API: envelopes, the 75 requests, the object types and the
//! events (WIRE.md section 1, seed 003).

mod events;
mod frames;
mod macros;
mod requests;
pub mod types;

pub use events::{
    AgentEvent, AgentEventType, Event, FrameState, InteractionEvent, InteractionEventFamily, InteractionEventType,
    MESSENGER_PREFIX, OutboundEvent, OutboundEventType, RealtimeConnectionState, SystemEvent, SystemEventType, TOPICS,
};
pub use frames::{
    AnswerData, AnswerFrame, AnswerOutcome, CLIENT_USER_AGENT, ClientMessage, Envelope, EventFrame, Failure,
    FrameIdFrame, NameForm, PROTOCOL_VERSION, REQUEST_TIMEOUT_MESSAGE, RateLimitNotice, RequestFrame, Route,
    SERVER_USER_AGENT, SubscribeFrame, Topics, UnsubscribeFrame, WorkspaceMessage, decode_answer, salvage_reference_id,
};
pub use requests::*;

#[cfg(feature = "schema")]
pub(crate) use events::payload_rules;
pub(crate) use requests::{check_arity, decode_parameter, decode_response, response_to_data, to_parameter_values};
