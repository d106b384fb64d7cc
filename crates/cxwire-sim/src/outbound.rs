//! Outbound preview records: the state behind the `outbound.*` requests and the interaction
//! events of Pull Preview, Regular Push Preview and Direct Push Preview records.
//!
//! An [`OutboundDesk`] holds the agent's live preview records. Each UI event of the seed's
//! "Outbound preview events" table (catalog.json `outbound_preview_events`) is a method that
//! returns exactly the table's [`InteractionEvent`]s, in order, with the table's `state`,
//! `callType` and `capabilities`; a UI event that does not apply to the record's current phase
//! (calling a rejected record, accepting a pull record, ...) is refused with
//! [`OutboundError::InvalidTransition`] and changes nothing.
//!
//! # Two interactions per called record
//! A record is one interaction (its `interactionId`, `callType` `OUTBOUND_PREVIEW` or
//! `OUTBOUND_PUSH_PREVIEW`). Making the call adds a second interaction, the call (`ADDED`
//! `DIALING`, `callType` `OUTBOUND`), whose id the caller chooses; the seed says that "once the
//! call is made the ID provided becomes the new interaction ID that corresponds to the call".
//! This is also why "Release and mark done" removes two interactions (two `REMOVED` events).
//! Every request that names a record accepts either id while the record is live.
//!
//! Where the table gives one `callType` or capability list for several events, the events carry
//! them as the seed's OCR'd table shows per event line:
//!
//! | Mode | UI event | Event (interaction): callType, capabilities |
//! |---|---|---|
//! | Pull | Release and mark done | `REMOVED` (record): `OUTBOUND_PREVIEW`, none; `RELEASED`, `MARKDONE_APPLY` (call): `OUTBOUND`, `MARK_DONE`; `REMOVED` (call): `OUTBOUND`, none |
//! | Regular Push | Make call | `ADDED`, `DIALING`: `HANGUP`; `ESTABLISHED`: `HANGUP`, `HOLD` |
//! | Regular Push | Release and mark done | `RELEASED`, `MARKDONE_APPLY` (call): `OUTBOUND`, `MARK_DONE`; `REMOVED` (record): `OUTBOUND_PUSH_PREVIEW`, `MARK_DONE`; `REMOVED` (call): `OUTBOUND`, none |
//! | Direct Push | Release and mark done | as Pull, with the record's `OUTBOUND_PREVIEW` |
//!
//! The catalog lists the Regular Push "Record received" capabilities as `ACCEPT` and a garbled
//! second entry, read here as `DECLINE`; it lists none for Direct Push "Record received".
//!
//! # Decisions where the seed is silent
//! - "Release and mark done" is also available as two steps, [`OutboundDesk::release`] (the
//!   events up to `RELEASED`) and [`OutboundDesk::mark_done`] (the rest), so that a hang-up and
//!   a mark done can be separate requests; together they give the table's sequence.
//! - A record rejected or canceled (`STATE_CHANGE`, capability `MARK_DONE`) stays until it is
//!   marked done, which emits `MARKDONE_APPLY` then `REMOVED`, both in the record's
//!   `REJECTED`/`CANCELED` state.
//! - `previousState` changes only when `state` changes (the seed's `RECORDS_RETRIEVED` sample
//!   shows a previewing record with `previousState` `UNKNOWN`).
//! - `RECORDS_RETRIEVED` is emitted by [`OutboundDesk::records_retrieved`], which the simulator
//!   calls after the record arrives; `chainedRecords` is set on that event only. The chain of a
//!   record includes the record itself, first, as in the seed's `getChainedRecords` sample.
//! - `setCallResult`, `setDoNotCall` and `removeDoNotCall` need a call made from the record
//!   (the seed: "the interaction should have an active or completed call");
//!   `rescheduleRecord` does not (the seed allows rescheduling before the call).
//! - `getCallResult` answers the result set, else the record's `GSW_CALL_RESULT`; a record
//!   with neither is refused ([`OutboundError::NoCallResult`]).
//! - A call result must be one of the numbers of the call results list.
//! - `cancelReschedule` on a record that is not rescheduled is refused.
//! - A rescheduling date in the past is accepted (the seed's own sample is `05/27/2021 10:55`).
//! - `rejectPreviewRecord`/`cancelPreviewRecord` are documented without arguments: without an
//!   interaction id they act on the one record in preview.
//! - Direct push preview records are received only between `startDirectPushPreview` and
//!   `stopDirectPushPreview`.
//! - An unknown interaction is refused with the seed's message `Error: Interaction not found.`

use std::collections::BTreeMap;
use std::fmt;

use cxwire_model::scapi::types::{
    CallResults, CallType, CallbackType, Capability, ChainedRecords, Direction, Field, FieldType, Interaction,
    InteractionDate, InteractionState, OutboundRecord, Party, UserData, ValueType,
};
use cxwire_model::scapi::{InteractionEvent, InteractionEventType};
use serde_json::Value;

/// The media of outbound preview records and their calls: `voice`.
pub const MEDIA: &str = "voice";

/// The record key holding the record handle: `GSW_RECORD_HANDLE`.
pub const RECORD_HANDLE_KEY: &str = "GSW_RECORD_HANDLE";

/// The record key holding the phone number: `GSW_PHONE`.
pub const PHONE_KEY: &str = "GSW_PHONE";

/// The record key holding the campaign name: `GSW_CAMPAIGN_NAME`.
pub const CAMPAIGN_KEY: &str = "GSW_CAMPAIGN_NAME";

/// The record key holding the call result: `GSW_CALL_RESULT`.
pub const CALL_RESULT_KEY: &str = "GSW_CALL_RESULT";

/// The errorMessage for an unknown interaction, as the seed words it.
pub const INTERACTION_NOT_FOUND: &str = "Error: Interaction not found.";

/// The call results of the seed's `outbound.getListOfCallResults` sample: name to number.
///
/// The OCR'd sample lost the numbers of `AGENT_CALLBACK_ERROR` and `GROUP_CALLBACK_ERROR`;
/// they are 47 and 48, the Outbound Contact Server values, as in the repository's fixture
/// `tests/fixtures/scapi/answer/outbound.getListOfCallResults/seed-call-results.json`.
pub fn seed_call_results() -> CallResults {
    const RESULTS: &[(&str, i64)] = &[
        ("OK", 0),
        ("GENERAL_ERROR", 3),
        ("SYSTEM_ERROR", 4),
        ("BUSY", 6),
        ("NO_ANSWER", 7),
        ("SIT_DETECTED", 8),
        ("ANSWERING_MACHINE", 9),
        ("ALL_TRUNKS_BUSY", 10),
        ("SIT_INVALID_NUM", 11),
        ("SIT_VACANT", 12),
        ("SIT_OPERINTERCEPT", 13),
        ("SIT_UNKNOWN", 14),
        ("SIT_NO_CIRCUIT", 15),
        ("SIT_REORDER", 16),
        ("FAXDETECTED", 17),
        ("ABANDONED", 21),
        ("DROPPED", 26),
        ("DROPPED_NO_ANSWER", 27),
        ("UNKNOWN", 28),
        ("SILENCE", 32),
        ("ANSWER", 33),
        ("NUTONE", 34),
        ("NO_DIAL_TONE", 35),
        ("NO_PROGRESS", 36),
        ("NO_RINGBACK", 37),
        ("NO_ESTABLISHED", 38),
        ("PAGER_DETECTED", 39),
        ("WRONG_PARTY", 40),
        ("DIAL_ERROR", 41),
        ("CALL_DROP_ERROR", 42),
        ("SWITCH_ERROR", 43),
        ("NO_FREE_PORT_ERROR", 44),
        ("TRANSFER_ERROR", 45),
        ("STALE", 46),
        ("AGENT_CALLBACK_ERROR", 47),
        ("GROUP_CALLBACK_ERROR", 48),
        ("DO_NOT_CALL", 51),
        ("CANCEL_RECORD", 52),
        ("WRONG_NUMBER", 53),
    ];
    RESULTS.iter().map(|(name, number)| ((*name).to_owned(), *number)).collect()
}

/// The dialing mode of a preview record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PreviewMode {
    /// Pull Preview: the agent asks for a record (`getPreviewRecord`).
    Pull,
    /// Regular Push Preview: the record arrives as an invitation to accept or decline.
    Push,
    /// Direct Push Preview: records arrive while direct push preview is started.
    DirectPush,
}

impl PreviewMode {
    /// Every mode, in the table's order.
    pub const ALL: [Self; 3] = [Self::Pull, Self::Push, Self::DirectPush];

    /// The mode's name in the seed's table (catalog.json `mode`).
    pub fn catalog_name(self) -> &'static str {
        match self {
            Self::Pull => "Pull Preview",
            Self::Push => "Regular Push Preview",
            Self::DirectPush => "Direct Push Preview",
        }
    }

    /// The mode named in the seed's table, if any.
    pub fn from_catalog_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.catalog_name() == name)
    }

    /// The `callType` of the record interaction: `OUTBOUND_PREVIEW` (pull, direct push) or
    /// `OUTBOUND_PUSH_PREVIEW` (regular push). The call itself is `OUTBOUND`.
    pub fn record_call_type(self) -> CallType {
        match self {
            Self::Pull | Self::DirectPush => CallType::OutboundPreview,
            Self::Push => CallType::OutboundPushPreview,
        }
    }
}

impl fmt::Display for PreviewMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.catalog_name())
    }
}

/// A UI event of the seed's outbound preview table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UiEvent {
    /// The record arrives ("Preview record received", "Record received"):
    /// [`OutboundDesk::receive`].
    RecordReceived,
    /// The agent accepts a pushed record ("Accepted"): [`OutboundDesk::accept`].
    Accepted,
    /// The agent declines a pushed record ("Rejected"): [`OutboundDesk::decline`].
    Rejected,
    /// The agent calls the record ("Make call from preview", "Make call"):
    /// [`OutboundDesk::call`].
    MakeCall,
    /// The call ends and the agent marks the record done ("Release and mark done"):
    /// [`OutboundDesk::release_and_mark_done`].
    ReleaseAndMarkDone,
    /// The agent rejects the record ("Reject record"): [`OutboundDesk::reject_record`].
    RejectRecord,
    /// The agent cancels the record ("Cancel record"): [`OutboundDesk::cancel_record`].
    CancelRecord,
}

impl UiEvent {
    /// Every UI event, in the table's order.
    pub const ALL: [Self; 7] = [
        Self::RecordReceived,
        Self::Accepted,
        Self::Rejected,
        Self::MakeCall,
        Self::ReleaseAndMarkDone,
        Self::RejectRecord,
        Self::CancelRecord,
    ];

    /// The UI event's name in the seed's table for `mode` (catalog.json `ui_event`), or `None`
    /// when the mode has no such UI event (a pull record is no invitation).
    pub fn catalog_name(self, mode: PreviewMode) -> Option<&'static str> {
        let pull = mode == PreviewMode::Pull;
        Some(match self {
            Self::RecordReceived if pull => "Preview record received",
            Self::RecordReceived => "Record received",
            Self::Accepted | Self::Rejected if pull => return None,
            Self::Accepted => "Accepted",
            Self::Rejected => "Rejected",
            Self::MakeCall if pull => "Make call from preview",
            Self::MakeCall => "Make call",
            Self::ReleaseAndMarkDone => "Release and mark done",
            Self::RejectRecord => "Reject record",
            Self::CancelRecord => "Cancel record",
        })
    }

    /// The UI event named `name` in the seed's table (any mode's spelling).
    pub fn from_catalog_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|ui| PreviewMode::ALL.into_iter().any(|m| ui.catalog_name(m) == Some(name)))
    }
}

/// Where a record is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RecordPhase {
    /// A pushed record waiting to be accepted or declined (`INVITED`).
    Invited,
    /// Shown to the agent, not yet called (`PREVIEWING`).
    Previewing,
    /// Called; the call is dialing (pull preview stays here until released).
    Dialing,
    /// Called; the call is established (push and direct push preview).
    Talking,
    /// The call was released; the record waits to be marked done.
    Released,
    /// Rejected with "Reject record"; waits to be marked done.
    Rejected,
    /// Canceled with "Cancel record"; waits to be marked done.
    Canceled,
}

impl RecordPhase {
    /// Whether a call was made from the record (active or completed).
    pub fn has_call(self) -> bool {
        matches!(self, Self::Dialing | Self::Talking | Self::Released)
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Invited => "it is an invitation that has not been accepted",
            Self::Previewing => "it is in preview and has not been called",
            Self::Dialing | Self::Talking => "its call is in progress",
            Self::Released => "its call was released and it waits to be marked done",
            Self::Rejected => "it was rejected and waits to be marked done",
            Self::Canceled => "it was canceled and waits to be marked done",
        }
    }
}

/// An operation on a record, as named in [`OutboundError::InvalidTransition`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// Accept a pushed record.
    Accept,
    /// Decline a pushed record.
    Decline,
    /// Call the record.
    Call,
    /// Release the record's call.
    Release,
    /// Mark the record done.
    MarkDone,
    /// Reject the record.
    RejectRecord,
    /// Cancel the record.
    CancelRecord,
}

impl Action {
    fn verb(self) -> &'static str {
        match self {
            Self::Accept => "accept",
            Self::Decline => "decline",
            Self::Call => "call",
            Self::Release => "release the call of",
            Self::MarkDone => "mark done",
            Self::RejectRecord => "reject",
            Self::CancelRecord => "cancel",
        }
    }
}

/// What is wrong with a date (`MM/DD/YYYY HH:MM`) or time (`HH:MM`) text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DateFault {
    /// Not of the form `MM/DD/YYYY HH:MM` (two-digit month, day, hour and minute, four-digit
    /// year).
    DateFormat,
    /// Not of the form `HH:MM`.
    TimeFormat,
    /// The year is 0000.
    Year,
    /// The month is not 01 to 12.
    Month,
    /// The day does not exist in that month of that year.
    Day,
    /// The hour is not 00 to 23.
    Hour,
    /// The minute is not 00 to 59.
    Minute,
}

impl fmt::Display for DateFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::DateFormat => "expected the form MM/DD/YYYY HH:MM",
            Self::TimeFormat => "expected the form HH:MM",
            Self::Year => "the year must be from 0001 to 9999",
            Self::Month => "the month must be from 01 to 12",
            Self::Day => "that day does not exist in that month",
            Self::Hour => "the hour must be from 00 to 23",
            Self::Minute => "the minute must be from 00 to 59",
        })
    }
}

/// A time of day, `HH:MM`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeOfDay {
    /// 0 to 23.
    pub hour: u8,
    /// 0 to 59.
    pub minute: u8,
}

impl TimeOfDay {
    /// Parses `HH:MM` (exactly two digits each, 00:00 to 23:59).
    ///
    /// # Errors
    /// The text is not of that form, or the hour or minute is out of range.
    pub fn parse(text: &str) -> Result<Self, DateFault> {
        let b = text.as_bytes();
        if b.len() != 5 || b[2] != b':' {
            return Err(DateFault::TimeFormat);
        }
        let hour = two_digits(&b[0..2]).ok_or(DateFault::TimeFormat)?;
        let minute = two_digits(&b[3..5]).ok_or(DateFault::TimeFormat)?;
        Self::new(hour, minute)
    }

    fn new(hour: u8, minute: u8) -> Result<Self, DateFault> {
        if hour > 23 {
            return Err(DateFault::Hour);
        }
        if minute > 59 {
            return Err(DateFault::Minute);
        }
        Ok(Self { hour, minute })
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

/// A calendar date and time, `MM/DD/YYYY HH:MM` (the record's time zone; no zone is kept).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime {
    /// 1 to 9999.
    pub year: u16,
    /// 1 to 12.
    pub month: u8,
    /// 1 to the month's last day.
    pub day: u8,
    /// The time of day.
    pub time: TimeOfDay,
}

impl DateTime {
    /// Parses `MM/DD/YYYY HH:MM`, checking that the date exists (leap years included).
    ///
    /// # Errors
    /// The text is not of that form, or names a date or time that does not exist.
    pub fn parse(text: &str) -> Result<Self, DateFault> {
        let b = text.as_bytes();
        if b.len() != 16 || b[2] != b'/' || b[5] != b'/' || b[10] != b' ' || b[13] != b':' {
            return Err(DateFault::DateFormat);
        }
        let month = two_digits(&b[0..2]).ok_or(DateFault::DateFormat)?;
        let day = two_digits(&b[3..5]).ok_or(DateFault::DateFormat)?;
        let century = two_digits(&b[6..8]).ok_or(DateFault::DateFormat)?;
        let years = two_digits(&b[8..10]).ok_or(DateFault::DateFormat)?;
        let hour = two_digits(&b[11..13]).ok_or(DateFault::DateFormat)?;
        let minute = two_digits(&b[14..16]).ok_or(DateFault::DateFormat)?;
        let year = u16::from(century) * 100 + u16::from(years);
        if year == 0 {
            return Err(DateFault::Year);
        }
        if !(1..=12).contains(&month) {
            return Err(DateFault::Month);
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(DateFault::Day);
        }
        let time = TimeOfDay::new(hour, minute)?;
        Ok(Self { year, month, day, time })
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}/{:02}/{:04} {}", self.month, self.day, self.year, self.time)
    }
}

fn two_digits(b: &[u8]) -> Option<u8> {
    match b {
        [t @ b'0'..=b'9', u @ b'0'..=b'9'] => Some((t - b'0') * 10 + (u - b'0')),
        _ => None,
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A reschedule set with `outbound.rescheduleRecord`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reschedule {
    /// The record of the chain to call back.
    pub record_handle: i64,
    /// When, in the record's time zone.
    pub date: DateTime,
    /// Who calls back: `CAMPAIGN` or `PERSONAL`.
    pub callback_type: CallbackType,
}

/// Why an outbound operation was refused.
///
/// The `Display` text is the `errorMessage` the simulator sends.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum OutboundError {
    /// No live record has this interaction id (as record or as call).
    #[error("Error: Interaction not found.")]
    NotFound {
        /// The id, as given.
        interaction_id: String,
    },
    /// The id of a new record or call is already used by a live record or call.
    #[error("Error: An interaction with id '{interaction_id}' already exists.")]
    DuplicateInteraction {
        /// The id, as given.
        interaction_id: String,
    },
    /// A new record has no records in its chain.
    #[error("Error: The preview record '{interaction_id}' has no record data.")]
    EmptyRecord {
        /// The record's interaction id.
        interaction_id: String,
    },
    /// A new record's data has no usable `GSW_RECORD_HANDLE` (a number, or a string of digits).
    #[error("Error: The preview record '{interaction_id}' has no GSW_RECORD_HANDLE number.")]
    MissingRecordHandle {
        /// The record's interaction id.
        interaction_id: String,
    },
    /// The UI event does not apply to the record in its current phase.
    #[error("Error: Cannot {} the {mode} record '{interaction_id}': {}.", action.verb(), phase.describe())]
    InvalidTransition {
        /// The record's interaction id.
        interaction_id: String,
        /// The record's mode.
        mode: PreviewMode,
        /// What was attempted.
        action: Action,
        /// The record's phase, unchanged.
        phase: RecordPhase,
    },
    /// `getPreviewRecord` for a campaign with no queued pull record.
    #[error("Error: No preview record is available for the campaign '{campaign}'.")]
    NoPreviewRecord {
        /// The campaign, as given.
        campaign: String,
    },
    /// A direct push preview record arrived while direct push preview is stopped.
    #[error("Error: Direct push preview is not started; call outbound.startDirectPushPreview first.")]
    DirectPushPreviewStopped,
    /// `rejectPreviewRecord`/`cancelPreviewRecord` without an id, and no record is in preview.
    #[error("Error: No record is in preview.")]
    NoRecordInPreview,
    /// `rejectPreviewRecord`/`cancelPreviewRecord` without an id, and several records are in
    /// preview.
    #[error("Error: {count} records are in preview; give the interaction id.")]
    SeveralRecordsInPreview {
        /// How many.
        count: usize,
    },
    /// A record handle that is not in the record's chain.
    #[error("Error: The record handle {record_handle} is not in the chain of interaction '{interaction_id}'.")]
    UnknownRecordHandle {
        /// The record's interaction id, as given.
        interaction_id: String,
        /// The handle, as given.
        record_handle: i64,
    },
    /// The operation needs a call made from the record (active or completed).
    #[error("Error: The interaction '{interaction_id}' has no active or completed call.")]
    NoCall {
        /// The id, as given.
        interaction_id: String,
    },
    /// `setCallResult` while Do Not Call is set.
    #[error("Error: Do Not Call is set for the interaction '{interaction_id}'; the call result cannot be set.")]
    DoNotCallSet {
        /// The id, as given.
        interaction_id: String,
    },
    /// A call result that is not in the list of call results.
    #[error("Error: Unknown call result {call_result}; outbound.getListOfCallResults lists the valid numbers.")]
    UnknownCallResult {
        /// The number, as given.
        call_result: i64,
    },
    /// `getCallResult` on a record with no call result.
    #[error("Error: No call result is set for the interaction '{interaction_id}'.")]
    NoCallResult {
        /// The id, as given.
        interaction_id: String,
    },
    /// A `rescheduleDate` that is not a real `MM/DD/YYYY HH:MM` date and time.
    #[error("Error: Invalid rescheduleDate '{value}': {fault}.")]
    InvalidRescheduleDate {
        /// The text, as given.
        value: String,
        /// What is wrong.
        fault: DateFault,
    },
    /// A `callbackType` other than `CAMPAIGN` or `PERSONAL`.
    #[error("Error: Invalid callbackType '{value}': expected CAMPAIGN or PERSONAL.")]
    InvalidCallbackType {
        /// The text, as given.
        value: String,
    },
    /// `cancelReschedule` on a record that is not rescheduled.
    #[error("Error: The interaction '{interaction_id}' has no reschedule to cancel.")]
    NotRescheduled {
        /// The id, as given.
        interaction_id: String,
    },
    /// `updateRecordFields` names a field the record does not have.
    #[error("Error: Unknown field '{name}'.")]
    UnknownField {
        /// The field name, as given.
        name: String,
    },
    /// `updateRecordFields` names a field that is not editable.
    #[error("Error: The field '{name}' is not editable.")]
    FieldNotEditable {
        /// The field name.
        name: String,
    },
    /// `updateRecordFields` empties a mandatory field (null, or a blank string).
    #[error("Error: The field '{name}' is mandatory and cannot be empty.")]
    MandatoryFieldEmpty {
        /// The field name.
        name: String,
    },
    /// A value whose JSON type is not the field's `valueType`.
    #[error("Error: The value of the field '{name}' must be a {expected} (its valueType), not {found}.")]
    FieldValueType {
        /// The field name.
        name: String,
        /// The field's `valueType`.
        expected: ValueType,
        /// The JSON type received, e.g. `a string`.
        found: &'static str,
    },
    /// A value that does not read as the field's `fieldType`.
    #[error("Error: The value {value} of the field '{name}' is not a valid {field_type}: expected {expected}.")]
    FieldFormat {
        /// The field name.
        name: String,
        /// The field's `fieldType`.
        field_type: FieldType,
        /// The value, as JSON.
        value: String,
        /// What a valid value looks like.
        expected: String,
    },
}

/// A new preview record, before it reaches the agent.
#[derive(Clone, Debug, PartialEq)]
pub struct NewPreviewRecord {
    /// The dialing mode.
    pub mode: PreviewMode,
    /// The record's interaction id.
    pub interaction_id: String,
    /// The case id, if any.
    pub case_id: Option<String>,
    /// The records of the chain, the previewed record first; each has its
    /// `GSW_RECORD_HANDLE`, and the first one's data is the interaction's `userData`.
    pub chain: Vec<OutboundRecord>,
    /// The record's fields, as `getRecordFields` answers them.
    pub fields: Vec<Field>,
}

impl NewPreviewRecord {
    /// A record in `mode` with the seed's chain of two records (handles 283 and 284, from the
    /// `RECORDS_RETRIEVED` and `getChainedRecords` samples) and the fields of the repository's
    /// fixture `outbound.getRecordFields/complete-fields.json`.
    pub fn example(mode: PreviewMode, interaction_id: &str) -> Self {
        let common = |phone: &str, handle: i64, reference: i64, user_event: &str| -> OutboundRecord {
            let mut r = OutboundRecord::new();
            let mut put = |k: &str, v: Value| {
                r.insert(k.to_owned(), v);
            };
            put("GSW_AGENT_ID", "+33298025000".into());
            put("GSW_APPLICATION_ID", 139.into());
            put("GSW_ATTEMPTS", 0.into());
            put("GSW_CALLING_LIST", "Calling List Custom".into());
            put("GSW_CALLING_LIST_DBID", 101.into());
            put("GSW_CALL_ATTEMPT_GUID", "003DC7H6HG84DBRT1KMIF1TAES000031".into());
            put(CALL_RESULT_KEY, 28.into());
            put("GSW_CAMPAIGN_GROUP_DBID", 101.into());
            put("GSW_CAMPAIGN_GROUP_DESCRIPTION", "".into());
            put("GSW_CAMPAIGN_GROUP_NAME", "Outbound Campaign Custom@Agent Group Outbound".into());
            put(CAMPAIGN_KEY, "Outbound Campaign Custom".into());
            put("GSW_CHAIN_ID", 3.into());
            put("GSW_CONTACT_MEDIA_TYPE", "voice".into());
            put("GSW_FROM", 0.into());
            put(PHONE_KEY, phone.into());
            put("GSW_PHONE_TYPE", 1.into());
            put(RECORD_HANDLE_KEY, handle.into());
            put("GSW_REFERENCE_ID", reference.into());
            put("GSW_SWITCH_DBID", 101.into());
            put("GSW_TZ_NAME", "ACT".into());
            put("GSW_TZ_OFFSET", 34200.into());
            put("GSW_UNTIL", 86399.into());
            put("GSW_USER_EVENT", user_event.into());
            put("InteractionSubtype", "OutboundNew".into());
            put("InteractionType", "Outbound".into());
            put("Custom Character", "c".into());
            put("Custom Integer", 0.into());
            put("Custom VarChar", "".into());
            r
        };
        let mut first = common("+33647005", 283, 3, "PreviewRecord");
        first.insert("Custom Datetime".into(), "2021-03-17 14:42:39".into());
        first.insert("Custom Float".into(), "16.64".into());
        first.insert("Custom String with default".into(), "Hi there!".into());
        first.insert("IW_BundleUid".into(), "27458420-0348-4345-c693-45bd95b5c81f".into());
        first.insert("IW_CaseUid".into(), "a26f59d2-2979-43c5-5c1d-b0757f9ab077".into());
        first.insert("WWE_OUTBOUND_CAMP_TYPE".into(), "PreviewRecord".into());
        let mut second = common("+33647004", 284, 4, "ChainedRecord");
        second.insert("Custom Datetime".into(), "2021-03-17 14:42:32".into());
        second.insert("Custom Float".into(), "51.69".into());
        second.insert("Custom String with default".into(), "Hello General Kenobi".into());

        let field =
            |name: &str, display: &str, value: &str, editable: bool, mandatory: bool, ft: FieldType, vt| Field {
                name: Some(name.to_owned()),
                display_name: Some(display.to_owned()),
                value: Some(value.to_owned()),
                is_editable: Some(editable),
                is_mandatory: Some(mandatory),
                field_type: Some(ft),
                value_type: Some(vt),
                ..Field::default()
            };
        let mut phone_type =
            field("GSW_PHONE_TYPE", "Phone Type", "1", true, false, FieldType::Enum, ValueType::Number);
        phone_type.options = Some(
            [("0", "None"), ("1", "Home Phone"), ("4", "Mobile")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        );
        let fields = vec![
            field("GSW_FROM", "Call From", "08:00", true, true, FieldType::Time, ValueType::String),
            field("GSW_UNTIL", "Call Until", "20:00", true, true, FieldType::Time, ValueType::String),
            field("GSW_PHONE", "Phone", "+33647005", true, true, FieldType::VarChar, ValueType::String),
            phone_type,
            field("CUSTOM_AMOUNT", "Amount", "51.69", false, false, FieldType::Float, ValueType::Number),
            field("CUSTOM_OPT_IN", "Opt-in", "true", true, false, FieldType::Bool, ValueType::Boolean),
            field(
                "CUSTOM_LAST_ORDER",
                "Last order",
                "03/17/2021 14:42",
                false,
                false,
                FieldType::Date,
                ValueType::String,
            ),
        ];
        Self {
            mode,
            interaction_id: interaction_id.to_owned(),
            case_id: Some("a26f59d2-2979-43c5-5c1d-b0757f9ab077".to_owned()),
            chain: vec![first, second],
            fields,
        }
    }

    /// The campaign of the previewed record (`GSW_CAMPAIGN_NAME`), if it has one.
    pub fn campaign(&self) -> Option<&str> {
        self.chain.first()?.get(CAMPAIGN_KEY)?.as_str()
    }
}

/// One interaction of a record (the record itself, or its call) as last announced.
#[derive(Clone, Debug, PartialEq)]
struct Leg {
    interaction_id: String,
    state: InteractionState,
    previous_state: InteractionState,
    capabilities: Vec<Capability>,
    removed: bool,
}

impl Leg {
    fn new(interaction_id: String) -> Self {
        Self {
            interaction_id,
            state: InteractionState::Unknown,
            previous_state: InteractionState::Unknown,
            capabilities: Vec::new(),
            removed: false,
        }
    }
}

/// The call made from a record.
#[derive(Clone, Debug, PartialEq)]
struct Call {
    leg: Leg,
    /// The index in the chain of the dialed record.
    dialed: usize,
    start_date: i64,
    end_date: Option<i64>,
}

/// Which interaction of a record an event is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Which {
    Record,
    Call,
}

/// A live preview record.
#[derive(Clone, Debug, PartialEq)]
pub struct PreviewRecord {
    mode: PreviewMode,
    case_id: Option<String>,
    chain: Vec<OutboundRecord>,
    handles: Vec<Option<i64>>,
    fields: Vec<Field>,
    phase: RecordPhase,
    record: Leg,
    call: Option<Call>,
    call_result: Option<i64>,
    do_not_call: bool,
    reschedule: Option<Reschedule>,
}

impl PreviewRecord {
    /// The dialing mode.
    pub fn mode(&self) -> PreviewMode {
        self.mode
    }

    /// The record's interaction id.
    pub fn interaction_id(&self) -> &str {
        &self.record.interaction_id
    }

    /// The call's interaction id, once the record was called.
    pub fn call_interaction_id(&self) -> Option<&str> {
        self.call.as_ref().map(|c| c.leg.interaction_id.as_str())
    }

    /// The case id.
    pub fn case_id(&self) -> Option<&str> {
        self.case_id.as_deref()
    }

    /// Where the record is in its life.
    pub fn phase(&self) -> RecordPhase {
        self.phase
    }

    /// The previewed record's handle (`GSW_RECORD_HANDLE`).
    pub fn record_handle(&self) -> Option<i64> {
        self.handles.first().copied().flatten()
    }

    /// The records of the chain, the previewed record first.
    pub fn chain(&self) -> &[OutboundRecord] {
        &self.chain
    }

    /// The record's fields, with the values set by `updateRecordFields`.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// The campaign (`GSW_CAMPAIGN_NAME`), if the record names one.
    pub fn campaign(&self) -> Option<&str> {
        self.chain.first()?.get(CAMPAIGN_KEY)?.as_str()
    }

    /// The call result set with `setCallResult`, else the record's `GSW_CALL_RESULT`.
    pub fn call_result(&self) -> Option<i64> {
        self.call_result
    }

    /// Whether Do Not Call is set.
    pub fn do_not_call(&self) -> bool {
        self.do_not_call
    }

    /// The reschedule, if one is set.
    pub fn reschedule(&self) -> Option<&Reschedule> {
        self.reschedule.as_ref()
    }

    /// The record's `userData`: the previewed record's data, every value as text.
    pub fn user_data(&self) -> UserData {
        self.chain.first().map(stringify).unwrap_or_default()
    }

    fn leg(&self, which: Which) -> Option<&Leg> {
        match which {
            Which::Record => Some(&self.record),
            Which::Call => self.call.as_ref().map(|c| &c.leg),
        }
    }

    /// The interaction as the Workspace shows it, for the record or its call.
    fn snapshot(&self, which: Which) -> Option<Interaction> {
        let leg = self.leg(which)?;
        let (data, call_type, direction, main, start, end) = match (which, &self.call) {
            (Which::Call, Some(call)) => (
                self.chain.get(call.dialed),
                CallType::Outbound,
                Some(Direction::Out),
                false,
                Some(call.start_date),
                call.end_date,
            ),
            _ => (self.chain.first(), self.mode.record_call_type(), None, true, None, None),
        };
        let phone = data.and_then(|d| d.get(PHONE_KEY)).map(text_of);
        Some(Interaction {
            interaction_id: Some(leg.interaction_id.clone()),
            case_id: self.case_id.clone(),
            user_data: Some(data.map(stringify).unwrap_or_default()),
            state: Some(leg.state.clone()),
            previous_state: Some(leg.previous_state.clone()),
            parties: Some(vec![Party { name: phone.clone(), ..Party::default() }]),
            direction,
            call_type: Some(call_type),
            capabilities: Some(leg.capabilities.clone()),
            media: Some(MEDIA.to_owned()),
            is_main_case_interaction: Some(main),
            start_date: start.map(InteractionDate::from),
            end_date: end.map(InteractionDate::from),
            name: phone,
            ..Interaction::default()
        })
    }

    /// Moves one interaction to `state` with `capabilities` and returns the event announcing it.
    fn emit(
        &mut self,
        which: Which,
        event_type: InteractionEventType,
        state: InteractionState,
        capabilities: &[Capability],
    ) -> InteractionEvent {
        let leg = match which {
            Which::Record => Some(&mut self.record),
            Which::Call => self.call.as_mut().map(|c| &mut c.leg),
        };
        if let Some(leg) = leg {
            if leg.state != state {
                leg.previous_state = std::mem::replace(&mut leg.state, state);
            }
            leg.capabilities = capabilities.to_vec();
            if event_type == InteractionEventType::Removed {
                leg.removed = true;
            }
        }
        event(event_type, self.snapshot(which).unwrap_or_default())
    }

    fn refuse(&self, action: Action) -> OutboundError {
        OutboundError::InvalidTransition {
            interaction_id: self.record.interaction_id.clone(),
            mode: self.mode,
            action,
            phase: self.phase,
        }
    }
}

/// The result of marking a record done: the events, and the record as it was sent back to
/// Outbound Contact Server (call result, Do Not Call, reschedule and updated fields).
#[derive(Clone, Debug, PartialEq)]
pub struct Completed {
    /// The events, in order.
    pub events: Vec<InteractionEvent>,
    /// The record, now gone from the desk.
    pub record: PreviewRecord,
}

/// The agent's outbound preview records and call results list.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboundDesk {
    records: BTreeMap<String, PreviewRecord>,
    calls: BTreeMap<String, String>,
    pull_queue: Vec<NewPreviewRecord>,
    call_results: CallResults,
    direct_push_preview: bool,
}

impl Default for OutboundDesk {
    fn default() -> Self {
        Self::new()
    }
}

const PREVIEW_CAPABILITIES: &[Capability] = &[Capability::Call, Capability::RejectRecord, Capability::CancelRecord];
const INVITATION_CAPABILITIES: &[Capability] = &[Capability::Accept, Capability::Decline];
const DONE: &[Capability] = &[Capability::MarkDone];
const HANGUP: &[Capability] = &[Capability::Hangup];
const HANGUP_HOLD: &[Capability] = &[Capability::Hangup, Capability::Hold];

impl OutboundDesk {
    /// An empty desk with the seed's call results list, direct push preview stopped.
    pub fn new() -> Self {
        Self::with_call_results(seed_call_results())
    }

    /// An empty desk with this call results list.
    pub fn with_call_results(call_results: CallResults) -> Self {
        Self {
            records: BTreeMap::new(),
            calls: BTreeMap::new(),
            pull_queue: Vec::new(),
            call_results,
            direct_push_preview: false,
        }
    }

    /// `outbound.getListOfCallResults`: call-result name to number.
    pub fn call_results(&self) -> &CallResults {
        &self.call_results
    }

    /// `outbound.startDirectPushPreview`: direct push preview records may arrive.
    pub fn start_direct_push_preview(&mut self) {
        self.direct_push_preview = true;
    }

    /// `outbound.stopDirectPushPreview`: no more direct push preview records arrive.
    pub fn stop_direct_push_preview(&mut self) {
        self.direct_push_preview = false;
    }

    /// Whether direct push preview is started.
    pub fn direct_push_preview_started(&self) -> bool {
        self.direct_push_preview
    }

    /// Queues a record that `getPreviewRecord` will pull for its campaign (`GSW_CAMPAIGN_NAME`);
    /// its mode becomes Pull Preview.
    pub fn queue_pull_record(&mut self, mut record: NewPreviewRecord) {
        record.mode = PreviewMode::Pull;
        self.pull_queue.push(record);
    }

    /// The records queued for `getPreviewRecord`.
    pub fn pull_queue(&self) -> &[NewPreviewRecord] {
        &self.pull_queue
    }

    /// `outbound.getPreviewRecord`: pulls the first queued record of `campaign` and delivers
    /// it ("Preview record received").
    ///
    /// # Errors
    /// [`OutboundError::NoPreviewRecord`] when none is queued for the campaign; the errors of
    /// [`receive`](Self::receive) (the record then stays queued).
    pub fn get_preview_record(&mut self, campaign: &str) -> Result<Vec<InteractionEvent>, OutboundError> {
        let index = self
            .pull_queue
            .iter()
            .position(|r| r.campaign() == Some(campaign))
            .ok_or_else(|| OutboundError::NoPreviewRecord { campaign: campaign.to_owned() })?;
        let record = self.pull_queue.remove(index);
        match self.receive(record.clone()) {
            Ok(events) => Ok(events),
            Err(e) => {
                self.pull_queue.insert(index, record);
                Err(e)
            }
        }
    }

    /// A record reaches the agent ("Preview record received" / "Record received"): `ADDED`
    /// then `PREVIEWING` (pull) or `INVITED` (push, direct push).
    ///
    /// # Errors
    /// The id is in use; the chain is empty or its first record has no `GSW_RECORD_HANDLE`;
    /// a direct push record while direct push preview is stopped.
    pub fn receive(&mut self, new: NewPreviewRecord) -> Result<Vec<InteractionEvent>, OutboundError> {
        let id = new.interaction_id;
        if self.resolve(&id).is_some() {
            return Err(OutboundError::DuplicateInteraction { interaction_id: id });
        }
        if new.chain.is_empty() {
            return Err(OutboundError::EmptyRecord { interaction_id: id });
        }
        let handles: Vec<Option<i64>> =
            new.chain.iter().map(|r| r.get(RECORD_HANDLE_KEY).and_then(as_integer)).collect();
        if handles.first().copied().flatten().is_none() {
            return Err(OutboundError::MissingRecordHandle { interaction_id: id });
        }
        if new.mode == PreviewMode::DirectPush && !self.direct_push_preview {
            return Err(OutboundError::DirectPushPreviewStopped);
        }
        let call_result = new.chain.first().and_then(|r| r.get(CALL_RESULT_KEY)).and_then(as_integer);
        let (phase, state, caps): (_, _, &[Capability]) = match new.mode {
            PreviewMode::Pull => (RecordPhase::Previewing, InteractionState::Previewing, PREVIEW_CAPABILITIES),
            PreviewMode::Push => (RecordPhase::Invited, InteractionState::Invited, INVITATION_CAPABILITIES),
            PreviewMode::DirectPush => (RecordPhase::Invited, InteractionState::Invited, &[]),
        };
        let mut record = PreviewRecord {
            mode: new.mode,
            case_id: new.case_id,
            chain: new.chain,
            handles,
            fields: new.fields,
            phase,
            record: Leg::new(id.clone()),
            call: None,
            call_result,
            do_not_call: false,
            reschedule: None,
        };
        let second = match new.mode {
            PreviewMode::Pull => InteractionEventType::Previewing,
            PreviewMode::Push | PreviewMode::DirectPush => InteractionEventType::Invited,
        };
        let events = vec![
            record.emit(Which::Record, InteractionEventType::Added, state.clone(), caps),
            record.emit(Which::Record, second, state, caps),
        ];
        self.records.insert(id, record);
        Ok(events)
    }

    /// The agent accepts a pushed record ("Accepted"): `PREVIEWING`.
    ///
    /// # Errors
    /// Unknown id; the record is not an invitation.
    pub fn accept(&mut self, interaction_id: &str) -> Result<Vec<InteractionEvent>, OutboundError> {
        let record = self.record_mut(interaction_id)?;
        if record.phase != RecordPhase::Invited {
            return Err(record.refuse(Action::Accept));
        }
        record.phase = RecordPhase::Previewing;
        Ok(vec![record.emit(
            Which::Record,
            InteractionEventType::Previewing,
            InteractionState::Previewing,
            PREVIEW_CAPABILITIES,
        )])
    }

    /// The agent declines a pushed record ("Rejected"): `REMOVED` in state `REJECTED`; the
    /// record is gone.
    ///
    /// # Errors
    /// Unknown id; the record is not an invitation.
    pub fn decline(&mut self, interaction_id: &str) -> Result<Vec<InteractionEvent>, OutboundError> {
        let record = self.record_mut(interaction_id)?;
        if record.phase != RecordPhase::Invited {
            return Err(record.refuse(Action::Decline));
        }
        let event = record.emit(Which::Record, InteractionEventType::Removed, InteractionState::Rejected, &[]);
        self.forget(interaction_id);
        Ok(vec![event])
    }

    /// `outbound.callPreviewRecord` ("Make call"): a new interaction `call_interaction_id`, the
    /// call to the record of the chain whose handle is `record_handle`: `ADDED` and `DIALING`
    /// (pull), then `ESTABLISHED` (push, direct push). `now_ms` is the call's `startDate`.
    ///
    /// # Errors
    /// Unknown id; the record is not in preview; the handle is not in the chain; the call id is
    /// in use.
    pub fn call(
        &mut self,
        interaction_id: &str,
        record_handle: i64,
        call_interaction_id: &str,
        now_ms: i64,
    ) -> Result<Vec<InteractionEvent>, OutboundError> {
        if self.resolve(call_interaction_id).is_some() {
            return Err(OutboundError::DuplicateInteraction { interaction_id: call_interaction_id.to_owned() });
        }
        let record_id = self.resolve(interaction_id).ok_or_else(|| not_found(interaction_id))?;
        let record = self.records.get_mut(&record_id).ok_or_else(|| not_found(interaction_id))?;
        if record.phase != RecordPhase::Previewing {
            return Err(record.refuse(Action::Call));
        }
        let dialed = chain_index(record, interaction_id, record_handle)?;
        record.call =
            Some(Call { leg: Leg::new(call_interaction_id.to_owned()), dialed, start_date: now_ms, end_date: None });
        let mut events = vec![
            record.emit(Which::Call, InteractionEventType::Added, InteractionState::Dialing, HANGUP),
            record.emit(Which::Call, InteractionEventType::Dialing, InteractionState::Dialing, HANGUP),
        ];
        record.phase = RecordPhase::Dialing;
        let established = match record.mode {
            PreviewMode::Pull => None,
            PreviewMode::Push => Some(HANGUP_HOLD),
            PreviewMode::DirectPush => Some(HANGUP),
        };
        if let Some(caps) = established {
            events.push(record.emit(Which::Call, InteractionEventType::Established, InteractionState::Talking, caps));
            record.phase = RecordPhase::Talking;
        }
        self.calls.insert(call_interaction_id.to_owned(), record_id);
        Ok(events)
    }

    /// The record's call is released (first part of "Release and mark done"): `REMOVED` of
    /// the record (pull, direct push) and `RELEASED` of the call. `now_ms` is the call's
    /// `endDate`.
    ///
    /// # Errors
    /// Unknown id; no call in progress.
    pub fn release(&mut self, interaction_id: &str, now_ms: i64) -> Result<Vec<InteractionEvent>, OutboundError> {
        let record = self.record_mut(interaction_id)?;
        if !matches!(record.phase, RecordPhase::Dialing | RecordPhase::Talking) {
            return Err(record.refuse(Action::Release));
        }
        let mut events = Vec::new();
        if record.mode != PreviewMode::Push {
            events.push(record.emit(Which::Record, InteractionEventType::Removed, InteractionState::Idle, &[]));
        }
        if let Some(call) = record.call.as_mut() {
            call.end_date = Some(now_ms);
        }
        events.push(record.emit(Which::Call, InteractionEventType::Released, InteractionState::Idle, DONE));
        record.phase = RecordPhase::Released;
        Ok(events)
    }

    /// The record is marked done: after its call (second part of "Release and mark done"),
    /// `MARKDONE_APPLY` of the call, `REMOVED` of the record (push), `REMOVED` of the call;
    /// after "Reject record" or "Cancel record", `MARKDONE_APPLY` and `REMOVED` of the record.
    /// The record leaves the desk.
    ///
    /// # Errors
    /// Unknown id; the record is neither released, rejected nor canceled.
    pub fn mark_done(&mut self, interaction_id: &str) -> Result<Completed, OutboundError> {
        let record = self.record_mut(interaction_id)?;
        let events = match record.phase {
            RecordPhase::Released => {
                let mut events =
                    vec![record.emit(Which::Call, InteractionEventType::MarkdoneApply, InteractionState::Idle, DONE)];
                if record.mode == PreviewMode::Push {
                    events.push(record.emit(
                        Which::Record,
                        InteractionEventType::Removed,
                        InteractionState::Idle,
                        DONE,
                    ));
                }
                events.push(record.emit(Which::Call, InteractionEventType::Removed, InteractionState::Idle, &[]));
                events
            }
            RecordPhase::Rejected | RecordPhase::Canceled => {
                let state = record.record.state.clone();
                vec![
                    record.emit(Which::Record, InteractionEventType::MarkdoneApply, state.clone(), DONE),
                    record.emit(Which::Record, InteractionEventType::Removed, state, &[]),
                ]
            }
            _ => return Err(record.refuse(Action::MarkDone)),
        };
        let record = self.forget(interaction_id).ok_or_else(|| not_found(interaction_id))?;
        Ok(Completed { events, record })
    }

    /// "Release and mark done": [`release`](Self::release) then [`mark_done`](Self::mark_done).
    ///
    /// # Errors
    /// Unknown id; no call in progress (nothing changes then).
    pub fn release_and_mark_done(&mut self, interaction_id: &str, now_ms: i64) -> Result<Completed, OutboundError> {
        let mut events = self.release(interaction_id, now_ms)?;
        let mut completed = self.mark_done(interaction_id)?;
        events.append(&mut completed.events);
        completed.events = events;
        Ok(completed)
    }

    /// `outbound.rejectPreviewRecord` ("Reject record"): `STATE_CHANGE` to `REJECTED`,
    /// capability `MARK_DONE`. Without an id, the one record in preview.
    ///
    /// # Errors
    /// Unknown id, or no id and not exactly one record in preview; the record is not in
    /// preview.
    pub fn reject_record(&mut self, interaction_id: Option<&str>) -> Result<Vec<InteractionEvent>, OutboundError> {
        self.end_preview(interaction_id, Action::RejectRecord)
    }

    /// `outbound.cancelPreviewRecord` ("Cancel record"): `STATE_CHANGE` to `CANCELED`,
    /// capability `MARK_DONE`. Without an id, the one record in preview.
    ///
    /// # Errors
    /// As [`reject_record`](Self::reject_record).
    pub fn cancel_record(&mut self, interaction_id: Option<&str>) -> Result<Vec<InteractionEvent>, OutboundError> {
        self.end_preview(interaction_id, Action::CancelRecord)
    }

    fn end_preview(
        &mut self,
        interaction_id: Option<&str>,
        action: Action,
    ) -> Result<Vec<InteractionEvent>, OutboundError> {
        let id = match interaction_id {
            Some(id) => id.to_owned(),
            None => self.the_record_in_preview()?,
        };
        let record = self.record_mut(&id)?;
        if record.phase != RecordPhase::Previewing {
            return Err(record.refuse(action));
        }
        let (phase, state) = match action {
            Action::CancelRecord => (RecordPhase::Canceled, InteractionState::Canceled),
            _ => (RecordPhase::Rejected, InteractionState::Rejected),
        };
        record.phase = phase;
        Ok(vec![record.emit(Which::Record, InteractionEventType::StateChange, state, DONE)])
    }

    fn the_record_in_preview(&self) -> Result<String, OutboundError> {
        let previewing: Vec<&String> =
            self.records.iter().filter(|(_, r)| r.phase == RecordPhase::Previewing).map(|(id, _)| id).collect();
        match previewing.as_slice() {
            [] => Err(OutboundError::NoRecordInPreview),
            [one] => Ok((*one).clone()),
            many => Err(OutboundError::SeveralRecordsInPreview { count: many.len() }),
        }
    }

    /// `RECORDS_RETRIEVED`: every record of the chain was retrieved; the event's interaction
    /// carries them in `chainedRecords`.
    ///
    /// # Errors
    /// Unknown id, or the record's interaction was already removed.
    pub fn records_retrieved(&self, interaction_id: &str) -> Result<InteractionEvent, OutboundError> {
        let record = self.record(interaction_id).ok_or_else(|| not_found(interaction_id))?;
        if record.record.removed {
            return Err(not_found(interaction_id));
        }
        let mut interaction = record.snapshot(Which::Record).unwrap_or_default();
        interaction.chained_records = Some(record.chain.clone());
        Ok(event(InteractionEventType::RecordsRetrieved, interaction))
    }

    /// `outbound.getChainedRecords`: one group holding every record of the chain.
    ///
    /// # Errors
    /// Unknown id.
    pub fn chained_records(&self, interaction_id: &str) -> Result<Vec<ChainedRecords>, OutboundError> {
        let record = self.record(interaction_id).ok_or_else(|| not_found(interaction_id))?;
        Ok(vec![ChainedRecords { records: Some(record.chain.clone()), ..ChainedRecords::default() }])
    }

    /// `outbound.setCallResult`.
    ///
    /// # Errors
    /// Unknown id; no call made from the record; Do Not Call is set; a number not in the call
    /// results list.
    pub fn set_call_result(&mut self, interaction_id: &str, call_result: i64) -> Result<(), OutboundError> {
        let known = self.call_results.values().any(|v| *v == call_result);
        let record = self.record_with_call(interaction_id)?;
        if record.do_not_call {
            return Err(OutboundError::DoNotCallSet { interaction_id: interaction_id.to_owned() });
        }
        if !known {
            return Err(OutboundError::UnknownCallResult { call_result });
        }
        record.call_result = Some(call_result);
        Ok(())
    }

    /// `outbound.getCallResult`: the result set, else the record's `GSW_CALL_RESULT`.
    ///
    /// # Errors
    /// Unknown id; the record has no call result.
    pub fn call_result(&self, interaction_id: &str) -> Result<i64, OutboundError> {
        let record = self.record(interaction_id).ok_or_else(|| not_found(interaction_id))?;
        record.call_result.ok_or_else(|| OutboundError::NoCallResult { interaction_id: interaction_id.to_owned() })
    }

    /// `outbound.setDoNotCall`.
    ///
    /// # Errors
    /// Unknown id; no call made from the record.
    pub fn set_do_not_call(&mut self, interaction_id: &str) -> Result<(), OutboundError> {
        self.record_with_call(interaction_id)?.do_not_call = true;
        Ok(())
    }

    /// `outbound.removeDoNotCall`.
    ///
    /// # Errors
    /// Unknown id; no call made from the record.
    pub fn remove_do_not_call(&mut self, interaction_id: &str) -> Result<(), OutboundError> {
        self.record_with_call(interaction_id)?.do_not_call = false;
        Ok(())
    }

    /// `outbound.rescheduleRecord`: `reschedule_date` is `MM/DD/YYYY HH:MM` in the record's
    /// time zone, `callback_type` `CAMPAIGN` or `PERSONAL`. Replaces any earlier reschedule.
    ///
    /// # Errors
    /// Unknown id; a handle not in the chain; a date or time that does not exist or is not of
    /// that form; another callback type.
    pub fn reschedule_record(
        &mut self,
        interaction_id: &str,
        record_handle: i64,
        reschedule_date: &str,
        callback_type: &CallbackType,
    ) -> Result<(), OutboundError> {
        let record = self.record_mut(interaction_id)?;
        chain_index(record, interaction_id, record_handle)?;
        let date = DateTime::parse(reschedule_date)
            .map_err(|fault| OutboundError::InvalidRescheduleDate { value: reschedule_date.to_owned(), fault })?;
        if !matches!(callback_type, CallbackType::Campaign | CallbackType::Personal) {
            return Err(OutboundError::InvalidCallbackType { value: callback_type.as_str().to_owned() });
        }
        record.reschedule = Some(Reschedule { record_handle, date, callback_type: callback_type.clone() });
        Ok(())
    }

    /// `outbound.cancelReschedule`.
    ///
    /// # Errors
    /// Unknown id; the record is not rescheduled.
    pub fn cancel_reschedule(&mut self, interaction_id: &str) -> Result<(), OutboundError> {
        let record = self.record_mut(interaction_id)?;
        match record.reschedule.take() {
            Some(_) => Ok(()),
            None => Err(OutboundError::NotRescheduled { interaction_id: interaction_id.to_owned() }),
        }
    }

    /// `outbound.getRecordFields`.
    ///
    /// # Errors
    /// Unknown id.
    pub fn record_fields(&self, interaction_id: &str) -> Result<Vec<Field>, OutboundError> {
        Ok(self.record(interaction_id).ok_or_else(|| not_found(interaction_id))?.fields.clone())
    }

    /// `outbound.updateRecordFields`: checks every value, then sets them all (or none). A
    /// value must name a field that is editable, must not empty a mandatory field (`null` or a
    /// blank string), must have the JSON type of the field's `valueType`, and must read as
    /// the field's `fieldType` (see [`check_field_value`]). A `null` clears a field.
    ///
    /// # Errors
    /// Unknown id; the first offending field, in name order.
    pub fn update_record_fields(&mut self, interaction_id: &str, record_data: &UserData) -> Result<(), OutboundError> {
        let record = self.record_mut(interaction_id)?;
        let mut updates = Vec::with_capacity(record_data.len());
        for (name, value) in record_data {
            let index = record
                .fields
                .iter()
                .position(|f| f.name.as_deref() == Some(name.as_str()))
                .ok_or_else(|| OutboundError::UnknownField { name: name.clone() })?;
            if let Some(field) = record.fields.get(index) {
                check_field_value(field, name, value)?;
            }
            updates.push((index, text_of(value)));
        }
        for (index, text) in updates {
            if let Some(field) = record.fields.get_mut(index) {
                field.value = Some(text);
            }
        }
        Ok(())
    }

    /// The live record that `interaction_id` names (as record or as call).
    pub fn record(&self, interaction_id: &str) -> Option<&PreviewRecord> {
        self.records.get(&self.resolve(interaction_id)?)
    }

    /// Every live record, by record interaction id.
    pub fn records(&self) -> impl Iterator<Item = &PreviewRecord> {
        self.records.values()
    }

    /// The interaction (record or call) as last announced, unless it was removed.
    pub fn interaction(&self, interaction_id: &str) -> Option<Interaction> {
        let record = self.record(interaction_id)?;
        let which = if record.record.interaction_id == interaction_id { Which::Record } else { Which::Call };
        match record.leg(which) {
            Some(leg) if !leg.removed => record.snapshot(which),
            _ => None,
        }
    }

    /// Every interaction (records and calls) not yet removed.
    pub fn interactions(&self) -> Vec<Interaction> {
        let mut all = Vec::new();
        for record in self.records.values() {
            for which in [Which::Record, Which::Call] {
                if record.leg(which).is_some_and(|l| !l.removed) {
                    all.extend(record.snapshot(which));
                }
            }
        }
        all
    }

    /// The record id for a record or call id.
    fn resolve(&self, interaction_id: &str) -> Option<String> {
        if self.records.contains_key(interaction_id) {
            return Some(interaction_id.to_owned());
        }
        self.calls.get(interaction_id).cloned()
    }

    fn record_mut(&mut self, interaction_id: &str) -> Result<&mut PreviewRecord, OutboundError> {
        let id = self.resolve(interaction_id).ok_or_else(|| not_found(interaction_id))?;
        self.records.get_mut(&id).ok_or_else(|| not_found(interaction_id))
    }

    fn record_with_call(&mut self, interaction_id: &str) -> Result<&mut PreviewRecord, OutboundError> {
        let record = self.record_mut(interaction_id)?;
        if !record.phase.has_call() {
            return Err(OutboundError::NoCall { interaction_id: interaction_id.to_owned() });
        }
        Ok(record)
    }

    /// Removes a record (and its call id) from the desk.
    fn forget(&mut self, interaction_id: &str) -> Option<PreviewRecord> {
        let id = self.resolve(interaction_id)?;
        let record = self.records.remove(&id)?;
        if let Some(call) = record.call_interaction_id() {
            self.calls.remove(call);
        }
        Some(record)
    }
}

/// Checks one `updateRecordFields` value against its field, as documented for `outbound.Field`:
/// - `isEditable` false: refused;
/// - `isMandatory` true: `null` and blank strings are refused; otherwise `null` and `""`
///   clear the field and are not checked further;
/// - `valueType` `string`, `number`, `boolean`: the JSON type must match;
/// - `fieldType` `int` (a whole number, or its text), `float` (a number, or its text), `date`
///   (`MM/DD/YYYY HH:MM`, a real date), `time` (`HH:MM`), `bool` (`true`/`false`, or that text
///   in any case), `enum` (one of the `options` codes, as a number or text); `char` and
///   `var-char` take any text.
///
/// The seed's `updateRecordFields` sample sends `GSW_FROM: '10.15'` for a `time` field; that
/// is not `HH:MM` and is refused here, following the field type's documentation.
///
/// # Errors
/// The first rule the value breaks.
pub fn check_field_value(field: &Field, name: &str, value: &Value) -> Result<(), OutboundError> {
    let owned = || name.to_owned();
    if field.is_editable == Some(false) {
        return Err(OutboundError::FieldNotEditable { name: owned() });
    }
    let blank = match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    };
    if blank && field.is_mandatory == Some(true) {
        return Err(OutboundError::MandatoryFieldEmpty { name: owned() });
    }
    if matches!(value, Value::Null) {
        return Ok(());
    }
    let found = match value {
        Value::String(_) => "a string",
        Value::Number(_) => "a number",
        Value::Bool(_) => "a boolean",
        Value::Array(_) => "an array",
        _ => "an object",
    };
    if let Some(expected) = &field.value_type {
        let fits = match expected {
            ValueType::String => value.is_string(),
            ValueType::Number => value.is_number(),
            ValueType::Boolean => value.is_boolean(),
            ValueType::Other(_) => !value.is_array() && !value.is_object(),
        };
        if !fits {
            return Err(OutboundError::FieldValueType { name: owned(), expected: expected.clone(), found });
        }
    } else if value.is_array() || value.is_object() {
        return Err(OutboundError::FieldFormat {
            name: owned(),
            field_type: field.data_type().cloned().unwrap_or(FieldType::VarChar),
            value: value.to_string(),
            expected: "a string, a number or a boolean".to_owned(),
        });
    }
    if blank {
        return Ok(());
    }
    let Some(field_type) = field.data_type() else {
        return Ok(());
    };
    let text = text_of(value);
    let expected: Option<String> = match field_type {
        FieldType::Int => {
            let ok = match value {
                Value::Number(n) => n.is_i64() || n.is_u64(),
                Value::String(s) => s.parse::<i64>().is_ok(),
                _ => false,
            };
            (!ok).then(|| "a whole number".to_owned())
        }
        FieldType::Float => {
            let ok = match value {
                Value::Number(_) => true,
                Value::String(s) => s.parse::<f64>().is_ok_and(f64::is_finite),
                _ => false,
            };
            (!ok).then(|| "a number".to_owned())
        }
        FieldType::Date => match value {
            Value::String(s) => DateTime::parse(s).err().map(|fault| format!("a date MM/DD/YYYY HH:MM ({fault})")),
            _ => Some("a date string MM/DD/YYYY HH:MM".to_owned()),
        },
        FieldType::Time => match value {
            Value::String(s) => TimeOfDay::parse(s).err().map(|fault| format!("a time HH:MM ({fault})")),
            _ => Some("a time string HH:MM".to_owned()),
        },
        FieldType::Bool => {
            let ok = match value {
                Value::Bool(_) => true,
                Value::String(s) => s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false"),
                _ => false,
            };
            (!ok).then(|| "true or false".to_owned())
        }
        FieldType::Enum => match &field.options {
            Some(options) if !options.is_empty() && !options.contains_key(&text) => {
                let codes: Vec<&str> = options.keys().map(String::as_str).collect();
                Some(format!("one of the option codes {}", codes.join(", ")))
            }
            _ => None,
        },
        FieldType::Char | FieldType::VarChar | FieldType::Other(_) => None,
    };
    match expected {
        Some(expected) => Err(OutboundError::FieldFormat {
            name: owned(),
            field_type: field_type.clone(),
            value: value.to_string(),
            expected,
        }),
        None => Ok(()),
    }
}

/// The index in the chain of the record with this handle.
fn chain_index(record: &PreviewRecord, interaction_id: &str, record_handle: i64) -> Result<usize, OutboundError> {
    record
        .handles
        .iter()
        .position(|h| *h == Some(record_handle))
        .ok_or_else(|| OutboundError::UnknownRecordHandle { interaction_id: interaction_id.to_owned(), record_handle })
}

fn not_found(interaction_id: &str) -> OutboundError {
    OutboundError::NotFound { interaction_id: interaction_id.to_owned() }
}

fn event(event_type: InteractionEventType, interaction: Interaction) -> InteractionEvent {
    InteractionEvent {
        event_type: Some(event_type),
        media: Some(MEDIA.to_owned()),
        interaction: Some(Box::new(interaction)),
        ..InteractionEvent::default()
    }
}

/// A number, or a string of one.
fn as_integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A JSON value as the text the Workspace shows in `userData` and field values.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn stringify(record: &OutboundRecord) -> UserData {
    record.iter().map(|(k, v)| (k.clone(), Value::String(text_of(v)))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn types(events: &[InteractionEvent]) -> Vec<(&str, &str)> {
        events
            .iter()
            .map(|e| {
                let i = e.interaction.as_deref().unwrap();
                (e.event_type.as_ref().unwrap().as_str(), i.state.as_ref().unwrap().as_str())
            })
            .collect()
    }

    #[test]
    fn dates() {
        assert_eq!(DateTime::parse("05/27/2021 10:55").unwrap().to_string(), "05/27/2021 10:55");
        assert_eq!(DateTime::parse("02/29/2024 00:00").unwrap().day, 29);
        assert_eq!(DateTime::parse("02/29/2000 23:59").unwrap().time.minute, 59);
        assert_eq!(DateTime::parse("02/29/2023 10:00"), Err(DateFault::Day));
        assert_eq!(DateTime::parse("02/29/1900 10:00"), Err(DateFault::Day));
        assert_eq!(DateTime::parse("04/31/2021 10:00"), Err(DateFault::Day));
        assert_eq!(DateTime::parse("00/10/2021 10:00"), Err(DateFault::Month));
        assert_eq!(DateTime::parse("13/10/2021 10:00"), Err(DateFault::Month));
        assert_eq!(DateTime::parse("12/00/2021 10:00"), Err(DateFault::Day));
        assert_eq!(DateTime::parse("12/10/2021 24:00"), Err(DateFault::Hour));
        assert_eq!(DateTime::parse("12/10/2021 10:60"), Err(DateFault::Minute));
        assert_eq!(DateTime::parse("12/10/0000 10:00"), Err(DateFault::Year));
        for bad in [
            "5/27/2021 10:55",
            "05/27/21 10:55",
            "2021-05-27 10:55",
            "05/27/2021T10:55",
            "05/27/2021 10:55 ",
            "05/27/2021 1a:55",
            "",
            "05/27/2021 １0:55",
        ] {
            assert_eq!(DateTime::parse(bad), Err(DateFault::DateFormat), "{bad}");
        }
        assert_eq!(TimeOfDay::parse("23:45").unwrap().to_string(), "23:45");
        assert_eq!(TimeOfDay::parse("10.15"), Err(DateFault::TimeFormat));
        assert_eq!(TimeOfDay::parse("9:15"), Err(DateFault::TimeFormat));
        assert_eq!(TimeOfDay::parse("24:00"), Err(DateFault::Hour));
    }

    #[test]
    fn seed_call_results_match_fixture() {
        let results = seed_call_results();
        assert_eq!(results.len(), 39);
        assert_eq!(results["BUSY"], 6);
        assert_eq!(results["WRONG_NUMBER"], 53);
    }

    #[test]
    fn ui_event_names_round_trip() {
        for mode in PreviewMode::ALL {
            assert_eq!(PreviewMode::from_catalog_name(mode.catalog_name()), Some(mode));
            for ui in UiEvent::ALL {
                if let Some(name) = ui.catalog_name(mode) {
                    assert_eq!(UiEvent::from_catalog_name(name), Some(ui));
                }
            }
        }
        assert_eq!(UiEvent::Accepted.catalog_name(PreviewMode::Pull), None);
        assert_eq!(UiEvent::from_catalog_name("Dance"), None);
    }

    #[test]
    fn previous_state_changes_with_state_only() {
        let mut desk = OutboundDesk::new();
        let events = desk.receive(NewPreviewRecord::example(PreviewMode::Push, "1")).unwrap();
        let prev: Vec<_> =
            events.iter().map(|e| e.interaction.as_ref().unwrap().previous_state.clone().unwrap()).collect();
        assert_eq!(prev, [InteractionState::Unknown, InteractionState::Unknown]);
        let events = desk.accept("1").unwrap();
        assert_eq!(events[0].interaction.as_ref().unwrap().previous_state, Some(InteractionState::Invited));
    }

    #[test]
    fn split_release_and_mark_done_equals_the_table() {
        for mode in PreviewMode::ALL {
            let mut desk = OutboundDesk::new();
            desk.start_direct_push_preview();
            desk.receive(NewPreviewRecord::example(mode, "1")).unwrap();
            if mode != PreviewMode::Pull {
                desk.accept("1").unwrap();
            }
            desk.call("1", 283, "2", 1_000).unwrap();
            let mut split = desk.clone();
            let joined = desk.release_and_mark_done("2", 2_000).unwrap();
            let mut events = split.release("1", 2_000).unwrap();
            events.extend(split.mark_done("2").unwrap().events);
            assert_eq!(events, joined.events);
            assert!(desk.records().next().is_none());
            assert_eq!(desk.record("1"), None);
            assert_eq!(desk.record("2"), None);
        }
    }

    #[test]
    fn refused_transitions_change_nothing() {
        let mut desk = OutboundDesk::new();
        desk.receive(NewPreviewRecord::example(PreviewMode::Pull, "1")).unwrap();
        desk.reject_record(None).unwrap();
        let before = desk.clone();
        let err = desk.call("1", 283, "2", 0).unwrap_err();
        assert_eq!(
            err,
            OutboundError::InvalidTransition {
                interaction_id: "1".into(),
                mode: PreviewMode::Pull,
                action: Action::Call,
                phase: RecordPhase::Rejected
            }
        );
        assert_eq!(
            err.to_string(),
            "Error: Cannot call the Pull Preview record '1': it was rejected and waits to be marked done."
        );
        assert!(matches!(desk.accept("1"), Err(OutboundError::InvalidTransition { action: Action::Accept, .. })));
        assert!(matches!(desk.cancel_record(Some("1")), Err(OutboundError::InvalidTransition { .. })));
        assert!(matches!(desk.release("1", 0), Err(OutboundError::InvalidTransition { .. })));
        assert_eq!(desk, before);
        let done = desk.mark_done("1").unwrap();
        assert_eq!(types(&done.events), [("MARKDONE_APPLY", "REJECTED"), ("REMOVED", "REJECTED")]);
        assert_eq!(desk.accept("1").unwrap_err().to_string(), INTERACTION_NOT_FOUND);
    }

    #[test]
    fn call_checks_handle_and_ids() {
        let mut desk = OutboundDesk::new();
        desk.receive(NewPreviewRecord::example(PreviewMode::Pull, "1")).unwrap();
        assert!(matches!(
            desk.call("1", 999, "2", 0),
            Err(OutboundError::UnknownRecordHandle { record_handle: 999, .. })
        ));
        assert!(matches!(desk.call("1", 283, "1", 0), Err(OutboundError::DuplicateInteraction { .. })));
        let events = desk.call("1", 284, "2", 7).unwrap();
        let call = events[0].interaction.as_deref().unwrap();
        assert_eq!(call.name.as_deref(), Some("+33647004"));
        assert_eq!(call.start_date.as_ref().and_then(|d| d.as_millis()), Some(7));
        assert_eq!(call.user_data.as_ref().unwrap()["GSW_RECORD_HANDLE"], json!("284"));
        assert_eq!(desk.interaction("2").unwrap().state, Some(InteractionState::Dialing));
        assert_eq!(desk.interactions().len(), 2);
        assert!(matches!(
            desk.receive(NewPreviewRecord::example(PreviewMode::Pull, "2")),
            Err(OutboundError::DuplicateInteraction { .. })
        ));
    }

    #[test]
    fn receive_checks() {
        let mut desk = OutboundDesk::new();
        assert_eq!(
            desk.receive(NewPreviewRecord::example(PreviewMode::DirectPush, "1")),
            Err(OutboundError::DirectPushPreviewStopped)
        );
        let mut empty = NewPreviewRecord::example(PreviewMode::Pull, "1");
        empty.chain.clear();
        assert!(matches!(desk.receive(empty), Err(OutboundError::EmptyRecord { .. })));
        let mut no_handle = NewPreviewRecord::example(PreviewMode::Pull, "1");
        no_handle.chain[0].insert(RECORD_HANDLE_KEY.into(), json!("x"));
        assert!(matches!(desk.receive(no_handle), Err(OutboundError::MissingRecordHandle { .. })));
        let mut string_handle = NewPreviewRecord::example(PreviewMode::Pull, "1");
        string_handle.chain[0].insert(RECORD_HANDLE_KEY.into(), json!("283"));
        desk.receive(string_handle).unwrap();
        assert_eq!(desk.record("1").unwrap().record_handle(), Some(283));
    }

    #[test]
    fn pull_queue() {
        let mut desk = OutboundDesk::new();
        assert_eq!(
            desk.get_preview_record("Outbound Campaign Custom").unwrap_err().to_string(),
            "Error: No preview record is available for the campaign 'Outbound Campaign Custom'."
        );
        desk.queue_pull_record(NewPreviewRecord::example(PreviewMode::Push, "1"));
        assert!(desk.get_preview_record("Other").is_err());
        let events = desk.get_preview_record("Outbound Campaign Custom").unwrap();
        assert_eq!(types(&events), [("ADDED", "PREVIEWING"), ("PREVIEWING", "PREVIEWING")]);
        assert!(desk.pull_queue().is_empty());
        desk.queue_pull_record(NewPreviewRecord::example(PreviewMode::Pull, "1"));
        assert!(desk.get_preview_record("Outbound Campaign Custom").is_err());
        assert_eq!(desk.pull_queue().len(), 1);
    }

    #[test]
    fn reject_without_id() {
        let mut desk = OutboundDesk::new();
        assert_eq!(desk.reject_record(None), Err(OutboundError::NoRecordInPreview));
        desk.receive(NewPreviewRecord::example(PreviewMode::Pull, "1")).unwrap();
        desk.receive(NewPreviewRecord::example(PreviewMode::Pull, "2")).unwrap();
        assert_eq!(desk.cancel_record(None), Err(OutboundError::SeveralRecordsInPreview { count: 2 }));
        desk.cancel_record(Some("2")).unwrap();
        let events = desk.reject_record(None).unwrap();
        assert_eq!(events[0].interaction.as_ref().unwrap().interaction_id.as_deref(), Some("1"));
    }

    #[test]
    fn field_checks() {
        let record = NewPreviewRecord::example(PreviewMode::Pull, "1");
        let field = |n: &str| record.fields.iter().find(|f| f.name.as_deref() == Some(n)).unwrap().clone();
        let check = |n: &str, v: Value| check_field_value(&field(n), n, &v);
        assert_eq!(check("GSW_FROM", json!("10:15")), Ok(()));
        assert!(matches!(check("GSW_FROM", json!("10.15")), Err(OutboundError::FieldFormat { .. })));
        assert!(matches!(check("GSW_FROM", json!(615)), Err(OutboundError::FieldValueType { .. })));
        assert!(matches!(check("GSW_FROM", json!("")), Err(OutboundError::MandatoryFieldEmpty { .. })));
        assert!(matches!(check("GSW_FROM", Value::Null), Err(OutboundError::MandatoryFieldEmpty { .. })));
        assert!(matches!(check("CUSTOM_AMOUNT", json!(1.5)), Err(OutboundError::FieldNotEditable { .. })));
        assert_eq!(check("GSW_PHONE_TYPE", json!(4)), Ok(()));
        assert_eq!(check("GSW_PHONE_TYPE", Value::Null), Ok(()));
        let err = check("GSW_PHONE_TYPE", json!(9)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Error: The value 9 of the field 'GSW_PHONE_TYPE' is not a valid enum: expected one of the option codes 0, 1, 4."
        );
        let err = check("GSW_PHONE_TYPE", json!("4")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Error: The value of the field 'GSW_PHONE_TYPE' must be a number (its valueType), not a string."
        );
        assert_eq!(check("CUSTOM_OPT_IN", json!(false)), Ok(()));
        assert!(matches!(check("CUSTOM_OPT_IN", json!("false")), Err(OutboundError::FieldValueType { .. })));
        assert!(matches!(check("GSW_PHONE", json!(["+1"])), Err(OutboundError::FieldValueType { .. })));

        let typed = |ft: FieldType, vt: Option<ValueType>| Field {
            name: Some("F".into()),
            is_editable: Some(true),
            is_mandatory: Some(false),
            field_type: Some(ft),
            value_type: vt,
            ..Field::default()
        };
        let ok = |ft: FieldType, vt: Option<ValueType>, v: Value| check_field_value(&typed(ft, vt), "F", &v).is_ok();
        assert!(ok(FieldType::Int, Some(ValueType::Number), json!(12)));
        assert!(!ok(FieldType::Int, Some(ValueType::Number), json!(1.5)));
        assert!(ok(FieldType::Int, Some(ValueType::String), json!("-12")));
        assert!(!ok(FieldType::Int, Some(ValueType::String), json!("12a")));
        assert!(ok(FieldType::Float, Some(ValueType::String), json!("16.64")));
        assert!(!ok(FieldType::Float, Some(ValueType::String), json!("NaN")));
        assert!(!ok(FieldType::Float, Some(ValueType::String), json!("abc")));
        assert!(ok(FieldType::Float, Some(ValueType::String), json!("")));
        assert!(ok(FieldType::Date, Some(ValueType::String), json!("02/29/2024 12:00")));
        assert!(!ok(FieldType::Date, Some(ValueType::String), json!("02/30/2024 12:00")));
        assert!(!ok(FieldType::Date, None, json!(5)));
        assert!(ok(FieldType::Bool, Some(ValueType::String), json!("TRUE")));
        assert!(!ok(FieldType::Bool, Some(ValueType::String), json!("yes")));
        assert!(!ok(FieldType::Bool, None, json!(1)));
        assert!(ok(FieldType::Char, Some(ValueType::String), json!("anything")));
        assert!(ok(FieldType::Enum, Some(ValueType::String), json!("x")));
        assert!(!ok(FieldType::VarChar, None, json!({"a": 1})));
        assert_eq!(
            check_field_value(&typed(FieldType::Int, None), "F", &json!([1])).unwrap_err().to_string(),
            "Error: The value [1] of the field 'F' is not a valid int: expected a string, a number or a boolean."
        );
        // The legacy `type` key is read too.
        let legacy = Field { field_type: None, legacy_type: Some(FieldType::Time), ..typed(FieldType::Time, None) };
        assert!(check_field_value(&legacy, "F", &json!("10.15")).is_err());
    }
}
