//! The low-level GMS Callback Services API v1 client (WIRE.md sections 2 and 4).

use std::collections::BTreeMap;
use std::time::Duration;

use cxwire_model::http::gms_v1::{
    Availability, AvailabilityQuery, Records, RequestInteractionRequest, RequestInteractionResponse, RescheduleRequest,
    ScheduleRequest, ScheduleResponse,
};
use cxwire_model::widgets::DEFAULT_AJAX_TIMEOUT_MS;
use reqwest::{Client, Method, Url};
use serde_json::Value;

use crate::error::Error;
use crate::retry::{Idempotency, RetryPolicy};
use crate::transport::{Api, DEFAULT_BODY_LIMIT, Transport, base_url, default_client, join};

/// A GMS v1 client: every callback operation and request-interaction, on one shared connection
/// pool.
///
/// The base URL is the GMS service root, `http://host:port/genesys/1/service`: callbacks live at
/// `{base}/callback/{service}` and click to call at `{base}/request-interaction`.
///
/// ```no_run
/// # async fn demo() -> Result<(), cxwire_http::Error> {
/// use cxwire_http::GmsV1Client;
/// use cxwire_model::http::gms_v1::ScheduleRequest;
///
/// let gms = GmsV1Client::new("http://gms.example:8080/genesys/1/service")?;
/// let body = ScheduleRequest { customer_number: "+14151110000".into(), ..Default::default() };
/// let answer = gms.schedule("samples", &body).await?;
/// println!("callback {:?}", answer.id);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct GmsV1Client {
    base: Url,
    transport: Transport,
}

/// Builds a [`GmsV1Client`].
#[derive(Debug)]
#[must_use]
pub struct GmsV1ClientBuilder {
    base: String,
    client: Option<Client>,
    timeout: Duration,
    retry: RetryPolicy,
    body_limit: usize,
}

impl GmsV1ClientBuilder {
    /// Uses this `reqwest::Client` (and its connection pool) instead of creating one. Build it
    /// with [`redirect_policy`](crate::redirect_policy) (see [`Error::RedirectRefused`]).
    pub fn http_client(mut self, client: Client) -> Self {
        self.client = Some(client);
        self
    }

    /// The time one exchange may take (default 3000 ms, the widgets' `ajaxTimeout`).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The retry policy (default: no retries).
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

    /// Builds the client.
    ///
    /// # Errors
    /// [`Error::Config`] for a base URL that is not http(s) or a zero timeout or body limit;
    /// [`Error::Transport`] when the default `reqwest::Client` cannot be created.
    pub fn build(self) -> Result<GmsV1Client, Error> {
        let base = base_url(&self.base, "the GMS base URL")?;
        if self.timeout.is_zero() {
            return Err(Error::Config("the timeout must be more than 0 ms".into()));
        }
        if self.body_limit == 0 {
            return Err(Error::Config("the body limit must be at least 1 byte".into()));
        }
        let client = match self.client {
            Some(c) => c,
            None => default_client()?,
        };
        Ok(GmsV1Client {
            base,
            transport: Transport {
                client,
                timeout: self.timeout,
                retry: self.retry,
                api: Api::GmsV1,
                body_limit: self.body_limit,
            },
        })
    }
}

impl GmsV1Client {
    /// Starts a builder for the GMS service root `base_url` (`.../genesys/1/service`).
    pub fn builder(base_url: impl Into<String>) -> GmsV1ClientBuilder {
        GmsV1ClientBuilder {
            base: base_url.into(),
            client: None,
            timeout: Duration::from_millis(DEFAULT_AJAX_TIMEOUT_MS),
            retry: RetryPolicy::disabled(),
            body_limit: DEFAULT_BODY_LIMIT,
        }
    }

    /// A client with its own connection pool, the default timeout and no retries.
    ///
    /// # Errors
    /// As [`GmsV1ClientBuilder::build`].
    pub fn new(base_url: impl Into<String>) -> Result<Self, Error> {
        Self::builder(base_url).build()
    }

    /// The GMS service root.
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// The `reqwest::Client` (clone it to share the connection pool).
    pub fn http_client(&self) -> &Client {
        &self.transport.client
    }

    /// The per-exchange timeout.
    pub fn timeout(&self) -> Duration {
        self.transport.timeout
    }

    /// The largest answer body read, in bytes.
    pub fn body_limit(&self) -> usize {
        self.transport.body_limit
    }

    /// The URL of a callback service: `{base}/callback/{service}`.
    pub fn service_url(&self, service: &str) -> Url {
        join(&self.base, &["callback", service])
    }

    /// Starts a callback now, or schedules it when `_desired_time` is set:
    /// `POST {base}/callback/{service}`. Never retried after a transport failure.
    ///
    /// # Errors
    /// [`Error::BadRequest`] (slot not available, bad number), [`Error::ServiceUnavailable`]
    /// (queue limit), any other HTTP status, [`Error::Timeout`], [`Error::Transport`],
    /// [`Error::Decode`].
    pub async fn schedule(&self, service: &str, body: &ScheduleRequest) -> Result<ScheduleResponse, Error> {
        self.schedule_at(self.service_url(service), body).await
    }

    /// [`schedule`](Self::schedule) to a prepared service URL.
    pub(crate) async fn schedule_at(&self, url: Url, body: &ScheduleRequest) -> Result<ScheduleResponse, Error> {
        let request = self.transport.client.post(url).json(body).build().map_err(Error::transport)?;
        self.transport.send(request, Idempotency::Creates).await?.json()
    }

    /// Cancels a callback: `DELETE {base}/callback/{service}/{id}` (200 with an empty body).
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown id, other HTTP statuses, timeout, transport.
    pub async fn cancel(&self, service: &str, id: &str) -> Result<(), Error> {
        let url = join(&self.base, &["callback", service, id]);
        let request = self.transport.client.delete(url).build().map_err(Error::transport)?;
        self.transport.send(request, Idempotency::Idempotent).await.map(drop)
    }

    /// Reschedules a callback: `PUT {base}/callback/{service}/{id}` with `_new_desired_time`
    /// (and optionally `_callback_state`). Returns the answer's JSON (`Null` when empty).
    ///
    /// # Errors
    /// [`Error::BadRequest`] when the new slot is not available (its [`HttpFailure::gms`]
    /// `availability` lists free slots nearby), other HTTP statuses, timeout, transport.
    ///
    /// [`HttpFailure::gms`]: crate::HttpFailure::gms
    pub async fn reschedule(&self, service: &str, id: &str, body: &RescheduleRequest) -> Result<Value, Error> {
        let url = join(&self.base, &["callback", service, id]);
        let request = self.transport.client.put(url).json(body).build().map_err(Error::transport)?;
        let reply = self.transport.send(request, Idempotency::Idempotent).await?;
        if reply.body.iter().all(u8::is_ascii_whitespace) { Ok(Value::Null) } else { reply.json() }
    }

    /// Finds a callback by id: `GET {base}/callback?_id={id}`.
    ///
    /// # Errors
    /// HTTP statuses, timeout, transport, [`Error::Decode`].
    pub async fn query_by_id(&self, id: &str) -> Result<Records, Error> {
        let mut url = join(&self.base, &["callback"]);
        url.query_pairs_mut().append_pair("_id", id);
        self.get(url).await
    }

    /// Finds the callbacks of a service whose properties all match:
    /// `GET {base}/callback/{service}?operand=AND&key=value...`.
    ///
    /// # Errors
    /// HTTP statuses, timeout, transport, [`Error::Decode`].
    pub async fn query(&self, service: &str, properties: &BTreeMap<String, String>) -> Result<Records, Error> {
        let mut url = self.service_url(service);
        {
            let mut pairs = url.query_pairs_mut();
            pairs.append_pair("operand", "AND");
            for (key, value) in properties {
                pairs.append_pair(key, value);
            }
        }
        self.get(url).await
    }

    /// Free capacity per slot: `GET {base}/callback/{service}/availability?start=&end=&number-of-days=&max-time-slots=`.
    ///
    /// # Errors
    /// [`Error::BadRequest`] (no slots in the period, bad query), [`Error::ServerException`],
    /// other HTTP statuses, timeout, transport, [`Error::Decode`].
    pub async fn availability(&self, service: &str, query: &AvailabilityQuery) -> Result<Availability, Error> {
        let mut url = join(&self.base, &["callback", service, "availability"]);
        {
            let mut pairs = url.query_pairs_mut();
            if let Some(start) = &query.start {
                pairs.append_pair("start", start);
            }
            if let Some(end) = &query.end {
                pairs.append_pair("end", end);
            }
            if let Some(days) = query.number_of_days {
                pairs.append_pair("number-of-days", &days.to_string());
            }
            if let Some(max) = query.max_time_slots {
                pairs.append_pair("max-time-slots", &max.to_string());
            }
        }
        self.get(url).await
    }

    /// Requests an access number and code (click to call, "Voice - User Originated"):
    /// `POST {base}/request-interaction`. Never retried after a transport failure.
    ///
    /// # Errors
    /// HTTP statuses, timeout, transport, [`Error::Decode`].
    pub async fn request_interaction(
        &self,
        body: &RequestInteractionRequest,
    ) -> Result<RequestInteractionResponse, Error> {
        let url = join(&self.base, &["request-interaction"]);
        let request = self.transport.client.post(url).json(body).build().map_err(Error::transport)?;
        self.transport.send(request, Idempotency::Creates).await?.json()
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, url: Url) -> Result<T, Error> {
        let request = self.transport.client.request(Method::GET, url).build().map_err(Error::transport)?;
        self.transport.send(request, Idempotency::Idempotent).await?.json()
    }
}

/// Splits a widget `dataURL` for v1 into the GMS service root and the callback service:
/// `.../callback/{service}` gives `(..., Some(service))`; `.../request-interaction` gives
/// `(..., None)`; anything else is taken as the root itself.
pub(crate) fn split_data_url(data_url: &Url) -> (Url, Option<String>) {
    let segments: Vec<&str> =
        data_url.path_segments().map(|s| s.filter(|p| !p.is_empty()).collect()).unwrap_or_default();
    let (keep, service) = match segments.as_slice() {
        [head @ .., "callback", service] => (head.len(), Some(decode_segment(service))),
        [head @ .., "request-interaction"] => (head.len(), None),
        _ => (segments.len(), None),
    };
    let mut root = data_url.clone();
    root.set_query(None);
    root.set_fragment(None);
    if let Ok(mut path) = root.path_segments_mut() {
        path.clear().extend(&segments[..keep]);
    }
    (root, service)
}

fn decode_segment(segment: &str) -> String {
    // Segments come percent-encoded from the URL; service names are plain in practice.
    percent_encoding::percent_decode_str(segment).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> (String, Option<String>) {
        let (root, service) = split_data_url(&Url::parse(text).unwrap());
        (root.to_string(), service)
    }

    #[test]
    fn data_url_forms() {
        assert_eq!(
            split("http://h:8080/genesys/1/service/callback/samples"),
            ("http://h:8080/genesys/1/service".into(), Some("samples".into()))
        );
        assert_eq!(
            split("http://h:8080/genesys/1/service/callback/my%20queue/"),
            ("http://h:8080/genesys/1/service".into(), Some("my queue".into()))
        );
        assert_eq!(
            split("http://h/genesys/1/service/request-interaction"),
            ("http://h/genesys/1/service".into(), None)
        );
        assert_eq!(split("http://h/genesys/1/service"), ("http://h/genesys/1/service".into(), None));
    }

    #[test]
    fn service_urls_are_encoded() {
        let gms = GmsV1Client::new("http://h:8080/genesys/1/service/").unwrap();
        assert_eq!(gms.service_url("my queue").as_str(), "http://h:8080/genesys/1/service/callback/my%20queue");
    }
}
