//! The namespaces of the Service Client API as typed methods: `session.agent().get_state()`,
//! `session.interaction().set_user_data(id, data)`, `session.voice().dial(..)`, ... One method per
//! request of the catalog; the SIP endpoint calls live under [`Voice`] and go out as
//! `sipEndpoint.*`.

use std::time::Duration;

use cxwire_model::scapi::types::{
    Agent as AgentInfo, ApplicationMenuView, CallResultCode, CallResults, CallbackType, Campaigns, ChainedRecords,
    ConfigurationOptions, DialogOptions, Field, Interaction as InteractionInfo, JwtToken, Media, OptionQuery, State,
    TargetQuery, ToastParameters, UserData,
};
use cxwire_model::scapi::{self as m, Done, ServiceRequest};
use serde_json::Value;

use crate::{Caller, Session};

impl Session {
    /// The `agent` namespace.
    pub fn agent(&self) -> Agent<'_> {
        Agent { session: self, timeout: None }
    }
    /// The `configuration` namespace.
    pub fn configuration(&self) -> Configuration<'_> {
        Configuration { session: self, timeout: None }
    }
    /// The `email` namespace.
    pub fn email(&self) -> Email<'_> {
        Email { session: self, timeout: None }
    }
    /// The `interaction` namespace.
    pub fn interaction(&self) -> Interaction<'_> {
        Interaction { session: self, timeout: None }
    }
    /// The `media` namespace.
    pub fn media(&self) -> MediaNs<'_> {
        MediaNs { session: self, timeout: None }
    }
    /// The `system` namespace.
    pub fn system(&self) -> System<'_> {
        System { session: self, timeout: None }
    }
    /// The `voice` namespace (and the SIP endpoint calls).
    pub fn voice(&self) -> Voice<'_> {
        Voice { session: self, timeout: None }
    }
    /// The `outbound` namespace.
    pub fn outbound(&self) -> Outbound<'_> {
        Outbound { session: self, timeout: None }
    }
    /// The `auth` namespace.
    pub fn auth(&self) -> Auth<'_> {
        Auth { session: self, timeout: None }
    }
    /// The `messenger` namespace.
    pub fn messenger(&self) -> Messenger<'_> {
        Messenger { session: self, timeout: None }
    }
}

/// The `agent` namespace of a [`Session`].
#[derive(Clone, Copy, Debug)]
pub struct Agent<'s, C = Session> {
    session: &'s C,
    timeout: Option<Duration>,
}

impl<'s, C: Caller> Agent<'s, C> {
    /// Uses this timeout for the calls made through this value instead of the session's.
    #[must_use]
    pub fn with_timeout(self, timeout: Duration) -> Self {
        Self { timeout: Some(timeout), ..self }
    }

    /// A namespace of any [`Caller`]: a [`Session`], or a desktop reached another way.
    pub fn new(caller: &'s C) -> Self {
        Self { session: caller, timeout: None }
    }

    async fn call<R: ServiceRequest>(&self, request: R) -> Result<R::Response, C::Error> {
        self.session.call_typed(request, self.timeout).await
    }

    /// `agent.get`: see [`m::AgentGet`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn get(&self) -> Result<AgentInfo, C::Error> {
        self.call(m::AgentGet {}).await
    }

    /// `agent.getState`: see [`m::AgentGetState`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn get_state(&self) -> Result<State, C::Error> {
        self.call(m::AgentGetState {}).await
    }

    /// `agent.getStateList`: see [`m::AgentGetStateList`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn get_state_list(&self) -> Result<Vec<State>, C::Error> {
        self.call(m::AgentGetStateList {}).await
    }

    /// `agent.setState`: see [`m::AgentSetState`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn set_state(&self, state_operation_name: impl Into<String>) -> Result<(), C::Error> {
        self.call(m::AgentSetState { state_operation_name: state_operation_name.into() }).await.map(|_: Done| ())
    }
}

/// The `configuration` namespace of a [`Session`].
#[derive(Clone, Copy, Debug)]
pub struct Configuration<'s, C = Session> {
    session: &'s C,
    timeout: Option<Duration>,
}

impl<'s, C: Caller> Configuration<'s, C> {
    /// Uses this timeout for the calls made through this value instead of the session's.
    #[must_use]
    pub fn with_timeout(self, timeout: Duration) -> Self {
        Self { timeout: Some(timeout), ..self }
    }

    /// A namespace of any [`Caller`]: a [`Session`], or a desktop reached another way.
    pub fn new(caller: &'s C) -> Self {
        Self { session: caller, timeout: None }
    }

    async fn call<R: ServiceRequest>(&self, request: R) -> Result<R::Response, C::Error> {
        self.session.call_typed(request, self.timeout).await
    }

    /// `configuration.getOption`: see [`m::ConfigurationGetOption`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn get_option(&self, options: impl Into<OptionQuery>) -> Result<ConfigurationOptions, C::Error> {
        self.call(m::ConfigurationGetOption { options: options.into() }).await
    }

    /// `configuration.getContextualOption`: see [`m::ConfigurationGetContextualOption`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn get_contextual_option(
        &self,
        options: impl Into<OptionQuery>,
        interaction_id: impl Into<String>,
    ) -> Result<ConfigurationOptions, C::Error> {
        self.call(m::ConfigurationGetContextualOption {
            options: options.into(),
            interaction_id: interaction_id.into(),
        })
        .await
    }
}

/// The `email` namespace of a [`Session`].
#[derive(Clone, Copy, Debug)]
pub struct Email<'s, C = Session> {
    session: &'s C,
    timeout: Option<Duration>,
}

impl<'s, C: Caller> Email<'s, C> {
    /// Uses this timeout for the calls made through this value instead of the session's.
    #[must_use]
    pub fn with_timeout(self, timeout: Duration) -> Self {
        Self { timeout: Some(timeout), ..self }
    }

    /// A namespace of any [`Caller`]: a [`Session`], or a desktop reached another way.
    pub fn new(caller: &'s C) -> Self {
        Self { session: caller, timeout: None }
    }

    async fn call<R: ServiceRequest>(&self, request: R) -> Result<R::Response, C::Error> {
        self.session.call_typed(request, self.timeout).await
    }

    /// `email.create`: see [`m::EmailCreate`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn create(&self, destination: impl Into<String>, user_data: Option<UserData>) -> Result<(), C::Error> {
        self.call(m::EmailCreate { destination: destination.into(), user_data }).await.map(|_: Done| ())
    }
}

/// The `interaction` namespace of a [`Session`].
#[derive(Clone, Copy, Debug)]
pub struct Interaction<'s, C = Session> {
    session: &'s C,
    timeout: Option<Duration>,
}

impl<'s, C: Caller> Interaction<'s, C> {
    /// Uses this timeout for the calls made through this value instead of the session's.
    #[must_use]
    pub fn with_timeout(self, timeout: Duration) -> Self {
        Self { timeout: Some(timeout), ..self }
    }

    /// A namespace of any [`Caller`]: a [`Session`], or a desktop reached another way.
    pub fn new(caller: &'s C) -> Self {
        Self { session: caller, timeout: None }
    }

    async fn call<R: ServiceRequest>(&self, request: R) -> Result<R::Response, C::Error> {
        self.session.call_typed(request, self.timeout).await
    }

    /// `interaction.completeConference`: see [`m::InteractionCompleteConference`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn complete_conference(&self, consult_interaction_id: impl Into<String>) -> Result<(), C::Error> {
        self.call(m::InteractionCompleteConference { consult_interaction_id: consult_interaction_id.into() })
            .await
            .map(|_: Done| ())
    }

    /// `interaction.completeTransfer`: see [`m::InteractionCompleteTransfer`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn complete_transfer(&self, consult_interaction_id: impl Into<String>) -> Result<(), C::Error> {
        self.call(m::InteractionCompleteTransfer { consult_interaction_id: consult_interaction_id.into() })
            .await
            .map(|_: Done| ())
    }

    /// `interaction.consult`: see [`m::InteractionConsult`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn consult(
        &self,
        interaction_id: impl Into<String>,
        target_query: TargetQuery,
        user_data: Option<UserData>,
        extensions: Option<UserData>,
    ) -> Result<(), C::Error> {
        self.call(m::InteractionConsult { interaction_id: interaction_id.into(), target_query, user_data, extensions })
            .await
            .map(|_: Done| ())
    }

    /// `interaction.deleteUserData`: see [`m::InteractionDeleteUserData`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn delete_user_data(
        &self,
        interaction_id: impl Into<String>,
        key: impl Into<String>,
    ) -> Result<(), C::Error> {
        self.call(m::InteractionDeleteUserData { interaction_id: interaction_id.into(), key: key.into() })
            .await
            .map(|_: Done| ())
    }

    /// `interaction.getByInteractionId`: see [`m::InteractionGetByInteractionId`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn get_by_interaction_id(
        &self,
        interaction_id: impl Into<String>,
    ) -> Result<Option<Box<InteractionInfo>>, C::Error> {
        self.call(m::InteractionGetByInteractionId { interaction_id: interaction_id.into() }).await
    }

    /// `interaction.getInteractions`: see [`m::InteractionGetInteractions`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn get_interactions(&self) -> Result<Vec<InteractionInfo>, C::Error> {
        self.call(m::InteractionGetInteractions {}).await
    }

    /// `interaction.selectCaseByCaseId`: see [`m::InteractionSelectCaseByCaseId`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn select_case_by_case_id(&self, case_id: impl Into<String>) -> Result<(), C::Error> {
        self.call(m::InteractionSelectCaseByCaseId { case_id: case_id.into() }).await.map(|_: Done| ())
    }

    /// `interaction.setUserData`: see [`m::InteractionSetUserData`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn set_user_data(&self, interaction_id: impl Into<String>, key_values: UserData) -> Result<(), C::Error> {
        self.call(m::InteractionSetUserData { interaction_id: interaction_id.into(), key_values })
            .await
            .map(|_: Done| ())
    }

    /// `interaction.markdone`: see [`m::InteractionMarkdone`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn markdone(&self, interaction_id: impl Into<String>) -> Result<(), C::Error> {
        self.call(m::InteractionMarkdone { interaction_id: interaction_id.into() }).await.map(|_: Done| ())
    }

    /// `interaction.blockMarkdone`: see [`m::InteractionBlockMarkdone`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn block_markdone(
        &self,
        interaction_id: impl Into<String>,
        warning_message: impl Into<String>,
    ) -> Result<(), C::Error> {
        self.call(m::InteractionBlockMarkdone {
            interaction_id: interaction_id.into(),
            warning_message: warning_message.into(),
        })
        .await
        .map(|_: Done| ())
    }

    /// `interaction.unblockMarkdone`: see [`m::InteractionUnblockMarkdone`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn unblock_markdone(&self, interaction_id: impl Into<String>) -> Result<(), C::Error> {
        self.call(m::InteractionUnblockMarkdone { interaction_id: interaction_id.into() }).await.map(|_: Done| ())
    }

    /// `interaction.singleStepConference`: see [`m::InteractionSingleStepConference`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn single_step_conference(
        &self,
        interaction_id: impl Into<String>,
        target_query: TargetQuery,
        user_data: Option<UserData>,
        extensions: Option<UserData>,
    ) -> Result<(), C::Error> {
        self.call(m::InteractionSingleStepConference {
            interaction_id: interaction_id.into(),
            target_query,
            user_data,
            extensions,
        })
        .await
        .map(|_: Done| ())
    }

    /// `interaction.singleStepTransfer`: see [`m::InteractionSingleStepTransfer`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn single_step_transfer(
        &self,
        interaction_id: impl Into<String>,
        target_query: TargetQuery,
        user_data: Option<UserData>,
        extensions: Option<UserData>,
    ) -> Result<(), C::Error> {
        self.call(m::InteractionSingleStepTransfer {
            interaction_id: interaction_id.into(),
            target_query,
            user_data,
            extensions,
        })
        .await
        .map(|_: Done| ())
    }

    /// `interaction.accept`: see [`m::InteractionAccept`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn accept(&self, interaction_id: impl Into<String>) -> Result<(), C::Error> {
        self.call(m::InteractionAccept { interaction_id: interaction_id.into() }).await.map(|_: Done| ())
    }

    /// `interaction.reject`: see [`m::InteractionReject`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn reject(&self, interaction_id: impl Into<String>) -> Result<(), C::Error> {
        self.call(m::InteractionReject { interaction_id: interaction_id.into() }).await.map(|_: Done| ())
    }
}

/// The `media` namespace of a [`Session`].
#[derive(Clone, Copy, Debug)]
pub struct MediaNs<'s, C = Session> {
    session: &'s C,
    timeout: Option<Duration>,
}

impl<'s, C: Caller> MediaNs<'s, C> {
    /// Uses this timeout for the calls made through this value instead of the session's.
    #[must_use]
    pub fn with_timeout(self, timeout: Duration) -> Self {
        Self { timeout: Some(timeout), ..self }
    }

    /// A namespace of any [`Caller`]: a [`Session`], or a desktop reached another way.
    pub fn new(caller: &'s C) -> Self {
        Self { session: caller, timeout: None }
    }

    async fn call<R: ServiceRequest>(&self, request: R) -> Result<R::Response, C::Error> {
        self.session.call_typed(request, self.timeout).await
    }

    /// `media.getMediaList`: see [`m::MediaGetMediaList`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn get_media_list(&self) -> Result<Vec<Media>, C::Error> {
        self.call(m::MediaGetMediaList {}).await
    }

    /// `media.getMediaByName`: see [`m::MediaGetMediaByName`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn get_media_by_name(&self, name: impl Into<String>) -> Result<Media, C::Error> {
        self.call(m::MediaGetMediaByName { name: name.into() }).await
    }

    /// `media.setState`: see [`m::MediaSetState`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn set_state(
        &self,
        name: impl Into<String>,
        state_operation_name: impl Into<String>,
    ) -> Result<(), C::Error> {
        self.call(m::MediaSetState { name: name.into(), state_operation_name: state_operation_name.into() })
            .await
            .map(|_: Done| ())
    }
}

/// The `system` namespace of a [`Session`].
#[derive(Clone, Copy, Debug)]
pub struct System<'s, C = Session> {
    session: &'s C,
    timeout: Option<Duration>,
}

impl<'s, C: Caller> System<'s, C> {
    /// Uses this timeout for the calls made through this value instead of the session's.
    #[must_use]
    pub fn with_timeout(self, timeout: Duration) -> Self {
        Self { timeout: Some(timeout), ..self }
    }

    /// A namespace of any [`Caller`]: a [`Session`], or a desktop reached another way.
    pub fn new(caller: &'s C) -> Self {
        Self { session: caller, timeout: None }
    }

    async fn call<R: ServiceRequest>(&self, request: R) -> Result<R::Response, C::Error> {
        self.session.call_typed(request, self.timeout).await
    }

    /// `system.amIVisible`: see [`m::SystemAmIVisible`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn am_i_visible(&self) -> Result<bool, C::Error> {
        self.call(m::SystemAmIVisible {}).await
    }

    /// `system.closeDialog`: see [`m::SystemCloseDialog`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn close_dialog(&self, dialog_id: impl Into<String>) -> Result<bool, C::Error> {
        self.call(m::SystemCloseDialog { dialog_id: dialog_id.into() }).await
    }

    /// `system.closeToast`: see [`m::SystemCloseToast`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn close_toast(&self, id: impl Into<String>) -> Result<bool, C::Error> {
        self.call(m::SystemCloseToast { id: id.into() }).await
    }

    /// `system.closeViewInApplicationMenuBar`: see [`m::SystemCloseViewInApplicationMenuBar`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn close_view_in_application_menu_bar(&self, name: impl Into<String>) -> Result<bool, C::Error> {
        self.call(m::SystemCloseViewInApplicationMenuBar { name: name.into() }).await
    }

    /// `system.getAllowedServices`: see [`m::SystemGetAllowedServices`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn get_allowed_services(&self) -> Result<Vec<String>, C::Error> {
        self.call(m::SystemGetAllowedServices {}).await
    }

    /// `system.isFrameLeading`: see [`m::SystemIsFrameLeading`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn is_frame_leading(&self) -> Result<bool, C::Error> {
        self.call(m::SystemIsFrameLeading {}).await
    }

    /// `system.isFrameFollowing`: see [`m::SystemIsFrameFollowing`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn is_frame_following(&self) -> Result<bool, C::Error> {
        self.call(m::SystemIsFrameFollowing {}).await
    }

    /// `system.isFrameNegotiating`: see [`m::SystemIsFrameNegotiating`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn is_frame_negotiating(&self) -> Result<bool, C::Error> {
        self.call(m::SystemIsFrameNegotiating {}).await
    }

    /// `system.isFrameLeadingOrNegotiating`: see [`m::SystemIsFrameLeadingOrNegotiating`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn is_frame_leading_or_negotiating(&self) -> Result<bool, C::Error> {
        self.call(m::SystemIsFrameLeadingOrNegotiating {}).await
    }

    /// `system.isLastActiveFrame`: see [`m::SystemIsLastActiveFrame`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn is_last_active_frame(&self) -> Result<bool, C::Error> {
        self.call(m::SystemIsLastActiveFrame {}).await
    }

    /// `system.openDialog`: see [`m::SystemOpenDialog`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn open_dialog(
        &self,
        url: impl Into<String>,
        options: DialogOptions,
    ) -> Result<Option<String>, C::Error> {
        self.call(m::SystemOpenDialog { url: url.into(), options }).await
    }

    /// `system.popupToast`: see [`m::SystemPopupToast`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn popup_toast(&self, parameters: ToastParameters) -> Result<String, C::Error> {
        self.call(m::SystemPopupToast { parameters }).await
    }

    /// `system.triggerActivity`: see [`m::SystemTriggerActivity`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn trigger_activity(&self) -> Result<(), C::Error> {
        self.call(m::SystemTriggerActivity {}).await.map(|_: Done| ())
    }

    /// `system.updateViewInApplicationMenuBar`: see [`m::SystemUpdateViewInApplicationMenuBar`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn update_view_in_application_menu_bar(
        &self,
        parameters: ApplicationMenuView,
    ) -> Result<String, C::Error> {
        self.call(m::SystemUpdateViewInApplicationMenuBar { parameters }).await
    }

    /// `system.updateToast`: see [`m::SystemUpdateToast`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn update_toast(&self, id: impl Into<String>, parameters: ToastParameters) -> Result<bool, C::Error> {
        self.call(m::SystemUpdateToast { id: id.into(), parameters }).await
    }
}

/// The `voice` namespace of a [`Session`].
#[derive(Clone, Copy, Debug)]
pub struct Voice<'s, C = Session> {
    session: &'s C,
    timeout: Option<Duration>,
}

impl<'s, C: Caller> Voice<'s, C> {
    /// Uses this timeout for the calls made through this value instead of the session's.
    #[must_use]
    pub fn with_timeout(self, timeout: Duration) -> Self {
        Self { timeout: Some(timeout), ..self }
    }

    /// A namespace of any [`Caller`]: a [`Session`], or a desktop reached another way.
    pub fn new(caller: &'s C) -> Self {
        Self { session: caller, timeout: None }
    }

    async fn call<R: ServiceRequest>(&self, request: R) -> Result<R::Response, C::Error> {
        self.session.call_typed(request, self.timeout).await
    }

    /// `voice.answer`: see [`m::VoiceAnswer`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn answer(&self, interaction_id: impl Into<String>) -> Result<(), C::Error> {
        self.call(m::VoiceAnswer { interaction_id: interaction_id.into() }).await.map(|_: Done| ())
    }

    /// `voice.dial`: see [`m::VoiceDial`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn dial(&self, destination: impl Into<String>, user_data: Option<UserData>) -> Result<(), C::Error> {
        self.call(m::VoiceDial { destination: destination.into(), user_data }).await.map(|_: Done| ())
    }

    /// `voice.dialEx`: see [`m::VoiceDialEx`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn dial_ex(
        &self,
        destination: impl Into<String>,
        user_data: Option<UserData>,
        extensions: Option<UserData>,
    ) -> Result<(), C::Error> {
        self.call(m::VoiceDialEx { destination: destination.into(), user_data, extensions }).await.map(|_: Done| ())
    }

    /// `voice.hangUp`: see [`m::VoiceHangUp`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn hang_up(&self, interaction_id: impl Into<String>) -> Result<(), C::Error> {
        self.call(m::VoiceHangUp { interaction_id: interaction_id.into() }).await.map(|_: Done| ())
    }

    /// `voice.hold`: see [`m::VoiceHold`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn hold(&self, interaction_id: impl Into<String>) -> Result<(), C::Error> {
        self.call(m::VoiceHold { interaction_id: interaction_id.into() }).await.map(|_: Done| ())
    }

    /// `voice.resume`: see [`m::VoiceResume`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn resume(&self, interaction_id: impl Into<String>) -> Result<(), C::Error> {
        self.call(m::VoiceResume { interaction_id: interaction_id.into() }).await.map(|_: Done| ())
    }

    /// `voice.pauseCallRecording`: see [`m::VoicePauseCallRecording`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn pause_call_recording(&self, interaction_id: impl Into<String>) -> Result<(), C::Error> {
        self.call(m::VoicePauseCallRecording { interaction_id: interaction_id.into() }).await.map(|_: Done| ())
    }

    /// `voice.resumeCallRecording`: see [`m::VoiceResumeCallRecording`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn resume_call_recording(&self, interaction_id: impl Into<String>) -> Result<(), C::Error> {
        self.call(m::VoiceResumeCallRecording { interaction_id: interaction_id.into() }).await.map(|_: Done| ())
    }

    /// `voice.startCallRecording`: see [`m::VoiceStartCallRecording`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn start_call_recording(&self, interaction_id: impl Into<String>) -> Result<(), C::Error> {
        self.call(m::VoiceStartCallRecording { interaction_id: interaction_id.into() }).await.map(|_: Done| ())
    }

    /// `voice.stopCallRecording`: see [`m::VoiceStopCallRecording`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn stop_call_recording(&self, interaction_id: impl Into<String>) -> Result<(), C::Error> {
        self.call(m::VoiceStopCallRecording { interaction_id: interaction_id.into() }).await.map(|_: Done| ())
    }

    /// `sipEndpoint.isMicrophoneMute`: see [`m::SipEndpointIsMicrophoneMute`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn is_microphone_mute(&self) -> Result<bool, C::Error> {
        self.call(m::SipEndpointIsMicrophoneMute {}).await
    }

    /// `sipEndpoint.muteMicrophone`: see [`m::SipEndpointMuteMicrophone`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn mute_microphone(&self) -> Result<(), C::Error> {
        self.call(m::SipEndpointMuteMicrophone {}).await.map(|_: Done| ())
    }

    /// `sipEndpoint.unmuteMicrophone`: see [`m::SipEndpointUnmuteMicrophone`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn unmute_microphone(&self) -> Result<(), C::Error> {
        self.call(m::SipEndpointUnmuteMicrophone {}).await.map(|_: Done| ())
    }

    /// `sipEndpoint.isSpeakerMute`: see [`m::SipEndpointIsSpeakerMute`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn is_speaker_mute(&self) -> Result<bool, C::Error> {
        self.call(m::SipEndpointIsSpeakerMute {}).await
    }

    /// `sipEndpoint.muteSpeaker`: see [`m::SipEndpointMuteSpeaker`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn mute_speaker(&self) -> Result<(), C::Error> {
        self.call(m::SipEndpointMuteSpeaker {}).await.map(|_: Done| ())
    }

    /// `sipEndpoint.unmuteSpeaker`: see [`m::SipEndpointUnmuteSpeaker`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn unmute_speaker(&self) -> Result<(), C::Error> {
        self.call(m::SipEndpointUnmuteSpeaker {}).await.map(|_: Done| ())
    }
}

/// The `outbound` namespace of a [`Session`].
#[derive(Clone, Copy, Debug)]
pub struct Outbound<'s, C = Session> {
    session: &'s C,
    timeout: Option<Duration>,
}

impl<'s, C: Caller> Outbound<'s, C> {
    /// Uses this timeout for the calls made through this value instead of the session's.
    #[must_use]
    pub fn with_timeout(self, timeout: Duration) -> Self {
        Self { timeout: Some(timeout), ..self }
    }

    /// A namespace of any [`Caller`]: a [`Session`], or a desktop reached another way.
    pub fn new(caller: &'s C) -> Self {
        Self { session: caller, timeout: None }
    }

    async fn call<R: ServiceRequest>(&self, request: R) -> Result<R::Response, C::Error> {
        self.session.call_typed(request, self.timeout).await
    }

    /// `outbound.getCampaigns`: see [`m::OutboundGetCampaigns`]. The answer's shape is not
    /// documented: a list of campaigns, or any other shape kept as received.
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn get_campaigns(&self) -> Result<Campaigns, C::Error> {
        self.call(m::OutboundGetCampaigns {}).await
    }

    /// `outbound.getPreviewRecord`: see [`m::OutboundGetPreviewRecord`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn get_preview_record(&self, campaign_name: impl Into<String>) -> Result<(), C::Error> {
        self.call(m::OutboundGetPreviewRecord { campaign_name: campaign_name.into() }).await.map(|_: Done| ())
    }

    /// `outbound.callPreviewRecord`: see [`m::OutboundCallPreviewRecord`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn call_preview_record(
        &self,
        interaction_id: impl Into<String>,
        record_handle: i64,
    ) -> Result<(), C::Error> {
        self.call(m::OutboundCallPreviewRecord { interaction_id: interaction_id.into(), record_handle })
            .await
            .map(|_: Done| ())
    }

    /// `outbound.rejectPreviewRecord`: see [`m::OutboundRejectPreviewRecord`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn reject_preview_record(&self, interaction_id: Option<String>) -> Result<(), C::Error> {
        self.call(m::OutboundRejectPreviewRecord { interaction_id }).await.map(|_: Done| ())
    }

    /// `outbound.cancelPreviewRecord`: see [`m::OutboundCancelPreviewRecord`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn cancel_preview_record(&self, interaction_id: Option<String>) -> Result<(), C::Error> {
        self.call(m::OutboundCancelPreviewRecord { interaction_id }).await.map(|_: Done| ())
    }

    /// `outbound.startDirectPushPreview`: see [`m::OutboundStartDirectPushPreview`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn start_direct_push_preview(&self) -> Result<(), C::Error> {
        self.call(m::OutboundStartDirectPushPreview {}).await.map(|_: Done| ())
    }

    /// `outbound.stopDirectPushPreview`: see [`m::OutboundStopDirectPushPreview`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn stop_direct_push_preview(&self) -> Result<(), C::Error> {
        self.call(m::OutboundStopDirectPushPreview {}).await.map(|_: Done| ())
    }

    /// `outbound.getListOfCallResults`: see [`m::OutboundGetListOfCallResults`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn get_list_of_call_results(&self) -> Result<CallResults, C::Error> {
        self.call(m::OutboundGetListOfCallResults {}).await
    }

    /// `outbound.setCallResult`: see [`m::OutboundSetCallResult`]. An `i64` is sent as a number,
    /// as the library does.
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn set_call_result(
        &self,
        interaction_id: impl Into<String>,
        call_result: impl Into<CallResultCode>,
    ) -> Result<(), C::Error> {
        self.call(m::OutboundSetCallResult { interaction_id: interaction_id.into(), call_result: call_result.into() })
            .await
            .map(|_: Done| ())
    }

    /// `outbound.getCallResult`: see [`m::OutboundGetCallResult`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn get_call_result(&self, interaction_id: impl Into<String>) -> Result<i64, C::Error> {
        self.call(m::OutboundGetCallResult { interaction_id: interaction_id.into() }).await
    }

    /// `outbound.setDoNotCall`: see [`m::OutboundSetDoNotCall`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn set_do_not_call(&self, interaction_id: impl Into<String>) -> Result<(), C::Error> {
        self.call(m::OutboundSetDoNotCall { interaction_id: interaction_id.into() }).await.map(|_: Done| ())
    }

    /// `outbound.removeDoNotCall`: see [`m::OutboundRemoveDoNotCall`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn remove_do_not_call(&self, interaction_id: impl Into<String>) -> Result<(), C::Error> {
        self.call(m::OutboundRemoveDoNotCall { interaction_id: interaction_id.into() }).await.map(|_: Done| ())
    }

    /// `outbound.rescheduleRecord`: see [`m::OutboundRescheduleRecord`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn reschedule_record(
        &self,
        interaction_id: impl Into<String>,
        record_handle: i64,
        reschedule_date: impl Into<String>,
        callback_type: CallbackType,
    ) -> Result<(), C::Error> {
        self.call(m::OutboundRescheduleRecord {
            interaction_id: interaction_id.into(),
            record_handle,
            reschedule_date: reschedule_date.into(),
            callback_type,
        })
        .await
        .map(|_: Done| ())
    }

    /// `outbound.cancelReschedule`: see [`m::OutboundCancelReschedule`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn cancel_reschedule(&self, interaction_id: impl Into<String>) -> Result<(), C::Error> {
        self.call(m::OutboundCancelReschedule { interaction_id: interaction_id.into() }).await.map(|_: Done| ())
    }

    /// `outbound.getChainedRecords`: see [`m::OutboundGetChainedRecords`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn get_chained_records(
        &self,
        interaction_id: impl Into<String>,
    ) -> Result<Vec<ChainedRecords>, C::Error> {
        self.call(m::OutboundGetChainedRecords { interaction_id: interaction_id.into() }).await
    }

    /// `outbound.getRecordFields`: see [`m::OutboundGetRecordFields`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn get_record_fields(&self, interaction_id: impl Into<String>) -> Result<Vec<Field>, C::Error> {
        self.call(m::OutboundGetRecordFields { interaction_id: interaction_id.into() }).await
    }

    /// `outbound.updateRecordFields`: see [`m::OutboundUpdateRecordFields`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn update_record_fields(
        &self,
        interaction_id: impl Into<String>,
        record_data: UserData,
    ) -> Result<(), C::Error> {
        self.call(m::OutboundUpdateRecordFields { interaction_id: interaction_id.into(), record_data })
            .await
            .map(|_: Done| ())
    }
}

/// The `auth` namespace of a [`Session`].
#[derive(Clone, Copy, Debug)]
pub struct Auth<'s, C = Session> {
    session: &'s C,
    timeout: Option<Duration>,
}

impl<'s, C: Caller> Auth<'s, C> {
    /// Uses this timeout for the calls made through this value instead of the session's.
    #[must_use]
    pub fn with_timeout(self, timeout: Duration) -> Self {
        Self { timeout: Some(timeout), ..self }
    }

    /// A namespace of any [`Caller`]: a [`Session`], or a desktop reached another way.
    pub fn new(caller: &'s C) -> Self {
        Self { session: caller, timeout: None }
    }

    async fn call<R: ServiceRequest>(&self, request: R) -> Result<R::Response, C::Error> {
        self.session.call_typed(request, self.timeout).await
    }

    /// `auth.getJwtToken`: see [`m::AuthGetJwtToken`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn get_jwt_token(&self) -> Result<JwtToken, C::Error> {
        self.call(m::AuthGetJwtToken {}).await
    }
}

/// The `messenger` namespace of a [`Session`].
#[derive(Clone, Copy, Debug)]
pub struct Messenger<'s, C = Session> {
    session: &'s C,
    timeout: Option<Duration>,
}

impl<'s, C: Caller> Messenger<'s, C> {
    /// Uses this timeout for the calls made through this value instead of the session's.
    #[must_use]
    pub fn with_timeout(self, timeout: Duration) -> Self {
        Self { timeout: Some(timeout), ..self }
    }

    /// A namespace of any [`Caller`]: a [`Session`], or a desktop reached another way.
    pub fn new(caller: &'s C) -> Self {
        Self { session: caller, timeout: None }
    }

    async fn call<R: ServiceRequest>(&self, request: R) -> Result<R::Response, C::Error> {
        self.session.call_typed(request, self.timeout).await
    }

    /// `messenger.broadcastMessage`: see [`m::MessengerBroadcastMessage`].
    ///
    /// # Errors
    /// As [`Session::call`].
    pub async fn broadcast_message(&self, channel: impl Into<String>, message: Value) -> Result<(), C::Error> {
        self.call(m::MessengerBroadcastMessage { channel: channel.into(), message }).await.map(|_: Done| ())
    }
}
