//! A record's states on the device, their stable names, and which operations each allows.

use super::*;

/// A record's state on the device (ARCHITECTURE.md §3). The snake_case strings are stable API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordState {
    Draft,
    Queued,
    Sent,
    Accepted,
    Flagged,
    Rejected,
    Approved,
    HasIssues,
    RejectedByReview,
    Superseded,
    Withdrawn,
    Purged,
}

impl RecordState {
    /// Every state, in the order of ARCHITECTURE.md §3.
    pub const ALL: [RecordState; 12] = [
        RecordState::Draft,
        RecordState::Queued,
        RecordState::Sent,
        RecordState::Accepted,
        RecordState::Flagged,
        RecordState::Rejected,
        RecordState::Approved,
        RecordState::HasIssues,
        RecordState::RejectedByReview,
        RecordState::Superseded,
        RecordState::Withdrawn,
        RecordState::Purged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordState::Draft => "draft",
            RecordState::Queued => "queued",
            RecordState::Sent => "sent",
            RecordState::Accepted => "accepted",
            RecordState::Flagged => "flagged",
            RecordState::Rejected => "rejected",
            RecordState::Approved => "approved",
            RecordState::HasIssues => "has_issues",
            RecordState::RejectedByReview => "rejected_by_review",
            RecordState::Superseded => "superseded",
            RecordState::Withdrawn => "withdrawn",
            RecordState::Purged => "purged",
        }
    }

    /// The agent fixes it with a correction that supersedes it: the supervisor returned it
    /// (`has_issues`) or the server refused it (`rejected`). The shells offer "Perbaiki" for
    /// these, and [`Store::can_supersede`] and submit accept a correction of these only.
    pub fn needs_fix(self) -> bool {
        matches!(self, RecordState::HasIssues | RecordState::Rejected)
    }

    /// The agent can still take it back: not yet in a batch (`queued`) or a `draft` (discarded).
    /// The shells offer "Tarik" for these, and [`Store::withdraw`] accepts these only.
    pub fn can_withdraw(self) -> bool {
        matches!(self, RecordState::Queued | RecordState::Draft)
    }

    /// Parses a stable state string; anything else is [`CoreError::InvalidParameter`].
    pub fn parse(s: &str) -> Result<RecordState, CoreError> {
        RecordState::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| CoreError::InvalidParameter {
                field: "state".into(),
                code: "state.unknown".into(),
            })
    }
}

impl fmt::Display for RecordState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for RecordState {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RecordState::parse(s)
    }
}

/// States that count for the local duplicate check: the NIK is (or is about to be) enrolled.
pub(super) const LIVE_FOR_DUPLICATES: &str =
    "'queued','sent','accepted','flagged','approved','has_issues','purged'";
/// States a purge may erase, once confirmed longer ago than the retention.
pub(super) const PURGEABLE: &str =
    "'accepted','flagged','approved','rejected_by_review','superseded'";
pub(super) const KEEPS_CARD: &str = "'accepted','flagged','approved'";
