//! `CallbackService`: the Widgets' callback service as a typed Rust service.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Utc};
use cxwire_model::http::{engagement_v3, gms_v1};
use cxwire_model::widgets::{
    ApiVersion, AvailabilityOptions, BusMessage, CallbackConfig, CallbackServiceEvent, ScheduleOptions,
};
use reqwest::{Client, Url};
use serde_json::Value;
use tokio::sync::broadcast;

use crate::engagement_v3::EngagementV3Client;
use crate::error::{Error, bad_answer};
use crate::gms_v1::{GmsV1Client, split_data_url};
use crate::phone::{PhoneRules, parse_region};
use crate::retry::RetryPolicy;
use crate::transport::{DEFAULT_BODY_LIMIT, base_url, default_client};
use crate::wire_time;

/// The default capacity of the event channel.
pub const DEFAULT_EVENT_CAPACITY: usize = 64;

/// GMS v1 keys that the options set; a `userData` key of the same name is dropped.
const V1_RESERVED: [&str; 3] = ["_customer_number", "_desired_time", "_redirect"];

/// Schedules callbacks and lists free slots, configured exactly like
/// `_genesys.widgets.callback` ([`CallbackConfig`]), over GMS v1 (the default) or Engagement v3.
///
/// - [`schedule`](Self::schedule) and [`availability`](Self::availability) take the widget's
///   options ([`ScheduleOptions`], [`AvailabilityOptions`]) and resolve to typed results, or
///   reject with the documented [`Error`]s.
/// - [`subscribe`](Self::subscribe) gives the events the bus publishes (`ready`, `scheduled`,
///   `scheduleError`, `availableSlots`, `availabilityError`).
///
/// Cloning is cheap and clones share the connection pool and the event channel.
///
/// ```rust,no_run
/// use cxwire_http::{CallbackService, Error};
/// use cxwire_http::model::widgets::{CallbackConfig, ScheduleOptions};
///
/// # async fn run() -> Result<(), Error> {
/// let config = CallbackConfig {
///     data_url: "http://gms:8080/genesys/1/service/callback/samples".into(),
///     ..Default::default()
/// };
/// let callbacks = CallbackService::new(config)?;
/// let options = ScheduleOptions {
///     phonenumber: Some("+14155550123".into()),
///     desired_time: Some("2026-11-23T09:30:00.000Z".into()),
///     ..Default::default()
/// };
/// match callbacks.schedule(options).await {
///     Ok(scheduled) => println!("callback {:?} at {:?}", scheduled.id, scheduled.desired_time),
///     Err(e) if e.status() == Some(400) => eprintln!("refused: {e}"),
///     Err(e) => return Err(e),
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct CallbackService {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: CallbackConfig,
    backend: Backend,
    phone: PhoneRules,
    events: broadcast::Sender<CallbackEvent>,
}

#[derive(Debug)]
enum Backend {
    V1 { client: GmsV1Client, service: String, url: Url },
    V3 { client: EngagementV3Client },
}

/// Builds a [`CallbackService`].
#[derive(Debug)]
#[must_use]
pub struct CallbackServiceBuilder {
    config: CallbackConfig,
    client: Option<Client>,
    retry: RetryPolicy,
    default_region: Option<String>,
    event_capacity: usize,
    body_limit: usize,
}

impl CallbackServiceBuilder {
    /// Uses this `reqwest::Client` (and its connection pool), e.g. the one of a
    /// [`ClickToCallService`](crate::ClickToCallService), instead of creating one. Build it with
    /// [`redirect_policy`](crate::redirect_policy), or a redirect to another host reaches that
    /// host before cxwire-http refuses the answer (see [`Error::RedirectRefused`]).
    pub fn http_client(mut self, client: Client) -> Self {
        self.client = Some(client);
        self
    }

    /// The retry policy (default: no retries; see [`RetryPolicy`] for what is retried).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The largest answer body read, in bytes (default [`DEFAULT_BODY_LIMIT`], 1 MiB); a larger
    /// one ends the exchange with [`Error::BodyTooLarge`].
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// The region (ISO 3166, e.g. `US`) of numbers written without a country code, used when
    /// `countryCodes` is on. Without it such numbers are refused.
    pub fn default_region(mut self, region: impl Into<String>) -> Self {
        self.default_region = Some(region.into());
        self
    }

    /// The capacity of the event channel (default [`DEFAULT_EVENT_CAPACITY`]); a subscriber
    /// further behind gets [`Error::Lagged`].
    pub fn event_capacity(mut self, capacity: usize) -> Self {
        self.event_capacity = capacity;
        self
    }

    /// Builds the service.
    ///
    /// # Errors
    /// [`Error::Config`]: `dataURL` is not an http(s) URL; `apiVersion` is neither `v1` nor `v3`;
    /// v1 without a service (neither `dataURL` ending in `/callback/{service}` nor
    /// `serviceName`); v3 without `apikey`; `ajaxTimeout` of 0; an unknown default region; a
    /// zero event capacity or body limit. [`Error::Transport`] when the default `reqwest::Client` cannot be
    /// created.
    pub fn build(self) -> Result<CallbackService, Error> {
        let config = self.config;
        if self.event_capacity == 0 {
            return Err(Error::Config("the event capacity must be at least 1".into()));
        }
        let phone = phone_rules(&config, self.default_region.as_deref())?;
        let client = match self.client {
            Some(c) => c,
            None => default_client()?,
        };
        let backend = match endpoint(&config, client, self.retry, self.body_limit)? {
            Endpoint::V1 { client, service } => {
                let service = service.or_else(|| config.service_name.clone()).ok_or_else(|| {
                    Error::Config(
                        "v1 needs a callback service: a dataURL ending in /callback/{service}, or serviceName".into(),
                    )
                })?;
                let url = client.service_url(&service);
                Backend::V1 { client, service, url }
            }
            Endpoint::V3(client) => Backend::V3 { client },
        };
        let (events, _) = broadcast::channel(self.event_capacity);
        Ok(CallbackService { inner: Arc::new(Inner { config, backend, phone, events }) })
    }
}

/// The endpoint a widget configuration names.
pub(crate) enum Endpoint {
    /// GMS v1: the client on the service root, and the service of `dataURL`, if it names one.
    V1 { client: GmsV1Client, service: Option<String> },
    /// Engagement v3.
    V3(EngagementV3Client),
}

/// Reads `dataURL`, `apiVersion`, `apikey` and `ajaxTimeout` into a low-level client.
pub(crate) fn endpoint(
    config: &CallbackConfig,
    client: Client,
    retry: RetryPolicy,
    body_limit: usize,
) -> Result<Endpoint, Error> {
    let data_url = base_url(&config.data_url, "dataURL")?;
    let timeout = Duration::from_millis(config.ajax_timeout_ms());
    if timeout.is_zero() {
        return Err(Error::Config("ajaxTimeout must be more than 0 ms".into()));
    }
    match config.api_version() {
        ApiVersion::V1 => {
            let (root, service) = split_data_url(&data_url);
            let client = GmsV1Client::builder(root.as_str())
                .http_client(client)
                .timeout(timeout)
                .retry(retry)
                .body_limit(body_limit)
                .build()?;
            Ok(Endpoint::V1 { client, service })
        }
        ApiVersion::V3 => {
            let key = config
                .apikey
                .clone()
                .filter(|k| !k.is_empty())
                .ok_or_else(|| Error::Config("apiVersion v3 needs apikey (the x-api-key value)".into()))?;
            let client = EngagementV3Client::builder(data_url.as_str(), key)
                .http_client(client)
                .timeout(timeout)
                .retry(retry)
                .body_limit(body_limit)
                .build()?;
            Ok(Endpoint::V3(client))
        }
        ApiVersion::Other(other) => Err(Error::Config(format!("unknown apiVersion {other:?} (expected v1 or v3)"))),
    }
}

pub(crate) fn phone_rules(config: &CallbackConfig, default_region: Option<&str>) -> Result<PhoneRules, Error> {
    Ok(PhoneRules {
        validate: config.country_codes.unwrap_or(false),
        default_region: default_region.map(parse_region).transpose()?,
    })
}

impl CallbackService {
    /// Starts a builder for `config`.
    pub fn builder(config: CallbackConfig) -> CallbackServiceBuilder {
        CallbackServiceBuilder {
            config,
            client: None,
            retry: RetryPolicy::disabled(),
            default_region: None,
            event_capacity: DEFAULT_EVENT_CAPACITY,
            body_limit: DEFAULT_BODY_LIMIT,
        }
    }

    /// A service with its own connection pool, no retries and no default region.
    ///
    /// # Errors
    /// As [`CallbackServiceBuilder::build`].
    pub fn new(config: CallbackConfig) -> Result<Self, Error> {
        Self::builder(config).build()
    }

    /// The configuration.
    pub fn config(&self) -> &CallbackConfig {
        &self.inner.config
    }

    /// The API version in use.
    pub fn api_version(&self) -> ApiVersion {
        match self.inner.backend {
            Backend::V1 { .. } => ApiVersion::V1,
            Backend::V3 { .. } => ApiVersion::V3,
        }
    }

    /// The `reqwest::Client` (clone it to share the connection pool).
    pub fn http_client(&self) -> &Client {
        match &self.inner.backend {
            Backend::V1 { client, .. } => client.http_client(),
            Backend::V3 { client } => client.http_client(),
        }
    }

    /// The GMS v1 client, for the operations the widget does not expose (cancel, reschedule,
    /// queries), when the API version is v1.
    pub fn gms_v1(&self) -> Option<&GmsV1Client> {
        match &self.inner.backend {
            Backend::V1 { client, .. } => Some(client),
            Backend::V3 { .. } => None,
        }
    }

    /// The GMS v1 callback service name, when the API version is v1.
    pub fn gms_service(&self) -> Option<&str> {
        match &self.inner.backend {
            Backend::V1 { service, .. } => Some(service),
            Backend::V3 { .. } => None,
        }
    }

    /// The Engagement v3 client, for cancel and retrieve, when the API version is v3.
    pub fn engagement_v3(&self) -> Option<&EngagementV3Client> {
        match &self.inner.backend {
            Backend::V3 { client } => Some(client),
            Backend::V1 { .. } => None,
        }
    }

    /// Subscribes to the events. The first event every subscriber receives is
    /// [`CallbackEvent::Ready`] (the service is initialised by the time anyone can subscribe);
    /// then each later `scheduled`, `scheduleError`, `availableSlots` and `availabilityError`.
    pub fn subscribe(&self) -> CallbackEvents {
        CallbackEvents { rx: self.inner.events.subscribe(), ready_pending: true }
    }

    /// `CallbackService.schedule`: schedules a callback (or starts one now when `desiredTime` is
    /// absent).
    ///
    /// Mapping: `phonenumber` -> `_customer_number` (v1) / `phoneNumber` (v3); `desiredTime` ->
    /// `_desired_time` / `desiredTime` (re-formatted as ISO 8601 UTC with milliseconds);
    /// `firstname`, `lastname`, `email` and `subject` (as `notes`, the widget's form field) plus
    /// the configured `userData` with the option's `userData` merged over it -> attached data
    /// (v1: top-level keys; v3: `userData`). A form field wins over a `userData` key of the same
    /// name. v3 uses the option's `serviceName`, else the configured one; v1 ignores it.
    ///
    /// Publishes `scheduled` or `scheduleError` once the server answered or the exchange failed;
    /// local validation errors are only returned.
    ///
    /// # Errors
    /// Local, nothing sent: [`Error::NoDataToSchedule`] (no form data); [`Error::InvalidOption`]
    /// (`phonenumber` missing, `desiredTime` not an ISO 8601 time, v3 without `serviceName`, v3
    /// `userData` keys that are not identifiers); [`Error::InvalidPhoneNumber`] (`countryCodes`
    /// on). From the server: [`Error::BadRequest`] (slot not available), [`Error::TooManyRequests`]
    /// (v3 with the proposed slots), [`Error::ServerException`], other statuses;
    /// [`Error::Timeout`] (`ajaxTimeout`), [`Error::Transport`], [`Error::Decode`].
    pub async fn schedule(&self, options: ScheduleOptions) -> Result<Scheduled, Error> {
        let prepared = self.prepare_schedule(options)?;
        let result = self.send_schedule(prepared).await;
        self.publish(|| match &result {
            Ok(scheduled) => CallbackEvent::Scheduled(scheduled.clone()),
            Err(error) => CallbackEvent::ScheduleError(error.clone()),
        });
        result
    }

    /// `CallbackService.availability`: the free slots in a period.
    ///
    /// `startDate`/`endDate` are ISO 8601 times; `numberOfDays` is a number written as a string
    /// (the widget's type); with neither `endDate` nor `numberOfDays`, the end is the start. v3
    /// uses the option's `serviceName`, else the configured one.
    ///
    /// Publishes `availableSlots` or `availabilityError` once the server answered or the exchange
    /// failed; local validation errors are only returned.
    ///
    /// # Errors
    /// Local: [`Error::NoAvailabilityQuery`] (no query parameter); [`Error::InvalidOption`]
    /// (`startDate`/`endDate` not ISO 8601, `numberOfDays` not a number, v3 without
    /// `serviceName`). From the server: [`Error::BadRequest`] (no slots in the period, bad
    /// query), [`Error::ServerException`], other statuses; [`Error::Timeout`],
    /// [`Error::Transport`], [`Error::Decode`].
    pub async fn availability(&self, options: AvailabilityOptions) -> Result<AvailableSlots, Error> {
        let query = self.prepare_availability(&options)?;
        let result = self.send_availability(query).await;
        self.publish(|| match &result {
            Ok(slots) => CallbackEvent::AvailableSlots(slots.clone()),
            Err(error) => CallbackEvent::AvailabilityError(error.clone()),
        });
        result
    }

    /// Publishes an event, built only when someone is subscribed.
    fn publish(&self, event: impl FnOnce() -> CallbackEvent) {
        if self.inner.events.receiver_count() > 0 {
            // An error here only means every subscriber left meanwhile.
            let _ = self.inner.events.send(event());
        }
    }

    fn prepare_schedule(&self, options: ScheduleOptions) -> Result<PreparedSchedule, Error> {
        if !options.has_form_data() {
            return Err(Error::NoDataToSchedule);
        }
        let number = options
            .phonenumber
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| Error::option("phonenumber", "required: the number to call back"))?;
        let phone_number = self.inner.phone.prepare(number)?;
        let desired_time = options
            .desired_time
            .as_deref()
            .map(|t| {
                wire_time::parse(t)
                    .map_err(|e| Error::option("desiredTime", format!("{t:?} is not an ISO 8601 time: {e}")))
            })
            .transpose()?;
        let mut data = self.inner.config.merged_user_data(options.user_data.as_ref());
        for (key, value) in [
            ("firstname", options.firstname),
            ("lastname", options.lastname),
            ("email", options.email),
            ("notes", options.subject),
        ] {
            if let Some(value) = value {
                data.insert(key.to_owned(), Value::String(value));
            }
        }
        let wire_desired = desired_time.as_ref().map(wire_time::format);
        let body = match &self.inner.backend {
            Backend::V1 { .. } => {
                for key in V1_RESERVED {
                    data.remove(key);
                }
                Body::V1(gms_v1::ScheduleRequest {
                    customer_number: phone_number.clone(),
                    desired_time: wire_desired,
                    redirect: None,
                    attached_data: data,
                })
            }
            Backend::V3 { .. } => {
                let service_name = self.v3_service(options.service_name)?;
                let body = engagement_v3::CreateRequest {
                    service_name,
                    phone_number: phone_number.clone(),
                    desired_time: wire_desired,
                    user_data: (!data.is_empty()).then_some(data),
                    ..Default::default()
                };
                let invalid = body.invalid_user_data_keys();
                if !invalid.is_empty() {
                    return Err(Error::option(
                        "userData",
                        format!("v3 keys must be identifiers (letters, digits, _): {}", invalid.join(", ")),
                    ));
                }
                Body::V3(body)
            }
        };
        Ok(PreparedSchedule { body, phone_number, desired_time })
    }

    async fn send_schedule(&self, prepared: PreparedSchedule) -> Result<Scheduled, Error> {
        let PreparedSchedule { body, phone_number, desired_time } = prepared;
        match (&self.inner.backend, body) {
            (Backend::V1 { client, url, .. }, Body::V1(body)) => {
                let answer = client.schedule_at(url.clone(), &body).await?;
                Ok(Scheduled { id: answer.id.clone(), phone_number, desired_time, answer: ScheduleAnswer::V1(answer) })
            }
            (Backend::V3 { client }, Body::V3(body)) => {
                let answer = client.create(&body).await?;
                let id = answer.data.as_ref().and_then(|d| d.id.clone());
                Ok(Scheduled { id, phone_number, desired_time, answer: ScheduleAnswer::V3(answer) })
            }
            _ => Err(Error::Config("internal: body and API version differ".into())),
        }
    }

    fn v3_service(&self, option: Option<String>) -> Result<String, Error> {
        option
            .filter(|s| !s.is_empty())
            .or_else(|| self.inner.config.service_name.clone().filter(|s| !s.is_empty()))
            .ok_or_else(|| {
                Error::option("serviceName", "required for apiVersion v3 (in the options or the configuration)")
            })
    }

    fn prepare_availability(&self, options: &AvailabilityOptions) -> Result<Query, Error> {
        if !options.has_query() {
            return Err(Error::NoAvailabilityQuery);
        }
        let time = |option: &'static str, text: &Option<String>| {
            text.as_deref()
                .map(|t| {
                    wire_time::parse(t)
                        .map_err(|e| Error::option(option, format!("{t:?} is not an ISO 8601 time: {e}")))
                })
                .transpose()
        };
        let start = time("startDate", &options.start_date)?;
        let mut end = time("endDate", &options.end_date)?;
        let number_of_days = options
            .number_of_days
            .as_deref()
            .map(|d| {
                d.trim()
                    .parse::<u32>()
                    .map_err(|_| Error::option("numberOfDays", format!("{d:?} is not a whole number of days")))
            })
            .transpose()?;
        if end.is_none() && number_of_days.is_none() {
            end = start;
        }
        let start = start.as_ref().map(wire_time::format);
        let end = end.as_ref().map(wire_time::format);
        Ok(match &self.inner.backend {
            Backend::V1 { .. } => Query::V1(gms_v1::AvailabilityQuery {
                start,
                end,
                number_of_days,
                max_time_slots: options.max_time_slots,
            }),
            Backend::V3 { .. } => Query::V3(
                self.v3_service(options.service_name.clone())?,
                engagement_v3::AvailabilityQuery {
                    start,
                    end,
                    number_of_days,
                    max_time_slots: options.max_time_slots,
                    timezone: None,
                },
            ),
        })
    }

    async fn send_availability(&self, query: Query) -> Result<AvailableSlots, Error> {
        match (&self.inner.backend, query) {
            (Backend::V1 { client, service, .. }, Query::V1(query)) => {
                let answer = client.availability(service, &query).await?;
                let mut slots = Vec::with_capacity(answer.len());
                for (time, capacity) in &answer {
                    let start =
                        wire_time::parse(time).map_err(|e| bad_answer(&answer, format!("slot time {time:?}: {e}")))?;
                    slots.push(TimeSlot { start, capacity: *capacity, total: None, local_time: None });
                }
                slots.sort_by_key(|s| s.start);
                Ok(AvailableSlots {
                    slots,
                    duration_minutes: None,
                    timezone: None,
                    answer: AvailabilityAnswer::V1(answer),
                })
            }
            (Backend::V3 { client }, Query::V3(service, query)) => {
                let answer = client.availability(&service, &query).await?;
                let data = answer.data.as_ref().ok_or_else(|| bad_answer(&answer, "no data"))?;
                let slots = data
                    .slots
                    .iter()
                    .flatten()
                    .map(TimeSlot::from_v3)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| bad_answer(&answer, e))?;
                Ok(AvailableSlots {
                    slots,
                    duration_minutes: data.duration_min,
                    timezone: data.timezone.clone(),
                    answer: AvailabilityAnswer::V3(answer),
                })
            }
            _ => Err(Error::Config("internal: query and API version differ".into())),
        }
    }
}

struct PreparedSchedule {
    body: Body,
    phone_number: String,
    desired_time: Option<DateTime<Utc>>,
}

enum Body {
    V1(gms_v1::ScheduleRequest),
    V3(engagement_v3::CreateRequest),
}

enum Query {
    V1(gms_v1::AvailabilityQuery),
    V3(String, engagement_v3::AvailabilityQuery),
}

/// A scheduled (or started) callback: the resolution of `schedule`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Scheduled {
    /// The callback id (GMS `_id`, v3 `data.id`); `None` if a confirming server left it out.
    pub id: Option<String>,
    /// The number sent (E.164 when `countryCodes` is on).
    pub phone_number: String,
    /// The time asked for; `None`: as soon as possible.
    pub desired_time: Option<DateTime<Utc>>,
    /// The server's answer.
    pub answer: ScheduleAnswer,
}

/// The server's answer to a schedule.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ScheduleAnswer {
    /// GMS v1: the confirmation dialog.
    V1(gms_v1::ScheduleResponse),
    /// Engagement v3: `{status, data: {id}}`.
    V3(engagement_v3::CreateResponse),
}

impl ScheduleAnswer {
    /// The answer as JSON (what the bus's `scheduled` event carries).
    pub fn to_json(&self) -> Value {
        match self {
            Self::V1(a) => serde_json::to_value(a),
            Self::V3(a) => serde_json::to_value(a),
        }
        .unwrap_or(Value::Null)
    }
}

/// Free slots: the resolution of `availability`, in time order for v1 and in the server's order
/// for v3.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct AvailableSlots {
    /// The slots (including full ones with capacity 0 when the server lists them).
    pub slots: Vec<TimeSlot>,
    /// The slot length in minutes (v3 `durationMin`).
    pub duration_minutes: Option<u32>,
    /// The service's time zone (v3).
    pub timezone: Option<String>,
    /// The server's answer.
    pub answer: AvailabilityAnswer,
}

/// The server's answer to an availability query.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum AvailabilityAnswer {
    /// GMS v1: ISO time -> free capacity.
    V1(gms_v1::Availability),
    /// Engagement v3: `{status, data: {slots, durationMin, timezone}}`.
    V3(engagement_v3::AvailabilityResponse),
}

impl AvailabilityAnswer {
    /// The answer as JSON (what the bus's `availableSlots` event carries).
    pub fn to_json(&self) -> Value {
        match self {
            Self::V1(a) => serde_json::to_value(a),
            Self::V3(a) => serde_json::to_value(a),
        }
        .unwrap_or(Value::Null)
    }
}

/// A time slot.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TimeSlot {
    /// When the slot starts (UTC).
    pub start: DateTime<Utc>,
    /// How many more callbacks it can take.
    pub capacity: u32,
    /// Its total capacity (v3).
    pub total: Option<u32>,
    /// The start in the service's local time (v3 `localTime`).
    pub local_time: Option<DateTime<FixedOffset>>,
}

impl TimeSlot {
    /// Reads a v3 slot; `utcTime` and `capacity` are required (else a description of what is
    /// missing or malformed).
    pub(crate) fn from_v3(slot: &engagement_v3::Slot) -> Result<Self, String> {
        let utc = slot.utc_time.as_deref().ok_or("slot without utcTime")?;
        let start = wire_time::parse(utc).map_err(|e| format!("slot utcTime {utc:?}: {e}"))?;
        let capacity = slot.capacity.ok_or("slot without capacity")?;
        let local_time = slot.local_time.as_deref().and_then(|t| DateTime::parse_from_rfc3339(t).ok());
        Ok(Self { start, capacity, total: slot.total, local_time })
    }
}

/// An event of the service, as the bus publishes them (`CallbackService.<name>`).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum CallbackEvent {
    /// `ready`: initialised and ready for commands.
    Ready,
    /// `scheduled`: a callback was scheduled.
    Scheduled(Scheduled),
    /// `scheduleError`: scheduling failed between client and server.
    ScheduleError(Error),
    /// `availableSlots`: slots were fetched.
    AvailableSlots(AvailableSlots),
    /// `availabilityError`: fetching slots failed between client and server.
    AvailabilityError(Error),
}

impl CallbackEvent {
    /// The bus name, e.g. `CallbackService.scheduled`.
    pub fn name(&self) -> CallbackServiceEvent {
        match self {
            Self::Ready => CallbackServiceEvent::Ready,
            Self::Scheduled(_) => CallbackServiceEvent::Scheduled,
            Self::ScheduleError(_) => CallbackServiceEvent::ScheduleError,
            Self::AvailableSlots(_) => CallbackServiceEvent::AvailableSlots,
            Self::AvailabilityError(_) => CallbackServiceEvent::AvailabilityError,
        }
    }

    /// What a bus subscriber receives: `{data: ...}` with the server's JSON (none for `ready`).
    pub fn to_bus_message(&self) -> BusMessage {
        BusMessage {
            data: match self {
                Self::Ready => None,
                Self::Scheduled(s) => Some(s.answer.to_json()),
                Self::AvailableSlots(s) => Some(s.answer.to_json()),
                Self::ScheduleError(e) | Self::AvailabilityError(e) => Some(e.bus_data()),
            },
        }
    }
}

/// A subscription to a [`CallbackService`]'s events (a bounded broadcast channel).
pub struct CallbackEvents {
    rx: broadcast::Receiver<CallbackEvent>,
    ready_pending: bool,
}

impl fmt::Debug for CallbackEvents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackEvents").field("pending", &self.rx.len()).finish_non_exhaustive()
    }
}

impl CallbackEvents {
    /// The next event: [`CallbackEvent::Ready`] first, then events as they are published.
    ///
    /// # Errors
    /// [`Error::Lagged`] when this subscriber fell behind by more than the channel's capacity
    /// (the next call continues with the oldest event still kept); [`Error::EventsClosed`] when
    /// every clone of the service is gone and nothing is left to read.
    pub async fn recv(&mut self) -> Result<CallbackEvent, Error> {
        if std::mem::take(&mut self.ready_pending) {
            return Ok(CallbackEvent::Ready);
        }
        self.rx.recv().await.map_err(|e| match e {
            broadcast::error::RecvError::Lagged(n) => Error::Lagged(n),
            broadcast::error::RecvError::Closed => Error::EventsClosed,
        })
    }

    /// The next event if one is waiting.
    ///
    /// # Errors
    /// As [`recv`](Self::recv).
    pub fn try_recv(&mut self) -> Result<Option<CallbackEvent>, Error> {
        if std::mem::take(&mut self.ready_pending) {
            return Ok(Some(CallbackEvent::Ready));
        }
        match self.rx.try_recv() {
            Ok(event) => Ok(Some(event)),
            Err(broadcast::error::TryRecvError::Empty) => Ok(None),
            Err(broadcast::error::TryRecvError::Lagged(n)) => Err(Error::Lagged(n)),
            Err(broadcast::error::TryRecvError::Closed) => Err(Error::EventsClosed),
        }
    }
}
