//! Engagement Callback API v3 (WIRE.md section 3), under `/engagement/v3`: every answer is
//! `{status: {code, message, corrId}, data?}` and every call needs `x-api-key`.

use chrono::FixedOffset;
use cxwire_model::http::engagement_v3::{
    API_KEY_HEADER, AvailabilityData, AvailabilityQuery, CallIn, CallInRequest, Callback, Cancelled, CreateRequest,
    Created, IdRequest, ProposedSlots, Response, Slot, Status,
};
use cxwire_model::http::gms_v1::CallbackState;
use hyper::header::HeaderMap;
use hyper::{Method, StatusCode};
use serde::Serialize;
use serde_json::Value;

use super::config::UtcOffset;
use super::state::{HttpSimState, NewAccess, NewCallback, Origin, Refusal, SlotCapacity, SlotProblem, corr_id};
use super::wire::{Incoming, Reply, format_time, number_param, optional_time, query_window, valid_phone};

/// A v3 answer with `data`.
fn answer<T: Serialize>(state: &HttpSimState, status: StatusCode, message: &str, data: Option<T>) -> Reply {
    let body = Response {
        status: Status {
            code: Some(status.as_u16()),
            message: Some(message.to_owned()),
            corr_id: Some(corr_id(state)),
            ..Default::default()
        },
        data,
    };
    Reply::json(status, &body)
}

/// A v3 error answer: `{status}` without `data`.
pub(crate) fn error(state: &HttpSimState, status: StatusCode, message: &str) -> Reply {
    answer::<Value>(state, status, message, None)
}

fn ok<T: Serialize>(state: &HttpSimState, data: T) -> Reply {
    answer(state, StatusCode::OK, "OK", Some(data))
}

fn bad(state: &HttpSimState, message: &str) -> Reply {
    error(state, StatusCode::BAD_REQUEST, message)
}

/// Whether the request carries the configured API key (compared in constant time).
pub(crate) fn authorized(state: &HttpSimState, headers: &HeaderMap) -> bool {
    let expected = state.config().api_key.expose().as_bytes();
    let mut keys = headers.get_all(API_KEY_HEADER).iter();
    let (Some(given), None) = (keys.next(), keys.next()) else { return false };
    let given = given.as_bytes();
    given.len() == expected.len() && given.iter().zip(expected).fold(0_u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// The 401 answer of a missing or wrong key.
pub(crate) fn unauthorized(state: &HttpSimState) -> Reply {
    error(state, StatusCode::UNAUTHORIZED, "Unauthorized: missing or invalid x-api-key")
}

/// Answers a request under `/engagement/v3` whose key was checked.
pub(crate) fn handle(state: &HttpSimState, request: &Incoming) -> Reply {
    let path = request.path();
    let method = &request.method;
    match path.as_slice() {
        ["callbacks", "create"] if method == Method::POST => create(state, request),
        ["callbacks", "cancel"] if method == Method::POST => cancel(state, request),
        ["callbacks", "retrieve"] if method == Method::POST => retrieve(state, request),
        ["callbacks", "availability", service] if method == Method::GET => availability(state, service, request),
        ["call-in", "requests", "create"] if method == Method::POST => call_in(state, request),
        ["callbacks", "create" | "cancel" | "retrieve"]
        | ["callbacks", "availability", _]
        | ["call-in", "requests", "create"] => error(state, StatusCode::METHOD_NOT_ALLOWED, "Method not allowed"),
        _ => error(state, StatusCode::NOT_FOUND, "No such resource"),
    }
}

fn refused(state: &HttpSimState, refusal: Refusal, offset: FixedOffset) -> Reply {
    match refusal {
        Refusal::BadInput(message) => bad(state, &message),
        Refusal::UnknownService(service) => bad(state, &format!("Unknown serviceName: {service}")),
        Refusal::NotFound(_) => error(state, StatusCode::NOT_FOUND, "Callback not found"),
        Refusal::Ended(id) => bad(state, &format!("Callback {id} is already completed")),
        Refusal::Slot { problem, proposals } => {
            let message = match problem {
                SlotProblem::Full => "Requested time slot is full",
                SlotProblem::Closed => "Requested time slot is outside office hours",
            };
            let data = ProposedSlots { slots: Some(slots(&proposals, offset)), ..Default::default() };
            answer(state, StatusCode::TOO_MANY_REQUESTS, message, Some(data))
        }
        Refusal::QueueLimit(_) => error(state, StatusCode::SERVICE_UNAVAILABLE, "Callback queue limit reached"),
        Refusal::StoreFull(message) => error(state, StatusCode::SERVICE_UNAVAILABLE, &message),
        Refusal::NoAccessNumber { retry_after } => {
            error(state, StatusCode::SERVICE_UNAVAILABLE, "No access number is available")
                .header("retry-after", retry_after)
        }
    }
}

fn slots(slots: &[SlotCapacity], offset: FixedOffset) -> Vec<Slot> {
    slots
        .iter()
        .map(|s| Slot {
            utc_time: Some(format_time(s.start)),
            local_time: Some(s.start.with_timezone(&offset).to_rfc3339_opts(chrono::SecondsFormat::Millis, false)),
            capacity: Some(s.free),
            total: Some(s.total),
            ..Default::default()
        })
        .collect()
}

fn service_offset(state: &HttpSimState, service: &str) -> FixedOffset {
    state.service(service).map(|s| s.utc_offset).unwrap_or_default().fixed()
}

fn create(state: &HttpSimState, request: &Incoming) -> Reply {
    let body: CreateRequest = match request.body_as() {
        Ok(body) => body,
        Err(message) => return bad(state, &message),
    };
    if let Err(refusal) = state.service(&body.service_name) {
        return refused(state, refusal, UtcOffset::utc().fixed());
    }
    if !valid_phone(&body.phone_number) {
        return bad(state, "Invalid phoneNumber");
    }
    let invalid = body.invalid_user_data_keys();
    if !invalid.is_empty() {
        return bad(state, &format!("Invalid userData keys (identifiers only): {}", invalid.join(", ")));
    }
    let desired_time = match optional_time(body.desired_time.as_deref(), "desiredTime") {
        Ok(t) => t,
        Err(message) => return bad(state, &message),
    };
    let offset = service_offset(state, &body.service_name);
    let new = NewCallback {
        service: body.service_name,
        customer_number: body.phone_number,
        desired_time,
        attached_data: body.user_data.unwrap_or_default(),
        language: body.language,
        priority: body.priority,
        offer_type: body.cb_offer_type,
    };
    match state.create(new, Origin::EngagementV3) {
        Ok(callback) => ok(state, Created { id: Some(callback.id), ..Default::default() }),
        Err(refusal) => refused(state, refusal, offset),
    }
}

fn read_id(state: &HttpSimState, request: &Incoming) -> Result<String, Reply> {
    let body: IdRequest = request.body_as().map_err(|message| bad(state, &message))?;
    let id = body.id.trim();
    if id.is_empty() {
        return Err(bad(state, "Missing id"));
    }
    Ok(id.to_owned())
}

fn cancel(state: &HttpSimState, request: &Incoming) -> Reply {
    let id = match read_id(state, request) {
        Ok(id) => id,
        Err(reply) => return reply,
    };
    match state.cancel(None, &id, "CUSTOMER_CANCELLED") {
        Ok(callback) => ok(state, Cancelled { id: Some(callback.id), ..Default::default() }),
        Err(refusal) => refused(state, refusal, UtcOffset::utc().fixed()),
    }
}

fn retrieve(state: &HttpSimState, request: &Incoming) -> Reply {
    let id = match read_id(state, request) {
        Ok(id) => id,
        Err(reply) => return reply,
    };
    let Some(callback) = state.callback(&id) else {
        return error(state, StatusCode::NOT_FOUND, "Callback not found");
    };
    let (position, wait) = state.queue_position(&callback);
    let data = Callback {
        id: Some(callback.id.clone()),
        desired_time: Some(format_time(callback.desired_time)),
        callback_reason: (callback.state == CallbackState::Completed).then(|| callback.reason.clone()),
        callback_state: Some(callback.state.clone()),
        phone_number: Some(callback.customer_number.clone()),
        position_in_queue: Some(position),
        estimated_wait_time: Some(wait),
        ..Default::default()
    };
    ok(state, data)
}

fn availability(state: &HttpSimState, service: &str, request: &Incoming) -> Reply {
    let config = match state.service(service) {
        Ok(config) => config,
        Err(refusal) => return refused(state, refusal, UtcOffset::utc().fixed()),
    };
    let query = match read_availability_query(request) {
        Ok(query) => query,
        Err(message) => return bad(state, &message),
    };
    // The simulator knows fixed offsets only: the service's own zone name, or an offset.
    let (offset, timezone) = match query.timezone.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => (config.utc_offset, config.timezone_name()),
        Some(name) if name == config.timezone_name() => (config.utc_offset, name.to_owned()),
        Some(name) => match name.parse::<UtcOffset>() {
            Ok(offset) => (offset, name.to_owned()),
            Err(_) => {
                return bad(
                    state,
                    &format!(
                        "Unsupported timezone {name}: the simulator knows fixed offsets (+HH:MM) and the service's zone"
                    ),
                );
            }
        },
    };
    let parsed = query_window(state.now(), query.start.as_deref(), query.end.as_deref(), query.number_of_days);
    let (from, to) = match parsed {
        Ok(window) => window,
        Err(message) => return bad(state, &message),
    };
    let limit = query.max_time_slots.map(|m| usize::try_from(m).unwrap_or(usize::MAX));
    match state.slots(service, from, to, limit) {
        Ok(found) => ok(
            state,
            AvailabilityData {
                slots: Some(slots(&found, offset.fixed())),
                duration_min: Some(config.slot_minutes),
                timezone: Some(timezone),
                ..Default::default()
            },
        ),
        Err(refusal) => refused(state, refusal, offset.fixed()),
    }
}

fn read_availability_query(request: &Incoming) -> Result<AvailabilityQuery, String> {
    let text = |name: &str| request.query_value(name).map(str::to_owned).filter(|v| !v.trim().is_empty());
    let query = AvailabilityQuery {
        start: text("start"),
        end: text("end"),
        number_of_days: number_param(request.query_value("numberOfDays"), "numberOfDays")?,
        max_time_slots: number_param(request.query_value("maxTimeSlots"), "maxTimeSlots")?,
        timezone: text("timezone"),
    };
    if query.max_time_slots == Some(0) {
        return Err("Invalid maxTimeSlots: it must be at least 1".into());
    }
    Ok(query)
}

fn call_in(state: &HttpSimState, request: &Incoming) -> Reply {
    let body: CallInRequest = match request.body_as() {
        Ok(body) => body,
        Err(message) => return bad(state, &message),
    };
    if state.service(&body.group_name).is_err() {
        return bad(state, &format!("Unknown groupName: {}", body.group_name));
    }
    if !valid_phone(&body.from_phone_number) {
        return bad(state, "Invalid fromPhoneNumber");
    }
    let new = NewAccess {
        customer_number: Some(body.from_phone_number.clone()),
        group: Some(body.group_name.clone()),
        attached_data: body.user_data.unwrap_or_default(),
    };
    match state.grant_access(new, Origin::EngagementV3) {
        Ok(grant) => ok(
            state,
            CallIn {
                id: Some(grant.id),
                to_phone_number: Some(grant.access_number),
                access_code: Some(grant.access_code),
                expiration_time: Some(grant.expires_at.timestamp()),
                from_phone_number: Some(body.from_phone_number),
                group_name: Some(body.group_name),
                ..Default::default()
            },
        ),
        Err(refusal) => refused(state, refusal, UtcOffset::utc().fixed()),
    }
}
