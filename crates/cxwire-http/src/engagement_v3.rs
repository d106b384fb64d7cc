//! The low-level Engagement Callback API v3 client (WIRE.md section 3).

use std::fmt;
use std::time::Duration;

use cxwire_model::SecretString;
use cxwire_model::http::engagement_v3::{
    API_KEY_HEADER, AvailabilityQuery, AvailabilityResponse, CallInRequest, CallInResponse, CancelResponse,
    CreateRequest, CreateResponse, IdRequest, Response, RetrieveResponse,
};
use cxwire_model::widgets::DEFAULT_AJAX_TIMEOUT_MS;
use reqwest::header::HeaderValue;
use reqwest::{Client, Method, RequestBuilder, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::retry::{Idempotency, RetryPolicy};
use crate::transport::{Api, DEFAULT_BODY_LIMIT, Transport, base_url, default_client, join};

/// An Engagement v3 client: create, cancel, retrieve, availability and call-in, with `x-api-key`
/// on every call, on one shared connection pool.
///
/// The base URL is `https://<region host>/engagement/v3` (a trailing `/callbacks`, as in the
/// widgets' example `dataURL`, is accepted and removed). Answers are returned whole
/// (`{status, data}`), so the `corrId` stays available.
///
/// The API key is held as a [`SecretString`] and sent as a header marked sensitive; `Debug` shows
/// `<redacted>`.
#[derive(Clone)]
pub struct EngagementV3Client {
    base: Url,
    api_key: SecretString,
    header: HeaderValue,
    transport: Transport,
}

impl fmt::Debug for EngagementV3Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EngagementV3Client")
            .field("base", &self.base.as_str())
            .field("api_key", &self.api_key)
            .field("transport", &self.transport)
            .finish()
    }
}

/// Builds an [`EngagementV3Client`].
#[derive(Debug)]
#[must_use]
pub struct EngagementV3ClientBuilder {
    base: String,
    api_key: SecretString,
    client: Option<Client>,
    timeout: Duration,
    retry: RetryPolicy,
    body_limit: usize,
}

impl EngagementV3ClientBuilder {
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
    /// [`Error::Config`] for a base URL that is not http(s), an empty API key or one that cannot
    /// be a header value, or a zero timeout or body limit; [`Error::Transport`] when the default
    /// `reqwest::Client` cannot be created.
    pub fn build(self) -> Result<EngagementV3Client, Error> {
        let mut base = base_url(&self.base, "the Engagement v3 base URL")?;
        strip_callbacks(&mut base);
        if self.api_key.is_empty() {
            return Err(Error::Config("the v3 API key (apikey) is empty".into()));
        }
        let mut header = HeaderValue::from_str(self.api_key.expose())
            .map_err(|_| Error::Config("the v3 API key (apikey) is not a valid header value".into()))?;
        header.set_sensitive(true);
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
        Ok(EngagementV3Client {
            base,
            api_key: self.api_key,
            header,
            transport: Transport {
                client,
                timeout: self.timeout,
                retry: self.retry,
                api: Api::EngagementV3,
                body_limit: self.body_limit,
            },
        })
    }
}

/// Removes a trailing `/callbacks` segment.
fn strip_callbacks(base: &mut Url) {
    let ends_with_callbacks =
        base.path_segments().and_then(|mut s| s.rfind(|p| !p.is_empty())).is_some_and(|last| last == "callbacks");
    if ends_with_callbacks && let Ok(mut path) = base.path_segments_mut() {
        path.pop_if_empty().pop();
    }
}

impl EngagementV3Client {
    /// Starts a builder for `base_url` (`https://<host>/engagement/v3`) and the `x-api-key` value.
    pub fn builder(base_url: impl Into<String>, api_key: impl Into<SecretString>) -> EngagementV3ClientBuilder {
        EngagementV3ClientBuilder {
            base: base_url.into(),
            api_key: api_key.into(),
            client: None,
            timeout: Duration::from_millis(DEFAULT_AJAX_TIMEOUT_MS),
            retry: RetryPolicy::disabled(),
            body_limit: DEFAULT_BODY_LIMIT,
        }
    }

    /// A client with its own connection pool, the default timeout and no retries.
    ///
    /// # Errors
    /// As [`EngagementV3ClientBuilder::build`].
    pub fn new(base_url: impl Into<String>, api_key: impl Into<SecretString>) -> Result<Self, Error> {
        Self::builder(base_url, api_key).build()
    }

    /// The base URL.
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

    /// Creates (schedules) a callback: `POST /callbacks/create`. Never retried after a transport
    /// failure.
    ///
    /// # Errors
    /// [`Error::TooManyRequests`] when the slot is full (with the proposed slots),
    /// [`Error::BadRequest`], [`Error::ServerException`], other HTTP statuses, timeout,
    /// transport, [`Error::Decode`].
    pub async fn create(&self, body: &CreateRequest) -> Result<CreateResponse, Error> {
        self.post(&["callbacks", "create"], body, Idempotency::Creates).await
    }

    /// Cancels a callback: `POST /callbacks/cancel` with `{"id"}`.
    ///
    /// # Errors
    /// [`Error::NotFound`], other HTTP statuses, timeout, transport, [`Error::Decode`].
    pub async fn cancel(&self, id: &str) -> Result<CancelResponse, Error> {
        self.post(&["callbacks", "cancel"], &IdRequest { id: id.to_owned() }, Idempotency::Idempotent).await
    }

    /// Reads a callback: `POST /callbacks/retrieve` with `{"id"}`.
    ///
    /// # Errors
    /// [`Error::NotFound`], other HTTP statuses, timeout, transport, [`Error::Decode`].
    pub async fn retrieve(&self, id: &str) -> Result<RetrieveResponse, Error> {
        self.post(&["callbacks", "retrieve"], &IdRequest { id: id.to_owned() }, Idempotency::Idempotent).await
    }

    /// Lists slots: `GET /callbacks/availability/{serviceName}?start=&end=&numberOfDays=&maxTimeSlots=&timezone=`.
    ///
    /// # Errors
    /// [`Error::BadRequest`], [`Error::ServerException`], other HTTP statuses, timeout,
    /// transport, [`Error::Decode`].
    pub async fn availability(
        &self,
        service_name: &str,
        query: &AvailabilityQuery,
    ) -> Result<AvailabilityResponse, Error> {
        let mut url = join(&self.base, &["callbacks", "availability", service_name]);
        {
            let mut pairs = url.query_pairs_mut();
            if let Some(start) = &query.start {
                pairs.append_pair("start", start);
            }
            if let Some(end) = &query.end {
                pairs.append_pair("end", end);
            }
            if let Some(days) = query.number_of_days {
                pairs.append_pair("numberOfDays", &days.to_string());
            }
            if let Some(max) = query.max_time_slots {
                pairs.append_pair("maxTimeSlots", &max.to_string());
            }
            if let Some(tz) = &query.timezone {
                pairs.append_pair("timezone", tz);
            }
        }
        let request = self.with_key(self.transport.client.request(Method::GET, url))?;
        self.transport.send(request, Idempotency::Idempotent).await?.json()
    }

    /// Requests a number to call and a code (click to call in): `POST /call-in/requests/create`.
    /// Never retried after a transport failure.
    ///
    /// # Errors
    /// HTTP statuses, timeout, transport, [`Error::Decode`].
    pub async fn call_in(&self, body: &CallInRequest) -> Result<CallInResponse, Error> {
        self.post(&["call-in", "requests", "create"], body, Idempotency::Creates).await
    }

    async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &[&str],
        body: &B,
        idempotency: Idempotency,
    ) -> Result<Response<T>, Error> {
        let url = join(&self.base, path);
        let request = self.with_key(self.transport.client.post(url).json(body))?;
        self.transport.send(request, idempotency).await?.json()
    }

    fn with_key(&self, builder: RequestBuilder) -> Result<reqwest::Request, Error> {
        builder.header(API_KEY_HEADER, self.header.clone()).build().map_err(Error::transport)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callbacks_suffix_is_removed() {
        let c = EngagementV3Client::new("http://h:1/engagement/v3/callbacks/", "k").unwrap();
        assert_eq!(c.base_url().as_str(), "http://h:1/engagement/v3");
        let c = EngagementV3Client::new("http://h:1/engagement/v3", "k").unwrap();
        assert_eq!(c.base_url().as_str(), "http://h:1/engagement/v3");
    }

    #[test]
    fn bad_keys_are_refused_without_echoing_them() {
        let e = EngagementV3Client::new("http://h:1/engagement/v3", "bad\nkey-SECRET").unwrap_err();
        assert!(!format!("{e:?}{e}").contains("SECRET"));
        assert!(matches!(EngagementV3Client::new("http://h:1/", ""), Err(Error::Config(_))));
    }
}
