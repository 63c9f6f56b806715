//! Fault injection: the switches tests (and `POST /admin/faults`) flip to make the
//! stand-in misbehave the way real links and platforms do.
//!
//! Faults apply to contract routes (`/v1/...`) only, never to `/admin/...`, and are taken
//! in this order for each request:
//! 1. **fail**: answer 503 `UNAVAILABLE` at once, before reading the body;
//! 2. **hang**: sleep for the given time (longer than the client's timeout), then answer
//!    503; nothing is processed, so the client's timeout fires first;
//! 3. **slow**: sleep for the given time, then process normally;
//! 4. the request is processed (a push commits here);
//! 5. **drop**: close the connection without answering: the *lost acknowledgement*. The
//!    platform has committed; the client sees a broken connection and must resend.
//!
//! Counted faults ("the next N requests") are consumed by the requests they hit.
//! A *poisoned case* makes every push batch containing one of its records fail as a whole
//! with 400 `BODY_INVALID`, as if that record could not be read: the client must find and
//! set aside the one record instead of giving up on the queue.
//! Rejection rules do not act on requests but on records: a new record whose case or kind
//! matches a rule is rejected with the rule's code and reason, inside a normal answer.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::clock::Clock;

/// A rule that rejects matching new records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectRule {
    /// Only records of this case (any case when `None`).
    pub case_id: Option<Uuid>,
    /// Only records of this kind, by wire name such as `page_metadata` (any kind when `None`).
    pub kind: Option<String>,
    /// Only records whose payload contains this text (any content when `None`): how the
    /// platform refuses an application for what it says, e.g. a malformed address, so that
    /// the corrected record under the same id is accepted.
    #[serde(default)]
    pub payload_contains: Option<String>,
    /// The code to answer with, e.g. `RECORD_INVALID`.
    pub code: String,
    /// The reason to answer with.
    pub reason: String,
}

impl RejectRule {
    fn matches(&self, case_id: Uuid, kind: &str, payload: &str) -> bool {
        self.case_id.is_none_or(|rule_case| rule_case == case_id)
            && self.kind.as_deref().is_none_or(|rule_kind| rule_kind == kind)
            && self.payload_contains.as_deref().is_none_or(|text| payload.contains(text))
    }
}

/// What `POST /admin/faults` accepts; every field is optional and only the given ones change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultRequest {
    /// Clear every fault and rule first.
    pub clear: bool,
    /// Answer the next N requests with 503.
    pub fail_next: Option<u32>,
    /// Make the next `count` requests hang for `millis`, then answer 503.
    pub hang_next: Option<HangRequest>,
    /// Drop the connection of the next N requests after processing them.
    pub drop_next: Option<u32>,
    /// Delay every request by this many milliseconds (0 turns it off).
    pub slow_millis: Option<u64>,
    /// Add a rejection rule.
    pub reject: Option<RejectRule>,
    /// Shift the stand-in's clock by this many seconds from the system clock.
    pub clock_offset_seconds: Option<i64>,
    /// Refuse whole push batches that contain a record of this case.
    pub poison_case: Option<Uuid>,
    /// Change one byte of the next N signed answers after signing them (a man in the
    /// middle turning a verdict round).
    #[serde(default)]
    pub tamper_next: Option<u32>,
}

/// Part of [`FaultRequest`]: hang `count` requests for `millis` each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HangRequest {
    /// How many requests.
    pub count: u32,
    /// For how long, in milliseconds.
    pub millis: u64,
}

#[derive(Debug, Default)]
struct FaultState {
    fail_next: u32,
    hang_next: u32,
    hang_for: Duration,
    drop_next: u32,
    tamper_next: u32,
    slow: Duration,
    reject_rules: Vec<RejectRule>,
    poisoned_cases: Vec<Uuid>,
}

/// What to do before processing a request (see the module docs for the order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BeforeRequest {
    /// Answer 503 now.
    Fail,
    /// Sleep, then answer 503.
    Hang(Duration),
    /// Sleep, then process (zero: process at once).
    Proceed(Duration),
}

/// Shared handle on the stand-in's faults. Cloning gives another handle on the same switches.
#[derive(Clone, Debug)]
pub struct Faults {
    state: Arc<Mutex<FaultState>>,
    clock: Clock,
}

impl Faults {
    pub(crate) fn new(clock: Clock) -> Faults {
        Faults { state: Arc::default(), clock }
    }

    fn state(&self) -> MutexGuard<'_, FaultState> {
        // A panic while holding this lock leaves plain counters behind: keep using them.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Answer the next `count` contract requests with 503 `UNAVAILABLE`.
    pub fn fail_next(&self, count: u32) {
        self.state().fail_next = count;
    }

    /// Make the next `count` contract requests hang for `duration` (choose it longer than
    /// the client's timeout), then answer 503 without processing them.
    pub fn hang_next(&self, count: u32, duration: Duration) {
        let mut state = self.state();
        state.hang_next = count;
        state.hang_for = duration;
    }

    /// Close the connection of the next `count` contract requests after processing (and,
    /// for a push, committing) them, without sending an answer: the lost acknowledgement.
    pub fn drop_after_commit_next(&self, count: u32) {
        self.state().drop_next = count;
    }

    /// Change one byte of the body of the next `count` signed answers after the platform
    /// signed them, leaving the signature: what a man in the middle would send.
    pub fn tamper_next(&self, count: u32) {
        self.state().tamper_next = count;
    }

    /// Delay every contract request by `delay` before processing it (zero turns it off).
    pub fn slow(&self, delay: Duration) {
        self.state().slow = delay;
    }

    /// Reject new records of `case_id` with `code` and `reason`.
    pub fn reject_case(&self, case_id: Uuid, code: &str, reason: &str) {
        self.add_reject_rule(RejectRule {
            case_id: Some(case_id),
            kind: None,
            payload_contains: None,
            code: code.to_owned(),
            reason: reason.to_owned(),
        });
    }

    /// Reject new records of `kind` (wire name, e.g. `opinion`) with `code` and `reason`.
    pub fn reject_kind(&self, kind: &str, code: &str, reason: &str) {
        self.add_reject_rule(RejectRule {
            case_id: None,
            kind: Some(kind.to_owned()),
            payload_contains: None,
            code: code.to_owned(),
            reason: reason.to_owned(),
        });
    }

    /// Add a rejection rule.
    pub fn add_reject_rule(&self, rule: RejectRule) {
        self.state().reject_rules.push(rule);
    }

    /// Refuse every push batch containing a record of `case_id` with 400 `BODY_INVALID`.
    pub fn poison_case(&self, case_id: Uuid) {
        self.state().poisoned_cases.push(case_id);
    }

    /// Shift the stand-in's clock (its `/v1/time`, signature window and decision times).
    pub fn set_clock_offset(&self, offset: chrono::TimeDelta) {
        self.clock.set_offset_millis(offset.num_milliseconds());
    }

    /// Turn every fault and rule off and reset the clock offset.
    pub fn clear(&self) {
        *self.state() = FaultState::default();
        self.clock.set_offset_millis(0);
    }

    /// Applies a [`FaultRequest`] from the admin route.
    pub fn apply(&self, request: FaultRequest) {
        if request.clear {
            self.clear();
        }
        if let Some(count) = request.fail_next {
            self.fail_next(count);
        }
        if let Some(hang) = request.hang_next {
            self.hang_next(hang.count, Duration::from_millis(hang.millis));
        }
        if let Some(count) = request.drop_next {
            self.drop_after_commit_next(count);
        }
        if let Some(count) = request.tamper_next {
            self.tamper_next(count);
        }
        if let Some(millis) = request.slow_millis {
            self.slow(Duration::from_millis(millis));
        }
        if let Some(rule) = request.reject {
            self.add_reject_rule(rule);
        }
        if let Some(case_id) = request.poison_case {
            self.poison_case(case_id);
        }
        if let Some(seconds) = request.clock_offset_seconds {
            self.clock.set_offset_millis(seconds.saturating_mul(1000));
        }
    }

    /// Takes the fault that applies before a request is processed.
    pub(crate) fn before_request(&self) -> BeforeRequest {
        let mut state = self.state();
        if state.fail_next > 0 {
            state.fail_next -= 1;
            return BeforeRequest::Fail;
        }
        if state.hang_next > 0 {
            state.hang_next -= 1;
            return BeforeRequest::Hang(state.hang_for);
        }
        BeforeRequest::Proceed(state.slow)
    }

    /// Whether to drop the connection of a request that was just processed (consumes one).
    pub(crate) fn take_tamper(&self) -> bool {
        let mut state = self.state();
        if state.tamper_next > 0 {
            state.tamper_next -= 1;
            return true;
        }
        false
    }

    pub(crate) fn take_drop(&self) -> bool {
        let mut state = self.state();
        if state.drop_next > 0 {
            state.drop_next -= 1;
            return true;
        }
        false
    }

    /// Whether `case_id` is poisoned.
    pub(crate) fn is_poisoned(&self, case_id: Uuid) -> bool {
        self.state().poisoned_cases.contains(&case_id)
    }

    /// The first rule rejecting a new record of `case_id` and `kind` with `payload` (its
    /// JSON text), as (code, reason).
    pub(crate) fn rejection_for(&self, case_id: Uuid, kind: &str, payload: &str) -> Option<(String, String)> {
        self.state()
            .reject_rules
            .iter()
            .find(|rule| rule.matches(case_id, kind, payload))
            .map(|rule| (rule.code.clone(), rule.reason.clone()))
    }
}
