#![doc = include_str!("../README.md")]

mod acceptor;
pub mod bridge;
mod caller;
mod connect;
mod domain;
mod error;
mod namespaces;
mod session;
mod transport;

pub use acceptor::{Accepted, AcceptedFrames, AcceptedStream, Acceptor, AcceptorConfig, FrameAcceptor, PeerInfo};
pub use caller::Caller;
pub use connect::{ConnectOptions, ReconnectPolicy, connect, connect_with};
pub use domain::{
    AgentStateChange, AgentStates, CaseId, DialogId, InteractionHandle, InteractionId, InteractionUpdate, Interactions,
    SubscriptionId, ToastId, Topic, UnknownTopic,
};
pub use error::Error;
pub use namespaces::{Agent, Auth, Configuration, Email, Interaction, MediaNs, Messenger, Outbound, System, Voice};
pub use session::{ConnectionState, DEFAULT_CALL_TIMEOUT, Session, SessionConfig, Subscription, SubscriptionItem};
pub use transport::{
    CLOSE_MESSAGE_TOO_BIG, CLOSE_POLICY_VIOLATION, DEFAULT_MAX_FRAME, FrameTransport, MemoryTransport, WsFrames,
    WsSettings, memory_pair,
};

/// The model crate, re-exported: requests, answers, events and types.
pub use cxwire_model as model;
