//! Every request of the Service Client API, typed: its wire name, its positional parameters in
//! documented order, and its answer.

use std::fmt::Debug;

#[cfg(feature = "schema")]
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use super::macros::service_requests;
use super::types::{
    Agent, ApplicationMenuView, CallResultCode, CallResults, CallbackType, Campaigns, ChainedRecords,
    ConfigurationOptions, DialogOptions, Field, Interaction, JwtToken, Media, OptionQuery, State, TargetQuery,
    ToastParameters, UserData,
};
use crate::DecodeError;
use crate::error::from_str_at;

/// `schemars::JsonSchema` with the `schema` feature (on by default), no requirement without it:
/// the bound [`ServiceRequest`] puts on requests and their answers.
#[cfg(feature = "schema")]
pub trait MaybeJsonSchema: JsonSchema {}
#[cfg(feature = "schema")]
impl<T: JsonSchema> MaybeJsonSchema for T {}
/// `schemars::JsonSchema` with the `schema` feature (on by default), no requirement without it:
/// the bound [`ServiceRequest`] puts on requests and their answers.
#[cfg(not(feature = "schema"))]
pub trait MaybeJsonSchema {}
#[cfg(not(feature = "schema"))]
impl<T> MaybeJsonSchema for T {}

/// A request of the Service Client API: ties its wire name, its positional parameters (its serde
/// form is the `parameters` array) and its typed answer together, so transports stay generic.
pub trait ServiceRequest:
    Serialize + DeserializeOwned + MaybeJsonSchema + Clone + Debug + Send + Sync + 'static
{
    /// The wire name, e.g. `interaction.setUserData` (`sipEndpoint.*` for the SIP endpoint calls):
    /// the name the published library sends, and the one cxwire sends.
    const NAME: &'static str;
    /// The name the seed documents where it differs from [`NAME`](Self::NAME): the SIP endpoint
    /// calls are documented in the voice namespace (`voice.muteMicrophone`). Accepted on input,
    /// kept on re-encoding ([`RequestFrame::name_form`](crate::scapi::RequestFrame::name_form)).
    const DOCUMENTED_NAME: Option<&'static str>;
    /// The documented names of the parameters, in order.
    const PARAMETER_NAMES: &'static [&'static str];
    /// How many leading parameters are required; the rest are optional.
    const REQUIRED_PARAMETERS: usize;
    /// The typed `data` of a successful answer.
    type Response: Serialize + DeserializeOwned + MaybeJsonSchema + Clone + Debug + PartialEq + Send + Sync + 'static;

    /// Whether the frame carries `parameters` (omitted when there are none to send).
    fn has_parameters(&self) -> bool;

    /// Whether `name` names this request: its wire name or its documented name.
    fn is_named(name: &str) -> bool {
        name == Self::NAME || Self::DOCUMENTED_NAME == Some(name)
    }

    /// Takes this request out of a [`Request`]; `None` when it is another request.
    fn from_request(request: Request) -> Option<Self>;

    /// Takes this request's answer out of a [`Response`]; `None` when it is another request's.
    fn from_response(response: Response) -> Option<Self::Response>;

    /// Decodes the request from the items of its `parameters` array.
    ///
    /// # Errors
    /// [`DecodeError::Arity`] for a wrong number of parameters, [`DecodeError::Json`] (with the
    /// path `parameters[i]` and the parameter's name) for a parameter of the wrong type.
    fn decode_parameters(items: &[&RawValue]) -> Result<Self, DecodeError>;
}

/// The answer of a request documented to answer nothing. Any `data` the Workspace sends is
/// accepted and ignored; it encodes as `null`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Done;

impl Serialize for Done {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_unit()
    }
}

impl<'de> Deserialize<'de> for Done {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| Done)
    }
}

#[cfg(feature = "schema")]
impl JsonSchema for Done {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Done".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "description": "No documented answer; any value is accepted." })
    }
}

/// A request by name with JSON parameters: the escape hatch for requests a future Workspace adds.
#[derive(Clone, Debug, PartialEq)]
pub struct RawRequest {
    /// The wire name.
    pub name: String,
    /// The positional parameters.
    pub parameters: Vec<Value>,
}

impl RawRequest {
    /// A raw request.
    pub fn new(name: impl Into<String>, parameters: Vec<Value>) -> Self {
        Self { name: name.into(), parameters }
    }

    pub(crate) fn from_raw(name: &str, items: &[&RawValue]) -> Result<Self, DecodeError> {
        let mut parameters = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let value = from_str_at(|| format!("request `{name}`"), item.get())
                .map_err(|e| e.within(&format!("parameters[{i}]")))?;
            parameters.push(value);
        }
        Ok(Self { name: name.to_owned(), parameters })
    }
}

pub(crate) fn check_arity<R: ServiceRequest>(found: usize) -> Result<(), DecodeError> {
    let (min, max) = (R::REQUIRED_PARAMETERS, R::PARAMETER_NAMES.len());
    if found < min || found > max {
        return Err(DecodeError::Arity { request: R::NAME.to_owned(), min, max, found });
    }
    Ok(())
}

pub(crate) fn decode_parameter<'a, R: ServiceRequest, T: Deserialize<'a>>(
    items: &[&'a RawValue],
    index: usize,
) -> Result<T, DecodeError> {
    let Some(item) = items.get(index) else {
        return Err(DecodeError::Arity {
            request: R::NAME.to_owned(),
            min: R::REQUIRED_PARAMETERS,
            max: R::PARAMETER_NAMES.len(),
            found: items.len(),
        });
    };
    let name = R::PARAMETER_NAMES.get(index).copied().unwrap_or("?");
    from_str_at(|| format!("request `{}` parameter `{name}`", R::NAME), item.get())
        .map_err(|e| e.within(&format!("parameters[{index}]")))
}

pub(crate) fn to_parameter_values<R: ServiceRequest>(r: &R) -> Vec<Value> {
    match serde_json::to_value(r) {
        Ok(Value::Array(items)) => items,
        // A parameter struct always serializes to an array of JSON values.
        _ => Vec::new(),
    }
}

pub(crate) fn decode_response<R: ServiceRequest>(data: Option<&str>) -> Result<R::Response, DecodeError> {
    from_str_at(|| format!("answer to `{}`", R::NAME), data.unwrap_or("null")).map_err(|e| e.within("data"))
}

pub(crate) fn response_to_data<T: Serialize>(value: &T) -> Option<Value> {
    match serde_json::to_value(value) {
        Ok(Value::Null) | Err(_) => None,
        Ok(v) => Some(v),
    }
}

service_requests! {
    // ---- agent ----
    /// Gets the agent's attributes.
    "agent.get" => AgentGet {} -> Agent;
    /// Gets the agent's state.
    "agent.getState" => AgentGetState {} -> State;
    /// Gets the list of possible agent states.
    "agent.getStateList" => AgentGetStateList {} -> Vec<State>;
    /// Sets the agent's state.
    "agent.setState" => AgentSetState {
        /// An `operationName` from the agent's state list.
        state_operation_name("stateOperationName"): String,
    } -> Done;

    // ---- configuration ----
    /// Gets configuration options (default section `interaction-workspace`; `*` only at the end
    /// of a word; `Section/option` selects a custom section).
    "configuration.getOption" => ConfigurationGetOption {
        /// One option name or pattern, or several.
        options("options"): OptionQuery,
    } -> ConfigurationOptions;
    /// Gets configuration options as overridden by a routing strategy for an interaction.
    "configuration.getContextualOption" => ConfigurationGetContextualOption {
        /// One option name or pattern, or several.
        options("options"): OptionQuery,
        /// The interaction whose overrides apply.
        interaction_id("interactionId"): String,
    } -> ConfigurationOptions;

    // ---- email ----
    /// Creates a new empty outbound email.
    "email.create" => EmailCreate {
        /// The destination address.
        destination("destination"): String;
        /// Attached data.
        user_data("userData"): UserData,
    } -> Done;

    // ---- interaction ----
    /// Completes a conference.
    "interaction.completeConference" => InteractionCompleteConference {
        /// The consultation interaction.
        consult_interaction_id("consultInteractionId"): String,
    } -> Done;
    /// Completes a transfer.
    "interaction.completeTransfer" => InteractionCompleteTransfer {
        /// The consultation interaction.
        consult_interaction_id("consultInteractionId"): String,
    } -> Done;
    /// Makes a consultation interaction.
    "interaction.consult" => InteractionConsult {
        /// The interaction to consult about.
        interaction_id("interactionId"): String,
        /// The target (its `media` selects the consultation media).
        target_query("targetQuery"): TargetQuery;
        /// Attached data.
        user_data("userData"): UserData,
        /// Extensions (not for chat).
        extensions("extensions"): UserData,
    } -> Done;
    /// Deletes a key of the attached data (subject to `user-data.write-allowed`).
    "interaction.deleteUserData" => InteractionDeleteUserData {
        /// The interaction.
        interaction_id("interactionId"): String,
        /// The key to delete.
        key("key"): String,
    } -> Done;
    /// Gets an interaction by its identifier.
    "interaction.getByInteractionId" => InteractionGetByInteractionId {
        /// The interaction.
        interaction_id("interactionId"): String,
    } -> Option<Box<Interaction>>;
    /// Gets the agent's interactions.
    "interaction.getInteractions" => InteractionGetInteractions {} -> Vec<Interaction>;
    /// Selects a case (emits CASE_COLLAPSED / CASE_EXPANDED / CASE_SELECTED).
    "interaction.selectCaseByCaseId" => InteractionSelectCaseByCaseId {
        /// The case.
        case_id("caseId"): String,
    } -> Done;
    /// Sets attached data on a live interaction (subject to `user-data.write-allowed`).
    "interaction.setUserData" => InteractionSetUserData {
        /// The interaction.
        interaction_id("interactionId"): String,
        /// The keys and values to set (existing keys are overwritten).
        key_values("keyValues"): UserData,
    } -> Done;
    /// Marks an interaction done.
    "interaction.markdone" => InteractionMarkdone {
        /// The interaction.
        interaction_id("interactionId"): String,
    } -> Done;
    /// Blocks mark done with a warning message.
    "interaction.blockMarkdone" => InteractionBlockMarkdone {
        /// The interaction.
        interaction_id("interactionId"): String,
        /// The warning shown when the agent tries to mark done.
        warning_message("warningMessage"): String,
    } -> Done;
    /// Unblocks mark done.
    "interaction.unblockMarkdone" => InteractionUnblockMarkdone {
        /// The interaction.
        interaction_id("interactionId"): String,
    } -> Done;
    /// Makes a single-step conference.
    "interaction.singleStepConference" => InteractionSingleStepConference {
        /// The interaction.
        interaction_id("interactionId"): String,
        /// The target.
        target_query("targetQuery"): TargetQuery;
        /// Attached data.
        user_data("userData"): UserData,
        /// Extensions.
        extensions("extensions"): UserData,
    } -> Done;
    /// Makes a single-step transfer.
    "interaction.singleStepTransfer" => InteractionSingleStepTransfer {
        /// The interaction.
        interaction_id("interactionId"): String,
        /// The target.
        target_query("targetQuery"): TargetQuery;
        /// Attached data.
        user_data("userData"): UserData,
        /// Extensions.
        extensions("extensions"): UserData,
    } -> Done;
    /// Accepts a ringing interaction.
    "interaction.accept" => InteractionAccept {
        /// The interaction.
        interaction_id("interactionId"): String,
    } -> Done;
    /// Rejects a ringing interaction.
    "interaction.reject" => InteractionReject {
        /// The interaction.
        interaction_id("interactionId"): String,
    } -> Done;

    // ---- media ----
    /// Gets the agent's media and their states.
    "media.getMediaList" => MediaGetMediaList {} -> Vec<Media>;
    /// Gets one media by name.
    "media.getMediaByName" => MediaGetMediaByName {
        /// The media name.
        name("name"): String,
    } -> Media;
    /// Sets the agent's state on one media.
    "media.setState" => MediaSetState {
        /// The media name.
        name("name"): String,
        /// An `operationName` from the state list.
        state_operation_name("stateOperationName"): String,
    } -> Done;

    // ---- system ----
    /// Whether the calling frame is visible.
    "system.amIVisible" => SystemAmIVisible {} -> bool;
    /// Closes a dialog opened by `openDialog`.
    "system.closeDialog" => SystemCloseDialog {
        /// The dialog id.
        dialog_id("dialogId"): String,
    } -> bool;
    /// Closes a toast.
    "system.closeToast" => SystemCloseToast {
        /// The toast id returned by `popupToast`.
        id("id"): String,
    } -> bool;
    /// Removes a view from the application menu bar.
    "system.closeViewInApplicationMenuBar" => SystemCloseViewInApplicationMenuBar {
        /// The view name.
        name("name"): String,
    } -> bool;
    /// The requests the caller's origin may send.
    "system.getAllowedServices" => SystemGetAllowedServices {} -> Vec<String>;
    /// Whether this frame is the leader.
    "system.isFrameLeading" => SystemIsFrameLeading {} -> bool;
    /// Whether this frame is a follower.
    "system.isFrameFollowing" => SystemIsFrameFollowing {} -> bool;
    /// Whether a leader election is in progress.
    "system.isFrameNegotiating" => SystemIsFrameNegotiating {} -> bool;
    /// Whether this frame leads or an election is in progress.
    "system.isFrameLeadingOrNegotiating" => SystemIsFrameLeadingOrNegotiating {} -> bool;
    /// Whether this frame was the last active one.
    "system.isLastActiveFrame" => SystemIsLastActiveFrame {} -> bool;
    /// Opens a dialog; answers its id, or null when the URL is not defined.
    "system.openDialog" => SystemOpenDialog {
        /// The URL of the dialog content.
        url("url"): String,
        /// The dialog options (must not be null).
        options("options"): DialogOptions,
    } -> Option<String>;
    /// Pops up a custom toast; answers its id.
    "system.popupToast" => SystemPopupToast {
        /// The toast.
        parameters("parameters"): ToastParameters,
    } -> String;
    /// Marks the agent active (resets inactivity timers).
    "system.triggerActivity" => SystemTriggerActivity {} -> Done;
    /// Adds or updates a view in the application menu bar; answers the view name.
    "system.updateViewInApplicationMenuBar" => SystemUpdateViewInApplicationMenuBar {
        /// The view.
        parameters("parameters"): ApplicationMenuView,
    } -> String;
    /// Updates a toast.
    "system.updateToast" => SystemUpdateToast {
        /// The toast id.
        id("id"): String,
        /// The new parameters.
        parameters("parameters"): ToastParameters,
    } -> bool;

    // ---- voice ----
    /// Answers a call.
    "voice.answer" => VoiceAnswer {
        /// The interaction.
        interaction_id("interactionId"): String,
    } -> Done;
    /// Dials a number as Team Communicator does.
    "voice.dial" => VoiceDial {
        /// The number.
        destination("destination"): String;
        /// Attached data.
        user_data("userData"): UserData,
    } -> Done;
    /// Dials with attached data and extensions.
    "voice.dialEx" => VoiceDialEx {
        /// The number.
        destination("destination"): String;
        /// Attached data.
        user_data("userData"): UserData,
        /// Extensions.
        extensions("extensions"): UserData,
    } -> Done;
    /// Hangs up.
    "voice.hangUp" => VoiceHangUp {
        /// The interaction.
        interaction_id("interactionId"): String,
    } -> Done;
    /// Holds.
    "voice.hold" => VoiceHold {
        /// The interaction.
        interaction_id("interactionId"): String,
    } -> Done;
    /// Resumes a held call.
    "voice.resume" => VoiceResume {
        /// The interaction.
        interaction_id("interactionId"): String,
    } -> Done;
    /// Pauses call recording.
    "voice.pauseCallRecording" => VoicePauseCallRecording {
        /// The interaction.
        interaction_id("interactionId"): String,
    } -> Done;
    /// Resumes call recording.
    "voice.resumeCallRecording" => VoiceResumeCallRecording {
        /// The interaction.
        interaction_id("interactionId"): String,
    } -> Done;
    /// Starts call recording.
    "voice.startCallRecording" => VoiceStartCallRecording {
        /// The interaction.
        interaction_id("interactionId"): String,
    } -> Done;
    /// Stops call recording.
    "voice.stopCallRecording" => VoiceStopCallRecording {
        /// The interaction.
        interaction_id("interactionId"): String,
    } -> Done;

    // ---- SIP endpoint: documented in the voice namespace (`voice.*`), sent by the published
    // library as `sipEndpoint.*`; both names are accepted, `sipEndpoint.*` is sent. ----
    /// Whether the SIP endpoint's microphone is muted.
    "sipEndpoint.isMicrophoneMute" | "voice.isMicrophoneMute" => SipEndpointIsMicrophoneMute {} -> bool;
    /// Mutes the microphone.
    "sipEndpoint.muteMicrophone" | "voice.muteMicrophone" => SipEndpointMuteMicrophone {} -> Done;
    /// Unmutes the microphone.
    "sipEndpoint.unmuteMicrophone" | "voice.unmuteMicrophone" => SipEndpointUnmuteMicrophone {} -> Done;
    /// Whether the speaker is muted.
    "sipEndpoint.isSpeakerMute" | "voice.isSpeakerMute" => SipEndpointIsSpeakerMute {} -> bool;
    /// Mutes the speaker.
    "sipEndpoint.muteSpeaker" | "voice.muteSpeaker" => SipEndpointMuteSpeaker {} -> Done;
    /// Unmutes the speaker.
    "sipEndpoint.unmuteSpeaker" | "voice.unmuteSpeaker" => SipEndpointUnmuteSpeaker {} -> Done;

    // ---- outbound ----
    /// The loaded or active campaigns.
    "outbound.getCampaigns" => OutboundGetCampaigns {} -> Campaigns;
    /// Pulls a preview record of a campaign (it arrives as interaction events).
    "outbound.getPreviewRecord" => OutboundGetPreviewRecord {
        /// The campaign.
        campaign_name("campaignName"): String,
    } -> Done;
    /// Calls a preview record.
    "outbound.callPreviewRecord" => OutboundCallPreviewRecord {
        /// The record's interaction.
        interaction_id("interactionId"): String,
        /// The record handle.
        record_handle("recordHandle"): i64,
    } -> Done;
    /// Rejects a preview record (documented without arguments; the library sends the id).
    "outbound.rejectPreviewRecord" => OutboundRejectPreviewRecord {
        ;
        /// The record's interaction.
        interaction_id("interactionId"): String,
    } -> Done;
    /// Cancels a preview record (documented without arguments; the library sends the id).
    "outbound.cancelPreviewRecord" => OutboundCancelPreviewRecord {
        ;
        /// The record's interaction.
        interaction_id("interactionId"): String,
    } -> Done;
    /// Starts direct push preview.
    "outbound.startDirectPushPreview" => OutboundStartDirectPushPreview {} -> Done;
    /// Stops direct push preview.
    "outbound.stopDirectPushPreview" => OutboundStopDirectPushPreview {} -> Done;
    /// The call results: name to number.
    "outbound.getListOfCallResults" => OutboundGetListOfCallResults {} -> CallResults;
    /// Sets the call result (not allowed when Do Not Call is set).
    "outbound.setCallResult" => OutboundSetCallResult {
        /// The record's interaction.
        interaction_id("interactionId"): String,
        /// A number from `getListOfCallResults` (the seed's string form is accepted too).
        call_result("callResult"): CallResultCode,
    } -> Done;
    /// Gets the call result.
    "outbound.getCallResult" => OutboundGetCallResult {
        /// The record's interaction.
        interaction_id("interactionId"): String,
    } -> i64;
    /// Sets Do Not Call.
    "outbound.setDoNotCall" => OutboundSetDoNotCall {
        /// The record's interaction.
        interaction_id("interactionId"): String,
    } -> Done;
    /// Removes Do Not Call.
    "outbound.removeDoNotCall" => OutboundRemoveDoNotCall {
        /// The record's interaction.
        interaction_id("interactionId"): String,
    } -> Done;
    /// Reschedules a record.
    "outbound.rescheduleRecord" => OutboundRescheduleRecord {
        /// The record's interaction.
        interaction_id("interactionId"): String,
        /// The record handle.
        record_handle("recordHandle"): i64,
        /// `MM/DD/YYYY HH:MM` in the record's time zone.
        reschedule_date("rescheduleDate"): String,
        /// Who calls back.
        callback_type("callbackType"): CallbackType,
    } -> Done;
    /// Cancels a reschedule.
    "outbound.cancelReschedule" => OutboundCancelReschedule {
        /// The record's interaction.
        interaction_id("interactionId"): String,
    } -> Done;
    /// Gets the chained records of an interaction.
    "outbound.getChainedRecords" => OutboundGetChainedRecords {
        /// The record's interaction.
        interaction_id("interactionId"): String,
    } -> Vec<ChainedRecords>;
    /// Gets the record's fields.
    "outbound.getRecordFields" => OutboundGetRecordFields {
        /// The record's interaction.
        interaction_id("interactionId"): String,
    } -> Vec<Field>;
    /// Updates record fields (sent to OCS at mark done).
    "outbound.updateRecordFields" => OutboundUpdateRecordFields {
        /// The record's interaction.
        interaction_id("interactionId"): String,
        /// Field name to new value, typed as each field's `valueType`.
        record_data("recordData"): UserData,
    } -> Done;

    // ---- auth ----
    /// Gets a JWT (the origin must name `auth.getJwtToken` explicitly).
    "auth.getJwtToken" => AuthGetJwtToken {} -> JwtToken;

    // ---- messenger ----
    /// Broadcasts a message to the subscribers of `messenger:<channel>`.
    "messenger.broadcastMessage" => MessengerBroadcastMessage {
        /// The channel.
        channel("channel"): String,
        /// Any JSON message.
        message("message"): Value,
    } -> Done;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scapi::types::{Target, TargetKey, TargetType};

    #[test]
    fn trailing_optional_parameters_are_omitted() {
        let r = VoiceDialEx { destination: "5001".into(), user_data: None, extensions: None };
        assert_eq!(serde_json::to_value(&r).unwrap(), serde_json::json!(["5001"]));
        let r = VoiceDialEx { destination: "5001".into(), user_data: None, extensions: Some(UserData::new()) };
        assert_eq!(serde_json::to_value(&r).unwrap(), serde_json::json!(["5001", null, {}]));
    }

    #[test]
    fn parameters_decode_with_arity_and_type_errors() {
        let raw: Vec<Box<RawValue>> = vec![RawValue::from_string("5".into()).unwrap()];
        let items: Vec<&RawValue> = raw.iter().map(|b| &**b).collect();
        let err = AgentSetState::decode_parameters(&items).unwrap_err();
        assert!(err.to_string().contains("stateOperationName"), "{err}");
        assert!(err.to_string().contains("parameters[0]"), "{err}");
        let err = AgentGet::decode_parameters(&items).unwrap_err();
        assert_eq!(err, DecodeError::Arity { request: "agent.get".into(), min: 0, max: 0, found: 1 });
    }

    #[test]
    fn serde_form_round_trips() {
        let r = InteractionConsult {
            interaction_id: "1".into(),
            target_query: TargetQuery::Target(Target {
                target_type: TargetType::Agent,
                destination: "emp1".into(),
                media: Some("voice".into()),
                key: TargetKey::Target,
            }),
            user_data: None,
            extensions: None,
        };
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v, serde_json::json!(["1", {"target": "AGENT", "destination": "emp1", "media": "voice"}]));
        let back: InteractionConsult = serde_json::from_value(v).unwrap();
        assert_eq!(back, r);
        assert!(serde_json::from_value::<InteractionConsult>(serde_json::json!(["1"])).is_err());
        assert!(serde_json::from_value::<InteractionConsult>(serde_json::json!(["1", "5", null, null, 1])).is_err());
    }
}
