#![doc = include_str!("../README.md")]

mod callback;
mod click_to_call;
mod engagement_v3;
mod error;
mod gms_v1;
mod phone;
mod retry;
mod transport;
pub mod wire_time;

pub use callback::{
    AvailabilityAnswer, AvailableSlots, CallbackEvent, CallbackEvents, CallbackService, CallbackServiceBuilder,
    DEFAULT_EVENT_CAPACITY, ScheduleAnswer, Scheduled, TimeSlot,
};
pub use click_to_call::{
    ClickToCallAnswer, ClickToCallService, ClickToCallServiceBuilder, ClickToCallSession, JsonFileStore, MemoryStore,
    SessionStore,
};
pub use engagement_v3::{EngagementV3Client, EngagementV3ClientBuilder};
pub use error::{Error, HttpFailure};
pub use gms_v1::{GmsV1Client, GmsV1ClientBuilder};
#[cfg(feature = "phonenumber")]
pub use phone::normalize_e164;
pub use retry::RetryPolicy;
pub use transport::{BODY_HEAD_BYTES, DEFAULT_BODY_LIMIT, redirect_policy};

/// The model crate, re-exported so that its option, configuration and body types need no
/// separate dependency.
pub use cxwire_model as model;
