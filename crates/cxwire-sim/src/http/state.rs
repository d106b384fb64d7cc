//! The simulator's state: callbacks booked into the capacity model, and click-to-call access
//! numbers. Shared by both API versions (a callback created over v3 can be read over v1) and by
//! the control API; every operation takes one short lock and never awaits.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, TimeDelta, Utc};
use cxwire_model::http::gms_v1::{CallbackRecord, CallbackState};
use serde::Serialize;
use serde_json::Value;

use super::clock::Clock;
use super::config::{HttpSimConfig, ServiceConfig};
use super::error::HttpSimError;
use super::slots::Calendar;
use super::wire::{format_time, plus};

/// The record keys of a GMS v1 callback; attached data cannot use them.
pub(crate) const RESERVED_KEYS: [&str; 7] = [
    "_id",
    "_desired_time",
    "_service_name",
    "_callback_state",
    "_expiration_time",
    "_customer_number",
    "_callback_reason",
];

/// Which API created a callback or an access number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum Origin {
    /// GMS callback API v1 (or request-interaction).
    GmsV1,
    /// Engagement API v3.
    EngagementV3,
}

/// A callback as the simulator keeps it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StoredCallback {
    /// The id (32 hex digits when created over v1, a UUID over v3).
    pub id: String,
    /// The service.
    pub service: String,
    /// The number to call back, as given.
    pub customer_number: String,
    /// When the callback is wanted: the desired time of a scheduled callback, the creation time
    /// of an as-soon-as-possible one.
    pub desired_time: DateTime<Utc>,
    /// The slot a scheduled callback holds (it consumes one unit of that slot's capacity while
    /// the callback is active); `None` for an as-soon-as-possible callback.
    pub slot: Option<DateTime<Utc>>,
    /// The state.
    pub state: CallbackState,
    /// The reason: the state's name while active, `CANCELLED` (v1) or `CUSTOMER_CANCELLED` (v3)
    /// once cancelled, or what the control API set.
    pub reason: String,
    /// `_expiration_time`: the desired time plus the service's `expirationMinutes`.
    pub expiration_time: DateTime<Utc>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Attached data (v1 extra keys, v3 `userData`).
    pub attached_data: BTreeMap<String, Value>,
    /// Which API created it.
    pub origin: Origin,
    /// v3 `language`.
    pub language: Option<String>,
    /// v3 `priority`.
    pub priority: Option<i32>,
    /// v3 `cbOfferType`.
    pub offer_type: Option<String>,
}

impl StoredCallback {
    /// Whether it is still active (not `COMPLETED`).
    pub fn is_active(&self) -> bool {
        self.state != CallbackState::Completed
    }

    /// The GMS v1 record: the documented `_` fields plus the attached data.
    pub fn v1_record(&self) -> CallbackRecord {
        let mut extra = self.attached_data.clone();
        for key in RESERVED_KEYS {
            extra.remove(key);
        }
        CallbackRecord {
            id: Some(self.id.clone()),
            desired_time: Some(format_time(self.desired_time)),
            service_name: Some(self.service.clone()),
            callback_state: Some(self.state.clone()),
            expiration_time: Some(format_time(self.expiration_time)),
            customer_number: Some(self.customer_number.clone()),
            callback_reason: Some(self.reason.clone()),
            extra,
        }
    }
}

/// An access number reserved by a click-to-call request.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AccessGrant {
    /// The request id.
    pub id: String,
    /// The number to dial.
    pub access_number: String,
    /// The code to enter.
    pub access_code: u64,
    /// When the number and code stop working (then the number is free again).
    pub expires_at: DateTime<Utc>,
    /// When it was granted.
    pub created_at: DateTime<Utc>,
    /// The customer's number, when given.
    pub customer_number: Option<String>,
    /// The v3 `groupName`, or the v1 service that redirected to request-interaction.
    pub group: Option<String>,
    /// Attached data.
    pub attached_data: BTreeMap<String, Value>,
    /// Which API asked.
    pub origin: Origin,
}

/// The free capacity of one slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SlotCapacity {
    /// The slot start.
    pub start: DateTime<Utc>,
    /// How many more callbacks it takes.
    pub free: u32,
    /// Its capacity.
    pub total: u32,
}

/// Why a slot cannot be booked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SlotProblem {
    /// Every unit of capacity is taken.
    Full,
    /// Outside office hours.
    Closed,
}

/// Why an operation was refused; each API turns it into its documented error.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Refusal {
    /// Bad input (400).
    BadInput(String),
    /// No such service (400).
    UnknownService(String),
    /// No such callback (404).
    NotFound(String),
    /// The callback is no longer active (400).
    Ended(String),
    /// The slot cannot take it (v1 400, v3 429), with free slots to propose.
    Slot { problem: SlotProblem, proposals: Vec<SlotCapacity> },
    /// The service's queue limit is reached (503).
    QueueLimit(String),
    /// Every access number is reserved (503), with the seconds until one is free.
    NoAccessNumber { retry_after: i64 },
    /// The store is full of active callbacks (`maxStoredCallbacks` / `maxStoredDataBytes`,
    /// 503); the text names the limit.
    StoreFull(String),
}

/// What a new callback asks for.
#[derive(Clone, Debug, Default)]
pub(crate) struct NewCallback {
    pub(crate) service: String,
    pub(crate) customer_number: String,
    pub(crate) desired_time: Option<DateTime<Utc>>,
    pub(crate) attached_data: BTreeMap<String, Value>,
    pub(crate) language: Option<String>,
    pub(crate) priority: Option<i32>,
    pub(crate) offer_type: Option<String>,
}

/// What a click-to-call request asks for.
#[derive(Clone, Debug, Default)]
pub(crate) struct NewAccess {
    pub(crate) customer_number: Option<String>,
    pub(crate) group: Option<String>,
    pub(crate) attached_data: BTreeMap<String, Value>,
}

/// The shared state of an HTTP simulator: its configuration, clock, callbacks and access
/// numbers. Cloning is cheap and clones share everything; this is what a control API reads and
/// changes.
#[derive(Clone, Debug)]
pub struct HttpSimState {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    config: HttpSimConfig,
    clock: Arc<dyn Clock>,
    data: Mutex<Data>,
}

#[derive(Debug, Default)]
struct Data {
    callbacks: Vec<StoredCallback>,
    index: BTreeMap<String, usize>,
    /// The JSON size of the attached data of `callbacks`.
    data_bytes: usize,
    grants: Vec<AccessGrant>,
    counter: u64,
}

/// Grants kept for the control API beyond the active ones.
const KEPT_EXPIRED_GRANTS: usize = 1024;

impl HttpSimState {
    /// A fresh state for `config`, reading the time from `clock`.
    ///
    /// # Errors
    /// [`HttpSimError::Config`] when the configuration does not validate.
    pub fn new(config: HttpSimConfig, clock: Arc<dyn Clock>) -> Result<Self, HttpSimError> {
        config.validate()?;
        Ok(Self { shared: Arc::new(Shared { config, clock, data: Mutex::new(Data::default()) }) })
    }

    /// The configuration.
    pub fn config(&self) -> &HttpSimConfig {
        &self.shared.config
    }

    /// The clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.shared.clock
    }

    /// The current time of the simulator's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.shared.clock.now()
    }

    fn data(&self) -> MutexGuard<'_, Data> {
        self.shared.data.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Every callback, in creation order.
    pub fn callbacks(&self) -> Vec<StoredCallback> {
        self.data().callbacks.clone()
    }

    /// One callback.
    pub fn callback(&self, id: &str) -> Option<StoredCallback> {
        let data = self.data();
        data.index.get(id).and_then(|&i| data.callbacks.get(i)).cloned()
    }

    /// Sets a callback's state and reason (e.g. to play the callback being routed or completed).
    /// A callback that becomes `COMPLETED` frees its slot; one made active again takes its slot
    /// back even beyond the capacity (the control API may overbook). `None` as the reason sets
    /// the state's name.
    ///
    /// # Errors
    /// [`HttpSimError::UnknownCallback`].
    pub fn set_callback_state(
        &self,
        id: &str,
        state: CallbackState,
        reason: Option<String>,
    ) -> Result<StoredCallback, HttpSimError> {
        let mut data = self.data();
        let callback = data.get_mut(id).ok_or_else(|| HttpSimError::UnknownCallback(id.to_owned()))?;
        callback.reason = reason.unwrap_or_else(|| state.as_str().to_owned());
        callback.state = state;
        Ok(callback.clone())
    }

    /// Forgets every callback and access number.
    pub fn clear(&self) {
        let mut data = self.data();
        data.callbacks.clear();
        data.index.clear();
        data.data_bytes = 0;
        data.grants.clear();
    }

    /// Every access number granted and not yet expired, plus the most recent expired ones, in
    /// grant order.
    pub fn access_grants(&self) -> Vec<AccessGrant> {
        self.data().grants.clone()
    }

    /// The free capacity of the open slots of `service` that start in `[from, to)` and not
    /// before now, at most `limit` of them (the window is bounded by `maxAvailabilityDays`).
    ///
    /// # Errors
    /// [`HttpSimError::UnknownService`] when the service is not configured.
    pub fn availability(
        &self,
        service: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: Option<usize>,
    ) -> Result<Vec<SlotCapacity>, HttpSimError> {
        self.slots(service, from, to, limit).map_err(|_| HttpSimError::UnknownService(service.to_owned()))
    }

    pub(crate) fn service(&self, name: &str) -> Result<&ServiceConfig, Refusal> {
        self.shared.config.services.get(name).ok_or_else(|| Refusal::UnknownService(name.to_owned()))
    }

    /// A fresh id: 32 hex digits (v1) or a UUID (v3); unique within this simulator.
    pub(crate) fn next_id(&self, origin: Origin) -> String {
        let n = {
            let mut data = self.data();
            data.counter += 1;
            data.counter
        };
        make_id(n, origin)
    }

    pub(crate) fn slots(
        &self,
        service: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: Option<usize>,
    ) -> Result<Vec<SlotCapacity>, Refusal> {
        let config = self.service(service)?;
        let now = self.now();
        let from = from.max(now);
        let max_to = plus(from, TimeDelta::days(i64::from(self.shared.config.max_availability_days)));
        let to = to.min(max_to);
        let data = self.data();
        let used = data.used(service);
        let limit = limit.unwrap_or(usize::MAX);
        Ok(Calendar::new(config)
            .slots_between(from, to)
            .into_iter()
            .take(limit)
            .map(|start| capacity(config, &used, start))
            .collect())
    }

    /// Books a callback: scheduled into the slot of its desired time, or queued as soon as
    /// possible.
    pub(crate) fn create(&self, new: NewCallback, origin: Origin) -> Result<StoredCallback, Refusal> {
        let config = self.service(&new.service)?;
        let now = self.now();
        let calendar = Calendar::new(config);
        let mut data = self.data();
        if let Some(limit) = config.queue_limit {
            let active = data.callbacks.iter().filter(|c| c.service == new.service && c.is_active()).count();
            if active >= usize::try_from(limit).unwrap_or(usize::MAX) {
                return Err(Refusal::QueueLimit(new.service));
            }
        }
        let (desired_time, slot, state) = match new.desired_time {
            Some(desired) => {
                let slot = self.check_slot(&data, config, &new.service, desired, None)?;
                (desired, Some(slot), CallbackState::Scheduled)
            }
            None => {
                if config.asap_requires_open && calendar.slot_of(now).is_none() {
                    let proposals = self.proposals(&data, config, &new.service, now);
                    return Err(Refusal::Slot { problem: SlotProblem::Closed, proposals });
                }
                (now, None, CallbackState::Queued)
            }
        };
        let mut attached_data = new.attached_data;
        attached_data.retain(|k, _| !RESERVED_KEYS.contains(&k.as_str()));
        let size = json_size(&attached_data);
        self.make_room(&mut data, 1, size)?;
        data.counter += 1;
        let id = make_id(data.counter, origin);
        let callback = StoredCallback {
            id: id.clone(),
            service: new.service,
            customer_number: new.customer_number,
            desired_time,
            slot,
            reason: state.as_str().to_owned(),
            state,
            expiration_time: plus(desired_time, TimeDelta::minutes(i64::from(config.expiration_minutes))),
            created_at: now,
            attached_data,
            origin,
            language: new.language,
            priority: new.priority,
            offer_type: new.offer_type,
        };
        let position = data.callbacks.len();
        data.callbacks.push(callback.clone());
        data.index.insert(id, position);
        data.data_bytes = data.data_bytes.saturating_add(size);
        Ok(callback)
    }

    /// Cancels an active callback; with `service`, the callback must belong to it.
    pub(crate) fn cancel(&self, service: Option<&str>, id: &str, reason: &str) -> Result<StoredCallback, Refusal> {
        let mut data = self.data();
        let callback = data.get_mut(id).filter(|c| service.is_none_or(|s| c.service == s));
        let callback = callback.ok_or_else(|| Refusal::NotFound(id.to_owned()))?;
        if !callback.is_active() {
            return Err(Refusal::Ended(id.to_owned()));
        }
        callback.state = CallbackState::Completed;
        callback.reason = reason.to_owned();
        Ok(callback.clone())
    }

    /// Moves an active callback of `service` to `new_time` (it becomes `SCHEDULED`), merging
    /// `attached_data` into its attached data.
    pub(crate) fn reschedule(
        &self,
        service: &str,
        id: &str,
        new_time: DateTime<Utc>,
        attached_data: BTreeMap<String, Value>,
    ) -> Result<StoredCallback, Refusal> {
        let config = self.service(service)?;
        let mut data = self.data();
        let Some(current) = data.get_mut(id).filter(|c| c.service == service).cloned() else {
            return Err(Refusal::NotFound(id.to_owned()));
        };
        if !current.is_active() {
            return Err(Refusal::Ended(id.to_owned()));
        }
        let slot = self.check_slot(&data, config, service, new_time, Some(id))?;
        let old_size = json_size(&current.attached_data);
        let mut merged = current.attached_data;
        for (key, value) in attached_data {
            if !RESERVED_KEYS.contains(&key.as_str()) {
                merged.insert(key, value);
            }
        }
        let new_size = json_size(&merged);
        self.make_room(&mut data, 0, new_size.saturating_sub(old_size))?;
        data.data_bytes = data.data_bytes.saturating_sub(old_size).saturating_add(new_size);
        let callback = data.get_mut(id).ok_or_else(|| Refusal::NotFound(id.to_owned()))?;
        callback.desired_time = new_time;
        callback.slot = Some(slot);
        callback.state = CallbackState::Scheduled;
        callback.reason = CallbackState::Scheduled.as_str().to_owned();
        callback.expiration_time = plus(new_time, TimeDelta::minutes(i64::from(config.expiration_minutes)));
        callback.attached_data = merged;
        Ok(callback.clone())
    }

    /// The active callbacks of a service, in creation order.
    pub(crate) fn callbacks_of(&self, service: &str) -> Result<Vec<StoredCallback>, Refusal> {
        self.service(service)?;
        Ok(self.data().callbacks.iter().filter(|c| c.service == service).cloned().collect())
    }

    /// The 1-based position of a queued callback among the queued callbacks of its service (0
    /// when it is not queued) and the estimated wait in seconds (for a scheduled callback, the
    /// time until its desired time).
    pub(crate) fn queue_position(&self, callback: &StoredCallback) -> (i64, i64) {
        let handle = self.service(&callback.service).map(|s| i64::from(s.average_handle_seconds)).unwrap_or(0);
        match callback.state {
            CallbackState::Queued => {
                let data = self.data();
                let ahead = data
                    .callbacks
                    .iter()
                    .filter(|c| c.service == callback.service && c.state == CallbackState::Queued)
                    .take_while(|c| c.id != callback.id)
                    .count();
                let position = i64::try_from(ahead).unwrap_or(i64::MAX).saturating_add(1);
                (position, position.saturating_mul(handle))
            }
            CallbackState::Scheduled => (0, (callback.desired_time - self.now()).num_seconds().max(0)),
            _ => (0, 0),
        }
    }

    /// Reserves a free access number until it expires.
    pub(crate) fn grant_access(&self, new: NewAccess, origin: Origin) -> Result<AccessGrant, Refusal> {
        let config = &self.shared.config.click_to_call;
        let now = self.now();
        let mut data = self.data();
        let busy = |number: &str, grants: &[AccessGrant]| {
            grants.iter().any(|g| g.access_number == number && g.expires_at > now)
        };
        let Some(number) = config.access_numbers.iter().find(|n| !busy(n, &data.grants)).cloned() else {
            let soonest = data.grants.iter().filter(|g| g.expires_at > now).map(|g| g.expires_at).min();
            // Whole seconds, rounded up, so that a client honouring it finds a free number.
            let retry_after =
                soonest.map(|t| ((t - now).num_milliseconds().saturating_add(999) / 1000).max(1)).unwrap_or(1);
            return Err(Refusal::NoAccessNumber { retry_after });
        };
        data.counter += 1;
        let n = data.counter;
        let digits = config.code_digits.clamp(1, 9);
        let low = 10_u64.pow(digits - 1);
        let span = 10_u64.pow(digits) - low;
        let grant = AccessGrant {
            id: make_id(n, origin),
            access_number: number,
            access_code: low + mix(n ^ 0x5bd1_e995) % span,
            expires_at: plus(now, TimeDelta::seconds(i64::from(config.expiry_seconds))),
            created_at: now,
            customer_number: new.customer_number,
            group: new.group,
            attached_data: new.attached_data,
            origin,
        };
        data.grants.push(grant.clone());
        let expired = data.grants.iter().filter(|g| g.expires_at <= now).count();
        if expired > KEPT_EXPIRED_GRANTS {
            let mut drop = expired - KEPT_EXPIRED_GRANTS;
            data.grants.retain(|g| {
                let remove = drop > 0 && g.expires_at <= now;
                drop -= usize::from(remove);
                !remove
            });
        }
        Ok(grant)
    }

    /// Makes room for `count` more callbacks and `bytes` more attached data within
    /// `maxStoredCallbacks` and `maxStoredDataBytes`, forgetting the oldest completed callbacks
    /// as needed; refuses, forgetting nothing, when that is not enough.
    fn make_room(&self, data: &mut Data, count: usize, bytes: usize) -> Result<(), Refusal> {
        let config = &self.shared.config;
        let excess_count = (data.callbacks.len() + count).saturating_sub(config.max_stored_callbacks);
        let excess_bytes = data.data_bytes.saturating_add(bytes).saturating_sub(config.max_stored_data_bytes);
        if excess_count == 0 && excess_bytes == 0 {
            return Ok(());
        }
        let mut forget = vec![false; data.callbacks.len()];
        let (mut freed_count, mut freed_bytes) = (0, 0);
        for (i, callback) in data.callbacks.iter().enumerate() {
            if freed_count >= excess_count && freed_bytes >= excess_bytes {
                break;
            }
            if !callback.is_active() {
                forget[i] = true;
                freed_count += 1;
                freed_bytes += json_size(&callback.attached_data);
            }
        }
        if freed_count < excess_count {
            return Err(Refusal::StoreFull(format!(
                "The simulator keeps at most {} callbacks (maxStoredCallbacks) and all are active",
                config.max_stored_callbacks
            )));
        }
        if freed_bytes < excess_bytes {
            return Err(Refusal::StoreFull(format!(
                "The simulator keeps at most {} bytes of attached data (maxStoredDataBytes)",
                config.max_stored_data_bytes
            )));
        }
        let mut forget = forget.into_iter();
        data.callbacks.retain(|_| !forget.next().unwrap_or(false));
        data.data_bytes = data.data_bytes.saturating_sub(freed_bytes);
        data.index = data.callbacks.iter().enumerate().map(|(i, c)| (c.id.clone(), i)).collect();
        Ok(())
    }

    /// Checks that `t` is bookable: not in the past, in an open slot with free capacity
    /// (`except` does not count: the callback being moved). Returns the slot.
    fn check_slot(
        &self,
        data: &Data,
        config: &ServiceConfig,
        service: &str,
        t: DateTime<Utc>,
        except: Option<&str>,
    ) -> Result<DateTime<Utc>, Refusal> {
        let now = self.now();
        if t < now {
            return Err(Refusal::BadInput(format!("The desired time {} is in the past", format_time(t))));
        }
        let Some(slot) = Calendar::new(config).slot_of(t) else {
            return Err(Refusal::Slot {
                problem: SlotProblem::Closed,
                proposals: self.proposals(data, config, service, t),
            });
        };
        let taken = data
            .callbacks
            .iter()
            .filter(|c| c.service == service && c.is_active() && c.slot == Some(slot) && Some(c.id.as_str()) != except)
            .count();
        if taken >= usize::try_from(config.capacity).unwrap_or(usize::MAX) {
            return Err(Refusal::Slot {
                problem: SlotProblem::Full,
                proposals: self.proposals(data, config, service, t),
            });
        }
        Ok(slot)
    }

    /// The first free slots from `t` on (and not before now), as many as the service proposes.
    fn proposals(&self, data: &Data, config: &ServiceConfig, service: &str, t: DateTime<Utc>) -> Vec<SlotCapacity> {
        let from = t.max(self.now());
        let to = plus(from, TimeDelta::days(i64::from(self.shared.config.max_availability_days)));
        let used = data.used(service);
        let wanted = usize::try_from(config.proposed_slots).unwrap_or(usize::MAX);
        Calendar::new(config)
            .slots_between(from, to)
            .into_iter()
            .map(|start| capacity(config, &used, start))
            .filter(|s| s.free > 0)
            .take(wanted)
            .collect()
    }
}

impl Data {
    fn get_mut(&mut self, id: &str) -> Option<&mut StoredCallback> {
        let i = *self.index.get(id)?;
        self.callbacks.get_mut(i)
    }

    /// Capacity used per slot by the active scheduled callbacks of a service.
    fn used(&self, service: &str) -> BTreeMap<DateTime<Utc>, u32> {
        let mut used = BTreeMap::new();
        for slot in self.callbacks.iter().filter(|c| c.service == service && c.is_active()).filter_map(|c| c.slot) {
            *used.entry(slot).or_insert(0_u32) += 1;
        }
        used
    }
}

fn capacity(config: &ServiceConfig, used: &BTreeMap<DateTime<Utc>, u32>, start: DateTime<Utc>) -> SlotCapacity {
    let taken = used.get(&start).copied().unwrap_or(0);
    SlotCapacity { start, free: config.capacity.saturating_sub(taken), total: config.capacity }
}

/// The JSON size of attached data: what `maxStoredDataBytes` counts.
fn json_size(data: &BTreeMap<String, Value>) -> usize {
    serde_json::to_vec(data).map_or(0, |bytes| bytes.len())
}

/// splitmix64: a bijection of `u64`, so distinct counters give distinct ids.
fn mix(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn make_id(n: u64, origin: Origin) -> String {
    let high = mix(n);
    let low = mix(n ^ 0xa5a5_a5a5_a5a5_a5a5);
    match origin {
        Origin::GmsV1 => format!("{high:016x}{low:016x}"),
        Origin::EngagementV3 => {
            // A version-4-shaped UUID; uniqueness comes from `high`, which keeps all its bits.
            let c = 0x4000 | (low >> 48 & 0x0fff);
            let d = 0x8000 | (low >> 32 & 0x3fff);
            format!(
                "{:08x}-{:04x}-{c:04x}-{d:04x}-{:04x}{:08x}",
                high >> 32,
                high >> 16 & 0xffff,
                high & 0xffff,
                low & 0xffff_ffff
            )
        }
    }
}

/// A fresh correlation id for a v3 answer.
pub(crate) fn corr_id(state: &HttpSimState) -> String {
    state.next_id(Origin::EngagementV3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_shaped() {
        let mut seen = std::collections::BTreeSet::new();
        for n in 0..2000 {
            assert!(seen.insert(make_id(n, Origin::GmsV1)));
            let uuid = make_id(n, Origin::EngagementV3);
            assert_eq!(uuid.len(), 36);
            assert_eq!(&uuid[14..15], "4");
            assert!(seen.insert(uuid));
        }
        assert_eq!(make_id(1, Origin::GmsV1).len(), 32);
    }
}
