//! Scenario files: a script of control actions with delays, in JSON.
//!
//! ```json
//! {"steps": [
//!   {"afterMs": 0,    "action": "campaign", "campaign": "Offer of the Month", "change": "CampaignStarted", "mode": "Preview"},
//!   {"afterMs": 1000, "action": "inboundCall", "ani": "+14155550123", "dnis": "5001", "userData": {"Segment": "Gold"}},
//!   {"afterMs": 500,  "action": "chat", "from": "web visitor"},
//!   {"afterMs": 500,  "action": "previewRecord", "mode": "Pull Preview", "campaign": "Offer of the Month"},
//!   {"afterMs": 500,  "action": "realtimeConnection", "state": "DISCONNECTED"}
//! ]}
//! ```
//!
//! Each step waits `afterMs` milliseconds after the previous one, then acts.

use std::time::Duration;

use cxwire_model::scapi::types::UserData;
use cxwire_model::scapi::{OutboundEventType, RealtimeConnectionState};
use serde::{Deserialize, Serialize};

use crate::outbound::PreviewMode;
use crate::{RemoteAction, SimControl, SimError};

/// A scenario: steps run in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// The steps.
    pub steps: Vec<ScenarioStep>,
}

/// One step: a delay, then an action.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScenarioStep {
    /// Milliseconds to wait after the previous step.
    #[serde(default)]
    pub after_ms: u64,
    /// The agent whose desktop the action is for (employee id or user name); the first agent
    /// when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// What happens.
    #[serde(flatten)]
    pub action: Action,
}

/// One action for an agent's desktop, as `POST /control/action` takes it: the action's fields
/// and an optional `"agent"` (employee id or user name; the first agent when absent).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ControlAction {
    /// The agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// What happens.
    #[serde(flatten)]
    pub action: Action,
}

/// What a step does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "camelCase", deny_unknown_fields)]
pub enum Action {
    /// An inbound voice call rings.
    #[serde(rename_all = "camelCase")]
    InboundCall {
        /// The caller's number.
        ani: String,
        /// The dialed number.
        #[serde(default)]
        dnis: String,
        /// Attached data.
        #[serde(default)]
        user_data: UserData,
    },
    /// A chat invitation arrives.
    #[serde(rename_all = "camelCase")]
    Chat {
        /// Who writes.
        from: String,
        /// Attached data.
        #[serde(default)]
        user_data: UserData,
    },
    /// An email invitation arrives.
    #[serde(rename_all = "camelCase")]
    Email {
        /// The sender.
        from: String,
        /// Attached data.
        #[serde(default)]
        user_data: UserData,
    },
    /// A preview record: queued for `getPreviewRecord` with a campaign, else pushed now.
    #[serde(rename_all = "camelCase")]
    PreviewRecord {
        /// `Pull Preview`, `Regular Push Preview` or `Direct Push Preview`.
        mode: String,
        /// The campaign (pull preview).
        #[serde(default)]
        campaign: Option<String>,
    },
    /// A campaign is loaded, started, stopped or unloaded.
    #[serde(rename_all = "camelCase")]
    Campaign {
        /// The campaign name.
        campaign: String,
        /// `CampaignLoaded`, `CampaignStarted`, `CampaignStopped` or `CampaignUnloaded`.
        change: OutboundEventType,
        /// The dialing mode (`CampaignStarted`).
        #[serde(default)]
        mode: Option<String>,
    },
    /// The real-time connection changes.
    RealtimeConnection {
        /// `DISCONNECTED`, `RECONNECTED` or `DOWN`.
        state: RealtimeConnectionState,
    },
    /// The agent clicks a toast button.
    #[serde(rename_all = "camelCase")]
    ToastClick {
        /// The toast id.
        toast: String,
        /// The 0-based button index.
        button: u32,
    },
    /// The agent dismisses toast `toast` (its dismiss button): it closes, with no event.
    ToastDismiss {
        /// The toast id.
        toast: String,
    },
    /// The far end of an interaction acts ([`RemoteAction`]): `{"action": "remote",
    /// "interactionId": "3", "remote": "hangUp"}`, or `"remote": {"chatMessage": "Hello"}`.
    #[serde(rename_all = "camelCase")]
    Remote {
        /// The interaction.
        interaction_id: String,
        /// What the far end does.
        remote: RemoteAction,
    },
}

impl Scenario {
    /// Parses a scenario file.
    ///
    /// # Errors
    /// [`ConfigError`](crate::ConfigError) when the text is not JSON or not a scenario, with the
    /// JSON path of the fault.
    pub fn from_json(text: &str) -> Result<Self, crate::ConfigError> {
        crate::ConfigError::parse(text)
    }
}

impl SimControl {
    /// Runs a scenario: each step waits its delay, then acts. Returns the interaction ids the
    /// steps created, in order.
    ///
    /// # Errors
    /// A step was refused (its index and why), or the simulator stopped.
    pub async fn run_scenario(&self, scenario: &Scenario) -> Result<Vec<String>, SimError> {
        let mut created = Vec::new();
        for (index, step) in scenario.steps.iter().enumerate() {
            if step.after_ms > 0 {
                tokio::time::sleep(Duration::from_millis(step.after_ms)).await;
            }
            let refused = |e: SimError| SimError::Refused(format!("scenario step {index}: {e}"));
            let control = match &step.agent {
                Some(agent) => self.agent(agent).map_err(refused)?,
                None => self.clone(),
            };
            created.extend(control.act(&step.action).await.map_err(refused)?);
        }
        Ok(created)
    }

    /// Performs one action; returns the id of the interaction it created, if any (the HTTP
    /// control API's `POST /control/action` runs this).
    ///
    /// # Errors
    /// The action was refused (e.g. an unknown preview mode or toast), or the simulator stopped.
    pub async fn act(&self, action: &Action) -> Result<Option<String>, SimError> {
        Ok(match action {
            Action::InboundCall { ani, dnis, user_data } => {
                Some(self.inject_inbound_call(ani, dnis, user_data.clone()).await?)
            }
            Action::Chat { from, user_data } => Some(self.inject_open_media("chat", from, user_data.clone()).await?),
            Action::Email { from, user_data } => Some(self.inject_open_media("email", from, user_data.clone()).await?),
            Action::PreviewRecord { mode, campaign } => {
                let mode = PreviewMode::from_catalog_name(mode)
                    .ok_or_else(|| SimError::Refused(format!("unknown preview mode `{mode}`")))?;
                Some(self.preview_record(mode, campaign.as_deref()).await?)
            }
            Action::Campaign { campaign, change, mode } => {
                self.campaign(campaign, change.clone(), mode.as_deref()).await?;
                None
            }
            Action::RealtimeConnection { state } => {
                self.realtime_connection(state.clone()).await?;
                None
            }
            Action::ToastClick { toast, button } => {
                self.click_toast_button(toast, *button).await?;
                None
            }
            Action::ToastDismiss { toast } => {
                self.dismiss_toast(toast).await?;
                None
            }
            Action::Remote { interaction_id, remote } => {
                self.remote(interaction_id, remote.clone()).await?;
                None
            }
        })
    }
}
