//! GMS callback API v1, request-interaction and Engagement API v3 over HTTP (WIRE.md sections
//! 2-4), with a capacity model behind availability and scheduling.
//!
//! [`HttpSim::start`] serves an [`HttpSimConfig`] on a loopback address; the
//! [`HttpSimHandle`] gives the base URLs for `cxwire-http`'s clients and the shared
//! [`HttpSimState`] for a control API. The time comes from an injected [`Clock`]
//! ([`SystemClock`], or [`ManualClock`] in tests).
//!
//! # Routes
//!
//! | route | operation |
//! |---|---|
//! | `POST /genesys/1/service/callback/{service}` | start (no `_desired_time`) or schedule; JSON or form; `_redirect: request-interaction` answers as request-interaction |
//! | `DELETE /genesys/1/service/callback/{service}/{id}` | cancel: 200, empty body |
//! | `PUT /genesys/1/service/callback/{service}/{id}` | reschedule (`_new_desired_time`, `_callback_state` `SCHEDULED` only); answers the updated record |
//! | `GET /genesys/1/service/callback?_id=` | query by id: `[record]`, or `[]` |
//! | `GET /genesys/1/service/callback/{service}?operand=AND&k=v` | query by properties (`AND` or `OR`; values compared as text; no property: every record of the service) |
//! | `GET /genesys/1/service/callback/{service}/availability` | `start`, `end`, `number-of-days`, `max-time-slots` -> `{time: free capacity}` |
//! | `POST /genesys/1/service/request-interaction` | access number, code, `_expiration_time` (seconds, as text), `_id` |
//! | `POST /engagement/v3/callbacks/create`, `cancel`, `retrieve` | v3 callbacks |
//! | `GET /engagement/v3/callbacks/availability/{serviceName}` | `start`, `end`, `numberOfDays`, `maxTimeSlots`, `timezone` |
//! | `POST /engagement/v3/call-in/requests/create` | v3 click to call in |
//!
//! # The capacity model
//!
//! Each service's office hours are cut into slots of `slotMinutes` from each opening time; every
//! slot takes `capacity` scheduled callbacks. A scheduled callback holds the slot that contains
//! its desired time while it is active (not `COMPLETED`); cancelling frees it. An
//! as-soon-as-possible callback is `QUEUED` at the current time and holds no slot.
//! Availability lists the open slots of the window that start at or after now, full ones with
//! capacity 0, in time order, cut to `max-time-slots`.
//!
//! # Errors on the wire
//!
//! | case | GMS v1 | Engagement v3 |
//! |---|---|---|
//! | malformed body, wrong types, bad number, unknown service, time in the past | 400 `InvalidParameterException` | 400 `{status}` |
//! | body over `maxBodyBytes` | 413 `InvalidParameterException` | 413 `{status}` |
//! | body not received within `readTimeoutMs` | 408 `InvalidParameterException` | 408 `{status}` |
//! | `maxStoredCallbacks` / `maxStoredDataBytes` reached and every stored callback active | 503 `ServiceUnavailableException` | 503 `{status}` |
//! | slot full or closed | 400 `TimeSlotNotAvailableException` (a reschedule adds `availability`: the next free slots) | 429, `data.slots`: the next free slots |
//! | unknown callback id | 404 `NotFoundException` | 404 `Callback not found` |
//! | cancel or reschedule of a completed callback | 400 | 400 |
//! | service's `queueLimit` active callbacks reached | 503 `ServiceUnavailableException` | 503 |
//! | every access number reserved | 503, `Retry-After` | 503, `Retry-After` |
//! | missing or wrong `x-api-key` | - | 401 |
//!
//! A cancelled callback stays readable: `COMPLETED` with reason `CANCELLED` (v1) or
//! `CUSTOMER_CANCELLED` (v3). Every answer allows any origin (CORS), so the Widgets can call
//! the simulator from a page.

mod clock;
mod config;
mod engagement_v3;
mod error;
mod gms_v1;
pub(crate) mod server;
mod slots;
mod state;
mod wire;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{
    ClickToCallConfig, DEFAULT_API_KEY, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_STORED_CALLBACKS,
    DEFAULT_MAX_STORED_DATA_BYTES, DEFAULT_READ_TIMEOUT_MS, DEFAULT_SERVICE, DEFAULT_WRITE_TIMEOUT_MS, HttpSimConfig,
    OfficeHours, ServiceConfig, TimeOfDay, UtcOffset,
};
pub use error::HttpSimError;
pub use server::{ENGAGEMENT_PREFIX, GMS_PREFIX, HttpSim, HttpSimHandle};
pub use state::{AccessGrant, HttpSimState, Origin, SlotCapacity, StoredCallback};
