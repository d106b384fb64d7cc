//! `cxwire demo`: an agent shift end to end on the embedded simulator, through the public APIs.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use cxwire_http::model::widgets::{AvailabilityOptions, CallbackConfig, RequestNumberOptions, ScheduleOptions};
use cxwire_http::{CallbackService, ClickToCallService, wire_time};
use cxwire_model::scapi::types::{CallbackType, InteractionState, StateType, TargetQuery, TargetType, ToastParameters};
use cxwire_model::scapi::{Event, EventFrame, InteractionEventType, OutboundEventType, SystemEventType};
use cxwire_sim::{PreviewMode, SimConfig, Simulator};
use cxwire_ws::{ConnectOptions, ReconnectPolicy, Session, Subscription, SubscriptionItem};
use serde_json::{Value, json};

use crate::Failure;
use crate::out::Printer;

const WAIT: Duration = Duration::from_secs(5);

struct Shift {
    session: Session,
    events: Subscription,
    out: Printer,
}

fn step_failed(what: impl std::fmt::Display) -> Failure {
    Failure::failed(format!("demo step failed: {what}"))
}

impl Shift {
    /// Waits for an event matching `want`, printing every event on the way.
    async fn expect(&mut self, what: &str, want: impl Fn(&Event) -> bool) -> Result<Arc<EventFrame>, Failure> {
        loop {
            let item = tokio::time::timeout(WAIT, self.events.recv())
                .await
                .map_err(|_| step_failed(format!("no {what} event within {WAIT:?}")))?;
            match item {
                Some(SubscriptionItem::Event(frame)) => {
                    self.out.event(&serde_json::to_value(&*frame).unwrap_or(Value::Null));
                    if want(&frame.event) {
                        self.out.ok(what);
                        return Ok(frame);
                    }
                }
                Some(SubscriptionItem::Lagged(n)) => return Err(step_failed(format!("missed {n} events"))),
                None => return Err(step_failed("the session ended")),
            }
        }
    }

    async fn interaction(
        &mut self,
        what: &str,
        t: InteractionEventType,
        state: InteractionState,
    ) -> Result<String, Failure> {
        let frame = self
            .expect(what, |e| {
                matches!(e, Event::Interaction(i) if i.event_type.as_ref() == Some(&t)
                    && i.interaction.as_ref().and_then(|x| x.state.as_ref()) == Some(&state))
            })
            .await?;
        let Event::Interaction(i) = &frame.event else { return Err(step_failed("not an interaction event")) };
        Ok(i.interaction.as_ref().and_then(|x| x.interaction_id.clone()).unwrap_or_default())
    }
}

macro_rules! call {
    ($shift:expr, $name:literal, $params:expr, $call:expr) => {{
        $shift.out.request($name, &$params);
        let answer = $call.await.map_err(|e| step_failed(format!("{}: {e}", $name)))?;
        $shift.out.answer($name, &serde_json::to_value(&answer).unwrap_or(Value::Null));
        answer
    }};
}

pub(crate) async fn run(out: Printer) -> Result<(), Failure> {
    out.step("The simulator starts on loopback");
    let sim = Simulator::start("127.0.0.1:0", SimConfig::default()).await.map_err(|e| Failure::io(e.to_string()))?;
    let options = ConnectOptions { reconnect: ReconnectPolicy::never(), ..ConnectOptions::default() };
    let session = cxwire_ws::connect_with(&sim.ws_url(), options).await.map_err(|e| Failure::io(e.to_string()))?;
    let events = session
        .subscribe([
            cxwire_ws::Topic::Agent,
            cxwire_ws::Topic::Interaction,
            cxwire_ws::Topic::System,
            cxwire_ws::Topic::Outbound,
            cxwire_ws::Topic::Markdone,
        ])
        .await
        .map_err(|e| Failure::io(e.to_string()))?;
    out.ok(&format!("connected to {}", sim.ws_url()));
    let mut shift = Shift { session, events, out };

    shift.out.step("Login and Ready");
    let agent = call!(shift, "agent.get", json!([]), shift.session.agent().get());
    let name = agent.username.unwrap_or_default();
    call!(shift, "agent.setState", json!(["Ready"]), shift.session.agent().set_state("Ready"));
    shift.expect("agent is Ready", |e| matches!(e, Event::Agent(a) if a.media_state == Some(StateType::Ready))).await?;
    shift.out.ok(&format!("{name} is ready"));

    shift.out.step("An inbound call rings; the agent answers and attaches data");
    let call_id = sim
        .inject_inbound_call("+14155550123", "5001", BTreeMap::new())
        .await
        .map_err(|e| Failure::io(e.to_string()))?;
    shift.interaction("call is ringing", InteractionEventType::Ringing, InteractionState::Ringing).await?;
    call!(shift, "voice.answer", json!([call_id]), shift.session.voice().answer(call_id.clone()));
    shift.interaction("call is established", InteractionEventType::Established, InteractionState::Talking).await?;
    let data: BTreeMap<String, Value> =
        [("CustomerId".to_owned(), json!("C-1042")), ("Reason".to_owned(), json!("billing"))].into();
    call!(
        shift,
        "interaction.setUserData",
        json!([call_id, data]),
        shift.session.interaction().set_user_data(call_id.clone(), data.clone())
    );
    shift
        .interaction("user data attached", InteractionEventType::AttachedDataChanged, InteractionState::Talking)
        .await?;

    shift.out.step("Consult a colleague, then transfer");
    let target = TargetQuery::to(TargetType::Agent, "emp2002");
    call!(
        shift,
        "interaction.consult",
        json!([call_id, {"type": "AGENT", "destination": "emp2002"}]),
        shift.session.interaction().consult(call_id.clone(), target, None, None)
    );
    let consult_id = shift
        .interaction("consultation established", InteractionEventType::Established, InteractionState::Talking)
        .await?;
    call!(
        shift,
        "interaction.completeTransfer",
        json!([consult_id]),
        shift.session.interaction().complete_transfer(consult_id.clone())
    );
    shift.interaction("call transferred (released)", InteractionEventType::Released, InteractionState::Idle).await?;
    call!(shift, "interaction.markdone", json!([call_id]), shift.session.interaction().markdone(call_id.clone()));
    shift
        .expect("call marked done", |e| {
            matches!(e, Event::Interaction(i) if i.event_type == Some(InteractionEventType::Removed)
        && i.interaction.as_ref().and_then(|x| x.interaction_id.as_deref()) == Some(call_id.as_str()))
        })
        .await?;

    shift.out.step("A toast with buttons is shown and clicked");
    let toast = ToastParameters {
        title: "Callback requested".into(),
        icon_url: "https://crm.example/icons/callback.png".into(),
        message: Some("Call the customer back at 15:30?".into()),
        buttons: Some(vec!["Accept".into(), "Decline".into()]),
        ..ToastParameters::default()
    };
    let toast_id = call!(shift, "system.popupToast", json!([toast]), shift.session.system().popup_toast(toast.clone()));
    sim.click_toast_button(&toast_id, 0).await.map_err(|e| step_failed(e.to_string()))?;
    shift
        .expect("toast button 0 clicked", |e| {
            matches!(e, Event::System(s) if s.event_type == Some(SystemEventType::CustomToastButtonClick)
        && s.custom_toast_id.as_deref() == Some(toast_id.as_str()) && s.button_index == Some(0))
        })
        .await?;
    call!(shift, "system.closeToast", json!([toast_id]), shift.session.system().close_toast(toast_id.clone()));

    shift.out.step("An outbound preview record is called, given a result and rescheduled");
    let campaign = "Offer of the Month";
    sim.campaign(campaign, OutboundEventType::CampaignStarted, Some("Preview"))
        .await
        .map_err(|e| Failure::io(e.to_string()))?;
    shift
        .expect(
            "campaign started",
            |e| matches!(e, Event::Outbound(o) if o.event_type == Some(OutboundEventType::CampaignStarted)),
        )
        .await?;
    let record = sim.preview_record(PreviewMode::Pull, Some(campaign)).await.map_err(|e| step_failed(e.to_string()))?;
    call!(shift, "outbound.getPreviewRecord", json!([campaign]), shift.session.outbound().get_preview_record(campaign));
    shift
        .interaction("preview record received", InteractionEventType::Previewing, InteractionState::Previewing)
        .await?;
    call!(
        shift,
        "outbound.callPreviewRecord",
        json!([record, 283]),
        shift.session.outbound().call_preview_record(record.clone(), 283)
    );
    let call = shift.interaction("record dialed", InteractionEventType::Dialing, InteractionState::Dialing).await?;
    let results =
        call!(shift, "outbound.getListOfCallResults", json!([]), shift.session.outbound().get_list_of_call_results());
    let answered = results
        .get("ANSWER")
        .or_else(|| results.get("OK"))
        .copied()
        .ok_or_else(|| step_failed("no ANSWER call result"))?;
    call!(
        shift,
        "outbound.setCallResult",
        json!([record, answered]),
        shift.session.outbound().set_call_result(record.clone(), answered)
    );
    call!(
        shift,
        "outbound.rescheduleRecord",
        json!([record, 283, "11/24/2026 15:30", "PERSONAL"]),
        shift.session.outbound().reschedule_record(record.clone(), 283, "11/24/2026 15:30", CallbackType::Personal)
    );
    call!(shift, "voice.hangUp", json!([call]), shift.session.voice().hang_up(call.clone()));
    call!(shift, "interaction.markdone", json!([record]), shift.session.interaction().markdone(record.clone()));
    shift
        .expect(
            "mark done applied to the record",
            |e| matches!(e, Event::Interaction(i) if i.event_type == Some(InteractionEventType::MarkdoneApply)),
        )
        .await?;

    shift.out.step("A callback is offered and scheduled over HTTP (GMS callback API v1)");
    let config =
        CallbackConfig { data_url: format!("{}/callback/samples", sim.gms_base_url()), ..CallbackConfig::default() };
    let callbacks = CallbackService::new(config.clone()).map_err(|e| step_failed(e.to_string()))?;
    let query = AvailabilityOptions {
        number_of_days: Some("7".into()),
        max_time_slots: Some(10),
        ..AvailabilityOptions::default()
    };
    shift.out.request("CallbackService.availability", &json!(query));
    let slots = callbacks.availability(query).await.map_err(|e| step_failed(format!("availability: {e}")))?;
    let slot = slots
        .slots
        .iter()
        .find(|s| s.capacity > 0)
        .ok_or_else(|| step_failed("no free callback slot in the next 7 days"))?;
    shift.out.answer(
        "CallbackService.availability",
        &json!({"slots": slots.slots.len(), "first free": wire_time::format(&slot.start)}),
    );
    let booking = ScheduleOptions {
        firstname: Some("Bob".into()),
        lastname: Some("Jones".into()),
        phonenumber: Some("+14155550123".into()),
        subject: Some("billing question".into()),
        desired_time: Some(wire_time::format(&slot.start)),
        ..ScheduleOptions::default()
    };
    shift.out.request("CallbackService.schedule", &json!(booking));
    let scheduled = callbacks.schedule(booking).await.map_err(|e| step_failed(format!("schedule: {e}")))?;
    shift.out.answer(
        "CallbackService.schedule",
        &json!({"id": scheduled.id, "desiredTime": scheduled.desired_time.map(|t| wire_time::format(&t))}),
    );
    let booked = sim.http_state().callbacks().len();
    if booked != 1 {
        return Err(step_failed(format!("the simulator holds {booked} callbacks, expected 1")));
    }
    shift.out.ok("callback booked in the simulator");

    shift.out.step("A click-to-call number is requested (request-interaction)");
    let click = ClickToCallService::builder(config).build().map_err(|e| step_failed(e.to_string()))?;
    let ask = RequestNumberOptions { phonenumber: Some("+14155550123".into()), user_data: None };
    shift.out.request("ClickToCallService.requestNumber", &json!(ask));
    let number = click.request_number(ask).await.map_err(|e| step_failed(format!("requestNumber: {e}")))?;
    shift.out.answer(
        "ClickToCallService.requestNumber",
        &json!({"accessNumber": number.access_number, "accessCode": number.access_code}),
    );
    shift.out.ok("access number and code received");

    shift.out.step("Not Ready for a break");
    call!(shift, "agent.setState", json!(["NotReadyBreak"]), shift.session.agent().set_state("NotReadyBreak"));
    shift
        .expect(
            "agent on a break",
            |e| matches!(e, Event::Agent(a) if a.media_state == Some(StateType::NotReadyActionCode)),
        )
        .await?;

    shift.out.step("Shift complete");
    shift.out.ok("every step behaved as expected");
    Ok(())
}
