//! `ClickToCallService`: an access number and code for the customer to call, and the session
//! kept for `restore`.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use cxwire_model::http::engagement_v3::{CallInRequest, CallInResponse};
use cxwire_model::http::gms_v1::{RequestInteractionRequest, RequestInteractionResponse};
use cxwire_model::widgets::{ApiVersion, CallbackConfig, RequestNumberOptions};
use reqwest::Client;
use serde::{Deserialize, Serialize};

use crate::callback::{Endpoint, endpoint, phone_rules};
use crate::engagement_v3::EngagementV3Client;
use crate::error::Error;
use crate::gms_v1::GmsV1Client;
use crate::phone::PhoneRules;
use crate::retry::RetryPolicy;
use crate::transport::{DEFAULT_BODY_LIMIT, default_client};
use crate::wire_time;

/// Requests an access number and code ("Voice - User Originated") and keeps the session for
/// [`restore`](Self::restore), configured with the same `_genesys.widgets.callback` options as
/// [`CallbackService`](crate::CallbackService).
///
/// - v1: `POST {root}/request-interaction`, where the root is `dataURL` up to `/callback/...` or
///   `/request-interaction` (or `dataURL` itself).
/// - v3: `POST /call-in/requests/create`, with `serviceName` as `groupName`.
///
/// Cloning is cheap and clones share the connection pool and the store.
///
/// ```rust,no_run
/// use cxwire_http::ClickToCallService;
/// use cxwire_http::model::widgets::{CallbackConfig, RequestNumberOptions};
///
/// # async fn run() -> Result<(), cxwire_http::Error> {
/// let config = CallbackConfig {
///     data_url: "http://gms:8080/genesys/1/service/callback/samples".into(),
///     ..Default::default()
/// };
/// let service = ClickToCallService::builder(config).build()?;
/// let options = RequestNumberOptions { phonenumber: Some("+14155550123".into()), user_data: None };
/// let session = service.request_number(options).await?;
/// println!("call {} and enter {:?}", session.access_number, session.access_code);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct ClickToCallService {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: CallbackConfig,
    backend: Backend,
    phone: PhoneRules,
    store: Arc<dyn SessionStore>,
}

#[derive(Debug)]
enum Backend {
    V1(GmsV1Client),
    V3 { client: EngagementV3Client, group_name: String },
}

/// Builds a [`ClickToCallService`].
#[derive(Debug)]
#[must_use]
pub struct ClickToCallServiceBuilder {
    config: CallbackConfig,
    client: Option<Client>,
    retry: RetryPolicy,
    default_region: Option<String>,
    store: Option<Arc<dyn SessionStore>>,
    body_limit: usize,
}

impl ClickToCallServiceBuilder {
    /// Uses this `reqwest::Client` (and its connection pool) instead of creating one. Build it
    /// with [`redirect_policy`](crate::redirect_policy) (see [`Error::RedirectRefused`]).
    pub fn http_client(mut self, client: Client) -> Self {
        self.client = Some(client);
        self
    }

    /// The retry policy (default: no retries; the request is a POST that creates something, so
    /// only 429/503 refusals are ever retried).
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
    /// `countryCodes` is on.
    pub fn default_region(mut self, region: impl Into<String>) -> Self {
        self.default_region = Some(region.into());
        self
    }

    /// Where the session is kept (default: a [`MemoryStore`]).
    pub fn store(mut self, store: impl SessionStore + 'static) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// Builds the service.
    ///
    /// # Errors
    /// [`Error::Config`] as for [`CallbackService`](crate::CallbackService), and v3 without
    /// `serviceName` (the call-in `groupName`); [`Error::Transport`] when the default
    /// `reqwest::Client` cannot be created.
    pub fn build(self) -> Result<ClickToCallService, Error> {
        let config = self.config;
        let phone = phone_rules(&config, self.default_region.as_deref())?;
        let client = match self.client {
            Some(c) => c,
            None => default_client()?,
        };
        let backend = match endpoint(&config, client, self.retry, self.body_limit)? {
            Endpoint::V1 { client, .. } => Backend::V1(client),
            Endpoint::V3(client) => {
                let group_name = config.service_name.clone().filter(|s| !s.is_empty()).ok_or_else(|| {
                    Error::Config("click to call over v3 needs serviceName (sent as groupName)".into())
                })?;
                Backend::V3 { client, group_name }
            }
        };
        let store = self.store.unwrap_or_else(|| Arc::new(MemoryStore::new()));
        Ok(ClickToCallService { inner: Arc::new(Inner { config, backend, phone, store }) })
    }
}

impl ClickToCallService {
    /// Starts a builder for `config`.
    pub fn builder(config: CallbackConfig) -> ClickToCallServiceBuilder {
        ClickToCallServiceBuilder {
            config,
            client: None,
            retry: RetryPolicy::disabled(),
            default_region: None,
            store: None,
            body_limit: DEFAULT_BODY_LIMIT,
        }
    }

    /// A service with its own connection pool and an in-memory store.
    ///
    /// # Errors
    /// As [`ClickToCallServiceBuilder::build`].
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
            Backend::V1(_) => ApiVersion::V1,
            Backend::V3 { .. } => ApiVersion::V3,
        }
    }

    /// The `reqwest::Client` (clone it to share the connection pool).
    pub fn http_client(&self) -> &Client {
        match &self.inner.backend {
            Backend::V1(client) => client.http_client(),
            Backend::V3 { client, .. } => client.http_client(),
        }
    }

    /// `ClickToCallService.requestNumber`: asks for a number to call, an access code and their
    /// expiry, with the option's `userData` merged over the configured one, and saves the
    /// session for [`restore`](Self::restore). A store that cannot save does not fail the
    /// request (the number is valid all the same).
    ///
    /// v1 sends `_customer_number` (optional there) and the user data as attached data; v3 sends
    /// `fromPhoneNumber` (required), `groupName` and `userData`.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] (`phonenumber` missing for v3), [`Error::InvalidPhoneNumber`]
    /// (`countryCodes` on), HTTP statuses, [`Error::Timeout`], [`Error::Transport`],
    /// [`Error::Decode`] (an answer without an access number).
    pub async fn request_number(&self, options: RequestNumberOptions) -> Result<ClickToCallSession, Error> {
        let number = options.phonenumber.as_deref().filter(|n| !n.trim().is_empty());
        let phone_number = number.map(|n| self.inner.phone.prepare(n)).transpose()?;
        let data = self.inner.config.merged_user_data(options.user_data.as_ref());
        let session = match &self.inner.backend {
            Backend::V1(client) => {
                let mut attached_data = data;
                attached_data.remove("_customer_number");
                let body = RequestInteractionRequest { customer_number: phone_number.clone(), attached_data };
                let answer = client.request_interaction(&body).await?;
                ClickToCallSession::from_v1(answer, phone_number, Utc::now())?
            }
            Backend::V3 { client, group_name } => {
                let from = phone_number
                    .ok_or_else(|| Error::option("phonenumber", "required for apiVersion v3 (fromPhoneNumber)"))?;
                let body = CallInRequest {
                    group_name: group_name.clone(),
                    from_phone_number: from.clone(),
                    user_data: (!data.is_empty()).then_some(data),
                };
                let answer = client.call_in(&body).await?;
                ClickToCallSession::from_v3(answer, Some(from), Utc::now())?
            }
        };
        // Saving is best effort: the number is valid even when the store is not.
        let _ = self.inner.store.save(&session);
        Ok(session)
    }

    /// `ClickToCallService.restore`: the last saved session, or `None` (the widget's empty
    /// object) when there is none, it has expired (it is then forgotten), or the store cannot be
    /// read. Never fails, as the widget's command is never rejected.
    pub fn restore(&self) -> Option<ClickToCallSession> {
        self.restore_at(Utc::now())
    }

    /// [`restore`](Self::restore) as of `now`.
    pub fn restore_at(&self, now: DateTime<Utc>) -> Option<ClickToCallSession> {
        let session = self.inner.store.load().ok().flatten()?;
        if session.is_expired_at(now) {
            let _ = self.inner.store.clear();
            return None;
        }
        Some(session)
    }

    /// Forgets the saved session.
    ///
    /// # Errors
    /// [`Error::Store`] when the store cannot clear it.
    pub fn forget(&self) -> Result<(), Error> {
        self.inner.store.clear()
    }
}

/// The data of a click-to-call request: what `requestNumber` resolves with and `restore` returns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ClickToCallSession {
    /// The request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The number the customer dials.
    pub access_number: String,
    /// The code the customer enters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_code: Option<String>,
    /// When the number and code stop working (see [`wire_time::expiration`] for how the
    /// undocumented unit of GMS is read); `None` when the server did not say.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "wire_time::serde_opt")]
    pub expires_at: Option<DateTime<Utc>>,
    /// The customer's number as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// The server's answer.
    pub answer: ClickToCallAnswer,
}

/// The server's answer to a click-to-call request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ClickToCallAnswer {
    /// GMS request-interaction.
    V1(RequestInteractionResponse),
    /// Engagement v3 call-in.
    V3(CallInResponse),
}

impl ClickToCallSession {
    /// Reads a GMS request-interaction answer received at `now`.
    ///
    /// # Errors
    /// [`Error::Decode`] when the answer has no `_access_number`.
    pub fn from_v1(
        answer: RequestInteractionResponse,
        phone_number: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Self, Error> {
        let Some(access_number) = answer.access_number.clone() else {
            return Err(crate::error::bad_answer(&answer, "no _access_number"));
        };
        Ok(Self {
            id: answer.id.clone(),
            access_number,
            access_code: answer.access_code.clone(),
            expires_at: answer.expiration_time.as_ref().and_then(|t| wire_time::expiration(t, now)),
            phone_number,
            answer: ClickToCallAnswer::V1(answer),
        })
    }

    /// Reads an Engagement v3 call-in answer received at `now`.
    ///
    /// # Errors
    /// [`Error::Decode`] when the answer has no `data.toPhoneNumber`.
    pub fn from_v3(answer: CallInResponse, phone_number: Option<String>, now: DateTime<Utc>) -> Result<Self, Error> {
        let Some(data) = answer.data.as_ref() else {
            return Err(crate::error::bad_answer(&answer, "no data"));
        };
        let Some(access_number) = data.to_phone_number.clone() else {
            return Err(crate::error::bad_answer(&answer, "no data.toPhoneNumber"));
        };
        Ok(Self {
            id: data.id.clone(),
            access_number,
            access_code: data.access_code.map(|c| c.to_string()),
            expires_at: data.expiration_time.and_then(|t| wire_time::expiration_number(t, now)),
            phone_number: phone_number.or_else(|| data.from_phone_number.clone()),
            answer: ClickToCallAnswer::V3(answer),
        })
    }

    /// Whether the number has expired at `now`.
    pub fn is_expired_at(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|t| t <= now)
    }
}

/// Where a [`ClickToCallService`] keeps its last session (the widget keeps it in the browser's
/// session storage). Calls are short and synchronous.
pub trait SessionStore: Send + Sync + fmt::Debug {
    /// The saved session, if any (expired or not: the service checks expiry).
    ///
    /// # Errors
    /// [`Error::Store`] when it cannot be read.
    fn load(&self) -> Result<Option<ClickToCallSession>, Error>;

    /// Replaces the saved session.
    ///
    /// # Errors
    /// [`Error::Store`] when it cannot be written.
    fn save(&self, session: &ClickToCallSession) -> Result<(), Error>;

    /// Removes the saved session.
    ///
    /// # Errors
    /// [`Error::Store`] when it cannot be removed.
    fn clear(&self) -> Result<(), Error>;
}

/// A [`SessionStore`] in memory (the default): gone with the process.
#[derive(Debug, Default)]
pub struct MemoryStore {
    session: Mutex<Option<ClickToCallSession>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl SessionStore for MemoryStore {
    fn load(&self) -> Result<Option<ClickToCallSession>, Error> {
        Ok(self.session.lock().unwrap_or_else(PoisonError::into_inner).clone())
    }

    fn save(&self, session: &ClickToCallSession) -> Result<(), Error> {
        *self.session.lock().unwrap_or_else(PoisonError::into_inner) = Some(session.clone());
        Ok(())
    }

    fn clear(&self) -> Result<(), Error> {
        *self.session.lock().unwrap_or_else(PoisonError::into_inner) = None;
        Ok(())
    }
}

/// A [`SessionStore`] in a JSON file, so that a session survives a restart. Writes go to a
/// temporary file beside it, then are renamed over it.
#[derive(Debug, Clone)]
pub struct JsonFileStore {
    path: PathBuf,
}

impl JsonFileStore {
    /// A store in `path` (created on the first save).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn temp_path(&self) -> PathBuf {
        let mut name = self.path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        name.push(".tmp");
        self.path.with_file_name(name)
    }
}

impl SessionStore for JsonFileStore {
    fn load(&self) -> Result<Option<ClickToCallSession>, Error> {
        let text = match std::fs::read(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::store(e)),
        };
        serde_json::from_slice(&text).map(Some).map_err(|e| Error::store(io::Error::new(io::ErrorKind::InvalidData, e)))
    }

    fn save(&self, session: &ClickToCallSession) -> Result<(), Error> {
        let text = serde_json::to_vec_pretty(session).map_err(|e| Error::store(io::Error::other(e)))?;
        let temp = self.temp_path();
        std::fs::write(&temp, text).map_err(Error::store)?;
        std::fs::rename(&temp, &self.path).map_err(Error::store)
    }

    fn clear(&self) -> Result<(), Error> {
        match std::fs::remove_file(&self.path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(Error::store(e)),
            _ => Ok(()),
        }
    }
}
