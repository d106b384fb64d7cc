//! GMS Callback Services API v1 and request-interaction (WIRE.md sections 2 and 4), under
//! `/genesys/1/service`.

use cxwire_model::http::gms_v1::{
    Availability, AvailabilityQuery, CallbackState, ErrorBody, Records, RequestInteractionRequest,
    RequestInteractionResponse, RescheduleRequest, ScheduleRequest, ScheduleResponse, TimeValue,
};
use hyper::{Method, StatusCode};
use serde_json::Value;

use super::state::{HttpSimState, NewAccess, NewCallback, Origin, Refusal, SlotCapacity};
use super::wire::{
    Incoming, Reply, format_time, number_param, optional_time, parse_time, query_window, valid_phone, value_text,
};

/// `_exception` of bad input (bad number, malformed body, unknown service, past time).
pub(crate) const INVALID_PARAMETER: &str = "com.genesyslab.gms.exceptions.InvalidParameterException";
/// `_exception` of an unknown callback or resource.
pub(crate) const NOT_FOUND: &str = "com.genesyslab.gms.exceptions.NotFoundException";
/// `_exception` of the queue limit and of an exhausted access-number pool.
pub(crate) const SERVICE_UNAVAILABLE: &str = "com.genesyslab.gms.exceptions.ServiceUnavailableException";
/// `_exception` of a full or closed slot.
pub(crate) const TIME_SLOT_NOT_AVAILABLE: &str = "com.genesyslab.gms.exceptions.TimeSlotNotAvailableException";
/// `_exception` of a method a resource does not support.
pub(crate) const METHOD_NOT_ALLOWED: &str = "com.genesyslab.gms.exceptions.MethodNotAllowedException";

/// The message of a slot that cannot be booked.
pub(crate) const SLOT_NOT_AVAILABLE: &str = "Requested time slot is not available";

/// A GMS error answer `{exception, message}`.
pub(crate) fn error(status: StatusCode, exception: &str, message: impl Into<String>) -> Reply {
    Reply::json(
        status,
        &ErrorBody { exception: Some(exception.to_owned()), message: Some(message.into()), ..Default::default() },
    )
}

fn bad(message: impl Into<String>) -> Reply {
    error(StatusCode::BAD_REQUEST, INVALID_PARAMETER, message)
}

/// Answers a request under `/genesys/1/service`.
pub(crate) fn handle(state: &HttpSimState, request: &Incoming) -> Reply {
    let path = request.path();
    let method = &request.method;
    match path.as_slice() {
        ["callback"] if method == Method::GET => query_by_id(state, request),
        ["callback", service] if method == Method::POST => schedule(state, service, request),
        ["callback", service] if method == Method::GET => query(state, service, request),
        ["callback", service, "availability"] if method == Method::GET => availability(state, service, request),
        ["callback", service, id] if method == Method::DELETE => cancel(state, service, id),
        ["callback", service, id] if method == Method::PUT => reschedule(state, service, id, request),
        ["request-interaction"] if method == Method::POST => request_interaction(state, request),
        ["callback"] | ["callback", _] | ["callback", _, _] | ["request-interaction"] => {
            error(StatusCode::METHOD_NOT_ALLOWED, METHOD_NOT_ALLOWED, format!("Method {method} is not supported here"))
        }
        _ => error(StatusCode::NOT_FOUND, NOT_FOUND, "No such resource"),
    }
}

/// Maps a refusal to its v1 answer; `availability` is added to slot refusals of a reschedule.
fn refused(refusal: Refusal, with_availability: bool) -> Reply {
    match refusal {
        Refusal::BadInput(message) => bad(message),
        Refusal::UnknownService(service) => bad(format!("Unknown callback service: {service}")),
        Refusal::NotFound(id) => error(StatusCode::NOT_FOUND, NOT_FOUND, format!("Callback {id} not found")),
        Refusal::Ended(id) => bad(format!("Callback {id} is already completed")),
        Refusal::Slot { proposals, .. } => {
            let availability = with_availability.then(|| availability_map(&proposals));
            Reply::json(
                StatusCode::BAD_REQUEST,
                &ErrorBody {
                    exception: Some(TIME_SLOT_NOT_AVAILABLE.into()),
                    message: Some(SLOT_NOT_AVAILABLE.into()),
                    availability,
                    ..Default::default()
                },
            )
        }
        Refusal::QueueLimit(_) => {
            error(StatusCode::SERVICE_UNAVAILABLE, SERVICE_UNAVAILABLE, "Callback queue limit reached")
        }
        Refusal::StoreFull(message) => error(StatusCode::SERVICE_UNAVAILABLE, SERVICE_UNAVAILABLE, message),
        Refusal::NoAccessNumber { retry_after } => {
            error(StatusCode::SERVICE_UNAVAILABLE, SERVICE_UNAVAILABLE, "No access number is available")
                .header("retry-after", retry_after)
        }
    }
}

fn availability_map(slots: &[SlotCapacity]) -> Availability {
    slots.iter().map(|s| (format_time(s.start), s.free)).collect()
}

fn schedule(state: &HttpSimState, service: &str, request: &Incoming) -> Reply {
    let body: ScheduleRequest = match request.body_as() {
        Ok(body) => body,
        Err(message) => return bad(message),
    };
    if let Err(refusal) = state.service(service) {
        return refused(refusal, false);
    }
    if let Some(redirect) = body.redirect.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        if redirect != "request-interaction" {
            return bad(format!("Unknown _redirect: {redirect}"));
        }
        let number = Some(body.customer_number).filter(|n| !n.trim().is_empty());
        return grant(state, number, Some(service.to_owned()), body.attached_data);
    }
    if !valid_phone(&body.customer_number) {
        return bad(format!("Invalid phone number: {}", body.customer_number));
    }
    let desired_time = match optional_time(body.desired_time.as_deref(), "_desired_time") {
        Ok(t) => t,
        Err(message) => return bad(message),
    };
    let new = NewCallback {
        service: service.to_owned(),
        customer_number: body.customer_number,
        desired_time,
        attached_data: body.attached_data,
        ..Default::default()
    };
    match state.create(new, Origin::GmsV1) {
        Ok(callback) => {
            let text = if callback.slot.is_some() {
                "Your callback has been scheduled."
            } else {
                "Your callback has been submitted; you will be called back shortly."
            };
            Reply::json(
                StatusCode::OK,
                &ScheduleResponse {
                    id: Some(callback.id),
                    action: Some("ConfirmationDialog".into()),
                    text: Some(text.into()),
                    ok_title: Some("Ok".into()),
                    dialog_id: Some("0".into()),
                    ..Default::default()
                },
            )
        }
        Err(refusal) => refused(refusal, false),
    }
}

fn cancel(state: &HttpSimState, service: &str, id: &str) -> Reply {
    if let Err(refusal) = state.service(service) {
        return refused(refusal, false);
    }
    match state.cancel(Some(service), id, "CANCELLED") {
        Ok(_) => Reply::empty(StatusCode::OK),
        Err(refusal) => refused(refusal, false),
    }
}

fn reschedule(state: &HttpSimState, service: &str, id: &str, request: &Incoming) -> Reply {
    let body: RescheduleRequest = match request.body_as() {
        Ok(body) => body,
        Err(message) => return bad(message),
    };
    if let Some(wanted) = &body.callback_state
        && *wanted != CallbackState::Scheduled
    {
        return bad(format!("Invalid _callback_state {wanted}: a reschedule can only set SCHEDULED"));
    }
    let new_time = match parse_time(&body.new_desired_time) {
        Ok(t) => t,
        Err(message) => return bad(format!("Invalid _new_desired_time: {message}")),
    };
    match state.reschedule(service, id, new_time, body.attached_data) {
        Ok(callback) => Reply::json(StatusCode::OK, &callback.v1_record()),
        Err(refusal) => refused(refusal, true),
    }
}

fn query_by_id(state: &HttpSimState, request: &Incoming) -> Reply {
    let Some(id) = request.query_value("_id").map(str::trim).filter(|id| !id.is_empty()) else {
        return bad("Missing query parameter _id");
    };
    let records: Records = state.callback(id).map(|c| c.v1_record()).into_iter().collect();
    Reply::json(StatusCode::OK, &records)
}

fn query(state: &HttpSimState, service: &str, request: &Incoming) -> Reply {
    let any = match request.query_value("operand").map(str::to_ascii_uppercase).as_deref() {
        None | Some("AND") => false,
        Some("OR") => true,
        Some(other) => return bad(format!("Invalid operand {other}: expected AND or OR")),
    };
    let wanted: Vec<&(String, String)> = request.query.iter().filter(|(k, _)| k != "operand").collect();
    let callbacks = match state.callbacks_of(service) {
        Ok(callbacks) => callbacks,
        Err(refusal) => return refused(refusal, false),
    };
    let records: Records = callbacks
        .iter()
        .map(|c| c.v1_record())
        .filter(|record| {
            let json = serde_json::to_value(record).unwrap_or(Value::Null);
            let matches = |(key, value): &&(String, String)| json.get(key).is_some_and(|v| value_text(v) == *value);
            if wanted.is_empty() {
                true
            } else if any {
                wanted.iter().any(matches)
            } else {
                wanted.iter().all(matches)
            }
        })
        .collect();
    Reply::json(StatusCode::OK, &records)
}

fn availability(state: &HttpSimState, service: &str, request: &Incoming) -> Reply {
    let query = match read_availability_query(request) {
        Ok(query) => query,
        Err(message) => return bad(message),
    };
    let parsed = query_window(state.now(), query.start.as_deref(), query.end.as_deref(), query.number_of_days);
    let (from, to) = match parsed {
        Ok(window) => window,
        Err(message) => return bad(message),
    };
    let limit = query.max_time_slots.map(|m| usize::try_from(m).unwrap_or(usize::MAX));
    match state.slots(service, from, to, limit) {
        Ok(slots) => Reply::json(StatusCode::OK, &availability_map(&slots)),
        Err(refusal) => refused(refusal, false),
    }
}

fn read_availability_query(request: &Incoming) -> Result<AvailabilityQuery, String> {
    let text = |name: &str| request.query_value(name).map(str::to_owned).filter(|v| !v.trim().is_empty());
    let query = AvailabilityQuery {
        start: text("start"),
        end: text("end"),
        number_of_days: number_param(request.query_value("number-of-days"), "number-of-days")?,
        max_time_slots: number_param(request.query_value("max-time-slots"), "max-time-slots")?,
    };
    if query.max_time_slots == Some(0) {
        return Err("Invalid max-time-slots: it must be at least 1".into());
    }
    Ok(query)
}

fn request_interaction(state: &HttpSimState, request: &Incoming) -> Reply {
    let body: RequestInteractionRequest = if request.body.iter().all(u8::is_ascii_whitespace) {
        RequestInteractionRequest::default()
    } else {
        match request.body_as() {
            Ok(body) => body,
            Err(message) => return bad(message),
        }
    };
    let number = body.customer_number.filter(|n| !n.trim().is_empty());
    grant(state, number, None, body.attached_data)
}

/// Reserves an access number and answers request-interaction. `_expiration_time` is the number
/// of seconds the number stays valid, as text (GMS's sample answers `"30"`).
fn grant(
    state: &HttpSimState,
    customer_number: Option<String>,
    group: Option<String>,
    attached_data: std::collections::BTreeMap<String, Value>,
) -> Reply {
    if let Some(number) = &customer_number
        && !valid_phone(number)
    {
        return bad(format!("Invalid phone number: {number}"));
    }
    match state.grant_access(NewAccess { customer_number, group, attached_data }, Origin::GmsV1) {
        Ok(grant) => {
            let seconds = (grant.expires_at - grant.created_at).num_seconds();
            Reply::json(
                StatusCode::OK,
                &RequestInteractionResponse {
                    access_number: Some(grant.access_number),
                    access_code: Some(grant.access_code.to_string()),
                    expiration_time: Some(TimeValue::Text(seconds.to_string())),
                    id: Some(grant.id),
                    ..Default::default()
                },
            )
        }
        Err(refusal) => refused(refusal, false),
    }
}
